//! Table exports: `.csv` (UTF-8 with a byte-order mark, so Excel shows Vietnamese right) and
//! `.xlsx` (bold frozen heading, column widths, `#,##0` counts and `0.0%` rates, one sheet per
//! table). No exported cell ever starts a formula: in `.csv`, text beginning with `=`, `+`,
//! `-`, `@` (or a tab or carriage return) is prefixed with an apostrophe; in `.xlsx` every
//! text is written as a string cell (never a formula), and such text also gets Excel's quote
//! prefix, so that editing the cell keeps it text while its value stays the same.
//!
//! Large tables (a million participants) are written row by row: [`csv_heading`] and
//! [`csv_row`] give the lines of a streamed `.csv`, and [`XlsxRows`] writes a workbook in
//! rust_xlsxwriter's constant-memory mode (rows go to a temporary file as they come; a table
//! longer than a sheet's 1,048,576 rows continues on further sheets).

use rust_xlsxwriter::{Format, Workbook, Worksheet, XlsxError};

/// A cell of an exported table (the first kinds; [`Field`] has them all).
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    /// Text.
    Text(String),
    /// A whole number.
    Int(i64),
    /// A ratio shown as a percentage (0.25 → 25.0 %).
    Ratio(Option<f64>),
}

/// A cell of an exported table, of any kind the exports write.
#[derive(Debug, Clone, PartialEq)]
pub enum Field {
    /// Text.
    Text(String),
    /// A whole number shown as it is (a year, a score, a code).
    Int(i64),
    /// A ratio shown as a percentage (0.25 → 25.0 %); empty when `None`.
    Ratio(Option<f64>),
    /// A count, shown with a thousands separator (`#,##0`).
    Count(i64),
    /// A decimal number shown with two decimals (`#,##0.00`); empty when `None`.
    Decimal(Option<f64>),
    /// An empty cell.
    Empty,
}

impl From<Cell> for Field {
    fn from(cell: Cell) -> Self {
        match cell {
            Cell::Text(t) => Field::Text(t),
            Cell::Int(n) => Field::Int(n),
            Cell::Ratio(r) => Field::Ratio(r),
        }
    }
}

fn fields(rows: &[Vec<Cell>]) -> Vec<Vec<Field>> {
    rows.iter()
        .map(|row| row.iter().cloned().map(Field::from).collect())
        .collect()
}

/// The `.xlsx` number format of counts.
pub const COUNT_FORMAT: &str = "#,##0";
/// The `.xlsx` number format of rates.
pub const PERCENT_FORMAT: &str = "0.0%";
/// The `.xlsx` number format of decimals (mean scores).
pub const DECIMAL_FORMAT: &str = "#,##0.00";

/// Rows of one sheet: Excel's limit less the heading row.
const ROWS_PER_SHEET: u32 = 1_048_575;

/// Makes text safe to open in a spreadsheet: it can never be read as a formula.
pub fn neutralise(text: &str) -> String {
    if starts_a_formula(text) {
        format!("'{text}")
    } else {
        text.to_owned()
    }
}

/// Whether a spreadsheet could read this text as a formula.
fn starts_a_formula(text: &str) -> bool {
    matches!(
        text.chars().next(),
        Some('=' | '+' | '-' | '@' | '\t' | '\r')
    )
}

fn csv_field(text: &str) -> String {
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_owned()
    }
}

/// The first line of a `.csv`: the byte-order mark and the headings, ending in `\r\n`.
pub fn csv_heading<S: AsRef<str>>(headings: &[S]) -> String {
    let mut out = String::from("\u{feff}");
    out.push_str(
        &headings
            .iter()
            .map(|h| csv_field(&neutralise(h.as_ref())))
            .collect::<Vec<_>>()
            .join(","),
    );
    out.push_str("\r\n");
    out
}

