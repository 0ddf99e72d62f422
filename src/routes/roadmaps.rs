//! `/v1/roadmaps`: the catalogue and whole roadmaps.

use actix_web::http::header;
use actix_web::web::{Data, Path};
use actix_web::{HttpRequest, HttpResponse, get};
use utoipa::IntoParams;

use super::{
    AppState, BadParameter, InternalError, NotFound, NotModified, QueryTooLong, in_roadmap,
    path_slug,
};
use crate::domain::{Difficulty, Roadmap};
use crate::http::{ApiError, Cursor, Limit, Page, QueryParams, json};
use crate::store::{CatalogueFilter, RoadmapSummary};

/// Filters and paging of the catalogue.
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
    /// Page size, 1 to 100 (default 20).
    #[param(value_type = Option<u32>, minimum = 1, maximum = 100, default = 20)]
    pub limit: Limit,
    /// The `next_cursor` of the previous page, unchanged.
    #[param(value_type = Option<String>)]
    pub cursor: Option<Cursor>,
}

/// The longest timeline a filter may name: a century of months.
const MAX_MONTHS: u32 = 1200;

impl CatalogueQuery {
    fn parse(query: &QueryParams) -> Result<CatalogueQuery, ApiError> {
        Ok(CatalogueQuery {
            difficulty: query.get("difficulty")?,
            max_months: query.number("max_months", 0, MAX_MONTHS)?,
            limit: Limit::from_query(query)?,
            cursor: query.get("cursor")?,
        })
    }
}

/// Lists roadmaps (summaries) in slug order, a page at a time.
///
/// Paging is by keyset: follow `next_cursor` (or the `Link: rel="next"` header) until it is
/// null. Pages stay correct when roadmaps are added between requests.
#[utoipa::path(
    tag = "roadmaps",
    params(CatalogueQuery),
    responses(
        (status = 200, description = "A page of roadmap summaries.", body = Page<RoadmapSummary>,
         headers(
            ("ETag" = String, description = "Strong validator of this representation."),
            ("Link" = String, description = "`<url>; rel=\"next\"` when another page follows."),
         )),
        NotModified, BadParameter, QueryTooLong, InternalError,
    )
)]
#[get("/v1/roadmaps")]
pub async fn list_roadmaps(
    req: HttpRequest,
    state: Data<AppState>,
    query: QueryParams,
) -> Result<HttpResponse, ApiError> {
    let CatalogueQuery {
        difficulty,
        max_months,
        limit,
        cursor,
    } = CatalogueQuery::parse(&query)?;
    let filter = CatalogueFilter {
        difficulty,
        max_months,
        after: cursor.map(|c| c.after),
        limit: limit.0,
    };
    let (data, more) = state.store.catalogue(&filter).await?;
    let next_cursor = more
        .then(|| {
            data.last().map(|last| {
                Cursor {
                    after: last.slug.clone(),
                }
                .encode()
            })
        })
        .flatten();
    let link = next_cursor.as_ref().map(|cursor| {
        let mut next = form_urlencoded::Serializer::new(String::new());
        if let Some(difficulty) = filter.difficulty {
            next.append_pair("difficulty", difficulty.as_str());
        }
        if let Some(max) = filter.max_months {
            next.append_pair("max_months", &max.to_string());
        }
        next.append_pair("limit", &limit.0.to_string());
        next.append_pair("cursor", cursor);
        let url = state.link(&format!("/v1/roadmaps?{}", next.finish()));
        format!("<{url}>; rel=\"next\"")
    });
    let mut response = json(&req, &Page { data, next_cursor }, state.content_cache())?;
    if let Some(link) = link
        && let Ok(value) = header::HeaderValue::from_str(&link)
    {
        response.headers_mut().insert(header::LINK, value);
    }
    Ok(response)
}

/// Gets a whole roadmap: every section of the page in one document.
///
/// This is the same document that `content/` holds and that `roadmap-api import` reads.
#[utoipa::path(
    tag = "roadmaps",
    params(("slug" = crate::domain::Slug, Path, description = "The roadmap's slug.", example = "healthcare-ai-ml-engineer")),
    responses(
        (status = 200, description = "The roadmap.", body = Roadmap,
         headers(("ETag" = String, description = "Strong validator of this representation."))),
        NotModified, NotFound, InternalError,
    )
)]
#[get("/v1/roadmaps/{slug}")]
pub async fn get_roadmap(
    req: HttpRequest,
    state: Data<AppState>,
    slug: Path<String>,
) -> Result<HttpResponse, ApiError> {
    let slug = path_slug(&slug, "roadmap")?;
    let roadmap = in_roadmap(state.store.roadmap(&slug).await?, &slug)?;
    json(&req, &roadmap, state.content_cache())
}
