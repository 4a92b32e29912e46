//! Spreadsheets: the `.xlsx` and `.csv` question and unit lists organizers keep, read into
//! [`ParsedQuestion`]s and [`ParsedUnit`]s with every problem reported by row and column, and
//! the question template and exports written back as `.xlsx`.
//!
//! Reading is bounded before any work is done: the byte size first, then (for `.xlsx`) the zip
//! archive's declared contents, then at most [`MAX_ROWS`] data rows of at most 50 columns and a
//! fixed amount of cell text. Formulas are never evaluated: a formula cell reads as the value
//! Excel saved with it. Nothing here panics on any input.
//!
//! Headings are found by folding (lowercase, no diacritics, `đ` → `d`, spaces collapsed), so
//! `PHƯƠNG ÁN A`, `phuong an a` and ` Phương  án A ` are the same column. The heading is the
//! first non-empty row that holds every required heading, looked for among the first ten
//! non-empty rows (so a title line above the headings is tolerated); rows above it are ignored.
//! Row numbers in reports are the spreadsheet's own (the heading being row 1 in the template).

mod columns;
mod detect;
mod grid;
mod questions;
mod text;
mod units;
mod write;

use super::{FileError, Format, Parsed, ParsedQuestion, ParsedUnit};
#[cfg(doc)]
use super::{MAX_CELL_CHARS, MAX_OPTIONS, MAX_ROWS, MIN_OPTIONS};

/// Name of the data sheet in the template and in exports.
pub const QUESTIONS_SHEET: &str = "Câu hỏi";
/// Name of the instructions sheet in the template.
pub const INSTRUCTIONS_SHEET: &str = "Hướng dẫn";
/// Name of the data sheet in a units export.
pub const UNITS_SHEET: &str = "Đơn vị";

/// The question template's headings, in template order. The first (`STT`) is a row number
/// for people and is ignored when reading.
pub const QUESTION_HEADINGS: [&str; 13] = [
    "STT",
    "Chủ đề",
    "Câu hỏi",
    "Phương án A",
    "Phương án B",
    "Phương án C",
    "Phương án D",
    "Phương án E",
    "Phương án F",
    "Đáp án",
    "Điểm",
    "Giải thích",
    "Mức độ",
];

/// The units list headings, in template order.
pub const UNIT_HEADINGS: [&str; 4] = ["Mã đơn vị", "Tên đơn vị", "Khối", "Số người"];

/// Longest unit code accepted, in characters.
pub const MAX_UNIT_CODE_CHARS: usize = 64;
/// Longest unit name or block accepted, in characters.
pub const MAX_UNIT_NAME_CHARS: usize = 200;
/// Largest headcount accepted for a unit.
pub const MAX_HEADCOUNT: i32 = 1_000_000;
/// Largest points value accepted for a question.
pub const MAX_POINTS: i32 = 100;

/// A question to write into the template layout by [`questions_to_xlsx`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SheetQuestion {
    /// Topic name; empty for none.
    pub topic: String,
    /// Question text.
    pub text: String,
    /// Options in order, at most [`MAX_OPTIONS`].
    pub options: Vec<String>,
    /// 0-based indices of the correct options.
    pub key: Vec<u8>,
    /// Points.
    pub points: i32,
    /// Explanation, if any.
    pub explanation: Option<String>,
    /// Difficulty, if any.
    pub difficulty: Option<String>,
}

/// Tells which importer a file needs.
///
/// `declared` is what the client said, in any of three forms: a `?format=` value (`xlsx`,
/// `csv`, `gift`, `aiken`), a media type (`Content-Type`, parameters ignored), or a file name
/// (by its extension). A recognised declaration wins; an unknown `?format=` value is
/// [`FileError::UnsupportedFormat`]; a media type or file name that tells nothing
/// (`application/octet-stream`, `text/plain`, `application/vnd.ms-excel` as browsers send for
/// `.csv`, `.txt`) falls back to the content.
///
/// By content: `PK\x03\x04` is `.xlsx`; text (UTF-8, UTF-16 with BOM, or Windows-1258) with
/// a line among its first ten non-empty ones holding at least two template headings (questions
/// or units) separated by `,`, `;` or tab is CSV (unless a GIFT comment or title comes first); text with GIFT answer blocks (`{=…}`, `{~…}`, `{T}`), `::title::` or `$CATEGORY:` is
/// GIFT; text with an `ANSWER:` line is Aiken.
///
/// Always [`FileError::UnsupportedFormat`], whatever was declared, for an old binary `.xls` or
/// password-protected workbook (`D0 CF 11 E0` signature; the message says to save as `.xlsx`).
/// [`FileError::Unreadable`] for an empty file or binary junk (NUL or many control bytes);
/// [`FileError::UnsupportedFormat`] for text in none of the formats. Looks at most at the first
/// 64 KiB.
pub fn detect_format(bytes: &[u8], declared: Option<&str>) -> Result<Format, FileError> {
    detect::detect(bytes, declared)
}

