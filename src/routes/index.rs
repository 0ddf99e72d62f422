//! The front door: what a client that knows only the address finds at `/` and `/v1`.

use actix_web::web::Data;
use actix_web::{HttpRequest, HttpResponse, get};
use serde::Serialize;
use utoipa::ToSchema;

use super::{AppState, BadParameter, NoQuery, NotModified};
use crate::http::{ApiError, Query, json};

/// Where to go from here: the API's name and version, and a link to each collection and to
/// the API's description.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "name": "roadmap-api",
    "version": "0.1.0",
    "description": "Career roadmaps for healthcare professionals moving into tech, as JSON.",
    "links": {
        "roadmaps": "/v1/roadmaps", "certifications": "/v1/certifications",
        "projects": "/v1/projects", "sources": "/v1/sources", "search": "/v1/search?q={words}",
        "changes": "/v1/changes", "docs": "/docs/", "openapi": "/openapi.json"
    }
}))]
pub struct ApiIndex {
    pub name: &'static str,
    /// The version of this server.
    pub version: &'static str,
    pub description: &'static str,
    pub links: IndexLinks,
}

/// Links, absolute under the configured public URL, else relative to this server.
#[derive(Debug, Serialize, ToSchema)]
pub struct IndexLinks {
    /// The catalogue of roadmaps; each roadmap whole at `/v1/roadmaps/{slug}`.
    pub roadmaps: String,
    /// Certifications across roadmaps, by signal tier.
    pub certifications: String,
    /// Portfolio projects across roadmaps, by stack or dataset.
    pub projects: String,
    /// What the roadmaps cite.
    pub sources: String,
    /// Full-text search; replace `{words}` with what to look for.
    pub search: String,
    /// What changed, newest first (JSON, Atom or JSON Feed).
    pub changes: String,
    /// The interactive documentation.
    pub docs: String,
    /// The OpenAPI description, for generating typed clients.
    pub openapi: String,
}

fn index(state: &AppState) -> ApiIndex {
    let link = |path: &str| state.link(path);
    ApiIndex {
        name: env!("CARGO_PKG_NAME"),
        version: env!("CARGO_PKG_VERSION"),
        description: env!("CARGO_PKG_DESCRIPTION"),
        links: IndexLinks {
            roadmaps: link("/v1/roadmaps"),
            certifications: link("/v1/certifications"),
            projects: link("/v1/projects"),
            sources: link("/v1/sources"),
            search: link("/v1/search?q={words}"),
            changes: link("/v1/changes"),
            docs: link("/docs/"),
            openapi: link("/openapi.json"),
        },
    }
}

/// The API's front door: its name, version and links to every collection, the docs and the
/// OpenAPI description.
#[utoipa::path(
    tag = "meta",
    responses(
        (status = 200, description = "The index.", body = ApiIndex,
         headers(("ETag" = String, description = "Strong validator of this representation."))),
        NotModified, BadParameter,
    )
)]
#[get("/")]
pub async fn root(
    req: HttpRequest,
    state: Data<AppState>,
    _: Query<NoQuery>,
) -> Result<HttpResponse, ApiError> {
    json(&req, &index(&state), state.content_cache())
}

/// The same index, at the root of the version's URLs.
#[utoipa::path(
    tag = "meta",
    responses(
        (status = 200, description = "The index.", body = ApiIndex,
         headers(("ETag" = String, description = "Strong validator of this representation."))),
        NotModified, BadParameter,
    )
)]
#[get("/v1")]
pub async fn v1(
    req: HttpRequest,
    state: Data<AppState>,
    _: Query<NoQuery>,
) -> Result<HttpResponse, ApiError> {
    json(&req, &index(&state), state.content_cache())
}
