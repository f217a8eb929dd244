//! Headcounts (số lượng đảng viên, quần chúng, đoàn viên): one row per unit and day, the
//! unit named by its official code.

use std::collections::HashSet;

use chrono::NaiveDate;
use ketnap_domain::ids::UnitId;
use ketnap_domain::ports::{Change, StoreError, UnitStore};
use ketnap_domain::report::HeadcountInput;
use ketnap_domain::scope::Scope;
use ketnap_sheets::{DateRead, Field, Row, SheetError, Table, Workbook, find_table};
use ketnap_store::Store;

use crate::{ImportError, Kind, Outcome, Problem, outcome};

const FIELDS: [Field; 7] = [
    Field {
        key: "unit_code",
        label: "Mã đơn vị",
        synonyms: &[
            "Mã tổ chức đảng",
            "Mã tổ chức",
            "Mã TCĐ",
            "Mã đảng bộ",
            "Mã chi bộ",
            "Mã số",
            "Mã",
        ],
        required: true,
    },
    Field {
        key: "as_of",
        label: "Ngày số liệu",
        synonyms: &[
            "Tính đến ngày",
            "Ngày",
            "Thời điểm",
            "Ngày báo cáo",
            "Đến ngày",
        ],
        required: true,
    },
    Field {
        key: "official_members",
        label: "Đảng viên chính thức",
        synonyms: &[
            "ĐV chính thức",
            "Chính thức",
            "Số đảng viên chính thức",
            "ĐVCT",
        ],
        required: true,
    },
    Field {
        key: "probationary_members",
        label: "Đảng viên dự bị",
        synonyms: &["ĐV dự bị", "Dự bị", "Số đảng viên dự bị", "ĐVDB"],
        required: true,
    },
    Field {
        key: "workforce",
        label: "Quần chúng, người lao động",
        synonyms: &[
            "Quần chúng",
            "Người lao động",
            "Số lao động",
            "Lao động",
            "Số quần chúng",
        ],
        required: false,
    },
    Field {
        key: "youth_union_members",
        label: "Đoàn viên thanh niên",
        synonyms: &["Đoàn viên TNCS", "ĐVTN", "Số đoàn viên thanh niên"],
        required: false,
    },
    Field {
        key: "trade_union_members",
        label: "Đoàn viên công đoàn",
        synonyms: &["Công đoàn viên", "CĐV", "Số đoàn viên công đoàn"],
        required: false,
    },
];

/// A cell of a row, read; problems are collected, not returned, so that one pass names
/// every bad cell of the file.
struct Reader<'a> {
    table: &'a Table,
    row: &'a Row,
    problems: &'a mut Vec<Problem>,
}

impl Reader<'_> {
    fn problem(&mut self, key: &str, message: impl Into<String>) {
        let e = self.table.error(self.row, key, message);
        self.failed(e);
    }

    fn label(key: &str) -> &'static str {
        FIELDS
            .iter()
            .find(|f| f.key == key)
            .map(|f| f.label)
            .unwrap_or("")
    }

    fn failed(&mut self, error: SheetError) {
        self.problems.push(error);
    }

    fn count(&mut self, key: &str, required: bool) -> Option<i64> {
        match self.table.count(self.row, key) {
            Ok(Some(n)) if n >= 0 => Some(n),
            Ok(Some(_)) => {
                let e = self.table.error(
                    self.row,
                    key,
                    format!("{} không được là số âm.", Self::label(key)),
                );
                self.failed(e);
                None
            }
            Ok(None) => {
                if required {
                    let e = self.table.error(
                        self.row,
                        key,
                        format!("Thiếu {}.", Self::label(key).to_lowercase()),
                    );
                    self.failed(e);
                }
                None
            }
            Err(e) => {
                self.failed(e);
                None
            }
        }
    }

    fn day(&mut self, key: &str) -> Option<NaiveDate> {
        match self.table.date(self.row, key) {
            Ok(Some(DateRead::Day(day))) => Some(day),
            Ok(Some(DateRead::YearOnly(year))) => {
                let e = self.table.error(
                    self.row,
                    key,
                    format!("Cần ngày đầy đủ (ngày/tháng/năm), không chỉ năm {year}."),
                );
                self.failed(e);
                None
            }
            Ok(None) => {
                let e = self.table.error(self.row, key, "Thiếu ngày số liệu.");
                self.failed(e);
                None
            }
            Err(e) => {
                self.failed(e);
                None
            }
        }
    }
}

