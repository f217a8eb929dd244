//! Typed ids, so a person id can never be passed where a unit id is expected.

use serde::{Deserialize, Serialize};
use std::fmt;

macro_rules! id_type {
    ($($(#[$doc:meta])* $name:ident),* $(,)?) => {$(
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub i64);

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }
    )*};
}

id_type!(
    /// A party organisation (tổ chức đảng).
    UnitId,
    /// A person (quần chúng, đảng viên).
    PersonId,
    /// One person's path through the pipeline (hồ sơ phát triển đảng viên).
    CaseId,
    /// A mass organisation (đoàn thể).
    MassOrgId,
    /// A class of the awareness or new-member course (lớp bồi dưỡng).
    CourseId,
    /// A user account (tài khoản).
    UserId,
);
