//! The corpus files too large or too binary to keep in the repository, built at run time by
//! name (`"generate"` in `manifest.json`): zip bombs, lying archives, hand-made workbooks with
//! formula and error cells, 10,000-character cells, 100,000-row files and a body over the
//! upload limit. Every generator is deterministic: the same name gives the same bytes.
//!
//! The workbooks are written by hand (a minimal Office Open XML package: content types,
//! relationships, workbook, one or more worksheets with inline strings) so that a test can put
//! into a cell exactly what a hostile file would: a formula with or without its saved value,
//! an error value, a text starting with `=`, a shared-string index that points nowhere.

use std::io::{Cursor, Write};

use zip::write::SimpleFileOptions;
use zip::CompressionMethod;

/// Every generator's name, for the manifest check.
pub const NAMES: &[&str] = &[
    "xlsx_valid_baseline",
    "xlsx_formula_cells",
    "xlsx_formula_and_error_cells",
    "xlsx_long_cells",
    "xlsx_100k_rows",
    "xlsx_zip_bomb_ratio",
    "xlsx_zip_bomb_declared_size",
    "xlsx_zip_too_many_entries",
    "xlsx_truncated",
    "xlsx_signature_then_junk",
    "xlsx_zip_not_a_workbook",
    "ods_spreadsheet",
    "xlsx_xml_entity_expansion",
    "xlsx_huge_dimension",
    "xlsx_shared_string_out_of_range",
    "xlsx_data_on_second_sheet",
    "xlsx_last_row_and_far_column",
    "xlsx_units_formula_cells",
    "xlsx_column_reference_overflow",
    "xlsx_row_reference_overflow",
    "xlsx_control_characters",
    "csv_over_upload_limit",
    "csv_100k_rows",
    "csv_long_cells",
    "csv_one_huge_cell",
    "csv_one_line_5mb",
    "csv_headings_past_column_50",
    "gift_10001_questions",
    "gift_long_question",
    "gift_1mb_of_braces",
    "aiken_10001_questions",
    "units_csv_100k_rows",
];

