//! Data keys: personal records are sealed (XChaCha20-Poly1305) before they reach the
//! database, and CCCD numbers are found through a keyed blind index (HMAC-SHA256), so a
//! copy of the database or of a backup without the key file reveals neither.
//!
//! The key file is kept outside the database: beside a SQLite file by default
//! (`ketnap.sqlite3.keys`), or where `--data-keys` says. It holds one blind-index key and
//! one or more data keys; the last data key seals, every listed one opens, so rotation
//! (`ketnap keys rotate`) adds a key and re-seals the rows, after which old lines may go.
//!
//! File format, one entry per line (`#` starts a comment):
//! ```text
//! index <base64 of 32 bytes>
//! data <key id> <base64 of 32 bytes>
//! ```

use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::RwLock;

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use chacha20poly1305::aead::{Aead, Payload};
use chacha20poly1305::{KeyInit, XChaCha20Poly1305, XNonce};
use hmac::{Hmac, Mac};
use ketnap_domain::ports::{StoreError, StoreResult};
use rand::RngCore;
use rand::rngs::OsRng;
use sha2::Sha256;

use ketnap_domain::person::PersonDetails;
use ketnap_domain::ports::Change;

use crate::Store;
use crate::audit::{self, Audit};

/// What a sealed value starts with: the format's version, then the key id.
const SEALED_PREFIX: &str = "s1.";
const NONCE_LEN: usize = 24;
const KEY_LEN: usize = 32;

type Key = [u8; KEY_LEN];

/// What a key is used for, bound into each sealed value so one kind of value cannot be
/// passed off as another.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Purpose {
    PersonDetails,
    Upload,
    Search,
    TwoFactor,
    Coordination,
}

impl Purpose {
    fn label(self) -> &'static [u8] {
        match self {
            Purpose::PersonDetails => b"ketnap/people.details",
            Purpose::Upload => b"ketnap/import_uploads.content",
            Purpose::Search => b"ketnap/saved_searches.text",
            Purpose::TwoFactor => b"ketnap/two_factor.secret",
            Purpose::Coordination => b"ketnap/coordination.body",
        }
    }
}

struct Keyring {
    index: Key,
    /// In file order: the last one seals.
    data: Vec<(String, Key)>,
}

impl Keyring {
    fn current(&self) -> StoreResult<(&str, &Key)> {
        self.data
            .last()
            .map(|(id, key)| (id.as_str(), key))
            .ok_or_else(|| key_error("tệp khóa không có khóa dữ liệu nào (dòng `data …`)"))
    }

    fn find(&self, id: &str) -> Option<&Key> {
        self.data.iter().find(|(k, _)| k == id).map(|(_, key)| key)
    }
}

/// The data keys of one database, as read from their file.
pub(crate) struct DataKeys {
    path: PathBuf,
    /// Re-read when a value names a key this process has not seen: another process may
    /// have rotated.
    ring: RwLock<Keyring>,
}

impl std::fmt::Debug for DataKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the keys themselves.
        f.debug_struct("DataKeys")
            .field("path", &self.path)
            .finish()
    }
}

fn key_error(detail: &str) -> StoreError {
    StoreError::Backend(format!("Khóa dữ liệu: {detail}"))
}

fn random_key() -> Key {
    let mut key = [0u8; KEY_LEN];
    OsRng.fill_bytes(&mut key);
    key
}

fn new_key_id() -> String {
    let mut id = [0u8; 4];
    OsRng.fill_bytes(&mut id);
    hex::encode(id)
}

fn parse_key(text: &str, line: usize) -> StoreResult<Key> {
    BASE64
        .decode(text)
        .ok()
        .and_then(|bytes| Key::try_from(bytes.as_slice()).ok())
        .ok_or_else(|| key_error(&format!("dòng {line}: khóa phải là 32 byte viết base64")))
}

