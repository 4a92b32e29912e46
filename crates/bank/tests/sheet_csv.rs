//! Reading questions and units from CSV: encodings, delimiters, row numbers.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod sheet_common;

use cuocthi_bank::import::sheet::{parse_questions, parse_units};
use cuocthi_bank::import::{FileError, Format, ParsedQuestion, DEFAULT_MAX_FILE_BYTES, MAX_ROWS};
use encoding_rs::WINDOWS_1258;
use sheet_common::{codes, expect};

fn questions(bytes: &[u8]) -> cuocthi_bank::import::Parsed<ParsedQuestion> {
    parse_questions(bytes, Format::Csv, DEFAULT_MAX_FILE_BYTES).unwrap()
}

#[test]
fn utf8_with_bom_and_commas() {
    let mut bytes = b"\xEF\xBB\xBF".to_vec();
    bytes.extend_from_slice(
        "STT,Chủ đề,Câu hỏi,Phương án A,Phương án B,Phương án C,Đáp án,Điểm\r\n\
         1,Lịch sử,\"Câu hỏi có dấu phẩy, và \"\"ngoặc kép\"\"\",A1,B1,,b,\r\n\
         2,,\"Nhiều\r\ndòng\",x,y,z,\"A, C\",3\r\n\
         \r\n\
         3,,Câu lỗi,x,,z,A,\r\n"
            .as_bytes(),
    );
    let parsed = questions(&bytes);
    assert_eq!(parsed.items.len(), 2);
    let first = &parsed.items[0];
    assert_eq!(first.row, 2);
    assert_eq!(first.text, "Câu hỏi có dấu phẩy, và \"ngoặc kép\"");
    assert_eq!(first.topic.as_deref(), Some("Lịch sử"));
    assert_eq!(first.key, vec![1]);
    let second = &parsed.items[1];
    assert_eq!(second.row, 3);
    assert_eq!(second.text, "Nhiều dòng");
    assert_eq!(second.key, vec![0, 2]);
    assert_eq!(second.points, 3);
    // The quoted line break does not shift numbering; the blank line is row 4.
    assert_eq!(codes(&parsed), expect(&[(5, "Phương án B", "option_gap")]));
}

#[test]
fn semicolons_as_vietnamese_excel_writes() {
    let text = "Cau hoi;PHUONG AN A;Phuong an B;Dap an;Diem\n\
                Số nào lớn hơn?;1,5;2,5;B;1\n\
                Số nào?;3;4;a;\n";
    let parsed = questions(text.as_bytes());
    assert_eq!(parsed.errors, vec![]);
    assert_eq!(parsed.items.len(), 2);
    assert_eq!(parsed.items[0].options, vec!["1,5", "2,5"]);
    assert_eq!(parsed.items[1].key, vec![0]);
    assert_eq!(parsed.items[1].points, 1);
}

#[test]
fn tabs_in_utf16_as_excel_unicode_text() {
    let text = "Câu hỏi\tPhương án A\tPhương án B\tĐáp án\r\nHỏi?\tCó\tKhông\tA\r\n";
    let mut bytes = vec![0xFF, 0xFE];
    for unit in text.encode_utf16() {
        bytes.extend_from_slice(&unit.to_le_bytes());
    }
    let parsed = questions(&bytes);
    assert_eq!(parsed.errors, vec![]);
    assert_eq!(parsed.items[0].text, "Hỏi?");
    assert_eq!(parsed.items[0].options, vec!["Có", "Không"]);
}

/// Windows-1258 writes tone marks as combining characters after the base letter (with ă, â,
/// ê, ô, ơ, ư, đ precomposed); the text read is NFC.
#[test]
fn windows_1258_round_trips_to_nfc() {
    // "Chủ đề;Câu hỏi;Phương án A;Phương án B;Đáp án" and a row, in 1258's decomposition.
    let decomposed = "Chu\u{309} đê\u{300};Câu ho\u{309}i;Phương a\u{301}n A;Phương a\u{301}n \
                      B;Đa\u{301}p a\u{301}n\r\n\
                      Đi\u{323}a ly\u{301};Thu\u{309} đô cu\u{309}a Viê\u{323}t Nam la\u{300} \
                      gi\u{300}?;Ha\u{300} Nô\u{323}i;Huê\u{301};A\r\n";
    let (bytes, _, unmappable) = WINDOWS_1258.encode(decomposed);
    assert!(!unmappable, "every character has a Windows-1258 byte");
    assert!(std::str::from_utf8(&bytes).is_err(), "not UTF-8");
    let parsed = questions(&bytes);
    assert_eq!(parsed.errors, vec![]);
    let q = &parsed.items[0];
    assert_eq!(q.topic.as_deref(), Some("Địa lý"));
    assert_eq!(q.text, "Thủ đô của Việt Nam là gì?");
    assert_eq!(q.options, vec!["Hà Nội", "Huế"]);
    // Precomposed (NFC): "ộ" is one character.
    assert_eq!(q.options[0].chars().count(), 6);
}

