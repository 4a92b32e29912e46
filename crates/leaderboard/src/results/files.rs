//! The files organizers download for a result version: the winners (`winners.csv`,
//! `winners.xlsx` with the collective winners and the version's facts on more sheets) and the
//! full ranking (`ranking.csv`, `ranking.xlsx`), in Vietnamese headings.
//!
//! Tables are built here as [`Cell`]s and written by the export helpers: CSV through
//! [`crate::export::fields_to_csv`] (UTF-8 with BOM, text neutralised so it can never be read as a
//! formula), workbooks through [`crate::export::to_xlsx_book`] (bold frozen heading row,
//! column widths, text always as string cells). Names come from the participants table; no
//! phone or national ID is ever written.

use std::collections::{HashMap, HashSet};

use cuocthi_domain::allocation::{format_ms, ExportRow};
use cuocthi_domain::explain::format_duration;
use cuocthi_domain::ranking::prediction_error;

use super::service::FinalizedResult;
use crate::export::Field as Cell;

/// Columns of the winners table.
pub const WINNER_HEADINGS: [&str; 13] = [
    "Giải",
    "Hạng",
    "Họ và tên",
    "Mã đơn vị",
    "Đơn vị",
    "Đối tượng",
    "Điểm",
    "Số câu đúng",
    "Dự đoán",
    "Sai số dự đoán",
    "Thời gian làm bài (mm:ss)",
    "Nộp lúc",
    "Quyết định bởi",
];

/// Columns of the collective winners sheet.
pub const COLLECTIVE_HEADINGS: [&str; 6] = [
    "Hạng",
    "Mã đơn vị",
    "Đơn vị",
    "Khối",
    "Số người tham gia",
    "Tỷ lệ tham gia",
];

/// Columns of the facts sheet.
pub const INFO_HEADINGS: [&str; 2] = ["Mục", "Giá trị"];

/// Columns of the full ranking.
pub const RANKING_HEADINGS: [&str; 12] = [
    "Hạng",
    "Họ và tên",
    "Mã đơn vị",
    "Đơn vị",
    "Đối tượng",
    "Điểm",
    "Số câu đúng",
    "Dự đoán",
    "Sai số",
    "Thời gian",
    "Nộp lúc",
    "Giải",
];

/// The Vietnamese name of a `decided_by` key.
pub fn decided_by_label(key: &str) -> &'static str {
    match key {
        "score" => "Điểm",
        "prediction_error" => "Sai số dự đoán",
        "duration_ms" => "Thời gian làm bài",
        "submitted_at" => "Thời điểm nộp bài",
        "attempts_used" => "Số lượt thi",
        "registered_at" => "Thời điểm đăng ký",
        "draw" => "Bốc thăm",
        "lottery" => "Bốc thăm giải may mắn",
        _ => "",
    }
}

fn text(s: impl Into<String>) -> Cell {
    Cell::Text(s.into())
}

fn opt_int(n: Option<i64>) -> Cell {
    n.map_or(Cell::Empty, Cell::Int)
}

fn error_cell(error: Option<u64>) -> Cell {
    match error {
        None => Cell::Empty,
        Some(e) => i64::try_from(e).map_or_else(|_| text(e.to_string()), Cell::Int),
    }
}

fn category_cell(category: Option<&str>, names: &HashMap<String, String>) -> Cell {
    match category {
        None => Cell::Empty,
        Some(code) => text(names.get(code).map_or(code, String::as_str)),
    }
}

/// One row per individual winner, in the result's order (rank order): the tier name, rank,
/// name, unit, category (its name when known), score, correct answers, prediction and its
/// error, duration (`mm:ss.mmm`), finish (RFC 3339 UTC) and what decided (the explanation in
/// Vietnamese, else the name of the deciding key).
pub fn winner_rows(
    result: &FinalizedResult,
    categories: &HashMap<String, String>,
) -> Vec<Vec<Cell>> {
    result
        .prizes
        .iter()
        .map(|p| {
            let decided = p
                .explanation
                .as_ref()
                .map(|e| e.text_vi.clone())
                .or_else(|| {
                    p.decided_by
                        .as_deref()
                        .map(|k| decided_by_label(k).to_owned())
                })
                .unwrap_or_default();
            vec![
                text(p.tier_name.clone()),
                Cell::Int(i64::from(p.rank)),
                text(p.name.clone()),
                text(p.unit_code.clone()),
                text(p.unit_name.clone()),
                category_cell(p.category.as_deref(), categories),
                Cell::Int(i64::from(p.score)),
                Cell::Int(i64::from(p.correct)),
                opt_int(p.prediction),
                error_cell(p.prediction_error),
                text(format_duration(p.duration_ms)),
                text(p.submitted_at.clone()),
                text(decided),
            ]
        })
        .collect()
}

