//! The origin's integration tests: one binary, each test against the real router on 127.0.0.1:0 with a fresh
//! temporary SQLite file, plus tests of the built `onshi-origin` executable itself.
#![allow(clippy::unwrap_used, reason = "a test should stop at the first unexpected value")]

mod binary;
mod certificate_status;
mod fixture;
mod qualification;
mod requests;
mod seeding;
