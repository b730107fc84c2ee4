//! `ChallengeStore`: a SQLite-backed Durable Object that remembers issued challenges and counts their uses.
//!
//! Counting is one `UPDATE … RETURNING` statement, and a Durable Object runs one event at a time, so two
//! concurrent answers to the same challenge can never both see a first use. Whether a use succeeds is decided
//! by [`crate::challenge::judge_consumption`], not here.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};
use worker::{
    DurableObject, Env, Request, Response, Result, SqlStorage, SqlStorageValue, State,
    durable_object,
};

use crate::challenge::StoredChallenge;

/// Path of the "remember this challenge" call.
pub const STORE_PATH: &str = "/store";
/// Path of the "count one use" call.
pub const USE_PATH: &str = "/use";

const SCHEMA: &str = "CREATE TABLE IF NOT EXISTS challenges (
    id TEXT PRIMARY KEY,
    challenge TEXT NOT NULL,
    expires_at INTEGER NOT NULL,
    forget_after INTEGER NOT NULL,
    uses INTEGER NOT NULL DEFAULT 0
)";

/// Body of a store call.
#[derive(Debug, Serialize, Deserialize)]
pub struct StoreCall {
    /// Challenge id.
    pub id: String,
    /// Challenge bytes, base64url.
    pub challenge: String,
    /// Unix seconds after which the challenge is refused.
    pub expires_at: i64,
    /// Unix seconds after which the record may be deleted.
    pub forget_after: i64,
    /// The caller's clock, for forgetting old records.
    pub now: i64,
}

/// Body of a use call.
#[derive(Debug, Serialize, Deserialize)]
pub struct UseCall {
    /// Challenge id.
    pub id: String,
    /// The caller's clock, for forgetting old records.
    pub now: i64,
}

#[derive(Deserialize)]
struct UseRow {
    challenge: String,
    expires_at: i64,
    uses: u32,
}

/// The Durable Object class (binding `CHALLENGES`).
#[durable_object]
pub struct ChallengeStore {
    state: State,
}

impl std::fmt::Debug for ChallengeStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ChallengeStore")
    }
}

impl ChallengeStore {
    fn sql(&self) -> Result<SqlStorage> {
        let sql = self.state.storage().sql();
        sql.exec(SCHEMA, None)?;
        Ok(sql)
    }

    fn forget_old(sql: &SqlStorage, now: i64) -> Result<()> {
        sql.exec(
            "DELETE FROM challenges WHERE forget_after < ?",
            vec![SqlStorageValue::try_from_i64(now)?],
        )?;
        Ok(())
    }
}

impl DurableObject for ChallengeStore {
    fn new(state: State, _env: Env) -> Self {
        Self { state }
    }

    async fn fetch(&self, mut request: Request) -> Result<Response> {
        match request.path().as_str() {
            STORE_PATH => {
                let call: StoreCall = request.json().await?;
                let sql = self.sql()?;
                Self::forget_old(&sql, call.now)?;
                sql.exec(
                    "INSERT INTO challenges (id, challenge, expires_at, forget_after, uses) VALUES (?, ?, ?, ?, 0)",
                    vec![
                        call.id.into(),
                        call.challenge.into(),
                        SqlStorageValue::try_from_i64(call.expires_at)?,
                        SqlStorageValue::try_from_i64(call.forget_after)?,
                    ],
                )?;
                Response::from_json(&serde_json::json!({ "stored": true }))
            }
            USE_PATH => {
                let call: UseCall = request.json().await?;
                let sql = self.sql()?;
                Self::forget_old(&sql, call.now)?;
                let rows: Vec<UseRow> = sql
                    .exec(
                        "UPDATE challenges SET uses = uses + 1 WHERE id = ? RETURNING challenge, expires_at, uses",
                        vec![call.id.into()],
                    )?
                    .to_array()?;
                let record = match rows.into_iter().next() {
                    Some(row) => Some(StoredChallenge {
                        challenge: URL_SAFE_NO_PAD.decode(&row.challenge).map_err(|_| {
                            worker::Error::RustError("stored challenge is not base64url".into())
                        })?,
                        expires_at: row.expires_at,
                        uses: row.uses,
                    }),
                    None => None,
                };
                Response::from_json(&record)
            }
            _ => Response::error("no such call", 404),
        }
    }
}
