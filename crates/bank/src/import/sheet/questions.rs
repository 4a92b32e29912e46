//! Question rows: the template's columns and the rules of one row.

use cuocthi_domain::identity::normalize_text;

use super::super::{
    damaged_text, FileError, Parsed, ParsedQuestion, RowError, MAX_CELL_CHARS, MAX_OPTIONS,
    MAX_ROWS, MIN_OPTIONS,
};
use super::columns::{find_layout, Layout, Spec};
use super::grid::{Cell, Grid, Row};
use super::text::{format_count, parse_whole, quote, row_message};
use super::{MAX_POINTS, QUESTION_HEADINGS};

/// A column of the questions template.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Col {
    Stt,
    Topic,
    Text,
    /// Option A (0) to F (5).
    Opt(u8),
    Key,
    Points,
    Explanation,
    Difficulty,
}

const OPTION_HEADINGS: [&str; MAX_OPTIONS] = [
    "Phương án A",
    "Phương án B",
    "Phương án C",
    "Phương án D",
    "Phương án E",
    "Phương án F",
];

const OPTION_LETTERS: [char; MAX_OPTIONS] = ['A', 'B', 'C', 'D', 'E', 'F'];

impl Col {
    /// The heading as in the template, used as `field` in errors.
    pub(crate) fn heading(self) -> &'static str {
        match self {
            Col::Stt => "STT",
            Col::Topic => "Chủ đề",
            Col::Text => "Câu hỏi",
            Col::Opt(i) => OPTION_HEADINGS
                .get(usize::from(i))
                .copied()
                .unwrap_or("Phương án"),
            Col::Key => "Đáp án",
            Col::Points => "Điểm",
            Col::Explanation => "Giải thích",
            Col::Difficulty => "Mức độ",
        }
    }
}

/// The column a folded heading names.
pub(crate) fn classify(folded: &str) -> Option<Col> {
    let col = match folded {
        "stt" | "so thu tu" | "tt" => Col::Stt,
        "chu de" => Col::Topic,
        "cau hoi" | "noi dung cau hoi" => Col::Text,
        "dap an" | "dap an dung" => Col::Key,
        "diem" | "so diem" => Col::Points,
        "giai thich" => Col::Explanation,
        "muc do" | "do kho" => Col::Difficulty,
        other => {
            let letter = other.strip_prefix("phuong an ")?;
            let index = ["a", "b", "c", "d", "e", "f"]
                .iter()
                .position(|l| *l == letter)?;
            Col::Opt(u8::try_from(index).ok()?)
        }
    };
    Some(col)
}

const REQUIRED: [Col; 4] = [Col::Text, Col::Opt(0), Col::Opt(1), Col::Key];

const SPEC: Spec<Col> = Spec {
    classify,
    heading: Col::heading,
    required: &REQUIRED,
    template: &QUESTION_HEADINGS,
};

/// Reads the question rows of a grid.
pub(crate) fn parse(grid: &Grid) -> Result<Parsed<ParsedQuestion>, FileError> {
    let layout = find_layout(grid, &SPEC)?;
    let data = grid
        .rows
        .get(layout.heading_index + 1..)
        .unwrap_or_default();
    if data.len() > MAX_ROWS {
        return Err(FileError::TooLarge(format!(
            "Tệp có {} dòng câu hỏi, nhiều hơn giới hạn {}: hãy chia thành nhiều tệp.",
            format_count(data.len()),
            format_count(MAX_ROWS)
        )));
    }
    let mut parsed = Parsed {
        items: Vec::new(),
        errors: Vec::new(),
    };
    for row in data {
        let mut reader = RowReader {
            row,
            layout: &layout,
            errors: Vec::new(),
        };
        if reader.is_blank() {
            continue;
        }
        let question = reader.question();
        match question {
            Some(q) if reader.errors.is_empty() => parsed.items.push(q),
            _ => {
                if reader.errors.is_empty() {
                    // Not expected: every rejection records its reason. Never drop silently.
                    reader.error(Col::Text.heading(), "invalid_row", "dòng không hợp lệ.");
                }
                parsed.errors.append(&mut reader.errors);
            }
        }
    }
    Ok(parsed)
}

/// A cell's value after normalising.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Value {
    /// Empty (or only white space).
    Missing,
    /// NFC, trimmed, white space collapsed.
    Text(String),
    /// Filled but unusable; the error is already recorded.
    Bad,
}

impl Value {
    fn filled(&self) -> bool {
        !matches!(self, Value::Missing)
    }
}

/// Reads one row's cells, collecting its errors.
pub(crate) struct RowReader<'a, F> {
    pub row: &'a Row,
    pub layout: &'a Layout<F>,
    pub errors: Vec<RowError>,
}

