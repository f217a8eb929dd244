//! Giấy tờ của một hồ sơ: drafts of the papers a single case fills, as `.docx` files the
//! officer downloads, checks in Word, signs and prints (`ketnap_papers`).
//!
//! `GET /cases/{case_id}/papers/{paper}` with `paper` one of [`Kind::ALL`]'s slugs. The case
//! is read within the account's scope like the case page (out of scope: 404). A paper the
//! case cannot fill yet (no vote, no decision, no ceremony) is refused with the papers
//! crate's Vietnamese message (422, like a refused action) before the person's record is
//! read; a paper that is served is a read of the person's record, logged (`person.read`) as
//! the case page logs it. The file name names the paper and the case number only.
//!
//! What ketnap does not know prints as a dotted blank: the signers' names and titles, the
//! assessment, the counts of the meeting. The letterhead comes from the unit tree (the cell
//! under its parent; the deciding committee under its parent) and the place of the date
//! line from the ward's, commune's or special zone's name.
//!
//! The same papers for every case of a unit at once, the unit's lists and its plan are in
//! `unit_papers`, which fills them with `fill` and `Issuers` from here.

use axum::extract::Path;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::NaiveDate;
use ketnap_domain::case::{Case, Paper};
use ketnap_domain::ids::{CaseId, UnitId};
use ketnap_domain::person::PersonDetails;
use ketnap_domain::ports::{CaseStore, PersonStore, RuleStore, UnitStore};
use ketnap_domain::rules::RuleBook;
use ketnap_domain::text::nfc;
use ketnap_domain::unit::{Unit, UnitKind};
use ketnap_papers::{
    AdmissionDecision, AdmissionResolution, Letterhead, PaperError, RecognitionDecision,
    RecognitionResolution, Signature, committee_name,
};

use super::case::PaperView;
use crate::ctx::Ctx;
use crate::error::WebError;

pub const DOCX_TYPE: &str =
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document";

/// The papers one case fills, in the order the case reaches them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    AdmissionResolution,
    AdmissionDecision,
    RecognitionResolution,
    RecognitionDecision,
}

impl Kind {
    pub const ALL: [Kind; 4] = [
        Kind::AdmissionResolution,
        Kind::AdmissionDecision,
        Kind::RecognitionResolution,
        Kind::RecognitionDecision,
    ];

    /// The last segment of the path.
    pub fn slug(self) -> &'static str {
        match self {
            Kind::AdmissionResolution => "admission-resolution",
            Kind::AdmissionDecision => "admission-decision",
            Kind::RecognitionResolution => "recognition-resolution",
            Kind::RecognitionDecision => "recognition-decision",
        }
    }

    pub fn from_slug(slug: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.slug() == slug)
    }

    /// The link's text on the case page.
    pub fn label(self) -> &'static str {
        match self {
            Kind::AdmissionResolution => "Nghị quyết của chi bộ đề nghị kết nạp đảng viên",
            Kind::AdmissionDecision => "Quyết định kết nạp đảng viên",
            Kind::RecognitionResolution => {
                "Nghị quyết của chi bộ đề nghị công nhận đảng viên chính thức"
            }
            Kind::RecognitionDecision => "Quyết định công nhận đảng viên chính thức",
        }
    }

    /// The paper in a file name: ASCII, without diacritics.
    fn stem(self) -> &'static str {
        match self {
            Kind::AdmissionResolution => "nghi-quyet-de-nghi-ket-nap",
            Kind::AdmissionDecision => "quyet-dinh-ket-nap",
            Kind::RecognitionResolution => "nghi-quyet-de-nghi-cong-nhan-chinh-thuc",
            Kind::RecognitionDecision => "quyet-dinh-cong-nhan-chinh-thuc",
        }
    }

    /// The file name, without personal data: the paper and the case number, ASCII.
    pub fn file_name(self, case: CaseId) -> String {
        format!("{}-ho-so-{}.docx", self.stem(), case.0)
    }

    /// The file name of the paper for every case of a unit: the paper and the unit's
    /// number, so that no one's name is in it.
    pub fn unit_file_name(self, unit: UnitId) -> String {
        format!("{}-don-vi-{}.docx", self.stem(), unit.0)
    }
}

/// A link of the case page's "Giấy tờ (dự thảo .docx)" list or the unit page's "Văn bản".
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaperLink {
    pub href: String,
    pub label: String,
}

