//! `cargo run -q --bin intake-sandbox -- --port PORT --data DIR`: see the crate README for flags and routes.

use std::process::ExitCode;

use intake_sandbox::config::USAGE;
use intake_sandbox::{bind, listening_line, serve, Config, Invocation};

fn main() -> ExitCode {
    let config = match Config::from_args(std::env::args().skip(1)) {
        Ok(Invocation::Run(config)) => config,
        Ok(Invocation::Help) => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(message) => {
            eprintln!("intake-sandbox: {message}\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("intake-sandbox: cannot start the async runtime: {error}");
            return ExitCode::FAILURE;
        }
    };
    runtime.block_on(async move {
        let (listener, state) = match bind(config).await {
            Ok(bound) => bound,
            Err(error) => {
                eprintln!("intake-sandbox: {error}");
                return ExitCode::FAILURE;
            }
        };
        match listener.local_addr() {
            // This is the one line on stdout; scripts and tests wait for it.
            Ok(address) => println!("{}", listening_line(address)),
            Err(error) => {
                eprintln!("intake-sandbox: cannot read the bound address: {error}");
                return ExitCode::FAILURE;
            }
        }
        match serve(listener, state).await {
            Ok(()) => ExitCode::SUCCESS,
            Err(error) => {
                eprintln!("intake-sandbox: {error}");
                ExitCode::FAILURE
            }
        }
    })
}
