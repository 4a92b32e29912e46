//! The statistics as export tables (Vietnamese headings, the same figures as the JSON: counts
//! as `#,##0`, rates as percentages of the unrounded ratio, durations in seconds) and the
//! report workbook: a summary sheet, then one sheet per breakdown.
//!
//! Score distributions are in the JSON of every breakdown but not in its `.csv`/`.xlsx`
//! table (a column per number correct would make it too wide): the report's "Phân bố điểm"
//! sheet has them, one column per unit, category and day beside the scope's own.

use crate::export::{Field, Sheet};

use super::{CategoryStats, DayStats, StatsSummary, UnitStats};

/// The headings of the per-unit table, in Vietnamese.
pub const UNIT_HEADINGS: [&str; 11] = [
    "Mã đơn vị",
    "Tên đơn vị",
    "Khối",
    "Số người (chỉ tiêu)",
    "Số người dự thi",
    "Số lượt thi",
    "Số người đạt điểm tuyệt đối",
    "Số lượt đạt điểm tuyệt đối",
    "Tỷ lệ tham gia",
    "Điểm trung bình",
    "Thời gian làm bài trung vị (giây)",
];

/// The headings of the per-category table.
pub const CATEGORY_HEADINGS: [&str; 9] = [
    "Mã đối tượng",
    "Tên đối tượng",
    "Số người dự thi",
    "Số lượt thi",
    "Số người đạt điểm tuyệt đối",
    "Số lượt đạt điểm tuyệt đối",
    "Điểm trung bình",
    "Thời gian làm bài trung vị (giây)",
    "Số đơn vị có người dự thi",
];

/// The headings of the per-day table.
pub const DAY_HEADINGS: [&str; 10] = [
    "Ngày",
    "Số người dự thi mới",
    "Số người dự thi trong ngày",
    "Lũy kế số người dự thi",
    "Số lượt thi",
    "Số lượt đạt điểm tuyệt đối",
    "Số người đạt điểm tuyệt đối",
    "Điểm trung bình",
    "Thời gian làm bài trung vị (giây)",
    "Số đơn vị có người dự thi",
];

/// The first headings of the score distribution (the scope's); a column per unit, category
/// and day follows ([`score_headings`]).
pub const SCORE_HEADINGS: [&str; 3] = ["Số câu đúng", "Số lượt thi", "Tỷ lệ"];

/// The most columns a sheet may have (Excel's limit): the score distribution's columns per
/// breakdown stop there.
pub const MAX_COLUMNS: usize = 16_384;

/// The headings of the duration distribution.
pub const DURATION_HEADINGS: [&str; 4] = ["Từ (giây)", "Đến (giây)", "Số lượt thi", "Tỷ lệ"];

/// The headings of the summary sheet.
pub const SUMMARY_HEADINGS: [&str; 2] = ["Chỉ tiêu", "Giá trị"];

/// The report's sheet names, in order.
pub const REPORT_SHEETS: [&str; 6] = [
    "Tổng hợp",
    "Đơn vị",
    "Đối tượng",
    "Theo ngày",
    "Phân bố điểm",
    "Thời gian làm bài",
];

/// Milliseconds as seconds (a decimal cell), empty when unknown.
fn seconds(ms: Option<i64>) -> Field {
    Field::Decimal(ms.map(|ms| ms as f64 / 1000.0))
}

/// `part / whole`, unrounded; empty when `whole` is 0.
fn share(part: i64, whole: i64) -> Field {
    Field::Ratio((whole > 0).then(|| part as f64 / whole as f64))
}

/// The per-unit rows as export cells.
pub fn unit_cells(rows: &[UnitStats]) -> Vec<Vec<Field>> {
    rows.iter()
        .map(|r| {
            vec![
                Field::Text(r.unit_code.clone()),
                Field::Text(r.unit_name.clone()),
                Field::Text(r.block.clone()),
                r.headcount
                    .map_or(Field::Empty, |h| Field::Count(i64::from(h))),
                Field::Count(r.participants),
                Field::Count(r.attempts),
                Field::Count(r.perfect_participants),
                Field::Count(r.perfect_attempts),
                Field::Ratio(r.participation_rate),
                Field::Decimal(r.mean_score),
                seconds(r.median_duration_ms),
            ]
        })
        .collect()
}

