//! Storage: one SQLite file holding every record of every target.
//!
//! All targets share one table, `records(target, kind, id, body_json, deleted, created_at, updated_at)`,
//! because the sandbox only ever needs "get by id", "list in creation order" and
//! "list everything for the admin view"; each target keeps its vendor's record shape in
//! `body_json`. Writes go through one transaction per request, so a request that fails
//! validation half-way stores nothing.
//!
//! A second table, `idempotency_keys`, remembers the successful answers to requests that
//! carried an `Idempotency-Key` header (see [`crate::idempotency`]), so they survive a restart.
//! It files them under the SHA-256 hash of the request's token (`token_sha256`), never the
//! token itself; a data directory from before that is converted when it is opened.

use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};

use rusqlite::{params, Connection, OptionalExtension, Transaction, TransactionBehavior};
use serde_json::Value;

use crate::dates;
use crate::target::Target;

pub const DATABASE_FILE_NAME: &str = "sandbox.sqlite3";

#[derive(Debug)]
pub enum StoreError {
    CreateDirectory {
        path: PathBuf,
        source: std::io::Error,
    },
    Sqlite(rusqlite::Error),
    CorruptBody {
        id: String,
        source: serde_json::Error,
    },
    AlreadyExists {
        kind: String,
        id: String,
    },
    /// A thread panicked while holding the connection; the sandbox refuses further use rather than guess.
    LockPoisoned,
}

impl std::fmt::Display for StoreError {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StoreError::CreateDirectory { path, source } => write!(
                formatter,
                "cannot create the data directory {}: {source}",
                path.display()
            ),
            StoreError::Sqlite(error) => write!(formatter, "database error: {error}"),
            StoreError::CorruptBody { id, source } => {
                write!(formatter, "stored record {id} is not valid JSON: {source}")
            }
            StoreError::AlreadyExists { kind, id } => {
                write!(formatter, "a {kind} with id {id} already exists")
            }
            StoreError::LockPoisoned => write!(formatter, "the database lock is poisoned"),
        }
    }
}

impl std::error::Error for StoreError {}

impl From<rusqlite::Error> for StoreError {
    fn from(error: rusqlite::Error) -> Self {
        StoreError::Sqlite(error)
    }
}

/// One stored record, with the bookkeeping the admin view shows.
#[derive(Clone, Debug, PartialEq)]
pub struct Record {
    pub kind: String,
    pub id: String,
    pub body: Value,
    pub deleted: bool,
    pub created_at: String,
    pub updated_at: String,
}

/// What an `Idempotency-Key` is unique within: the same key means the same request only
/// for the same token, method and path (query string excluded).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct IdempotencyScope {
    /// The token as [`crate::auth::token_hash`] gives it; the token itself is never kept.
    pub token_hash: String,
    pub method: String,
    pub path: String,
    pub key: String,
}

/// The request a key was first used with, compared byte for byte when the key comes back.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RequestFingerprint {
    pub query: String,
    pub body: Vec<u8>,
}

/// A successful answer remembered under an idempotency key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RememberedAnswer {
    pub request: RequestFingerprint,
    pub status: u16,
    pub content_type: Option<String>,
    pub location: Option<String>,
    pub body: Vec<u8>,
}

/// A record the sandbox starts from (and returns to on reset).
#[derive(Clone, Debug)]
pub struct SeedRecord {
    pub target: Target,
    pub kind: &'static str,
    pub id: String,
    pub body: Value,
}

pub struct Store {
    connection: Mutex<Connection>,
    seed: Vec<SeedRecord>,
}

impl Store {
    /// Opens (or creates) `DIR/sandbox.sqlite3` and seeds it when it has never been seeded.
    pub fn open(data_dir: &Path, seed: Vec<SeedRecord>) -> Result<Store, StoreError> {
        std::fs::create_dir_all(data_dir).map_err(|source| StoreError::CreateDirectory {
            path: data_dir.to_path_buf(),
            source,
        })?;
        let connection = Connection::open(data_dir.join(DATABASE_FILE_NAME))?;
        Store::from_connection(connection, seed)
    }

    /// A store that lives only in memory, for unit tests.
    pub fn in_memory(seed: Vec<SeedRecord>) -> Result<Store, StoreError> {
        Store::from_connection(Connection::open_in_memory()?, seed)
    }

