//! Middleware around every route, outermost first: [`request_context`] (request id, tracing
//! span, rate limit, errors rendered as problems, and a cached answer when one is ready), the
//! response cache, [`cors`] (public GET for every origin, never a write), [`docs_validators`],
//! [`head_as_get`] (HEAD for every GET).

use std::sync::Arc;
use std::time::{Duration, Instant};

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderMap, HeaderName, HeaderValue};
use actix_web::http::{Method, StatusCode};
use actix_web::middleware::Next;
use actix_web::web::Data;
use actix_web::{Error, HttpMessage, HttpRequest, HttpResponse, ResponseError};
use tracing::Instrument;

use super::cache;
use super::metrics::Metrics;
use super::rate_limit;
use super::representation::{CachePolicy, bytes};
use super::{ApiError, Problem};
use crate::telemetry::{self, Access};

pub const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// Headers a browser script may read on a cross-origin response.
const EXPOSED_HEADERS: &str = "ETag, Link, Location, X-Request-Id";

/// The longest request target (path and query) read, in bytes; longer gets a 414.
const MAX_URI_BYTES: usize = 8 * 1024;
/// The most header bytes (names and values) read; more gets a 431. (Past 128 KiB or 96
/// headers the HTTP layer itself answers 431, without a body.)
const MAX_HEADER_BYTES: usize = 16 * 1024;

/// What `request_context` needs to know of the server.
#[derive(Debug, Clone, Copy)]
pub struct RequestPolicy {
    /// How long a request may run before it is answered 503.
    pub timeout: Duration,
}

/// Gives every request an id (the client's `X-Request-Id` when it is a sane token, else a new
/// UUID), admits it under the rate limit, renders its errors as problems, logs its outcome,
/// records its metrics, and sets the security headers every response carries. Over-long URLs
/// and headers are refused here, before routing. An admitted request whose answer the cache
/// has ready ([`cache::answer_now`]: most reads, under steady traffic) is answered here at
/// once, since nothing in the layers below could change that answer; any other runs through
/// them, inside a tracing span, under the request timeout.
pub async fn request_context(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    let request_id = request_id(&req);
    let id = request_id.to_str().unwrap_or_default();
    let started = Instant::now();
    let metrics = req
        .app_data::<Data<Metrics>>()
        .map(|data| data.clone().into_inner());
    let _in_flight = metrics.as_deref().map(Metrics::start);
    let timeout = req
        .app_data::<Data<RequestPolicy>>()
        .map_or(DEFAULT_TIMEOUT, |policy| policy.timeout);
    let method = req.method().clone();
    let target = req.uri().clone();
    let admission = oversized(&req).map_or_else(|| rate_limit::admit(&req), Err);
    // The route template, when a cached answer names it.
    let mut known_route = None;
    let outcome = match admission {
        Err(refusal) => {
            let response = refusal.render(&instance_of(req.request()));
            Ok(Ok(req.into_response(response)))
        }
        Ok(allowance) => {
            let answer = match cache::answer_now(&req, started) {
                Some(Ok(hit)) => {
                    known_route = Some(hit.route);
                    Ok(Ok(req.into_response(hit.response)))
                }
                Some(Err(error)) => Ok(Ok(req.error_response(error))),
                None => {
                    // The access log writes one line per request (below). A span would cost
                    // more than the line, so it exists only at debug level, for following a
                    // request through the debug logs.
                    let span = tracing::debug_span!("request", request_id = %id);
                    let handled = async {
                        next.call(req)
                            .await
                            .map(ServiceResponse::map_into_boxed_body)
                    };
                    tokio::time::timeout(timeout, handled.instrument(span)).await
                }
            };
            answer.map(|res| {
                res.map(|mut res| {
                    if let Some(allowance) = allowance {
                        allowance.announce(res.headers_mut());
                    }
                    res
                })
            })
        }
    };
    let (mut res, route) = match outcome {
        Ok(res) => {
            let res = problem_of(res?, id);
            let route = known_route.unwrap_or_else(|| route_template(res.request()));
            (res, route)
        }
        Err(_elapsed) => {
            // The handler's future is dropped: an open transaction rolls back. With the
            // request gone, the answer travels as an error that carries its response.
            let error = ApiError::TimedOut(timeout.as_secs());
            let mut response = error.render(&cut(target.to_string()));
            secure(response.headers_mut());
            finish(
                id,
                metrics.as_deref(),
                "(timed out)",
                &method,
                response.status(),
                started,
            );
            return Err(actix_web::error::InternalError::from_response(error, response).into());
        }
    };
    finish(
        id,
        metrics.as_deref(),
        &route,
        &method,
        res.status(),
        started,
    );
    let headers = res.headers_mut();
    headers.insert(REQUEST_ID, request_id.clone());
    secure(headers);
    Ok(res)
}

