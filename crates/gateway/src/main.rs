//! `intake-gateway --config FILE`: see `--help`.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use intake_gateway::idempotency::SqliteStore;
use intake_gateway::settings::{describe, Settings};
use intake_gateway::{serve, Gateway};
use tracing_subscriber::EnvFilter;

const HELP: &str = "\
intake-gateway: the organisation's server between the intake app and a vendor's API.
It keeps the vendor credential off the browser, lets the public make only the
creates its widget configurations plan, passes staff members' own sign-in
through, and makes every write with an Idempotency-Key exactly once.

Usage:
  intake-gateway --config FILE [--listen ADDRESS]
  intake-gateway --config FILE --check

Options:
  --config FILE       The TOML configuration (see docs/gateway.md). Also read
                      from INTAKE_GATEWAY_CONFIG when the flag is not given.
  --listen ADDRESS    Listen here instead of the file's `listen`, e.g.
                      127.0.0.1:0 for any free port (the chosen one is printed).
  --check             Read and check the configuration, credentials and the
                      idempotency store, print the routes, and exit: 0 when
                      the gateway would start, 2 when it would not.
  --help              This text.
  --version           The version.

Logs go to standard error, one line per request (method, path, status,
latency, idempotency key; never a body, query, token or answer). Set
INTAKE_GATEWAY_LOG (e.g. `warn`, `info`, `intake_gateway=debug`) to change
how much. The line `intake-gateway listening on http://ADDRESS` on standard
output says it is ready.
";

struct Arguments {
    config: PathBuf,
    listen: Option<String>,
    check: bool,
}

fn arguments() -> Result<Option<Arguments>, String> {
    let mut config = std::env::var_os("INTAKE_GATEWAY_CONFIG").map(PathBuf::from);
    let mut listen = None;
    let mut check = false;
    let mut given = std::env::args().skip(1);
    while let Some(argument) = given.next() {
        match argument.as_str() {
            "--help" | "-h" => {
                print!("{HELP}");
                return Ok(None);
            }
            "--version" => {
                println!("intake-gateway {}", env!("CARGO_PKG_VERSION"));
                return Ok(None);
            }
            "--check" => check = true,
            "--config" => {
                config = Some(PathBuf::from(given.next().ok_or("--config needs a file")?))
            }
            "--listen" => listen = Some(given.next().ok_or("--listen needs an address")?),
            other => return Err(format!("unknown argument {other:?}; see --help")),
        }
    }
    let config = config.ok_or("--config FILE is needed; see --help")?;
    Ok(Some(Arguments {
        config,
        listen,
        check,
    }))
}

fn main() -> ExitCode {
    let arguments = match arguments() {
        Ok(Some(arguments)) => arguments,
        Ok(None) => return ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("intake-gateway: {message}");
            return ExitCode::from(2);
        }
    };
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_env("INTAKE_GATEWAY_LOG")
                .unwrap_or_else(|_| EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_target(false)
        .init();
    let mut settings = match Settings::load(&arguments.config) {
        Ok(settings) => settings,
        Err(error) => {
            eprintln!("intake-gateway: the configuration is refused: {error}");
            return ExitCode::from(2);
        }
    };
    if let Some(listen) = &arguments.listen {
        match listen.parse() {
            Ok(address) => settings.listen = address,
            Err(_) => {
                eprintln!("intake-gateway: --listen {listen:?} is not an address and port");
                return ExitCode::from(2);
            }
        }
    }
    let store = match SqliteStore::open(&settings.idempotency_store) {
        Ok(store) => store,
        Err(error) => {
            eprintln!(
                "intake-gateway: idempotency_store {}: {error}",
                settings.idempotency_store.display()
            );
            return ExitCode::from(2);
        }
    };
    if arguments.check {
        for line in describe(&settings) {
            println!("{line}");
        }
        println!("The configuration is good.");
        return ExitCode::SUCCESS;
    }
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("intake-gateway: cannot start the async runtime: {error}");
            return ExitCode::FAILURE;
        }
    };
    runtime.block_on(async move {
        let listener = match tokio::net::TcpListener::bind(settings.listen).await {
            Ok(listener) => listener,
            Err(error) => {
                eprintln!(
                    "intake-gateway: cannot listen on {}: {error}",
                    settings.listen
                );
                return ExitCode::FAILURE;
            }
        };
        let address = listener
            .local_addr()
            .map_or(settings.listen, |address| address);
        let gateway = match Gateway::new(settings, Arc::new(store)) {
            Ok(gateway) => Arc::new(gateway),
            Err(error) => {
                eprintln!("intake-gateway: {error}");
                return ExitCode::FAILURE;
            }
        };
        println!("intake-gateway listening on http://{address}");
        match serve(listener, gateway, shutdown_signal()).await {
            Ok(()) => ExitCode::SUCCESS,
            Err(error) => {
                eprintln!("intake-gateway: {error}");
                ExitCode::FAILURE
            }
        }
    })
}

/// Ctrl-C or SIGTERM (systemd's and Docker's stop).
async fn shutdown_signal() {
    let interrupt = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = interrupt => {},
        () = terminate => {},
    }
}