    fn from_connection(
        mut connection: Connection,
        seed: Vec<SeedRecord>,
    ) -> Result<Store, StoreError> {
        connection.busy_timeout(std::time::Duration::from_secs(5))?;
        connection.execute_batch(
            "CREATE TABLE IF NOT EXISTS records (
                 seq INTEGER PRIMARY KEY AUTOINCREMENT,
                 target TEXT NOT NULL,
                 kind TEXT NOT NULL,
                 id TEXT NOT NULL,
                 body_json TEXT NOT NULL,
                 deleted INTEGER NOT NULL DEFAULT 0,
                 created_at TEXT NOT NULL,
                 updated_at TEXT NOT NULL,
                 UNIQUE (target, kind, id)
             );
             CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
             CREATE TABLE IF NOT EXISTS idempotency_keys (
                 token_sha256 TEXT NOT NULL,
                 method TEXT NOT NULL,
                 path TEXT NOT NULL,
                 key TEXT NOT NULL,
                 request_query TEXT NOT NULL,
                 request_body BLOB NOT NULL,
                 status INTEGER NOT NULL,
                 content_type TEXT,
                 location TEXT,
                 body BLOB NOT NULL,
                 created_at TEXT NOT NULL,
                 PRIMARY KEY (token_sha256, method, path, key)
             );",
        )?;
        hash_stored_tokens(&mut connection)?;
        let store = Store {
            connection: Mutex::new(connection),
            seed,
        };
        let already_seeded = store.read(|records| records.meta("seeded_at"))?.is_some();
        if !already_seeded {
            store.reset()?;
        }
        Ok(store)
    }

    /// Forgets every record and every idempotency key, and puts the seed back.
    pub fn reset(&self) -> Result<(), StoreError> {
        self.write(|records| {
            records.transaction.execute("DELETE FROM records", [])?;
            records
                .transaction
                .execute("DELETE FROM idempotency_keys", [])?;
            for seed in &self.seed {
                records.insert(seed.target, seed.kind, &seed.id, &seed.body)?;
            }
            records.transaction.execute(
                "INSERT OR REPLACE INTO meta (key, value) VALUES ('seeded_at', ?1)",
                params![dates::rfc3339_now()],
            )?;
            Ok(())
        })
    }

    /// Runs `work` in a transaction that is committed when it returns `Ok` and rolled back otherwise.
    ///
    /// Handlers call this straight from async code: a call is a few microseconds against a
    /// local file, so moving it to a blocking thread pool would cost more than it saves.
    pub fn write<T, E>(&self, work: impl FnOnce(&Records<'_>) -> Result<T, E>) -> Result<T, E>
    where
        E: From<StoreError>,
    {
        let mut connection = self.lock()?;
        let transaction = connection.transaction().map_err(StoreError::from)?;
        let records = Records { transaction };
        let result = work(&records)?;
        records.transaction.commit().map_err(StoreError::from)?;
        Ok(result)
    }

    /// Runs `work` for reading; it also sees a consistent snapshot because it holds the only connection.
    pub fn read<T, E>(&self, work: impl FnOnce(&Records<'_>) -> Result<T, E>) -> Result<T, E>
    where
        E: From<StoreError>,
    {
        let mut connection = self.lock()?;
        let transaction = connection.transaction().map_err(StoreError::from)?;
        let records = Records { transaction };
        let result = work(&records);
        drop(records);
        result
    }

    fn lock(&self) -> Result<MutexGuard<'_, Connection>, StoreError> {
        self.connection
            .lock()
            .map_err(|_poisoned| StoreError::LockPoisoned)
    }
}

/// The operations a handler may perform inside one transaction.
pub struct Records<'connection> {
    transaction: Transaction<'connection>,
}

const RECORD_COLUMNS: &str = "kind, id, body_json, deleted, created_at, updated_at";

impl Records<'_> {
    /// The record with this id, including a soft-deleted one (callers decide what deletion hides).
    pub fn get(&self, target: Target, kind: &str, id: &str) -> Result<Option<Record>, StoreError> {
        let row = self
            .transaction
            .query_row(
                &format!(
                    "SELECT {RECORD_COLUMNS} FROM records WHERE target = ?1 AND kind = ?2 AND id = ?3"
                ),
                params![target.name(), kind, id],
                raw_record,
            )
            .optional()?;
        row.map(RawRecord::into_record).transpose()
    }

    /// Like `get`, but a soft-deleted record counts as absent.
    pub fn get_live(
        &self,
        target: Target,
        kind: &str,
        id: &str,
    ) -> Result<Option<Record>, StoreError> {
        Ok(self.get(target, kind, id)?.filter(|record| !record.deleted))
    }

    /// Stores a new record; an existing id (deleted or not) is refused.
    pub fn insert(
        &self,
        target: Target,
        kind: &str,
        id: &str,
        body: &Value,
    ) -> Result<Record, StoreError> {
        if self.get(target, kind, id)?.is_some() {
            return Err(StoreError::AlreadyExists {
                kind: kind.to_string(),
                id: id.to_string(),
            });
        }
        let now = dates::rfc3339_now();
        self.transaction.execute(
            "INSERT INTO records (target, kind, id, body_json, deleted, created_at, updated_at)
             VALUES (?1, ?2, ?3, ?4, 0, ?5, ?5)",
            params![target.name(), kind, id, body.to_string(), now],
        )?;
        Ok(Record {
            kind: kind.to_string(),
            id: id.to_string(),
            body: body.clone(),
            deleted: false,
            created_at: now.clone(),
            updated_at: now,
        })
    }

    /// Replaces the body of an existing record and revives it if it was deleted.
    /// Writing to an id that does not exist inserts it, which is what upserts need.
    pub fn put(
        &self,
        target: Target,
        kind: &str,
        id: &str,
        body: &Value,
    ) -> Result<Record, StoreError> {
        let Some(existing) = self.get(target, kind, id)? else {
            return self.insert(target, kind, id, body);
        };
        let now = dates::rfc3339_now();
        self.transaction.execute(
            "UPDATE records SET body_json = ?4, deleted = 0, updated_at = ?5
             WHERE target = ?1 AND kind = ?2 AND id = ?3",
            params![target.name(), kind, id, body.to_string(), now],
        )?;
        Ok(Record {
            body: body.clone(),
            deleted: false,
            updated_at: now,
            ..existing
        })
    }

    /// Flags a record as deleted; answers whether a live record was there to delete.
    pub fn soft_delete(&self, target: Target, kind: &str, id: &str) -> Result<bool, StoreError> {
        let changed = self.transaction.execute(
            "UPDATE records SET deleted = 1, updated_at = ?4
             WHERE target = ?1 AND kind = ?2 AND id = ?3 AND deleted = 0",
            params![target.name(), kind, id, dates::rfc3339_now()],
        )?;
        Ok(changed > 0)
    }

    /// Live records of one kind, oldest first.
    pub fn list_live(&self, target: Target, kind: &str) -> Result<Vec<Record>, StoreError> {
        self.query(
            &format!(
                "SELECT {RECORD_COLUMNS} FROM records
                 WHERE target = ?1 AND kind = ?2 AND deleted = 0 ORDER BY seq"
            ),
            params![target.name(), kind],
        )
    }

    /// Every record of a target, deleted ones included, oldest first: the admin view.
    pub fn list_everything(&self, target: Target) -> Result<Vec<Record>, StoreError> {
        self.query(
            &format!("SELECT {RECORD_COLUMNS} FROM records WHERE target = ?1 ORDER BY seq"),
            params![target.name()],
        )
    }

    /// The largest id of a kind whose ids are numbers, deleted records included, so ids are never reused.
    pub fn max_numeric_id(&self, target: Target, kind: &str) -> Result<i64, StoreError> {
        let max: Option<i64> = self.transaction.query_row(
            "SELECT MAX(CAST(id AS INTEGER)) FROM records WHERE target = ?1 AND kind = ?2",
            params![target.name(), kind],
            |row| row.get(0),
        )?;
        Ok(max.unwrap_or(0))
    }

    /// The answer remembered for an idempotency key, if a request with it succeeded before.
    pub fn remembered_answer(
        &self,
        scope: &IdempotencyScope,
    ) -> Result<Option<RememberedAnswer>, StoreError> {
        Ok(self
            .transaction
            .query_row(
                "SELECT request_query, request_body, status, content_type, location, body
                 FROM idempotency_keys
                 WHERE token_sha256 = ?1 AND method = ?2 AND path = ?3 AND key = ?4",
                params![scope.token_hash, scope.method, scope.path, scope.key],
                |row| {
                    Ok(RememberedAnswer {
                        request: RequestFingerprint {
                            query: row.get(0)?,
                            body: row.get(1)?,
                        },
                        status: row.get(2)?,
                        content_type: row.get(3)?,
                        location: row.get(4)?,
                        body: row.get(5)?,
                    })
                },
            )
            .optional()?)
    }

    /// Remembers the answer to a request that carried an idempotency key; a key already
    /// remembered keeps its first answer.
    pub fn remember_answer(
        &self,
        scope: &IdempotencyScope,
        answer: &RememberedAnswer,
    ) -> Result<(), StoreError> {
        self.transaction.execute(
            "INSERT OR IGNORE INTO idempotency_keys
                 (token_sha256, method, path, key, request_query, request_body, status, content_type, location, body, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
            params![
                scope.token_hash,
                scope.method,
                scope.path,
                scope.key,
                answer.request.query,
                answer.request.body,
                answer.status,
                answer.content_type,
                answer.location,
                answer.body,
                dates::rfc3339_now()
            ],
        )?;
        Ok(())
    }

    fn meta(&self, key: &str) -> Result<Option<String>, StoreError> {
        Ok(self
            .transaction
            .query_row(
                "SELECT value FROM meta WHERE key = ?1",
                params![key],
                |row| row.get(0),
            )
            .optional()?)
    }

    fn query(
        &self,
        sql: &str,
        parameters: impl rusqlite::Params,
    ) -> Result<Vec<Record>, StoreError> {
        let mut statement = self.transaction.prepare(sql)?;
        let rows = statement.query_map(parameters, raw_record)?;
        let mut records = Vec::new();
        for row in rows {
            records.push(row?.into_record()?);
        }
        Ok(records)
    }
}

/// Converts an `idempotency_keys` table from before tokens were hashed (its column is
/// `token`, holding the tokens themselves) in place, in one transaction: the column is
/// renamed and every token replaced by its hash. `secure_delete` makes SQLite overwrite
/// the old values on disk rather than leave them in free pages.
fn hash_stored_tokens(connection: &mut Connection) -> Result<(), StoreError> {
    let has_plain_tokens = connection
        .prepare("SELECT name FROM pragma_table_info('idempotency_keys')")?
        .query_map([], |row| row.get::<_, String>(0))?
        .collect::<Result<Vec<_>, _>>()?
        .iter()
        .any(|name| name == "token");
    if !has_plain_tokens {
        return Ok(());
    }
    connection.execute_batch("PRAGMA secure_delete = ON")?;
    let transaction = connection.transaction_with_behavior(TransactionBehavior::Immediate)?;
    transaction
        .execute_batch("ALTER TABLE idempotency_keys RENAME COLUMN token TO token_sha256")?;
    let tokens: Vec<String> = transaction
        .prepare("SELECT DISTINCT token_sha256 FROM idempotency_keys")?
        .query_map([], |row| row.get(0))?
        .collect::<Result<_, _>>()?;
    for token in tokens {
        transaction.execute(
            "UPDATE idempotency_keys SET token_sha256 = ?1 WHERE token_sha256 = ?2",
            params![crate::auth::token_hash(&token), token],
        )?;
    }
    transaction.commit()?;
    Ok(())
}

struct RawRecord {
    kind: String,
    id: String,
    body_json: String,
    deleted: bool,
    created_at: String,
    updated_at: String,
}

impl RawRecord {
    fn into_record(self) -> Result<Record, StoreError> {
        let body =
            serde_json::from_str(&self.body_json).map_err(|source| StoreError::CorruptBody {
                id: self.id.clone(),
                source,
            })?;
        Ok(Record {
            kind: self.kind,
            id: self.id,
            body,
            deleted: self.deleted,
            created_at: self.created_at,
            updated_at: self.updated_at,
        })
    }
}

fn raw_record(row: &rusqlite::Row<'_>) -> rusqlite::Result<RawRecord> {
    Ok(RawRecord {
        kind: row.get(0)?,
        id: row.get(1)?,
        body_json: row.get(2)?,
        deleted: row.get::<_, i64>(3)? != 0,
        created_at: row.get(4)?,
        updated_at: row.get(5)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn seed() -> Vec<SeedRecord> {
        vec![SeedRecord {
            target: Target::Casebook,
            kind: "person",
            id: "1".into(),
            body: json!({"first_name": "Maria"}),
        }]
    }

    #[test]
    fn a_new_store_starts_from_the_seed() {
        let store = Store::in_memory(seed()).expect("store opens");
        let people = store
            .read(|records| records.list_live(Target::Casebook, "person"))
            .expect("list");
        assert_eq!(people.len(), 1);
        assert_eq!(people[0].body["first_name"], "Maria");
    }

    #[test]
    fn a_failed_write_stores_nothing() {
        let store = Store::in_memory(seed()).expect("store opens");
        let outcome: Result<(), StoreError> = store.write(|records| {
            records.insert(Target::Casebook, "person", "2", &json!({}))?;
            records.insert(Target::Casebook, "person", "1", &json!({}))?;
            Ok(())
        });
        assert!(matches!(outcome, Err(StoreError::AlreadyExists { .. })));
        let count = store
            .read(|records| records.list_everything(Target::Casebook))
            .expect("list")
            .len();
        assert_eq!(count, 1);
    }

    #[test]
    fn soft_deleted_records_are_hidden_from_live_reads_but_kept() {
        let store = Store::in_memory(seed()).expect("store opens");
        let deleted = store
            .write(|records| records.soft_delete(Target::Casebook, "person", "1"))
            .expect("delete");
        assert!(deleted);
        store
            .read(|records| -> Result<(), StoreError> {
                assert!(records.get_live(Target::Casebook, "person", "1")?.is_none());
                assert!(records.list_live(Target::Casebook, "person")?.is_empty());
                let everything = records.list_everything(Target::Casebook)?;
                assert!(everything[0].deleted);
                assert_eq!(records.max_numeric_id(Target::Casebook, "person")?, 1);
                Ok(())
            })
            .expect("reads");
    }

    #[test]
    fn reset_brings_back_the_seed() {
        let store = Store::in_memory(seed()).expect("store opens");
        store
            .write(|records| records.insert(Target::Caspen, "client", "x", &json!({})))
            .expect("insert");
        store.reset().expect("reset");
        let caspen = store
            .read(|records| records.list_everything(Target::Caspen))
            .expect("list");
        assert!(caspen.is_empty());
    }

    #[test]
    fn a_store_from_before_tokens_were_hashed_keeps_its_keys_under_the_hash() {
        let connection = Connection::open_in_memory().expect("connection");
        connection
            .execute_batch(
                "CREATE TABLE idempotency_keys (
                     token TEXT NOT NULL, method TEXT NOT NULL, path TEXT NOT NULL, key TEXT NOT NULL,
                     request_query TEXT NOT NULL, request_body BLOB NOT NULL, status INTEGER NOT NULL,
                     content_type TEXT, location TEXT, body BLOB NOT NULL, created_at TEXT NOT NULL,
                     PRIMARY KEY (token, method, path, key));
                 INSERT INTO idempotency_keys VALUES
                     ('demo-staff-token', 'POST', '/caspen/v1/clients', 'k', '', x'7b7d', 201,
                      NULL, NULL, x'6f6b', '2024-01-01T00:00:00Z');
                 CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
                 INSERT INTO meta VALUES ('seeded_at', '2024-01-01T00:00:00Z');",
            )
            .expect("old schema");
        let store = Store::from_connection(connection, seed()).expect("store opens");
        let scope = IdempotencyScope {
            token_hash: crate::auth::token_hash("demo-staff-token"),
            method: "POST".into(),
            path: "/caspen/v1/clients".into(),
            key: "k".into(),
        };
        let remembered = store
            .read(|records| records.remembered_answer(&scope))
            .expect("read");
        assert_eq!(remembered.map(|answer| answer.body), Some(b"ok".to_vec()));
        let plain: i64 = store
            .read(|records| -> Result<i64, StoreError> {
                Ok(records.transaction.query_row(
                    "SELECT COUNT(*) FROM idempotency_keys WHERE token_sha256 = 'demo-staff-token'",
                    [],
                    |row| row.get(0),
                )?)
            })
            .expect("count");
        assert_eq!(plain, 0, "no token is left as it was sent");
    }

    #[test]
    fn a_remembered_answer_keeps_its_first_value_and_reset_forgets_it() {
        let store = Store::in_memory(seed()).expect("store opens");
        let scope = IdempotencyScope {
            token_hash: "t".into(),
            method: "POST".into(),
            path: "/caspen/v1/clients".into(),
            key: "k".into(),
        };
        let answer = |body: &[u8]| RememberedAnswer {
            request: RequestFingerprint {
                query: String::new(),
                body: b"{}".to_vec(),
            },
            status: 201,
            content_type: Some("application/json".into()),
            location: None,
            body: body.to_vec(),
        };
        store
            .write(|records| {
                records.remember_answer(&scope, &answer(b"first"))?;
                records.remember_answer(&scope, &answer(b"second"))
            })
            .expect("remember");
        let remembered = store
            .read(|records| records.remembered_answer(&scope))
            .expect("read");
        assert_eq!(remembered, Some(answer(b"first")));
        let other_token = IdempotencyScope {
            token_hash: "u".into(),
            ..scope.clone()
        };
        assert_eq!(
            store
                .read(|records| records.remembered_answer(&other_token))
                .expect("read"),
            None
        );
        store.reset().expect("reset");
        assert_eq!(
            store
                .read(|records| records.remembered_answer(&scope))
                .expect("read"),
            None
        );
    }
}
