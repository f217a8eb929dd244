//! The daily reminder, with the day and the clock given: a day's digest is exactly what
//! is due (and an overdue item is escalated after the rule's working days, not before);
//! transfers and requests wait on whoever must answer them (a transfer escalated to the
//! common parent); two `ketnap remind` processes racing on one SQLite file run the day
//! once; a process killed while it mails sends nothing twice after the restart, and one
//! stalled past its lease stops once taken over; a failed mail is told by a Vietnamese
//! category, never the server's words; and a real SMTP receiver on 127.0.0.1 (the small
//! one in this file) gets the Vietnamese subject and body intact, with no one's name or
//! CCCD. The store's part also runs on PostgreSQL (`on_store`).

use std::collections::{BTreeSet, HashMap};
use std::net::SocketAddr;
use std::process::{Output, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::http::StatusCode;
use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use ketnap_domain::access::Role;
use ketnap_domain::citizen_id::Sex;
use ketnap_domain::ids::{CaseId, UnitId, UserId};
use ketnap_domain::ports::{CaseStore, RuleStore, StoreError};
use ketnap_domain::reminder::{Digest, DigestItem, ItemKind};
use ketnap_domain::scope::{Access, Scope};
use ketnap_store::{Claim, Held, NewUser, Store};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

use crate::fixtures::{Tree, advance, change, day, person, pipeline, sqlite_store, tree};
use crate::web::{PASSWORD, TestApp};

/// The job's name in `job_runs` (crates/ketnap/src/reminders.rs).
const JOB: &str = "reminders";

// --- The story ----------------------------------------------------------------------------

/// The story's people: names and CCCDs that no mail may hold.
const PEOPLE: [(&str, &str, &str, &str); 4] = [
    ("Trần", "Văn", "Bưởi", "079095002001"),
    ("Lê", "Hữu", "Khế", "079095002002"),
    ("Đặng", "Quốc", "Mận", "079095002003"),
    ("Vũ", "Đình", "Ổi", "079095002004"),
];

/// The accounts: user name, role, where, mail address. Only those that edit cases and are
/// not locked get digests (`xem` reads, `khoa` is locked).
fn accounts(t: &Tree) -> [(&'static str, Role, UnitId, Option<&'static str>); 7] {
    [
        ("admin", Role::Admin, t.city, Some("admin@ketnap.test")),
        ("canbo", Role::Officer, t.ward, Some("canbo@ketnap.test")),
        (
            "canbo.truong",
            Role::Officer,
            t.school,
            Some("truong@ketnap.test"),
        ),
        (
            "bithu",
            Role::CellSecretary,
            t.school_cell,
            Some("bithu@ketnap.test"),
        ),
        ("canbo.phuloi", Role::Officer, t.other_ward, None),
        ("xem", Role::Viewer, t.ward, Some("xem@ketnap.test")),
        ("khoa", Role::Officer, t.ward, Some("khoa@ketnap.test")),
    ]
}

/// Which of the story's cases each account hears of, and of which only once escalated:
/// `a`, `b`, `d` are in the school's cell (its secretary, then the school's officer, who
/// keeps its files; escalated, the ward's), `c` in the other ward's cell (the other ward's
/// officer; escalated, the city's).
const SEES: [(&str, &str, &str); 7] = [
    ("admin", "", "c"),
    ("canbo", "", "abd"),
    ("canbo.truong", "abd", "abd"),
    ("bithu", "abd", "abd"),
    ("canbo.phuloi", "c", "c"),
    ("xem", "", ""),
    ("khoa", "", ""),
];

/// The accounts that get a mail when they have items: those with an address among the
/// recipients.
const MAILED: [&str; 4] = ["admin", "canbo", "canbo.truong", "bithu"];

/// A notification as the tests compare them: (case, kind, escalated).
type Line = (char, ItemKind, bool);

struct Story {
    url: String,
    store: Store,
    users: HashMap<&'static str, UserId>,
    cases: HashMap<char, CaseId>,
    tree: Tree,
    _dir: tempfile::TempDir,
}

/// The fixture tree with four cases and the accounts above:
/// `a` decided (the ceremony is due), `b` voted by its cell (the decision is due), `c` with
/// its file opened (the file goes stale), `d` on probation (the recognition vote is due).
async fn story() -> Story {
    let (store, dir) = sqlite_store().await;
    let t = tree(&store, "").await;
    let admin = change("admin");
    let all = Scope::subtree(t.city, Access::Edit);
    let steps = pipeline();
    let plan = [
        ('a', t.school_cell, 9),
        ('b', t.school_cell, 7),
        ('c', t.other_cell, 3),
        ('d', t.school_cell, 10),
    ];
    let mut cases = HashMap::new();
    for ((name, cell, done), (family, middle, given, cccd)) in plan.into_iter().zip(PEOPLE) {
        let details = person(
            family,
            middle,
            given,
            day(1995, 4, 12),
            Sex::Male,
            Some(cccd),
        );
        let (_, case) = store
            .create_source(&admin, &all, &details, cell, day(2025, 7, 1), None)
            .await
            .unwrap();
        advance(&store, &all, case, &steps[..done], "canbo").await;
        cases.insert(name, case);
    }
    let mut users = HashMap::new();
    for (username, role, unit, _) in accounts(&t) {
        let user = NewUser {
            username: username.into(),
            display_name: format!("Đồng chí {username}"),
            password: PASSWORD.into(),
            role,
            unit,
            mass_org: None,
        };
        users.insert(username, store.add_user(&admin, &user).await.unwrap());
    }
    store.disable_user(&admin, users["khoa"]).await.unwrap();
    let url = format!("sqlite://{}", dir.path().join("ketnap.sqlite3").display());
    // One address set the way an operator does, the others through the store.
    for (username, _, _, email) in accounts(&t) {
        let Some(email) = email else { continue };
        if username == "canbo" {
            let out = ketnap(&url, &["user", "email", "canbo", email], &[]).await;
            assert!(out.status.success(), "{}", text(&out.stderr));
            assert!(
                text(&out.stdout).contains("Đã đặt địa chỉ"),
                "{}",
                text(&out.stdout)
            );
        } else {
            store
                .set_user_email(&admin, users[username], Some(email))
                .await
                .unwrap();
        }
    }
    Story {
        url,
        store,
        users,
        cases,
        tree: t,
        _dir: dir,
    }
}

impl Story {
    /// The items of `day` each account has in its inbox: (case, kind, escalated).
    async fn inbox(&self, on: NaiveDate) -> HashMap<&'static str, BTreeSet<Line>> {
        let names: HashMap<CaseId, char> = self.cases.iter().map(|(n, c)| (*c, *n)).collect();
        let mut found = HashMap::new();
        for (username, user) in &self.users {
            let lines: BTreeSet<Line> = self
                .store
                .notifications(*user, 1000)
                .await
                .unwrap()
                .into_iter()
                .filter(|n| n.day == on)
                .map(|n| {
                    (
                        names[&n.case.unwrap()],
                        ItemKind::from_code(&n.kind).unwrap(),
                        n.escalated,
                    )
                })
                .collect();
            found.insert(*username, lines);
        }
        found
    }

    async fn notification_count(&self, on: NaiveDate) -> usize {
        self.inbox(on).await.values().map(BTreeSet::len).sum()
    }
}

