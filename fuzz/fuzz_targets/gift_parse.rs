//! Any bytes as GIFT, decoded as the questions import does: never a panic, every report
//! keeps the reader's promises, valid questions survive the GIFT export round trip.
#![no_main]

use cuocthi_bank::import::gift::parse_gift;
use cuocthi_fuzz::{check_gift_round_trip, check_questions, decode_text};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some(text) = decode_text(data) else {
        return;
    };
    if let Ok(parsed) = parse_gift(text) {
        check_questions(&parsed, true);
        check_gift_round_trip(&parsed.items);
    }
});