fn parse_file(text: &str) -> StoreResult<Keyring> {
    let mut index = None;
    let mut data = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let line_no = n + 1;
        let line = line.split('#').next().unwrap_or_default().trim();
        let words: Vec<&str> = line.split_whitespace().collect();
        match words.as_slice() {
            [] => {}
            ["index", key] => index = Some(parse_key(key, line_no)?),
            ["data", id, key] => data.push(((*id).to_string(), parse_key(key, line_no)?)),
            _ => {
                return Err(key_error(&format!(
                    "dòng {line_no}: không hiểu (cần `index KHÓA` hoặc `data MÃ KHÓA`)"
                )));
            }
        }
    }
    let index = index.ok_or_else(|| key_error("tệp khóa thiếu dòng `index …`"))?;
    let ring = Keyring { index, data };
    ring.current()?;
    Ok(ring)
}

fn render_file(ring: &Keyring) -> String {
    let mut text = String::from(
        "# ketnap data keys. Keep this file apart from the database and its backups:\n\
         # without it the personal records cannot be read. The last `data` line seals;\n\
         # every line opens. See docs/OPERATIONS.md (Data keys).\n",
    );
    text.push_str(&format!("index {}\n", BASE64.encode(ring.index)));
    for (id, key) in &ring.data {
        text.push_str(&format!("data {id} {}\n", BASE64.encode(key)));
    }
    text
}

/// Where a new file is written before it takes its name: unique to this process and call.
fn temp_path(path: &Path) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(format!(".{}-{}.new", std::process::id(), new_key_id()));
    PathBuf::from(name)
}

/// Writes `ring` to a new temporary file readable by its owner only; returns its path.
fn write_temp(path: &Path, ring: &Keyring) -> StoreResult<PathBuf> {
    let io = |e: std::io::Error| key_error(&format!("không ghi được {}: {e}", path.display()));
    let temp = temp_path(path);
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(&temp).map_err(io)?;
    file.write_all(render_file(ring).as_bytes()).map_err(io)?;
    file.sync_all().map_err(io)?;
    Ok(temp)
}

/// Replaces the file at `path` with `ring`, all at once.
fn replace_file(path: &Path, ring: &Keyring) -> StoreResult<()> {
    let temp = write_temp(path, ring)?;
    std::fs::rename(&temp, path)
        .map_err(|e| key_error(&format!("không ghi được {}: {e}", path.display())))
}

