//! # xtask — build orchestration for onshi
//!
//! Layer: developer tooling. `cargo xtask demo` builds everything and runs the stack locally; `cargo xtask test`
//! installs what is missing and runs every test; `cargo xtask bench` prints the benchmark figures; `cargo xtask iwa`
//! packages the kiosk as a signed Isolated Web App; `cargo xtask build --production` also assembles the site without
//! its demo-only parts for the production edge.
//!
//! Must not: be needed at run time by any tier, or download anything except from the package registries
//! (crates.io, npm, Debian).
#![forbid(unsafe_code)]

mod bench;
mod build;
mod copies;
mod flags;
mod installable;
mod interop;
mod iwa;
mod postgres;
mod production;
mod tally;
mod test_material;
mod testing;
mod tidy;
mod tools;

use std::path::PathBuf;
use std::process::ExitCode;

use flags::Task;

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

fn main() -> ExitCode {
    let task = match flags::parse(std::env::args().skip(1)) {
        Ok(task) => task,
        Err(error) => {
            eprintln!("xtask: {error}\n{}", flags::USAGE);
            return ExitCode::from(2);
        }
    };
    let result = match task {
        Task::Demo(args) => tools::ensure_all()
            .and_then(|()| build::build_all(build::Native::Programs))
            .and_then(|()| testing::demo(&args)),
        Task::Test => testing::test_all(),
        Task::Tidy => tools::ensure_lint_tools().and_then(|()| tidy::run()),
        Task::Build { production } => tools::ensure_all()
            .and_then(|()| build::build_all(build::Native::Programs))
            .and_then(|()| if production { production::build_production_site() } else { Ok(()) }),
        Task::Bench { quick, scale } => testing::bench(quick, scale),
        Task::Iwa { edge_url } => iwa::run(edge_url.as_deref()).map(|_| ()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("xtask: {error}");
            ExitCode::FAILURE
        }
    }
}
