//! The origin's connection loop (`server::serve_router`): a client that is slow to send its headers is cut off, an
//! honest one is answered, and a stop waits for the request in flight.

use std::time::Duration;

use onshi_origin::server::{ConnectionLimits, serve_router};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// An upper bound for what should take about the header timeout, so a regression fails instead of hanging.
const PATIENCE: Duration = Duration::from_secs(20);

/// A router answering `GET /` with `ok`, served within `limits` until the returned sender is used or dropped.
async fn serving(
    limits: ConnectionLimits,
) -> (std::net::SocketAddr, tokio::sync::oneshot::Sender<()>, tokio::task::JoinHandle<()>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let router = axum::Router::new().route("/", axum::routing::get(|| async { "ok" }));
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(async move {
        serve_router(listener, router, limits, async move {
            let _ = stopped.await;
        })
        .await
        .unwrap();
    });
    (address, stop, server)
}

/// Everything the server sends until it closes the connection.
async fn read_until_closed(stream: &mut TcpStream) -> String {
    let mut received = Vec::new();
    // An error (a reset) closes it as surely as an end of stream does.
    let read = tokio::time::timeout(PATIENCE, stream.read_to_end(&mut received)).await;
    assert!(read.is_ok(), "the connection was still open after {PATIENCE:?}");
    String::from_utf8_lossy(&received).into_owned()
}

#[tokio::test]
async fn a_client_that_never_finishes_its_headers_is_cut_off_and_an_honest_one_is_answered() {
    let limits = ConnectionLimits { header_read_timeout: Duration::from_secs(1), ..ConnectionLimits::default() };
    let (address, stop, server) = serving(limits).await;

    // A slow client: a request line and one header, then nothing more, ever.
    let mut slow = TcpStream::connect(address).await.unwrap();
    slow.write_all(b"GET / HTTP/1.1\r\nHost: origin\r\n").await.unwrap();
    let said = read_until_closed(&mut slow).await;
    assert!(!said.contains("ok"), "no request was read, so none was answered: {said:?}");

    // A client that sends its request whole, and closes, is answered.
    let mut honest = TcpStream::connect(address).await.unwrap();
    honest.write_all(b"GET / HTTP/1.1\r\nHost: origin\r\nConnection: close\r\n\r\n").await.unwrap();
    let answer = read_until_closed(&mut honest).await;
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer:?}");
    assert!(answer.ends_with("ok"), "{answer:?}");

    stop.send(()).unwrap();
    tokio::time::timeout(PATIENCE, server).await.unwrap().unwrap();
}

#[tokio::test]
async fn connections_past_the_limit_wait_for_a_slot_and_are_then_served() {
    let limits = ConnectionLimits { header_read_timeout: Duration::from_secs(1), max_connections: 1 };
    let (address, stop, server) = serving(limits).await;

    // One idle connection takes the only slot; the next client's request is answered once the idle one has been
    // cut off, not before and not never.
    let idle = TcpStream::connect(address).await.unwrap();
    let mut waiting = TcpStream::connect(address).await.unwrap();
    waiting.write_all(b"GET / HTTP/1.1\r\nHost: origin\r\nConnection: close\r\n\r\n").await.unwrap();
    let answer = read_until_closed(&mut waiting).await;
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer:?}");
    // By the time the answer came, the idle connection had already been closed (its slot was the one freed), so
    // its end is already here to read, without waiting.
    let mut nothing = [0u8; 1];
    assert_eq!(
        idle.try_read(&mut nothing).map_err(|error| error.kind()),
        Ok(0),
        "the idle connection was closed first"
    );

    stop.send(()).unwrap();
    tokio::time::timeout(PATIENCE, server).await.unwrap().unwrap();
}
