//! The unit tree (tổ chức đảng): one row per party unit, under a parent named by its code
//! or its name — an active unit in the account's scope, or one an earlier row of the same
//! file creates.
//!
//! A row names a unit on file when its code does, or else when its parent already holds an
//! active unit of that name. Such a row changes nothing when it agrees with the unit on
//! file, and is a problem when it does not: renames and moves keep the unit's history and
//! are made on the unit's page, not by a list. New units go under a unit of the scope (the
//! scope's root itself is never created), checked as `create_unit` checks them.

use std::collections::HashMap;

use chrono::NaiveDate;
use ketnap_domain::ids::UnitId;
use ketnap_domain::ports::{Change, UnitStore};
use ketnap_domain::scope::Scope;
use ketnap_domain::text::clean;
use ketnap_domain::unit::{SectorCode, Unit, UnitKind, check_placement};
use ketnap_domain::workflow::{dmy, today_in_vietnam};
use ketnap_sheets::{Field, Table, header_key};
use ketnap_store::{ImportedUnit, Store, UnitParent};

use crate::names::{code_key, same_name};
use crate::{
    ImportError, Kind, Outcome, PREVIEW_ROWS, Progress, Reader, Request, each_row, outcome, repairs,
};

pub(crate) const FIELDS: [Field; 7] = [
    Field::new(
        "code",
        "Mã đơn vị",
        &["Mã tổ chức đảng", "Mã tổ chức", "Mã TCĐ", "Mã số", "Mã"],
    ),
    Field::new(
        "name",
        "Tên tổ chức đảng",
        &[
            "Tên đơn vị",
            "Tên",
            "Tên tổ chức",
            "Tổ chức đảng",
            "Tên TCĐ",
        ],
    )
    .required(),
    Field::new(
        "kind",
        "Loại",
        &[
            "Loại tổ chức",
            "Loại tổ chức đảng",
            "Loại đơn vị",
            "Loại hình tổ chức",
        ],
    )
    .required(),
    Field::new(
        "parent_code",
        "Mã đơn vị cấp trên",
        &["Mã cấp trên", "Mã tổ chức cấp trên", "Mã TCĐ cấp trên"],
    ),
    Field::new(
        "parent",
        "Đơn vị cấp trên",
        &[
            "Tên đơn vị cấp trên",
            "Tổ chức cấp trên",
            "Tổ chức đảng cấp trên",
            "Cấp trên",
            "Cấp trên trực tiếp",
            "Trực thuộc",
        ],
    ),
    Field::new(
        "sector",
        "Lĩnh vực",
        &["Lĩnh vực hoạt động", "Khối", "Ngành"],
    ),
    Field::new(
        "founded_on",
        "Ngày thành lập",
        &["Thành lập ngày", "Ngày hiệu lực", "Hoạt động từ ngày"],
    ),
];

/// A kind as a row writes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum KindRead {
    Exact(UnitKind),
    /// "Chi bộ": a base cell, or a cell under a committee — the parent tells which.
    AnyCell,
}

impl KindRead {
    fn agrees_with(self, kind: UnitKind) -> bool {
        match self {
            KindRead::Exact(k) => k == kind,
            KindRead::AnyCell => kind.holds_cases(),
        }
    }

    fn under(self, parent: UnitKind) -> UnitKind {
        match self {
            KindRead::Exact(k) => k,
            KindRead::AnyCell if parent.may_contain(UnitKind::Cell) => UnitKind::Cell,
            KindRead::AnyCell => UnitKind::BaseCell,
        }
    }
}

/// The kind column: a kind's Vietnamese label or code, or a common short name.
fn unit_kind(text: &str) -> Option<KindRead> {
    let key = header_key(text);
    let short: &[(&str, UnitKind)] = &[
        ("dang bo tinh", UnitKind::Province),
        ("dang bo thanh pho", UnitKind::Province),
        ("dang bo cap tren co so", UnitKind::SuperiorCommittee),
        ("dbcs", UnitKind::BaseCommittee),
        ("dbbp", UnitKind::PartialCommittee),
        ("cbcs", UnitKind::BaseCell),
        ("chi bo truc thuoc dang uy", UnitKind::Cell),
        ("cbtt", UnitKind::Cell),
    ];
    if key == "chi bo" {
        return Some(KindRead::AnyCell);
    }
    UnitKind::ALL
        .into_iter()
        .find(|k| header_key(k.label_vi()) == key || header_key(k.code()) == key)
        .or_else(|| short.iter().find(|(k, _)| *k == key).map(|(_, kind)| *kind))
        .map(KindRead::Exact)
}

