//! Portfolio projects: a roadmap's (`/v1/roadmaps/{slug}/projects`) and every roadmap's
//! (`/v1/projects`), filterable by stack, dataset and hours.

use actix_web::web::{Data, Path};
use actix_web::{HttpRequest, HttpResponse, get};
use serde::{Deserialize, Deserializer};
use utoipa::openapi::RefOr;
use utoipa::openapi::schema::Schema;
use utoipa::{IntoParams, PartialSchema, ToSchema};

use super::lists::{self, Paging};
use super::{
    AppState, BadParameter, InternalError, ItemQuery, NotAcceptable, NotFound, NotModified,
    QueryTooLong, SectionQuery, path_number, roadmap_for,
};
use crate::domain::{Project, ProjectEntry, Slug};
use crate::http::formats::{CsvRows, cell, joined};
use crate::http::params::text_schema;
use crate::http::query::{self, Query, read_text};
use crate::http::{ApiError, Bounded, Cursor, Limit, ListFormat, Page, json};
use crate::store::ProjectFilter;

/// The most hours a `max_hours` filter may name.
const MAX_HOURS: u32 = 100_000;
/// The longest stack or dataset name a filter may give.
const MAX_NAME_LEN: usize = 200;

/// A whole name to match (a stack item or a dataset): trimmed, 1 to 200 characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WholeName(String);

impl<'de> Deserialize<'de> for WholeName {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        read_text(deserializer, |raw| {
            let trimmed = raw.trim();
            if crate::domain::is_blank(raw) || trimmed.chars().count() > MAX_NAME_LEN {
                Err(format!("must be a name of 1 to {MAX_NAME_LEN} characters"))
            } else {
                Ok(WholeName(trimmed.to_owned()))
            }
        })
    }
}

impl PartialSchema for WholeName {
    fn schema() -> RefOr<Schema> {
        text_schema(MAX_NAME_LEN).into()
    }
}

impl ToSchema for WholeName {}

/// Filters and paging of the projects across roadmaps.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ProjectQuery {
    /// Only projects whose stack names this (a whole name, any case: `pytorch` finds PyTorch).
    #[param(inline, example = "pytorch")]
    pub stack: Option<WholeName>,
    /// Only projects using this dataset (a whole name, any case).
    #[param(inline, example = "CheXpert")]
    pub dataset: Option<WholeName>,
    /// Only projects of at most this many hours (the upper bound of their estimate).
    #[param(inline, example = 40)]
    pub max_hours: Option<Bounded<0, { MAX_HOURS }>>,
    /// Only this roadmap's projects.
    #[serde(default, deserialize_with = "query::from_str")]
    #[param(example = "healthcare-ai-ml-engineer")]
    pub roadmap: Option<Slug>,
    /// Page size, 1 to 100 (default 20). CSV and NDJSON carry the whole filtered set.
    #[serde(default)]
    #[param(inline)]
    pub limit: Limit,
    /// The `next_cursor` of the previous page, unchanged; absent or empty for the first page.
    #[param(inline)]
    #[serde(default, deserialize_with = "Cursor::optional")]
    pub cursor: Option<Cursor>,
    /// `json`, `csv` or `ndjson`, for tools that cannot set `Accept`.
    #[serde(default)]
    #[param(inline)]
    pub format: ListFormat,
}

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

/// Lists a roadmap's portfolio projects in order, with stack, datasets and hours.
#[utoipa::path(
    tag = "projects",
    params(
        ("slug" = Slug, Path, description = "The roadmap's slug.", example = "healthcare-ai-ml-engineer"),
        SectionQuery,
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
    Query(query): Query<SectionQuery>,
) -> Result<HttpResponse, ApiError> {
    let format = query.format.negotiate(&req)?;
    let (roadmap, cache) = roadmap_for(&state, &slug, query.rev).await?;
    lists::respond(&req, cache, &state, format, roadmap.projects, None)
}

/// Gets one portfolio project by its number (from 1).
#[utoipa::path(
    tag = "projects",
    params(
        ("slug" = Slug, Path, description = "The roadmap's slug.", example = "healthcare-ai-ml-engineer"),
        ("number" = u32, Path, description = "The project number, from 1.", minimum = 1, example = 3),
        ItemQuery,
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
    Query(query): Query<ItemQuery>,
) -> Result<HttpResponse, ApiError> {
    query.format.negotiate(&req)?;
    let (slug, number) = path.into_inner();
    let number = path_number(&number, "project")?;
    let (roadmap, cache) = roadmap_for(&state, &slug, query.rev).await?;
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
            ("ETag" = String, description = "Validator of this representation: strong, or weak for a CSV or NDJSON export, which is streamed."),
            ("Link" = String, description = "`<url>; rel=\"next\"` when another page follows."),
         )),
        NotModified, BadParameter, NotAcceptable, QueryTooLong, InternalError,
    )
)]
#[get("/v1/projects")]
pub async fn list_all_projects(
    req: HttpRequest,
    state: Data<AppState>,
    Query(query): Query<ProjectQuery>,
) -> Result<HttpResponse, ApiError> {
    let paging = Paging::new(&req, query.format, query.limit, query.cursor.as_ref())?;
    let filter = ProjectFilter {
        stack: query.stack.map(|name| name.0),
        dataset: query.dataset.map(|name| name.0),
        max_hours: query.max_hours.map(Bounded::get),
        roadmap: query.roadmap,
        after: None,
        limit: 0,
    };
    let store = state.store.clone();
    let fetch = move |after, limit| {
        let (store, filter) = (store.clone(), filter.clone());
        async move {
            let filter = ProjectFilter {
                after,
                limit,
                ..filter
            };
            let (data, more) = store.project_entries(&filter).await?;
            let next = lists::next_key(more, &data, |last| {
                (last.roadmap.clone(), last.project.number)
            });
            Ok((data, next))
        }
    };
    lists::answer(&req, &state, paging, "projects", fetch).await
}
