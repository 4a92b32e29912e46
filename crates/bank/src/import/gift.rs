//! Moodle GIFT: reading questions from it and writing questions to it.
//!
//! The reader follows Moodle's own importer (`question/format/gift/format.php`): questions are
//! separated by blank lines, whole lines starting with `//` are comments, `::name::` names a
//! question, `$CATEGORY: a/b/c` sets the topic of the questions that follow, the escapes
//! `\~ \= \# \{ \} \: \\ \n` protect special characters, and the question type follows from the
//! answer block `{ ... }` exactly as Moodle decides it. We import single choice (exactly one
//! `=` answer), multiple choice whose right answers carry positive weights `~%N%` adding up to
//! 100 and whose wrong answers carry none or a weight ≤ 0, and true/false (as the two options
//! "Đúng", "Sai"). Every other question is reported by its position (and name) and skipped.

use super::{
    damaged_text, FileError, Parsed, ParsedQuestion, RowError, MAX_CELL_CHARS, MAX_OPTIONS,
    MAX_ROWS, MIN_OPTIONS,
};
use cuocthi_domain::identity::normalize_text;

/// The two options a true/false question becomes, in this order.
pub const TRUE_FALSE_OPTIONS: [&str; 2] = ["Đúng", "Sai"];

/// What stands in the question text for the answer block of a "missing word" question
/// (text continuing after the block), as Moodle shows it.
pub const BLANK: &str = "_____";

/// How far the positive weights of a multiple-choice question may be from 100 and still count
/// as "all right answers together are worth 100 %" (accepts 33.33333 × 3 and 33 × 3).
const WEIGHT_SUM_TOLERANCE: f64 = 1.0;

// ---------------------------------------------------------------------------------------------
// Reading
// ---------------------------------------------------------------------------------------------

/// Reads Moodle GIFT text into questions and per-question errors.
///
/// Guarantees:
/// - never panics and works in time linear in the input size;
/// - a leading BOM is ignored and `\r\n` line ends are accepted;
/// - every question block counts for numbering, supported or not: `row` (in items and errors)
///   is the question's 1-based position in the file (`$CATEGORY` lines and comment-only
///   blocks are not questions);
/// - items hold only fully valid questions: text and options NFC, trimmed and with inner white
///   space collapsed, 2–6 distinct non-empty options of at most [`MAX_CELL_CHARS`] characters,
///   `key` ascending and non-empty, `points` 1, `difficulty` `None`, `topic` the last segment
///   of the last `$CATEGORY` path seen, `explanation` the general feedback (`####...`) if any;
/// - every other question yields at least one [`RowError`]: field `question` with
///   `unsupported_type` (essay, matching, numerical, short answer, description, partial
///   credit, several `=` answers) or `invalid` (malformed braces or answers), or field
///   `text`/`options`/`key`/`explanation` with `required`, `too_long`, `too_few_options`,
///   `too_many_options`, `duplicate_option`, or `invalid_text` (also on `topic`: a control
///   character or U+FFFD, see [`damaged_text`](super::damaged_text)); messages are Vietnamese and name the question
///   number and its `::name::` (or its first line when unnamed);
/// - [`FileError::TooLarge`] when the file holds more than [`MAX_ROWS`] questions,
///   [`FileError::Unreadable`] when it looks binary or holds no question with an answer block.
pub fn parse_gift(text: &str) -> Result<Parsed<ParsedQuestion>, FileError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    if looks_binary(text) {
        return Err(FileError::Unreadable(
            "tệp không phải văn bản GIFT (có ký tự nhị phân)".to_string(),
        ));
    }

    let mut items = Vec::new();
    let mut errors = Vec::new();
    let mut topic: Option<String> = None;
    let mut row: usize = 0;
    let mut recognisable = false;

    for block in blocks(text) {
        let mut lines: &[(usize, &str)] = &block;
        // Leading `$CATEGORY:` lines set the topic; the rest of the block (if any) is a question.
        while let Some(((_, first), rest)) = lines.split_first() {
            match first.strip_prefix("$CATEGORY:") {
                Some(path) => {
                    topic = category_topic(path);
                    lines = rest;
                }
                None => break,
            }
        }
        let Some((first_line, _)) = lines.first() else {
            continue;
        };
        row += 1;
        if row > MAX_ROWS {
            return Err(too_many_rows());
        }
        let joined = lines.iter().map(|(_, l)| *l).collect::<Vec<_>>().join("\n");
        let outcome = parse_question(row, *first_line, &joined, topic.as_ref());
        recognisable |= outcome.has_answer_block;
        match outcome.result {
            Ok(q) => items.push(q),
            Err(errs) => errors.extend(errs),
        }
    }

    if !recognisable {
        return Err(FileError::Unreadable(
            "không tìm thấy câu hỏi GIFT nào (câu hỏi có khối đáp án { ... }) trong tệp"
                .to_string(),
        ));
    }
    Ok(Parsed { items, errors })
}

