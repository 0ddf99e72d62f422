//! `/v1/roadmaps/{slug}/projects`: portfolio projects.

use actix_web::web::{Data, Path};
use actix_web::{HttpRequest, HttpResponse, get};

use super::{AppState, InternalError, NotFound, NotModified, in_roadmap, path_number, path_slug};
use crate::domain::Project;
use crate::http::{ApiError, Page, json};

/// Lists a roadmap's portfolio projects in order, with stack, datasets and hours.
#[utoipa::path(
    tag = "projects",
    params(("slug" = crate::domain::Slug, Path, description = "The roadmap's slug.", example = "healthcare-ai-ml-engineer")),
    responses(
        (status = 200, description = "Every project (never paged: `next_cursor` is null).", body = Page<Project>,
         headers(("ETag" = String, description = "Strong validator of this representation."))),
        NotModified, NotFound, InternalError,
    )
)]
#[get("/v1/roadmaps/{slug}/projects")]
pub async fn list_projects(
    req: HttpRequest,
    state: Data<AppState>,
    slug: Path<String>,
) -> Result<HttpResponse, ApiError> {
    let slug = path_slug(&slug, "roadmap")?;
    let projects = in_roadmap(state.store.projects(&slug, None).await?, &slug)?;
    json(&req, &Page::whole(projects), state.content_cache())
}

/// Gets one portfolio project by its number (from 1).
#[utoipa::path(
    tag = "projects",
    params(
        ("slug" = crate::domain::Slug, Path, description = "The roadmap's slug.", example = "healthcare-ai-ml-engineer"),
        ("number" = u32, Path, description = "The project number, from 1.", minimum = 1, example = 3),
    ),
    responses(
        (status = 200, description = "The project.", body = Project,
         headers(("ETag" = String, description = "Strong validator of this representation."))),
        NotModified, NotFound, InternalError,
    )
)]
#[get("/v1/roadmaps/{slug}/projects/{number}")]
pub async fn get_project(
    req: HttpRequest,
    state: Data<AppState>,
    path: Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (slug, number) = path.into_inner();
    let slug = path_slug(&slug, "roadmap")?;
    let number = path_number(&number, "project")?;
    let project = in_roadmap(state.store.projects(&slug, Some(number)).await?, &slug)?
        .into_iter()
        .next()
        .ok_or_else(|| ApiError::not_found(format!("roadmap `{slug}` has no project {number}")))?;
    json(&req, &project, state.content_cache())
}
