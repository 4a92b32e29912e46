//! Telling the format of an uploaded file from what the client declared and its content.

use super::super::{FileError, Format};
use super::columns::known_headings;
use super::grid::HEADING_WINDOW;
use super::text::{decode_lossy, looks_binary};

/// Bytes of content looked at.
const SNIFF_BYTES: usize = 64 * 1024;
/// OLE compound file: `.xls` (Excel 97–2003) and password-protected workbooks.
const OLE_SIGNATURE: [u8; 8] = [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];

/// What a declaration says.
enum Declared {
    Is(Format),
    Unsupported(String),
    Unknown,
}

fn xls_message() -> String {
    "Tệp Excel 97–2003 (.xls) hoặc tệp Excel có đặt mật khẩu không đọc được: hãy mở bằng \
     Excel, bỏ mật khẩu nếu có, rồi lưu lại dưới dạng \"Sổ làm việc Excel (.xlsx)\"."
        .to_owned()
}

fn ods_message() -> String {
    "Tệp OpenDocument (.ods) không được hỗ trợ: hãy lưu dưới dạng Excel (.xlsx).".to_owned()
}

pub(crate) fn detect(bytes: &[u8], declared: Option<&str>) -> Result<Format, FileError> {
    if bytes.starts_with(&OLE_SIGNATURE) {
        return Err(FileError::UnsupportedFormat(xls_message()));
    }
    match declared.map(classify_declared).unwrap_or(Declared::Unknown) {
        Declared::Is(format) => Ok(format),
        Declared::Unsupported(message) => Err(FileError::UnsupportedFormat(message)),
        Declared::Unknown => sniff(bytes),
    }
}

fn classify_declared(raw: &str) -> Declared {
    let value = raw.trim().to_ascii_lowercase();
    if value.is_empty() {
        return Declared::Unknown;
    }
    if value.contains('/') {
        // A media type; parameters such as `; charset=utf-8` do not matter.
        let mime = value.split(';').next().unwrap_or_default().trim();
        return match mime {
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" => {
                Declared::Is(Format::Xlsx)
            }
            "text/csv"
            | "application/csv"
            | "text/comma-separated-values"
            | "text/x-csv"
            | "application/x-csv" => Declared::Is(Format::Csv),
            "text/x-gift" | "application/x-gift" => Declared::Is(Format::Gift),
            "text/x-aiken" | "application/x-aiken" => Declared::Is(Format::Aiken),
            "application/vnd.oasis.opendocument.spreadsheet" => {
                Declared::Unsupported(ods_message())
            }
            _ => Declared::Unknown,
        };
    }
    if let Some((_, extension)) = value.rsplit_once('.') {
        // A file name.
        return match extension {
            "xlsx" | "xlsm" => Declared::Is(Format::Xlsx),
            "csv" => Declared::Is(Format::Csv),
            "gift" => Declared::Is(Format::Gift),
            "aiken" => Declared::Is(Format::Aiken),
            "ods" => Declared::Unsupported(ods_message()),
            _ => Declared::Unknown,
        };
    }
    match value.as_str() {
        "xlsx" => Declared::Is(Format::Xlsx),
        "csv" => Declared::Is(Format::Csv),
        "gift" => Declared::Is(Format::Gift),
        "aiken" => Declared::Is(Format::Aiken),
        "xls" => Declared::Unsupported(xls_message()),
        "ods" => Declared::Unsupported(ods_message()),
        _ => Declared::Unsupported(format!(
            "Định dạng {} không được hỗ trợ: dùng xlsx, csv, gift hoặc aiken.",
            super::text::quote(raw.trim())
        )),
    }
}

fn sniff(bytes: &[u8]) -> Result<Format, FileError> {
    if bytes.starts_with(b"PK\x03\x04") || bytes.starts_with(b"PK\x05\x06") {
        return Ok(Format::Xlsx);
    }
    if bytes.starts_with(b"%PDF") {
        return Err(FileError::UnsupportedFormat(
            "Tệp PDF không được hỗ trợ: hãy dùng mẫu Excel (.xlsx), CSV, GIFT hoặc Aiken."
                .to_owned(),
        ));
    }
    let prefix = bytes.get(..SNIFF_BYTES).unwrap_or(bytes);
    let text = decode_lossy(prefix);
    if text.trim().is_empty() {
        return Err(FileError::Unreadable("Tệp trống.".to_owned()));
    }
    if looks_binary(&text) {
        return Err(super::text::binary_junk());
    }
    let heading_line = text
        .lines()
        .filter(|l| !l.trim().is_empty())
        .take(HEADING_WINDOW)
        .take_while(|l| !l.trim_start().starts_with("//") && !l.trim_start().starts_with("::"))
        .any(|line| {
            [',', ';', '\t']
                .iter()
                .any(|d| known_headings(line, *d) >= 2)
        });
    if heading_line {
        return Ok(Format::Csv);
    }
    if looks_like_gift(&text) {
        return Ok(Format::Gift);
    }
    if text.lines().any(|l| {
        l.trim_start()
            .get(..7)
            .is_some_and(|head| head.eq_ignore_ascii_case("answer:"))
    }) {
        return Ok(Format::Aiken);
    }
    Err(FileError::UnsupportedFormat(
        "Không nhận ra định dạng tệp: cần tệp Excel (.xlsx) hoặc CSV theo mẫu, hoặc văn bản \
         GIFT hay Aiken."
            .to_owned(),
    ))
}

/// GIFT: a `::title::`, a `$CATEGORY:` line, or an answer block `{…}` with `=`/`~` answers or
/// a true/false answer.
fn looks_like_gift(text: &str) -> bool {
    for line in text.lines() {
        let line = line.trim_start();
        if line.starts_with("::") || line.starts_with("$CATEGORY:") {
            return true;
        }
    }
    let mut rest = text;
    while let Some(open) = rest.find('{') {
        let after = rest.get(open + 1..).unwrap_or_default();
        let Some(close) = after.find('}') else {
            return false;
        };
        let block = after.get(..close).unwrap_or_default().trim();
        if block.starts_with('=')
            || block.starts_with('~')
            || block.contains("\n=")
            || block.contains("\n~")
            || block.contains(" =")
            || block.contains(" ~")
            || matches!(block, "T" | "F" | "TRUE" | "FALSE")
        {
            return true;
        }
        rest = after.get(close + 1..).unwrap_or_default();
    }
    false
}