/// One row of a `.csv`, neutralised and quoted as needed, ending in `\r\n`. Numbers are written
/// in full (rates unrounded, as the JSON has them).
pub fn csv_row(row: &[Field]) -> String {
    let fields: Vec<String> = row
        .iter()
        .map(|cell| match cell {
            Field::Text(t) => csv_field(&neutralise(t)),
            Field::Int(n) | Field::Count(n) => n.to_string(),
            Field::Ratio(Some(r)) | Field::Decimal(Some(r)) => format!("{r}"),
            Field::Ratio(None) | Field::Decimal(None) | Field::Empty => String::new(),
        })
        .collect();
    let mut line = fields.join(",");
    line.push_str("\r\n");
    line
}

/// The table as CSV: BOM, `\r\n` line ends (as Excel writes), neutralised text.
pub fn to_csv(headings: &[&str], rows: &[Vec<Cell>]) -> Vec<u8> {
    fields_to_csv(headings, &fields(rows))
}

/// A table of [`Field`]s as CSV: BOM, `\r\n` line ends, neutralised text.
pub fn fields_to_csv<S: AsRef<str>>(headings: &[S], rows: &[Vec<Field>]) -> Vec<u8> {
    let mut out = csv_heading(headings);
    for row in rows {
        out.push_str(&csv_row(row));
    }
    out.into_bytes()
}

/// One sheet of a workbook: its name (at most 31 characters, no `[]:*?/\`), headings and rows.
#[derive(Debug, Clone, PartialEq)]
pub struct Sheet {
    /// The sheet's name.
    pub name: String,
    /// The heading row.
    pub headings: Vec<String>,
    /// The rows under it.
    pub rows: Vec<Vec<Field>>,
}

/// The formats every sheet uses.
struct Formats {
    bold: Format,
    count: Format,
    decimal: Format,
    percent: Format,
    quoted: Format,
}

impl Formats {
    fn new() -> Self {
        Self {
            bold: Format::new().set_bold(),
            count: Format::new().set_num_format(COUNT_FORMAT),
            decimal: Format::new().set_num_format(DECIMAL_FORMAT),
            percent: Format::new().set_num_format(PERCENT_FORMAT),
            quoted: Format::new().set_quote_prefix(),
        }
    }
}

fn write_cell(
    worksheet: &mut Worksheet,
    formats: &Formats,
    line: u32,
    col: u16,
    cell: &Field,
) -> Result<(), XlsxError> {
    match cell {
        // Written as a string cell, never as a formula, whatever it starts with; text that a
        // spreadsheet could take for a formula also gets the quote prefix.
        Field::Text(t) if starts_a_formula(t) => {
            worksheet.write_string_with_format(line, col, t, &formats.quoted)?;
        }
        Field::Text(t) if t.is_empty() => {}
        Field::Text(t) => {
            worksheet.write_string(line, col, t)?;
        }
        Field::Int(n) => {
            worksheet.write_number(line, col, *n as f64)?;
        }
        Field::Count(n) => {
            worksheet.write_number_with_format(line, col, *n as f64, &formats.count)?;
        }
        Field::Decimal(Some(x)) => {
            worksheet.write_number_with_format(line, col, *x, &formats.decimal)?;
        }
        Field::Ratio(Some(ratio)) => {
            worksheet.write_number_with_format(line, col, *ratio, &formats.percent)?;
        }
        Field::Ratio(None) | Field::Decimal(None) | Field::Empty => {}
    }
    Ok(())
}

/// How wide a cell's text is, in characters.
fn cell_width(cell: &Field) -> usize {
    match cell {
        Field::Text(t) => t.chars().count(),
        Field::Int(n) => n.to_string().len(),
        Field::Count(n) => {
            let digits = n.unsigned_abs().to_string().len();
            digits + (digits.saturating_sub(1)) / 3 + usize::from(*n < 0)
        }
        Field::Decimal(Some(x)) => format!("{x:.2}").len() + 2,
        Field::Ratio(_) | Field::Decimal(None) | Field::Empty => 7,
    }
}

