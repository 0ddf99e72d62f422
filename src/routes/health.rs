//! Liveness and readiness, for load balancers and orchestrators.

use actix_web::web::Data;
use actix_web::{HttpRequest, HttpResponse, get};
use serde::Serialize;
use utoipa::ToSchema;

use super::AppState;
use crate::http::{CachePolicy, json};

/// The state of the service.
#[derive(Debug, Serialize, ToSchema)]
pub struct Health {
    /// `ok`, or `unavailable` when a dependency fails.
    #[schema(example = "ok")]
    pub status: &'static str,
}

/// Liveness: the process answers.
#[utoipa::path(
    tag = "meta",
    responses((status = 200, description = "The process is alive.", body = Health))
)]
#[get("/healthz")]
pub async fn healthz(req: HttpRequest) -> HttpResponse {
    json(&req, &Health { status: "ok" }, CachePolicy::NoStore)
}

/// Readiness: the database answers and holds content.
#[utoipa::path(
    tag = "meta",
    responses(
        (status = 200, description = "Ready to serve.", body = Health),
        (status = 503, description = "The database cannot be reached.", body = Health),
    )
)]
#[get("/readyz")]
pub async fn readyz(req: HttpRequest, state: Data<AppState>) -> HttpResponse {
    if state.store.is_reachable().await {
        json(&req, &Health { status: "ok" }, CachePolicy::NoStore)
    } else {
        let mut response = json(
            &req,
            &Health {
                status: "unavailable",
            },
            CachePolicy::NoStore,
        );
        *response.status_mut() = actix_web::http::StatusCode::SERVICE_UNAVAILABLE;
        response
    }
}