/// The client's `X-Request-Id` when it is a sane token (echoed as sent, without a copy), else
/// a new UUID.
fn request_id(req: &ServiceRequest) -> HeaderValue {
    let sane = |id: &&HeaderValue| {
        !id.is_empty() && id.len() <= 128 && id.as_bytes().iter().all(u8::is_ascii_graphic)
    };
    if let Some(id) = req.headers().get(&REQUEST_ID).filter(sane) {
        return id.clone();
    }
    let mut buffer = uuid::Uuid::encode_buffer();
    let id = uuid::Uuid::new_v4().hyphenated().encode_lower(&mut buffer);
    HeaderValue::from_str(id).expect("a UUID is a valid header value")
}

/// The route template a request matched, for logs and metrics: `/v1/roadmaps/{slug}`, not
/// the path, so that their labels stay few.
#[derive(Debug, Clone)]
pub struct RouteTemplate(pub Arc<str>);

/// The request's route template. A response served from the cache never reached the router,
/// and actix-web's `match_pattern` matches the path against every route again; the cache
/// records the template it saw when it rendered the response instead.
pub fn route_template(req: &HttpRequest) -> Arc<str> {
    if let Some(known) = req.extensions().get::<RouteTemplate>() {
        return known.0.clone();
    }
    req.match_pattern()
        .map_or_else(|| Arc::from("(unmatched)"), Arc::from)
}

/// Used when no policy is registered (never, in the real app).
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

/// Logs the request's outcome and records its metrics.
fn finish(
    request_id: &str,
    metrics: Option<&Metrics>,
    route: &str,
    method: &Method,
    status: StatusCode,
    started: Instant,
) {
    let elapsed = started.elapsed();
    telemetry::access(&Access {
        method: method.as_str(),
        route,
        status: status.as_u16(),
        latency: elapsed,
        request_id,
    });
    if let Some(metrics) = metrics {
        metrics.record(route, method.as_str(), status, elapsed);
    }
}

/// A request whose target or headers are over the limits, refused before any work (even
/// before the rate limit).
fn oversized(req: &ServiceRequest) -> Option<ApiError> {
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

/// The policy for pages that set none of their own (the interactive docs): their own scripts
/// and styles, the spec fetched from here, never framed.
const DOCS_CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
    img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; \
    frame-ancestors 'none'";
/// For everything that is not a page: nothing may run, nothing may frame it.
const DATA_CSP: &str = "default-src 'none'; frame-ancestors 'none'";

/// Security headers on every response, each unless it is there already: a route's own (the
/// embed page's CSP) are kept, and a cached answer, stored with them, needs no more work.
pub fn secure(headers: &mut HeaderMap) {
    if !headers.contains_key(header::X_CONTENT_TYPE_OPTIONS) {
        headers.insert(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        );
    }
    if !headers.contains_key(header::REFERRER_POLICY) {
        headers.insert(
            header::REFERRER_POLICY,
            HeaderValue::from_static("no-referrer"),
        );
    }
    if !headers.contains_key(header::CONTENT_SECURITY_POLICY) {
        let is_html = headers
            .get(header::CONTENT_TYPE)
            .is_some_and(|t| t.as_bytes().starts_with(b"text/html"));
        headers.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(if is_html { DOCS_CSP } else { DATA_CSP }),
        );
    }
}

