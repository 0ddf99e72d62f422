//! The HTTP routes, one module per resource. Each handler is registered together with its
//! OpenAPI description (utoipa-actix-web), so the spec and the routing cannot drift.

pub mod certifications;
pub mod docs;
pub mod health;
pub mod phases;
pub mod projects;
pub mod roadmaps;
pub mod sources;

use actix_web::HttpRequest;
use utoipa::IntoResponses;

use crate::domain::Slug;
use crate::http::{ApiError, CachePolicy, Problem};
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

    /// The absolute URL of `path_and_query` on this service.
    pub fn absolute_url(&self, req: &HttpRequest, path_and_query: &str) -> String {
        match &self.public_url {
            Some(base) => format!("{}{}", base.trim_end_matches('/'), path_and_query),
            None => {
                let info = req.connection_info();
                format!("{}://{}{}", info.scheme(), info.host(), path_and_query)
            }
        }
    }
}

/// A slug from the path; one that cannot exist is simply not found.
fn path_slug(raw: &str, what: &str) -> Result<Slug, ApiError> {
    raw.parse().map_err(|_| {
        ApiError::not_found(format!(
            "there is no {what} `{}`",
            raw.chars().take(64).collect::<String>()
        ))
    })
}

/// The roadmap's section, or 404 when the roadmap does not exist.
fn in_roadmap<T>(section: Option<T>, slug: &Slug) -> Result<T, ApiError> {
    section.ok_or_else(|| ApiError::not_found(format!("there is no roadmap `{slug}`")))
}

/// A 1-based number from the path; anything else is not found.
fn path_number(raw: &str, what: &str) -> Result<u32, ApiError> {
    raw.parse::<u32>().ok().filter(|n| *n >= 1).ok_or_else(|| {
        ApiError::not_found(format!(
            "there is no {what} `{}`",
            raw.chars().take(64).collect::<String>()
        ))
    })
}

/// The client's copy is current (its `If-None-Match` names the ETag): no body.
#[derive(IntoResponses)]
#[response(status = 304)]
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
