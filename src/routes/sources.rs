//! Sources: what a roadmap cites (`/v1/roadmaps/{slug}/sources`) and every cited source with
//! the places it is cited (`/v1/sources`).

use actix_web::web::{Data, Path};
use actix_web::{HttpRequest, HttpResponse, get};
use serde::Deserialize;
use utoipa::IntoParams;

use super::lists::{self, Paging};
use super::{
    AppState, BadParameter, InternalError, JsonQuery, NotAcceptable, NotFound, NotModified,
    QueryTooLong, SectionQuery, path_slug, roadmap_for,
};
use crate::domain::{Slug, SourceEntry, SourceKind, SourceRef, Sources};
use crate::http::formats::{CsvRows, cell, joined};
use crate::http::query::{self, Query};
use crate::http::{ApiError, Cursor, Format, Limit, ListFormat, json};
use crate::store::SourceFilter;

/// Filters and paging of the sources across roadmaps.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SourceQuery {
    /// Only sources of this kind.
    #[serde(default, deserialize_with = "query::from_str")]
    #[param(inline)]
    pub kind: Option<SourceKind>,
    /// Only sources this roadmap cites.
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

impl CsvRows for SourceRef {
    const HEADER: &'static [&'static str] = &["key", "slug", "title", "kind", "url", "cited_in"];

    fn rows(&self) -> Vec<Vec<String>> {
        vec![vec![
            self.key.to_string(),
            self.slug.to_string(),
            self.title.clone(),
            self.kind.to_string(),
            cell(self.url.as_ref()),
            joined(&self.cited_in),
        ]]
    }
}

impl CsvRows for SourceEntry {
    const HEADER: &'static [&'static str] = &["slug", "title", "kind", "url", "cited_in"];

    /// `cited_in` lists `roadmap#pointer` for every citation.
    fn rows(&self) -> Vec<Vec<String>> {
        let cited: Vec<String> = self
            .citations
            .iter()
            .map(|c| format!("{}#{}", c.roadmap, c.pointer))
            .collect();
        vec![vec![
            self.slug.to_string(),
            self.title.clone(),
            self.kind.to_string(),
            cell(self.url.as_ref()),
            joined(&cited),
        ]]
    }
}

/// Lists what a roadmap cites, with where in the document each source is cited, and the
/// number of sources the page itself declares. CSV and NDJSON give the items alone.
#[utoipa::path(
    tag = "sources",
    params(
        ("slug" = Slug, Path, description = "The roadmap's slug.", example = "healthcare-ai-ml-engineer"),
        SectionQuery,
    ),
    responses(
        (status = 200, description = "The roadmap's sources section.",
         content(
            (Sources = "application/json"),
            (String = "text/csv"),
            (String = "application/x-ndjson"),
         ),
         headers(("ETag" = String, description = "Strong validator of this representation."))),
        NotModified, BadParameter, NotFound, NotAcceptable, InternalError,
    )
)]
#[get("/v1/roadmaps/{slug}/sources")]
pub async fn list_roadmap_sources(
    req: HttpRequest,
    state: Data<AppState>,
    slug: Path<String>,
    Query(query): Query<SectionQuery>,
) -> Result<HttpResponse, ApiError> {
    let format = query.format.negotiate(&req)?;
    let (roadmap, cache) = roadmap_for(&state, &slug, query.rev).await?;
    match format {
        Format::Json => json(&req, &roadmap.sources, cache),
        _ => lists::respond(&req, cache, &state, format, roadmap.sources.items, None),
    }
}

/// Lists every cited source across roadmaps, in slug order, with where each is cited.
#[utoipa::path(
    tag = "sources",
    params(SourceQuery),
    responses(
        (status = 200, description = "A page of sources.",
         content(
            (crate::http::Page<SourceEntry> = "application/json"),
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
#[get("/v1/sources")]
pub async fn list_sources(
    req: HttpRequest,
    state: Data<AppState>,
    Query(query): Query<SourceQuery>,
) -> Result<HttpResponse, ApiError> {
    let paging = Paging::new(&req, query.format, query.limit, query.cursor.as_ref())?;
    let filter = SourceFilter {
        kind: query.kind,
        roadmap: query.roadmap,
        after: None,
        limit: 0,
    };
    let store = state.store.clone();
    let fetch = move |after, limit| {
        let (store, filter) = (store.clone(), filter.clone());
        async move {
            let filter = SourceFilter {
                after,
                limit,
                ..filter
            };
            let (data, more) = store.source_entries(&filter).await?;
            let next = lists::next_key(more, &data, |last| last.slug.clone());
            Ok((data, next))
        }
    };
    lists::answer(&req, &state, paging, "sources", fetch).await
}

/// Gets one source and every place a roadmap cites it.
#[utoipa::path(
    tag = "sources",
    params(("slug" = Slug, Path, description = "The source's slug.", example = "google-ml-crash-course"), JsonQuery),
    responses(
        (status = 200, description = "The source.", body = SourceEntry,
         headers(("ETag" = String, description = "Strong validator of this representation."))),
        NotModified, BadParameter, NotFound, NotAcceptable, InternalError,
    )
)]
#[get("/v1/sources/{slug}")]
pub async fn get_source(
    req: HttpRequest,
    state: Data<AppState>,
    slug: Path<String>,
    Query(query): Query<JsonQuery>,
) -> Result<HttpResponse, ApiError> {
    query.format.negotiate(&req)?;
    let slug = path_slug(&slug, "source")?;
    let entry = state
        .store
        .source_entry(&slug)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("there is no source `{slug}`")))?;
    json(&req, &entry, state.content_cache())
}
