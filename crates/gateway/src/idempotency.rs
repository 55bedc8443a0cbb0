//! Exactly once for vendors that promise nothing: each write's
//! `Idempotency-Key` is claimed here before the write goes upstream, and
//! the answer is kept under it, so a repeat gets the kept answer and never
//! reaches the vendor.
//!
//! The store is a trait so that several gateway instances can share one:
//! [`SqliteStore`] is the embedded default. A shared store needs the same
//! one atomic step, [`IdempotencyStore::claim`]: in Redis a `SET key value
//! NX PX <expiry>` (or a short Lua script that reads, compares the
//! fingerprint and sets in one go); in PostgreSQL an `INSERT ... ON
//! CONFLICT DO NOTHING` followed by `SELECT ... FOR UPDATE` in one
//! transaction. The other calls are plain writes by key.

use std::path::Path;
use std::sync::Mutex;

use rusqlite::{params, Connection, OptionalExtension, TransactionBehavior};

/// An answer kept under a key, replayed to a repeat.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredAnswer {
    pub status: u16,
    pub content_type: Option<String>,
    pub body: Vec<u8>,
}

/// What a claim of a key found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Claim {
    /// Nobody had the key: the caller now holds it and sends the write.
    First,
    /// The write was done: its answer.
    Replay(StoredAnswer),
    /// The key was used for another body: a client bug, never forwarded.
    Mismatch,
    /// The first request with the key is still running.
    InFlight,
    /// An earlier attempt went upstream and nobody learned its outcome (the
    /// connection dropped, the vendor timed out, the gateway stopped
    /// half-way). The caller now holds the key and must settle the outcome
    /// before sending again.
    Unknown,
}

/// Why the store could not answer.
#[derive(Debug)]
pub struct StoreError(pub String);

impl std::fmt::Display for StoreError {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(formatter, "the idempotency store failed: {}", self.0)
    }
}

impl std::error::Error for StoreError {}

impl From<rusqlite::Error> for StoreError {
    fn from(error: rusqlite::Error) -> StoreError {
        StoreError(error.to_string())
    }
}

/// Times are whole milliseconds since the Unix epoch, given by the caller
/// so that tests control the clock.
pub trait IdempotencyStore: Send + Sync {
    /// Claims `key` within `scope` for a request whose content hashes to
    /// `fingerprint`, atomically. A key held in flight for longer than
    /// `stale_after_ms` is taken over as [`Claim::Unknown`] (its holder
    /// stopped); a key older than `kept_ms` is forgotten and claimed anew.
    fn claim(
        &self,
        scope: &str,
        key: &str,
        fingerprint: &str,
        now_ms: u64,
        stale_after_ms: u64,
        kept_ms: u64,
    ) -> Result<Claim, StoreError>;
    /// Keeps `answer` under the key: every repeat gets it.
    fn complete(&self, scope: &str, key: &str, answer: &StoredAnswer) -> Result<(), StoreError>;
    /// Nothing was written upstream (refused before sending, or a 429 or
    /// 503): a repeat is sent as new.
    fn release(&self, scope: &str, key: &str) -> Result<(), StoreError>;
    /// The write went upstream and its outcome is unknown.
    fn mark_unknown(&self, scope: &str, key: &str) -> Result<(), StoreError>;
    /// The holder of an in-flight key is still at work (settling an
    /// unknown outcome page by page): it is not stale yet.
    fn hold(&self, scope: &str, key: &str, now_ms: u64) -> Result<(), StoreError>;
    /// Forgets keys older than `kept_ms`; how many went.
    fn purge(&self, now_ms: u64, kept_ms: u64) -> Result<usize, StoreError>;
}

/// Keys in one SQLite file.
pub struct SqliteStore {
    connection: Mutex<Connection>,
}

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS idempotency_keys (
    scope TEXT NOT NULL,
    key TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('in_flight', 'unknown', 'done')),
    created_ms INTEGER NOT NULL,
    claimed_ms INTEGER NOT NULL,
    status INTEGER,
    content_type TEXT,
    body BLOB,
    PRIMARY KEY (scope, key)
);
CREATE INDEX IF NOT EXISTS idempotency_keys_created ON idempotency_keys (created_ms);
";

impl SqliteStore {
    /// Opens (or makes) the store at `path`.
    pub fn open(path: &Path) -> Result<SqliteStore, StoreError> {
        if let Some(folder) = path
            .parent()
            .filter(|folder| !folder.as_os_str().is_empty())
        {
            std::fs::create_dir_all(folder).map_err(|error| {
                StoreError(format!("cannot make {}: {error}", folder.display()))
            })?;
        }
        let connection = Connection::open(path)?;
        connection.busy_timeout(std::time::Duration::from_secs(5))?;
        connection.pragma_update(None, "journal_mode", "WAL")?;
        connection.execute_batch(SCHEMA)?;
        Ok(SqliteStore {
            connection: Mutex::new(connection),
        })
    }

