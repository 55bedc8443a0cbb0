//! Command-line flags and their defaults.

use std::path::PathBuf;

use crate::target::Target;

pub const DEFAULT_PORT: u16 = 8787;
pub const DEFAULT_DATA_DIR: &str = ".sandbox-data";
pub const DEFAULT_DIST_DIR: &str = "dist";
pub const DEFAULT_FORMS_DIR: &str = "public/forms";
pub const DEFAULT_DEMO_HOST_DIR: &str = "dev/embed";
pub const DEFAULT_CASPEN_RATE_LIMIT: u32 = 60;
pub const DEFAULT_CHARITY_PUBLIC_KEY: &str = "dev/gateway/charity-crm-demo.pub.pem";

pub const USAGE: &str = "\
usage: intake-sandbox [--port PORT] [--data DIR] [--dist DIR] [--forms DIR] [--demo-host DIR] [--caspen-rate-limit N]
                      [--honour-idempotency-keys TARGETS] [--gateway ADDRESS] [--charity-public-key FILE]

  --port PORT               port on 127.0.0.1 (default 8787; 0 picks a free port)
  --data DIR                directory for the SQLite database (default .sandbox-data)
  --dist DIR                the built app, served with single-page fallback (default dist)
  --forms DIR               demo form JSON files, served at /forms/ and as Unite US forms (default public/forms)
  --demo-host DIR           the demo host page, served at /embed/demo-host.html for development (default dev/embed)
  --caspen-rate-limit N     Caspen requests per minute per token before 429 (default 60; 0 = no limit)
  --honour-idempotency-keys TARGETS
                            replay writes by their Idempotency-Key for these targets (comma-separated
                            names, `all` or `none`; default none, as no vendor documents the header)
  --gateway ADDRESS         pass /gateway/... to the intake-gateway listening there (e.g. 127.0.0.1:8788;
                            also set later by POST /__admin/gateway); without one /gateway answers 502
  --charity-public-key FILE the RSA public key (PEM) charity_crm verifies service-account JWTs with
                            (default dev/gateway/charity-crm-demo.pub.pem; missing: only the staff token works)
  -h, --help                print this help

Relative directories are relative to the current directory.";

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Config {
    pub port: u16,
    pub data_dir: PathBuf,
    pub dist_dir: PathBuf,
    pub forms_dir: PathBuf,
    /// The demo page that embeds the widget: a development aid, never part
    /// of the release build.
    pub demo_host_dir: PathBuf,
    pub caspen_rate_limit: u32,
    /// The targets whose writes are replayed by their `Idempotency-Key`.
    /// None by default: no vendor's document mentions the header, so the
    /// sandbox, like the vendors, makes a second record from a repeated create.
    pub honour_idempotency_keys: Vec<Target>,
    /// Where the organisation's gateway listens: `/gateway/...` goes there.
    pub gateway: Option<std::net::SocketAddr>,
    /// The public key charity_crm checks a service account's signed tokens with.
    pub charity_public_key: PathBuf,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            port: DEFAULT_PORT,
            data_dir: PathBuf::from(DEFAULT_DATA_DIR),
            dist_dir: PathBuf::from(DEFAULT_DIST_DIR),
            forms_dir: PathBuf::from(DEFAULT_FORMS_DIR),
            demo_host_dir: PathBuf::from(DEFAULT_DEMO_HOST_DIR),
            caspen_rate_limit: DEFAULT_CASPEN_RATE_LIMIT,
            honour_idempotency_keys: Vec::new(),
            gateway: None,
            charity_public_key: PathBuf::from(DEFAULT_CHARITY_PUBLIC_KEY),
        }
    }
}

/// What the command line asks for.
#[derive(Debug, PartialEq, Eq)]
pub enum Invocation {
    Run(Config),
    Help,
}

