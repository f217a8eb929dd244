//! Arbitrary bytes as an uploaded file: read with small limits, the table found, every cell
//! read. Nothing may panic or hang, and a workbook read must keep to its limits.

#![no_main]

use ketnap_sheets::{
    Field, Limits, Value, count, date, fields, find_table, kind_of, read_workbook, split_name, text,
};
use libfuzzer_sys::fuzz_target;

/// Small enough that every input is read quickly, large enough for the seeds.
const LIMITS: Limits = Limits {
    max_bytes: 256 * 1024,
    max_unpacked_bytes: 2 * 1024 * 1024,
    max_zip_entries: 64,
    max_rows: 2_000,
    max_cells: 20_000,
};

const HOUSEHOLD: Field = Field::new("household", "Số người trong hộ", &["Nhân khẩu", "Số NK"]);

fn wanted() -> [Field; 4] {
    [
        fields::FULL_NAME.required(),
        fields::BIRTH_DATE,
        fields::CITIZEN_ID,
        HOUSEHOLD,
    ]
}

fn read_cell(value: &Value) {
    let repaired = text(value);
    let _ = split_name(&repaired.text);
    let _ = date(value);
    let _ = count(value);
    let _ = value.shown();
}

fuzz_target!(|bytes: &[u8]| {
    let _ = kind_of(bytes, &LIMITS);
    let Ok(book) = read_workbook(bytes, &LIMITS) else {
        return;
    };

    // The limits hold, and rows and cells after the last non-empty one are left out.
    let mut cells = 0usize;
    for sheet in &book.sheets {
        assert!(
            sheet.rows.len() <= LIMITS.max_rows,
            "{} rows",
            sheet.rows.len()
        );
        assert!(
            sheet.rows.last().is_none_or(|row| !row.is_empty()),
            "trailing empty row in {:?}",
            sheet.name
        );
        for row in &sheet.rows {
            assert!(
                row.last().is_none_or(|cell| !cell.is_empty()),
                "trailing empty cell in {:?}",
                sheet.name
            );
            cells += row.len();
            for value in row {
                read_cell(value);
            }
        }
    }
    assert!(cells <= LIMITS.max_cells, "{cells} cells kept");

    for wanted in [
        &wanted()[..],
        &[fields::FULL_NAME, fields::PHONE.required()][..],
    ] {
        let Ok(table) = find_table(&book, wanted) else {
            continue;
        };
        for row in &table.rows {
            for field in wanted {
                let _ = table.text(row, field.key);
                let _ = table.date(row, field.key);
                let _ = table.count(row, field.key);
                let _ = table.header(field.key);
                let _ = table.column_letter(field.key);
            }
        }
        let _ = table.conversions();
    }
});
