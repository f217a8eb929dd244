//! `ketnap backup DEST`, `ketnap verify-backup FILE`, `ketnap restore FILE [--force]`,
//! `ketnap backup-keygen FILE`.
//!
//! A backup is checked as it is made, and again before it is restored: SQLite's integrity
//! and foreign-key checks, and the audit log's hash chain. A restore never destroys what it
//! replaces: the current file is kept beside it under a dated name.
//!
//! A backup can be encrypted in the age format (age-encryption.org): with a passphrase
//! (scrypt) or to an X25519 key as `ketnap backup-keygen` or `age-keygen` make them, so
//! `age -d` opens it too. The passphrase never comes from the command line, where `ps`
//! would show it. The plain copy an encrypted backup is made from, or is restored from,
//! lives only in a folder beside the database that only its owner can read, and is removed
//! afterwards.

use std::fs::File;
use std::io::{BufReader, BufWriter, Read, Write};
use std::path::{Path, PathBuf};

use age::secrecy::{ExposeSecret, SecretString};
use age::{DecryptError, Decryptor, Encryptor, x25519};
use anyhow::Context as _;
use ketnap_store::{Create, Store};

use crate::Context;

/// Where `--encrypt-passphrase-env` and `--passphrase-env` read the passphrase.
const PASSPHRASE_VAR: &str = "KETNAP_BACKUP_PASSPHRASE";
/// Shorter passphrases fall to guessing despite scrypt.
const MIN_PASSPHRASE_CHARS: usize = 12;
/// Every age file starts with this line (the armored form is not written here).
const AGE_MAGIC: &[u8] = b"age-encryption.org/";

/// How `ketnap backup` encrypts the copy; nothing given, it is a plain SQLite file.
#[derive(Debug, clap::Args)]
#[group(multiple = false)]
pub struct Encrypt {
    /// Encrypt with the passphrase in this file (its trailing line break is not part of it).
    #[arg(long, value_name = "PATH")]
    encrypt_passphrase_file: Option<PathBuf>,
    /// Encrypt with the passphrase in the environment variable KETNAP_BACKUP_PASSPHRASE.
    #[arg(long)]
    encrypt_passphrase_env: bool,
    /// Encrypt to the key in this file: one made by `ketnap backup-keygen` (or age-keygen),
    /// or only its public key line (age1…), so the server need not hold the secret.
    #[arg(long, value_name = "PATH")]
    encrypt_key_file: Option<PathBuf>,
}

/// What opens an encrypted backup for `verify-backup` and `restore`.
#[derive(Debug, clap::Args)]
#[group(multiple = false)]
pub struct Decrypt {
    /// The passphrase the backup was encrypted with, in this file.
    #[arg(long, value_name = "PATH")]
    passphrase_file: Option<PathBuf>,
    /// The passphrase, in the environment variable KETNAP_BACKUP_PASSPHRASE.
    #[arg(long)]
    passphrase_env: bool,
    /// The secret key file (AGE-SECRET-KEY-…) the backup was encrypted to.
    #[arg(long, value_name = "PATH")]
    key_file: Option<PathBuf>,
}

enum Lock {
    Passphrase(SecretString),
    Keys(Vec<x25519::Recipient>),
}

enum Unlock {
    Passphrase(SecretString),
    Keys(Vec<x25519::Identity>),
}

impl Encrypt {
    fn lock(&self) -> anyhow::Result<Option<Lock>> {
        if let Some(file) = &self.encrypt_key_file {
            let keys = key_lines(file)?
                .into_iter()
                .map(|key| match key {
                    Key::Secret(identity) => identity.to_public(),
                    Key::Public(recipient) => recipient,
                })
                .collect();
            return Ok(Some(Lock::Keys(keys)));
        }
        let Some(passphrase) = passphrase(
            self.encrypt_passphrase_file.as_deref(),
            self.encrypt_passphrase_env,
        )?
        else {
            return Ok(None);
        };
        anyhow::ensure!(
            passphrase.expose_secret().chars().count() >= MIN_PASSPHRASE_CHARS,
            "Mật khẩu mã hóa bản sao lưu cần ít nhất {MIN_PASSPHRASE_CHARS} ký tự."
        );
        Ok(Some(Lock::Passphrase(passphrase)))
    }
}