#[test]
fn binary_junk_is_unreadable() {
    let mut bytes = b"Cau hoi,Phuong an A,Phuong an B,Dap an\n".to_vec();
    bytes.extend_from_slice(&[0, 1, 2, 3, 0xFF, 0, 0x10]);
    let err = parse_questions(&bytes, Format::Csv, DEFAULT_MAX_FILE_BYTES).unwrap_err();
    assert_eq!(err.code(), "unreadable_file");
    let random = sheet_common::junk(4096, 0x9E37_79B9_7F4A_7C15);
    let err = parse_questions(&random, Format::Csv, DEFAULT_MAX_FILE_BYTES).unwrap_err();
    assert_eq!(err.code(), "unreadable_file");
}

/// Invalid UTF-8 that is not really Windows-1258 still decodes (any byte does); the rows are
/// judged as text.
#[test]
fn invalid_utf8_still_decodes() {
    let mut bytes = b"Cau hoi,Phuong an A,Phuong an B,Dap an\nH\xE9\xE9?,a,b,A\n".to_vec();
    bytes.extend_from_slice(b"\xC3\x28,x,y,B\n");
    let parsed = questions(&bytes);
    assert_eq!(parsed.errors, vec![]);
    assert_eq!(parsed.items.len(), 2);
}

#[test]
fn row_limit() {
    let mut text = String::from("Câu hỏi,Phương án A,Phương án B,Đáp án\n");
    for i in 0..MAX_ROWS {
        text.push_str(&format!("Câu {i}?,a,b,A\n"));
    }
    let parsed = questions(text.as_bytes());
    assert_eq!(parsed.items.len(), MAX_ROWS);
    assert_eq!(
        parsed.items.last().map(|q| q.row),
        Some(MAX_ROWS as u32 + 1)
    );

    text.push_str("Một câu nữa?,a,b,A\n");
    let err = parse_questions(text.as_bytes(), Format::Csv, DEFAULT_MAX_FILE_BYTES).unwrap_err();
    assert!(matches!(err, FileError::TooLarge(_)), "{err:?}");

    // Far more rows stop early, still too large.
    for i in 0..5_000 {
        text.push_str(&format!("Thêm {i}?,a,b,A\n"));
    }
    let err = parse_questions(text.as_bytes(), Format::Csv, DEFAULT_MAX_FILE_BYTES).unwrap_err();
    assert!(matches!(err, FileError::TooLarge(_)), "{err:?}");
}

#[test]
fn units_in_csv() {
    let text = "Mã đơn vị;Tên đơn vị;Khối;Số người\n\
                P01;Phường Bắc Hồng;Phường;1.200\n\
                P02;Phường Nam Hồng;Phường;\n\
                p01;Trùng;Phường;3\n\
                ;Không mã;Phường;4\n";
    let parsed = parse_units(text.as_bytes(), Format::Csv, DEFAULT_MAX_FILE_BYTES).unwrap();
    assert_eq!(parsed.items.len(), 2);
    assert_eq!(parsed.items[0].headcount, Some(1200));
    assert_eq!(parsed.items[1].headcount, None);
    assert_eq!(
        codes(&parsed),
        expect(&[
            (4, "Mã đơn vị", "duplicate_code"),
            (5, "Mã đơn vị", "required"),
        ])
    );
}

#[test]
fn too_large_before_parsing() {
    let text = "Câu hỏi,Phương án A,Phương án B,Đáp án\nHỏi?,a,b,A\n";
    let err = parse_questions(text.as_bytes(), Format::Csv, 10).unwrap_err();
    assert_eq!(err.code(), "payload_too_large");
    let err = parse_units(text.as_bytes(), Format::Csv, 10).unwrap_err();
    assert_eq!(err.code(), "payload_too_large");
}

#[test]
fn gift_and_aiken_are_not_sheets() {
    let err =
        parse_questions(b"::a:: b {=c ~d}", Format::Gift, DEFAULT_MAX_FILE_BYTES).unwrap_err();
    assert_eq!(err.code(), "unsupported_format");
}

/// A title line above the headings does not hide the `;` delimiter; rows where only `Điểm`
/// was filled down ahead of the questions are skipped.
#[test]
fn title_line_and_filled_down_points() {
    let text = "DANH SÁCH CÂU HỎI, THI TÌM HIỂU PHÁP LUẬT\n\
                \n\
                Câu hỏi;Phương án A;Phương án B;Đáp án;Điểm\n\
                Hỏi?;a;b;A;2\n\
                ;;;;1\n\
                ;;;;1\n\
                Hỏi nữa?;c;d;b;1\n";
    let parsed = questions(text.as_bytes());
    assert_eq!(parsed.errors, vec![]);
    let rows: Vec<(u32, i32)> = parsed.items.iter().map(|q| (q.row, q.points)).collect();
    assert_eq!(rows, vec![(4, 2), (7, 1)]);
}
