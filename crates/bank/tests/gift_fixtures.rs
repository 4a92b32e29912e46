//! The GIFT reader against Moodle's own fixture and hand-written cases.

use cuocthi_bank::import::gift::parse_gift;
use cuocthi_bank::import::{FileError, Parsed, ParsedQuestion, RowError, MAX_ROWS};

const MOODLE: &str = include_str!("fixtures/moodle/questions.gift.txt");

fn parse(text: &str) -> Parsed<ParsedQuestion> {
    match parse_gift(text) {
        Ok(p) => p,
        Err(e) => panic!("file error {e} for {text:?}"),
    }
}

/// `(row, field, code)` of every error.
fn codes(p: &Parsed<ParsedQuestion>) -> Vec<(u32, &str, &str)> {
    p.errors
        .iter()
        .map(|e| (e.row, e.field.as_str(), e.error.as_str()))
        .collect()
}

fn only_error(text: &str) -> RowError {
    let p = parse(text);
    assert!(p.items.is_empty(), "{:?}", p.items);
    assert_eq!(p.errors.len(), 1, "{:?}", p.errors);
    p.errors
        .into_iter()
        .next()
        .unwrap_or_else(|| unreachable!())
}

fn only_item(text: &str) -> ParsedQuestion {
    let p = parse(text);
    assert!(p.errors.is_empty(), "{:?}", p.errors);
    assert_eq!(p.items.len(), 1, "{:?}", p.items);
    p.items.into_iter().next().unwrap_or_else(|| unreachable!())
}

#[test]
fn moodle_fixture_imports_the_supported_questions() {
    let p = parse(MOODLE);
    let got: Vec<(u32, &str, Vec<&str>, Vec<u8>)> = p
        .items
        .iter()
        .map(|q| {
            (
                q.row,
                q.text.as_str(),
                q.options.iter().map(String::as_str).collect(),
                q.key.clone(),
            )
        })
        .collect();
    let spectrum = "What's between orange and green in the spectrum?";
    assert_eq!(
        got,
        vec![
            (3, spectrum, vec!["yellow", "red", "blue"], vec![0]),
            (
                4,
                spectrum,
                vec!["yellow", "red", "off-beige", "blue"],
                vec![0, 2]
            ),
            (
                7,
                "42 is the Absolute Answer to everything.",
                vec!["Đúng", "Sai"],
                vec![1]
            ),
            (8, "TSL is blablabla.", vec!["Đúng", "Sai"], vec![0]),
            (9, "TSL is blablabla.", vec!["Đúng", "Sai"], vec![0]),
        ]
    );
    assert!(!p.items.iter().any(|q| q.multiple() != (q.row == 4)));
    assert!(p.items.iter().all(|q| q.points == 1 && q.topic.is_none()));
    let explanations: Vec<Option<&str>> =
        p.items.iter().map(|q| q.explanation.as_deref()).collect();
    assert_eq!(
        explanations,
        vec![
            None,
            None,
            Some("This is, of course, a Hitchiker's Guide to the Galaxy reference."),
            None,
            None
        ]
    );
}

#[test]
fn moodle_fixture_reports_the_unsupported_questions() {
    let p = parse(MOODLE);
    assert_eq!(
        codes(&p),
        vec![
            (1, "question", "unsupported_type"),
            (2, "question", "unsupported_type"),
            (5, "question", "unsupported_type"),
            (6, "question", "unsupported_type"),
        ]
    );
    let messages: Vec<&str> = p.errors.iter().map(|e| e.message.as_str()).collect();
    assert_eq!(
        messages,
        vec![
            "Câu 1 (\"Q8\"): dạng câu hỏi tự luận (essay) chưa được hỗ trợ.",
            "Câu 2 (\"Moodle activities\"): dạng câu hỏi ghép cặp (matching) chưa được hỗ trợ.",
            "Câu 5 (\"Q5\"): dạng câu hỏi trả lời bằng số (numerical) chưa được hỗ trợ.",
            "Câu 6 (\"Shortanswer\"): dạng câu hỏi trả lời ngắn (short answer) chưa được hỗ trợ.",
        ]
    );
}

#[test]
fn moodle_fixture_with_bom_and_crlf_reads_the_same() {
    let crlf = format!("\u{feff}{}", MOODLE.replace('\n', "\r\n"));
    assert_eq!(parse(&crlf), parse(MOODLE));
}

#[test]
fn categories_set_the_topic_of_following_questions() {
    let p = parse(
        "$CATEGORY: $course$/top/Lịch sử\n\n::a:: Câu một {=x ~y}\n\n\
         // comment\n$CATEGORY: Địa lý//Kinh tế\n::b:: Câu hai {=x ~y}\n\n::c:: Câu ba {T}\n",
    );
    let topics: Vec<(u32, Option<&str>)> = p
        .items
        .iter()
        .map(|q| (q.row, q.topic.as_deref()))
        .collect();
    assert_eq!(
        topics,
        vec![
            (1, Some("Lịch sử")),
            (2, Some("Địa lý/Kinh tế")),
            (3, Some("Địa lý/Kinh tế")),
        ]
    );
}

