//! The trust boundary between a deployment and everything else.
//!
//! The organisation that hosts intake decides where people's answers may go:
//! its configurations are files under [`CONFIG_FOLDER`] on its own origin,
//! fixed when it deploys. A link, a host page's data attribute or a stored
//! submission may only *choose* among them; none of them can name an API,
//! a form definition or a credential. This module holds those decisions as
//! pure functions, so the browser only executes them:
//!
//! - [`configuration_path`]: which of the site's configurations a link names;
//! - [`refuse_deployment_parameters`]: a link that tries to set where answers
//!   go is refused, not silently ignored;
//! - [`parse_address`]: a base URL or form URL parsed as a URL, not matched
//!   as a pattern, so user info, queries, backslashes and other origins
//!   cannot hide in it;
//! - [`step_fits`]: a stored request is sent only if the configuration the
//!   page runs would plan it.

use std::fmt;

use super::config::{Operation, TargetConfig};
use super::forms::parse_forms_available;
use super::mapping::{HttpMethod, PlannedRequest};
use super::outbox::Response;
use super::search::{parse_search, PersonQuery};

/// The folder on the site's own origin that holds its configurations.
pub const CONFIG_FOLDER: &str = "/config/";

/// URL parameters that would choose where answers go or which credential
/// they carry. Only a configuration file may set them; a link that carries
/// one is refused before any request is made.
/// In alphabetical order.
pub const DEPLOYMENT_PARAMETERS: &[&str] = &[
    "ask",
    "auth",
    "base_url",
    "defaults",
    "encoding",
    "form",
    "group_id",
    "mode",
    "paths",
    "program_id",
    "require",
    "target",
    "widget_token",
];

/// Why a link was refused. Its message, which says what to do, is written
/// only when shown (the widget's first load holds no refusal text).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LinkRefusal {
    /// The link names a configuration the site does not have (or cannot).
    UnknownConfiguration,
    /// The link sets these [`DEPLOYMENT_PARAMETERS`], in alphabetical order.
    ChoosesDestination(Vec<&'static str>),
}

impl fmt::Display for LinkRefusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LinkRefusal::UnknownConfiguration => f.write_str("This link names a configuration this site does not have, so nothing was loaded or sent. Use the link the organisation published on its own website."),
            LinkRefusal::ChoosesDestination(names) => write!(
                f,
                "This link tries to choose where your answers are sent ({}). Only the organisation's own configuration can do that, so nothing was loaded or sent. Use the link the organisation published on its own website.",
                names.join(", ")
            ),
        }
    }
}

impl std::error::Error for LinkRefusal {}

/// Refuses a link that sets any of [`DEPLOYMENT_PARAMETERS`]: such a link
/// was made to send answers, or a staff token, somewhere the organisation
/// did not choose.
/// `present` says whether the link carries a parameter; the refusal names
/// those it carries, in alphabetical order.
pub fn refuse_deployment_parameters(present: impl Fn(&str) -> bool) -> Result<(), LinkRefusal> {
    // The list is alphabetical, so the names come out sorted without a sort
    // (the widget ships no sort for this).
    let found: Vec<&'static str> = DEPLOYMENT_PARAMETERS
        .iter()
        .copied()
        .filter(|name| present(name))
        .collect();
    if found.is_empty() {
        Ok(())
    } else {
        Err(LinkRefusal::ChoosesDestination(found))
    }
}

/// Where the page reads its configuration: `named` is the `config` URL
/// parameter, either a configuration's name (`caspen-widget`) or its path
/// in the site's folder (`/config/caspen-widget.json`); without it, the
/// default for the page. Anything else (another origin, another folder, a
/// path that climbs, encoded or hidden characters) is refused.
pub fn configuration_path(named: Option<&str>, default_name: &str) -> Result<String, LinkRefusal> {
    let Some(named) = named else {
        return Ok(format!("{CONFIG_FOLDER}{default_name}.json"));
    };
    let name = named.strip_prefix(CONFIG_FOLDER).unwrap_or(named);
    let name = name.strip_suffix(".json").unwrap_or(name);
    let plain = !name.is_empty()
        && name.len() <= 64
        && name
            .bytes()
            .all(|byte| byte.is_ascii_alphanumeric() || byte == b'-' || byte == b'_')
        && name.as_bytes()[0].is_ascii_alphanumeric();
    if plain {
        Ok(format!("{CONFIG_FOLDER}{name}.json"))
    } else {
        Err(LinkRefusal::UnknownConfiguration)
    }
}

