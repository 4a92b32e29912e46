//! The Aiken reader against Moodle's own fixtures and hand-written cases.

use cuocthi_bank::import::aiken::parse_aiken;
use cuocthi_bank::import::{FileError, Parsed, ParsedQuestion, MAX_ROWS};

fn parse(text: &str) -> Parsed<ParsedQuestion> {
    match parse_aiken(text) {
        Ok(p) => p,
        Err(e) => panic!("file error {e} for {text:?}"),
    }
}

fn codes(p: &Parsed<ParsedQuestion>) -> Vec<(u32, &str, &str)> {
    p.errors
        .iter()
        .map(|e| (e.row, e.field.as_str(), e.error.as_str()))
        .collect()
}

#[test]
fn moodle_questions_fixture() {
    let p = parse(include_str!("fixtures/moodle/questions.aiken.txt"));
    assert!(p.errors.is_empty(), "{:?}", p.errors);
    assert_eq!(p.items.len(), 2);
    let q = &p.items[0];
    assert_eq!(q.row, 1);
    assert_eq!(q.text, "The Moodle project was started by:");
    assert_eq!(
        q.options,
        vec![
            "Petr Skoda",
            "Martin Dougiamas",
            "Eloy Lafuente",
            "Tim Hunt"
        ]
    );
    assert_eq!(q.key, vec![1]);
    let q = &p.items[1];
    assert_eq!(q.row, 2);
    // Aiken text is plain: the HTML-like text stays as written.
    assert_eq!(
        q.text,
        "Moodle's abilities include handling user input that includes <html class=\"cool\"> & images:"
    );
    assert_eq!(q.options, vec!["True", "False"]);
    assert_eq!(q.key, vec![0]);
    assert!(p
        .items
        .iter()
        .all(|q| q.points == 1 && q.topic.is_none() && q.explanation.is_none()));
}

#[test]
fn moodle_errors_fixture() {
    let p = parse(include_str!("fixtures/moodle/aiken_errors.txt"));
    // Only "A good question" imports.
    assert_eq!(p.items.len(), 1);
    let q = &p.items[0];
    assert_eq!(
        (q.row, q.text.as_str(), q.options.clone(), q.key.clone()),
        (
            3,
            "A good question",
            vec!["Correct".to_string(), "Incorrect".to_string()],
            vec![0]
        )
    );
    assert_eq!(
        codes(&p),
        vec![
            // A question with too few answers.
            (1, "options", "too_few_options"),
            // A) Question not started / ANSWER: Question not started.
            (2, "text", "required"),
            // A question started but not finished (no ANSWER before the next question).
            (4, "key", "required"),
            // A second good question: `A)Incorrect` without the space.
            (5, "options", "invalid"),
        ]
    );
    let messages: Vec<&str> = p.errors.iter().map(|e| e.message.as_str()).collect();
    assert_eq!(
        messages,
        vec![
            "Câu 1 (dòng 1): có 1 phương án, cần ít nhất 2.",
            "Câu 2 (dòng 5): các phương án không thuộc câu hỏi nào (thiếu dòng câu hỏi trước phương án A).",
            "Câu 4 (dòng 14): thiếu dòng \"ANSWER: <chữ cái>\" sau các phương án.",
            "Câu 5 (dòng 18): phương án \"A)Incorrect (No space)\" (dòng 19) thiếu dấu cách sau chữ cái, hãy viết \"A) nội dung\" hoặc \"A. nội dung\".",
        ]
    );
}

#[test]
fn crlf_bom_and_dot_options() {
    let p = parse(
        "\u{feff}Thủ đô Việt Nam?\r\nA. Hà Nội\r\nB. Huế\r\nC.\tĐà Nẵng\r\nANSWER: a\r\n\r\n\
         Câu hai\r\nA) x\r\nB) y\r\nANSWER: B.\r\n",
    );
    assert!(p.errors.is_empty(), "{:?}", p.errors);
    assert_eq!(p.items.len(), 2);
    assert_eq!(p.items[0].options, vec!["Hà Nội", "Huế", "Đà Nẵng"]);
    assert_eq!(p.items[0].key, vec![0]);
    assert_eq!(p.items[1].key, vec![1]);
}