/// A unit a row may name as its parent.
#[derive(Debug, Clone)]
enum Parent {
    OnFile(Unit),
    /// Created by an earlier row: its index among the new units, and the unit as it will be.
    New(usize, Unit),
}

/// The units of the scope a row may name, by code and by name.
struct Tree {
    root: UnitId,
    units: HashMap<UnitId, Unit>,
    /// Active units, by upper-case code.
    by_code: HashMap<String, Unit>,
    /// Closed units, by upper-case code: their code may not come back through a list.
    closed: HashMap<String, Unit>,
    by_name: HashMap<String, Vec<Unit>>,
    /// Active units by parent and name key.
    children: HashMap<(UnitId, String), Vec<Unit>>,
    /// The sectors, `(code, name)`.
    sectors: Vec<(String, String)>,
}

impl Tree {
    fn new(root: UnitId, units: Vec<Unit>, sectors: Vec<(String, String)>) -> Tree {
        let mut tree = Tree {
            root,
            units: HashMap::new(),
            by_code: HashMap::new(),
            closed: HashMap::new(),
            by_name: HashMap::new(),
            children: HashMap::new(),
            sectors,
        };
        for unit in units {
            tree.units.insert(unit.id, unit.clone());
            let code = unit.code.as_deref().map(code_key).filter(|c| !c.is_empty());
            if unit.valid_until.is_some() {
                if let Some(code) = code {
                    tree.closed.insert(code, unit);
                }
                continue;
            }
            if let Some(code) = code {
                tree.by_code.insert(code, unit.clone());
            }
            let name = header_key(&unit.name);
            if let Some(parent) = unit.parent {
                tree.children
                    .entry((parent, name.clone()))
                    .or_default()
                    .push(unit.clone());
            }
            tree.by_name.entry(name).or_default().push(unit);
        }
        tree
    }

    fn child(&self, parent: UnitId, name: &str) -> Option<&Unit> {
        self.children
            .get(&(parent, header_key(name)))?
            .iter()
            .find(|u| same_name(&u.name, name))
    }
}

/// What the rows read so far hold: new units, and what each row claimed.
#[derive(Default)]
struct Plan {
    new: Vec<ImportedUnit>,
    /// New units by upper-case code.
    new_by_code: HashMap<String, usize>,
    /// The units rows have named so far (on file or new), by name key, in row order, each
    /// with its name: a parent named by name is the nearest of them above, as a list of the
    /// tree (parents before children) reads.
    named: HashMap<String, Vec<(String, Parent)>>,
    /// The first row that named each unit on file, each code, and each name (as written)
    /// under a parent.
    matched: HashMap<UnitId, usize>,
    codes: HashMap<String, usize>,
    names: HashMap<(UnitParent, String), Vec<(String, usize)>>,
    /// Codes and names of rows with problems, so that the rows under them say why their
    /// parent is missing.
    failed_codes: HashMap<String, usize>,
    failed_names: HashMap<String, usize>,
}

impl Plan {
    fn remember(&mut self, name: &str, parent: Parent) {
        self.named
            .entry(header_key(name))
            .or_default()
            .push((name.to_string(), parent));
    }

    /// The unit an earlier row creates, as a parent.
    fn planned(&self, index: usize) -> Option<Parent> {
        self.new
            .get(index)
            .map(|unit| Parent::New(index, unit.as_unit()))
    }
}

/// A row read on its own.
struct Read {
    code: String,
    name: String,
    kind: KindRead,
    parent_code: String,
    parent_name: String,
    sector: Option<SectorCode>,
    founded_on: Option<NaiveDate>,
}

