//! The `ketnap` binary itself, on a SQLite file: good commands work, bad input fails with a
//! Vietnamese message naming the field and rule, a non-zero status, and nothing written.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};

use ketnap_domain::ports::{CaseFilter, CaseStore, RuleStore};
use ketnap_domain::scope::{Access, Scope};
use ketnap_store::{Create, Store};

use crate::fixtures::{sqlite_store, tree};

struct Db {
    url: String,
    _dir: tempfile::TempDir,
}

/// A database with the fixture tree (ward code 25747, cells "Chi bộ Khu phố 3", "Chi bộ Giáo viên").
async fn database() -> Db {
    let (store, dir) = sqlite_store().await;
    tree(&store, "").await;
    store.close().await;
    let url = format!("sqlite://{}", dir.path().join("ketnap.sqlite3").display());
    Db { url, _dir: dir }
}

fn ketnap(db: &str, args: &[&str], stdin: &str) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_ketnap"))
        .arg("--database")
        .arg(db)
        .args(args)
        .env_remove("KETNAP_DATABASE_URL")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

async fn case_count(url: &str) -> usize {
    let store = Store::open(url, Create::Never).await.unwrap();
    let ward = store.unit_by_code_for_test("25747").await;
    let n = store
        .cases(&Scope::subtree(ward, Access::Read), &CaseFilter::default())
        .await
        .unwrap()
        .len();
    store.close().await;
    n
}

trait ForTest {
    async fn unit_by_code_for_test(&self, code: &str) -> ketnap_domain::ids::UnitId;
}

impl ForTest for Store {
    async fn unit_by_code_for_test(&self, code: &str) -> ketnap_domain::ids::UnitId {
        ketnap_domain::ports::UnitStore::unit_by_code(self, code)
            .await
            .unwrap()
            .unwrap()
            .id
    }
}

const SOURCE: [&str; 15] = [
    "source",
    "add",
    "--unit",
    "25747",
    "--cell",
    "Chi bộ Khu phố 3",
    "--family-name",
    "Phạm",
    "--middle-name",
    "Thị",
    "--given-name",
    "Hạnh",
    "--sex",
    "nữ",
    "--youth-union",
];

fn add_source(db: &str, birth_date: &str, citizen_id: &str) -> Output {
    let mut args = SOURCE.to_vec();
    args.extend(["--birth-date", birth_date, "--citizen-id", citizen_id]);
    ketnap(db, &args, "")
}

/// Asserts a refusal: non-zero status, a Vietnamese message naming the field and the rule.
fn assert_refused(output: &Output, field: &str, rule: &str) {
    let stderr = text(&output.stderr);
    assert!(!output.status.success(), "should fail: {stderr}");
    assert!(stderr.starts_with("Lỗi: "), "{stderr}");
    assert!(
        stderr.contains(&format!("trường: {field}")),
        "field {field} in: {stderr}"
    );
    assert!(
        stderr.contains(&format!("quy định: {rule}")),
        "rule {rule} in: {stderr}"
    );
}

