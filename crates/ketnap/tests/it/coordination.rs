//! Work between organisations in the store, on SQLite and (from story.rs) PostgreSQL: a
//! Youth Union nominates, the ward accepts one and declines one; the accepted person is
//! transferred to another ward with the whole file; the new ward asks the old one for a
//! background verification and records a letter's answer; and every refusal the issue
//! names leaves nothing behind.

use chrono::{Datelike, Duration, NaiveDate};
use ketnap_domain::access::NomineeScope;
use ketnap_domain::action::Action;
use ketnap_domain::case::Paper;
use ketnap_domain::citizen_id::Sex;
use ketnap_domain::coordination::{
    Addressee, NewRequest, Nomination, RequestAnswer, RequestBody, RequestKind, Status,
};
use ketnap_domain::ids::MassOrgId;
use ketnap_domain::ports::{CaseStore, Change, StoreError};
use ketnap_domain::scope::{Access, Scope};
use ketnap_store::Store;

use crate::fixtures::{advance, change, day, doc, person, pipeline, sqlite_store, tree};

#[tokio::test]
async fn coordination_on_sqlite() {
    let (store, dir) = sqlite_store().await;
    let url = format!("sqlite://{}", dir.path().join("ketnap.sqlite3").display());
    let union = on_store(&store).await;
    let nominator = NomineeScope { mass_org: union };
    // A rotation re-seals what travels between units too, and it still opens.
    let names = |list: Vec<ketnap_store::NominationSummary>| {
        list.into_iter().map(|n| n.name).collect::<Vec<_>>()
    };
    let before = names(store.nominations_of(nominator).await.unwrap());
    let (_, resealed) = store.rotate_data_keys(&change("admin")).await.unwrap();
    // Every sealed value, people's and what travelled between units, is on the new key.
    let status = store.data_key_status().await.unwrap();
    assert!(
        status[0].current && status[0].records == resealed,
        "{status:?} {resealed}"
    );
    assert!(status[1..].iter().all(|k| k.records == 0), "{status:?}");
    assert_eq!(
        names(store.nominations_of(nominator).await.unwrap()),
        before
    );
    retention_erases_declined_nominations(&store, &url, nominator).await;
}

fn at(actor: &str, today: NaiveDate) -> Change {
    let mut change = change(actor);
    change.now = today.and_hms_opt(3, 0, 0).unwrap().and_utc();
    change
}

fn rule_of(result: Result<impl std::fmt::Debug, StoreError>) -> String {
    match result {
        Err(StoreError::Rejected(v)) => v.rule,
        other => panic!("expected a refusal, got {other:?}"),
    }
}

fn nomination(family: &str, given: &str, cccd: &str) -> Nomination {
    Nomination {
        details: person(
            family,
            "Thị",
            given,
            day(2001, 4, 4),
            Sex::Female,
            Some(cccd),
        ),
        resolution: doc("05-NQ/ĐTN", day(2025, 6, 20)),
        reasons: "Bí thư chi đoàn, hoàn thành xuất sắc nhiệm vụ hai năm liền".into(),
    }
}

