//! Rate limits per device, per facility and per client: fixed windows (one minute unless configured) counted in a
//! Durable Object. The client limit throttles what carries no credential yet (enrolment, staff login, device ids
//! the edge never issued), counted per client address in one of a fixed number of store instances, so a flood of
//! guesses never creates more stores than [`CLIENT_BUCKETS`].
//!
//! Pure: this module names the counters and judges a count; the store only increments atomically and returns the
//! count after incrementing. A fixed window lets a client burst up to twice the limit across a window edge, which
//! is acceptable for a kiosk that makes three calls per check-in.

use crate::error::EdgeError;

/// Length of one counting window, in seconds, unless configured otherwise.
pub const DEFAULT_WINDOW_SECS: u32 = 60;
/// Longest configurable window: one day.
pub const MAX_WINDOW_SECS: u32 = 86_400;
/// Requests one device may make per window, unless configured otherwise.
pub const DEFAULT_PER_DEVICE: u32 = 60;
/// Requests all devices of one facility may make together per window, unless configured otherwise.
pub const DEFAULT_PER_FACILITY: u32 = 600;
/// Calls one staff session may make per window, unless configured otherwise: the device's limit, since the staff
/// console refreshes its listing every 1.5 s (40 calls a minute) and a lower default would cut off staff at work.
pub const DEFAULT_PER_STAFF_SESSION: u32 = DEFAULT_PER_DEVICE;
/// Unauthenticated attempts (enrolment, staff login, unknown device ids) one client may make per window, unless
/// configured otherwise.
pub const DEFAULT_PER_CLIENT: u32 = 30;
/// Number of store instances the client counters are spread over.
pub const CLIENT_BUCKETS: u8 = 16;
/// Highest configurable limit.
const MAX_LIMIT: u32 = 1_000_000;

/// What is being counted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RateScope {
    /// One enrolled device.
    Device,
    /// All devices of one facility.
    Facility,
    /// One client address, for requests that carry no credential yet.
    Client,
    /// One staff session's calls. A staff call is a call of its console too, so it is also counted on
    /// [`RateScope::Device`] and [`RateScope::Facility`] (once, by the device check); the session's own limit
    /// answers first only when it is set below the device's.
    Staff,
}

impl RateScope {
    fn label(self) -> &'static str {
        match self {
            Self::Device => "device",
            Self::Facility => "facility",
            Self::Client => "client",
            Self::Staff => "staff",
        }
    }
}

/// One counter to increment: its name in the facility's store and the window it counts.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct RateCounter {
    /// Counter name, e.g. `rate:device:<id>` or `rate:facility:<code>`, both kept by the facility's store.
    pub name: String,
    /// Unix seconds at which the counted window started.
    pub window_start: i64,
    /// Unix seconds after which the store may forget the count.
    pub forget_after: i64,
    /// From this count on, the store writes every count through to durable storage (half the limit): below it a
    /// count lives in memory only, so an eviction can give back at most half a window's allowance, while a client
    /// at or near its limit stays limited across evictions and restarts. Writing every count would put a storage
    /// commit on the path of every request.
    pub persist_from: u32,
}

impl RateCounter {
    /// A counter over one fixed window of `window_secs`, written through to storage from its first count: for
    /// counts that are few and guard something a restart must not hand back (by-number misses, 目視 requests).
    pub fn durable(name: String, now_unix: i64, window_secs: i64) -> Self {
        let window_start = now_unix.div_euclid(window_secs).saturating_mul(window_secs);
        Self { name, window_start, forget_after: window_start.saturating_add(2 * window_secs), persist_from: 1 }
    }
}

/// 目視 requests one kiosk may make per [`VISUAL_CHECK_WINDOW_SECS`]: a staffed reception sees a few patients an
/// hour without a usable PIN, and a device that asks more is more likely flooding the staff queue than serving them.
pub const VISUAL_CHECKS_PER_DEVICE: u32 = 6;
/// 目視 requests all kiosks of one facility may make per [`VISUAL_CHECK_WINDOW_SECS`].
pub const VISUAL_CHECKS_PER_FACILITY: u32 = 30;
/// The window the 目視 limits count in: an hour.
pub const VISUAL_CHECK_WINDOW_SECS: i64 = 3600;

/// The configured limits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RateLimits {
    /// Requests per device per window.
    pub per_device: u32,
    /// Requests per facility per window.
    pub per_facility: u32,
    /// Calls per staff session per window.
    pub per_staff_session: u32,
    /// Unauthenticated attempts per client per window.
    pub per_client: u32,
    /// Window length in seconds, 1 to [`MAX_WINDOW_SECS`].
    pub window_secs: u32,
}

impl Default for RateLimits {
    fn default() -> Self {
        Self {
            per_device: DEFAULT_PER_DEVICE,
            per_facility: DEFAULT_PER_FACILITY,
            per_staff_session: DEFAULT_PER_STAFF_SESSION,
            per_client: DEFAULT_PER_CLIENT,
            window_secs: DEFAULT_WINDOW_SECS,
        }
    }
}

