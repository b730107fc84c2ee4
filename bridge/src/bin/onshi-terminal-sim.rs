//! `onshi-terminal-sim --root <folder> --facility <医療機関コード> [--stalled] [--reader-checks <folder>]
//! [--population <file>]`: a simulated 資格確認端末 for the demo, answering by-number requests (IF-001) from the
//! people listed in the population file (a JSON array of reader-check objects, the trigger's shape; 無効 with its
//! 資格喪失日 for one who has a `disqualification_date`, 無効（新しい資格あり） when the file also lists a qualification of
//! that person which is not lost), and 該当資格なし
//! for anyone else, or for everyone without a file; it is not wired to onshi's origin data. With `--reader-checks`, a JSON file dropped into that folder (written aside and renamed;
//! shape in `bridge/README.md`) makes the national reader "check" someone: the face file is written and the trigger
//! removed.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::AtomicBool;
use std::time::Duration;

use onshi_bridge::BridgeError;
use onshi_bridge::sim::trigger::ReaderCheck;
use onshi_bridge::sim::{Faults, FixedPopulation, Terminal};

fn main() -> ExitCode {
    let run = || -> Result<(), BridgeError> {
        use lexopt::prelude::*;
        let usage = |e: lexopt::Error| BridgeError::Usage(e.to_string());
        let (mut root, mut facility, mut stalled, mut checks) = (None, None, false, None);
        let mut population = None;
        let mut parser = lexopt::Parser::from_env();
        while let Some(arg) = parser.next().map_err(usage)? {
            match arg {
                Long("root") => root = Some(PathBuf::from(parser.value().map_err(usage)?)),
                Long("facility") => facility = Some(parser.value().map_err(usage)?.string().map_err(usage)?),
                Long("stalled") => stalled = true,
                Long("reader-checks") => checks = Some(PathBuf::from(parser.value().map_err(usage)?)),
                Long("population") => population = Some(PathBuf::from(parser.value().map_err(usage)?)),
                _ => return Err(usage(arg.unexpected())),
            }
        }
        let root = root.ok_or_else(|| BridgeError::Usage("--root is required".into()))?;
        let facility = facility.ok_or_else(|| BridgeError::Usage("--facility is required".into()))?;
        let people = match population {
            Some(path) => {
                let bytes = std::fs::read(&path)
                    .map_err(|e| BridgeError::Usage(format!("--population {}: {e}", path.display())))?;
                let people: Vec<ReaderCheck> = serde_json::from_slice(&bytes)
                    .map_err(|e| BridgeError::Usage(format!("--population {}: {e}", path.display())))?;
                FixedPopulation::new(people.iter().map(ReaderCheck::record).collect())
            }
            None => FixedPopulation::default(),
        };
        let terminal = Terminal::new(&root, &facility, Box::new(people))?;
        terminal.set_faults(Faults { stalled, ..Faults::default() });
        let stop = AtomicBool::new(false);
        let scan = Duration::from_millis(500);
        std::thread::scope(|scope| {
            let readers = checks.map(|dir| {
                let (terminal, stop) = (&terminal, &stop);
                scope.spawn(move || {
                    let taken = terminal.run_reader_checks(&dir, stop, scan);
                    // The simulator stops as a whole when its trigger folder fails.
                    stop.store(true, std::sync::atomic::Ordering::Relaxed);
                    taken
                })
            });
            let answered = terminal.run(&stop, scan);
            stop.store(true, std::sync::atomic::Ordering::Relaxed);
            let checked = readers.map_or(Ok(()), |handle| {
                handle.join().unwrap_or_else(|_| Err(BridgeError::Usage("the reader-check loop panicked".into())))
            });
            answered.and(checked)
        })
    };
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("onshi-terminal-sim: {e}");
            ExitCode::FAILURE
        }
    }
}
