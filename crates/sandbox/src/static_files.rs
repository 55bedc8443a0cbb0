//! The built app and the demo forms, on the same origin as the APIs.
//!
//! Everything that is not an API route lands here. `/forms/NAME` comes from the forms
//! directory; `/embed/demo-host.*` is the development-only demo host page; any other
//! GET is a file under `dist/`, a directory's `index.html`, a 404 for a missing file
//! name (one with an extension), or `dist/index.html` (single-page fallback for the
//! app's routes), each with the headers the release build wrote in `dist/_headers`,
//! as a static host applies them. Without a built app the answer is a 503 page that
//! says how to build it.

use std::path::{Component, Path, PathBuf};

use axum::body::Body;
use axum::extract::State;
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE};
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;

use crate::error::ApiError;
use crate::target::Target;
use crate::AppState;

pub const FORMS_URL_PREFIX: &str = "/forms/";

pub const NOT_BUILT_PAGE: &str = "<!doctype html>
<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Intake app not built</title></head>
<body><h1>The intake app is not built</h1>
<p>The sandbox APIs are running, but there is no built app to serve.
Please run `cargo xtask run` to build the app, or pass <code>--dist DIR</code>.</p></body></html>
";

/// Fallback handler for every request no route took.
pub async fn serve(
    State(state): State<AppState>,
    method: Method,
    uri: Uri,
    request_headers: HeaderMap,
) -> Response {
    let path = uri.path();
    if let Some(target) = Target::from_path(path) {
        return ApiError::not_found(target, format!("No route for {method} {path}"))
            .into_response();
    }
    if method != Method::GET && method != Method::HEAD {
        return plain(StatusCode::METHOD_NOT_ALLOWED, "Method Not Allowed\n");
    }
    let Some(relative) = safe_relative_path(path) else {
        return plain(StatusCode::BAD_REQUEST, "Bad path\n");
    };
    if let Some(name) = path.strip_prefix(DEMO_HOST_PREFIX) {
        return demo_host_file(&state.config.demo_host_dir, name, &request_headers).await;
    }
    if path == "/forms" || path == FORMS_URL_PREFIX {
        return Json(json!(list_json_files(&state.config.forms_dir).await)).into_response();
    }
    if let Some(form_file) = path.strip_prefix(FORMS_URL_PREFIX) {
        if let Some(form_relative) = safe_relative_path(form_file) {
            if let Some(response) = file_response(&state.config.forms_dir.join(form_relative)).await
            {
                return response;
            }
        }
    }
    let dist = &state.config.dist_dir;
    let index = dist.join("index.html");
    if !tokio::fs::metadata(&index)
        .await
        .is_ok_and(|meta| meta.is_file())
    {
        return not_built();
    }
    let candidate = dist.join(&relative);
    if let Some(response) = file_response(&candidate).await {
        return with_deployment_headers(dist, path, response).await;
    }
    if let Some(response) = file_response(&candidate.join("index.html")).await {
        return with_deployment_headers(dist, path, response).await;
    }
    // A missing file (a name with an extension: a configuration, a script)
    // is a 404, so the app can say "not found" instead of reading the
    // app's own page as JSON; only app routes fall back to the app.
    if path
        .rsplit('/')
        .next()
        .is_some_and(|name| name.contains('.'))
    {
        return plain(StatusCode::NOT_FOUND, "Not Found\n");
    }
    match file_response(&index).await {
        Some(response) => with_deployment_headers(dist, path, response).await,
        None => not_built(),
    }
}

/// Where the demo host page is served (development only).
const DEMO_HOST_PREFIX: &str = "/embed/demo-host";

