//! `onshi-terminal-sim --root <folder> --facility <医療機関コード> [--stalled]`: a simulated 資格確認端末 for the
//! demo, answering from an empty population (該当資格なし) until it is wired to onshi's origin data.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::AtomicBool;
use std::time::Duration;

use onshi_bridge::BridgeError;
use onshi_bridge::sim::{Faults, FixedPopulation, Terminal};

fn main() -> ExitCode {
    let run = || -> Result<(), BridgeError> {
        use lexopt::prelude::*;
        let usage = |e: lexopt::Error| BridgeError::Usage(e.to_string());
        let (mut root, mut facility, mut stalled) = (None, None, false);
        let mut parser = lexopt::Parser::from_env();
        while let Some(arg) = parser.next().map_err(usage)? {
            match arg {
                Long("root") => root = Some(PathBuf::from(parser.value().map_err(usage)?)),
                Long("facility") => facility = Some(parser.value().map_err(usage)?.string().map_err(usage)?),
                Long("stalled") => stalled = true,
                _ => return Err(usage(arg.unexpected())),
            }
        }
        let root = root.ok_or_else(|| BridgeError::Usage("--root is required".into()))?;
        let facility = facility.ok_or_else(|| BridgeError::Usage("--facility is required".into()))?;
        let terminal = Terminal::new(&root, &facility, Box::new(FixedPopulation::default()))?;
        terminal.set_faults(Faults { stalled, ..Faults::default() });
        terminal.run(&AtomicBool::new(false), Duration::from_millis(500))
    };
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("onshi-terminal-sim: {e}");
            ExitCode::FAILURE
        }
    }
}