/// A URL a configuration may name: a path on the site itself, or an
/// absolute `https://` address (`http://` only for this machine).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Address {
    /// `scheme://host[:port]` as browsers write an origin, or `None` for a
    /// path on the site itself.
    pub origin: Option<String>,
    /// The path, without a trailing slash (may be empty for an origin).
    pub path: String,
}

impl Address {
    /// The address as requests use it.
    pub fn to_url(&self) -> String {
        format!(
            "{}{}",
            self.origin.as_deref().unwrap_or_default(),
            self.path
        )
    }
}

/// Why a URL or path template of a configuration cannot be used; written
/// out only when shown.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AddressProblem {
    Credential,
    NotPlain,
    QueryOrFragment,
    DoubleSlash,
    Scheme,
    UserInfo,
    Host,
    Port,
    Insecure,
    PathCharacters,
    TemplateStart,
    TemplateCharacters,
}

impl fmt::Display for AddressProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            AddressProblem::Credential => "looks like it holds a credential; a configuration is public, so credentials never go in it.",
            AddressProblem::NotPlain => "must be plain ASCII with no spaces, tabs, line breaks or backslashes.",
            AddressProblem::QueryOrFragment => "must not hold a query (?) or fragment (#).",
            AddressProblem::DoubleSlash => "must not start with //, which browsers read as another site.",
            AddressProblem::Scheme => "must start with https:// or / (a path on this site).",
            AddressProblem::UserInfo => "must not hold a user name or password; credentials never go in a URL.",
            AddressProblem::Host => "must name a host: letters, digits, dots and hyphens (an internationalised name in its xn-- form), or a bracketed IPv6 address.",
            AddressProblem::Port => "has a port that is not a number from 1 to 65535.",
            AddressProblem::Insecure => "must use https://; http:// is allowed only for localhost.",
            AddressProblem::PathCharacters => "may hold only letters, digits, - . _ ~ and /, with no empty, . or .. segments.",
            AddressProblem::TemplateStart => "must start with /.",
            AddressProblem::TemplateCharacters => "may hold only letters, digits, - . _ ~ and /, with no empty, . or .. segments, no query and no fragment.",
        })
    }
}

/// Words that mark a value as holding a credential. A configuration is
/// served to every visitor, so a URL or path template holding one
/// publishes it.
const SECRET_WORDS: &[&str] = &[
    "secret",
    "password",
    "passwd",
    "private_key",
    "api_key",
    "apikey",
    "api-key",
    "access_token",
    "token=",
    "client_credentials",
    "bearer",
    "jwt",
    "signature=",
    "sig=",
];

/// The secret-looking word a value holds, if any.
pub fn secret_word_in(value: &str) -> Option<&'static str> {
    let lower = value.to_ascii_lowercase();
    SECRET_WORDS
        .iter()
        .find(|word| lower.contains(*word))
        .copied()
}

/// Characters a path may hold: unreserved characters and `/`. Percent
/// escapes, `\`, spaces, tabs and anything outside ASCII are refused, since
/// browsers resolve some of them to another origin or another path
/// (`/\evil.example`, a tab inside `//`, `%2e%2e`).
fn path_is_plain(path: &str, allow_placeholders: bool) -> bool {
    path.bytes().all(|byte| {
        byte.is_ascii_alphanumeric()
            || b"-._~/".contains(&byte)
            || (allow_placeholders && (byte == b'{' || byte == b'}'))
    }) && !path.contains("//")
        && !path
            .split('/')
            .any(|segment| segment == "." || segment == "..")
}

/// Checks a path template of the configuration (`/clients/{id}`).
pub fn check_path_template(template: &str) -> Result<(), AddressProblem> {
    if let Some(word) = secret_word_in(template) {
        let _ = word;
        return Err(AddressProblem::Credential);
    }
    if !template.starts_with('/') {
        return Err(AddressProblem::TemplateStart);
    }
    if !path_is_plain(template, true) {
        return Err(AddressProblem::TemplateCharacters);
    }
    Ok(())
}

