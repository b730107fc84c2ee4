//! `cargo xtask test` and `cargo xtask demo`: run every suite and add up what they report.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};

use crate::build::{ProgramBuild, program_binary, site_dir};
pub use crate::tally::Tally;
use crate::tools::CHROMIUM;
use crate::{TaskError, TaskResult, build, postgres, project_root, tools};

fn number_before(text: &str, word: &str) -> Option<u64> {
    let index = text.find(word)?;
    text[..index].split_whitespace().last()?.parse().ok()
}

/// Reads the counts from one line of test-runner output: cargo's `test result: ok. 3 passed; 1 failed; …` and
/// node's TAP summary `# pass 3` / `# fail 1`.
pub fn parse_line(line: &str) -> Tally {
    let line = line.trim();
    if let Some(rest) = line.strip_prefix("test result: ") {
        return Tally {
            passed: number_before(rest, " passed").unwrap_or(0),
            failed: number_before(rest, " failed").unwrap_or(0),
        };
    }
    if let Some(count) = line.strip_prefix("# pass ") {
        return Tally { passed: count.trim().parse().unwrap_or(0), failed: 0 };
    }
    if let Some(count) = line.strip_prefix("# fail ") {
        return Tally { passed: 0, failed: count.trim().parse().unwrap_or(0) };
    }
    Tally::default()
}

/// Runs one suite, echoing its output, and returns its tally. A suite whose command fails without reporting a
/// failed test counts as one failure, so a crash can never look green.
fn run_suite(name: &str, command: &mut Command) -> Tally {
    eprintln!("\nxtask: ── suite {name} ──");
    let started = std::time::Instant::now();
    command.stdout(Stdio::piped());
    let mut child = match command.spawn() {
        Ok(child) => child,
        Err(error) => {
            eprintln!("xtask: suite {name} could not start: {error}");
            return Tally { passed: 0, failed: 1 };
        }
    };
    let mut tally = Tally::default();
    if let Some(stdout) = child.stdout.take() {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            println!("{line}");
            tally += parse_line(&line);
        }
    }
    let success = child.wait().map(|status| status.success()).unwrap_or(false);
    if !success && tally.failed == 0 {
        eprintln!("xtask: suite {name} exited with an error");
        tally.failed = 1;
    }
    // The time each suite took, so that a slow run shows where it was slow.
    let seconds = started.elapsed().as_secs();
    eprintln!("xtask: suite {name}: {} passed, {} failed, in {seconds} s", tally.passed, tally.failed);
    tally
}

fn node_test_files(dir: &Path) -> Vec<String> {
    let mut files: Vec<String> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .filter(|path| path.to_string_lossy().ends_with(".test.mjs"))
        .map(|path| path.to_string_lossy().into_owned())
        .collect();
    files.sort();
    files
}

/// Test files of a suite run at once. A serial run of the Chromium suite leaves the two cores idle about a third of
/// the time (vmstat during kiosk.test.mjs: 27–56 % idle, no I/O wait); two files at once fill that time (the whole
/// suite: 1,324 s serially in the last check, 1,045 s two at a time). Each file starts its own stack
/// on ports its servers choose, so files never share a server. The workerd suite takes about a minute serially and
/// stays one file at a time.
#[derive(Clone, Copy)]
enum Concurrency {
    OneFile,
    TwoFiles,
}

/// A folder of node tests; `postgres_url` reaches the tests that run the origin on PostgreSQL (its replicas).
fn node_suite(name: &str, dir: &Path, postgres_url: &str, concurrency: Concurrency) -> Tally {
    let files = node_test_files(dir);
    if files.is_empty() {
        eprintln!("xtask: suite {name} has no test files in {}", dir.display());
        return Tally { passed: 0, failed: 1 };
    }
    let ledger = std::env::temp_dir().join(format!("onshi-e2e-aids-{}.txt", std::process::id()));
    // A ledger left by a run that was stopped part way, under the same process id, must not skip any audit.
    let _usually_absent = std::fs::remove_file(&ledger);
    let mut command = Command::new("node");
    command
        .arg("--test")
        .arg(match concurrency {
            Concurrency::OneFile => "--test-concurrency=1",
            Concurrency::TwoFiles => "--test-concurrency=2",
        })
        .arg("--test-reporter=tap")
        .args(&files)
        .current_dir(project_root())
        .envs(stack_env())
        .env(postgres::URL_VARIABLE, postgres_url)
        .env(AIDS_LEDGER_VARIABLE, &ledger);
    let tally = run_suite(name, &mut command);
    // Written only by the end-to-end suite, and only when it audits a kiosk screen.
    let _absent_when_nothing_was_audited = std::fs::remove_file(&ledger);
    tally
}

/// The file in which the end-to-end suite's test files, each in a process of its own, note the kiosk screens already
/// checked with every patient aid in every language (`tests/e2e/support.mjs`); the suite's runner removes it after.
const AIDS_LEDGER_VARIABLE: &str = "ONSHI_E2E_AIDS_LEDGER";

/// Paths the JavaScript launcher and tests need, with the native programs of the demo's and the tests' build.
pub fn stack_env() -> Vec<(&'static str, String)> {
    stack_env_of(ProgramBuild::Debug)
}

