//! Moodle Aiken: single-choice questions as plain lines.
//!
//! ```text
//! The Moodle project was started by:
//! A) Petr Skoda
//! B) Martin Dougiamas
//! ANSWER: B
//! ```
//!
//! A question is one line of text (consecutive text lines, with no blank line between them,
//! are joined into one question), then its options `A) text` or `A. text` (capital letter in
//! order A, B, C..., `.` or `)`, then a space), then `ANSWER: <letter>`. Blank lines are
//! ignored otherwise. As in Moodle, a text line after options starts the next question.

use super::gift::{finish, looks_binary, too_many_rows, Label};
use super::{FileError, Parsed, ParsedQuestion, RowError, MAX_ROWS};
use cuocthi_domain::identity::normalize_text;

/// Reads Moodle Aiken text into single-choice questions and per-question errors.
///
/// Guarantees:
/// - never panics and works in time linear in the input size;
/// - a leading BOM is ignored and `\r\n` line ends are accepted;
/// - `row` is the question's 1-based position in the file, counting every question started
///   (by a text line, or by options or an `ANSWER:` line without one), valid or not;
/// - items hold only fully valid questions: text and options NFC, trimmed, inner white space
///   collapsed, 2–6 distinct non-empty options, `key` exactly one index, `points` 1, no
///   topic, explanation or difficulty;
/// - every other question yields errors with Vietnamese messages naming the question number
///   and its first line: `text`/`required` (options or `ANSWER:` without a question line),
///   `options`/`invalid` (an option without the space after `A)`/`A.`, or letters out of
///   order), `key`/`required` (no `ANSWER:` line, or an empty one), `key`/`unknown_key` (the
///   letter is not one of the options), `key`/`invalid_key` (not a letter, or several letters:
///   Aiken is single choice), and the common `too_few_options`, `too_many_options`,
///   `too_long`, `duplicate_option`, `required` on options, `invalid_text` on `text` or
///   `options` (a control character or U+FFFD, see [`damaged_text`](super::damaged_text));
/// - [`FileError::TooLarge`] above [`MAX_ROWS`] questions, [`FileError::Unreadable`] when the
///   text looks binary or has no option line and no `ANSWER:` line at all.
pub fn parse_aiken(text: &str) -> Result<Parsed<ParsedQuestion>, FileError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    if looks_binary(text) {
        return Err(FileError::Unreadable(
            "tệp không phải văn bản Aiken (có ký tự nhị phân)".to_string(),
        ));
    }

    let mut state = State::default();
    let mut recognisable = false;
    for (idx, line) in text.split('\n').enumerate() {
        let line_no = idx + 1;
        let t = line.trim();
        if t.is_empty() {
            state.blank = true;
            continue;
        }
        if let Some(answer) = answer_line(t) {
            recognisable = true;
            if state.current.is_none() {
                state.start(line_no, None)?;
            }
            state.close(Some((line_no, answer)));
        } else if let Some(opt) = option_line(t) {
            if opt.spaced {
                recognisable = true;
            }
            match state.current.as_mut() {
                Some(draft) => {
                    if !opt.spaced && draft.bad_option.is_none() {
                        draft.bad_option = Some((line_no, t.to_string()));
                    }
                    draft.options.push((opt.letter, normalize_text(opt.text)));
                }
                None if opt.spaced => {
                    state.start(line_no, None)?;
                    if let Some(draft) = state.current.as_mut() {
                        draft.options.push((opt.letter, normalize_text(opt.text)));
                    }
                }
                // Not inside a question: an unspaced `A)x` line is read as question text.
                None => state.start(line_no, Some(t))?,
            }
        } else {
            let joins = state
                .current
                .as_ref()
                .is_some_and(|d| d.options.is_empty() && !d.text.is_empty() && !state.blank);
            if joins {
                if let Some(draft) = state.current.as_mut() {
                    draft.text.push(' ');
                    draft.text.push_str(t);
                }
            } else {
                if state.current.is_some() {
                    state.close(None);
                }
                state.start(line_no, Some(t))?;
            }
        }
        state.blank = false;
    }
    if state.current.is_some() {
        state.close(None);
    }
    if !recognisable {
        return Err(FileError::Unreadable(
            "không tìm thấy câu hỏi Aiken nào (phương án \"A) ...\" và dòng \"ANSWER: ...\") trong tệp"
                .to_string(),
        ));
    }
    Ok(Parsed {
        items: state.items,
        errors: state.errors,
    })
}

