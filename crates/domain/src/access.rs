//! Roles, what each may do, and the scope an account's role gives it.

use serde::{Deserialize, Serialize};

use crate::ids::{MassOrgId, UnitId};
use crate::scope::{Access, Scope};
use crate::unit::UnitKind;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Cán bộ tổ chức: edits the cases of the subtree.
    Officer,
    /// Xem: reads the subtree.
    Viewer,
    /// Bí thư chi bộ: their own cell.
    CellSecretary,
    /// Cán bộ đoàn thể: nominates; sees only the status of their own nominees.
    MassOrgOfficer,
    /// Ủy ban kiểm tra: reads cases and the audit trail of the subtree.
    Auditor,
    /// Quản trị: everything, including rules and accounts.
    Admin,
}

/// What a request needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Need {
    /// Any signed-in account.
    SignedIn,
    /// Reading cases and people of the scope.
    Read,
    /// Changing cases and people of the scope.
    Edit,
    /// The status of one's own nominees.
    Nominees,
    /// The audit trail.
    Audit,
    /// Rules, calendars and accounts.
    Admin,
}

impl Role {
    pub const ALL: [Role; 6] = [
        Role::Officer,
        Role::Viewer,
        Role::CellSecretary,
        Role::MassOrgOfficer,
        Role::Auditor,
        Role::Admin,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Role::Officer => "officer",
            Role::Viewer => "viewer",
            Role::CellSecretary => "cell_secretary",
            Role::MassOrgOfficer => "mass_org_officer",
            Role::Auditor => "auditor",
            Role::Admin => "admin",
        }
    }

    pub fn from_code(code: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.code() == code)
    }

    pub fn label_vi(self) -> &'static str {
        match self {
            Role::Officer => "Cán bộ tổ chức",
            Role::Viewer => "Xem",
            Role::CellSecretary => "Bí thư chi bộ",
            Role::MassOrgOfficer => "Cán bộ đoàn thể",
            Role::Auditor => "Kiểm tra",
            Role::Admin => "Quản trị",
        }
    }

    pub fn grants(self, need: Need) -> bool {
        match need {
            Need::SignedIn => true,
            Need::Read => self != Role::MassOrgOfficer,
            Need::Edit => matches!(self, Role::Officer | Role::CellSecretary | Role::Admin),
            Need::Nominees => self == Role::MassOrgOfficer,
            Need::Audit => matches!(self, Role::Auditor | Role::Admin),
            Need::Admin => self == Role::Admin,
        }
    }

    /// The scope of an account with this role at `unit`; a mass-organisation officer has
    /// none: they see their nominees through `NomineeScope` only.
    pub fn scope(self, unit: UnitId) -> Option<Scope> {
        let access = if self.grants(Need::Edit) {
            Access::Edit
        } else {
            Access::Read
        };
        (self != Role::MassOrgOfficer).then(|| Scope::subtree(unit, access))
    }

    /// Whether an account must sign in with a second factor (TOTP): administrators, and
    /// every account whose unit is a province or city committee or the whole party, since
    /// its scope covers at least a whole province's records. Others may choose it.
    pub fn second_factor_required(self, unit_kind: UnitKind) -> bool {
        self == Role::Admin || matches!(unit_kind, UnitKind::Province | UnitKind::Central)
    }
}

/// What a mass-organisation officer may see: the stage and dates of the people their
/// organisation nominated, and nothing else.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct NomineeScope {
    pub mass_org: MassOrgId,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_grant_what_they_should() {
        let table: [(Role, [bool; 6]); 6] = [
            // SignedIn, Read, Edit, Nominees, Audit, Admin
            (Role::Officer, [true, true, true, false, false, false]),
            (Role::Viewer, [true, true, false, false, false, false]),
            (Role::CellSecretary, [true, true, true, false, false, false]),
            (
                Role::MassOrgOfficer,
                [true, false, false, true, false, false],
            ),
            (Role::Auditor, [true, true, false, false, true, false]),
            (Role::Admin, [true, true, true, false, true, true]),
        ];
        let needs = [
            Need::SignedIn,
            Need::Read,
            Need::Edit,
            Need::Nominees,
            Need::Audit,
            Need::Admin,
        ];
        for (role, expected) in table {
            for (need, granted) in needs.into_iter().zip(expected) {
                assert_eq!(role.grants(need), granted, "{role:?} {need:?}");
            }
            assert_eq!(Role::from_code(role.code()), Some(role));
        }
        assert!(Role::Officer.scope(UnitId(3)).unwrap().can_edit());
        assert!(!Role::Viewer.scope(UnitId(3)).unwrap().can_edit());
        assert_eq!(Role::MassOrgOfficer.scope(UnitId(3)), None);
    }

    #[test]
    fn administrators_and_province_accounts_need_a_second_factor() {
        for role in Role::ALL {
            for wide in [UnitKind::Province, UnitKind::Central] {
                assert!(role.second_factor_required(wide), "{role:?} {wide:?}");
            }
            for kind in UnitKind::ALL
                .into_iter()
                .filter(|k| !matches!(k, UnitKind::Province | UnitKind::Central))
            {
                assert_eq!(
                    role.second_factor_required(kind),
                    role == Role::Admin,
                    "{role:?} {kind:?}"
                );
            }
        }
    }
}