// --- Work between units --------------------------------------------------------------------

/// A transfer waits on the receiving cell's people (escalated, from the day it goes to the
/// common parent, to that parent's officers: here the city's, not the ward between); a
/// request waits on the unit asked (escalated like a deadline once late by the rule's
/// working days), a letter on the case's cell, wherever the case has moved since; each
/// opens its own page; a closed case's leftovers wait on nobody.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn transfers_and_requests_wait_in_the_digest() {
    let s = story().await;
    let t = &s.tree;
    let monday = day(2026, 8, 3);
    let mut officer = change("canbo.phuloi");
    officer.now = morning(monday) + chrono::Duration::hours(2);
    let other_ward = Scope::subtree(t.other_ward, Access::Edit);
    let transfer = s
        .store
        .start_transfer(
            &officer,
            &other_ward,
            s.cases[&'c'],
            t.school_cell,
            "Chuyển công tác",
            monday,
        )
        .await
        .unwrap();
    let request = s
        .store
        .send_request(
            &officer,
            &other_ward,
            s.cases[&'c'],
            ketnap_domain::coordination::NewRequest {
                kind: ketnap_domain::coordination::RequestKind::ResidenceOpinion,
                to: ketnap_domain::coordination::Addressee::Unit { unit: t.ward },
                body: ketnap_domain::coordination::RequestBody {
                    about: "Nơi cư trú của người xin vào Đảng".into(),
                    questions: String::new(),
                },
                sent_on: monday,
                due_on: day(2026, 8, 4),
            },
        )
        .await
        .unwrap();
    // A letter to a unit not on ketnap: its answer is recorded by the case's cell.
    let letter = s
        .store
        .send_request(
            &officer,
            &other_ward,
            s.cases[&'c'],
            ketnap_domain::coordination::NewRequest {
                kind: ketnap_domain::coordination::RequestKind::Verification,
                to: ketnap_domain::coordination::Addressee::Letter {
                    name: "Công an phường Phú Lợi".into(),
                    address: String::new(),
                },
                body: ketnap_domain::coordination::RequestBody {
                    about: "Lý lịch của cha người xin vào Đảng".into(),
                    questions: String::new(),
                },
                sent_on: monday,
                due_on: day(2026, 8, 31),
            },
        )
        .await
        .unwrap();
    // Who has which waiting item on a day: (user, kind, escalated); one of each kind.
    let waiting = |on: NaiveDate| {
        let s = &s;
        async move {
            let mut found = BTreeSet::new();
            for (username, user) in &s.users {
                for n in s.store.notifications(*user, 1000).await.unwrap() {
                    if n.day == on && matches!(n.kind.as_str(), "transfer" | "request") {
                        found.insert((*username, n.kind, n.escalated));
                    }
                }
            }
            found
        }
    };
    let (tr, rq) = ("transfer".to_string(), "request".to_string());
    let url = s.url.clone();
    let on = |d: NaiveDate| {
        let url = url.clone();
        async move {
            run(&mut remind(&url, d, morning(d), None)).await;
            d
        }
    };
    // Wednesday: the transfer waits on the school's cell, the request on the ward, the
    // letter on the case's cell in the other ward.
    let wed = on(day(2026, 8, 5)).await;
    assert_eq!(
        waiting(wed).await,
        BTreeSet::from([
            ("bithu", tr.clone(), false),
            ("canbo.truong", tr.clone(), false),
            ("canbo", rq.clone(), false),
            ("canbo.phuloi", rq.clone(), false),
        ])
    );
    // Each opens its page, a real link; the line itself holds no path.
    let mut pages = BTreeSet::new();
    for user in ["bithu", "canbo", "canbo.phuloi"] {
        for n in s.store.notifications(s.users[user], 1000).await.unwrap() {
            if n.day == wed && n.case.is_none() {
                assert!(!n.body.contains("(/"), "{}", n.body);
                pages.insert((user, n.link.unwrap()));
            }
        }
    }
    assert_eq!(
        pages,
        BTreeSet::from([
            ("bithu", "/transfers".to_string()),
            ("canbo", format!("/requests/{request}")),
            ("canbo.phuloi", format!("/requests/{letter}")),
        ])
    );
    // Monday 10: five working days on, the transfer goes up to the two cells' common
    // parent, the city: its administrator hears of it, the ward's officer does not.
    let mon = on(day(2026, 8, 10)).await;
    assert_eq!(
        waiting(mon).await,
        BTreeSet::from([
            ("bithu", tr.clone(), true),
            ("canbo.truong", tr.clone(), true),
            ("admin", tr.clone(), true),
            ("canbo", rq.clone(), false),
            ("canbo.phuloi", rq.clone(), false),
        ])
    );
    // Tuesday 11: the request five working days late reaches the city.
    let tue = on(day(2026, 8, 11)).await;
    let found = waiting(tue).await;
    assert!(found.contains(&("canbo", rq.clone(), true)), "{found:?}");
    assert!(found.contains(&("admin", rq.clone(), true)), "{found:?}");
    // Answered and accepted, they wait no more.
    let ward = Scope::subtree(t.ward, Access::Edit);
    let mut answering = change("canbo");
    answering.now = morning(day(2026, 8, 12)) + chrono::Duration::hours(2);
    s.store
        .accept_transfer(&answering, &ward, transfer, day(2026, 8, 12))
        .await
        .unwrap();
    s.store
        .answer_request(
            &answering,
            &ward,
            request,
            ketnap_domain::coordination::RequestAnswer {
                answered_on: day(2026, 8, 12),
                answerer: "Lê Văn Tám, Bí thư chi bộ khu phố".into(),
                conclusion: "Chấp hành tốt quy định nơi cư trú".into(),
                document: None,
            },
        )
        .await
        .unwrap();
    // The case has moved: the letter now waits on the school's cell.
    let thu = on(day(2026, 8, 13)).await;
    assert_eq!(
        waiting(thu).await,
        BTreeSet::from([
            ("bithu", rq.clone(), false),
            ("canbo.truong", rq.clone(), false),
        ])
    );
    // Withdrawn, the case's letter still pending waits on nobody.
    advance(
        &s.store,
        &ward,
        s.cases[&'c'],
        &[ketnap_domain::action::Action::Withdraw {
            on: day(2026, 8, 13),
            reason: "Xin rút khỏi danh sách".into(),
        }],
        "canbo",
    )
    .await;
    let fri = on(day(2026, 8, 14)).await;
    assert!(waiting(fri).await.is_empty());
}

