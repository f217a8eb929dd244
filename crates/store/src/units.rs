//! The unit tree: creation, renames and merges keep history; nothing is deleted.

use chrono::NaiveDate;
use ketnap_domain::Violation;
use ketnap_domain::ids::UnitId;
use ketnap_domain::ports::{Change, NewUnit, StoreError, StoreResult, UnitStore};
use ketnap_domain::report::UnitTree;
use ketnap_domain::scope::Scope;
use ketnap_domain::unit::{SectorCode, Unit, UnitKind, check_closing, check_placement};

use crate::audit::{self, Audit};
use crate::read::{FromColumns, Row};
use crate::{SUBTREE, Store, backend_error, iso_date, parse_date, to_json};

#[derive(sqlx::FromRow)]
pub(crate) struct UnitRow {
    id: i64,
    code: Option<String>,
    name: String,
    kind: String,
    parent_id: Option<i64>,
    sector: String,
    valid_from: String,
    valid_until: Option<String>,
    successor_id: Option<i64>,
}

pub(crate) const UNIT_COLUMNS: &str =
    "id, code, name, kind, parent_id, sector, valid_from, valid_until, successor_id";

impl UnitRow {
    pub(crate) fn into_unit(self) -> StoreResult<Unit> {
        Ok(Unit {
            id: UnitId(self.id),
            code: self.code,
            name: self.name,
            kind: UnitKind::from_code(&self.kind)
                .ok_or_else(|| StoreError::Backend(format!("loại tổ chức lạ: {}", self.kind)))?,
            parent: self.parent_id.map(UnitId),
            sector: SectorCode(self.sector),
            valid_from: parse_date(&self.valid_from)?,
            valid_until: self.valid_until.as_deref().map(parse_date).transpose()?,
            successor: self.successor_id.map(UnitId),
        })
    }
}

impl Store {
    async fn one_unit(&self, sql: &str, bind: impl ToString) -> StoreResult<Option<Unit>> {
        let row: Option<UnitRow> = sqlx::query_as(sql)
            .bind(bind.to_string())
            .fetch_optional(&self.pool)
            .await
            .map_err(backend_error)?;
        row.map(UnitRow::into_unit).transpose()
    }

    /// The configured sectors, `(code, Vietnamese name)`, in display order.
    pub async fn sectors(&self) -> StoreResult<Vec<(String, String)>> {
        let sectors = self
            .sectors
            .get_or_try_init(|| async {
                sqlx::query_as("SELECT code, name FROM sectors ORDER BY position")
                    .fetch_all(&self.pool)
                    .await
                    .map_err(backend_error)
            })
            .await?;
        Ok(sectors.clone())
    }
}

fn unknown_unit(field: &str) -> StoreError {
    StoreError::Rejected(Violation::new(
        "unit.unknown",
        field,
        "Không có tổ chức đảng này.",
    ))
}

