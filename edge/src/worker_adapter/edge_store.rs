//! `EdgeStore`: a Durable Object holding enrolment codes, enrolled devices and rate counters in its SQLite
//! storage.
//!
//! Enrolment and staff codes are spread over a fixed number of instances (`codes-NN`, by their lookup key), client
//! counters of unauthenticated attempts over another (`clients-NN`, by the client's address), so a flood of guessed
//! codes or forged device ids creates no instance beyond those. One instance per facility
//! (`facility:<医療機関コード>`, named only after a device id this edge issued) holds
//! the facility's devices, each device's rate counter and the facility's, and the one-time card challenges issued
//! to its devices (`challenge_store.rs`, pruned by this object's alarm). A device request is therefore checked
//! and counted in a single call ([`crate::auth::device::check_and_count`]: load the device, verify its proof with
//! WebCrypto, count), a session's request with its challenge's use in the same call, and every counting step runs
//! in one single-threaded object, so two concurrent requests can never both redeem one code or slip past a limit.
//! Decisions are made by the pure modules, not here.
//!
//! The facility's bridge holds a WebSocket link to its facility's instance, accepted with the hibernation API (an
//! idle link costs the instance nothing): a newer link replaces the one before, and staff's by-number checks for
//! the terminal are handed to the bridge over it ([`BRIDGE_ASK_PATH`]). Such a request is kept in memory only, and
//! only while its staff call waits: it is sent again on a newer link until the bridge acknowledges it (the
//! bridge's spool takes an id once, so this never writes a second request), and forgotten when its outcome comes
//! or the wait ends. An instance that is evicted meanwhile loses it, and the waiting call with it.
//!
//! A bulk pre-check ([`BRIDGE_BULK_START_PATH`]) is handed over the same way but nobody waits on it: the instance
//! keeps it in memory, sending it again on a newer link until the bridge acknowledges it, then keeps its outcome
//! until staff read it once ([`BRIDGE_BULK_STATUS_PATH`]); staff's polling keeps the instance alive meanwhile, and
//! one evicted loses it, which staff then read as not found (never as a reason to send it again).
//!
//! Rate counters are counted in the instance's memory and, from half the limit on
//! ([`crate::auth::ratelimit::RateCounter::persist_from`]), written through to its storage on every count: one upsert into
//! the instance's local SQLite, committed with the event. An instance that was evicted or restarted reads its
//! counters back once, on its first count, so a client at its limit cannot start afresh by waiting for an eviction,
//! and the requests of a client far below its limit pay no storage commit.

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::time::Duration;

use futures::channel::oneshot;
use futures::future::{Either, select};
use onshi_proto::bridge_health::BridgeHealth;
use onshi_proto::bridge_link::{FromBridge, LinkRequestId, TerminalOutcome, ToBridge};
use serde::{Deserialize, Serialize};
use worker::{
    Delay, DurableObject, Env, Request, Response, Result, SqlStorage, SqlStorageValue, State, WebSocket,
    WebSocketIncomingMessage, WebSocketPair, durable_object,
};

use super::challenge_store::{self, CheckWithChallengeAnswer, CheckWithChallengeCall, UseCall};
use super::{petition_store, webcrypto};
use crate::api::bridge::TerminalReply;
use crate::api::staff_terminal_bulk::BulkJob;
use crate::auth::device::{DeviceCheck, DeviceCheckAnswer, DeviceId, DeviceRecord, ProofNonce, check_and_count};
use crate::auth::enrolment_code::{DeviceTerms, StoredEnrolmentCode};
use crate::auth::ratelimit::{LinkMessageBudget, RateCounter};
use crate::auth::staff_session::{StaffCall, StaffCallAnswer, StoredStaffSession, judge_staff_session};
use crate::error::EdgeError;