impl<F: Copy + PartialEq> RowReader<'_, F> {
    /// Records an error on this row.
    pub fn error(&mut self, field: &str, code: &str, body: &str) {
        self.errors.push(RowError {
            row: self.row.number,
            field: field.to_owned(),
            error: code.to_owned(),
            message: row_message(self.row.number, field, body),
        });
    }

    /// The raw cell of a field.
    fn cell(&self, field: F) -> &Cell {
        match self.layout.column(field) {
            Some(col) => self.row.cell(col),
            None => &Cell::Empty,
        }
    }

    /// Whether every field of the layout but `skip` is empty.
    pub fn blank_except(&self, skip: impl Fn(F) -> bool) -> bool {
        self.layout
            .columns
            .iter()
            .filter(|(_, f)| !skip(*f))
            .all(|(col, _)| matches!(self.row.cell(*col), Cell::Empty))
    }

    /// A field's normalised value; `invalid_text` (holding U+FFFD, what damaged UTF-8
    /// decodes to, or a control character), `too_long` (over `max_chars`) and `cell_error`
    /// recorded here under `heading`.
    pub fn value(&mut self, field: F, heading: &str, max_chars: usize) -> Value {
        match self.cell(field).clone() {
            Cell::Empty => Value::Missing,
            Cell::Error(e) => {
                self.error(
                    heading,
                    "cell_error",
                    &format!(
                        "ô có lỗi công thức ({e}); hãy sửa công thức hoặc nhập trực tiếp giá trị."
                    ),
                );
                Value::Bad
            }
            Cell::Text { text, overlong } => {
                let text = normalize_text(&text);
                let chars = text.chars().count();
                if damaged_text(&text, false) {
                    // Bytes that were not text where they stood (a damaged UTF-8 file, binary
                    // bits in a cell): never stored, shown to contestants or exported.
                    self.error(
                        heading,
                        "invalid_text",
                        "có ký tự hỏng (\u{FFFD}) hoặc ký tự điều khiển: tệp bị lỗi mã hoá hay \
                         bị hỏng ở ô này. Hãy sửa ô rồi lưu lại tệp dưới dạng \"CSV UTF-8\" \
                         hoặc .xlsx.",
                    );
                    Value::Bad
                } else if overlong {
                    self.error(
                        heading,
                        "too_long",
                        &format!(
                            "dài hơn {} ký tự, vượt quá giới hạn {} ký tự.",
                            format_count(super::grid::CELL_RAW_CHARS),
                            format_count(max_chars)
                        ),
                    );
                    Value::Bad
                } else if chars > max_chars {
                    self.error(
                        heading,
                        "too_long",
                        &format!(
                            "dài {} ký tự, vượt quá giới hạn {} ký tự.",
                            format_count(chars),
                            format_count(max_chars)
                        ),
                    );
                    Value::Bad
                } else if text.is_empty() {
                    Value::Missing
                } else {
                    Value::Text(text)
                }
            }
        }
    }
}

