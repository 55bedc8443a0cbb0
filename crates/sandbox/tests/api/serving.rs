use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};

use serde_json::json;

use crate::support::{client, request, write_demo_forms, Sandbox, TempDir, STAFF};

/// The built binary, as `cargo run --bin intake-sandbox` would start it.
struct RunningBinary {
    child: Child,
    base_url: String,
}

impl RunningBinary {
    fn start(data_dir: &Path, extra_args: &[&str]) -> RunningBinary {
        let mut child = Command::new(env!("CARGO_BIN_EXE_intake-sandbox"))
            .args(["--port", "0", "--data"])
            .arg(data_dir)
            .args(extra_args)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("binary starts");
        let stdout = child.stdout.take().expect("stdout");
        let mut line = String::new();
        BufReader::new(stdout)
            .read_line(&mut line)
            .expect("listening line");
        let base_url = line
            .trim_end()
            .strip_prefix("intake-sandbox listening on ")
            .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
            .to_string();
        assert!(base_url.starts_with("http://127.0.0.1:"), "{base_url}");
        assert!(
            !base_url.ends_with(":0"),
            "the real port is printed: {base_url}"
        );
        RunningBinary { child, base_url }
    }
}

impl Drop for RunningBinary {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn the_binary_prints_one_listening_line_and_a_record_survives_a_restart() {
    let dir = TempDir::new("restart");
    let data = dir.path().join("data");
    let agent = client();
    let created_id = {
        let server = RunningBinary::start(&data, &[]);
        let body = json!({"data": {"type": "people", "attributes": {"first_name": "Kept", "last_name": "Across"}}});
        let created = request(
            &agent,
            &format!("{}/casebook/people/people", server.base_url),
            "POST",
            Some(STAFF),
            Some(("application/vnd.api+json", &body.to_string())),
        )
        .expect("create");
        assert_eq!(created.status, 201, "{}", created.text);
        let deleted = request(
            &agent,
            &format!("{}/casebook/people/people/1", server.base_url),
            "DELETE",
            Some(STAFF),
            None,
        )
        .expect("delete");
        assert_eq!(deleted.status, 204);
        created.json()["data"]["id"]
            .as_str()
            .expect("id")
            .to_string()
    };
    assert!(data.join("sandbox.sqlite3").is_file());

    let server = RunningBinary::start(&data, &[]);
    let fetched = request(
        &agent,
        &format!("{}/casebook/people/people/{created_id}", server.base_url),
        "GET",
        Some(STAFF),
        None,
    )
    .expect("fetch");
    assert_eq!(fetched.status, 200);
    assert_eq!(fetched.json()["data"]["attributes"]["first_name"], "Kept");
    let deleted_seed = request(
        &agent,
        &format!("{}/casebook/people/people/1", server.base_url),
        "GET",
        Some(STAFF),
        None,
    )
    .expect("fetch");
    assert_eq!(deleted_seed.status, 404, "a restart does not re-seed");
}

#[test]
fn the_binary_explains_bad_flags() {
    let output = Command::new(env!("CARGO_BIN_EXE_intake-sandbox"))
        .arg("--colour")
        .output()
        .expect("binary runs");
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("unknown argument") && stderr.contains("--caspen-rate-limit"),
        "{stderr}"
    );
    let help = Command::new(env!("CARGO_BIN_EXE_intake-sandbox"))
        .arg("--help")
        .output()
        .expect("binary runs");
    assert!(help.status.success());
    assert!(String::from_utf8_lossy(&help.stdout).contains("--forms DIR"));
}

#[test]
fn without_a_built_app_pages_answer_503_saying_how_to_build_it() {
    let sandbox = Sandbox::start();
    for path in ["/", "/intake/step-2"] {
        let reply = sandbox.get(path, None);
        assert_eq!(reply.status, 503, "{path}");
        assert!(
            reply
                .text
                .contains("run `cargo xtask run` to build the app"),
            "{}",
            reply.text
        );
        assert!(reply
            .header("content-type")
            .is_some_and(|value| value.starts_with("text/html")));
    }
    let forms = sandbox.get("/forms/food-intake.json", None);
    assert_eq!(
        forms.status, 200,
        "demo forms are served without a built app"
    );
}