impl UnitStore for Store {
    async fn create_unit(&self, change: &Change, unit: NewUnit) -> StoreResult<UnitId> {
        let name = ketnap_domain::text::clean(&unit.name);
        if name.is_empty() {
            return Err(
                Violation::new("input.required", "name", "Phải ghi tên tổ chức đảng.").into(),
            );
        }
        if let Some(parent_id) = unit.parent {
            let parent = self
                .unit(parent_id)
                .await?
                .ok_or_else(|| unknown_unit("parent"))?;
            check_placement(&parent, unit.kind, unit.valid_from)?;
        }
        let sectors = self.sectors().await?;
        if !sectors.iter().any(|(code, _)| *code == unit.sector.0) {
            return Err(Violation::new(
                "unit.sector",
                "sector",
                format!("Lĩnh vực \"{}\" không có trong danh mục.", unit.sector.0),
            )
            .into());
        }
        let mut tx = self.begin().await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO units (code, name, kind, parent_id, sector, valid_from) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        )
        .bind(unit.code.as_deref())
        .bind(&name)
        .bind(unit.kind.code())
        .bind(unit.parent.map(|p| p.0))
        .bind(&unit.sector.0)
        .bind(iso_date(unit.valid_from))
        .fetch_one(&mut *tx)
        .await
        .map_err(|e| match e {
            sqlx::Error::Database(db) if db.message().to_lowercase().contains("unique") => StoreError::Rejected(
                Violation::new("unit.code-taken", "code", "Mã tổ chức này đã được dùng cho một tổ chức đang hoạt động."),
            ),
            other => backend_error(other),
        })?;
        audit::write(
            &mut tx,
            change,
            Audit {
                action: "unit.create",
                entity: "unit",
                entity_id: id.to_string(),
                before: None,
                after: Some(name),
            },
        )
        .await?;
        tx.commit().await.map_err(backend_error)?;
        Ok(UnitId(id))
    }

    async fn unit(&self, id: UnitId) -> StoreResult<Option<Unit>> {
        let row: Option<UnitRow> =
            sqlx::query_as(&format!("SELECT {UNIT_COLUMNS} FROM units WHERE id = $1"))
                .bind(id.0)
                .fetch_optional(&self.pool)
                .await
                .map_err(backend_error)?;
        row.map(UnitRow::into_unit).transpose()
    }

    async fn unit_by_code(&self, code: &str) -> StoreResult<Option<Unit>> {
        // The active unit with that code, or the latest one that had it.
        self.one_unit(
            &format!("SELECT {UNIT_COLUMNS} FROM units WHERE code = $1 ORDER BY valid_until IS NOT NULL, valid_from DESC LIMIT 1"),
            code.trim(),
        )
        .await
    }

    async fn units_in(&self, scope: &Scope) -> StoreResult<Vec<Unit>> {
        let rows: Vec<UnitRow> = sqlx::query_as(&format!(
            "{SUBTREE} SELECT {UNIT_COLUMNS} FROM units WHERE id IN (SELECT id FROM subtree) ORDER BY id"
        ))
        .bind(scope.root().0)
        .fetch_all(&self.pool)
        .await
        .map_err(backend_error)?;
        rows.into_iter().map(UnitRow::into_unit).collect()
    }

    async fn rename_unit(
        &self,
        change: &Change,
        id: UnitId,
        name: &str,
        on: NaiveDate,
    ) -> StoreResult<()> {
        let unit = self.unit(id).await?.ok_or_else(|| unknown_unit("unit"))?;
        let name = ketnap_domain::text::clean(name);
        if name.is_empty() {
            return Err(Violation::new("input.required", "name", "Phải ghi tên mới.").into());
        }
        let last_day = on.pred_opt().unwrap_or(on);
        let mut tx = self.begin().await?;
        sqlx::query("INSERT INTO unit_names (unit_id, name, used_until) VALUES ($1, $2, $3)")
            .bind(id.0)
            .bind(&unit.name)
            .bind(iso_date(last_day))
            .execute(&mut *tx)
            .await
            .map_err(backend_error)?;
        sqlx::query("UPDATE units SET name = $1 WHERE id = $2")
            .bind(&name)
            .bind(id.0)
            .execute(&mut *tx)
            .await
            .map_err(backend_error)?;
        audit::write(
            &mut tx,
            change,
            Audit {
                action: "unit.rename",
                entity: "unit",
                entity_id: id.to_string(),
                before: Some(unit.name),
                after: Some(name),
            },
        )
        .await?;
        tx.commit().await.map_err(backend_error)
    }

    async fn merge_unit(
        &self,
        change: &Change,
        from: UnitId,
        into: UnitId,
        on: NaiveDate,
    ) -> StoreResult<()> {
        let old = self.unit(from).await?.ok_or_else(|| unknown_unit("from"))?;
        let new = self.unit(into).await?.ok_or_else(|| unknown_unit("into"))?;
        let last_day = on.pred_opt().unwrap_or(on);
        check_closing(&old, last_day)?;
        let inside = Scope::subtree(from, ketnap_domain::scope::Access::Read);
        if !new.is_active_on(on)
            || new.kind != old.kind && !(new.kind.holds_cases() && old.kind.holds_cases())
            // A unit cannot go into one of its own sub-units: the tree would loop.
            || self.in_scope(&inside, into).await?
        {
            return Err(Violation::new(
                "unit.merge",
                "into",
                format!("Không thể sáp nhập \"{}\" vào \"{}\".", old.name, new.name),
            )
            .into());
        }
        let mut tx = self.begin().await?;
        sqlx::query("UPDATE units SET valid_until = $1, successor_id = $2 WHERE id = $3")
            .bind(iso_date(last_day))
            .bind(into.0)
            .bind(from.0)
            .execute(&mut *tx)
            .await
            .map_err(backend_error)?;
        sqlx::query("UPDATE units SET parent_id = $1 WHERE parent_id = $2 AND valid_until IS NULL")
            .bind(into.0)
            .bind(from.0)
            .execute(&mut *tx)
            .await
            .map_err(backend_error)?;
        // Open cases follow the cell into the merged one, each with its audit row and a new
        // version; closed ones stay where they happened.
        let open: Vec<(i64, String)> = sqlx::query_as(
            "SELECT id, body FROM cases WHERE cell_id = $1 AND closed_on IS NULL AND official_on IS NULL",
        )
        .bind(from.0)
        .fetch_all(&mut *tx)
        .await
        .map_err(backend_error)?;
        let moved = open.len();
        for (id, body) in open {
            let mut case: ketnap_domain::case::Case = crate::from_json(&body)?;
            case.cell = into;
            case.cell_under_base_committee = new.kind.needs_base_resolution();
            sqlx::query("UPDATE cases SET cell_id = $1, body = $2, version = version + 1, updated_at = $3 WHERE id = $4")
                .bind(into.0)
                .bind(to_json(&case)?)
                .bind(crate::timestamp(change.now))
                .bind(id)
                .execute(&mut *tx)
                .await
                .map_err(backend_error)?;
            let audit = Audit {
                after: Some(format!("{from} → {into}")),
                ..Audit::event("case.move", "case", id)
            };
            audit::write(&mut tx, change, audit).await?;
        }
        audit::write(
            &mut tx,
            change,
            Audit {
                action: "unit.merge",
                entity: "unit",
                entity_id: from.to_string(),
                before: Some(to_json(&old)?),
                after: Some(format!(
                    "{{\"successor\":{},\"from\":\"{}\",\"open_cases_moved\":{moved}}}",
                    into.0,
                    iso_date(on)
                )),
            },
        )
        .await?;
        tx.commit().await.map_err(backend_error)
    }

    async fn dissolve_unit(&self, change: &Change, id: UnitId, on: NaiveDate) -> StoreResult<()> {
        let unit = self.unit(id).await?.ok_or_else(|| unknown_unit("unit"))?;
        let last_day = on.pred_opt().unwrap_or(on);
        check_closing(&unit, last_day)?;
        let (children, open_cases): (i64, i64) = sqlx::query_as(
            "SELECT (SELECT COUNT(*) FROM units WHERE parent_id = $1 AND valid_until IS NULL),
                    (SELECT COUNT(*) FROM cases WHERE cell_id = $1 AND closed_on IS NULL AND official_on IS NULL)",
        )
        .bind(id.0)
        .fetch_one(&self.pool)
        .await
        .map_err(backend_error)?;
        if children > 0 || open_cases > 0 {
            return Err(Violation::new(
                "unit.dissolve-not-empty",
                "unit",
                format!(
                    "\"{}\" còn {children} tổ chức trực thuộc và {open_cases} hồ sơ đang theo dõi; hãy chuyển hoặc sáp nhập trước khi giải thể.",
                    unit.name
                ),
            )
            .into());
        }
        let mut tx = self.begin().await?;
        sqlx::query("UPDATE units SET valid_until = $1 WHERE id = $2")
            .bind(iso_date(last_day))
            .bind(id.0)
            .execute(&mut *tx)
            .await
            .map_err(backend_error)?;
        audit::write(
            &mut tx,
            change,
            Audit {
                action: "unit.dissolve",
                entity: "unit",
                entity_id: id.to_string(),
                before: Some(to_json(&unit)?),
                after: Some(iso_date(last_day)),
            },
        )
        .await?;
        tx.commit().await.map_err(backend_error)
    }
}

