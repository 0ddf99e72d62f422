//! Liveness and readiness, for load balancers and orchestrators.

use std::sync::atomic::Ordering;

use actix_web::http::StatusCode;
use actix_web::web::Data;
use actix_web::{HttpRequest, HttpResponse, get};
use serde::Serialize;
use utoipa::ToSchema;

use super::{AppState, NotModified};
use crate::http::{ApiError, CachePolicy, json};

/// The state of the service.
#[derive(Debug, Serialize, ToSchema)]
pub struct Health {
    pub status: HealthStatus,
}

/// `ok`; `unavailable` when the database cannot serve; `draining` when the server is
/// shutting down (it still answers, but should get no new requests).
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum HealthStatus {
    Ok,
    Unavailable,
    Draining,
}

/// Liveness: the process answers.
#[utoipa::path(
    tag = "meta",
    responses((status = 200, description = "The process is alive.", body = Health), NotModified)
)]
#[get("/healthz")]
pub async fn healthz(req: HttpRequest) -> Result<HttpResponse, ApiError> {
    json(
        &req,
        &Health {
            status: HealthStatus::Ok,
        },
        CachePolicy::NoStore,
    )
}

/// Readiness: the database answers and holds content, and the server is not shutting down.
#[utoipa::path(
    tag = "meta",
    responses(
        (status = 200, description = "Ready to serve.", body = Health),
        NotModified,
        (status = 503, description = "The database cannot be reached or holds no roadmap yet, or the server is draining before it stops.", body = Health),
    )
)]
#[get("/readyz")]
pub async fn readyz(req: HttpRequest, state: Data<AppState>) -> Result<HttpResponse, ApiError> {
    let (status, code) = if state.draining.load(Ordering::SeqCst) {
        (HealthStatus::Draining, StatusCode::SERVICE_UNAVAILABLE)
    } else if state.store.is_ready().await {
        (HealthStatus::Ok, StatusCode::OK)
    } else {
        (HealthStatus::Unavailable, StatusCode::SERVICE_UNAVAILABLE)
    };
    let mut response = json(&req, &Health { status }, CachePolicy::NoStore)?;
    *response.status_mut() = code;
    Ok(response)
}
