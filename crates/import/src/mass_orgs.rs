//! Mass organisations (đoàn thể: chi đoàn, công đoàn, chi hội …): one row per organisation,
//! attached to an active party unit of the scope named by its code, or by its name and, to
//! tell namesakes apart, its parent's code or name.
//!
//! A row names an organisation on file when its unit holds one of the same kind and name;
//! such a row changes nothing, so a list imported again writes nothing.

use std::collections::HashMap;

use ketnap_domain::ids::UnitId;
use ketnap_domain::ports::{Change, UnitStore};
use ketnap_domain::scope::Scope;
use ketnap_domain::text::clean;
use ketnap_domain::unit::Unit;
use ketnap_sheets::{Field, Table, header_key};
use ketnap_store::{ImportedMassOrg, Store};

use crate::names::{UnitIndex, same_name};
use crate::{
    ImportError, Kind, Outcome, PREVIEW_ROWS, Progress, Reader, Request, each_row, outcome, repairs,
};

pub(crate) const FIELDS: [Field; 5] = [
    Field::new(
        "name",
        "Tên đoàn thể",
        &[
            "Tên tổ chức",
            "Tên",
            "Tên chi đoàn, chi hội",
            "Tên đoàn thể, hội",
        ],
    )
    .required(),
    Field::new(
        "kind",
        "Loại đoàn thể",
        &["Loại", "Loại tổ chức", "Loại hình"],
    )
    .required(),
    Field::new(
        "unit_code",
        "Mã đơn vị",
        &["Mã tổ chức đảng", "Mã TCĐ", "Mã chi bộ", "Mã đảng bộ", "Mã"],
    ),
    Field::new(
        "unit",
        "Tổ chức đảng",
        &[
            "Tên tổ chức đảng",
            "Tên đơn vị",
            "Đơn vị",
            "Chi bộ",
            "Đảng bộ",
            "Trực thuộc",
        ],
    ),
    // The party unit's parent, by code or name: cells of different wards share names
    // ("Chi bộ Trường Mầm non Sen Hồng"), and most have no code.
    Field::new(
        "parent",
        "Đơn vị cấp trên",
        &[
            "Mã đơn vị cấp trên",
            "Tổ chức đảng cấp trên",
            "Đảng bộ cấp trên",
            "Cấp trên",
        ],
    ),
];

/// Names offices commonly give the kinds, besides the table's own (used only for the kinds
/// the table holds).
const SHORT_NAMES: [(&str, &str); 15] = [
    ("Đoàn Thanh niên", "youth_union"),
    ("Đoàn TNCS", "youth_union"),
    ("Đoàn Thanh niên Cộng sản Hồ Chí Minh", "youth_union"),
    ("Chi đoàn", "youth_union"),
    ("Công đoàn cơ sở", "trade_union"),
    ("Hội Phụ nữ", "womens_union"),
    ("Hội LHPN", "womens_union"),
    ("Hội Liên hiệp Phụ nữ Việt Nam", "womens_union"),
    ("Chi hội Phụ nữ", "womens_union"),
    ("Hội CCB", "veterans"),
    ("Cựu chiến binh", "veterans"),
    ("Hội ND", "farmers"),
    ("MTTQ", "fatherland_front"),
    ("Mặt trận Tổ quốc Việt Nam", "fatherland_front"),
    ("Ban Công tác Mặt trận", "fatherland_front"),
];

/// The kind column: a kind's name or code, or a common short name.
fn kind_of(text: &str, kinds: &[(String, String)]) -> Option<String> {
    let key = header_key(text);
    kinds
        .iter()
        .find(|(code, name)| header_key(code) == key || header_key(name) == key)
        .map(|(code, _)| code.clone())
        .or_else(|| {
            SHORT_NAMES
                .iter()
                .find(|(name, _)| header_key(name) == key)
                .map(|(_, code)| code.to_string())
                .filter(|code| kinds.iter().any(|(c, _)| c == code))
        })
}

pub(crate) async fn import(
    store: &Store,
    change: &Change,
    scope: &Scope,
    table: Table,
    request: &Request,
    progress: Progress<'_>,
) -> Result<Outcome, ImportError> {
    let mut result = outcome(Kind::MassOrgs, &table, request.dry_run);
    let kinds = store.mass_org_kinds().await?;
    let units = Units::new(store.units_in(scope).await?);
    let mut held = Held::default();
    for m in store.mass_orgs_in(scope).await? {
        held.add(UnitId(m.unit_id), &m.kind, &m.name, 0);
    }
    let mut seen = Held::default();
    let mut writes = Vec::new();
    let mut problems = Vec::new();
    for row in each_row(&table, progress) {
        let mut cell = Reader::new(&table, row, &FIELDS, &mut problems);
        let name = clean(&cell.text("name"));
        if name.is_empty() {
            cell.problem("name", "Thiếu tên đoàn thể.");
        }
        let kind = match cell.text("kind").as_str() {
            "" => {
                cell.problem("kind", "Thiếu loại đoàn thể.");
                None
            }
            text => {
                let found = kind_of(text, &kinds);
                if found.is_none() {
                    let names: Vec<&str> = kinds.iter().map(|(_, n)| n.as_str()).collect();
                    cell.problem(
                        "kind",
                        format!(
                            "Không có loại đoàn thể này trong danh mục; ghi một trong: {}.",
                            names.join("; ")
                        ),
                    );
                }
                found
            }
        };
        let unit = units.find(&mut cell, kind.as_deref(), &name, &held);
        let (Some(kind), Some(unit)) = (kind, unit) else {
            continue;
        };
        if name.is_empty() {
            continue;
        }
        if let Some(first) = seen.find(unit.id, &kind, &name) {
            cell.problem(
                "name",
                format!("Dòng {first} ở trên đã ghi đoàn thể này (cùng tên, cùng loại, cùng tổ chức đảng)."),
            );
            continue;
        }
        seen.add(unit.id, &kind, &name, row.number);
        if result.preview.len() < PREVIEW_ROWS {
            let kind_name = kinds
                .iter()
                .find(|(c, _)| *c == kind)
                .map_or_else(|| kind.clone(), |(_, n)| n.clone());
            result.preview.push((
                row.number,
                vec![
                    name.clone(),
                    kind_name,
                    unit.code.clone().unwrap_or_default(),
                    unit.name.clone(),
                    cell.text("parent"),
                ],
            ));
        }
        if held.find(unit.id, &kind, &name).is_some() {
            result.unchanged += 1;
        } else {
            writes.push(ImportedMassOrg {
                kind,
                unit: unit.id,
                name,
            });
        }
    }
    progress(table.rows.len(), table.rows.len());
    result.repairs = repairs(&table);
    result.changes = writes.len();
    result.problems = problems;
    if result.problems.is_empty() && !request.dry_run && !writes.is_empty() {
        store.write_mass_orgs(change, scope, &writes).await?;
        result.written = true;
    }
    Ok(result)
}

