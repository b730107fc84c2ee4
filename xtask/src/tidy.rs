//! `cargo xtask tidy`: the gate every commit passes before it lands, and the first suite of `cargo xtask test`.
//!
//! Five checks, each a test in the tally: the formatter agrees with the tree (`rustfmt.toml`), clippy finds nothing
//! with `-D warnings` on the native targets, nor on the crates that run in WebAssembly (the kiosk, the staff
//! console, the insurer console, the virtual card's bindings, the edge worker), every path that ARCHITECTURE.md's code map names
//! exists, so the map cannot drift from the tree it describes, and every copy of test data equals its source
//! ([`crate::copies`]).

use std::path::Path;
use std::process::Command;

use crate::tally::Tally;
use crate::{TaskError, TaskResult, project_root};

/// The crates built for `wasm32-unknown-unknown`. None has features of its own to ship with.
const WASM_CRATES: [&str; 8] = [
    "onshi-kiosk",
    "onshi-staff-console",
    "onshi-insurer-console",
    "onshi-web",
    "onshi-vcard-wasm",
    "onshi-edge",
    "onshi-photo",
    "onshi-photo-wasm",
];

/// Runs one check, echoing its output; a check that cannot start or exits non-zero fails.
fn check(name: &str, command: &mut Command) -> Tally {
    eprintln!("xtask: tidy: {name}");
    match command.current_dir(project_root()).status() {
        Ok(status) if status.success() => {
            println!("ok - tidy: {name}");
            Tally { passed: 1, failed: 0 }
        }
        Ok(status) => {
            println!("not ok - tidy: {name} ({status})");
            Tally { passed: 0, failed: 1 }
        }
        Err(error) => {
            println!("not ok - tidy: {name} could not start: {error}");
            Tally { passed: 0, failed: 1 }
        }
    }
}

/// Every check, as a tally of passed and failed checks.
pub fn run_checks() -> Tally {
    let mut tally = Tally::default();
    tally += check("rustfmt", Command::new("cargo").args(["fmt", "--all", "--", "--check"]));
    tally += check(
        "clippy (native)",
        Command::new("cargo").args(["clippy", "--workspace", "--all-targets", "--quiet", "--", "-D", "warnings"]),
    );
    // One run for every wasm crate: a run per crate unifies each one's dependencies' features apart, and on a cold
    // machine checked web-sys, yew and the rest again for each.
    let mut wasm = Command::new("cargo");
    wasm.args(["clippy", "--quiet", "--target", "wasm32-unknown-unknown"]);
    for package in WASM_CRATES {
        wasm.args(["-p", package]);
    }
    wasm.args(["--", "-D", "warnings"]);
    tally += check(&format!("clippy (wasm32: {})", WASM_CRATES.join(", ")), &mut wasm);
    let missing = missing_codemap_paths(&project_root());
    eprintln!("xtask: tidy: ARCHITECTURE.md code map");
    if missing.is_empty() {
        println!("ok - tidy: every path in ARCHITECTURE.md exists");
        tally.passed += 1;
    } else {
        println!("not ok - tidy: ARCHITECTURE.md names paths that do not exist: {}", missing.join(", "));
        tally.failed += 1;
    }
    let stale = crate::copies::stale_copies(&project_root());
    eprintln!("xtask: tidy: copied test data");
    if stale.is_empty() {
        println!("ok - tidy: every copied test data file equals its source");
        tally.passed += 1;
    } else {
        println!("not ok - tidy: copied test data is stale: {}", stale.join("; "));
        tally.failed += 1;
    }
    tally
}

/// `cargo xtask tidy`.
pub fn run() -> TaskResult {
    let tally = run_checks();
    println!("\n{} passed, {} failed", tally.passed, tally.failed);
    if tally.failed > 0 { Err(TaskError(format!("{} tidy check(s) failed", tally.failed))) } else { Ok(()) }
}

/// The top-level folders a code-map path starts with; a backticked word that starts elsewhere (a route, a crate
/// name, a type) is not a path.
const TOP_LEVEL: [&str; 12] = [
    "shared/", "kiosk/", "staff/", "insurer/", "edge/", "origin/", "bridge/", "xtask/", "www/", "tests/", "fuzz/",
    ".ci/",
];

/// The repository paths ARCHITECTURE.md names in backticks that are not in the tree.
pub fn missing_codemap_paths(root: &Path) -> Vec<String> {
    let Ok(map) = std::fs::read_to_string(root.join("ARCHITECTURE.md")) else {
        return vec!["ARCHITECTURE.md".to_owned()];
    };
    codemap_paths(&map).into_iter().filter(|path| !root.join(path).exists()).collect()
}

/// The backticked repository paths in a Markdown text, in order, each once. A glob or placeholder (`*`, `<…>`,
/// `…`) is not a path and is left out.
fn codemap_paths(markdown: &str) -> Vec<String> {
    let mut paths: Vec<String> = Vec::new();
    for (index, quoted) in markdown.split('`').enumerate() {
        // Odd pieces sit between a pair of backticks.
        if index % 2 == 0 || !TOP_LEVEL.iter().any(|top| quoted.starts_with(top)) {
            continue;
        }
        if quoted.contains(['*', '<', '>', ' ', '…']) {
            continue;
        }
        let path = quoted.trim_end_matches('/').to_owned();
        if !paths.contains(&path) {
            paths.push(path);
        }
    }
    paths
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_code_map_names_paths_in_backticks_and_nothing_else() {
        let map = "`shared/proto` is the contract; `kiosk/src/state.rs` the screens; `onshi-proto` a crate; \
            `/api/v1/session` a route; `edge/test/` its tests; `kiosk/src/*.rs` a glob; `kiosk/src/state.rs` again.";
        assert_eq!(codemap_paths(map), ["shared/proto", "kiosk/src/state.rs", "edge/test"]);
    }

    #[test]
    fn this_repository_s_code_map_names_only_paths_that_exist() {
        assert_eq!(missing_codemap_paths(&project_root()), Vec::<String>::new());
    }

    #[test]
    fn a_path_that_is_not_there_is_reported() {
        let dir = std::env::temp_dir().join(format!("onshi-tidy-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("kiosk/src")).unwrap();
        std::fs::write(dir.join("kiosk/src/app.rs"), "").unwrap();
        std::fs::write(dir.join("ARCHITECTURE.md"), "`kiosk/src/app.rs` and `kiosk/src/gone.rs`").unwrap();
        assert_eq!(missing_codemap_paths(&dir), ["kiosk/src/gone.rs"]);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
