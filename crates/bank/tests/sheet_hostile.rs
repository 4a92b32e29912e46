//! Hostile files: zip bombs, lying archives, junk, truncation, old `.xls`; never a panic, a
//! stall or a blown memory.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod sheet_common;

use std::io::{Cursor, Write};
use std::time::{Duration, Instant};

use cuocthi_bank::import::sheet::{parse_questions, parse_units};
use cuocthi_bank::import::{FileError, Format, DEFAULT_MAX_FILE_BYTES, MAX_ROWS};
use proptest::prelude::*;
use sheet_common::{junk, s, xlsx, xlsx_with};
use zip::write::SimpleFileOptions;
use zip::CompressionMethod;

fn parse(bytes: &[u8]) -> Result<(), FileError> {
    parse_questions(bytes, Format::Xlsx, DEFAULT_MAX_FILE_BYTES).map(|_| ())
}

fn zip_of(entries: &[(&str, &[u8])]) -> Vec<u8> {
    let mut writer = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options = SimpleFileOptions::default().compression_method(CompressionMethod::Deflated);
    for (name, data) in entries {
        writer.start_file(*name, options).unwrap();
        writer.write_all(data).unwrap();
    }
    writer.finish().unwrap().into_inner()
}

/// Rewrites the declared uncompressed size of the named entries in the central directory
/// (where readers take it from).
fn declare_size(mut bytes: Vec<u8>, name: &str, size: u32) -> Vec<u8> {
    let eocd = bytes
        .windows(4)
        .rposition(|w| w == b"PK\x05\x06")
        .expect("end of central directory");
    let u16_at = |b: &[u8], at: usize| u16::from_le_bytes([b[at], b[at + 1]]) as usize;
    let u32_at = |b: &[u8], at: usize| u32::from_le_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]]);
    let count = u16_at(&bytes, eocd + 10);
    let mut at = u32_at(&bytes, eocd + 16) as usize;
    let mut patched = 0;
    for _ in 0..count {
        assert_eq!(&bytes[at..at + 4], b"PK\x01\x02");
        let name_len = u16_at(&bytes, at + 28);
        let extra_len = u16_at(&bytes, at + 30);
        let comment_len = u16_at(&bytes, at + 32);
        if &bytes[at + 46..at + 46 + name_len] == name.as_bytes() {
            bytes[at + 24..at + 28].copy_from_slice(&size.to_le_bytes());
            patched += 1;
        }
        at += 46 + name_len + extra_len + comment_len;
    }
    assert!(patched > 0, "no entry {name}");
    bytes
}

fn assert_fast(start: Instant) {
    assert!(
        start.elapsed() < Duration::from_secs(5),
        "took {:?}",
        start.elapsed()
    );
}

#[test]
fn a_real_zip_bomb_is_too_large() {
    // 16 MiB of zeros deflate to a few KiB: a ratio far over 200:1.
    let zeros = vec![0u8; 16 * 1024 * 1024];
    let bomb = zip_of(&[("xl/worksheets/sheet1.xml", &zeros)]);
    assert!(bomb.len() < 100 * 1024, "{}", bomb.len());
    let start = Instant::now();
    let err = parse(&bomb).unwrap_err();
    assert!(matches!(err, FileError::TooLarge(_)), "{err:?}");
    assert_fast(start);
}

#[test]
fn a_declared_huge_entry_is_too_large() {
    let small = zip_of(&[("xl/sharedStrings.xml", b"<sst/>")]);
    let bomb = declare_size(small, "xl/sharedStrings.xml", 150 * 1024 * 1024);
    let start = Instant::now();
    let err = parse(&bomb).unwrap_err();
    assert!(matches!(err, FileError::TooLarge(_)), "{err:?}");
    assert_fast(start);
}

#[test]
fn too_much_in_all_is_too_large() {
    let small = zip_of(&[("a.xml", b"<a/>"), ("b.xml", b"<b/>"), ("c.xml", b"<c/>")]);
    let mut bomb = small;
    for name in ["a.xml", "b.xml", "c.xml"] {
        bomb = declare_size(bomb, name, 90 * 1024 * 1024);
    }
    let err = parse(&bomb).unwrap_err();
    assert!(matches!(err, FileError::TooLarge(_)), "{err:?}");
}

#[test]
fn too_many_entries_is_too_large() {
    let names: Vec<String> = (0..1_001).map(|i| format!("x/{i}.xml")).collect();
    let entries: Vec<(&str, &[u8])> = names.iter().map(|n| (n.as_str(), &b"<x/>"[..])).collect();
    let err = parse(&zip_of(&entries)).unwrap_err();
    assert!(matches!(err, FileError::TooLarge(_)), "{err:?}");
}

