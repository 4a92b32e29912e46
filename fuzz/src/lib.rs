//! Checks shared by the fuzz targets: the guarantees the importers document, asserted on
//! whatever they return, so that a fuzzer finds broken promises as well as panics.

use cuocthi_bank::import::gift::{parse_gift, to_gift, ExportQuestion};
use cuocthi_bank::import::sheet::{parse_questions, questions_to_xlsx, SheetQuestion};
use cuocthi_bank::import::{
    Format, Parsed, ParsedQuestion, ParsedUnit, DEFAULT_MAX_FILE_BYTES, MAX_CELL_CHARS,
    MAX_OPTIONS, MAX_ROWS, MIN_OPTIONS,
};
use cuocthi_domain::identity::normalize_text;

/// Checks the guarantees of a question report: every item valid and normalised, rows in file
/// order, no row both imported and reported, every error with a code and a message.
pub fn check_questions(parsed: &Parsed<ParsedQuestion>, distinct_options: bool) {
    assert!(
        parsed.items.len() <= MAX_ROWS,
        "more items than the row limit"
    );
    for q in &parsed.items {
        assert!(q.row >= 1, "row 0: {q:?}");
        assert!(
            (MIN_OPTIONS..=MAX_OPTIONS).contains(&q.options.len()),
            "option count: {q:?}"
        );
        assert!(!q.key.is_empty(), "empty key: {q:?}");
        assert!(q.key.windows(2).all(|w| w[0] < w[1]), "key order: {q:?}");
        assert!(
            q.key.iter().all(|&k| usize::from(k) < q.options.len()),
            "key out of range: {q:?}"
        );
        assert!((1..=100).contains(&q.points), "points: {q:?}");
        for text in std::iter::once(&q.text).chain(&q.options) {
            assert!(!text.is_empty(), "empty text: {q:?}");
            assert!(text.chars().count() <= MAX_CELL_CHARS, "too long: {q:?}");
            assert_eq!(&normalize_text(text), text, "not normalised: {q:?}");
        }
        if distinct_options {
            for (i, a) in q.options.iter().enumerate() {
                assert!(
                    !q.options.iter().skip(i + 1).any(|b| b == a),
                    "duplicate option: {q:?}"
                );
            }
        }
    }
    check_rows(
        parsed.items.iter().map(|q| q.row),
        parsed
            .errors
            .iter()
            .map(|e| (e.row, e.error.as_str(), e.message.as_str())),
    );
}

/// Checks the guarantees of a units report.
pub fn check_units(parsed: &Parsed<ParsedUnit>) {
    assert!(
        parsed.items.len() <= MAX_ROWS,
        "more items than the row limit"
    );
    for u in &parsed.items {
        assert!(u.row >= 1, "row 0: {u:?}");
        assert!(
            u.code
                .chars()
                .next()
                .is_some_and(|c| c.is_ascii_alphanumeric()),
            "a code must start with a letter or digit: {u:?}"
        );
        assert!(
            u.code
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')),
            "code characters: {u:?}"
        );
        assert!(!u.name.is_empty() && !u.block.is_empty(), "empty: {u:?}");
        assert!(
            u.headcount.is_none_or(|h| (1..=1_000_000).contains(&h)),
            "headcount: {u:?}"
        );
    }
    for (i, a) in parsed.items.iter().enumerate() {
        assert!(
            !parsed
                .items
                .iter()
                .skip(i + 1)
                .any(|b| b.code.eq_ignore_ascii_case(&a.code)),
            "duplicate code imported: {a:?}"
        );
    }
    check_rows(
        parsed.items.iter().map(|u| u.row),
        parsed
            .errors
            .iter()
            .map(|e| (e.row, e.error.as_str(), e.message.as_str())),
    );
}

fn check_rows<'a>(
    item_rows: impl Iterator<Item = u32>,
    errors: impl Iterator<Item = (u32, &'a str, &'a str)>,
) {
    let items: Vec<u32> = item_rows.collect();
    assert!(
        items.windows(2).all(|w| w[0] < w[1]),
        "item rows out of order: {items:?}"
    );
    let mut last = 0;
    for (row, code, message) in errors {
        assert!(row >= 1, "error on row 0");
        assert!(row >= last, "error rows out of order");
        last = row;
        assert!(
            !code.is_empty() && code.bytes().all(|b| b.is_ascii_lowercase() || b == b'_'),
            "code {code:?}"
        );
        assert!(!message.is_empty(), "empty message");
        assert!(
            items.binary_search(&row).is_err(),
            "row {row} both imported and reported"
        );
    }
}

