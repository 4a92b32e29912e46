//! The template and the exports: what is written reads back the same.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod sheet_common;

use std::io::Cursor;

use calamine::{Data, Reader, Xlsx};
use cuocthi_bank::import::sheet::{
    parse_questions, parse_units, questions_template_xlsx, questions_to_xlsx, units_to_xlsx,
    SheetQuestion, QUESTION_HEADINGS,
};
use cuocthi_bank::import::{Format, ParsedQuestion, ParsedUnit, DEFAULT_MAX_FILE_BYTES};
use proptest::prelude::*;

fn read_back(bytes: &[u8]) -> cuocthi_bank::import::Parsed<ParsedQuestion> {
    parse_questions(bytes, Format::Xlsx, DEFAULT_MAX_FILE_BYTES).unwrap()
}

fn expected(questions: &[SheetQuestion]) -> Vec<ParsedQuestion> {
    (2u32..)
        .zip(questions)
        .map(|(row, q)| {
            let mut key = q.key.clone();
            key.sort_unstable();
            ParsedQuestion {
                row,
                topic: (!q.topic.is_empty()).then(|| q.topic.clone()),
                text: q.text.clone(),
                options: q.options.clone(),
                key,
                points: q.points,
                explanation: q.explanation.clone(),
                difficulty: q.difficulty.clone(),
            }
        })
        .collect()
}

fn sheet_rows(bytes: &[u8], sheet: &str) -> Vec<Vec<String>> {
    let mut book: Xlsx<_> = Xlsx::new(Cursor::new(bytes.to_vec())).unwrap();
    let range = book.worksheet_range(sheet).unwrap();
    range
        .rows()
        .map(|row| {
            row.iter()
                .map(|c| match c {
                    Data::Empty => String::new(),
                    other => other.to_string(),
                })
                .collect()
        })
        .collect()
}

#[test]
fn template_is_empty_with_instructions() {
    let bytes = questions_template_xlsx().unwrap();
    let parsed = read_back(&bytes);
    assert_eq!(parsed.items, vec![]);
    assert_eq!(parsed.errors, vec![]);

    let book: Xlsx<_> = Xlsx::new(Cursor::new(bytes.clone())).unwrap();
    assert_eq!(book.sheet_names(), vec!["Câu hỏi", "Hướng dẫn"]);

    let data = sheet_rows(&bytes, "Câu hỏi");
    assert_eq!(data.len(), 1, "headings only");
    assert_eq!(data[0], QUESTION_HEADINGS.map(str::to_owned).to_vec());

    let instructions = sheet_rows(&bytes, "Hướng dẫn").concat().join("\n");
    for needle in [
        "trang tính đầu tiên",
        "A, C",
        "để trống là 1 điểm",
        "20 MB",
        "10.000 câu hỏi",
        "4.000 ký tự",
        "có dấu hay không dấu",
        "Phương án F",
        "Mức độ",
    ] {
        assert!(instructions.contains(needle), "missing {needle:?}");
    }
}

/// The examples in the instructions sheet are valid questions themselves.
#[test]
fn template_examples_are_valid() {
    let bytes = questions_template_xlsx().unwrap();
    let rows = sheet_rows(&bytes, "Hướng dẫn");
    let start = rows
        .iter()
        .position(|r| r.first().is_some_and(|c| c == "Cột"))
        .unwrap();
    let table = &rows[start + 1..start + 14];
    let mut csv = String::new();
    for example in [3, 4] {
        let line: Vec<String> = table
            .iter()
            .map(|r| format!("\"{}\"", r[example].replace('"', "\"\"")))
            .collect();
        csv.push_str(&line.join(","));
        csv.push('\n');
    }
    let headings: Vec<String> = table.iter().map(|r| r[0].clone()).collect();
    let csv = format!("{}\n{csv}", headings.join(","));
    let parsed = parse_questions(csv.as_bytes(), Format::Csv, DEFAULT_MAX_FILE_BYTES).unwrap();
    assert_eq!(parsed.errors, vec![]);
    assert_eq!(parsed.items.len(), 2);
    assert_eq!(parsed.items[0].key, vec![1]);
    assert_eq!(parsed.items[1].key, vec![0, 2]);
}

