//! Signed checkpoints of the audit log (điểm kiểm tra có chữ ký): the chain's head at a row,
//! signed with an Ed25519 key the operator keeps away from the database. Someone able to
//! rewrite the whole log and recompute every hash still cannot make it match a checkpoint
//! kept elsewhere.
//!
//! `ketnap audit keygen --secret FILE --public FILE`, `ketnap audit checkpoint --key FILE`
//! (prints the checkpoint), `ketnap audit verify --checkpoint FILE --public-key FILE`.

use std::path::Path;

use anyhow::Context as _;
use ed25519_dalek::{Signature, Signer, SigningKey, Verifier, VerifyingKey};
use rand::RngCore;

use crate::Context;

const HEADER: &str = "ketnap-audit-checkpoint v1";

/// What a checkpoint says: the log had `rows` rows, the last of them `last_id` with hash
/// `head`, when it was signed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checkpoint {
    pub rows: u64,
    pub last_id: i64,
    pub head: String,
    pub at: String,
}

impl Checkpoint {
    /// The signed text: everything but the signature line.
    fn body(&self) -> String {
        format!(
            "{HEADER}\nrows: {}\nlast-id: {}\nhead: {}\nat: {}\n",
            self.rows, self.last_id, self.head, self.at
        )
    }

    fn parse(text: &str) -> anyhow::Result<(Checkpoint, Signature)> {
        let mut lines = text.lines();
        anyhow::ensure!(
            lines.next() == Some(HEADER),
            "Tệp không phải điểm kiểm tra nhật ký của ketnap."
        );
        let mut field = |name: &str| -> anyhow::Result<String> {
            lines
                .next()
                .and_then(|l| l.strip_prefix(&format!("{name}: ")))
                .map(str::to_string)
                .with_context(|| format!("Điểm kiểm tra thiếu dòng \"{name}\"."))
        };
        let checkpoint = Checkpoint {
            rows: field("rows")?.parse().context("rows")?,
            last_id: field("last-id")?.parse().context("last-id")?,
            head: field("head")?,
            at: field("at")?,
        };
        let signature = hex::decode(field("signature")?).context("chữ ký không phải hex")?;
        let signature: [u8; 64] = signature
            .try_into()
            .map_err(|_| anyhow::anyhow!("Chữ ký phải dài 64 byte."))?;
        Ok((checkpoint, Signature::from_bytes(&signature)))
    }
}

fn read_key<const N: usize>(file: &Path, what: &str) -> anyhow::Result<[u8; N]> {
    let text = std::fs::read_to_string(file)
        .with_context(|| format!("Không đọc được {what} {}", file.display()))?;
    let bytes = hex::decode(text.trim()).with_context(|| format!("{what} không phải hex"))?;
    bytes
        .try_into()
        .map_err(|_| anyhow::anyhow!("{what} phải dài {N} byte."))
}

/// Writes a new key pair: the secret readable by its owner only.
pub fn keygen(secret: &Path, public: &Path) -> anyhow::Result<()> {
    anyhow::ensure!(
        !secret.exists(),
        "{} đã có; không ghi đè khóa bí mật.",
        secret.display()
    );
    let mut seed = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut seed);
    let key = SigningKey::from_bytes(&seed);
    write_private(secret, &hex::encode(seed))?;
    std::fs::write(public, hex::encode(key.verifying_key().to_bytes()))
        .with_context(|| format!("ghi {}", public.display()))?;
    println!(
        "Đã tạo khóa: bí mật {} (giữ ngoài máy chủ), công khai {}.",
        secret.display(),
        public.display()
    );
    Ok(())
}

/// Writes a new file readable by its owner only (also the backup key files).
#[cfg(unix)]
pub fn write_private(path: &Path, text: &str) -> anyhow::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .with_context(|| format!("ghi {}", path.display()))?;
    file.write_all(text.as_bytes())?;
    Ok(())
}

#[cfg(not(unix))]
pub fn write_private(path: &Path, text: &str) -> anyhow::Result<()> {
    std::fs::write(path, text).with_context(|| format!("ghi {}", path.display()))
}

/// Checks the chain, then prints a checkpoint of its head signed with the secret key.
pub async fn checkpoint(ctx: &Context, key: &Path) -> anyhow::Result<()> {
    let key = SigningKey::from_bytes(&read_key::<32>(key, "khóa bí mật")?);
    let check = ctx.store.verify_audit_log().await?;
    anyhow::ensure!(
        check.problems.is_empty(),
        "Nhật ký không nguyên vẹn ({} chỗ hỏng): chạy `ketnap audit verify` trước; không ký.",
        check.problems.len()
    );
    let checkpoint = Checkpoint {
        rows: check.rows,
        last_id: ctx.store.last_audit_id().await?,
        head: check.head,
        at: ctx.change.now.to_rfc3339(),
    };
    let body = checkpoint.body();
    let signature = key.sign(body.as_bytes());
    println!("{body}signature: {}", hex::encode(signature.to_bytes()));
    Ok(())
}

/// Whether the log still holds what a checkpoint signed: its signature, then the row it
/// names with the same hash.
pub async fn check(ctx: &Context, file: &Path, public: &Path) -> anyhow::Result<Checkpoint> {
    let key = VerifyingKey::from_bytes(&read_key::<32>(public, "khóa công khai")?)
        .context("khóa công khai không hợp lệ")?;
    let text = std::fs::read_to_string(file)
        .with_context(|| format!("Không đọc được điểm kiểm tra {}", file.display()))?;
    let (checkpoint, signature) = Checkpoint::parse(&text)?;
    key.verify(checkpoint.body().as_bytes(), &signature)
        .map_err(|_| anyhow::anyhow!("Chữ ký của điểm kiểm tra không đúng với khóa công khai."))?;
    let held = ctx.store.audit_hash_at(checkpoint.last_id).await?;
    anyhow::ensure!(
        held.as_deref() == Some(checkpoint.head.as_str()),
        "Nhật ký không còn như lúc ký điểm kiểm tra ngày {}: dòng #{} {}.",
        checkpoint.at,
        checkpoint.last_id,
        if held.is_some() {
            "có dấu khác (nhật ký đã bị viết lại)"
        } else {
            "không còn"
        }
    );
    Ok(checkpoint)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_checkpoint_reads_back_and_its_signature_covers_every_field() {
        let key = SigningKey::from_bytes(&[7u8; 32]);
        let checkpoint = Checkpoint {
            rows: 12,
            last_id: 15,
            head: "ab".repeat(32),
            at: "2026-12-05T08:00:00+00:00".into(),
        };
        let body = checkpoint.body();
        let text = format!(
            "{body}signature: {}\n",
            hex::encode(key.sign(body.as_bytes()).to_bytes())
        );
        let (read, signature) = Checkpoint::parse(&text).unwrap();
        assert_eq!(read, checkpoint);
        let public = key.verifying_key();
        assert!(public.verify(read.body().as_bytes(), &signature).is_ok());
        let forged = Checkpoint {
            last_id: 16,
            ..read
        };
        assert!(public.verify(forged.body().as_bytes(), &signature).is_err());
        assert!(Checkpoint::parse("hello").is_err());
    }
}