fn write_headings<S: AsRef<str>>(
    worksheet: &mut Worksheet,
    formats: &Formats,
    headings: &[S],
) -> Result<(), XlsxError> {
    for (col, heading) in headings.iter().enumerate() {
        worksheet.write_string_with_format(0, col as u16, heading.as_ref(), &formats.bold)?;
    }
    worksheet.set_freeze_panes(1, 0)?;
    Ok(())
}

fn write_sheet<S: AsRef<str>>(
    worksheet: &mut Worksheet,
    formats: &Formats,
    name: &str,
    headings: &[S],
    rows: &[Vec<Field>],
) -> Result<(), XlsxError> {
    worksheet.set_name(name)?;
    write_headings(worksheet, formats, headings)?;
    let columns = rows
        .iter()
        .map(Vec::len)
        .max()
        .unwrap_or(0)
        .max(headings.len());
    for col in 0..columns {
        let heading = headings
            .get(col)
            .map_or(0, |h| h.as_ref().chars().count().min(30));
        let width = rows
            .iter()
            .filter_map(|r| r.get(col))
            .map(cell_width)
            .max()
            .unwrap_or(8)
            .max(heading)
            .clamp(6, 60);
        worksheet.set_column_width(col as u16, width as f64 + 2.0)?;
    }
    for (r, row) in rows.iter().enumerate() {
        let line = r as u32 + 1;
        for (c, cell) in row.iter().enumerate() {
            write_cell(worksheet, formats, line, c as u16, cell)?;
        }
    }
    Ok(())
}

/// The table as an `.xlsx` workbook with one sheet.
pub fn to_xlsx(
    sheet: &str,
    headings: &[&str],
    rows: &[Vec<Cell>],
) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    let mut workbook = Workbook::new();
    let formats = Formats::new();
    write_sheet(
        workbook.add_worksheet(),
        &formats,
        sheet,
        headings,
        &fields(rows),
    )?;
    workbook.save_to_buffer()
}

/// Several tables as one `.xlsx` workbook, one sheet each, in order; the first is active.
pub fn to_xlsx_book(sheets: &[Sheet]) -> Result<Vec<u8>, XlsxError> {
    let mut workbook = Workbook::new();
    let formats = Formats::new();
    for sheet in sheets {
        write_sheet(
            workbook.add_worksheet(),
            &formats,
            &sheet.name,
            &sheet.headings,
            &sheet.rows,
        )?;
    }
    workbook.save_to_buffer()
}

/// A one-table workbook written row by row in constant memory (rows go to a temporary file),
/// for tables of up to millions of rows: bold frozen heading, the given column widths, and
/// further sheets named "`name` (2)", "`name` (3)", ... when a sheet is full.
pub struct XlsxRows {
    workbook: Workbook,
    formats: Formats,
    name: String,
    headings: Vec<String>,
    widths: Vec<f64>,
    sheet: usize,
    next_row: u32,
}

impl XlsxRows {
    /// Starts the workbook with its first sheet and heading row. `widths` are column widths in
    /// characters (missing ones keep Excel's default).
    pub fn new(name: &str, headings: &[&str], widths: &[f64]) -> Result<Self, XlsxError> {
        let mut rows = Self {
            workbook: Workbook::new(),
            formats: Formats::new(),
            name: name.to_owned(),
            headings: headings.iter().map(|h| (*h).to_owned()).collect(),
            widths: widths.to_vec(),
            sheet: 0,
            next_row: 1,
        };
        rows.add_sheet(name.to_owned())?;
        Ok(rows)
    }

    fn add_sheet(&mut self, name: String) -> Result<(), XlsxError> {
        let worksheet = self.workbook.add_worksheet_with_constant_memory()?;
        worksheet.set_name(name)?;
        for (col, width) in self.widths.iter().enumerate() {
            worksheet.set_column_width(col as u16, *width)?;
        }
        write_headings(worksheet, &self.formats, &self.headings)?;
        self.sheet = self.workbook.worksheets().len().saturating_sub(1);
        self.next_row = 1;
        Ok(())
    }

