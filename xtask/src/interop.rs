//! The interop step of `cargo xtask test`: the origin's interop test writes every FHIR and XmlMsg answer of a varied
//! population to a directory, and tools written elsewhere parse them — the FHIR R4 model library `fhir.resources`
//! and the XML parser `lxml` (`xtask/interop_check.py`), in a Python virtual environment this step keeps under the
//! target directory and installs from PyPI when it is missing.

use std::path::PathBuf;
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

/// Writes the answers with the origin's interop test (on SQLite, and on PostgreSQL at `postgres_url`), then parses
/// them; `run_suite` runs and tallies each half.
pub fn suite(postgres_url: &str, run_suite: fn(&str, &mut Command) -> Tally) -> Tally {
    let python = match ensure_python() {
        Ok(python) => python,
        Err(error) => {
            eprintln!("xtask: the interop parsers could not be installed: {error}");
            return Tally { passed: 0, failed: 1 };
        }
    };
    let corpus = build::target_dir().join("interop-corpus");
    // Answers of an earlier run must not be parsed as this run's.
    let _absent = std::fs::remove_dir_all(&corpus);
    let mut tally = run_suite(
        "interop answers of the real origin",
        // `--workspace`, as the native suite selects, so that features unify as they did there and the test binary
        // it built is run as it is: `-p onshi-origin` alone unifies fewer features and rebuilt sqlx and rustls.
        Command::new("cargo")
            .args(["test", "--workspace", "--test", "it", "interop::"])
            .env("ONSHI_INTEROP_CORPUS", &corpus)
            .env(crate::postgres::URL_VARIABLE, postgres_url)
            .current_dir(project_root()),
    );
    tally += run_suite(
        "interop answers parsed by fhir.resources and lxml",
        Command::new(python).arg(project_root().join("xtask/interop_check.py")).arg(&corpus),
    );
    tally
}