impl Decrypt {
    fn unlock(&self) -> anyhow::Result<Option<Unlock>> {
        if let Some(file) = &self.key_file {
            let mut identities = Vec::new();
            for key in key_lines(file)? {
                if let Key::Secret(identity) = key {
                    identities.push(identity);
                }
            }
            anyhow::ensure!(
                !identities.is_empty(),
                "{} chỉ có khóa công khai (age1…): mở bản sao lưu cần tệp khóa bí mật (AGE-SECRET-KEY-…).",
                file.display()
            );
            return Ok(Some(Unlock::Keys(identities)));
        }
        Ok(
            passphrase(self.passphrase_file.as_deref(), self.passphrase_env)?
                .map(Unlock::Passphrase),
        )
    }
}

/// The passphrase from its file or the environment, if either was named.
fn passphrase(file: Option<&Path>, from_env: bool) -> anyhow::Result<Option<SecretString>> {
    let text =
        if let Some(file) = file {
            SecretString::from(
                std::fs::read_to_string(file)
                    .with_context(|| format!("Không đọc được tệp mật khẩu {}", file.display()))?,
            )
        } else if from_env {
            SecretString::from(std::env::var(PASSPHRASE_VAR).map_err(|_| {
                anyhow::anyhow!("Biến môi trường {PASSPHRASE_VAR} chưa đặt mật khẩu.")
            })?)
        } else {
            return Ok(None);
        };
    let passphrase = text.expose_secret().trim_end_matches(['\r', '\n']);
    anyhow::ensure!(!passphrase.is_empty(), "Mật khẩu trống.");
    Ok(Some(SecretString::from(passphrase)))
}

enum Key {
    Secret(x25519::Identity),
    Public(x25519::Recipient),
}

/// The keys of a key file: secret lines (AGE-SECRET-KEY-…) and public ones (age1…); `#`
/// lines are comments, as age-keygen writes them.
fn key_lines(file: &Path) -> anyhow::Result<Vec<Key>> {
    let text = SecretString::from(
        std::fs::read_to_string(file)
            .with_context(|| format!("Không đọc được tệp khóa {}", file.display()))?,
    );
    let mut keys = Vec::new();
    for (n, line) in text.expose_secret().lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let key = if let Ok(identity) = line.parse() {
            Key::Secret(identity)
        } else if let Ok(recipient) = line.parse() {
            Key::Public(recipient)
        } else {
            // The line number only: the line may be a secret.
            anyhow::bail!(
                "Dòng {} của {} không phải khóa age (AGE-SECRET-KEY-… hoặc age1…).",
                n + 1,
                file.display()
            );
        };
        keys.push(key);
    }
    anyhow::ensure!(!keys.is_empty(), "{} không có khóa nào.", file.display());
    Ok(keys)
}

/// Copies the database at `database` to `dest` while it serves, checks the copy, and
/// encrypts it when asked.
pub async fn backup(
    ctx: &Context,
    database: &str,
    dest: &Path,
    encrypt: &Encrypt,
) -> anyhow::Result<()> {
    let Some(lock) = encrypt.lock()? else {
        ctx.store.backup_to(dest).await?;
        let summary = verified(dest, dest).await?;
        println!("Đã sao lưu vào {}: {summary}", dest.display());
        return Ok(());
    };
    let db = ketnap_store::sqlite_path(database)
        .context("Cơ sở dữ liệu PostgreSQL được sao lưu bằng pg_dump (xem docs/OPERATIONS.md).")?;
    refuse_existing(dest)?;
    // Beside the database, which holds the same data already.
    let private = PrivateDir::new_in(parent_of(&db))?;
    let plain = private.0.join("ban-sao.sqlite3");
    ctx.store.backup_to(&plain).await?;
    let summary = verified(&plain, dest).await?;
    let how = match &lock {
        Lock::Passphrase(_) => "mật khẩu",
        Lock::Keys(_) => "khóa",
    };
    write_encrypted(&plain, lock, dest)?;
    println!(
        "Đã sao lưu vào {} (mã hóa bằng {how}): {summary}",
        dest.display()
    );
    Ok(())
}

