//! Prometheus metrics in the text exposition format: request counts by route and status class, a request
//! latency histogram, and insurer batch counters. Counters live in memory and start at zero with the process.
//!
//! Layer: the counters and their text only. Must not know about HTTP: `http/ops.rs` times the requests and serves
//! the text.

use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

/// Upper bounds of the latency histogram buckets, in seconds.
pub const LATENCY_BUCKETS: [f64; 10] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1.0, 5.0];

/// The service's counters.
#[derive(Debug, Default)]
pub struct Metrics {
    requests: Mutex<std::collections::BTreeMap<(String, String, u16), u64>>,
    latency_buckets: [AtomicU64; LATENCY_BUCKETS.len()],
    latency_count: AtomicU64,
    latency_sum_micros: AtomicU64,
    /// Batches applied.
    pub batches_applied: AtomicU64,
    /// Batches refused (validation or conflicts).
    pub batches_rejected: AtomicU64,
    /// Member records registered by batches.
    pub batch_records: AtomicU64,
    /// Of those, held.
    pub batch_records_held: AtomicU64,
    /// Notices of applied batches saying 住基 does not know the number or the 5 items do not match it.
    pub batch_registry_misses: AtomicU64,
}

impl Metrics {
    /// Counts one request under its method and matched route, and its latency.
    pub fn observe(&self, method: &str, route: &str, status: u16, seconds: f64) {
        if let Ok(mut requests) = self.requests.lock() {
            *requests.entry((method.to_owned(), route.to_owned(), status)).or_default() += 1;
        }
        for (bucket, bound) in self.latency_buckets.iter().zip(LATENCY_BUCKETS) {
            if seconds <= bound {
                bucket.fetch_add(1, Ordering::Relaxed);
            }
        }
        self.latency_count.fetch_add(1, Ordering::Relaxed);
        // Whole microseconds are precise enough for a sum; the cast saturates for absurd durations.
        self.latency_sum_micros.fetch_add((seconds * 1_000_000.0) as u64, Ordering::Relaxed);
    }

    /// The exposition text.
    pub fn render(&self) -> String {
        let mut out = String::new();
        out.push_str("# HELP onshi_origin_requests_total HTTP requests by method, matched route and status.\n");
        out.push_str("# TYPE onshi_origin_requests_total counter\n");
        if let Ok(requests) = self.requests.lock() {
            for ((method, route, status), count) in requests.iter() {
                out.push_str(&format!(
                    "onshi_origin_requests_total{{method=\"{method}\",route=\"{route}\",status=\"{status}\"}} {count}\n"
                ));
            }
        }
        out.push_str("# HELP onshi_origin_request_duration_seconds Request latency.\n");
        out.push_str("# TYPE onshi_origin_request_duration_seconds histogram\n");
        for (bucket, bound) in self.latency_buckets.iter().zip(LATENCY_BUCKETS) {
            out.push_str(&format!(
                "onshi_origin_request_duration_seconds_bucket{{le=\"{bound}\"}} {}\n",
                bucket.load(Ordering::Relaxed)
            ));
        }
        let count = self.latency_count.load(Ordering::Relaxed);
        out.push_str(&format!("onshi_origin_request_duration_seconds_bucket{{le=\"+Inf\"}} {count}\n"));
        let sum = self.latency_sum_micros.load(Ordering::Relaxed) as f64 / 1_000_000.0;
        out.push_str(&format!("onshi_origin_request_duration_seconds_sum {sum}\n"));
        out.push_str(&format!("onshi_origin_request_duration_seconds_count {count}\n"));
        for (name, help, value) in [
            ("onshi_origin_batches_applied_total", "Insurer batches applied.", &self.batches_applied),
            ("onshi_origin_batches_rejected_total", "Insurer batches refused.", &self.batches_rejected),
            ("onshi_origin_batch_records_total", "Member records registered by batches.", &self.batch_records),
            ("onshi_origin_batch_records_held_total", "Member records held by the checks.", &self.batch_records_held),
            (
                "onshi_origin_batch_registry_misses_total",
                "Batch notices that the resident registry does not know the number or its 5 items differ.",
                &self.batch_registry_misses,
            ),
        ] {
            out.push_str(&format!(
                "# HELP {name} {help}\n# TYPE {name} counter\n{name} {}\n",
                value.load(Ordering::Relaxed)
            ));
        }
        out
    }
}
