//! The tree of party organisations (tổ chức đảng), with effective dates.
//!
//! Units are never deleted: a merged or dissolved unit keeps its row with `valid_until`
//! and, for a merge, the `successor` it went into, so past cases still point at the unit
//! they were really in.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::Violation;
use crate::ids::UnitId;

/// The kinds of party organisation a case can meet on its way up.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UnitKind {
    /// Toàn Đảng: the Central Committee's whole party, above the 34 provinces and cities.
    Central,
    /// Đảng bộ tỉnh / thành phố.
    Province,
    /// Đảng bộ phường.
    Ward,
    /// Đảng bộ xã.
    Commune,
    /// Đảng bộ đặc khu.
    SpecialZone,
    /// Đảng bộ cấp trên trực tiếp cơ sở (a bloc of enterprises, universities, hospitals …).
    SuperiorCommittee,
    /// Đảng bộ cơ sở.
    BaseCommittee,
    /// Đảng bộ bộ phận (between a base committee and its cells).
    PartialCommittee,
    /// Chi bộ cơ sở: a cell that is itself the base organisation.
    BaseCell,
    /// Chi bộ trực thuộc: a cell under a base or partial committee.
    Cell,
}

impl UnitKind {
    pub const ALL: [UnitKind; 10] = [
        UnitKind::Central,
        UnitKind::Province,
        UnitKind::Ward,
        UnitKind::Commune,
        UnitKind::SpecialZone,
        UnitKind::SuperiorCommittee,
        UnitKind::BaseCommittee,
        UnitKind::PartialCommittee,
        UnitKind::BaseCell,
        UnitKind::Cell,
    ];

    pub fn code(self) -> &'static str {
        match self {
            UnitKind::Central => "central",
            UnitKind::Province => "province",
            UnitKind::Ward => "ward",
            UnitKind::Commune => "commune",
            UnitKind::SpecialZone => "special_zone",
            UnitKind::SuperiorCommittee => "superior_committee",
            UnitKind::BaseCommittee => "base_committee",
            UnitKind::PartialCommittee => "partial_committee",
            UnitKind::BaseCell => "base_cell",
            UnitKind::Cell => "cell",
        }
    }

    pub fn from_code(code: &str) -> Option<UnitKind> {
        UnitKind::ALL.into_iter().find(|kind| kind.code() == code)
    }

    pub fn label_vi(self) -> &'static str {
        match self {
            UnitKind::Central => "Toàn Đảng (Trung ương)",
            UnitKind::Province => "Đảng bộ tỉnh, thành phố",
            UnitKind::Ward => "Đảng bộ phường",
            UnitKind::Commune => "Đảng bộ xã",
            UnitKind::SpecialZone => "Đảng bộ đặc khu",
            UnitKind::SuperiorCommittee => "Đảng bộ cấp trên trực tiếp cơ sở",
            UnitKind::BaseCommittee => "Đảng bộ cơ sở",
            UnitKind::PartialCommittee => "Đảng bộ bộ phận",
            UnitKind::BaseCell => "Chi bộ cơ sở",
            UnitKind::Cell => "Chi bộ trực thuộc",
        }
    }

    /// Cells hold cases; every other kind only sees them in its subtree.
    pub fn holds_cases(self) -> bool {
        matches!(self, UnitKind::BaseCell | UnitKind::Cell)
    }

    /// A cell under a base committee needs that committee's resolution before the decision.
    pub fn needs_base_resolution(self) -> bool {
        self == UnitKind::Cell
    }

    /// Which kinds may sit directly under this one.
    pub fn may_contain(self, child: UnitKind) -> bool {
        use UnitKind::*;
        match self {
            Central => child == Province,
            Province => matches!(
                child,
                Ward | Commune | SpecialZone | SuperiorCommittee | BaseCommittee | BaseCell
            ),
            Ward | Commune | SpecialZone | SuperiorCommittee => {
                matches!(child, BaseCommittee | BaseCell)
            }
            BaseCommittee => matches!(child, PartialCommittee | Cell),
            PartialCommittee => child == Cell,
            BaseCell | Cell => false,
        }
    }
}

/// A sector code from the configurable list (`education`, `health`, `press` …).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct SectorCode(pub String);

/// One party organisation as it is on a given date.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Unit {
    pub id: UnitId,
    /// The official code where one exists (commune-level units have the state's code).
    pub code: Option<String>,
    pub name: String,
    pub kind: UnitKind,
    pub parent: Option<UnitId>,
    pub sector: SectorCode,
    pub valid_from: NaiveDate,
    /// The last day the unit existed; `None` while it exists.
    pub valid_until: Option<NaiveDate>,
    /// The unit it was merged into.
    pub successor: Option<UnitId>,
}

impl Unit {
    pub fn is_active_on(&self, day: NaiveDate) -> bool {
        self.valid_from <= day && self.valid_until.is_none_or(|until| day <= until)
    }
}

/// Checks that `child` may be created under `parent` on `day`.
pub fn check_placement(parent: &Unit, child: UnitKind, day: NaiveDate) -> Result<(), Violation> {
    if !parent.is_active_on(day) {
        return Err(Violation::new(
            "unit.parent-inactive",
            "parent",
            format!(
                "Tổ chức cấp trên \"{}\" không còn hoạt động vào ngày {}.",
                parent.name,
                crate::workflow::dmy(day)
            ),
        ));
    }
    if !parent.kind.may_contain(child) {
        return Err(Violation::new(
            "unit.placement",
            "kind",
            format!(
                "{} không thể trực thuộc {}.",
                child.label_vi(),
                parent.kind.label_vi().to_lowercase()
            ),
        ));
    }
    Ok(())
}

/// Checks that `unit` may be closed on `day` (merged or dissolved).
pub fn check_closing(unit: &Unit, day: NaiveDate) -> Result<(), Violation> {
    if !unit.is_active_on(day) || day < unit.valid_from {
        return Err(Violation::new(
            "unit.closing",
            "valid_until",
            format!(
                "\"{}\" không hoạt động vào ngày {} nên không thể sáp nhập hay giải thể.",
                unit.name,
                crate::workflow::dmy(day)
            ),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unit(kind: UnitKind, until: Option<NaiveDate>) -> Unit {
        Unit {
            id: UnitId(1),
            code: None,
            name: "Đảng bộ phường Thủ Dầu Một".into(),
            kind,
            parent: None,
            sector: SectorCode("residential".into()),
            valid_from: NaiveDate::from_ymd_opt(2025, 7, 1).unwrap(),
            valid_until: until,
            successor: None,
        }
    }

    #[test]
    fn placement_follows_the_tree_and_the_dates() {
        let day = NaiveDate::from_ymd_opt(2025, 8, 1).unwrap();
        let ward = unit(UnitKind::Ward, None);
        assert!(check_placement(&ward, UnitKind::BaseCommittee, day).is_ok());
        assert_eq!(
            check_placement(&ward, UnitKind::Cell, day)
                .unwrap_err()
                .rule,
            "unit.placement"
        );
        let closed = unit(UnitKind::Ward, NaiveDate::from_ymd_opt(2025, 7, 31));
        assert_eq!(
            check_placement(&closed, UnitKind::BaseCell, day)
                .unwrap_err()
                .rule,
            "unit.parent-inactive"
        );
        assert!(
            check_placement(
                &ward,
                UnitKind::BaseCell,
                NaiveDate::from_ymd_opt(2025, 6, 30).unwrap()
            )
            .is_err()
        );
        for kind in UnitKind::ALL {
            assert_eq!(UnitKind::from_code(kind.code()), Some(kind));
        }
    }
}