/// Splits the file into blocks of non-blank, non-comment lines (trimmed), each with its
/// 1-based line number. Blank lines end a block; comment lines do not.
fn blocks(text: &str) -> Vec<Vec<(usize, &str)>> {
    let mut out = Vec::new();
    let mut current: Vec<(usize, &str)> = Vec::new();
    for (idx, line) in text.split('\n').enumerate() {
        let t = line.trim();
        if t.is_empty() {
            if !current.is_empty() {
                out.push(std::mem::take(&mut current));
            }
        } else if !t.starts_with("//") {
            current.push((idx + 1, t));
        }
    }
    if !current.is_empty() {
        out.push(current);
    }
    out
}

/// The topic a `$CATEGORY:` path names: its last non-empty segment, normalised. `/` separates
/// segments and `//` stands for a literal `/` (as Moodle writes it).
fn category_topic(path: &str) -> Option<String> {
    let mut segments: Vec<String> = Vec::new();
    let mut current = String::new();
    let mut chars = path.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '/' {
            if chars.peek() == Some(&'/') {
                chars.next();
                current.push('/');
            } else {
                segments.push(std::mem::take(&mut current));
            }
        } else {
            current.push(c);
        }
    }
    segments.push(current);
    segments
        .iter()
        .rev()
        .map(|s| normalize_text(s))
        .find(|s| !s.is_empty())
}

/// A character of a question block after escapes are decoded; `raw` when it was written
/// without a backslash and so may be GIFT syntax.
#[derive(Debug, Clone, Copy)]
struct Tok {
    c: char,
    raw: bool,
}

/// Decodes GIFT escapes. Raw line breaks inside a block are formatting and become spaces;
/// the escape `\n` is a real line break. A backslash before any other character stays.
fn decode(s: &str) -> Vec<Tok> {
    let mut out = Vec::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.peek().copied() {
                Some(n @ ('~' | '=' | '#' | '{' | '}' | ':' | '\\')) => {
                    chars.next();
                    out.push(Tok { c: n, raw: false });
                }
                Some('n') => {
                    chars.next();
                    out.push(Tok {
                        c: '\n',
                        raw: false,
                    });
                }
                _ => out.push(Tok {
                    c: '\\',
                    raw: false,
                }),
            },
            '\n' | '\r' => out.push(Tok { c: ' ', raw: true }),
            other => out.push(Tok {
                c: other,
                raw: true,
            }),
        }
    }
    out
}

fn is(t: Option<&Tok>, c: char) -> bool {
    matches!(t, Some(t) if t.raw && t.c == c)
}

fn find(toks: &[Tok], c: char) -> Option<usize> {
    toks.iter().position(|t| t.raw && t.c == c)
}

fn contains(toks: &[Tok], c: char) -> bool {
    find(toks, c).is_some()
}

fn trim(toks: &[Tok]) -> &[Tok] {
    let start = toks
        .iter()
        .position(|t| !t.c.is_whitespace())
        .unwrap_or(toks.len());
    let end = toks
        .iter()
        .rposition(|t| !t.c.is_whitespace())
        .map_or(start, |i| i + 1);
    toks.get(start..end).unwrap_or(&[])
}

fn text_of(toks: &[Tok]) -> String {
    toks.iter().map(|t| t.c).collect()
}

fn tail(toks: &[Tok], from: usize) -> &[Tok] {
    toks.get(from..).unwrap_or(&[])
}

fn head(toks: &[Tok], to: usize) -> &[Tok] {
    toks.get(..to).unwrap_or(toks)
}

/// What one question block gave.
struct Outcome {
    result: Result<ParsedQuestion, Vec<RowError>>,
    /// Whether the block had an answer block (`{`), i.e. looks like a GIFT question.
    has_answer_block: bool,
}

/// The question types Moodle's GIFT reader knows and we do not import.
#[derive(Debug, Clone, Copy)]
enum Unsupported {
    Essay,
    Matching,
    Numerical,
    ShortAnswer,
    Description,
}

impl Unsupported {
    fn name(self) -> &'static str {
        match self {
            Unsupported::Essay => "tự luận (essay)",
            Unsupported::Matching => "ghép cặp (matching)",
            Unsupported::Numerical => "trả lời bằng số (numerical)",
            Unsupported::ShortAnswer => "trả lời ngắn (short answer)",
            Unsupported::Description => "đoạn mô tả không có đáp án (description)",
        }
    }
}

