//! No acknowledged write is ever lost. `ketnap serve` runs on a SQLite file while eight
//! officers write through HTTP (new sources, then actions on them); the process is killed
//! with SIGKILL at random moments (a seeded RNG; the seed is printed) and started again.
//! After each start the file is checked as the next process finds it: SQLite's own checks,
//! the audit chain, every write the server acknowledged there with its content, and every
//! case whole however many of its changes got in before a kill. A request in flight at the
//! kill is not acknowledged, so it may or may not be there, but never in part.
//!
//! `KETNAP_CRASH_ITERATIONS` kills (5 by default); `KETNAP_CRASH_SEED` repeats a run.
//! The long run and its result: docs/RELIABILITY.md.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::http::StatusCode;
use ketnap_domain::ids::UnitId;
use ketnap_domain::ports::{CaseFilter, CaseStore};
use ketnap_domain::scope::{Access, Scope};
use ketnap_store::{Create, Store};
use rand::{Rng, SeedableRng};
use sqlx::Connection;

use crate::served::{Http, Server, pairs};
use crate::web::TestApp;
use crate::web_people::source_form;

const WRITERS: usize = 8;
/// Actions on each new case: its admission to the sympathisers, then helpers assigned.
const ACTIONS_PER_CASE: usize = 3;

/// A write the server acknowledged (a 303 to the case).
#[derive(Debug, Clone)]
pub enum Ack {
    /// A new source: its case and the person's given name.
    Source { case: i64, given: String },
    /// An action that brought the case to `version`, naming its `helper`.
    Helper {
        case: i64,
        version: i64,
        helper: String,
    },
}

type Ledger = Arc<Mutex<Vec<Ack>>>;

/// A source form (`web_people::source_form`) for a new person called `given`.
pub fn named(form: &[(String, String)], given: &str) -> Vec<(String, String)> {
    let mut form = form.to_vec();
    for field in form.iter_mut().filter(|(k, _)| k == "given_name") {
        field.1 = given.to_string();
    }
    form
}

/// The case a 303 after a write points to.
pub fn case_of(location: Option<&str>) -> Option<i64> {
    location?.strip_prefix("/cases/")?.parse().ok()
}

/// The fields of an action that adds `helper` to a case at `version`: the first admits the
/// source to the sympathisers, the others assign another helper.
pub fn helper_action(first: bool, version: i64, helper: &str) -> Vec<(String, String)> {
    let version = version.to_string();
    if first {
        pairs(&[
            ("action", "add_to_sympathisers"),
            ("version", &version),
            ("number", "12-NQ/CB"),
            ("dated", "2026-11-10"),
            ("helper", helper),
        ])
    } else {
        pairs(&[
            ("action", "assign_helper"),
            ("version", &version),
            ("on", "2026-11-15"),
            ("helper", helper),
        ])
    }
}

/// What a check found.
#[derive(Debug)]
pub struct Checked {
    pub cases: usize,
    /// Writes there although never acknowledged (in flight at a kill): each write moved a
    /// case's version on by one from nothing.
    pub unacknowledged: i64,
    pub audit_rows: u64,
}

