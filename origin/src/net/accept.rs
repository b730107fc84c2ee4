//! The accept loop: HTTP/1.1 connections served by hyper under the router, each read through a
//! [`HeadTimedStream`], at most [`ConnectionLimits::max_connections`] at once, with a graceful stop.

use std::future::Future;
use std::num::NonZeroUsize;
use std::sync::Arc;
use std::time::Duration;

use hyper_util::rt::TokioIo;
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;

use crate::net::head_timed_stream::HeadTimedStream;

/// How the listening socket's connections are bounded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ConnectionLimits {
    /// How long a client may take over one request head, from its first byte (on a new connection, from the
    /// accept). The router's time limit starts only once a head is in, so without this a client sending a byte
    /// now and then would hold its connection for ever. An idle kept-alive connection has no such limit.
    pub head_timeout: Duration,
    /// Most connections served at once. The next one waits, unaccepted, in the kernel's queue until one closes.
    pub max_connections: NonZeroUsize,
}

/// The default [`ConnectionLimits::head_timeout`]: the edge sends a head in one piece and gives up on the origin
/// after 3 s, so 10 s is generous to it and short for a client trickling bytes.
pub const DEFAULT_HEAD_TIMEOUT: Duration = Duration::from_secs(10);

/// The default [`ConnectionLimits::max_connections`]: far more than the edge keeps open, and far fewer than the
/// file descriptors a process gets.
pub const DEFAULT_MAX_CONNECTIONS: NonZeroUsize = NonZeroUsize::MIN.saturating_add(1_023);

impl Default for ConnectionLimits {
    fn default() -> Self {
        Self { head_timeout: DEFAULT_HEAD_TIMEOUT, max_connections: DEFAULT_MAX_CONNECTIONS }
    }
}

/// Serves `router` on `listener` within `limits` until `shutdown` completes; then stops accepting, asks every
/// connection to finish its request in flight and close, and returns once all have.
///
/// A connection past the limit waits rather than being refused: the edge would turn a refusal into a failed
/// request, while a wait is only a delay, and every slot held by a slow client comes free within the head timeout.
pub async fn serve_connections(
    listener: TcpListener,
    router: axum::Router,
    limits: ConnectionLimits,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let mut http = hyper::server::conn::http1::Builder::new();
    // hyper's own header read timeout is off (it needs a timer, and none is given; `None` keeps it off if one
    // is): it also runs while a kept-alive connection waits between requests, closing the edge's pooled
    // connections. The head deadline of `HeadTimedStream` replaces it.
    http.header_read_timeout(None);
    let connections = GracefulShutdown::new();
    let slots = Arc::new(Semaphore::new(limits.max_connections.get()));
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let slot = tokio::select! {
            slot = slots.clone().acquire_owned() => match slot {
                Ok(slot) => slot,
                // The semaphore is never closed; were it, no connection could be served any more.
                Err(_closed) => break,
            },
            () = &mut shutdown => break,
        };
        let stream = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _peer)) => stream,
                Err(error) if is_connection_error(&error) => continue,
                Err(error) => {
                    // Out of file descriptors and the like: the machine's trouble, not a client's. Waiting a
                    // moment keeps the loop from spinning on it, as axum's own loop does.
                    tracing::error!(%error, "accepting a connection failed");
                    tokio::time::sleep(Duration::from_secs(1)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let stream = HeadTimedStream::new(stream, limits.head_timeout);
        let connection = http.serve_connection(TokioIo::new(stream), TowerToHyperService::new(router.clone()));
        let connection = connections.watch(connection);
        tokio::spawn(async move {
            if let Err(error) = connection.await {
                tracing::debug!(%error, "a connection ended with an error");
            }
            drop(slot);
        });
    }
    drop(listener);
    connections.shutdown().await;
    Ok(())
}

/// An accept error that is one client's connection going away before it was taken, not the listener's trouble.
fn is_connection_error(error: &std::io::Error) -> bool {
    matches!(
        error.kind(),
        std::io::ErrorKind::ConnectionRefused
            | std::io::ErrorKind::ConnectionAborted
            | std::io::ErrorKind::ConnectionReset
    )
}