fn parse_question(row: usize, line: usize, block: &str, topic: Option<&String>) -> Outcome {
    let toks = decode(block);
    let mut rest = trim(&toks);

    // `::name::`
    let mut name: Option<String> = None;
    if is(rest.first(), ':') && is(rest.get(1), ':') {
        let after = tail(rest, 2);
        match find_double_colon(after) {
            Some(p) => {
                let n = normalize_text(&text_of(head(after, p)));
                name = (!n.is_empty()).then_some(n);
                rest = tail(after, p + 2);
            }
            None => rest = after,
        }
    }
    let label = Label::gift(row, name.as_deref(), line);
    let fail = |errs: Vec<RowError>, has_answer_block: bool| Outcome {
        result: Err(errs),
        has_answer_block,
    };

    let open = find(rest, '{');
    let close = find(rest, '}');
    let (open, close) = match (open, close) {
        (None, None) => {
            return fail(vec![unsupported(&label, Unsupported::Description)], false);
        }
        (None, Some(_)) => {
            return fail(
                vec![invalid(&label, "có dấu } nhưng thiếu dấu { mở khối đáp án")],
                false,
            );
        }
        (Some(_), None) => {
            return fail(
                vec![invalid(
                    &label,
                    "thiếu dấu } đóng khối đáp án (dòng trống không được nằm trong khối đáp án)",
                )],
                true,
            );
        }
        (Some(o), Some(c)) if c < o => {
            return fail(
                vec![invalid(&label, "dấu } đứng trước dấu { của khối đáp án")],
                true,
            );
        }
        (Some(o), Some(c)) => (o, c),
    };
    let before = head(rest, open);
    let inner = rest.get(open + 1..close).unwrap_or(&[]);
    let after = tail(rest, close + 1);
    if contains(after, '{') || contains(after, '}') {
        return fail(
            vec![invalid(
                &label,
                "có nhiều hơn một khối đáp án { ... } (hãy viết \\{ và \\} cho dấu ngoặc trong nội dung)",
            )],
            true,
        );
    }

    // General feedback: after the last `####`.
    let (answers, general) = match find_last_general_feedback(inner) {
        Some(i) => (head(inner, i), Some(tail(inner, i + 4))),
        None => (inner, None),
    };
    let answers = trim(answers);

    let kind = if answers.is_empty() {
        Kind::Unsupported(Unsupported::Essay)
    } else if is(answers.first(), '#') {
        Kind::Unsupported(Unsupported::Numerical)
    } else if contains(answers, '~') {
        Kind::Choice
    } else if contains(answers, '=') && has_arrow(answers) {
        Kind::Unsupported(Unsupported::Matching)
    } else {
        let check = match find(answers, '#') {
            Some(p) => trim(head(answers, p)),
            None => answers,
        };
        match text_of(check).to_uppercase().as_str() {
            "T" | "TRUE" => Kind::TrueFalse(true),
            "F" | "FALSE" => Kind::TrueFalse(false),
            _ => Kind::Unsupported(Unsupported::ShortAnswer),
        }
    };

    // Question text; a block followed by more text is a "missing word" question.
    let mut text_toks: Vec<Tok> = before.to_vec();
    let punctuation_only = !after.iter().any(|t| t.c.is_alphanumeric());
    // Closing punctuation after a true/false block (`{T}.`, or the stray `";` in Moodle's own
    // fixture) is not a blank to fill.
    let dropped = matches!(kind, Kind::TrueFalse(_)) && punctuation_only;
    if !trim(after).is_empty() && !dropped {
        text_toks.extend(BLANK.chars().map(|c| Tok { c, raw: false }));
        text_toks.extend_from_slice(after);
    }
    let text = normalize_text(&apply_format(&text_of(&text_toks)));
    let explanation = general.and_then(|g| explanation_text(&text_of(g)));

    let (options, key) = match kind {
        Kind::Unsupported(u) => return fail(vec![unsupported(&label, u)], true),
        Kind::TrueFalse(value) => (
            TRUE_FALSE_OPTIONS.iter().map(|s| s.to_string()).collect(),
            vec![if value { 0 } else { 1 }],
        ),
        Kind::Choice => match parse_choice(answers, &label) {
            Ok(v) => v,
            Err(e) => return fail(vec![e], true),
        },
    };

    Outcome {
        result: finish(&label, topic.cloned(), text, options, key, explanation),
        has_answer_block: true,
    }
}

enum Kind {
    Choice,
    TrueFalse(bool),
    Unsupported(Unsupported),
}

fn find_double_colon(toks: &[Tok]) -> Option<usize> {
    toks.windows(2)
        .position(|w| is(w.first(), ':') && is(w.get(1), ':'))
}

