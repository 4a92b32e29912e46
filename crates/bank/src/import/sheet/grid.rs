//! A sheet read into rows of text cells: the first worksheet of an `.xlsx`, or a CSV file.
//! Bounded in bytes, archive contents, rows, columns and retained text.

use std::collections::BTreeMap;
use std::io::Cursor;

use calamine::{DataRef, Reader, Xlsx};

use super::super::{FileError, Format, MAX_CELL_CHARS, MAX_ROWS};
use super::text::{self, format_count, format_float, format_mb};

/// Columns read; cells further right are ignored.
pub(crate) const MAX_COLS: usize = 50;
/// The heading must be among this many first non-empty rows.
pub(crate) const HEADING_WINDOW: usize = 10;
/// Raw characters kept of one cell; a longer cell is too long whatever it normalises to.
pub(crate) const CELL_RAW_CHARS: usize = 4 * MAX_CELL_CHARS;
/// Cell text kept in all, in bytes.
const TEXT_BUDGET_BYTES: usize = 64 * 1024 * 1024;
/// Most entries an `.xlsx` archive may have.
const MAX_ZIP_ENTRIES: usize = 1_000;
/// Largest declared uncompressed size of one archive entry.
const MAX_ENTRY_BYTES: u64 = 100 * 1024 * 1024;
/// Largest declared uncompressed size of the whole archive.
const MAX_TOTAL_BYTES: u64 = 200 * 1024 * 1024;
/// Entries larger than this must not compress better than [`MAX_RATIO`].
const RATIO_MIN_BYTES: u64 = 1024 * 1024;
/// Highest compression ratio of a large entry.
const MAX_RATIO: u64 = 200;

/// One cell as read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Cell {
    /// Nothing, or only white space.
    Empty,
    /// Text as written (not yet normalised), cut at [`CELL_RAW_CHARS`] characters.
    Text {
        /// The text.
        text: String,
        /// Whether the cell was longer than what was kept.
        overlong: bool,
    },
    /// An Excel error value, e.g. `#REF!`.
    Error(String),
}

/// A non-empty row: its spreadsheet number (1-based) and its cells from column A.
#[derive(Debug, Clone)]
pub(crate) struct Row {
    pub number: u32,
    pub cells: Vec<Cell>,
}

impl Row {
    /// The cell in a 0-based column, `Empty` past the end.
    pub fn cell(&self, col: usize) -> &Cell {
        self.cells.get(col).unwrap_or(&Cell::Empty)
    }
}

/// The non-empty rows of a sheet, in row order.
#[derive(Debug, Clone, Default)]
pub(crate) struct Grid {
    pub rows: Vec<Row>,
}

/// Reads `bytes` as `format` into a grid, after the size check. `what` names the items
/// (`câu hỏi`, `đơn vị`) in messages.
pub(crate) fn read(
    bytes: &[u8],
    format: Format,
    max_bytes: usize,
    what: &str,
) -> Result<Grid, FileError> {
    if bytes.len() > max_bytes {
        return Err(FileError::TooLarge(format!(
            "Tệp dung lượng {} vượt quá giới hạn {}.",
            format_mb(bytes.len()),
            format_mb(max_bytes)
        )));
    }
    let mut builder = Builder::new(what);
    match format {
        Format::Xlsx => read_xlsx(bytes, &mut builder)?,
        Format::Csv => read_csv(bytes, &mut builder)?,
        Format::Gift | Format::Aiken => {
            return Err(FileError::UnsupportedFormat(format!(
                "Danh sách {what} dạng bảng tính chỉ nhận tệp .xlsx hoặc .csv."
            )))
        }
    }
    Ok(builder.finish())
}

/// Collects cells into rows within the limits.
struct Builder<'a> {
    rows: BTreeMap<u32, Vec<Cell>>,
    text_bytes: usize,
    what: &'a str,
}

impl<'a> Builder<'a> {
    fn new(what: &'a str) -> Self {
        Self {
            rows: BTreeMap::new(),
            text_bytes: 0,
            what,
        }
    }

    fn too_many_rows(&self) -> FileError {
        FileError::TooLarge(format!(
            "Tệp có hơn {} dòng {}: hãy chia thành nhiều tệp.",
            format_count(MAX_ROWS),
            self.what
        ))
    }

