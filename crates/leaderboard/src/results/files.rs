//! The files organizers download for a result version: the winners (`winners.csv`,
//! `winners.xlsx` with the collective winners and the version's facts on more sheets) and the
//! full ranking (`ranking.csv`, `ranking.xlsx`), in Vietnamese headings.
//!
//! Tables are built here as [`Cell`]s and written by the export helpers: CSV through
//! [`crate::export::fields_to_csv`] and [`crate::export::csv_row`] (UTF-8 with BOM, text
//! neutralised so it can never be read as a formula), the winners workbook through
//! [`crate::export::to_xlsx_book`] (bold frozen heading row, column widths, text always as
//! string cells). The full ranking of a large round (a million attempts) never becomes one
//! table in memory: its canonical export is read a chunk of rows at a time ([`read_export`]),
//! each listed row becomes a line of CSV as it is read, and its workbook is written in
//! rust_xlsxwriter's constant-memory mode ([`ranking_xlsx`]). Names come from the participants
//! table; no phone or national ID is ever written. The winners files name nobody but the
//! winners: "Quyết định bởi" compares a winner with the next rank by rank only.

use std::collections::{HashMap, HashSet};

use rust_xlsxwriter::{Format, Workbook, Worksheet, XlsxError};
use uuid::Uuid;

use cuocthi_domain::allocation::{format_ms, parse_export, ExportError, ExportRow, EXPORT_HEADER};
use cuocthi_domain::explain::{anonymous_texts, format_duration, ExplainValue};
use cuocthi_domain::ranking::{prediction_error, DecidedBy};

use super::service::{ExplanationOut, FinalizedResult, PrizeOut};
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

/// The Vietnamese text of an explanation that names nobody but the winner (see
/// [`cuocthi_domain::explain::anonymous_texts`]): "Hơn hạng 7 vì sai số dự đoán nhỏ hơn: 3 so
/// với 6". `None` when the stored parts cannot be read back (never the stored, named text).
pub fn anonymous_text_vi(explanation: &ExplanationOut) -> Option<String> {
    let key: DecidedBy =
        serde_json::from_value(serde_json::Value::String(explanation.key.clone())).ok()?;
    let value: Option<ExplainValue> = serde_json::from_value(explanation.value.clone()).ok()?;
    let against: Option<ExplainValue> =
        serde_json::from_value(explanation.against_value.clone()).ok()?;
    let (vi, _) = anonymous_texts(
        key,
        explanation.against_rank,
        value.as_ref(),
        against.as_ref(),
        &explanation.text_vi,
        &explanation.text_en,
    );
    Some(vi)
}

/// What decided a winner's place, for files: the name-free explanation, else the Vietnamese
/// name of the deciding key, else nothing.
fn decided_text(prize: &PrizeOut) -> String {
    prize
        .explanation
        .as_ref()
        .and_then(anonymous_text_vi)
        .or_else(|| {
            prize
                .decided_by
                .as_deref()
                .map(|k| decided_by_label(k).to_owned())
        })
        .unwrap_or_default()
}

