//! Unit rows: `Mã đơn vị`, `Tên đơn vị`, `Khối`, `Số người`.

use std::collections::HashMap;

use super::super::{FileError, Parsed, ParsedUnit, MAX_ROWS};
use super::columns::{find_layout, Spec};
use super::grid::Grid;
use super::questions::{RowReader, Value};
use super::text::{format_count, parse_whole, quote};
use super::{MAX_HEADCOUNT, MAX_UNIT_CODE_CHARS, MAX_UNIT_NAME_CHARS, UNIT_HEADINGS};

/// A column of the units list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Col {
    Code,
    Name,
    Block,
    Headcount,
}

impl Col {
    /// The heading as in the template, used as `field` in errors.
    pub(crate) fn heading(self) -> &'static str {
        match self {
            Col::Code => "Mã đơn vị",
            Col::Name => "Tên đơn vị",
            Col::Block => "Khối",
            Col::Headcount => "Số người",
        }
    }
}

/// The column a folded heading names.
pub(crate) fn classify(folded: &str) -> Option<Col> {
    match folded {
        "ma don vi" | "ma dv" => Some(Col::Code),
        "ten don vi" | "ten dv" => Some(Col::Name),
        "khoi" => Some(Col::Block),
        "so nguoi" => Some(Col::Headcount),
        _ => None,
    }
}

const REQUIRED: [Col; 3] = [Col::Code, Col::Name, Col::Block];

const SPEC: Spec<Col> = Spec {
    classify,
    heading: Col::heading,
    required: &REQUIRED,
    template: &UNIT_HEADINGS,
};

/// Reads the unit rows of a grid.
pub(crate) fn parse(grid: &Grid) -> Result<Parsed<ParsedUnit>, FileError> {
    let layout = find_layout(grid, &SPEC)?;
    let data = grid
        .rows
        .get(layout.heading_index + 1..)
        .unwrap_or_default();
    if data.len() > MAX_ROWS {
        return Err(FileError::TooLarge(format!(
            "Tệp có {} dòng đơn vị, nhiều hơn giới hạn {}: hãy chia thành nhiều tệp.",
            format_count(data.len()),
            format_count(MAX_ROWS)
        )));
    }
    let mut parsed = Parsed {
        items: Vec::new(),
        errors: Vec::new(),
    };
    // Lowercased code → the row it first appeared on.
    let mut seen: HashMap<String, u32> = HashMap::new();
    for row in data {
        let mut reader = RowReader {
            row,
            layout: &layout,
            errors: Vec::new(),
        };
        if reader.blank_except(|_| false) {
            continue;
        }
        let unit = unit(&mut reader, &mut seen);
        match unit {
            Some(u) if reader.errors.is_empty() => parsed.items.push(u),
            _ => {
                if reader.errors.is_empty() {
                    // Not expected: every rejection records its reason. Never drop silently.
                    reader.error(Col::Code.heading(), "invalid_row", "dòng không hợp lệ.");
                }
                parsed.errors.append(&mut reader.errors);
            }
        }
    }
    Ok(parsed)
}

fn required(reader: &mut RowReader<'_, Col>, col: Col, max: usize) -> Option<String> {
    match reader.value(col, col.heading(), max) {
        Value::Text(t) => Some(t),
        Value::Bad => None,
        Value::Missing => {
            reader.error(col.heading(), "required", "không được để trống.");
            None
        }
    }
}

fn unit(reader: &mut RowReader<'_, Col>, seen: &mut HashMap<String, u32>) -> Option<ParsedUnit> {
    let code = required(reader, Col::Code, MAX_UNIT_CODE_CHARS).and_then(|code| {
        let heading = Col::Code.heading();
        // A code starts with a letter or digit, so that no exported cell of it can read as a
        // formula (the canonical results export cannot neutralise cells).
        let valid = code
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphanumeric())
            && code
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
        if !valid {
            let body = format!(
                "{} không hợp lệ; mã đơn vị bắt đầu bằng chữ cái hoặc chữ số và chỉ gồm chữ cái \
                 không dấu, chữ số và các dấu \"-\", \"_\", \".\" (không có khoảng trắng).",
                quote(&code)
            );
            reader.error(heading, "invalid_code", &body);
            return None;
        }
        let number = reader.row.number;
        match seen.get(&code.to_ascii_lowercase()) {
            Some(first) => {
                let body = format!("mã {} đã có ở dòng {first}.", quote(&code));
                reader.error(heading, "duplicate_code", &body);
                None
            }
            None => {
                seen.insert(code.to_ascii_lowercase(), number);
                Some(code)
            }
        }
    });
    let name = required(reader, Col::Name, MAX_UNIT_NAME_CHARS);
    let block = required(reader, Col::Block, MAX_UNIT_NAME_CHARS);
    let headcount = match reader.value(
        Col::Headcount,
        Col::Headcount.heading(),
        MAX_UNIT_NAME_CHARS,
    ) {
        Value::Missing => Some(None),
        Value::Bad => None,
        Value::Text(t) => {
            let n = parse_whole(&t)
                .and_then(|n| i32::try_from(n).ok())
                .filter(|n| (1..=MAX_HEADCOUNT).contains(n));
            if n.is_none() {
                let body = format!(
                    "{} không hợp lệ; số người là số nguyên từ 1 đến {} hoặc để trống.",
                    quote(&t),
                    format_count(MAX_HEADCOUNT as usize)
                );
                reader.error(Col::Headcount.heading(), "invalid_headcount", &body);
                None
            } else {
                Some(n)
            }
        }
    };
    Some(ParsedUnit {
        row: reader.row.number,
        code: code?,
        name: name?,
        block: block?,
        headcount: headcount?,
    })
}