#[test]
fn escapes_html_and_formats() {
    let q = only_item(
        "::Ký hiệu:: [html]Chọn <b>đúng</b> biểu thức&nbsp;\\{a\\} \\= 1 \\: \\# \\~ \\\\ &amp; x<br>y {\n\
         \t=[plain]<b>a</b> \\= 1\n\t~[markdown]**b**\n\t~[moodle]c \\# d # phản hồi\n}",
    );
    assert_eq!(q.text, "Chọn đúng biểu thức {a} = 1 : # ~ \\ & x y");
    assert_eq!(q.options, vec!["<b>a</b> = 1", "**b**", "c # d"]);
    assert_eq!(q.key, vec![0]);
}

#[test]
fn missing_word_questions_keep_a_blank() {
    let q = only_item("Thủ đô của Pháp là {=Paris ~Lyon ~Nice} phải không?");
    assert_eq!(q.text, "Thủ đô của Pháp là _____ phải không?");
    let q = only_item("Thủ đô của Pháp là {=Paris ~Lyon}.");
    assert_eq!(q.text, "Thủ đô của Pháp là _____.");
    // Closing punctuation after a true/false block is dropped.
    let q = only_item("Trái Đất quay quanh Mặt Trời {TRUE}.");
    assert_eq!(q.text, "Trái Đất quay quanh Mặt Trời");
    assert_eq!(q.key, vec![0]);
}

#[test]
fn true_false_forms() {
    for (block, key) in [
        ("{T}", 0u8),
        ("{TRUE}", 0),
        ("{true}", 0),
        ("{F}", 1),
        ("{FALSE}", 1),
        ("{FALSE#sai rồi#đúng rồi}", 1),
        ("{T####Giải thích}", 0),
    ] {
        let q = only_item(&format!("Câu hỏi {block}"));
        assert_eq!(q.options, vec!["Đúng", "Sai"], "{block}");
        assert_eq!(q.key, vec![key], "{block}");
    }
    let q = only_item("Câu hỏi {T####Giải thích\\ndòng hai}");
    assert_eq!(q.explanation.as_deref(), Some("Giải thích\ndòng hai"));
}

#[test]
fn weighted_multiple_choice() {
    let q = only_item("Chọn ba {~%33.33333%a ~%33.33333%b ~%-100%c ~%33.33333%d ~%0%e}");
    assert_eq!(q.key, vec![0, 1, 3]);
    let q = only_item("Chọn hai {~%50%a ~b ~%50%c}");
    assert_eq!(q.key, vec![0, 2]);
    let q = only_item("Chọn {~%60%a ~%40%b ~%-50%c}");
    assert_eq!(q.key, vec![0, 1]);
    // One `=` with explicit full and zero weights is still single choice.
    let q = only_item("Chọn {=%100%a ~%0%b ~%-25%c}");
    assert_eq!(q.key, vec![0]);
}

#[test]
fn partial_credit_and_several_equals_are_unsupported() {
    for text in [
        "Q {~%50%a ~%50%b ~%50%c}",
        "Q {~%50%a ~%-100%b}",
        "Q {=a ~%50%b ~c}",
        "Q {=%50%a ~b}",
        "Q {=a =b ~c}",
    ] {
        let e = only_error(text);
        assert_eq!(
            (e.row, e.field.as_str(), e.error.as_str()),
            (1, "question", "unsupported_type"),
            "{text}: {}",
            e.message
        );
    }
}

#[test]
fn malformed_questions_are_invalid() {
    for text in [
        "Q {=a ~b",
        "Q }=a ~b{",
        "Q {=a ~b} và {=c ~d}",
        "Q {lạc =a ~b}",
        "Q {~%150%a ~%-100%b}",
    ] {
        // The next question still imports.
        let p = parse(&format!("{text}\n\nCâu sau {{T}}"));
        assert_eq!(codes(&p), vec![(1, "question", "invalid")], "{text}");
        assert_eq!(p.items.iter().map(|q| q.row).collect::<Vec<_>>(), vec![2]);
        let message = p.errors.first().map_or("", |e| e.message.as_str());
        assert!(
            message.starts_with("Câu 1 (dòng 1): câu hỏi sai cú pháp GIFT: "),
            "{message}"
        );
    }
}

#[test]
fn other_types_are_reported_with_their_names() {
    let cases = [
        ("::E:: Viết {}", "tự luận (essay)"),
        ("::M:: Ghép {=a -> 1 =b -> 2}", "ghép cặp (matching)"),
        ("::N:: Số {#3:2}", "trả lời bằng số (numerical)"),
        ("::S:: Ngắn {=Hà Nội =Hanoi}", "trả lời ngắn (short answer)"),
        (
            "::D:: Chỉ là mô tả",
            "đoạn mô tả không có đáp án (description)",
        ),
    ];
    for (text, name) in cases {
        let p = parse(&format!("Trước {{T}}\n\n{text}\n\nSau {{F}}"));
        assert_eq!(p.items.len(), 2);
        assert_eq!(
            p.items.iter().map(|q| q.row).collect::<Vec<_>>(),
            vec![1, 3]
        );
        assert_eq!(codes(&p), vec![(2, "question", "unsupported_type")]);
        let name_in_title = text.get(2..3).unwrap_or("");
        assert_eq!(
            p.errors.first().map(|e| e.message.clone()),
            Some(format!(
                "Câu 2 (\"{name_in_title}\"): dạng câu hỏi {name} chưa được hỗ trợ."
            ))
        );
    }
}

