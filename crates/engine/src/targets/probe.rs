//! A deployer's check of a configuration against the real API it names
//! (`intake check-config`): which safe, read-only requests to make, and what
//! their answers say. Nothing here creates, changes or deletes anything: the
//! reads are the ones the app makes with the same credential (the sign-in
//! check, a search for a name nobody has, the widget's form and the group's
//! lists), and every write is only asked about by a CORS preflight, which a
//! server answers without running the write.

use super::config::{Mode, Operation, TargetConfig};
use super::forms::{parse_forms_available, parse_service_types, read_form_config};
use super::mapping::{write_method, HttpMethod};
use super::outbox::AnswerBody;
use super::search::{parse_search, PersonQuery};
use super::trust::sign_in_check_url;

/// A name no real person has, for the search probe.
pub const NOBODY: &str = "Zz-intake-check";

/// The id put in a write's address for its preflight; the write is never sent.
const NO_ID: &str = "intake-check";

/// One request of the check.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Probe {
    /// What is checked, for people: "Search for people".
    pub label: String,
    pub url: String,
    pub kind: ProbeKind,
}

/// How a probe is made and read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProbeKind {
    /// A GET with the credential, whose answer must read as the app reads it.
    Read(Reader),
    /// An `OPTIONS` preflight from the app's origin for a write with this
    /// method: may a browser on that origin send it?
    Preflight(HttpMethod),
}

/// Which of the app's readers an answer must satisfy.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reader {
    /// The staff sign-in check (the group's forms, or the list of people).
    SignIn,
    /// A search for [`NOBODY`].
    Search,
    /// The Unite US widget's form configuration.
    FormConfig,
    ServiceTypes,
}

/// The probes for `config`, reads first.
pub fn plan_probes(config: &TargetConfig) -> Vec<Probe> {
    let mut probes = Vec::new();
    let read = |label: &str, url: Option<String>, reader| {
        url.map(|url| Probe {
            label: label.into(),
            url,
            kind: ProbeKind::Read(reader),
        })
    };
    let url = |operation| {
        config.url(
            operation,
            &[("id", NO_ID), ("form_id", NO_ID), ("group_id", NO_ID)],
        )
    };
    match config.mode {
        Mode::Widget => {
            probes.extend(read(
                "The widget's form",
                url(Operation::AssistanceRequestFormConfig),
                Reader::FormConfig,
            ));
        }
        Mode::Staff => {
            probes.extend(read(
                "Sign-in check",
                sign_in_check_url(config),
                Reader::SignIn,
            ));
            let query = PersonQuery {
                first_name: NOBODY.into(),
                last_name: NOBODY.into(),
                date_of_birth: None,
            };
            let search = super::search::plan_search(config, &query, None);
            if config.url(Operation::FindPeople, &[]).is_some() {
                probes.push(Probe {
                    label: "Search for people".into(),
                    url: search.url,
                    kind: ProbeKind::Read(Reader::Search),
                });
            }
            probes.extend(read(
                "Service types",
                super::forms::service_types_url(config),
                Reader::ServiceTypes,
            ));
        }
    }
    for operation in Operation::ALL {
        let (Some(method), Some(address)) =
            (write_method(config.target, operation), url(operation))
        else {
            continue;
        };
        let for_mode = match config.mode {
            // A Unite US widget sends an assistance request; the others create a person.
            Mode::Widget => {
                operation
                    == if config.target == super::config::TargetKind::UniteUs {
                        Operation::SubmitAssistanceRequest
                    } else {
                        Operation::CreatePerson
                    }
            }
            Mode::Staff => operation != Operation::SubmitAssistanceRequest,
        };
        if for_mode {
            probes.push(Probe {
                label: format!("{} from a browser", operation_words(operation)),
                url: address,
                kind: ProbeKind::Preflight(method),
            });
        }
    }
    probes
}

fn operation_words(operation: Operation) -> &'static str {
    match operation {
        Operation::SubmitAssistanceRequest => "Send an assistance request",
        Operation::CreatePerson => "Create a person",
        Operation::UpdatePerson => "Update a person",
        Operation::RespondToForm => "Save a form's answers",
        _ => "Read",
    }
}

