//! `/v1/roadmaps`: the catalogue and whole roadmaps.

use actix_web::web::{Data, Path};
use actix_web::{HttpRequest, HttpResponse, get};
use serde::{Deserialize, Deserializer};
use utoipa::openapi::RefOr;
use utoipa::openapi::schema::{ObjectBuilder, Schema, Type};
use utoipa::{IntoParams, PartialSchema, ToSchema};

use super::lists::{self, Paging};
use super::{
    AppState, BadParameter, InternalError, NotAcceptable, NotFound, NotModified, QueryTooLong,
    Revision, jsonld, roadmap_for,
};
use crate::domain::{Difficulty, Roadmap, Slug};
use crate::http::formats::{CsvRows, Format, FormatParam, Offered};
use crate::http::query::{self, Query, read_text};
use crate::http::{ApiError, Bounded, Cursor, Limit, ListFormat, SearchText, json};
use crate::store::{CatalogueFilter, CatalogueSort, RoadmapSummary, SortValue};

/// The longest timeline a filter may name: a century of months.
const MAX_MONTHS: u32 = 1200;

/// Filters, order and paging of the catalogue.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CatalogueQuery {
    /// Only roadmaps of this difficulty.
    #[serde(default, deserialize_with = "query::from_str")]
    #[param(inline)]
    pub difficulty: Option<Difficulty>,
    /// Only roadmaps whose whole timeline ends within this many months (its upper bound is at
    /// most the value).
    #[param(inline, example = 18)]
    pub max_months: Option<Bounded<0, { MAX_MONTHS }>>,
    /// Only roadmaps whose title or prose contains every one of these words (stemmed:
    /// `predict` finds "predictive"), 1 to 200 characters.
    #[param(inline, example = "clinical NLP")]
    pub q: Option<SearchText>,
    /// The order: `title`, `difficulty` (low to very high) or `months` (by the timeline's upper
    /// bound), ascending, or descending with a leading `-`. Ties go by slug.
    #[param(inline, example = "-difficulty")]
    pub sort: Option<CatalogueSort>,
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

/// The bases of the sort names, each also descending with a leading `-`.
fn sort_bases() -> impl Iterator<Item = &'static str> {
    CatalogueSort::NAMES
        .split(", ")
        .filter(|name| !name.starts_with('-'))
}

impl<'de> Deserialize<'de> for CatalogueSort {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        read_text(deserializer, |name| {
            CatalogueSort::parse(name)
                .ok_or_else(|| format!("must be one of: {}", CatalogueSort::NAMES))
        })
    }
}

impl PartialSchema for CatalogueSort {
    fn schema() -> RefOr<Schema> {
        let bases: Vec<&str> = sort_bases().collect();
        ObjectBuilder::new()
            .schema_type(Type::String)
            .default(Some(CatalogueSort::default().name().into()))
            .pattern(Some(format!("^-?({})$", bases.join("|"))))
            .into()
    }
}

impl ToSchema for CatalogueSort {}

/// A roadmap as JSON, or as schema.org JSON-LD.
#[derive(Debug, Clone, Copy)]
pub enum RoadmapFormats {}

impl Offered for RoadmapFormats {
    const FORMATS: &'static [Format] = &[Format::Json, Format::JsonLd];
}

/// `?format=` of a roadmap.
pub type RoadmapFormat = FormatParam<RoadmapFormats>;

/// Which roadmap document to read, and how.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RoadmapQuery {
    #[param(inline, example = 1)]
    pub rev: Option<Revision>,
    /// `json`, or `jsonld` for schema.org JSON-LD, for tools that cannot set `Accept`.
    #[serde(default)]
    #[param(inline)]
    pub format: RoadmapFormat,
}

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
            ("ETag" = String, description = "Validator of this representation: strong, or weak for a CSV or NDJSON export, which is streamed."),
            ("Link" = String, description = "`<url>; rel=\"next\"` when another page follows."),
         )),
        NotModified, BadParameter, NotAcceptable, QueryTooLong, InternalError,
    )
)]
#[get("/v1/roadmaps")]
pub async fn list_roadmaps(
    req: HttpRequest,
    state: Data<AppState>,
    Query(query): Query<CatalogueQuery>,
) -> Result<HttpResponse, ApiError> {
    let paging = Paging::new(&req, query.format, query.limit, query.cursor.as_ref())?;
    let sort = query.sort.unwrap_or_default();
    // A cursor belongs to its sort order.
    let cursor_list = format!("roadmaps:{}", sort.name());
    let filter = CatalogueFilter {
        difficulty: query.difficulty,
        max_months: query.max_months.map(Bounded::get),
        fts: query.q.map(SearchText::into_fts),
        sort,
        after: None,
        limit: 0,
    };
    let store = state.store.clone();
    let fetch = move |after: Option<(SortValue, Slug)>, limit| {
        let (store, filter) = (store.clone(), filter.clone());
        async move {
            let filter = CatalogueFilter {
                after,
                limit,
                ..filter
            };
            Ok(store.catalogue(&filter).await?)
        }
    };
    lists::answer(&req, &state, paging, &cursor_list, fetch).await
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
        RoadmapQuery,
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
    Query(query): Query<RoadmapQuery>,
) -> Result<HttpResponse, ApiError> {
    let format = query.format.negotiate(&req)?;
    let (roadmap, cache) = roadmap_for(&state, &slug, query.rev).await?;
    match format {
        Format::JsonLd => jsonld::respond(&req, &state, &roadmap, cache),
        _ => json(&req, &roadmap, cache),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sort_pattern_covers_every_order_and_no_other() {
        let bases: Vec<&str> = sort_bases().collect();
        assert_eq!(CatalogueSort::NAMES.split(", ").count(), 2 * bases.len());
        for base in bases {
            assert!(CatalogueSort::parse(base).is_some(), "{base}");
            assert!(
                CatalogueSort::parse(&format!("-{base}")).is_some(),
                "-{base}"
            );
        }
    }
}