#[derive(Default)]
struct State {
    current: Option<Draft>,
    rows: usize,
    blank: bool,
    items: Vec<ParsedQuestion>,
    errors: Vec<RowError>,
}

/// A question being read.
struct Draft {
    row: usize,
    line: usize,
    /// Question text as written (lines joined by a space); empty when options or `ANSWER:`
    /// came without a question line.
    text: String,
    /// Letter and normalised text of each option.
    options: Vec<(char, String)>,
    /// The first option line without a space after the letter, with its line number.
    bad_option: Option<(usize, String)>,
}

impl State {
    fn start(&mut self, line: usize, text: Option<&str>) -> Result<(), FileError> {
        self.rows += 1;
        if self.rows > MAX_ROWS {
            return Err(too_many_rows());
        }
        self.current = Some(Draft {
            row: self.rows,
            line,
            text: text.unwrap_or("").to_string(),
            options: Vec::new(),
            bad_option: None,
        });
        Ok(())
    }

    /// Ends the current question, with its `ANSWER:` line (number, what follows the colon)
    /// or without one.
    fn close(&mut self, answer: Option<(usize, &str)>) {
        let Some(draft) = self.current.take() else {
            return;
        };
        match check(draft, answer) {
            Ok(q) => self.items.push(q),
            Err(errs) => self.errors.extend(errs),
        }
    }
}

fn check(draft: Draft, answer: Option<(usize, &str)>) -> Result<ParsedQuestion, Vec<RowError>> {
    let label = Label::aiken(draft.row, draft.line);
    if draft.text.is_empty() {
        let what = if draft.options.is_empty() {
            "dòng ANSWER không thuộc câu hỏi nào (thiếu dòng câu hỏi)."
        } else {
            "các phương án không thuộc câu hỏi nào (thiếu dòng câu hỏi trước phương án A)."
        };
        return Err(vec![label.error("text", "required", what)]);
    }
    if let Some((line, raw)) = &draft.bad_option {
        let mut shown: String = raw.chars().take(60).collect();
        if raw.chars().count() > 60 {
            shown.push('…');
        }
        return Err(vec![label.error(
            "options",
            "invalid",
            &format!(
                "phương án \"{shown}\" (dòng {line}) thiếu dấu cách sau chữ cái, \
                 hãy viết \"A) nội dung\" hoặc \"A. nội dung\"."
            ),
        )]);
    }
    if draft.options.is_empty() {
        return Err(vec![label.error(
            "options",
            "too_few_options",
            "câu hỏi không có phương án nào (\"A) ...\").",
        )]);
    }
    if let Some((i, (letter, _))) = draft
        .options
        .iter()
        .enumerate()
        .find(|(i, (letter, _))| letter_index(*letter) != Some(*i))
    {
        let expected =
            char::from_u32(u32::from(b'A') + u32::try_from(i).unwrap_or(0)).unwrap_or('?');
        return Err(vec![label.error(
            "options",
            "invalid",
            &format!(
                "phương án thứ {} có chữ cái {letter}, cần là {expected} (các phương án viết lần lượt A, B, C...).",
                i + 1
            ),
        )]);
    }

    let mut errs = Vec::new();
    let key: Vec<usize> = match answer {
        None => {
            errs.push(label.error(
                "key",
                "required",
                "thiếu dòng \"ANSWER: <chữ cái>\" sau các phương án.",
            ));
            Vec::new()
        }
        Some((line, raw)) => match read_answer(raw) {
            AnswerValue::Empty => {
                errs.push(label.error(
                    "key",
                    "required",
                    &format!("dòng ANSWER (dòng {line}) không ghi đáp án."),
                ));
                Vec::new()
            }
            AnswerValue::Several => {
                errs.push(label.error(
                    "key",
                    "invalid_key",
                    &format!(
                        "dòng ANSWER (dòng {line}) ghi nhiều đáp án; Aiken chỉ có một đáp án đúng."
                    ),
                ));
                Vec::new()
            }
            AnswerValue::Letter(c) => match letter_index(c) {
                Some(i) if i < draft.options.len() => vec![i],
                _ => {
                    errs.push(label.error(
                        "key",
                        "unknown_key",
                        &format!("đáp án {c} (dòng {line}) không có trong các phương án."),
                    ));
                    Vec::new()
                }
            },
            AnswerValue::Other => {
                let mut shown: String = raw.chars().take(40).collect();
                if raw.chars().count() > 40 {
                    shown.push('…');
                }
                errs.push(label.error(
                    "key",
                    "invalid_key",
                    &format!(
                        "đáp án \"{shown}\" (dòng {line}) không phải chữ cái của một phương án."
                    ),
                ));
                Vec::new()
            }
        },
    };

    let text = normalize_text(&draft.text);
    let options: Vec<String> = draft.options.into_iter().map(|(_, o)| o).collect();
    // With a key error, still run the common checks so every problem is reported at once;
    // pass a placeholder key so `finish` does not report the key a second time.
    let placeholder = if key.is_empty() { vec![0] } else { key.clone() };
    match finish(&label, None, text, options, placeholder, None) {
        Ok(q) if errs.is_empty() => Ok(q),
        Ok(_) => Err(errs),
        Err(more) => {
            errs.extend(more);
            Err(errs)
        }
    }
}

