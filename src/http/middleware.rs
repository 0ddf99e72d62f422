//! The layers around every route, outermost first. Every request goes through all of them, in
//! this order, whatever answers it:
//!
//! 1. [`request_context`]: the request id, the limits on the request head, the access log and
//!    metrics, errors rendered as problems, and the request id and security headers on every
//!    response, the refusals of the layers below included;
//! 2. [`rate_limit`]: the per-client limits;
//! 3. [`timeout`]: the request timeout;
//! 4. [`cors`]: CORS for a read-only public API;
//! 5. the response cache ([`super::cache::response_cache`]);
//! 6. [`docs_cache_control`]: caching for the interactive docs' assets;
//! 7. [`head_as_get`]: HEAD for every GET.
//!
//! actix-web has no request-id or timeout middleware of its own; `tracing-actix-web` was
//! weighed for the id and the access line, and not taken: it keeps the client's id out and
//! writes no line of its own, so the few lines here would stay. `actix-cors` was weighed for
//! [`cors`]: it adds CORS headers only to requests that carry `Origin`, so a shared cache could
//! hand a browser a copy without them, and it refuses a preflight with a body of its own.

use std::time::{Duration, Instant};

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderValue};
use actix_web::http::{Method, StatusCode};
use actix_web::middleware::Next;
use actix_web::web::Data;
use actix_web::{Error, HttpResponse};

use super::ApiError;
use super::headers::{EXPOSED_HEADERS, REQUEST_ID, request_id, secure};
use super::metrics::Metrics;
use super::problem::{render_detached, render_error};
use super::rate_limit;
use super::spec_paths::SpecPaths;
use crate::telemetry::{self, Access};

/// The longest method name read, in bytes; longer gets a 501 (no method of HTTP or WebDAV
/// comes near it).
const MAX_METHOD_BYTES: usize = 24;
/// The longest request target (path and query) read, in bytes; longer gets a 414.
const MAX_URI_BYTES: usize = 8 * 1024;
/// The most header bytes (names and values) read; more gets a 431. (Past 128 KiB or 96
/// headers the HTTP layer itself answers 431, without a body.)
const MAX_HEADER_BYTES: usize = 16 * 1024;

/// How long a request may run before it is answered 503 (`--request-timeout`).
#[derive(Debug, Clone, Copy)]
pub struct RequestTimeout(pub Duration);

/// Gives every request an id (the client's `X-Request-Id` when it is a sane token, else a new
/// UUID), refuses an over-long method, target or header block before any work, renders errors as
/// problems, logs the outcome, records the metrics, and sets `X-Request-Id` and the security
/// headers on every response.
pub async fn request_context(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    let started = Instant::now();
    let id = request_id(req.request());
    let metrics = req.app_data::<Data<Metrics>>().cloned();
    let _in_flight = metrics.as_ref().map(|metrics| metrics.start());
    let method = method_label(req.method());
    let spec_route = req
        .app_data::<Data<SpecPaths>>()
        .and_then(|paths| paths.find(req.path()))
        .map(|route| route.template.clone());
    let outcome = match oversized(&req) {
        Some(refusal) => Ok(req.error_response(refusal)),
        None => {
            // Only a layer that lost the request (the timeout) fails without a response.
            let target = req.uri().clone();
            next.call(req)
                .await
                .map(ServiceResponse::map_into_boxed_body)
                .map_err(|error| (error, target))
        }
    };
    let log = |route: &str, status: StatusCode| {
        let elapsed = started.elapsed();
        telemetry::access(&Access {
            method,
            route,
            status: status.as_u16(),
            latency: elapsed,
            request_id: id.to_str().unwrap_or_default(),
        });
        if let Some(metrics) = &metrics {
            metrics.record(route, method, status, elapsed);
        }
    };
    match outcome {
        Ok(res) => {
            let mut res = render_error(res, id.to_str().unwrap_or_default());
            // Paths outside the spec (the docs' assets) are named by actix-web's router.
            let route = spec_route.or_else(|| res.request().match_pattern().map(Into::into));
            log(route.as_deref().unwrap_or("(unmatched)"), res.status());
            let headers = res.headers_mut();
            headers.insert(REQUEST_ID, id.clone());
            secure(headers);
            Ok(res)
        }
        Err((error, target)) => {
            let mut response = render_detached(&error, &target);
            log("(no route: the request was abandoned)", response.status());
            let headers = response.headers_mut();
            headers.insert(REQUEST_ID, id.clone());
            secure(headers);
            Err(actix_web::error::InternalError::from_response(error.to_string(), response).into())
        }
    }
}

/// The method as logs and metrics name it: one of a fixed set, so that no client can make up
/// new names (and new series) without bound.
fn method_label(method: &Method) -> &'static str {
    match *method {
        Method::GET => "GET",
        Method::HEAD => "HEAD",
        Method::PUT => "PUT",
        Method::DELETE => "DELETE",
        Method::PATCH => "PATCH",
        Method::POST => "POST",
        Method::OPTIONS => "OPTIONS",
        _ => "other",
    }
}

