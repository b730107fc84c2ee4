//! `onshi-bridge`: runs the bridge on a facility PC beside the 資格確認端末.
//!
//! `onshi-bridge --root <OQS folder> --state <own folder> --facility <医療機関コード> [--opening 08:30-18:00]
//! [--timeout-ms N] [--stall-ms N] [--utf8]`. Requests come through the folder link under `<state>/link`. Only
//! argument parsing lives here.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::AtomicBool;

use onshi_bridge::BridgeError;
use onshi_bridge::bridge::{Bridge, Options};
use onshi_bridge::link::FolderLink;

fn minutes(text: &str) -> Option<u32> {
    let (h, m) = text.split_once(':')?;
    let (h, m): (u32, u32) = (h.parse().ok()?, m.parse().ok()?);
    (h <= 24 && m < 60).then_some(h * 60 + m)
}

fn parse() -> Result<Options, BridgeError> {
    use lexopt::prelude::*;
    let usage = |e: lexopt::Error| BridgeError::Usage(e.to_string());
    let (mut root, mut state, mut facility) = (None, None, None);
    let (mut opening, mut timeout, mut stall, mut utf8) = (None, None, None, false);
    let mut parser = lexopt::Parser::from_env();
    while let Some(arg) = parser.next().map_err(usage)? {
        match arg {
            Long("root") => root = Some(PathBuf::from(parser.value().map_err(usage)?)),
            Long("state") => state = Some(PathBuf::from(parser.value().map_err(usage)?)),
            Long("facility") => facility = Some(parser.value().map_err(usage)?.string().map_err(usage)?),
            Long("opening") => {
                let text = parser.value().map_err(usage)?.string().map_err(usage)?;
                let range = text.split_once('-').and_then(|(a, b)| Some((minutes(a)?, minutes(b)?)));
                opening = Some(range.ok_or_else(|| BridgeError::Usage("--opening is HH:MM-HH:MM".into()))?);
            }
            Long("timeout-ms") => timeout = Some(parser.value().map_err(usage)?.parse().map_err(usage)?),
            Long("stall-ms") => stall = Some(parser.value().map_err(usage)?.parse().map_err(usage)?),
            Long("utf8") => utf8 = true,
            _ => return Err(usage(arg.unexpected())),
        }
    }
    let missing = |what: &str| BridgeError::Usage(format!("--{what} is required"));
    let mut options = Options::new(
        root.ok_or_else(|| missing("root"))?,
        state.ok_or_else(|| missing("state"))?,
        facility.ok_or_else(|| missing("facility"))?,
    );
    options.opening = opening;
    if let Some(ms) = timeout {
        options.config.answer_timeout_ms = ms;
    }
    if let Some(ms) = stall {
        options.config.stall_after_ms = ms;
    }
    if utf8 {
        options.config.charset = onshi_onsfile::Charset::Utf8;
    }
    Ok(options)
}

fn main() -> ExitCode {
    let run = || -> Result<(), BridgeError> {
        let options = parse()?;
        let link_dir = options.state.join("link");
        let link = FolderLink::new(&link_dir)?;
        let mut bridge = Bridge::open(options, link)?;
        bridge.run(&AtomicBool::new(false), Some(&link_dir.join("in")))
    };
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("onshi-bridge: {e}");
            ExitCode::FAILURE
        }
    }
}
