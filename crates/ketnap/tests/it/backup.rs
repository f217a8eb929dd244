//! Backups people can restore: a drill. Writers keep creating sources through the store
//! while `ketnap backup` copies the SQLite file from another process; the copy is checked,
//! restored elsewhere, opened as a database, and compared with what was written. Then the
//! same cycle encrypted, with a passphrase and with a key file: only the right one opens it,
//! and a changed byte is refused.

use std::path::Path;
use std::process::{Command, Output};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use ketnap_domain::citizen_id::Sex;
use ketnap_domain::ports::{CaseFilter, CaseStore};
use ketnap_domain::scope::{Access, Scope};
use ketnap_store::{Create, Store};

use crate::fixtures::{change, day, person, sqlite_store, tree};

/// A unit's name, stored as plain text in the database file.
const MARKER: &str = "Đảng bộ Phường Thủ Dầu Một";

fn cli(db: &str) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_ketnap"));
    command
        .arg("--database")
        .arg(db)
        .env_remove("KETNAP_DATABASE_URL")
        .env_remove("KETNAP_BACKUP_PASSPHRASE");
    command
}

fn ketnap(db: &str, args: &[&str]) -> Output {
    cli(db).args(args).output().unwrap()
}

fn path(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// Opens a restored database as the server would, after putting the data keys of the
/// database it was copied from beside it (they are kept apart from backups), and checks it.
async fn open_restored(restored_url: &str, live_url: &str) -> Store {
    let keys = |url: &str| {
        let mut name = ketnap_store::sqlite_path(url).unwrap().into_os_string();
        name.push(".keys");
        std::path::PathBuf::from(name)
    };
    if keys(live_url).exists() {
        std::fs::copy(keys(live_url), keys(restored_url)).unwrap();
    }
    let restored = Store::open(restored_url, Create::Never).await.unwrap();
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
    restored
}

/// Every case the restored database holds is the live one, person included; how many.
async fn same_cases(live: &Store, restored: &Store, scope: &Scope) -> usize {
    let live: Vec<_> = live.cases(scope, &CaseFilter::default()).await.unwrap();
    let copy: Vec<_> = restored.cases(scope, &CaseFilter::default()).await.unwrap();
    for record in &copy {
        let same = live.iter().find(|l| l.case.id == record.case.id).unwrap();
        assert_eq!(same.case, record.case);
        assert_eq!(same.person, record.person);
    }
    copy.len()
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
        move || ketnap(&url, &["backup", path(&backup)])
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
    let out = ketnap(&url, &["backup", path(&backup)]);
    assert!(!out.status.success());
    assert!(text(&out.stderr).contains("đã có"), "{}", text(&out.stderr));

    // Checked on its own, then restored elsewhere and opened as a database.
    let out = ketnap(&url, &["verify-backup", path(&backup)]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let elsewhere = tempfile::tempdir().unwrap();
    let restored_url = format!("sqlite://{}", elsewhere.path().join("k.sqlite3").display());
    let out = ketnap(&restored_url, &["restore", path(&backup)]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let restored = open_restored(&restored_url, &url).await;

    // The copy is one moment of the live database: every case it holds is the live one,
    // and it holds at least what was written before the backup began.
    let live = store
        .cases(&ward, &CaseFilter::default())
        .await
        .unwrap()
        .len();
    let copied = same_cases(&store, &restored, &ward).await;
    assert!(copied >= 20 && copied <= live, "{copied} of {live}");
    assert!(copied <= during.max(total));
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
    let out = ketnap(&restored_url, &["restore", path(&backup)]);
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("--force"),
        "{}",
        text(&out.stderr)
    );
    let out = ketnap(&restored_url, &["restore", "--force", path(&backup)]);
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

    // A damaged copy is refused, and says so: damaged in its middle (found by the checks)
    // or in its first page, the schema (found on opening it; which one the middle hits
    // depends on how much the writers wrote).
    let bytes = std::fs::read(&backup).unwrap();
    for (at, name) in [(bytes.len() / 2, "hong.sqlite3"), (100, "hong-dau.sqlite3")] {
        let mut bytes = bytes.clone();
        for b in &mut bytes[at..at + 3996] {
            *b = 0x5a;
        }
        let damaged = dir.path().join(name);
        std::fs::write(&damaged, bytes).unwrap();
        let out = ketnap(&url, &["verify-backup", path(&damaged)]);
        assert!(!out.status.success());
        assert!(
            text(&out.stderr).contains("không dùng được"),
            "{name}: {}",
            text(&out.stderr)
        );
        // The damage is named at once, not a connection pool's timeout after 30 s.
        assert!(
            !text(&out.stderr).contains("timed out")
                && (name == "hong.sqlite3" || text(&out.stderr).contains("bị hỏng")),
            "{name}: {}",
            text(&out.stderr)
        );
    }
}

/// A ward with a few sources, in a fresh SQLite file: the store, its folder, its URL, and
/// the ward's scope.
async fn small_ward() -> (Store, tempfile::TempDir, String, Scope) {
    let (store, dir) = sqlite_store().await;
    let t = tree(&store, "").await;
    let url = format!("sqlite://{}", dir.path().join("ketnap.sqlite3").display());
    let ward = Scope::subtree(t.ward, Access::Edit);
    for given in ["An", "Bình", "Chi"] {
        let details = person("Lê", "Thị", given, day(2000, 5, 5), Sex::Female, None);
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
    }
    (store, dir, url, ward)
}

/// An age file, holding nothing of the database in plain text.
fn assert_sealed(file: &Path) {
    let bytes = std::fs::read(file).unwrap();
    assert!(bytes.starts_with(b"age-encryption.org/v1\n"));
    for plain in [MARKER.as_bytes(), b"SQLite format 3"] {
        assert!(!bytes.windows(plain.len()).any(|w| w == plain));
    }
}

/// No partial file, plain copy or private folder is left in `dir`.
fn assert_nothing_left(dir: &Path) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let name = entry.unwrap().file_name().to_string_lossy().into_owned();
        assert!(
            !name.contains(".ketnap-sao-luu-") && !name.ends_with(".dang-ghi"),
            "{name} was left in {}",
            dir.display()
        );
    }
}