/// The bytes of a generated corpus file, `None` for an unknown name.
pub fn generate(name: &str) -> Option<Vec<u8>> {
    let bytes = match name {
        "xlsx_valid_baseline" => workbook(&[sheet(&[
            row(
                1,
                &["Câu hỏi", "Phương án A", "Phương án B", "Đáp án", "Điểm"],
            ),
            row(
                2,
                &["Bảng tính viết tay: câu một?", "Đúng", "Sai", "A", "1"],
            ),
            row(
                3,
                &["Bảng tính viết tay: câu hai?", "Có", "Không", "B", "2"],
            ),
        ])]),
        "xlsx_formula_cells" => workbook(&[sheet(&[
            row(
                1,
                &[
                    "Chủ đề",
                    "Câu hỏi",
                    "Phương án A",
                    "Phương án B",
                    "Phương án C",
                    "Đáp án",
                    "Giải thích",
                ],
            ),
            row(
                2,
                &[
                    "@Chủ đề xlsx",
                    "=HYPERLINK(\"http://evil.example/xlsx\",\"Bấm vào đây\")",
                    "+84 xlsx",
                    "-Việt Nam xlsx",
                    "@Lào xlsx",
                    "B",
                    "=cmd|' /C calc'!A0",
                ],
            ),
            // A real formula cell: its saved value is imported, the formula never evaluated.
            format!(
                "<row r=\"3\">{}{}{}{}</row>",
                inline("B3", "Công thức có giá trị đã lưu: phương án A là gì?"),
                "<c r=\"C3\" t=\"str\"><f>HYPERLINK(\"http://evil.example/f\",\"Giá trị đã \
                 lưu\")</f><v>Giá trị đã lưu</v></c>",
                inline("D3", "-Phương án B xlsx"),
                inline("F3", "A"),
            ),
        ])]),
        "xlsx_formula_and_error_cells" => workbook(&[sheet(&[
            row(1, &["Câu hỏi", "Phương án A", "Phương án B", "Đáp án"]),
            // An error value (#REF!) in an option.
            format!(
                "<row r=\"2\">{}<c r=\"B2\" t=\"e\"><f>#REF!+1</f><v>#REF!</v></c>{}{}</row>",
                inline("A2", "Ô lỗi #REF!?"),
                inline("C2", "b"),
                inline("D2", "A"),
            ),
            // A formula without a saved value reads as an empty cell.
            format!(
                "<row r=\"3\"><c r=\"A3\"><f>CONCAT(\"a\",\"b\")</f></c>{}{}{}</row>",
                inline("B3", "a"),
                inline("C3", "b"),
                inline("D3", "A"),
            ),
            // A valid row: the file as a whole is still refused.
            row(4, &["Câu hợp lệ giữa các dòng lỗi?", "a", "b", "B"]),
        ])]),
        "xlsx_long_cells" => {
            let ten_k = "ư".repeat(10_000);
            let twenty_k = "a".repeat(20_000);
            workbook(&[sheet(&[
                row(1, &["Câu hỏi", "Phương án A", "Phương án B", "Đáp án"]),
                row(2, &[ten_k.as_str(), "a", "b", "A"]),
                row(3, &["Phương án dài?", ten_k.as_str(), "b", "A"]),
                row(4, &["Ô hơn 16.000 ký tự?", "a", twenty_k.as_str(), "A"]),
                row(5, &["Câu ngắn hợp lệ?", "a", "b", "A"]),
            ])])
        }
        "xlsx_100k_rows" => rows_100k_xlsx(),
        "xlsx_zip_bomb_ratio" => {
            // 40 MiB of spaces inside the worksheet deflate to well under 100 KiB.
            let mut xml = String::from(WORKSHEET_OPEN);
            xml.push_str(&" ".repeat(40 * 1024 * 1024));
            xml.push_str("<sheetData></sheetData></worksheet>");
            package(
                &[("xl/worksheets/sheet1.xml", xml.into_bytes())],
                CompressionMethod::Deflated,
            )
        }
        "xlsx_zip_bomb_declared_size" => {
            let small = workbook(&[sheet(&[row(1, &["Câu hỏi", "Phương án A"])])]);
            declare_size(small, "xl/worksheets/sheet1.xml", 150 * 1024 * 1024)
        }
        "xlsx_zip_too_many_entries" => {
            let mut parts = workbook_parts(&[sheet(&[row(1, &["Câu hỏi"])])]);
            for i in 0..1_001 {
                parts.push((format!("xl/media/junk{i}.xml"), b"<x/>".to_vec()));
            }
            zip_of(&parts, CompressionMethod::Deflated)
        }
        "xlsx_truncated" => {
            let full = generate("xlsx_valid_baseline")?;
            full.get(..full.len() / 2)?.to_vec()
        }
        "xlsx_signature_then_junk" => {
            let mut bytes = b"PK\x03\x04".to_vec();
            bytes.extend(junk(8192, 7));
            bytes
        }
        "xlsx_zip_not_a_workbook" => zip_of(
            &[("hello.txt".to_owned(), "xin chào".as_bytes().to_vec())],
            CompressionMethod::Deflated,
        ),
        "ods_spreadsheet" => zip_of(
            &[
                (
                    "mimetype".to_owned(),
                    b"application/vnd.oasis.opendocument.spreadsheet".to_vec(),
                ),
                (
                    "content.xml".to_owned(),
                    b"<office:document-content/>".to_vec(),
                ),
            ],
            CompressionMethod::Stored,
        ),
        "xlsx_xml_entity_expansion" => {
            // "Billion laughs": entities that would expand to gigabytes if a reader expanded
            // them.
            let mut dtd = String::from("<!DOCTYPE worksheet [<!ENTITY l0 \"ha\">");
            for i in 1..10 {
                let prev = format!("&l{};", i - 1);
                dtd.push_str(&format!("<!ENTITY l{i} \"{}\">", prev.repeat(10)));
            }
            dtd.push_str("]>");
            let xml = format!(
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?>{dtd}{}<sheetData>{}<row \
                 r=\"2\"><c r=\"A2\" t=\"inlineStr\"><is><t>&l9;</t></is></c>{}{}{}</row>\
                 </sheetData></worksheet>",
                WORKSHEET_OPEN.trim_start_matches(XML_DECLARATION),
                row(1, &["Câu hỏi", "Phương án A", "Phương án B", "Đáp án"]),
                inline("B2", "a"),
                inline("C2", "b"),
                inline("D2", "A"),
            );
            workbook(&[xml])
        }
        "xlsx_huge_dimension" => {
            // The declared used range is the whole sheet; only two rows exist.
            let xml = format!(
                "{WORKSHEET_OPEN}<dimension ref=\"A1:XFD1048576\"/><sheetData>{}{}</sheetData>\
                 </worksheet>",
                row(1, &["Câu hỏi", "Phương án A", "Phương án B", "Đáp án"]),
                row(2, &["Vùng dữ liệu khai báo cả trang?", "a", "b", "A"]),
            );
            workbook(&[xml])
        }
        "xlsx_shared_string_out_of_range" => {
            let mut parts = workbook_parts(&[sheet(&[
                row(1, &["Câu hỏi", "Phương án A", "Phương án B", "Đáp án"]),
                format!(
                    "<row r=\"2\"><c r=\"A2\" t=\"s\"><v>99999</v></c>{}{}{}</row>",
                    inline("B2", "a"),
                    inline("C2", "b"),
                    inline("D2", "A"),
                ),
            ])]);
            parts.push((
                "xl/sharedStrings.xml".to_owned(),
                format!(
                    "{XML_DECLARATION}<sst xmlns=\"{MAIN_NS}\" count=\"1\" \
                     uniqueCount=\"1\"><si><t>chỉ một chuỗi</t></si></sst>"
                )
                .into_bytes(),
            ));
            zip_of(&parts, CompressionMethod::Deflated)
        }
        "xlsx_data_on_second_sheet" => workbook(&[
            sheet(&[row(1, &["Hướng dẫn: dữ liệu ở trang sau."])]),
            sheet(&[
                row(1, &["Câu hỏi", "Phương án A", "Phương án B", "Đáp án"]),
                row(2, &["Ở trang thứ hai?", "a", "b", "A"]),
            ]),
        ]),
        "xlsx_last_row_and_far_column" => workbook(&[sheet(&[
            row(1, &["Câu hỏi", "Phương án A", "Phương án B", "Đáp án"]),
            row(2, &["Câu hợp lệ ở dòng 2?", "a", "b", "A"]),
            // Column XFD (the last) is past the 50 columns read: ignored.
            format!(
                "<row r=\"3\">{}{}{}{}{}</row>",
                inline("A3", "Câu có ô ở cột XFD?"),
                inline("B3", "a"),
                inline("C3", "b"),
                inline("D3", "B"),
                inline("XFD3", "=HYPERLINK(\"http://evil.example\")"),
            ),
            // The sheet's last row: reported with its own number.
            format!(
                "<row r=\"1048576\">{}</row>",
                inline("A1048576", "Câu ở dòng cuối cùng của trang tính?")
            ),
        ])]),
        "xlsx_units_formula_cells" => workbook(&[sheet(&[
            row(1, &["Mã đơn vị", "Tên đơn vị", "Khối", "Số người"]),
            row(
                2,
                &[
                    "FXL1",
                    "=HYPERLINK(\"http://evil.example/unit-xlsx\",\"Xã Mười\")",
                    "+Khối xlsx",
                    "7",
                ],
            ),
        ])]),
        // Found by fuzzing (xlsx_sheet_xml): calamine computes a column from its letters in
        // 32 bits, and overflows on 7 letters or more.
        "xlsx_column_reference_overflow" => workbook(&[sheet(&[
            row(1, &["Câu hỏi", "Phương án A", "Phương án B", "Đáp án"]),
            format!(
                "<row r=\"2\">{}{}{}{}</row>",
                inline("AAAAAAAAAAAA2", "Cột quá xa?"),
                inline("B2", "a"),
                inline("C2", "b"),
                inline("D2", "A"),
            ),
        ])]),
        // The same for a row number of 11 digits.
        "xlsx_row_reference_overflow" => workbook(&[sheet(&[
            row(1, &["Câu hỏi", "Phương án A", "Phương án B", "Đáp án"]),
            format!(
                "<row r=\"99999999999\">{}</row>",
                inline("A99999999999", "Dòng quá xa?")
            ),
        ])]),
        // Control characters in cells, written as Excel escapes them (`_x0011_`).
        "xlsx_control_characters" => workbook(&[sheet(&[
            row(1, &["Câu hỏi", "Phương án A", "Phương án B", "Đáp án"]),
            row(2, &["Câu có _x0011_ ký tự điều khiển?", "a", "b", "A"]),
            row(3, &["Câu hợp lệ?", "a", "b", "A"]),
        ])]),
        "csv_over_upload_limit" => {
            // 21 MB: over the 20 MB upload limit; refused before anything is parsed.
            let mut csv = "Câu hỏi,Phương án A,Phương án B,Đáp án\n"
                .as_bytes()
                .to_vec();
            let line = "Câu hỏi đệm cho tệp quá lớn?,a,b,A\n".as_bytes();
            while csv.len() < 21 * 1024 * 1024 {
                csv.extend_from_slice(line);
            }
            csv
        }
        "csv_100k_rows" => {
            let mut csv = String::from("Câu hỏi,Phương án A,Phương án B,Đáp án\n");
            for i in 1..=100_000 {
                csv.push_str(&format!("Câu số {i}?,a,b,A\n"));
            }
            csv.into_bytes()
        }
        "csv_long_cells" => {
            let ten_k = "ư".repeat(10_000);
            format!(
                "Câu hỏi,Phương án A,Phương án B,Đáp án,Giải thích\n\
                 {ten_k},a,b,A,\n\
                 Phương án dài?,{ten_k},b,A,\n\
                 Giải thích dài?,a,b,A,{ten_k}\n\
                 Câu ngắn hợp lệ?,a,b,A,\n"
            )
            .into_bytes()
        }
        "csv_one_huge_cell" => {
            // 5 MB in one quoted cell (with line breaks and delimiters inside).
            let filler = "dài, rất dài\n".repeat(400_000);
            format!(
                "Câu hỏi,Phương án A,Phương án B,Đáp án\n\"{filler}\",a,b,A\nCâu sau ô khổng \
                 lồ?,a,b,A\n"
            )
            .into_bytes()
        }
        "csv_one_line_5mb" => "a,".repeat(2_500_000).into_bytes(),
        "csv_headings_past_column_50" => {
            let mut heading: Vec<String> = (1..=60).map(|i| format!("Cột {i}")).collect();
            heading.extend(
                ["Câu hỏi", "Phương án A", "Phương án B", "Đáp án"]
                    .iter()
                    .map(|s| (*s).to_owned()),
            );
            let mut data: Vec<String> = (1..=60).map(|_| String::new()).collect();
            data.extend(
                ["Câu ở cột 61?", "a", "b", "A"]
                    .iter()
                    .map(|s| (*s).to_owned()),
            );
            format!("{}\n{}\n", heading.join(","), data.join(",")).into_bytes()
        }
        "gift_10001_questions" => "::Q:: Câu hỏi? {=Có ~Không}\n\n"
            .repeat(10_001)
            .into_bytes(),
        "gift_long_question" => format!(
            "::L1:: {} {{=Có ~Không}}\n\n::L2:: Câu ngắn hợp lệ? {{=Có ~Không}}\n",
            "ư".repeat(10_000)
        )
        .into_bytes(),
        "gift_1mb_of_braces" => {
            let mut text = String::from("::Q:: Ngoặc lồng nhau ");
            text.push_str(&"{".repeat(512 * 1024));
            text.push_str(&"}".repeat(512 * 1024));
            text.into_bytes()
        }
        "aiken_10001_questions" => "Câu hỏi?\nA. Có\nB. Không\nANSWER: A\n\n"
            .repeat(10_001)
            .into_bytes(),
        "units_csv_100k_rows" => {
            let mut csv = String::from("Mã đơn vị;Tên đơn vị;Khối;Số người\n");
            for i in 1..=100_000 {
                csv.push_str(&format!("U{i};Đơn vị {i};Khối;1\n"));
            }
            csv.into_bytes()
        }
        _ => return None,
    };
    Some(bytes)
}

