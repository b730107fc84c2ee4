//! # onshi-origin — the reference qualification service
//!
//! Layer: the origin tier, the only place personal data rests. It stands in for the national system's role:
//! persons with their 基本4情報, insurers, qualifications (資格) with 記号・番号・枝番, the links from card
//! certificates to persons (保険証利用登録), certificate status, consents, and an audit trail of every read of
//! personal data. Only the edge calls it, over HTTP signed with [`onshi_proto::signing`].
//!
//! Layout: pure cores ([`access_log`], [`individual_number`], [`batch`], [`validity`], [`replay`], [`disclosure`],
//! [`interop`], [`metrics`], [`checkin_page`], [`credential`]) decide; thin adapters do the I/O: [`store`] holds all the SQL (SQLite or PostgreSQL,
//! with the group commit of the audit rows of concurrent requests), [`http`] all of axum (one file per audience),
//! [`net`] the connections under it (how many at once, how long a request head may take), and [`server`] the
//! process. The 保険者番号 rule is [`onshi_proto::insurer_number`], shared with kiosk and edge. Time comes from a [`clock::Clock`] held in the application state, never from the system
//! directly.
//!
//! Must not: answer without writing the audit row first; show a held record; show medication or checkup
//! information without a live consent; apply part of an insurer batch; default anyone to 10割 (every non-valid
//! answer carries guidance instead); put internal detail or personal data in an error body or a log line; read or
//! store a PIN; read files outside its own crate at build or test time.
#![forbid(unsafe_code)]

pub mod access_log;
pub mod batch;
pub mod checkin_page;
pub mod cli;
pub mod clock;
pub mod credential;
pub mod demo_public_expense;
pub mod disclosure;
pub mod error;
pub mod http;
pub mod individual_number;
pub mod interop;
pub mod key;
pub mod medical;
pub mod metrics;
pub mod net;
pub mod population;
pub mod public_expense;
pub mod replay;
pub mod seed;
pub mod server;
pub mod store;
pub mod validity;

pub use error::{OriginError, Result};