impl DataKeys {
    /// Reads the key file at `path`.
    pub(crate) fn load(path: &Path) -> StoreResult<DataKeys> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| key_error(&format!("không đọc được tệp khóa {}: {e}", path.display())))?;
        Ok(DataKeys {
            path: path.to_path_buf(),
            ring: RwLock::new(parse_file(&text)?),
        })
    }

    /// Makes a new key file at `path`, or reads the one another process made first: a
    /// hard link gives the file its name only if the name is free, so two processes starting
    /// together never end up sealing with different keys.
    pub(crate) fn create_or_load(path: &Path) -> StoreResult<DataKeys> {
        let ring = Keyring {
            index: random_key(),
            data: vec![(new_key_id(), random_key())],
        };
        let temp = write_temp(path, &ring)?;
        let linked = std::fs::hard_link(&temp, path);
        let _ = std::fs::remove_file(&temp);
        match linked {
            Ok(()) => Ok(DataKeys {
                path: path.to_path_buf(),
                ring: RwLock::new(ring),
            }),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => DataKeys::load(path),
            Err(e) => Err(key_error(&format!(
                "không tạo được {}: {e}",
                path.display()
            ))),
        }
    }

    #[cfg(test)]
    fn path(&self) -> &Path {
        &self.path
    }

    fn read(&self) -> StoreResult<std::sync::RwLockReadGuard<'_, Keyring>> {
        self.ring
            .read()
            .map_err(|_| key_error("khóa đang bị hỏng trong bộ nhớ"))
    }

    /// The id of the key that seals now.
    pub(crate) fn current_id(&self) -> StoreResult<String> {
        Ok(self.read()?.current()?.0.to_string())
    }

    /// Adds a new data key to the file, which seals from now on; returns its id.
    pub(crate) fn add_key(&self) -> StoreResult<String> {
        let mut ring = self
            .ring
            .write()
            .map_err(|_| key_error("khóa đang bị hỏng trong bộ nhớ"))?;
        // Start from the file as it is: another process may have added a key already.
        let text = std::fs::read_to_string(&self.path)
            .map_err(|e| key_error(&format!("không đọc được {}: {e}", self.path.display())))?;
        let mut fresh = parse_file(&text)?;
        let id = new_key_id();
        fresh.data.push((id.clone(), random_key()));
        replace_file(&self.path, &fresh)?;
        *ring = fresh;
        Ok(id)
    }

    /// The blind index of a CCCD number (digits only): equal numbers give equal indexes,
    /// and without the key no number can be tested against it.
    pub(crate) fn citizen_index(&self, digits: &str) -> StoreResult<String> {
        let ring = self.read()?;
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&ring.index)
            .map_err(|_| key_error("khóa chỉ mục không dùng được"))?;
        mac.update(b"ketnap/citizen_id:");
        mac.update(digits.as_bytes());
        Ok(hex::encode(&mac.finalize().into_bytes()[..16]))
    }

    /// `plaintext` sealed with the current key: `s1.<key id>.<base64 of nonce ‖ ciphertext>`.
    pub(crate) fn seal(&self, purpose: Purpose, plaintext: &[u8]) -> StoreResult<String> {
        let ring = self.read()?;
        let (id, key) = ring.current()?;
        let mut nonce = [0u8; NONCE_LEN];
        OsRng.fill_bytes(&mut nonce);
        let sealed = XChaCha20Poly1305::new(key.into())
            .encrypt(
                XNonce::from_slice(&nonce),
                Payload {
                    msg: plaintext,
                    aad: purpose.label(),
                },
            )
            .map_err(|_| key_error("không mã hóa được"))?;
        let mut bytes = nonce.to_vec();
        bytes.extend_from_slice(&sealed);
        Ok(format!("{SEALED_PREFIX}{id}.{}", BASE64.encode(bytes)))
    }

    /// The key id a sealed value names, if it is one.
    pub(crate) fn key_id_of(sealed: &str) -> Option<&str> {
        sealed.strip_prefix(SEALED_PREFIX)?.split('.').next()
    }

    /// Opens a value made by `seal`, with whichever listed key sealed it.
    pub(crate) fn open(&self, purpose: Purpose, sealed: &str) -> StoreResult<Vec<u8>> {
        let (id, body) = sealed
            .strip_prefix(SEALED_PREFIX)
            .and_then(|rest| rest.split_once('.'))
            .ok_or_else(|| key_error("một giá trị chưa được mã hóa hoặc sai định dạng"))?;
        let bytes = BASE64
            .decode(body)
            .map_err(|_| key_error("giá trị mã hóa bị hỏng"))?;
        if bytes.len() < NONCE_LEN {
            return Err(key_error("giá trị mã hóa bị hỏng"));
        }
        let (nonce, ciphertext) = bytes.split_at(NONCE_LEN);
        // The read lock is let go before a reload takes the write lock.
        let known = self.read()?.find(id).copied();
        let key = match known {
            Some(key) => key,
            None => self.reload_for(id)?,
        };
        XChaCha20Poly1305::new((&key).into())
            .decrypt(
                XNonce::from_slice(nonce),
                Payload {
                    msg: ciphertext,
                    aad: purpose.label(),
                },
            )
            .map_err(|_| {
                key_error(&format!(
                    "giá trị mã hóa bằng khóa {id} không mở được (bị sửa, hoặc khóa sai)"
                ))
            })
    }

    /// `open` for a value sealed from text.
    pub(crate) fn open_text(&self, purpose: Purpose, sealed: &str) -> StoreResult<String> {
        String::from_utf8(self.open(purpose, sealed)?)
            .map_err(|_| key_error("giá trị mã hóa không phải văn bản"))
    }

    fn reload_for(&self, id: &str) -> StoreResult<Key> {
        let text = std::fs::read_to_string(&self.path)
            .map_err(|e| key_error(&format!("không đọc được {}: {e}", self.path.display())))?;
        let fresh = parse_file(&text)?;
        let key = fresh.find(id).copied().ok_or_else(|| {
            key_error(&format!(
                "tệp {} không có khóa {id}, khóa đã mã hóa dữ liệu này",
                self.path.display()
            ))
        })?;
        if let Ok(mut ring) = self.ring.write() {
            *ring = fresh;
        }
        Ok(key)
    }
}