/// Opens the database at `url` as a new process would and checks it: `integrity_check`
/// and `foreign_key_check`, the audit chain, every acknowledged write in `acks` there with
/// its content, and every case whole: its person, an event and an audit row for each of its
/// versions, one `case.open` and one `person.create` row.
pub async fn check(url: &str, acks: &[Ack], ward: UnitId) -> Checked {
    let store = Store::open(url, Create::Never).await.unwrap();
    let problems = store.integrity_problems().await.unwrap();
    assert!(problems.is_empty(), "SQLite's checks: {problems:?}");
    let chain = store.verify_audit_log().await.unwrap();
    assert!(
        chain.problems.is_empty(),
        "audit chain: {:?}",
        chain.problems
    );

    let records: HashMap<i64, _> = store
        .cases(&Scope::subtree(ward, Access::Read), &CaseFilter::default())
        .await
        .unwrap()
        .into_iter()
        .map(|r| (r.case.id.0, r))
        .collect();
    for ack in acks {
        match ack {
            Ack::Source { case, given } => {
                let record = records
                    .get(case)
                    .unwrap_or_else(|| panic!("acknowledged case {case} lost"));
                assert_eq!(&record.person.details.name.given, given, "case {case}");
            }
            Ack::Helper {
                case,
                version,
                helper,
            } => {
                let record = records
                    .get(case)
                    .unwrap_or_else(|| panic!("case {case} of an acknowledged action lost"));
                assert!(
                    record.version >= *version,
                    "case {case} at version {} after {version} was acknowledged",
                    record.version
                );
                let at = usize::try_from(version - 2).unwrap();
                assert_eq!(
                    record.case.helpers.get(at).map(|h| h.name.as_str()),
                    Some(helper.as_str()),
                    "case {case}: the helper acknowledged at version {version}"
                );
            }
        }
    }
    store.close().await;

    // Whole: counted in SQL, so a missing row cannot hide behind the store's reading.
    let path = ketnap_store::sqlite_path(url).unwrap();
    let mut db = sqlx::SqliteConnection::connect_with(
        &sqlx::sqlite::SqliteConnectOptions::new().filename(&path),
    )
    .await
    .unwrap();
    let broken: Vec<i64> = sqlx::query_scalar(
        "WITH moves AS (SELECT entity_id, SUM(action = 'case.transition') AS n,
                SUM(action = 'case.open') AS opened
            FROM audit_log WHERE entity = 'case' GROUP BY entity_id),
         events AS (SELECT case_id, COUNT(*) AS n FROM case_events GROUP BY case_id),
         created AS (SELECT entity_id, COUNT(*) AS n FROM audit_log
            WHERE entity = 'person' AND action = 'person.create' GROUP BY entity_id)
         SELECT c.id FROM cases c
         LEFT JOIN moves m ON m.entity_id = CAST(c.id AS TEXT)
         LEFT JOIN events e ON e.case_id = c.id
         LEFT JOIN created p ON p.entity_id = CAST(c.person_id AS TEXT)
         WHERE COALESCE(e.n, 0) <> c.version - 1 OR COALESCE(m.n, 0) <> c.version - 1
            OR COALESCE(m.opened, 0) <> 1 OR COALESCE(p.n, 0) <> 1
            OR NOT EXISTS (SELECT 1 FROM people WHERE id = c.person_id)",
    )
    .fetch_all(&mut db)
    .await
    .unwrap();
    assert!(broken.is_empty(), "cases not whole: {broken:?}");
    let people_without_case: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM people p WHERE NOT EXISTS (SELECT 1 FROM cases c WHERE c.person_id = p.id)",
    )
    .fetch_one(&mut db)
    .await
    .unwrap();
    assert_eq!(
        people_without_case, 0,
        "a person written without their case"
    );
    db.close().await.unwrap();

    Checked {
        cases: records.len(),
        unacknowledged: records.values().map(|r| r.version).sum::<i64>() - acks.len() as i64,
        audit_rows: chain.rows,
    }
}

/// One officer writing until told to stop: a new source, then its actions; a case whose
/// request got no answer is left as it is and a new one begun.
struct Writer {
    number: usize,
    http: Http,
    form: Vec<(String, String)>,
    base: Arc<Mutex<String>>,
    ledger: Ledger,
    /// Answers no officer should ever get.
    wrong: Arc<Mutex<Vec<String>>>,
    unanswered: Arc<AtomicUsize>,
    stop: Arc<AtomicBool>,
}

impl Writer {
    async fn run(mut self) {
        let mut n = 0;
        while !self.stop.load(Ordering::Relaxed) {
            n += 1;
            self.http.base = self.base.lock().unwrap().clone();
            let given = format!("Số {}.{n}", self.number);
            let form = named(&self.form, &given);
            let Some(case) = self.answered("/sources", &form).await else {
                continue;
            };
            self.ledger
                .lock()
                .unwrap()
                .push(Ack::Source { case, given });
            for (k, version) in (1..).take(ACTIONS_PER_CASE).enumerate() {
                let helper = format!("Giúp {}.{n}.{k}", self.number);
                let fields = helper_action(k == 0, version, &helper);
                if self
                    .answered(&format!("/cases/{case}/actions"), &fields)
                    .await
                    .is_none()
                {
                    break;
                }
                self.ledger.lock().unwrap().push(Ack::Helper {
                    case,
                    version: version + 1,
                    helper,
                });
            }
        }
    }