#[test]
fn the_built_app_is_served_with_single_page_fallback_and_the_demo_forms_beside_it() {
    let sandbox = Sandbox::start();
    let dist = sandbox.dir.path().join("dist");
    std::fs::create_dir_all(dist.join("assets")).expect("dist");
    std::fs::write(dist.join("index.html"), "<html>intake app</html>").expect("index");
    std::fs::write(dist.join("assets/app.js"), "console.log('app')").expect("js");
    std::fs::write(dist.join("app_bg.wasm"), b"\0asm").expect("wasm");

    let index = sandbox.get("/", None);
    assert_eq!(index.status, 200);
    assert_eq!(index.text, "<html>intake app</html>");
    let script = sandbox.get("/assets/app.js", None);
    assert_eq!(script.text, "console.log('app')");
    assert!(script
        .header("content-type")
        .is_some_and(|value| value.starts_with("text/javascript")));
    let wasm = sandbox.get("/app_bg.wasm", None);
    assert_eq!(
        wasm.header("content-type").as_deref(),
        Some("application/wasm")
    );
    for route in ["/intake/step-2", "/staff?form=food-intake", "/widget"] {
        let fallback = sandbox.get(route, None);
        assert_eq!(fallback.status, 200, "{route}");
        assert_eq!(fallback.text, "<html>intake app</html>", "{route}");
    }
    // A missing file is not the app: the app can then say "not found".
    for missing in ["/missing.js", "/config/missing.json"] {
        assert_eq!(sandbox.get(missing, None).status, 404, "{missing}");
    }
    std::fs::create_dir_all(dist.join("widget")).expect("widget dir");
    std::fs::write(dist.join("widget/index.html"), "<html>widget</html>").expect("widget");
    // The release build's headers file, applied per path as static hosts do.
    std::fs::write(
        dist.join("_headers"),
        "/*\n  X-Content-Type-Options: nosniff\n/widget\n  Content-Security-Policy: default-src 'self'; frame-ancestors *\n/staff\n  Content-Security-Policy: default-src 'self'; frame-ancestors 'none'\n",
    )
    .expect("headers");
    let widget = sandbox.get("/widget?config=/config/x.json", None);
    assert_eq!(
        widget.text, "<html>widget</html>",
        "a directory serves its own index.html"
    );
    assert_eq!(
        widget.header("content-security-policy").as_deref(),
        Some("default-src 'self'; frame-ancestors *")
    );
    let staff = sandbox.get("/staff?config=caspen-staff", None);
    assert_eq!(
        staff.header("content-security-policy").as_deref(),
        Some("default-src 'self'; frame-ancestors 'none'")
    );
    assert_eq!(
        script.header("x-content-type-options").as_deref(),
        None,
        "fetched before the headers file existed"
    );
    assert_eq!(
        sandbox
            .get("/assets/app.js", None)
            .header("x-content-type-options")
            .as_deref(),
        Some("nosniff")
    );
    let escape = sandbox.get("/%2e%2e/forms/food-intake.json", None);
    assert_ne!(
        escape.text,
        std::fs::read_to_string(sandbox.dir.path().join("forms/food-intake.json"))
            .unwrap_or_default()
    );

    let listing = sandbox.get("/forms/", None);
    assert_eq!(
        listing.json(),
        json!([
            "broken.json",
            "exit-survey.json",
            "food-intake.json",
            "index.json"
        ])
    );
    let form = sandbox.get("/forms/food-intake.json", None);
    assert_eq!(
        form.header("content-type").as_deref(),
        Some("application/json")
    );
    assert_eq!(form.json()["form"]["id"], "food-intake");
    let api = sandbox.get("/unite_us/v3/nothing", Some(STAFF));
    assert_eq!(api.status, 404, "API paths never fall back to the app");
    assert_eq!(
        sandbox.send("POST", "/intake", None, &json!({})).status,
        405
    );
}

#[test]
fn the_demo_host_page_loads_the_embed_script_from_the_port_it_was_asked_on() {
    let sandbox = Sandbox::start();
    let host_dir = sandbox.dir.path().join("demo-host");
    std::fs::create_dir_all(&host_dir).expect("demo host dir");
    std::fs::write(
        host_dir.join("demo-host.html"),
        "<script src=\"{{APP_ORIGIN}}/embed/intake-embed.js\"></script>",
    )
    .expect("page");
    std::fs::write(host_dir.join("demo-host.css"), "body {}").expect("css");
    let page = sandbox.get("/embed/demo-host.html", None);
    let port = sandbox
        .url("/")
        .split(':')
        .nth(2)
        .unwrap_or_default()
        .trim_end_matches('/')
        .to_string();
    assert_eq!(
        page.text,
        format!("<script src=\"http://127.0.0.1:{port}/embed/intake-embed.js\"></script>")
    );
    assert_eq!(sandbox.get("/embed/demo-host.css", None).text, "body {}");
    assert_eq!(sandbox.get("/embed/demo-host-missing.js", None).status, 404);
}

#[test]
fn demo_form_edits_show_without_a_restart() {
    let sandbox = Sandbox::start();
    let forms = sandbox.dir.path().join("forms");
    std::fs::remove_file(forms.join("exit-survey.json")).expect("remove");
    let listed = sandbox
        .get(
            "/unite_us/v3/groups/demo-group/forms/available_for_use",
            Some(STAFF),
        )
        .json();
    assert_eq!(listed["data"].as_array().map(Vec::len), Some(1));
    write_demo_forms(&forms);
    let listed = sandbox
        .get(
            "/unite_us/v3/groups/demo-group/forms/available_for_use",
            Some(STAFF),
        )
        .json();
    assert_eq!(listed["data"].as_array().map(Vec::len), Some(2));
}
