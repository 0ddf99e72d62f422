//! Operational metrics for Prometheus.

use actix_web::http::header;
use actix_web::web::Data;
use actix_web::{HttpResponse, get};

use super::AppState;
use crate::http::ApiError;
use crate::http::cache::ResponseCache;
use crate::http::metrics::{CONTENT_TYPE, Metrics};

/// Prometheus metrics in the text exposition format: `http_requests_total` by route
/// template, method and status; `http_request_duration_seconds` (a histogram by route
/// template); `http_requests_in_flight`; `response_cache_lookups_total` by result;
/// `response_cache_bytes`; and `db_pool_connections` by state. Never cached. Served on the
/// metrics listener (`--metrics-bind`) only, so it is no part of the public API or its spec.
#[get("/metrics")]
pub async fn metrics(
    state: Data<AppState>,
    metrics: Data<Metrics>,
    cache: Data<ResponseCache>,
) -> Result<HttpResponse, ApiError> {
    let text = metrics
        .render(&state.store, cache.weighted_size())
        .map_err(|e| ApiError::Internal(format!("rendering the metrics: {e}")))?;
    Ok(HttpResponse::Ok()
        .content_type(CONTENT_TYPE)
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body(text))
}