/// A mass organisation (đoàn thể) attached to a party unit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MassOrgRecord {
    pub id: i64,
    pub kind: String,
    pub unit_id: i64,
    pub name: String,
}

/// `MassOrgRecord`'s columns.
const MASS_ORG_COLUMNS: &str = "id, kind, unit_id, name";

impl FromColumns for MassOrgRecord {
    fn from_columns(row: &Row<'_>) -> StoreResult<Self> {
        Ok(MassOrgRecord {
            id: row.get("id")?,
            kind: row.get("kind")?,
            unit_id: row.get("unit_id")?,
            name: row.get("name")?,
        })
    }
}

/// The mass organisations as the report model keeps them: their ids by the places of
/// their units in the tree's walk, so that a scope's are one stretch of them
/// (`Subtree::positions`), counted on every case list page without a query. Their names
/// stay in the database: a country's 112,000 would take about 14 MB, their ids 3.
#[derive(Debug, Default)]
pub(crate) struct PlacedMassOrgs {
    /// `(place, id, unit)` in order; a unit missing from the tree (none: a foreign key)
    /// last.
    placed: Vec<(usize, i64, UnitId)>,
}

impl PlacedMassOrgs {
    /// From `(id, unit)` pairs.
    pub(crate) fn new(orgs: Vec<(i64, i64)>, tree: &UnitTree) -> PlacedMassOrgs {
        let mut placed = PlacedMassOrgs::default();
        placed.put(orgs, tree);
        placed
    }