/// Store an enrolment code.
pub const CODE_STORE_PATH: &str = "/code/store";
/// Count one redemption attempt of a code.
pub const CODE_REDEEM_PATH: &str = "/code/redeem";
/// Store a device.
pub const DEVICE_STORE_PATH: &str = "/device/store";
/// Check one device request and count it when its proof holds.
pub const DEVICE_CHECK_PATH: &str = "/device/check";
/// Revoke a device.
pub const DEVICE_REVOKE_PATH: &str = "/device/revoke";
/// Count once on a counter (a client's unauthenticated attempts, a staff session's by-number misses).
pub const COUNT_PATH: &str = "/count";
/// Open a staff session.
pub const STAFF_OPEN_PATH: &str = "/staff/open";
/// Check one staff call.
pub const STAFF_CHECK_PATH: &str = "/staff/check";
/// End a staff session.
pub const STAFF_END_PATH: &str = "/staff/end";
/// Keep the bridge's latest health report.
pub const BRIDGE_HEALTH_STORE_PATH: &str = "/bridge/health/store";
/// Read the bridge's latest health report.
pub const BRIDGE_HEALTH_READ_PATH: &str = "/bridge/health/read";
/// Accept the bridge's WebSocket link (the worker checked its device proof), replacing the one before.
pub const BRIDGE_LINK_ACCEPT_PATH: &str = "/bridge/link/accept";
/// Whether the bridge's link is open.
pub const BRIDGE_LINK_OPEN_PATH: &str = "/bridge/link/open";
/// Hand a request to the bridge and wait for its outcome.
pub const BRIDGE_ASK_PATH: &str = "/bridge/ask";
/// Hand a bulk pre-check to the bridge and return at once.
pub const BRIDGE_BULK_START_PATH: &str = "/bridge/bulk/start";
/// Read how a bulk pre-check stands.
pub const BRIDGE_BULK_STATUS_PATH: &str = "/bridge/bulk/status";

/// How often remembering a device proof nonce also forgets the nonces past their time.
const NONCE_PRUNING_EVERY_SECS: i64 = 10;

const SCHEMA: &[&str] = &[
    "CREATE TABLE IF NOT EXISTS enrolment_codes (
        lookup_key TEXT PRIMARY KEY,
        facility_code TEXT NOT NULL,
        expires_at INTEGER NOT NULL,
        forget_after INTEGER NOT NULL,
        uses INTEGER NOT NULL DEFAULT 0
    )",
    "CREATE TABLE IF NOT EXISTS rate_counters (
        name TEXT NOT NULL,
        window_start INTEGER NOT NULL,
        count INTEGER NOT NULL,
        forget_after INTEGER NOT NULL,
        PRIMARY KEY (name, window_start)
    )",
    // What the admin said of the device a code enrols (`DeviceTerms` as JSON: name, place, staffed, role), beside
    // the code rather than in its table, so that a new term needs no change to either table. A code issued before
    // this table existed (codes live a day) enrols an unnamed, unstaffed kiosk: the narrowest device, never a wider one.
    "CREATE TABLE IF NOT EXISTS enrolment_code_terms (
        lookup_key TEXT PRIMARY KEY,
        terms TEXT NOT NULL
    )",
    "CREATE TABLE IF NOT EXISTS devices (
        id TEXT PRIMARY KEY,
        record TEXT NOT NULL,
        revoked INTEGER NOT NULL DEFAULT 0
    )",
    // Staff sessions of the facility: logout deletes one, and a call more than the idle time after the last one
    // finds it over.
    "CREATE TABLE IF NOT EXISTS staff_sessions (
        id TEXT PRIMARY KEY,
        expires_at INTEGER NOT NULL,
        last_seen INTEGER NOT NULL
    )",
    // The facility's bridge's latest health report (counts and durations, nothing personal): one row, replaced.
    "CREATE TABLE IF NOT EXISTS bridge_health (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        reported_at INTEGER NOT NULL,
        health TEXT NOT NULL
    )",
    // Device proof nonces, kept while a proof carrying one could still pass its timestamp check; stored, not only
    // held in memory, so that an evicted and restarted instance still refuses a replay.
    "CREATE TABLE IF NOT EXISTS proof_nonces (
        device TEXT NOT NULL,
        nonce TEXT NOT NULL,
        forget_after INTEGER NOT NULL,
        PRIMARY KEY (device, nonce)
    )",
];

/// Body of a count call.
#[derive(Debug, Serialize, Deserialize)]
pub struct CountCall {
    /// The client's counter.
    pub counter: RateCounter,
    /// The clock, unix seconds.
    pub now: i64,
}

/// Body of a staff open call.
#[derive(Debug, Serialize, Deserialize)]
pub struct StaffOpenCall {
    /// The staff session id.
    pub staff: String,
    /// Its record.
    pub record: StoredStaffSession,
}

/// Body of a bridge health store call, and the answer of a read.
#[derive(Debug, Serialize, Deserialize)]
pub struct BridgeHealthCall {
    /// The report.
    pub health: BridgeHealth,
    /// When it came, unix seconds.
    pub reported_at: i64,
}

#[derive(Deserialize)]
struct BridgeHealthRow {
    reported_at: i64,
    health: String,
}

/// Body of a bridge ask call; answered with a [`TerminalReply`].
#[derive(Debug, Serialize, Deserialize)]
pub struct BridgeAskCall {
    /// The request for the bridge.
    pub request: ToBridge,
    /// How long to wait for its outcome, in milliseconds.
    pub wait_ms: u32,
}

