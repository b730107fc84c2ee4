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
    /// `bench [--quick]`.
    Bench {
        /// Small sizes, as the test command runs them.
        quick: bool,
    },
    /// `iwa [--edge-url <url>]`.
    Iwa {
        /// The edge origin to bake into the bundle's start page.
        edge_url: Option<String>,
    },
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
        "bench" => Task::Bench { quick: false },
        "iwa" => Task::Iwa { edge_url: None },
        other => return Err(TaskError(format!("unknown task {other:?}"))),
    };
    let mut task = task;
    while let Some(arg) = parser.next().map_err(usage)? {
        match (&mut task, arg) {
            (Task::Bench { quick }, Long("quick")) => *quick = true,
            (Task::Build { production }, Long("production")) => *production = true,
            (Task::Iwa { edge_url }, Long("edge-url")) => {
                *edge_url = Some(parser.value().map_err(usage)?.string().map_err(usage)?);
            }
            (_, other) => return Err(usage(other.unexpected())),
        }
    }
    Ok(task)
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
        assert_eq!(read(&["bench"]).unwrap(), Task::Bench { quick: false });
        assert_eq!(read(&["bench", "--quick"]).unwrap(), Task::Bench { quick: true });
        assert_eq!(read(&["demo", "--keep"]).unwrap(), Task::Demo(vec!["--keep".to_owned()]));
        assert!(read(&[]).is_err());
        assert!(read(&["tset"]).is_err());
        assert!(read(&["test", "--quick"]).is_err());
        assert_eq!(read(&["build"]).unwrap(), Task::Build { production: false });
        assert_eq!(read(&["build", "--production"]).unwrap(), Task::Build { production: true });
        assert!(read(&["build", "--quick"]).is_err());
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
