//! How long reading a full-size workbook takes: a measurement, not a check. Run with
//! `cargo test --release -p cuocthi-bank --test sheet_perf -- --ignored --nocapture`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Instant;

use cuocthi_bank::import::sheet::{parse_questions, questions_to_xlsx, SheetQuestion};
use cuocthi_bank::import::{Format, DEFAULT_MAX_FILE_BYTES, MAX_ROWS};

#[test]
#[ignore = "measurement; run by hand with --release"]
fn parse_ten_thousand_rows() {
    let questions: Vec<SheetQuestion> = (0..MAX_ROWS)
        .map(|i| SheetQuestion {
            topic: format!("Chủ đề {}", i % 12),
            text: format!(
                "Câu {i}: Theo Luật Cán bộ, công chức năm 2008 (sửa đổi, bổ sung năm 2019), \
                 nội dung nào sau đây là đúng về nghĩa vụ của cán bộ, công chức?"
            ),
            options: (0..4)
                .map(|o| format!("Phương án {o} của câu {i}: trung thành với Đảng, Nhà nước"))
                .collect(),
            key: vec![(i % 4) as u8],
            points: 1 + (i % 3) as i32,
            explanation: Some(format!("Giải thích cho câu {i}, theo Điều 8 của Luật.")),
            difficulty: Some(["Dễ", "Trung bình", "Khó"][i % 3].to_owned()),
        })
        .collect();
    let bytes = questions_to_xlsx(&questions).unwrap();
    let mut times = Vec::new();
    for _ in 0..5 {
        let start = Instant::now();
        let parsed = parse_questions(&bytes, Format::Xlsx, DEFAULT_MAX_FILE_BYTES).unwrap();
        times.push(start.elapsed());
        assert_eq!(parsed.items.len(), MAX_ROWS);
        assert!(parsed.errors.is_empty());
    }
    times.sort();
    println!(
        "{} rows, {} KiB xlsx: median {:?} (min {:?}, max {:?}) over {} runs",
        MAX_ROWS,
        bytes.len() / 1024,
        times[times.len() / 2],
        times[0],
        times[times.len() - 1],
        times.len()
    );
}
