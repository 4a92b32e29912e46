//! Writing `.xlsx`: the empty question template with its instructions, question exports in the
//! same layout, and unit exports.

use rust_xlsxwriter::{
    Color, Format as XFormat, FormatAlign, FormatBorder, Workbook, Worksheet, XlsxError,
};

use super::super::{
    FileError, ParsedUnit, DEFAULT_MAX_FILE_BYTES, MAX_CELL_CHARS, MAX_OPTIONS, MAX_ROWS,
    MIN_OPTIONS,
};
use super::text::{format_count, format_mb};
use super::{
    SheetQuestion, INSTRUCTIONS_SHEET, MAX_POINTS, QUESTIONS_SHEET, QUESTION_HEADINGS, UNITS_SHEET,
    UNIT_HEADINGS,
};

/// Column widths of the questions sheet, in template order.
const QUESTION_WIDTHS: [f64; 13] = [
    6.0, 18.0, 50.0, 25.0, 25.0, 25.0, 25.0, 25.0, 25.0, 10.0, 8.0, 40.0, 12.0,
];
/// Columns of the questions sheet holding text (formatted `@`, so Excel keeps what is typed).
const QUESTION_TEXT_COLUMNS: [bool; 13] = [
    false, true, true, true, true, true, true, true, true, true, false, true, true,
];
const UNIT_WIDTHS: [f64; 4] = [16.0, 40.0, 20.0, 10.0];
const UNIT_TEXT_COLUMNS: [bool; 4] = [true, true, true, false];

const KEY_COLUMN: u16 = 9;
const POINTS_COLUMN: u16 = 10;

fn writer_error(e: XlsxError) -> FileError {
    match e {
        XlsxError::RowColumnLimitError | XlsxError::MaxStringLengthExceeded => {
            FileError::TooLarge(format!("Dữ liệu vượt quá giới hạn của Excel: {e}."))
        }
        other => FileError::Unreadable(format!("Không tạo được tệp Excel: {other}.")),
    }
}

/// Formats shared by the sheets.
struct Formats {
    heading: XFormat,
    text: XFormat,
    /// Text that Excel would otherwise take for a formula when the cell is edited.
    quoted: XFormat,
}

impl Formats {
    fn new() -> Self {
        let text = XFormat::new().set_num_format("@");
        Self {
            heading: XFormat::new()
                .set_bold()
                .set_background_color(Color::RGB(0x00DD_EBF7))
                .set_border(FormatBorder::Thin)
                .set_align(FormatAlign::VerticalCenter)
                .set_num_format("@"),
            quoted: text.clone().set_quote_prefix(),
            text,
        }
    }
}

/// Writes the heading row, widths, text formats and frozen heading of a data sheet.
fn data_sheet(
    sheet: &mut Worksheet,
    name: &str,
    headings: &[&str],
    widths: &[f64],
    text_columns: &[bool],
    formats: &Formats,
) -> Result<(), XlsxError> {
    sheet.set_name(name)?;
    for (col, heading) in (0u16..).zip(headings) {
        sheet.write_string_with_format(0, col, *heading, &formats.heading)?;
    }
    for (col, width) in (0u16..).zip(widths) {
        sheet.set_column_width(col, *width)?;
    }
    for (col, is_text) in (0u16..).zip(text_columns) {
        if *is_text {
            sheet.set_column_format(col, &formats.text)?;
        }
    }
    sheet.set_freeze_panes(1, 0)?;
    Ok(())
}

/// Writes text as a text cell (never a formula); nothing for empty text.
fn write_text(
    sheet: &mut Worksheet,
    row: u32,
    col: u16,
    text: &str,
    formats: &Formats,
) -> Result<(), XlsxError> {
    if text.is_empty() {
        return Ok(());
    }
    let format = if text.starts_with(['=', '+', '-', '@']) {
        &formats.quoted
    } else {
        &formats.text
    };
    sheet.write_string_with_format(row, col, text, format)?;
    Ok(())
}

pub(crate) fn template() -> Result<Vec<u8>, FileError> {
    build_template().map_err(writer_error)
}

fn build_template() -> Result<Vec<u8>, XlsxError> {
    let formats = Formats::new();
    let mut workbook = Workbook::new();
    data_sheet(
        workbook.add_worksheet(),
        QUESTIONS_SHEET,
        &QUESTION_HEADINGS,
        &QUESTION_WIDTHS,
        &QUESTION_TEXT_COLUMNS,
        &formats,
    )?;
    instructions(workbook.add_worksheet(), &formats)?;
    workbook.save_to_buffer()
}