/// Body of a bulk start call; answered with whether a link took it.
#[derive(Debug, Serialize, Deserialize)]
pub struct BulkStartCall {
    /// The bulk request for the bridge.
    pub request: ToBridge,
    /// The caller's clock, Unix seconds.
    pub now: i64,
}

/// Body of a bulk status call; answered with the [`BulkJob`], if the instance holds it.
#[derive(Debug, Serialize, Deserialize)]
pub struct BulkStatusCall {
    /// The request's id.
    pub id: LinkRequestId,
    /// Requests handed over before this (Unix seconds) are forgotten once this call has read its own.
    pub forget_before: i64,
}

/// A bulk pre-check handed to the bridge, kept until staff read its outcome.
struct BulkWaiting {
    /// The message, until the bridge acknowledges it: sent again on a newer link.
    unacknowledged: Option<String>,
    /// When it was handed over, Unix seconds.
    since: i64,
    /// How it ended, once the bridge said.
    outcome: Option<TerminalOutcome>,
}

/// A request handed to the bridge whose staff call still waits.
struct Waiting {
    /// The message, until the bridge acknowledges it: sent again on a newer link.
    unacknowledged: Option<String>,
    /// Where the outcome goes.
    answer: Option<oneshot::Sender<TerminalOutcome>>,
    /// The message is staff's closing of a request ([`ToBridge::Settle`]): only the bridge's answer to a closing
    /// is its outcome, not the request's own outcome delivered again under the same id.
    settle: bool,
}

/// Body of a staff end call.
#[derive(Debug, Serialize, Deserialize)]
pub struct StaffEndCall {
    /// The staff session id.
    pub staff: String,
}

#[derive(Deserialize)]
struct StaffRow {
    expires_at: i64,
    last_seen: i64,
}

/// Body of a code store call.
#[derive(Debug, Serialize, Deserialize)]
pub struct CodeStoreCall {
    /// The code's lookup key (a hash).
    pub lookup_key: String,
    /// The facility it enrols into.
    pub facility_code: String,
    /// What the admin said of the device it enrols.
    #[serde(default)]
    pub terms: DeviceTerms,
    /// Unix seconds after which it is refused.
    pub expires_at: i64,
    /// Unix seconds after which the record may be deleted.
    pub forget_after: i64,
    /// The caller's clock.
    pub now: i64,
}

/// Body of a code redeem call.
#[derive(Debug, Serialize, Deserialize)]
pub struct CodeRedeemCall {
    /// The code's lookup key.
    pub lookup_key: String,
    /// The caller's clock.
    pub now: i64,
}

/// Body of a device revoke call.
#[derive(Debug, Serialize, Deserialize)]
pub struct DeviceCall {
    /// The device id.
    pub id: DeviceId,
}

#[derive(Deserialize)]
struct DeviceRow {
    record: String,
    revoked: i64,
}

#[derive(Deserialize)]
struct TermsRow {
    terms: String,
}

#[derive(Deserialize)]
struct CounterRow {
    name: String,
    window_start: i64,
    count: u32,
    forget_after: i64,
}

#[derive(Deserialize)]
struct IdRow {
    #[allow(dead_code)] // Only its presence matters.
    id: String,
}

/// Request counts by (counter name, window start): the count and the time after which it may be forgotten.
type Counters = HashMap<(String, i64), (u32, i64)>;

/// The Durable Object class (binding `EDGE_STORE`).
#[durable_object]
pub struct EdgeStore {
    state: State,
    /// Request counts by (counter name, window start), with the time after which each may be forgotten; read
    /// from storage on the first count after the instance started.
    counters: RefCell<Option<Counters>>,
    /// Devices read from storage, with their keys imported into WebCrypto. This instance is the only writer of
    /// its devices, and a device's key never changes, so the copy stays true; a revocation drops it.
    devices: RefCell<HashMap<DeviceId, LoadedDevice>>,
    /// True once this instance has made sure its tables exist.
    schema_ready: Cell<bool>,
    /// When the next nonce may forget the nonces past their time (unix seconds; zero: at the first one).
    next_nonce_pruning: Cell<i64>,
    /// What the open link has sent in the current minute ([`LinkMessageBudget`]).
    link_budget: RefCell<LinkMessageBudget>,
    /// Requests handed to the bridge whose staff calls still wait, by link request id (memory only).
    waiting: RefCell<HashMap<String, Waiting>>,
    /// Bulk pre-checks handed to the bridge whose outcome staff have not read yet, by link request id (memory only).
    bulk: RefCell<HashMap<String, BulkWaiting>>,
}

/// A device record as read from storage, and its public key once imported (on its first verification).
struct LoadedDevice {
    record: DeviceRecord,
    key: Option<webcrypto::P256Key>,
}

impl std::fmt::Debug for EdgeStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("EdgeStore")
    }
}

