//! `/v1/search`: full-text search over roadmaps, phases, topics, projects, certifications
//! and sources.

use actix_web::web::Data;
use actix_web::{HttpRequest, HttpResponse, get};
use serde::Deserialize;
use utoipa::IntoParams;

use super::lists::{self, Paging};
use super::{
    AppState, BadParameter, InternalError, NotAcceptable, NotModified, QueryTooLong, StaleCursor,
};
use crate::domain::Slug;
use crate::http::formats::CsvRows;
use crate::http::query::{self, Query};
use crate::http::{ApiError, Cursor, Limit, ListFormat, SearchText};
use crate::store::{HitKind, SearchHit, SearchQuery};

/// What to search for.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SearchParams {
    /// Plain words, 1 to 200 characters; a hit contains every word (stemmed: `predict` finds
    /// "Prediction"). Punctuation inside a word is kept (`scikit-learn`, `AUC-ROC`,
    /// `MIMIC-III`); there is no operator syntax.
    #[param(inline, example = "predict readmission")]
    pub q: SearchText,
    /// Only hits of this type.
    #[serde(default, deserialize_with = "query::from_str")]
    #[param(inline)]
    pub r#type: Option<HitKind>,
    /// Only hits in this roadmap.
    #[serde(default, deserialize_with = "query::from_str")]
    #[param(example = "healthcare-ai-ml-engineer")]
    pub roadmap: Option<Slug>,
    /// Page size, 1 to 100 (default 20). CSV and NDJSON carry every hit.
    #[serde(default)]
    #[param(inline)]
    pub limit: Limit,
    /// The `next_cursor` of the previous page, unchanged. It is bound to this search and to
    /// the content it was ranked in: after a content change it answers 409; search again.
    #[param(inline)]
    pub cursor: Option<Cursor>,
    /// `json`, `csv` or `ndjson`, for tools that cannot set `Accept`.
    #[serde(default)]
    #[param(inline)]
    pub format: ListFormat,
}

impl CsvRows for SearchHit {
    const HEADER: &'static [&'static str] = &["type", "title", "snippet", "url", "roadmap"];

    fn rows(&self) -> Vec<Vec<String>> {
        vec![vec![
            self.kind.as_str().to_owned(),
            self.title.clone(),
            self.snippet.clone(),
            self.url.clone(),
            self.roadmap.to_string(),
        ]]
    }
}

/// Searches the whole collection, best matches first (bm25; a match in a title counts more).
///
/// Each hit has its type, title, a snippet with the matching words marked, the API URL of
/// the resource and its roadmap.
#[utoipa::path(
    tag = "search",
    params(SearchParams),
    responses(
        (status = 200, description = "A page of hits.",
         content(
            (crate::http::Page<SearchHit> = "application/json"),
            (String = "text/csv"),
            (String = "application/x-ndjson"),
         ),
         headers(
            ("ETag" = String, description = "Strong validator of this representation."),
            ("Link" = String, description = "`<url>; rel=\"next\"` when another page follows."),
         )),
        NotModified, BadParameter, NotAcceptable, StaleCursor, QueryTooLong, InternalError,
    )
)]
#[get("/v1/search")]
pub async fn search(
    req: HttpRequest,
    state: Data<AppState>,
    Query(query): Query<SearchParams>,
) -> Result<HttpResponse, ApiError> {
    let paging = Paging::new(&req, query.format, query.limit, query.cursor.as_ref())?;
    let fts = query.q.into_fts();
    let (kind, roadmap) = (query.r#type, query.roadmap);
    // A cursor belongs to one search: the same words and filters.
    let cursor_list = format!(
        "search:{}",
        crate::http::representation::content_hash(
            format!("{fts}\n{kind:?}\n{roadmap:?}").as_bytes()
        )
    );
    let position = paging.after::<(i64, u32)>(&cursor_list)?;
    let page = state
        .store
        .search(&SearchQuery {
            fts,
            kind,
            roadmap,
            limit: paging.limit,
            offset: position.map_or(0, |(_, offset)| offset),
            version: position.map(|(version, _)| version),
        })
        .await?;
    let offset = position.map_or(0, |(_, offset)| offset) + page.hits.len() as u32;
    let next_cursor = page
        .more
        .then(|| Cursor::encode(&cursor_list, (page.version, offset)));
    lists::respond(
        &req,
        state.content_cache(),
        &state,
        paging.format,
        page.hits,
        next_cursor,
    )
}
