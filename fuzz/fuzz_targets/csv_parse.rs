//! Any bytes as a CSV questions or units list, through encoding detection (BOM, UTF-8,
//! UTF-16, Windows-1258) and delimiter sniffing: never a panic, every report keeps the
//! importer's promises, valid questions survive the `.xlsx` export round trip.
#![no_main]

use cuocthi_bank::import::sheet::{detect_format, parse_questions, parse_units};
use cuocthi_bank::import::Format;
use cuocthi_fuzz::{
    check_questions, check_units, check_xlsx_round_trip, sample_round_trip, MAX_BYTES,
};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = detect_format(data, None);
    let _ = detect_format(data, Some("text/csv"));
    if let Ok(parsed) = parse_questions(data, Format::Csv, MAX_BYTES) {
        check_questions(&parsed, false);
        if sample_round_trip(data) {
            check_xlsx_round_trip(&parsed.items);
        }
    }
    if let Ok(parsed) = parse_units(data, Format::Csv, MAX_BYTES) {
        check_units(&parsed);
    }
});
