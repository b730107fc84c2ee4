//! `cargo xtask bench [--quick] [--registry-persons N] [--batch-rows N]`: runs the benchmark programs, echoes their
//! figures and writes `target/bench.json`. The last two options set the insurer batch's sizes
//! ([`crate::flags::BatchScale`]).
//!
//! Each benchmark program prints its figures as lines `bench: <name> = <value> <unit> (n <N>) (target <op> <value>)`
//! (or `(target report)` for a figure without a target), where `N` is the sample the value was computed from (the
//! requests timed, the runs whose median it is, 1 for a single measurement). This module runs them in the release
//! profile (`--quick`: as the test build made them, see below), passes their output through, notes the machine's 1-minute load average when each figure arrives (the
//! same figure means something else on a busy machine), collects the lines, prints them again as one table at the
//! end, and writes them as `{"<name>": {"value": …, "unit": "…", "n": …, "load_average": …, "target": "…"}}`.
//! `--quick` runs the same code at small sizes, so the test command can run it once and the benchmarks never rot.
//! Its figures are not judged, so it runs the programs the test build already compiled ([`crate::build::TEST_BUILD`])
//! instead of compiling the tree again for speed.
//! PostgreSQL figures are measured only when `ONSHI_TEST_POSTGRES_URL` is set; the programs say when they skip.

use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Command, Stdio};

use crate::flags::BatchScale;
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
    /// The sample size the program reported, if it did.
    pub n: Option<u64>,
    /// The target, e.g. `>= 10000`, or `report`.
    pub target: String,
    /// The machine's 1-minute load average when the figure was printed (Linux), filled in by [`run`].
    pub load_average: Option<f64>,
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
const PROGRAMS: [Program; 10] = [
    Program::CargoBin { package: "onshi-vcard", bin: "card-bench" },
    Program::CargoBench { package: "onshi-bridge", bench: "bridge_latency" },
    Program::CargoBench { package: "onshi-edge", bench: "session_cpu" },
    Program::Node { script: "edge/bench/edge-bench.mjs" },
    Program::Node { script: "edge/bench/reliability-bench.mjs" },
    Program::Node { script: "tests/bench/photo-bench.mjs" },
    Program::Node { script: "tests/bench/kiosk-bench.mjs" },
    Program::Node { script: "tests/bench/person-bench.mjs" },
    Program::Node { script: "tests/bench/national-reader-bench.mjs" },
    Program::CargoBench { package: "onshi-origin", bench: ORIGIN_SCALE },
];

/// The origin's scale benchmark, the one that takes the insurer batch's sizes.
const ORIGIN_SCALE: &str = "origin_scale";

impl Program {
    /// The command that runs the program: in the release profile, or with `quick` the test build's executable;
    /// the origin's scale benchmark is given the batch's `scale`.
    fn command(self, quick: Option<&TestExecutables>, scale: BatchScale) -> TaskResult<Command> {
        let mut command = match (self, quick) {
            (Program::CargoBench { bench: name, .. } | Program::CargoBin { bin: name, .. }, Some(executables)) => {
                let path = executables
                    .0
                    .get(name)
                    .ok_or_else(|| TaskError(format!("the test build made no executable for benchmark {self:?}")))?;
                Command::new(path)
            }
            (Program::CargoBench { package, bench }, None) => {
                let mut command = Command::new("cargo");
                command.args(["bench", "--package", package, "--bench", bench, "--"]);
                command
            }
            (Program::CargoBin { package, bin }, None) => {
                let mut command = Command::new("cargo");
                command.args(["run", "--quiet", "--release", "--package", package, "--bin", bin, "--"]);
                command
            }
            (Program::Node { script }, _) => {
                let mut command = Command::new("node");
                command.arg(script);
                command
            }
        };
        if quick.is_some() {
            command.arg("--quick");
        }
        if let Program::CargoBench { bench: ORIGIN_SCALE, .. } = self {
            command.args(scale.arguments());
        }
        command.current_dir(project_root());
        Ok(command)
    }
}

/// The benchmark programs of the test build, by target name.
struct TestExecutables(HashMap<String, PathBuf>);

impl TestExecutables {
    /// Asks cargo where the test build put each benchmark and program; a build that is up to date compiles
    /// nothing.
    fn of_test_build() -> TaskResult<Self> {
        let output = Command::new("cargo")
            .args(crate::build::TEST_BUILD)
            .arg("--message-format=json")
            .current_dir(project_root())
            .stderr(Stdio::inherit())
            .output()
            .map_err(|e| TaskError(format!("cannot run cargo: {e}")))?;
        if !output.status.success() {
            return Err(TaskError(format!("the test build failed with {}", output.status)));
        }
        Ok(Self::from_messages(&String::from_utf8_lossy(&output.stdout)))
    }

