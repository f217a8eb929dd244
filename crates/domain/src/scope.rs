//! Who may see and change what: a subtree of the unit tree and an access level.
//!
//! Every read or list of people takes a `Scope`. It can only be built from an account's
//! assignment (or, for the operator at the command line, from a unit the operator names),
//! so a query without one does not compile.

use serde::Serialize;

use crate::ids::UnitId;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Access {
    Read,
    Edit,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Scope {
    root: UnitId,
    access: Access,
}

impl Scope {
    /// The subtree under `root` with `access`. Callers are the session layer (from an
    /// account's assignment) and the command line (the operator has the machine anyway).
    pub fn subtree(root: UnitId, access: Access) -> Scope {
        Scope { root, access }
    }

    pub fn root(&self) -> UnitId {
        self.root
    }

    pub fn can_edit(&self) -> bool {
        self.access >= Access::Edit
    }
}
