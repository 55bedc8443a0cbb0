//! Test controls under `/__admin`: stored records, reset to the seed, and faults.
//! These routes need no token and are never faulted, so a test can always recover.

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{json, Value};

use crate::body::{query_pairs, query_value};
use crate::faults::FaultRequest;
use crate::store::StoreError;
use crate::target::Target;
use crate::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/__admin/records/{target}", get(list_records))
        .route("/__admin/reset", post(reset))
        .route(
            "/__admin/faults",
            get(list_faults).post(add_fault).delete(clear_faults),
        )
        .route("/__admin/{*rest}", axum::routing::any(unknown_admin_route))
}

/// Admin errors are plain `{"message": ...}`.
fn admin_error(status: StatusCode, message: impl Into<String>) -> Response {
    (status, Json(json!({ "message": message.into() }))).into_response()
}

fn store_failure(error: StoreError) -> Response {
    eprintln!("intake-sandbox: admin store error: {error}");
    admin_error(
        StatusCode::INTERNAL_SERVER_ERROR,
        format!("Internal server error: {error}"),
    )
}

/// `GET /__admin/records/{target}[?kind=...]`: every stored record, soft-deleted ones flagged.
async fn list_records(
    State(state): State<AppState>,
    Path(target_name): Path<String>,
    RawQuery(raw_query): RawQuery,
) -> Response {
    let Some(target) = Target::from_name(&target_name) else {
        let known: Vec<&str> = Target::ALL.iter().map(|target| target.name()).collect();
        return admin_error(
            StatusCode::NOT_FOUND,
            format!(
                "Unknown target {target_name:?}; known targets: {}",
                known.join(", ")
            ),
        );
    };
    let pairs = query_pairs(raw_query.as_deref()).unwrap_or_default();
    let wanted_kind = query_value(&pairs, "kind").map(str::to_string);
    let records = match state.store.read(|records| records.list_everything(target)) {
        Ok(records) => records,
        Err(error) => return store_failure(error),
    };
    let records: Vec<Value> = records
        .into_iter()
        .filter(|record| {
            wanted_kind
                .as_deref()
                .is_none_or(|kind| kind == record.kind)
        })
        .map(|record| {
            json!({
                "kind": record.kind,
                "id": record.id,
                "deleted": record.deleted,
                "created_at": record.created_at,
                "updated_at": record.updated_at,
                "body": record.body,
            })
        })
        .collect();
    Json(json!({ "target": target.name(), "records": records })).into_response()
}

/// `POST /__admin/reset`: the seed comes back, and faults and rate-limit counters are forgotten.
async fn reset(State(state): State<AppState>) -> Response {
    if let Err(error) = state.store.reset() {
        return store_failure(error);
    }
    state.faults.clear();
    state.caspen_rate_limiter.reset();
    Json(json!({ "reset": true })).into_response()
}

async fn list_faults(State(state): State<AppState>) -> Response {
    Json(json!({ "faults": state.faults.list() })).into_response()
}

/// `POST /__admin/faults` with `{"route": "POST /caspen/v1/clients", "fault": "503", "count": 2, ...}`.
async fn add_fault(State(state): State<AppState>, body: Bytes) -> Response {
    let request: FaultRequest = match serde_json::from_slice(&body) {
        Ok(request) => request,
        Err(error) => {
            return admin_error(
                StatusCode::BAD_REQUEST,
                format!(
                    "Invalid fault: {error}. Expected {{\"route\": \"<METHOD> <path prefix>\", \"fault\": \"latency\"|\"500\"|\"503\"|\"429\"|\"401\"|\"drop\"|\"malformed_json\", \"count\": N, \"latency_ms\": N, \"retry_after\": N}}"
                ),
            )
        }
    };
    match state.faults.add(request) {
        Ok(fault) => (
            StatusCode::CREATED,
            Json(json!({ "fault": fault, "faults": state.faults.list() })),
        )
            .into_response(),
        Err(message) => admin_error(StatusCode::BAD_REQUEST, format!("Invalid fault: {message}")),
    }
}

async fn clear_faults(State(state): State<AppState>) -> Response {
    state.faults.clear();
    StatusCode::NO_CONTENT.into_response()
}

async fn unknown_admin_route() -> Response {
    admin_error(
        StatusCode::NOT_FOUND,
        "Unknown admin route; see GET /__admin/records/{target}, POST /__admin/reset, GET|POST|DELETE /__admin/faults",
    )
}