fn integer(value: i64) -> Result<SqlStorageValue> {
    SqlStorageValue::try_from_i64(value)
}

/// Deletes the terms of codes that are gone.
fn forget_code_terms(sql: &SqlStorage) -> Result<()> {
    sql.exec(
        "DELETE FROM enrolment_code_terms WHERE lookup_key NOT IN (SELECT lookup_key FROM enrolment_codes)",
        None,
    )?;
    Ok(())
}

impl EdgeStore {
    /// The instance's SQL storage; the schema is made once per instance life, not on every call.
    fn sql(&self) -> Result<SqlStorage> {
        let sql = self.state.storage().sql();
        if !self.schema_ready.get() {
            for statement in SCHEMA.iter().chain(petition_store::SCHEMA).chain(challenge_store::SCHEMA) {
                sql.exec(statement, None)?;
            }
            self.schema_ready.set(true);
        }
        Ok(sql)
    }
}

impl EdgeStore {
    /// Counts one request: in memory, written through to storage, old windows forgotten in both.
    fn count(&self, counter: &RateCounter, now: i64) -> Result<u32> {
        self.count_by(counter, now, 1)
    }

    /// Adds `add` to a counter (zero reads it) and returns its count after adding.
    fn count_by(&self, counter: &RateCounter, now: i64, add: u32) -> Result<u32> {
        let sql = self.sql()?;
        let mut cached = self.counters.borrow_mut();
        let counters = match cached.as_mut() {
            Some(counters) => counters,
            None => {
                let rows: Vec<CounterRow> =
                    sql.exec("SELECT name, window_start, count, forget_after FROM rate_counters", None)?.to_array()?;
                cached.insert(
                    rows.into_iter().map(|row| ((row.name, row.window_start), (row.count, row.forget_after))).collect(),
                )
            }
        };
        let before = counters.len();
        counters.retain(|_, (_, forget_after)| *forget_after >= now);
        if counters.len() != before {
            sql.exec("DELETE FROM rate_counters WHERE forget_after < ?", vec![integer(now)?])?;
        }
        let entry = counters.entry((counter.name.clone(), counter.window_start)).or_insert((0, counter.forget_after));
        entry.0 = entry.0.saturating_add(add);
        if add == 0 || entry.0 < counter.persist_from {
            return Ok(entry.0);
        }
        sql.exec(
            "INSERT INTO rate_counters (name, window_start, count, forget_after) VALUES (?, ?, ?, ?) \
             ON CONFLICT (name, window_start) DO UPDATE SET count = excluded.count",
            vec![
                counter.name.clone().into(),
                integer(counter.window_start)?,
                integer(i64::from(entry.0))?,
                integer(entry.1)?,
            ],
        )?;
        Ok(entry.0)
    }

    /// One staff call: the session is found and judged, and when open it is marked seen and the call counted.
    fn check_staff_call(&self, call: &StaffCall) -> Result<StaffCallAnswer> {
        let sql = self.sql()?;
        let rows: Vec<StaffRow> = sql
            .exec("SELECT expires_at, last_seen FROM staff_sessions WHERE id = ?", vec![call.staff.clone().into()])?
            .to_array()?;
        let record = rows
            .into_iter()
            .next()
            .map(|row| StoredStaffSession { expires_at: row.expires_at, last_seen: row.last_seen });
        if let Err(error) = judge_staff_session(record, call.now, call.idle) {
            return Ok(StaffCallAnswer::Refused { expired: error == EdgeError::SessionExpired });
        }
        sql.exec(
            "UPDATE staff_sessions SET last_seen = ? WHERE id = ?",
            vec![integer(call.now)?, call.staff.clone().into()],
        )?;
        let counted = call.count.iter().map(|counter| self.count(counter, call.now)).collect::<Result<Vec<_>>>()?;
        let peeked = call.peek.iter().map(|counter| self.count_by(counter, call.now, 0)).collect::<Result<Vec<_>>>()?;
        Ok(StaffCallAnswer::Open { counted, peeked })
    }

    /// Remembers a device proof nonce; false when it was already remembered (a replay). Nonces past their time are
    /// forgotten first, at most once every [`NONCE_PRUNING_EVERY_SECS`]: finding them reads the whole table, which
    /// holds every nonce of the last two minutes, and doing so on every request made the request's time grow with
    /// the facility's traffic. A nonce kept a little past its time is harmless, as its proof's timestamp is refused.
    fn remember_nonce(&self, nonce: &ProofNonce, now: i64) -> Result<bool> {
        let sql = self.sql()?;
        if now >= self.next_nonce_pruning.get() {
            sql.exec("DELETE FROM proof_nonces WHERE forget_after < ?", vec![integer(now)?])?;
            self.next_nonce_pruning.set(now.saturating_add(NONCE_PRUNING_EVERY_SECS));
        }
        let inserted: Vec<serde_json::Value> = sql
            .exec(
                "INSERT INTO proof_nonces (device, nonce, forget_after) VALUES (?, ?, ?) \
                 ON CONFLICT (device, nonce) DO NOTHING RETURNING forget_after",
                vec![
                    nonce.device_id.as_str().to_owned().into(),
                    nonce.nonce.clone().into(),
                    integer(nonce.forget_after)?,
                ],
            )?
            .to_array()?;
        Ok(!inserted.is_empty())
    }

