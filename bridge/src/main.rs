//! `onshi-bridge`: runs the bridge on a facility PC beside the 資格確認端末.
//!
//! `onshi-bridge enrol --edge <url> --code <code> --state <own folder>` enrols the bridge as a device of the edge,
//! once. `onshi-bridge --root <OQS folder> --state <own folder> [--facility <医療機関コード>] [--edge <url>]
//! [--opening 08:30-18:00] [--timeout-ms N] [--stall-ms N] [--retention-ms N] [--utf8] [--edge-link]` runs it: requests come through
//! the folder link under `<state>/link`, and with `--edge-link` also through the WebSocket to the facility's store at
//! the edge (staff's by-number checks); when the state folder holds an enrolled device every reader result also goes
//! to its edge. Only argument parsing lives here.

use std::ffi::OsString;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::AtomicBool;

use onshi_bridge::BridgeError;
use onshi_bridge::bridge::{Bridge, Options};
use onshi_bridge::device::{self, Enrolled};
use onshi_bridge::edge;
use onshi_bridge::link::{EdgeLink, FolderLink, Link};
use onshi_bridge::link_ws::WsLink;
use onshi_bridge::sink::{EdgeSink, Timing};

fn minutes(text: &str) -> Option<u32> {
    let (h, m) = text.split_once(':')?;
    let (h, m): (u32, u32) = (h.parse().ok()?, m.parse().ok()?);
    (h <= 24 && m < 60).then_some(h * 60 + m)
}

fn usage(e: lexopt::Error) -> BridgeError {
    BridgeError::Usage(e.to_string())
}

fn text(value: OsString) -> Result<String, BridgeError> {
    value.into_string().map_err(|_| BridgeError::Usage("arguments must be valid Unicode".into()))
}

enum Command {
    Enrol { edge: String, code: String, state: PathBuf },
    Run { options: Options, edge: Option<String>, edge_link: bool },
}

fn parse() -> Result<Command, BridgeError> {
    use lexopt::prelude::*;
    let (mut root, mut state, mut facility, mut edge, mut code) = (None, None, None, None, None);
    let (mut opening, mut timeout, mut stall, mut utf8, mut enrol) = (None, None, None, false, false);
    let (mut edge_link, mut retention) = (false, None);
    let mut parser = lexopt::Parser::from_env();
    let mut first = true;
    while let Some(arg) = parser.next().map_err(usage)? {
        match arg {
            Value(command) if first && command == "enrol" => enrol = true,
            Long("root") => root = Some(PathBuf::from(parser.value().map_err(usage)?)),
            Long("state") => state = Some(PathBuf::from(parser.value().map_err(usage)?)),
            Long("facility") => facility = Some(text(parser.value().map_err(usage)?)?),
            Long("edge") => edge = Some(text(parser.value().map_err(usage)?)?),
            Long("code") if enrol => code = Some(text(parser.value().map_err(usage)?)?),
            Long("opening") => {
                let text = text(parser.value().map_err(usage)?)?;
                let range = text.split_once('-').and_then(|(a, b)| Some((minutes(a)?, minutes(b)?)));
                opening = Some(range.ok_or_else(|| BridgeError::Usage("--opening is HH:MM-HH:MM".into()))?);
            }
            Long("timeout-ms") => timeout = Some(parser.value().map_err(usage)?.parse().map_err(usage)?),
            Long("stall-ms") => stall = Some(parser.value().map_err(usage)?.parse().map_err(usage)?),
            Long("retention-ms") => retention = Some(parser.value().map_err(usage)?.parse().map_err(usage)?),
            Long("utf8") => utf8 = true,
            Long("edge-link") => edge_link = true,
            _ => return Err(usage(arg.unexpected())),
        }
        first = false;
    }
    let missing = |what: &str| BridgeError::Usage(format!("--{what} is required"));
    if enrol {
        if root.is_some()
            || facility.is_some()
            || opening.is_some()
            || timeout.is_some()
            || stall.is_some()
            || retention.is_some()
            || utf8
            || edge_link
        {
            return Err(BridgeError::Usage("enrol takes --edge, --code and --state only".into()));
        }
        return Ok(Command::Enrol {
            edge: edge.ok_or_else(|| missing("edge"))?,
            code: code.ok_or_else(|| missing("code"))?,
            state: state.ok_or_else(|| missing("state"))?,
        });
    }
    let mut options = Options::new(
        root.ok_or_else(|| missing("root"))?,
        state.ok_or_else(|| missing("state"))?,
        facility.unwrap_or_default(),
    );
    options.opening = opening;
    if let Some(ms) = timeout {
        options.config.answer_timeout_ms = ms;
    }
    if let Some(ms) = stall {
        options.config.stall_after_ms = ms;
    }
    if let Some(ms) = retention {
        options.config.retention_ms = ms;
    }
    if utf8 {
        options.config.charset = onshi_onsfile::Charset::Utf8;
    }
    Ok(Command::Run { options, edge, edge_link })
}

