//! Tổ chức đảng: the unit tree of the account's scope with its counts per stage group, and
//! one unit with its sub-units and history.

use std::collections::HashMap;

use askama::Template;
use axum::extract::Path;
use axum::response::{Html, IntoResponse, Response};
use chrono::{Datelike, NaiveDate};
use ketnap_domain::case::Stage;
use ketnap_domain::ids::UnitId;
use ketnap_domain::scope::Scope;
use ketnap_domain::unit::Unit;
use ketnap_store::Store;
use ketnap_store::listing::StageTally;

use crate::ctx::Ctx;
use crate::error::WebError;
use crate::views::{Layout, dmy, number};

/// Up to this many active units, the tree page shows the whole tree; above it (a city has
/// thousands), the scope's root and its children only.
const FULL_TREE_LIMIT: usize = 150;

/// Cases of a unit's subtree, by the groups an officer follows.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Counts {
    /// Quần chúng ưu tú, cảm tình Đảng, đã học lớp nhận thức.
    sources: i64,
    /// From the application to the cell's vote.
    file: i64,
    /// Waiting for the admission decision or the ceremony.
    awaiting: i64,
    probation: i64,
    official_this_year: i64,
    overdue: i64,
    /// Every case still in the pipeline.
    open: i64,
}

impl Counts {
    fn add_tally(&mut self, tally: &StageTally) {
        let n = tally.cases;
        match tally.stage {
            Stage::Source | Stage::Sympathiser | Stage::AwarenessCertified => self.sources += n,
            Stage::FileOpened | Stage::Introduced | Stage::OpinionsCollected | Stage::Verified => {
                self.file += n
            }
            Stage::CellResolved | Stage::BaseResolved | Stage::Decided => self.awaiting += n,
            Stage::Probation | Stage::RecognitionProposed | Stage::RecognitionBaseResolved => {
                self.probation += n
            }
            _ => {}
        }
        if !tally.stage.is_closed() {
            self.open += n;
        }
        self.official_this_year += tally.official_in_year;
    }

    fn add(&mut self, other: &Counts) {
        self.sources += other.sources;
        self.file += other.file;
        self.awaiting += other.awaiting;
        self.probation += other.probation;
        self.official_this_year += other.official_this_year;
        self.overdue += other.overdue;
        self.open += other.open;
    }
}

enum Chunk<'a> {
    Text(&'a str),
    Number(u64),
}

fn chunks(text: &str) -> Vec<Chunk<'_>> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut digits = false;
    for (i, c) in text.char_indices() {
        let is_digit = c.is_ascii_digit();
        if i > start && is_digit != digits {
            out.push(chunk(&text[start..i], digits));
            start = i;
        }
        digits = is_digit;
    }
    if start < text.len() {
        out.push(chunk(&text[start..], digits));
    }
    out
}

fn chunk(part: &str, digits: bool) -> Chunk<'_> {
    if digits {
        Chunk::Number(part.parse().unwrap_or(u64::MAX))
    } else {
        Chunk::Text(part)
    }
}

/// Unit names in Vietnamese order with numbers read as numbers: "Khu phố 2" before
/// "Khu phố 10".
pub(crate) fn natural_cmp(
    collator: &ketnap_domain::text::NameCollator,
    a: &str,
    b: &str,
) -> std::cmp::Ordering {
    NaturalKey::new(a).cmp_with(&NaturalKey::new(b), collator)
}

/// A name cut into its runs of digits and of other characters, to sort many names
/// (`natural_cmp`) cutting each once.
pub(crate) struct NaturalKey<'a> {
    text: &'a str,
    chunks: Vec<Chunk<'a>>,
}

