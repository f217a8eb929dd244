//! Rule sets: every number a regulation sets, as versioned data.
//!
//! One TOML file per regulation (see `crates/domain/rules/`). Each event is judged by the
//! rule set in force on the date of the event; a corrected copy of a rule set (same `id`,
//! higher `version`) replaces the earlier one without a new release.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::Violation;

/// The rule files shipped with the product, oldest first.
pub const BUILTIN_RULE_FILES: [&str; 3] = [
    include_str!("../rules/qd-24-2021.toml"),
    include_str!("../rules/qd-232-2025.toml"),
    include_str!("../rules/qd-294-2025.toml"),
];

/// One regulation's numbers (bộ quy định).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RuleSet {
    pub id: String,
    pub version: u32,
    pub regulation: String,
    pub in_force_from: NaiveDate,
    pub note: String,
    pub age: AgeRules,
    pub admission: AdmissionRules,
    pub probation: ProbationRules,
    pub awareness_certificate: CertificateRules,
    pub readmission: ReadmissionRules,
    pub targets: TargetRules,
    /// How long personal data no longer needed is kept; a set without it purges nothing.
    pub retention: Option<RetentionRules>,
    /// Periods of the work between units (transfers, requests, reminders); a set without
    /// it escalates nothing and sends no reminders.
    pub coordination: Option<CoordinationRules>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AgeRules {
    pub minimum_months: u32,
    pub maximum_months: u32,
    pub over_maximum_needs_consent: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AdmissionRules {
    pub decision_working_days: u32,
    pub introducers_required: u32,
    pub introducer_months_together: u32,
    pub decision_extension_max_working_days: u32,
    pub ceremony_working_days: u32,
    pub file_staleness_months: u32,
    pub vote_approval_numerator: u32,
    pub vote_approval_denominator: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProbationRules {
    pub months: u32,
    pub recognition_vote_working_days: u32,
    pub recognition_decision_working_days: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CertificateRules {
    pub validity_months: u32,
    pub confidence: Confidence,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Confidence {
    High,
    Low,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReadmissionRules {
    pub minimum_gap_months: u32,
    pub minimum_gap_after_criminal_record_months: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TargetRules {
    pub default_yearly_percent: f64,
}

/// Thời hạn lưu trữ: the personal data of someone withdrawn from the list of sources is
/// kept this many months after the withdrawal, then erased (the case's dates and stages
/// stay, for the yearly figures). Personal Data Protection Law 91/2025/QH15 asks for a
/// period; the party's regulations do not set one, hence a confidence.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RetentionRules {
    pub withdrawn_source_months: u32,
    /// Months a declined nomination's personal data is kept after the decline.
    #[serde(default)]
    pub declined_nomination_months: Option<u32>,
    pub confidence: Confidence,
}

/// Phối hợp giữa các đơn vị: how long a transfer may wait for the receiving unit before it
/// goes to the two units' common parent, the answer time a request between units gets by
/// default, and when the daily reminders warn and escalate. No regulation sets these;
/// they are the committee's working habits, hence a confidence.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CoordinationRules {
    pub transfer_escalation_working_days: u32,
    pub request_due_working_days: u32,
    pub reminder_days_ahead: u32,
    pub overdue_escalation_working_days: u32,
    pub confidence: Confidence,
}

/// The file as written; dates arrive as TOML dates and become `NaiveDate` after checks.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleSetFile {
    id: String,
    version: u32,
    regulation: String,
    in_force_from: toml::value::Datetime,
    #[serde(default)]
    note: String,
    age: AgeRules,
    admission: AdmissionRules,
    probation: ProbationRules,
    awareness_certificate: CertificateRules,
    readmission: ReadmissionRules,
    targets: TargetRules,
    #[serde(default)]
    retention: Option<RetentionRules>,
    #[serde(default)]
    coordination: Option<CoordinationRules>,
}

const FILE_RULE: &str = "rule-set.file";

impl RuleSet {
    /// A short label for events and screens: `qd-294 v1`.
    pub fn label(&self) -> String {
        format!("{} v{}", self.id, self.version)
    }

    /// Whether `votes_for` of `voters` official members carries a cell's vote.
    pub fn vote_passes(&self, votes_for: u32, voters: u32) -> bool {
        voters > 0
            && u64::from(votes_for) * u64::from(self.admission.vote_approval_denominator)
                >= u64::from(voters) * u64::from(self.admission.vote_approval_numerator)
    }

    /// Parses and checks a rule-set file. The error says where the file is wrong, in Vietnamese.
    pub fn parse(text: &str) -> Result<RuleSet, Violation> {
        let file: RuleSetFile = toml::from_str(text).map_err(|e| {
            let place = e
                .span()
                .map(|span| {
                    let line = text[..span.start.min(text.len())].matches('\n').count() + 1;
                    format!(" (dòng {line})")
                })
                .unwrap_or_default();
            Violation::new(
                FILE_RULE,
                "rule_set",
                format!("Tệp bộ quy định không hợp lệ{place}: {}", e.message()),
            )
        })?;
        let in_force_from = toml_date(&file.in_force_from).ok_or_else(|| {
            Violation::new(
                FILE_RULE,
                "in_force_from",
                "Ngày có hiệu lực (in_force_from) phải là một ngày dạng 2025-07-01.",
            )
        })?;
        let set = RuleSet {
            id: file.id.trim().to_string(),
            version: file.version,
            regulation: file.regulation.trim().to_string(),
            in_force_from,
            note: file.note,
            age: file.age,
            admission: file.admission,
            probation: file.probation,
            awareness_certificate: file.awareness_certificate,
            readmission: file.readmission,
            targets: file.targets,
            retention: file.retention,
            coordination: file.coordination,
        };
        set.check()?;
        Ok(set)
    }

    fn check(&self) -> Result<(), Violation> {
        let bad = |field: &str, message: &str| Err(Violation::new(FILE_RULE, field, message));
        if self.id.is_empty() {
            return bad("id", "Bộ quy định phải có mã (id), ví dụ \"qd-294\".");
        }
        if self.regulation.is_empty() {
            return bad("regulation", "Phải ghi văn bản quy định (regulation).");
        }
        if self.version == 0 {
            return bad("version", "Phiên bản (version) phải từ 1 trở lên.");
        }
        if self.age.minimum_months == 0 || self.age.minimum_months >= self.age.maximum_months {
            return bad(
                "age.minimum_months",
                "Tuổi tối thiểu (tháng) phải lớn hơn 0 và nhỏ hơn tuổi tối đa.",
            );
        }
        let positive = [
            (
                "admission.decision_working_days",
                self.admission.decision_working_days,
            ),
            (
                "admission.ceremony_working_days",
                self.admission.ceremony_working_days,
            ),
            (
                "admission.introducers_required",
                self.admission.introducers_required,
            ),
            (
                "admission.file_staleness_months",
                self.admission.file_staleness_months,
            ),
            (
                "admission.vote_approval_denominator",
                self.admission.vote_approval_denominator,
            ),
            ("probation.months", self.probation.months),
            (
                "probation.recognition_vote_working_days",
                self.probation.recognition_vote_working_days,
            ),
            (
                "probation.recognition_decision_working_days",
                self.probation.recognition_decision_working_days,
            ),
            (
                "awareness_certificate.validity_months",
                self.awareness_certificate.validity_months,
            ),
        ];
        let mut optional = Vec::new();
        if let Some(r) = &self.retention {
            optional.push((
                "retention.withdrawn_source_months",
                r.withdrawn_source_months,
            ));
            if let Some(months) = r.declined_nomination_months {
                optional.push(("retention.declined_nomination_months", months));
            }
        }
        if let Some(c) = &self.coordination {
            optional.extend([
                (
                    "coordination.transfer_escalation_working_days",
                    c.transfer_escalation_working_days,
                ),
                (
                    "coordination.request_due_working_days",
                    c.request_due_working_days,
                ),
                ("coordination.reminder_days_ahead", c.reminder_days_ahead),
                (
                    "coordination.overdue_escalation_working_days",
                    c.overdue_escalation_working_days,
                ),
            ]);
        }
        if let Some((field, _)) = positive
            .iter()
            .chain(optional.iter())
            .find(|(_, value)| *value == 0)
        {
            return Err(Violation::new(
                FILE_RULE,
                *field,
                format!("Giá trị {field} phải lớn hơn 0."),
            ));
        }
        if self.admission.vote_approval_numerator > self.admission.vote_approval_denominator {
            return bad(
                "admission.vote_approval_numerator",
                "Tỉ lệ biểu quyết tán thành không thể vượt quá 1.",
            );
        }
        let percent = self.targets.default_yearly_percent;
        if !(percent > 0.0 && percent <= 100.0) {
            return bad(
                "targets.default_yearly_percent",
                "Tỉ lệ kết nạp hằng năm phải lớn hơn 0 và không quá 100 (%).",
            );
        }
        Ok(())
    }
}

fn toml_date(value: &toml::value::Datetime) -> Option<NaiveDate> {
    if value.time.is_some() || value.offset.is_some() {
        return None;
    }
    let date = value.date?;
    NaiveDate::from_ymd_opt(
        i32::from(date.year),
        u32::from(date.month),
        u32::from(date.day),
    )
}

/// All rule sets known to a deployment, with the newest version of each id.
#[derive(Debug, Clone, PartialEq)]
pub struct RuleBook {
    /// Sorted by `in_force_from`, one entry per id.
    sets: Vec<RuleSet>,
}

impl RuleBook {
    /// The shipped rule sets. They are checked by a test, so an error here is a build defect.
    pub fn builtin() -> Result<RuleBook, Violation> {
        let sets = BUILTIN_RULE_FILES
            .iter()
            .map(|text| RuleSet::parse(text))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(RuleBook::from_sets(sets))
    }

    /// Keeps, for each id, the highest version; orders by the date each comes into force.
    pub fn from_sets(sets: impl IntoIterator<Item = RuleSet>) -> RuleBook {
        let mut newest: Vec<RuleSet> = Vec::new();
        for set in sets {
            match newest.iter_mut().find(|kept| kept.id == set.id) {
                Some(kept) if kept.version < set.version => *kept = set,
                Some(_) => {}
                None => newest.push(set),
            }
        }
        newest.sort_by_key(|set| set.in_force_from);
        RuleBook { sets: newest }
    }

    pub fn sets(&self) -> &[RuleSet] {
        &self.sets
    }

    /// The rule set that judges an event on `date`.
    pub fn in_force_on(&self, date: NaiveDate) -> Result<&RuleSet, Violation> {
        self.sets
            .iter()
            .rev()
            .find(|set| set.in_force_from <= date)
            .ok_or_else(|| {
                Violation::new(
                    "rule-set.missing",
                    "date",
                    format!(
                        "Không có bộ quy định nào có hiệu lực vào ngày {}.",
                        crate::workflow::dmy(date)
                    ),
                )
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn builtin_rule_sets_parse_and_cover_2021_onwards() {
        let book = RuleBook::builtin().unwrap();
        let ids: Vec<&str> = book.sets().iter().map(|s| s.id.as_str()).collect();
        assert_eq!(ids, ["qd-24", "qd-232", "qd-294"]);
        assert_eq!(book.in_force_on(date(2025, 6, 30)).unwrap().id, "qd-232");
        assert_eq!(book.in_force_on(date(2025, 7, 1)).unwrap().id, "qd-294");
        assert_eq!(book.in_force_on(date(2023, 5, 1)).unwrap().id, "qd-24");
        let current = book.in_force_on(date(2026, 1, 1)).unwrap();
        assert_eq!(current.age.minimum_months, 216);
        assert_eq!(current.admission.decision_working_days, 60);
        assert_eq!(current.awareness_certificate.confidence, Confidence::Low);
        let missing = book.in_force_on(date(2020, 1, 1)).unwrap_err();
        assert_eq!(missing.rule, "rule-set.missing");
    }

    #[test]
    fn a_higher_version_replaces_the_same_id() {
        let mut corrected = RuleSet::parse(BUILTIN_RULE_FILES[2]).unwrap();
        corrected.version = 2;
        corrected.admission.ceremony_working_days = 45;
        let mut sets: Vec<RuleSet> = BUILTIN_RULE_FILES
            .iter()
            .map(|t| RuleSet::parse(t).unwrap())
            .collect();
        sets.insert(0, corrected);
        let book = RuleBook::from_sets(sets);
        assert_eq!(book.sets().len(), 3);
        assert_eq!(
            book.in_force_on(date(2026, 1, 1))
                .unwrap()
                .admission
                .ceremony_working_days,
            45
        );
    }

    #[test]
    fn malformed_files_say_what_and_where() {
        let cases: [(&str, &str, &str); 5] = [
            ("id = ", "rule_set", "dòng 1"),
            (
                &BUILTIN_RULE_FILES[2].replace("months = 12\n", "months = 12\nbogus = 1\n"),
                "rule_set",
                "bogus",
            ),
            (
                &BUILTIN_RULE_FILES[2].replace("minimum_months = 216", "minimum_months = 900"),
                "age.minimum_months",
                "Tuổi",
            ),
            (
                &BUILTIN_RULE_FILES[2].replace(
                    "default_yearly_percent = 3.0",
                    "default_yearly_percent = 0.0",
                ),
                "targets.default_yearly_percent",
                "Tỉ lệ",
            ),
            (
                &BUILTIN_RULE_FILES[2].replace(
                    "in_force_from = 2025-07-01",
                    "in_force_from = 2025-07-01T00:00:00",
                ),
                "in_force_from",
                "Ngày",
            ),
        ];
        for (text, field, needle) in cases {
            let err = RuleSet::parse(text).unwrap_err();
            assert_eq!(err.field, field, "{err}");
            assert!(
                err.message.contains(needle),
                "{} lacks {needle}",
                err.message
            );
        }
        let zero = BUILTIN_RULE_FILES[2]
            .replace("ceremony_working_days = 30", "ceremony_working_days = 0");
        assert_eq!(
            RuleSet::parse(&zero).unwrap_err().field,
            "admission.ceremony_working_days"
        );
    }
}