    /// Stores a cell; `row` is the spreadsheet's 1-based row number, `col` 0-based.
    fn put(&mut self, row: u32, col: usize, cell: Cell) -> Result<(), FileError> {
        if col >= MAX_COLS {
            return Ok(());
        }
        let cell = match cell {
            Cell::Text { text, .. } if text.trim().is_empty() => return Ok(()),
            Cell::Empty => return Ok(()),
            other => other,
        };
        let size = match &cell {
            Cell::Text { text, .. } | Cell::Error(text) => text.len(),
            Cell::Empty => 0,
        };
        self.text_bytes = self.text_bytes.saturating_add(size);
        if self.text_bytes > TEXT_BUDGET_BYTES {
            return Err(FileError::TooLarge(format!(
                "Tệp có quá nhiều chữ (hơn {} trong các ô): hãy chia thành nhiều tệp.",
                format_mb(TEXT_BUDGET_BYTES)
            )));
        }
        if !self.rows.contains_key(&row) && self.rows.len() >= MAX_ROWS + HEADING_WINDOW {
            // The heading is among the first HEADING_WINDOW rows, so the data rows are now
            // more than MAX_ROWS.
            return Err(self.too_many_rows());
        }
        let cells = self.rows.entry(row).or_default();
        if cells.len() <= col {
            cells.resize(col + 1, Cell::Empty);
        }
        if let Some(slot) = cells.get_mut(col) {
            *slot = cell;
        }
        Ok(())
    }

    fn put_text(&mut self, row: u32, col: usize, raw: &str) -> Result<(), FileError> {
        if col >= MAX_COLS {
            return Ok(());
        }
        let (text, overlong) = match raw.char_indices().nth(CELL_RAW_CHARS) {
            Some((cut, _)) => (raw.get(..cut).unwrap_or_default().to_owned(), true),
            None => (raw.to_owned(), false),
        };
        self.put(row, col, Cell::Text { text, overlong })
    }

    fn finish(self) -> Grid {
        Grid {
            rows: self
                .rows
                .into_iter()
                .map(|(number, cells)| Row { number, cells })
                .collect(),
        }
    }
}

fn unreadable_xlsx(detail: impl std::fmt::Display) -> FileError {
    FileError::Unreadable(format!(
        "Không đọc được tệp Excel (.xlsx): tệp bị hỏng hoặc không phải định dạng .xlsx (chi \
         tiết: {detail})."
    ))
}

fn zip_bomb(detail: &str) -> FileError {
    FileError::TooLarge(format!(
        "Tệp Excel giải nén ra quá lớn ({detail}); không đọc tệp này. Hãy lưu lại bảng tính \
         bằng Excel rồi gửi lại."
    ))
}

/// Refuses an archive that declares too much before anything is decompressed. The zip reader
/// (ours and calamine's) stops any entry at its declared size, so declared sizes bound the
/// work.
fn guard_zip(bytes: &[u8]) -> Result<(), FileError> {
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).map_err(unreadable_xlsx)?;
    if archive.len() > MAX_ZIP_ENTRIES {
        return Err(zip_bomb(&format!(
            "{} thành phần, tối đa {}",
            format_count(archive.len()),
            format_count(MAX_ZIP_ENTRIES)
        )));
    }
    let has = |name: &str| archive.index_for_name(name).is_some();
    if has("content.xml") && has("mimetype") && !has("[Content_Types].xml") {
        return Err(FileError::UnsupportedFormat(
            "Tệp OpenDocument (.ods) không được hỗ trợ: hãy mở bằng LibreOffice/Excel và lưu \
             dưới dạng Excel (.xlsx)."
                .to_owned(),
        ));
    }
    let mut total: u64 = 0;
    for i in 0..archive.len() {
        let entry = archive.by_index_raw(i).map_err(unreadable_xlsx)?;
        let size = entry.size();
        let packed = entry.compressed_size().max(1);
        if size > MAX_ENTRY_BYTES {
            return Err(zip_bomb(&format!(
                "một thành phần {}, tối đa {}",
                format_mb(usize::try_from(size).unwrap_or(usize::MAX)),
                format_mb(MAX_ENTRY_BYTES as usize)
            )));
        }
        if size > RATIO_MIN_BYTES && size / packed > MAX_RATIO {
            return Err(zip_bomb(&format!("tỉ lệ nén {}:1", size / packed)));
        }
        total = total.saturating_add(size);
        if total > MAX_TOTAL_BYTES {
            return Err(zip_bomb(&format!(
                "tổng cộng hơn {}",
                format_mb(MAX_TOTAL_BYTES as usize)
            )));
        }
    }
    Ok(())
}

fn read_xlsx(bytes: &[u8], builder: &mut Builder<'_>) -> Result<(), FileError> {
    guard_zip(bytes)?;
    // calamine is not expected to panic, but a hostile file must never take the server down.
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        read_xlsx_cells(bytes, builder)
    })) {
        Ok(result) => result,
        Err(_) => Err(unreadable_xlsx("cấu trúc không hợp lệ")),
    }
}

