//! Backups people can restore: a drill. Writers keep creating sources through the store
//! while `ketnap backup` copies the SQLite file from another process; the copy is checked,
//! restored elsewhere, opened as a database, and compared with what was written.

use std::process::{Command, Output};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use ketnap_domain::citizen_id::Sex;
use ketnap_domain::ports::{CaseFilter, CaseStore};
use ketnap_domain::scope::{Access, Scope};
use ketnap_store::{Create, Store};

use crate::fixtures::{change, day, person, sqlite_store, tree};

fn ketnap(db: &str, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_ketnap"))
        .arg("--database")
        .arg(db)
        .args(args)
        .env_remove("KETNAP_DATABASE_URL")
        .output()
        .unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backup_taken_while_writers_run_restores_and_serves() {
    let (store, dir) = sqlite_store().await;
    let t = tree(&store, "").await;
    let url = format!("sqlite://{}", dir.path().join("ketnap.sqlite3").display());
    let ward = Scope::subtree(t.ward, Access::Edit);

    // Writers: sources created one after another until told to stop.
    let stop = Arc::new(AtomicBool::new(false));
    let written = Arc::new(AtomicUsize::new(0));
    let writer = {
        let (store, stop, written, ward) =
            (store.clone(), stop.clone(), written.clone(), ward.clone());
        tokio::spawn(async move {
            let mut n = 0u32;
            while !stop.load(Ordering::Relaxed) {
                n += 1;
                let details = person(
                    "Nguyễn",
                    "Văn",
                    &format!("Số {n}"),
                    day(2000, 1, 1),
                    Sex::Male,
                    None,
                );
                store
                    .create_source(
                        &change("ghi"),
                        &ward,
                        &details,
                        t.residential_cell,
                        day(2026, 3, 1),
                        None,
                    )
                    .await
                    .unwrap();
                written.fetch_add(1, Ordering::Relaxed);
            }
        })
    };
    while written.load(Ordering::Relaxed) < 20 {
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    let backup = dir.path().join("sao-luu.sqlite3");
    let out = tokio::task::spawn_blocking({
        let (url, backup) = (url.clone(), backup.clone());
        move || ketnap(&url, &["backup", backup.to_str().unwrap()])
    })
    .await
    .unwrap();
    let during = written.load(Ordering::Relaxed);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("Đã sao lưu"),
        "{}",
        text(&out.stdout)
    );
    stop.store(true, Ordering::Relaxed);
    writer.await.unwrap();
    let total = written.load(Ordering::Relaxed);
    assert!(total > 20, "the writers ran: {total}");

    // A second backup to the same name is refused: a backup never overwrites a file.
    let out = ketnap(&url, &["backup", backup.to_str().unwrap()]);
    assert!(!out.status.success());
    assert!(text(&out.stderr).contains("đã có"), "{}", text(&out.stderr));

    // Checked on its own, then restored elsewhere and opened as a database.
    let out = ketnap(&url, &["verify-backup", backup.to_str().unwrap()]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let elsewhere = tempfile::tempdir().unwrap();
    let restored_url = format!("sqlite://{}", elsewhere.path().join("k.sqlite3").display());
    let out = ketnap(&restored_url, &["restore", backup.to_str().unwrap()]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let restored = Store::open(&restored_url, Create::Never).await.unwrap();
    restored.migrate().await.unwrap();
    assert!(restored.integrity_problems().await.unwrap().is_empty());
    assert!(
        restored
            .verify_audit_log()
            .await
            .unwrap()
            .problems
            .is_empty()
    );

    // The copy is one moment of the live database: every case it holds is the live one,
    // and it holds at least what was written before the backup began.
    let live: Vec<_> = store.cases(&ward, &CaseFilter::default()).await.unwrap();
    let copy: Vec<_> = restored.cases(&ward, &CaseFilter::default()).await.unwrap();
    assert!(
        copy.len() >= 20 && copy.len() <= live.len(),
        "{} of {}",
        copy.len(),
        live.len()
    );
    assert!(copy.len() <= during.max(total));
    for record in &copy {
        let same = live.iter().find(|l| l.case.id == record.case.id).unwrap();
        assert_eq!(same.case, record.case);
        assert_eq!(same.person, record.person);
    }
    // A server starts on it: a new source is written and read back.
    let details = person("Trần", "Thị", "Mới", day(2001, 2, 2), Sex::Female, None);
    restored
        .create_source(
            &change("sau"),
            &ward,
            &details,
            t.residential_cell,
            day(2026, 4, 1),
            None,
        )
        .await
        .unwrap();
    restored.close().await;

    // Restoring over a database needs --force, and keeps the one it replaces.
    let out = ketnap(&restored_url, &["restore", backup.to_str().unwrap()]);
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("--force"),
        "{}",
        text(&out.stderr)
    );
    let out = ketnap(
        &restored_url,
        &["restore", "--force", backup.to_str().unwrap()],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let kept = std::fs::read_dir(elsewhere.path())
        .unwrap()
        .filter_map(|e| e.ok())
        .any(|e| {
            e.file_name()
                .to_string_lossy()
                .contains(".truoc-khoi-phuc-")
        });
    assert!(kept, "the replaced database is kept");

    // A damaged copy is refused, and says so.
    let mut bytes = std::fs::read(&backup).unwrap();
    let middle = bytes.len() / 2;
    for b in &mut bytes[middle..middle + 4096] {
        *b = 0x5a;
    }
    let damaged = dir.path().join("hong.sqlite3");
    std::fs::write(&damaged, bytes).unwrap();
    let out = ketnap(&url, &["verify-backup", damaged.to_str().unwrap()]);
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("không dùng được"),
        "{}",
        text(&out.stderr)
    );
}