/// The instructions sheet: general rules, then one row per column with what to write and two
/// example questions.
fn instructions(sheet: &mut Worksheet, formats: &Formats) -> Result<(), XlsxError> {
    sheet.set_name(INSTRUCTIONS_SHEET)?;
    let title = XFormat::new().set_bold().set_font_size(14);
    let bold = XFormat::new().set_bold();
    let wrap = XFormat::new()
        .set_text_wrap()
        .set_align(FormatAlign::Top)
        .set_border(FormatBorder::Thin)
        .set_num_format("@");
    let table_heading = formats.heading.clone().set_text_wrap();

    let widths = [16.0, 12.0, 70.0, 40.0, 40.0];
    for (col, width) in (0u16..).zip(widths) {
        sheet.set_column_width(col, width)?;
    }

    let mut row: u32 = 0;
    sheet.write_string_with_format(row, 0, "HƯỚNG DẪN NHẬP CÂU HỎI", &title)?;
    row += 2;

    let max_mb = format_mb(DEFAULT_MAX_FILE_BYTES);
    let max_rows = format_count(MAX_ROWS);
    let max_chars = format_count(MAX_CELL_CHARS);
    let rules = [
        format!(
            "1. Nhập câu hỏi vào trang tính đầu tiên (\"{QUESTIONS_SHEET}\"): mỗi câu hỏi một \
             dòng, bắt đầu từ dòng 2. Dòng 1 là tiêu đề các cột: giữ nguyên."
        ),
        format!(
            "2. Chỉ trang tính đầu tiên được đọc; trang \"{INSTRUCTIONS_SHEET}\" này bị bỏ qua \
             khi nhập."
        ),
        "3. Tiêu đề cột viết hoa hay thường, có dấu hay không dấu đều được (\"PHƯƠNG ÁN A\", \
         \"phuong an a\"); thứ tự các cột không quan trọng; cột không có trong mẫu bị bỏ qua."
            .to_owned(),
        format!(
            "4. Mỗi câu hỏi có từ {MIN_OPTIONS} đến {MAX_OPTIONS} phương án, điền liền nhau bắt \
             đầu từ \"Phương án A\" (không bỏ trống một phương án rồi điền phương án sau)."
        ),
        "5. Đáp án ghi chữ cái của phương án đúng, ví dụ B. Câu có nhiều đáp án đúng: ghi các \
         chữ cái cách nhau bởi dấu phẩy, ví dụ A, C. Chữ hoa hay thường đều được."
            .to_owned(),
        format!(
            "6. Điểm là số nguyên từ 1 đến {MAX_POINTS}; để trống là 1 điểm. Dòng trống được bỏ \
             qua; cột STT chỉ để tiện theo dõi."
        ),
        format!(
            "7. Giới hạn: tệp tối đa {max_mb} và {max_rows} câu hỏi; mỗi ô tối đa {max_chars} \
             ký tự."
        ),
        "8. Ô có công thức được đọc theo kết quả Excel đã lưu trong tệp, không tính lại. Muốn \
         ô bắt đầu bằng dấu =, +, - hoặc @ là chữ, hãy gõ dấu nháy đơn (') ở đầu."
            .to_owned(),
        "9. Có thể lưu dạng .xlsx hoặc .csv (UTF-8, dấu phân cách là dấu phẩy hoặc dấu chấm \
         phẩy). Không đọc được tệp .xls (Excel 97–2003): hãy lưu lại dưới dạng .xlsx."
            .to_owned(),
        "10. Khi nhập, mọi lỗi được báo theo dòng và cột. Nếu còn dòng lỗi thì không câu hỏi \
         nào được nhập: sửa hết lỗi rồi nhập lại."
            .to_owned(),
    ];
    for rule in &rules {
        sheet.write_string(row, 0, rule)?;
        row += 1;
    }
    row += 1;

    sheet.write_string_with_format(row, 0, "CÁC CỘT VÀ VÍ DỤ", &bold)?;
    row += 1;
    let table_headings = [
        "Cột",
        "Bắt buộc",
        "Cách ghi",
        "Ví dụ 1 (một đáp án đúng)",
        "Ví dụ 2 (nhiều đáp án đúng)",
    ];
    for (col, heading) in (0u16..).zip(table_headings) {
        sheet.write_string_with_format(row, col, heading, &table_heading)?;
    }
    row += 1;

    let columns: [(&str, &str, &str, &str); 13] = [
        (
            "Không",
            "Số thứ tự, chỉ để tiện theo dõi; không được đọc.",
            "1",
            "2",
        ),
        (
            "Không",
            "Tên chủ đề, dùng để rút câu hỏi theo chủ đề. Để trống nếu không chia chủ đề.",
            "Lịch sử",
            "Toán",
        ),
        (
            "Có",
            "Nội dung câu hỏi.",
            "Chủ tịch Hồ Chí Minh đọc bản Tuyên ngôn Độc lập khai sinh nước Việt Nam Dân chủ \
             Cộng hòa vào ngày nào?",
            "Những số nào sau đây là số nguyên tố?",
        ),
        ("Có", "Nội dung phương án A.", "19/8/1945", "2"),
        ("Có", "Nội dung phương án B.", "2/9/1945", "4"),
        (
            "Không",
            "Phương án C đến F: điền nếu câu hỏi có thêm phương án.",
            "30/4/1975",
            "7",
        ),
        ("Không", "Như phương án C.", "7/5/1954", "9"),
        ("Không", "Như phương án C.", "", ""),
        ("Không", "Như phương án C.", "", ""),
        (
            "Có",
            "Chữ cái của phương án đúng; nhiều đáp án đúng thì cách nhau bởi dấu phẩy.",
            "B",
            "A, C",
        ),
        (
            "Không",
            "Số nguyên từ 1 đến 100; để trống là 1 điểm.",
            "",
            "2",
        ),
        (
            "Không",
            "Giải thích đáp án, cho thí sinh xem khi được xem đáp án.",
            "Ngày 2/9/1945, tại Quảng trường Ba Đình, Hà Nội.",
            "2 và 7 chỉ chia hết cho 1 và chính nó.",
        ),
        (
            "Không",
            "Mức độ khó, ví dụ Dễ, Trung bình, Khó.",
            "Dễ",
            "Trung bình",
        ),
    ];
    for (heading, (required, how, example1, example2)) in QUESTION_HEADINGS.iter().zip(columns) {
        sheet.write_string_with_format(row, 0, *heading, &wrap)?;
        sheet.write_string_with_format(row, 1, required, &wrap)?;
        sheet.write_string_with_format(row, 2, how, &wrap)?;
        sheet.write_string_with_format(row, 3, example1, &wrap)?;
        sheet.write_string_with_format(row, 4, example2, &wrap)?;
        let lines = [how.chars().count() / 68, example1.chars().count() / 38]
            .into_iter()
            .max()
            .unwrap_or(0)
            + 1;
        if lines > 1 {
            sheet.set_row_height(row, 15.0 * lines as f64)?;
        }
        row += 1;
    }
    Ok(())
}

