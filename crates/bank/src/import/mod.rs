//! Importers: files organizers already keep (`.xlsx`, `.csv` in our template, Moodle GIFT and
//! Aiken) parsed into questions or units, with every problem reported by row (or question
//! number), field and a Vietnamese message. Parsing is pure: no database, no I/O beyond the
//! bytes given, bounded in size and work.

pub mod aiken;
pub mod gift;
pub mod sheet;

/// Largest file accepted by default, in bytes (20 MiB).
pub const DEFAULT_MAX_FILE_BYTES: usize = 20 * 1024 * 1024;
/// Most data rows (questions or units) one file may hold.
pub const MAX_ROWS: usize = 10_000;
/// Longest accepted cell (question text, option, explanation), in characters.
pub const MAX_CELL_CHARS: usize = 4_000;
/// Most options a question may have.
pub const MAX_OPTIONS: usize = 6;
/// Fewest options a question may have.
pub const MIN_OPTIONS: usize = 2;

/// Whether imported text is damaged: it holds U+FFFD (what a decoder leaves for bytes that
/// were not text) or a control character (line feeds allowed when `line_breaks`). Such text is
/// reported as `invalid_text` by every importer and never stored: contestants would see it,
/// and exports could not carry it (the GIFT reader refuses control characters, `.xlsx` cells
/// cannot hold most of them).
pub fn damaged_text(text: &str, line_breaks: bool) -> bool {
    text.chars().any(|c| {
        c == char::REPLACEMENT_CHARACTER || (c.is_control() && !(line_breaks && c == '\n'))
    })
}

/// A question read from a file, valid as far as the file alone can tell.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedQuestion {
    /// Where it came from: the spreadsheet's own row number (heading = row 1), or the
    /// question's 1-based position in a GIFT/Aiken file.
    pub row: u32,
    /// Topic name as written (`Chủ đề`), or the GIFT `$CATEGORY`, if any.
    pub topic: Option<String>,
    /// Question text, NFC, trimmed.
    pub text: String,
    /// Options in original order (2–6), NFC, trimmed.
    pub options: Vec<String>,
    /// 0-based indices of the correct options, ascending, at least one.
    pub key: Vec<u8>,
    /// Points (default 1, at least 1).
    pub points: i32,
    /// Explanation (`Giải thích`), if any.
    pub explanation: Option<String>,
    /// Difficulty (`Mức độ`), if any.
    pub difficulty: Option<String>,
}

impl ParsedQuestion {
    /// Whether more than one option is correct.
    pub fn multiple(&self) -> bool {
        self.key.len() > 1
    }
}

/// A unit read from a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedUnit {
    /// The spreadsheet's own row number.
    pub row: u32,
    /// `Mã đơn vị`.
    pub code: String,
    /// `Tên đơn vị`.
    pub name: String,
    /// `Khối`.
    pub block: String,
    /// `Số người`, if given.
    pub headcount: Option<i32>,
}

/// One problem in one row: which row, which field, a stable code and a Vietnamese message.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct RowError {
    /// Spreadsheet row number, or question number in GIFT/Aiken.
    pub row: u32,
    /// The field (column heading as in the template, e.g. `Đáp án`), or `question` for a
    /// GIFT/Aiken question as a whole.
    pub field: String,
    /// Stable snake_case code, e.g. `required`, `too_long`, `unknown_key`, `unsupported_type`.
    pub error: String,
    /// What is wrong, in Vietnamese, naming the row and field.
    pub message: String,
}

/// What parsing a file produced: the valid items and every row error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Parsed<T> {
    /// Items without errors.
    pub items: Vec<T>,
    /// Problems, in file order.
    pub errors: Vec<RowError>,
}

/// A file that cannot be read at all: answered with a 4xx and a file-level code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FileError {
    /// Corrupt, binary junk, a zip bomb, a sheet without the template's headings.
    #[error("unreadable_file: {0}")]
    Unreadable(String),
    /// A format we do not read.
    #[error("unsupported_format: {0}")]
    UnsupportedFormat(String),
    /// Larger than allowed (bytes, rows, or decompressed size).
    #[error("payload_too_large: {0}")]
    TooLarge(String),
}

impl FileError {
    /// The stable code: `unreadable_file`, `unsupported_format` or `payload_too_large`.
    pub fn code(&self) -> &'static str {
        match self {
            FileError::Unreadable(_) => "unreadable_file",
            FileError::UnsupportedFormat(_) => "unsupported_format",
            FileError::TooLarge(_) => "payload_too_large",
        }
    }
}

/// The formats we import.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Office Open XML spreadsheet.
    Xlsx,
    /// Comma-separated values (UTF-8 with or without BOM, or Windows-1258).
    Csv,
    /// Moodle GIFT text.
    Gift,
    /// Moodle Aiken text.
    Aiken,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Regression (fuzzing, docs/RELIABILITY.md R6): control characters and U+FFFD were
    /// imported as question text.
    #[test]
    fn damaged_text_is_told_apart() {
        assert!(!damaged_text("Câu hỏi =HYPERLINK(\"x\")?", false));
        assert!(damaged_text("ANSWER\u{11}\u{11}ities", false));
        assert!(damaged_text("Sông\u{fffd}", false));
        assert!(damaged_text("dòng một\ndòng hai", false));
        assert!(!damaged_text("dòng một\ndòng hai", true));
        assert!(damaged_text("dòng một\rdòng hai", true));
    }
}