// --- The binary ---------------------------------------------------------------------------

async fn ketnap(url: &str, args: &[&str], env: &[(&str, &str)]) -> Output {
    command(url, args, env).output().await.unwrap()
}

fn command(url: &str, args: &[&str], env: &[(&str, &str)]) -> tokio::process::Command {
    let mut command = tokio::process::Command::new(env!("CARGO_BIN_EXE_ketnap"));
    command
        .arg("--database")
        .arg(url)
        .args(args)
        .env_remove("KETNAP_DATABASE_URL")
        .env_remove("KETNAP_SMTP_URL")
        .env_remove("KETNAP_MAIL_FROM")
        .envs(env.iter().copied())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    command
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// `ketnap remind --on DAY --at AT`, mailing through `smtp` when given.
fn remind(
    url: &str,
    on: NaiveDate,
    at: DateTime<Utc>,
    smtp: Option<SocketAddr>,
) -> tokio::process::Command {
    let on = on.to_string();
    let at = at.to_rfc3339();
    let smtp_url = smtp.map(|a| format!("smtp://{a}"));
    let mut env = Vec::new();
    if let Some(smtp_url) = &smtp_url {
        env.push(("KETNAP_SMTP_URL", smtp_url.as_str()));
        env.push(("KETNAP_MAIL_FROM", "ketnap <nhacviec@ketnap.test>"));
    }
    command(url, &["remind", "--on", &on, "--at", &at], &env)
}

async fn run(command: &mut tokio::process::Command) -> String {
    let out = command.output().await.unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    text(&out.stdout)
}

/// The morning of `on`, 06:00 in Vietnam.
fn morning(on: NaiveDate) -> DateTime<Utc> {
    Utc.from_utc_datetime(&on.and_hms_opt(0, 0, 0).unwrap()) - chrono::Duration::hours(1)
}

// --- The digest of a day ------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_digest_of_a_day_is_exactly_what_is_due() {
    let s = story().await;
    // The fixture's due dates, as the regulations give them (qd-294: 30 working days to
    // the ceremony, 60 to the decision, the file stale after 12 months, the recognition
    // vote 30 working days after the 12 months of probation).
    let rules = s.store.rule_book().await.unwrap();
    let calendar = s.store.calendar().await.unwrap();
    let all = Scope::subtree(UnitId(1), Access::Read);
    let mut dues = HashMap::new();
    for (name, case) in &s.cases {
        let record = s.store.case(&all, *case).await.unwrap();
        let due = ketnap_domain::deadline::next_due(&record.case, &rules, &calendar)
            .unwrap()
            .unwrap();
        dues.insert(*name, due.due);
    }
    assert_eq!(
        dues,
        HashMap::from([
            ('a', day(2025, 10, 22)),
            ('b', day(2025, 11, 12)),
            ('c', day(2026, 7, 25)),
            ('d', day(2026, 11, 3)),
        ])
    );

    use ItemKind::{Deadline, Overdue};
    // Each day and the items of the whole city on it; the window is 7 days, escalation
    // after 5 working days late (October and November 2025 have no holiday).
    let table: [(NaiveDate, &[Line]); 8] = [
        // a is 8 days off, b 29: nothing.
        (day(2025, 10, 14), &[]),
        // Wednesday 15: a 7 days off.
        (day(2025, 10, 15), &[('a', Deadline, false)]),
        (day(2025, 10, 22), &[('a', Deadline, false)]),
        // Tuesday 28: four working days late (23, 24, 27, 28).
        (day(2025, 10, 28), &[('a', Overdue, false)]),
        // Wednesday 29: five: escalated.
        (day(2025, 10, 29), &[('a', Overdue, true)]),
        // Wednesday 5 Nov: b 7 days off.
        (
            day(2025, 11, 5),
            &[('a', Overdue, true), ('b', Deadline, false)],
        ),
        // Wednesday 19 Nov: b five working days late (13, 14, 17, 18, 19).
        (
            day(2025, 11, 19),
            &[('a', Overdue, true), ('b', Overdue, true)],
        ),
        // c 3 days off, d 104 days.
        (
            day(2026, 7, 22),
            &[
                ('a', Overdue, true),
                ('b', Overdue, true),
                ('c', Deadline, false),
            ],
        ),
    ];
    for (on, items) in table {
        let out = run(&mut remind(&s.url, on, morning(on), None)).await;
        assert!(out.starts_with("Đã chạy nhắc việc ngày"), "{out}");
        assert!(out.contains("chưa cấu hình SMTP"), "{out}");
        let found = s.inbox(on).await;
        for (username, sees, escalated) in SEES {
            let expected: BTreeSet<Line> = items
                .iter()
                .filter(|(case, _, up)| sees.contains(*case) || (*up && escalated.contains(*case)))
                .copied()
                .collect();
            assert_eq!(found[username], expected, "{username} on {on}");
        }
    }
    // The parent's officer hears of a's lateness unmarked on the 28th, escalated on the 29th.
    let lines = s
        .store
        .notifications(s.users["canbo.truong"], 1000)
        .await
        .unwrap();
    let escalated_on = |on: NaiveDate| {
        lines
            .iter()
            .find(|n| n.day == on && n.case == Some(s.cases[&'a']))
            .map(|n| (n.escalated, n.body.contains("đã báo cấp ủy cấp trên")))
    };
    assert_eq!(escalated_on(day(2025, 10, 28)), Some((false, false)));
    assert_eq!(escalated_on(day(2025, 10, 29)), Some((true, true)));
    // The ward's officer hears of it from the 29th only.
    let ward = s.store.notifications(s.users["canbo"], 1000).await.unwrap();
    let first = ward
        .iter()
        .filter(|n| n.case == Some(s.cases[&'a']))
        .map(|n| n.day)
        .min();
    assert_eq!(first, Some(day(2025, 10, 29)));
    // A day already run is not run again, and adds nothing.
    let on = day(2025, 10, 29);
    let before = s.notification_count(on).await;
    let again = run(&mut remind(&s.url, on, morning(on), None)).await;
    assert!(again.contains("đã được chạy trước đó"), "{again}");
    assert_eq!(s.notification_count(on).await, before);
}