/// Checks a backup without changing anything it holds; an encrypted one is opened in a
/// private folder under the system's temporary folder (TMPDIR), removed afterwards.
pub async fn verify(file: &Path, decrypt: &Decrypt) -> anyhow::Result<()> {
    let summary = match opening(file, decrypt)? {
        None => verified(file, file).await?,
        Some(unlock) => {
            let private = PrivateDir::new_in(&std::env::temp_dir())?;
            let plain = private.0.join("ban-sao.sqlite3");
            decrypt_to(file, &unlock, &plain)?;
            verified(&plain, file).await?
        }
    };
    println!("Bản sao lưu {} dùng được: {summary}", file.display());
    Ok(())
}

/// Whether `file` is encrypted, and then what opens it; an encrypted file without a key is
/// refused here.
fn opening(file: &Path, decrypt: &Decrypt) -> anyhow::Result<Option<Unlock>> {
    anyhow::ensure!(file.exists(), "Không có tệp {}.", file.display());
    let mut start = Vec::with_capacity(AGE_MAGIC.len());
    File::open(file)
        .and_then(|f| f.take(AGE_MAGIC.len() as u64).read_to_end(&mut start))
        .with_context(|| format!("Không đọc được {}", file.display()))?;
    if start != AGE_MAGIC {
        return Ok(None);
    }
    decrypt.unlock()?.map(Some).with_context(|| {
        format!(
            "{} được mã hóa: cho mật khẩu (--passphrase-file hoặc --passphrase-env) hoặc tệp khóa (--key-file).",
            file.display()
        )
    })
}

/// Opens `file`, runs the checks, and says what it holds; errors name `name`, the backup
/// as the operator knows it.
async fn verified(file: &Path, name: &Path) -> anyhow::Result<String> {
    anyhow::ensure!(file.exists(), "Không có tệp {}.", file.display());
    // A file damaged where opening reads (its schema) fails here already, and is as
    // unusable as one the checks refuse: both say so.
    let result = async {
        let store = Store::open(&format!("sqlite://{}", file.display()), Create::Never).await?;
        let result = check(&store).await;
        store.close().await;
        result
    }
    .await;
    result.with_context(|| format!("Bản sao lưu {} không dùng được", name.display()))
}

async fn check(store: &Store) -> anyhow::Result<String> {
    let problems = store.integrity_problems().await?;
    anyhow::ensure!(problems.is_empty(), "tệp hỏng: {}", problems.join("; "));
    let audit = store.verify_audit_log().await?;
    anyhow::ensure!(
        audit.problems.is_empty(),
        "nhật ký không nguyên vẹn: {}",
        audit
            .problems
            .iter()
            .map(|(_, p)| p.as_str())
            .collect::<Vec<_>>()
            .join("; ")
    );
    let counts: Vec<String> = store
        .row_counts()
        .await?
        .into_iter()
        .map(|(label, n)| format!("{n} {label}"))
        .collect();
    Ok(format!(
        "{}; dấu cuối nhật ký {}.",
        counts.join(", "),
        audit.head
    ))
}

/// Puts a checked backup in place of the database at `database` (a SQLite URL). The
/// server must be stopped; the file replaced is kept as `….truoc-khoi-phuc-TIME`.
pub async fn restore(
    database: &str,
    file: &Path,
    force: bool,
    decrypt: &Decrypt,
) -> anyhow::Result<()> {
    let target = ketnap_store::sqlite_path(database).context(
        "Khôi phục chỉ dành cho SQLite; PostgreSQL khôi phục bằng pg_restore (docs/OPERATIONS.md).",
    )?;
    let unlock = opening(file, decrypt)?;
    anyhow::ensure!(
        force || !target.exists(),
        "{} đã có. Dừng máy chủ rồi chạy lại với --force: tệp hiện có được giữ lại bên cạnh.",
        target.display()
    );
    let dir = parent_of(&target);
    std::fs::create_dir_all(dir)?;
    // Written and checked in a private folder beside the target, then renamed over it:
    // never a half-written or unchecked database. SQLite may still be closing the checked
    // copy when the rename happens; its -wal and -shm files go with the folder.
    let private = PrivateDir::new_in(dir)?;
    let copy = private.0.join("ban-sao.sqlite3");
    match &unlock {
        None => {
            std::fs::copy(file, &copy).with_context(|| format!("chép {}", file.display()))?;
        }
        Some(unlock) => decrypt_to(file, unlock, &copy)?,
    }
    let summary = verified(&copy, file).await?;
    if target.exists() {
        keep_aside(&target)?;
    }
    std::fs::rename(&copy, &target)?;
    println!(
        "Đã khôi phục {} từ {}: {summary}",
        target.display(),
        file.display()
    );
    Ok(())
}

