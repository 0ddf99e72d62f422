//! Portfolio projects: a roadmap's (`/v1/roadmaps/{slug}/projects`) and every roadmap's
//! (`/v1/projects`), filterable by stack, dataset and hours.

use actix_web::web::{Data, Path};
use actix_web::{HttpRequest, HttpResponse, get};
use utoipa::IntoParams;

use super::lists::{self, ListQuery};
use super::{
    AppState, BadParameter, InternalError, JsonFormatParam, ListFormatParam, NotAcceptable,
    NotFound, NotModified, QueryTooLong, RevisionParam, path_number, roadmap_for,
};
use crate::domain::{Project, ProjectEntry, Slug};
use crate::http::formats::{CsvRows, cell, joined};
use crate::http::{ApiError, Format, Page, QueryParams, json, negotiate};
use crate::store::ProjectFilter;

/// Filters and paging of the projects across roadmaps.
#[derive(Debug, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ProjectQuery {
    /// Only projects whose stack names this (a whole name, any case: `pytorch` finds PyTorch).
    #[param(min_length = 1, max_length = 200, pattern = "\\S", example = "pytorch")]
    pub stack: Option<String>,
    /// Only projects using this dataset (a whole name, any case).
    #[param(
        min_length = 1,
        max_length = 200,
        pattern = "\\S",
        example = "CheXpert"
    )]
    pub dataset: Option<String>,
    /// Only projects of at most this many hours (the upper bound of their estimate).
    #[param(minimum = 0, maximum = 100_000, example = 40)]
    pub max_hours: Option<u32>,
    /// Only this roadmap's projects.
    #[param(value_type = Option<Slug>, example = "healthcare-ai-ml-engineer")]
    pub roadmap: Option<String>,
    /// Page size, 1 to 100 (default 20). CSV and NDJSON carry the whole filtered set.
    #[param(value_type = Option<u32>, minimum = 1, maximum = 100, default = 20)]
    pub limit: u32,
    /// The `next_cursor` of the previous page, unchanged.
    pub cursor: Option<String>,
    /// `json`, `csv` or `ndjson`, for tools that cannot set `Accept`.
    #[param(value_type = Option<String>, pattern = "^(json|csv|ndjson)$")]
    pub format: Option<String>,
}

/// The most hours a `max_hours` filter may name.
const MAX_HOURS: u32 = 100_000;
/// The longest stack or dataset name a filter may give.
const MAX_NAME_LEN: usize = 200;

const PROJECT_COLUMNS: [&str; 10] = [
    "number",
    "key",
    "title",
    "hours_min",
    "hours_max",
    "stack",
    "datasets",
    "dataset_text",
    "description",
    "clinical_advantage",
];

fn project_cells(p: &Project) -> Vec<String> {
    vec![
        p.number.to_string(),
        p.key.to_string(),
        p.title.clone(),
        p.hours.min.to_string(),
        p.hours.max.to_string(),
        joined(&p.stack),
        joined(&p.datasets),
        cell(p.dataset_text.as_ref()),
        p.description.clone(),
        p.clinical_advantage.clone(),
    ]
}

impl CsvRows for Project {
    const HEADER: &'static [&'static str] = &PROJECT_COLUMNS;

    fn rows(&self) -> Vec<Vec<String>> {
        vec![project_cells(self)]
    }
}

impl CsvRows for ProjectEntry {
    const HEADER: &'static [&'static str] = &[
        "roadmap",
        "number",
        "key",
        "title",
        "hours_min",
        "hours_max",
        "stack",
        "datasets",
        "dataset_text",
        "description",
        "clinical_advantage",
    ];

    fn rows(&self) -> Vec<Vec<String>> {
        let mut row = vec![self.roadmap.to_string()];
        row.extend(project_cells(&self.project));
        vec![row]
    }
}

/// A whole-name filter: trimmed, non-empty, of reasonable length.
fn name_filter(query: &QueryParams, name: &'static str) -> Result<Option<String>, ApiError> {
    query
        .raw(name)?
        .map(|raw| {
            let trimmed = raw.trim();
            if crate::domain::is_blank(raw) || trimmed.chars().count() > MAX_NAME_LEN {
                Err(ApiError::bad_parameter(
                    name,
                    format!("must be a name of 1 to {MAX_NAME_LEN} characters"),
                ))
            } else {
                Ok(trimmed.to_owned())
            }
        })
        .transpose()
}