/// An entry whose real content is larger than declared is cut at the declared size by the
/// zip reader: the workbook is unreadable, not a memory bomb.
#[test]
fn an_entry_larger_than_declared_is_unreadable() {
    let bytes = xlsx(&[
        s(&["Câu hỏi", "Phương án A", "Phương án B", "Đáp án"]),
        s(&["Hỏi?", "a", "b", "A"]),
    ]);
    let lying = declare_size(bytes, "xl/worksheets/sheet1.xml", 40);
    let err = parse(&lying).unwrap_err();
    assert_eq!(err.code(), "unreadable_file", "{err:?}");
}

#[test]
fn junk_is_unreadable() {
    for seed in 1..20u64 {
        let bytes = junk(2048, seed.wrapping_mul(0x2545_F491_4F6C_DD1D));
        assert_eq!(parse(&bytes).unwrap_err().code(), "unreadable_file");
    }
    // A zip signature followed by junk.
    let mut bytes = b"PK\x03\x04".to_vec();
    bytes.extend(junk(4096, 7));
    assert_eq!(parse(&bytes).unwrap_err().code(), "unreadable_file");
    assert_eq!(parse(b"").unwrap_err().code(), "unreadable_file");
}

#[test]
fn a_zip_that_is_not_a_workbook_is_unreadable() {
    let bytes = zip_of(&[("hello.txt", b"xin chao")]);
    assert_eq!(parse(&bytes).unwrap_err().code(), "unreadable_file");
    let ods = zip_of(&[
        (
            "mimetype",
            b"application/vnd.oasis.opendocument.spreadsheet",
        ),
        ("content.xml", b"<x/>"),
    ]);
    assert_eq!(parse(&ods).unwrap_err().code(), "unsupported_format");
}

#[test]
fn truncated_workbooks_are_unreadable() {
    let bytes = xlsx(&[
        s(&["Câu hỏi", "Phương án A", "Phương án B", "Đáp án"]),
        s(&["Hỏi?", "a", "b", "A"]),
    ]);
    for cut in [10, bytes.len() / 3, bytes.len() / 2, bytes.len() - 30] {
        let err = parse(&bytes[..cut]).unwrap_err();
        assert_eq!(err.code(), "unreadable_file", "cut at {cut}: {err:?}");
    }
}

#[test]
fn old_xls_is_not_read() {
    let mut xls = vec![0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];
    xls.extend(junk(1024, 3));
    let err = cuocthi_bank::import::sheet::detect_format(&xls, Some("xlsx")).unwrap_err();
    let FileError::UnsupportedFormat(message) = err else {
        panic!("{err:?}");
    };
    assert!(message.contains(".xlsx"), "{message}");
    assert_eq!(parse(&xls).unwrap_err().code(), "unreadable_file");
}

#[test]
fn over_max_bytes_is_refused_first() {
    let bytes = xlsx(&[s(&["Câu hỏi", "Phương án A", "Phương án B", "Đáp án"])]);
    let err = parse_questions(&bytes, Format::Xlsx, bytes.len() - 1).unwrap_err();
    assert!(matches!(err, FileError::TooLarge(_)), "{err:?}");
    let err = parse_units(&bytes, Format::Xlsx, 100).unwrap_err();
    assert!(matches!(err, FileError::TooLarge(_)), "{err:?}");
}

#[test]
fn xlsx_row_limit() {
    let bytes = xlsx_with(|sheet| {
        for (col, h) in (0u16..).zip(["Câu hỏi", "Phương án A", "Phương án B", "Đáp án"])
        {
            sheet.write_string(0, col, h).unwrap();
        }
        for row in 1..=(MAX_ROWS as u32 + 1) {
            sheet.write_string(row, 0, "Hỏi?").unwrap();
            sheet.write_string(row, 1, "a").unwrap();
            sheet.write_string(row, 2, "b").unwrap();
            sheet.write_string(row, 3, "A").unwrap();
        }
    });
    let err = parse(&bytes).unwrap_err();
    assert!(matches!(err, FileError::TooLarge(_)), "{err:?}");
}