/// The papers the case page offers: those the case can fill, told from what the page
/// already shows (a paper on file in the checklist, the decision, the official date). The
/// cell's resolutions are on file from the vote that records them; the admission decision
/// needs the cell's vote first, and recognition is decided after both votes and the
/// ceremony, so these facts are enough.
pub fn links(
    case_id: &i64,
    checklist: &[PaperView],
    decided: bool,
    official: bool,
) -> Vec<PaperLink> {
    let on_file = |paper: Paper| {
        checklist
            .iter()
            .any(|line| line.label == paper.label_vi() && line.status != "missing")
    };
    Kind::ALL
        .into_iter()
        .filter(|kind| match kind {
            Kind::AdmissionResolution => on_file(Paper::CellResolution),
            Kind::AdmissionDecision => decided,
            Kind::RecognitionResolution => on_file(Paper::RecognitionResolution),
            Kind::RecognitionDecision => official,
        })
        .map(|kind| PaperLink {
            href: format!("/cases/{case_id}/papers/{}", kind.slug()),
            label: kind.label().to_string(),
        })
        .collect()
}

// ---------------------------------------------------------------------------------------
// Who issues the papers.

/// The units around a case's cell that the papers name.
#[derive(Debug, Default)]
pub(crate) struct Issuers {
    /// The cell and the organisation directly above it (its letterhead).
    cell: Option<Unit>,
    above_cell: Option<Unit>,
    /// The base committee whose resolution a cell under one needs.
    base: Option<Unit>,
    /// The committee that decides admission and recognition (the ward, commune, special
    /// zone or superior committee above the base organisation; the province otherwise),
    /// and the organisation above it.
    decider: Option<Unit>,
    above_decider: Option<Unit>,
    /// The place of the date line.
    place: String,
}

/// The deepest kinds that decide admission for the base organisations under them.
pub(crate) fn decides(kind: UnitKind) -> bool {
    matches!(
        kind,
        UnitKind::Ward
            | UnitKind::Commune
            | UnitKind::SpecialZone
            | UnitKind::SuperiorCommittee
            | UnitKind::Province
    )
}

/// `from` and the units above it up to the root, nearest first; empty when `from` does not
/// exist. The unit tree is not personal data: the page frame reads units the same way, and
/// a letterhead names the organisation above the scope's top unit too.
pub(crate) async fn chain(ctx: &Ctx, from: UnitId) -> Result<Vec<Unit>, WebError> {
    let store = &ctx.state.store;
    let mut chain: Vec<Unit> = Vec::new();
    let mut next: Option<UnitId> = Some(from);
    while let Some(id) = next {
        if chain.len() > 16 || chain.iter().any(|u| u.id == id) {
            break;
        }
        let Some(unit) = store.unit(id).await? else {
            break;
        };
        next = unit.parent;
        chain.push(unit);
    }
    Ok(chain)
}

/// The place of the date line: the name of the nearest ward, commune or special zone of
/// `chain`; blank when there is none.
pub(crate) fn place_of(chain: &[Unit]) -> String {
    chain
        .iter()
        .find(|u| {
            matches!(
                u.kind,
                UnitKind::Ward | UnitKind::Commune | UnitKind::SpecialZone
            )
        })
        .map(|u| place_name(&u.name))
        .unwrap_or_default()
}

impl Issuers {
    pub(crate) async fn load(ctx: &Ctx, case: &Case) -> Result<Issuers, WebError> {
        let chain = chain(ctx, case.cell).await?;
        let mut issuers = Issuers::default();
        let mut up = chain.into_iter();
        issuers.cell = up.next();
        let rest: Vec<Unit> = up.collect();
        issuers.above_cell = rest.first().cloned();
        if case.cell_under_base_committee {
            issuers.base = rest
                .iter()
                .find(|u| u.kind == UnitKind::BaseCommittee)
                .cloned();
        }
        if let Some(at) = rest.iter().position(|u| decides(u.kind)) {
            issuers.decider = rest.get(at).cloned();
            issuers.above_decider = rest.get(at + 1).cloned();
        }
        issuers.place = place_of(&rest);
        Ok(issuers)
    }

    fn cell_name(&self) -> String {
        self.cell
            .as_ref()
            .map(|u| u.name.clone())
            .unwrap_or_default()
    }

    /// The cell's letterhead: the organisation above it over the cell.
    fn cell_head(&self) -> Letterhead {
        match (&self.above_cell, &self.cell) {
            (Some(above), Some(cell)) => Letterhead::for_cell(above, cell, self.place.clone()),
            _ => Letterhead::new("", self.cell_name(), self.place.clone()),
        }
    }

    /// The deciding committee's letterhead: the organisation above it over its committee.
    fn decider_head(&self) -> Letterhead {
        match (&self.above_decider, &self.decider) {
            (Some(above), Some(unit)) => Letterhead::for_committee(above, unit, self.place.clone()),
            (None, Some(unit)) => {
                Letterhead::new("", committee_name(&unit.name), self.place.clone())
            }
            _ => Letterhead::new("", "", self.place.clone()),
        }
    }