pub(crate) async fn import(
    store: &Store,
    change: &Change,
    scope: &Scope,
    table: Table,
    request: &Request,
    progress: Progress<'_>,
) -> Result<Outcome, ImportError> {
    let mut result = outcome(Kind::Units, &table, request.dry_run);
    let today = today_in_vietnam(change.now);
    let tree = Tree::new(
        scope.root(),
        store.units_in(scope).await?,
        store.sectors().await?,
    );
    let sectors = &tree.sectors;
    let mut plan = Plan::default();
    let mut problems = Vec::new();
    for row in each_row(&table, progress) {
        let mut cell = Reader::new(&table, row, &FIELDS, &mut problems);
        let (read, ok) = read_row(&mut cell, sectors);
        let checked = if ok {
            check_row(store, &mut cell, &tree, &mut plan, &read, today).await?
        } else {
            // The parent's problems too, so that one pass names every bad cell.
            if !read.parent_code.is_empty() || !read.parent_name.is_empty() {
                find_parent(&mut cell, &tree, &plan, &read);
            }
            None
        };
        let shown = match checked {
            Some(Checked::Unchanged) => {
                result.unchanged += 1;
                row_as_read(&cell, sectors)
            }
            Some(Checked::New) => preview_new(&plan, &tree),
            None => {
                let Read { code, name, .. } = read;
                if !code.is_empty() {
                    plan.failed_codes
                        .entry(code_key(&code))
                        .or_insert(row.number);
                }
                if !name.is_empty() {
                    plan.failed_names
                        .entry(header_key(&name))
                        .or_insert(row.number);
                }
                continue;
            }
        };
        if result.preview.len() < PREVIEW_ROWS {
            result.preview.push((row.number, shown));
        }
    }
    progress(table.rows.len(), table.rows.len());
    result.repairs = repairs(&table);
    result.changes = plan.new.len();
    result.problems = problems;
    if result.problems.is_empty() && !request.dry_run && !plan.new.is_empty() {
        store.write_units(change, scope, &plan.new).await?;
        result.written = true;
    }
    Ok(result)
}

/// What a row comes to once checked.
enum Checked {
    /// It names a unit on file and agrees with it.
    Unchanged,
    /// A new unit, the last one planned.
    New,
}

fn sector_name(code: &SectorCode, sectors: &[(String, String)]) -> String {
    sectors
        .iter()
        .find(|(c, _)| *c == code.0)
        .map_or_else(|| code.0.clone(), |(_, name)| name.clone())
}

/// The last unit planned, as the preview shows it.
fn preview_new(plan: &Plan, tree: &Tree) -> Vec<String> {
    let Some(unit) = plan.new.last() else {
        return Vec::new();
    };
    let parent = match unit.parent {
        UnitParent::OnFile(id) => tree
            .units
            .get(&id)
            .map(|u| (u.code.clone(), u.name.clone())),
        UnitParent::Earlier(i) => plan.new.get(i).map(|p| (p.code.clone(), p.name.clone())),
    };
    let (parent_code, parent_name) = parent.unwrap_or_default();
    vec![
        unit.code.clone().unwrap_or_default(),
        unit.name.clone(),
        unit.kind.label_vi().to_string(),
        parent_code.unwrap_or_default(),
        parent_name,
        sector_name(&unit.sector, &tree.sectors),
        dmy(unit.valid_from),
    ]
}

/// The row's cells as written, for the preview of a row that names a unit on file.
fn row_as_read(cell: &Reader<'_>, sectors: &[(String, String)]) -> Vec<String> {
    let sector = cell.text("sector");
    let sector = sector_of(&sector, sectors).map_or(sector, |code| sector_name(&code, sectors));
    vec![
        cell.text("code"),
        clean(&cell.text("name")),
        unit_kind(&cell.text("kind"))
            .map(|k| match k {
                KindRead::Exact(k) => k.label_vi().to_string(),
                KindRead::AnyCell => "Chi bộ".to_string(),
            })
            .unwrap_or_default(),
        cell.text("parent_code"),
        cell.text("parent"),
        sector,
        cell.text("founded_on"),
    ]
}