impl<'a> NaturalKey<'a> {
    pub(crate) fn new(text: &'a str) -> NaturalKey<'a> {
        NaturalKey {
            text,
            chunks: chunks(text),
        }
    }

    pub(crate) fn cmp_with(
        &self,
        other: &NaturalKey<'_>,
        collator: &ketnap_domain::text::NameCollator,
    ) -> std::cmp::Ordering {
        use std::cmp::Ordering;
        for (x, y) in self.chunks.iter().zip(&other.chunks) {
            let order = match (x, y) {
                (Chunk::Number(p), Chunk::Number(q)) => p.cmp(q),
                (Chunk::Text(p), Chunk::Text(q)) => collator.compare(p, q),
                (Chunk::Number(_), Chunk::Text(_)) => Ordering::Less,
                (Chunk::Text(_), Chunk::Number(_)) => Ordering::Greater,
            };
            if order != Ordering::Equal {
                return order;
            }
        }
        self.chunks
            .len()
            .cmp(&other.chunks.len())
            .then_with(|| collator.compare(self.text, other.text))
    }
}

/// One line of a unit table.
pub struct UnitLine {
    pub id: i64,
    pub name: String,
    pub kind: &'static str,
    pub code: String,
    pub sector: String,
    /// Indentation in the tree (0 = the top line), at most 4.
    pub depth: usize,
    pub closed: bool,
    pub sources: String,
    pub file: String,
    pub awaiting: String,
    pub probation: String,
    pub official_this_year: String,
    pub overdue: String,
    pub overdue_any: bool,
    pub open: String,
}

/// The units of a scope, their children and their subtree counts.
struct Tree {
    units: HashMap<UnitId, Unit>,
    children: HashMap<UnitId, Vec<UnitId>>,
    totals: HashMap<UnitId, Counts>,
    sectors: HashMap<String, String>,
}

impl Tree {
    /// Loads the scope's units and the counts of the subtree under `top`.
    async fn load(
        store: &Store,
        scope: &Scope,
        top: UnitId,
        today: NaiveDate,
    ) -> Result<Tree, WebError> {
        use ketnap_domain::ports::UnitStore;
        let all = store.units_in(scope).await?;
        let mut units = HashMap::new();
        let mut children: HashMap<UnitId, Vec<UnitId>> = HashMap::new();
        for unit in all {
            if let Some(parent) = unit.parent {
                children.entry(parent).or_default().push(unit.id);
            }
            units.insert(unit.id, unit);
        }
        if !units.contains_key(&top) {
            return Err(WebError::not_found());
        }
        let collator = ketnap_domain::text::NameCollator::new();
        for list in children.values_mut() {
            list.sort_by(|a, b| {
                let name = |id: &UnitId| units.get(id).map(|u| u.name.as_str()).unwrap_or("");
                natural_cmp(&collator, name(a), name(b)).then(a.cmp(b))
            });
        }
        let mut own: HashMap<UnitId, Counts> = HashMap::new();
        for tally in store.stage_tallies(scope, top, today.year()).await? {
            own.entry(tally.unit).or_default().add_tally(&tally);
        }
        for (unit, n) in store.overdue_tallies(scope, top, today).await? {
            own.entry(unit).or_default().overdue += n;
        }
        // Pre-order from `top`, then sum each unit into its parent from the leaves up.
        let mut order = Vec::new();
        let mut stack = vec![top];
        while let Some(id) = stack.pop() {
            order.push(id);
            if let Some(list) = children.get(&id) {
                stack.extend(list.iter().copied());
            }
        }
        let mut totals: HashMap<UnitId, Counts> = HashMap::new();
        for id in order.iter().rev() {
            let mut total = totals.remove(id).unwrap_or_default();
            if let Some(counts) = own.get(id) {
                total.add(counts);
            }
            if *id != top
                && let Some(parent) = units.get(id).and_then(|u| u.parent)
            {
                totals.entry(parent).or_default().add(&total);
            }
            totals.insert(*id, total);
        }
        let sectors = store.sectors().await?.into_iter().collect();
        Ok(Tree {
            units,
            children,
            totals,
            sectors,
        })
    }

    fn line(&self, id: UnitId, depth: usize) -> Option<UnitLine> {
        let unit = self.units.get(&id)?;
        let c = self.totals.get(&id).copied().unwrap_or_default();
        Some(UnitLine {
            id: id.0,
            name: unit.name.clone(),
            kind: unit.kind.label_vi(),
            code: unit.code.clone().unwrap_or_default(),
            sector: self
                .sectors
                .get(&unit.sector.0)
                .cloned()
                .unwrap_or_else(|| unit.sector.0.clone()),
            depth: depth.min(4),
            closed: unit.valid_until.is_some(),
            sources: number(c.sources),
            file: number(c.file),
            awaiting: number(c.awaiting),
            probation: number(c.probation),
            official_this_year: number(c.official_this_year),
            overdue: number(c.overdue),
            overdue_any: c.overdue > 0,
            open: number(c.open),
        })
    }