/// Parses a base URL or form URL of a configuration. The message says what
/// is wrong, for the key that holds it.
pub fn parse_address(text: &str) -> Result<Address, AddressProblem> {
    if secret_word_in(text).is_some() {
        return Err(AddressProblem::Credential);
    }
    if text
        .bytes()
        .any(|byte| !byte.is_ascii_graphic() || byte == b'\\')
    {
        return Err(AddressProblem::NotPlain);
    }
    if text.contains('?') || text.contains('#') {
        return Err(AddressProblem::QueryOrFragment);
    }
    if text.starts_with("//") {
        return Err(AddressProblem::DoubleSlash);
    }
    if text.starts_with('/') {
        let path = text.trim_end_matches('/');
        if !path_is_plain(path, false) {
            return Err(AddressProblem::PathCharacters);
        }
        return Ok(Address {
            origin: None,
            path: path.to_string(),
        });
    }
    let lower = text.to_ascii_lowercase();
    let (scheme, rest) = if lower.starts_with("https://") {
        ("https", &text["https://".len()..])
    } else if lower.starts_with("http://") {
        ("http", &text["http://".len()..])
    } else {
        return Err(AddressProblem::Scheme);
    };
    let (authority, path) = rest.find('/').map_or((rest, ""), |at| rest.split_at(at));
    if authority.contains('@') {
        return Err(AddressProblem::UserInfo);
    }
    let (host, port) = split_host_port(authority)?;
    let host = host.to_ascii_lowercase();
    let local = matches!(host.as_str(), "localhost" | "127.0.0.1" | "[::1]");
    if scheme == "http" && !local {
        return Err(AddressProblem::Insecure);
    }
    let default_port = if scheme == "https" { 443 } else { 80 };
    let origin = match port {
        Some(port) if port != default_port => format!("{scheme}://{host}:{port}"),
        _ => format!("{scheme}://{host}"),
    };
    let path = path.trim_end_matches('/');
    if !path_is_plain(path, false) {
        return Err(AddressProblem::PathCharacters);
    }
    Ok(Address {
        origin: Some(origin),
        path: path.to_string(),
    })
}

/// Splits `host[:port]`, checking the host is a DNS name, an IPv4 address
/// or a bracketed IPv6 address, and the port a number browsers accept.
fn split_host_port(authority: &str) -> Result<(&str, Option<u16>), AddressProblem> {
    const BAD_HOST: AddressProblem = AddressProblem::Host;
    let (host, port) = if authority.starts_with('[') {
        let close = authority.find(']').ok_or(BAD_HOST)?;
        let (host, rest) = authority.split_at(close + 1);
        let inner = &host[1..host.len() - 1];
        if inner.is_empty()
            || !inner
                .bytes()
                .all(|byte| byte.is_ascii_hexdigit() || byte == b':' || byte == b'.')
        {
            return Err(BAD_HOST);
        }
        match rest {
            "" => (host, None),
            _ => (host, Some(rest.strip_prefix(':').ok_or(BAD_HOST)?)),
        }
    } else {
        match authority.split_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (authority, None),
        }
    };
    if !host.starts_with('[') {
        let labels_ok = !host.is_empty()
            && host.len() <= 253
            && host.split('.').all(|label| {
                !label.is_empty()
                    && label.len() <= 63
                    && !label.starts_with('-')
                    && !label.ends_with('-')
                    && label
                        .bytes()
                        .all(|byte| byte.is_ascii_alphanumeric() || byte == b'-')
            });
        if !labels_ok {
            return Err(BAD_HOST);
        }
    }
    let port = match port {
        None => None,
        Some(digits) => Some(
            (!digits.is_empty() && digits.len() <= 5 && digits.bytes().all(|b| b.is_ascii_digit()))
                .then(|| digits.parse::<u16>().ok())
                .flatten()
                .filter(|port| *port > 0)
                .ok_or(AddressProblem::Port)?,
        ),
    };
    Ok((host, port))
}

/// Whether `step`, read back from storage, is a request the configuration
/// would plan: an HTTP write to one of its own operations' paths under its
/// own base URL. Anything else (a stored entry edited by hand, or made
/// under another configuration) is never sent.
pub fn step_fits(config: &TargetConfig, step: &PlannedRequest) -> bool {
    if !matches!(
        step.method,
        HttpMethod::Post | HttpMethod::Put | HttpMethod::Patch
    ) {
        return false;
    }
    let Some(path) = step
        .url
        .strip_prefix(config.base_url.as_str())
        .filter(|path| path.starts_with('/'))
    else {
        return false;
    };
    let group = config.group_id.as_deref().unwrap_or_default();
    config
        .paths
        .values()
        .any(|template| template_matches(template, path, group))
}

/// Whether `path` is `template` with each placeholder filled by one
/// percent-encoded segment (`{group_id}` by the configuration's own group;
/// `{id}` may still be the placeholder itself, filled at sending time).
fn template_matches(template: &str, path: &str, group: &str) -> bool {
    let template_segments: Vec<&str> = template.split('/').collect();
    let path_segments: Vec<&str> = path.split('/').collect();
    template_segments.len() == path_segments.len()
        && template_segments
            .iter()
            .zip(&path_segments)
            .all(|(expected, actual)| match *expected {
                "{group_id}" => *actual == super::percent::encode_segment(group),
                "{id}" | "{form_id}" => {
                    !actual.is_empty()
                        && actual
                            .bytes()
                            .all(|byte| byte.is_ascii_alphanumeric() || b"-._~%{}".contains(&byte))
                }
                literal => literal == *actual,
            })
}