    /// The case a write was acknowledged for; none when no answer came (the server is
    /// down: wait a little) or the answer was not the 303 (noted as wrong).
    async fn answered(&mut self, path: &str, fields: &[(String, String)]) -> Option<i64> {
        match self.http.try_submit(path, fields).await {
            Ok(reply) => {
                let case = case_of(reply.location.as_deref());
                if reply.status != StatusCode::SEE_OTHER || case.is_none() {
                    let excerpt: String = reply.body.chars().take(300).collect();
                    self.wrong
                        .lock()
                        .unwrap()
                        .push(format!("POST {path}: {} {excerpt}", reply.status));
                }
                case.filter(|_| reply.status == StatusCode::SEE_OTHER)
            }
            Err(_) => {
                self.unanswered.fetch_add(1, Ordering::Relaxed);
                tokio::time::sleep(Duration::from_millis(20)).await;
                None
            }
        }
    }
}

fn env_number(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .map(|v| {
            v.parse()
                .unwrap_or_else(|_| panic!("{name}={v}: not a number"))
        })
        .unwrap_or(default)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acknowledged_writes_survive_kill_9_at_random_moments() {
    let iterations = env_number("KETNAP_CRASH_ITERATIONS", 5);
    let clock = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap();
    let seed = env_number("KETNAP_CRASH_SEED", clock.as_nanos() as u64);
    eprintln!("crash loop: KETNAP_CRASH_SEED={seed}, {iterations} kills, {WRITERS} writers");
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);

    let app = TestApp::new().await;
    let url = app.database_url();
    let ward = app.tree.ward;
    // No CCCD, and a new record even where the name and birth date look like someone's.
    let form = source_form(&app, &[("citizen_id", ""), ("confirm_new", "1")]);
    // From here only the server has the file open, so each start finds what a crash left.
    app.store.close().await;
    let log = ketnap_store::sqlite_path(&url)
        .unwrap()
        .with_file_name("server.log");
    let mut server = Server::start(&url, &log, "warn").await;

    let base = Arc::new(Mutex::new(server.base.clone()));
    let ledger = Ledger::default();
    let wrong = Arc::new(Mutex::new(Vec::new()));
    let unanswered = Arc::new(AtomicUsize::new(0));
    let stop = Arc::new(AtomicBool::new(false));
    let mut writers = Vec::new();
    for number in 1..=WRITERS {
        let mut http = Http::new(&server.base);
        http.sign_in("canbo").await;
        let writer = Writer {
            number,
            http,
            form: form.clone(),
            base: base.clone(),
            ledger: ledger.clone(),
            wrong: wrong.clone(),
            unanswered: unanswered.clone(),
            stop: stop.clone(),
        };
        writers.push(tokio::spawn(writer.run()));
    }

    let started = Instant::now();
    for kill in 1..=iterations {
        tokio::time::sleep(Duration::from_millis(rng.gen_range(100..=700))).await;
        server.kill();
        server = Server::start(&url, &log, "warn").await;
        *base.lock().unwrap() = server.base.clone();
        let acks = ledger.lock().unwrap().clone();
        check(&url, &acks, ward).await;
        if kill % 25 == 0 {
            eprintln!(
                "crash loop: {kill} kills, {} acknowledged writes checked, {:.0} s",
                acks.len(),
                started.elapsed().as_secs_f64()
            );
        }
        assert!(
            wrong.lock().unwrap().is_empty(),
            "after kill {kill}: {:?}",
            wrong.lock().unwrap()
        );
    }
    stop.store(true, Ordering::Relaxed);
    for writer in writers {
        writer.await.unwrap();
    }
    server.kill();
    let acks = ledger.lock().unwrap().clone();
    let checked = check(&url, &acks, ward).await;
    let sources = acks
        .iter()
        .filter(|a| matches!(a, Ack::Source { .. }))
        .count();
    eprintln!(
        "crash loop: {iterations} kills survived in {:.1} s; {} acknowledged writes checked \
         ({sources} sources, {} actions), none lost; {} cases, whole, with {} writes \
         in flight at a kill; {} audit rows chained; {} requests unanswered",
        started.elapsed().as_secs_f64(),
        acks.len(),
        acks.len() - sources,
        checked.cases,
        checked.unacknowledged,
        checked.audit_rows,
        unanswered.load(Ordering::Relaxed),
    );
    assert!(
        wrong.lock().unwrap().is_empty(),
        "{:?}",
        wrong.lock().unwrap()
    );
    assert!(sources > 0, "the writers wrote");
}