    /// The stored record of a device of this facility, with its revocation flag.
    fn load_device(&self, id: &DeviceId) -> Result<Option<DeviceRecord>> {
        if let Some(loaded) = self.devices.borrow().get(id) {
            return Ok(Some(loaded.record.clone()));
        }
        let rows: Vec<DeviceRow> = self
            .sql()?
            .exec("SELECT record, revoked FROM devices WHERE id = ?", vec![id.as_str().to_owned().into()])?
            .to_array()?;
        let Some(row) = rows.into_iter().next() else {
            return Ok(None);
        };
        let mut record: DeviceRecord =
            serde_json::from_str(&row.record).map_err(|error| worker::Error::RustError(error.to_string()))?;
        record.revoked = row.revoked != 0;
        self.devices.borrow_mut().insert(id.clone(), LoadedDevice { record: record.clone(), key: None });
        Ok(Some(record))
    }

    /// The device's public key as a WebCrypto key, imported once per instance life.
    async fn device_key(&self, id: &DeviceId, spki_der: &[u8]) -> Option<webcrypto::P256Key> {
        if let Some(key) = self.devices.borrow().get(id).and_then(|loaded| loaded.key.clone()) {
            return Some(key);
        }
        let key = webcrypto::P256Key::import(spki_der).await.ok()?;
        if let Some(loaded) = self.devices.borrow_mut().get_mut(id) {
            loaded.key = Some(key.clone());
        }
        Some(key)
    }

    /// One device request: the shared store step over this instance's records, WebCrypto and counters.
    async fn check_device(&self, check: &DeviceCheck) -> Result<Response> {
        match self.device_answer(check).await {
            Ok(answer) => Response::from_json(&answer),
            Err(error) => Response::error(error.to_string(), 500),
        }
    }

    /// One device request that answers a challenge: the device check and, only when it counted the request, one
    /// use of the challenge by that device. Both in this one event, so the session's check-in pays one store call.
    async fn check_with_challenge(&self, call: CheckWithChallengeCall) -> Result<Response> {
        let device = match self.device_answer(&call.check).await {
            Ok(answer) => answer,
            Err(error) => return Response::error(error.to_string(), 500),
        };
        let challenge = match &device {
            DeviceCheckAnswer::Counted(_) => challenge_store::count_use(
                &self.sql()?,
                UseCall { id: call.challenge_id, device: call.check.device_id.as_str().to_owned() },
            )?,
            DeviceCheckAnswer::Refused(_) => None,
        };
        Response::from_json(&CheckWithChallengeAnswer { device, challenge })
    }

    /// The device check's answer ([`check_and_count`]) over this instance's records. Its last step (the nonce and
    /// the counts) runs after its last await, and so does the challenge use that may follow it in the same event.
    async fn device_answer(&self, check: &DeviceCheck) -> std::result::Result<DeviceCheckAnswer, EdgeError> {
        let record =
            self.load_device(&check.device_id).map_err(|_| EdgeError::Runtime("a device could not be read"))?;
        check_and_count(
            record,
            check,
            async |pending| {
                let Some(key) = self.device_key(&check.device_id, &pending.public_key).await else {
                    return Ok(false);
                };
                key.verify(&pending.message, &pending.signature).await
            },
            |nonce| {
                self.remember_nonce(nonce, check.now)
                    .map_err(|_| EdgeError::Runtime("a device proof nonce could not be written"))
            },
            |counter| {
                self.count(counter, check.now).map_err(|_| EdgeError::Runtime("a rate counter could not be written"))
            },
        )
        .await
    }
}

