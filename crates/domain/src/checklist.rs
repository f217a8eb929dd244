//! The papers a case needs by the stage it has reached, and which of them are on file.

use chrono::NaiveDate;
use serde::Serialize;

use crate::case::{Case, Paper, PaperRecord, Stage};

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ChecklistLine {
    pub paper: Paper,
    pub label: &'static str,
    /// The stage by which the paper is needed.
    pub needed_by: Stage,
    pub record: Option<PaperRecord>,
    /// A paper on file whose validity ended before `today`.
    pub expired: bool,
}

/// Papers in the order the file collects them, with the stage that needs each.
const REQUIRED: [(Paper, Stage); 14] = [
    (Paper::SympathiserResolution, Stage::Sympathiser),
    (Paper::AwarenessCertificate, Stage::AwarenessCertified),
    (Paper::Application, Stage::FileOpened),
    (Paper::PersonalHistory, Stage::FileOpened),
    (Paper::Introduction, Stage::Introduced),
    (Paper::OpinionSummary, Stage::OpinionsCollected),
    (Paper::VerificationConclusion, Stage::Verified),
    (Paper::CellResolution, Stage::CellResolved),
    (Paper::BaseResolution, Stage::BaseResolved),
    (Paper::AdmissionDecision, Stage::Decided),
    (Paper::NewMemberCertificate, Stage::RecognitionProposed),
    (Paper::SelfReview, Stage::RecognitionProposed),
    (Paper::MentorReview, Stage::RecognitionProposed),
    (Paper::RecognitionResolution, Stage::RecognitionProposed),
];

/// Every paper needed up to the stage after the current one, plus any extra paper on file.
pub fn checklist(case: &Case, today: NaiveDate) -> Vec<ChecklistLine> {
    let reached = if case.stage.is_closed() {
        Stage::Official
    } else {
        case.stage
    };
    let mut lines: Vec<ChecklistLine> = REQUIRED
        .iter()
        .filter(|(paper, _)| *paper != Paper::BaseResolution || case.cell_under_base_committee)
        .filter(|(_, stage)| *stage <= next_stage(reached))
        .map(|(paper, stage)| line(case, *paper, *stage, today))
        .collect();
    for record in &case.papers {
        if !lines.iter().any(|l| l.paper == record.paper) {
            lines.push(line(case, record.paper, case.stage, today));
        }
    }
    lines
}

fn next_stage(stage: Stage) -> Stage {
    Stage::ALL.into_iter().find(|s| *s > stage).unwrap_or(stage)
}

fn line(case: &Case, paper: Paper, needed_by: Stage, today: NaiveDate) -> ChecklistLine {
    let record = case.papers.iter().rev().find(|r| r.paper == paper).cloned();
    let expired = record
        .as_ref()
        .and_then(|r| r.valid_until)
        .is_some_and(|until| until < today);
    ChecklistLine {
        paper,
        label: paper.label_vi(),
        needed_by,
        record,
        expired,
    }
}