/// Parses one limit binding (1 to 1 000 000); absent means `default`.
pub fn parse_limit(value: Option<&str>, default: u32, name: &'static str) -> Result<u32, EdgeError> {
    parse_bounded(value, default, MAX_LIMIT, name)
}

/// Parses the window binding (1 to [`MAX_WINDOW_SECS`]); absent means [`DEFAULT_WINDOW_SECS`].
pub fn parse_window(value: Option<&str>, name: &'static str) -> Result<u32, EdgeError> {
    parse_bounded(value, DEFAULT_WINDOW_SECS, MAX_WINDOW_SECS, name)
}

fn parse_bounded(value: Option<&str>, default: u32, max: u32, name: &'static str) -> Result<u32, EdgeError> {
    match value.map(str::trim).filter(|text| !text.is_empty()) {
        None => Ok(default),
        Some(text) => match text.parse::<u32>() {
            Ok(limit) if (1..=max).contains(&limit) => Ok(limit),
            _ => Err(EdgeError::Config(name)),
        },
    }
}

impl RateLimits {
    /// The counter for `scope` and `id` at `now_unix`.
    pub fn counter(&self, scope: RateScope, id: &str, now_unix: i64) -> RateCounter {
        let window = i64::from(self.window_secs.max(1));
        let window_start = now_unix.div_euclid(window).saturating_mul(window);
        RateCounter {
            name: format!("rate:{}:{id}", scope.label()),
            window_start,
            forget_after: window_start.saturating_add(2 * window),
            persist_from: self.limit(scope).div_ceil(2),
        }
    }

    fn limit(&self, scope: RateScope) -> u32 {
        match scope {
            RateScope::Device => self.per_device,
            RateScope::Facility => self.per_facility,
            RateScope::Client => self.per_client,
            RateScope::Staff => self.per_staff_session,
        }
    }

    /// Judges the count after this request was counted.
    pub fn judge(&self, scope: RateScope, count: u32) -> Result<(), EdgeError> {
        if count > self.limit(scope) { Err(EdgeError::RateLimited(scope.label())) } else { Ok(()) }
    }
}

/// The key a client is counted under: its address as the edge's front sees it (`CF-Connecting-IP`, which Cloudflare
/// sets and a client cannot), an IPv6 address by its /64 prefix (one subscriber's whole allocation), and one shared
/// key for requests without an address.
pub fn client_key(address: Option<&str>) -> String {
    match address.map(str::trim).and_then(|text| text.parse::<std::net::IpAddr>().ok()) {
        Some(std::net::IpAddr::V4(v4)) => v4.to_string(),
        Some(std::net::IpAddr::V6(v6)) => {
            let [a, b, c, d, ..] = v6.segments();
            format!("{a:x}:{b:x}:{c:x}:{d:x}::/64")
        }
        None => "unknown".to_owned(),
    }
}

/// The name of the store instance that counts a client's counter (named by [`RateLimits::counter`] after
/// [`client_key`]): one of [`CLIENT_BUCKETS`], by a hash of the counter's name.
pub fn client_bucket_name(counter_name: &str) -> String {
    use sha2::Digest as _;
    let first = sha2::Sha256::digest(counter_name.as_bytes()).first().copied().unwrap_or(0);
    format!("clients-{:02}", first % CLIENT_BUCKETS)
}

/// Messages a bridge may send on its link per [`LINK_WINDOW_MS`]. A bridge speaks only to answer what the store
/// handed it, an acknowledgement and an outcome per request, and the requests come from staff calls limited to
/// [`DEFAULT_PER_FACILITY`] a window; a bridge that sends more is not answering requests. Its link is closed; a new
/// one takes a fresh device proof, counted on the device's own limit.
pub const LINK_MESSAGES_PER_WINDOW: u32 = 2 * DEFAULT_PER_FACILITY;
/// The link's window is the staff calls' default window, so the two budgets compare.
const _: () = assert!(LINK_WINDOW_MS == DEFAULT_WINDOW_SECS as i64 * 1000);
/// The window a link's messages are counted in: a minute, in milliseconds.
pub const LINK_WINDOW_MS: i64 = 60_000;

/// What a facility's open link has sent in the current window. Kept in the store's memory: a store put to sleep
/// forgets it, which only happens when the link is quiet.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct LinkMessageBudget {
    window_start_ms: i64,
    sent: u32,
}