/// The headers `dist/_headers` gives `path`, as Netlify and Cloudflare
/// Pages apply that file: every rule whose pattern is the path, or ends in
/// `*` and starts it, adds its headers. The release build writes the file
/// from the deployment's configurations (the Content-Security-Policy among
/// them), so what the sandbox serves is what production gets.
pub fn headers_for(headers_file: &str, path: &str) -> Vec<(String, String)> {
    let mut headers = Vec::new();
    let mut matching = false;
    for line in headers_file.lines() {
        if line.trim().is_empty() || line.starts_with('#') {
            continue;
        }
        if line.starts_with(char::is_whitespace) {
            if matching {
                if let Some((name, value)) = line.trim().split_once(':') {
                    headers.push((name.trim().to_string(), value.trim().to_string()));
                }
            }
        } else {
            let pattern = line.trim();
            matching = match pattern.strip_suffix('*') {
                Some(prefix) => path.starts_with(prefix),
                None => path == pattern,
            };
        }
    }
    headers
}

/// Adds the headers of `dist/_headers` for the request's path.
async fn with_deployment_headers(dist: &Path, path: &str, mut response: Response) -> Response {
    let Ok(file) = tokio::fs::read_to_string(dist.join("_headers")).await else {
        return response;
    };
    for (name, value) in headers_for(&file, path) {
        if let (Ok(name), Ok(value)) = (
            HeaderName::from_bytes(name.as_bytes()),
            HeaderValue::from_str(&value),
        ) {
            response.headers_mut().append(name, value);
        }
    }
    response
}

/// The demo host page and its files. The page loads the embed script from
/// the app's own address: the sandbox on 127.0.0.1 and the port this
/// request came to, while the page itself is opened on `localhost`, so the
/// two are different origins as on a real organisation's site.
async fn demo_host_file(dir: &Path, rest: &str, request_headers: &HeaderMap) -> Response {
    let name = format!("demo-host{rest}");
    if name.contains('/') || name.contains("..") {
        return plain(StatusCode::NOT_FOUND, "Not Found\n");
    }
    let Some(response) = file_response(&dir.join(&name)).await else {
        return plain(StatusCode::NOT_FOUND, "Not Found\n");
    };
    if !name.ends_with(".html") {
        return response;
    }
    let port = request_headers
        .get(axum::http::header::HOST)
        .and_then(|host| host.to_str().ok())
        .and_then(|host| host.rsplit_once(':'))
        .and_then(|(_, port)| port.parse::<u16>().ok())
        .unwrap_or(80);
    let (parts, body) = response.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, usize::MAX).await else {
        return plain(
            StatusCode::INTERNAL_SERVER_ERROR,
            "Could not read the page\n",
        );
    };
    let page = String::from_utf8_lossy(&bytes)
        .replace("{{APP_ORIGIN}}", &format!("http://127.0.0.1:{port}"));
    Response::from_parts(parts, Body::from(page))
}