pub(crate) async fn import(
    store: &Store,
    change: &Change,
    scope: &Scope,
    workbook: &Workbook,
    dry_run: bool,
) -> Result<Outcome, ImportError> {
    let table = find_table(workbook, &FIELDS)?;
    let mut result = outcome(Kind::Headcounts, &table, dry_run);
    let mut problems = Vec::new();
    let mut seen: HashSet<(UnitId, NaiveDate)> = HashSet::new();
    let mut changes = Vec::new();
    for row in &table.rows {
        let mut cell = Reader {
            table: &table,
            row,
            problems: &mut problems,
        };
        let code = table
            .text(row, "unit_code")
            .map(|r| r.text)
            .unwrap_or_default();
        let unit = if code.is_empty() {
            cell.problem("unit_code", "Thiếu mã đơn vị.");
            None
        } else {
            match store.unit_by_code(&code).await? {
                Some(unit) => Some(unit),
                None => {
                    cell.problem("unit_code", "Không có tổ chức đảng nào mang mã này.");
                    None
                }
            }
        };
        let as_of = cell.day("as_of");
        let official = cell.count("official_members", true);
        let probationary = cell.count("probationary_members", true);
        let workforce = cell.count("workforce", false);
        let youth = cell.count("youth_union_members", false);
        let trade = cell.count("trade_union_members", false);
        let (Some(unit), Some(as_of), Some(official), Some(probationary)) =
            (unit, as_of, official, probationary)
        else {
            continue;
        };
        let input = HeadcountInput {
            unit: unit.id,
            as_of,
            official_members: official,
            probationary_members: probationary,
            workforce,
            youth_union_members: youth,
            trade_union_members: trade,
        };
        if !seen.insert((unit.id, as_of)) {
            cell.problem(
                "as_of",
                format!(
                    "Mã {code} đã có một dòng cùng ngày {} ở trên.",
                    as_of.format("%d/%m/%Y")
                ),
            );
            continue;
        }
        match store.check_headcount(scope, &input).await {
            Ok(()) => {}
            Err(StoreError::Rejected(v)) => {
                let key = if v.field == "as_of" {
                    "as_of"
                } else {
                    "unit_code"
                };
                cell.problem(key, v.message);
                continue;
            }
            Err(StoreError::NotFound(_)) => {
                cell.problem("unit_code", "Tổ chức đảng này ngoài phạm vi tài khoản.");
                continue;
            }
            Err(e) => return Err(e.into()),
        }
        let held = store.headcounts(scope, unit.id).await?;
        if held.iter().any(|h| h.input == input) {
            result.unchanged += 1;
        } else {
            changes.push(input);
        }
    }
    result.repairs = repairs(&table);
    result.changes = changes.len();
    result.problems = problems;
    if result.problems.is_empty() && !dry_run && !changes.is_empty() {
        store.record_headcounts(change, scope, &changes).await?;
        result.written = true;
    }
    Ok(result)
}

/// The cells converted from a legacy encoding, one line each.
fn repairs(table: &Table) -> Vec<Problem> {
    table
        .conversions()
        .into_iter()
        .map(|c| {
            Problem::new(format!(
                "Đã chuyển từ mã {} sang Unicode: \"{}\".",
                c.legacy.label(),
                c.to
            ))
            .in_sheet(table.sheet.clone())
            .at_row(c.row)
            .at_column(c.column)
            .with_value(c.from)
        })
        .collect()
}