/// The request that checks a staff token: the cheapest call that needs it
/// and takes no parameters (Unite US's group forms, whose search requires
/// names; else the list of people).
pub fn sign_in_check_url(config: &TargetConfig) -> Option<String> {
    config
        .url(Operation::FormsAvailable, &[])
        .or_else(|| config.url(Operation::FindPeople, &[]))
}

/// What the answer to [`sign_in_check_url`] says about the token.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SignInCheck {
    /// A 2xx answer shaped as the target documents it: signed in.
    Accepted,
    /// 401 or 403: the token is wrong.
    Refused,
    /// Anything else (no answer, a redirect to a login page, a 404, a 5xx,
    /// a 2xx that is not the expected JSON): nobody can tell, so nobody is
    /// signed in. The text says what came back.
    Unchecked(String),
}

/// Reads the answer to the sign-in check. Only an answer the target's own
/// reader accepts counts: a proxy's HTML page or an error page with 200 is
/// not a signed-in session.
pub fn read_sign_in_check(config: &TargetConfig, answer: &Response) -> SignInCheck {
    match answer.status {
        Some(401 | 403) => SignInCheck::Refused,
        Some(200..=299) => {
            let readable = if config.paths.contains_key(&Operation::FormsAvailable) {
                parse_forms_available(&answer.body).is_ok()
            } else {
                parse_search(config, &PersonQuery::default(), &answer.body).is_ok()
            };
            if readable {
                SignInCheck::Accepted
            } else {
                SignInCheck::Unchecked("the answer was not what the service sends".into())
            }
        }
        Some(status) => SignInCheck::Unchecked(format!("HTTP {status}")),
        None => SignInCheck::Unchecked("no answer".into()),
    }
}

