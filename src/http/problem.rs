//! Errors as RFC 9457 problem details.
//!
//! Handlers and layers return [`ApiError`]; [`render_error`], called by the outermost layer,
//! renders it (and any error actix raises itself) as `application/problem+json` with the
//! request's path as `instance`. Use `BadParameter` for a query parameter, `NotFound` for an unknown resource;
//! an unexpected failure (`Store`) is logged in full and answered with a generic 500.

use actix_web::body::BoxBody;
use actix_web::dev::ServiceResponse;
use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderMap};
use actix_web::{Error, HttpRequest, HttpResponse, ResponseError};
use serde::Serialize;
use utoipa::ToSchema;

use crate::domain::Violation;
use crate::store::StoreError;

/// Everything a route can answer instead of its resource.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("{0}")]
    NotFound(String),
    #[error("no route matches this path")]
    NoRoute,
    #[error("query parameter `{name}` {detail}")]
    BadParameter { name: &'static str, detail: String },
    #[error("query parameter `{name}` is not one this route takes{}; it takes {}",
        suggestion.map(|s| format!(" (did you mean `{s}`?)")).unwrap_or_default(),
        if accepted.is_empty() { "none".to_owned() } else { accepted.join(", ") })]
    UnknownParameter {
        name: String,
        accepted: &'static [&'static str],
        suggestion: Option<&'static str>,
    },
    #[error("header `{name}` {detail}")]
    BadHeader { name: String, detail: String },
    #[error("the query string is longer than {0} bytes")]
    QueryTooLong(usize),
    #[error("the request target (path and query) is longer than {0} bytes")]
    UriTooLong(usize),
    #[error("the request's header fields are larger than {0} bytes in all")]
    HeadersTooLarge(usize),
    #[error("the request took longer than {0} s and was abandoned; retry later")]
    TimedOut(u64),
    #[error("this path answers {0} only")]
    MethodNotAllowed(String),
    #[error("no method of this API is longer than {0} bytes")]
    MethodTooLong(usize),
    #[error("{0}")]
    Conflict(String),
    #[error("{0}")]
    Unauthorized(&'static str),
    #[error("this server is read-only: it serves content and takes no writes")]
    ReadOnly,
    #[error("the resource does not match `If-Match` / `If-None-Match`: fetch it again and retry")]
    PreconditionFailed,
    #[error("the body is not JSON: {0}")]
    MalformedBody(String),
    #[error("the body is larger than {limit} bytes, {why}")]
    BodyTooLarge { limit: usize, why: &'static str },
    #[error("the body must be {0}")]
    UnsupportedMediaType(&'static str),
    #[error("the document is not a valid roadmap; see `errors`")]
    Invalid(crate::domain::Violations),
    #[error("the story is not valid; see `errors`")]
    InvalidStory(crate::domain::Violations),
    /// A request body other than a roadmap document or a story that is JSON but not what the
    /// route reads.
    #[error("the body is not what this route reads; see `errors`")]
    InvalidBody(crate::domain::Violations),
    #[error("the moderation queue is full; submit again later")]
    QueueFull { retry_after: u64 },
    #[error("this resource is available as: {0}")]
    NotAcceptable(String),
    #[error("{0}")]
    StaleCursor(String),
    #[error("too many requests from this client; retry in {retry_after} s")]
    RateLimited { retry_after: u64 },
    #[error(
        "a CORS preflight is granted for GET, HEAD and the public POSTs only: this API takes no admin writes from browsers"
    )]
    PreflightRefused,
    #[error("internal error")]
    Store(#[source] StoreError),
    #[error("internal error: {0}")]
    Internal(String),
}

impl From<StoreError> for ApiError {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::Conflict(detail) => ApiError::Conflict(detail),
            StoreError::PreconditionFailed => ApiError::PreconditionFailed,
            StoreError::Invalid(violations) => ApiError::InvalidStory(violations),
            StoreError::StaleSearch => ApiError::StaleCursor(StoreError::StaleSearch.to_string()),
            StoreError::BadSearch(detail) => {
                ApiError::bad_parameter("q", format!("is not a valid search ({detail})"))
            }
            other => ApiError::Store(other),
        }
    }
}

