//! `cargo xtask bench [--quick]`: runs the benchmark programs, echoes their figures and writes
//! `target/bench.json`.
//!
//! Each benchmark program prints its figures as lines `bench: <name> = <value> <unit> (target <op> <value>)` (or
//! `(target report)` for a figure without a target). This module runs them in the release profile, passes their
//! output through, collects those lines and writes them as `{"<name>": {"value": …, "unit": "…", "target": "…"}}`.
//! `--quick` runs the same code at small sizes, so the test command can run it once and the benchmarks never rot.
//! PostgreSQL figures are measured only when `ONSHI_TEST_POSTGRES_URL` is set; the programs say when they skip.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use crate::{TaskError, TaskResult, project_root};

/// One figure as a benchmark program printed it.
#[derive(Debug, Clone, PartialEq)]
pub struct Figure {
    /// Dotted name, e.g. `origin.lookups_per_s.sqlite`.
    pub name: String,
    /// The measured value.
    pub value: f64,
    /// Its unit, e.g. `req/s`.
    pub unit: String,
    /// The target, e.g. `>= 10000`, or `report`.
    pub target: String,
}

/// One benchmark program. Each prints its own figures; this module only runs them and collects the lines.
#[derive(Debug, Clone, Copy)]
enum Program {
    /// `cargo bench -p <package> --bench <bench>` (release profile, `harness = false`).
    CargoBench { package: &'static str, bench: &'static str },
    /// `cargo run --release -p <package> --bin <bin>`.
    CargoBin { package: &'static str, bin: &'static str },
    /// `node <script>`, run after the stack is built (it starts origin and edge itself).
    Node { script: &'static str },
}

/// Every benchmark program, cheapest first.
const PROGRAMS: [Program; 5] = [
    Program::CargoBin { package: "onshi-vcard", bin: "card-bench" },
    Program::CargoBench { package: "onshi-edge", bench: "session_cpu" },
    Program::Node { script: "edge/bench/edge-bench.mjs" },
    Program::Node { script: "tests/bench/kiosk-bench.mjs" },
    Program::CargoBench { package: "onshi-origin", bench: "origin_scale" },
];

impl Program {
    fn command(self, quick: bool) -> Command {
        let mut command = match self {
            Program::CargoBench { package, bench } => {
                let mut command = Command::new("cargo");
                command.args(["bench", "--package", package, "--bench", bench, "--"]);
                command
            }
            Program::CargoBin { package, bin } => {
                let mut command = Command::new("cargo");
                command.args(["run", "--quiet", "--release", "--package", package, "--bin", bin, "--"]);
                command
            }
            Program::Node { script } => {
                let mut command = Command::new("node");
                command.arg(script);
                command
            }
        };
        if quick {
            command.arg("--quick");
        }
        command.current_dir(project_root());
        command
    }
}

/// Runs every benchmark program and writes `target/bench.json`. `env` is passed to every program (paths to the
/// built stack, and `ONSHI_TEST_POSTGRES_URL` for the PostgreSQL figures).
pub fn run(quick: bool, env: &[(&str, String)]) -> TaskResult {
    let mut figures = Vec::new();
    for program in PROGRAMS {
        let mut command = program.command(quick);
        command.envs(env.iter().map(|(k, v)| (*k, v.as_str())));
        figures.extend(run_program(program, command)?);
    }
    let path = project_root().join("target/bench.json");
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(|e| TaskError(format!("create {}: {e}", parent.display())))?;
    }
    std::fs::write(&path, to_json(&figures)).map_err(|e| TaskError(format!("write {}: {e}", path.display())))?;
    eprintln!("xtask: {} figures written to {}", figures.len(), path.display());
    Ok(())
}