#[tokio::test]
async fn bad_input_is_refused_with_field_and_rule_and_writes_nothing() {
    let db = database().await;
    let table: [(&str, &str, &str, &str); 5] = [
        ("12/03/2001", "07930100123", "citizen_id", "cccd.format"),
        (
            "12/03/2001",
            "079001001234",
            "citizen_id",
            "cccd.sex-century",
        ),
        (
            "12/03/2001",
            "079201001234",
            "citizen_id",
            "cccd.sex-century",
        ),
        (
            "12/03/2001",
            "079305001234",
            "citizen_id",
            "cccd.birth-year",
        ),
        (
            "12/03/2099",
            "079399001234",
            "birth_date",
            "person.birth-date-future",
        ),
    ];
    for (birth, cccd, field, rule) in table {
        assert_refused(&add_source(&db.url, birth, cccd), field, rule);
    }
    let mut unknown_unit = SOURCE.to_vec();
    unknown_unit[3] = "99999";
    unknown_unit.extend(["--birth-date", "12/03/2001"]);
    assert_refused(
        &ketnap(&db.url, &unknown_unit, ""),
        "--unit",
        "unit.unknown",
    );
    assert_refused(
        &ketnap(&db.url, &["overdue", "--unit", "00000"], ""),
        "--unit",
        "unit.unknown",
    );
    assert_eq!(case_count(&db.url).await, 0, "nothing written");

    // The good one goes in, and a legacy CMND number is accepted with a notice.
    let ok = add_source(&db.url, "12/03/2001", "079301001234");
    assert!(ok.status.success(), "{}", text(&ok.stderr));
    assert!(text(&ok.stdout).contains("Phạm Thị Hạnh"));
    assert_eq!(case_count(&db.url).await, 1);

    // A transition the stage does not allow.
    let ceremony = r#"{"action":"hold_ceremony","on":"2026-03-02","mentor":{"name":"Lê Văn Tám"},"superior_consent":null}"#;
    let out = ketnap(
        &db.url,
        &["case", "act", "--unit", "25747", "1", ceremony],
        "",
    );
    assert_refused(&out, "action", "workflow.stage");
    assert!(
        text(&out.stderr).contains("Quần chúng ưu tú"),
        "{}",
        text(&out.stderr)
    );
    let garbled = ketnap(
        &db.url,
        &[
            "case",
            "act",
            "--unit",
            "25747",
            "1",
            "{\"action\":\"fly\"}",
        ],
        "",
    );
    assert_refused(&garbled, "action", "input.action");
    // Another ward's officer gets not-found for this case.
    let today = ketnap_domain::workflow::today_in_vietnam(chrono::Utc::now());
    let withdraw = format!(r#"{{"action":"withdraw","on":"{today}","reason":"Chuyển công tác"}}"#);
    let elsewhere = ketnap(
        &db.url,
        &["case", "act", "--unit", "25750", "1", &withdraw],
        "",
    );
    assert!(!elsewhere.status.success());
    assert!(
        text(&elsewhere.stderr).contains("Không tìm thấy hồ sơ"),
        "{}",
        text(&elsewhere.stderr)
    );
    let store = Store::open(&db.url, Create::Never).await.unwrap();
    let ward = Scope::subtree(store.unit_by_code_for_test("25747").await, Access::Read);
    assert!(
        store
            .events(&ward, ketnap_domain::ids::CaseId(1))
            .await
            .unwrap()
            .is_empty()
    );
    store.close().await;
    // And an allowed one.
    let out = ketnap(
        &db.url,
        &["case", "act", "--unit", "25747", "1", &withdraw],
        "",
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("Đã rút khỏi danh sách"));
}

#[tokio::test]
async fn malformed_rule_sets_are_refused_and_corrected_ones_load() {
    let db = database().await;
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.toml");
    std::fs::write(
        &bad,
        "id = \"qd-294\"\nversion = 2\n[age]\nminimum_months = \"mười tám\"\n",
    )
    .unwrap();
    let out = ketnap(&db.url, &["rules", "load", bad.to_str().unwrap()], "");
    assert_refused(&out, "rule_set", "rule-set.file");
    assert!(
        text(&out.stderr).contains("dòng 4"),
        "{}",
        text(&out.stderr)
    );
    let good = dir.path().join("good.toml");
    let corrected =
        ketnap_domain::rules::BUILTIN_RULE_FILES[2].replace("version = 1", "version = 2");
    std::fs::write(&good, corrected).unwrap();
    let out = ketnap(&db.url, &["rules", "load", good.to_str().unwrap()], "");
    assert!(out.status.success(), "{}", text(&out.stderr));
    let shown = ketnap(&db.url, &["rules", "show"], "");
    assert!(
        text(&shown.stdout).contains("qd-294 v2"),
        "{}",
        text(&shown.stdout)
    );
    assert!(text(&shown.stdout).contains("qd-232 v1"));
    let store = Store::open(&db.url, Create::Never).await.unwrap();
    assert_eq!(
        store.loaded_rule_sets().await.unwrap().len(),
        1,
        "only the good file was stored"
    );
    assert_eq!(store.rule_book().await.unwrap().sets().len(), 3);
    store.close().await;
    let missing = ketnap(&db.url, &["rules", "load", "/nonexistent/rules.toml"], "");
    assert!(
        text(&missing.stderr).contains("không đọc được tệp"),
        "{}",
        text(&missing.stderr)
    );
}

#[tokio::test]
async fn lists_accounts_and_a_missing_database() {
    let db = database().await;
    assert!(
        add_source(&db.url, "12/03/2001", "079301001234")
            .status
            .success()
    );
    let json = ketnap(
        &db.url,
        &["cases", "--unit", "25747", "--format", "json"],
        "",
    );
    let rows: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(rows[0]["name"], "Phạm Thị Hạnh");
    assert_eq!(rows[0]["stage"], "source");
    let csv = text(
        &ketnap(
            &db.url,
            &["cases", "--unit", "25747", "--format", "csv"],
            "",
        )
        .stdout,
    );
    assert!(csv.starts_with("case_id,name,birth_date"), "{csv}");
    assert!(csv.contains("Phạm Thị Hạnh"));
    let table = text(
        &ketnap(
            &db.url,
            &["cases", "--unit", "25747", "--stage", "source"],
            "",
        )
        .stdout,
    );
    assert!(
        table.contains("Quần chúng ưu tú") && table.contains("1 hồ sơ"),
        "{table}"
    );
    assert_refused(
        &ketnap(
            &db.url,
            &["cases", "--unit", "25747", "--stage", "nowhere"],
            "",
        ),
        "--stage",
        "input.stage",
    );
    let overdue = text(
        &ketnap(
            &db.url,
            &["overdue", "--unit", "25747", "--on", "01/01/2027"],
            "",
        )
        .stdout,
    );
    assert!(overdue.contains("0 hồ sơ quá hạn"), "{overdue}");

    let add = [
        "user",
        "add",
        "--username",
        "canbo.a",
        "--name",
        "Nguyễn Thị Lan",
        "--role",
        "officer",
        "--unit",
        "25747",
    ];
    assert_refused(
        &ketnap(&db.url, &add, "ngan\n"),
        "password",
        "user.password",
    );
    let out = ketnap(&db.url, &add, "mat-khau-du-dai\n");
    assert!(out.status.success(), "{}", text(&out.stderr));
    let store = Store::open(&db.url, Create::Never).await.unwrap();
    assert!(
        store
            .verify_password("canbo.a", "mat-khau-du-dai")
            .await
            .unwrap()
            .is_some()
    );
    assert!(
        store
            .verify_password("canbo.a", "sai-mat-khau")
            .await
            .unwrap()
            .is_none()
    );
    store.close().await;
    assert_refused(
        &ketnap(&db.url, &add, "mat-khau-du-dai\n"),
        "username",
        "user.taken",
    );

    // A mistyped path is an error, not a new empty database.
    let dir = tempfile::tempdir().unwrap();
    let typo = dir.path().join("ketnap.sqlite");
    let out = ketnap(
        &format!("sqlite://{}", typo.display()),
        &["cases", "--unit", "25747"],
        "",
    );
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("Không có tệp cơ sở dữ liệu"),
        "{}",
        text(&out.stderr)
    );
    assert!(!Path::new(&typo).exists());
}

