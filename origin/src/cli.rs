//! The command line: `onshi-origin serve --database <url> [--listen <addr>] [--demo --seed-demo <path>]`.

use std::net::SocketAddr;
use std::path::PathBuf;

use crate::error::{OriginError, Result};
use crate::http::OpsRoutes;
use crate::net::ConnectionLimits;

/// Printed for `--help` and after a usage error.
pub const USAGE: &str = "\
usage: onshi-origin serve --database <url> [--listen <addr>] [--ops-routes open|closed]
                          [--head-timeout-ms <ms>] [--max-connections <n>]
                          [--demo --seed-demo <demo-cards.json>]

  --database <url>     sqlite://path/to/origin.db (created if missing), sqlite::memory: or
                       postgres://user@host:port/db; default: $DATABASE_URL
  --listen <addr>      address to bind, default 127.0.0.1:0 (any free port)
  --ops-routes <open|closed>
                       serve /metrics and /openapi.json (open, the default) or not (closed: use in
                       production when others share the origin's network); /health is always served
  --head-timeout-ms <ms>
                       how long a client may take to send one request head, counted from its first
                       byte (on a new connection, from the accept); default 10000. An idle kept-alive
                       connection has no time limit.
  --max-connections <n>
                       most connections served at once; more wait to be accepted; default 1024
  --demo               this origin serves the demo (test cards, whose keys are public); required by --seed-demo
  --seed-demo <path>   add the demo population for the cards in this file (idempotent); needs --demo

environment:
  ONSHI_ORIGIN_SIGNING_KEY  the edge-to-origin request signing secret, its UTF-8 bytes (required, >= 32 bytes)
  ONSHI_ORIGIN_AUDIENCE     the deployment requests must be meant for, as the edge's ORIGIN_AUDIENCE (default onshi)
  ONSHI_ADMIN_TOKEN         bearer token of the /admin/v1 routes (closed when unset; >= 16 bytes)
  ONSHI_OPERATOR_ID         who holds ONSHI_ADMIN_TOKEN, named in the audit row of every admin change (default operator)
  ONSHI_INSURER_CREDENTIAL_DAYS
                            how long an insurer's or payer's credential lives, and the most an issue may ask
                            for (default 365, at most 3650)
  DATABASE_URL              the database when --database is not given
  RUST_LOG                  log filter for stderr, default info
";

/// What the command line asks for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Command {
    /// Run the service.
    Serve(ServeArgs),
    /// Print [`USAGE`].
    Help,
}

/// Options of `serve`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServeArgs {
    /// Database URL.
    pub database: String,
    /// Address to bind.
    pub listen: SocketAddr,
    /// Demo-card file to seed from.
    pub seed_demo: Option<PathBuf>,
    /// Whether `/metrics` and `/openapi.json` are served.
    pub ops_routes: OpsRoutes,
    /// How long a request head may take and how many connections are served at once.
    pub connection_limits: ConnectionLimits,
}

/// The default bind address: loopback, any free port.
pub const DEFAULT_LISTEN: SocketAddr = SocketAddr::new(std::net::IpAddr::V4(std::net::Ipv4Addr::LOCALHOST), 0);

/// A usage error in the words `lexopt` gives it (`invalid value "x" for '--listen': …`).
fn usage(error: lexopt::Error) -> OriginError {
    OriginError::Usage(error.to_string())
}

/// Parses the arguments after the program name. Accepts `--flag value` and `--flag=value`.
pub fn parse_args<I: IntoIterator<Item = String>>(args: I) -> Result<Command> {
    use lexopt::prelude::*;

    let mut parser = lexopt::Parser::from_args(args);
    match parser.next().map_err(usage)? {
        Some(Short('h') | Long("help")) => return Ok(Command::Help),
        Some(Value(command)) if command == "help" => return Ok(Command::Help),
        Some(Value(command)) if command == "serve" => {}
        Some(other) => return Err(usage(other.unexpected())),
        None => return Err(OriginError::Usage("missing command".into())),
    }
    let (mut database, mut listen, mut seed_demo, mut demo) = (None, None, None, false);
    let mut ops_routes = OpsRoutes::Open;
    let mut connection_limits = ConnectionLimits::default();
    while let Some(arg) = parser.next().map_err(usage)? {
        match arg {
            Short('h') | Long("help") => return Ok(Command::Help),
            Long("database") => database = Some(parser.value().map_err(usage)?.string().map_err(usage)?),
            Long("listen") => listen = Some(parser.value().map_err(usage)?.parse::<SocketAddr>().map_err(usage)?),
            Long("seed-demo") => seed_demo = Some(PathBuf::from(parser.value().map_err(usage)?)),
            Long("demo") => demo = true,
            Long("head-timeout-ms") => {
                let millis = parser.value().map_err(usage)?.parse::<std::num::NonZeroU64>().map_err(usage)?;
                connection_limits.head_timeout = std::time::Duration::from_millis(millis.get());
            }
            Long("max-connections") => {
                connection_limits.max_connections =
                    parser.value().map_err(usage)?.parse::<std::num::NonZeroUsize>().map_err(usage)?;
            }
            Long("ops-routes") => {
                ops_routes = match parser.value().map_err(usage)?.string().map_err(usage)?.as_str() {
                    "open" => OpsRoutes::Open,
                    "closed" => OpsRoutes::Closed,
                    other => return Err(OriginError::Usage(format!("--ops-routes is open or closed, not {other:?}"))),
                }
            }
            other => return Err(usage(other.unexpected())),
        }
    }
    // The demo population marks the test cards' certificates good in the J-LIS stand-in, and their private keys
    // are in the repository: seeding must be asked for twice, so that no production command line does it by one
    // stray flag.
    if seed_demo.is_some() && !demo {
        return Err(OriginError::Usage(
            "--seed-demo needs --demo: the demo population is for demo origins only".into(),
        ));
    }
    // DATABASE_URL is the conventional fallback, so a Postgres deployment can keep its URL (and password) out of
    // the process list.
    let database = database
        .or_else(|| std::env::var("DATABASE_URL").ok().filter(|url| !url.is_empty()))
        .ok_or_else(|| OriginError::Usage("--database (or DATABASE_URL) is required".into()))?;
    Ok(Command::Serve(ServeArgs {
        database,
        listen: listen.unwrap_or(DEFAULT_LISTEN),
        seed_demo,
        ops_routes,
        connection_limits,
    }))
}