// --- Racing processes, a killed process ---------------------------------------------------

/// The day of the mail tests: a and b overdue and escalated, c due in 3 days.
/// A day a, b and c are all escalated (c, due Saturday 25 July, is 8 working days late).
fn mail_day() -> NaiveDate {
    day(2026, 8, 5)
}

/// Notifications of the mail day: a and b for the school's secretary, the school's officer
/// and the ward's officer; c for the other ward's officer and the city's administrator.
const MAIL_DAY_NOTIFICATIONS: usize = 2 * 3 + 2;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_processes_racing_run_the_day_once() {
    let s = story().await;
    let smtp = SmtpServer::start(None).await;
    let on = mail_day();
    let at = morning(on);
    let mut first = remind(&s.url, on, at, Some(smtp.addr)).spawn().unwrap();
    let mut second = remind(&s.url, on, at, Some(smtp.addr)).spawn().unwrap();
    let (one, two) = tokio::join!(async { first.wait().await.unwrap() }, async {
        second.wait().await.unwrap()
    });
    assert!(one.success() && two.success());
    let mut outputs = Vec::new();
    for child in [&mut first, &mut second] {
        let mut out = String::new();
        tokio::io::AsyncReadExt::read_to_string(child.stdout.as_mut().unwrap(), &mut out)
            .await
            .unwrap();
        outputs.push(out);
    }
    let ran: Vec<&String> = outputs
        .iter()
        .filter(|o| o.starts_with("Đã chạy nhắc việc"))
        .collect();
    assert_eq!(ran.len(), 1, "{outputs:?}");
    assert!(
        ran[0].contains("5 tài khoản, 8 thông báo mới, 4 thư đã gửi, 0 thư lỗi"),
        "{}",
        ran[0]
    );
    // The other found the day claimed, finished or not yet.
    assert!(
        outputs.iter().any(|o| o.contains("không chạy lại")),
        "{outputs:?}"
    );
    assert_eq!(s.notification_count(on).await, MAIL_DAY_NOTIFICATIONS);
    let mut to = smtp.recipients();
    to.sort();
    assert_eq!(to, mailed());
}

/// An account's address in the story.
fn address(username: &str) -> String {
    match username {
        "canbo.truong" => "truong@ketnap.test".to_string(),
        other => format!("{other}@ketnap.test"),
    }
}

/// Every mailed account's address once, sorted.
fn mailed() -> Vec<String> {
    let mut to: Vec<String> = MAILED.iter().map(|u| address(u)).collect();
    to.sort();
    to
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restart_mid_run_sends_nothing_twice() {
    let s = story().await;
    let on = mail_day();
    let at = morning(on);
    // The first process mails one digest, then hands over the second and is killed
    // before the server answers: it may have arrived, so it must not be sent again.
    let stalling = SmtpServer::start(Some(1)).await;
    let mut killed = remind(&s.url, on, at, Some(stalling.addr)).spawn().unwrap();
    stalling.wait_for(2).await;
    killed.kill().await.unwrap();

    // Within the lease the day is someone else's; after it, it is taken over.
    let healthy = SmtpServer::start(None).await;
    let soon = run(&mut remind(
        &s.url,
        on,
        at + chrono::Duration::minutes(5),
        Some(healthy.addr),
    ))
    .await;
    assert!(
        soon.contains("đang được một tiến trình khác chạy"),
        "{soon}"
    );
    let later = run(&mut remind(
        &s.url,
        on,
        at + chrono::Duration::minutes(20),
        Some(healthy.addr),
    ))
    .await;
    assert!(
        later.starts_with("Đã chạy nhắc việc") && later.contains("2 thư đã gửi, 0 thư lỗi"),
        "{later}"
    );
    let stalled = stalling.recipients()[1].clone();
    let stalled_user = MAILED.iter().find(|u| address(u) == stalled).unwrap();
    assert!(
        later.contains(&format!(
            "Thư chưa gửi: tài khoản {stalled_user} ngày 05/08/2026: đang gửi thì tiến trình dừng"
        )),
        "{later}"
    );
    // Each address got its digest once, across the two servers.
    let mut all = stalling.recipients();
    all.extend(healthy.recipients());
    all.sort();
    assert_eq!(all, mailed());
    // And each account one set of notifications: the taken-over run added none.
    assert!(later.contains(" 0 thông báo mới"), "{later}");
    assert_eq!(s.notification_count(on).await, MAIL_DAY_NOTIFICATIONS);
    // A day done is done: nothing more is sent.
    let after = run(&mut remind(
        &s.url,
        on,
        at + chrono::Duration::hours(2),
        Some(healthy.addr),
    ))
    .await;
    assert!(after.contains("đã được chạy trước đó"), "{after}");
    assert_eq!(healthy.recipients().len(), 2);
}

/// The `reminders.run` audit rows of a day's run, on the story's SQLite file.
async fn run_audit_rows(url: &str, on: NaiveDate) -> i64 {
    let pool = sqlx::SqlitePool::connect(url).await.unwrap();
    let n: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM audit_log WHERE action = 'reminders.run' AND entity_id = $1",
    )
    .bind(format!("reminders/{on}"))
    .fetch_one(&pool)
    .await
    .unwrap();
    pool.close().await;
    n
}