/// A short, stable fingerprint of a text (64-bit FNV-1a, hex). It tells
/// whether two configurations are the same; it is not a secret and guards
/// nothing on its own.
pub fn fingerprint(text: &str) -> String {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in text.bytes() {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    let mut out = String::with_capacity(16);
    for shift in (0..16).rev() {
        let digit = ((hash >> (shift * 4)) & 0xf) as u8;
        out.push(char::from(if digit < 10 {
            b'0' + digit
        } else {
            b'a' + digit - 10
        }));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_link_may_name_only_a_configuration_of_the_site() {
        assert_eq!(
            configuration_path(None, "unite-us-widget").unwrap(),
            "/config/unite-us-widget.json"
        );
        for named in [
            "caspen-widget",
            "caspen-widget.json",
            "/config/caspen-widget.json",
            "/config/caspen-widget",
        ] {
            assert_eq!(
                configuration_path(Some(named), "x").unwrap(),
                "/config/caspen-widget.json",
                "{named}"
            );
        }
        for named in [
            "https://evil.example/c.json",
            "//evil.example/c.json",
            "/\\evil.example/c.json",
            "/config/../forms/x.json",
            "/config/sub/x.json",
            "/forms/x.json",
            "..",
            "",
            "/config/",
            "caspen%2Dwidget",
            "caspen\twidget",
            "-x",
            "data:application/json,{}",
        ] {
            assert!(configuration_path(Some(named), "x").is_err(), "{named}");
        }
    }

    #[test]
    fn deployment_parameters_in_a_link_are_refused_by_name() {
        let link = |names: &'static [&'static str]| move |name: &str| names.contains(&name);
        assert!(
            refuse_deployment_parameters(link(&["config", "lang", "title", "embed", "host"]))
                .is_ok()
        );
        let refusal =
            refuse_deployment_parameters(link(&["target", "base_url", "lang"])).unwrap_err();
        assert!(
            refusal.to_string().contains("(base_url, target)"),
            "{refusal}"
        );
        let mut sorted = DEPLOYMENT_PARAMETERS.to_vec();
        sorted.sort_unstable();
        assert_eq!(sorted, DEPLOYMENT_PARAMETERS, "kept alphabetical");
    }

    #[test]
    fn addresses_are_parsed_not_pattern_matched() {
        let parsed = parse_address("https://API.example.org:443/v1/").unwrap();
        assert_eq!(parsed.origin.as_deref(), Some("https://api.example.org"));
        assert_eq!(parsed.path, "/v1");
        assert_eq!(
            parse_address("http://127.0.0.1:8787/caspen/v1")
                .unwrap()
                .to_url(),
            "http://127.0.0.1:8787/caspen/v1"
        );
        assert_eq!(parse_address("/caspen/v1").unwrap().origin, None);
        let refused = [
            "https://user:pw@api.example.org",
            "https://api.example.org@evil.example",
            "https://api.example.org/v1?api_key=x",
            "https://api.example.org/v1?x=1",
            "https://api.example.org/v1#x",
            "http://api.example.org",
            "//evil.example/v1",
            "/\\evil.example",
            "/\t/evil.example",
            "/ok/../../x",
            "/a%2f..",
            "ftp://x",
            "https://",
            "https://exa mple.org",
            "https://-x.org",
            "https://x.org:0",
            "https://x.org:99999",
            "https://x.org:",
            "javascript:alert(1)",
            "https://ex\u{e4}mple.org",
            "https://[::1",
        ];
        for text in refused {
            assert!(parse_address(text).is_err(), "{text} was accepted");
        }
    }

    #[test]
    fn secrets_are_found_inside_values() {
        assert_eq!(
            secret_word_in("https://x.org/v1?api_key=1"),
            Some("api_key")
        );
        assert!(check_path_template("/clients?token=abc").is_err());
        assert!(check_path_template("/clients/{id}").is_ok());
        assert!(check_path_template("//evil.example/x").is_err());
        assert!(secret_word_in("/caspen/v1").is_none());
    }

    fn step(method: HttpMethod, url: &str) -> PlannedRequest {
        PlannedRequest::bare(method, url)
    }

    #[test]
    fn only_steps_the_configuration_would_plan_fit() {
        let config = TargetConfig::from_json(&serde_json::json!({
            "target": "unite_us", "mode": "staff", "group_id": "g 1",
            "base_url": "https://api.example.org/v3"
        }))
        .unwrap();
        let fits = |method: HttpMethod, url: &str| step_fits(&config, &step(method, url));
        assert!(fits(
            HttpMethod::Post,
            "https://api.example.org/v3/groups/g%201/contacts"
        ));
        assert!(fits(
            HttpMethod::Post,
            "https://api.example.org/v3/groups/g%201/contacts/{id}/forms/f1/respond"
        ));
        for method in [HttpMethod::Get, HttpMethod::Delete] {
            assert!(!fits(
                method,
                "https://api.example.org/v3/groups/g%201/contacts"
            ));
        }
        assert!(!fits(
            HttpMethod::Post,
            "https://evil.example/v3/groups/g%201/contacts"
        ));
        assert!(!fits(
            HttpMethod::Post,
            "https://api.example.org/v3/groups/other/contacts"
        ));
        assert!(!fits(
            HttpMethod::Post,
            "https://api.example.org/v3x/groups/g%201/contacts"
        ));
        assert!(!fits(
            HttpMethod::Post,
            "https://api.example.org/v3/groups/g%201/contacts/a/b"
        ));
        assert!(!fits(
            HttpMethod::Post,
            "https://api.example.org/v3/../v3/groups/g%201/contacts"
        ));
    }

    #[test]
    fn only_an_expected_2xx_answer_signs_in() {
        use super::super::outbox::AnswerBody;
        let config = TargetConfig::from_json(&serde_json::json!({
            "target": "caspen", "mode": "staff"
        }))
        .unwrap();
        let answer = |status: Option<u16>, body: &str| Response {
            status,
            retry_after: None,
            body: AnswerBody::from_text(body),
        };
        assert_eq!(
            read_sign_in_check(&config, &answer(Some(200), r#"{"data": []}"#)),
            SignInCheck::Accepted
        );
        assert_eq!(
            read_sign_in_check(&config, &answer(Some(401), "{}")),
            SignInCheck::Refused
        );
        for (status, body) in [
            (Some(200), "<html>Log in</html>"),
            (Some(200), "{}"),
            (Some(404), r#"{"data": []}"#),
            (Some(503), ""),
            (Some(302), ""),
            (None, ""),
        ] {
            assert!(
                matches!(
                    read_sign_in_check(&config, &answer(status, body)),
                    SignInCheck::Unchecked(_)
                ),
                "{status:?} {body}"
            );
        }
    }

    #[test]
    fn fingerprints_tell_texts_apart() {
        assert_eq!(fingerprint(""), "cbf29ce484222325");
        assert_ne!(fingerprint("{\"a\":1}"), fingerprint("{\"a\":2}"));
        assert_eq!(fingerprint("x").len(), 16);
    }
}