/// Reads questions from an `.xlsx` (first sheet) or `.csv` file in the template's layout.
///
/// File-level failures, before or instead of any row report:
/// - [`FileError::TooLarge`] when `bytes` is longer than `max_bytes` (checked first), when the
///   `.xlsx` archive declares too much (over 1,000 entries, an entry over 100 MiB or with a
///   compression ratio over 200:1 once over 1 MiB, or over 200 MiB in all), when there are
///   more than [`MAX_ROWS`] non-empty data rows, or when the cells hold over 64 MiB of text;
/// - [`FileError::Unreadable`] for a corrupt archive, a workbook calamine cannot read, binary
///   junk as CSV, or a sheet without the required headings (`Câu hỏi`, `Phương án A`,
///   `Phương án B`, `Đáp án`, all named in the message) or with one of them twice;
/// - [`FileError::UnsupportedFormat`] for a `format` other than `Xlsx` or `Csv`.
///
/// Otherwise every non-empty row (empty rows, and rows where only `STT`, `Điểm` or unknown
/// columns are filled, as when a column is filled down ahead of the questions, are skipped) gives either one [`ParsedQuestion`] or one or more [`RowError`]s, in
/// row order and, within a row, in template column order. Codes: `required` (`Câu hỏi`,
/// `Đáp án`), `too_long` (a cell over [`MAX_CELL_CHARS`] after normalising), `invalid_text`
/// (the cell holds U+FFFD, as a UTF-8 file damaged there decodes, or a control character
/// other than white space), `cell_error`
/// (the cell holds an Excel error such as `#REF!`), `option_gap` (an empty option before a
/// filled one), `too_few_options` (fewer than [`MIN_OPTIONS`]), `invalid_key` (not option
/// letters), `unknown_key` (a letter naming no filled option), `duplicate_key`,
/// `invalid_points` (not a whole number 1–100). Text is NFC, trimmed, with white space
/// collapsed; numbers read as their natural text (`2013`, not `2013.0`), dates as
/// `dd/mm/yyyy`; text starting with `=`, `+`, `-` or `@` stays text.
///
/// [`RowError`]: super::RowError
pub fn parse_questions(
    bytes: &[u8],
    format: Format,
    max_bytes: usize,
) -> Result<Parsed<ParsedQuestion>, FileError> {
    let grid = grid::read(bytes, format, max_bytes, "câu hỏi")?;
    questions::parse(&grid)
}

/// Reads units from an `.xlsx` (first sheet) or `.csv` file with the headings `Mã đơn vị`,
/// `Tên đơn vị`, `Khối` (all required) and `Số người` (optional column).
///
/// File-level failures are those of [`parse_questions`]. Row codes: `required`, `too_long`
/// (code over [`MAX_UNIT_CODE_CHARS`], name or block over [`MAX_UNIT_NAME_CHARS`]),
/// `invalid_code` (a code may hold only ASCII letters, digits, `-`, `_` and `.`),
/// `duplicate_code` (a code already used on an earlier row, compared case-insensitively;
/// reported on the later row), `invalid_headcount` (not empty and not a whole number from 1 to
/// [`MAX_HEADCOUNT`]; `1.000` and `1 000` read as one thousand), `cell_error`,
/// `invalid_text` (as for questions).
pub fn parse_units(
    bytes: &[u8],
    format: Format,
    max_bytes: usize,
) -> Result<Parsed<ParsedUnit>, FileError> {
    let grid = grid::read(bytes, format, max_bytes, "đơn vị")?;
    units::parse(&grid)
}

/// The empty question template: sheet `Câu hỏi` with the headings only (bold, frozen, sized,
/// text columns formatted as text so Excel keeps `05` or `1/2` as typed), and sheet
/// `Hướng dẫn` with instructions in Vietnamese (each column, the answer format, points, limits,
/// examples). [`parse_questions`] reads it as no questions and no errors.
///
/// Fails only if the writer fails ([`FileError::Unreadable`] with the writer's message).
pub fn questions_template_xlsx() -> Result<Vec<u8>, FileError> {
    write::template()
}

/// Writes questions in the template layout (sheet `Câu hỏi`, same headings and formats), one
/// row per question in order. Every text is written as a text cell, never a formula; text
/// starting with `=`, `+`, `-` or `@` also gets Excel's quote prefix, so editing the cell keeps
/// it text. Re-importable: for questions that are valid as import would normalise them (text
/// normalised, 2–6 options, keys naming them without repeats, points 1–100), `parse_questions`
/// of the result gives the same questions (keys in ascending order, empty topic as `None`).
///
/// [`FileError::TooLarge`] for a question with more than [`MAX_OPTIONS`] options or a key
/// naming no written option (the file could not hold it), or more rows than Excel allows.
pub fn questions_to_xlsx(questions: &[SheetQuestion]) -> Result<Vec<u8>, FileError> {
    write::questions(questions)
}

/// Writes units (sheet `Đơn vị`, headings [`UNIT_HEADINGS`]), one row per unit in order;
/// `parse_units` of the result gives the same codes, names, blocks and headcounts.
pub fn units_to_xlsx(units: &[ParsedUnit]) -> Result<Vec<u8>, FileError> {
    write::units(units)
}
