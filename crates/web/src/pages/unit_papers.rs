//! Văn bản của một tổ chức đảng: papers made for a unit rather than for one case, as
//! `.docx` drafts like the case's papers (`papers`).
//!
//! - `GET /units/{unit_id}/papers/{paper}`: one of the case papers ([`Kind`]) for every
//!   case of the unit's subtree for which it is current ([`is_current`]), in one document,
//!   each paper on a new page (`ketnap_papers::bundle`), so that a meeting's papers print
//!   in one go. A case whose paper cannot be filled (a record missing) is left out and
//!   counted (the log and the `x-skipped-cases` header), not mentioned in the file.
//! - `GET /units/{unit_id}/papers/awareness-nominees`: the list of sympathisers proposed
//!   for the awareness course.
//! - `GET /units/{unit_id}/papers/development-plan?year=YYYY`: the unit's development plan
//!   for the year, from its target and its sub-units' quotas.
//!
//! The unit is read within the account's scope (outside it: 404, like the unit page).
//! Nothing to put in a paper is refused (422, in Vietnamese) rather than answered with an
//! empty file. Serving a paper with people in it is a read of each person's record, logged
//! (`person.read`, one row per person, by id) as the case page logs it; a refusal shows no
//! one and logs nothing. File names carry the paper and the unit's number only.

use std::collections::HashMap;
use std::collections::hash_map::Entry;

use axum::extract::{Path, RawQuery};
use axum::http::{HeaderValue, StatusCode};
use axum::response::Response;
use chrono::{Datelike, Days, NaiveDate};
use ketnap_domain::case::{Case, DocRef, Stage};
use ketnap_domain::ids::UnitId;
use ketnap_domain::ports::RuleStore;
use ketnap_domain::unit::{Unit, UnitKind};
use ketnap_domain::workflow::today_in_vietnam;
use ketnap_papers::{
    AwarenessNominees, DevelopmentPlan, Letterhead, Nominee, Signature, committee_name,
};

use super::papers::{
    Filled, Issuers, Kind, PaperLink, chain, decides, docx_response, fill, place_of, refusal,
};
use super::reports::{MAX_YEAR, MIN_YEAR};
use crate::ctx::Ctx;
use crate::error::WebError;

/// A recognition decision stays in the bulk papers this many days after its date: long
/// enough to print it for the files after the meeting that handed it over.
pub const RECENT_RECOGNITION_DAYS: u64 = 60;

/// The header that tells how many cases were left out of a bulk paper.
const SKIPPED_HEADER: &str = "x-skipped-cases";

const AWARENESS_LABEL: &str = "Danh sách đề nghị học lớp bồi dưỡng nhận thức về Đảng";

/// The stages at which a case's paper of `kind` is current (see [`is_current`]).
pub fn bulk_stages(kind: Kind) -> &'static [Stage] {
    match kind {
        Kind::AdmissionResolution => &[Stage::CellResolved, Stage::BaseResolved],
        Kind::AdmissionDecision => &[Stage::Decided],
        Kind::RecognitionResolution => {
            &[Stage::RecognitionProposed, Stage::RecognitionBaseResolved]
        }
        Kind::RecognitionDecision => &[Stage::Official],
    }
}

/// The first day of the window in which a recognition decision is still current.
fn recent_since(today: NaiveDate) -> NaiveDate {
    today
        .checked_sub_days(Days::new(RECENT_RECOGNITION_DAYS))
        .unwrap_or(NaiveDate::MIN)
}

/// Whether the paper of `kind` is the one the case is waiting on (or has just been
/// given), so that printing it for the whole unit prints what the next meeting needs: the
/// cell's resolution while the admission decision is awaited, the decision until the
/// ceremony, the recognition resolution until its decision, and the recognition decision
/// for [`RECENT_RECOGNITION_DAYS`] days after its date.
pub fn is_current(kind: Kind, case: &Case, today: NaiveDate) -> bool {
    if !bulk_stages(kind).contains(&case.stage) {
        return false;
    }
    match kind {
        Kind::RecognitionDecision => case
            .recognition_decision
            .as_ref()
            .is_some_and(|d| d.dated >= recent_since(today)),
        _ => true,
    }
}

/// The cases a bulk paper holds, for its link and its refusal.
fn wanted(kind: Kind) -> String {
    match kind {
        Kind::AdmissionResolution => {
            "hồ sơ chi bộ đã biểu quyết đề nghị kết nạp, đang chờ quyết định kết nạp".into()
        }
        Kind::AdmissionDecision => "hồ sơ đã có quyết định kết nạp, chưa tổ chức lễ kết nạp".into(),
        Kind::RecognitionResolution => {
            "đảng viên dự bị chi bộ đã đề nghị công nhận chính thức, đang chờ quyết định".into()
        }
        Kind::RecognitionDecision => format!(
            "đảng viên được công nhận chính thức theo quyết định ký trong {RECENT_RECOGNITION_DAYS} ngày qua"
        ),
    }
}