/// Restores `backup` into a new database with `key_args`, and checks it holds exactly
/// the live cases.
async fn restores_the_same(
    live: &Store,
    live_url: &str,
    ward: &Scope,
    backup: &Path,
    key_args: &[&str],
) {
    let elsewhere = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", elsewhere.path().join("k.sqlite3").display());
    let out = ketnap(&url, &[&["restore", path(backup)], key_args].concat());
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("Đã khôi phục"));
    assert_nothing_left(elsewhere.path());
    let restored = open_restored(&url, live_url).await;
    let live_count = live
        .cases(ward, &CaseFilter::default())
        .await
        .unwrap()
        .len();
    assert_eq!(same_cases(live, &restored, ward).await, live_count);
    assert_eq!(live_count, 3);
    restored.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_encrypted_backup_opens_with_its_passphrase_only() {
    let (store, dir, url, ward) = small_ward().await;
    let secret = "một mật khẩu đủ dài cho sao lưu";
    let write = |name: &str, content: &str| {
        let file = dir.path().join(name);
        std::fs::write(&file, content).unwrap();
        file
    };
    let passphrase = write("mat-khau.txt", &format!("{secret}\n"));
    let wrong = write("sai.txt", "một mật khẩu khác hẳn\n");
    let short = write("ngan.txt", "ngắn\n");
    let backup = dir.path().join("sao-luu.sqlite3.age");

    // A short passphrase is refused before anything is written.
    let out = ketnap(
        &url,
        &[
            "backup",
            path(&backup),
            "--encrypt-passphrase-file",
            path(&short),
        ],
    );
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("12 ký tự"),
        "{}",
        text(&out.stderr)
    );
    assert!(!backup.exists());

    let out = ketnap(
        &url,
        &[
            "backup",
            path(&backup),
            "--encrypt-passphrase-file",
            path(&passphrase),
        ],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("mã hóa bằng mật khẩu"),
        "{}",
        text(&out.stdout)
    );
    // The plain backup shows the marker; the encrypted one shows nothing, and no plain
    // copy stays beside the database.
    let plain = dir.path().join("ban-ro.sqlite3");
    assert!(ketnap(&url, &["backup", path(&plain)]).status.success());
    let plain_bytes = std::fs::read(&plain).unwrap();
    assert!(
        plain_bytes
            .windows(MARKER.len())
            .any(|w| w == MARKER.as_bytes())
    );
    assert_sealed(&backup);
    assert_nothing_left(dir.path());

    // Never over an existing file.
    let before = std::fs::read(&backup).unwrap();
    let out = ketnap(
        &url,
        &[
            "backup",
            path(&backup),
            "--encrypt-passphrase-file",
            path(&passphrase),
        ],
    );
    assert!(!out.status.success());
    assert!(text(&out.stderr).contains("đã có"), "{}", text(&out.stderr));
    assert_eq!(std::fs::read(&backup).unwrap(), before);

    // Without the passphrase, or with another one, it does not open.
    let out = ketnap(&url, &["verify-backup", path(&backup)]);
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("--passphrase-file"),
        "{}",
        text(&out.stderr)
    );
    let out = ketnap(
        &url,
        &[
            "verify-backup",
            path(&backup),
            "--passphrase-file",
            path(&wrong),
        ],
    );
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("Sai mật khẩu"),
        "{}",
        text(&out.stderr)
    );
    // The passphrase may come from the environment too.
    let out = cli(&url)
        .args(["verify-backup", path(&backup), "--passphrase-env"])
        .env("KETNAP_BACKUP_PASSPHRASE", secret)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("dùng được"),
        "{}",
        text(&out.stdout)
    );

    // A wrong passphrase restores nothing; the right one restores the same cases.
    let elsewhere = tempfile::tempdir().unwrap();
    let target = elsewhere.path().join("k.sqlite3");
    let target_url = format!("sqlite://{}", target.display());
    let out = ketnap(
        &target_url,
        &["restore", path(&backup), "--passphrase-file", path(&wrong)],
    );
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("Sai mật khẩu"),
        "{}",
        text(&out.stderr)
    );
    assert!(!target.exists());
    assert_nothing_left(elsewhere.path());
    restores_the_same(
        &store,
        &url,
        &ward,
        &backup,
        &["--passphrase-file", path(&passphrase)],
    )
    .await;

    // One changed byte, and the file is refused, by verify and by restore.
    let mut bytes = before;
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0x01;
    let tampered = dir.path().join("sua.sqlite3.age");
    std::fs::write(&tampered, bytes).unwrap();
    let out = ketnap(
        &url,
        &[
            "verify-backup",
            path(&tampered),
            "--passphrase-file",
            path(&passphrase),
        ],
    );
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("đã bị sửa hoặc hỏng"),
        "{}",
        text(&out.stderr)
    );
    let out = ketnap(
        &target_url,
        &[
            "restore",
            path(&tampered),
            "--passphrase-file",
            path(&passphrase),
        ],
    );
    assert!(!out.status.success());
    assert!(!target.exists());
    assert_nothing_left(elsewhere.path());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_encrypted_backup_opens_with_its_key_file_only() {
    let (store, dir, url, ward) = small_ward().await;
    let key = dir.path().join("khoa-sao-luu.txt");
    let public = dir.path().join("khoa-sao-luu.pub");
    let out = ketnap(
        &url,
        &["backup-keygen", path(&key), "--public", path(&public)],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    // The format age-keygen writes, readable by its owner only.
    let secret = std::fs::read_to_string(&key).unwrap();
    assert!(secret.starts_with("# created: "), "{secret}");
    assert!(secret.contains("\nAGE-SECRET-KEY-1"));
    let public_line = std::fs::read_to_string(&public).unwrap();
    assert!(public_line.starts_with("age1"));
    assert!(secret.contains(&format!("# public key: {public_line}")));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&key).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    let out = ketnap(&url, &["backup-keygen", path(&key)]);
    assert!(!out.status.success(), "a key file is never overwritten");
    assert_eq!(std::fs::read_to_string(&key).unwrap(), secret);
    let other = dir.path().join("khoa-khac.txt");
    assert!(
        ketnap(&url, &["backup-keygen", path(&other)])
            .status
            .success()
    );

    // The server needs only the public key to encrypt.
    let backup = dir.path().join("sao-luu.sqlite3.age");
    let out = ketnap(
        &url,
        &["backup", path(&backup), "--encrypt-key-file", path(&public)],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("mã hóa bằng khóa"),
        "{}",
        text(&out.stdout)
    );
    assert_sealed(&backup);
    assert_nothing_left(dir.path());

    // Only the secret key opens it: not the public key, another key, or a passphrase.
    for (args, says) in [
        (vec!["--key-file", path(&public)], "chỉ có khóa công khai"),
        (
            vec!["--key-file", path(&other)],
            "Sai mật khẩu hoặc tệp khóa",
        ),
        (vec!["--passphrase-file", path(&key)], "--key-file"),
    ] {
        let out = ketnap(
            &url,
            &[&["verify-backup", path(&backup)], &args[..]].concat(),
        );
        assert!(!out.status.success());
        assert!(text(&out.stderr).contains(says), "{}", text(&out.stderr));
    }
    let out = ketnap(
        &url,
        &["verify-backup", path(&backup), "--key-file", path(&key)],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    restores_the_same(&store, &url, &ward, &backup, &["--key-file", path(&key)]).await;

    // A secret key file encrypts too (to its public key).
    let second = dir.path().join("sao-luu-2.sqlite3.age");
    let out = ketnap(
        &url,
        &["backup", path(&second), "--encrypt-key-file", path(&key)],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let out = ketnap(
        &url,
        &["verify-backup", path(&second), "--key-file", path(&key)],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));

    // A changed byte is refused.
    let mut bytes = std::fs::read(&backup).unwrap();
    let last = bytes.len() - 1;
    bytes[last] ^= 0x80;
    let tampered = dir.path().join("sua.sqlite3.age");
    std::fs::write(&tampered, bytes).unwrap();
    let out = ketnap(
        &url,
        &["verify-backup", path(&tampered), "--key-file", path(&key)],
    );
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("đã bị sửa hoặc hỏng"),
        "{}",
        text(&out.stderr)
    );
}