/// The answer when there is no `dist/index.html`: a plain page saying how to build the app.
fn not_built() -> Response {
    let mut response = (StatusCode::SERVICE_UNAVAILABLE, NOT_BUILT_PAGE).into_response();
    response.headers_mut().insert(
        CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    response
}

fn plain(status: StatusCode, text: &'static str) -> Response {
    (status, text).into_response()
}

/// The file's contents with its content type, or `None` when it is not a readable file.
async fn file_response(path: &Path) -> Option<Response> {
    let metadata = tokio::fs::metadata(path).await.ok()?;
    if !metadata.is_file() {
        return None;
    }
    let bytes = tokio::fs::read(path).await.ok()?;
    let mut response = Response::new(Body::from(bytes));
    let headers = response.headers_mut();
    headers.insert(
        CONTENT_TYPE,
        HeaderValue::from_static(content_type_of(path)),
    );
    // A development server: always revalidate, so a rebuilt app is picked up on reload.
    headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    Some(response)
}

/// The `*.json` file names in a directory, sorted; empty when the directory is missing.
pub async fn list_json_files(dir: &Path) -> Vec<String> {
    let mut names = Vec::new();
    let Ok(mut entries) = tokio::fs::read_dir(dir).await else {
        return names;
    };
    while let Ok(Some(entry)) = entries.next_entry().await {
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.ends_with(".json") {
            names.push(name);
        }
    }
    names.sort();
    names
}

/// Percent-decodes a URL path and keeps it only if it stays inside its root (no `..`, no absolute parts).
pub fn safe_relative_path(url_path: &str) -> Option<PathBuf> {
    let decoded = percent_decode(url_path)?;
    if decoded.contains('\\') || decoded.contains('\0') {
        return None;
    }
    let mut relative = PathBuf::new();
    for component in Path::new(decoded.trim_start_matches('/')).components() {
        match component {
            Component::Normal(part) => relative.push(part),
            Component::CurDir => {}
            Component::ParentDir | Component::RootDir | Component::Prefix(_) => return None,
        }
    }
    Some(relative)
}

fn percent_decode(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut decoded = Vec::with_capacity(bytes.len());
    let mut index = 0;
    while index < bytes.len() {
        if bytes[index] == b'%' {
            let hex = text.get(index + 1..index + 3)?;
            decoded.push(u8::from_str_radix(hex, 16).ok()?);
            index += 3;
        } else {
            decoded.push(bytes[index]);
            index += 1;
        }
    }
    String::from_utf8(decoded).ok()
}

pub fn content_type_of(path: &Path) -> &'static str {
    let extension = path
        .extension()
        .and_then(|extension| extension.to_str())
        .map(str::to_ascii_lowercase);
    match extension.as_deref() {
        Some("html" | "htm") => "text/html; charset=utf-8",
        Some("js" | "mjs") => "text/javascript; charset=utf-8",
        Some("wasm") => "application/wasm",
        Some("css") => "text/css; charset=utf-8",
        Some("json" | "map") => "application/json",
        Some("svg") => "image/svg+xml",
        Some("png") => "image/png",
        Some("jpg" | "jpeg") => "image/jpeg",
        Some("gif") => "image/gif",
        Some("webp") => "image/webp",
        Some("ico") => "image/x-icon",
        Some("woff2") => "font/woff2",
        Some("woff") => "font/woff",
        Some("txt") => "text/plain; charset=utf-8",
        Some("webmanifest") => "application/manifest+json",
        _ => "application/octet-stream",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_that_climb_out_of_the_root_are_refused() {
        assert_eq!(
            safe_relative_path("/assets/app.js"),
            Some(PathBuf::from("assets/app.js"))
        );
        assert_eq!(
            safe_relative_path("/a%20b.js"),
            Some(PathBuf::from("a b.js"))
        );
        assert_eq!(safe_relative_path("/../secret"), None);
        assert_eq!(safe_relative_path("/%2e%2e/secret"), None);
        assert_eq!(safe_relative_path("/a%5C..%5Cb"), None);
        assert_eq!(safe_relative_path("/bad%zz"), None);
    }

    #[test]
    fn headers_apply_as_static_hosts_apply_the_headers_file() {
        let file = "# comment\n/*\n  X-Content-Type-Options: nosniff\n/widget\n  Content-Security-Policy: a; frame-ancestors *\n/staff\n  Content-Security-Policy: b\n";
        assert_eq!(
            headers_for(file, "/widget"),
            vec![
                ("X-Content-Type-Options".to_string(), "nosniff".to_string()),
                (
                    "Content-Security-Policy".to_string(),
                    "a; frame-ancestors *".to_string()
                ),
            ]
        );
        assert_eq!(headers_for(file, "/staff").len(), 2);
        assert_eq!(headers_for(file, "/staffroom").len(), 1);
    }

    #[test]
    fn wasm_and_javascript_get_the_types_browsers_insist_on() {
        assert_eq!(
            content_type_of(Path::new("app_bg.wasm")),
            "application/wasm"
        );
        assert!(content_type_of(Path::new("app.js")).starts_with("text/javascript"));
    }
}
