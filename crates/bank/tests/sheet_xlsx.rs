//! Reading questions and units from `.xlsx` files built in the test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod sheet_common;

use cuocthi_bank::import::sheet::{parse_questions, parse_units};
use cuocthi_bank::import::{
    FileError, Format, ParsedQuestion, ParsedUnit, DEFAULT_MAX_FILE_BYTES, MAX_CELL_CHARS,
};
use rust_xlsxwriter::{ExcelDateTime, Format as XFormat};
use sheet_common::{codes, expect, s, write_rows, xlsx, xlsx_with, C};

fn questions(bytes: &[u8]) -> cuocthi_bank::import::Parsed<ParsedQuestion> {
    parse_questions(bytes, Format::Xlsx, DEFAULT_MAX_FILE_BYTES).unwrap()
}

fn q(row: u32, topic: Option<&str>, text: &str, options: &[&str], key: &[u8]) -> ParsedQuestion {
    ParsedQuestion {
        row,
        topic: topic.map(str::to_owned),
        text: text.to_owned(),
        options: options.iter().map(|o| (*o).to_owned()).collect(),
        key: key.to_vec(),
        points: 1,
        explanation: None,
        difficulty: None,
    }
}

/// Headings in odd case and without diacritics, a formula with its cached value, numbers,
/// empty rows and errors in several fields: the report is exact.
#[test]
fn questions_report_is_exact() {
    let long = "x".repeat(MAX_CELL_CHARS + 1);
    let rows = vec![
        // Row 1: headings, E and F absent, odd spelling.
        s(&[
            "stt",
            "CHU DE",
            "cau hoi",
            "PHƯƠNG ÁN A",
            "phuong an b",
            " Phương  án C ",
            "Phuong An D",
            "ĐÁP ÁN",
            "diem",
            "Giai thich",
            "muc do",
        ]),
        // Row 2: number option, points as float, lower-case key.
        vec![
            C::N(1.0),
            C::S("  Lịch   sử "),
            C::S("Năm nào Việt Nam gia nhập WTO?"),
            C::N(2007.0),
            C::S("2013"),
            C::E,
            C::E,
            C::S("a"),
            C::N(1.0),
            C::S("Ngày 11/01/2007."),
            C::S("Dễ"),
        ],
        // Row 3: multiple choice, no topic, points 2.
        vec![
            C::N(2.0),
            C::E,
            C::S("Những số nào là số chẵn?"),
            C::S("2"),
            C::S("3"),
            C::S("4"),
            C::E,
            C::S("A, c"),
            C::N(2.0),
        ],
        // Row 4: empty. Row 5: only STT.
        vec![],
        vec![C::N(4.0)],
        // Row 6: formula cells read as their cached values; "=SUM(A1)" typed as text stays.
        vec![
            C::N(5.0),
            C::S("Địa lý"),
            C::F("=\"Thủ đô của \"&\"Việt Nam?\"", "Thủ đô của Việt Nam?"),
            C::F("=\"Hà Nội\"", "Hà Nội"),
            C::S("=SUM(A1)"),
            C::S("+84"),
            C::S("@user"),
            C::S("B;d"),
        ],
        // Row 7: no text, gap at B, unknown key G, points 0.
        vec![
            C::N(6.0),
            C::E,
            C::E,
            C::S("x"),
            C::E,
            C::S("y"),
            C::E,
            C::S("G"),
            C::S("0"),
        ],
        // Row 8: key C names an empty option, points 101 as a number.
        vec![
            C::E,
            C::E,
            C::S("Câu 8"),
            C::S("a"),
            C::S("b"),
            C::E,
            C::E,
            C::S("C"),
            C::N(101.0),
        ],
        // Row 9: text too long, key missing.
        vec![
            C::E,
            C::E,
            C::O(long),
            C::S("a"),
            C::S("b"),
            C::E,
            C::E,
            C::E,
        ],
        // Row 10: one option only, duplicate key.
        vec![
            C::E,
            C::E,
            C::S("Câu 10"),
            C::S("a"),
            C::E,
            C::E,
            C::E,
            C::S("A, a"),
        ],
        // Row 11: not letters, points 1.5.
        vec![
            C::E,
            C::E,
            C::S("Câu 11"),
            C::S("a"),
            C::S("b"),
            C::E,
            C::E,
            C::S("1"),
            C::N(1.5),
        ],
        // Row 12: an option whose formula failed.
        vec![
            C::E,
            C::E,
            C::S("Câu 12"),
            C::S("a"),
            C::F("=1/0", "#DIV/0!"),
            C::E,
            C::E,
            C::S("A"),
        ],
    ];
    let parsed = questions(&xlsx(&rows));

    let mut first = q(
        2,
        Some("Lịch sử"),
        "Năm nào Việt Nam gia nhập WTO?",
        &["2007", "2013"],
        &[0],
    );
    first.explanation = Some("Ngày 11/01/2007.".to_owned());
    first.difficulty = Some("Dễ".to_owned());
    let mut second = q(
        3,
        None,
        "Những số nào là số chẵn?",
        &["2", "3", "4"],
        &[0, 2],
    );
    second.points = 2;
    let third = q(
        6,
        Some("Địa lý"),
        "Thủ đô của Việt Nam?",
        &["Hà Nội", "=SUM(A1)", "+84", "@user"],
        &[1, 3],
    );
    assert_eq!(parsed.items, vec![first, second, third]);

    assert_eq!(
        codes(&parsed),
        expect(&[
            (7, "Câu hỏi", "required"),
            (7, "Phương án B", "option_gap"),
            (7, "Đáp án", "unknown_key"),
            (7, "Điểm", "invalid_points"),
            (8, "Đáp án", "unknown_key"),
            (8, "Điểm", "invalid_points"),
            (9, "Câu hỏi", "too_long"),
            (9, "Đáp án", "required"),
            (10, "Phương án B", "too_few_options"),
            (10, "Đáp án", "duplicate_key"),
            (11, "Đáp án", "invalid_key"),
            (11, "Điểm", "invalid_points"),
            (12, "Phương án B", "cell_error"),
        ])
    );
    let messages: Vec<&str> = parsed.errors.iter().map(|e| e.message.as_str()).collect();
    assert_eq!(
        messages[2],
        "Dòng 7, cột \"Đáp án\": \"G\" không phải phương án có trong câu hỏi."
    );
    assert_eq!(
        messages[1],
        "Dòng 7, cột \"Phương án B\": để trống nhưng \"Phương án C\" có nội dung; các phương án \
         phải điền liền nhau, bắt đầu từ A."
    );
    assert_eq!(
        messages[3],
        "Dòng 7, cột \"Điểm\": \"0\" không hợp lệ; điểm là số nguyên từ 1 đến 100 (để trống là 1 \
         điểm)."
    );
    assert_eq!(
        messages[6],
        "Dòng 9, cột \"Câu hỏi\": dài 4.001 ký tự, vượt quá giới hạn 4.000 ký tự."
    );
    assert!(messages[12].contains("#DIV/0!"), "{}", messages[12]);
    for error in &parsed.errors {
        assert!(
            error
                .message
                .starts_with(&format!("Dòng {}, cột \"{}\": ", error.row, error.field)),
            "{}",
            error.message
        );
    }
}