impl EdgeStore {
    /// Accepts a bridge's link for hibernation, closing the ones before, and sends it what waits unacknowledged.
    fn accept_link(&self) -> Result<Response> {
        for old in self.state.get_websockets() {
            // 1012: the service restarts for this client, here with a newer link of the same bridge.
            let _ = old.close(Some(1012), Some("replaced by a newer link"));
        }
        let pair = WebSocketPair::new()?;
        self.state.accept_web_socket(&pair.server);
        // Each link carries when it was accepted, so that the newest is told apart even after a hibernation.
        pair.server.serialize_attachment(worker::js_sys::Date::now())?;
        for waiting in self.waiting.borrow().values() {
            if let Some(text) = &waiting.unacknowledged {
                let _ = pair.server.send_with_str(text);
            }
        }
        for waiting in self.bulk.borrow().values() {
            if let Some(text) = &waiting.unacknowledged {
                let _ = pair.server.send_with_str(text);
            }
        }
        Response::from_websocket(pair.client)
    }

    /// Hands a bulk pre-check to the bridge and keeps it; false when no link is open (nothing is kept).
    fn start_bulk(&self, call: BulkStartCall) -> bool {
        let Some(link) = self.live_link() else { return false };
        let id = call.request.id();
        let text = call.request.to_text();
        if link.send_with_str(&text).is_err() {
            return false;
        }
        let waiting = BulkWaiting { unacknowledged: Some(text), since: call.now, outcome: None };
        self.bulk.borrow_mut().insert(id.as_str().to_owned(), waiting);
        true
    }

    /// How a bulk pre-check stands; an ended one is handed over once, and the stale ones are forgotten.
    fn bulk_status(&self, call: &BulkStatusCall) -> Option<BulkJob> {
        let mut bulk = self.bulk.borrow_mut();
        let job = bulk.get(call.id.as_str()).map(|waiting| match (&waiting.outcome, &waiting.unacknowledged) {
            (Some(outcome), _) => BulkJob::Ended { outcome: outcome.clone() },
            (None, Some(_)) => BulkJob::Sent { since: waiting.since },
            (None, None) => BulkJob::Acknowledged { since: waiting.since },
        });
        if matches!(job, Some(BulkJob::Ended { .. })) {
            bulk.remove(call.id.as_str());
        }
        bulk.retain(|_, waiting| waiting.since >= call.forget_before);
        job
    }

    /// The newest open link.
    fn live_link(&self) -> Option<WebSocket> {
        self.state
            .get_websockets()
            .into_iter()
            .filter_map(|socket| Some((socket.deserialize_attachment::<f64>().ok().flatten()?, socket)))
            .max_by(|(a, _), (b, _)| a.total_cmp(b))
            .map(|(_, socket)| socket)
    }

    /// Hands a request to the bridge and waits for its outcome, at most `wait_ms`.
    async fn ask_bridge(&self, call: BridgeAskCall) -> Result<TerminalReply> {
        let Some(link) = self.live_link() else {
            return Ok(TerminalReply::NotConnected);
        };
        let id = call.request.id().as_str().to_owned();
        let settle = matches!(call.request, ToBridge::Settle { .. });
        let text = call.request.to_text();
        let (sender, receiver) = oneshot::channel();
        self.waiting
            .borrow_mut()
            .insert(id.clone(), Waiting { unacknowledged: Some(text.clone()), answer: Some(sender), settle });
        if link.send_with_str(&text).is_err() {
            self.waiting.borrow_mut().remove(&id);
            return Ok(TerminalReply::NotConnected);
        }
        let delay = Delay::from(Duration::from_millis(u64::from(call.wait_ms)));
        let reply = match select(receiver, std::pin::pin!(delay)).await {
            Either::Left((Ok(outcome), _)) => TerminalReply::Outcome { outcome },
            _ => TerminalReply::TimedOut,
        };
        self.waiting.borrow_mut().remove(&id);
        Ok(reply)
    }
}

impl DurableObject for EdgeStore {
    fn new(state: State, _env: Env) -> Self {
        Self {
            state,
            counters: RefCell::default(),
            devices: RefCell::default(),
            schema_ready: Cell::new(false),
            next_nonce_pruning: Cell::new(0),
            waiting: RefCell::default(),
            bulk: RefCell::default(),
            link_budget: RefCell::default(),
        }
    }