/// Lists a roadmap's portfolio projects in order, with stack, datasets and hours.
#[utoipa::path(
    tag = "projects",
    params(
        ("slug" = Slug, Path, description = "The roadmap's slug.", example = "healthcare-ai-ml-engineer"),
        RevisionParam, ListFormatParam,
    ),
    responses(
        (status = 200, description = "Every project (never paged: `next_cursor` is null).",
         content(
            (Page<Project> = "application/json"),
            (String = "text/csv"),
            (String = "application/x-ndjson"),
         ),
         headers(("ETag" = String, description = "Strong validator of this representation."))),
        NotModified, BadParameter, NotFound, NotAcceptable, InternalError,
    )
)]
#[get("/v1/roadmaps/{slug}/projects")]
pub async fn list_projects(
    req: HttpRequest,
    state: Data<AppState>,
    slug: Path<String>,
    query: QueryParams,
) -> Result<HttpResponse, ApiError> {
    let list = ListQuery::parse(&req, &query)?;
    let (roadmap, cache) = roadmap_for(&state, &slug, &query).await?;
    lists::respond(&req, cache, &state, &query, list, roadmap.projects, None)
}

/// Gets one portfolio project by its number (from 1).
#[utoipa::path(
    tag = "projects",
    params(
        ("slug" = Slug, Path, description = "The roadmap's slug.", example = "healthcare-ai-ml-engineer"),
        ("number" = u32, Path, description = "The project number, from 1.", minimum = 1, example = 3),
        RevisionParam, JsonFormatParam,
    ),
    responses(
        (status = 200, description = "The project.", body = Project,
         headers(("ETag" = String, description = "Strong validator of this representation."))),
        NotModified, BadParameter, NotFound, NotAcceptable, InternalError,
    )
)]
#[get("/v1/roadmaps/{slug}/projects/{number}")]
pub async fn get_project(
    req: HttpRequest,
    state: Data<AppState>,
    path: Path<(String, String)>,
    query: QueryParams,
) -> Result<HttpResponse, ApiError> {
    negotiate(&req, &query, &[Format::Json])?;
    let (slug, number) = path.into_inner();
    let number = path_number(&number, "project")?;
    let (roadmap, cache) = roadmap_for(&state, &slug, &query).await?;
    let project = roadmap
        .projects
        .into_iter()
        .find(|p| p.number == number)
        .ok_or_else(|| {
            ApiError::not_found(format!(
                "roadmap `{}` has no project {number}",
                roadmap.slug
            ))
        })?;
    json(&req, &project, cache)
}

/// Lists portfolio projects across every roadmap, by roadmap and number.
#[utoipa::path(
    tag = "projects",
    params(ProjectQuery),
    responses(
        (status = 200, description = "A page of projects.",
         content(
            (Page<ProjectEntry> = "application/json"),
            (String = "text/csv"),
            (String = "application/x-ndjson"),
         ),
         headers(
            ("ETag" = String, description = "Strong validator of this representation."),
            ("Link" = String, description = "`<url>; rel=\"next\"` when another page follows."),
         )),
        NotModified, BadParameter, NotAcceptable, QueryTooLong, InternalError,
    )
)]
#[get("/v1/projects")]
pub async fn list_all_projects(
    req: HttpRequest,
    state: Data<AppState>,
    query: QueryParams,
) -> Result<HttpResponse, ApiError> {
    let list = ListQuery::parse(&req, &query)?;
    let filter = ProjectFilter {
        stack: name_filter(&query, "stack")?,
        dataset: name_filter(&query, "dataset")?,
        max_hours: query.number("max_hours", 0, MAX_HOURS)?,
        roadmap: query.get("roadmap")?,
        after: list.cursor(&query, "projects")?,
        limit: list.limit,
    };
    let (data, more) = state.store.project_entries(&filter).await?;
    let next_cursor = lists::next_cursor(more, &data, "projects", |last| {
        (&last.roadmap, last.project.number)
    });
    lists::respond(
        &req,
        state.content_cache(),
        &state,
        &query,
        list,
        data,
        next_cursor,
    )
}