    /// Places them again: the tree's walk changes with its units.
    pub(crate) fn place(&mut self, tree: &UnitTree) {
        for (at, _, unit) in &mut self.placed {
            *at = tree.position(*unit).unwrap_or(usize::MAX);
        }
        self.placed.sort_unstable();
    }

    /// Adds `(id, unit)` pairs, each in place of one with its id.
    pub(crate) fn put(&mut self, orgs: Vec<(i64, i64)>, tree: &UnitTree) {
        let ids: std::collections::HashSet<i64> = orgs.iter().map(|(id, _)| *id).collect();
        self.placed.retain(|(_, id, _)| !ids.contains(id));
        self.placed
            .extend(orgs.into_iter().map(|(id, unit)| (0, id, UnitId(unit))));
        self.placed.shrink_to_fit();
        self.place(tree);
    }

    /// The ids of those attached to the units under `root`, itself included.
    fn under(&self, tree: &UnitTree, root: UnitId) -> impl ExactSizeIterator<Item = i64> + '_ {
        let range = tree.subtree(root).positions();
        let start = self.placed.partition_point(|(at, _, _)| *at < range.start);
        let end = self.placed.partition_point(|(at, _, _)| *at < range.end);
        self.placed[start..end].iter().map(|(_, id, _)| *id)
    }
}

/// What the report model tells of the filters: everything but the mass organisations'
/// names, which are read for `listed`, then `asked` after them.
struct ModelChoices {
    choices: FilterChoices,
    listed: Vec<i64>,
    asked: Option<i64>,
}

impl Store {
    pub async fn create_mass_org(
        &self,
        change: &Change,
        kind: &str,
        unit: UnitId,
        name: &str,
    ) -> StoreResult<ketnap_domain::ids::MassOrgId> {
        let name = ketnap_domain::text::clean(name);
        if name.is_empty() {
            return Err(Violation::new("input.required", "name", "Phải ghi tên đoàn thể.").into());
        }
        let known: Option<String> =
            sqlx::query_scalar("SELECT code FROM mass_org_kinds WHERE code = $1")
                .bind(kind)
                .fetch_optional(&self.pool)
                .await
                .map_err(backend_error)?;
        if known.is_none() {
            return Err(Violation::new(
                "mass-org.kind",
                "kind",
                format!("Không có loại đoàn thể \"{kind}\"."),
            )
            .into());
        }
        if self.unit(unit).await?.is_none() {
            return Err(unknown_unit("unit"));
        }
        let mut tx = self.begin().await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO mass_orgs (kind, unit_id, name) VALUES ($1, $2, $3) RETURNING id",
        )
        .bind(kind)
        .bind(unit.0)
        .bind(&name)
        .fetch_one(&mut *tx)
        .await
        .map_err(backend_error)?;
        audit::write(
            &mut tx,
            change,
            Audit {
                action: "mass-org.create",
                entity: "mass_org",
                entity_id: id.to_string(),
                before: None,
                after: Some(name),
            },
        )
        .await?;
        tx.commit().await.map_err(backend_error)?;
        Ok(ketnap_domain::ids::MassOrgId(id))
    }

    /// The mass organisations attached to units of the scope.
    pub async fn mass_orgs_in(&self, scope: &Scope) -> StoreResult<Vec<MassOrgRecord>> {
        self.read(format!(
            "{SUBTREE} SELECT {MASS_ORG_COLUMNS} FROM mass_orgs WHERE unit_id IN (SELECT id FROM subtree) ORDER BY name, id"
        ))
        .bind(scope.root().0)
        .all()
        .await
    }

    /// The mass organisations `ids`, by name.
    async fn mass_orgs_named(
        &self,
        ids: impl Iterator<Item = &i64>,
    ) -> StoreResult<Vec<MassOrgRecord>> {
        let ids: Vec<i64> = ids.copied().collect();
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let list: Vec<String> = (1..=ids.len()).map(|n| format!("${n}")).collect();
        let mut read = self.read(format!(
            "SELECT {MASS_ORG_COLUMNS} FROM mass_orgs WHERE id IN ({}) ORDER BY name, id",
            list.join(", ")
        ));
        for id in ids {
            read = read.bind(id);
        }
        read.all().await
    }

    /// One mass organisation: a mass-organisation officer's own, to find its party unit.
    pub async fn mass_org(
        &self,
        id: ketnap_domain::ids::MassOrgId,
    ) -> StoreResult<Option<MassOrgRecord>> {
        self.read(format!(
            "SELECT {MASS_ORG_COLUMNS} FROM mass_orgs WHERE id = $1"
        ))
        .bind(id.0)
        .optional()
        .await
    }
}