/// The links of the unit page's "Văn bản" section: each case paper for the unit's cases,
/// the awareness-course list, and the development plan of `year`.
pub fn links(unit_id: i64, year: i32) -> Vec<PaperLink> {
    let mut links: Vec<PaperLink> = Kind::ALL
        .into_iter()
        .map(|kind| PaperLink {
            href: format!("/units/{unit_id}/papers/{}", kind.slug()),
            label: format!("{} ({})", kind.label(), wanted(kind)),
        })
        .collect();
    links.push(PaperLink {
        href: format!("/units/{unit_id}/papers/awareness-nominees"),
        label: format!("{AWARENESS_LABEL} (cảm tình Đảng chưa học lớp)"),
    });
    links.push(PaperLink {
        href: format!("/units/{unit_id}/papers/development-plan?year={year}"),
        label: format!("Kế hoạch phát triển đảng viên năm {year}"),
    });
    links
}

fn parse_unit_id(text: &str) -> Result<UnitId, WebError> {
    text.parse::<i64>()
        .map(UnitId)
        .map_err(|_| WebError::not_found())
}

fn unprocessable(message: String) -> WebError {
    WebError {
        status: StatusCode::UNPROCESSABLE_ENTITY,
        message,
        field: None,
        rule: None,
    }
}

/// The letterhead of the unit itself (`chain[0]`): a cell under the organisation above
/// it, a committee under the one above it.
fn unit_head(chain: &[Unit]) -> Letterhead {
    let place = place_of(chain);
    let issuer = |unit: &Unit| {
        if unit.kind.holds_cases() {
            unit.name.clone()
        } else {
            committee_name(&unit.name)
        }
    };
    match chain {
        [unit, above, ..] => Letterhead::new(above.name.clone(), issuer(unit), place),
        [unit] => Letterhead::new("", issuer(unit), place),
        [] => Letterhead::new("", "", place),
    }
}

/// Who signs for the unit: the cell's secretary, or the committee (the names and titles
/// are not recorded: left to write).
fn unit_signature(unit: &Unit) -> Signature {
    if unit.kind.holds_cases() {
        Signature::cell_secretary("")
    } else {
        Signature::committee("", "")
    }
}

/// Where a unit's proposals go: the nearest base committee or deciding committee above it.
fn addressee(chain: &[Unit]) -> String {
    chain
        .iter()
        .skip(1)
        .find(|u| u.kind == UnitKind::BaseCommittee || decides(u.kind))
        .map(|u| committee_name(&u.name))
        .unwrap_or_default()
}

/// Adds the count of cases left out to a bulk paper's answer.
fn with_skipped(mut response: Response, skipped: usize) -> Response {
    response
        .headers_mut()
        .insert(SKIPPED_HEADER, HeaderValue::from(skipped));
    response
}

/// `GET /units/{unit_id}/papers/{paper}`: the paper for every case of the unit's subtree
/// for which it is current, in one `.docx`.
pub async fn bulk(
    ctx: Ctx,
    Path((unit_id, paper)): Path<(String, String)>,
) -> Result<Response, WebError> {
    let scope = ctx.scope()?;
    let id = parse_unit_id(&unit_id)?;
    let kind = Kind::from_slug(&paper).ok_or_else(WebError::not_found)?;
    // One clock for the window and the audit rows.
    let change = ctx.change();
    let today = today_in_vietnam(change.now);
    let store = &ctx.state.store;
    let since = (kind == Kind::RecognitionDecision).then(|| recent_since(today));
    let records: Vec<_> = store
        .cases_under(scope, id, bulk_stages(kind), since)
        .await?
        .into_iter()
        .filter(|r| is_current(kind, &r.case, today))
        .collect();
    if records.is_empty() {
        let chain = chain(&ctx, id).await?;
        let unit = chain.first().ok_or_else(WebError::not_found)?;
        return Err(unprocessable(format!(
            "Không có hồ sơ nào để lập “{}”: {} và các tổ chức trực thuộc không có {}.",
            kind.label(),
            unit.name,
            wanted(kind)
        )));
    }
    let rules = store.rule_book().await?;
    // Cases of one cell share their issuers: the tree is walked once per cell.
    let mut issuers: HashMap<(UnitId, bool), Issuers> = HashMap::new();
    let mut filled: Vec<Filled> = Vec::new();
    let mut people = Vec::new();
    let mut first_error: Option<(i64, String)> = None;
    for record in &records {
        let case = &record.case;
        let around = match issuers.entry((case.cell, case.cell_under_base_committee)) {
            Entry::Occupied(known) => known.into_mut(),
            Entry::Vacant(slot) => slot.insert(Issuers::load(&ctx, case).await?),
        };
        let paper = match fill(kind, case, &record.person.details, around, &rules, today) {
            Ok(Ok(f)) => f.paper().check().map(|()| f).map_err(|e| e.to_string()),
            Ok(Err(e)) => Err(e.to_string()),
            // No rule set in force on the case's dates: that case only is left out.
            Err(e) if e.status == StatusCode::UNPROCESSABLE_ENTITY => Err(e.message),
            Err(e) => return Err(e),
        };
        match paper {
            Ok(paper) => {
                filled.push(paper);
                people.push(record.person.id);
            }
            Err(error) => {
                first_error.get_or_insert((case.id.0, error));
            }
        }
    }
    let skipped = records.len() - filled.len();
    if filled.is_empty()
        && let Some((case, error)) = first_error
    {
        // None could be filled: the first reason, with the case it belongs to.
        return Err(unprocessable(format!(
            "Chưa lập được dự thảo “{}” cho hồ sơ nào trong {} hồ sơ cần văn bản này. Hồ sơ số {case}: {error}",
            kind.label(),
            records.len()
        )));
    }
    let sheets: Vec<_> = filled.iter().map(Filled::paper).collect();
    let bytes = ketnap_papers::bundle(&sheets).map_err(|e| refusal(kind.label(), e))?;
    // Served: each person's record has been read.
    store.log_person_reads(&change, &people).await?;
    if skipped > 0 {
        tracing::info!(
            unit = id.0,
            paper = kind.slug(),
            included = filled.len(),
            skipped,
            "cases left out of a bulk paper"
        );
    }
    Ok(with_skipped(
        docx_response(bytes, &kind.unit_file_name(id)),
        skipped,
    ))
}

