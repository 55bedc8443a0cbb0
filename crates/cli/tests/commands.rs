//! The `intake` binary as a form author's pipeline runs it.

use std::process::Command;

fn intake(arguments: &[&str]) -> (i32, String, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_intake"))
        .args(arguments)
        .output()
        .unwrap();
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).to_string(),
        String::from_utf8_lossy(&output.stderr).to_string(),
    )
}

fn scratch(name: &str, contents: &str) -> String {
    let dir = std::env::temp_dir().join(format!("intake-cli-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, contents).unwrap();
    path.to_string_lossy().to_string()
}

const FORM: &str = r#"{"form": {"sections": [{"id": "s", "questions": [
  {"id": "q1", "input_type": "radio", "label_text": "Housing?", "is_required": true,
   "input_options": [{"id": "yes", "option_label": "Yes"}, {"id": "no", "option_label": "No"}]},
  {"id": "q2", "input_type": "date", "label_text": "Since when?",
   "conditional_display": {"show_or_hide": "show", "and_conditions": [{"question_id": "q1", "operator": "is", "operator_value": "Yes"}]}},
  {"id": "q3", "input_type": "text", "label_text": "Other", "conditional_display": {"show_or_hide": "show", "and_conditions": [{"question_id": "zz", "operator": "is", "operator_value": "x"}]}}
]}]}}"#;

#[test]
fn lint_prints_one_problem_per_line_and_exits_zero_for_a_usable_form() {
    let (code, stdout, _) = intake(&["lint", &scratch("form.json", FORM)]);
    assert_eq!(code, 0);
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 1, "{stdout}");
    assert!(lines[0].starts_with("warning: form.sections[0].questions[2].conditional_display.and_conditions[0].question_id (question q3)"), "{stdout}");
}

#[test]
fn lint_exits_one_with_a_clear_message_for_an_unusable_form() {
    let (code, stdout, stderr) = intake(&["lint", &scratch("broken.json", "{\"sections\": [")]);
    assert_eq!(code, 1);
    assert!(stdout.is_empty());
    assert!(stderr.contains("not valid JSON"), "{stderr}");
    let (code, _, stderr) = intake(&["lint", &scratch("empty.json", "{\"sections\": []}")]);
    assert_eq!(code, 1);
    assert!(stderr.contains("has no questions"), "{stderr}");
}

#[test]
fn evaluate_prints_visibility_errors_and_form_response() {
    let form = scratch("form2.json", FORM);
    let answers = scratch("answers.json", r#"{"q1": "yes", "q2": "2024-03-05"}"#);
    let (code, stdout, stderr) = intake(&["evaluate", &form, "--answers", &answers]);
    assert_eq!(code, 0, "{stderr}");
    let result: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(
        result,
        serde_json::json!({
            "visible": ["q1", "q2"],
            "hidden": ["q3"],
            "errors": {},
            "form_response": [{"question_id": "q1", "response_value": "yes"}, {"question_id": "q2", "response_value": 1709596800}]
        })
    );
}

#[test]
fn evaluate_without_answers_reports_required_questions() {
    let (code, stdout, _) = intake(&["evaluate", &scratch("form3.json", FORM)]);
    assert_eq!(code, 0);
    let result: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(
        result["errors"],
        serde_json::json!({"q1": [{"kind": "required"}]})
    );
}

#[test]
fn evaluate_refuses_answers_that_do_not_fit_the_form() {
    let form = scratch("form4.json", FORM);
    let answers = scratch("bad-answers.json", r#"{"nope": "x", "q1": ["yes", "no"]}"#);
    let (code, _, stderr) = intake(&["evaluate", &form, "--answers", &answers]);
    assert_eq!(code, 1);
    assert!(stderr.contains("no question with id \"nope\""), "{stderr}");
    assert!(
        stderr.contains("question q1 should be an option id"),
        "{stderr}"
    );
}

#[test]
fn unknown_commands_print_usage_and_exit_two() {
    let (code, _, stderr) = intake(&["frobnicate"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("usage:"));
}

/// A stand-in API on 127.0.0.1 for the deployment check: it answers every GET
/// with an empty list and every preflight as `cors` says, and records each
/// request line, so a test can see that nothing but reads and preflights went.
fn api(cors: Option<&'static str>) -> (String, std::sync::Arc<std::sync::Mutex<Vec<String>>>) {
    use std::io::{BufRead, BufReader, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let address = format!("http://{}", listener.local_addr().unwrap());
    let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let record = seen.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut request_line = String::new();
            reader.read_line(&mut request_line).unwrap();
            let mut authorized = false;
            loop {
                let mut header = String::new();
                reader.read_line(&mut header).unwrap();
                authorized |= header
                    .to_ascii_lowercase()
                    .starts_with("authorization: bearer good");
                if header.trim().is_empty() {
                    break;
                }
            }
            record.lock().unwrap().push(request_line.trim().to_string());
            let answer = if request_line.starts_with("OPTIONS") {
                match cors {
                    Some(origin) => format!("HTTP/1.1 204 No Content\r\nAccess-Control-Allow-Origin: {origin}\r\nAccess-Control-Allow-Methods: GET, POST, PUT, PATCH\r\nAccess-Control-Allow-Headers: Authorization, Content-Type\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"),
                    None => "HTTP/1.1 405 Method Not Allowed\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".to_string(),
                }
            } else if authorized {
                let body = r#"{"data": [], "meta": {"next_cursor": null}}"#;
                format!("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}", body.len())
            } else {
                "HTTP/1.1 401 Unauthorized\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                    .to_string()
            };
            let _ = stream.write_all(answer.as_bytes());
        }
    });
    (address, seen)
}

fn check_config(config: &str, arguments: &[&str], token: Option<&str>) -> (i32, String, String) {
    // Tests run at once: each configuration gets a file of its own.
    static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let number = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let mut command = Command::new(env!("CARGO_BIN_EXE_intake"));
    command
        .arg("check-config")
        .arg(scratch(&format!("config-{number}.json"), config))
        .args(arguments);
    command.env_remove("INTAKE_CHECK_TOKEN");
    if let Some(token) = token {
        command.env("INTAKE_CHECK_TOKEN", token);
    }
    let output = command.output().unwrap();
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).to_string(),
        String::from_utf8_lossy(&output.stderr).to_string(),
    )
}