    /// "Ban Thường vụ Đảng ủy Phường Thủ Dầu Một"; blank when the tree names no one.
    fn decided_by(&self) -> String {
        self.decider
            .as_ref()
            .map(|u| format!("Ban Thường vụ {}", committee_name(&u.name)))
            .unwrap_or_default()
    }

    /// The base committee as its resolutions name it: "Đảng ủy Trường THPT Thủ Dầu Một".
    fn base_committee(&self) -> Option<String> {
        self.base.as_ref().map(|u| committee_name(&u.name))
    }

    /// Where the cell's resolutions go: the base committee above a cell under one, the
    /// deciding committee otherwise.
    fn proposed_to(&self) -> String {
        self.base_committee()
            .or_else(|| self.decider.as_ref().map(|u| committee_name(&u.name)))
            .unwrap_or_default()
    }
}

/// The place of a date line from the name of a ward, commune or special zone: "Đảng bộ
/// Phường Thủ Dầu Một" → "Thủ Dầu Một". Blank when nothing sensible is left (a numbered
/// ward, "Đảng bộ Phường 1", names no place).
pub fn place_name(unit_name: &str) -> String {
    let name = nfc(unit_name.trim());
    let mut rest = name.as_str();
    rest = strip_word(rest, "đảng bộ").unwrap_or(rest);
    for word in ["phường", "xã", "đặc khu", "thị trấn"] {
        if let Some(stripped) = strip_word(rest, word) {
            rest = stripped;
            break;
        }
    }
    let rest = rest.trim();
    if rest.is_empty() || rest.starts_with(|c: char| c.is_ascii_digit()) {
        String::new()
    } else {
        rest.to_string()
    }
}

/// `text` without its first words when they are `word` in any case (whole words).
fn strip_word<'a>(text: &'a str, word: &str) -> Option<&'a str> {
    let count = word.chars().count();
    let end = text
        .char_indices()
        .nth(count)
        .map_or(text.len(), |(at, _)| at);
    let (head, rest) = text.split_at(end);
    (head.to_lowercase() == word && (rest.is_empty() || rest.starts_with(' ')))
        .then(|| rest.trim_start())
}

// ---------------------------------------------------------------------------------------
// Filling and serving a paper.

/// A paper filled from the case, ready to write.
#[derive(Debug)]
pub(crate) enum Filled {
    AdmissionResolution(Box<AdmissionResolution>),
    AdmissionDecision(Box<AdmissionDecision>),
    RecognitionResolution(Box<RecognitionResolution>),
    RecognitionDecision(Box<RecognitionDecision>),
}

impl Filled {
    fn write(&self) -> Result<Vec<u8>, PaperError> {
        match self {
            Filled::AdmissionResolution(p) => ketnap_papers::admission_resolution(p),
            Filled::AdmissionDecision(p) => ketnap_papers::admission_decision(p),
            Filled::RecognitionResolution(p) => ketnap_papers::recognition_resolution(p),
            Filled::RecognitionDecision(p) => ketnap_papers::recognition_decision(p),
        }
    }

    /// The paper as one of a bundle.
    pub(crate) fn paper(&self) -> ketnap_papers::Paper<'_> {
        use ketnap_papers::Paper as Sheet;
        match self {
            Filled::AdmissionResolution(p) => Sheet::AdmissionResolution(p),
            Filled::AdmissionDecision(p) => Sheet::AdmissionDecision(p),
            Filled::RecognitionResolution(p) => Sheet::RecognitionResolution(p),
            Filled::RecognitionDecision(p) => Sheet::RecognitionDecision(p),
        }
    }
}