/// `GET /units/{unit_id}/papers/awareness-nominees`: the sympathisers of the unit's
/// subtree without the awareness certificate (only a sympathiser can get one, so sources
/// are not on it), proposed for the course, in Vietnamese name order.
pub async fn awareness_nominees(
    ctx: Ctx,
    Path(unit_id): Path<String>,
) -> Result<Response, WebError> {
    let scope = ctx.scope()?;
    let id = parse_unit_id(&unit_id)?;
    let change = ctx.change();
    let today = today_in_vietnam(change.now);
    let store = &ctx.state.store;
    let records: Vec<_> = store
        .cases_under(scope, id, &[Stage::Sympathiser], None)
        .await?
        .into_iter()
        .filter(|r| r.case.awareness_certificate.is_none())
        .collect();
    let chain = chain(&ctx, id).await?;
    let unit = chain.first().ok_or_else(WebError::not_found)?;
    if records.is_empty() {
        return Err(unprocessable(format!(
            "Không có ai để lập “{AWARENESS_LABEL}”: {} và các tổ chức trực thuộc không có cảm tình Đảng nào chưa học lớp.",
            unit.name
        )));
    }
    let addressee = addressee(&chain);
    let mut recipients = Vec::new();
    if !addressee.is_empty() {
        recipients.push(addressee.clone());
    }
    recipients.push(if unit.kind.holds_cases() {
        "Lưu chi bộ".to_string()
    } else {
        "Lưu Văn phòng Đảng ủy".to_string()
    });
    let paper = AwarenessNominees {
        letterhead: unit_head(&chain),
        document: DocRef {
            number: String::new(),
            dated: today,
        },
        addressee,
        course: String::new(),
        nominees: records
            .iter()
            .map(|r| Nominee::from_case(&r.case, &r.person.details))
            .collect(),
        recipients,
        signature: unit_signature(unit),
    };
    let bytes =
        ketnap_papers::awareness_nominees(&paper).map_err(|e| refusal(AWARENESS_LABEL, e))?;
    let people: Vec<_> = records.iter().map(|r| r.person.id).collect();
    store.log_person_reads(&change, &people).await?;
    Ok(docx_response(
        bytes,
        &format!("danh-sach-de-nghi-hoc-lop-nhan-thuc-don-vi-{}.docx", id.0),
    ))
}

/// The `year` of the query, the current one when absent or blank.
fn plan_year(raw: Option<&str>, today: NaiveDate) -> Result<i32, WebError> {
    let pairs: Vec<(String, String)> =
        serde_urlencoded::from_str(raw.unwrap_or_default()).unwrap_or_default();
    let Some((_, text)) = pairs
        .iter()
        .find(|(k, v)| k == "year" && !v.trim().is_empty())
    else {
        return Ok(today.year());
    };
    match text.trim().parse::<i32>() {
        Ok(year) if (MIN_YEAR..=MAX_YEAR).contains(&year) => Ok(year),
        _ => {
            let mut e = WebError::bad_request(format!(
                "Năm không hợp lệ: hãy ghi năm từ {MIN_YEAR} đến {MAX_YEAR}."
            ));
            e.field = Some("year".into());
            Err(e)
        }
    }
}

