//! Finding the heading row and which column holds which field.

use cuocthi_domain::identity::fold_for_search;

use super::super::FileError;
use super::grid::{Cell, Grid, HEADING_WINDOW};
use super::text::column_letters;
use super::{questions, units};

/// Where the heading is and which 0-based column holds which field.
#[derive(Debug, Clone)]
pub(crate) struct Layout<F> {
    /// Index of the heading row in `Grid::rows`; data rows follow it.
    pub heading_index: usize,
    /// Fields found, with their columns, in column order.
    pub columns: Vec<(usize, F)>,
}

impl<F: Copy + PartialEq> Layout<F> {
    /// The column of a field, if the sheet has it.
    pub fn column(&self, field: F) -> Option<usize> {
        self.columns
            .iter()
            .find(|(_, f)| *f == field)
            .map(|(col, _)| *col)
    }
}

/// Longest cell, in bytes, that can be a heading; longer cells are not folded (a hostile file
/// can put megabytes into the first rows, each examined as a possible heading).
const MAX_HEADING_BYTES: usize = 200;

/// A heading folded for matching: lowercase, no diacritics (`đ` → `d`), spaces collapsed,
/// without a trailing `(…)` note, `*` or `:`. Empty for a cell over [`MAX_HEADING_BYTES`].
pub(crate) fn fold_heading(raw: &str) -> String {
    if raw.len() > MAX_HEADING_BYTES {
        return String::new();
    }
    let folded = fold_for_search(raw);
    let mut s = folded.as_str().trim();
    if s.ends_with(')') {
        if let Some(open) = s.rfind('(') {
            s = s.get(..open).unwrap_or(s);
        }
    }
    s.trim_matches(|c: char| c == '*' || c == ':' || c.is_whitespace())
        .to_owned()
}

/// How a field is described to [`find_layout`].
pub(crate) struct Spec<F: 'static> {
    /// The field a folded heading names, if any.
    pub classify: fn(&str) -> Option<F>,
    /// The template heading of a field.
    pub heading: fn(F) -> &'static str,
    /// Fields without which the sheet cannot be read.
    pub required: &'static [F],
    /// The template's headings, for messages.
    pub template: &'static [&'static str],
}

/// Finds the heading: the first of the first [`HEADING_WINDOW`] non-empty rows holding every
/// required heading. Unreadable when none does (naming what is missing from the likeliest
/// row) or when a known heading appears twice in it.
pub(crate) fn find_layout<F: Copy + PartialEq>(
    grid: &Grid,
    spec: &Spec<F>,
) -> Result<Layout<F>, FileError> {
    let template = spec
        .template
        .iter()
        .map(|h| format!("\"{h}\""))
        .collect::<Vec<_>>()
        .join(", ");
    // (row number, missing headings, found count) of the row closest to a heading.
    let mut best: Option<(u32, Vec<&'static str>, usize)> = None;
    for (index, row) in grid.rows.iter().take(HEADING_WINDOW).enumerate() {
        let mut columns: Vec<(usize, F)> = Vec::new();
        for (col, cell) in row.cells.iter().enumerate() {
            if let Cell::Text { text, .. } = cell {
                if let Some(field) = (spec.classify)(&fold_heading(text)) {
                    columns.push((col, field));
                }
            }
        }
        let missing: Vec<&'static str> = spec
            .required
            .iter()
            .filter(|f| !columns.iter().any(|(_, g)| g == *f))
            .map(|f| (spec.heading)(*f))
            .collect();
        if missing.is_empty() {
            for (i, (col, field)) in columns.iter().enumerate() {
                let again = columns.iter().skip(i + 1).find(|(_, other)| other == field);
                if let Some((other_col, _)) = again {
                    return Err(FileError::Unreadable(format!(
                        "Dòng tiêu đề (dòng {}) có cột \"{}\" hai lần (cột {} và cột {}): hãy \
                         giữ một cột.",
                        row.number,
                        (spec.heading)(*field),
                        column_letters(*col),
                        column_letters(*other_col)
                    )));
                }
            }
            return Ok(Layout {
                heading_index: index,
                columns,
            });
        }
        let found = columns.len();
        if best.as_ref().is_none_or(|(_, _, n)| found > *n) {
            best = Some((row.number, missing, found));
        }
    }
    match best {
        None => Err(FileError::Unreadable(format!(
            "Tệp không có dữ liệu: không thấy dòng tiêu đề. Dòng đầu tiên phải là tiêu đề các \
             cột theo mẫu: {template}."
        ))),
        Some((number, missing, _)) => {
            let missing = missing
                .iter()
                .map(|h| format!("\"{h}\""))
                .collect::<Vec<_>>()
                .join(", ");
            Err(FileError::Unreadable(format!(
                "Không thấy dòng tiêu đề theo mẫu: thiếu cột {missing} (đã xem dòng {number}). \
                 Dòng đầu tiên phải là tiêu đề các cột theo mẫu: {template}; viết hoa hay \
                 thường, có dấu hay không dấu đều được."
            )))
        }
    }
}

/// The CSV delimiter: whichever of `,`, `;` and tab splits one of the first non-empty lines
/// (the heading may sit below a title line) into the most known headings (questions or
/// units), then whichever occurs most in the first line; `,` by default.
pub(crate) fn sniff_delimiter(text: &str) -> u8 {
    let mut lines = text
        .lines()
        .filter(|l| !l.trim().is_empty())
        .take(HEADING_WINDOW);
    let first = lines.next().unwrap_or("");
    let mut best = (b',', 0usize, 0usize);
    for delimiter in [b',', b';', b'\t'] {
        let ch = char::from(delimiter);
        let occurrences = first.matches(ch).count();
        let known = std::iter::once(first)
            .chain(lines.clone())
            .map(|line| known_headings(line, ch))
            .max()
            .unwrap_or(0);
        if (known, occurrences) > (best.1, best.2) {
            best = (delimiter, known, occurrences);
        }
    }
    best.0
}

/// How many cells of `line`, split at `delimiter`, are known headings.
pub(crate) fn known_headings(line: &str, delimiter: char) -> usize {
    line.split(delimiter)
        .map(|cell| fold_heading(cell.trim().trim_matches('"')))
        .filter(|h| questions::classify(h).is_some() || units::classify(h).is_some())
        .count()
}