/// The per-category rows as export cells (no code for the row without a category).
pub fn category_cells(rows: &[CategoryStats]) -> Vec<Vec<Field>> {
    rows.iter()
        .map(|r| {
            vec![
                r.category_code.clone().map_or(Field::Empty, Field::Text),
                Field::Text(r.category_name.clone()),
                Field::Count(r.participants),
                Field::Count(r.attempts),
                Field::Count(r.perfect_participants),
                Field::Count(r.perfect_attempts),
                Field::Decimal(r.mean_score),
                seconds(r.median_duration_ms),
                Field::Count(r.units_participating),
            ]
        })
        .collect()
}

/// The per-day rows as export cells.
pub fn day_cells(rows: &[DayStats]) -> Vec<Vec<Field>> {
    rows.iter()
        .map(|r| {
            vec![
                Field::Text(r.date.clone()),
                Field::Count(r.new_participants),
                Field::Count(r.active_participants),
                Field::Count(r.participants_to_date),
                Field::Count(r.attempts),
                Field::Count(r.perfect_attempts),
                Field::Count(r.perfect_participants),
                Field::Decimal(r.mean_score),
                seconds(r.median_duration_ms),
                Field::Count(r.units_participating),
            ]
        })
        .collect()
}

/// The breakdowns whose score distributions the report shows beside the scope's.
#[derive(Debug, Clone, Copy)]
pub struct Breakdowns<'a> {
    /// Per unit.
    pub units: &'a [UnitStats],
    /// Per category.
    pub categories: &'a [CategoryStats],
    /// Per day.
    pub days: &'a [DayStats],
}

impl Breakdowns<'_> {
    /// `(heading, distribution)` of each column after the scope's: units (`Đơn vị: P01`),
    /// categories (`Đối tượng: citizen`, `Đối tượng: (không có)` for attempts without one),
    /// days (`Ngày: 2026-11-25`); at most [`MAX_COLUMNS`] columns in all.
    fn columns(&self) -> Vec<(String, &[i64])> {
        let units = self.units.iter().map(|u| {
            (
                format!("Đơn vị: {}", u.unit_code),
                &u.score_distribution[..],
            )
        });
        let categories = self.categories.iter().map(|c| {
            let code = c.category_code.as_deref().unwrap_or("(không có)");
            (format!("Đối tượng: {code}"), &c.score_distribution[..])
        });
        let days = self
            .days
            .iter()
            .map(|d| (format!("Ngày: {}", d.date), &d.score_distribution[..]));
        units
            .chain(categories)
            .chain(days)
            .take(MAX_COLUMNS - SCORE_HEADINGS.len())
            .collect()
    }
}

/// The score distribution's headings: [`SCORE_HEADINGS`], then one per breakdown column.
pub fn score_headings(breakdowns: &Breakdowns<'_>) -> Vec<String> {
    SCORE_HEADINGS
        .iter()
        .map(|h| (*h).to_owned())
        .chain(breakdowns.columns().into_iter().map(|(h, _)| h))
        .collect()
}

/// The score distribution: one row per number correct, with the scope's attempts and their
/// share, then the attempts of each unit, category and day with that number correct.
pub fn score_cells(summary: &StatsSummary, breakdowns: &Breakdowns<'_>) -> Vec<Vec<Field>> {
    let total: i64 = summary.score_distribution.iter().sum();
    let columns = breakdowns.columns();
    summary
        .score_distribution
        .iter()
        .enumerate()
        .map(|(correct, n)| {
            let mut row = vec![
                Field::Int(correct as i64),
                Field::Count(*n),
                share(*n, total),
            ];
            row.extend(
                columns
                    .iter()
                    .map(|(_, dist)| Field::Count(dist.get(correct).copied().unwrap_or(0))),
            );
            row
        })
        .collect()
}

