//! A connection whose reads fail once a request head has taken too long: [`HeadDeadline`] says when the deadline
//! runs, a `tokio::time::Sleep` says when it has passed, and the failed read makes hyper close the connection.

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll, ready};
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::time::{Instant, Sleep};

use crate::net::head_deadline::HeadDeadline;

/// `inner`, with each request head (the first from the moment of accepting) bounded by `head_timeout`.
#[derive(Debug)]
pub struct HeadTimedStream<S> {
    inner: S,
    deadline: HeadDeadline,
    head_timeout: Duration,
    /// Reset to a new instant each time a head starts; polled only while the deadline is armed.
    timer: Pin<Box<Sleep>>,
}

impl<S> HeadTimedStream<S> {
    /// Wraps a connection just accepted; its first head is due within `head_timeout` from now.
    pub fn new(inner: S, head_timeout: Duration) -> Self {
        let timer = Box::pin(tokio::time::sleep(head_timeout));
        Self { inner, deadline: HeadDeadline::for_new_connection(), head_timeout, timer }
    }

    /// Notes bytes written, whole slices first, up to `written` bytes in all.
    fn note_written<'a>(&mut self, slices: impl IntoIterator<Item = &'a [u8]>, mut written: usize) {
        for slice in slices {
            if written == 0 {
                break;
            }
            let taken = slice.len().min(written);
            self.deadline.bytes_written(&slice[..taken]);
            written -= taken;
        }
    }
}

/// The error a read fails with when the head was not in on time; hyper ends the connection on it.
fn head_timed_out(head_timeout: Duration) -> io::Error {
    io::Error::new(io::ErrorKind::TimedOut, format!("the request head took longer than {head_timeout:?}"))
}

impl<S: AsyncRead + Unpin> AsyncRead for HeadTimedStream<S> {
    fn poll_read(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        let this = &mut *self;
        // The deadline is checked before reading, so bytes trickling in cannot keep it from ever being looked at;
        // and polling the timer registers this task to be woken when it passes while no byte comes at all.
        if this.deadline.is_armed() && this.timer.as_mut().poll(cx).is_ready() {
            return Poll::Ready(Err(head_timed_out(this.head_timeout)));
        }
        let already_filled = buf.filled().len();
        ready!(Pin::new(&mut this.inner).poll_read(cx, buf))?;
        let was_armed = this.deadline.is_armed();
        this.deadline.bytes_read(&buf.filled()[already_filled..]);
        if !was_armed && this.deadline.is_armed() {
            // A new request's first byte: its head is due within the timeout from now. The timer is polled at the
            // next read, which hyper makes at once since the head is not complete.
            this.timer.as_mut().reset(Instant::now() + this.head_timeout);
        }
        Poll::Ready(Ok(()))
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for HeadTimedStream<S> {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        let written = ready!(Pin::new(&mut self.inner).poll_write(cx, buf))?;
        self.note_written([buf], written);
        Poll::Ready(Ok(written))
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let written = ready!(Pin::new(&mut self.inner).poll_write_vectored(cx, bufs))?;
        self.note_written(bufs.iter().map(|slice| &**slice), written);
        Poll::Ready(Ok(written))
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, reason = "a test should stop at the first unexpected value")]
mod tests {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    use super::*;

    const TIMEOUT: Duration = Duration::from_secs(10);

    // The clock is tokio's paused test clock: it moves only when every task waits, so the timer is exercised
    // exactly, without real waiting.

    #[tokio::test(start_paused = true)]
    async fn a_head_trickled_past_the_timeout_fails_the_read_though_bytes_keep_coming() {
        let (mut client, server) = tokio::io::duplex(1024);
        let mut server = HeadTimedStream::new(server, TIMEOUT);
        let started = Instant::now();
        let mut byte = [0u8; 1];
        let error = loop {
            client.write_all(b"X").await.unwrap();
            match server.read(&mut byte).await {
                Ok(read) => assert_eq!(read, 1),
                Err(error) => break error,
            }
            tokio::time::sleep(Duration::from_secs(1)).await;
        };
        assert_eq!(error.kind(), io::ErrorKind::TimedOut);
        let elapsed = started.elapsed();
        assert!(elapsed >= TIMEOUT && elapsed < TIMEOUT + Duration::from_secs(2), "{elapsed:?}");
    }

    #[tokio::test(start_paused = true)]
    async fn an_idle_kept_alive_connection_waits_past_the_timeout_and_its_next_head_gets_a_full_one() {
        let (mut client, server) = tokio::io::duplex(1024);
        let mut server = HeadTimedStream::new(server, TIMEOUT);
        let mut received = [0u8; 256];
        client.write_all(b"GET / HTTP/1.1\r\n\r\n").await.unwrap();
        let _ = server.read(&mut received).await.unwrap();
        server.write_all(b"HTTP/1.1 200 OK\r\n\r\n").await.unwrap();

        // Idle for three timeouts: the read waits for the next request rather than failing.
        let waited = tokio::time::timeout(TIMEOUT * 3, server.read(&mut received)).await;
        assert!(waited.is_err(), "an idle connection's read did not just wait: {waited:?}");

        // The next head's deadline counts from its own first byte.
        client.write_all(b"GET").await.unwrap();
        assert_eq!(server.read(&mut received).await.unwrap(), 3);
        tokio::time::sleep(TIMEOUT - Duration::from_secs(1)).await;
        client.write_all(b" / HTTP/1.1\r\n\r\n").await.unwrap();
        assert!(server.read(&mut received).await.is_ok(), "the head came within its own timeout");
    }

    #[tokio::test(start_paused = true)]
    async fn a_connection_that_sends_nothing_fails_at_the_timeout() {
        let (_client, server) = tokio::io::duplex(1024);
        let mut server = HeadTimedStream::new(server, TIMEOUT);
        let started = Instant::now();
        let error = server.read(&mut [0u8; 16]).await.unwrap_err();
        assert_eq!(error.kind(), io::ErrorKind::TimedOut);
        let elapsed = started.elapsed();
        assert!(elapsed >= TIMEOUT && elapsed <= TIMEOUT + Duration::from_millis(10), "{elapsed:?}");
    }

    #[tokio::test]
    async fn vectored_writes_count_only_the_bytes_written() {
        let (_client, server) = tokio::io::duplex(1024);
        let mut server = HeadTimedStream::new(server, TIMEOUT);
        server.deadline.bytes_read(b"GET / HTTP/1.1\r\n\r\n");
        // Nine bytes of a status line written: no status code yet, so the request is still in hand.
        let slices = [io::IoSlice::new(b"HTTP/"), io::IoSlice::new(b"1.1 200 OK\r\n\r\n")];
        server.note_written(slices.iter().map(|slice| &**slice), 9);
        let mut probe = server.deadline;
        probe.bytes_read(b"G");
        assert!(!probe.is_armed());
        server.note_written([&b"200"[..]], 1);
        server.deadline.bytes_read(b"G");
        assert!(server.deadline.is_armed());
    }
}
