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
    /// The tally of every case in `book`, placed in `tree`.
    pub fn new(tree: &UnitTree, book: &CaseBook) -> Tally {
        let mut tally = Tally {
            stages: vec![[0; Stage::ALL.len()]; tree.units().len()],
            ..Tally::default()
        };
        for i in 0..book.len() {
            tally.add(tree, book, i);
        }
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
        let (Some(case), Ok(key)) = (book.get(index), u32::try_from(index)) else {
            return;
        };
        if let Some((row, stage)) = tree
            .position(case.cell())
            .and_then(|at| self.stages.get_mut(at))
            .zip(Stage::ALL.iter().position(|s| *s == case.stage()))
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
        if let Some(due) = case.due() {
            let entry = (due.due, key);
            if add {
                self.due.insert(entry);
            } else {
                self.due.remove(&entry);
            }
        }
        for event in book.events(case) {
            if event.step() != Some(FunnelStep::Ceremony) {
                continue;
            }
            let Some(at) = event.cell().and_then(|cell| tree.position(cell)) else {
                continue;
            };
            let Ok(at) = u32::try_from(at) else {
                continue;
            };
            let held = self.ceremonies.entry((event.on(), at)).or_default();
            if add {
                *held += 1;
            } else {
                *held = held.saturating_sub(1);
                if *held == 0 {
                    self.ceremonies.remove(&(event.on(), at));
                }
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