/// `GET /units/{unit_id}/papers/development-plan?year=YYYY`: the unit's plan for the year,
/// its target and its active sub-units' quotas as the plan page computes them (set, or
/// the rule set's default). It names units only, so it is not a read of anyone's record.
pub async fn development_plan(
    ctx: Ctx,
    Path(unit_id): Path<String>,
    RawQuery(raw): RawQuery,
) -> Result<Response, WebError> {
    let scope = ctx.scope()?;
    let id = parse_unit_id(&unit_id)?;
    let today = today_in_vietnam(ctx.change().now);
    let year = plan_year(raw.as_deref(), today)?;
    let check = ctx.state.store.quota_check(scope, id, year).await?;
    let chain = chain(&ctx, id).await?;
    let unit = chain.first().ok_or_else(WebError::not_found)?;
    let plan = DevelopmentPlan::from_quota_check(
        &check,
        unit_head(&chain),
        DocRef {
            number: String::new(),
            dated: today,
        },
        unit_signature(unit),
    );
    let label = format!("Kế hoạch phát triển đảng viên năm {year}");
    let bytes = ketnap_papers::development_plan(&plan).map_err(|e| refusal(&label, e))?;
    Ok(docx_response(
        bytes,
        &format!(
            "ke-hoach-phat-trien-dang-vien-nam-{year}-don-vi-{}.docx",
            id.0
        ),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use ketnap_domain::ids::{CaseId, PersonId};

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn case_at(stage: Stage) -> Case {
        let mut case = Case::new_source(
            CaseId(1),
            PersonId(1),
            UnitId(1),
            false,
            day(2025, 1, 1),
            None,
        );
        case.stage = stage;
        case
    }

    #[test]
    fn each_bulk_paper_is_current_at_its_stages_only() {
        let today = day(2026, 12, 5);
        for stage in Stage::ALL {
            let case = case_at(stage);
            assert_eq!(
                is_current(Kind::AdmissionResolution, &case, today),
                matches!(stage, Stage::CellResolved | Stage::BaseResolved),
                "{stage:?}"
            );
            assert_eq!(
                is_current(Kind::AdmissionDecision, &case, today),
                stage == Stage::Decided,
                "{stage:?}"
            );
            assert_eq!(
                is_current(Kind::RecognitionResolution, &case, today),
                matches!(
                    stage,
                    Stage::RecognitionProposed | Stage::RecognitionBaseResolved
                ),
                "{stage:?}"
            );
        }
    }

    #[test]
    fn a_recognition_decision_is_current_for_sixty_days() {
        let today = day(2026, 12, 5);
        let decided = |dated: NaiveDate| {
            let mut case = case_at(Stage::Official);
            case.recognition_decision = Some(DocRef {
                number: "301-QĐ/ĐU".into(),
                dated,
            });
            case
        };
        let current = |case: &Case| is_current(Kind::RecognitionDecision, case, today);
        assert!(current(&decided(today)));
        assert!(current(&decided(day(2026, 10, 6))), "60 days before");
        assert!(!current(&decided(day(2026, 10, 5))), "61 days before");
        assert!(!current(&case_at(Stage::Official)), "no decision on file");
        let mut probation = decided(today);
        probation.stage = Stage::Probation;
        assert!(!current(&probation));
    }

    #[test]
    fn links_name_the_unit_and_the_year_only() {
        let links = links(123, 2026);
        let hrefs: Vec<&str> = links.iter().map(|l| l.href.as_str()).collect();
        assert_eq!(
            hrefs,
            [
                "/units/123/papers/admission-resolution",
                "/units/123/papers/admission-decision",
                "/units/123/papers/recognition-resolution",
                "/units/123/papers/recognition-decision",
                "/units/123/papers/awareness-nominees",
                "/units/123/papers/development-plan?year=2026",
            ]
        );
        assert_eq!(
            Kind::AdmissionDecision.unit_file_name(UnitId(123)),
            "quyet-dinh-ket-nap-don-vi-123.docx"
        );
    }

    #[test]
    fn the_year_defaults_to_this_year_and_is_checked() {
        let today = day(2026, 12, 5);
        assert_eq!(plan_year(None, today).ok(), Some(2026));
        assert_eq!(plan_year(Some("year="), today).ok(), Some(2026));
        assert_eq!(plan_year(Some("year=2027"), today).ok(), Some(2027));
        for bad in ["year=abc", "year=1999", "year=2101"] {
            let e = plan_year(Some(bad), today).unwrap_err();
            assert_eq!(e.status, StatusCode::BAD_REQUEST, "{bad}");
            assert_eq!(e.field.as_deref(), Some("year"));
        }
    }
}
