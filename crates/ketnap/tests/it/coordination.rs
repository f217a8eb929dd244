//! Work between organisations in the store, on SQLite and (from story.rs) PostgreSQL: a
//! Youth Union nominates, the ward accepts one and declines one; the accepted person is
//! transferred to another ward with the whole file; the new ward asks the old one for a
//! background verification and records a letter's answer; and every refusal the issue
//! names leaves nothing behind.

use chrono::{Datelike, Duration, NaiveDate};
use ketnap_domain::access::NomineeScope;
use ketnap_domain::case::Paper;
use ketnap_domain::citizen_id::Sex;
use ketnap_domain::coordination::{
    Addressee, NewRequest, Nomination, RequestAnswer, RequestBody, RequestKind, Status,
};
use ketnap_domain::ids::MassOrgId;
use ketnap_domain::ports::{CaseStore, Change, StoreError};
use ketnap_domain::scope::{Access, Scope};
use ketnap_store::Store;

use crate::fixtures::{advance, change, day, doc, now, person, pipeline, sqlite_store, tree};

#[tokio::test]
async fn coordination_on_sqlite() {
    let (store, _dir) = sqlite_store().await;
    let union = on_store(&store).await;
    let nominator = NomineeScope { mass_org: union };
    // A rotation re-seals what travels between units too, and it still opens.
    let names = |list: Vec<ketnap_store::NominationSummary>| {
        list.into_iter().map(|n| n.name).collect::<Vec<_>>()
    };
    let before = names(store.nominations_of(nominator).await.unwrap());
    let (_, resealed) = store.rotate_data_keys(&change("admin")).await.unwrap();
    // 3 nominations, 2 requests with their 2 answers, and the people.
    assert!(resealed >= 7, "{resealed}");
    assert_eq!(
        names(store.nominations_of(nominator).await.unwrap()),
        before
    );
    retention_erases_declined_nominations(&store, nominator).await;
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
    assert!(read_only.is_err());

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
    store
        .decline_nomination(&officer, &ward, lan, "Chưa đủ 18 tuổi đảng viên giới thiệu")
        .await
        .unwrap();

    // Two officers accept the same nomination at once: exactly one source is made.
    let second_officer = change("second-officer");
    let (first, second) = tokio::join!(
        store.accept_nomination(&officer, &ward, mai, t.school_cell, day(2025, 7, 2)),
        store.accept_nomination(
            &second_officer,
            &ward,
            mai,
            t.residential_cell,
            day(2025, 7, 2)
        ),
    );
    assert_eq!(
        [first.is_ok(), second.is_ok()]
            .iter()
            .filter(|ok| **ok)
            .count(),
        1,
        "{first:?} {second:?}"
    );

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

    transfer_and_requests(store, &t, hoa_case, today).await;
    union
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
        assert_eq!(seen.len(), 1, "{scope:?}");
        assert_eq!(seen[0].status, Status::Pending);
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
    assert_eq!(
        (left[0].status, left[0].to_name.as_str()),
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
    assert_eq!(store.requests_from(&other_ward).await.unwrap().len(), 1);
    assert!(store.requests_to(&other_ward).await.unwrap().is_empty());
    let answer = RequestAnswer {
        answered_on: today,
        answerer: "Nguyễn Văn Tư, Bí thư Chi bộ Khu phố 3".into(),
        conclusion: "Gia đình chấp hành tốt chủ trương, chính sách".into(),
        document: Some(doc("15-CV/CB", today)),
    };
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
    assert_eq!(on_case[0].answer.as_ref(), Some(&answer));
    assert_eq!(on_case[0].answered_by.as_deref(), Some("ward-officer"));

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

async fn retention_erases_declined_nominations(store: &Store, nominator: NomineeScope) {
    let admin = at("admin", now().date_naive());
    let mass_org = store.nominations_of(nominator).await.unwrap();
    let declined = mass_org
        .iter()
        .find(|n| n.status == Status::Declined)
        .unwrap();
    // Within the rule set's 12 months nothing goes; after them, the details do.
    let early = store
        .purge_expired(&admin, day(2027, 11, 1), true)
        .await
        .unwrap();
    assert_eq!(early.nominations, 0);
    let purged = store
        .purge_expired(&at("admin", day(2027, 12, 1)), day(2027, 12, 1), false)
        .await
        .unwrap();
    assert_eq!(purged.nominations, 1);
    let after = store.nominations_of(nominator).await.unwrap();
    let erased = after.iter().find(|n| n.id == declined.id).unwrap();
    assert_eq!(erased.name, ketnap_domain::person::ERASED_NAME);
    assert_eq!(erased.status, Status::Declined);
    assert!(store.verify_audit_log().await.unwrap().problems.is_empty());
}
