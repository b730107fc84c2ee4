//! The facility store's part of the 申立書 relay (`crate::api::outage_relay`): its staff console's key, one row
//! replaced on each publication, and the queue of sealed captures, each kept until a console takes it or its
//! lifetime passes, at most [`onshi_proto::petition::MAX_QUEUED_PER_FACILITY`]. What is stored is what the kiosk
//! sent, sealed: the store cannot read it either.
//!
//! Layer: workerd adapter (the facility's Durable Object SQL storage), reached from `edge_store.rs`. Must not: keep
//! a capture after it was handed over, or decide a bound itself (they are `onshi_proto::petition`'s).

use onshi_proto::petition::{P256PublicKey, QueuedPetition, SealedPetition, expired_before, queue_admits};
use serde::{Deserialize, Serialize};
use worker::{Request, Response, Result, SqlStorage, SqlStorageValue};

use crate::api::outage_relay::Queued;

/// Store the console's key.
pub const PETITION_KEY_STORE_PATH: &str = "/petition/key/store";
/// Read the console's key.
pub const PETITION_KEY_READ_PATH: &str = "/petition/key/read";
/// Queue a sealed capture.
pub const PETITION_QUEUE_PATH: &str = "/petition/queue";
/// Take every queued capture.
pub const PETITION_TAKE_PATH: &str = "/petition/take";

/// The tables, made with the store's others.
pub const SCHEMA: &[&str] = &[
    // The facility's staff console key for captures (a public key): one row, replaced.
    "CREATE TABLE IF NOT EXISTS petition_key (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        public_key TEXT NOT NULL
    )",
    // Sealed captures waiting for a console; `sealed` is the kiosk's JSON, which holds nothing readable.
    "CREATE TABLE IF NOT EXISTS petition_queue (
        capture_id TEXT PRIMARY KEY,
        received_at INTEGER NOT NULL,
        sealed TEXT NOT NULL
    )",
];

/// Body of a queue call.
#[derive(Debug, Serialize, Deserialize)]
pub struct QueueCall {
    /// The capture.
    pub sealed: SealedPetition,
    /// Now, unix seconds.
    pub now: i64,
}

/// Body of a take call.
#[derive(Debug, Serialize, Deserialize)]
pub struct TakeCall {
    /// Now, unix seconds.
    pub now: i64,
}

#[derive(Deserialize)]
struct KeyRow {
    public_key: String,
}

#[derive(Deserialize)]
struct QueueRow {
    received_at: i64,
    sealed: String,
}

#[derive(Deserialize)]
struct CountRow {
    count: i64,
}

fn integer(value: i64) -> Result<SqlStorageValue> {
    SqlStorageValue::try_from_i64(value)
}

fn json_error(error: serde_json::Error) -> worker::Error {
    worker::Error::RustError(error.to_string())
}

/// True for the paths [`answer`] serves.
pub fn serves(path: &str) -> bool {
    [PETITION_KEY_STORE_PATH, PETITION_KEY_READ_PATH, PETITION_QUEUE_PATH, PETITION_TAKE_PATH].contains(&path)
}

/// Answers one of the relay's calls on the facility's storage.
pub async fn answer(sql: &SqlStorage, path: &str, request: &mut Request) -> Result<Response> {
    match path {
        PETITION_KEY_STORE_PATH => {
            let key: P256PublicKey = request.json().await?;
            let text = serde_json::to_string(&key).map_err(json_error)?;
            sql.exec(
                "INSERT INTO petition_key (id, public_key) VALUES (1, ?) \
                 ON CONFLICT (id) DO UPDATE SET public_key = excluded.public_key",
                vec![text.into()],
            )?;
            Response::from_json(&true)
        }
        PETITION_KEY_READ_PATH => {
            let rows: Vec<KeyRow> = sql.exec("SELECT public_key FROM petition_key WHERE id = 1", None)?.to_array()?;
            let key = rows
                .into_iter()
                .next()
                .map(|row| serde_json::from_str::<P256PublicKey>(&row.public_key))
                .transpose()
                .map_err(json_error)?;
            Response::from_json(&key)
        }
        PETITION_QUEUE_PATH => {
            let call: QueueCall = request.json().await?;
            sql.exec("DELETE FROM petition_queue WHERE received_at < ?", vec![integer(expired_before(call.now))?])?;
            let rows: Vec<CountRow> = sql.exec("SELECT COUNT(*) AS count FROM petition_queue", None)?.to_array()?;
            let queued = rows.first().map_or(0, |row| usize::try_from(row.count).unwrap_or(usize::MAX));
            if !queue_admits(queued) {
                return Response::from_json(&Queued::Full);
            }
            let sealed = serde_json::to_string(&call.sealed).map_err(json_error)?;
            // The same capture sent twice (a retried post) is kept once.
            sql.exec(
                "INSERT INTO petition_queue (capture_id, received_at, sealed) VALUES (?, ?, ?) \
                 ON CONFLICT (capture_id) DO NOTHING",
                vec![call.sealed.capture_id.as_str().to_owned().into(), integer(call.now)?, sealed.into()],
            )?;
            Response::from_json(&Queued::Kept)
        }
        PETITION_TAKE_PATH => {
            let call: TakeCall = request.json().await?;
            sql.exec("DELETE FROM petition_queue WHERE received_at < ?", vec![integer(expired_before(call.now))?])?;
            let rows: Vec<QueueRow> =
                sql.exec("DELETE FROM petition_queue RETURNING received_at, sealed", None)?.to_array()?;
            let mut petitions = rows
                .into_iter()
                .map(|row| {
                    serde_json::from_str(&row.sealed)
                        .map(|sealed| QueuedPetition { sealed, received_at: row.received_at })
                })
                .collect::<std::result::Result<Vec<_>, _>>()
                .map_err(json_error)?;
            petitions.sort_by_key(|petition| petition.received_at);
            Response::from_json(&petitions)
        }
        _ => Response::error("no such call", 404),
    }
}
