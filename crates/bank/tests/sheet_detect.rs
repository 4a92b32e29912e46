//! Telling formats apart: by what the client declared first, else by content.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod sheet_common;

use cuocthi_bank::import::sheet::detect_format;
use cuocthi_bank::import::{FileError, Format};
use sheet_common::{junk, s, xlsx};

const CSV: &[u8] = "Câu hỏi;Phương án A;Phương án B;Đáp án\nHỏi?;a;b;A\n".as_bytes();

fn code(result: Result<Format, FileError>) -> &'static str {
    result.unwrap_err().code()
}

#[test]
fn declared_values_win() {
    let cases: [(&str, Format); 14] = [
        ("xlsx", Format::Xlsx),
        ("XLSX", Format::Xlsx),
        ("csv", Format::Csv),
        ("gift", Format::Gift),
        ("aiken", Format::Aiken),
        (
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            Format::Xlsx,
        ),
        ("text/csv; charset=utf-8", Format::Csv),
        ("text/x-gift", Format::Gift),
        ("text/x-aiken", Format::Aiken),
        ("Ngân hàng câu hỏi.xlsx", Format::Xlsx),
        ("don_vi.CSV", Format::Csv),
        ("cau-hoi.gift", Format::Gift),
        ("bo-de.aiken", Format::Aiken),
        (" csv ", Format::Csv),
    ];
    for (declared, format) in cases {
        assert_eq!(
            detect_format(CSV, Some(declared)).unwrap(),
            format,
            "{declared}"
        );
    }
    assert_eq!(code(detect_format(CSV, Some("pdf"))), "unsupported_format");
    assert_eq!(code(detect_format(CSV, Some("xls"))), "unsupported_format");
    assert_eq!(
        code(detect_format(CSV, Some("bang.ods"))),
        "unsupported_format"
    );
}

#[test]
fn vague_declarations_fall_back_to_content() {
    for declared in [
        "application/octet-stream",
        "text/plain",
        "application/vnd.ms-excel",
        "cau-hoi.txt",
        "",
    ] {
        assert_eq!(detect_format(CSV, Some(declared)).unwrap(), Format::Csv);
    }
    let book = xlsx(&[s(&["Câu hỏi"])]);
    assert_eq!(
        detect_format(&book, Some("application/octet-stream")).unwrap(),
        Format::Xlsx
    );
}

#[test]
fn by_content() {
    let book = xlsx(&[s(&["Câu hỏi"])]);
    assert_eq!(detect_format(&book, None).unwrap(), Format::Xlsx);
    assert_eq!(detect_format(CSV, None).unwrap(), Format::Csv);
    let units = "\u{feff}MA DON VI,Ten don vi,Khoi,So nguoi\r\nA,B,C,1\r\n";
    assert_eq!(detect_format(units.as_bytes(), None).unwrap(), Format::Csv);

    let titled = "DANH SÁCH ĐƠN VỊ\n\nMã đơn vị;Tên đơn vị;Khối\nA;B;C\n";
    assert_eq!(detect_format(titled.as_bytes(), None).unwrap(), Format::Csv);

    let gift = include_bytes!("fixtures/moodle/questions.gift.txt");
    assert_eq!(detect_format(gift, None).unwrap(), Format::Gift);
    let simple_gift = "Thủ đô của Việt Nam? {=Hà Nội ~Huế ~Đà Nẵng}\n";
    assert_eq!(
        detect_format(simple_gift.as_bytes(), None).unwrap(),
        Format::Gift
    );
    let aiken = include_bytes!("fixtures/moodle/questions.aiken.txt");
    assert_eq!(detect_format(aiken, None).unwrap(), Format::Aiken);
    let vi_aiken = "Thủ đô của Việt Nam?\nA. Hà Nội\nB. Huế\nANSWER: A\n";
    assert_eq!(
        detect_format(vi_aiken.as_bytes(), None).unwrap(),
        Format::Aiken
    );
}

#[test]
fn unknown_text_junk_and_xls() {
    assert_eq!(
        code(detect_format(
            "Xin chào, đây là một bức thư.\n".as_bytes(),
            None
        )),
        "unsupported_format"
    );
    assert_eq!(
        code(detect_format(&junk(4096, 11), None)),
        "unreadable_file"
    );
    assert_eq!(code(detect_format(b"", None)), "unreadable_file");
    assert_eq!(code(detect_format(b"  \n\n", None)), "unreadable_file");
    assert_eq!(
        code(detect_format(b"%PDF-1.7\n", None)),
        "unsupported_format"
    );
    let xls = [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1, 0, 0];
    for declared in [None, Some("xlsx"), Some("csv"), Some("bang.xls")] {
        let err = detect_format(&xls, declared).unwrap_err();
        let FileError::UnsupportedFormat(message) = err else {
            panic!("{err:?}");
        };
        assert!(
            message.contains(".xlsx") && message.contains(".xls"),
            "{message}"
        );
    }
}

/// Windows-1258 CSV is recognised too.
#[test]
fn windows_1258_csv() {
    let (bytes, _, unmappable) = encoding_rs::WINDOWS_1258
        .encode("Câu ho\u{309}i;Phương a\u{301}n A;Đa\u{301}p a\u{301}n\n");
    assert!(!unmappable);
    assert_eq!(detect_format(&bytes, None).unwrap(), Format::Csv);
}