impl RowReader<'_, Col> {
    /// Empty but for `STT` and `Điểm`, which organizers often fill down the whole column
    /// ahead of the questions.
    fn is_blank(&self) -> bool {
        self.blank_except(|f| matches!(f, Col::Stt | Col::Points))
    }

    fn text(&mut self, col: Col) -> Value {
        self.value(col, col.heading(), MAX_CELL_CHARS)
    }

    fn required(&mut self, col: Col, value: &Value, body: &str) {
        if *value == Value::Missing {
            self.error(col.heading(), "required", body);
        }
    }

    /// Reads the row: `Some` when every field could be read (errors may still have been
    /// recorded; the caller keeps the question only without errors).
    fn question(&mut self) -> Option<ParsedQuestion> {
        let topic = self.text(Col::Topic);
        let text = self.text(Col::Text);
        self.required(Col::Text, &text, "không được để trống nội dung câu hỏi.");
        let options: Vec<Value> = (0..MAX_OPTIONS as u8)
            .map(|i| self.text(Col::Opt(i)))
            .collect();
        self.check_options(&options);
        let key = self.key(&options);
        let points = self.points();
        let explanation = self.text(Col::Explanation);
        let difficulty = self.text(Col::Difficulty);

        let Value::Text(text) = text else {
            return None;
        };
        let mut filled = Vec::new();
        for option in options {
            match option {
                Value::Text(t) => filled.push(t),
                Value::Missing => break,
                Value::Bad => return None,
            }
        }
        Some(ParsedQuestion {
            row: self.row.number,
            topic: optional(topic)?,
            text,
            options: filled,
            key: key?,
            points: points?,
            explanation: optional(explanation)?,
            difficulty: optional(difficulty)?,
        })
    }

    /// Options must be filled from A without gaps, at least [`MIN_OPTIONS`] of them.
    fn check_options(&mut self, options: &[Value]) {
        let last = options.iter().rposition(Value::filled);
        let mut gaps = false;
        if let Some(last) = last {
            for (i, option) in options.iter().enumerate().take(last) {
                if !option.filled() {
                    gaps = true;
                    let next = options
                        .iter()
                        .enumerate()
                        .skip(i + 1)
                        .find(|(_, o)| o.filled())
                        .map_or(i + 1, |(j, _)| j);
                    let body = format!(
                        "để trống nhưng \"{}\" có nội dung; các phương án phải điền liền nhau, \
                         bắt đầu từ A.",
                        Col::Opt(next as u8).heading()
                    );
                    self.error(Col::Opt(i as u8).heading(), "option_gap", &body);
                }
            }
        }
        let count = options.iter().filter(|o| o.filled()).count();
        if !gaps && count < MIN_OPTIONS {
            let body = format!(
                "câu hỏi cần ít nhất {MIN_OPTIONS} phương án (điền từ \"Phương án A\"), mới có \
                 {count}."
            );
            self.error(Col::Opt(count as u8).heading(), "too_few_options", &body);
        }
    }

    /// The answer key: option letters separated by commas, semicolons or spaces (`A, C`,
    /// `a;c`, `AC`), each naming a filled option, none twice. Ascending.
    fn key(&mut self, options: &[Value]) -> Option<Vec<u8>> {
        let heading = Col::Key.heading();
        let raw = match self.text(Col::Key) {
            Value::Text(t) => t,
            Value::Bad => return None,
            Value::Missing => {
                self.error(
                    heading,
                    "required",
                    "không được để trống; ghi chữ cái của phương án đúng, ví dụ \"B\" hoặc \
                     \"A, C\".",
                );
                return None;
            }
        };
        let before = self.errors.len();
        let mut key: Vec<u8> = Vec::new();
        let tokens = raw
            .split(|c: char| c == ',' || c == ';' || c.is_whitespace())
            .filter(|t| !t.is_empty());
        for token in tokens {
            // Tolerate "A.", "(B)", "C)".
            let bare = token.trim_matches(|c: char| matches!(c, '.' | '(' | ')'));
            let upper = bare.to_uppercase();
            let single_letter =
                upper.chars().count() == 1 && upper.chars().all(|c| c.is_ascii_uppercase());
            let option_letters =
                !upper.is_empty() && upper.chars().all(|c| OPTION_LETTERS.contains(&c));
            let letters: Vec<char> = if single_letter || option_letters {
                upper.chars().collect()
            } else {
                let body = format!(
                    "{} không phải chữ cái của phương án; ghi ví dụ \"B\" hoặc \"A, C\".",
                    quote(token)
                );
                self.error(heading, "invalid_key", &body);
                continue;
            };
            for letter in letters {
                let index = OPTION_LETTERS.iter().position(|l| *l == letter);
                match index {
                    Some(i) if options.get(i).is_some_and(Value::filled) => {
                        let i = i as u8;
                        if key.contains(&i) {
                            let body = format!("phương án \"{letter}\" được ghi hai lần.");
                            self.error(heading, "duplicate_key", &body);
                        } else {
                            key.push(i);
                        }
                    }
                    _ => {
                        let body = format!("\"{letter}\" không phải phương án có trong câu hỏi.");
                        self.error(heading, "unknown_key", &body);
                    }
                }
            }
        }
        if self.errors.len() > before {
            return None;
        }
        if key.is_empty() {
            self.error(
                heading,
                "required",
                "không có phương án đúng nào; ghi ví dụ \"B\" hoặc \"A, C\".",
            );
            return None;
        }
        key.sort_unstable();
        Some(key)
    }

    /// Points: empty → 1, else a whole number from 1 to [`MAX_POINTS`].
    fn points(&mut self) -> Option<i32> {
        match self.text(Col::Points) {
            Value::Missing => Some(1),
            Value::Bad => None,
            Value::Text(t) => {
                let points = parse_whole(&t)
                    .and_then(|p| i32::try_from(p).ok())
                    .filter(|p| (1..=MAX_POINTS).contains(p));
                if points.is_none() {
                    let body = format!(
                        "{} không hợp lệ; điểm là số nguyên từ 1 đến {MAX_POINTS} (để trống là \
                         1 điểm).",
                        quote(&t)
                    );
                    self.error(Col::Points.heading(), "invalid_points", &body);
                }
                points
            }
        }
    }
}

/// An optional field: `Some(None)` when empty, `None` when unusable.
fn optional(value: Value) -> Option<Option<String>> {
    match value {
        Value::Missing => Some(None),
        Value::Text(t) => Some(Some(t)),
        Value::Bad => None,
    }
}