/// One row per winning unit, in rank order.
pub fn collective_rows(result: &FinalizedResult) -> Vec<Vec<Cell>> {
    result
        .collective
        .iter()
        .map(|u| {
            vec![
                Cell::Int(i64::from(u.rank)),
                text(u.unit_code.clone()),
                text(u.unit_name.clone()),
                text(u.block.clone()),
                Cell::Int(i64::try_from(u.participants).unwrap_or(i64::MAX)),
                Cell::Ratio(u.participation_rate),
            ]
        })
        .collect()
}

/// The facts of a version: contest, round, version, seed, export hash, times.
pub fn info_rows(
    contest_title: &str,
    result: &FinalizedResult,
    published_at: Option<&str>,
    needs_refinalize: bool,
) -> Vec<Vec<Cell>> {
    let yes_no = |b: bool| if b { "Có" } else { "Không" };
    vec![
        vec![text("Cuộc thi"), text(contest_title)],
        vec![text("Đợt"), Cell::Int(i64::from(result.round))],
        vec![text("Phiên bản"), Cell::Int(i64::from(result.version))],
        vec![
            text("Hạt giống bốc thăm (seed)"),
            text(result.draw_seed.clone()),
        ],
        vec![
            text("Đã công bố trước mã băm của hạt giống"),
            text(yes_no(result.seed_committed)),
        ],
        vec![text("Giá trị thực của câu dự đoán"), opt_int(result.actual)],
        vec![text("export_sha256"), text(result.export_sha256.clone())],
        vec![
            text("Chốt lúc (finalized_at)"),
            text(result.finalized_at.clone()),
        ],
        vec![
            text("Công bố lúc"),
            text(published_at.unwrap_or("Chưa công bố")),
        ],
        vec![
            text("Cần chốt lại sau chấm lại"),
            text(yes_no(needs_refinalize)),
        ],
    ]
}

/// What the full ranking needs to name people, units, categories and prizes.
#[derive(Debug, Default)]
pub struct Names {
    /// `participant_ref` → full name.
    pub people: HashMap<String, String>,
    /// Unit code → unit name.
    pub units: HashMap<String, String>,
    /// Category code → category name.
    pub categories: HashMap<String, String>,
}