fn letter_index(c: char) -> Option<usize> {
    c.is_ascii_uppercase()
        .then(|| usize::from(u8::try_from(c).unwrap_or(b'A') - b'A'))
}

/// An option line: letter, `.` or `)`, then (when `spaced`) white space and the text.
struct OptionLine<'a> {
    letter: char,
    text: &'a str,
    spaced: bool,
}

fn option_line(t: &str) -> Option<OptionLine<'_>> {
    let mut chars = t.chars();
    let letter = chars.next().filter(char::is_ascii_uppercase)?;
    chars.next().filter(|c| matches!(c, '.' | ')'))?;
    let rest = chars.as_str();
    let spaced = rest.chars().next().is_none_or(char::is_whitespace);
    Some(OptionLine {
        letter,
        text: rest.trim(),
        spaced,
    })
}

/// `ANSWER: B` (any case, spaces allowed before the colon): what follows the colon, trimmed.
fn answer_line(t: &str) -> Option<&str> {
    let head = t.get(..6)?;
    if !head.eq_ignore_ascii_case("answer") {
        return None;
    }
    let rest = t.get(6..)?.trim_start().strip_prefix(':')?;
    Some(rest.trim())
}

enum AnswerValue {
    Empty,
    Letter(char),
    Several,
    Other,
}

fn read_answer(raw: &str) -> AnswerValue {
    let t = raw.trim_matches(|c: char| c.is_whitespace() || matches!(c, '.' | '(' | ')'));
    if t.is_empty() {
        return AnswerValue::Empty;
    }
    let mut chars = t.chars();
    if let (Some(c), None) = (chars.next(), chars.next()) {
        if c.is_ascii_alphabetic() {
            return AnswerValue::Letter(c.to_ascii_uppercase());
        }
        return AnswerValue::Other;
    }
    let parts: Vec<&str> = t
        .split(|c: char| c.is_whitespace() || matches!(c, ',' | ';' | '/' | '&'))
        .filter(|p| !p.is_empty())
        .collect();
    let letters = parts.len() > 1
        && parts.iter().all(|p| {
            let mut cs = p.trim_matches(|c| matches!(c, '.' | '(' | ')')).chars();
            matches!((cs.next(), cs.next()), (Some(c), None) if c.is_ascii_alphabetic())
        });
    if letters {
        AnswerValue::Several
    } else {
        AnswerValue::Other
    }
}