fn read_xlsx_cells(bytes: &[u8], builder: &mut Builder<'_>) -> Result<(), FileError> {
    let mut workbook: Xlsx<_> = Xlsx::new(Cursor::new(bytes)).map_err(unreadable_xlsx)?;
    let first = workbook
        .sheet_names()
        .into_iter()
        .next()
        .ok_or_else(|| unreadable_xlsx("không có trang tính nào"))?;
    let mut cells = workbook
        .worksheet_cells_reader(&first)
        .map_err(unreadable_xlsx)?;
    while let Some(cell) = cells.next_cell().map_err(unreadable_xlsx)? {
        let (row, col) = cell.get_position();
        let col = usize::try_from(col).unwrap_or(usize::MAX);
        if col >= MAX_COLS {
            continue;
        }
        let row = row.saturating_add(1);
        match cell.get_value() {
            DataRef::Empty => {}
            DataRef::String(s) | DataRef::DateTimeIso(s) | DataRef::DurationIso(s) => {
                builder.put_text(row, col, s)?
            }
            DataRef::SharedString(s) => builder.put_text(row, col, s)?,
            DataRef::Int(i) => builder.put_text(row, col, &i.to_string())?,
            DataRef::Float(f) => builder.put_text(row, col, &format_float(*f))?,
            DataRef::Bool(b) => builder.put_text(row, col, if *b { "TRUE" } else { "FALSE" })?,
            DataRef::DateTime(dt) => builder.put_text(row, col, &format_datetime(dt))?,
            DataRef::Error(e) => builder.put(row, col, Cell::Error(e.to_string()))?,
        }
    }
    Ok(())
}

/// A date as Vietnamese write it (`02/09/1945`), a time as `07:30` (seconds only when not
/// zero), a date with a time as both, a duration as `[h]:mm:ss`.
fn format_datetime(dt: &calamine::ExcelDateTime) -> String {
    let value = dt.as_f64();
    if dt.is_duration() {
        let total = (value * 86_400.0).round();
        if !total.is_finite() || total.abs() > 1e12 {
            return format_float(value);
        }
        let total = total as i64;
        let sign = if total < 0 { "-" } else { "" };
        let t = total.abs();
        return format!("{sign}{}:{:02}:{:02}", t / 3600, (t / 60) % 60, t % 60);
    }
    if !value.is_finite() || !(0.0..2_958_466.0).contains(&value) {
        return format_float(value);
    }
    let (y, mo, d, h, mi, s, _) = dt.to_ymd_hms_milli();
    let time = if s == 0 {
        format!("{h:02}:{mi:02}")
    } else {
        format!("{h:02}:{mi:02}:{s:02}")
    };
    let has_time = h != 0 || mi != 0 || s != 0;
    if value < 1.0 {
        time
    } else if has_time {
        format!("{d:02}/{mo:02}/{y:04} {time}")
    } else {
        format!("{d:02}/{mo:02}/{y:04}")
    }
}

/// Reads CSV as Excel opens it: each line is a row (blank lines too, so row numbers match);
/// a field starting with `"` is quoted (`""` inside is one quote, and may hold delimiters and
/// line breaks); a quote elsewhere is literal; an unterminated quote runs to the end.
fn read_csv(bytes: &[u8], builder: &mut Builder<'_>) -> Result<(), FileError> {
    let text = text::decode(bytes)?;
    let delimiter = char::from(super::columns::sniff_delimiter(&text));
    let mut row: u32 = 1;
    let mut col: usize = 0;
    let mut field = String::new();
    let mut at_field_start = true;
    let mut in_quotes = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if in_quotes {
            if c == '"' {
                if chars.peek() == Some(&'"') {
                    chars.next();
                    field.push('"');
                } else {
                    in_quotes = false;
                }
            } else if col < MAX_COLS {
                field.push(c);
            }
            continue;
        }
        if c == '"' && at_field_start {
            in_quotes = true;
            at_field_start = false;
        } else if c == delimiter {
            builder.put_text(row, col, &field)?;
            field.clear();
            col = col.saturating_add(1);
            at_field_start = true;
        } else if c == '\r' || c == '\n' {
            if c == '\r' && chars.peek() == Some(&'\n') {
                chars.next();
            }
            builder.put_text(row, col, &field)?;
            field.clear();
            col = 0;
            at_field_start = true;
            row = row.saturating_add(1);
        } else {
            if col < MAX_COLS {
                field.push(c);
            }
            at_field_start = false;
        }
    }
    builder.put_text(row, col, &field)
}
