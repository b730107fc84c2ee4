//! The edge link: the WebSocket the bridge holds open to its facility's store at the edge (`GET`
//! [`BRIDGE_LINK_PATH`], upgraded, with the bridge's device proof), through which staff's by-number checks reach
//! the terminal. Outbound only: the facility's LAN opens no port.
//!
//! A [`Link`] beside another (the folder link keeps working): a request the edge sends becomes a spool request
//! ([`relay::request_from`]); it is acknowledged ([`FromBridge::Ack`]) only in [`Link::taken`], which the bridge
//! calls after the spool journalled it, so a bridge killed before that is simply handed the request again, and the
//! spool, which knows every id it journalled, never writes it twice. Outcomes go back as [`FromBridge::Outcome`];
//! each one written to the socket is remembered in `edge-delivered.log` under the link folder, and after a restart
//! the bridge re-delivers only the outcomes not listed there. That list is asked only about requests the spool still
//! knows (the outcomes it would re-deliver), so an id is dropped from it once the spool forgets the request
//! ([`Link::forget`], or at start-up for what an earlier run left, [`Link::prune`]), and the file is rewritten to
//! the ids still listed by the journals' own rule ([`files::compact_journal`]): at start-up, and when most of it is
//! dead.
//!
//! One thread owns the socket: it connects, reconnects after a failure on a doubling backoff, hands incoming
//! messages to the bridge's loop through a channel and writes what the loop queued, keeping what a broken
//! connection did not take for the next one. Adapter code: what a message means is [`relay`]'s.

use std::collections::{HashSet, VecDeque};
use std::io::Write as _;
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, Sender, TryRecvError, channel};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use onshi_proto::bridge_link::{BRIDGE_LINK_PATH, FromBridge, LinkRequestId, SettleRefusal, TerminalOutcome, ToBridge};
use tungstenite::client::IntoClientRequest as _;
use tungstenite::http::HeaderValue;
use tungstenite::stream::MaybeTlsStream;
use tungstenite::{Message, WebSocket};

use crate::clock;
use crate::core::health::Health;
use crate::core::outbox::Backoff;
use crate::core::relay;
use crate::core::spool::{NewRequest, Outcome};
use crate::device::{self, Enrolled};
use crate::error::{BridgeError, Context as _};
use crate::files;
use crate::link::Link;

/// The file under the link folder listing the spool ids whose outcome was written to the edge's socket.
pub const DELIVERED_FILE: &str = "edge-delivered.log";

/// How long a read waits before the socket thread looks at what the bridge queued.
const POLL: Duration = Duration::from_millis(50);
/// How long connecting and the upgrade may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// A ping this often keeps the connection known alive through proxies, and finds a dead one.
const PING_EVERY: Duration = Duration::from_secs(30);
/// Reconnection waits: 250 ms doubling to 30 s.
const RECONNECT: Backoff = Backoff { first_ms: 250, max_ms: 30_000 };
/// Handles of the edge's requests start with this (a folder request's handle is a file name, which cannot).
const HANDLE_PREFIX: &str = "edge:";

/// The spool ids whose outcome was written to the socket, as `edge-delivered.log` lists them. Its lock is held
/// while the file is appended to or rewritten, so a line is never appended to a file a rewrite is replacing.
#[derive(Debug, Default)]
struct Delivered {
    ids: HashSet<String>,
    /// Lines in the file (listed or dropped), for deciding when to rewrite it.
    lines: usize,
}

/// The edge link beside `inner`.
#[derive(Debug)]
pub struct WsLink<L: Link> {
    inner: L,
    facility: String,
    /// The terminal's `face` folder, where a registration's person is read from.
    face_dir: Option<PathBuf>,
    incoming: Receiver<ToBridge>,
    outgoing: Sender<FromBridge>,
    /// The link folder, which holds [`DELIVERED_FILE`].
    dir: PathBuf,
    delivered: Arc<Mutex<Delivered>>,
    stop: Arc<AtomicBool>,
    /// Staff's closings the edge sent, waiting for the bridge's loop.
    settles: Vec<LinkRequestId>,
}

