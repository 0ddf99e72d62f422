//! The HTTP routes, one module per resource. Each handler is registered together with its
//! OpenAPI description (utoipa-actix-web), so the spec and the routing cannot drift.

pub mod admin;
pub mod certifications;
pub mod docs;
pub mod embed;
pub mod health;
pub mod index;
pub mod jsonld;
pub mod lists;
pub mod metrics;
pub mod moderation;
pub mod phases;
pub mod plan;
pub mod progress;
pub mod projects;
pub mod revisions;
pub mod roadmaps;
pub mod search;
pub mod sources;
pub mod stories;
pub mod story_form;

use actix_web::http::{Method, header};
use actix_web::web::Data;
use actix_web::{HttpRequest, HttpResponse};
use chrono::Datelike;
use serde::Deserialize;
use utoipa::{IntoParams, IntoResponses};

use crate::domain::{Roadmap, Slug};
use crate::http::spec_paths::SpecPaths;
use crate::http::{
    ApiError, Bounded, CachePolicy, JsonFormat, ListFormat, Problem, TrustedProxies, excerpt,
    request_host,
};
use crate::store::Store;

/// What every handler can reach.
#[derive(Debug, Clone)]
pub struct AppState {
    pub store: Store,
    /// `Cache-Control` for content responses.
    pub cache_control: String,
    /// The public base URL, when configured; otherwise absolute URLs come from the request.
    pub public_url: Option<String>,
    /// Who may frame the embed pages: the CSP `frame-ancestors` sources.
    pub frame_ancestors: String,
    /// Shutting down: readiness is false while requests are still served.
    pub draining: std::sync::Arc<std::sync::atomic::AtomicBool>,
    /// Whose `X-Forwarded-Proto` sets the scheme of absolute URLs without a public URL.
    pub trusted_proxies: TrustedProxies,
    /// Where people read a roadmap, when the roadmap site lives elsewhere: a URL template
    /// with `{slug}` (`--site-url`).
    pub site_url: Option<String>,
    /// The largest request body read, in bytes (`--max-body-bytes`).
    pub max_body_bytes: usize,
    /// The most story submissions that may wait for moderation (`--story-max-pending`).
    pub story_max_pending: u32,
}

impl AppState {
    pub fn content_cache(&self) -> CachePolicy<'_> {
        CachePolicy::Content(&self.cache_control)
    }

    /// The absolute URL of `path_and_query` (for `Location`, the feeds, the embed page and
    /// oEmbed): under the public URL when configured, else on the request's host
    /// ([`request_host`]) with the scheme a trusted proxy forwards ([`TrustedProxies`]).
    pub fn absolute(&self, req: &HttpRequest, path_and_query: &str) -> String {
        match &self.public_url {
            Some(base) => format!("{base}{path_and_query}"),
            None => format!(
                "{}://{}{path_and_query}",
                self.trusted_proxies.scheme(req),
                request_host(req)
            ),
        }
    }

    /// Where a person reads the roadmap `slug`: the configured site, else this server's own
    /// page of it.
    pub fn page_for_people(&self, req: &HttpRequest, slug: &Slug) -> String {
        match &self.site_url {
            Some(template) => template.replace("{slug}", slug.as_str()),
            None => self.absolute(req, &format!("/roadmaps/{slug}")),
        }
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

/// The current year, against which a story's year of move is checked.
fn this_year() -> u16 {
    u16::try_from(chrono::Utc::now().year()).unwrap_or(u16::MAX)
}

/// A number from the path: 1, 2, ... written plainly (`01` and `+1` are not other names for 1).
fn path_number(raw: &str, what: &str) -> Result<u32, ApiError> {
    Some(raw)
        .filter(|raw| raw.bytes().all(|b| b.is_ascii_digit()) && !raw.starts_with('0'))
        .and_then(|digits| digits.parse::<u32>().ok())
        .ok_or_else(|| ApiError::not_found(format!("there is no {what} `{}`", excerpt(raw))))
}

/// `Cache-Control` of a pinned revision, which never changes.
const IMMUTABLE: &str = "public, max-age=31536000, immutable";

/// `?rev=N`: a roadmap exactly as its revision N was published (see `/revisions`), cacheable
/// for good.
pub type Revision = Bounded<1, { u32::MAX }>;

/// The roadmap a request reads, and how it may be cached: the current one, or with `?rev=N`
/// that revision exactly as it was published.
async fn roadmap_for<'s>(
    state: &'s AppState,
    raw_slug: &str,
    rev: Option<Revision>,
) -> Result<(Roadmap, CachePolicy<'s>), ApiError> {
    let slug = path_slug(raw_slug, "roadmap")?;
    match rev.map(Revision::get) {
        Some(rev) => {
            let roadmap = state.store.revision(&slug, rev).await?.ok_or_else(|| {
                ApiError::not_found(format!("roadmap `{slug}` has no published revision {rev}"))
            })?;
            Ok((roadmap, CachePolicy::Content(IMMUTABLE)))
        }
        None => {
            let roadmap = state
                .store
                .roadmap(&slug)
                .await?
                .ok_or_else(|| ApiError::not_found(format!("there is no roadmap `{slug}`")))?;
            Ok((roadmap, state.content_cache()))
        }
    }
}

