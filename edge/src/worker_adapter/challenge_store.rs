//! `ChallengeStore`: a SQLite-backed Durable Object that remembers issued challenges and counts their uses.
//!
//! Counting is one `UPDATE … RETURNING` statement, and a Durable Object runs one event at a time, so two
//! concurrent answers to the same challenge can never both see a first use. Whether a use succeeds is decided
//! by [`crate::auth::challenge::judge_consumption`], not here.
//!
//! Old challenges are deleted by the object's alarm, set for the earliest time a stored challenge may be
//! forgotten, so that an instance nobody writes to again still empties itself.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};
use worker::wasm_bindgen::JsValue;
use worker::{
    DurableObject, Env, Request, Response, Result, ScheduledTime, SqlStorage, SqlStorageValue, State, durable_object,
    js_sys,
};

use crate::auth::challenge::StoredChallenge;

/// Path of the "remember this challenge" call.
pub const STORE_PATH: &str = "/store";
/// Path of the "count one use" call.
pub const USE_PATH: &str = "/use";
/// Path of the "how many challenges are stored, and when does the alarm ring" call (tests and operators).
pub const STATS_PATH: &str = "/stats";

/// The table of bound challenges. A store that still holds the earlier table without device and purpose drops it:
/// its challenges could not be consumed any more, and they expire within minutes anyway.
const SCHEMA: [&str; 2] = [
    "DROP TABLE IF EXISTS challenges",
    "CREATE TABLE IF NOT EXISTS bound_challenges (
    id TEXT PRIMARY KEY,
    challenge TEXT NOT NULL,
    expires_at INTEGER NOT NULL,
    forget_after INTEGER NOT NULL,
    uses INTEGER NOT NULL DEFAULT 0,
    device TEXT NOT NULL,
    purpose TEXT NOT NULL
)",
];

/// Body of a store call.
#[derive(Debug, Serialize, Deserialize)]
pub struct StoreCall {
    /// Challenge id.
    pub id: String,
    /// Challenge bytes, base64url.
    pub challenge: String,
    /// Unix seconds after which the challenge is refused.
    pub expires_at: i64,
    /// Unix seconds after which the record may be deleted (by the alarm).
    pub forget_after: i64,
    /// The device the challenge was issued to.
    pub device: String,
    /// The purpose it was issued for.
    pub purpose: String,
}

/// Body of a use call.
#[derive(Debug, Serialize, Deserialize)]
pub struct UseCall {
    /// Challenge id.
    pub id: String,
    /// The device presenting it: only a challenge issued to it is counted.
    pub device: String,
}

/// Answer of a stats call.
#[derive(Debug, Serialize, Deserialize)]
pub struct StoreStats {
    /// Challenges stored.
    pub challenges: u32,
    /// When the pruning alarm rings, unix milliseconds; none when nothing waits to be forgotten.
    pub alarm_at_ms: Option<i64>,
}

#[derive(Deserialize)]
struct CountRow {
    count: u32,
}

#[derive(Deserialize)]
struct EarliestRow {
    earliest: Option<i64>,
}

#[derive(Deserialize)]
struct UseRow {
    challenge: String,
    expires_at: i64,
    uses: u32,
    device: String,
    purpose: String,
}

/// The Durable Object class (binding `CHALLENGES`).
#[durable_object]
pub struct ChallengeStore {
    state: State,
    /// True once this instance has made sure its table exists.
    schema_ready: std::cell::Cell<bool>,
}

impl std::fmt::Debug for ChallengeStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ChallengeStore")
    }
}

impl ChallengeStore {
    /// The instance's SQL storage; the schema is made once per instance life, not on every call.
    fn sql(&self) -> Result<SqlStorage> {
        let sql = self.state.storage().sql();
        if !self.schema_ready.get() {
            for statement in SCHEMA {
                sql.exec(statement, None)?;
            }
            self.schema_ready.set(true);
        }
        Ok(sql)
    }

