//! Any bytes as Aiken, decoded as the questions import does: never a panic, every report
//! keeps the reader's promises (single choice: exactly one key), valid questions survive the
//! GIFT export round trip.
#![no_main]

use cuocthi_bank::import::aiken::parse_aiken;
use cuocthi_fuzz::{check_gift_round_trip, check_questions, decode_text};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some(text) = decode_text(data) else {
        return;
    };
    if let Ok(parsed) = parse_aiken(text) {
        check_questions(&parsed, true);
        for q in &parsed.items {
            assert_eq!(q.key.len(), 1, "Aiken is single choice: {q:?}");
            assert!(q.topic.is_none() && q.explanation.is_none(), "{q:?}");
        }
        check_gift_round_trip(&parsed.items);
    }
});