/// What answers when no route matched: `OPTIONS` on a known path lists its methods, another
/// method there is a 405 with `Allow`, and an unknown path is a 404.
pub async fn fallback(req: HttpRequest, known: Data<SpecPaths>) -> Result<HttpResponse, ApiError> {
    let Some(allow) = known.allowed(req.path()) else {
        return Err(ApiError::NoRoute);
    };
    if req.method() == Method::OPTIONS {
        return Ok(HttpResponse::NoContent()
            .insert_header((header::ALLOW, allow.to_owned()))
            .finish());
    }
    Err(ApiError::MethodNotAllowed(allow.to_owned()))
}

/// A section of a roadmap listed whole (its phases, projects or sources).
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SectionQuery {
    #[param(inline, example = 1)]
    pub rev: Option<Revision>,
    /// `json`, `csv` or `ndjson`.
    #[serde(default)]
    #[param(inline)]
    pub format: ListFormat,
}

/// One item of a roadmap's section (a phase or a project).
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ItemQuery {
    #[param(inline, example = 1)]
    pub rev: Option<Revision>,
    /// `json`.
    #[serde(default)]
    #[param(inline)]
    pub format: JsonFormat,
}

/// A resource served as JSON only (`Accept` works too).
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct JsonQuery {
    /// `json`.
    #[serde(default)]
    #[param(inline)]
    pub format: JsonFormat,
}

/// A JSON resource that takes no parameters: any given is refused, as a typo would be.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct NoQuery {}

/// The pages people and partners' sites load, which ignore query parameters they do not
/// declare (CMSs and analytics append their own) instead of refusing them as the JSON API
/// does: their handlers read `PageQuery` or no query at all. The response cache keys them on
/// their declared parameters alone.
pub const PAGE_PATHS: [&str; 7] = [
    "/roadmaps/{slug}",
    "/stories/new",
    "/embed/roadmaps/{slug}",
    "/oembed",
    "/embed.js",
    "/healthz",
    "/readyz",
];

/// The client's copy is current (its `If-None-Match` names the ETag): no body.
#[derive(IntoResponses)]
#[response(status = 304, headers(("ETag" = String, description = "The validator the client holds.")))]
pub struct NotModified;

/// No resource at this path: an unknown slug or number.
#[derive(IntoResponses)]
#[response(status = 404, content_type = "application/problem+json")]
pub struct NotFound(pub Problem);

/// A query parameter is invalid, or not one this route takes; `errors[0].parameter` names it
/// and `detail` says why (for an unknown one: the parameters the route takes, and the closest
/// of them).
#[derive(IntoResponses)]
#[response(status = 400, content_type = "application/problem+json")]
pub struct BadParameter(pub Problem);

/// The request target (path and query) is longer than 8 KiB.
#[derive(IntoResponses)]
#[response(status = 414, content_type = "application/problem+json")]
pub struct QueryTooLong(pub Problem);

/// The request's header fields are larger than 16 KiB in all.
#[derive(IntoResponses)]
#[response(status = 431, content_type = "application/problem+json")]
pub struct HeadersTooLarge(pub Problem);

/// This client sent more requests than the rate limit allows (`--rate-limit`, and the
/// stricter `--admin-rate-limit` for writes); wait as `Retry-After` says.
#[derive(IntoResponses)]
#[response(
    status = 429,
    content_type = "application/problem+json",
    headers(("Retry-After" = u64, description = "Seconds to wait before retrying."))
)]
pub struct RateLimited(pub Problem);

/// The request took longer than the server's request timeout and was abandoned.
#[derive(IntoResponses)]
#[response(
    status = 503,
    content_type = "application/problem+json",
    headers(("Retry-After" = u64, description = "Seconds to wait before retrying."))
)]
pub struct TimedOut(pub Problem);

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

#[cfg(test)]
mod tests {
    use crate::http::query::assert_documented;

    #[test]
    fn every_query_reads_what_its_spec_declares() {
        assert_documented::<super::SectionQuery>();
        assert_documented::<super::ItemQuery>();
        assert_documented::<super::JsonQuery>();
        assert_documented::<super::roadmaps::CatalogueQuery>();
        assert_documented::<super::roadmaps::RoadmapQuery>();
        assert_documented::<super::certifications::TierQuery>();
        assert_documented::<super::certifications::CertificationQuery>();
        assert_documented::<super::projects::ProjectQuery>();
        assert_documented::<super::sources::SourceQuery>();
        assert_documented::<super::search::SearchParams>();
        assert_documented::<super::plan::PlanQuery>();
        assert_documented::<super::progress::ProgressQuery>();
        assert_documented::<super::progress::ProgressPostQuery>();
        assert_documented::<super::revisions::RevisionsQuery>();
        assert_documented::<super::revisions::ChangesQuery>();
        assert_documented::<super::embed::EmbedQuery>();
        assert_documented::<super::embed::OEmbedQuery>();
        assert_documented::<super::moderation::QueueQuery>();
        assert_documented::<super::story_form::FormQuery>();
    }
}