/// What `filter_choices` reads from the database, from the report model's tree and mass
/// organisations (all but the names): reading a ward's 63 units on each list page cost
/// about a tenth of its throughput, and the counts and its mass organisations another.
fn model_choices(
    tree: &UnitTree,
    orgs: &PlacedMassOrgs,
    scope: &Scope,
    (unit, mass_org): (Option<UnitId>, Option<i64>),
    (unit_limit, mass_org_limit): (usize, usize),
) -> ModelChoices {
    let root = scope.root();
    let unit_found = unit.is_some_and(|unit| tree.subtree(root).contains(unit));
    let active = tree
        .units_under(root)
        .filter(|u| u.valid_until.is_none())
        .take(unit_limit.saturating_add(1))
        .count();
    let all_units = active <= unit_limit;
    let found_unit = unit.filter(|_| unit_found);
    let mass_org_total = orgs.under(tree, root).len();
    let listed: Vec<i64> = if mass_org_total <= mass_org_limit {
        orgs.under(tree, root).collect()
    } else if let Some(under) = found_unit {
        let near = orgs.under(tree, under);
        if near.len() <= mass_org_limit {
            near.collect()
        } else {
            Vec::new()
        }
    } else {
        Vec::new()
    };
    let mass_org_found = mass_org.is_some_and(|id| orgs.under(tree, root).any(|o| o == id));
    let asked = mass_org.filter(|id| mass_org_found && !listed.contains(id));
    ModelChoices {
        choices: FilterChoices {
            units: offered_units(
                tree,
                root,
                (!all_units).then_some(found_unit.unwrap_or(root)),
            ),
            all_units,
            unit_found,
            mass_orgs: Vec::new(),
            mass_org_total,
            mass_org_found,
        },
        listed,
        asked,
    }
}

/// The units the case list's filter offers under `root`, by id: all of its subtree, or
/// (with `top_and`) the root, its direct sub-units and that unit; as `filter_choices`
/// reads them from the database when the model cannot tell.
fn offered_units(tree: &UnitTree, root: UnitId, top_and: Option<UnitId>) -> Vec<Unit> {
    let mut units: Vec<Unit> = match top_and {
        None => tree.units_under(root).cloned().collect(),
        Some(asked) => [root, asked]
            .iter()
            .chain(tree.children(root))
            .filter_map(|id| tree.get(*id).cloned())
            .collect(),
    };
    units.sort_by_key(|u| u.id);
    units.dedup_by_key(|u| u.id);
    units
}

/// What the case list's filters offer of a scope (see `Store::filter_choices`).
#[derive(Debug, Clone, PartialEq)]
pub struct FilterChoices {
    /// Every unit of the scope when it has at most the limit of active ones (`all_units`);
    /// else the root, its direct sub-units and the unit asked for.
    pub units: Vec<Unit>,
    pub all_units: bool,
    /// Whether the unit asked for is in the scope.
    pub unit_found: bool,
    /// Every mass organisation of the scope up to the limit; else those under the unit
    /// asked for (when they are within the limit), and the one asked for.
    pub mass_orgs: Vec<MassOrgRecord>,
    pub mass_org_total: usize,
    /// Whether the mass organisation asked for is in the scope.
    pub mass_org_found: bool,
}