    async fn websocket_message(&self, link: WebSocket, message: WebSocketIncomingMessage) -> Result<()> {
        // Counted before it is read, whatever it holds: a flood costs the store a count, not a parse.
        #[allow(clippy::cast_possible_truncation, reason = "Unix milliseconds fit an i64 for 292 million years")]
        let now_ms = worker::js_sys::Date::now() as i64;
        if !self.link_budget.borrow_mut().admit(now_ms) {
            worker::console_warn!(
                "onshi-edge: a bridge sent more messages than its link may carry; the link is closed"
            );
            let _ = link.close(Some(1008), Some("too many messages"));
            return Ok(());
        }
        let WebSocketIncomingMessage::String(text) = message else {
            return Ok(());
        };
        match FromBridge::read(&text) {
            Ok(FromBridge::Ack { id }) => {
                if let Some(waiting) = self.waiting.borrow_mut().get_mut(id.as_str()) {
                    waiting.unacknowledged = None;
                }
                if let Some(waiting) = self.bulk.borrow_mut().get_mut(id.as_str()) {
                    waiting.unacknowledged = None;
                }
            }
            // The answer to staff's closing of a request goes to the closing's wait, even for a bulk pre-check's id.
            Ok(FromBridge::Outcome { id, outcome })
                if self.bulk.borrow().contains_key(id.as_str()) && !outcome.answers_settle() =>
            {
                if let Some(waiting) = self.bulk.borrow_mut().get_mut(id.as_str()) {
                    // An outcome comes once the request was journalled, whether or not its Ack was heard.
                    waiting.unacknowledged = None;
                    waiting.outcome.get_or_insert(outcome);
                }
            }
            Ok(FromBridge::Outcome { id, outcome }) => {
                // An outcome nobody waits for any more (the wait ended, or it was delivered before) is dropped.
                let answer = self
                    .waiting
                    .borrow_mut()
                    .get_mut(id.as_str())
                    .filter(|waiting| waiting.settle == outcome.answers_settle())
                    .and_then(|waiting| waiting.answer.take());
                if let Some(answer) = answer {
                    let _ = answer.send(outcome);
                }
            }
            // The message is not logged: it may hold a name.
            Err(_) => worker::console_warn!("onshi-edge: a bridge sent a message that is not a link message"),
        }
        Ok(())
    }

    /// The alarm rings only for challenges to forget ([`challenge_store::prune`]).
    async fn alarm(&self) -> Result<Response> {
        challenge_store::prune(&self.sql()?, &self.state.storage(), super::now_unix()).await?;
        Response::ok("pruned")
    }

    async fn websocket_close(&self, link: WebSocket, _code: usize, _reason: String, _was_clean: bool) -> Result<()> {
        let _ = link.close(Some(1000), Some("closed"));
        Ok(())
    }

    async fn websocket_error(&self, _link: WebSocket, _error: worker::Error) -> Result<()> {
        Ok(())
    }

