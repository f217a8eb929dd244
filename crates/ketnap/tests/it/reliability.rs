//! Writes under pressure, on the real server: officers racing to change one case, through
//! two server processes on one SQLite file, lose no update and never see a locked database;
//! a full disk refuses writes with a clear message, keeps the lists readable and the data
//! whole, and writes work again once there is room.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;

use axum::http::StatusCode;
use sqlx::Connection;

use crate::crash_loop::{Ack, case_of, check, helper_action, named};
use crate::served::{Http, Reply, Server, pairs};
use crate::web::TestApp;
use crate::web_people::source_form;

const OFFICERS: usize = 8;

/// The version a case page's forms carry.
fn version_in(body: &str) -> i64 {
    let at = body.find("name=\"version\" value=\"").unwrap() + "name=\"version\" value=\"".len();
    body[at..].split('"').next().unwrap().parse().unwrap()
}

/// No answer may name the database's lock or any SQL: what a user reads is Vietnamese.
fn assert_clean(reply: &Reply) {
    let body = reply.body.to_lowercase();
    for leak in ["locked", "sqlite", "sqlx", "database", "insert into"] {
        assert!(
            !body.contains(leak),
            "\"{leak}\" shown to a user: {}",
            reply.body
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn officers_racing_on_one_case_lose_no_update_and_never_see_a_lock() {
    let app = TestApp::new().await;
    let url = app.database_url();
    let form = source_form(&app, &[("citizen_id", "")]);
    let ward = app.tree.ward;
    app.store.close().await;
    let log = ketnap_store::sqlite_path(&url)
        .unwrap()
        .with_file_name("server.log");
    // Two processes on one file: SQLite's locks between processes as well as within one.
    let servers = [
        Server::start(&url, &log, "warn").await,
        Server::start(&url, &log, "warn").await,
    ];
    let mut first = Http::new(&servers[0].base);
    first.sign_in("canbo").await;
    let created = first.submit("/sources", &form).await;
    let case = case_of(created.location.as_deref()).unwrap();
    let actions = format!("/cases/{case}/actions");
    let admitted = first
        .submit(&actions, &helper_action(true, 1, "Giúp đầu"))
        .await;
    assert_eq!(admitted.status, StatusCode::SEE_OTHER, "{}", admitted.body);
    let mut acks = vec![
        Ack::Source {
            case,
            given: "Mai".into(),
        },
        Ack::Helper {
            case,
            version: 2,
            helper: "Giúp đầu".into(),
        },
    ];

    // Every officer reads the case, then all send a change made from what they read.
    let mut officers = Vec::new();
    for n in 0..OFFICERS {
        let mut http = Http::new(&servers[n % 2].base);
        http.sign_in("canbo").await;
        let page = http.get(&format!("/cases/{case}")).await;
        officers.push((http, version_in(&page.body)));
    }
    assert!(officers.iter().all(|(_, v)| *v == 2));
    // Meanwhile planners save term plans: a transaction that reads before it writes.
    let planners: Vec<_> = (0..4)
        .map(|n| {
            let mut http = Http::new(&servers[n % 2].base);
            let unit = ward.to_string();
            tokio::spawn(async move {
                http.sign_in("canbo").await;
                let mut replies = Vec::new();
                for total in 0..8 {
                    let total = (10 * n + total).to_string();
                    let fields = pairs(&[
                        ("unit", &unit),
                        ("first_year", "2025"),
                        ("last_year", "2030"),
                        ("target_total", &total),
                    ]);
                    replies.push(http.submit("/reports/term-plan", &fields).await);
                }
                replies
            })
        })
        .collect();
    let start = Arc::new(tokio::sync::Barrier::new(OFFICERS));
    let racers: Vec<_> = officers
        .into_iter()
        .enumerate()
        .map(|(n, (mut http, version))| {
            let (start, actions) = (start.clone(), actions.clone());
            tokio::spawn(async move {
                let helper = format!("Giúp {n}");
                let mut replies = Vec::new();
                let mut version = version;
                start.wait().await;
                // Until it gets in: a refused change shows the case as it is now, and its
                // version, so the officer sends it again from there.
                loop {
                    let reply = http
                        .submit(&actions, &helper_action(false, version, &helper))
                        .await;
                    let done = reply.status == StatusCode::SEE_OTHER;
                    if !done {
                        assert_eq!(reply.status, StatusCode::CONFLICT, "{}", reply.body);
                        assert!(reply.body.contains("vừa được người khác cập nhật"));
                        version = version_in(&reply.body);
                    }
                    replies.push(reply);
                    if done {
                        return (helper, version + 1, replies);
                    }
                }
            })
        })
        .collect();

    let mut first_tries = Vec::new();
    let mut conflicts = 0;
    for racer in racers {
        let (helper, version, replies) = racer.await.unwrap();
        replies.iter().for_each(assert_clean);
        first_tries.push(replies[0].status);
        conflicts += replies.len() - 1;
        acks.push(Ack::Helper {
            case,
            version,
            helper,
        });
    }
    // All sent version 2: exactly one got in, the others were told and tried again.
    assert_eq!(
        first_tries
            .iter()
            .filter(|s| **s == StatusCode::SEE_OTHER)
            .count(),
        1,
        "{first_tries:?}"
    );
    assert!(conflicts >= OFFICERS - 1);
    for planner in planners {
        for reply in planner.await.unwrap() {
            assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.body);
        }
    }
    drop(servers);

    // Each change exactly once, in the order they got in: version 2 + 8, ten helpers.
    let checked = check(&url, &acks, ward).await;
    assert_eq!((checked.cases, checked.unacknowledged), (1, 0));
    let mut versions: Vec<i64> = acks
        .iter()
        .filter_map(|a| match a {
            Ack::Helper { version, .. } => Some(*version),
            Ack::Source { .. } => None,
        })
        .collect();
    versions.sort();
    assert_eq!(versions, (2..=2 + OFFICERS as i64).collect::<Vec<_>>());
}

/// A tmpfs mounted for one test, unmounted when dropped (after a failure too).
struct Tmpfs {
    dir: PathBuf,
}

impl Tmpfs {
    /// Mounts a tmpfs of `size` at `dir`. Outside CI a machine that cannot (not root, no
    /// mount namespace) skips the test with a note; under `CI=true` that is a failure.
    fn mount(dir: &Path, size: &str) -> Option<Tmpfs> {
        std::fs::create_dir_all(dir).unwrap();
        let out = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(dir)
            .output();
        let why = match out {
            Ok(out) if out.status.success() => {
                return Some(Tmpfs {
                    dir: dir.to_path_buf(),
                });
            }
            Ok(out) => String::from_utf8_lossy(&out.stderr).into_owned(),
            Err(error) => error.to_string(),
        };
        assert_ne!(
            std::env::var("CI").as_deref(),
            Ok("true"),
            "CI runs as root and must mount a tmpfs: {why}"
        );
        eprintln!("skipped: the full-disk test needs to mount a tmpfs (as root): {why}");
        None
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let unmounted = Command::new("umount")
            .arg(&self.dir)
            .status()
            .is_ok_and(|s| s.success());
        if !unmounted {
            // Still in use by a process that has not ended yet: detached now, freed then.
            let _ = Command::new("umount").arg("-l").arg(&self.dir).status();
        }
    }
}

/// Fills the file system of `dir` to its last page; returns the file that does it.
fn fill(dir: &Path) -> PathBuf {
    use std::io::Write;
    let path = dir.join("day-dia");
    let mut file = std::fs::File::create(&path).unwrap();
    let chunk = vec![0u8; 64 * 1024];
    let error = loop {
        if let Err(error) = file.write_all(&chunk) {
            break error;
        }
    };
    assert_eq!(error.raw_os_error(), Some(28), "ENOSPC: {error}");
    path
}

#[tokio::test]
async fn a_full_disk_refuses_writes_in_vietnamese_and_loses_nothing() {
    let app = TestApp::new().await;
    let form = source_form(&app, &[("citizen_id", ""), ("confirm_new", "1")]);
    let ward = app.tree.ward;
    let dir = tempfile::tempdir().unwrap();
    let Some(disk) = Tmpfs::mount(&dir.path().join("dia"), "8m") else {
        return;
    };
    // The fixture's database copied onto the small disk, with its data keys.
    let db = disk.dir.join("ketnap.sqlite3");
    app.store.backup_to(&db).await.unwrap();
    let keys = |db: &Path| {
        let mut name = db.as_os_str().to_owned();
        name.push(".keys");
        PathBuf::from(name)
    };
    let fixture_db = ketnap_store::sqlite_path(&app.database_url()).unwrap();
    std::fs::copy(keys(&fixture_db), keys(&db)).unwrap();
    let url = format!("sqlite://{}", db.display());
    // Declared after the disk, so dropped (killed) before it is unmounted.
    let server = Server::start(&url, &dir.path().join("server.log"), "warn").await;
    let mut http = Http::new(&server.base);
    http.sign_in("canbo").await;

    // A source and its first action while there is room.
    let created = http.submit("/sources", &named(&form, "Trước")).await;
    let case = case_of(created.location.as_deref()).unwrap();
    let actions = format!("/cases/{case}/actions");
    let admitted = http
        .submit(&actions, &helper_action(true, 1, "Giúp trước"))
        .await;
    assert_eq!(admitted.status, StatusCode::SEE_OTHER, "{}", admitted.body);
    let mut acks = vec![
        Ack::Source {
            case,
            given: "Trước".into(),
        },
        Ack::Helper {
            case,
            version: 2,
            helper: "Giúp trước".into(),
        },
    ];

    // The write-ahead log folded into the file and emptied: the next write has to grow it.
    let mut db_conn = sqlx::SqliteConnection::connect_with(
        &sqlx::sqlite::SqliteConnectOptions::new().filename(&db),
    )
    .await
    .unwrap();
    let (busy, _, _): (i64, i64, i64) = sqlx::query_as("PRAGMA wal_checkpoint(TRUNCATE)")
        .fetch_one(&mut db_conn)
        .await
        .unwrap();
    assert_eq!(busy, 0);
    db_conn.close().await.unwrap();
    let filler = fill(&disk.dir);

    // Writes are refused, saying why in Vietnamese, with nothing of SQL.
    for (path, fields) in [
        ("/sources", named(&form, "Lúc đầy")),
        (actions.as_str(), helper_action(false, 2, "Giúp lúc đầy")),
    ] {
        let refused = http.submit(path, &fields).await;
        assert_eq!(
            refused.status,
            StatusCode::INSUFFICIENT_STORAGE,
            "{}",
            refused.body
        );
        assert!(
            refused.body.contains("Máy chủ hết dung lượng đĩa"),
            "{}",
            refused.body
        );
        assert_clean(&refused);
    }
    // Lists are read as before.
    for path in ["/", "/cases"] {
        let page = http.get(path).await;
        assert_eq!(page.status, StatusCode::OK, "{path}: {}", page.body);
    }
    assert!(http.get("/cases").await.body.contains("Trước"));
    // A personal record is shown only with its reading logged, so not while nothing can be.
    let record = http.get(&format!("/cases/{case}")).await;
    assert_eq!(record.status, StatusCode::INSUFFICIENT_STORAGE);
    assert!(record.body.contains("Máy chủ hết dung lượng đĩa"));
    // Nothing damaged, nothing of the refused writes kept.
    let checked = check(&url, &acks, ward).await;
    assert_eq!(checked.unacknowledged, 0);

    // With room again, writes work.
    std::fs::remove_file(filler).unwrap();
    let created = http.submit("/sources", &named(&form, "Sau")).await;
    assert_eq!(created.status, StatusCode::SEE_OTHER, "{}", created.body);
    acks.push(Ack::Source {
        case: case_of(created.location.as_deref()).unwrap(),
        given: "Sau".into(),
    });
    let helped = http
        .submit(&actions, &helper_action(false, 2, "Giúp sau"))
        .await;
    assert_eq!(helped.status, StatusCode::SEE_OTHER, "{}", helped.body);
    acks.push(Ack::Helper {
        case,
        version: 3,
        helper: "Giúp sau".into(),
    });
    let checked = check(&url, &acks, ward).await;
    assert_eq!((checked.cases, checked.unacknowledged), (2, 0));
}