fn has_arrow(toks: &[Tok]) -> bool {
    toks.windows(2)
        .any(|w| is(w.first(), '-') && is(w.get(1), '>'))
}

fn find_last_general_feedback(toks: &[Tok]) -> Option<usize> {
    let n = toks.len();
    (0..n.saturating_sub(3))
        .rev()
        .find(|&i| (i..i + 4).all(|j| is(toks.get(j), '#')))
}

/// One answer of a choice question.
struct Answer {
    right: bool,
    weight: Option<f64>,
    text: String,
}

/// Reads the answers of a choice question (the block contains `~`) into options and key, or
/// the one whole-question error that stops it.
fn parse_choice(answers: &[Tok], label: &Label) -> Result<(Vec<String>, Vec<usize>), RowError> {
    // Split at every raw `=` or `~`; each answer starts at its marker.
    let mut parsed: Vec<Answer> = Vec::new();
    let mut start: Option<(usize, bool)> = None;
    let mut leading_end = answers.len();
    for (i, t) in answers.iter().enumerate() {
        if t.raw && (t.c == '=' || t.c == '~') {
            match start {
                Some((s, right)) => {
                    parsed.push(read_answer(answers.get(s..i).unwrap_or(&[]), right));
                }
                None => leading_end = i,
            }
            start = Some((i + 1, t.c == '='));
        }
    }
    if let Some((s, right)) = start {
        parsed.push(read_answer(tail(answers, s), right));
    }
    if !trim(head(answers, leading_end)).is_empty() {
        return Err(invalid(
            label,
            "có nội dung trước đáp án đầu tiên (mỗi đáp án phải bắt đầu bằng = hoặc ~)",
        ));
    }
    if let Some(bad) = parsed
        .iter()
        .filter_map(|a| a.weight)
        .find(|w| !(-100.0..=100.0).contains(w))
    {
        return Err(invalid(
            label,
            &format!("trọng số {bad}% nằm ngoài khoảng -100% đến 100%"),
        ));
    }

    let rights = parsed.iter().filter(|a| a.right).count();
    let partial = || {
        unsupported_msg(
            label,
            "câu hỏi tính điểm từng phần (partial credit) chưa được hỗ trợ: đáp án đúng phải có \
             trọng số dương cộng lại bằng 100%, đáp án sai không có trọng số hoặc trọng số ≤ 0",
        )
    };
    let key: Vec<usize> = if rights > 1 {
        return Err(unsupported_msg(
            label,
            "câu hỏi có nhiều đáp án đúng viết bằng dấu = (chấp nhận bất kỳ đáp án nào) chưa \
             được hỗ trợ; câu nhiều đáp án đúng hãy viết ~%50%... cho từng đáp án đúng",
        ));
    } else if rights == 1 {
        let ok = parsed.iter().all(|a| {
            if a.right {
                a.weight.is_none_or(|w| (w - 100.0).abs() < 1e-9)
            } else {
                a.weight.is_none_or(|w| w <= 0.0)
            }
        });
        if !ok {
            return Err(partial());
        }
        parsed
            .iter()
            .enumerate()
            .filter(|(_, a)| a.right)
            .map(|(i, _)| i)
            .collect()
    } else {
        let positive: Vec<usize> = parsed
            .iter()
            .enumerate()
            .filter(|(_, a)| a.weight.is_some_and(|w| w > 0.0))
            .map(|(i, _)| i)
            .collect();
        if !positive.is_empty() {
            let sum: f64 = parsed
                .iter()
                .filter_map(|a| a.weight)
                .filter(|w| *w > 0.0)
                .sum();
            if (sum - 100.0).abs() > WEIGHT_SUM_TOLERANCE {
                return Err(partial());
            }
        }
        positive
    };
    let options = parsed.into_iter().map(|a| a.text).collect();
    Ok((options, key))
}

fn read_answer(toks: &[Tok], right: bool) -> Answer {
    let toks = trim(toks);
    let (weight, toks) = match parse_weight(toks) {
        Some((w, used)) => (Some(w), tail(toks, used)),
        None => (None, toks),
    };
    let toks = match find(toks, '#') {
        Some(p) => head(toks, p),
        None => toks,
    };
    Answer {
        right,
        weight,
        text: normalize_text(&apply_format(&text_of(toks))),
    }
}