/// One long shared string repeated in many cells would multiply in memory: refused once the
/// kept text passes its budget.
#[test]
fn repeated_long_shared_strings_are_too_large() {
    let long = "ư".repeat(20_000);
    let bytes = xlsx_with(|sheet| {
        for (col, h) in (0u16..).zip(["Câu hỏi", "Phương án A", "Phương án B", "Đáp án"])
        {
            sheet.write_string(0, col, h).unwrap();
        }
        for row in 1..70u32 {
            for col in 0..40u16 {
                sheet.write_string(row, col, &long).unwrap();
            }
        }
    });
    assert!(bytes.len() < 1024 * 1024, "{}", bytes.len());
    let start = Instant::now();
    let err = parse(&bytes).unwrap_err();
    eprintln!("refused in {:?}", start.elapsed());
    assert!(matches!(err, FileError::TooLarge(_)), "{err:?}");
    assert_fast(start);
}

/// Long cells are reported as too long; a row at the bottom of the sheet keeps its number.
#[test]
fn long_cells_and_the_last_row() {
    let long = "ư".repeat(20_000);
    let bytes = xlsx_with(|sheet| {
        for (col, h) in (0u16..).zip(["Câu hỏi", "Phương án A", "Phương án B", "Đáp án"])
        {
            sheet.write_string(0, col, h).unwrap();
        }
        for row in 1..=3u32 {
            sheet.write_string(row, 0, &long).unwrap();
            sheet.write_string(row, 1, "a").unwrap();
            sheet.write_string(row, 2, "b").unwrap();
            sheet.write_string(row, 3, "A").unwrap();
        }
        sheet.write_string(1_048_575, 0, "cuối").unwrap();
    });
    let parsed = parse_questions(&bytes, Format::Xlsx, DEFAULT_MAX_FILE_BYTES).unwrap();
    assert_eq!(parsed.items.len(), 0);
    assert_eq!(
        sheet_common::codes(&parsed),
        sheet_common::expect(&[
            (2, "Câu hỏi", "too_long"),
            (3, "Câu hỏi", "too_long"),
            (4, "Câu hỏi", "too_long"),
            (1_048_576, "Phương án A", "too_few_options"),
            (1_048_576, "Đáp án", "required"),
        ])
    );
    assert!(parsed.errors[0].message.contains("dài hơn 16.000 ký tự"));
}

fn heading_prefix() -> Vec<u8> {
    "Câu hỏi;Phương án A;Phương án B;Đáp án;Điểm\n"
        .as_bytes()
        .to_vec()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn arbitrary_bytes_as_csv_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..4096)) {
        let _ = parse_questions(&bytes, Format::Csv, DEFAULT_MAX_FILE_BYTES);
        let _ = parse_units(&bytes, Format::Csv, DEFAULT_MAX_FILE_BYTES);
        let _ = cuocthi_bank::import::sheet::detect_format(&bytes, None);
    }

    #[test]
    fn arbitrary_rows_after_a_heading_are_reported(tail in "[a-fA-G0-9 ,;\"\\r\\n=+@xyđữ]{0,400}") {
        let mut bytes = heading_prefix();
        bytes.extend_from_slice(tail.as_bytes());
        let parsed = parse_questions(&bytes, Format::Csv, DEFAULT_MAX_FILE_BYTES).unwrap();
        for error in &parsed.errors {
            prop_assert!(error.row >= 2);
            let prefix = format!("Dòng {}, cột \"{}\": ", error.row, error.field);
            prop_assert!(error.message.starts_with(&prefix));
        }
        for q in &parsed.items {
            prop_assert!(q.options.len() >= 2 && q.options.len() <= 6);
            prop_assert!(!q.key.is_empty());
            prop_assert!(q.key.iter().all(|k| usize::from(*k) < q.options.len()));
            prop_assert!(q.key.windows(2).all(|w| w[0] < w[1]));
        }
    }

    #[test]
    fn arbitrary_bytes_as_xlsx_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
        let _ = parse(&bytes);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn damaged_workbooks_never_panic(
        changes in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..8),
        cut in any::<prop::sample::Index>(),
        truncate in any::<bool>(),
    ) {
        let mut bytes = xlsx(&[
            s(&["Câu hỏi", "Phương án A", "Phương án B", "Đáp án"]),
            s(&["Hỏi?", "a", "b", "A"]),
            s(&["Hỏi nữa?", "c", "d", "B"]),
        ]);
        let len = bytes.len();
        for (at, value) in changes {
            bytes[at.index(len)] = value;
        }
        if truncate {
            bytes.truncate(cut.index(len));
        }
        let _ = parse(&bytes);
        let _ = parse_units(&bytes, Format::Xlsx, DEFAULT_MAX_FILE_BYTES);
    }
}
