//! The origin's connections (`onshi_origin::net`): a client slow to send a request head is cut off a head timeout
//! after its first byte, a kept-alive connection idle for longer still serves its next request, and connections
//! past the limit wait for a slot that a slow client's cut-off frees.

use std::num::NonZeroUsize;
use std::time::{Duration, Instant};

use onshi_origin::http::RouterSettings;
use onshi_origin::net::ConnectionLimits;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::fixture::{Db, Origin};

/// Short, so a test that waits for the timeout to fire waits little.
const HEAD_TIMEOUT: Duration = Duration::from_millis(300);

/// An upper bound for whatever should take about a head timeout, so a regression fails instead of hanging.
const PATIENCE: Duration = Duration::from_secs(10);

const HEALTH: &[u8] = b"GET /health HTTP/1.1\r\nHost: origin\r\n\r\n";

async fn origin_with(max_connections: usize) -> Origin {
    let limits =
        ConnectionLimits { head_timeout: HEAD_TIMEOUT, max_connections: NonZeroUsize::new(max_connections).unwrap() };
    Origin::start_limited(Db::Sqlite, RouterSettings::default(), limits).await
}

async fn connect(origin: &Origin) -> TcpStream {
    TcpStream::connect(origin.base.trim_start_matches("http://")).await.unwrap()
}

/// One whole response (head and its `content-length` body) read from `stream`, which stays open.
async fn read_response(stream: &mut TcpStream) -> String {
    let mut received = Vec::new();
    let read = tokio::time::timeout(PATIENCE, async {
        loop {
            let text = String::from_utf8_lossy(&received).into_owned();
            if let Some(head_end) = text.find("\r\n\r\n") {
                let length = text[..head_end]
                    .lines()
                    .find_map(|line| line.to_ascii_lowercase().strip_prefix("content-length: ").map(str::to_owned))
                    .map_or(0, |length| length.trim().parse::<usize>().unwrap());
                if received.len() >= head_end + 4 + length {
                    return text;
                }
            }
            let mut chunk = [0u8; 1024];
            let read = stream.read(&mut chunk).await.unwrap();
            assert!(read > 0, "the connection closed before a whole response: {text:?}");
            received.extend_from_slice(&chunk[..read]);
        }
    })
    .await;
    read.unwrap_or_else(|_| panic!("no whole response within {PATIENCE:?}"))
}

/// Whether the server has closed `stream`, known without waiting (its end, or a reset, is already here).
fn closed_by_now(stream: &TcpStream) -> bool {
    let mut byte = [0u8; 1];
    match stream.try_read(&mut byte) {
        Ok(0) => true,
        Ok(_) => panic!("the server sent something on a connection whose head never ended"),
        Err(error) => error.kind() != std::io::ErrorKind::WouldBlock,
    }
}

/// Waits until the server closes `stream`, failing the test after [`PATIENCE`]; returns what it had sent.
async fn wait_until_closed(stream: &mut TcpStream) -> Vec<u8> {
    let mut received = Vec::new();
    // A reset ends it as surely as an end of stream does.
    let closed = tokio::time::timeout(PATIENCE, stream.read_to_end(&mut received)).await;
    assert!(closed.is_ok(), "the connection was still open after {PATIENCE:?}");
    received
}

#[tokio::test]
async fn a_client_trickling_its_head_a_byte_at_a_time_is_cut_off_at_the_head_timeout() {
    let origin = origin_with(1_024).await;
    let mut slow = connect(&origin).await;
    slow.write_all(b"GET /health HTTP/1.1\r\nHost: origin\r\nX-Slow: ").await.unwrap();
    let started = Instant::now();
    // A byte every 20 ms, never the end of the head: the bytes keep coming, so only a deadline on the whole head
    // (not one between reads) stops it.
    let mut trickle = tokio::time::interval(Duration::from_millis(20));
    let mut received = Vec::new();
    let cut_off = tokio::time::timeout(PATIENCE, async {
        loop {
            let mut chunk = [0u8; 256];
            tokio::select! {
                _ = trickle.tick() => {
                    if slow.write_all(b"a").await.is_err() {
                        return;
                    }
                }
                read = slow.read(&mut chunk) => match read {
                    Ok(0) | Err(_) => return,
                    Ok(read) => received.extend_from_slice(&chunk[..read]),
                },
            }
        }
    })
    .await;
    let elapsed = started.elapsed();
    assert!(cut_off.is_ok(), "a client trickling its head was still served after {PATIENCE:?}");
    assert!(elapsed >= HEAD_TIMEOUT, "cut off after {elapsed:?}, before the head timeout");
    assert!(received.is_empty(), "no request was read, so none was answered: {received:?}");

    // A client that sends nothing at all is cut off too: its first head was due from the accept.
    let mut silent = connect(&origin).await;
    assert!(wait_until_closed(&mut silent).await.is_empty());

    // An honest client is answered.
    let mut honest = connect(&origin).await;
    honest.write_all(HEALTH).await.unwrap();
    assert!(read_response(&mut honest).await.starts_with("HTTP/1.1 200"));
    origin.stop().await;
}

#[tokio::test]
async fn a_kept_alive_connection_idle_for_longer_than_the_head_timeout_serves_its_next_request() {
    let origin = origin_with(1_024).await;
    let mut pooled = connect(&origin).await;
    pooled.write_all(HEALTH).await.unwrap();
    assert!(read_response(&mut pooled).await.starts_with("HTTP/1.1 200"));

    // Idle for three head timeouts, as the edge's pooled connections are between requests: the server neither
    // sends anything nor closes it.
    let mut byte = [0u8; 1];
    let idle = tokio::time::timeout(HEAD_TIMEOUT * 3, pooled.read(&mut byte)).await;
    assert!(idle.is_err(), "the idle kept-alive connection was closed or written to: {idle:?}");

    // The next request, its head sent in two parts inside its own timeout, is answered on the same connection.
    let (first, rest) = HEALTH.split_at(10);
    pooled.write_all(first).await.unwrap();
    pooled.write_all(rest).await.unwrap();
    assert!(read_response(&mut pooled).await.starts_with("HTTP/1.1 200"));
    origin.stop().await;
}

#[tokio::test]
async fn connections_past_the_limit_wait_for_a_slow_client_to_be_cut_off_and_are_then_served() {
    let origin = origin_with(2).await;
    // Two slow clients take both slots: one sent half a head, the other nothing.
    let mut half_a_head = connect(&origin).await;
    half_a_head.write_all(b"GET /health HTTP/1.1\r\nHo").await.unwrap();
    let silent = connect(&origin).await;
    let started = Instant::now();

    // A third client's request is answered only once a slot has come free, which is when a slow client is cut off.
    let mut waiting = connect(&origin).await;
    waiting.write_all(HEALTH).await.unwrap();
    let answer = read_response(&mut waiting).await;
    let elapsed = started.elapsed();
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer:?}");
    assert!(elapsed >= HEAD_TIMEOUT, "answered after {elapsed:?}, while both slots were held");
    assert!(
        closed_by_now(&half_a_head) || closed_by_now(&silent),
        "the third request was answered while both slow clients still held their slots"
    );

    // Once the slow clients are gone, a normal request is served as ever.
    assert!(wait_until_closed(&mut half_a_head).await.is_empty());
    let response = origin.client.get(format!("{}/health", origin.base)).send().await.unwrap();
    assert_eq!(response.status().as_u16(), 200);
    drop(silent);
    origin.stop().await;
}
