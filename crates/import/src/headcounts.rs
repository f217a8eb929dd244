//! Headcounts (số lượng đảng viên, quần chúng, đoàn viên): one row per unit and day, the
//! unit named by its official code.

use std::collections::HashSet;

use chrono::NaiveDate;
use ketnap_domain::ids::UnitId;
use ketnap_domain::ports::{Change, StoreError, UnitStore};
use ketnap_domain::report::HeadcountInput;
use ketnap_domain::scope::Scope;
use ketnap_domain::workflow::dmy;
use ketnap_sheets::{Field, Table};
use ketnap_store::Store;

use crate::{
    ImportError, Kind, Outcome, PREVIEW_ROWS, Progress, Reader, Request, each_row, outcome, repairs,
};

/// A count as the preview shows it: blank when the file left it out.
fn shown(count: Option<i64>) -> String {
    count.map(|n| n.to_string()).unwrap_or_default()
}

pub(crate) const FIELDS: [Field; 7] = [
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

pub(crate) async fn import(
    store: &Store,
    change: &Change,
    scope: &Scope,
    table: Table,
    request: &Request,
    progress: Progress<'_>,
) -> Result<Outcome, ImportError> {
    let mut result = outcome(Kind::Headcounts, &table, request.dry_run);
    let mut problems = Vec::new();
    let mut seen: HashSet<(UnitId, NaiveDate)> = HashSet::new();
    let mut changes = Vec::new();
    for row in each_row(&table, progress) {
        let mut cell = Reader::new(&table, row, &FIELDS, &mut problems);
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
        let as_of = cell.day("as_of", true);
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
        if result.preview.len() < PREVIEW_ROWS {
            result.preview.push((
                row.number,
                vec![
                    code.clone(),
                    dmy(as_of),
                    official.to_string(),
                    probationary.to_string(),
                    shown(workforce),
                    shown(youth),
                    shown(trade),
                ],
            ));
        }
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
                    ketnap_domain::workflow::dmy(as_of)
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
    progress(table.rows.len(), table.rows.len());
    if result.problems.is_empty() && !request.dry_run && !changes.is_empty() {
        store.record_headcounts(change, scope, &changes).await?;
        result.written = true;
    }
    Ok(result)
}