/// A date typed into an option reads as a Vietnamese date, not a serial number.
#[test]
fn dates_and_numbers_read_as_text() {
    let bytes = xlsx_with(|sheet| {
        write_rows(
            sheet,
            0,
            &[
                s(&["Câu hỏi", "Phương án A", "Phương án B", "Đáp án"]),
                vec![C::S("Ngày Quốc khánh?"), C::E, C::N(0.25), C::S("A")],
            ],
        );
        let date = ExcelDateTime::from_ymd(1945, 9, 2).unwrap();
        sheet
            .write_datetime_with_format(1, 1, &date, &XFormat::new().set_num_format("dd/mm/yyyy"))
            .unwrap();
    });
    let parsed = questions(&bytes);
    assert_eq!(parsed.errors, vec![]);
    assert_eq!(parsed.items[0].options, vec!["02/09/1945", "0.25"]);
}

/// A title line above the headings is skipped; row numbers stay the sheet's own.
#[test]
fn heading_below_a_title_line() {
    let bytes = xlsx(&[
        s(&["NGÂN HÀNG CÂU HỎI CUỘC THI"]),
        vec![],
        s(&["Câu hỏi", "Phương án A", "Phương án B", "Đáp án"]),
        s(&["Hỏi?", "Có", "Không", "B"]),
    ]);
    let parsed = questions(&bytes);
    assert_eq!(parsed.errors, vec![]);
    assert_eq!(parsed.items.len(), 1);
    assert_eq!(parsed.items[0].row, 4);
    assert_eq!(parsed.items[0].key, vec![1]);
}

#[test]
fn missing_headings_are_listed() {
    let bytes = xlsx(&[s(&["STT", "Cau hoi", "Phuong an A", "Ghi chú"])]);
    let err = parse_questions(&bytes, Format::Xlsx, DEFAULT_MAX_FILE_BYTES).unwrap_err();
    let FileError::Unreadable(message) = err else {
        panic!("{err:?}");
    };
    assert!(
        message.contains("thiếu cột \"Phương án B\", \"Đáp án\""),
        "{message}"
    );
}

#[test]
fn a_heading_twice_is_refused() {
    let bytes = xlsx(&[s(&[
        "Câu hỏi",
        "Phương án A",
        "Phương án B",
        "Đáp án",
        "cau hoi",
    ])]);
    let err = parse_questions(&bytes, Format::Xlsx, DEFAULT_MAX_FILE_BYTES).unwrap_err();
    let FileError::Unreadable(message) = err else {
        panic!("{err:?}");
    };
    assert!(
        message.contains("\"Câu hỏi\" hai lần (cột A và cột E)"),
        "{message}"
    );
}