impl Config {
    /// Parses the flags after the program name. Both `--flag value` and `--flag=value` work.
    pub fn from_args(args: impl IntoIterator<Item = String>) -> Result<Invocation, String> {
        let mut config = Config::default();
        let mut args = args.into_iter();
        while let Some(arg) = args.next() {
            if arg == "-h" || arg == "--help" {
                return Ok(Invocation::Help);
            }
            let (flag, inline_value) = match arg.split_once('=') {
                Some((flag, value)) => (flag.to_string(), Some(value.to_string())),
                None => (arg.clone(), None),
            };
            let mut value = || {
                inline_value
                    .clone()
                    .or_else(|| args.next())
                    .ok_or_else(|| format!("{flag} needs a value"))
            };
            match flag.as_str() {
                "--port" => {
                    let text = value()?;
                    config.port = text.parse().map_err(|_| {
                        format!("--port wants a number from 0 to 65535, got {text:?}")
                    })?;
                }
                "--data" => config.data_dir = PathBuf::from(value()?),
                "--dist" => config.dist_dir = PathBuf::from(value()?),
                "--forms" => config.forms_dir = PathBuf::from(value()?),
                "--demo-host" => config.demo_host_dir = PathBuf::from(value()?),
                "--caspen-rate-limit" => {
                    let text = value()?;
                    config.caspen_rate_limit = text.parse().map_err(|_| {
                        format!("--caspen-rate-limit wants a whole number, got {text:?}")
                    })?;
                }
                "--honour-idempotency-keys" => {
                    config.honour_idempotency_keys = read_targets(&value()?)
                        .map_err(|error| format!("--honour-idempotency-keys: {error}"))?;
                }
                "--gateway" => {
                    let text = value()?;
                    config.gateway = Some(text.parse().map_err(|_| {
                        format!("--gateway wants an address and port such as 127.0.0.1:8788, got {text:?}")
                    })?);
                }
                "--charity-public-key" => config.charity_public_key = PathBuf::from(value()?),
                _ => return Err(format!("unknown argument {arg:?}")),
            }
        }
        Ok(Invocation::Run(config))
    }
}

/// `all`, `none`, or target names separated by commas.
pub fn read_targets(text: &str) -> Result<Vec<Target>, String> {
    match text.trim() {
        "all" => Ok(Target::ALL.to_vec()),
        "none" | "" => Ok(Vec::new()),
        list => list
            .split(',')
            .map(|name| {
                Target::from_name(name.trim()).ok_or_else(|| {
                    let known: Vec<&str> = Target::ALL.iter().map(|target| target.name()).collect();
                    format!(
                        "{:?} is not a target; use all, none, or some of {}",
                        name.trim(),
                        known.join(", ")
                    )
                })
            })
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<Invocation, String> {
        Config::from_args(args.iter().map(|arg| arg.to_string()))
    }

    #[test]
    fn no_flags_give_the_documented_defaults() {
        assert_eq!(parse(&[]), Ok(Invocation::Run(Config::default())));
        assert_eq!(Config::default().port, 8787);
        assert_eq!(Config::default().data_dir, PathBuf::from(".sandbox-data"));
    }

    #[test]
    fn flags_take_separate_or_inline_values() {
        let Ok(Invocation::Run(config)) = parse(&[
            "--port",
            "0",
            "--data=/tmp/x",
            "--dist",
            "build",
            "--forms",
            "f",
            "--caspen-rate-limit=3",
        ]) else {
            panic!("flags should parse");
        };
        assert_eq!(config.port, 0);
        assert_eq!(config.data_dir, PathBuf::from("/tmp/x"));
        assert_eq!(config.dist_dir, PathBuf::from("build"));
        assert_eq!(config.forms_dir, PathBuf::from("f"));
        assert_eq!(config.caspen_rate_limit, 3);
    }

    #[test]
    fn bad_flags_are_explained() {
        assert!(parse(&["--port", "http"]).is_err_and(|e| e.contains("--port")));
        assert!(parse(&["--data"]).is_err_and(|e| e.contains("needs a value")));
        assert!(parse(&["--verbose"]).is_err_and(|e| e.contains("unknown")));
        assert_eq!(parse(&["--help"]), Ok(Invocation::Help));
        assert!(parse(&["--honour-idempotency-keys", "caspen,nobody"])
            .is_err_and(|e| e.contains("\"nobody\" is not a target")));
    }

    #[test]
    fn idempotency_keys_are_ignored_unless_asked_for() {
        assert!(Config::default().honour_idempotency_keys.is_empty());
        let Ok(Invocation::Run(config)) = parse(&["--honour-idempotency-keys=caspen, unite_us"])
        else {
            panic!("the flag should parse");
        };
        assert_eq!(
            config.honour_idempotency_keys,
            [Target::Caspen, Target::UniteUs]
        );
        assert_eq!(read_targets("all"), Ok(Target::ALL.to_vec()));
        assert_eq!(read_targets("none"), Ok(Vec::new()));
    }
}