    /// Reads cargo's JSON messages: each benchmark target's executable, and each binary's own executable (not the
    /// unit-test harness built from the same file).
    fn from_messages(messages: &str) -> Self {
        #[derive(serde::Deserialize)]
        struct Artifact {
            reason: String,
            target: Option<Target>,
            profile: Option<ArtifactProfile>,
            executable: Option<PathBuf>,
        }
        #[derive(serde::Deserialize)]
        struct Target {
            name: String,
            kind: Vec<String>,
        }
        #[derive(serde::Deserialize)]
        struct ArtifactProfile {
            test: bool,
        }
        let mut executables = HashMap::new();
        for artifact in messages.lines().filter_map(|line| serde_json::from_str::<Artifact>(line).ok()) {
            let (Some(target), Some(profile), Some(executable)) =
                (artifact.target, artifact.profile, artifact.executable)
            else {
                continue;
            };
            let wanted = artifact.reason == "compiler-artifact"
                && (target.kind.iter().any(|kind| kind == "bench")
                    || (target.kind.iter().any(|kind| kind == "bin") && !profile.test));
            if wanted {
                executables.insert(target.name, executable);
            }
        }
        Self(executables)
    }
}

/// Runs every benchmark program and writes `target/bench.json`. `env` is passed to every program (paths to the
/// built stack, and `ONSHI_TEST_POSTGRES_URL` for the PostgreSQL figures); `scale` to the origin's scale benchmark.
pub fn run(quick: bool, scale: BatchScale, env: &[(&str, String)]) -> TaskResult {
    let executables = if quick { Some(TestExecutables::of_test_build()?) } else { None };
    let mut figures = Vec::new();
    for program in PROGRAMS {
        let mut command = program.command(executables.as_ref(), scale)?;
        command.envs(env.iter().map(|(k, v)| (*k, v.as_str())));
        figures.extend(run_program(program, command)?);
    }
    let path = project_root().join("target/bench.json");
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(|e| TaskError(format!("create {}: {e}", parent.display())))?;
    }
    std::fs::write(&path, to_json(&figures)).map_err(|e| TaskError(format!("write {}: {e}", path.display())))?;
    println!("{}", table(&figures));
    eprintln!("xtask: {} figures written to {}", figures.len(), path.display());
    Ok(())
}

/// The 1-minute load average from `/proc/loadavg`, or `None` where there is no such file.
fn load_average() -> Option<f64> {
    std::fs::read_to_string("/proc/loadavg").ok().as_deref().and_then(parse_load_average)
}

fn parse_load_average(text: &str) -> Option<f64> {
    text.split_whitespace().next()?.parse().ok()
}