/// The documented round trip of the `.xlsx` export: questions as import normalises them,
/// written by `questions_to_xlsx` and read back, are the same questions.
pub fn check_xlsx_round_trip(items: &[ParsedQuestion]) {
    if items.is_empty() {
        return;
    }
    let sheet: Vec<SheetQuestion> = items
        .iter()
        .map(|q| SheetQuestion {
            topic: q.topic.clone().unwrap_or_default(),
            text: q.text.clone(),
            options: q.options.clone(),
            key: q.key.clone(),
            points: q.points,
            explanation: q.explanation.clone(),
            difficulty: q.difficulty.clone(),
        })
        .collect();
    let bytes = questions_to_xlsx(&sheet).expect("valid questions are written");
    let back = parse_questions(&bytes, Format::Xlsx, usize::MAX).expect("the export reads back");
    assert!(
        back.errors.is_empty(),
        "export reads back with errors: {:?}",
        back.errors
    );
    let essentials = |qs: &[ParsedQuestion]| -> Vec<_> {
        qs.iter()
            .map(|q| {
                (
                    q.topic.clone().filter(|t| !t.is_empty()),
                    q.text.clone(),
                    q.options.clone(),
                    q.key.clone(),
                    q.points,
                    q.explanation.clone(),
                    q.difficulty.clone(),
                )
            })
            .collect()
    };
    assert_eq!(
        essentials(&back.items),
        essentials(items),
        "xlsx round trip"
    );
}

/// The documented round trip of the GIFT export: parsed questions written by `to_gift` read
/// back to the same text, options, key, topic and explanation.
pub fn check_gift_round_trip(items: &[ParsedQuestion]) {
    if items.is_empty() {
        return;
    }
    let export: Vec<ExportQuestion> = items
        .iter()
        .map(|q| ExportQuestion {
            topic: q.topic.clone().unwrap_or_default(),
            text: q.text.clone(),
            options: q.options.clone(),
            key: q.key.clone(),
            points: q.points,
            explanation: q.explanation.clone(),
        })
        .collect();
    let gift = to_gift(&export);
    let back = parse_gift(&gift).unwrap_or_else(|e| panic!("GIFT export unreadable: {e}\n{gift}"));
    assert!(
        back.errors.is_empty(),
        "GIFT export reads back with errors: {:?}\n{gift}",
        back.errors
    );
    let essentials = |qs: &[ParsedQuestion]| -> Vec<_> {
        qs.iter()
            .map(|q| {
                (
                    q.topic.clone().filter(|t| !t.is_empty()),
                    q.text.clone(),
                    q.options.clone(),
                    q.key.clone(),
                    q.explanation.clone(),
                )
            })
            .collect()
    };
    assert_eq!(
        essentials(&back.items),
        essentials(items),
        "GIFT round trip\n{gift}"
    );
}

/// What the questions import does with GIFT and Aiken bytes before parsing: a UTF-8 BOM is
/// dropped, anything not UTF-8 or holding a NUL is refused.
pub fn decode_text(bytes: &[u8]) -> Option<&str> {
    let text = std::str::from_utf8(bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes)).ok()?;
    (!text.contains('\0')).then_some(text)
}

/// Whether the bytes hold an `r`/`ref` attribute (a cell reference) that overflows
/// calamine's 32-bit arithmetic: seven or more letters, or ten or more digits in a row. A
/// known calamine bug (found by the `xlsx_sheet_xml` target): under the fuzzer's overflow
/// checks it panics, and libFuzzer stops at any panic, even one the importer catches. The
/// server builds calamine with overflow checks and catches the panic (422 `unreadable_file`);
/// the corpus entries `xlsx-column-reference-overflow` and `xlsx-row-reference-overflow` keep
/// it so. The targets skip such inputs to fuzz past it.
pub fn overflows_calamine(data: &[u8]) -> bool {
    for (eq, _) in data.iter().enumerate().filter(|(_, &b)| b == b'=') {
        // The attribute name before `=` (spaces allowed), without a namespace prefix.
        let before = &data[..eq];
        let name_end = before.len()
            - before
                .iter()
                .rev()
                .take_while(|b| b.is_ascii_whitespace())
                .count();
        let name = &before[..name_end];
        let start = name.len()
            - name
                .iter()
                .rev()
                .take_while(|b| b.is_ascii_alphanumeric() || **b == b'_' || **b == b'-')
                .count();
        let local = &name[start..];
        if local != b"r" && local != b"ref" {
            continue;
        }
        let after = &data[eq + 1..];
        let skip = after.iter().take_while(|b| b.is_ascii_whitespace()).count();
        let Some(&quote) = after.get(skip).filter(|q| **q == b'"' || **q == b'\'') else {
            continue;
        };
        let value = &after[skip + 1..];
        let value = &value[..value
            .iter()
            .position(|&b| b == quote)
            .unwrap_or(value.len())];
        let (mut letters, mut digits) = (0usize, 0usize);
        for &b in value {
            if b.is_ascii_alphabetic() {
                letters += 1;
                digits = 0;
            } else if b.is_ascii_digit() {
                digits += 1;
                letters = 0;
            } else {
                letters = 0;
                digits = 0;
            }
            if letters >= 7 || digits >= 10 {
                return true;
            }
        }
    }
    false
}

/// Whether to run the (slow) `.xlsx` export round trip for this input: one input in four.
pub fn sample_round_trip(data: &[u8]) -> bool {
    data.len() % 4 == 0
}

/// The upload limit the server applies by default.
pub const MAX_BYTES: usize = DEFAULT_MAX_FILE_BYTES;
