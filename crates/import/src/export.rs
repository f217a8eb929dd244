//! Lists out (xuất danh sách) in the layout the importer reads: the same headers in the same
//! order, so that a list exported, edited in Excel and imported again changes only what was
//! edited.

use ketnap_domain::case::{Case, DocRef};
use ketnap_domain::ethnicity;
use ketnap_domain::ids::UnitId;
use ketnap_domain::person::{BirthDate, PersonDetails};
use ketnap_domain::ports::{Change, UnitStore};
use ketnap_domain::scope::Scope;
use ketnap_domain::takeover::Milestones;
use ketnap_domain::unit::Unit;
use ketnap_sheets::header_key;
use ketnap_sheets::write::{Cell, Table};
use ketnap_store::Store;
use std::collections::HashMap;

use crate::{ImportError, Kind};

/// The kind's list for `scope`, as one table whose headers are the kind's field labels.
pub async fn export(
    store: &Store,
    change: &Change,
    scope: &Scope,
    kind: Kind,
    purpose: &str,
) -> Result<Table, ImportError> {
    let headers: Vec<&str> = kind.fields().iter().map(|f| f.label).collect();
    let mut table = Table::new(kind.code(), kind.label_vi(), &headers);
    let units: HashMap<_, Unit> = store
        .units_in(scope)
        .await?
        .into_iter()
        .map(|u| (u.id, u))
        .collect();
    let code = |id| {
        units
            .get(&id)
            .and_then(|u: &Unit| u.code.clone())
            .map_or(Cell::Empty, Cell::Text)
    };
    match kind {
        Kind::Headcounts => {
            for h in store.headcounts_in(scope).await? {
                let h = h.input;
                table.push(vec![
                    code(h.unit),
                    Cell::Date(h.as_of),
                    Cell::Integer(h.official_members),
                    Cell::Integer(h.probationary_members),
                    count(h.workforce),
                    count(h.youth_union_members),
                    count(h.trade_union_members),
                ]);
            }
        }
        Kind::People => {
            let known = store.export_people(change, scope, purpose).await?;
            // One row per person: their latest case (a re-import matches it).
            let rows = known
                .iter()
                .filter_map(|k| Some((&k.person.details, k.cases.last()?)));
            table.rows = people_table(rows, &units).rows;
        }
        Kind::Units => {
            let sectors: HashMap<String, String> = store.sectors().await?.into_iter().collect();
            // The root is the account's own unit, not something its list creates.
            for unit in tree_order(&units, scope.root()).into_iter().skip(1) {
                let parent = unit.parent.and_then(|p| units.get(&p));
                table.push(vec![
                    unit.code.clone().map_or(Cell::Empty, Cell::Text),
                    Cell::text(&unit.name),
                    Cell::text(unit.kind.label_vi()),
                    parent
                        .and_then(|p| p.code.clone())
                        .map_or(Cell::Empty, Cell::Text),
                    parent.map_or(Cell::Empty, |p| Cell::text(&p.name)),
                    Cell::text(sectors.get(&unit.sector.0).unwrap_or(&unit.sector.0)),
                    Cell::Date(unit.valid_from),
                ]);
            }
        }
        Kind::MassOrgs => {
            let kinds = store.mass_org_kinds().await?;
            let order: HashMap<UnitId, usize> = tree_order(&units, scope.root())
                .into_iter()
                .enumerate()
                .map(|(i, u)| (u.id, i))
                .collect();
            let position = |kind: &str| kinds.iter().position(|(code, _)| code == kind);
            // Organisations of closed units are history: no list can attach one to them.
            let mut orgs: Vec<_> = store
                .mass_orgs_in(scope)
                .await?
                .into_iter()
                .filter_map(|m| order.get(&UnitId(m.unit_id)).map(|at| (*at, m)))
                .collect();
            orgs.sort_by_key(|(at, m)| (*at, position(&m.kind), header_key(&m.name), m.id));
            for (_, m) in orgs {
                let unit = units.get(&UnitId(m.unit_id));
                let kind = kinds
                    .iter()
                    .find(|(code, _)| *code == m.kind)
                    .map_or(m.kind.as_str(), |(_, name)| name.as_str());
                let parent = unit.and_then(|u| u.parent).and_then(|p| units.get(&p));
                table.push(vec![
                    Cell::text(&m.name),
                    Cell::text(kind),
                    unit.and_then(|u| u.code.clone())
                        .map_or(Cell::Empty, Cell::Text),
                    unit.map_or(Cell::Empty, |u| Cell::text(&u.name)),
                    parent.map_or(Cell::Empty, |p| {
                        Cell::text(p.code.as_deref().unwrap_or(&p.name))
                    }),
                ]);
            }
        }
    }
    Ok(table)
}