#[cfg(test)]
#[allow(clippy::unwrap_used, reason = "a test should stop at the first unexpected value")]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<Command> {
        parse_args(args.iter().map(|s| (*s).to_owned()))
    }

    #[test]
    fn the_documented_command_line_parses() {
        let command = parse(&[
            "serve",
            "--database",
            "sqlite://o.db",
            "--listen",
            "127.0.0.1:0",
            "--demo",
            "--seed-demo",
            "d.json",
        ])
        .unwrap();
        assert_eq!(
            command,
            Command::Serve(ServeArgs {
                database: "sqlite://o.db".into(),
                listen: DEFAULT_LISTEN,
                seed_demo: Some(PathBuf::from("d.json")),
                ops_routes: OpsRoutes::Open,
                connection_limits: ConnectionLimits::default(),
            })
        );
        let Command::Serve(args) =
            parse(&["serve", "--database", "x", "--head-timeout-ms", "300", "--max-connections=2"]).unwrap()
        else {
            panic!("not serve")
        };
        assert_eq!(args.connection_limits.head_timeout, std::time::Duration::from_millis(300));
        assert_eq!(args.connection_limits.max_connections.get(), 2);
        let Command::Serve(args) = parse(&["serve", "--database", "x", "--ops-routes", "closed"]).unwrap() else {
            panic!("not serve")
        };
        assert_eq!(args.ops_routes, OpsRoutes::Closed);
        let command = parse(&["serve", "--database=sqlite::memory:", "--listen=[::1]:8080"]).unwrap();
        let Command::Serve(args) = command else { panic!("not serve") };
        assert_eq!(args.listen.to_string(), "[::1]:8080");
        assert_eq!(args.seed_demo, None);
    }

    #[test]
    fn mistakes_are_usage_errors() {
        for bad in [
            &[][..],
            &["run"],
            &["serve"],
            &["serve", "--database"],
            &["serve", "--database", "x", "--listen", "localhost"],
            &["serve", "--database", "x", "--port", "1"],
            &["serve", "--database", "x", "--ops-routes", "shut"],
            // A zero timeout would cut off every connection, and no connection at all would serve nothing.
            &["serve", "--database", "x", "--head-timeout-ms", "0"],
            &["serve", "--database", "x", "--head-timeout-ms", "1.5"],
            &["serve", "--database", "x", "--max-connections", "0"],
            &["serve", "--database", "x", "--max-connections", "-1"],
        ] {
            assert!(matches!(parse(bad), Err(OriginError::Usage(_))), "{bad:?}");
        }
        assert_eq!(parse(&["--help"]).unwrap(), Command::Help);
        assert_eq!(parse(&["serve", "--demo", "-h"]).unwrap(), Command::Help);
        assert_eq!(parse(&["serve", "-h"]).unwrap(), Command::Help);
    }

    #[test]
    fn the_demo_population_is_only_seeded_by_an_origin_started_as_a_demo() {
        // A production command line that gained `--seed-demo` (a copied script, a stale unit file) must not load
        // test cards and their certificates as good into the real registry.
        let refused = parse(&["serve", "--database", "x", "--seed-demo", "d.json"]);
        let Err(OriginError::Usage(message)) = refused else { panic!("accepted: {refused:?}") };
        assert!(message.contains("--demo"), "{message}");
        // `--demo` alone changes nothing else.
        let Command::Serve(args) = parse(&["serve", "--database", "x", "--demo"]).unwrap() else { panic!("not serve") };
        assert_eq!(args.seed_demo, None);
        let Command::Serve(args) = parse(&["serve", "--database", "x", "--seed-demo=d.json", "--demo"]).unwrap() else {
            panic!("not serve")
        };
        assert_eq!(args.seed_demo, Some(PathBuf::from("d.json")));
    }
}
