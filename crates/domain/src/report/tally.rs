//! Counts of the case book kept up to date with each case put (sổ tổng hợp), so that what
//! a whole country's home page shows is a sum over the tree's places and a walk of the
//! few cases near their deadline, rather than a pass over a million and a half cases.
//!
//! Everything is keyed by the place of a unit in the tree's walk (`UnitTree::position`),
//! where a subtree is one range; when the tree changes the places move, and the tally is
//! built again.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::ops::Range;

use chrono::NaiveDate;

use super::facts::CaseBook;
use super::{FunnelStep, Subtree, UnitTree};
use crate::case::Stage;

/// Stage counts, in `Stage::ALL`'s order.
pub type StageCounts = [i64; Stage::ALL.len()];

/// A place's count at a stage that is kept in `Tally::wide`.
const WIDE: u16 = u16::MAX;

#[derive(Debug, Default)]
pub struct Tally {
    /// Per place in the walk (every unit's, as any unit may be a case's cell): the cases
    /// whose cell it is now, per stage, in 16 bits (a cell holds a few hundred cases at
    /// most); `WIDE` when the count is in `wide`.
    stages: Vec<[u16; Stage::ALL.len()]>,
    /// Counts of `WIDE` or more, by (place, stage): only a bad import could make one.
    wide: HashMap<(usize, usize), u32>,
    /// The same counts summed over every place.
    everywhere: StageCounts,
    /// Open cases with a due date: (due, index in the book).
    due: BTreeSet<(NaiveDate, u32)>,
    /// Ceremonies held: (day, place of the cell they were held in), one entry each.
    ceremonies: Ceremonies,
}