    fn active_children(&self, id: UnitId, today: NaiveDate) -> Vec<UnitId> {
        self.children
            .get(&id)
            .map(|list| {
                list.iter()
                    .copied()
                    .filter(|c| self.units.get(c).is_some_and(|u| u.is_active_on(today)))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// `top` and the active units under it, depth first, down to `max_depth`.
    fn lines(&self, top: UnitId, max_depth: usize, today: NaiveDate) -> Vec<UnitLine> {
        let mut lines = Vec::new();
        let mut stack = vec![(top, 0)];
        while let Some((id, depth)) = stack.pop() {
            lines.extend(self.line(id, depth));
            if depth < max_depth {
                let kids = self.active_children(id, today);
                stack.extend(kids.into_iter().rev().map(|k| (k, depth + 1)));
            }
        }
        lines
    }

    fn active_count(&self, today: NaiveDate) -> usize {
        self.units
            .values()
            .filter(|u| u.is_active_on(today))
            .count()
    }
}

#[derive(Template)]
#[template(path = "units.html")]
struct TreePage {
    layout: Layout,
    lines: Vec<UnitLine>,
    whole_tree: bool,
    active_units: String,
    year: i32,
}

pub async fn tree(ctx: Ctx) -> Result<Response, WebError> {
    let scope = ctx.scope()?;
    let today = ctx.today();
    let tree = Tree::load(&ctx.state.store, scope, scope.root(), today).await?;
    let active = tree.active_count(today);
    let whole_tree = active <= FULL_TREE_LIMIT;
    let depth = if whole_tree { usize::MAX } else { 1 };
    let page = TreePage {
        layout: ctx.layout("Tổ chức đảng").await?,
        lines: tree.lines(scope.root(), depth, today),
        whole_tree,
        active_units: number(active as i64),
        year: today.year(),
    };
    Ok(Html(page.render()?).into_response())
}

/// A unit as the history section names it.
pub struct Named {
    pub id: i64,
    pub name: String,
    /// Inside the scope, so the name may be a link.
    pub linked: bool,
}

pub struct PastName {
    pub name: String,
    pub used_until: String,
}

#[derive(Template)]
#[template(path = "unit.html")]
struct UnitPage {
    layout: Layout,
    id: i64,
    kind: &'static str,
    code: String,
    sector: String,
    valid_from: String,
    valid_until: Option<String>,
    successor: Option<Named>,
    parent: Option<Named>,
    past_names: Vec<PastName>,
    lines: Vec<UnitLine>,
    closed_children: Vec<Named>,
    holds_cases: bool,
    year: i32,
    /// The unit's papers: each case paper in bulk, the awareness list, this year's plan.
    papers: Vec<super::papers::PaperLink>,
}

pub async fn unit(ctx: Ctx, Path(unit_id): Path<String>) -> Result<Response, WebError> {
    let scope = ctx.scope()?;
    let id = unit_id
        .parse::<i64>()
        .map(UnitId)
        .map_err(|_| WebError::not_found())?;
    let today = ctx.today();
    let store = &ctx.state.store;
    let tree = Tree::load(store, scope, id, today).await?;
    let Some(unit) = tree.units.get(&id) else {
        return Err(WebError::not_found());
    };
    let named = |other: UnitId, fallback: Option<String>| -> Named {
        match tree.units.get(&other) {
            Some(u) => Named {
                id: other.0,
                name: u.name.clone(),
                linked: true,
            },
            None => Named {
                id: other.0,
                name: fallback.unwrap_or_else(|| format!("Tổ chức số {}", other.0)),
                linked: false,
            },
        }
    };
    let successor = match unit.successor {
        Some(s) if tree.units.contains_key(&s) => Some(named(s, None)),
        // A successor outside the scope is not named, like the parent.
        Some(s) => Some(named(s, None)),
        None => None,
    };
    // The parent outside the scope is not named: the account sees its own subtree.
    let parent = unit
        .parent
        .filter(|p| tree.units.contains_key(p) && id != scope.root())
        .map(|p| named(p, None));
    let closed_children = tree
        .children
        .get(&id)
        .map(|list| {
            list.iter()
                .filter(|c| tree.units.get(c).is_some_and(|u| !u.is_active_on(today)))
                .map(|c| named(*c, None))
                .collect()
        })
        .unwrap_or_default();
    let past_names = store
        .unit_past_names(scope, id)
        .await?
        .into_iter()
        .map(|p| PastName {
            name: p.name,
            used_until: dmy(p.used_until),
        })
        .collect();
    let page = UnitPage {
        layout: ctx.layout(&unit.name).await?,
        id: id.0,
        kind: unit.kind.label_vi(),
        code: unit.code.clone().unwrap_or_default(),
        sector: tree
            .sectors
            .get(&unit.sector.0)
            .cloned()
            .unwrap_or_else(|| unit.sector.0.clone()),
        valid_from: dmy(unit.valid_from),
        valid_until: unit.valid_until.map(dmy),
        successor,
        parent,
        past_names,
        lines: tree.lines(id, 1, today),
        closed_children,
        holds_cases: unit.kind.holds_cases(),
        year: today.year(),
        papers: super::unit_papers::links(id.0, today.year()),
    };
    Ok(Html(page.render()?).into_response())
}
