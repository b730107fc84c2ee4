//! # xtask — build orchestration for onshi
//!
//! Layer: developer tooling. `cargo xtask demo` builds everything and runs the stack locally; `cargo xtask test`
//! installs what is missing and runs every test; `cargo xtask bench` prints the benchmark figures; `cargo xtask iwa`
//! packages the kiosk as a signed Isolated Web App.
//!
//! Must not: be needed at run time by any tier, or download anything except from the package registries
//! (crates.io, npm, Debian).
#![forbid(unsafe_code)]

mod bench;
mod build;
mod installable;
mod iwa;
mod postgres;
mod testing;
mod tidy;
mod tools;

use std::path::PathBuf;
use std::process::ExitCode;

/// Why a task failed.
#[derive(Debug)]
pub struct TaskError(pub String);

impl std::fmt::Display for TaskError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// The result of a task.
pub type TaskResult<T = ()> = Result<T, TaskError>;

/// The workspace root (the parent of this crate's directory).
pub fn project_root() -> PathBuf {
    let manifest_dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    manifest_dir.parent().map(PathBuf::from).unwrap_or(manifest_dir)
}

const USAGE: &str = "usage: cargo xtask <demo|test|tidy|build|bench|iwa> [options]
  demo            build everything and run origin + edge + kiosk on 127.0.0.1 (Ctrl-C stops)
  test            install what is missing, then run every test (tidy first); prints 'N passed, M failed'
  tidy            rustfmt check, clippy -D warnings (native and wasm32), ARCHITECTURE.md paths exist
  build           build the wasm artifacts and binaries only
  bench [--quick] run the benchmarks
  iwa             package the built kiosk as a signed Isolated Web App bundle (target/onshi-kiosk.swbn)";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("demo") => tools::ensure_all().and_then(|()| build::build_all()).and_then(|()| testing::demo(&args[1..])),
        Some("test") => testing::test_all(&args[1..]),
        Some("tidy") => tools::ensure_lint_tools().and_then(|()| tidy::run()),
        Some("build") => tools::ensure_all().and_then(|()| build::build_all()),
        Some("bench") => testing::bench(&args[1..]),
        Some("iwa") => iwa::run().map(|_| ()),
        _ => {
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("xtask: {error}");
            ExitCode::FAILURE
        }
    }
}