/// Every figure on one line each, aligned: name, value and unit, sample size, load average, target.
pub fn table(figures: &[Figure]) -> String {
    let width = figures.iter().map(|f| f.name.len()).max().unwrap_or(0);
    let mut out = format!("{:width$}  {:>14} {:<10} {:>8} {:>6}  target\n", "figure", "value", "unit", "n", "load");
    for f in figures {
        let n = f.n.map_or_else(|| "?".to_owned(), |n| n.to_string());
        let load = f.load_average.map_or_else(|| "?".to_owned(), |l| format!("{l:.2}"));
        out.push_str(&format!(
            "{:width$}  {:>14} {:<10} {:>8} {:>6}  {}\n",
            f.name, f.value, f.unit, n, load, f.target
        ));
    }
    out
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
            if let Some(figure) = parse_line(&line) {
                let load_average = load_average();
                let load = load_average.map_or_else(String::new, |l| format!(" [load {l:.2}]"));
                println!("{line}{load}");
                figures.push(Figure { load_average, ..figure });
            } else {
                println!("{line}");
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

/// Reads `bench: <name> = <value> <unit> [(n <N>)] (target <target>)`; anything else is not a figure.
pub fn parse_line(line: &str) -> Option<Figure> {
    let rest = line.trim().strip_prefix("bench: ")?;
    let (name, rest) = rest.split_once(" = ")?;
    let (measurement, target) = rest.split_once(" (target ")?;
    let target = target.strip_suffix(')')?;
    let (measurement, n) = match measurement.split_once(" (n ") {
        Some((measurement, n)) => (measurement, Some(n.strip_suffix(')')?.parse().ok()?)),
        None => (measurement, None),
    };
    let (value, unit) = measurement.split_once(' ')?;
    let value: f64 = value.parse().ok()?;
    if name.is_empty() || name.contains(char::is_whitespace) || unit.is_empty() || unit.contains(' ') {
        return None;
    }
    if target.is_empty() {
        return None;
    }
    Some(Figure {
        name: name.to_owned(),
        value,
        unit: unit.to_owned(),
        n,
        target: target.to_owned(),
        load_average: None,
    })
}

/// How one figure is written to `target/bench.json`.
#[derive(serde::Serialize)]
struct Entry<'a> {
    /// JSON has no NaN or infinity: a figure that could not be measured is written as null.
    value: Option<f64>,
    unit: &'a str,
    n: Option<u64>,
    load_average: Option<f64>,
    target: &'a str,
}

/// The figures as a JSON object keyed by name (in name order); a later figure of the same name replaces an
/// earlier one.
pub fn to_json(figures: &[Figure]) -> String {
    let entries: std::collections::BTreeMap<&str, Entry<'_>> = figures
        .iter()
        .map(|figure| {
            let value = figure.value.is_finite().then_some(figure.value);
            let entry = Entry {
                value,
                unit: &figure.unit,
                n: figure.n,
                load_average: figure.load_average,
                target: &figure.target,
            };
            (figure.name.as_str(), entry)
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
                n: None,
                target: ">= 10000".into(),
                load_average: None,
            })
        );
        let sampled = parse_line("bench: edge.added_p99_over_floor_ms = 0.85 ms (n 5000) (target <= 1)");
        assert_eq!(sampled.as_ref().map(|f| (f.value, f.n, f.target.as_str())), Some((0.85, Some(5000), "<= 1")));
        assert_eq!(
            parse_line("bench: origin.lookup_p99_ms.sqlite = 3.25 ms (target <= 10)").map(|f| f.value),
            Some(3.25)
        );
        assert_eq!(parse_line("bench: a.b = NaN MiB (target report)").map(|f| f.target), Some("report".into()));
        let rate = parse_line("bench: bridge.bulk_rows_per_s = 12715.4 rows/s (n 1) (target report)");
        assert_eq!(rate.map(|f| (f.value, f.unit, f.n)), Some((12715.4, "rows/s".into(), Some(1))));
        for not_a_figure in [
            "origin_scale: loaded 10000 persons",
            "bench: a.b = fast req/s (target >= 1)",
            "bench: a.b = 1 req/s",
            "bench: a b = 1 req/s (target >= 1)",
            "bench: a.b = 1 (target >= 1)",
            "bench: a.b = 1 ms (n many) (target >= 1)",
            "bench: a.b = 1 ms (n -3) (target >= 1)",
            "bench: a.b = 1 ms (target )",
        ] {
            assert_eq!(parse_line(not_a_figure), None, "{not_a_figure}");
        }
    }

    #[test]
    fn writes_one_json_entry_per_name() {
        let figure = |name: &str, value: f64| Figure {
            name: name.into(),
            value,
            unit: "s".into(),
            n: Some(3),
            target: "<= 60".into(),
            load_average: Some(1.5),
        };
        let json = to_json(&[figure("x.a", 1.5), figure("x.b", f64::NAN), figure("x.a\"\n", 2.0), figure("x.a", 2.0)]);
        let read: serde_json::Value = serde_json::from_str(&json).unwrap_or_default();
        let entry = |value: serde_json::Value| serde_json::json!({"value": value, "unit": "s", "n": 3, "load_average": 1.5, "target": "<= 60"});
        assert_eq!(
            read,
            serde_json::json!({
                "x.a": entry(2.0.into()),
                "x.a\"\n": entry(2.0.into()),
                "x.b": entry(serde_json::Value::Null),
            })
        );
        assert!(json.ends_with("}\n"));
    }

    #[test]
    fn the_table_gives_each_figure_its_sample_and_load() {
        let figure = Figure {
            name: "origin.lookup_floor_ratio.sqlite".into(),
            value: 0.62,
            unit: "ratio".into(),
            n: Some(50_000),
            target: ">= 0.5".into(),
            load_average: Some(1.25),
        };
        let unsampled = Figure { name: "edge.bundle_gz_kb".into(), n: None, load_average: None, ..figure.clone() };
        let table = table(&[figure, unsampled]);
        let lines: Vec<Vec<&str>> = table.lines().map(|line| line.split_whitespace().collect()).collect();
        assert_eq!(lines[0], ["figure", "value", "unit", "n", "load", "target"]);
        assert_eq!(lines[1], ["origin.lookup_floor_ratio.sqlite", "0.62", "ratio", "50000", "1.25", ">=", "0.5"]);
        assert_eq!(lines[2][3..5], ["?", "?"]);
        assert_eq!(parse_load_average("0.52 0.58 0.59 1/467 12345\n"), Some(0.52));
        assert_eq!(parse_load_average(""), None);
    }

    #[test]
    fn quick_runs_each_benchmark_and_program_but_not_a_binary_s_unit_tests() {
        let messages = [
            r#"{"reason":"compiler-artifact","target":{"name":"origin_scale","kind":["bench"]},"profile":{"test":true},"executable":"/t/debug/deps/origin_scale-1"}"#,
            r#"{"reason":"compiler-artifact","target":{"name":"card-bench","kind":["bin"]},"profile":{"test":false},"executable":"/t/debug/card-bench"}"#,
            r#"{"reason":"compiler-artifact","target":{"name":"card-bench","kind":["bin"]},"profile":{"test":true},"executable":"/t/debug/deps/card_bench-2"}"#,
            r#"{"reason":"compiler-artifact","target":{"name":"onshi_proto","kind":["lib"]},"profile":{"test":false},"executable":null}"#,
            r#"{"reason":"build-finished","success":true}"#,
            "not json",
        ]
        .join("\n");
        let executables = TestExecutables::from_messages(&messages).0;
        assert_eq!(executables.len(), 2, "{executables:?}");
        assert_eq!(executables["origin_scale"], PathBuf::from("/t/debug/deps/origin_scale-1"));
        assert_eq!(executables["card-bench"], PathBuf::from("/t/debug/card-bench"));
    }
}