    async fn fetch(&self, mut request: Request) -> Result<Response> {
        match request.path().as_str() {
            BRIDGE_LINK_ACCEPT_PATH => return self.accept_link(),
            BRIDGE_LINK_OPEN_PATH => return Response::from_json(&self.live_link().is_some()),
            BRIDGE_ASK_PATH => {
                let call: BridgeAskCall = request.json().await?;
                return Response::from_json(&self.ask_bridge(call).await?);
            }
            BRIDGE_BULK_START_PATH => {
                let call: BulkStartCall = request.json().await?;
                return Response::from_json(&self.start_bulk(call));
            }
            BRIDGE_BULK_STATUS_PATH => {
                let call: BulkStatusCall = request.json().await?;
                return Response::from_json(&self.bulk_status(&call));
            }
            _ => {}
        }
        if request.path() == DEVICE_CHECK_PATH {
            let check: DeviceCheck = request.json().await?;
            return self.check_device(&check).await;
        }
        if request.path() == challenge_store::CHECK_WITH_CHALLENGE_PATH {
            let call: CheckWithChallengeCall = request.json().await?;
            return self.check_with_challenge(call).await;
        }
        if request.path() == COUNT_PATH {
            let call: CountCall = request.json().await?;
            return Response::from_json(&self.count(&call.counter, call.now)?);
        }
        let sql = self.sql()?;
        match request.path().as_str() {
            CODE_STORE_PATH => {
                let call: CodeStoreCall = request.json().await?;
                sql.exec("DELETE FROM enrolment_codes WHERE forget_after < ?", vec![integer(call.now)?])?;
                forget_code_terms(&sql)?;
                sql.exec(
                    "INSERT INTO enrolment_codes (lookup_key, facility_code, expires_at, forget_after, uses) \
                     VALUES (?, ?, ?, ?, 0)",
                    vec![
                        call.lookup_key.clone().into(),
                        call.facility_code.into(),
                        integer(call.expires_at)?,
                        integer(call.forget_after)?,
                    ],
                )?;
                let terms =
                    serde_json::to_string(&call.terms).map_err(|error| worker::Error::RustError(error.to_string()))?;
                sql.exec(
                    "INSERT INTO enrolment_code_terms (lookup_key, terms) VALUES (?, ?)",
                    vec![call.lookup_key.into(), terms.into()],
                )?;
                Response::from_json(&true)
            }
            CODE_REDEEM_PATH => {
                let call: CodeRedeemCall = request.json().await?;
                sql.exec("DELETE FROM enrolment_codes WHERE forget_after < ?", vec![integer(call.now)?])?;
                forget_code_terms(&sql)?;
                let rows: Vec<StoredEnrolmentCode> = sql
                    .exec(
                        "UPDATE enrolment_codes SET uses = uses + 1 WHERE lookup_key = ? \
                         RETURNING facility_code, expires_at, uses",
                        vec![call.lookup_key.clone().into()],
                    )?
                    .to_array()?;
                let Some(mut stored) = rows.into_iter().next() else {
                    return Response::from_json(&None::<StoredEnrolmentCode>);
                };
                let terms: Vec<TermsRow> = sql
                    .exec("SELECT terms FROM enrolment_code_terms WHERE lookup_key = ?", vec![call.lookup_key.into()])?
                    .to_array()?;
                // Unreadable terms fail closed: the device is then an unnamed, unstaffed kiosk, which may neither ask
                // for 目視 nor hand on a reader's result.
                stored.terms = terms.first().and_then(|row| serde_json::from_str(&row.terms).ok()).unwrap_or_default();
                Response::from_json(&Some(stored))
            }
            DEVICE_STORE_PATH => {
                let record: DeviceRecord = request.json().await?;
                let text =
                    serde_json::to_string(&record).map_err(|error| worker::Error::RustError(error.to_string()))?;
                sql.exec(
                    "INSERT INTO devices (id, record, revoked) VALUES (?, ?, ?)",
                    vec![record.device_id.as_str().to_owned().into(), text.into(), integer(i64::from(record.revoked))?],
                )?;
                Response::from_json(&true)
            }
            STAFF_OPEN_PATH => {
                let call: StaffOpenCall = request.json().await?;
                sql.exec("DELETE FROM staff_sessions WHERE expires_at < ?", vec![integer(call.record.last_seen)?])?;
                sql.exec(
                    "INSERT INTO staff_sessions (id, expires_at, last_seen) VALUES (?, ?, ?)",
                    vec![call.staff.into(), integer(call.record.expires_at)?, integer(call.record.last_seen)?],
                )?;
                Response::from_json(&true)
            }
            STAFF_CHECK_PATH => {
                let call: StaffCall = request.json().await?;
                Response::from_json(&self.check_staff_call(&call)?)
            }
            STAFF_END_PATH => {
                let call: StaffEndCall = request.json().await?;
                let rows: Vec<IdRow> = sql
                    .exec("DELETE FROM staff_sessions WHERE id = ? RETURNING id", vec![call.staff.into()])?
                    .to_array()?;
                Response::from_json(&!rows.is_empty())
            }
            BRIDGE_HEALTH_STORE_PATH => {
                let call: BridgeHealthCall = request.json().await?;
                let health =
                    serde_json::to_string(&call.health).map_err(|error| worker::Error::RustError(error.to_string()))?;
                sql.exec(
                    "INSERT INTO bridge_health (id, reported_at, health) VALUES (1, ?, ?) \
                     ON CONFLICT (id) DO UPDATE SET reported_at = excluded.reported_at, health = excluded.health",
                    vec![integer(call.reported_at)?, health.into()],
                )?;
                Response::from_json(&true)
            }
            BRIDGE_HEALTH_READ_PATH => {
                let rows: Vec<BridgeHealthRow> =
                    sql.exec("SELECT reported_at, health FROM bridge_health WHERE id = 1", None)?.to_array()?;
                let stored = rows
                    .into_iter()
                    .next()
                    .map(|row| {
                        serde_json::from_str(&row.health)
                            .map(|health| BridgeHealthCall { health, reported_at: row.reported_at })
                    })
                    .transpose()
                    .map_err(|error| worker::Error::RustError(error.to_string()))?;
                Response::from_json(&stored)
            }
            DEVICE_REVOKE_PATH => {
                let call: DeviceCall = request.json().await?;
                let rows: Vec<IdRow> = sql
                    .exec(
                        "UPDATE devices SET revoked = 1 WHERE id = ? RETURNING id",
                        vec![call.id.as_str().to_owned().into()],
                    )?
                    .to_array()?;
                self.devices.borrow_mut().remove(&call.id);
                Response::from_json(&!rows.is_empty())
            }
            path if petition_store::serves(path) => petition_store::answer(&sql, path, &mut request).await,
            challenge_store::CHALLENGE_STORE_PATH => {
                challenge_store::store(&sql, &self.state.storage(), request.json().await?).await?;
                Response::from_json(&true)
            }
            challenge_store::CHALLENGE_USE_PATH => {
                Response::from_json(&challenge_store::count_use(&sql, request.json().await?)?)
            }
            challenge_store::CHALLENGE_STATS_PATH => {
                Response::from_json(&challenge_store::stats(&sql, &self.state.storage()).await?)
            }
            _ => Response::error("no such call", 404),
        }
    }
}
