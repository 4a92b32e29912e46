//! Structure-aware `.xlsx`: the input is the worksheet XML and (after a NUL byte, if any) the
//! shared strings XML of an otherwise valid workbook, stored uncompressed, so that mutations
//! reach the XML reader and the row logic instead of dying in the zip layer.
#![no_main]

use std::io::{Cursor, Write};

use cuocthi_bank::import::sheet::{parse_questions, parse_units};
use cuocthi_bank::import::Format;
use cuocthi_fuzz::{
    check_questions, check_units, check_xlsx_round_trip, overflows_calamine, sample_round_trip,
    MAX_BYTES,
};
use libfuzzer_sys::fuzz_target;
use zip::write::SimpleFileOptions;
use zip::CompressionMethod;

const CONTENT_TYPES: &str = r#"<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/><Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>"#;
const RELS: &str = r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#;
const WORKBOOK: &str = r#"<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Câu hỏi" sheetId="1" r:id="rId1"/></sheets></workbook>"#;
const WORKBOOK_RELS: &str = r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>"#;

fn workbook(sheet: &[u8], shared: &[u8]) -> Option<Vec<u8>> {
    let mut writer = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options = SimpleFileOptions::default().compression_method(CompressionMethod::Stored);
    for (name, data) in [
        ("[Content_Types].xml", CONTENT_TYPES.as_bytes()),
        ("_rels/.rels", RELS.as_bytes()),
        ("xl/workbook.xml", WORKBOOK.as_bytes()),
        ("xl/_rels/workbook.xml.rels", WORKBOOK_RELS.as_bytes()),
        ("xl/worksheets/sheet1.xml", sheet),
        ("xl/sharedStrings.xml", shared),
    ] {
        writer.start_file(name, options).ok()?;
        writer.write_all(data).ok()?;
    }
    Some(writer.finish().ok()?.into_inner())
}

fuzz_target!(|data: &[u8]| {
    if overflows_calamine(data) {
        return;
    }
    let (sheet, shared) = match data.iter().position(|&b| b == 0) {
        Some(at) => (&data[..at], &data[at + 1..]),
        None => (
            data,
            &b"<sst xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\"/>"[..],
        ),
    };
    let Some(bytes) = workbook(sheet, shared) else {
        return;
    };
    if let Ok(parsed) = parse_questions(&bytes, Format::Xlsx, MAX_BYTES) {
        check_questions(&parsed, false);
        if sample_round_trip(data) {
            check_xlsx_round_trip(&parsed.items);
        }
    }
    if let Ok(parsed) = parse_units(&bytes, Format::Xlsx, MAX_BYTES) {
        check_units(&parsed);
    }
});
