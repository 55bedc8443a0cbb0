//! A sandbox per test, on its own port and data directory, and a small blocking client for it.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use intake_sandbox::{BackgroundServer, Config};
use serde_json::{json, Value};

pub const STAFF: &str = "demo-staff-token";
pub const WIDGET: &str = "demo-widget-token";

/// A directory under the system temp dir that is removed when dropped.
pub struct TempDir {
    path: PathBuf,
}

impl TempDir {
    pub fn new(label: &str) -> TempDir {
        static COUNTER: AtomicUsize = AtomicUsize::new(0);
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|elapsed| elapsed.subsec_nanos())
            .unwrap_or(0);
        let path = std::env::temp_dir().join(format!(
            "intake-sandbox-test-{label}-{}-{}-{nanos}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::SeqCst)
        ));
        std::fs::create_dir_all(&path).expect("create temp dir");
        TempDir { path }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.path);
    }
}

/// The demo forms every test sandbox serves: an intake form with nested sections,
/// an exit form with flat questions and numeric ids, and two files that are not forms.
pub fn write_demo_forms(dir: &Path) {
    std::fs::create_dir_all(dir).expect("create forms dir");
    let food = json!({"form": {
        "id": "food-intake",
        "name": "Food assistance intake",
        "use_type": "intake",
        "service_type_ids": ["st-food-assistance"],
        "sections": [{
            "id": "about", "name": "About your household", "display_order": 1, "section_type": "form_group",
            "questions": [
                {"id": "household_size", "label_text": "How many people live with you?", "input_type": "number", "display_order": 1},
                {"id": "needs", "label_text": "What do you need?", "input_type": "checkbox", "display_order": 2,
                 "input_options": [{"id": "groceries", "option_label": "Groceries"}, {"id": "meals", "option_label": "Meals"}]}
            ]
        }]
    }});
    let exit = json!({
        "id": "exit-survey",
        "name": "Exit survey",
        "use_type": "exit",
        "questions": [{"id": 101, "label_text": "Were your needs met?", "input_type": "radio"}]
    });
    std::fs::write(dir.join("food-intake.json"), food.to_string()).expect("write form");
    std::fs::write(dir.join("exit-survey.json"), exit.to_string()).expect("write form");
    std::fs::write(dir.join("index.json"), r#"["food-intake.json"]"#).expect("write list");
    std::fs::write(dir.join("broken.json"), "{not json").expect("write broken");
}

/// The answer to one request, read whole.
pub struct Reply {
    pub status: u16,
    pub headers: ureq::http::HeaderMap,
    pub text: String,
}

impl Reply {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.text)
            .unwrap_or_else(|error| panic!("answer is not JSON ({error}): {}", self.text))
    }

    pub fn header(&self, name: &str) -> Option<String> {
        self.headers
            .get(name)
            .and_then(|value| value.to_str().ok())
            .map(str::to_string)
    }
}

/// One running sandbox with its own data and forms directories.
pub struct Sandbox {
    pub server: BackgroundServer,
    agent: ureq::Agent,
    pub dir: TempDir,
}

impl Sandbox {
    pub fn start() -> Sandbox {
        Sandbox::start_with(|_| {})
    }

    /// Starts with the demo forms and no built app; `adjust` may change the configuration.
    pub fn start_with(adjust: impl FnOnce(&mut Config)) -> Sandbox {
        let dir = TempDir::new("api");
        write_demo_forms(&dir.path().join("forms"));
        let mut config = Config {
            port: 0,
            data_dir: dir.path().join("data"),
            dist_dir: dir.path().join("dist"),
            forms_dir: dir.path().join("forms"),
            demo_host_dir: dir.path().join("demo-host"),
            caspen_rate_limit: 1000,
            honour_idempotency_keys: Vec::new(),
            gateway: None,
            charity_public_key: std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("../../dev/gateway/charity-crm-demo.pub.pem"),
        };
        adjust(&mut config);
        let server = BackgroundServer::start(config).expect("sandbox starts");
        Sandbox {
            server,
            agent: client(),
            dir,
        }
    }

    /// The URL of a path on this sandbox; brackets (`filter[last_name]`) are percent-encoded as browsers do.
    pub fn url(&self, path: &str) -> String {
        let encoded = path.replace('[', "%5B").replace(']', "%5D");
        format!("{}{encoded}", self.server.base_url())
    }

    pub fn get(&self, path: &str, token: Option<&str>) -> Reply {
        self.try_request("GET", path, token, None)
            .expect("request completes")
    }

    pub fn delete(&self, path: &str, token: Option<&str>) -> Reply {
        self.try_request("DELETE", path, token, None)
            .expect("request completes")
    }