/// Keys found for each key id in a set of sealed values (for `keys status`).
pub(crate) fn count_by_key<'a>(values: impl Iterator<Item = &'a str>) -> HashMap<String, u64> {
    let mut counts = HashMap::new();
    for value in values {
        let id = DataKeys::key_id_of(value).unwrap_or("(chưa mã hóa)");
        *counts.entry(id.to_string()).or_insert(0) += 1;
    }
    counts
}

/// A person's details as kept in `people.details`: sealed JSON.
pub(crate) fn seal_details(keys: &DataKeys, details: &PersonDetails) -> StoreResult<String> {
    keys.seal(Purpose::PersonDetails, crate::to_json(details)?.as_bytes())
}

pub(crate) fn open_details(keys: &DataKeys, sealed: &str) -> StoreResult<PersonDetails> {
    let json = keys.open(Purpose::PersonDetails, sealed)?;
    serde_json::from_slice(&json).map_err(crate::json_error)
}

/// The blind index kept in `people.citizen_id_index`, for a person with a CCCD.
pub(crate) fn citizen_index_of(
    keys: &DataKeys,
    details: &PersonDetails,
) -> StoreResult<Option<String>> {
    details
        .citizen_id
        .as_ref()
        .map(|id| keys.citizen_index(id.as_str()))
        .transpose()
}

/// How many people's records each data key seals (`ketnap keys status`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyUse {
    pub key_id: String,
    pub records: u64,
    pub current: bool,
}

/// Where what travels between units is sealed (`Purpose::Coordination`); an erased value
/// is empty.
const COORDINATION_COLUMNS: [(&str, &str); 3] = [
    ("nominations", "body"),
    ("unit_requests", "body"),
    ("unit_requests", "answer"),
];

/// Rows re-sealed per transaction by a rotation.
const RESEAL_BATCH: i64 = 2_000;

impl Store {
    /// The data keys, or why there are none.
    pub(crate) fn keys(&self) -> StoreResult<&DataKeys> {
        if let Some(keys) = self.keys.loaded.get() {
            return Ok(keys);
        }
        Err(match &self.keys.path {
            Some(path) => key_error(&format!(
                "không có tệp khóa {}. Nếu cơ sở dữ liệu đã có hồ sơ, hãy đặt lại tệp khóa của nó vào đó (xem docs/OPERATIONS.md).",
                path.display()
            )),
            None => key_error(
                "PostgreSQL cần tệp khóa dữ liệu: --data-keys TỆP hoặc biến KETNAP_DATA_KEYS",
            ),
        })
    }

    /// Where the key file is (or would be made).
    pub fn data_keys_path(&self) -> Option<&Path> {
        self.keys.path.as_deref()
    }

    /// Makes the key file when there is none and nothing in the database is sealed yet;
    /// with sealed records and no file, refuses: a new key could not open them.
    pub(crate) async fn prepare_keys(&self) -> StoreResult<()> {
        if self.keys.loaded.get().is_some() {
            return Ok(());
        }
        let Some(path) = &self.keys.path else {
            return self.keys().map(|_| ());
        };
        let sealed: Option<i64> =
            sqlx::query_scalar("SELECT id FROM people WHERE details NOT LIKE '{%' LIMIT 1")
                .fetch_optional(&self.pool)
                .await
                .map_err(crate::backend_error)?;
        if sealed.is_some() {
            return self.keys().map(|_| ());
        }
        let made = DataKeys::create_or_load(path)?;
        // Another store in this process may have made it first: keep one.
        let _ = self.keys.loaded.set(made);
        Ok(())
    }

    /// Seals the records written before encryption at rest (plain JSON, plain CCCD).
    pub(crate) async fn seal_plain_people(&self) -> StoreResult<()> {
        let sealed = self.reseal_where("details LIKE '{%'", None).await?;
        if sealed > 0 {
            // The clear text is zeroed in the file (secure_delete), not yet in the WAL.
            self.flush_wal().await?;
        }
        Ok(())
    }