    /// A store that lives in memory, for tests.
    pub fn in_memory() -> Result<SqliteStore, StoreError> {
        let connection = Connection::open_in_memory()?;
        connection.execute_batch(SCHEMA)?;
        Ok(SqliteStore {
            connection: Mutex::new(connection),
        })
    }

    fn with<T>(
        &self,
        work: impl FnOnce(&mut Connection) -> Result<T, rusqlite::Error>,
    ) -> Result<T, StoreError> {
        let mut connection = match self.connection.lock() {
            Ok(connection) => connection,
            Err(poisoned) => poisoned.into_inner(),
        };
        Ok(work(&mut connection)?)
    }
}

type Row = (
    String,
    String,
    u64,
    u64,
    Option<u16>,
    Option<String>,
    Option<Vec<u8>>,
);

impl IdempotencyStore for SqliteStore {
    fn claim(
        &self,
        scope: &str,
        key: &str,
        fingerprint: &str,
        now_ms: u64,
        stale_after_ms: u64,
        kept_ms: u64,
    ) -> Result<Claim, StoreError> {
        self.with(|connection| {
            let transaction =
                connection.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let row: Option<Row> = transaction
                .query_row(
                    "SELECT fingerprint, state, created_ms, claimed_ms, status, content_type, body
                     FROM idempotency_keys WHERE scope = ?1 AND key = ?2",
                    params![scope, key],
                    |row| {
                        Ok((
                            row.get(0)?,
                            row.get(1)?,
                            row.get(2)?,
                            row.get(3)?,
                            row.get(4)?,
                            row.get(5)?,
                            row.get(6)?,
                        ))
                    },
                )
                .optional()?;
            let claim_new = |transaction: &rusqlite::Transaction| {
                transaction.execute(
                    "INSERT OR REPLACE INTO idempotency_keys
                     (scope, key, fingerprint, state, created_ms, claimed_ms)
                     VALUES (?1, ?2, ?3, 'in_flight', ?4, ?4)",
                    params![scope, key, fingerprint, now_ms],
                )
            };
            let take_over = |transaction: &rusqlite::Transaction| {
                transaction.execute(
                    "UPDATE idempotency_keys SET state = 'in_flight', claimed_ms = ?3
                     WHERE scope = ?1 AND key = ?2",
                    params![scope, key, now_ms],
                )
            };
            let claim = match row {
                Some((_, _, created_ms, ..)) if now_ms.saturating_sub(created_ms) >= kept_ms => {
                    claim_new(&transaction)?;
                    Claim::First
                }
                None => {
                    claim_new(&transaction)?;
                    Claim::First
                }
                Some((stored, ..)) if stored != fingerprint => Claim::Mismatch,
                Some((_, state, _, claimed_ms, status, content_type, body)) => match state.as_str()
                {
                    "done" => Claim::Replay(StoredAnswer {
                        status: status.unwrap_or(200),
                        content_type,
                        body: body.unwrap_or_default(),
                    }),
                    "in_flight" if now_ms.saturating_sub(claimed_ms) < stale_after_ms => {
                        Claim::InFlight
                    }
                    _ => {
                        take_over(&transaction)?;
                        Claim::Unknown
                    }
                },
            };
            transaction.commit()?;
            Ok(claim)
        })
    }

    fn complete(&self, scope: &str, key: &str, answer: &StoredAnswer) -> Result<(), StoreError> {
        self.with(|connection| {
            connection.execute(
                "UPDATE idempotency_keys SET state = 'done', status = ?3, content_type = ?4, body = ?5
                 WHERE scope = ?1 AND key = ?2",
                params![scope, key, answer.status, answer.content_type, answer.body],
            )?;
            Ok(())
        })
    }

    fn release(&self, scope: &str, key: &str) -> Result<(), StoreError> {
        self.with(|connection| {
            connection.execute(
                "DELETE FROM idempotency_keys WHERE scope = ?1 AND key = ?2 AND state != 'done'",
                params![scope, key],
            )?;
            Ok(())
        })
    }

    fn mark_unknown(&self, scope: &str, key: &str) -> Result<(), StoreError> {
        self.with(|connection| {
            connection.execute(
                "UPDATE idempotency_keys SET state = 'unknown'
                 WHERE scope = ?1 AND key = ?2 AND state = 'in_flight'",
                params![scope, key],
            )?;
            Ok(())
        })
    }

