//! Counts of the case book kept up to date with each case put (sổ tổng hợp), so that what
//! a whole country's home page shows is a sum over the tree's places and a walk of the
//! few cases near their deadline, rather than a pass over a million and a half cases.
//!
//! Everything is keyed by the place of a unit in the tree's walk (`UnitTree::position`),
//! where a subtree is one range; when the tree changes the places move, and the tally is
//! built again.

use std::collections::{BTreeMap, BTreeSet};
use std::ops::Range;

use chrono::NaiveDate;

use super::facts::CaseBook;
use super::{FunnelStep, Subtree, UnitTree};
use crate::case::Stage;

/// Stage counts, in `Stage::ALL`'s order.
pub type StageCounts = [i64; Stage::ALL.len()];

#[derive(Debug, Default)]
pub struct Tally {
    /// Per place in the walk (every unit's, as any unit may be a case's cell): the cases
    /// whose cell it is now, per stage.
    stages: Vec<[u32; Stage::ALL.len()]>,
    /// The same counts summed over every place.
    everywhere: StageCounts,
    /// Open cases with a due date: (due, index in the book).
    due: BTreeSet<(NaiveDate, u32)>,
    /// Ceremonies held per (day, place of the cell they were held in): a cell's ceremony
    /// day admits several at once.
    ceremonies: BTreeMap<(NaiveDate, u32), u32>,
}

impl Tally {
    /// The tally of every case in `book`, placed in `tree`. Its B-trees are built at once
    /// from all their entries (which `collect` sorts), which fills their nodes: filled case
    /// by case, they are left about half empty.
    pub fn new(tree: &UnitTree, book: &CaseBook) -> Tally {
        let mut tally = Tally {
            stages: vec![[0; Stage::ALL.len()]; tree.units().len()],
            ..Tally::default()
        };
        let mut due = Vec::new();
        let mut held = Vec::new();
        for index in 0..book.len() {
            let Some(counted) = Counted::of(tree, book, index) else {
                continue;
            };
            tally.count_stage(counted.stage, true);
            due.extend(counted.due);
            held.extend(counted.ceremonies);
        }
        tally.due = due.into_iter().collect();
        held.sort_unstable();
        tally.ceremonies = held
            .chunk_by(|a, b| a == b)
            .filter_map(|same| Some((*same.first()?, u32::try_from(same.len()).ok()?)))
            .collect();
        tally
    }

    /// Counts the case at `index` in `book` as it is now.
    pub fn add(&mut self, tree: &UnitTree, book: &CaseBook, index: usize) {
        self.change(tree, book, index, true);
    }

    /// Takes the case at `index` out, as it is in `book` now (before it is put again).
    pub fn remove(&mut self, tree: &UnitTree, book: &CaseBook, index: usize) {
        self.change(tree, book, index, false);
    }

    fn change(&mut self, tree: &UnitTree, book: &CaseBook, index: usize, add: bool) {
        let Some(counted) = Counted::of(tree, book, index) else {
            return;
        };
        self.count_stage(counted.stage, add);
        if let Some(entry) = counted.due {
            if add {
                self.due.insert(entry);
            } else {
                self.due.remove(&entry);
            }
        }
        for key in counted.ceremonies {
            let held = self.ceremonies.entry(key).or_default();
            if add {
                *held += 1;
            } else {
                *held = held.saturating_sub(1);
                if *held == 0 {
                    self.ceremonies.remove(&key);
                }
            }
        }
    }

    /// Counts a case (once more, or once less) at `(place, stage)`.
    fn count_stage(&mut self, at: Option<(usize, usize)>, add: bool) {
        if let Some((place, stage)) = at
            && let Some(row) = self.stages.get_mut(place)
            && let (Some(count), Some(total)) = (row.get_mut(stage), self.everywhere.get_mut(stage))
        {
            if add {
                *count = count.saturating_add(1);
                *total += 1;
            } else if *count > 0 {
                *count -= 1;
                *total -= 1;
            }
        }
    }

    /// Cases whose cell is in `subtree` now, per stage.
    pub fn stages(&self, subtree: &Subtree) -> StageCounts {
        let mut counts = [0i64; Stage::ALL.len()];
        for row in self.stages.get(subtree.positions()).unwrap_or_default() {
            for (total, n) in counts.iter_mut().zip(row) {
                *total += i64::from(*n);
            }
        }
        counts
    }

    /// Cases per stage in the whole tree.
    pub fn everywhere(&self) -> StageCounts {
        self.everywhere
    }

    /// Indexes of the open cases due on or before `last`, the soonest first (in the whole
    /// book: the caller keeps those of its scope).
    pub fn due_by(&self, last: NaiveDate) -> impl Iterator<Item = usize> + '_ {
        self.due
            .iter()
            .take_while(move |(due, _)| *due <= last)
            .map(|&(_, i)| i as usize)
    }

    /// Ceremonies held in `[from, to]` in cells of `subtree`.
    pub fn ceremonies(&self, subtree: &Subtree, from: NaiveDate, to: NaiveDate) -> i64 {
        let Range { start, end } = subtree.positions();
        let within = |at: u32| (start..end).contains(&(at as usize));
        let held = self.ceremonies.range((from, 0)..);
        held.take_while(|((on, _), _)| *on <= to)
            .filter(|((_, at), _)| within(*at))
            .map(|(_, n)| i64::from(*n))
            .sum()
    }
}

/// What one case counts for in the tally.
struct Counted {
    /// The place of its cell now and its stage's place in `Stage::ALL`.
    stage: Option<(usize, usize)>,
    /// Its next due date, with its index in the book.
    due: Option<(NaiveDate, u32)>,
    /// Its ceremonies: (day, place of the cell).
    ceremonies: Vec<(NaiveDate, u32)>,
}

impl Counted {
    fn of(tree: &UnitTree, book: &CaseBook, index: usize) -> Option<Counted> {
        let case = book.get(index)?;
        let key = u32::try_from(index).ok()?;
        let stage = tree
            .position(case.cell())
            .zip(Stage::ALL.iter().position(|s| *s == case.stage()));
        let ceremonies = book
            .events(case)
            .iter()
            .filter(|event| event.step() == Some(FunnelStep::Ceremony))
            .filter_map(|event| {
                let at = event.cell().and_then(|cell| tree.position(cell))?;
                Some((event.on(), u32::try_from(at).ok()?))
            })
            .collect();
        Some(Counted {
            stage,
            due: book.due_on(case).map(|due| (due, key)),
            ceremonies,
        })
    }
}
