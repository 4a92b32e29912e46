//! Any bytes as an `.xlsx` questions or units list: never a panic, every report keeps the
//! importer's promises, valid questions survive the `.xlsx` export round trip.
#![no_main]

use cuocthi_bank::import::sheet::{detect_format, parse_questions, parse_units};
use cuocthi_bank::import::Format;
use cuocthi_fuzz::{
    check_questions, check_units, check_xlsx_round_trip, overflows_calamine, sample_round_trip,
    MAX_BYTES,
};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if overflows_calamine(data) {
        return;
    }
    let _ = detect_format(data, None);
    if let Ok(parsed) = parse_questions(data, Format::Xlsx, MAX_BYTES) {
        check_questions(&parsed, false);
        if sample_round_trip(data) {
            check_xlsx_round_trip(&parsed.items);
        }
    }
    if let Ok(parsed) = parse_units(data, Format::Xlsx, MAX_BYTES) {
        check_units(&parsed);
    }
});