#[tokio::test]
async fn the_audit_log_verifies_from_the_command_line() {
    let db = database().await;
    let out = ketnap(&db.url, &["audit", "verify"], "");
    let stdout = text(&out.stdout);
    assert!(out.status.success(), "{stdout}{}", text(&out.stderr));
    assert!(stdout.contains("Nhật ký nguyên vẹn"), "{stdout}");
    // The tree's seven units wrote seven rows.
    assert!(stdout.contains(": 7 dòng"), "{stdout}");
}

#[tokio::test]
async fn a_signed_checkpoint_catches_a_log_rewritten_from_scratch() {
    use sqlx::Executor;
    let db = database().await;
    let dir = tempfile::tempdir().unwrap();
    let (secret, public, file) = (
        dir.path().join("bi-mat.key"),
        dir.path().join("cong-khai.key"),
        dir.path().join("diem.txt"),
    );
    let path = |p: &std::path::Path| p.to_str().unwrap().to_string();
    let out = ketnap(
        &db.url,
        &[
            "audit",
            "keygen",
            "--secret",
            &path(&secret),
            "--public",
            &path(&public),
        ],
        "",
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let out = ketnap(
        &db.url,
        &["audit", "checkpoint", "--key", &path(&secret)],
        "",
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    std::fs::write(&file, &out.stdout).unwrap();
    let verify = |db: &str| {
        ketnap(
            db,
            &[
                "audit",
                "verify",
                "--checkpoint",
                &path(&file),
                "--public-key",
                &path(&public),
            ],
            "",
        )
    };
    let out = verify(&db.url);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("Khớp điểm kiểm tra"));

    // A checkpoint edited after signing is refused.
    let signed = std::fs::read_to_string(&file).unwrap();
    let forged = dir.path().join("gia.txt");
    std::fs::write(&forged, signed.replace("rows: ", "rows: 1")).unwrap();
    let out = ketnap(
        &db.url,
        &[
            "audit",
            "verify",
            "--checkpoint",
            &path(&forged),
            "--public-key",
            &path(&public),
        ],
        "",
    );
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("Chữ ký"),
        "{}",
        text(&out.stderr)
    );

    // Someone with the file drops the guards, edits a row and rebuilds the whole chain (here
    // by letting ketnap seal the rows again from an empty head): the chain is consistent
    // again, but no longer the one that was signed.
    let pool = sqlx::SqlitePool::connect(&db.url).await.unwrap();
    for sql in [
        "DROP TRIGGER audit_log_no_update",
        "UPDATE audit_log SET hash = NULL",
        "UPDATE audit_log SET actor = 'ai-do' WHERE id = 2",
        "UPDATE audit_head SET hash = ''",
    ] {
        pool.execute(sql).await.unwrap();
    }
    pool.close().await;
    let out = ketnap(&db.url, &["audit", "verify"], "");
    assert!(
        out.status.success(),
        "the rebuilt chain holds together: {}",
        text(&out.stderr)
    );
    let out = verify(&db.url);
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("viết lại"),
        "{}",
        text(&out.stderr)
    );
}