#[test]
fn an_empty_sheet_is_unreadable() {
    let bytes = xlsx(&[]);
    let err = parse_questions(&bytes, Format::Xlsx, DEFAULT_MAX_FILE_BYTES).unwrap_err();
    assert_eq!(err.code(), "unreadable_file");
}

/// Only the first sheet is read.
#[test]
fn only_the_first_sheet_is_read() {
    let mut workbook = rust_xlsxwriter::Workbook::new();
    write_rows(
        workbook.add_worksheet(),
        0,
        &[
            s(&["Câu hỏi", "Phương án A", "Phương án B", "Đáp án"]),
            s(&["Một?", "a", "b", "A"]),
        ],
    );
    write_rows(
        workbook.add_worksheet(),
        0,
        &[
            s(&["Câu hỏi", "Phương án A", "Phương án B", "Đáp án"]),
            s(&["Hai?", "a", "b", "A"]),
            s(&["Ba?", "a", "b", "A"]),
        ],
    );
    let parsed = questions(&workbook.save_to_buffer().unwrap());
    assert_eq!(parsed.items.len(), 1);
    assert_eq!(parsed.items[0].text, "Một?");
}

/// Columns past the fiftieth are ignored.
#[test]
fn far_columns_are_ignored() {
    let bytes = xlsx_with(|sheet| {
        write_rows(
            sheet,
            0,
            &[
                s(&["Câu hỏi", "Phương án A", "Phương án B", "Đáp án"]),
                s(&["Một?", "a", "b", "A"]),
            ],
        );
        sheet.write_string(0, 60, "Câu hỏi").unwrap();
        sheet.write_string(2, 200, "rác").unwrap();
    });
    let parsed = questions(&bytes);
    assert_eq!(parsed.errors, vec![]);
    assert_eq!(parsed.items.len(), 1);
}

#[test]
fn units_report_is_exact() {
    let bytes = xlsx(&[
        s(&["MA DON VI", "Tên đơn vị", "khối", "Số  người"]),
        vec![
            C::S("UB-01"),
            C::S("UBND phường Bắc Hồng"),
            C::S("Phường"),
            C::N(120.0),
        ],
        vec![C::S("so_gd.2"), C::S("Sở Giáo dục"), C::S("Sở"), C::E],
        vec![],
        vec![C::S("ub-01"), C::S("Trùng mã"), C::S("Phường"), C::S("5")],
        vec![C::S("UB 02"), C::E, C::S("Phường"), C::S("0")],
        vec![C::N(123.0), C::S("Mã số"), C::E, C::S("1.000")],
        vec![C::S("X"), C::S("Y"), C::S("Z"), C::N(2_000_000.0)],
        vec![C::O("A".repeat(65)), C::S("Y"), C::S("Z"), C::S("abc")],
    ]);
    let parsed = parse_units(&bytes, Format::Xlsx, DEFAULT_MAX_FILE_BYTES).unwrap();
    assert_eq!(
        parsed.items,
        vec![
            ParsedUnit {
                row: 2,
                code: "UB-01".into(),
                name: "UBND phường Bắc Hồng".into(),
                block: "Phường".into(),
                headcount: Some(120),
            },
            ParsedUnit {
                row: 3,
                code: "so_gd.2".into(),
                name: "Sở Giáo dục".into(),
                block: "Sở".into(),
                headcount: None,
            },
        ]
    );
    assert_eq!(
        codes(&parsed),
        expect(&[
            (5, "Mã đơn vị", "duplicate_code"),
            (6, "Mã đơn vị", "invalid_code"),
            (6, "Tên đơn vị", "required"),
            (6, "Số người", "invalid_headcount"),
            (7, "Khối", "required"),
            (8, "Số người", "invalid_headcount"),
            (9, "Mã đơn vị", "too_long"),
            (9, "Số người", "invalid_headcount"),
        ])
    );
    assert_eq!(
        parsed.errors[0].message,
        "Dòng 5, cột \"Mã đơn vị\": mã \"ub-01\" đã có ở dòng 2."
    );
}

#[test]
fn units_headcount_column_is_optional() {
    let bytes = xlsx(&[
        s(&["Mã đơn vị", "Tên đơn vị", "Khối"]),
        s(&["A1", "Một", "K"]),
    ]);
    let parsed = parse_units(&bytes, Format::Xlsx, DEFAULT_MAX_FILE_BYTES).unwrap();
    assert_eq!(parsed.errors, vec![]);
    assert_eq!(parsed.items[0].headcount, None);
    assert_eq!(parsed.items[0].code, "A1");
}