/// What a probe found: fine, or a problem a deployer can act on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    Fine(String),
    Problem(String),
}

/// Reads a read probe's answer.
pub fn read_answer(
    config: &TargetConfig,
    reader: Reader,
    status: Option<u16>,
    body: &AnswerBody,
) -> Verdict {
    let status = match status {
        None => {
            return Verdict::Problem(
                "no answer: check base_url, the network and the server's certificate".into(),
            )
        }
        Some(401 | 403) => {
            return Verdict::Problem(format!(
                "HTTP {}: the credential was refused (check the token in the environment)",
                status.unwrap_or_default()
            ))
        }
        Some(404) => {
            return Verdict::Problem(
                "HTTP 404: no such route; set this operation's path in `paths`".into(),
            )
        }
        Some(status) if !(200..300).contains(&status) => {
            return Verdict::Problem(format!("HTTP {status}"))
        }
        Some(status) => status,
    };
    let shaped = match reader {
        Reader::SignIn => {
            if config.paths.contains_key(&Operation::FormsAvailable) {
                parse_forms_available(body).map(|_| ())
            } else {
                parse_search(config, &PersonQuery::default(), body).map(|_| ())
            }
        }
        Reader::Search => {
            let query = PersonQuery {
                first_name: NOBODY.into(),
                last_name: NOBODY.into(),
                date_of_birth: None,
            };
            parse_search(config, &query, body).map(|_| ())
        }
        Reader::FormConfig => read_form_config(body)
            .map(|_| ())
            .map_err(|problem| format!("{problem:?}")),
        Reader::ServiceTypes => parse_service_types(body).map(|_| ()),
    };
    match shaped {
        Ok(()) => Verdict::Fine(format!("HTTP {status}, shaped as the app reads it")),
        Err(reason) => Verdict::Problem(format!(
            "HTTP {status}, but not shaped as the app reads it: {reason}"
        )),
    }
}

