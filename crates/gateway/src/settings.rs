//! The gateway's configuration: one TOML file, read and checked whole at
//! start. A file that cannot work is refused naming the key that is wrong;
//! credentials never sit in it, only where to find them.

use std::collections::BTreeSet;
use std::fmt;
use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};
use std::time::Duration;

use intake_engine::targets::gateway::{path_of, public_creates, PublicCreate};
use intake_engine::targets::TargetConfig;
use intake_engine::Form;
use serde::Deserialize;

use crate::credential::Credential;

/// Why the configuration was refused: the key, and what is wrong with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SettingsError {
    /// The key as written in the file (`public[0].upstream`), or the file.
    pub key: String,
    pub message: String,
}

impl fmt::Display for SettingsError {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(formatter, "{}: {}", self.key, self.message)
    }
}

impl std::error::Error for SettingsError {}

fn refuse(key: impl Into<String>, message: impl Into<String>) -> SettingsError {
    SettingsError {
        key: key.into(),
        message: message.into(),
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SettingsFile {
    listen: Option<String>,
    idempotency_store: Option<PathBuf>,
    #[serde(default)]
    trusted_proxies: Vec<String>,
    #[serde(default)]
    limits: LimitsFile,
    #[serde(default)]
    public: Vec<PublicFile>,
    #[serde(default)]
    staff: Vec<StaffFile>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct LimitsFile {
    max_body_bytes: Option<usize>,
    upstream_timeout_seconds: Option<u64>,
    public_requests_per_minute: Option<u32>,
    public_burst: Option<u32>,
    keys_kept_hours: Option<u64>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PublicFile {
    configuration: PathBuf,
    form: Option<PathBuf>,
    upstream: String,
    #[serde(default)]
    allowed_origins: Vec<String>,
    credential: CredentialFile,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CredentialFile {
    bearer_token_env: Option<String>,
    bearer_token_file: Option<PathBuf>,
    jwt_key_file: Option<PathBuf>,
    jwt_issuer: Option<String>,
    jwt_audience: Option<String>,
    jwt_lifetime_seconds: Option<u64>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct StaffFile {
    prefix: String,
    upstream: String,
    #[serde(default)]
    allowed_origins: Vec<String>,
}

/// Limits on what the gateway takes and how long it waits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// Larger request bodies are refused (413) before they are read.
    pub max_body_bytes: usize,
    /// How long one upstream request may take, connection included.
    pub upstream_timeout: Duration,
    /// Public requests one client address may make per minute, and at once.
    pub public_per_minute: u32,
    pub public_burst: u32,
    /// How long an idempotency key's answer is kept.
    pub keys_kept: Duration,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_body_bytes: 1024 * 1024,
            upstream_timeout: Duration::from_secs(20),
            public_per_minute: 30,
            public_burst: 10,
            keys_kept: Duration::from_secs(24 * 60 * 60),
        }
    }
}

/// A widget configuration the public may submit through the gateway.
pub struct PublicRoute {
    /// The path the widget's base URL names (`/gateway/caspen/v1`).
    pub prefix: String,
    pub config: TargetConfig,
    /// The form whose answers a submission must hold, when given.
    pub form: Option<Form>,
    /// The only requests the public may make: the widget's creates.
    pub creates: Vec<PublicCreate>,
    /// The vendor's base URL, in place of the prefix.
    pub upstream: String,
    pub allowed_origins: Vec<String>,
    pub credential: Credential,
}

/// A prefix where staff reach a vendor with their own credential.
#[derive(Debug, Clone)]
pub struct StaffRoute {
    pub prefix: String,
    pub upstream: String,
    pub allowed_origins: Vec<String>,
}

/// The whole configuration, checked.
pub struct Settings {
    pub listen: SocketAddr,
    /// The SQLite file of idempotency keys.
    pub idempotency_store: PathBuf,
    /// Peers whose `X-Forwarded-For` names the client (a reverse proxy in front).
    pub trusted_proxies: Vec<IpAddr>,
    pub limits: Limits,
    pub public: Vec<PublicRoute>,
    pub staff: Vec<StaffRoute>,
}

impl Settings {
    /// Reads and checks the file at `path`; relative paths inside it are
    /// relative to its folder.
    pub fn load(path: &Path) -> Result<Settings, SettingsError> {
        let file_key = path.display().to_string();
        let text = std::fs::read_to_string(path)
            .map_err(|error| refuse(&file_key, format!("cannot be read: {error}")))?;
        let folder = path.parent().unwrap_or(Path::new("."));
        Settings::parse(&text, folder)
    }

    /// Reads and checks TOML text whose relative paths start at `folder`.
    pub fn parse(text: &str, folder: &Path) -> Result<Settings, SettingsError> {
        let file: SettingsFile = toml::from_str(text).map_err(|error| {
            let key = error
                .span()
                .and_then(|span| text.get(span))
                .map(|near| near.trim().to_string())
                .unwrap_or_else(|| "the file".into());
            refuse(key, error.message().to_string())
        })?;
        let listen = file
            .listen
            .as_deref()
            .unwrap_or("127.0.0.1:8090")
            .parse::<SocketAddr>()
            .map_err(|_| {
                refuse(
                    "listen",
                    "is not an address and port such as 127.0.0.1:8090",
                )
            })?;
        let trusted_proxies = file
            .trusted_proxies
            .iter()
            .enumerate()
            .map(|(index, text)| {
                text.parse::<IpAddr>().map_err(|_| {
                    refuse(format!("trusted_proxies[{index}]"), "is not an IP address")
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        let limits = read_limits(&file.limits)?;
        let mut prefixes: Vec<(String, String)> = Vec::new();
        let mut public = Vec::new();
        for (index, entry) in file.public.iter().enumerate() {
            let route = read_public(entry, index, folder)?;
            prefixes.push((
                format!("public[{index}].configuration"),
                route.prefix.clone(),
            ));
            public.push(route);
        }
        let mut staff = Vec::new();
        for (index, entry) in file.staff.iter().enumerate() {
            let key = |name: &str| format!("staff[{index}].{name}");
            let prefix = entry.prefix.trim_end_matches('/').to_string();
            check_prefix(&prefix, &key("prefix"))?;
            prefixes.push((key("prefix"), prefix.clone()));
            staff.push(StaffRoute {
                prefix,
                upstream: read_upstream(&entry.upstream, &key("upstream"))?,
                allowed_origins: read_origins(&entry.allowed_origins, &key("allowed_origins"))?,
            });
        }
        if prefixes.is_empty() {
            return Err(refuse(
                "the file",
                "names no [[public]] or [[staff]] route: the gateway would refuse everything",
            ));
        }
        // One request path must lead to one route.
        for (position, (key, prefix)) in prefixes.iter().enumerate() {
            for (other_key, other) in &prefixes[position + 1..] {
                if within(prefix, other) || within(other, prefix) {
                    return Err(refuse(
                        other_key.clone(),
                        format!("{other} overlaps {prefix} of {key}: every route needs a path of its own"),
                    ));
                }
            }
        }
        let idempotency_store = folder.join(
            file.idempotency_store
                .unwrap_or_else(|| PathBuf::from("intake-gateway.sqlite")),
        );
        Ok(Settings {
            listen,
            idempotency_store,
            trusted_proxies,
            limits,
            public,
            staff,
        })
    }
}

/// Whether `path` is `prefix` or lies under it, segment by segment.
pub fn within(path: &str, prefix: &str) -> bool {
    path == prefix
        || path
            .strip_prefix(prefix)
            .is_some_and(|rest| rest.starts_with('/'))
}

fn read_limits(file: &LimitsFile) -> Result<Limits, SettingsError> {
    let defaults = Limits::default();
    let positive = |value: Option<u64>, key: &str, default: u64| match value {
        Some(0) => Err(refuse(format!("limits.{key}"), "must be more than 0")),
        Some(value) => Ok(value),
        None => Ok(default),
    };
    Ok(Limits {
        max_body_bytes: positive(
            file.max_body_bytes.map(|bytes| bytes as u64),
            "max_body_bytes",
            defaults.max_body_bytes as u64,
        )? as usize,
        upstream_timeout: Duration::from_secs(positive(
            file.upstream_timeout_seconds,
            "upstream_timeout_seconds",
            defaults.upstream_timeout.as_secs(),
        )?),
        public_per_minute: positive(
            file.public_requests_per_minute.map(u64::from),
            "public_requests_per_minute",
            u64::from(defaults.public_per_minute),
        )? as u32,
        public_burst: positive(
            file.public_burst.map(u64::from),
            "public_burst",
            u64::from(defaults.public_burst),
        )? as u32,
        keys_kept: Duration::from_secs(
            positive(file.keys_kept_hours, "keys_kept_hours", 24)? * 60 * 60,
        ),
    })
}

fn read_public(
    entry: &PublicFile,
    index: usize,
    folder: &Path,
) -> Result<PublicRoute, SettingsError> {
    let key = |name: &str| format!("public[{index}].{name}");
    let configuration_path = folder.join(&entry.configuration);
    let text = std::fs::read_to_string(&configuration_path).map_err(|error| {
        refuse(
            key("configuration"),
            format!("{} cannot be read: {error}", configuration_path.display()),
        )
    })?;
    let config = TargetConfig::from_json_str(&text).map_err(|error| {
        refuse(
            key("configuration"),
            format!("{} is refused: {error}", configuration_path.display()),
        )
    })?;
    let creates = public_creates(&config);
    if creates.is_empty() {
        return Err(refuse(
            key("configuration"),
            "is not a widget configuration: the public may use only a widget's creates (staff go through a [[staff]] route)",
        ));
    }
    let prefix = path_of(&config.base_url).trim_end_matches('/').to_string();
    check_prefix(&prefix, &format!("{}: its base_url", key("configuration")))?;
    let form = match &entry.form {
        None => None,
        Some(form_path) => {
            let form_path = folder.join(form_path);
            let text = std::fs::read_to_string(&form_path).map_err(|error| {
                refuse(
                    key("form"),
                    format!("{} cannot be read: {error}", form_path.display()),
                )
            })?;
            let loaded = intake_engine::load_form_str(&text).map_err(|error| {
                refuse(
                    key("form"),
                    format!("{} cannot be loaded: {error}", form_path.display()),
                )
            })?;
            Some(loaded.form)
        }
    };
    Ok(PublicRoute {
        prefix,
        config,
        form,
        creates,
        upstream: read_upstream(&entry.upstream, &key("upstream"))?,
        allowed_origins: read_origins(&entry.allowed_origins, &key("allowed_origins"))?,
        credential: read_credential(&entry.credential, &key("credential"), folder)?,
    })
}

fn check_prefix(prefix: &str, key: &str) -> Result<(), SettingsError> {
    let well_formed = prefix.starts_with('/')
        && prefix.len() > 1
        && prefix
            .split('/')
            .skip(1)
            .all(|segment| !segment.is_empty() && segment != "." && segment != "..")
        && prefix
            .bytes()
            .all(|byte| byte.is_ascii_alphanumeric() || b"/-._~".contains(&byte));
    if !well_formed || prefix == "/healthz" {
        return Err(refuse(
            key,
            format!("{prefix:?} is not a path the gateway can serve: give one such as /gateway/caspen/v1"),
        ));
    }
    Ok(())
}

/// Checks an upstream base URL: https, or http to this machine only (a
/// credential must not cross a network in clear text).
fn read_upstream(text: &str, key: &str) -> Result<String, SettingsError> {
    let url = reqwest::Url::parse(text)
        .map_err(|error| refuse(key, format!("{text:?} is not a URL: {error}")))?;
    let loopback = match url.host() {
        Some(url::Host::Domain(name)) => name == "localhost",
        Some(url::Host::Ipv4(address)) => address.is_loopback(),
        Some(url::Host::Ipv6(address)) => address.is_loopback(),
        None => false,
    };
    let allowed = url.scheme() == "https" || (url.scheme() == "http" && loopback);
    if !allowed || url.query().is_some() || url.fragment().is_some() || !url.username().is_empty() {
        return Err(refuse(
            key,
            format!("{text:?} must be an https URL with no query, no fragment and no user (plain http only to this machine)"),
        ));
    }
    Ok(text.trim_end_matches('/').to_string())
}

/// Checks each origin a browser page may call from: `scheme://host[:port]`.
fn read_origins(origins: &[String], key: &str) -> Result<Vec<String>, SettingsError> {
    origins
        .iter()
        .enumerate()
        .map(|(index, origin)| {
            let parsed = reqwest::Url::parse(origin).ok();
            let exact = parsed.as_ref().is_some_and(|url| {
                matches!(url.scheme(), "http" | "https")
                    && url.host().is_some()
                    && url.origin().ascii_serialization() == *origin
            });
            if exact {
                Ok(origin.clone())
            } else {
                Err(refuse(
                    format!("{key}[{index}]"),
                    format!("{origin:?} is not an origin such as https://help.example.org (a scheme and host, no path, no wildcard)"),
                ))
            }
        })
        .collect()
}

fn read_credential(
    file: &CredentialFile,
    key: &str,
    folder: &Path,
) -> Result<Credential, SettingsError> {
    let sources = [
        file.bearer_token_env.is_some(),
        file.bearer_token_file.is_some(),
        file.jwt_key_file.is_some(),
    ];
    if sources.iter().filter(|given| **given).count() != 1 {
        return Err(refuse(
            key,
            "needs exactly one of bearer_token_env, bearer_token_file or jwt_key_file",
        ));
    }
    let jwt_only = [
        ("jwt_issuer", file.jwt_issuer.is_some()),
        ("jwt_audience", file.jwt_audience.is_some()),
        ("jwt_lifetime_seconds", file.jwt_lifetime_seconds.is_some()),
    ];
    if file.jwt_key_file.is_none() {
        if let Some((name, _)) = jwt_only.iter().find(|(_, given)| *given) {
            return Err(refuse(format!("{key}.{name}"), "is only for jwt_key_file"));
        }
    }
    if let Some(variable) = &file.bearer_token_env {
        let token = std::env::var(variable).unwrap_or_default();
        if token.trim().is_empty() {
            return Err(refuse(
                format!("{key}.bearer_token_env"),
                format!("the environment variable {variable} is not set"),
            ));
        }
        return Credential::bearer(token.trim())
            .map_err(|message| refuse(format!("{key}.bearer_token_env"), message));
    }
    if let Some(path) = &file.bearer_token_file {
        let path = folder.join(path);
        let token = std::fs::read_to_string(&path).map_err(|error| {
            refuse(
                format!("{key}.bearer_token_file"),
                format!("{} cannot be read: {error}", path.display()),
            )
        })?;
        return Credential::bearer(token.trim())
            .map_err(|message| refuse(format!("{key}.bearer_token_file"), message));
    }
    let path = folder.join(file.jwt_key_file.as_deref().unwrap_or(Path::new("")));
    let pem = std::fs::read(&path).map_err(|error| {
        refuse(
            format!("{key}.jwt_key_file"),
            format!("{} cannot be read: {error}", path.display()),
        )
    })?;
    let issuer = file
        .jwt_issuer
        .clone()
        .filter(|issuer| !issuer.trim().is_empty())
        .ok_or_else(|| {
            refuse(
                format!("{key}.jwt_issuer"),
                "is needed: the service account the key belongs to",
            )
        })?;
    let lifetime = file.jwt_lifetime_seconds.unwrap_or(60);
    if lifetime == 0 || lifetime > 3600 {
        return Err(refuse(
            format!("{key}.jwt_lifetime_seconds"),
            "must be between 1 and 3600: each request gets a token of its own",
        ));
    }
    Credential::jwt(&pem, issuer, file.jwt_audience.clone(), lifetime)
        .map_err(|message| refuse(format!("{key}.jwt_key_file"), message))
}

/// Keys of every route, for `--check`'s summary.
pub fn describe(settings: &Settings) -> Vec<String> {
    let mut lines = Vec::new();
    for route in &settings.public {
        let creates: BTreeSet<String> = route
            .creates
            .iter()
            .map(|create| format!("{} {}", create.method.as_str(), create.path))
            .collect();
        lines.push(format!(
            "public {} -> {} ({}): {}",
            route.prefix,
            route.upstream,
            route.config.target.display_name(),
            creates.into_iter().collect::<Vec<_>>().join(", ")
        ));
    }
    for route in &settings.staff {
        lines.push(format!(
            "staff {} -> {} (pass-through)",
            route.prefix, route.upstream
        ));
    }
    lines
}
