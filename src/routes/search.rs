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
    /// The `next_cursor` of the previous page, unchanged; absent or empty for the first page. It is bound to this search and to
    /// the content it was ranked in: after a content change it answers 409; search again.
    #[param(inline)]
    #[serde(default, deserialize_with = "Cursor::optional")]
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
            ("ETag" = String, description = "Validator of this representation: strong, or weak for a CSV or NDJSON export, which is streamed."),
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
    let store = state.store.clone();
    // The position is the content version the ranking was made in and the hits before it.
    let fetch = move |position: Option<(i64, u32)>, limit| {
        let (store, fts, roadmap) = (store.clone(), fts.clone(), roadmap.clone());
        async move {
            let offset = position.map_or(0, |(_, offset)| offset);
            let page = store
                .search(&SearchQuery {
                    fts,
                    kind,
                    roadmap,
                    limit,
                    offset,
                    version: position.map(|(version, _)| version),
                })
                .await?;
            let next = offset.saturating_add(u32::try_from(page.hits.len()).unwrap_or(u32::MAX));
            Ok((page.hits, page.more.then_some((page.version, next))))
        }
    };
    lists::answer(&req, &state, paging, &cursor_list, fetch).await
}