/// Organisations by unit and kind, each with its name and the row that named it (0 for
/// those on file).
#[derive(Default)]
struct Held {
    by_unit: HashMap<(UnitId, String), Vec<(String, usize)>>,
}

impl Held {
    fn add(&mut self, unit: UnitId, kind: &str, name: &str, row: usize) {
        self.by_unit
            .entry((unit, kind.to_string()))
            .or_default()
            .push((name.to_string(), row));
    }

    /// The row of the organisation of that unit, kind and name, if there is one.
    fn find(&self, unit: UnitId, kind: &str, name: &str) -> Option<usize> {
        self.by_unit
            .get(&(unit, kind.to_string()))?
            .iter()
            .find(|(held, _)| same_name(held, name))
            .map(|(_, row)| *row)
    }
}

/// The active units of the scope a row may name, by code or by name.
struct Units {
    /// Every unit of the scope, for the parents.
    units: HashMap<UnitId, Unit>,
    /// The active ones.
    index: UnitIndex,
}

impl Units {
    fn new(units: Vec<Unit>) -> Units {
        let mut found = Units {
            units: units.iter().map(|u| (u.id, u.clone())).collect(),
            index: UnitIndex::default(),
        };
        for unit in units.into_iter().filter(|u| u.valid_until.is_none()) {
            found.index.add(unit);
        }
        found
    }

    /// The row's unit; `None` when it is missing or not found (and said so). A unit named by
    /// its name is told from its namesakes by the spelling with diacritics, then by its
    /// parent when the row gives one, then, for a list imported again, by holding this
    /// organisation already.
    fn find(
        &self,
        cell: &mut Reader<'_>,
        kind: Option<&str>,
        name: &str,
        held: &Held,
    ) -> Option<Unit> {
        let code = cell.text("unit_code");
        if !code.is_empty() {
            let found = self.index.with_code(&code).cloned();
            if found.is_none() {
                cell.problem(
                    "unit_code",
                    "Không có tổ chức đảng đang hoạt động nào mang mã này trong phạm vi của tài khoản.",
                );
            }
            return found;
        }
        let unit_name = cell.text("unit");
        if unit_name.is_empty() {
            let key = if cell.table.column("unit").is_some() {
                "unit"
            } else {
                "unit_code"
            };
            cell.problem(
                key,
                "Thiếu tổ chức đảng (ghi mã đơn vị hoặc tên tổ chức đảng mà đoàn thể trực thuộc).",
            );
            return None;
        }
        let namesakes = self.index.named(&unit_name);
        if namesakes.is_empty() {
            cell.problem(
                "unit",
                "Không có tổ chức đảng đang hoạt động nào mang tên này trong phạm vi của tài khoản.",
            );
            return None;
        }
        let mut found: Vec<&Unit> = namesakes
            .iter()
            .filter(|u| same_name(&u.name, &unit_name))
            .collect();
        if found.is_empty() {
            cell.problem(
                "unit",
                "Không có tổ chức đảng đang hoạt động nào mang tên này trong phạm vi của tài khoản.",
            );
            return None;
        }
        let parent = cell.text("parent");
        if !parent.is_empty() {
            found.retain(|u| self.parent_is(u, &parent));
            if found.is_empty() {
                cell.problem(
                    "parent",
                    format!(
                        "Không có tổ chức đảng đang hoạt động nào tên \"{unit_name}\" trực thuộc đơn vị này trong phạm vi của tài khoản."
                    ),
                );
                return None;
            }
        }
        if found.len() > 1
            && let Some(kind) = kind
        {
            found.retain(|u| held.find(u.id, kind, name).is_some());
        }
        match found.as_slice() {
            [one] => Some((*one).clone()),
            _ => {
                cell.problem(
                    "unit",
                    "Có nhiều tổ chức đảng mang tên này trong phạm vi của tài khoản; hãy ghi mã đơn vị, hoặc đơn vị cấp trên của tổ chức đảng.",
                );
                None
            }
        }
    }

    /// Whether `unit`'s parent is the one `written` names, by code or by name.
    fn parent_is(&self, unit: &Unit, written: &str) -> bool {
        let Some(parent) = unit.parent.and_then(|p| self.units.get(&p)) else {
            return false;
        };
        parent
            .code
            .as_deref()
            .is_some_and(|c| c.trim().eq_ignore_ascii_case(written.trim()))
            || same_name(&parent.name, written)
    }
}