/// Fills `kind` from the case; a rule set is needed by the decisions (probation) and the
/// recognition papers (the end of probation), and is the one in force on the day the
/// paper's facts happened.
pub(crate) fn fill(
    kind: Kind,
    case: &Case,
    person: &PersonDetails,
    issuers: &Issuers,
    rules: &RuleBook,
    today: NaiveDate,
) -> Result<Result<Filled, PaperError>, WebError> {
    let cell = issuers.cell_name();
    let base = issuers.base_committee();
    let decided_by = issuers.decided_by();
    // Who signs and in which office ketnap does not record: the names are left to write.
    let cell_signature = Signature::cell_secretary("");
    let committee_signature = Signature::standing_committee("", "");
    let filled = match kind {
        Kind::AdmissionResolution => AdmissionResolution::from_case(
            case,
            person,
            issuers.cell_head(),
            &cell,
            &issuers.proposed_to(),
            cell_signature,
        )
        .map(|p| Filled::AdmissionResolution(Box::new(p))),
        Kind::AdmissionDecision => {
            let on = case.decision.as_ref().map_or(today, |d| d.decision.dated);
            AdmissionDecision::from_case(
                case,
                person,
                issuers.decider_head(),
                &decided_by,
                &cell,
                base.as_deref(),
                rules.in_force_on(on)?,
                committee_signature,
            )
            .map(|p| Filled::AdmissionDecision(Box::new(p)))
        }
        Kind::RecognitionResolution => RecognitionResolution::from_case(
            case,
            person,
            rules.in_force_on(case.ceremony_on.unwrap_or(today))?,
            issuers.cell_head(),
            &cell,
            &decided_by,
            &issuers.proposed_to(),
            cell_signature,
        )
        .map(|p| Filled::RecognitionResolution(Box::new(p))),
        Kind::RecognitionDecision => RecognitionDecision::from_case(
            case,
            person,
            rules.in_force_on(case.ceremony_on.unwrap_or(today))?,
            issuers.decider_head(),
            &decided_by,
            &cell,
            base.as_deref(),
            committee_signature,
        )
        .map(|p| Filled::RecognitionDecision(Box::new(p))),
    };
    Ok(filled)
}

/// A paper the case (or the unit) cannot give is refused like an action the case cannot
/// take yet; `label` names the paper.
pub(crate) fn refusal(label: &str, error: PaperError) -> WebError {
    match error {
        PaperError::Missing { field, .. } | PaperError::Invalid { field, .. } => WebError {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            message: format!("Chưa lập được dự thảo “{label}”. {error}"),
            field: Some(field.to_string()),
            rule: None,
        },
        PaperError::Write(detail) => {
            tracing::error!(%detail, "paper not written");
            WebError::internal()
        }
    }
}

pub(crate) fn docx_response(bytes: Vec<u8>, file_name: &str) -> Response {
    let mut response = bytes.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(DOCX_TYPE));
    if let Ok(value) = HeaderValue::from_str(&format!("attachment; filename=\"{file_name}\"")) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    // The paper holds the person's record: never kept by a browser or a proxy.
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// `GET /cases/{case_id}/papers/{paper}`: the paper as a `.docx` attachment.
pub async fn download(
    ctx: Ctx,
    Path((case_id, paper)): Path<(String, String)>,
) -> Result<Response, WebError> {
    let scope = ctx.scope()?;
    let id = super::case::parse_case_id(&case_id)?;
    let kind = Kind::from_slug(&paper).ok_or_else(WebError::not_found)?;
    let store = &ctx.state.store;
    let record = store.case(scope, id).await?;
    let case = &record.case;
    let issuers = Issuers::load(&ctx, case).await?;
    let rules = store.rule_book().await?;
    let today = ctx.today();
    // Whether the case can fill the paper at all, before the person's record is read: a
    // refusal shows nothing of the person, so it is not a logged read.
    fill(kind, case, &record.person.details, &issuers, &rules, today)?
        .map_err(|e| refusal(kind.label(), e))?;
    // The read of the person's record is logged (person.read), as on the case page.
    let person = store.person(&ctx.change(), scope, case.person).await?;
    let bytes = fill(kind, case, &person.details, &issuers, &rules, today)?
        .and_then(|filled| filled.write())
        .map_err(|e| refusal(kind.label(), e))?;
    Ok(docx_response(bytes, &kind.file_name(id)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_place_is_the_ward_or_commune_name() {
        assert_eq!(place_name("Đảng bộ Phường Thủ Dầu Một"), "Thủ Dầu Một");
        assert_eq!(place_name("Đảng bộ phường Thủ Dầu Một"), "Thủ Dầu Một");
        assert_eq!(place_name("ĐẢNG BỘ XÃ Bình Mỹ"), "Bình Mỹ");
        assert_eq!(place_name("Đảng bộ đặc khu Côn Đảo"), "Côn Đảo");
        assert_eq!(place_name("Phường Phú Lợi"), "Phú Lợi");
        assert_eq!(place_name("Đảng bộ Phường 1"), "");
        assert_eq!(place_name("Đảng bộ"), "");
    }

    #[test]
    fn file_names_carry_no_personal_data() {
        for kind in Kind::ALL {
            let name = kind.file_name(CaseId(123));
            assert!(name.ends_with("-ho-so-123.docx"), "{name}");
            assert!(
                name.chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.'),
                "{name}"
            );
            assert_eq!(Kind::from_slug(kind.slug()), Some(kind));
        }
        assert_eq!(
            Kind::AdmissionResolution.file_name(CaseId(123)),
            "nghi-quyet-de-nghi-ket-nap-ho-so-123.docx"
        );
        assert_eq!(Kind::from_slug("development-plan"), None);
    }
}