    /// Adds a data key and re-seals every record with it, in batches (each with its audit
    /// row); returns the new key's id and the number of records re-sealed.
    pub async fn rotate_data_keys(&self, change: &Change) -> StoreResult<(String, u64)> {
        let id = self.keys()?.add_key()?;
        let older = format!("s1.{id}.%");
        let mut count = self
            .reseal_where("details NOT LIKE $1", Some(&older))
            .await?;
        for (table, column) in COORDINATION_COLUMNS {
            count += self
                .reseal_column(table, column, Purpose::Coordination, &older)
                .await?;
        }
        let mut tx = self.begin().await?;
        audit::write(
            &mut tx,
            change,
            Audit {
                action: "keys.rotate",
                entity: "data-key",
                entity_id: id.clone(),
                before: None,
                after: Some(format!("{count} hồ sơ")),
            },
        )
        .await?;
        tx.commit().await.map_err(crate::backend_error)?;
        Ok((id, count))
    }

    /// Re-seals, with the current key, the people rows matching `condition` (`$1` is
    /// `value` when given); returns how many.
    async fn reseal_where(&self, condition: &str, value: Option<&str>) -> StoreResult<u64> {
        let mut done = 0u64;
        let mut after = 0i64;
        loop {
            let sql = format!(
                "SELECT id, details FROM people WHERE {condition} AND id > {after} ORDER BY id LIMIT {RESEAL_BATCH}"
            );
            let mut query = sqlx::query_as::<_, (i64, String)>(&sql);
            if let Some(value) = value {
                query = query.bind(value);
            }
            let rows = query
                .fetch_all(&self.pool)
                .await
                .map_err(crate::backend_error)?;
            let Some(&(last, _)) = rows.last() else {
                return Ok(done);
            };
            let keys = self.keys()?;
            let mut tx = self.begin().await?;
            for (id, details) in &rows {
                let person: PersonDetails = if details.starts_with('{') {
                    crate::from_json(details)?
                } else {
                    open_details(keys, details)?
                };
                // Only if unchanged since read: an edit made meanwhile is sealed already.
                sqlx::query(
                    "UPDATE people SET details = $1, citizen_id_index = $2 WHERE id = $3 AND details = $4",
                )
                .bind(seal_details(keys, &person)?)
                .bind(citizen_index_of(keys, &person)?)
                .bind(id)
                .bind(details)
                .execute(&mut *tx)
                .await
                .map_err(crate::backend_error)?;
            }
            tx.commit().await.map_err(crate::backend_error)?;
            done += rows.len() as u64;
            after = last;
        }
    }

    /// Re-seals with the current key each sealed value of `table.column` not matching
    /// `current` (the current key's prefix pattern); returns how many.
    async fn reseal_column(
        &self,
        table: &str,
        column: &str,
        purpose: Purpose,
        current: &str,
    ) -> StoreResult<u64> {
        let rows: Vec<(i64, String)> = sqlx::query_as(&format!(
            "SELECT id, {column} FROM {table} WHERE {column} LIKE 's1.%' AND {column} NOT LIKE $1"
        ))
        .bind(current)
        .fetch_all(&self.pool)
        .await
        .map_err(crate::backend_error)?;
        let keys = self.keys()?;
        let mut tx = self.begin().await?;
        for (id, sealed) in &rows {
            let plain = keys.open(purpose, sealed)?;
            sqlx::query(&format!(
                "UPDATE {table} SET {column} = $1 WHERE id = $2 AND {column} = $3"
            ))
            .bind(keys.seal(purpose, &plain)?)
            .bind(id)
            .bind(sealed)
            .execute(&mut *tx)
            .await
            .map_err(crate::backend_error)?;
        }
        tx.commit().await.map_err(crate::backend_error)?;
        Ok(rows.len() as u64)
    }