/// Reads one row's cells, and whether they all read well (the problems said). A row that
/// did not still gives its code, name and parent, for the problems with its parent and the
/// rows under it; its kind is then a stand-in.
fn read_row(cell: &mut Reader<'_>, sectors: &[(String, String)]) -> (Read, bool) {
    let before = cell.problems.len();
    let code = clean(&cell.text("code"));
    let name = clean(&cell.text("name"));
    if name.is_empty() {
        cell.problem("name", "Thiếu tên tổ chức đảng.");
    }
    let kind = match cell.text("kind").as_str() {
        "" => {
            cell.problem("kind", "Thiếu loại tổ chức đảng.");
            None
        }
        text => match unit_kind(text) {
            Some(kind) => Some(kind),
            None => {
                let labels: Vec<&str> = UnitKind::ALL.iter().map(|k| k.label_vi()).collect();
                cell.problem(
                    "kind",
                    format!(
                        "Không hiểu loại tổ chức đảng này; ghi một trong: {} (hoặc \"Chi bộ\").",
                        labels.join("; ")
                    ),
                );
                None
            }
        },
    };
    let sector = match cell.text("sector").as_str() {
        "" => None,
        text => match sector_of(text, sectors) {
            Ok(code) => Some(code),
            Err(message) => {
                cell.problem("sector", message);
                None
            }
        },
    };
    let founded_on = cell.day("founded_on", false);
    let ok = cell.problems.len() == before;
    let read = Read {
        code,
        name,
        kind: kind.unwrap_or(KindRead::AnyCell),
        parent_code: clean(&cell.text("parent_code")),
        parent_name: clean(&cell.text("parent")),
        sector,
        founded_on,
    };
    (read, ok)
}

/// A sector by its code, its name, or the first words of its name when only one sector's
/// name starts so ("Giáo dục" for "Giáo dục (trường học, đại học)").
fn sector_of(text: &str, sectors: &[(String, String)]) -> Result<SectorCode, String> {
    let key = header_key(text);
    let exact = sectors
        .iter()
        .find(|(code, name)| header_key(code) == key || header_key(name) == key);
    if let Some((code, _)) = exact {
        return Ok(SectorCode(code.clone()));
    }
    let starts: Vec<&(String, String)> = sectors
        .iter()
        .filter(|(_, name)| header_key(name).starts_with(&format!("{key} ")))
        .collect();
    match starts.as_slice() {
        [(code, _)] => Ok(SectorCode(code.clone())),
        _ => {
            let names: Vec<&str> = sectors.iter().map(|(_, name)| name.as_str()).collect();
            Err(format!(
                "Không có lĩnh vực này trong danh mục; ghi một trong: {}.",
                names.join("; ")
            ))
        }
    }
}

