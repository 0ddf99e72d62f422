//! `/v1/roadmaps/{slug}/sources`: what a roadmap cites.

use actix_web::web::{Data, Path};
use actix_web::{HttpRequest, HttpResponse, get};

use super::{AppState, InternalError, NotFound, NotModified, in_roadmap, path_slug};
use crate::domain::Sources;
use crate::http::{ApiError, json};

/// Lists what a roadmap cites, with where in the document each source is cited, and the
/// number of sources the page itself declares.
#[utoipa::path(
    tag = "sources",
    params(("slug" = crate::domain::Slug, Path, description = "The roadmap's slug.", example = "healthcare-ai-ml-engineer")),
    responses(
        (status = 200, description = "The roadmap's sources section.", body = Sources,
         headers(("ETag" = String, description = "Strong validator of this representation."))),
        NotModified, NotFound, InternalError,
    )
)]
#[get("/v1/roadmaps/{slug}/sources")]
pub async fn list_roadmap_sources(
    req: HttpRequest,
    state: Data<AppState>,
    slug: Path<String>,
) -> Result<HttpResponse, ApiError> {
    let slug = path_slug(&slug, "roadmap")?;
    let sources = in_roadmap(state.store.sources(&slug).await?, &slug)?;
    json(&req, &sources, state.content_cache())
}