    /// Sends a JSON body with `Content-Type: application/json`.
    pub fn send(&self, method: &str, path: &str, token: Option<&str>, body: &Value) -> Reply {
        self.try_request(
            method,
            path,
            token,
            Some(("application/json", &body.to_string())),
        )
        .expect("request completes")
    }

    /// Sends a raw body with the given content type.
    pub fn send_raw(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        content_type: &str,
        body: &str,
    ) -> Reply {
        self.try_request(method, path, token, Some((content_type, body)))
            .expect("request completes")
    }

    /// Like the others, but a connection that closes without an answer is an `Err`.
    pub fn try_request(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: Option<(&str, &str)>,
    ) -> Result<Reply, ureq::Error> {
        request(&self.agent, &self.url(path), method, token, body)
    }

    /// Sends a JSON body with extra headers (such as `Idempotency-Key`); a connection that
    /// closes without an answer is an `Err`.
    pub fn try_send_with_headers(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: &Value,
        headers: &[(&str, &str)],
    ) -> Result<Reply, ureq::Error> {
        request_with_headers(
            &self.agent,
            &self.url(path),
            method,
            token,
            Some(("application/json", &body.to_string())),
            headers,
        )
    }

    /// Any request with extra headers (such as `Origin`), with or without a body; a
    /// connection that closes without an answer is an `Err`.
    pub fn try_request_with_headers(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: Option<(&str, &str)>,
        headers: &[(&str, &str)],
    ) -> Result<Reply, ureq::Error> {
        request_with_headers(&self.agent, &self.url(path), method, token, body, headers)
    }

    /// `GET /__admin/records/{target}`'s records.
    pub fn records(&self, target: &str) -> Vec<Value> {
        let reply = self.get(&format!("/__admin/records/{target}"), None);
        assert_eq!(reply.status, 200, "{}", reply.text);
        reply.json()["records"]
            .as_array()
            .cloned()
            .unwrap_or_default()
    }

    pub fn add_fault(&self, fault: Value) {
        let reply = self.send("POST", "/__admin/faults", None, &fault);
        assert_eq!(reply.status, 201, "{}", reply.text);
    }
}

pub fn client() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(std::time::Duration::from_secs(20)))
        .build()
        .into()
}

pub fn request(
    agent: &ureq::Agent,
    url: &str,
    method: &str,
    token: Option<&str>,
    body: Option<(&str, &str)>,
) -> Result<Reply, ureq::Error> {
    request_with_headers(agent, url, method, token, body, &[])
}

/// Like [`request`], with extra request headers.
pub fn request_with_headers(
    agent: &ureq::Agent,
    url: &str,
    method: &str,
    token: Option<&str>,
    body: Option<(&str, &str)>,
    headers: &[(&str, &str)],
) -> Result<Reply, ureq::Error> {
    let authorization = token.map(|token| format!("Bearer {token}"));
    let response = match (method, body) {
        ("GET" | "DELETE" | "OPTIONS" | "HEAD", None) => {
            let mut builder = match method {
                "GET" => agent.get(url),
                "DELETE" => agent.delete(url),
                "HEAD" => agent.head(url),
                _ => agent.options(url),
            };
            if let Some(authorization) = &authorization {
                builder = builder.header("Authorization", authorization);
            }
            for (name, value) in headers {
                builder = builder.header(*name, *value);
            }
            builder.call()?
        }
        (_, body) => {
            let mut builder = match method {
                "POST" => agent.post(url),
                "PUT" => agent.put(url),
                "PATCH" => agent.patch(url),
                other => panic!("no body-carrying {other} in the test client"),
            };
            if let Some(authorization) = &authorization {
                builder = builder.header("Authorization", authorization);
            }
            for (name, value) in headers {
                builder = builder.header(*name, *value);
            }
            match body {
                Some((content_type, text)) => {
                    builder.header("Content-Type", content_type).send(text)?
                }
                None => builder.send_empty()?,
            }
        }
    };
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let text = response.into_body().read_to_string()?;
    Ok(Reply {
        status,
        headers,
        text,
    })
}

/// The field keys of a Rails or Laravel `errors` object.
pub fn error_keys(body: &Value) -> Vec<String> {
    let mut keys: Vec<String> = body["errors"]
        .as_object()
        .map(|errors| errors.keys().cloned().collect())
        .unwrap_or_default();
    keys.sort();
    keys
}

/// The `source.pointer`s of a JSON:API error document.
pub fn pointers(body: &Value) -> Vec<String> {
    let mut found: Vec<String> = body["errors"]
        .as_array()
        .map(|errors| {
            errors
                .iter()
                .filter_map(|error| error["source"]["pointer"].as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default();
    found.sort();
    found
}