/// Checks a row against the units on file and the rows above it; `None` when it has a
/// problem (said).
async fn check_row(
    store: &Store,
    cell: &mut Reader<'_>,
    tree: &Tree,
    plan: &mut Plan,
    r: &Read,
    today: NaiveDate,
) -> Result<Option<Checked>, ImportError> {
    let row = cell.row.number;
    let code = code_key(&r.code);
    if !code.is_empty() {
        if let Some(first) = plan.codes.get(&code) {
            cell.problem(
                "code",
                format!("Mã {} đã ghi ở dòng {first} ở trên.", r.code),
            );
            return Ok(None);
        }
        plan.codes.insert(code.clone(), row);
        if let Some(unit) = tree.by_code.get(&code) {
            return Ok(agrees(cell, tree, plan, r, unit));
        }
        if let Some(unit) = tree.closed.get(&code) {
            cell.problem(
                "code",
                format!(
                    "Mã {} là của \"{}\", đã thôi hoạt động (đến hết ngày {}). Nếu đây là tổ chức mới dùng lại mã này, hãy tạo trên trang đơn vị.",
                    r.code,
                    unit.name,
                    unit.valid_until.map(dmy).unwrap_or_default()
                ),
            );
            return Ok(None);
        }
        let elsewhere = store
            .unit_by_code(&r.code)
            .await?
            .is_some_and(|u| u.valid_until.is_none());
        if elsewhere {
            cell.problem(
                "code",
                format!(
                    "Mã {} đã được dùng cho một tổ chức đảng ngoài phạm vi của tài khoản; mỗi mã chỉ dùng cho một tổ chức đang hoạt động.",
                    r.code
                ),
            );
            return Ok(None);
        }
    }
    let Some(parent) = find_parent(cell, tree, plan, r) else {
        return Ok(None);
    };
    if let Parent::OnFile(p) = &parent
        && let Some(unit) = tree.child(p.id, &r.name)
    {
        if !code.is_empty() {
            let held = unit
                .code
                .as_ref()
                .map_or("không có mã".to_string(), |c| format!("mã {c}"));
            cell.problem(
                "code",
                format!(
                    "Đã có \"{}\" trực thuộc \"{}\" ({held}); dòng này ghi mã {}. Hãy sửa trên trang đơn vị, hoặc sửa dòng cho khớp.",
                    unit.name, p.name, r.code
                ),
            );
            return Ok(None);
        }
        return Ok(agrees(cell, tree, plan, r, unit));
    }
    let parent_ref = match &parent {
        Parent::OnFile(p) => UnitParent::OnFile(p.id),
        Parent::New(i, _) => UnitParent::Earlier(*i),
    };
    let name = header_key(&r.name);
    let first = plan
        .names
        .get(&(parent_ref, name.clone()))
        .into_iter()
        .flatten()
        .find(|(written, _)| same_name(written, &r.name));
    if let Some((_, first)) = first {
        cell.problem(
            "name",
            format!("Dòng {first} ở trên đã ghi tổ chức cùng tên trực thuộc cùng đơn vị cấp trên."),
        );
        return Ok(None);
    }
    let (Parent::OnFile(parent_unit) | Parent::New(_, parent_unit)) = parent;
    let kind = r.kind.under(parent_unit.kind);
    let valid_from = r.founded_on.unwrap_or(today);
    if valid_from > today {
        cell.problem(
            "founded_on",
            format!(
                "Ngày thành lập {} sau ngày hôm nay ({}).",
                dmy(valid_from),
                dmy(today)
            ),
        );
        return Ok(None);
    }
    if valid_from < parent_unit.valid_from {
        // Before the parent existed (the domain's message would call it closed).
        let key = if r.founded_on.is_some() {
            "founded_on"
        } else {
            parent_column(cell, r)
        };
        cell.problem(
            key,
            format!(
                "Ngày thành lập {} trước ngày thành lập của tổ chức cấp trên \"{}\" ({}).",
                dmy(valid_from),
                parent_unit.name,
                dmy(parent_unit.valid_from)
            ),
        );
        return Ok(None);
    }
    if let Err(v) = check_placement(&parent_unit, kind, valid_from) {
        let key = if v.field == "kind" {
            "kind"
        } else if r.founded_on.is_some() {
            "founded_on"
        } else {
            parent_column(cell, r)
        };
        cell.problem(key, v.message);
        return Ok(None);
    }
    let unit = ImportedUnit {
        code: (!r.code.is_empty()).then(|| r.code.clone()),
        name: r.name.clone(),
        kind,
        parent: parent_ref,
        sector: r
            .sector
            .clone()
            .unwrap_or_else(|| parent_unit.sector.clone()),
        valid_from,
    };
    let index = plan.new.len();
    plan.names
        .entry((parent_ref, name))
        .or_default()
        .push((r.name.clone(), row));
    if !code.is_empty() {
        plan.new_by_code.insert(code, index);
    }
    plan.remember(&unit.name, Parent::New(index, unit.as_unit()));
    plan.new.push(unit);
    Ok(Some(Checked::New))
}

