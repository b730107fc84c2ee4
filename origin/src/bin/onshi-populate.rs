//! `onshi-populate`: loads a synthetic national population into an origin database, for load tests and
//! benchmarks. See `onshi_origin::population`.
//!
//! ```sh
//! onshi-populate --database sqlite://target/pop.sqlite --persons 1000000 --seed 1 [--today 2026-11-24]
//! ```
//!
//! Progress goes to stderr; one summary line goes to stdout. Without `--today`, dates are reckoned from today in
//! Tokyo by the system clock, so pass it when the same rows are wanted on another day.
#![forbid(unsafe_code)]

use std::io::Write as _;
use std::process::ExitCode;
use std::time::Instant;

use onshi_origin::clock::{Clock, SystemClock, tokyo_date};
use onshi_origin::population::load::populate;
use onshi_origin::population::{MAX_PERSONS, PopulationConfig};
use onshi_origin::{OriginError, Result};
use time::Date;
use time::macros::format_description;

/// The service's allocator (see the dependency's note in `Cargo.toml`): a load allocates and frees every value it
/// writes.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

const USAGE: &str = "\
usage: onshi-populate --database <url> --persons <N> --seed <S> [--today <YYYY-MM-DD>]

  --database <url>   sqlite://path/to/origin.db (created if missing) or postgres://…; migrated first
  --persons <N>      how many persons to generate, at most 10000000
  --seed <S>         any unsigned 64-bit number; the same seed gives the same rows
  --today <date>     the reference date for ages and qualification dates (default: today in Tokyo)
";

#[derive(Debug)]
struct Args {
    database: String,
    persons: u64,
    seed: u64,
    today: Option<Date>,
}

fn parse_args(args: impl Iterator<Item = String>) -> Result<Option<Args>> {
    use lexopt::prelude::*;

    let usage = |error: lexopt::Error| OriginError::Usage(error.to_string());
    let number = |flag: &str, text: String| {
        text.replace('_', "").parse::<u64>().map_err(|_| OriginError::Usage(format!("{flag} {text:?} is not a number")))
    };
    let mut parser = lexopt::Parser::from_args(args);
    let (mut database, mut persons, mut seed, mut today) = (None, None, None, None);
    while let Some(arg) = parser.next().map_err(usage)? {
        match arg {
            Short('h') | Long("help") => return Ok(None),
            Long("database") => database = Some(parser.value().map_err(usage)?.string().map_err(usage)?),
            Long("persons") => {
                persons = Some(number("--persons", parser.value().map_err(usage)?.string().map_err(usage)?)?)
            }
            Long("seed") => seed = Some(number("--seed", parser.value().map_err(usage)?.string().map_err(usage)?)?),
            Long("today") => {
                let value = parser.value().map_err(usage)?.string().map_err(usage)?;
                today = Some(
                    Date::parse(&value, format_description!("[year]-[month]-[day]"))
                        .map_err(|_| OriginError::Usage(format!("--today {value:?} is not YYYY-MM-DD")))?,
                );
            }
            other => return Err(usage(other.unexpected())),
        }
    }
    let persons = persons.ok_or_else(|| OriginError::Usage("--persons is required".into()))?;
    if persons > MAX_PERSONS {
        return Err(OriginError::Usage(format!("--persons must be at most {MAX_PERSONS}")));
    }
    Ok(Some(Args {
        database: database.ok_or_else(|| OriginError::Usage("--database is required".into()))?,
        persons,
        seed: seed.ok_or_else(|| OriginError::Usage("--seed is required".into()))?,
        today,
    }))
}

async fn run(args: Args) -> Result<()> {
    let now = SystemClock.now_unix();
    let config = PopulationConfig {
        seed: args.seed,
        persons: args.persons,
        reference_date: match args.today {
            Some(date) => date,
            None => tokyo_date(now)?,
        },
        created_at: now,
    };
    let started = Instant::now();
    let mut last_report = Instant::now();
    let summary = populate(&args.database, config, |done| {
        if last_report.elapsed().as_secs() >= 5 || done == args.persons {
            last_report = Instant::now();
            eprintln!("onshi-populate: {done} / {} persons", args.persons);
        }
    })
    .await?;
    let seconds = started.elapsed().as_secs_f64();
    let mut stdout = std::io::stdout().lock();
    writeln!(
        stdout,
        "populated {} persons ({} card holders, {} registered; {} rows inserted) in {seconds:.1} s",
        summary.persons, summary.card_holders, summary.registered, summary.rows_inserted
    )?;
    stdout.flush()?;
    Ok(())
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = match parse_args(std::env::args().skip(1)) {
        Ok(Some(args)) => args,
        Ok(None) => {
            print!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(error) => {
            eprintln!("onshi-populate: {error}\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    match run(args).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("onshi-populate: {error}");
            ExitCode::FAILURE
        }
    }
}