/// A problem detail (RFC 9457), the body of every error response.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({
    "type": "/problems/bad-parameter",
    "title": "Invalid query parameter",
    "status": 400,
    "detail": "query parameter `tier` must be one of: high_signal, helpful, skip",
    "instance": "/v1/roadmaps/healthcare-ai-ml-engineer/certifications?tier=bogus",
    "errors": [{"parameter": "tier", "detail": "must be one of: high_signal, helpful, skip"}]
}))]
pub struct Problem {
    /// A URI reference naming the kind of problem; stable, so clients can branch on it.
    #[serde(rename = "type")]
    pub kind: &'static str,
    /// A short summary of the kind of problem.
    pub title: &'static str,
    /// The HTTP status code.
    pub status: u16,
    /// What went wrong with this request, in words.
    pub detail: String,
    /// The path (and query) of the request that failed.
    pub instance: String,
    /// Each thing wrong with the input, where there are several or they can be located.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<ProblemItem>,
    /// True when `errors` holds only the first 100 problems of many.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub truncated: bool,
}

/// One located error: a query `parameter` or a JSON `pointer` into the request body.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ProblemItem {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parameter: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pointer: Option<String>,
    pub detail: String,
}

impl From<Violation> for ProblemItem {
    fn from(v: Violation) -> Self {
        ProblemItem {
            parameter: None,
            pointer: Some(v.pointer),
            detail: v.detail,
        }
    }
}

impl Problem {
    /// A problem of an HTTP status that carries no more meaning than the status itself.
    pub fn from_status(status: StatusCode, detail: String) -> Problem {
        let (kind, title) = match status.as_u16() {
            400 => ("/problems/bad-request", "Bad request"),
            404 => ("/problems/not-found", "Not found"),
            405 => ("/problems/method-not-allowed", "Method not allowed"),
            406 => ("/problems/not-acceptable", "Not acceptable"),
            403 => ("/problems/forbidden", "Forbidden"),
            413 => ("/problems/payload-too-large", "Payload too large"),
            414 => ("/problems/uri-too-long", "URI too long"),
            401 => ("/problems/unauthorized", "Unauthorized"),
            409 => ("/problems/conflict", "Conflict"),
            412 => ("/problems/precondition-failed", "Precondition failed"),
            422 => ("/problems/invalid-document", "Invalid roadmap document"),
            429 => ("/problems/rate-limited", "Too many requests"),
            415 => ("/problems/unsupported-media-type", "Unsupported media type"),
            431 => (
                "/problems/headers-too-large",
                "Request header fields too large",
            ),
            501 => ("/problems/not-implemented", "Not implemented"),
            503 => ("/problems/unavailable", "Service unavailable"),
            s if s >= 500 => ("/problems/internal", "Internal server error"),
            _ => ("about:blank", status.canonical_reason().unwrap_or("Error")),
        };
        Problem {
            kind,
            title,
            status: status.as_u16(),
            detail,
            instance: String::new(),
            errors: Vec::new(),
            truncated: false,
        }
    }
}

impl ApiError {
    pub fn not_found(what: impl Into<String>) -> ApiError {
        ApiError::NotFound(what.into())
    }

    pub fn bad_parameter(name: &'static str, detail: impl Into<String>) -> ApiError {
        ApiError::BadParameter {
            name,
            detail: detail.into(),
        }
    }

