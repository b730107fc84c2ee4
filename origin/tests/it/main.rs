//! The origin's integration tests: one binary, each test against the real router on 127.0.0.1:0 with a fresh
//! temporary SQLite file (and, when configured, a fresh PostgreSQL database), plus tests of the built `onshi-origin` executable itself.
#![allow(clippy::unwrap_used, reason = "a test should stop at the first unexpected value")]

#[macro_use]
mod fixture;

mod access_log;
mod answer_signature;
mod batch_bounds;
mod batch_progress;
mod batches;
mod binary;
mod certificate_status;
mod connections;
mod contract;
mod edge_routes;
mod every_route;
mod grace;
mod insurer_console;
mod insurer_credentials;
mod insurer_edge;
mod insurer_second_clerk;
mod interop;
mod medical_records;
mod public_expense;
mod qualification;
mod reader_results;
mod refusals;
mod requests;
mod seeding;
mod service_routes;
mod specific_disease;
mod staff;
mod status_and_qualification;
mod withdrawal;