#[test]
fn check_config_reads_and_asks_preflights_and_never_sends_a_write() {
    let (base, seen) = api(Some("https://intake.example.org"));
    let config = format!(r#"{{"target": "caspen", "mode": "staff", "base_url": "{base}/v1"}}"#);
    let (code, stdout, stderr) = check_config(
        &config,
        &["--origin", "https://intake.example.org"],
        Some("good"),
    );
    assert_eq!(code, 0, "{stdout}{stderr}");
    assert!(
        stdout.contains("ok      Sign-in check: HTTP 200, shaped as the app reads it"),
        "{stdout}"
    );
    assert!(
        stdout.contains(
            "ok      Create a person from a browser: allowed from https://intake.example.org"
        ),
        "{stdout}"
    );
    let methods: Vec<String> = seen
        .lock()
        .unwrap()
        .iter()
        .map(|line| line.split(' ').next().unwrap_or("").to_string())
        .collect();
    assert!(
        methods
            .iter()
            .all(|method| method == "GET" || method == "OPTIONS"),
        "{methods:?}"
    );
    assert_eq!(
        methods.iter().filter(|method| *method == "OPTIONS").count(),
        2
    );
}

#[test]
fn check_config_names_each_problem_and_fails() {
    let (base, _) = api(None);
    let config = format!(r#"{{"target": "caspen", "mode": "staff", "base_url": "{base}/v1"}}"#);
    let (code, stdout, _) = check_config(
        &config,
        &["--origin", "https://intake.example.org"],
        Some("bad"),
    );
    assert_eq!(code, 1, "{stdout}");
    assert!(
        stdout.contains("PROBLEM Sign-in check: HTTP 401: the credential was refused"),
        "{stdout}"
    );
    assert!(stdout.contains("PROBLEM Create a person from a browser: not allowed from https://intake.example.org (HTTP 405)"), "{stdout}");
    let (code, _, stderr) = check_config(&config, &[], None);
    assert_eq!(code, 1);
    assert!(stderr.contains("set INTAKE_CHECK_TOKEN"), "{stderr}");
    let (code, _, stderr) = check_config(
        r#"{"target": "caspen", "mode": "staff", "client_secret": "x"}"#,
        &[],
        Some("good"),
    );
    assert_eq!(code, 1);
    assert!(stderr.contains("the configuration is refused"), "{stderr}");
}