/// `%N%`, `%-N%` or `%N.D%` at the start (as Moodle's `^%\-*([0-9]{1,2})\.?([0-9]*)%`, any
/// number of digits): the weight and how many tokens it used.
fn parse_weight(toks: &[Tok]) -> Option<(f64, usize)> {
    if !is(toks.first(), '%') {
        return None;
    }
    let mut number = String::new();
    let mut i = 1;
    while is(toks.get(i), '-') {
        if number.is_empty() {
            number.push('-');
        }
        i += 1;
    }
    let digits_start = i;
    while toks.get(i).is_some_and(|t| t.c.is_ascii_digit()) && i - digits_start < 16 {
        number.push(toks.get(i).map_or('0', |t| t.c));
        i += 1;
    }
    if i == digits_start {
        return None;
    }
    if toks.get(i).is_some_and(|t| t.c == '.') {
        number.push('.');
        i += 1;
        let frac_start = i;
        while toks.get(i).is_some_and(|t| t.c.is_ascii_digit()) && i - frac_start < 16 {
            number.push(toks.get(i).map_or('0', |t| t.c));
            i += 1;
        }
    }
    if !is(toks.get(i), '%') {
        return None;
    }
    let value: f64 = number.trim_end_matches('.').parse().ok()?;
    Some((value, i + 1))
}

/// Removes a leading `[html]`, `[plain]`, `[moodle]` or `[markdown]` marker; `[html]` text is
/// turned into plain text (tags removed, basic entities decoded).
fn apply_format(s: &str) -> String {
    let t = s.trim_start();
    match format_marker(t) {
        Some(("html", rest)) => strip_html(rest),
        Some((_, rest)) => rest.to_string(),
        None => t.to_string(),
    }
}

fn format_marker(t: &str) -> Option<(&'static str, &str)> {
    ["html", "plain", "moodle", "markdown"]
        .into_iter()
        .find_map(|name| {
            let n = name.len() + 2;
            let head = t.get(..n)?;
            let inner = head.strip_prefix('[')?.strip_suffix(']')?;
            inner
                .eq_ignore_ascii_case(name)
                .then(|| (name, t.get(n..).unwrap_or("")))
        })
}

/// Tags that sit inside a word (`<b>x</b>y` reads "xy"); every other tag separates words.
const INLINE_TAGS: &[&str] = &[
    "a", "abbr", "b", "big", "code", "del", "em", "font", "i", "ins", "mark", "q", "s", "small",
    "span", "strike", "strong", "sub", "sup", "tt", "u",
];

/// HTML to plain text, reasonably: tags removed (block tags leave a space), comments removed,
/// the usual entities decoded. Linear in the input.
fn strip_html(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    let mut no_more_gt = false;
    while let Some(pos) = rest.find(['<', '&']) {
        out.push_str(rest.get(..pos).unwrap_or(""));
        let here = rest.get(pos..).unwrap_or("");
        if let Some(after_lt) = here.strip_prefix('<') {
            let starts_tag = after_lt
                .chars()
                .next()
                .is_some_and(|c| c.is_ascii_alphabetic() || matches!(c, '/' | '!' | '?'));
            if starts_tag && !no_more_gt {
                if let Some(end) = after_lt.find('>') {
                    let tag = after_lt.get(..end).unwrap_or("");
                    let name: String = tag
                        .trim_start_matches('/')
                        .chars()
                        .take_while(char::is_ascii_alphanumeric)
                        .collect::<String>()
                        .to_ascii_lowercase();
                    if !INLINE_TAGS.contains(&name.as_str()) {
                        out.push(' ');
                    }
                    rest = after_lt.get(end + 1..).unwrap_or("");
                    continue;
                }
                no_more_gt = true;
            }
            out.push('<');
            rest = after_lt;
        } else {
            let after_amp = here.get(1..).unwrap_or("");
            match entity(after_amp) {
                Some((c, used)) => {
                    out.push(c);
                    rest = after_amp.get(used..).unwrap_or("");
                }
                None => {
                    out.push('&');
                    rest = after_amp;
                }
            }
        }
    }
    out.push_str(rest);
    out
}

/// An entity body after `&` (`amp;`, `#39;`, `#x41;` ...): the character and the bytes used.
fn entity(s: &str) -> Option<(char, usize)> {
    let semi = s.char_indices().take(12).find(|(_, c)| *c == ';')?.0;
    let body = s.get(..semi)?;
    let c = if let Some(num) = body.strip_prefix('#') {
        let code = match num.strip_prefix(['x', 'X']) {
            Some(hex) => u32::from_str_radix(hex, 16).ok()?,
            None => num.parse::<u32>().ok()?,
        };
        char::from_u32(code)?
    } else {
        match body {
            "amp" => '&',
            "lt" => '<',
            "gt" => '>',
            "quot" => '"',
            "apos" => '\'',
            "nbsp" => ' ',
            "ndash" => '–',
            "mdash" => '—',
            "hellip" => '…',
            "laquo" => '«',
            "raquo" => '»',
            "ldquo" => '“',
            "rdquo" => '”',
            "lsquo" => '‘',
            "rsquo" => '’',
            "times" => '×',
            "divide" => '÷',
            "deg" => '°',
            "copy" => '©',
            _ => return None,
        }
    };
    Some((c, semi + 1))
}

