//! The connection layer under the router: accepting TCP connections, at most so many at once, and bounding how
//! long a client may take over a request head.
//!
//! Layer: I/O adapter between the socket and hyper. [`head_deadline`] is its sans-I/O core (no clock, no socket);
//! [`head_timed_stream`] drives it with tokio's timer; [`accept`] is the loop. Must not: look inside requests
//! beyond where a head ends (routing and limits on bodies and handlers are the router's), or close a kept-alive
//! connection for being idle (the edge's connection pool reuses them).

pub mod accept;
pub mod head_deadline;
pub mod head_timed_stream;

pub use accept::{ConnectionLimits, serve_connections};