/// `ketnap gen` writes a ward under the whole party with the benchmark's accounts, reports
/// its speed, refuses to write over data without `--reset`, and with it replaces its own
/// (a database with real data refuses `--reset` as `demo --reset` does: `store::dataset`).
#[tokio::test]
async fn gen_writes_a_ward_with_the_bench_accounts_and_replaces_only_generated_data() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("gen.sqlite3").display());
    let first = ketnap(&db, &["gen", "--scale", "ward", "--seed", "3"], "");
    let stdout = text(&first.stdout);
    assert!(first.status.success(), "{}", text(&first.stderr));
    assert!(stdout.contains("sự kiện/s"), "{stdout}");
    assert!(stdout.contains("bench.toanquoc"), "{stdout}");
    let again = ketnap(&db, &["gen", "--scale", "ward"], "");
    assert!(!again.status.success());
    assert!(text(&again.stderr).contains("--reset"));
    let cases = case_count(&db).await;
    assert!(cases > 300, "{cases} cases in the ward");

    let store = Store::open(&db, Create::Never).await.unwrap();
    for name in ["bench.phuong", "bench.thanhpho", "bench.toanquoc"] {
        assert!(store.user_by_name(name).await.unwrap().is_some(), "{name}");
    }
    // The indexes set aside for the load are back; a load cut short gets them back at the
    // next start.
    let pool = sqlx::SqlitePool::connect(&db).await.unwrap();
    let indexes = async || -> Vec<String> {
        sqlx::query_scalar(
            "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'case_events' AND sql IS NOT NULL ORDER BY name",
        )
        .fetch_all(&pool)
        .await
        .unwrap()
    };
    let complete = indexes().await;
    assert!(
        complete.iter().any(|n| n == "case_events_action_day"),
        "{complete:?}"
    );
    store.set_indexes_aside().await.unwrap();
    assert_eq!(indexes().await, Vec::<String>::new());
    store.migrate().await.unwrap();
    assert_eq!(indexes().await, complete);
    pool.close().await;
    store.close().await;
    let reset = ketnap(
        &db,
        &["gen", "--scale", "ward", "--seed", "3", "--reset"],
        "",
    );
    assert!(reset.status.success(), "{}", text(&reset.stderr));
    assert_eq!(case_count(&db).await, cases, "the same seed, the same ward");
}