#[test]
fn questions_without_blank_lines_and_multi_line_text() {
    let p = parse("Dòng một\ncủa câu hỏi\nA) a\nB) b\nANSWER: A\nCâu hai\nA) c\nB) d\nANSWER: B");
    assert!(p.errors.is_empty(), "{:?}", p.errors);
    let texts: Vec<(u32, &str)> = p.items.iter().map(|q| (q.row, q.text.as_str())).collect();
    assert_eq!(texts, vec![(1, "Dòng một của câu hỏi"), (2, "Câu hai")]);
}

#[test]
fn key_problems() {
    let p = parse(
        "Q1\nA) a\nB) b\nANSWER: C\n\nQ2\nA) a\nB) b\nANSWER: A, B\n\n\
         Q3\nA) a\nB) b\nANSWER:\n\nQ4\nA) a\nB) b\nANSWER: Không biết\n\nQ5\nA) a\nB) b\nANSWER: B",
    );
    assert_eq!(
        codes(&p),
        vec![
            (1, "key", "unknown_key"),
            (2, "key", "invalid_key"),
            (3, "key", "required"),
            (4, "key", "invalid_key"),
        ]
    );
    assert_eq!(p.items.iter().map(|q| q.row).collect::<Vec<_>>(), vec![5]);
}

#[test]
fn option_problems() {
    let p = parse(
        "Q1\nA) a\nC) b\nANSWER: A\n\n\
         Q2\nA) a\nB) a\nANSWER: A\n\n\
         Q3\nA) a\nB) b\nC) c\nD) d\nE) e\nF) f\nG) g\nANSWER: A\n\n\
         Q4\nA)\nB) b\nANSWER: B\n\n\
         Q5\nANSWER: A\n\n\
         Câu không có phương án\n\nQ7\nA) a\nB) b\nANSWER: A",
    );
    assert_eq!(
        codes(&p),
        vec![
            (1, "options", "invalid"),
            (2, "options", "duplicate_option"),
            (3, "options", "too_many_options"),
            (4, "options", "required"),
            (5, "options", "too_few_options"),
            (6, "options", "too_few_options"),
        ]
    );
    assert_eq!(p.items.iter().map(|q| q.row).collect::<Vec<_>>(), vec![7]);
}

#[test]
fn several_problems_are_reported_together() {
    let long = "x".repeat(4_001);
    let p = parse(&format!("{long}\nA) a\nB) a\nANSWER: D"));
    assert_eq!(
        codes(&p),
        vec![
            (1, "key", "unknown_key"),
            (1, "text", "too_long"),
            (1, "options", "duplicate_option"),
        ]
    );
}

#[test]
fn stray_answer_line() {
    let p = parse("ANSWER: A\n\nQ\nA) a\nB) b\nANSWER: A");
    assert_eq!(codes(&p), vec![(1, "text", "required")]);
    assert_eq!(p.items.len(), 1);
    assert_eq!(p.items[0].row, 2);
}

#[test]
fn unreadable_files() {
    for text in [
        "",
        "\u{feff}\n\n",
        "Chỉ là văn bản.\nKhông có phương án.",
        "::Q1:: GIFT {=a ~b}",
        "\u{0}ANSWER: A",
    ] {
        match parse_aiken(text) {
            Err(FileError::Unreadable(_)) => {}
            other => panic!("{text:?} gave {other:?}"),
        }
    }
}

#[test]
fn too_many_questions() {
    let one = "Q\nA) a\nB) b\nANSWER: A\n";
    assert_eq!(parse(&one.repeat(MAX_ROWS)).items.len(), MAX_ROWS);
    match parse_aiken(&one.repeat(MAX_ROWS + 1)) {
        Err(FileError::TooLarge(_)) => {}
        other => panic!("{other:?}"),
    }
}