/// General feedback as an explanation: format applied, each line normalised, line breaks
/// (written `\n`) kept, empty → `None`.
fn explanation_text(raw: &str) -> Option<String> {
    let formatted = apply_format(raw);
    let joined = formatted
        .split('\n')
        .map(normalize_text)
        .collect::<Vec<_>>()
        .join("\n");
    let trimmed = joined.trim_matches('\n');
    (!trimmed.is_empty()).then(|| trimmed.to_string())
}

// ---------------------------------------------------------------------------------------------
// Shared with the Aiken reader
// ---------------------------------------------------------------------------------------------

/// How a question is named in messages: `Câu 3 ("Q2")` or `Câu 3 (dòng 12)`.
pub(crate) struct Label {
    row: u32,
    text: String,
}

impl Label {
    pub(crate) fn gift(row: usize, name: Option<&str>, line: usize) -> Label {
        let row = u32::try_from(row).unwrap_or(u32::MAX);
        let text = match name {
            Some(n) => {
                let mut short: String = n.chars().take(60).collect();
                if n.chars().count() > 60 {
                    short.push('…');
                }
                format!("Câu {row} (\"{short}\")")
            }
            None => format!("Câu {row} (dòng {line})"),
        };
        Label { row, text }
    }

    pub(crate) fn aiken(row: usize, line: usize) -> Label {
        Label::gift(row, None, line)
    }

    pub(crate) fn error(&self, field: &str, code: &str, what: &str) -> RowError {
        RowError {
            row: self.row,
            field: field.to_string(),
            error: code.to_string(),
            message: format!("{}: {what}", self.text),
        }
    }
}

fn unsupported(label: &Label, kind: Unsupported) -> RowError {
    unsupported_msg(
        label,
        &format!("dạng câu hỏi {} chưa được hỗ trợ.", kind.name()),
    )
}

fn unsupported_msg(label: &Label, what: &str) -> RowError {
    label.error("question", "unsupported_type", what)
}

fn invalid(label: &Label, what: &str) -> RowError {
    label.error(
        "question",
        "invalid",
        &format!("câu hỏi sai cú pháp GIFT: {what}."),
    )
}

/// The checks every imported question passes, whatever the format: text, options, key and
/// explanation sizes, damaged text (see [`damaged_text`]), option count and duplicates. `text`, `options` must already be
/// normalised; `key` holds 0-based indices.
pub(crate) fn finish(
    label: &Label,
    topic: Option<String>,
    text: String,
    options: Vec<String>,
    key: Vec<usize>,
    explanation: Option<String>,
) -> Result<ParsedQuestion, Vec<RowError>> {
    let mut errs = Vec::new();
    if text.is_empty() {
        errs.push(label.error("text", "required", "thiếu nội dung câu hỏi."));
    } else if text.chars().count() > MAX_CELL_CHARS {
        errs.push(label.error(
            "text",
            "too_long",
            &format!("nội dung câu hỏi dài quá {MAX_CELL_CHARS} ký tự."),
        ));
    }
    if topic.as_deref().is_some_and(|t| damaged_text(t, false)) {
        errs.push(label.error(
            "topic",
            "invalid_text",
            "chủ đề có ký tự hỏng (\u{FFFD}) hoặc ký tự điều khiển.",
        ));
    }
    if damaged_text(&text, false) {
        errs.push(label.error(
            "text",
            "invalid_text",
            "nội dung câu hỏi có ký tự hỏng (\u{FFFD}) hoặc ký tự điều khiển.",
        ));
    }
    if let Some(i) = options.iter().position(|o| damaged_text(o, false)) {
        errs.push(label.error(
            "options",
            "invalid_text",
            &format!(
                "phương án thứ {} có ký tự hỏng (\u{FFFD}) hoặc ký tự điều khiển.",
                i + 1
            ),
        ));
    }
    if explanation
        .as_deref()
        .is_some_and(|e| damaged_text(e, true))
    {
        errs.push(label.error(
            "explanation",
            "invalid_text",
            "phần giải thích có ký tự hỏng (\u{FFFD}) hoặc ký tự điều khiển.",
        ));
    }
    if options.len() < MIN_OPTIONS {
        errs.push(label.error(
            "options",
            "too_few_options",
            &format!("có {} phương án, cần ít nhất {MIN_OPTIONS}.", options.len()),
        ));
    } else if options.len() > MAX_OPTIONS {
        errs.push(label.error(
            "options",
            "too_many_options",
            &format!("có {} phương án, nhiều nhất {MAX_OPTIONS}.", options.len()),
        ));
    }
    if let Some(i) = options.iter().position(String::is_empty) {
        errs.push(label.error(
            "options",
            "required",
            &format!("phương án thứ {} trống.", i + 1),
        ));
    }
    if let Some(i) = options
        .iter()
        .position(|o| o.chars().count() > MAX_CELL_CHARS)
    {
        errs.push(label.error(
            "options",
            "too_long",
            &format!("phương án thứ {} dài quá {MAX_CELL_CHARS} ký tự.", i + 1),
        ));
    }
    if let Some((i, j)) = first_duplicate(&options) {
        errs.push(label.error(
            "options",
            "duplicate_option",
            &format!("phương án thứ {} trùng với phương án thứ {}.", j + 1, i + 1),
        ));
    }
    if key.is_empty() {
        errs.push(label.error(
            "key",
            "required",
            "không có đáp án đúng (GIFT: một đáp án =, hoặc trọng số ~%N% dương cho các đáp án đúng).",
        ));
    }
    if explanation
        .as_ref()
        .is_some_and(|e| e.chars().count() > MAX_CELL_CHARS)
    {
        errs.push(label.error(
            "explanation",
            "too_long",
            &format!("phần giải thích dài quá {MAX_CELL_CHARS} ký tự."),
        ));
    }
    if !errs.is_empty() {
        return Err(errs);
    }
    let mut key: Vec<u8> = key
        .into_iter()
        .filter(|&k| k < options.len())
        .filter_map(|k| u8::try_from(k).ok())
        .collect();
    key.sort_unstable();
    key.dedup();
    Ok(ParsedQuestion {
        row: label.row,
        topic,
        text,
        options,
        key,
        points: 1,
        explanation,
        difficulty: None,
    })
}

