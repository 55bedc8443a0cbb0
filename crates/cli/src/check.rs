//! `intake check-config CONFIG.json`: the deployer's check of a configuration
//! against the real API it names. The engine decides which requests are safe
//! (reads the app makes anyway, and CORS preflights for the writes, which no
//! server runs); this module only sends them and prints the verdicts. It
//! never creates, changes or deletes anything.

use std::time::Duration;

use intake_engine::targets::probe::{
    plan_probes, read_answer, read_preflight, Probe, ProbeKind, Verdict,
};
use intake_engine::targets::{AnswerBody, AuthMode, HttpMethod, Mode, TargetConfig};

/// Where a staff token for the check comes from: never a flag, which would
/// stay in the shell's history.
pub const TOKEN_VARIABLE: &str = "INTAKE_CHECK_TOKEN";

/// What the check was asked: the configuration, the site it is served
/// from (to resolve a `base_url` that is a path) and the app's origin (for
/// the preflights).
pub struct CheckRequest<'a> {
    pub config_text: &'a str,
    pub site: Option<&'a str>,
    pub origin: Option<&'a str>,
    pub token: Option<String>,
}

/// The report, and whether every probe was fine.
pub struct Report {
    pub lines: Vec<String>,
    pub all_fine: bool,
}

/// Runs the check. A configuration the app would refuse is an error.
pub fn check(request: &CheckRequest<'_>) -> Result<Report, String> {
    let config = TargetConfig::from_json_str(request.config_text)
        .map_err(|error| format!("the configuration is refused: {error}"))?;
    let credential = match config.auth {
        AuthMode::StaffToken => Some(request.token.clone().ok_or_else(|| {
            format!("a staff configuration is checked with a staff token: set {TOKEN_VARIABLE}")
        })?),
        AuthMode::WidgetToken => config.widget_token.clone(),
        AuthMode::None => None,
    };
    let origin = request
        .origin
        .or(request.site)
        .map(|origin| origin.trim_end_matches('/').to_string());
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .max_redirects(0)
        .timeout_global(Some(Duration::from_secs(20)))
        .build()
        .into();
    let mut lines = vec![format!(
        "{} ({} mode), {}",
        config.target.display_name(),
        match config.mode {
            Mode::Widget => "widget",
            Mode::Staff => "staff",
        },
        config.base_url
    )];
    let mut all_fine = true;
    for probe in plan_probes(&config) {
        let url = absolute(&probe.url, request.site)?;
        let mut sent = true;
        let verdict = match probe.kind {
            ProbeKind::Read(reader) => {
                let (status, body) = get(&agent, &url, credential.as_deref());
                read_answer(&config, reader, status, &AnswerBody::from_text(&body))
            }
            ProbeKind::Preflight(method) => match &origin {
                None => {
                    sent = false;
                    Verdict::Problem(
                        "not checked: give --origin (the address the app is served from)".into(),
                    )
                }
                Some(origin) if origin_of(&url).eq_ignore_ascii_case(origin) => {
                    sent = false;
                    Verdict::Fine("the same origin as the app: browsers need no CORS for it".into())
                }
                Some(origin) => preflight(&agent, &url, origin, method),
            },
        };
        let (mark, words) = match verdict {
            Verdict::Fine(words) => ("ok     ", words),
            Verdict::Problem(words) => {
                all_fine = false;
                ("PROBLEM", words)
            }
        };
        lines.push(format!("{mark} {}: {words}", probe.label));
        let how = if sent {
            method_of(&probe)
        } else {
            "(not sent)"
        };
        lines.push(format!("        {how} {url}"));
    }
    Ok(Report { lines, all_fine })
}

fn method_of(probe: &Probe) -> &'static str {
    match probe.kind {
        ProbeKind::Read(_) => "GET",
        ProbeKind::Preflight(_) => "OPTIONS",
    }
}

/// `scheme://host[:port]` of an absolute URL.
fn origin_of(url: &str) -> &str {
    let after_scheme = url.find("://").map_or(0, |position| position + 3);
    match url[after_scheme..].find('/') {
        Some(slash) => &url[..after_scheme + slash],
        None => url,
    }
}

/// A probe's address, resolved against the site when the configuration
/// names a path.
fn absolute(url: &str, site: Option<&str>) -> Result<String, String> {
    if url.starts_with("https://") || url.starts_with("http://") {
        return Ok(url.to_string());
    }
    match site {
        Some(site) => Ok(format!("{}{url}", site.trim_end_matches('/'))),
        None => Err(format!(
            "base_url is the path {url:?} on the app's own site: give --site https://your-site to check it"
        )),
    }
}

/// A GET with the credential; no status when nothing came back.
fn get(agent: &ureq::Agent, url: &str, credential: Option<&str>) -> (Option<u16>, String) {
    let mut builder = agent.get(url).header("Accept", "application/json");
    if let Some(token) = credential {
        builder = builder.header("Authorization", &format!("Bearer {token}"));
    }
    match builder.call() {
        Ok(mut response) => {
            let status = response.status().as_u16();
            let body = response
                .body_mut()
                .with_config()
                .limit(10 * 1024 * 1024)
                .read_to_string()
                .unwrap_or_default();
            (Some(status), body)
        }
        Err(_) => (None, String::new()),
    }
}

/// The CORS preflight a browser on `origin` would send before the write.
fn preflight(agent: &ureq::Agent, url: &str, origin: &str, method: HttpMethod) -> Verdict {
    let answer = agent
        .options(url)
        .header("Origin", origin)
        .header("Access-Control-Request-Method", method.as_str())
        .header(
            "Access-Control-Request-Headers",
            "authorization, content-type, idempotency-key",
        )
        .call();
    match answer {
        Ok(response) => {
            let header = |name: &str| {
                response
                    .headers()
                    .get(name)
                    .and_then(|value| value.to_str().ok())
                    .map(str::to_string)
            };
            read_preflight(
                origin,
                method,
                Some(response.status().as_u16()),
                header("access-control-allow-origin").as_deref(),
                header("access-control-allow-methods").as_deref(),
                header("access-control-allow-headers").as_deref(),
            )
        }
        Err(_) => read_preflight(origin, method, None, None, None, None),
    }
}
