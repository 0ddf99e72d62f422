//! `/v1/roadmaps`: the catalogue and whole roadmaps.

use actix_web::web::{Data, Path};
use actix_web::{HttpRequest, HttpResponse, get};
use utoipa::IntoParams;

use super::lists::{self, ListQuery};
use super::{
    AppState, BadParameter, InternalError, NotAcceptable, NotFound, NotModified, QueryTooLong,
    RevisionParam, jsonld, roadmap_for,
};
use crate::domain::{Difficulty, Roadmap, Slug};
use crate::http::formats::{CsvRows, Format};
use crate::http::{ApiError, Cursor, QueryParams, json, negotiate};
use crate::store::{CatalogueFilter, CatalogueSort, RoadmapSummary, SortValue};

/// Filters, order and paging of the catalogue.
#[derive(Debug, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CatalogueQuery {
    /// Only roadmaps of this difficulty.
    #[param(inline)]
    pub difficulty: Option<Difficulty>,
    /// Only roadmaps whose whole timeline ends within this many months (its upper bound is at
    /// most the value).
    #[param(minimum = 0, maximum = 1200, example = 18)]
    pub max_months: Option<u32>,
    /// Only roadmaps whose title or prose contains every one of these words (stemmed:
    /// `predict` finds "predictive"), 1 to 200 characters.
    #[param(value_type = Option<String>, min_length = 1, max_length = 200, pattern = "\\S", example = "clinical NLP")]
    pub q: Option<String>,
    /// The order: `title`, `difficulty` (low to very high) or `months` (by the timeline's upper
    /// bound), ascending, or descending with a leading `-`. Ties go by slug.
    #[param(value_type = Option<String>, pattern = "^-?(title|difficulty|months)$", default = "title", example = "-difficulty")]
    pub sort: CatalogueSort,
    /// Page size, 1 to 100 (default 20). CSV and NDJSON carry the whole filtered set.
    #[param(value_type = Option<u32>, minimum = 1, maximum = 100, default = 20)]
    pub limit: u32,
    /// The `next_cursor` of the previous page, unchanged.
    #[param(value_type = Option<String>)]
    pub cursor: Option<String>,
    /// `json`, `csv` or `ndjson`, for tools that cannot set `Accept`.
    #[param(value_type = Option<String>, pattern = "^(json|csv|ndjson)$")]
    pub format: Option<String>,
}

/// The longest timeline a filter may name: a century of months.
const MAX_MONTHS: u32 = 1200;

impl CsvRows for RoadmapSummary {
    const HEADER: &'static [&'static str] = &[
        "slug",
        "title",
        "role",
        "icon",
        "difficulty",
        "timeline_months_min",
        "timeline_months_max",
        "summary",
        "updated_at",
    ];

    fn rows(&self) -> Vec<Vec<String>> {
        vec![vec![
            self.slug.to_string(),
            self.title.clone(),
            self.role.clone(),
            self.icon.clone(),
            self.difficulty.to_string(),
            self.timeline_months.min.to_string(),
            self.timeline_months.max.to_string(),
            self.summary.clone(),
            self.updated_at.clone(),
        ]]
    }
}

/// Lists roadmaps (summaries), a page at a time.
///
/// Paging is by keyset: follow `next_cursor` (or the `Link: rel="next"` header) until it is
/// null. Every sort order pages correctly while roadmaps are added between requests. With
/// `Accept: text/csv` (or `?format=csv`) or `application/x-ndjson`, the whole filtered set
/// comes at once.
#[utoipa::path(
    tag = "roadmaps",
    params(CatalogueQuery),
    responses(
        (status = 200, description = "A page of roadmap summaries.",
         content(
            (crate::http::Page<RoadmapSummary> = "application/json"),
            (String = "text/csv", example = "slug,title,role,icon,difficulty,timeline_months_min,timeline_months_max,summary,updated_at\nhealthcare-ai-ml-engineer,Healthcare AI/ML Engineer Roadmap,..."),
            (String = "application/x-ndjson"),
         ),
         headers(
            ("ETag" = String, description = "Strong validator of this representation."),
            ("Link" = String, description = "`<url>; rel=\"next\"` when another page follows."),
         )),
        NotModified, BadParameter, NotAcceptable, QueryTooLong, InternalError,
    )
)]
#[get("/v1/roadmaps")]
pub async fn list_roadmaps(
    req: HttpRequest,
    state: Data<AppState>,
    query: QueryParams,
) -> Result<HttpResponse, ApiError> {
    let list = ListQuery::parse(&req, &query)?;
    let sort = match query.raw("sort")? {
        None => CatalogueSort::default(),
        Some(name) => CatalogueSort::parse(name).ok_or_else(|| {
            ApiError::bad_parameter("sort", format!("must be one of: {}", CatalogueSort::NAMES))
        })?,
    };
    let cursor_list = format!("roadmaps:{}", sort.name());
    let filter = CatalogueFilter {
        difficulty: query.get("difficulty")?,
        max_months: query.number("max_months", 0, MAX_MONTHS)?,
        fts: query.search_terms("q")?,
        sort,
        after: list.cursor::<(SortValue, Slug)>(&query, &cursor_list)?,
        limit: list.limit,
    };
    let (data, next) = state.store.catalogue(&filter).await?;
    let next_cursor = next.map(|key| Cursor::encode(&cursor_list, key));
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

/// Gets a whole roadmap: every section of the page in one document.
///
/// This is the same document that `content/` holds and that `roadmap-api import` reads.
/// With `Accept: application/ld+json` it comes as schema.org JSON-LD (a `Course` about the
/// `Occupation`, with the phases and projects as parts, certifications as
/// `EducationalOccupationalCredential`s and the sources as `citation`), for search engines.
#[utoipa::path(
    tag = "roadmaps",
    params(
        ("slug" = Slug, Path, description = "The roadmap's slug.", example = "healthcare-ai-ml-engineer"),
        RevisionParam,
        ("format" = Option<String>, Query, description = "`json`, or `jsonld` for schema.org JSON-LD, for tools that cannot set `Accept`.", pattern = "^(json|jsonld)$"),
    ),
    responses(
        (status = 200, description = "The roadmap.",
         content(
            (Roadmap = "application/json"),
            (Object = "application/ld+json", example = json!({"@context": "https://schema.org", "@type": "Course", "name": "Healthcare AI/ML Engineer Roadmap"})),
         ),
         headers(("ETag" = String, description = "Strong validator of this representation."))),
        NotModified, BadParameter, NotFound, NotAcceptable, InternalError,
    )
)]
#[get("/v1/roadmaps/{slug}")]
pub async fn get_roadmap(
    req: HttpRequest,
    state: Data<AppState>,
    slug: Path<String>,
    query: QueryParams,
) -> Result<HttpResponse, ApiError> {
    let format = negotiate(&req, &query, &[Format::Json, Format::JsonLd])?;
    let (roadmap, cache) = roadmap_for(&state, &slug, &query).await?;
    match format {
        Format::JsonLd => jsonld::respond(&req, &state, &roadmap, cache),
        _ => json(&req, &roadmap, cache),
    }
}