    fn hold(&self, scope: &str, key: &str, now_ms: u64) -> Result<(), StoreError> {
        self.with(|connection| {
            connection.execute(
                "UPDATE idempotency_keys SET claimed_ms = ?3
                 WHERE scope = ?1 AND key = ?2 AND state = 'in_flight'",
                params![scope, key, now_ms],
            )?;
            Ok(())
        })
    }

    fn purge(&self, now_ms: u64, kept_ms: u64) -> Result<usize, StoreError> {
        // Nothing is that old yet when the clock is younger than the limit.
        let Some(oldest_kept) = now_ms.checked_sub(kept_ms) else {
            return self.with(|connection| connection.query_row("SELECT 0", [], |_| Ok(0)));
        };
        self.with(|connection| {
            connection.execute(
                "DELETE FROM idempotency_keys WHERE created_ms <= ?1",
                params![oldest_kept],
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const STALE: u64 = 30_000;
    const KEPT: u64 = 24 * 60 * 60 * 1000;

    fn answer() -> StoredAnswer {
        StoredAnswer {
            status: 201,
            content_type: Some("application/json".into()),
            body: br#"{"id":"cli_1"}"#.to_vec(),
        }
    }

    #[test]
    fn a_key_is_claimed_once_then_replayed() {
        let store = SqliteStore::in_memory().unwrap();
        assert_eq!(
            store.claim("s", "k", "f", 0, STALE, KEPT).unwrap(),
            Claim::First
        );
        assert_eq!(
            store.claim("s", "k", "f", 10, STALE, KEPT).unwrap(),
            Claim::InFlight
        );
        store.complete("s", "k", &answer()).unwrap();
        assert_eq!(
            store.claim("s", "k", "f", 20, STALE, KEPT).unwrap(),
            Claim::Replay(answer())
        );
        assert_eq!(
            store.claim("s", "k", "other", 20, STALE, KEPT).unwrap(),
            Claim::Mismatch
        );
        // Another route's key of the same name is another key.
        assert_eq!(
            store.claim("t", "k", "other", 20, STALE, KEPT).unwrap(),
            Claim::First
        );
    }

    #[test]
    fn a_released_key_goes_again_and_an_unknown_one_is_settled() {
        let store = SqliteStore::in_memory().unwrap();
        store.claim("s", "k", "f", 0, STALE, KEPT).unwrap();
        store.release("s", "k").unwrap();
        assert_eq!(
            store.claim("s", "k", "f", 1, STALE, KEPT).unwrap(),
            Claim::First
        );
        store.mark_unknown("s", "k").unwrap();
        assert_eq!(
            store.claim("s", "k", "f", 2, STALE, KEPT).unwrap(),
            Claim::Unknown
        );
        // Whoever settles it holds it meanwhile, for as long as it says so.
        assert_eq!(
            store.claim("s", "k", "f", 3, STALE, KEPT).unwrap(),
            Claim::InFlight
        );
        store.hold("s", "k", STALE).unwrap();
        assert_eq!(
            store.claim("s", "k", "f", STALE + 3, STALE, KEPT).unwrap(),
            Claim::InFlight
        );
    }

    #[test]
    fn a_stale_claim_is_taken_over_as_unknown_and_old_keys_are_forgotten() {
        let store = SqliteStore::in_memory().unwrap();
        store.claim("s", "k", "f", 0, STALE, KEPT).unwrap();
        assert_eq!(
            store.claim("s", "k", "f", STALE, STALE, KEPT).unwrap(),
            Claim::Unknown
        );
        store.complete("s", "k", &answer()).unwrap();
        assert_eq!(store.purge(KEPT - 1, KEPT).unwrap(), 0);
        assert_eq!(store.purge(KEPT, KEPT).unwrap(), 1);
        assert_eq!(
            store.claim("s", "k", "f", KEPT, STALE, KEPT).unwrap(),
            Claim::First
        );
    }

    #[test]
    fn the_store_survives_a_restart() {
        let folder = tempfile::tempdir().unwrap();
        let path = folder.path().join("keys.sqlite");
        {
            let store = SqliteStore::open(&path).unwrap();
            store.claim("s", "k", "f", 0, STALE, KEPT).unwrap();
            store.complete("s", "k", &answer()).unwrap();
        }
        let store = SqliteStore::open(&path).unwrap();
        assert_eq!(
            store.claim("s", "k", "f", 1, STALE, KEPT).unwrap(),
            Claim::Replay(answer())
        );
    }
}