/// The story; returns the nominating organisation.
pub async fn on_store(store: &Store) -> MassOrgId {
    let t = tree(store, "co").await;
    let today = crate::fixtures::now().date_naive();
    let ward = Scope::subtree(t.ward, Access::Edit);
    let ward_viewer = Scope::subtree(t.ward, Access::Read);
    let other_ward = Scope::subtree(t.other_ward, Access::Edit);
    let city = Scope::subtree(t.city, Access::Edit);
    let officer = change("ward-officer");
    let union = store
        .create_mass_org(
            &change("admin"),
            "youth_union",
            t.school,
            "Đoàn trường THPT Thủ Dầu Một",
        )
        .await
        .unwrap();
    let nominator = NomineeScope { mass_org: union };
    let nominating = change("doan-truong");

    // A nomination to a unit the organisation does not belong to is refused; nothing kept.
    let refused = store
        .submit_nomination(
            &nominating,
            nominator,
            t.other_cell,
            nomination("Đỗ", "Hoa", "079301000111"),
        )
        .await;
    assert_eq!(rule_of(refused), "nomination.unit");
    assert!(store.nominations_of(nominator).await.unwrap().is_empty());

    let hoa = store
        .submit_nomination(
            &nominating,
            nominator,
            t.school_cell,
            nomination("Đỗ", "Hoa", "079301000111"),
        )
        .await
        .unwrap();
    let lan = store
        .submit_nomination(
            &nominating,
            nominator,
            t.school,
            nomination("Vũ", "Lan", "079301000222"),
        )
        .await
        .unwrap();
    let mai = store
        .submit_nomination(
            &nominating,
            nominator,
            t.school,
            nomination("Hồ", "Mai", "079301000333"),
        )
        .await
        .unwrap();
    let mine = store.nominations_of(nominator).await.unwrap();
    assert_eq!(mine.len(), 3);
    assert!(mine.iter().all(|n| n.status == Status::Pending));

    // Only the party unit's own subtree sees and decides them.
    assert_eq!(store.nominations_to(&ward, true).await.unwrap().len(), 3);
    assert!(
        store
            .nominations_to(&other_ward, false)
            .await
            .unwrap()
            .is_empty()
    );
    let elsewhere = store
        .accept_nomination(
            &change("other-officer"),
            &other_ward,
            hoa,
            t.other_cell,
            day(2025, 7, 1),
        )
        .await;
    assert!(
        matches!(elsewhere, Err(StoreError::NotFound(_))),
        "{elsewhere:?}"
    );
    let read_only = store
        .decline_nomination(&officer, &ward_viewer, lan, "Không đủ điều kiện")
        .await;
    assert_eq!(rule_of(read_only), "scope.read-only");
    // Only into a cell of the unit it was addressed to, even for a city officer.
    let city_officer = change("city-officer");
    let astray = store
        .accept_nomination(&city_officer, &city, hoa, t.other_cell, day(2025, 7, 1))
        .await;
    assert_eq!(rule_of(astray), "nomination.cell");

    let (_, hoa_case) = store
        .accept_nomination(&officer, &ward, hoa, t.school_cell, day(2025, 7, 1))
        .await
        .unwrap();
    let again = store
        .accept_nomination(&officer, &ward, hoa, t.school_cell, day(2025, 7, 1))
        .await;
    assert_eq!(rule_of(again), "coordination.decided");
    let record = store.case(&ward, hoa_case).await.unwrap();
    assert_eq!(record.case.nominated_by, Some(union));
    assert!(
        record
            .case
            .papers
            .iter()
            .any(|p| p.paper == Paper::Nomination && p.number == "05-NQ/ĐTN")
    );
    assert_eq!(
        rule_of(store.decline_nomination(&officer, &ward, lan, "  ").await),
        "input.required"
    );
    // Declined at 03:00 on 20 November in Vietnam, still the 19th in UTC: retention
    // counts the Vietnam day (retention_erases_declined_nominations).
    let mut before_dawn = officer.clone();
    before_dawn.now = day(2026, 11, 19).and_hms_opt(20, 0, 0).unwrap().and_utc();
    store
        .decline_nomination(
            &before_dawn,
            &ward,
            lan,
            "Chưa đủ 18 tuổi đảng viên giới thiệu",
        )
        .await
        .unwrap();

    // Two officers accept the same nomination at once: exactly one source is made.
    let second_officer = change("second-officer");
    let (first, second) = tokio::join!(
        store.accept_nomination(&officer, &ward, mai, t.school_cell, day(2025, 7, 2)),
        store.accept_nomination(&second_officer, &ward, mai, t.school_cell, day(2025, 7, 2)),
    );
    let (won, lost) = match (first, second) {
        (Ok(won), lost) | (lost, Ok(won)) => (won, lost),
        other => panic!("neither accepted: {other:?}"),
    };
    assert_eq!(rule_of(lost), "coordination.decided");
    let (mai_person, mai_case) = won;

    // The nominator sees the outcome of each, with the reason of the decline.
    let mine = store.nominations_of(nominator).await.unwrap();
    let status_of = |id| mine.iter().find(|n| n.id == id).unwrap();
    assert_eq!(status_of(hoa).status, Status::Accepted);
    assert_eq!(status_of(hoa).case, Some(hoa_case));
    assert_eq!(status_of(lan).status, Status::Declined);
    assert_eq!(
        status_of(lan).decline_reason.as_deref(),
        Some("Chưa đủ 18 tuổi đảng viên giới thiệu")
    );

    // Hoa goes through to probation; the yearly counts follow.
    advance(store, &ward, hoa_case, &pipeline()[..10], "ward-officer").await;
    let ceremony = store
        .case(&ward, hoa_case)
        .await
        .unwrap()
        .case
        .ceremony_on
        .unwrap();
    let counts = store.nomination_counts(&city, today.year()).await.unwrap();
    let row = counts.iter().find(|c| c.mass_org == union).unwrap();
    assert_eq!(
        (row.submitted, row.accepted, row.declined, row.pending),
        (3, 2, 1, 0)
    );
    let ceremony_year = store
        .nomination_counts(&city, ceremony.year())
        .await
        .unwrap();
    assert_eq!(
        ceremony_year
            .iter()
            .find(|c| c.mass_org == union)
            .unwrap()
            .admitted,
        1
    );
    assert!(
        store
            .nomination_counts(&other_ward, 2026)
            .await
            .unwrap()
            .is_empty()
    );

    // Someone already on file by CCCD: while her case is open the acceptance is refused
    // and the nomination waits.
    let hoa_again = store
        .submit_nomination(
            &nominating,
            nominator,
            t.school,
            nomination("Đỗ", "Hoa", "079301000111"),
        )
        .await
        .unwrap();
    let open = store
        .accept_nomination(&officer, &ward, hoa_again, t.school_cell, today)
        .await;
    assert_eq!(rule_of(open), "case.already-open");
    assert_eq!(
        store
            .nomination_summary(&ward, hoa_again)
            .await
            .unwrap()
            .status,
        Status::Pending
    );

    // A case that closes takes no more transfers or requests, and its pending transfer
    // stops waiting on anyone.
    let mai_transfer = store
        .start_transfer(
            &officer,
            &ward,
            mai_case,
            t.other_cell,
            "Chuyển nơi ở",
            today,
        )
        .await
        .unwrap();
    let withdraw = Action::Withdraw {
        on: today,
        reason: "Xin rút khỏi danh sách".into(),
    };
    advance(store, &ward, mai_case, &[withdraw], "ward-officer").await;
    assert!(
        !store
            .pending_transfers()
            .await
            .unwrap()
            .iter()
            .any(|p| p.id == mai_transfer)
    );
    let refused = store
        .accept_transfer(&change("other-officer"), &other_ward, mai_transfer, today)
        .await;
    assert_eq!(rule_of(refused), "transfer.closed");
    let closed = store
        .send_request(&officer, &ward, mai_case, residence_letter(today))
        .await;
    assert_eq!(rule_of(closed), "request.closed");
    // Nominated again, she gets a new case on the record already on file.
    let mai_again = store
        .submit_nomination(
            &nominating,
            nominator,
            t.school,
            nomination("Hồ", "Mai", "079301000333"),
        )
        .await
        .unwrap();
    let (person, case) = store
        .accept_nomination(&officer, &ward, mai_again, t.school_cell, today)
        .await
        .unwrap();
    assert_eq!(person, mai_person);
    assert_ne!(case, mai_case);

    transfer_and_requests(store, &t, hoa_case, today).await;
    union
}