/// Renames the database at `target` and its `-wal` and `-shm` files to
/// `….truoc-khoi-phuc-TIME`.
fn keep_aside(target: &Path) -> anyhow::Result<()> {
    let stamp = chrono::Utc::now().format("%Y%m%dT%H%M%SZ");
    for suffix in ["", "-wal", "-shm"] {
        let from = target.with_file_name(format!(
            "{}{suffix}",
            target
                .file_name()
                .and_then(|n| n.to_str())
                .unwrap_or("ketnap.sqlite3")
        ));
        if from.exists() {
            let kept = from.with_file_name(format!(
                "{}.truoc-khoi-phuc-{stamp}",
                from.file_name()
                    .and_then(|n| n.to_str())
                    .unwrap_or_default()
            ));
            std::fs::rename(&from, &kept).with_context(|| format!("đổi tên {}", from.display()))?;
        }
    }
    Ok(())
}

/// Encrypts `plain` into `dest` through a partial file beside it, so `dest` appears only
/// complete, and never over a file that is there.
fn write_encrypted(plain: &Path, lock: Lock, dest: &Path) -> anyhow::Result<()> {
    let encryptor = match lock {
        Lock::Passphrase(passphrase) => Encryptor::with_user_passphrase(passphrase),
        Lock::Keys(keys) => {
            Encryptor::with_recipients(keys.iter().map(|k| k as &dyn age::Recipient))
                .map_err(|e| anyhow::anyhow!("không mã hóa được: {e}"))?
        }
    };
    let mut name = dest.as_os_str().to_owned();
    name.push(".dang-ghi");
    let partial = RemoveOnDrop(PathBuf::from(name));
    let writing = || format!("ghi {}", partial.0.display());
    let out = File::create(&partial.0).with_context(writing)?;
    let mut writer = encryptor
        .wrap_output(BufWriter::new(out))
        .with_context(writing)?;
    let mut input = File::open(plain)?;
    std::io::copy(&mut input, &mut writer).with_context(writing)?;
    writer
        .finish()
        .and_then(|mut out| {
            out.flush()?;
            out.get_ref().sync_all()
        })
        .with_context(writing)?;
    // A hard link fails when `dest` exists, even one made meanwhile; filesystems without
    // hard links (FAT, some shares) get a check, then a rename.
    match std::fs::hard_link(&partial.0, dest) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => refuse_existing(dest),
        Err(_) => {
            refuse_existing(dest)?;
            std::fs::rename(&partial.0, dest).with_context(|| format!("ghi {}", dest.display()))
        }
    }
}

