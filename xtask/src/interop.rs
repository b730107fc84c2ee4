//! The interop step of `cargo xtask test`: the origin's interop test writes every FHIR and XmlMsg answer of a varied
//! population to a directory, and tools written elsewhere parse them — the FHIR R4 model library `fhir.resources`
//! and the XML parser `lxml` (`xtask/interop_check.py`), in a Python virtual environment this step keeps under the
//! target directory and installs from PyPI when it is missing.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::tally::Tally;
use crate::tools::{output_of, run};
use crate::{TaskResult, build, project_root};

/// The pinned packages: `fhir.resources` 6.4.0 models FHIR 4.0.1 (R4) on pydantic 1 (later releases model R4B and
/// R5); `lxml` is libxml2's parser.
const PACKAGES: [&str; 3] = ["fhir.resources==6.4.0", "pydantic==1.10.21", "lxml==6.1.3"];
/// What the environment must import, and the FHIR release its models must be.
const PROBE: &str = "import fhir.resources, lxml.etree; assert fhir.resources.__fhir_version__ == '4.0.1'";

fn venv() -> PathBuf {
    build::target_dir().join("interop-venv")
}

/// The Python of the environment, created and filled from PyPI when it cannot import the pinned packages.
fn ensure_python() -> TaskResult<PathBuf> {
    let python = venv().join("bin/python");
    if output_of(Command::new(&python).args(["-c", PROBE])).is_some() {
        return Ok(python);
    }
    run(Command::new("python3").args(["-m", "venv"]).arg(venv()))?;
    run(Command::new(&python).args(["-m", "pip", "install", "--quiet", "--disable-pip-version-check"]).args(PACKAGES))?;
    run(Command::new(&python).args(["-c", PROBE]))?;
    Ok(python)
}

/// The variable that tells the origin's interop test where to write its answers (`origin/tests/it/interop.rs`).
pub const CORPUS_VARIABLE: &str = "ONSHI_INTEROP_CORPUS";

/// An empty directory for the answers of this run: answers of an earlier run must not be parsed as this run's.
pub fn fresh_corpus() -> PathBuf {
    let corpus = build::target_dir().join("interop-corpus");
    let _absent = std::fs::remove_dir_all(&corpus);
    corpus
}

/// Parses the answers the native suite's run of the origin's interop test wrote to `corpus` (on SQLite and on
/// PostgreSQL); `run_suite` runs and tallies it. The test runs inside the native suite rather than in a cargo run
/// of its own, since any other selection of targets unifies features differently and compiles most of the
/// dependency tree again.
pub fn suite(corpus: &Path, run_suite: fn(&str, &mut Command) -> Tally) -> Tally {
    let written = std::fs::read_dir(corpus).map(|entries| entries.count()).unwrap_or(0);
    if written == 0 {
        eprintln!("xtask: the native suite wrote no interop answers to {}", corpus.display());
        return Tally { passed: 0, failed: 1 };
    }
    let python = match ensure_python() {
        Ok(python) => python,
        Err(error) => {
            eprintln!("xtask: the interop parsers could not be installed: {error}");
            return Tally { passed: 0, failed: 1 };
        }
    };
    run_suite(
        "interop answers parsed by fhir.resources and lxml",
        Command::new(python).arg(project_root().join("xtask/interop_check.py")).arg(corpus),
    )
}