/// The first pair of equal non-empty options (earlier index, later index). Linear on average.
fn first_duplicate(options: &[String]) -> Option<(usize, usize)> {
    let mut seen = std::collections::HashMap::new();
    for (j, o) in options.iter().enumerate() {
        if o.is_empty() {
            continue;
        }
        if let Some(&i) = seen.get(o.as_str()) {
            return Some((i, j));
        }
        seen.insert(o.as_str(), j);
    }
    None
}

/// Whether decoded text is really binary: a NUL, or more than 5 % control characters or
/// U+FFFD replacement characters (what lossy decoding of binary leaves).
pub(crate) fn looks_binary(text: &str) -> bool {
    let mut total = 0usize;
    let mut junk = 0usize;
    for c in text.chars() {
        if c == '\0' {
            return true;
        }
        total += 1;
        if c == '\u{fffd}' || (c.is_control() && !matches!(c, '\n' | '\r' | '\t' | '\u{c}')) {
            junk += 1;
        }
    }
    junk > 0 && junk.saturating_mul(20) > total
}

pub(crate) fn too_many_rows() -> FileError {
    FileError::TooLarge(format!("tệp có hơn {MAX_ROWS} câu hỏi"))
}

// ---------------------------------------------------------------------------------------------
// Writing
// ---------------------------------------------------------------------------------------------

/// A question to write as GIFT: what the bank holds for one question version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportQuestion {
    /// Topic name; written as `$CATEGORY: <topic>` whenever it differs from the previous
    /// question's (`/` in the name is written `//`, as Moodle does). Empty means no topic.
    pub topic: String,
    /// Question text (line breaks are written as `\n`).
    pub text: String,
    /// Options in order.
    pub options: Vec<String>,
    /// 0-based indices of the correct options: one → single choice (`=`/`~`), several →
    /// multiple choice with equal weights `~%W%` on the right options and `~%-100%` on the
    /// others.
    pub key: Vec<u8>,
    /// Points. GIFT has no place for them (Moodle sets the mark on import), so they are not
    /// written.
    pub points: i32,
    /// Explanation, written as the general feedback `####...`.
    pub explanation: Option<String>,
}