/// A process that stalls past the lease is taken over; when it wakes, while the other is
/// still at work, it finds the run no longer its own and stops: the one that took over
/// finishes the day and writes its one audit row.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stalled_process_taken_over_stops() {
    let s = story().await;
    let on = mail_day();
    let at = morning(on);
    // The first process mails one digest, then waits on its server for the second.
    let first_server = SmtpServer::start(Some(1)).await;
    let first = remind(&s.url, on, at, Some(first_server.addr))
        .spawn()
        .unwrap();
    first_server.wait_for(2).await;
    // Twenty minutes on (its clock), a second process takes the day over, and waits on
    // its own server for the first mail it hands over.
    let second_server = SmtpServer::start(Some(0)).await;
    let second = remind(
        &s.url,
        on,
        at + chrono::Duration::minutes(20),
        Some(second_server.addr),
    )
    .spawn()
    .unwrap();
    second_server.wait_for(1).await;
    // The first wakes: the run is the second's, so it stops, mails nothing more and
    // writes no audit row.
    first_server.release();
    let out = first.wait_with_output().await.unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains("một tiến trình khác đã tiếp quản lần chạy; dừng lại"),
        "{stdout}"
    );
    assert_eq!(first_server.recipients().len(), 2);
    assert_eq!(run_audit_rows(&s.url, on).await, 0);
    assert!(!s.store.run_finished(JOB, on).await.unwrap());
    // The second goes on to the end: it alone finishes the day.
    second_server.release();
    let out = second.wait_with_output().await.unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(
        stdout.starts_with("Đã chạy nhắc việc") && stdout.contains("2 thư đã gửi, 0 thư lỗi"),
        "{stdout}"
    );
    assert_eq!(run_audit_rows(&s.url, on).await, 1);
    assert!(s.store.run_finished(JOB, on).await.unwrap());
    // Each address got its digest once, across the two servers.
    let mut all = first_server.recipients();
    all.extend(second_server.recipients());
    all.sort();
    assert_eq!(all, mailed());
    assert_eq!(s.notification_count(on).await, MAIL_DAY_NOTIFICATIONS);
}

/// A refusal and an unreachable server are kept and printed as a short Vietnamese
/// category, never the server's words, which quote the address.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_mail_is_told_by_category_without_the_address() {
    let s = story().await;
    let on = mail_day();
    let at = morning(on);
    let smtp = SmtpServer::refusing("bithu@ketnap.test").await;
    let out = remind(&s.url, on, at, Some(smtp.addr))
        .output()
        .await
        .unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
    assert!(stdout.contains("3 thư đã gửi, 1 thư lỗi"), "{stdout}");
    assert!(
        stdout.contains(
            "Thư chưa gửi: tài khoản bithu ngày 05/08/2026: máy chủ thư từ chối (mã 550): chưa đến, sẽ thử lại"
        ),
        "{stdout}"
    );
    let unsent = |s: &Story| {
        let store = s.store.clone();
        let bithu = s.users["bithu"];
        async move {
            store
                .unsent_mails(on)
                .await
                .unwrap()
                .into_iter()
                .find(|u| u.user_id == bithu.0)
                .and_then(|u| u.error)
        }
    };
    assert_eq!(
        unsent(&s).await.as_deref(),
        Some("máy chủ thư từ chối (mã 550)")
    );
    // The retry finds no server listening.
    let closed = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let gone = closed.local_addr().unwrap();
    drop(closed);
    let retry = remind(&s.url, on, at + chrono::Duration::hours(1), Some(gone))
        .output()
        .await
        .unwrap();
    assert!(retry.status.success(), "{}", text(&retry.stderr));
    let (retried, retry_err) = (text(&retry.stdout), text(&retry.stderr));
    assert!(
        retried.contains("thử gửi lại thư lỗi: 0 đã gửi, 1 lỗi")
            && retried.contains(
                "tài khoản bithu ngày 05/08/2026: không kết nối được máy chủ thư: chưa đến, sẽ thử lại"
            ),
        "{retried}"
    );
    assert_eq!(
        unsent(&s).await.as_deref(),
        Some("không kết nối được máy chủ thư")
    );
    for printed in [&stdout, &stderr, &retried, &retry_err] {
        for word in ["@", "Recipient", "rejected", "refused"] {
            assert!(!printed.contains(word), "{word} in:\n{printed}");
        }
    }
}

// --- The mail itself ----------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_mail_arrives_in_vietnamese_without_personal_data() {
    let s = story().await;
    let smtp = SmtpServer::start(None).await;
    // The school's officer: a and b long overdue, d's recognition vote in 5 days.
    let on = day(2026, 10, 29);
    run(&mut remind(&s.url, on, morning(on), Some(smtp.addr))).await;
    let messages = smtp.messages();
    let school = messages
        .iter()
        .find(|m| m.to == ["truong@ketnap.test"])
        .unwrap();
    let mail = Mail::parse(&school.data);
    assert_eq!(
        mail.subject,
        "ketnap: 2 việc quá hạn, 1 việc sắp đến hạn (29/10/2026)"
    );
    assert!(
        mail.content_type.to_lowercase().contains("charset=utf-8"),
        "{}",
        mail.content_type
    );
    let (a, b, d) = (s.cases[&'a'], s.cases[&'b'], s.cases[&'d']);
    for line in [
        "Bản tin nhắc việc ngày 29/10/2026 của ketnap.".to_string(),
        "Quá hạn (2):".to_string(),
        format!(
            "- Hồ sơ số {a}: Tổ chức lễ kết nạp (Chi bộ Giáo viên), hạn 22/10/2025 — Quá hạn 372 ngày; đã báo cấp ủy cấp trên [/cases/{a}]"
        ),
        format!(
            "- Hồ sơ số {b}: Cấp ủy có thẩm quyền ra quyết định kết nạp (Chi bộ Giáo viên), hạn 12/11/2025 — Quá hạn 351 ngày; đã báo cấp ủy cấp trên [/cases/{b}]"
        ),
        "Sắp đến hạn (1):".to_string(),
        format!("- Hồ sơ số {d}: "),
        format!("(Chi bộ Giáo viên), hạn 03/11/2026 — Còn 5 ngày [/cases/{d}]"),
    ] {
        assert!(mail.body.contains(&line), "{line}\nin:\n{}", mail.body);
    }
    // No one's name or CCCD, in any mail, encoded or not.
    for m in &messages {
        let mail = Mail::parse(&m.data);
        for (family, middle, given, cccd) in PEOPLE {
            for word in [
                given.to_string(),
                format!("{family} {middle} {given}"),
                cccd.to_string(),
            ] {
                assert!(
                    !mail.body.contains(&word) && !mail.subject.contains(&word),
                    "{word} in the mail to {:?}",
                    m.to
                );
            }
        }
        assert!(
            !mail.body.contains("Đồng chí"),
            "an account's name in {:?}",
            m.to
        );
    }
}

