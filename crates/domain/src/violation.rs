//! A broken rule, told in Vietnamese, with the field it concerns and the rule it comes from.

use std::fmt;

/// Why an input or an action was refused.
///
/// `rule` is a stable identifier (for example `age.minimum` or `cccd.sex-century`) that
/// screens and logs can show next to the Vietnamese `message`; `field` names the input the
/// user has to correct, in the words of the form (`citizen_id`, `decided_on` …).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Violation {
    pub rule: String,
    pub field: String,
    pub message: String,
}

impl Violation {
    pub fn new(
        rule: impl Into<String>,
        field: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        Self {
            rule: rule.into(),
            field: field.into(),
            message: message.into(),
        }
    }
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} (trường: {}; quy định: {})",
            self.message, self.field, self.rule
        )
    }
}

impl std::error::Error for Violation {}