/// The duration distribution: one row per bucket (edges in seconds), with its share.
pub fn duration_cells(summary: &StatsSummary) -> Vec<Vec<Field>> {
    let total: i64 = summary
        .duration_distribution
        .iter()
        .map(|b| b.attempts)
        .sum();
    summary
        .duration_distribution
        .iter()
        .map(|b| {
            vec![
                seconds(Some(b.from_ms)),
                seconds(Some(b.to_ms)),
                Field::Count(b.attempts),
                share(b.attempts, total),
            ]
        })
        .collect()
}

/// What the report says about itself on its summary sheet.
#[derive(Debug, Clone)]
pub struct ReportHeader {
    /// The contest's title.
    pub contest_title: String,
    /// "Toàn cuộc thi" or "Đợt n".
    pub scope: String,
    /// "Tất cả đơn vị" or the unit manager's unit ("P01 – Phường Bắc Hồng").
    pub units: String,
    /// The contest's time zone (the days' zone).
    pub timezone: String,
    /// When the report was made, local time.
    pub generated_at: String,
}

/// The summary sheet's rows: labels in Vietnamese, then the figure.
pub fn summary_cells(header: &ReportHeader, s: &StatsSummary) -> Vec<Vec<Field>> {
    let text =
        |label: &str, value: &str| vec![Field::Text(label.into()), Field::Text(value.into())];
    let count = |label: &str, n: i64| vec![Field::Text(label.into()), Field::Count(n)];
    let row = |label: &str, cell: Field| vec![Field::Text(label.into()), cell];
    vec![
        text("Cuộc thi", &header.contest_title),
        text("Phạm vi", &header.scope),
        text("Đơn vị", &header.units),
        text("Múi giờ", &header.timezone),
        text("Thời điểm lập báo cáo", &header.generated_at),
        count("Số đơn vị có người dự thi", s.units_participating),
        count("Tổng số đơn vị", s.units_total),
        row(
            "Tỷ lệ đơn vị tham gia",
            share(s.units_participating, s.units_total),
        ),
        count("Số người dự thi", s.participants),
        count("Số lượt thi", s.attempts),
        count("Số người đạt điểm tuyệt đối", s.perfect_participants),
        count("Số lượt đạt điểm tuyệt đối", s.perfect_attempts),
        row(
            "Tỷ lệ lượt thi đạt điểm tuyệt đối",
            share(s.perfect_attempts, s.attempts),
        ),
        row("Điểm trung bình", Field::Decimal(s.mean_score)),
        row(
            "Thời gian làm bài trung vị (giây)",
            seconds(s.median_duration_ms),
        ),
        count("Số lượt đang làm bài", s.in_progress),
    ]
}

fn sheet(name: &str, headings: &[&str], rows: Vec<Vec<Field>>) -> Sheet {
    Sheet {
        name: name.to_owned(),
        headings: headings.iter().map(|h| (*h).to_owned()).collect(),
        rows,
    }
}

/// The report workbook's sheets, in [`REPORT_SHEETS`] order.
pub fn report_sheets(
    header: &ReportHeader,
    summary: &StatsSummary,
    units: &[UnitStats],
    categories: &[CategoryStats],
    days: &[DayStats],
) -> Vec<Sheet> {
    let [s_summary, s_units, s_categories, s_days, s_scores, s_durations] = REPORT_SHEETS;
    let breakdowns = Breakdowns {
        units,
        categories,
        days,
    };
    vec![
        sheet(s_summary, &SUMMARY_HEADINGS, summary_cells(header, summary)),
        sheet(s_units, &UNIT_HEADINGS, unit_cells(units)),
        sheet(s_categories, &CATEGORY_HEADINGS, category_cells(categories)),
        sheet(s_days, &DAY_HEADINGS, day_cells(days)),
        Sheet {
            name: s_scores.to_owned(),
            headings: score_headings(&breakdowns),
            rows: score_cells(summary, &breakdowns),
        },
        sheet(s_durations, &DURATION_HEADINGS, duration_cells(summary)),
    ]
}