    /// How many records each key seals, the current key first.
    pub async fn data_key_status(&self) -> StoreResult<Vec<KeyUse>> {
        let current = self.keys()?.current_id()?;
        // Every sealed value counts: a rotation that stopped part-way leaves some on the old key.
        let mut sql = String::from("SELECT substr(details, 1, 16) FROM people");
        for (table, column) in COORDINATION_COLUMNS {
            sql.push_str(&format!(
                " UNION ALL SELECT substr({column}, 1, 16) FROM {table} WHERE {column} LIKE 's1.%'"
            ));
        }
        let prefixes: Vec<(String,)> = sqlx::query_as(&sql)
            .fetch_all(&self.pool)
            .await
            .map_err(crate::backend_error)?;
        let counts = count_by_key(prefixes.iter().map(|(p,)| p.as_str()));
        let mut uses: Vec<KeyUse> = counts
            .into_iter()
            .map(|(key_id, records)| KeyUse {
                current: key_id == current,
                key_id,
                records,
            })
            .collect();
        if !uses.iter().any(|u| u.current) {
            uses.push(KeyUse {
                key_id: current,
                records: 0,
                current: true,
            });
        }
        uses.sort_by(|a, b| b.current.cmp(&a.current).then(a.key_id.cmp(&b.key_id)));
        Ok(uses)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn keys() -> (DataKeys, tempfile::TempDir) {
        let dir = tempfile::tempdir().unwrap();
        let keys = DataKeys::create_or_load(&dir.path().join("k.keys")).unwrap();
        (keys, dir)
    }

    #[test]
    fn sealed_values_open_and_say_nothing() {
        let (keys, _dir) = keys();
        let sealed = keys
            .seal(Purpose::PersonDetails, b"079099123456 Phat giao")
            .unwrap();
        assert!(!sealed.contains("079099123456"));
        assert_eq!(
            keys.open(Purpose::PersonDetails, &sealed).unwrap(),
            b"079099123456 Phat giao"
        );
        // Two seals of one value differ (random nonce); another purpose cannot open it.
        assert_ne!(
            sealed,
            keys.seal(Purpose::PersonDetails, b"079099123456 Phat giao")
                .unwrap()
        );
        assert!(keys.open(Purpose::Upload, &sealed).is_err());
    }

    #[test]
    fn a_changed_byte_is_refused() {
        let (keys, _dir) = keys();
        let sealed = keys.seal(Purpose::PersonDetails, b"religion").unwrap();
        let (head, body) = sealed.rsplit_once('.').unwrap();
        let mut bytes = BASE64.decode(body).unwrap();
        let last = bytes.len() - 1;
        bytes[last] ^= 1;
        let tampered = format!("{head}.{}", BASE64.encode(bytes));
        assert!(keys.open(Purpose::PersonDetails, &tampered).is_err());
        assert!(keys.open(Purpose::PersonDetails, "{\"plain\":1}").is_err());
    }

    #[test]
    fn rotation_keeps_old_values_readable_and_seals_with_the_new_key() {
        let (keys, _dir) = keys();
        let old_id = keys.current_id().unwrap();
        let old = keys.seal(Purpose::PersonDetails, b"before").unwrap();
        let index = keys.citizen_index("079099123456").unwrap();
        // Another process rotates: this one learns the new key when it meets it.
        let other = DataKeys::load(keys.path()).unwrap();
        let new_id = other.add_key().unwrap();
        let new = other.seal(Purpose::PersonDetails, b"after").unwrap();
        assert_eq!(DataKeys::key_id_of(&new), Some(new_id.as_str()));
        assert_eq!(keys.open(Purpose::PersonDetails, &new).unwrap(), b"after");
        assert_eq!(other.open(Purpose::PersonDetails, &old).unwrap(), b"before");
        assert_ne!(old_id, new_id);
        // The blind index key does not rotate with the data keys.
        assert_eq!(other.citizen_index("079099123456").unwrap(), index);
        assert_ne!(other.citizen_index("079099123457").unwrap(), index);
    }

    #[test]
    fn a_broken_file_is_named_by_line() {
        let error = parse_file("index AAAA\n").err().unwrap().to_string();
        assert!(error.contains("dòng 1"), "{error}");
        let error = parse_file("garbage here now\n").err().unwrap().to_string();
        assert!(error.contains("dòng 1"), "{error}");
        // A second start finds the first one's keys rather than making its own.
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("k.keys");
        let first = DataKeys::create_or_load(&path).unwrap();
        let second = DataKeys::create_or_load(&path).unwrap();
        let sealed = first.seal(Purpose::Upload, b"x").unwrap();
        assert_eq!(second.open(Purpose::Upload, &sealed).unwrap(), b"x");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }
}