impl Store {
    /// The units and mass organisations the case list's filters offer, and whether those
    /// asked for are in the scope: from the report model when it is loaded and knows of
    /// every change to them (the mass organisations' names read by id), else counted in
    /// the database; read only as far as the page shows them, as a city has thousands of
    /// each.
    pub async fn filter_choices(
        &self,
        scope: &Scope,
        unit: Option<UnitId>,
        mass_org: Option<i64>,
        (unit_limit, mass_org_limit): (usize, usize),
    ) -> StoreResult<FilterChoices> {
        let from_model = self.current_units().await.map(|model| {
            model_choices(
                &model.tree,
                &model.mass_orgs,
                scope,
                (unit, mass_org),
                (unit_limit, mass_org_limit),
            )
        });
        if let Some(ModelChoices {
            mut choices,
            listed,
            asked,
        }) = from_model
        {
            choices.mass_orgs = self.mass_orgs_named(listed.iter().chain(&asked)).await?;
            // The one asked for after those listed, as below.
            if let Some(asked) = asked {
                choices.mass_orgs.sort_by_key(|org| org.id == asked);
            }
            return Ok(choices);
        }
        let root = scope.root().0;
        // Every count in one query; an id not asked for is NULL, which matches nothing.
        // Active units are counted only to one past the limit (a city has 9,000).
        let (active, unit_found, mass_org_total, mass_org_found): (i64, i64, i64, i64) = self
            .read(format!(
                "{SUBTREE} SELECT
                    (SELECT COUNT(*) FROM (SELECT 1 FROM unit_closure sc JOIN units u
                     ON u.id = sc.unit_id WHERE sc.ancestor_id = $1 AND u.valid_until IS NULL
                     LIMIT $4) AS active),
                    (SELECT COUNT(*) FROM unit_closure WHERE ancestor_id = $1 AND unit_id = $2),
                    (SELECT COUNT(*) FROM mass_orgs WHERE unit_id IN (SELECT id FROM subtree)),
                    (SELECT COUNT(*) FROM mass_orgs WHERE id = $3 AND {})",
                crate::in_subtree("mass_orgs.unit_id")
            ))
            .bind(root)
            .bind(unit.map(|u| u.0))
            .bind(mass_org)
            .bind(
                i64::try_from(unit_limit)
                    .unwrap_or(i64::MAX)
                    .saturating_add(1),
            )
            // A large scope's mass organisations are counted one by one.
            .long(self.large_scope(scope))
            .one()
            .await?;
        let (unit_found, mass_org_found) = (unit_found > 0, mass_org_found > 0);
        let all_units = usize::try_from(active).unwrap_or(usize::MAX) <= unit_limit;
        let asked = unit.filter(|_| unit_found).unwrap_or(scope.root());
        let units = if all_units {
            self.units_in(scope).await?
        } else {
            let rows: Vec<UnitRow> = sqlx::query_as(&format!(
                "SELECT {UNIT_COLUMNS} FROM units WHERE id = $1 OR parent_id = $1 OR id = $2 ORDER BY id"
            ))
            .bind(root)
            .bind(asked.0)
            .fetch_all(&self.pool)
            .await
            .map_err(backend_error)?;
            rows.into_iter()
                .map(UnitRow::into_unit)
                .collect::<StoreResult<_>>()?
        };
        let mass_org_total = usize::try_from(mass_org_total).unwrap_or(usize::MAX);
        let mut mass_orgs = if mass_org_total <= mass_org_limit {
            self.mass_orgs_in(scope).await?
        } else if let Some(under) = unit.filter(|_| unit_found) {
            let near: Vec<MassOrgRecord> = self
                .read(format!(
                    "SELECT {MASS_ORG_COLUMNS} FROM mass_orgs
                     WHERE unit_id IN (SELECT unit_id FROM unit_closure WHERE ancestor_id = $1)
                     ORDER BY name, id LIMIT $2"
                ))
                .bind(under.0)
                .bind(
                    i64::try_from(mass_org_limit)
                        .unwrap_or(i64::MAX)
                        .saturating_add(1),
                )
                .all()
                .await?;
            if near.len() <= mass_org_limit {
                near
            } else {
                Vec::new()
            }
        } else {
            Vec::new()
        };
        if let Some(id) = mass_org.filter(|_| mass_org_found)
            && !mass_orgs.iter().any(|m| m.id == id)
            && let Some(asked) = self.mass_org(ketnap_domain::ids::MassOrgId(id)).await?
        {
            mass_orgs.push(asked);
        }
        Ok(FilterChoices {
            units,
            all_units,
            unit_found,
            mass_orgs,
            mass_org_total,
            mass_org_found,
        })
    }
}