/// A request for an opinion by letter, to a residential group not on ketnap.
fn residence_letter(today: NaiveDate) -> NewRequest {
    NewRequest {
        kind: RequestKind::ResidenceOpinion,
        to: Addressee::Letter {
            name: "Ban điều hành Khu phố 3".into(),
            address: "Phường Thủ Dầu Một".into(),
        },
        body: RequestBody {
            about: "Người xin vào Đảng tại nơi cư trú".into(),
            questions: "Việc chấp hành quy định nơi cư trú".into(),
        },
        sent_on: today,
        due_on: today + Duration::days(10),
    }
}

async fn transfer_and_requests(
    store: &Store,
    t: &crate::fixtures::Tree,
    case: ketnap_domain::ids::CaseId,
    today: NaiveDate,
) {
    let ward = Scope::subtree(t.ward, Access::Edit);
    let other_ward = Scope::subtree(t.other_ward, Access::Edit);
    let other_viewer = Scope::subtree(t.other_ward, Access::Read);
    let city = Scope::subtree(t.city, Access::Edit);
    let sender = change("ward-officer");
    let receiver = change("other-officer");
    let before = store.case(&ward, case).await.unwrap();
    let events_before = store.events(&ward, case).await.unwrap().len();

    // Only the case's own unit starts a transfer, and once at a time.
    let outside = store
        .start_transfer(
            &receiver,
            &other_ward,
            case,
            t.other_cell,
            "Chuyển nơi ở",
            today,
        )
        .await;
    assert!(
        matches!(outside, Err(StoreError::NotFound(_))),
        "{outside:?}"
    );
    // A letter the old unit sent before the move travels with the file.
    let before_move = store
        .send_request(&sender, &ward, case, residence_letter(today))
        .await
        .unwrap();
    let transfer = store
        .start_transfer(
            &sender,
            &ward,
            case,
            t.other_cell,
            "Gia đình chuyển về phường Phú Lợi",
            today,
        )
        .await
        .unwrap();
    let twice = store
        .start_transfer(&sender, &ward, case, t.other_cell, "Lần hai", today)
        .await;
    assert_eq!(rule_of(twice), "transfer.pending");

    // Both sides and their common parent see it pending; it escalates after N working days.
    for scope in [&ward, &other_ward, &city] {
        let seen = store.transfers(scope).await.unwrap();
        let this = seen.iter().find(|v| v.id == transfer);
        assert_eq!(this.map(|v| v.status), Some(Status::Pending), "{scope:?}");
    }
    let view = store.transfer(&city, transfer).await.unwrap();
    assert_eq!(view.common_parent, Some(t.city));
    let escalates = view.escalates_on.unwrap();
    assert!(
        escalates > today
            && !view.escalated(escalates - Duration::days(1))
            && view.escalated(escalates)
    );

    // The sender cannot accept for the receiver; a read-only account cannot either.
    let by_sender = store.accept_transfer(&sender, &ward, transfer, today).await;
    assert!(
        matches!(by_sender, Err(StoreError::NotFound(_))),
        "{by_sender:?}"
    );
    assert!(
        store
            .accept_transfer(&receiver, &other_viewer, transfer, today)
            .await
            .is_err()
    );

    store
        .accept_transfer(&receiver, &other_ward, transfer, today)
        .await
        .unwrap();
    assert_eq!(
        rule_of(
            store
                .decline_transfer(&receiver, &other_ward, transfer, "muộn")
                .await
        ),
        "coordination.decided"
    );

    // The whole file travelled: same stage, papers and dates, one more event; the clocks run on.
    let moved = store.case(&other_ward, case).await.unwrap();
    assert_eq!(moved.case.cell, t.other_cell);
    assert_eq!(moved.case.stage, before.case.stage);
    assert_eq!(moved.case.ceremony_on, before.case.ceremony_on);
    assert_eq!(moved.case.papers, before.case.papers);
    let events = store.events(&other_ward, case).await.unwrap();
    assert_eq!(events.len(), events_before + 1);
    assert_eq!(events.last().unwrap().action, "transfer");
    // The sender keeps only the record that the person left and where to.
    assert!(matches!(
        store.case(&ward, case).await,
        Err(StoreError::NotFound(_))
    ));
    let left = store.transfers(&ward).await.unwrap();
    let left = left.iter().find(|v| v.id == transfer).unwrap();
    assert_eq!(
        (left.status, left.to_name.as_str()),
        (Status::Accepted, "Chi bộ Khu phố 1")
    );

    // The new ward asks the old one for a background verification, answered once.
    let ask = |to| NewRequest {
        kind: RequestKind::Verification,
        to,
        body: RequestBody {
            about: "Bố: Đỗ Văn Hải, sinh năm 1970, cư trú tại Khu phố 3".into(),
            questions: "Lịch sử chính trị, chấp hành chính sách pháp luật".into(),
        },
        sent_on: today,
        due_on: today + Duration::days(20),
    };
    assert!(matches!(
        store
            .send_request(
                &sender,
                &ward,
                case,
                ask(Addressee::Unit { unit: t.other_ward })
            )
            .await,
        Err(StoreError::NotFound(_))
    ));
    let request = store
        .send_request(
            &receiver,
            &other_ward,
            case,
            ask(Addressee::Unit { unit: t.ward }),
        )
        .await
        .unwrap();
    assert_eq!(store.requests_to(&ward).await.unwrap().len(), 1);
    // The new ward waits on its own request and on the letter that came with the file.
    assert_eq!(store.requests_from(&other_ward).await.unwrap().len(), 2);
    assert!(store.requests_from(&ward).await.unwrap().is_empty());
    assert!(store.requests_to(&other_ward).await.unwrap().is_empty());
    let answer = RequestAnswer {
        answered_on: today,
        answerer: "Nguyễn Văn Tư, Bí thư Chi bộ Khu phố 3".into(),
        conclusion: "Gia đình chấp hành tốt chủ trương, chính sách".into(),
        document: Some(doc("15-CV/CB", today)),
    };
    let travelled = store
        .requests_of_case(&other_ward, case)
        .await
        .unwrap()
        .into_iter()
        .find(|r| r.id == before_move)
        .unwrap();
    assert_eq!(
        (travelled.from_unit, travelled.cell),
        (t.school_cell, t.other_cell)
    );
    assert!(matches!(
        store
            .answer_request(&sender, &ward, before_move, answer.clone())
            .await,
        Err(StoreError::NotFound(_))
    ));
    store
        .answer_request(&receiver, &other_ward, before_move, answer.clone())
        .await
        .unwrap();
    let by_asker = store
        .answer_request(&receiver, &other_ward, request, answer.clone())
        .await;
    assert!(
        matches!(by_asker, Err(StoreError::NotFound(_))),
        "{by_asker:?}"
    );
    store
        .answer_request(&sender, &ward, request, answer.clone())
        .await
        .unwrap();
    let second = RequestAnswer {
        conclusion: "Một câu trả lời khác".into(),
        ..answer.clone()
    };
    assert_eq!(
        rule_of(store.answer_request(&sender, &ward, request, second).await),
        "request.answered"
    );
    let on_case = store.requests_of_case(&other_ward, case).await.unwrap();
    let answered = on_case.iter().find(|r| r.id == request).unwrap();
    assert_eq!(answered.answer.as_ref(), Some(&answer));
    assert_eq!(answered.answered_by.as_deref(), Some("ward-officer"));

    // A unit not on ketnap gets a letter; the case's unit records its answer, late.
    let letter = store
        .send_request(
            &receiver,
            &other_ward,
            case,
            NewRequest {
                kind: RequestKind::WorkplaceOpinion,
                due_on: today,
                ..ask(Addressee::Letter {
                    name: "Công ty TNHH Minh Phát".into(),
                    address: "12 Lê Lợi, Thủ Dầu Một".into(),
                })
            },
        )
        .await
        .unwrap();
    let open = store.requests_from(&other_ward).await.unwrap();
    let pending = open.iter().find(|r| r.id == letter).unwrap();
    assert!(!pending.overdue(today) && pending.overdue(today + Duration::days(1)));
    assert!(matches!(
        store
            .answer_request(&sender, &ward, letter, answer.clone())
            .await,
        Err(StoreError::NotFound(_))
    ));
    store
        .answer_request(&receiver, &other_ward, letter, answer)
        .await
        .unwrap();
}