impl LinkMessageBudget {
    /// Counts one message arriving at `now_ms` (Unix milliseconds); false once the window's budget is spent. A
    /// clock that goes back starts a new window rather than stretching the old one.
    pub fn admit(&mut self, now_ms: i64) -> bool {
        let elapsed = now_ms.saturating_sub(self.window_start_ms);
        if !(0..LINK_WINDOW_MS).contains(&elapsed) {
            *self = Self { window_start_ms: now_ms, sent: 0 };
        }
        self.sent = self.sent.saturating_add(1);
        self.sent <= LINK_MESSAGES_PER_WINDOW
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_durable_counter_counts_in_fixed_windows_from_its_first_count() {
        let hour = VISUAL_CHECK_WINDOW_SECS;
        let first = RateCounter::durable("visual:device:x".into(), 10 * hour + 5, hour);
        let last = RateCounter::durable("visual:device:x".into(), 11 * hour - 1, hour);
        let next = RateCounter::durable("visual:device:x".into(), 11 * hour, hour);
        assert_eq!((first.window_start, last.window_start, next.window_start), (10 * hour, 10 * hour, 11 * hour));
        assert_eq!(first.persist_from, 1, "every count is written through, so a restart gives nothing back");
        assert_eq!(first.forget_after, 12 * hour);
    }

    #[test]
    fn counters_are_per_scope_id_and_window() {
        let limits = RateLimits::default();
        let first = limits.counter(RateScope::Device, "abc", 1_000);
        assert_eq!(first.name, "rate:device:abc");
        assert_eq!(first.window_start, 960);
        assert_eq!(first.forget_after, 1_080);
        assert_eq!(first.persist_from, 30);
        assert_eq!(RateLimits { per_facility: 5, ..limits }.counter(RateScope::Facility, "f", 0).persist_from, 3);
        assert_eq!(limits.counter(RateScope::Device, "abc", 1_019).window_start, 960);
        assert_eq!(limits.counter(RateScope::Device, "abc", 1_020).window_start, 1_020);
        assert_eq!(limits.counter(RateScope::Facility, "0110113719", 0).name, "rate:facility:0110113719");
        assert_eq!(limits.counter(RateScope::Device, "x", -1).window_start, -60);
        let daily = RateLimits { window_secs: 86_400, ..limits };
        assert_eq!(daily.counter(RateScope::Device, "x", 90_000).window_start, 86_400);
        assert_eq!(daily.counter(RateScope::Device, "x", 90_000).forget_after, 3 * 86_400);
    }

    #[test]
    fn the_limit_itself_is_allowed_and_one_more_is_refused() {
        let limits =
            RateLimits { per_device: 3, per_facility: 5, per_staff_session: 2, per_client: 2, window_secs: 60 };
        assert_eq!(limits.judge(RateScope::Client, 2), Ok(()));
        assert_eq!(limits.judge(RateScope::Client, 3), Err(EdgeError::RateLimited("client")));
        assert_eq!(limits.judge(RateScope::Device, 3), Ok(()));
        assert_eq!(limits.judge(RateScope::Device, 4), Err(EdgeError::RateLimited("device")));
        assert_eq!(limits.judge(RateScope::Facility, 5), Ok(()));
        assert_eq!(limits.judge(RateScope::Facility, 6), Err(EdgeError::RateLimited("facility")));
        assert_eq!(limits.judge(RateScope::Staff, 2), Ok(()));
        assert_eq!(limits.judge(RateScope::Staff, 3), Err(EdgeError::RateLimited("staff")));
        assert_eq!(EdgeError::RateLimited("device").http_status(), 429);
    }

    #[test]
    fn limits_parse_with_defaults_and_bounds() {
        assert_eq!(parse_limit(None, 60, "x"), Ok(60));
        assert_eq!(parse_limit(Some(" 5 "), 60, "x"), Ok(5));
        for bad in ["0", "-1", "many", "1000001"] {
            assert_eq!(parse_limit(Some(bad), 60, "x"), Err(EdgeError::Config("x")), "{bad}");
        }
        assert_eq!(parse_window(None, "w"), Ok(60));
        assert_eq!(parse_window(Some("86400"), "w"), Ok(86_400));
        assert_eq!(parse_window(Some("86401"), "w"), Err(EdgeError::Config("w")));
    }

    #[test]
    fn clients_are_keyed_by_address_or_ipv6_prefix_into_a_fixed_number_of_buckets() {
        assert_eq!(client_key(Some("203.0.113.7")), "203.0.113.7");
        assert_eq!(client_key(Some("2001:db8:1:2:aaaa::1")), "2001:db8:1:2::/64");
        assert_eq!(client_key(Some("2001:db8:1:2:bbbb::9")), "2001:db8:1:2::/64");
        assert_eq!(client_key(None), "unknown");
        assert_eq!(client_key(Some("not an address")), "unknown");
        let buckets: std::collections::HashSet<String> = (0..1000)
            .map(|i| client_bucket_name(&client_key(Some(&format!("10.0.{}.{}", i / 256, i % 256)))))
            .collect();
        assert_eq!(buckets.len(), usize::from(CLIENT_BUCKETS));
        assert!(buckets.iter().all(|name| name.starts_with("clients-")));
    }

    #[test]
    fn a_link_sends_its_budget_in_a_window_and_no_more_until_the_next() {
        let mut budget = LinkMessageBudget::default();
        let start = 1_795_478_400_000;
        for i in 0..LINK_MESSAGES_PER_WINDOW {
            assert!(budget.admit(start + i64::from(i)), "message {i}");
        }
        assert!(!budget.admit(start + LINK_WINDOW_MS - 1), "one more in the same minute");
        assert!(!budget.admit(start + LINK_WINDOW_MS - 1));
        assert!(budget.admit(start + LINK_WINDOW_MS), "the next minute starts afresh");
        assert!(budget.admit(start), "a clock set back starts a new window too");
    }
}