/// Paths the JavaScript launcher, tests and benchmarks need, with the native programs of `build`.
fn stack_env_of(build: ProgramBuild) -> Vec<(&'static str, String)> {
    vec![
        ("ONSHI_ORIGIN_BIN", program_binary(build, "onshi-origin").to_string_lossy().into_owned()),
        ("ONSHI_BRIDGE_BIN", program_binary(build, "onshi-bridge").to_string_lossy().into_owned()),
        ("ONSHI_TERMINAL_SIM_BIN", program_binary(build, "onshi-terminal-sim").to_string_lossy().into_owned()),
        ("ONSHI_SITE_DIR", site_dir().to_string_lossy().into_owned()),
        ("ONSHI_CHROMIUM", CHROMIUM.to_owned()),
        ("WRANGLER_SEND_METRICS", "false".to_owned()),
    ]
}

/// `cargo xtask test`.
pub fn test_all() -> TaskResult {
    tools::ensure_all()?;
    tools::ensure_lint_tools()?;
    // The gate comes first: formatting, lints and the code map are checked before anything is built to test.
    eprintln!("\nxtask: ── suite tidy ──");
    let started = std::time::Instant::now();
    let mut total = crate::tidy::run_checks();
    eprintln!("xtask: tidy took {} s", started.elapsed().as_secs());
    let started = std::time::Instant::now();
    build::build_all(build::Native::WithTests)?;
    eprintln!("xtask: the build took {} s", started.elapsed().as_secs());
    // The production flavour is made from the site just built, and must carry nothing of the demo.
    eprintln!("\nxtask: ── suite production site ──");
    total += crate::production::check_built_sites();
    let root = project_root();
    // The origin's suite runs every storage test on SQLite and again on this throwaway PostgreSQL cluster.
    let postgres = postgres::TestCluster::start()?;
    // The origin's interop test, part of this suite, writes every answer it checked for the interop suite to parse.
    let corpus = crate::interop::fresh_corpus();
    total += run_suite(
        "native (SQLite and PostgreSQL)",
        Command::new("cargo")
            .args(["test", "--workspace"])
            .env(postgres::URL_VARIABLE, &postgres.url)
            .env(crate::interop::CORPUS_VARIABLE, &corpus)
            .current_dir(&root),
    );
    total += crate::interop::suite(&corpus, run_suite);
    total += windows_build(&root);
    total += node_suite("edge in workerd", &root.join("edge/test"), &postgres.url, Concurrency::OneFile);
    total += node_suite("end-to-end in Chromium", &root.join("tests/e2e"), &postgres.url, Concurrency::TwoFiles);
    // The benchmarks run once at small sizes so that they never rot; their figures are not judged here.
    eprintln!("\nxtask: ── benchmarks (--quick) ──");
    let mut bench_env = stack_env();
    bench_env.push((postgres::URL_VARIABLE, postgres.url.clone()));
    match crate::bench::run(true, crate::flags::BatchScale::default(), &bench_env) {
        Ok(()) => total.passed += 1,
        Err(error) => {
            eprintln!("xtask: benchmarks failed: {error}");
            total.failed += 1;
        }
    }
    println!("\n{} passed, {} failed", total.passed, total.failed);
    if total.failed > 0 || total.passed == 0 {
        return Err(TaskError(format!("{} test(s) failed", total.failed)));
    }
    Ok(())
}

/// The bridge runs on the facility's Windows PC beside the terminal, so its Windows build is one check.
fn windows_build(root: &Path) -> Tally {
    if let Err(error) = tools::ensure_windows_target() {
        eprintln!("xtask: the Windows target could not be installed: {error}");
        return Tally { passed: 0, failed: 1 };
    }
    let mut tally = run_suite(
        "bridge for Windows",
        Command::new("cargo")
            .args(["build", "-p", "onshi-bridge", "--target", tools::WINDOWS_TARGET])
            .current_dir(root),
    );
    if tally.failed == 0 {
        tally.passed = 1;
    }
    tally
}

/// `cargo xtask demo`: runs the stack in the foreground until interrupted.
pub fn demo(args: &[String]) -> TaskResult {
    tools::run(
        Command::new("node")
            .arg(project_root().join("xtask/stack.mjs"))
            .args(args)
            .current_dir(project_root())
            .envs(stack_env()),
    )
}

/// `cargo xtask bench [--quick] [--registry-persons N] [--batch-rows N]`: builds the stack, starts a throwaway
/// PostgreSQL cluster for the PostgreSQL figures, and runs every benchmark program against the origin and bridge of
/// the release profile, as the edge and the kiosk are already built. `--quick` runs them from the test build, as
/// `cargo xtask test` does: its figures are not judged. `scale` sets the insurer batch's sizes when they are not
/// the full ones.
pub fn bench(quick: bool, scale: crate::flags::BatchScale) -> TaskResult {
    tools::ensure_all()?;
    let native = if quick { build::Native::WithTests } else { build::Native::ReleasePrograms };
    build::build_all(native)?;
    let postgres = postgres::TestCluster::start()?;
    let mut env = stack_env_of(native.program_build());
    env.push((postgres::URL_VARIABLE, postgres.url.clone()));
    crate::bench::run(quick, scale, &env)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_cargo_and_node_summaries() {
        assert_eq!(
            parse_line(
                "test result: ok. 11 passed; 0 failed; 0 ignored; 0 measured; 0 filtered out; finished in 0.00s"
            ),
            Tally { passed: 11, failed: 0 }
        );
        assert_eq!(parse_line("test result: FAILED. 3 passed; 2 failed; 0 ignored"), Tally { passed: 3, failed: 2 });
        assert_eq!(parse_line("# pass 7"), Tally { passed: 7, failed: 0 });
        assert_eq!(parse_line("# fail 1"), Tally { passed: 0, failed: 1 });
        assert_eq!(parse_line("ok 1 - something passed"), Tally::default());
    }
}