// --- The store, on both backends ----------------------------------------------------------

#[tokio::test]
async fn the_store_part_on_sqlite() {
    let (store, _dir) = sqlite_store().await;
    on_store(&store).await;
}

/// Claims, leases, the inbox and the outbox, on a database other tests may share.
pub async fn on_store(store: &Store) {
    let t = tree(store, "rm").await;
    let admin = change("admin");
    let job = format!("test-{}", uuid::Uuid::new_v4());
    let on = day(2026, 12, 6);
    let at = Utc.with_ymd_and_hms(2026, 12, 5, 23, 0, 0).unwrap();
    let lease = chrono::Duration::minutes(15);

    // Two claims at once: one runs.
    let (one, two) = tokio::join!(
        store.claim_run(&job, on, "first", at, lease),
        store.claim_run(&job, on, "second", at, lease)
    );
    let (one, two) = (one.unwrap(), two.unwrap());
    let (holder, other) = if one.runs() {
        ("first", "second")
    } else {
        ("second", "first")
    };
    let mut claims = [one, two];
    claims.sort_by_key(|c| !c.runs());
    assert_eq!(claims, [Claim::Fresh, Claim::Taken { finished: false }]);
    // Only the holder renews: its process is heard of at +10 minutes; the lease runs from
    // there.
    let minutes = |m: i64| at + chrono::Duration::minutes(m);
    assert_eq!(
        store.renew_run(&job, on, other, minutes(10)).await.unwrap(),
        Held::Lost
    );
    assert_eq!(
        store
            .renew_run(&job, on, holder, minutes(10))
            .await
            .unwrap(),
        Held::Yes
    );
    let claim = |owner: &'static str, m: i64| store.claim_run(&job, on, owner, minutes(m), lease);
    assert_eq!(
        claim("third", 24).await.unwrap(),
        Claim::Taken { finished: false }
    );
    assert_eq!(claim("third", 26).await.unwrap(), Claim::TakenOver);
    assert!(!store.run_finished(&job, on).await.unwrap());
    // The stalled holder wakes up: it can neither renew nor finish, and writes no audit
    // row; the process that took over finishes once.
    let counts = ketnap_store::RunCounts {
        users: 1,
        notifications: 2,
        mails_sent: 1,
        mails_failed: 0,
    };
    assert_eq!(
        store
            .renew_run(&job, on, holder, minutes(27))
            .await
            .unwrap(),
        Held::Lost
    );
    let audited = store.last_audit_id().await.unwrap();
    assert_eq!(
        store
            .finish_run(&admin, &job, on, holder, &counts)
            .await
            .unwrap(),
        Held::Lost
    );
    assert!(!store.run_finished(&job, on).await.unwrap());
    if store.backend() == ketnap_store::Backend::Sqlite {
        // Alone on its file: nothing else writes an audit row meanwhile.
        assert_eq!(store.last_audit_id().await.unwrap(), audited);
    }
    assert_eq!(
        store
            .finish_run(&admin, &job, on, "third", &counts)
            .await
            .unwrap(),
        Held::Yes
    );
    // Finished is finished, for the holder too.
    assert_eq!(
        store
            .finish_run(&admin, &job, on, "third", &counts)
            .await
            .unwrap(),
        Held::Lost
    );
    assert_eq!(
        store
            .renew_run(&job, on, "third", minutes(28))
            .await
            .unwrap(),
        Held::Lost
    );
    assert_eq!(
        claim("fourth", 90).await.unwrap(),
        Claim::Taken { finished: true }
    );
    assert!(store.run_finished(&job, on).await.unwrap());

    // An account, its address, its digest written twice: once.
    let user = store
        .add_user(
            &admin,
            &NewUser {
                username: "nhacviec.rm".into(),
                display_name: "Cán bộ nhắc việc".into(),
                password: PASSWORD.into(),
                role: Role::Officer,
                unit: t.ward,
                mass_org: None,
            },
        )
        .await
        .unwrap();
    let refused = store
        .set_user_email(&admin, user, Some("không phải địa chỉ"))
        .await;
    assert!(matches!(refused, Err(StoreError::Rejected(v)) if v.rule == "user.email"));
    store
        .set_user_email(&admin, user, Some(" nhacviec@ketnap.test "))
        .await
        .unwrap();
    let recipient = store
        .reminder_recipients()
        .await
        .unwrap()
        .into_iter()
        .find(|r| r.recipient.user == user)
        .unwrap();
    assert_eq!(recipient.email.as_deref(), Some("nhacviec@ketnap.test"));
    let item = |key: &str, kind, case: i64| DigestItem {
        kind,
        unit: t.school_cell,
        key: key.into(),
        case: Some(CaseId(case)),
        what: "Tổ chức lễ kết nạp (Chi bộ Giáo viên)".into(),
        link: Some(format!("/cases/{case}")),
        due: Some(day(2026, 12, 1)),
        escalate: kind == ItemKind::Overdue,
        escalate_to: None,
    };
    let digest = Digest {
        user,
        items: vec![
            item("case:7:x", ItemKind::Overdue, 7),
            item("case:8:y", ItemKind::Deadline, 8),
        ],
    };
    assert_eq!(store.record_digest(on, at, &digest, true).await.unwrap(), 2);
    assert_eq!(store.record_digest(on, at, &digest, true).await.unwrap(), 0);
    let lines = store.notifications(user, 10).await.unwrap();
    assert_eq!(lines.len(), 2);
    assert!(lines[0].escalated && lines[0].body.starts_with("Hồ sơ số 7: Tổ chức lễ kết nạp"));
    assert_eq!(lines[0].link.as_deref(), Some("/cases/7"));
    assert_eq!(unread(store, user).await, 2);

    // The outbox: claimed once; a refusal releases it for a retry, a doubt does not.
    let mails = store.mails_to_send(on, false).await.unwrap();
    let mail = mails.iter().find(|m| m.user == user).unwrap();
    assert_eq!(mail.to.as_deref(), Some("nhacviec@ketnap.test"));
    assert_eq!(mail.subject, digest.subject(on));
    assert!(store.claim_mail(user, on, at).await.unwrap());
    assert!(!store.claim_mail(user, on, at).await.unwrap());
    store
        .mail_failed(user, on, "450 thử lại sau", true)
        .await
        .unwrap();
    let retries = store.mails_to_send(on, true).await.unwrap();
    assert!(retries.iter().any(|m| m.user == user));
    assert!(store.claim_mail(user, on, at).await.unwrap());
    store
        .mail_failed(user, on, "mất kết nối", false)
        .await
        .unwrap();
    assert!(
        !store
            .mails_to_send(on, false)
            .await
            .unwrap()
            .iter()
            .any(|m| m.user == user)
    );
    let unsent = store.unsent_mails(on).await.unwrap();
    let this = unsent.iter().find(|u| u.user_id == user.0).unwrap();
    assert!(this.claimed_at.is_some());
    assert_eq!(this.error.as_deref(), Some("mất kết nối"));
    store.mail_sent(user, on, at).await.unwrap();
    assert!(
        !store
            .unsent_mails(on)
            .await
            .unwrap()
            .iter()
            .any(|u| u.user_id == user.0)
    );

    // Read.
    assert_eq!(
        store.mark_notifications_read(&admin, user).await.unwrap(),
        2
    );
    assert_eq!(unread(store, user).await, 0);
}