#[test]
fn export_round_trips_by_hand() {
    let questions = vec![
        SheetQuestion {
            topic: "Lịch sử Đảng".into(),
            text: "Đảng Cộng sản Việt Nam được thành lập năm nào?".into(),
            options: vec!["1925".into(), "1930".into(), "1945".into(), "1954".into()],
            key: vec![1],
            points: 1,
            explanation: Some("Ngày 3/2/1930.".into()),
            difficulty: Some("Dễ".into()),
        },
        SheetQuestion {
            topic: String::new(),
            text: "=SUM(A1) là gì trong \"Excel\"?".into(),
            options: vec![
                "=HYPERLINK(\"http://x\")".into(),
                "+1".into(),
                "-1".into(),
                "@a".into(),
                "1/2".into(),
                "05".into(),
            ],
            key: vec![5, 0, 2],
            points: 100,
            explanation: None,
            difficulty: None,
        },
        SheetQuestion {
            topic: "Pháp luật".into(),
            text: "TRUE".into(),
            options: vec!["#N/A".into(), "_x0041_ & <b>".into()],
            key: vec![0, 1],
            points: 7,
            explanation: Some("Ghi chú 😀".into()),
            difficulty: None,
        },
    ];
    let bytes = questions_to_xlsx(&questions).unwrap();
    let parsed = read_back(&bytes);
    assert_eq!(parsed.errors, vec![]);
    assert_eq!(parsed.items, expected(&questions));
}

#[test]
fn export_refuses_what_the_template_cannot_hold() {
    let mut q = SheetQuestion {
        topic: String::new(),
        text: "Hỏi?".into(),
        options: (0..7).map(|i| i.to_string()).collect(),
        key: vec![0],
        points: 1,
        explanation: None,
        difficulty: None,
    };
    assert!(questions_to_xlsx(std::slice::from_ref(&q)).is_err());
    q.options.truncate(2);
    q.key = vec![2];
    assert!(questions_to_xlsx(&[q]).is_err());
}

#[test]
fn units_round_trip() {
    let units = vec![
        ParsedUnit {
            row: 2,
            code: "UB-01".into(),
            name: "UBND phường Bắc Hồng".into(),
            block: "Phường".into(),
            headcount: Some(1_000_000),
        },
        ParsedUnit {
            row: 3,
            code: "0123".into(),
            name: "=Sở".into(),
            block: "Sở".into(),
            headcount: None,
        },
    ];
    let bytes = units_to_xlsx(&units).unwrap();
    let parsed = parse_units(&bytes, Format::Xlsx, DEFAULT_MAX_FILE_BYTES).unwrap();
    assert_eq!(parsed.errors, vec![]);
    assert_eq!(parsed.items, units);
}

const WORDS: &[&str] = &[
    "Hà",
    "Nội",
    "Việt",
    "Nam",
    "đồng",
    "bằng",
    "sông",
    "Cửu",
    "Long",
    "Ủy",
    "ban",
    "nhân",
    "dân",
    "=SUM(A1)",
    "+84",
    "-5",
    "@me",
    "2013",
    "0.5",
    "1/2",
    "05",
    "TRUE",
    "#N/A",
    "\"trích\"",
    "a&b",
    "<tag>",
    "_x0041_",
    "Ω",
    "😀",
    "100%",
];

fn phrase(max_words: usize) -> impl Strategy<Value = String> {
    proptest::collection::vec(proptest::sample::select(WORDS), 1..=max_words)
        .prop_map(|words| words.join(" "))
}

fn question() -> impl Strategy<Value = SheetQuestion> {
    (
        proptest::option::of(phrase(3)),
        phrase(12),
        proptest::collection::vec(phrase(4), 2..=6),
        any::<u8>(),
        1..=100i32,
        proptest::option::of(phrase(8)),
        proptest::option::of(phrase(2)),
    )
        .prop_map(
            |(topic, text, options, mask, points, explanation, difficulty)| {
                let n = options.len() as u8;
                let mut key: Vec<u8> = (0..n).filter(|i| mask & (1 << i) != 0).collect();
                if key.is_empty() {
                    key.push(mask % n);
                }
                key.reverse();
                SheetQuestion {
                    topic: topic.unwrap_or_default(),
                    text,
                    options,
                    key,
                    points,
                    explanation,
                    difficulty,
                }
            },
        )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    #[test]
    fn export_round_trips(questions in proptest::collection::vec(question(), 0..12)) {
        let bytes = questions_to_xlsx(&questions).unwrap();
        let parsed = read_back(&bytes);
        prop_assert_eq!(parsed.errors, vec![]);
        prop_assert_eq!(parsed.items, expected(&questions));
    }
}