/// The full ranking from a version's canonical export: one row per ranked participant (their
/// best attempt) in rank order, then one per unranked (ineligible) participant, their first
/// attempt in the export's order, with an empty rank. `Giải` is the tier name of the prize
/// won on that attempt (from the version's prizes), empty otherwise.
pub fn ranking_rows(
    export: &[ExportRow],
    result: &FinalizedResult,
    names: &Names,
) -> Vec<Vec<Cell>> {
    let prize_names: HashMap<uuid::Uuid, &str> = result
        .prizes
        .iter()
        .map(|p| (p.attempt_id, p.tier_name.as_str()))
        .collect();
    let ranked: HashSet<&str> = export
        .iter()
        .filter(|r| r.rank.is_some())
        .map(|r| r.participant_ref.as_str())
        .collect();
    let mut seen: HashSet<&str> = HashSet::new();
    let mut rows = Vec::new();
    for row in export {
        let reference = row.participant_ref.as_str();
        let is_best = match row.rank {
            Some(_) => true,
            None => !ranked.contains(reference) && !seen.contains(reference),
        };
        if !is_best {
            continue;
        }
        seen.insert(reference);
        rows.push(vec![
            opt_int(row.rank.map(i64::from)),
            text(names.people.get(reference).cloned().unwrap_or_default()),
            text(row.unit_code.clone()),
            text(names.units.get(&row.unit_code).cloned().unwrap_or_default()),
            category_cell(row.category.as_deref(), &names.categories),
            Cell::Int(i64::from(row.score)),
            Cell::Int(i64::from(row.correct)),
            opt_int(row.prediction),
            error_cell(
                result
                    .actual
                    .and_then(|a| prediction_error(row.prediction, a)),
            ),
            text(format_duration(row.duration_ms)),
            text(format_ms(row.submitted_at_ms)),
            text(
                prize_names
                    .get(&row.attempt_id)
                    .copied()
                    .unwrap_or_default(),
            ),
        ]);
    }
    rows
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::export::{fields_to_csv as to_csv, to_xlsx_book, Sheet};
    use crate::results::service::PrizeOut;
    use cuocthi_domain::allocation::participant_ref;
    use uuid::Uuid;

    fn result() -> FinalizedResult {
        FinalizedResult {
            version: 2,
            round: 1,
            actual: Some(5),
            seed_committed: true,
            draw_seed: "=cmd".into(),
            prizes: vec![PrizeOut {
                tier: "first".into(),
                tier_name: "Giải Nhất".into(),
                pool: None,
                rank: 1,
                participant_id: Uuid::from_u128(1),
                name: "=HYPERLINK(\"x\")".into(),
                unit_code: "CQ1".into(),
                unit_name: "Phòng Nội vụ".into(),
                category: Some("cs".into()),
                score: 4,
                correct: 4,
                prediction: Some(7),
                prediction_error: Some(2),
                duration_ms: 65_120,
                attempt_id: Uuid::from_u128(11),
                submitted_at: "2026-11-25T02:01:05.120Z".into(),
                decided_by: Some("score".into()),
                explanation: None,
            }],
            collective: Vec::new(),
            unawarded: Vec::new(),
            collective_unawarded: 0,
            export_sha256: "ab".into(),
            finalized_at: "2026-12-25T00:00:00.000Z".into(),
        }
    }

    #[test]
    fn winner_rows_name_the_category_and_neutralise_in_csv() {
        let categories: HashMap<String, String> =
            [("cs".to_owned(), "Cán bộ, công chức".to_owned())].into();
        let rows = winner_rows(&result(), &categories);
        assert_eq!(rows[0][0], Cell::Text("Giải Nhất".into()));
        assert_eq!(rows[0][5], Cell::Text("Cán bộ, công chức".into()));
        assert_eq!(rows[0][9], Cell::Int(2));
        assert_eq!(rows[0][10], Cell::Text("01:05.120".into()));
        assert_eq!(rows[0][12], Cell::Text("Điểm".into()));
        let csv = String::from_utf8(to_csv(&WINNER_HEADINGS, &rows)).unwrap_or_default();
        assert!(csv.starts_with('\u{feff}'));
        assert!(csv.contains("\"'=HYPERLINK(\"\"x\"\")\""), "{csv}");
        let bytes = to_xlsx_book(&[Sheet {
            name: "Giải cá nhân".into(),
            headings: WINNER_HEADINGS.iter().map(|h| (*h).to_owned()).collect(),
            rows,
        }]);
        assert!(bytes.is_ok_and(|b| b.starts_with(b"PK")));
    }

    #[test]
    fn the_ranking_has_one_row_per_participant_ranked_first() {
        let r = result();
        let pa = participant_ref(Uuid::from_u128(1));
        let pb = participant_ref(Uuid::from_u128(2));
        let row = |rank: Option<u32>, reference: &str, attempt: u128, eligible: bool| ExportRow {
            rank,
            participant_ref: reference.into(),
            attempt_id: Uuid::from_u128(attempt),
            unit_code: "CQ1".into(),
            category: None,
            eligible,
            score: 3,
            correct: 3,
            total: 4,
            prediction: None,
            duration_ms: 1000,
            submitted_at_ms: 0,
            prize: None,
        };
        let export = vec![
            row(Some(1), &pa, 11, true),
            row(None, &pa, 12, true),
            row(None, &pb, 21, false),
            row(None, &pb, 22, false),
        ];
        let names = Names {
            people: [
                (pa.clone(), "An".to_owned()),
                (pb.clone(), "Bình".to_owned()),
            ]
            .into(),
            units: [("CQ1".to_owned(), "Phòng Nội vụ".to_owned())].into(),
            categories: HashMap::new(),
        };
        let rows = ranking_rows(&export, &r, &names);
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0][0], Cell::Int(1));
        assert_eq!(rows[0][1], Cell::Text("An".into()));
        assert_eq!(rows[0][11], Cell::Text("Giải Nhất".into()));
        assert_eq!(rows[1][0], Cell::Empty);
        assert_eq!(rows[1][1], Cell::Text("Bình".into()));
        assert_eq!(rows[1][8], Cell::Empty, "no prediction, no error");
    }
}