impl Tally {
    /// The tally of every case in `book`, placed in `tree`. The due dates' B-tree is built
    /// at once from all its entries, which fills its nodes: filled case by case, they are
    /// left about half empty. The entries are counted first, so that each array is made
    /// once at its size: grown by doubling, the arrays of a country held twice their
    /// memory while they were built.
    pub fn new(tree: &UnitTree, book: &CaseBook) -> Tally {
        let mut tally = Tally {
            stages: vec![[0; Stage::ALL.len()]; tree.units().len()],
            ..Tally::default()
        };
        let counted = || (0..book.len()).filter_map(|index| Counted::of(tree, book, index));
        let (mut dues, mut ceremonies) = (0, 0);
        for case in counted() {
            dues += usize::from(case.due.is_some());
            ceremonies += case.ceremonies.len();
        }
        let mut due = Vec::with_capacity(dues);
        let mut held = Vec::with_capacity(ceremonies);
        for case in counted() {
            tally.count_stage(case.stage, true);
            due.extend(case.due);
            held.extend(case.ceremonies);
        }
        // Sorted in place first: `collect` reuses the array, and its stable sort then finds
        // one run and writes nothing to its scratch room.
        due.sort_unstable();
        tally.due = due.into_iter().collect();
        tally.ceremonies = Ceremonies::new(held);
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
            self.ceremonies.change(key, add);
        }
    }

    /// Counts a case (once more, or once less) at `(place, stage)`.
    fn count_stage(&mut self, at: Option<(usize, usize)>, add: bool) {
        let Some((place, stage)) = at else { return };
        let now = self.count_at(place, stage);
        if let Some(row) = self.stages.get_mut(place)
            && let (Some(count), Some(total)) = (row.get_mut(stage), self.everywhere.get_mut(stage))
        {
            let next = match add {
                true => now.saturating_add(1),
                false if now > 0 => now - 1,
                false => return,
            };
            match u16::try_from(next) {
                Ok(narrow) if narrow < WIDE => {
                    *count = narrow;
                    self.wide.remove(&(place, stage));
                }
                _ => {
                    *count = WIDE;
                    self.wide.insert((place, stage), next);
                }
            }
            *total += if add { 1 } else { -1 };
        }
    }

    /// The cases whose cell is at `place` now, at the stage at `stage` in `Stage::ALL`.
    fn count_at(&self, place: usize, stage: usize) -> u32 {
        match self.stages.get(place).and_then(|row| row.get(stage)) {
            Some(&WIDE) => self.wide.get(&(place, stage)).copied().unwrap_or_default(),
            Some(&narrow) => u32::from(narrow),
            None => 0,
        }
    }

    /// Cases whose cell is in `subtree` now, per stage.
    pub fn stages(&self, subtree: &Subtree) -> StageCounts {
        let places = subtree.positions();
        let mut counts = [0i64; Stage::ALL.len()];
        let Some(rows) = self.stages.get(places.clone()) else {
            return counts;
        };
        for row in rows {
            for (total, n) in counts.iter_mut().zip(row) {
                *total += i64::from(*n);
            }
        }
        // Those summed as `WIDE` are in `wide` (which is empty but for a bad import).
        for (&(place, stage), &n) in &self.wide {
            if places.contains(&place)
                && let Some(total) = counts.get_mut(stage)
            {
                *total += i64::from(n) - i64::from(WIDE);
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
        self.ceremonies
            .count(from, to, |at| (start..end).contains(&(at as usize)))
    }
}

/// Ceremonies, (day, place) each, in one sorted array: 8 bytes a ceremony, where a B-tree
/// of counts per (day, place) took about 13 (a day and cell rarely hold two), and as much
/// again for the array it was built from. Those counted or taken out since the array was
/// sorted are kept beside it, until they are many enough to sort it again.
#[derive(Debug, Default)]
struct Ceremonies {
    sorted: Vec<(NaiveDate, u32)>,
    /// Ceremonies added (more than zero) or taken out of `sorted` (less than zero).
    changes: BTreeMap<(NaiveDate, u32), i32>,
}

impl Ceremonies {
    fn new(mut held: Vec<(NaiveDate, u32)>) -> Ceremonies {
        // In place: a stable sort would take scratch room.
        held.sort_unstable();
        Ceremonies {
            sorted: held,
            changes: BTreeMap::new(),
        }
    }

    fn change(&mut self, key: (NaiveDate, u32), add: bool) {
        let change = self.changes.entry(key).or_default();
        *change += if add { 1 } else { -1 };
        if *change == 0 {
            self.changes.remove(&key);
        }
        if self.changes.len() > self.sorted.len() / 8 + 1024 {
            self.merge();
        }
    }

    /// Puts the changes into the array.
    fn merge(&mut self) {
        let changes = std::mem::take(&mut self.changes);
        let mut held = std::mem::take(&mut self.sorted);
        // Room for exactly the added ones: grown by doubling, the array would keep twice
        // the room it needs.
        let added: usize = changes
            .values()
            .filter(|change| **change > 0)
            .map(|change| change.unsigned_abs() as usize)
            .sum();
        held.reserve_exact(added);
        for (key, change) in &changes {
            if *change > 0 {
                held.extend(std::iter::repeat_n(*key, change.unsigned_abs() as usize));
            }
        }
        let mut gone: BTreeMap<(NaiveDate, u32), u32> = changes
            .into_iter()
            .filter(|(_, change)| *change < 0)
            .map(|(key, change)| (key, change.unsigned_abs()))
            .collect();
        held.retain(|key| match gone.get_mut(key) {
            Some(left) if *left > 0 => {
                *left -= 1;
                false
            }
            _ => true,
        });
        debug_assert!(
            gone.values().all(|left| *left == 0),
            "a ceremony taken out that was never counted"
        );
        held.shrink_to_fit();
        *self = Ceremonies::new(held);
    }

    /// Ceremonies held in `[from, to]` in places `within` says yes to.
    fn count(&self, from: NaiveDate, to: NaiveDate, within: impl Fn(u32) -> bool) -> i64 {
        if from > to {
            return 0;
        }
        let first = self.sorted.partition_point(|(on, _)| *on < from);
        let last = self.sorted.partition_point(|(on, _)| *on <= to);
        let sorted = self.sorted.get(first..last).unwrap_or_default();
        let held = sorted.iter().filter(|(_, at)| within(*at)).count() as i64;
        let changed: i64 = self
            .changes
            .range((from, 0)..=(to, u32::MAX))
            .filter(|((_, at), _)| within(*at))
            .map(|(_, change)| i64::from(*change))
            .sum();
        (held + changed).max(0)
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::UnitId;

    fn day(d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 3, d).unwrap()
    }

    /// The count a list of every ceremony gives, to check `Ceremonies` against.
    fn listed(all: &[(NaiveDate, u32)], from: NaiveDate, to: NaiveDate, places: Range<u32>) -> i64 {
        all.iter()
            .filter(|(on, at)| (from..=to).contains(on) && places.contains(at))
            .count() as i64
    }

    #[test]
    fn a_count_past_sixteen_bits_is_kept_whole() {
        let mut tally = Tally {
            // The ward's four places.
            stages: vec![[0; Stage::ALL.len()]; 4],
            ..Tally::default()
        };
        let past = u32::from(WIDE) + 1;
        for _ in 0..past {
            tally.count_stage(Some((1, 3)), true);
        }
        tally.count_stage(Some((0, 3)), true);
        assert_eq!(tally.count_at(1, 3), past);
        assert_eq!(tally.everywhere()[3], i64::from(past) + 1);
        assert_eq!(tally.wide.len(), 1);
        // Summed over a subtree: the ward's walk is 1, 2, 3, 4 (places 0 to 3).
        let tree = super::super::facts::tests::ward();
        assert_eq!(
            tally.stages(&tree.subtree(UnitId(1)))[3],
            i64::from(past) + 1
        );
        assert_eq!(tally.stages(&tree.subtree(UnitId(2)))[3], i64::from(past));
        assert_eq!(tally.stages(&tree.subtree(UnitId(3)))[3], 0);
        // Back below: the count is in 16 bits again.
        tally.count_stage(Some((1, 3)), false);
        tally.count_stage(Some((1, 3)), false);
        assert_eq!(tally.count_at(1, 3), past - 2);
        assert!(tally.wide.is_empty());
        for _ in 0..past {
            tally.count_stage(Some((1, 3)), false);
        }
        assert_eq!(tally.count_at(1, 3), 0);
        assert_eq!(tally.everywhere()[3], 1);
    }

    #[test]
    fn ceremonies_count_the_same_through_changes_and_merges() {
        let mut all: Vec<(NaiveDate, u32)> = (0..40u32).map(|k| (day(1 + k % 20), k % 7)).collect();
        // Two on one day in one cell (the first is k = 4's).
        all.push((day(5), 4));
        let mut ceremonies = Ceremonies::new(all.clone());
        let check = |ceremonies: &Ceremonies, all: &[(NaiveDate, u32)]| {
            for (from, to) in [(day(1), day(31)), (day(5), day(5)), (day(3), day(12))] {
                for places in [0..7, 2..3, 4..5, 0..0] {
                    let within = |at: u32| places.contains(&at);
                    assert_eq!(
                        ceremonies.count(from, to, within),
                        listed(all, from, to, places.clone()),
                        "{from}..={to}, places {places:?}"
                    );
                }
            }
        };
        check(&ceremonies, &all);
        // Changes beside the array: a ceremony added, one of the two on a day taken out,
        // one added and taken out again.
        ceremonies.change((day(9), 2), true);
        all.push((day(9), 2));
        ceremonies.change((day(5), 4), false);
        let at = all.iter().position(|k| *k == (day(5), 4)).unwrap();
        all.remove(at);
        ceremonies.change((day(30), 1), true);
        ceremonies.change((day(30), 1), false);
        assert_eq!(ceremonies.changes.len(), 2);
        check(&ceremonies, &all);
        // Merged: the array holds them all, nothing is left beside it.
        ceremonies.merge();
        assert!(ceremonies.changes.is_empty());
        assert_eq!(ceremonies.sorted.len(), all.len());
        check(&ceremonies, &all);
        // Enough changes merge on their own.
        for k in 0..1100u32 {
            ceremonies.change((day(1 + k % 28), 100 + k), true);
            all.push((day(1 + k % 28), 100 + k));
        }
        assert!(ceremonies.changes.len() < 1100);
        check(&ceremonies, &all);
        assert_eq!(
            ceremonies.count(day(1), day(31), |_| true),
            all.len() as i64
        );
        // A period that ends before it starts holds none (with changes beside the array).
        ceremonies.change((day(2), 1), true);
        assert_eq!(ceremonies.count(day(9), day(3), |_| true), 0);
    }
}