#[test]
fn option_and_text_checks() {
    let e = only_error("Q {=a ~b ~c ~d ~e ~f ~g}");
    assert_eq!(
        (e.field.as_str(), e.error.as_str()),
        ("options", "too_many_options")
    );
    let e = only_error("Q {=a ~a}");
    assert_eq!(
        (e.field.as_str(), e.error.as_str()),
        ("options", "duplicate_option")
    );
    let e = only_error("Q {=a ~  a  }");
    assert_eq!(e.error, "duplicate_option");
    let e = only_error("Q {=a ~}");
    assert_eq!(
        (e.field.as_str(), e.error.as_str()),
        ("options", "required")
    );
    let e = only_error("{=a ~b}");
    assert_eq!((e.field.as_str(), e.error.as_str()), ("text", "required"));
    let e = only_error("Q {~a ~b}");
    assert_eq!((e.field.as_str(), e.error.as_str()), ("key", "required"));
    let long = "x".repeat(4_001);
    let e = only_error(&format!("{long} {{=a ~b}}"));
    assert_eq!((e.field.as_str(), e.error.as_str()), ("text", "too_long"));
    let e = only_error(&format!("Q {{=a ~{long}}}"));
    assert_eq!(
        (e.field.as_str(), e.error.as_str()),
        ("options", "too_long")
    );
    let e = only_error(&format!("Q {{=a ~b ####{long}}}"));
    assert_eq!(
        (e.field.as_str(), e.error.as_str()),
        ("explanation", "too_long")
    );
    // Exactly at the limit is fine.
    let ok = "y".repeat(4_000);
    assert_eq!(only_item(&format!("{ok} {{=a ~b}}")).text, ok);
}

#[test]
fn several_problems_in_one_question_are_all_reported() {
    let p = parse("{=a ~a ~b ~c ~d ~e ~f}");
    assert_eq!(
        codes(&p),
        vec![
            (1, "text", "required"),
            (1, "options", "too_many_options"),
            (1, "options", "duplicate_option"),
        ]
    );
}

#[test]
fn text_is_normalised_to_nfc_and_collapsed() {
    // "Việt" written decomposed (e + combining marks), with spaces and a raw line break.
    let q = only_item("  Vie\u{0323}\u{0302}t   Nam\n  là  {\n=  đúng \n~ sai }");
    assert_eq!(q.text, "Việt Nam là");
    assert_eq!(q.options, vec!["đúng", "sai"]);
}

#[test]
fn unreadable_files() {
    for text in [
        "",
        "\u{feff}",
        "   \n\n  ",
        "// chỉ có chú thích\n",
        "Chỉ là văn bản thường.\n\nKhông có câu hỏi nào.",
        "Câu hỏi Aiken\nA) một\nB) hai\nANSWER: A",
        "\u{0}\u{1}\u{2}{=a ~b}",
        "\u{fffd}\u{fffd}\u{3}{}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}",
    ] {
        match parse_gift(text) {
            Err(FileError::Unreadable(_)) => {}
            other => panic!("{text:?} gave {other:?}"),
        }
    }
}

#[test]
fn too_many_questions() {
    let one = "Câu {T}\n\n";
    assert!(parse_gift(&one.repeat(MAX_ROWS)).is_ok());
    match parse_gift(&one.repeat(MAX_ROWS + 1)) {
        Err(e @ FileError::TooLarge(_)) => assert_eq!(e.code(), "payload_too_large"),
        other => panic!("{other:?}"),
    }
    // Categories and comments are not questions.
    let text = format!("$CATEGORY: a\n\n// x\n\n{}", one.repeat(MAX_ROWS));
    assert!(parse_gift(&text).is_ok());
}

#[test]
fn large_inputs_are_fast() {
    // Pathological shapes: one huge block, many unclosed tags, many `::`, many `#`.
    let started = std::time::Instant::now();
    let cases = [
        format!("[html]{}{{T}}", "<a ".repeat(200_000)),
        format!("Q {{{}}}", "~a".repeat(200_000)),
        format!("{}{{T}}", "::".repeat(200_000)),
        format!("Q {{T{}}}", "#".repeat(200_000)),
        format!("Q {{{}}}", "%1".repeat(200_000)),
        "Câu {=a ~b}\n".repeat(50_000),
    ];
    for text in &cases {
        let _ = parse_gift(text);
    }
    assert!(started.elapsed() < std::time::Duration::from_secs(20));
}
