//! `/v1/roadmaps/{slug}/phases`: the learning path.

use actix_web::web::{Data, Path};
use actix_web::{HttpRequest, HttpResponse, get};

use super::{AppState, InternalError, NotFound, NotModified, in_roadmap, path_number, path_slug};
use crate::domain::Phase;
use crate::http::{ApiError, Page, json};

/// Lists the phases of a roadmap's learning path, in order, with their topics, tracks and
/// checkpoints.
#[utoipa::path(
    tag = "learning path",
    params(("slug" = crate::domain::Slug, Path, description = "The roadmap's slug.", example = "healthcare-ai-ml-engineer")),
    responses(
        (status = 200, description = "Every phase (never paged: `next_cursor` is null).", body = Page<Phase>,
         headers(("ETag" = String, description = "Strong validator of this representation."))),
        NotModified, NotFound, InternalError,
    )
)]
#[get("/v1/roadmaps/{slug}/phases")]
pub async fn list_phases(
    req: HttpRequest,
    state: Data<AppState>,
    slug: Path<String>,
) -> Result<HttpResponse, ApiError> {
    let slug = path_slug(&slug, "roadmap")?;
    let phases = in_roadmap(state.store.phases(&slug, None).await?, &slug)?;
    json(&req, &Page::whole(phases), state.content_cache())
}

/// Gets one phase of the learning path by its number (from 1).
#[utoipa::path(
    tag = "learning path",
    params(
        ("slug" = crate::domain::Slug, Path, description = "The roadmap's slug.", example = "healthcare-ai-ml-engineer"),
        ("number" = u32, Path, description = "The phase number, from 1.", minimum = 1, example = 2),
    ),
    responses(
        (status = 200, description = "The phase.", body = Phase,
         headers(("ETag" = String, description = "Strong validator of this representation."))),
        NotModified, NotFound, InternalError,
    )
)]
#[get("/v1/roadmaps/{slug}/phases/{number}")]
pub async fn get_phase(
    req: HttpRequest,
    state: Data<AppState>,
    path: Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (slug, number) = path.into_inner();
    let slug = path_slug(&slug, "roadmap")?;
    let number = path_number(&number, "phase")?;
    let phase = in_roadmap(state.store.phases(&slug, Some(number)).await?, &slug)?
        .into_iter()
        .next()
        .ok_or_else(|| ApiError::not_found(format!("roadmap `{slug}` has no phase {number}")))?;
    json(&req, &phase, state.content_cache())
}