/// A request whose method, target or headers are over the limits.
fn oversized(req: &ServiceRequest) -> Option<ApiError> {
    if req.method().as_str().len() > MAX_METHOD_BYTES {
        return Some(ApiError::MethodTooLong(MAX_METHOD_BYTES));
    }
    let target = req.uri().path_and_query().map_or(0, |pq| pq.as_str().len());
    if target > MAX_URI_BYTES {
        return Some(ApiError::UriTooLong(MAX_URI_BYTES));
    }
    let header_bytes: usize = req
        .headers()
        .iter()
        .map(|(name, value)| name.as_str().len() + value.len())
        .sum();
    (header_bytes > MAX_HEADER_BYTES).then_some(ApiError::HeadersTooLarge(MAX_HEADER_BYTES))
}

/// Admits the request under the client's rate limit ([`rate_limit::admit`]), announcing the
/// allowance on the response, or refuses it with a 429.
pub async fn rate_limit(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    match rate_limit::admit(&req) {
        Err(refusal) => Ok(req.error_response(refusal)),
        Ok(allowance) => {
            let mut res = next.call(req).await?.map_into_boxed_body();
            if let Some(allowance) = allowance {
                allowance.announce(res.headers_mut());
            }
            Ok(res)
        }
    }
}

/// Answers 503 when the layers below take longer than the request timeout. Their future is
/// dropped, so an open transaction rolls back; the request is gone with it, so the 503 goes up
/// as an error, which [`request_context`] renders.
pub async fn timeout(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    let limit = req
        .app_data::<Data<RequestTimeout>>()
        .map_or(DEFAULT_TIMEOUT, |timeout| timeout.0);
    // The request goes down with the future; no clone of it may stay here, since the layers
    // below need it to themselves (`head_as_get` and the cache change its head).
    match tokio::time::timeout(limit, next.call(req)).await {
        Ok(res) => Ok(res?.map_into_boxed_body()),
        Err(_elapsed) => Err(ApiError::TimedOut(limit.as_secs()).into()),
    }
}

/// Used when no timeout is registered (never, in the real app).
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

/// CORS for a public API: every GET and HEAD from any origin, with the headers a client needs
/// readable; and, from any origin, the public `POST`s (the story submission: every `POST` of
/// this API is public, and no route takes credentials from a browser). A preflight for any
/// other method is refused, so no browser can be made to send an admin write. The headers go
/// on every read, `Origin` or not, so that a copy a shared cache keeps serves browsers too.
pub async fn cors(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    let takes_post = || {
        req.app_data::<Data<SpecPaths>>()
            .and_then(|paths| paths.allowed(req.path()))
            .is_some_and(|allow| allow.split(", ").any(|method| method == "POST"))
    };
    if req.method() == Method::OPTIONS
        && let Some(requested) = req.headers().get(header::ACCESS_CONTROL_REQUEST_METHOD)
    {
        let public_post = requested == "POST" && takes_post();
        if requested != "GET" && requested != "HEAD" && !public_post {
            return Ok(req.error_response(ApiError::PreflightRefused));
        }
        let methods = if takes_post() {
            "GET, HEAD, POST"
        } else {
            "GET, HEAD"
        };
        let mut preflight = HttpResponse::NoContent();
        preflight
            .insert_header((header::ACCESS_CONTROL_ALLOW_ORIGIN, "*"))
            .insert_header((header::ACCESS_CONTROL_ALLOW_METHODS, methods))
            .insert_header((header::ACCESS_CONTROL_MAX_AGE, "86400"));
        if let Some(headers) = req.headers().get(header::ACCESS_CONTROL_REQUEST_HEADERS) {
            preflight.insert_header((header::ACCESS_CONTROL_ALLOW_HEADERS, headers.clone()));
        }
        return Ok(req.into_response(preflight.finish()));
    }
    let readable = match *req.method() {
        Method::GET | Method::HEAD => true,
        Method::POST => takes_post(),
        _ => false,
    };
    let mut res = next.call(req).await?.map_into_boxed_body();
    if readable {
        let headers = res.headers_mut();
        headers.insert(
            header::ACCESS_CONTROL_ALLOW_ORIGIN,
            HeaderValue::from_static("*"),
        );
        headers.insert(
            header::ACCESS_CONTROL_EXPOSE_HEADERS,
            HeaderValue::from_static(EXPOSED_HEADERS),
        );
    }
    Ok(res)
}

/// The interactive docs' assets (served by utoipa-swagger-ui from memory) change only with a
/// new release; with this `Cache-Control` the response cache keeps them, with validators and
/// compression, like the API's own responses.
pub async fn docs_cache_control(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    let is_docs = req.path().starts_with("/docs/");
    let mut res = next.call(req).await?.map_into_boxed_body();
    if is_docs && res.status() == StatusCode::OK {
        res.headers_mut().insert(
            header::CACHE_CONTROL,
            HeaderValue::from_static("public, max-age=3600"),
        );
    }
    Ok(res)
}

/// Routes a HEAD request as the GET it mirrors. actix-http remembers the request was HEAD
/// and sends the headers (with the GET's length and validators) without the body.
pub async fn head_as_get(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    if req.method() == Method::HEAD {
        req.head_mut().method = Method::GET;
    }
    next.call(req).await
}