pub(crate) fn questions(questions: &[SheetQuestion]) -> Result<Vec<u8>, FileError> {
    for (i, q) in questions.iter().enumerate() {
        if q.options.len() > MAX_OPTIONS {
            return Err(FileError::TooLarge(format!(
                "Câu hỏi thứ {} có {} phương án; mẫu chỉ có {MAX_OPTIONS} cột phương án.",
                i + 1,
                q.options.len()
            )));
        }
        if q.key.iter().any(|k| usize::from(*k) >= q.options.len()) {
            return Err(FileError::TooLarge(format!(
                "Câu hỏi thứ {} có đáp án không nằm trong các phương án.",
                i + 1
            )));
        }
    }
    build_questions(questions).map_err(writer_error)
}

fn build_questions(questions: &[SheetQuestion]) -> Result<Vec<u8>, XlsxError> {
    let formats = Formats::new();
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet();
    data_sheet(
        sheet,
        QUESTIONS_SHEET,
        &QUESTION_HEADINGS,
        &QUESTION_WIDTHS,
        &QUESTION_TEXT_COLUMNS,
        &formats,
    )?;
    let letters = ['A', 'B', 'C', 'D', 'E', 'F'];
    for (row, (number, q)) in (1u32..).zip((1u32..).zip(questions)) {
        sheet.write_number(row, 0, number)?;
        write_text(sheet, row, 1, &q.topic, &formats)?;
        write_text(sheet, row, 2, &q.text, &formats)?;
        for (col, option) in (3u16..).zip(&q.options) {
            write_text(sheet, row, col, option, &formats)?;
        }
        let key = q
            .key
            .iter()
            .filter_map(|k| letters.get(usize::from(*k)))
            .map(char::to_string)
            .collect::<Vec<_>>()
            .join(", ");
        write_text(sheet, row, KEY_COLUMN, &key, &formats)?;
        sheet.write_number(row, POINTS_COLUMN, q.points)?;
        write_text(
            sheet,
            row,
            11,
            q.explanation.as_deref().unwrap_or(""),
            &formats,
        )?;
        write_text(
            sheet,
            row,
            12,
            q.difficulty.as_deref().unwrap_or(""),
            &formats,
        )?;
    }
    workbook.save_to_buffer()
}

pub(crate) fn units(units: &[ParsedUnit]) -> Result<Vec<u8>, FileError> {
    build_units(units).map_err(writer_error)
}

fn build_units(units: &[ParsedUnit]) -> Result<Vec<u8>, XlsxError> {
    let formats = Formats::new();
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet();
    data_sheet(
        sheet,
        UNITS_SHEET,
        &UNIT_HEADINGS,
        &UNIT_WIDTHS,
        &UNIT_TEXT_COLUMNS,
        &formats,
    )?;
    for (row, unit) in (1u32..).zip(units) {
        write_text(sheet, row, 0, &unit.code, &formats)?;
        write_text(sheet, row, 1, &unit.name, &formats)?;
        write_text(sheet, row, 2, &unit.block, &formats)?;
        if let Some(headcount) = unit.headcount {
            sheet.write_number(row, 3, headcount)?;
        }
    }
    workbook.save_to_buffer()
}
