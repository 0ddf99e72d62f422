//! The HTTP routes, one module per resource. Each handler is registered together with its
//! OpenAPI description (utoipa-actix-web), so the spec and the routing cannot drift.

pub mod certifications;
pub mod docs;
pub mod health;
pub mod jsonld;
pub mod lists;
pub mod phases;
pub mod plan;
pub mod projects;
pub mod roadmaps;
pub mod search;
pub mod sources;

use actix_web::dev::ResourceDef;
use actix_web::http::{Method, header};
use actix_web::web::Data;
use actix_web::{HttpRequest, HttpResponse};
use utoipa::IntoResponses;

use crate::domain::Slug;
use crate::http::problem::READ_METHODS;
use crate::http::{ApiError, CachePolicy, Problem, excerpt};
use crate::store::Store;

/// What every handler can reach.
#[derive(Debug, Clone)]
pub struct AppState {
    pub store: Store,
    /// `Cache-Control` for content responses.
    pub cache_control: String,
    /// The public base URL, when configured; otherwise absolute URLs come from the request.
    pub public_url: Option<String>,
}

impl AppState {
    pub fn content_cache(&self) -> CachePolicy<'_> {
        CachePolicy::Content(&self.cache_control)
    }

    /// A link to `path_and_query` on this service: absolute under the configured public URL,
    /// else relative (RFC 8288 resolves it against the request), which no forwarded or
    /// spoofed `Host` can redirect elsewhere in a shared cache.
    pub fn link(&self, path_and_query: &str) -> String {
        match &self.public_url {
            Some(base) => format!("{base}{path_and_query}"),
            None => path_and_query.to_owned(),
        }
    }
}

/// A slug from the path; one that cannot exist is simply not found.
fn path_slug(raw: &str, what: &str) -> Result<Slug, ApiError> {
    raw.parse()
        .map_err(|_| ApiError::not_found(format!("there is no {what} `{}`", excerpt(raw))))
}

/// A number from the path: 1, 2, ... written plainly (`01` and `+1` are not other names for 1).
fn path_number(raw: &str, what: &str) -> Result<u32, ApiError> {
    Some(raw)
        .filter(|raw| raw.bytes().all(|b| b.is_ascii_digit()) && !raw.starts_with('0'))
        .and_then(|digits| digits.parse::<u32>().ok())
        .ok_or_else(|| ApiError::not_found(format!("there is no {what} `{}`", excerpt(raw))))
}

/// The roadmap's section, or 404 when the roadmap does not exist.
fn in_roadmap<T>(section: Option<T>, slug: &Slug) -> Result<T, ApiError> {
    section.ok_or_else(|| ApiError::not_found(format!("there is no roadmap `{slug}`")))
}

/// The paths this API serves, for telling a wrong method (405) from a wrong path (404).
#[derive(Debug, Clone)]
pub struct KnownPaths(Vec<ResourceDef>);

impl KnownPaths {
    /// The paths of the spec, whose templates are actix's own (`/v1/roadmaps/{slug}`).
    pub fn from_spec(spec: &utoipa::openapi::OpenApi) -> KnownPaths {
        KnownPaths(
            spec.paths
                .paths
                .keys()
                .map(|path| ResourceDef::new(path.as_str()))
                .collect(),
        )
    }

    fn contains(&self, path: &str) -> bool {
        self.0.iter().any(|def| def.is_match(path))
    }
}

/// What answers when no route matched: `OPTIONS` on a known path lists its methods, another
/// method there is a 405 with `Allow`, and an unknown path is a 404.
pub async fn fallback(req: HttpRequest, known: Data<KnownPaths>) -> Result<HttpResponse, ApiError> {
    if !known.contains(req.path()) {
        return Err(ApiError::NoRoute);
    }
    if req.method() == Method::OPTIONS {
        return Ok(HttpResponse::NoContent()
            .insert_header((header::ALLOW, READ_METHODS))
            .finish());
    }
    Err(ApiError::MethodNotAllowed)
}

/// The client's copy is current (its `If-None-Match` names the ETag): no body.
#[derive(IntoResponses)]
#[response(status = 304, headers(("ETag" = String, description = "The validator the client holds.")))]
pub struct NotModified;

/// No resource at this path: an unknown slug or number.
#[derive(IntoResponses)]
#[response(status = 404, content_type = "application/problem+json")]
pub struct NotFound(pub Problem);

/// A query parameter is invalid; `errors[0].parameter` names it and `detail` says why.
#[derive(IntoResponses)]
#[response(status = 400, content_type = "application/problem+json")]
pub struct BadParameter(pub Problem);

/// The query string is longer than 2048 bytes.
#[derive(IntoResponses)]
#[response(status = 414, content_type = "application/problem+json")]
pub struct QueryTooLong(pub Problem);

/// The server failed; the problem's `detail` is generic and the cause is logged with the
/// request id.
#[derive(IntoResponses)]
#[response(status = 500, content_type = "application/problem+json")]
pub struct InternalError(pub Problem);

/// The `Accept` header names nothing this route serves; `detail` lists what it does.
#[derive(IntoResponses)]
#[response(status = 406, content_type = "application/problem+json")]
pub struct NotAcceptable(pub Problem);

/// The cursor was issued for content that has changed since; search again without it.
#[derive(IntoResponses)]
#[response(status = 409, content_type = "application/problem+json")]
pub struct StaleCursor(pub Problem);