/// One row per individual winner, in the result's order (rank order): the tier name, rank,
/// name, unit, category (its name when known), score, correct answers, prediction and its
/// error, duration (`mm:ss.mmm`), finish (RFC 3339 UTC) and what decided (the explanation in
/// Vietnamese without the name of the participant compared with, else the name of the
/// deciding key). No other participant's name is ever written.
pub fn winner_rows(
    result: &FinalizedResult,
    categories: &HashMap<String, String>,
) -> Vec<Vec<Cell>> {
    result
        .prizes
        .iter()
        .map(|p| {
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
                text(decided_text(p)),
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

/// Rows of a canonical export parsed at a time by [`read_export`].
const CHUNK_RECORDS: usize = 4096;

/// The same error with its record number counted from the start of the whole file.
fn shifted(error: ExportError, before: usize) -> ExportError {
    match error {
        ExportError::Header => ExportError::Header,
        ExportError::Unterminated { record } => ExportError::Unterminated {
            record: record + before,
        },
        ExportError::Columns { record, found } => ExportError::Columns {
            record: record + before,
            found,
        },
        ExportError::Field { record, column } => ExportError::Field {
            record: record + before,
            column,
        },
    }
}

/// Reads a canonical results export row by row, in file order, handing each row to `each`:
/// the same rows and the same errors as [`cuocthi_domain::allocation::parse_export`] (which
/// parses every chunk), but never more than a few thousand rows in memory at once. A record
/// may span lines inside quotes (RFC 4180): it ends at the first line end after an even
/// number of quotes.
pub fn read_export(csv: &str, mut each: impl FnMut(ExportRow)) -> Result<(), ExportError> {
    read_export_while(csv, |row| {
        each(row);
        true
    })
}

/// [`read_export`], stopping (without error) after the first row for which `each` returns
/// `false`.
pub fn read_export_while(
    csv: &str,
    mut each: impl FnMut(ExportRow) -> bool,
) -> Result<(), ExportError> {
    let body = csv.strip_prefix('\u{feff}').unwrap_or(csv);
    let (header, mut rest) = body.split_once('\n').unwrap_or((body, ""));
    if header.strip_suffix('\r').unwrap_or(header) != EXPORT_HEADER {
        return Err(ExportError::Header);
    }
    let mut chunk = String::new();
    let mut before = 0usize;
    loop {
        chunk.clear();
        chunk.push_str(EXPORT_HEADER);
        chunk.push('\n');
        let mut records = 0usize;
        while records < CHUNK_RECORDS && !rest.is_empty() {
            let bytes = rest.as_bytes();
            let mut end = 0usize;
            let mut quotes = 0usize;
            loop {
                let line = bytes.get(end..).unwrap_or_default();
                let len = line
                    .iter()
                    .position(|b| *b == b'\n')
                    .map_or(line.len(), |i| i + 1);
                quotes += line.iter().take(len).filter(|b| **b == b'"').count();
                end += len;
                if quotes % 2 == 0 || end >= bytes.len() {
                    break;
                }
            }
            // `end` follows a `\n` or is the end: a character boundary.
            let (record, after) = rest.split_at(end);
            chunk.push_str(record);
            if !record.ends_with('\n') {
                chunk.push('\n');
            }
            rest = after;
            records += 1;
        }
        if records == 0 {
            return Ok(());
        }
        // The chunk's header is record 1, as the file's is.
        for row in parse_export(&chunk).map_err(|e| shifted(e, before))? {
            if !each(row) {
                return Ok(());
            }
        }
        before += records;
    }
}

/// The first 16 hex digits of a `participant_ref` as a number (parsed rows have exactly 16).
fn ref_key(participant_ref: &str) -> u64 {
    u64::from_str_radix(participant_ref, 16).unwrap_or(0)
}

/// The attempts the full ranking lists, read from a version's canonical export: every ranked
/// row (a ranked participant's best attempt) and, for each participant ranked nowhere in the
/// file (ineligible), their first attempt in file order.
pub fn ranking_attempts(csv: &str) -> Result<HashSet<Uuid>, ExportError> {
    let mut listed: HashSet<Uuid> = HashSet::new();
    let mut ranked: HashSet<u64> = HashSet::new();
    let mut first_unranked: HashMap<u64, Uuid> = HashMap::new();
    read_export(csv, |row| {
        let key = ref_key(&row.participant_ref);
        if row.rank.is_some() {
            ranked.insert(key);
            listed.insert(row.attempt_id);
        } else {
            first_unranked.entry(key).or_insert(row.attempt_id);
        }
    })?;
    listed.extend(
        first_unranked
            .into_iter()
            .filter(|(key, _)| !ranked.contains(key))
            .map(|(_, attempt)| attempt),
    );
    Ok(listed)
}

/// What the full ranking needs to name people, units, categories and prizes.
#[derive(Debug, Default)]
pub struct Names {
    /// The attempts the ranking lists ([`ranking_attempts`]) → their participant's full name
    /// (empty when unknown). A row of the export is written exactly when its attempt is here.
    pub people: HashMap<Uuid, String>,
    /// Unit code → unit name.
    pub units: HashMap<String, String>,
    /// Category code → category name.
    pub categories: HashMap<String, String>,
}

/// Makes the rows of the full ranking, one export row at a time.
pub struct RankingRows<'a> {
    names: &'a Names,
    prizes: HashMap<Uuid, &'a str>,
    actual: Option<i64>,
}

impl<'a> RankingRows<'a> {
    /// The row maker of a version with these names.
    pub fn new(result: &'a FinalizedResult, names: &'a Names) -> Self {
        Self {
            names,
            prizes: result
                .prizes
                .iter()
                .map(|p| (p.attempt_id, p.tier_name.as_str()))
                .collect(),
            actual: result.actual,
        }
    }

    /// The ranking's row for this export row: rank (empty when unranked), name, unit code and
    /// name, category name, score, correct answers, prediction and its error, duration
    /// (`mm:ss.mmm`), finish (RFC 3339 UTC) and the tier name of the prize won on that attempt
    /// (empty otherwise). `None` when the ranking does not list the attempt.
    pub fn row(&self, row: &ExportRow) -> Option<Vec<Cell>> {
        let name = self.names.people.get(&row.attempt_id)?;
        Some(vec![
            opt_int(row.rank.map(i64::from)),
            text(name.clone()),
            text(row.unit_code.clone()),
            text(
                self.names
                    .units
                    .get(&row.unit_code)
                    .cloned()
                    .unwrap_or_default(),
            ),
            category_cell(row.category.as_deref(), &self.names.categories),
            Cell::Int(i64::from(row.score)),
            Cell::Int(i64::from(row.correct)),
            opt_int(row.prediction),
            error_cell(
                self.actual
                    .and_then(|a| prediction_error(row.prediction, a)),
            ),
            text(format_duration(row.duration_ms)),
            text(format_ms(row.submitted_at_ms)),
            text(
                self.prizes
                    .get(&row.attempt_id)
                    .copied()
                    .unwrap_or_default(),
            ),
        ])
    }
}

/// The full ranking from a version's canonical export, handed row by row to `each` in file
/// order: one row per ranked participant (their best attempt) in rank order, then one per
/// unranked (ineligible) participant, their first attempt, with an empty rank (exactly the
/// attempts of `names.people`). Stops early when `each` returns `false`.
pub fn ranking_rows(
    csv: &str,
    result: &FinalizedResult,
    names: &Names,
    mut each: impl FnMut(Vec<Cell>) -> bool,
) -> Result<(), ExportError> {
    let maker = RankingRows::new(result, names);
    read_export_while(csv, |row| maker.row(&row).is_none_or(&mut each))
}

/// Column widths of the ranking sheet, in characters.
const RANKING_WIDTHS: [f64; 12] = [
    8.0, 30.0, 12.0, 30.0, 20.0, 8.0, 12.0, 10.0, 10.0, 12.0, 26.0, 20.0,
];

/// Rows of one sheet: Excel's limit less the heading row.
const ROWS_PER_SHEET: u32 = 1_048_575;

/// Whether a spreadsheet could read this text as a formula.
fn looks_like_formula(text: &str) -> bool {
    matches!(
        text.chars().next(),
        Some('=' | '+' | '-' | '@' | '\t' | '\r')
    )
}

/// Writes one cell as the export helpers do: text always as a string cell (with Excel's quote
/// prefix when it could be taken for a formula), numbers as numbers, nothing for empty cells.
fn write_cell(
    sheet: &mut Worksheet,
    quoted: &Format,
    line: u32,
    col: u16,
    cell: &Cell,
) -> Result<(), XlsxError> {
    match cell {
        Cell::Text(t) if t.is_empty() => {}
        Cell::Text(t) if looks_like_formula(t) => {
            sheet.write_string_with_format(line, col, t, quoted)?;
        }
        Cell::Text(t) => {
            sheet.write_string(line, col, t)?;
        }
        Cell::Int(n) | Cell::Count(n) => {
            sheet.write_number(line, col, *n as f64)?;
        }
        Cell::Ratio(Some(x)) | Cell::Decimal(Some(x)) => {
            sheet.write_number(line, col, *x)?;
        }
        Cell::Ratio(None) | Cell::Decimal(None) | Cell::Empty => {}
    }
    Ok(())
}

fn write_headings(
    sheet: &mut Worksheet,
    bold: &Format,
    headings: &[&str],
) -> Result<(), XlsxError> {
    for (col, heading) in headings.iter().enumerate() {
        sheet.write_string_with_format(0, col as u16, *heading, bold)?;
    }
    sheet.set_freeze_panes(1, 0)?;
    Ok(())
}

/// The full ranking as a workbook, in constant memory: sheet "Xếp hạng" (as `ranking.csv`,
/// continued on "Xếp hạng (2)", ... past a sheet's 1,048,575 rows), written row by row as the
/// export is read (rows go to a temporary file), then `info_name` with `info_headings` and
/// `info` (the version's facts).
pub fn ranking_xlsx(
    csv: &str,
    result: &FinalizedResult,
    names: &Names,
    info_name: &str,
    info_headings: &[&str],
    info: &[Vec<Cell>],
) -> Result<Vec<u8>, anyhow::Error> {
    const NAME: &str = "Xếp hạng";
    let bold = Format::new().set_bold();
    let quoted = Format::new().set_quote_prefix();
    let mut workbook = Workbook::new();
    let add_sheet = |workbook: &mut Workbook, name: String| -> Result<usize, XlsxError> {
        let sheet = workbook.add_worksheet_with_constant_memory()?;
        sheet.set_name(name)?;
        for (col, width) in RANKING_WIDTHS.iter().enumerate() {
            sheet.set_column_width(col as u16, *width)?;
        }
        write_headings(sheet, &bold, &RANKING_HEADINGS)?;
        Ok(workbook.worksheets().len().saturating_sub(1))
    };
    let mut index = add_sheet(&mut workbook, NAME.to_owned())?;
    let mut line = 1u32;
    let mut failed: Option<XlsxError> = None;
    ranking_rows(csv, result, names, |cells| {
        let written = (|| {
            if line > ROWS_PER_SHEET {
                let number = workbook.worksheets().len() + 1;
                index = add_sheet(&mut workbook, format!("{NAME} ({number})"))?;
                line = 1;
            }
            let sheet = workbook.worksheet_from_index(index)?;
            for (col, cell) in cells.iter().enumerate() {
                write_cell(sheet, &quoted, line, col as u16, cell)?;
            }
            line += 1;
            Ok::<(), XlsxError>(())
        })();
        match written {
            Ok(()) => true,
            Err(e) => {
                failed = Some(e);
                false
            }
        }
    })?;
    if let Some(e) = failed {
        return Err(e.into());
    }
    let sheet = workbook.add_worksheet();
    sheet.set_name(info_name)?;
    write_headings(sheet, &bold, info_headings)?;
    sheet.set_column_width(0, 40.0)?;
    sheet.set_column_width(1, 70.0)?;
    for (r, row) in info.iter().enumerate() {
        for (col, cell) in row.iter().enumerate() {
            write_cell(sheet, &quoted, r as u32 + 1, col as u16, cell)?;
        }
    }
    Ok(workbook.save_to_buffer()?)
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

    /// One export line: rank, participant, attempt, eligible, score, unit.
    fn line(
        rank: Option<u32>,
        participant: u128,
        attempt: u128,
        eligible: bool,
        unit: &str,
    ) -> String {
        format!(
            "{},{},{},{unit},,{eligible},3,3,4,,1000,2026-11-25T02:01:05.120Z,\n",
            rank.map(|r| r.to_string()).unwrap_or_default(),
            participant_ref(Uuid::from_u128(participant)),
            Uuid::from_u128(attempt),
        )
    }

    fn export(lines: &[String]) -> String {
        let mut csv = format!("{EXPORT_HEADER}\n");
        for l in lines {
            csv.push_str(l);
        }
        csv
    }

    #[test]
    fn the_export_is_read_in_chunks_exactly_as_parsed_whole() {
        // More rows than a chunk, a quoted unit code holding a comma, quotes and a line break
        // right at a chunk's end, and a BOM with `\r\n` line ends.
        let mut lines: Vec<String> = (0..(CHUNK_RECORDS as u128 * 2 + 7))
            .map(|n| line(Some(n as u32 + 1), n, 1000 + n, true, "CQ1"))
            .collect();
        lines[CHUNK_RECORDS - 1] = line(None, 9, 99_999, false, "\"a,\"\"b\"\"\nc\"");
        let csv = format!("\u{feff}{}", export(&lines).replace('\n', "\r\n"));
        let whole = parse_export(&csv).unwrap_or_default();
        assert_eq!(whole.len(), lines.len());
        assert_eq!(whole[CHUNK_RECORDS - 1].unit_code, "a,\"b\"\r\nc");
        let mut read = Vec::new();
        assert!(read_export(&csv, |row| read.push(row)).is_ok());
        assert_eq!(read, whole);

        // Errors name the same record as the whole-file parser, past the first chunk too.
        let mut broken = lines.clone();
        broken[CHUNK_RECORDS + 3] = "1,zz\n".into();
        let csv = export(&broken);
        let expected = parse_export(&csv).err();
        assert_eq!(
            expected,
            Some(ExportError::Columns {
                record: CHUNK_RECORDS + 5,
                found: 2
            })
        );
        assert_eq!(read_export(&csv, |_| {}).err(), expected);
        assert_eq!(
            read_export("rank,participant_ref\n", |_| {}).err(),
            Some(ExportError::Header)
        );
        let mut none = 0;
        assert!(read_export(&export(&[]), |_| none += 1).is_ok());
        assert_eq!(none, 0);
    }

    #[test]
    fn the_ranking_has_one_row_per_participant_ranked_first() {
        let r = result();
        // Participant 1: ranked on attempt 11, another attempt 12. Participant 2: ineligible,
        // attempts 21 and 22, listed once on the first. Participant 3: ranked on its second
        // row only.
        let csv = export(&[
            line(Some(1), 1, 11, true, "CQ1"),
            line(None, 1, 12, true, "CQ1"),
            line(None, 3, 31, true, "CQ1"),
            line(Some(2), 3, 32, true, "CQ1"),
            line(None, 2, 21, false, "CQ1"),
            line(None, 2, 22, false, "CQ1"),
        ]);
        let listed = ranking_attempts(&csv).unwrap_or_default();
        let expected: HashSet<Uuid> = [11, 32, 21].map(Uuid::from_u128).into();
        assert_eq!(listed, expected);
        let names = Names {
            people: [
                (Uuid::from_u128(11), "An".to_owned()),
                (Uuid::from_u128(32), "Chi".to_owned()),
                (Uuid::from_u128(21), "Bình".to_owned()),
            ]
            .into(),
            units: [("CQ1".to_owned(), "Phòng Nội vụ".to_owned())].into(),
            categories: HashMap::new(),
        };
        let mut rows = Vec::new();
        assert!(ranking_rows(&csv, &r, &names, |row| {
            rows.push(row);
            true
        })
        .is_ok());
        assert_eq!(rows.len(), 3);
        assert_eq!(rows[0][0], Cell::Int(1));
        assert_eq!(rows[0][1], Cell::Text("An".into()));
        assert_eq!(rows[0][3], Cell::Text("Phòng Nội vụ".into()));
        assert_eq!(rows[0][11], Cell::Text("Giải Nhất".into()));
        assert_eq!(rows[1][1], Cell::Text("Chi".into()));
        assert_eq!(rows[2][0], Cell::Empty);
        assert_eq!(rows[2][1], Cell::Text("Bình".into()));
        assert_eq!(rows[2][8], Cell::Empty, "no prediction, no error");
        // Stopping early stops.
        let mut seen = 0;
        assert!(ranking_rows(&csv, &r, &names, |_| {
            seen += 1;
            false
        })
        .is_ok());
        assert_eq!(seen, 1);

        let info = info_rows("Cuộc thi", &r, None, false);
        let book = ranking_xlsx(&csv, &r, &names, "Thông tin", &INFO_HEADINGS, &info);
        assert!(book.is_ok_and(|b| b.starts_with(b"PK")));
    }

    #[test]
    fn the_winners_file_never_names_the_participant_compared_with() {
        let mut r = result();
        r.prizes[0].decided_by = Some("prediction_error".into());
        r.prizes[0].explanation = Some(ExplanationOut {
            against_rank: Some(7),
            against_name: Some("Trần Thị B".into()),
            key: "prediction_error".into(),
            value: serde_json::json!(3),
            against_value: serde_json::json!(6),
            text_vi: "Hơn hạng 7 (Trần Thị B) vì sai số dự đoán nhỏ hơn: 3 so với 6".into(),
            text_en: "Ahead of rank 7 (Trần Thị B) by a smaller prediction error: 3 vs 6".into(),
        });
        let rows = winner_rows(&r, &HashMap::new());
        assert_eq!(
            rows[0][12],
            Cell::Text("Hơn hạng 7 vì sai số dự đoán nhỏ hơn: 3 so với 6".into())
        );
        // Unreadable stored parts fall back to the key's name, never to the named text.
        if let Some(e) = r.prizes[0].explanation.as_mut() {
            e.key = "unknown".into();
        }
        let rows = winner_rows(&r, &HashMap::new());
        assert_eq!(rows[0][12], Cell::Text("Sai số dự đoán".into()));
    }
}
