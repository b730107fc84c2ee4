//! What a development edge tells the browser of its own time per API request, as a `Server-Timing` header: the
//! time spent waiting on Durable Objects (`store`), on the origin (`origin`), and the whole request as the worker's
//! clock saw it (`edge`). The kiosk's Resource Timing entries then split each request into the edge's waits and
//! the rest (the edge's own work, which workerd's clock does not see, the socket and the browser), and the person
//! benchmark prints that split.
//!
//! Layer: pure (the adapter measures; this only adds up and writes the header). Must not: be sent by a production
//! edge ([`ServerTiming::shown_in`]): it would tell any caller how long the origin took to answer, which can vary
//! with what the origin holds.

use crate::config::Environment;

/// The header's name.
pub const SERVER_TIMING_HEADER: &str = "server-timing";

/// Time spent waiting on one kind of outside call during a request: how many calls, and their milliseconds.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Waited {
    /// Calls made.
    pub calls: u32,
    /// Milliseconds spent in them, in total.
    pub ms: f64,
}

impl Waited {
    /// Adds one call that took `ms`.
    pub fn add(&mut self, ms: f64) {
        self.calls += 1;
        self.ms += ms.max(0.0);
    }
}

/// One request's timing, as the adapter measured it.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct ServerTiming {
    /// Durable Object calls.
    pub store: Waited,
    /// Origin calls (each attempt).
    pub origin: Waited,
    /// The whole request, from the worker's first look at it to its answer.
    pub total_ms: f64,
}

impl ServerTiming {
    /// Whether an edge in `environment` sends the header: only a development edge (the demo and the tests).
    pub fn shown_in(environment: Environment) -> bool {
        environment == Environment::Development
    }

    /// The header's value: `store;dur=…;desc="n"`, `origin;dur=…;desc="n"`, `edge;dur=…`, milliseconds to a tenth.
    pub fn header_value(&self) -> String {
        format!(
            "store;dur={:.1};desc=\"{}\", origin;dur={:.1};desc=\"{}\", edge;dur={:.1}",
            self.store.ms, self.store.calls, self.origin.ms, self.origin.calls, self.total_ms
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_header_names_each_wait_with_its_calls_and_the_whole() {
        let mut timing = ServerTiming { total_ms: 9.04, ..ServerTiming::default() };
        timing.store.add(1.5);
        timing.store.add(2.25);
        timing.origin.add(4.0);
        assert_eq!(timing.header_value(), "store;dur=3.8;desc=\"2\", origin;dur=4.0;desc=\"1\", edge;dur=9.0");
    }

    #[test]
    fn a_clock_that_went_back_adds_no_negative_time() {
        let mut waited = Waited::default();
        waited.add(-3.0);
        assert_eq!(waited, Waited { calls: 1, ms: 0.0 });
    }

    #[test]
    fn only_a_development_edge_shows_its_timing() {
        assert!(ServerTiming::shown_in(Environment::Development));
        assert!(!ServerTiming::shown_in(Environment::Production));
    }
}