    fn forget_old(sql: &SqlStorage, now: i64) -> Result<()> {
        sql.exec("DELETE FROM bound_challenges WHERE forget_after < ?", vec![SqlStorageValue::try_from_i64(now)?])?;
        Ok(())
    }

    /// Sets the alarm for the earliest time a stored challenge may be forgotten (one second after it, because a
    /// record is kept while `forget_after >= now`), or clears it when nothing is stored.
    async fn schedule_pruning(&self, sql: &SqlStorage) -> Result<()> {
        let rows: Vec<EarliestRow> =
            sql.exec("SELECT MIN(forget_after) AS earliest FROM bound_challenges", None)?.to_array()?;
        let storage = self.state.storage();
        match rows.into_iter().next().and_then(|row| row.earliest) {
            Some(earliest) => {
                let ring_at_ms = earliest.saturating_add(1).saturating_mul(1000);
                if storage.get_alarm().await?.is_none_or(|current| current > ring_at_ms) {
                    let date = js_sys::Date::new(&JsValue::from_f64(ring_at_ms as f64));
                    storage.set_alarm(ScheduledTime::new(date)).await?;
                }
            }
            None => storage.delete_alarm().await?,
        }
        Ok(())
    }
}

impl DurableObject for ChallengeStore {
    fn new(state: State, _env: Env) -> Self {
        Self { state, schema_ready: std::cell::Cell::new(false) }
    }

    async fn fetch(&self, mut request: Request) -> Result<Response> {
        match request.path().as_str() {
            STORE_PATH => {
                let call: StoreCall = request.json().await?;
                let sql = self.sql()?;
                sql.exec(
                    "INSERT INTO bound_challenges (id, challenge, expires_at, forget_after, uses, device, purpose) \
                     VALUES (?, ?, ?, ?, 0, ?, ?)",
                    vec![
                        call.id.into(),
                        call.challenge.into(),
                        SqlStorageValue::try_from_i64(call.expires_at)?,
                        SqlStorageValue::try_from_i64(call.forget_after)?,
                        call.device.into(),
                        call.purpose.into(),
                    ],
                )?;
                self.schedule_pruning(&sql).await?;
                Response::from_json(&serde_json::json!({ "stored": true }))
            }
            USE_PATH => {
                let call: UseCall = request.json().await?;
                let sql = self.sql()?;
                let rows: Vec<UseRow> = sql
                    .exec(
                        "UPDATE bound_challenges SET uses = uses + 1 WHERE id = ? AND device = ? \
                         RETURNING challenge, expires_at, uses, device, purpose",
                        vec![call.id.into(), call.device.into()],
                    )?
                    .to_array()?;
                let record = match rows.into_iter().next() {
                    Some(row) => Some(StoredChallenge {
                        challenge: URL_SAFE_NO_PAD
                            .decode(&row.challenge)
                            .map_err(|_| worker::Error::RustError("stored challenge is not base64url".into()))?,
                        expires_at: row.expires_at,
                        uses: row.uses,
                        device: row.device,
                        purpose: row.purpose,
                    }),
                    None => None,
                };
                Response::from_json(&record)
            }
            STATS_PATH => {
                let sql = self.sql()?;
                let rows: Vec<CountRow> =
                    sql.exec("SELECT COUNT(*) AS count FROM bound_challenges", None)?.to_array()?;
                Response::from_json(&StoreStats {
                    challenges: rows.into_iter().next().map_or(0, |row| row.count),
                    alarm_at_ms: self.state.storage().get_alarm().await?,
                })
            }
            _ => Response::error("no such call", 404),
        }
    }

    /// Forgets every challenge past its `forget_after`, then sets the alarm for the next one.
    async fn alarm(&self) -> Result<Response> {
        let sql = self.sql()?;
        Self::forget_old(&sql, super::now_unix())?;
        self.schedule_pruning(&sql).await?;
        Response::ok("pruned")
    }
}
