//! `/v1/roadmaps/{slug}/phases`: the learning path.

use actix_web::web::{Data, Path};
use actix_web::{HttpRequest, HttpResponse, get};

use super::lists;
use super::{
    AppState, BadParameter, InternalError, ItemQuery, NotAcceptable, NotFound, NotModified,
    SectionQuery, path_number, roadmap_for,
};
use crate::domain::{Phase, Slug};
use crate::http::formats::{CsvRows, joined};
use crate::http::query::Query;
use crate::http::{ApiError, Page, json};

impl CsvRows for Phase {
    const HEADER: &'static [&'static str] = &[
        "number",
        "key",
        "title",
        "months_min",
        "months_max",
        "hours_min",
        "hours_max",
        "hours_text",
        "topics",
        "tracks",
        "checkpoint",
    ];

    fn rows(&self) -> Vec<Vec<String>> {
        let topics: Vec<&str> = self
            .topic_groups
            .iter()
            .flat_map(|g| g.topics.iter().map(|t| t.text.as_str()))
            .collect();
        let tracks: Vec<String> = self
            .tracks
            .iter()
            .map(|t| format!("{}: {}", t.letter, t.title))
            .collect();
        vec![vec![
            self.number.to_string(),
            self.key.to_string(),
            self.title.clone(),
            self.months.min.to_string(),
            self.months.max.to_string(),
            self.hours.min.to_string(),
            self.hours.max.to_string(),
            self.hours_text.clone(),
            joined(&topics),
            joined(&tracks),
            self.checkpoint.clone(),
        ]]
    }
}

/// Lists the phases of a roadmap's learning path, in order, with their topics, tracks and
/// checkpoints.
#[utoipa::path(
    tag = "learning path",
    params(
        ("slug" = Slug, Path, description = "The roadmap's slug.", example = "healthcare-ai-ml-engineer"),
        SectionQuery,
    ),
    responses(
        (status = 200, description = "Every phase (never paged: `next_cursor` is null).",
         content(
            (Page<Phase> = "application/json"),
            (String = "text/csv"),
            (String = "application/x-ndjson"),
         ),
         headers(("ETag" = String, description = "Strong validator of this representation."))),
        NotModified, BadParameter, NotFound, NotAcceptable, InternalError,
    )
)]
#[get("/v1/roadmaps/{slug}/phases")]
pub async fn list_phases(
    req: HttpRequest,
    state: Data<AppState>,
    slug: Path<String>,
    Query(query): Query<SectionQuery>,
) -> Result<HttpResponse, ApiError> {
    let format = query.format.negotiate(&req)?;
    let (roadmap, cache) = roadmap_for(&state, &slug, query.rev).await?;
    let phases = roadmap.learning_path.phases;
    lists::respond(&req, cache, &state, format, phases, None)
}

/// Gets one phase of the learning path by its number (from 1).
#[utoipa::path(
    tag = "learning path",
    params(
        ("slug" = Slug, Path, description = "The roadmap's slug.", example = "healthcare-ai-ml-engineer"),
        ("number" = u32, Path, description = "The phase number, from 1.", minimum = 1, example = 2),
        ItemQuery,
    ),
    responses(
        (status = 200, description = "The phase.", body = Phase,
         headers(("ETag" = String, description = "Strong validator of this representation."))),
        NotModified, BadParameter, NotFound, NotAcceptable, InternalError,
    )
)]
#[get("/v1/roadmaps/{slug}/phases/{number}")]
pub async fn get_phase(
    req: HttpRequest,
    state: Data<AppState>,
    path: Path<(String, String)>,
    Query(query): Query<ItemQuery>,
) -> Result<HttpResponse, ApiError> {
    query.format.negotiate(&req)?;
    let (slug, number) = path.into_inner();
    let number = path_number(&number, "phase")?;
    let (roadmap, cache) = roadmap_for(&state, &slug, query.rev).await?;
    let phase = roadmap
        .learning_path
        .phases
        .into_iter()
        .find(|p| p.number == number)
        .ok_or_else(|| {
            ApiError::not_found(format!("roadmap `{}` has no phase {number}", roadmap.slug))
        })?;
    json(&req, &phase, cache)
}
