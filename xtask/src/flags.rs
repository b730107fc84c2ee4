//! The command line of `cargo xtask`, read once with `lexopt` into a [`Task`]; the tasks themselves take typed
//! options and never look at `std::env::args`.

use crate::{TaskError, TaskResult};

/// Printed after a usage error.
pub const USAGE: &str = "usage: cargo xtask <demo|test|tidy|build|bench|iwa> [options]
  demo [--keep]   build everything and run origin + edge + kiosk on 127.0.0.1 (Ctrl-C stops)
  test            install what is missing, then run every test (tidy first); prints 'N passed, M failed'
  tidy            rustfmt check, clippy -D warnings (native and wasm32), ARCHITECTURE.md paths exist
  build [--production]
                  build the wasm artifacts and binaries only; --production also assembles dist/www-production,
                  the site without the virtual reader or any test key, for the production edge
  bench [--quick] run the benchmarks
  iwa [--edge-url <https://…>]
                  package the built kiosk as a signed Isolated Web App bundle (target/onshi-kiosk.swbn)";

/// What `cargo xtask` was asked to do.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Task {
    /// `demo`, with the arguments passed on to the stack runner (`--keep`).
    Demo(Vec<String>),
    /// `test`.
    Test,
    /// `tidy`.
    Tidy,
    /// `build [--production]`.
    Build {
        /// Also assemble the production site (`dist/www-production`) from the demo site.
        production: bool,
    },
    /// `bench [--quick] [--registry-persons N] [--batch-rows N]`.
    Bench {
        /// Small sizes, as the test command runs them.
        quick: bool,
        /// The insurer batch's scale, when not the full one.
        scale: BatchScale,
    },
    /// `iwa [--edge-url <url>]`.
    Iwa {
        /// The edge origin to bake into the bundle's start page.
        edge_url: Option<String>,
    },
}

/// The insurer batch benchmark's registry and batch sizes, when the machine cannot hold the full ones (the 10M
/// registry is about 7 GB on SQLite, and each run copies it). The benchmark prints the sizes with its figures.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct BatchScale {
    /// `--registry-persons N`: persons in the registry the batch runs against.
    pub registry_persons: Option<u64>,
    /// `--batch-rows N`: rows in the batch.
    pub batch_rows: Option<u64>,
}

impl BatchScale {
    /// The options as the origin's scale benchmark reads them.
    pub fn arguments(self) -> Vec<String> {
        let mut arguments = Vec::new();
        if let Some(persons) = self.registry_persons {
            arguments.extend(["--registry-persons".to_owned(), persons.to_string()]);
        }
        if let Some(rows) = self.batch_rows {
            arguments.extend(["--batch-rows".to_owned(), rows.to_string()]);
        }
        arguments
    }
}

fn usage(error: lexopt::Error) -> TaskError {
    TaskError(error.to_string())
}

/// Reads the arguments after `xtask`.
pub fn parse<I: IntoIterator<Item = String>>(args: I) -> TaskResult<Task> {
    use lexopt::prelude::*;

    let mut parser = lexopt::Parser::from_args(args);
    let Some(Value(name)) = parser.next().map_err(usage)? else {
        return Err(TaskError("missing task".to_owned()));
    };
    let name = name.string().map_err(usage)?;
    let task = match name.as_str() {
        // The stack runner reads its own options, so they pass through untouched.
        "demo" => {
            let rest = parser.raw_args().map_err(usage)?;
            return Ok(Task::Demo(rest.map(|arg| arg.to_string_lossy().into_owned()).collect()));
        }
        "test" => Task::Test,
        "tidy" => Task::Tidy,
        "build" => Task::Build { production: false },
        "bench" => Task::Bench { quick: false, scale: BatchScale::default() },
        "iwa" => Task::Iwa { edge_url: None },
        other => return Err(TaskError(format!("unknown task {other:?}"))),
    };
    let mut task = task;
    while let Some(arg) = parser.next().map_err(usage)? {
        match (&mut task, arg) {
            (Task::Bench { quick, .. }, Long("quick")) => *quick = true,
            (Task::Bench { scale, .. }, Long("registry-persons")) => {
                scale.registry_persons = Some(positive(&mut parser)?);
            }
            (Task::Bench { scale, .. }, Long("batch-rows")) => scale.batch_rows = Some(positive(&mut parser)?),
            (Task::Build { production }, Long("production")) => *production = true,
            (Task::Iwa { edge_url }, Long("edge-url")) => {
                *edge_url = Some(parser.value().map_err(usage)?.string().map_err(usage)?);
            }
            (_, other) => return Err(usage(other.unexpected())),
        }
    }
    Ok(task)
}