// --- The inbox page -----------------------------------------------------------------------

#[tokio::test]
async fn the_inbox_lists_the_digest_and_marks_it_read() {
    let app = TestApp::new().await;
    let user = UserId(app.store.user_by_name("canbo").await.unwrap().unwrap().id);
    let on = day(2026, 12, 6);
    let digest = Digest {
        user,
        items: vec![
            DigestItem {
                kind: ItemKind::Overdue,
                unit: app.tree.school_cell,
                key: "case:41:admission.ceremony_working_days".into(),
                case: Some(CaseId(41)),
                what: "Tổ chức lễ kết nạp (Chi bộ Giáo viên)".into(),
                link: Some("/cases/41".into()),
                due: Some(day(2026, 11, 20)),
                escalate: true,
                escalate_to: None,
            },
            DigestItem {
                kind: ItemKind::Transfer,
                unit: app.tree.school_cell,
                key: "transfer:5".into(),
                case: None,
                what:
                    "Chuyển sinh hoạt số 5 từ Chi bộ Khu phố 1 đến Chi bộ Giáo viên chờ tiếp nhận"
                        .into(),
                link: Some("/transfers".into()),
                due: Some(day(2026, 12, 10)),
                escalate: false,
                escalate_to: Some(app.tree.city),
            },
        ],
    };
    app.store
        .record_digest(on, morning(on), &digest, false)
        .await
        .unwrap();
    let browser = app.login("canbo").await;
    let page = app.get(Some(&browser), "/notifications").await;
    assert_eq!(page.status, StatusCode::OK);
    for part in [
        "Ngày 06/12/2026 (2)",
        "<a href=\"/cases/41\">Hồ sơ số 41: Tổ chức lễ kết nạp (Chi bộ Giáo viên), hạn 20/11/2026 — Quá hạn 16 ngày; đã báo cấp ủy cấp trên</a>",
        "class=\"badge overdue\">Quá hạn · báo cấp trên",
        // Work between units opens its own page, as a link, not as text in the line.
        "<a href=\"/transfers\">Chuyển sinh hoạt số 5 từ Chi bộ Khu phố 1 đến Chi bộ Giáo viên chờ tiếp nhận, hạn 10/12/2026 — Còn 4 ngày</a>",
        "Thông báo <span class=\"badge overdue\">2<span class=\"visually-hidden\"> chưa đọc",
        "action=\"/notifications/read\"",
    ] {
        assert!(page.body.contains(part), "{part}\nin:\n{}", page.body);
    }
    assert!(!page.body.contains("(/transfers)"), "{}", page.body);
    let read = app.post(&browser, "/notifications/read", &[]).await;
    assert_eq!(read.location(), Some("/notifications"), "{}", read.body);
    let page = app.get(Some(&browser), "/notifications").await;
    assert!(!page.body.contains("chưa đọc") && !page.body.contains("(mới)"));
    // Another account's inbox is its own.
    let other = app.login("canbo.phuloi").await;
    let page = app.get(Some(&other), "/notifications").await;
    assert!(
        page.body.contains("Chưa có thông báo nào."),
        "{}",
        page.body
    );
}

// --- A small SMTP receiver ----------------------------------------------------------------

#[derive(Debug, Clone)]
struct Received {
    to: Vec<String>,
    /// The message as sent after DATA, dots unstuffed.
    data: String,
}

/// An SMTP server on 127.0.0.1 that keeps every message it is sent: HELO/EHLO, MAIL, RCPT,
/// DATA, RSET, NOOP, QUIT. With `answer` set, it answers that many messages and then
/// takes the next one's data without answering until `release`d (the ones after it are
/// answered again). With `refuse` set, it
/// refuses that recipient with a 550 that quotes the address, as real servers do.
struct SmtpServer {
    addr: SocketAddr,
    received: Arc<Mutex<Vec<Received>>>,
    release: Arc<tokio::sync::Notify>,
}

/// How a test's SMTP server behaves.
#[derive(Clone, Copy)]
struct Behaviour {
    answer: Option<usize>,
    refuse: Option<&'static str>,
}

impl SmtpServer {
    async fn start(answer: Option<usize>) -> SmtpServer {
        SmtpServer::serve(Behaviour {
            answer,
            refuse: None,
        })
        .await
    }

    async fn refusing(address: &'static str) -> SmtpServer {
        SmtpServer::serve(Behaviour {
            answer: None,
            refuse: Some(address),
        })
        .await
    }

    async fn serve(behaviour: Behaviour) -> SmtpServer {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let received = Arc::new(Mutex::new(Vec::new()));
        let release = Arc::new(tokio::sync::Notify::new());
        let (kept, released) = (received.clone(), release.clone());
        tokio::spawn(async move {
            while let Ok((socket, _)) = listener.accept().await {
                tokio::spawn(session(socket, kept.clone(), behaviour, released.clone()));
            }
        });
        SmtpServer {
            addr,
            received,
            release,
        }
    }

    /// Answers the message the server holds unanswered.
    fn release(&self) {
        self.release.notify_one();
    }