/// The enrolled device, checked against `--edge` and `--facility`; the facility defaults to the device's.
fn enrolled(options: &mut Options, edge: Option<&str>) -> Result<Option<Enrolled>, BridgeError> {
    let enrolled = device::load(&options.state)?;
    let Some(enrolled) = enrolled else {
        if edge.is_some() {
            return Err(BridgeError::Usage(format!(
                "--edge is given but {} holds no enrolled device: run `onshi-bridge enrol --edge <url> --code <code> \
                 --state <dir>` first",
                options.state.display()
            )));
        }
        if options.config.facility.is_empty() {
            return Err(BridgeError::Usage("--facility is required".into()));
        }
        return Ok(None);
    };
    if let Some(url) = edge {
        let origin = device::edge_origin(url).ok_or_else(|| {
            BridgeError::Usage("--edge must be https://host[:port] (http:// only for a loopback host), no path".into())
        })?;
        if origin != enrolled.device.edge {
            return Err(BridgeError::Usage(format!(
                "this bridge is enrolled at {}, not {origin}",
                enrolled.device.edge
            )));
        }
    }
    let facility = enrolled.device.facility_code.as_str();
    if options.config.facility.is_empty() {
        options.config.facility = facility.to_owned();
    } else if options.config.facility != facility {
        return Err(BridgeError::Usage(format!("this bridge is enrolled for facility {facility}")));
    }
    Ok(Some(enrolled))
}

fn run<L: Link>(options: Options, link: L) -> Result<(), BridgeError> {
    let inbox = options.state.join("link").join("in");
    let mut bridge = Bridge::open(options, link)?;
    bridge.run(&AtomicBool::new(false), Some(&inbox))
}

fn main() -> ExitCode {
    let go = || -> Result<(), BridgeError> {
        match parse()? {
            Command::Enrol { edge, code, state } => {
                let device = edge::enrol(&edge, &code, &state)?;
                println!(
                    "enrolled as device {} of facility {} at {}",
                    device.device_id,
                    device.facility_code.as_str(),
                    device.edge
                );
                Ok(())
            }
            Command::Run { mut options, edge, edge_link } => {
                let enrolled = enrolled(&mut options, edge.as_deref())?;
                let folder = FolderLink::new(&options.state.join("link"))?;
                match enrolled {
                    Some(enrolled) if edge_link => {
                        // The socket thread holds its own copy of the device key, read again from the state folder.
                        let own = device::load(&options.state)?
                            .ok_or_else(|| BridgeError::Usage("the enrolled device vanished".into()))?;
                        let sink = EdgeSink::open(&options.state, enrolled, Timing::default())?;
                        let ws = WsLink::open(folder, &options.state.join("link"), own)?
                            .reading_faces_from(options.root.join("face"));
                        run(options, EdgeLink::new(ws, sink))
                    }
                    Some(enrolled) => {
                        let sink = EdgeSink::open(&options.state, enrolled, Timing::default())?;
                        run(options, EdgeLink::new(folder, sink))
                    }
                    None if edge_link => Err(BridgeError::Usage("--edge-link needs an enrolled device".into())),
                    None => run(options, folder),
                }
            }
        }
    };
    match go() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("onshi-bridge: {e}");
            ExitCode::FAILURE
        }
    }
}