impl<L: Link> WsLink<L> {
    /// Opens the link for `enrolled` (its edge, its facility), remembering delivered outcomes under `dir`, and
    /// starts the socket thread, which connects at once and keeps reconnecting until the link is dropped.
    pub fn open(inner: L, dir: &Path, enrolled: Enrolled) -> Result<Self, BridgeError> {
        crate::files::ensure_dirs(&[&dir.to_path_buf()])?;
        let log = dir.join(DELIVERED_FILE);
        let delivered = match std::fs::read_to_string(&log) {
            Ok(text) => Delivered {
                ids: text.lines().filter(|line| !line.is_empty()).map(str::to_owned).collect(),
                lines: text.split_inclusive('\n').count(),
            },
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Delivered::default(),
            Err(e) => return Err(BridgeError::Io { what: format!("read {}", log.display()), source: e }),
        };
        let delivered = Arc::new(Mutex::new(delivered));
        let (to_loop, incoming) = channel();
        let (outgoing, from_loop) = channel();
        let stop = Arc::new(AtomicBool::new(false));
        let facility = enrolled.device.facility_code.as_str().to_owned();
        let socket =
            SocketThread { enrolled, to_loop, from_loop, log, delivered: delivered.clone(), stop: stop.clone() };
        std::thread::Builder::new()
            .name("edge-link".into())
            .spawn(move || socket.run())
            .context(|| "start the edge link thread".to_owned())?;
        Ok(Self {
            inner,
            facility,
            face_dir: None,
            incoming,
            outgoing,
            dir: dir.to_owned(),
            delivered,
            stop,
            settles: Vec::new(),
        })
    }

    /// Reads the terminal's face files from `dir` when the edge asks for a 照会番号 registration of a person one of
    /// them names; without it, every registration fails as not submitted.
    pub fn reading_faces_from(mut self, dir: PathBuf) -> Self {
        self.face_dir = Some(dir);
        self
    }
}

impl<L: Link> Drop for WsLink<L> {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

impl<L: Link> Link for WsLink<L> {
    fn requests(&mut self) -> Result<Vec<(NewRequest, String)>, BridgeError> {
        let mut requests = self.inner.requests()?;
        while let Ok(message) = self.incoming.try_recv() {
            let (id, ask) = match message {
                ToBridge::Request { id, ask } => (id, ask),
                ToBridge::Settle { id } => {
                    self.settles.push(id);
                    continue;
                }
            };
            let face_dir = self.face_dir.clone();
            let face = move |file: &onshi_proto::identifier::FaceFileName| {
                crate::files::read_if_there(&face_dir?.join(file.as_str()))
            };
            match relay::request_from(&id, &ask, &self.facility, face) {
                Ok(request) => {
                    let handle = format!("{HANDLE_PREFIX}{}", request.id);
                    requests.push((request, handle));
                }
                // Nothing was journalled or written: the edge is told at once, and a repeat is answered the same way.
                Err(answer) => drop(self.outgoing.send(*answer)),
            }
        }
        Ok(requests)
    }

    fn taken(&mut self, handle: &str) {
        match handle.strip_prefix(HANDLE_PREFIX).and_then(relay::link_id) {
            // The socket thread outlives the loop; a send fails only while the link is being dropped.
            Some(id) => drop(self.outgoing.send(FromBridge::Ack { id })),
            None => self.inner.taken(handle),
        }
    }

    fn has_outcome(&self, id: &str) -> bool {
        if relay::link_id(id).is_none() {
            return self.inner.has_outcome(id);
        }
        lock(&self.delivered).ids.contains(id)
    }

    fn deliver(&mut self, outcome: &Outcome) -> Result<(), BridgeError> {
        if relay::link_id(&outcome.id).is_none() {
            return self.inner.deliver(outcome);
        }
        if let Some(message) = relay::message_for(outcome) {
            drop(self.outgoing.send(message));
        }
        Ok(())
    }

    fn face(&mut self, file: &str, bytes: &[u8]) -> Result<(), BridgeError> {
        self.inner.face(file, bytes)
    }

    fn health(&mut self, health: &Health) -> Result<(), BridgeError> {
        self.inner.health(health)
    }

    fn compact(&mut self, faces: Option<&std::collections::BTreeSet<String>>, now: bool) -> Result<(), BridgeError> {
        self.inner.compact(faces, now)?;
        let mut delivered = lock(&self.delivered);
        let Delivered { ids, lines } = &mut *delivered;
        files::compact_journal(&self.dir, DELIVERED_FILE, lines, ids.len(), now, || {
            let mut listed: Vec<String> = ids.iter().map(|id| format!("{id}\n")).collect();
            listed.sort();
            listed
        })
    }