async fn retention_erases_declined_nominations(store: &Store, url: &str, nominator: NomineeScope) {
    let t = tree(store, "re").await;
    let ward = Scope::subtree(t.ward, Access::Edit);
    let officer = change("ward-officer");
    let declined = store
        .nominations_of(nominator)
        .await
        .unwrap()
        .into_iter()
        .find(|n| n.status == Status::Declined)
        .unwrap();
    // A nominee accepted, asked about by letter, then withdrawn: after the rule set's
    // 24 months her record goes, and with it what the nomination and the request said.
    let union = store
        .create_mass_org(
            &change("admin"),
            "trade_union",
            t.school,
            "Công đoàn trường",
        )
        .await
        .unwrap();
    let nga = store
        .submit_nomination(
            &change("cong-doan"),
            NomineeScope { mass_org: union },
            t.school,
            nomination("Lý", "Nga", "079301000444"),
        )
        .await
        .unwrap();
    let (_, nga_case) = store
        .accept_nomination(&officer, &ward, nga, t.school_cell, day(2025, 7, 1))
        .await
        .unwrap();
    let letter = store
        .send_request(
            &officer,
            &ward,
            nga_case,
            residence_letter(day(2026, 11, 20)),
        )
        .await
        .unwrap();
    let answer = RequestAnswer {
        answered_on: day(2026, 11, 20),
        answerer: "Trưởng khu phố".into(),
        conclusion: "Chấp hành tốt".into(),
        document: None,
    };
    store
        .answer_request(&officer, &ward, letter, answer)
        .await
        .unwrap();
    let withdraw = Action::Withdraw {
        on: day(2026, 11, 20),
        reason: "Chuyển đi nước ngoài".into(),
    };
    advance(store, &ward, nga_case, &[withdraw], "ward-officer").await;

    // The decline was on 20 November, Vietnam time: 12 months later to the day, not before.
    let count_on = |today: NaiveDate| async move {
        store
            .purge_expired(&at("admin", today), today, true)
            .await
            .unwrap()
            .nominations
    };
    assert_eq!(count_on(day(2027, 11, 19)).await, 0);
    assert_eq!(count_on(day(2027, 11, 20)).await, 1);
    let purged = store
        .purge_expired(&at("admin", day(2028, 12, 1)), day(2028, 12, 1), false)
        .await
        .unwrap();
    assert_eq!((purged.nominations, purged.people), (1, 1));
    let after = store.nominations_of(nominator).await.unwrap();
    let erased = after.iter().find(|n| n.id == declined.id).unwrap();
    assert_eq!(erased.name, ketnap_domain::person::ERASED_NAME);
    assert_eq!(
        (erased.status, erased.decline_reason.as_deref()),
        (Status::Declined, None)
    );

    // In the file itself: nothing left to open, nothing in clear.
    let pool = sqlx::SqlitePool::connect(url).await.unwrap();
    let nominations: Vec<(i64, String, Option<String>)> =
        sqlx::query_as("SELECT id, body, decline_reason FROM nominations WHERE id IN (?, ?)")
            .bind(declined.id)
            .bind(nga)
            .fetch_all(&pool)
            .await
            .unwrap();
    assert_eq!(nominations.len(), 2);
    for (id, body, reason) in nominations {
        assert_eq!((body.as_str(), reason), ("", None), "nomination {id}");
    }
    let (body, answer): (String, Option<String>) =
        sqlx::query_as("SELECT body, answer FROM unit_requests WHERE id = ?")
            .bind(letter)
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!((body.as_str(), answer), ("", None));
    let seen = store.requests_of_case(&ward, nga_case).await.unwrap();
    assert_eq!(
        seen[0].body.as_ref().unwrap().about,
        ketnap_domain::person::ERASED_NAME
    );
    assert!(store.verify_audit_log().await.unwrap().problems.is_empty());
}