/// Writes questions as Moodle GIFT, one block per question separated by blank lines.
///
/// Guarantees: every GIFT special character in texts, options and explanations is escaped
/// (`\~ \= \# \{ \} \: \\`, line breaks as `\n`); a text, option or explanation starting
/// with a format marker such as `[html]`, or containing `<` or `&`, is written with a `[plain]`
/// marker so it is shown literally; questions are titled `::Q1::`, `::Q2::`... in order; a
/// single-choice question (one key) uses `=` and `~`; a multiple-choice question gives each
/// right option an equal share of 100 (`50`, `33.33333`, `25`, `20`, `16.66667`) and each
/// wrong one `-100`; the explanation becomes the general feedback; a topic change writes
/// `$CATEGORY: <topic>` (a bare `$CATEGORY:` when the topic becomes empty, which
/// [`parse_gift`] reads as no topic). For questions whose texts and options are normalised
/// ([`normalize_text`]), distinct and non-empty, and whose explanation lines are normalised,
/// [`parse_gift`] reads the output back to the same text, options, key, topic (`None` for an
/// empty topic) and explanation. Points are not written.
pub fn to_gift(questions: &[ExportQuestion]) -> String {
    let mut out = String::new();
    let mut current_topic = String::new();
    for (n, q) in questions.iter().enumerate() {
        let topic = normalize_text(&q.topic);
        if topic != current_topic {
            if topic.is_empty() {
                out.push_str("$CATEGORY:\n\n");
            } else {
                out.push_str("$CATEGORY: ");
                out.push_str(&topic.replace('/', "//"));
                out.push_str("\n\n");
            }
            current_topic = topic;
        }
        out.push_str(&format!("::Q{}:: ", n + 1));
        out.push_str(&gift_text(&q.text));
        out.push_str(" {\n");
        let right = |i: usize| q.key.iter().any(|&k| usize::from(k) == i);
        let rights = (0..q.options.len()).filter(|&i| right(i)).count();
        let share = weight_share(rights.max(1));
        for (i, option) in q.options.iter().enumerate() {
            out.push('\t');
            let prefix = if rights > 1 {
                if right(i) {
                    format!("~%{share}%")
                } else {
                    "~%-100%".to_string()
                }
            } else {
                // An option that itself starts with `%` gets an explicit weight so its text
                // is not read as one.
                let explicit = option.starts_with('%');
                match (right(i), explicit) {
                    (true, false) => "=".to_string(),
                    (true, true) => "=%100%".to_string(),
                    (false, false) => "~".to_string(),
                    (false, true) => "~%0%".to_string(),
                }
            };
            out.push_str(&prefix);
            out.push_str(&gift_text(option));
            out.push('\n');
        }
        if let Some(e) = q.explanation.as_deref().filter(|e| !e.trim().is_empty()) {
            out.push_str("\t####");
            out.push_str(&gift_text(e));
            out.push('\n');
        }
        out.push_str("}\n\n");
    }
    out
}

/// 100 / k with at most five decimals, trailing zeros dropped: 50, 33.33333, 25, 16.66667.
fn weight_share(k: usize) -> String {
    let k = k as u64;
    let scaled = (10_000_000 + k / 2) / k;
    let whole = scaled / 100_000;
    let frac = scaled % 100_000;
    if frac == 0 {
        whole.to_string()
    } else {
        let frac = format!("{frac:05}");
        format!("{whole}.{}", frac.trim_end_matches('0'))
    }
}

fn gift_text(s: &str) -> String {
    let needs_plain = format_marker(s.trim_start()).is_some() || s.contains(['<', '&']);
    let escaped = escape(s);
    if needs_plain {
        format!("[plain]{escaped}")
    } else {
        escaped
    }
}

fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '~' | '=' | '#' | '{' | '}' | ':' | '\\' => {
                out.push('\\');
                out.push(c);
            }
            '\n' => out.push_str("\\n"),
            '\r' => {}
            other => out.push(other),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weight_shares() {
        assert_eq!(weight_share(1), "100");
        assert_eq!(weight_share(2), "50");
        assert_eq!(weight_share(3), "33.33333");
        assert_eq!(weight_share(4), "25");
        assert_eq!(weight_share(5), "20");
        assert_eq!(weight_share(6), "16.66667");
    }

    #[test]
    fn html_is_stripped() {
        assert_eq!(
            strip_html("Match the <b>activity</b> to<br/>the &lt;description&gt; &amp; a < b"),
            "Match the activity to the <description> & a < b"
        );
        assert_eq!(strip_html("<p>x</p><p>y"), " x  y");
        assert_eq!(strip_html("a &#272;&#x111; &bogus; &"), "a Đđ &bogus; &");
        assert_eq!(strip_html("<a <a <a"), "<a <a <a");
    }

    #[test]
    fn weights() {
        let toks = decode("%33.33333%x");
        assert_eq!(parse_weight(&toks), Some((33.33333, 10)));
        assert_eq!(parse_weight(&decode("%-100%x")), Some((-100.0, 6)));
        assert_eq!(parse_weight(&decode("%abc%x")), None);
        assert_eq!(parse_weight(&decode("%%x")), None);
    }

    #[test]
    fn categories() {
        assert_eq!(
            category_topic(" $course$/top/Lịch sử").as_deref(),
            Some("Lịch sử")
        );
        assert_eq!(category_topic(" a//b").as_deref(), Some("a/b"));
        assert_eq!(category_topic(" a/b/ ").as_deref(), Some("b"));
        assert_eq!(category_topic("  "), None);
    }
}