const XML_DECLARATION: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>";
const MAIN_NS: &str = "http://schemas.openxmlformats.org/spreadsheetml/2006/main";
const REL_NS: &str = "http://schemas.openxmlformats.org/officeDocument/2006/relationships";
const PKG_REL_NS: &str = "http://schemas.openxmlformats.org/package/2006/relationships";
const WORKSHEET_OPEN: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\
<worksheet xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\">";

fn escape_xml(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Column letters of a 0-based index.
fn column(index: usize) -> String {
    let mut n = index + 1;
    let mut letters = Vec::new();
    while n > 0 {
        let rem = (n - 1) % 26;
        letters.push(char::from(b'A' + rem as u8));
        n = (n - 1) / 26;
    }
    letters.iter().rev().collect()
}

/// An inline-string cell.
fn inline(reference: &str, text: &str) -> String {
    format!(
        "<c r=\"{reference}\" t=\"inlineStr\"><is><t xml:space=\"preserve\">{}</t></is></c>",
        escape_xml(text)
    )
}

/// A row of inline-string cells from column A; empty strings leave the cell out.
fn row(number: u32, cells: &[&str]) -> String {
    let mut xml = format!("<row r=\"{number}\">");
    for (i, text) in cells.iter().enumerate() {
        if !text.is_empty() {
            xml.push_str(&inline(&format!("{}{number}", column(i)), text));
        }
    }
    xml.push_str("</row>");
    xml
}

/// A worksheet part holding these rows.
fn sheet(rows: &[String]) -> String {
    format!(
        "{WORKSHEET_OPEN}<sheetData>{}</sheetData></worksheet>",
        rows.concat()
    )
}

/// The parts of a workbook with these worksheets (named `Trang 1`, `Trang 2`...).
fn workbook_parts(sheets: &[String]) -> Vec<(String, Vec<u8>)> {
    let mut overrides = String::from(
        "<Override PartName=\"/xl/workbook.xml\" \
         ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml\"/>",
    );
    let mut sheet_list = String::new();
    let mut rels = String::new();
    let mut parts = Vec::new();
    for (i, xml) in sheets.iter().enumerate() {
        let n = i + 1;
        overrides.push_str(&format!(
            "<Override PartName=\"/xl/worksheets/sheet{n}.xml\" \
             ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml\"/>"
        ));
        sheet_list.push_str(&format!(
            "<sheet name=\"Trang {n}\" sheetId=\"{n}\" r:id=\"rId{n}\"/>"
        ));
        rels.push_str(&format!(
            "<Relationship Id=\"rId{n}\" \
             Type=\"{REL_NS}/worksheet\" Target=\"worksheets/sheet{n}.xml\"/>"
        ));
        parts.push((
            format!("xl/worksheets/sheet{n}.xml"),
            xml.clone().into_bytes(),
        ));
    }
    let mut all = vec![
        (
            "[Content_Types].xml".to_owned(),
            format!(
                "{XML_DECLARATION}<Types \
                 xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\"><Default \
                 Extension=\"rels\" \
                 ContentType=\"application/vnd.openxmlformats-package.relationships+xml\"/>\
                 <Default Extension=\"xml\" ContentType=\"application/xml\"/>{overrides}</Types>"
            )
            .into_bytes(),
        ),
        (
            "_rels/.rels".to_owned(),
            format!(
                "{XML_DECLARATION}<Relationships xmlns=\"{PKG_REL_NS}\"><Relationship \
                 Id=\"rId1\" Type=\"{REL_NS}/officeDocument\" \
                 Target=\"xl/workbook.xml\"/></Relationships>"
            )
            .into_bytes(),
        ),
        (
            "xl/workbook.xml".to_owned(),
            format!(
                "{XML_DECLARATION}<workbook xmlns=\"{MAIN_NS}\" \
                 xmlns:r=\"{REL_NS}\"><sheets>{sheet_list}</sheets></workbook>"
            )
            .into_bytes(),
        ),
        (
            "xl/_rels/workbook.xml.rels".to_owned(),
            format!(
                "{XML_DECLARATION}<Relationships xmlns=\"{PKG_REL_NS}\">{rels}</Relationships>"
            )
            .into_bytes(),
        ),
    ];
    all.extend(parts);
    all
}

/// A workbook with these worksheets, deflated.
fn workbook(sheets: &[String]) -> Vec<u8> {
    zip_of(&workbook_parts(sheets), CompressionMethod::Deflated)
}

/// A workbook whose parts are replaced or added by `overrides` (by name).
fn package(overrides: &[(&str, Vec<u8>)], method: CompressionMethod) -> Vec<u8> {
    let mut parts = workbook_parts(&[sheet(&[])]);
    for (name, data) in overrides {
        match parts.iter_mut().find(|(n, _)| n == name) {
            Some(part) => part.1 = data.clone(),
            None => parts.push(((*name).to_owned(), data.clone())),
        }
    }
    zip_of(&parts, method)
}

fn zip_of(parts: &[(String, Vec<u8>)], method: CompressionMethod) -> Vec<u8> {
    let mut writer = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options = SimpleFileOptions::default()
        .compression_method(method)
        .large_file(false);
    for (name, data) in parts {
        writer
            .start_file(name.as_str(), options)
            .expect("zip entry");
        writer.write_all(data).expect("zip write");
    }
    writer.finish().expect("zip finish").into_inner()
}

/// 100,000 question rows after the heading, as shared strings in a stored (uncompressed)
/// archive: about 14 MB, under the upload limit, refused by the row limit.
fn rows_100k_xlsx() -> Vec<u8> {
    let mut xml = String::with_capacity(15 * 1024 * 1024);
    xml.push_str(WORKSHEET_OPEN);
    xml.push_str("<sheetData>");
    xml.push_str(&row(
        1,
        &["Câu hỏi", "Phương án A", "Phương án B", "Đáp án"],
    ));
    for r in 2..=100_001u32 {
        xml.push_str(&format!(
            "<row r=\"{r}\"><c r=\"A{r}\" t=\"s\"><v>0</v></c><c r=\"B{r}\" t=\"s\"><v>1</v></c>\
             <c r=\"C{r}\" t=\"s\"><v>2</v></c><c r=\"D{r}\" t=\"s\"><v>3</v></c></row>"
        ));
    }
    xml.push_str("</sheetData></worksheet>");
    let mut parts = workbook_parts(&[xml]);
    parts.push((
        "xl/sharedStrings.xml".to_owned(),
        format!(
            "{XML_DECLARATION}<sst xmlns=\"{MAIN_NS}\" count=\"4\" uniqueCount=\"4\"><si><t>Câu \
             hỏi lặp lại?</t></si><si><t>a</t></si><si><t>b</t></si><si><t>A</t></si></sst>"
        )
        .into_bytes(),
    ));
    zip_of(&parts, CompressionMethod::Stored)
}

/// Rewrites the declared uncompressed size of the named entry in the central directory
/// (where readers take it from).
fn declare_size(mut bytes: Vec<u8>, name: &str, size: u32) -> Vec<u8> {
    let u16_at = |b: &[u8], at: usize| usize::from(u16::from_le_bytes([b[at], b[at + 1]]));
    let u32_at =
        |b: &[u8], at: usize| u32::from_le_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]]) as usize;
    let eocd = bytes
        .windows(4)
        .rposition(|w| w == b"PK\x05\x06")
        .expect("end of central directory");
    let count = u16_at(&bytes, eocd + 10);
    let mut at = u32_at(&bytes, eocd + 16);
    for _ in 0..count {
        assert_eq!(&bytes[at..at + 4], b"PK\x01\x02", "central directory entry");
        let name_len = u16_at(&bytes, at + 28);
        let extra_len = u16_at(&bytes, at + 30);
        let comment_len = u16_at(&bytes, at + 32);
        if &bytes[at + 46..at + 46 + name_len] == name.as_bytes() {
            bytes[at + 24..at + 28].copy_from_slice(&size.to_le_bytes());
        }
        at += 46 + name_len + extra_len + comment_len;
    }
    bytes
}

/// Deterministic pseudo-random bytes (xorshift).
fn junk(len: usize, seed: u64) -> Vec<u8> {
    let mut state = seed.max(1);
    (0..len)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 24) as u8
        })
        .collect()
}