fn run_program(program: Program, mut command: Command) -> TaskResult<Vec<Figure>> {
    eprintln!("xtask: benchmark {program:?}");
    let mut child = command
        .stdout(Stdio::piped())
        .spawn()
        .map_err(|e| TaskError(format!("cannot start benchmark {program:?}: {e}")))?;
    let mut figures = Vec::new();
    if let Some(stdout) = child.stdout.take() {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            println!("{line}");
            if let Some(figure) = parse_line(&line) {
                figures.push(figure);
            }
        }
    }
    let status = child.wait().map_err(|e| TaskError(format!("benchmark {program:?}: {e}")))?;
    if !status.success() {
        return Err(TaskError(format!("benchmark {program:?} failed with {status}")));
    }
    if figures.is_empty() {
        return Err(TaskError(format!("benchmark {program:?} printed no figures")));
    }
    Ok(figures)
}

/// Reads `bench: <name> = <value> <unit> (target <target>)`; anything else is not a figure.
pub fn parse_line(line: &str) -> Option<Figure> {
    let rest = line.trim().strip_prefix("bench: ")?;
    let (name, rest) = rest.split_once(" = ")?;
    let (measurement, target) = rest.split_once(" (target ")?;
    let target = target.strip_suffix(')')?;
    let (value, unit) = measurement.split_once(' ')?;
    let value: f64 = value.parse().ok()?;
    if name.is_empty() || name.contains(char::is_whitespace) || unit.is_empty() || target.is_empty() {
        return None;
    }
    Some(Figure { name: name.to_owned(), value, unit: unit.to_owned(), target: target.to_owned() })
}

/// How one figure is written to `target/bench.json`.
#[derive(serde::Serialize)]
struct Entry<'a> {
    /// JSON has no NaN or infinity: a figure that could not be measured is written as null.
    value: Option<f64>,
    unit: &'a str,
    target: &'a str,
}

/// The figures as a JSON object keyed by name (in name order); a later figure of the same name replaces an
/// earlier one.
pub fn to_json(figures: &[Figure]) -> String {
    let entries: std::collections::BTreeMap<&str, Entry<'_>> = figures
        .iter()
        .map(|figure| {
            let value = figure.value.is_finite().then_some(figure.value);
            (figure.name.as_str(), Entry { value, unit: &figure.unit, target: &figure.target })
        })
        .collect();
    // A map of strings and plain numbers always serialises; the fallback keeps this function total.
    let mut json = serde_json::to_string_pretty(&entries).unwrap_or_else(|_| "{}".to_owned());
    json.push('\n');
    json
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_figure_lines_and_ignores_the_rest() {
        assert_eq!(
            parse_line("bench: origin.lookups_per_s.sqlite = 12345 req/s (target >= 10000)"),
            Some(Figure {
                name: "origin.lookups_per_s.sqlite".into(),
                value: 12345.0,
                unit: "req/s".into(),
                target: ">= 10000".into(),
            })
        );
        assert_eq!(
            parse_line("bench: origin.lookup_p99_ms.sqlite = 3.25 ms (target <= 10)").map(|f| f.value),
            Some(3.25)
        );
        assert_eq!(parse_line("bench: a.b = NaN MiB (target report)").map(|f| f.target), Some("report".into()));
        for not_a_figure in [
            "origin_scale: loaded 10000 persons",
            "bench: a.b = fast req/s (target >= 1)",
            "bench: a.b = 1 req/s",
            "bench: a b = 1 req/s (target >= 1)",
            "bench: a.b = 1 (target >= 1)",
        ] {
            assert_eq!(parse_line(not_a_figure), None, "{not_a_figure}");
        }
    }

    #[test]
    fn writes_one_json_entry_per_name() {
        let figure =
            |name: &str, value: f64| Figure { name: name.into(), value, unit: "s".into(), target: "<= 60".into() };
        let json = to_json(&[figure("x.a", 1.5), figure("x.b", f64::NAN), figure("x.a\"\n", 2.0), figure("x.a", 2.0)]);
        let read: serde_json::Value = serde_json::from_str(&json).unwrap_or_default();
        assert_eq!(
            read,
            serde_json::json!({
                "x.a": {"value": 2.0, "unit": "s", "target": "<= 60"},
                "x.a\"\n": {"value": 2.0, "unit": "s", "target": "<= 60"},
                "x.b": {"value": null, "unit": "s", "target": "<= 60"},
            })
        );
        assert!(json.ends_with("}\n"));
    }
}