/// The parent column a problem about the parent points at: the code's if the row wrote
/// one, else the name's.
fn parent_column(cell: &Reader<'_>, r: &Read) -> &'static str {
    if !r.parent_code.is_empty() || cell.table.column("parent").is_none() {
        "parent_code"
    } else {
        "parent"
    }
}

/// The row's parent: by code, else by name, among the active units of the scope and the
/// units earlier rows create. `None` when it is missing or not found (and said so).
fn find_parent(cell: &mut Reader<'_>, tree: &Tree, plan: &Plan, r: &Read) -> Option<Parent> {
    if !r.parent_code.is_empty() {
        let code = code_key(&r.parent_code);
        if let Some(parent) = plan.new_by_code.get(&code).and_then(|i| plan.planned(*i)) {
            return Some(parent);
        }
        if let Some(unit) = tree.by_code.get(&code) {
            return Some(Parent::OnFile(unit.clone()));
        }
        let message = match plan.failed_codes.get(&code) {
            Some(row) => format!("Tổ chức cấp trên này ở dòng {row} có lỗi; hãy sửa dòng đó trước."),
            None => "Không có tổ chức đảng đang hoạt động nào mang mã này trong phạm vi của tài khoản, cũng không có dòng nào ở trên tạo tổ chức mang mã này.".to_string(),
        };
        cell.problem("parent_code", message);
        return None;
    }
    if r.parent_name.is_empty() {
        let key = parent_column(cell, r);
        cell.problem(
            key,
            "Thiếu đơn vị cấp trên (ghi mã hoặc tên đơn vị cấp trên): tổ chức mới phải trực thuộc một tổ chức trong phạm vi của tài khoản.",
        );
        return None;
    }
    let key = header_key(&r.parent_name);
    let nearest = plan
        .named
        .get(&key)
        .into_iter()
        .flatten()
        .rev()
        .find(|(name, _)| same_name(name, &r.parent_name));
    if let Some((_, parent)) = nearest {
        return Some(parent.clone());
    }
    let mut found: Vec<&Unit> = tree
        .by_name
        .get(&key)
        .into_iter()
        .flatten()
        .filter(|u| same_name(&u.name, &r.parent_name))
        .collect();
    if found.len() > 1 {
        // Namesakes: the one that already holds a unit of the row's name, if only one does.
        let holding: Vec<&Unit> = found
            .iter()
            .copied()
            .filter(|u| tree.child(u.id, &r.name).is_some())
            .collect();
        if holding.len() == 1 {
            found = holding;
        }
    }
    match found.as_slice() {
        [one] => Some(Parent::OnFile((*one).clone())),
        [] => {
            let message = match plan.failed_names.get(&key) {
                Some(row) => {
                    format!("Tổ chức cấp trên này ở dòng {row} có lỗi; hãy sửa dòng đó trước.")
                }
                None => "Không có tổ chức đảng đang hoạt động nào mang tên này trong phạm vi của tài khoản, cũng không có dòng nào ở trên tạo tổ chức mang tên này.".to_string(),
            };
            cell.problem("parent", message);
            None
        }
        _ => {
            cell.problem(
                "parent",
                "Có nhiều tổ chức đảng mang tên này trong phạm vi của tài khoản; hãy ghi mã đơn vị cấp trên.",
            );
            None
        }
    }
}

/// A row that names a unit on file: unchanged when it agrees, and then a parent the rows
/// below may name.
fn agrees(
    cell: &mut Reader<'_>,
    tree: &Tree,
    plan: &mut Plan,
    r: &Read,
    unit: &Unit,
) -> Option<Checked> {
    if !on_file(cell, tree, plan, r, unit) {
        return None;
    }
    plan.remember(&unit.name, Parent::OnFile(unit.clone()));
    Some(Checked::Unchanged)
}

/// Compares a row with the unit on file it names; `true` when they agree. Each cell that
/// differs is a problem of its own.
fn on_file(cell: &mut Reader<'_>, tree: &Tree, plan: &mut Plan, r: &Read, unit: &Unit) -> bool {
    let row = cell.row.number;
    if let Some(first) = plan.matched.get(&unit.id) {
        cell.problem(
            "name",
            format!("Dòng {first} ở trên đã ghi tổ chức \"{}\".", unit.name),
        );
        return false;
    }
    plan.matched.insert(unit.id, row);
    let before = cell.problems.len();
    let differs = |cell: &mut Reader<'_>, key: &str, what: &str, held: &str| {
        let code = unit
            .code
            .as_ref()
            .map(|c| format!(" (mã {c})"))
            .unwrap_or_default();
        cell.problem(
            key,
            format!(
                "\"{}\"{code} đã có, với {what} \"{held}\"; dòng này ghi khác. Tổ chức đã có không sửa qua nhập danh sách: hãy sửa trên trang đơn vị, hoặc sửa dòng cho khớp.",
                unit.name
            ),
        );
    };
    if !same_name(&r.name, &unit.name) {
        differs(cell, "name", "tên", &unit.name);
    }
    if !r.kind.agrees_with(unit.kind) {
        differs(cell, "kind", "loại", unit.kind.label_vi());
    }
    // The scope's root: its parent is outside the scope, not for this account to name.
    if unit.id != tree.root
        && (!r.parent_code.is_empty() || !r.parent_name.is_empty())
        && let Some(parent) = find_parent(cell, tree, plan, r)
    {
        let same = matches!(&parent, Parent::OnFile(p) if Some(p.id) == unit.parent);
        if !same {
            let held = unit
                .parent
                .and_then(|p| tree.units.get(&p))
                .map_or(String::new(), |p| p.name.clone());
            let key = parent_column(cell, r);
            differs(cell, key, "đơn vị cấp trên", &held);
        }
    }
    if let Some(sector) = &r.sector
        && *sector != unit.sector
    {
        differs(
            cell,
            "sector",
            "lĩnh vực",
            &sector_name(&unit.sector, &tree.sectors),
        );
    }
    if let Some(day) = r.founded_on
        && day != unit.valid_from
    {
        differs(cell, "founded_on", "ngày thành lập", &dmy(unit.valid_from));
    }
    cell.problems.len() == before
}