/// The active units under `root` (itself first), parents before children, each unit's
/// sub-units in the order they were created: the order a list of the tree is read in,
/// the same in any database that holds the same tree.
fn tree_order(units: &HashMap<UnitId, Unit>, root: UnitId) -> Vec<&Unit> {
    let mut children: HashMap<UnitId, Vec<&Unit>> = HashMap::new();
    for unit in units.values().filter(|u| u.valid_until.is_none()) {
        if let Some(parent) = unit.parent {
            children.entry(parent).or_default().push(unit);
        }
    }
    for list in children.values_mut() {
        list.sort_by_key(|u| u.id);
    }
    let mut out = Vec::new();
    let mut stack: Vec<&Unit> = units
        .get(&root)
        .filter(|u| u.valid_until.is_none())
        .into_iter()
        .collect();
    while let Some(unit) = stack.pop() {
        out.push(unit);
        if let Some(list) = children.get(&unit.id) {
            stack.extend(list.iter().rev());
        }
    }
    out
}

/// People and their cases (one row each) in the people kind's layout: what the case list
/// exports with its filters, and what `export` writes for a whole scope.
pub fn people_table<'a>(
    rows: impl IntoIterator<Item = (&'a PersonDetails, &'a Case)>,
    units: &HashMap<UnitId, Unit>,
) -> Table {
    let headers: Vec<&str> = Kind::People.fields().iter().map(|f| f.label).collect();
    let mut table = Table::new(Kind::People.code(), Kind::People.label_vi(), &headers);
    for (d, case) in rows {
        let m = Milestones::of(case);
        let doc = |doc: &Option<DocRef>| match doc {
            Some(doc) => [Cell::text(&doc.number), Cell::Date(doc.dated)],
            None => [Cell::Empty, Cell::Empty],
        };
        let unit = units.get(&case.cell);
        let mut row = vec![
            Cell::text(d.name.full()),
            match d.birth {
                BirthDate::Full(day) => Cell::Date(day),
                BirthDate::YearOnly(year) => Cell::Text(year.to_string()),
            },
            Cell::text(d.sex.label_vi()),
            d.citizen_id
                .as_ref()
                .map_or(Cell::Empty, |c| Cell::text(c.as_str())),
            ethnicity::by_id(d.ethnicity).map_or(Cell::Empty, |e| Cell::text(e.name)),
            Cell::text(&d.religion),
            Cell::text(&d.occupation),
            Cell::text(&d.workplace),
            Cell::text(&d.residence),
            Cell::text(&d.phone),
            flag(d.youth_union_member),
            flag(d.trade_union_member),
            unit.and_then(|u| u.code.clone())
                .map_or(Cell::Empty, Cell::Text),
            unit.map_or(Cell::Empty, |u| Cell::text(&u.name)),
            Cell::text(case.stage.label_vi()),
            day(m.identified_on),
            day(m.sympathiser_on),
        ];
        row.extend(doc(&m.awareness_certificate));
        row.push(day(m.file_opened_on));
        row.extend(doc(&m.decision));
        row.push(day(m.ceremony_on));
        row.extend(doc(&m.recognition_decision));
        table.push(row);
    }
    table
}

fn count(n: Option<i64>) -> Cell {
    n.map_or(Cell::Empty, Cell::Integer)
}

fn day(d: Option<chrono::NaiveDate>) -> Cell {
    d.map_or(Cell::Empty, Cell::Date)
}

fn flag(yes: bool) -> Cell {
    if yes { Cell::text("x") } else { Cell::Empty }
}