    fn forget(&mut self, id: &str) -> Result<(), BridgeError> {
        if relay::link_id(id).is_none() {
            return self.inner.forget(id);
        }
        // Its line is dead from now on; the next rewrite leaves it out.
        lock(&self.delivered).ids.remove(id);
        Ok(())
    }

    fn settlements(&mut self) -> Vec<LinkRequestId> {
        let mut settles = std::mem::take(&mut self.settles);
        settles.extend(self.inner.settlements());
        settles
    }

    fn settle_answered(&mut self, id: &LinkRequestId, result: Result<(), SettleRefusal>) {
        // The edge waits for this answer under the request's id. For its own request the Settled outcome was also
        // delivered (the store takes the first and drops the second); a folder caller's request has only this one.
        let outcome = match result {
            Ok(()) => TerminalOutcome::Settled,
            Err(reason) => TerminalOutcome::SettleRefused { reason },
        };
        drop(self.outgoing.send(FromBridge::Outcome { id: id.clone(), outcome }));
    }

    fn prune(&mut self, now_ms: u64, retention_ms: u64, spool_knows: &dyn Fn(&str) -> bool) -> Result<(), BridgeError> {
        // An outcome the spool no longer knows is never re-delivered, so whether it was is no longer asked.
        lock(&self.delivered).ids.retain(|id| spool_knows(id));
        self.inner.prune(now_ms, retention_ms, spool_knows)
    }
}

/// The delivered list, locked. A panic elsewhere leaves it as consistent as its last completed change: at worst an
/// id listed in memory whose line was not appended, which only means its outcome is sent again after a restart.
fn lock(delivered: &Mutex<Delivered>) -> MutexGuard<'_, Delivered> {
    delivered.lock().unwrap_or_else(PoisonError::into_inner)
}

/// What the socket thread owns.
struct SocketThread {
    enrolled: Enrolled,
    to_loop: Sender<ToBridge>,
    from_loop: Receiver<FromBridge>,
    log: PathBuf,
    delivered: Arc<Mutex<Delivered>>,
    stop: Arc<AtomicBool>,
}

/// Why a connection ended.
enum Ended {
    /// The link is being dropped.
    Stopped,
    /// The socket broke or the edge closed it: connect again.
    Broken(String),
}

impl SocketThread {
    fn run(self) {
        let mut queue: VecDeque<FromBridge> = VecDeque::new();
        let mut failures = 0u32;
        while !self.stop.load(Ordering::Relaxed) {
            match self.connect() {
                Ok(socket) => {
                    failures = 0;
                    eprintln!("onshi-bridge: the edge link is open");
                    match self.serve(socket, &mut queue) {
                        Ended::Stopped => return,
                        Ended::Broken(why) => eprintln!("onshi-bridge: the edge link closed ({why}); reconnecting"),
                    }
                }
                Err(why) => {
                    failures = failures.saturating_add(1);
                    if failures == 1 {
                        eprintln!("onshi-bridge: the edge link cannot connect ({why}); retrying");
                    }
                }
            }
            let wait = Duration::from_millis(RECONNECT.delay_ms(failures.max(1)));
            let until = Instant::now() + wait;
            while Instant::now() < until && !self.stop.load(Ordering::Relaxed) {
                std::thread::sleep(POLL.min(until.saturating_duration_since(Instant::now())));
            }
        }
    }