/// Renders an error that inner layers reported (ours and actix's own) as
/// `application/problem+json` with the request path as `instance` and `Cache-Control:
/// no-store`, keeping the error's other headers (`Allow`, CORS). Inner layers report errors
/// as responses carrying them (`ServiceRequest::error_response`), so that the request is
/// still at hand here.
fn problem_of(res: ServiceResponse<BoxBody>, request_id: &str) -> ServiceResponse<BoxBody> {
    let Some(error) = res.response().error() else {
        return res;
    };
    if res.status().is_server_error() {
        tracing::error!(error = ?error, request_id, "request failed");
    }
    let rendered = render(
        error,
        res.status(),
        &instance_of(res.request()),
        res.headers(),
    );
    res.into_response(rendered)
}

/// The request's path and query, cut short so a hostile URL is not echoed whole.
fn instance_of(req: &HttpRequest) -> String {
    let full = match req.query_string() {
        "" => req.path().to_owned(),
        query => format!("{}?{}", req.path(), query),
    };
    cut(full)
}

fn cut(instance: String) -> String {
    instance.chars().take(512).collect()
}

impl ApiError {
    /// This error as the problem+json response to the request at `instance`.
    fn render(&self, instance: &str) -> HttpResponse {
        render_problem(
            self.problem(),
            self.status_code(),
            instance,
            self.error_response().headers(),
        )
    }
}

fn render(error: &Error, status: StatusCode, instance: &str, keep: &HeaderMap) -> HttpResponse {
    let problem = match error.as_error::<ApiError>() {
        Some(api_error) => api_error.problem(),
        None => Problem::from_status(status, error.to_string()),
    };
    render_problem(problem, status, instance, keep)
}

fn render_problem(
    mut problem: Problem,
    status: StatusCode,
    instance: &str,
    keep: &HeaderMap,
) -> HttpResponse {
    problem.instance = instance.to_owned();
    let mut response = HttpResponse::build(status)
        .content_type("application/problem+json")
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(&problem);
    for (name, value) in keep {
        if name != header::CONTENT_TYPE
            && name != header::CONTENT_LENGTH
            && name != header::CACHE_CONTROL
        {
            response.headers_mut().append(name.clone(), value.clone());
        }
    }
    response
}

/// CORS for a read-only public API: every GET and HEAD, from any origin, with the headers a
/// client needs readable; a preflight is granted only for GET and HEAD, so no browser can be
/// made to send a write.
///
/// The response cache sits outside this layer: what it keeps already carries these headers.
pub async fn cors(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    if req.method() == Method::OPTIONS
        && let Some(requested) = req.headers().get(header::ACCESS_CONTROL_REQUEST_METHOD)
    {
        if requested != "GET" && requested != "HEAD" {
            return Ok(req.error_response(ApiError::PreflightRefused));
        }
        let mut preflight = HttpResponse::NoContent();
        preflight
            .insert_header((header::ACCESS_CONTROL_ALLOW_ORIGIN, "*"))
            .insert_header((header::ACCESS_CONTROL_ALLOW_METHODS, "GET, HEAD"))
            .insert_header((header::ACCESS_CONTROL_MAX_AGE, "86400"));
        if let Some(headers) = req.headers().get(header::ACCESS_CONTROL_REQUEST_HEADERS) {
            preflight.insert_header((header::ACCESS_CONTROL_ALLOW_HEADERS, headers.clone()));
        }
        return Ok(req.into_response(preflight.finish()));
    }
    let readable = matches!(*req.method(), Method::GET | Method::HEAD);
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

/// Gives the interactive docs' assets (served by utoipa-swagger-ui from memory) the same
/// validators, caching and compression as the API's own responses.
pub async fn docs_validators(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    let is_docs = req.path().starts_with("/docs/");
    let res = next.call(req).await?.map_into_boxed_body();
    if !is_docs || res.status() != StatusCode::OK {
        return Ok(res);
    }
    let (request, response) = res.into_parts();
    let content_type = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("application/octet-stream")
        .to_owned();
    let body = actix_web::body::to_bytes(response.into_body())
        .await
        .map_err(|e| ApiError::Internal(format!("docs asset: {e}")))?;
    let rendered = bytes(
        &request,
        body.to_vec(),
        &content_type,
        CachePolicy::Content(DOCS_CACHE),
    )?;
    Ok(ServiceResponse::new(request, rendered))
}

/// The docs change only with a new release.
const DOCS_CACHE: &str = "public, max-age=3600";

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