    fn messages(&self) -> Vec<Received> {
        self.received.lock().unwrap().clone()
    }

    /// The recipients of the messages received, in order.
    fn recipients(&self) -> Vec<String> {
        self.messages().into_iter().flat_map(|m| m.to).collect()
    }

    async fn wait_for(&self, messages: usize) {
        for _ in 0..600 {
            if self.received.lock().unwrap().len() >= messages {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("the SMTP server never got {messages} messages");
    }
}

async fn session(
    socket: tokio::net::TcpStream,
    received: Arc<Mutex<Vec<Received>>>,
    behaviour: Behaviour,
    release: Arc<tokio::sync::Notify>,
) -> std::io::Result<()> {
    let refusal = behaviour
        .refuse
        .map(|a| format!("550 5.1.1 <{a}>: Recipient address rejected: User unknown\r\n"));
    let (reader, mut writer) = socket.into_split();
    let mut reader = BufReader::new(reader);
    writer.write_all(b"220 ketnap-test ESMTP\r\n").await?;
    let mut to = Vec::new();
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).await? == 0 {
            return Ok(());
        }
        let command = line.trim_end().to_ascii_uppercase();
        let reply: &[u8] = if command.starts_with("EHLO") || command.starts_with("HELO") {
            b"250 ketnap-test\r\n"
        } else if command.starts_with("MAIL FROM:") || command == "RSET" {
            to.clear();
            b"250 OK\r\n"
        } else if command.starts_with("RCPT TO:") {
            let address = line.trim_end()[8..].trim().trim_matches(['<', '>']);
            if behaviour.refuse == Some(address) {
                refusal.as_deref().unwrap_or_default().as_bytes()
            } else {
                to.push(address.to_string());
                b"250 OK\r\n"
            }
        } else if command == "DATA" {
            writer.write_all(b"354 go ahead\r\n").await?;
            let mut data = String::new();
            loop {
                let mut line = String::new();
                if reader.read_line(&mut line).await? == 0 {
                    return Ok(());
                }
                if line == ".\r\n" {
                    break;
                }
                data.push_str(line.strip_prefix('.').unwrap_or(&line));
            }
            let count = {
                let mut all = received.lock().unwrap();
                all.push(Received {
                    to: std::mem::take(&mut to),
                    data,
                });
                all.len()
            };
            if behaviour.answer.is_some_and(|n| count == n + 1) {
                // Taken, not answered: the sender cannot know it arrived.
                release.notified().await;
            }
            b"250 queued\r\n"
        } else if command == "NOOP" {
            b"250 OK\r\n"
        } else if command == "QUIT" {
            writer.write_all(b"221 bye\r\n").await?;
            return Ok(());
        } else {
            b"502 not implemented\r\n"
        };
        writer.write_all(reply).await?;
    }
}

/// A received text mail: its subject (RFC 2047 decoded) and body (transfer-decoded).
struct Mail {
    subject: String,
    content_type: String,
    body: String,
}

impl Mail {
    fn parse(data: &str) -> Mail {
        let (head, body) = data.split_once("\r\n\r\n").unwrap();
        // Folded header lines continue with white space.
        let unfolded = head.replace("\r\n ", " ").replace("\r\n\t", " ");
        let header = |name: &str| {
            unfolded
                .split("\r\n")
                .find_map(|l| {
                    let (n, v) = l.split_once(':')?;
                    n.eq_ignore_ascii_case(name).then(|| v.trim().to_string())
                })
                .unwrap_or_default()
        };
        let encoding = header("Content-Transfer-Encoding").to_lowercase();
        let bytes = match encoding.as_str() {
            "base64" => base64(body),
            "quoted-printable" => quoted_printable(body),
            _ => body.as_bytes().to_vec(),
        };
        Mail {
            subject: encoded_words(&header("Subject")),
            content_type: header("Content-Type"),
            body: String::from_utf8(bytes).unwrap().replace("\r\n", "\n"),
        }
    }
}

/// Decodes RFC 2047 encoded words (`=?utf-8?b?…?=`, `=?utf-8?q?…?=`); the space between
/// two of them is not part of the text.
fn encoded_words(value: &str) -> String {
    let mut bytes = Vec::new();
    let mut rest = value;
    let mut after_word = false;
    while !rest.is_empty() {
        match rest.find("=?") {
            Some(start) => {
                let between = &rest[..start];
                if !(after_word && between.trim().is_empty()) {
                    bytes.extend_from_slice(between.as_bytes());
                }
                let word = &rest[start + 2..];
                let mut parts = word.splitn(3, '?');
                let _charset = parts.next().unwrap();
                let encoding = parts.next().unwrap().to_ascii_lowercase();
                let tail = parts.next().unwrap();
                let end = tail.find("?=").unwrap();
                let text = &tail[..end];
                match encoding.as_str() {
                    "b" => bytes.extend(base64(text)),
                    _ => bytes.extend(quoted_printable(&text.replace('_', " "))),
                }
                rest = &tail[end + 2..];
                after_word = true;
            }
            None => {
                bytes.extend_from_slice(rest.as_bytes());
                rest = "";
            }
        }
    }
    String::from_utf8(bytes).unwrap()
}

fn base64(text: &str) -> Vec<u8> {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = Vec::new();
    let (mut buffer, mut bits) = (0u32, 0);
    for c in text
        .bytes()
        .filter(|c| !c.is_ascii_whitespace() && *c != b'=')
    {
        let value = ALPHABET.iter().position(|a| *a == c).unwrap() as u32;
        buffer = (buffer << 6) | value;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((buffer >> bits) as u8);
            buffer &= (1 << bits) - 1;
        }
    }
    out
}

fn quoted_printable(text: &str) -> Vec<u8> {
    let mut out = Vec::new();
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'=' if bytes[i + 1..].starts_with(b"\r\n") => i += 3,
            b'=' if bytes[i + 1..].starts_with(b"\n") => i += 2,
            b'=' => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap();
                out.push(u8::from_str_radix(hex, 16).unwrap());
                i += 3;
            }
            other => {
                out.push(other);
                i += 1;
            }
        }
    }
    out
}

/// The account's unread notifications, as the navigation counts them.
async fn unread(store: &Store, user: UserId) -> i64 {
    store
        .navigation(user, UnitId(1), None)
        .await
        .unwrap()
        .unread
}
