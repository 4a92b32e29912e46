//! Any bytes as a `multipart/form-data` upload body: finding the `file` part never panics,
//! and what it returns lies inside the body.
#![no_main]

use cuocthi_bank::upload::file_part;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // The first line is the boundary, the rest the body.
    let (boundary, body) = match data.iter().position(|&b| b == b'\n') {
        Some(at) => (&data[..at], &data[at + 1..]),
        None => (&b"XX"[..], data),
    };
    let boundary = String::from_utf8_lossy(boundary);
    if let Some((content, _declared)) = file_part(body, &boundary) {
        assert!(content.len() <= body.len());
        assert!(
            content.is_empty() || body.windows(content.len()).any(|w| w == content.as_slice()),
            "the file part is a slice of the body"
        );
    }
});
