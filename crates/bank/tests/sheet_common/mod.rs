//! Helpers shared by the `sheet_*` tests: building workbooks in memory and summarising reports.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use cuocthi_bank::import::{Parsed, RowError};
use rust_xlsxwriter::{Formula, Workbook, Worksheet};

/// One cell to write.
#[derive(Debug, Clone)]
pub enum C {
    /// Nothing.
    E,
    /// A string cell.
    S(&'static str),
    /// An owned string cell.
    O(String),
    /// A number cell.
    N(f64),
    /// A formula with its cached result.
    F(&'static str, &'static str),
}

/// Writes rows (from row 1 of the sheet) into a one-sheet workbook.
pub fn xlsx(rows: &[Vec<C>]) -> Vec<u8> {
    xlsx_with(|sheet| write_rows(sheet, 0, rows))
}

/// Writes rows starting at a 0-based row.
pub fn write_rows(sheet: &mut Worksheet, first: u32, rows: &[Vec<C>]) {
    for (r, row) in (first..).zip(rows) {
        for (c, cell) in (0u16..).zip(row) {
            match cell {
                C::E => {}
                C::S(s) => {
                    sheet.write_string(r, c, *s).unwrap();
                }
                C::O(s) => {
                    sheet.write_string(r, c, s).unwrap();
                }
                C::N(n) => {
                    sheet.write_number(r, c, *n).unwrap();
                }
                C::F(f, result) => {
                    sheet
                        .write_formula(r, c, Formula::new(*f).set_result(*result))
                        .unwrap();
                }
            }
        }
    }
}

/// A one-sheet workbook written by `f`.
pub fn xlsx_with(f: impl FnOnce(&mut Worksheet)) -> Vec<u8> {
    let mut workbook = Workbook::new();
    f(workbook.add_worksheet());
    workbook.save_to_buffer().unwrap()
}

/// Strings as cells.
pub fn s(cells: &[&'static str]) -> Vec<C> {
    cells.iter().map(|c| C::S(c)).collect()
}

/// `(row, field, code)` of every error.
pub fn codes<T>(parsed: &Parsed<T>) -> Vec<(u32, String, String)> {
    parsed
        .errors
        .iter()
        .map(|e: &RowError| (e.row, e.field.clone(), e.error.clone()))
        .collect()
}

/// Expected `(row, field, code)` triples.
pub fn expect(items: &[(u32, &str, &str)]) -> Vec<(u32, String, String)> {
    items
        .iter()
        .map(|(r, f, c)| (*r, (*f).to_owned(), (*c).to_owned()))
        .collect()
}

/// The template's headings as plain cells.
pub fn template_headings() -> Vec<C> {
    s(&[
        "STT",
        "Chủ đề",
        "Câu hỏi",
        "Phương án A",
        "Phương án B",
        "Phương án C",
        "Phương án D",
        "Phương án E",
        "Phương án F",
        "Đáp án",
        "Điểm",
        "Giải thích",
        "Mức độ",
    ])
}

/// A small deterministic generator (xorshift) for junk bytes.
pub fn junk(len: usize, mut seed: u64) -> Vec<u8> {
    let mut out = Vec::with_capacity(len);
    while out.len() < len {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        out.extend_from_slice(&seed.to_le_bytes());
    }
    out.truncate(len);
    out
}
