//! The facility store's one-time card challenges: each issued challenge is kept in the `EdgeStore` instance of the
//! facility of the device it was issued to, beside that device's record, nonces and counters, so that a session's
//! device check and its challenge use are one store call ([`CHECK_WITH_CHALLENGE_PATH`]).
//!
//! Counting is one `UPDATE … RETURNING` statement, and a Durable Object runs one event at a time, so two
//! concurrent answers to the same challenge can never both see a first use. Whether a use succeeds is decided
//! by [`crate::auth::challenge::judge_consumption`], not here.
//!
//! Old challenges are deleted by the store's alarm, set for the earliest time a stored challenge may be
//! forgotten, so that an instance nobody writes to again still empties itself.
//!
//! Layer: workerd adapter (the facility's Durable Object SQL storage), reached from `edge_store.rs`. Must not: count
//! a challenge for a device it was not issued to, or decide whether a use passes.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};
use worker::wasm_bindgen::JsValue;
use worker::{Result, ScheduledTime, SqlStorage, SqlStorageValue, Storage, js_sys};

use crate::auth::challenge::StoredChallenge;
use crate::auth::device::{DeviceCheck, DeviceCheckAnswer};

/// Path of the "remember this challenge" call.
pub const CHALLENGE_STORE_PATH: &str = "/challenge/store";
/// Path of the "count one use" call.
pub const CHALLENGE_USE_PATH: &str = "/challenge/use";
/// Path of the "how many challenges are stored, and when does the alarm ring" call (tests and operators).
pub const CHALLENGE_STATS_PATH: &str = "/challenge/stats";
/// Path of the "check this device request and, when it is counted, count one use of its challenge" call.
pub const CHECK_WITH_CHALLENGE_PATH: &str = "/device/check-with-challenge";

/// The table of bound challenges, made with the store's others.
pub const SCHEMA: &[&str] = &["CREATE TABLE IF NOT EXISTS bound_challenges (
        id TEXT PRIMARY KEY,
        challenge TEXT NOT NULL,
        expires_at INTEGER NOT NULL,
        forget_after INTEGER NOT NULL,
        uses INTEGER NOT NULL DEFAULT 0,
        device TEXT NOT NULL,
        purpose TEXT NOT NULL
    )"];

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

/// Body of a device check that uses a challenge: the check, and the id of the challenge the request answers.
#[derive(Debug, Serialize, Deserialize)]
pub struct CheckWithChallengeCall {
    /// The device request's check.
    pub check: DeviceCheck,
    /// The challenge id the request presents; counted only when the check counted the request.
    pub challenge_id: String,
}

/// Answer of a device check that uses a challenge.
#[derive(Debug, Serialize, Deserialize)]
pub struct CheckWithChallengeAnswer {
    /// The device check's answer.
    pub device: DeviceCheckAnswer,
    /// The challenge after counting; `None` when the request was refused (nothing was counted) or no challenge of
    /// that id was issued to the device.
    pub challenge: Option<StoredChallenge>,
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

/// Remembers a challenge and makes sure the alarm will forget it.
pub async fn store(sql: &SqlStorage, storage: &Storage, call: StoreCall) -> Result<()> {
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
    schedule_pruning(sql, storage).await
}

/// Counts one use of a challenge by the device it was issued to; the record after counting.
pub fn count_use(sql: &SqlStorage, call: UseCall) -> Result<Option<StoredChallenge>> {
    let rows: Vec<UseRow> = sql
        .exec(
            "UPDATE bound_challenges SET uses = uses + 1 WHERE id = ? AND device = ? \
             RETURNING challenge, expires_at, uses, device, purpose",
            vec![call.id.into(), call.device.into()],
        )?
        .to_array()?;
    rows.into_iter()
        .next()
        .map(|row| {
            Ok(StoredChallenge {
                challenge: URL_SAFE_NO_PAD
                    .decode(&row.challenge)
                    .map_err(|_| worker::Error::RustError("stored challenge is not base64url".into()))?,
                expires_at: row.expires_at,
                uses: row.uses,
                device: row.device,
                purpose: row.purpose,
            })
        })
        .transpose()
}

/// How many challenges are stored, and when the alarm rings.
pub async fn stats(sql: &SqlStorage, storage: &Storage) -> Result<StoreStats> {
    let rows: Vec<CountRow> = sql.exec("SELECT COUNT(*) AS count FROM bound_challenges", None)?.to_array()?;
    Ok(StoreStats {
        challenges: rows.into_iter().next().map_or(0, |row| row.count),
        alarm_at_ms: storage.get_alarm().await?,
    })
}

/// The alarm's work: forgets every challenge past its `forget_after`, then sets the alarm for the next one.
pub async fn prune(sql: &SqlStorage, storage: &Storage, now: i64) -> Result<()> {
    sql.exec("DELETE FROM bound_challenges WHERE forget_after < ?", vec![SqlStorageValue::try_from_i64(now)?])?;
    schedule_pruning(sql, storage).await
}

/// Sets the alarm for the earliest time a stored challenge may be forgotten (one second after it, because a record
/// is kept while `forget_after >= now`), or clears it when nothing is stored. The store's alarm serves only this.
async fn schedule_pruning(sql: &SqlStorage, storage: &Storage) -> Result<()> {
    let rows: Vec<EarliestRow> =
        sql.exec("SELECT MIN(forget_after) AS earliest FROM bound_challenges", None)?.to_array()?;
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