    /// The problem this error is, without its `instance`, which the middleware fills in.
    pub fn problem(&self) -> Problem {
        let mut problem = Problem::from_status(self.status_code(), self.to_string());
        match self {
            ApiError::UnknownParameter { name, .. } => {
                problem.kind = "/problems/bad-parameter";
                problem.title = "Unknown query parameter";
                let detail = self.to_string();
                let detail = detail
                    .strip_prefix(&format!("query parameter `{name}` "))
                    .unwrap_or(&detail);
                problem.errors.push(ProblemItem {
                    parameter: Some(name.clone()),
                    pointer: None,
                    detail: detail.to_owned(),
                });
            }
            ApiError::BadParameter { name, detail } => {
                problem.kind = "/problems/bad-parameter";
                problem.title = "Invalid query parameter";
                problem.errors.push(ProblemItem {
                    parameter: Some((*name).to_owned()),
                    pointer: None,
                    detail: detail.clone(),
                });
            }
            ApiError::BadHeader { .. } => {
                problem.kind = "/problems/bad-header";
                problem.title = "Invalid header";
            }
            ApiError::Invalid(violations)
            | ApiError::InvalidBody(violations)
            | ApiError::InvalidStory(violations) => {
                (problem.kind, problem.title) = match self {
                    ApiError::InvalidBody(_) => ("/problems/invalid-body", "Invalid request body"),
                    ApiError::InvalidStory(_) => ("/problems/invalid-story", "Invalid story"),
                    _ => ("/problems/invalid-document", "Invalid roadmap document"),
                };
                problem.errors = violations
                    .found
                    .iter()
                    .cloned()
                    .map(ProblemItem::from)
                    .collect();
                problem.truncated = violations.truncated;
            }
            ApiError::StaleCursor(_) => {
                problem.kind = "/problems/stale-cursor";
                problem.title = "Stale cursor";
                problem.errors.push(ProblemItem {
                    parameter: Some("cursor".to_owned()),
                    pointer: None,
                    detail: self.to_string(),
                });
            }
            ApiError::Store(_) | ApiError::Internal(_) => {
                problem.detail =
                    "The server could not answer this request; it has been logged.".to_owned();
            }
            _ => {}
        }
        problem
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            ApiError::NotFound(_) | ApiError::NoRoute => StatusCode::NOT_FOUND,
            ApiError::BadParameter { .. }
            | ApiError::UnknownParameter { .. }
            | ApiError::BadHeader { .. } => StatusCode::BAD_REQUEST,
            ApiError::QueryTooLong(_) | ApiError::UriTooLong(_) => StatusCode::URI_TOO_LONG,
            ApiError::HeadersTooLarge(_) => StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
            ApiError::TimedOut(_) => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::PreflightRefused => StatusCode::FORBIDDEN,
            ApiError::MethodNotAllowed(_) => StatusCode::METHOD_NOT_ALLOWED,
            ApiError::MethodTooLong(_) => StatusCode::NOT_IMPLEMENTED,
            ApiError::Conflict(_) | ApiError::StaleCursor(_) => StatusCode::CONFLICT,
            ApiError::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            ApiError::ReadOnly => StatusCode::METHOD_NOT_ALLOWED,
            ApiError::PreconditionFailed => StatusCode::PRECONDITION_FAILED,
            ApiError::MalformedBody(_) => StatusCode::BAD_REQUEST,
            ApiError::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ApiError::QueueFull { .. } => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::BodyTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::Invalid(_) | ApiError::InvalidBody(_) | ApiError::InvalidStory(_) => {
                StatusCode::UNPROCESSABLE_ENTITY
            }
            ApiError::NotAcceptable(_) => StatusCode::NOT_ACCEPTABLE,
            ApiError::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
            ApiError::Store(_) | ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// [`render_error`] replaces this body with the rendered problem and keeps these headers.
    fn error_response(&self) -> HttpResponse {
        let mut response = HttpResponse::build(self.status_code());
        match self {
            ApiError::MethodNotAllowed(allow) => {
                response.insert_header((header::ALLOW, allow.clone()));
            }
            ApiError::ReadOnly => {
                response.insert_header((header::ALLOW, "GET, HEAD, OPTIONS"));
            }
            ApiError::Unauthorized(_) => {
                response.insert_header((header::WWW_AUTHENTICATE, "Bearer realm=\"roadmap-api\""));
            }
            ApiError::RateLimited { retry_after } => {
                response.insert_header((header::RETRY_AFTER, *retry_after));
            }
            ApiError::TimedOut(_) => {
                response.insert_header((header::RETRY_AFTER, 1));
            }
            ApiError::QueueFull { retry_after } => {
                response.insert_header((header::RETRY_AFTER, *retry_after));
            }
            _ => {}
        }
        response.finish()
    }
}

/// Renders the error a response carries (reported by a handler, a layer or actix itself, as
/// a response made by `error_response`) as `application/problem+json`, with the request's
/// path as `instance` and `Cache-Control: no-store`, keeping the error's other headers
/// (`Allow`, `Retry-After`, CORS). A response without an error passes unchanged. Server
/// errors are logged in full with the request id; the client sees a generic detail.
pub fn render_error(res: ServiceResponse<BoxBody>, request_id: &str) -> ServiceResponse<BoxBody> {
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

/// The problem for an error that reached the outermost layer without its request (a request
/// abandoned by the timeout), at `target`.
pub fn render_detached(error: &Error, target: &actix_web::http::Uri) -> HttpResponse {
    let shown = target.path_and_query().map_or("/", |pq| pq.as_str());
    let response = error.error_response();
    render(error, response.status(), &cut(shown), response.headers())
}

/// The request's path and query, cut short so that a hostile URL is not echoed whole.
pub fn instance_of(req: &HttpRequest) -> String {
    match req.query_string() {
        "" => cut(req.path()),
        query => cut(&format!("{}?{}", req.path(), query)),
    }
}

fn cut(instance: &str) -> String {
    const SHOWN: usize = 512;
    instance.chars().take(SHOWN).collect()
}

fn render(error: &Error, status: StatusCode, instance: &str, keep: &HeaderMap) -> HttpResponse {
    let mut problem = match error.as_error::<ApiError>() {
        Some(api_error) => api_error.problem(),
        None => Problem::from_status(status, error.to_string()),
    };
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