/// Reads a preflight's answer for a write with `method` from `origin`:
/// the browser allows the write only if the answer names the origin (or
/// `*`), the method and the headers the app sends.
pub fn read_preflight(
    origin: &str,
    method: HttpMethod,
    status: Option<u16>,
    allow_origin: Option<&str>,
    allow_methods: Option<&str>,
    allow_headers: Option<&str>,
) -> Verdict {
    let Some(status) = status else {
        return Verdict::Problem("no answer to the preflight".into());
    };
    let listed = |list: Option<&str>, wanted: &str| {
        list.is_some_and(|list| {
            list.split(',')
                .map(str::trim)
                .any(|item| item == "*" || item.eq_ignore_ascii_case(wanted))
        })
    };
    let origin_allowed = allow_origin.is_some_and(|allowed| {
        let allowed = allowed.trim();
        allowed == "*" || allowed.eq_ignore_ascii_case(origin)
    });
    if !(200..300).contains(&status) || !origin_allowed {
        return Verdict::Problem(format!(
            "not allowed from {origin} (HTTP {status}{}): browsers there cannot call it; put the organisation's gateway in front, or ask the vendor to allow the origin",
            allow_origin.map_or(String::new(), |allowed| format!(", allows {allowed}"))
        ));
    }
    // Simple methods need not be listed; the others must be.
    let method_allowed = matches!(method, HttpMethod::Get | HttpMethod::Post)
        || listed(allow_methods, method.as_str());
    let missing: Vec<&str> = ["Authorization", "Content-Type"]
        .into_iter()
        .filter(|header| !listed(allow_headers, header))
        .collect();
    if !method_allowed {
        return Verdict::Problem(format!(
            "{origin} is allowed, but not the method {}",
            method.as_str()
        ));
    }
    if !missing.is_empty() {
        return Verdict::Problem(format!(
            "{origin} is allowed, but not the header(s) {}",
            missing.join(", ")
        ));
    }
    Verdict::Fine(format!("allowed from {origin}"))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn config(value: serde_json::Value) -> TargetConfig {
        TargetConfig::from_json(&value).unwrap()
    }

    #[test]
    fn staff_probes_read_then_ask_about_every_write_and_never_send_one() {
        let caspen = config(json!({"target": "caspen", "mode": "staff"}));
        let probes = plan_probes(&caspen);
        let described: Vec<(String, &str)> = probes
            .iter()
            .map(|probe| {
                (
                    probe.url.clone(),
                    match probe.kind {
                        ProbeKind::Read(_) => "GET",
                        ProbeKind::Preflight(method) => method.as_str(),
                    },
                )
            })
            .collect();
        assert_eq!(
            described,
            [
                ("/caspen/v1/clients".to_string(), "GET"),
                ("/caspen/v1/clients?limit=100".to_string(), "GET"),
                ("/caspen/v1/clients".to_string(), "POST"),
                ("/caspen/v1/clients/intake-check".to_string(), "POST"),
            ]
        );
        let unite = config(json!({"target": "unite_us", "mode": "staff", "group_id": "g-1"}));
        let probes = plan_probes(&unite);
        assert!(probes
            .iter()
            .any(|probe| probe.url.contains("q%5Bfirst_name%5D=Zz-intake-check")));
        assert!(probes
            .iter()
            .any(|probe| probe.kind == ProbeKind::Preflight(HttpMethod::Patch)));
    }

    #[test]
    fn a_widget_reads_its_form_and_asks_only_about_its_create() {
        let widget = config(json!({"target": "unite_us", "widget_token": "public-token"}));
        let kinds: Vec<ProbeKind> = plan_probes(&widget)
            .iter()
            .map(|probe| probe.kind)
            .collect();
        assert_eq!(
            kinds,
            [
                ProbeKind::Read(Reader::FormConfig),
                ProbeKind::Preflight(HttpMethod::Post)
            ]
        );
    }

    #[test]
    fn answers_say_what_to_fix() {
        let caspen = config(json!({"target": "caspen", "mode": "staff"}));
        let body = |text: &str| AnswerBody::from_text(text);
        let fine = read_answer(&caspen, Reader::Search, Some(200), &body(r#"{"data": []}"#));
        assert!(matches!(fine, Verdict::Fine(_)), "{fine:?}");
        for (status, text, words) in [
            (None, "", "no answer"),
            (Some(401), "", "credential was refused"),
            (Some(404), "", "`paths`"),
            (Some(200), "<html>", "not shaped"),
            (Some(502), "", "HTTP 502"),
        ] {
            match read_answer(&caspen, Reader::Search, status, &body(text)) {
                Verdict::Problem(message) => assert!(message.contains(words), "{message}"),
                other => panic!("{status:?}: {other:?}"),
            }
        }
    }

    #[test]
    fn a_preflight_must_name_the_origin_method_and_headers() {
        let origin = "https://intake.example.org";
        let headers = Some("Authorization, Content-Type, Idempotency-Key");
        let verdict = |status, allow_origin, methods, headers| {
            read_preflight(
                origin,
                HttpMethod::Patch,
                status,
                allow_origin,
                methods,
                headers,
            )
        };
        assert!(matches!(
            verdict(Some(204), Some(origin), Some("GET, PATCH"), headers),
            Verdict::Fine(_)
        ));
        assert!(matches!(
            verdict(Some(204), Some("*"), Some("*"), Some("*")),
            Verdict::Fine(_)
        ));
        for (status, allow_origin, methods, headers, words) in [
            (Some(403), None, None, None, "not allowed"),
            (
                Some(204),
                Some("https://other.example"),
                Some("PATCH"),
                headers,
                "not allowed",
            ),
            (
                Some(204),
                Some(origin),
                Some("GET, POST"),
                headers,
                "method PATCH",
            ),
            (
                Some(204),
                Some(origin),
                Some("PATCH"),
                Some("Content-Type"),
                "Authorization",
            ),
            (None, None, None, None, "no answer"),
        ] {
            match verdict(status, allow_origin, methods, headers) {
                Verdict::Problem(message) => assert!(message.contains(words), "{message}"),
                other => panic!("{other:?}"),
            }
        }
    }
}