    /// Appends one row.
    pub fn push(&mut self, row: &[Field]) -> Result<(), XlsxError> {
        if self.next_row > ROWS_PER_SHEET {
            let number = self.workbook.worksheets().len() + 1;
            // Sheet names are at most 31 characters.
            let base: String = self.name.chars().take(24).collect();
            self.add_sheet(format!("{base} ({number})"))?;
        }
        let line = self.next_row;
        let worksheet = self.workbook.worksheet_from_index(self.sheet)?;
        for (c, cell) in row.iter().enumerate() {
            write_cell(worksheet, &self.formats, line, c as u16, cell)?;
        }
        self.next_row += 1;
        Ok(())
    }

    /// The finished workbook.
    pub fn finish(mut self) -> Result<Vec<u8>, XlsxError> {
        self.workbook.save_to_buffer()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_never_reach_a_spreadsheet() {
        assert_eq!(neutralise("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(neutralise("+1"), "'+1");
        assert_eq!(neutralise("@SUM"), "'@SUM");
        assert_eq!(neutralise("-2"), "'-2");
        assert_eq!(neutralise("\tx"), "'\tx");
        assert_eq!(neutralise("Phường Bắc Hồng"), "Phường Bắc Hồng");
        let csv = String::from_utf8(to_csv(
            &["a", "b"],
            &[vec![
                Cell::Text("=1+1".into()),
                Cell::Text("x,\"y\"".into()),
            ]],
        ))
        .unwrap();
        assert_eq!(csv, "\u{feff}a,b\r\n'=1+1,\"x,\"\"y\"\"\"\r\n");
    }

    #[test]
    fn csv_rows_write_every_kind_of_cell() {
        let line = csv_row(&[
            Field::Int(1985),
            Field::Count(14_426),
            Field::Ratio(Some(0.125)),
            Field::Ratio(None),
            Field::Decimal(Some(2.5)),
            Field::Decimal(None),
            Field::Empty,
            Field::Text("@x".into()),
        ]);
        assert_eq!(line, "1985,14426,0.125,,2.5,,,'@x\r\n");
    }

    #[test]
    fn counts_are_as_wide_as_their_separators() {
        assert_eq!(cell_width(&Field::Count(1_000_000)), 9);
        assert_eq!(cell_width(&Field::Count(999)), 3);
        assert_eq!(cell_width(&Field::Count(-1_000)), 6);
    }

    #[test]
    fn workbooks_are_written() {
        let bytes = to_xlsx(
            "Đơn vị",
            &["Mã", "Tỷ lệ"],
            &[vec![Cell::Text("=X".into()), Cell::Ratio(Some(0.25))]],
        )
        .unwrap();
        assert!(bytes.starts_with(b"PK"));
        let book = to_xlsx_book(&[
            Sheet {
                name: "Tổng hợp".into(),
                headings: vec!["Chỉ tiêu".into(), "Giá trị".into()],
                rows: vec![vec![
                    Field::Text("Số lượt thi".into()),
                    Field::Count(31_518),
                ]],
            },
            Sheet {
                name: "Đơn vị".into(),
                headings: vec!["Mã".into()],
                rows: vec![],
            },
        ])
        .unwrap();
        assert!(book.starts_with(b"PK"));
    }

    #[test]
    fn row_by_row_workbooks_are_written() {
        let mut rows =
            XlsxRows::new("Người dự thi", &["Họ và tên", "Năm sinh"], &[30.0, 8.0]).unwrap();
        rows.push(&[Field::Text("=HYPERLINK(\"x\")".into()), Field::Int(1985)])
            .unwrap();
        assert!(rows.finish().unwrap().starts_with(b"PK"));
    }
}