/// Decrypts the age file `file` into the new file `out`; a wrong key or passphrase, or a
/// file changed after it was written, is refused.
fn decrypt_to(file: &Path, unlock: &Unlock, out: &Path) -> anyhow::Result<()> {
    let damaged = || {
        anyhow::anyhow!(
            "Bản sao lưu mã hóa {} đã bị sửa hoặc hỏng: không giải mã được.",
            file.display()
        )
    };
    let input = BufReader::new(File::open(file)?);
    let decryptor = Decryptor::new_buffered(input).map_err(|_| damaged())?;
    let scrypt = decryptor.is_scrypt();
    let opened = match unlock {
        Unlock::Passphrase(passphrase) => {
            anyhow::ensure!(
                scrypt,
                "{} được mã hóa bằng khóa, không bằng mật khẩu: dùng --key-file.",
                file.display()
            );
            let identity = age::scrypt::Identity::new(passphrase.clone());
            decryptor.decrypt(std::iter::once(&identity as &dyn age::Identity))
        }
        Unlock::Keys(identities) => {
            anyhow::ensure!(
                !scrypt,
                "{} được mã hóa bằng mật khẩu: dùng --passphrase-file hoặc --passphrase-env.",
                file.display()
            );
            decryptor.decrypt(identities.iter().map(|i| i as &dyn age::Identity))
        }
    };
    let mut reader = opened.map_err(|e| match e {
        DecryptError::DecryptionFailed | DecryptError::NoMatchingKeys => anyhow::anyhow!(
            "Sai mật khẩu hoặc tệp khóa: không mở được bản sao lưu {}.",
            file.display()
        ),
        DecryptError::ExcessiveWork { .. } => anyhow::anyhow!(
            "Bản sao lưu {} đòi giải mã quá lâu trên máy này (mật khẩu mã hóa với độ khó scrypt quá cao).",
            file.display()
        ),
        _ => damaged(),
    })?;
    let writing = || format!("ghi {}", out.display());
    let mut output = BufWriter::new(File::create(out).with_context(writing)?);
    // Read errors are the file's (each chunk is authenticated), write errors the disk's.
    let mut chunk = vec![0u8; 64 * 1024];
    loop {
        let n = reader.read(&mut chunk).map_err(|_| damaged())?;
        if n == 0 {
            break;
        }
        output.write_all(&chunk[..n]).with_context(writing)?;
    }
    output.flush().with_context(writing)?;
    Ok(())
}

fn refuse_existing(dest: &Path) -> anyhow::Result<()> {
    anyhow::ensure!(
        !dest.exists(),
        "{} đã có; chọn một tên tệp mới cho bản sao lưu.",
        dest.display()
    );
    Ok(())
}

/// The folder holding `path`, `.` for a bare file name.
fn parent_of(path: &Path) -> &Path {
    path.parent()
        .filter(|dir| !dir.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
}

/// A file removed when dropped unless it was renamed or linked away first: a partial
/// file never stays behind.
struct RemoveOnDrop(PathBuf);

impl Drop for RemoveOnDrop {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// A new folder only its owner can read, removed with what it holds when dropped: where
/// a backup's plain copy lives while it is encrypted or checked.
struct PrivateDir(PathBuf);

impl PrivateDir {
    fn new_in(parent: &Path) -> anyhow::Result<Self> {
        let path = parent.join(format!(".ketnap-sao-luu-{}", uuid::Uuid::new_v4()));
        let mut builder = std::fs::DirBuilder::new();
        #[cfg(unix)]
        std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
        builder
            .create(&path)
            .with_context(|| format!("tạo thư mục tạm {}", path.display()))?;
        Ok(Self(path))
    }
}

impl Drop for PrivateDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Writes a new X25519 key file for encrypted backups (as age-keygen does, readable by its
/// owner only), and its public key alone to `public` when given.
pub fn keygen(out: &Path, public: Option<&Path>) -> anyhow::Result<()> {
    for path in std::iter::once(out).chain(public) {
        anyhow::ensure!(
            !path.exists(),
            "{} đã có; không ghi đè tệp khóa.",
            path.display()
        );
    }
    let identity = x25519::Identity::generate();
    let recipient = identity.to_public();
    let text = SecretString::from(format!(
        "# created: {}\n# public key: {recipient}\n{}\n",
        chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        identity.to_string().expose_secret()
    ));
    crate::audit_checkpoint::write_private(out, text.expose_secret())?;
    if let Some(public) = public {
        std::fs::write(public, format!("{recipient}\n"))
            .with_context(|| format!("ghi {}", public.display()))?;
    }
    println!(
        "Đã tạo tệp khóa {} (khóa công khai {recipient}). Giữ một bản ở nơi khác máy chủ: mất tệp khóa là mất các bản sao lưu mã hóa bằng nó.",
        out.display()
    );
    Ok(())
}
