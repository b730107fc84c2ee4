//! Process wiring: the command line, the environment, the listening socket, logging and shutdown.

use std::future::Future;
use std::io::Write as _;
use std::process::ExitCode;
use std::sync::Arc;

use tokio::net::TcpListener;

use crate::cli::{Command, ServeArgs, USAGE, parse_args};
use crate::clock::{Clock, SystemClock, tokyo_date};
use crate::demo_public_expense::seed_demo_public_expense;
use crate::error::{OriginError, Result};
use crate::http::{AppState, RouterSettings, router_with};
use crate::key::SigningKey;
use crate::net::{ConnectionLimits, serve_connections};
use crate::seed::seed_demo_file;
use crate::store::Store;

/// Serves `state` on `listener` with the router built as `settings` says, its connections within `limits`, until
/// `shutdown` completes, then lets requests in flight finish.
pub async fn serve(
    listener: TcpListener,
    state: AppState,
    settings: RouterSettings,
    limits: ConnectionLimits,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<()> {
    serve_connections(listener, router_with(state, settings), limits, shutdown).await?;
    Ok(())
}

/// The whole program: parses `args` (without the program name), runs, and returns the exit status.
pub async fn main_with_args<I: IntoIterator<Item = String>>(args: I) -> ExitCode {
    let command = match parse_args(args) {
        Ok(command) => command,
        Err(error) => {
            eprintln!("onshi-origin: {error}\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let args = match command {
        Command::Help => {
            print!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Command::Serve(args) => args,
    };
    init_logging();
    match run(args).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error @ (OriginError::MissingSigningKey { .. } | OriginError::SigningKeyTooShort { .. })) => {
            tracing::error!(%error, "refusing to start");
            eprintln!("onshi-origin: {error}");
            ExitCode::from(2)
        }
        Err(error) => {
            tracing::error!(%error, "stopped with an error");
            eprintln!("onshi-origin: {error}");
            ExitCode::FAILURE
        }
    }
}

async fn run(args: ServeArgs) -> Result<()> {
    // The key is checked before anything else is touched, so a misconfigured launch leaves no database behind.
    let key = SigningKey::from_env()?;
    let admin_token = crate::key::AdminToken::from_env()?;
    let credential_lifetime = crate::credential::CredentialLifetime::from_env()?;
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let store = Store::connect(&args.database).await?;
    // Credentials issued before they expired get their end now, before any request is served (migration 0024).
    let undated_expiry = credential_lifetime
        .expiry(clock.now_unix(), None)
        .map_err(|refused| crate::error::OriginError::Usage(refused.to_string()))?;
    let dated = store.date_undated_credentials(undated_expiry).await?;
    if dated > 0 {
        tracing::info!(dated, undated_expiry, "credentials issued before expiry existed were given one");
    }
    if let Some(path) = &args.seed_demo {
        let now = clock.now_unix();
        let summary = seed_demo_file(&store, path, tokyo_date(now)?, now).await?;
        tracing::info!(rows_inserted = summary.rows_inserted, file = %path.display(), "demo population seeded");
        let cards = crate::seed::read_demo_cards(path)?;
        let public_expense = seed_demo_public_expense(&store, &cards, tokyo_date(now)?, now).await?;
        tracing::info!(public_expense, "demo 公費 seeded");
    }
    let listener = TcpListener::bind(args.listen).await?;
    let address = listener.local_addr()?;
    // Signal handlers are installed before the address is announced, so a launcher that stops us as soon as it
    // reads the line is still a graceful stop.
    let shutdown = shutdown_signal()?;
    announce(&format!("onshi-origin listening on http://{address}"))?;
    tracing::info!(%address, "serving");
    let state = AppState::configured(store.clone(), clock, key, admin_token, credential_lifetime);
    let settings = RouterSettings { ops_routes: args.ops_routes, ..RouterSettings::default() };
    serve(listener, state, settings, args.connection_limits, shutdown).await?;
    store.close().await;
    tracing::info!("stopped");
    Ok(())
}

/// Writes the one stdout line launchers wait for, and flushes it.
fn announce(line: &str) -> Result<()> {
    let mut stdout = std::io::stdout().lock();
    writeln!(stdout, "{line}")?;
    stdout.flush()?;
    Ok(())
}

fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,sqlx=warn"));
    // Logs go to stderr: stdout carries only the listening line. Colour only when a person is watching.
    let colour = std::io::IsTerminal::is_terminal(&std::io::stderr());
    let _already_set =
        tracing_subscriber::fmt().with_writer(std::io::stderr).with_ansi(colour).with_env_filter(filter).try_init();
}

#[cfg(unix)]
fn shutdown_signal() -> Result<impl Future<Output = ()> + Send + 'static> {
    use tokio::signal::unix::{SignalKind, signal};
    let mut terminate = signal(SignalKind::terminate())?;
    let mut interrupt = signal(SignalKind::interrupt())?;
    Ok(async move {
        tokio::select! {
            _ = terminate.recv() => tracing::info!("SIGTERM received; shutting down"),
            _ = interrupt.recv() => tracing::info!("SIGINT received; shutting down"),
        }
    })
}

#[cfg(not(unix))]
fn shutdown_signal() -> Result<impl Future<Output = ()> + Send + 'static> {
    Ok(async {
        if tokio::signal::ctrl_c().await.is_ok() {
            tracing::info!("ctrl-c received; shutting down");
        }
    })
}