/// The value of the option just read, a whole number above zero.
fn positive(parser: &mut lexopt::Parser) -> TaskResult<u64> {
    let value = parser.value().map_err(usage)?.to_string_lossy().into_owned();
    match value.parse::<u64>() {
        Ok(number) if number > 0 => Ok(number),
        _ => Err(TaskError(format!("{value:?} is not a whole number above zero"))),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, reason = "a test should stop at the first unexpected value")]
mod tests {
    use super::*;

    fn read(list: &[&str]) -> TaskResult<Task> {
        parse(list.iter().map(|s| (*s).to_owned()))
    }

    #[test]
    fn every_task_and_its_options_parse() {
        assert_eq!(read(&["test"]).unwrap(), Task::Test);
        let full = BatchScale::default();
        assert_eq!(read(&["bench"]).unwrap(), Task::Bench { quick: false, scale: full });
        assert_eq!(read(&["bench", "--quick"]).unwrap(), Task::Bench { quick: true, scale: full });
        assert_eq!(read(&["demo", "--keep"]).unwrap(), Task::Demo(vec!["--keep".to_owned()]));
        assert!(read(&[]).is_err());
        assert!(read(&["tset"]).is_err());
        assert!(read(&["test", "--quick"]).is_err());
        assert_eq!(read(&["build"]).unwrap(), Task::Build { production: false });
        assert_eq!(read(&["build", "--production"]).unwrap(), Task::Build { production: true });
        assert!(read(&["build", "--quick"]).is_err());
    }

    #[test]
    fn the_bench_takes_a_smaller_batch_scale_and_passes_it_on() {
        let scale = BatchScale { registry_persons: Some(1_000_000), batch_rows: Some(100_000) };
        let read_scale = read(&["bench", "--registry-persons", "1000000", "--batch-rows=100000"]).unwrap();
        assert_eq!(read_scale, Task::Bench { quick: false, scale });
        assert_eq!(scale.arguments(), ["--registry-persons", "1000000", "--batch-rows", "100000"]);
        assert!(BatchScale::default().arguments().is_empty());
        for bad in ["0", "-5", "1e6", "ten"] {
            assert!(read(&["bench", "--batch-rows", bad]).is_err(), "{bad}");
        }
        assert!(read(&["bench", "--registry-persons"]).is_err());
    }

    #[test]
    fn the_iwa_arguments_take_an_edge_url_and_refuse_anything_else() {
        let edge_url = |list: &[&str]| match read(list) {
            Ok(Task::Iwa { edge_url }) => Ok(edge_url),
            Ok(other) => panic!("not iwa: {other:?}"),
            Err(error) => Err(error),
        };
        assert_eq!(edge_url(&["iwa"]).unwrap(), None);
        assert_eq!(edge_url(&["iwa", "--edge-url", "https://e.jp"]).unwrap().as_deref(), Some("https://e.jp"));
        assert_eq!(edge_url(&["iwa", "--edge-url=https://e.jp"]).unwrap().as_deref(), Some("https://e.jp"));
        assert!(edge_url(&["iwa", "--edge-url"]).is_err());
        assert!(edge_url(&["iwa", "--edgeurl", "x"]).is_err());
    }
}
