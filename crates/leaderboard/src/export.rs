//! Table exports: `.csv` (UTF-8 with a byte-order mark, so Excel shows Vietnamese right) and
//! `.xlsx` (bold frozen heading, column widths, number and percent formats). No exported cell
//! ever starts a formula: text beginning with `=`, `+`, `-`, `@` (or a tab or carriage return)
//! is prefixed with an apostrophe.

use rust_xlsxwriter::{Format, Workbook};

/// A cell of an exported table.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    /// Text.
    Text(String),
    /// A whole number.
    Int(i64),
    /// A ratio shown as a percentage (0.25 → 25 %).
    Ratio(Option<f64>),
}

/// Makes text safe to open in a spreadsheet: it can never be read as a formula.
pub fn neutralise(text: &str) -> String {
    match text.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{text}"),
        _ => text.to_owned(),
    }
}

fn csv_field(text: &str) -> String {
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_owned()
    }
}

/// The table as CSV: BOM, `\r\n` line ends (as Excel writes), neutralised text.
pub fn to_csv(headings: &[&str], rows: &[Vec<Cell>]) -> Vec<u8> {
    let mut out = String::from("\u{feff}");
    out.push_str(
        &headings
            .iter()
            .map(|h| csv_field(h))
            .collect::<Vec<_>>()
            .join(","),
    );
    out.push_str("\r\n");
    for row in rows {
        let fields: Vec<String> = row
            .iter()
            .map(|cell| match cell {
                Cell::Text(t) => csv_field(&neutralise(t)),
                Cell::Int(n) => n.to_string(),
                Cell::Ratio(Some(r)) => format!("{r}"),
                Cell::Ratio(None) => String::new(),
            })
            .collect();
        out.push_str(&fields.join(","));
        out.push_str("\r\n");
    }
    out.into_bytes()
}

/// The table as an `.xlsx` workbook with one sheet.
pub fn to_xlsx(
    sheet: &str,
    headings: &[&str],
    rows: &[Vec<Cell>],
) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    let mut workbook = Workbook::new();
    let worksheet = workbook.add_worksheet();
    worksheet.set_name(sheet)?;
    let bold = Format::new().set_bold();
    let percent = Format::new().set_num_format("0.00%");
    for (col, heading) in headings.iter().enumerate() {
        worksheet.write_string_with_format(0, col as u16, *heading, &bold)?;
        let width = rows
            .iter()
            .map(|r| match r.get(col) {
                Some(Cell::Text(t)) => t.chars().count(),
                _ => 8,
            })
            .max()
            .unwrap_or(8)
            .max(heading.chars().count())
            .min(60);
        worksheet.set_column_width(col as u16, width as f64 + 2.0)?;
    }
    worksheet.set_freeze_panes(1, 0)?;
    for (r, row) in rows.iter().enumerate() {
        let line = r as u32 + 1;
        for (c, cell) in row.iter().enumerate() {
            let col = c as u16;
            match cell {
                // Written as a string cell, never as a formula, whatever it starts with.
                Cell::Text(t) => worksheet.write_string(line, col, t)?,
                Cell::Int(n) => worksheet.write_number(line, col, *n as f64)?,
                Cell::Ratio(Some(ratio)) => {
                    worksheet.write_number_with_format(line, col, *ratio, &percent)?
                }
                Cell::Ratio(None) => continue,
            };
        }
    }
    workbook.save_to_buffer()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_never_reach_a_spreadsheet() {
        assert_eq!(neutralise("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(neutralise("+1"), "'+1");
        assert_eq!(neutralise("@SUM"), "'@SUM");
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
    fn workbooks_are_written() {
        let bytes = to_xlsx(
            "Đơn vị",
            &["Mã", "Tỷ lệ"],
            &[vec![Cell::Text("=X".into()), Cell::Ratio(Some(0.25))]],
        )
        .unwrap();
        assert!(bytes.starts_with(b"PK"));
    }
}