    /// Connects and upgrades, with a fresh device proof over `GET` of the link path and an empty body.
    fn connect(&self) -> Result<WebSocket<MaybeTlsStream<TcpStream>>, String> {
        let origin = &self.enrolled.device.edge;
        let (scheme, authority) = origin
            .strip_prefix("https://")
            .map(|rest| ("wss", rest))
            .or_else(|| origin.strip_prefix("http://").map(|rest| ("ws", rest)))
            .ok_or_else(|| format!("the edge {origin} is neither https:// nor http://"))?;
        let mut request = format!("{scheme}://{authority}{BRIDGE_LINK_PATH}")
            .into_client_request()
            .map_err(|e| format!("the link address: {e}"))?;
        let nonce = device::new_nonce().map_err(|e| e.to_string())?;
        let headers =
            device::proof_headers(&self.enrolled, "GET", BRIDGE_LINK_PATH, b"", clock::now_unix_secs(), &nonce)
                .map_err(|e| e.to_string())?;
        for (name, value) in headers {
            let value = HeaderValue::from_str(&value).map_err(|e| format!("a proof header: {e}"))?;
            request.headers_mut().insert(name, value);
        }
        let address = if authority.contains(':') {
            authority.to_owned()
        } else {
            format!("{authority}:{}", if scheme == "wss" { 443 } else { 80 })
        };
        let stream = TcpStream::connect(&address).map_err(|e| format!("connect {address}: {e}"))?;
        stream.set_read_timeout(Some(CONNECT_TIMEOUT)).map_err(|e| e.to_string())?;
        stream.set_write_timeout(Some(CONNECT_TIMEOUT)).map_err(|e| e.to_string())?;
        let (mut socket, _) =
            tungstenite::client_tls_with_config(request, stream, None, None).map_err(|e| match e {
                tungstenite::HandshakeError::Failure(tungstenite::Error::Http(response)) => {
                    format!("the edge refused the link (status {})", response.status())
                }
                other => other.to_string(),
            })?;
        let tcp = match socket.get_mut() {
            MaybeTlsStream::Plain(stream) => stream,
            MaybeTlsStream::Rustls(tls) => &mut tls.sock,
            _ => return Err("an unexpected stream".to_owned()),
        };
        tcp.set_read_timeout(Some(POLL)).map_err(|e| e.to_string())?;
        Ok(socket)
    }

    /// Serves one connection until it breaks or the link stops: writes what is queued (and remembers the outcomes
    /// written), hands on what arrives, pings now and then.
    fn serve(&self, mut socket: WebSocket<MaybeTlsStream<TcpStream>>, queue: &mut VecDeque<FromBridge>) -> Ended {
        let mut pinged = Instant::now();
        loop {
            if self.stop.load(Ordering::Relaxed) {
                let _ = socket.close(None);
                let _ = socket.flush();
                return Ended::Stopped;
            }
            loop {
                match self.from_loop.try_recv() {
                    Ok(message) => queue.push_back(message),
                    Err(TryRecvError::Empty) => break,
                    Err(TryRecvError::Disconnected) => return Ended::Stopped,
                }
            }
            while let Some(message) = queue.front() {
                if let Err(e) = socket.send(Message::text(message.to_text())) {
                    return Ended::Broken(e.to_string());
                }
                // A refused closing is no outcome of the request (which may still be in flight): a restart must still
                // deliver the request's own.
                if let FromBridge::Outcome { id, outcome } = message
                    && !matches!(outcome, TerminalOutcome::SettleRefused { .. })
                {
                    self.remember(&relay::spool_id(id));
                }
                queue.pop_front();
            }
            if pinged.elapsed() >= PING_EVERY {
                pinged = Instant::now();
                if let Err(e) = socket.send(Message::Ping(Vec::new().into())) {
                    return Ended::Broken(e.to_string());
                }
            }
            match socket.read() {
                Ok(Message::Text(text)) => match ToBridge::read(text.as_str()) {
                    Ok(message) => {
                        if self.to_loop.send(message).is_err() {
                            return Ended::Stopped;
                        }
                    }
                    // A message this bridge cannot read is not acknowledged; the edge answers its caller in time.
                    Err(e) => eprintln!("onshi-bridge: the edge sent a message this bridge does not read: {e}"),
                },
                Ok(Message::Close(_)) => return Ended::Broken("closed by the edge".to_owned()),
                Ok(_) => {}
                Err(tungstenite::Error::Io(e))
                    if matches!(e.kind(), std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut) => {}
                Err(e) => return Ended::Broken(e.to_string()),
            }
        }
    }

    /// Lists a spool id as delivered; a line lost to a crash only means the outcome is sent again, which the edge
    /// ignores once it has it.
    fn remember(&self, spool_id: &str) {
        // Held until the line is appended, so a rewrite of the file waits for it.
        let mut delivered = lock(&self.delivered);
        if !delivered.ids.insert(spool_id.to_owned()) {
            return;
        }
        let line = format!("{spool_id}\n");
        let appended = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.log)
            .and_then(|mut file| file.write_all(line.as_bytes()));
        match appended {
            Ok(()) => delivered.lines += 1,
            Err(e) => eprintln!("onshi-bridge: {}: {e}", self.log.display()),
        }
    }
}
