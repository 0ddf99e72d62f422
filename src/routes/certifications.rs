//! Certifications: a roadmap's ratings by signal tier (`/v1/roadmaps/{slug}/certifications`)
//! and every certification across roadmaps (`/v1/certifications`).

use actix_web::web::{Data, Path};
use actix_web::{HttpRequest, HttpResponse, get};
use serde::Deserialize;
use utoipa::IntoParams;

use super::lists::{self, Paging};
use super::{
    AppState, BadParameter, InternalError, JsonQuery, NotAcceptable, NotFound, NotModified,
    QueryTooLong, Revision, path_slug, roadmap_for,
};
use crate::domain::{Certification, CertificationEntry, CertificationRating, Rating, Slug, Tier};
use crate::http::formats::{CsvRows, cell};
use crate::http::query::{self, Query};
use crate::http::{ApiError, Bounded, Cursor, Limit, ListFormat, Page, SearchText, json};
use crate::store::CertificationFilter;

/// The most a `max_cost_usd` filter may name.
const MAX_COST_USD: u32 = 1_000_000;

/// Which of a roadmap's certifications to list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TierQuery {
    /// Only certifications this roadmap rates at this tier.
    #[serde(default, deserialize_with = "query::from_str")]
    #[param(inline)]
    pub tier: Option<Tier>,
    /// `json`, `csv` or `ndjson`, for tools that cannot set `Accept`.
    #[serde(default)]
    #[param(inline)]
    pub format: ListFormat,
    #[param(inline, example = 1)]
    pub rev: Option<Revision>,
}

/// Filters and paging of the certifications across roadmaps.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CertificationQuery {
    /// Only certifications with a rating of this tier (with `roadmap`, that roadmap's rating).
    #[serde(default, deserialize_with = "query::from_str")]
    #[param(inline)]
    pub tier: Option<Tier>,
    /// Only certifications this roadmap rates.
    #[serde(default, deserialize_with = "query::from_str")]
    #[param(example = "healthcare-ai-ml-engineer")]
    pub roadmap: Option<Slug>,
    /// Only certifications that cost at most this many US dollars; those without a price
    /// ("N/A") are left out.
    #[param(inline, example = 250)]
    pub max_cost_usd: Option<Bounded<0, { MAX_COST_USD }>>,
    /// Only certifications whose name or rating mentions every one of these words.
    #[param(inline, example = "machine learning")]
    pub q: Option<SearchText>,
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

fn certification_cells(c: &Certification) -> Vec<String> {
    vec![
        c.slug.to_string(),
        c.name.clone(),
        cell(c.renewal.as_ref()),
        cell(c.cost.amount_usd),
        c.cost.text.clone(),
        cell(c.study_months.map(|m| m.min)),
        cell(c.study_months.map(|m| m.max)),
    ]
}

impl CsvRows for CertificationRating {
    const HEADER: &'static [&'static str] = &[
        "key",
        "tier",
        "slug",
        "name",
        "renewal",
        "cost_usd",
        "cost_text",
        "study_months_min",
        "study_months_max",
        "timeline_text",
        "job_posting_share_min",
        "job_posting_share_max",
        "note",
    ];

    fn rows(&self) -> Vec<Vec<String>> {
        let mut row = vec![self.key.to_string(), self.tier.to_string()];
        row.extend(certification_cells(&self.certification));
        row.extend([
            cell(self.timeline_text.as_ref()),
            cell(self.job_posting_share_percent.map(|s| s.min)),
            cell(self.job_posting_share_percent.map(|s| s.max)),
            self.note.clone(),
        ]);
        vec![row]
    }
}

impl CsvRows for CertificationEntry {
    const HEADER: &'static [&'static str] = &[
        "slug",
        "name",
        "renewal",
        "cost_usd",
        "cost_text",
        "study_months_min",
        "study_months_max",
        "roadmap",
        "tier",
        "timeline_text",
        "job_posting_share_min",
        "job_posting_share_max",
        "note",
    ];

    /// One row per rating.
    fn rows(&self) -> Vec<Vec<String>> {
        let rating_cells = |rating: &Rating| {
            vec![
                rating.roadmap.to_string(),
                rating.tier.to_string(),
                cell(rating.timeline_text.as_ref()),
                cell(rating.job_posting_share_percent.map(|s| s.min)),
                cell(rating.job_posting_share_percent.map(|s| s.max)),
                rating.note.clone(),
            ]
        };
        self.ratings
            .iter()
            .map(|rating| {
                let mut row = certification_cells(&self.certification);
                row.extend(rating_cells(rating));
                row
            })
            .collect()
    }
}

/// Lists the certifications a roadmap rates, in the page's order, each with its tier, note,
/// share of job postings and the certification's own facts (cost, renewal, study time).
#[utoipa::path(
    tag = "certifications",
    params(("slug" = Slug, Path, description = "The roadmap's slug.", example = "healthcare-ai-ml-engineer"), TierQuery),
    responses(
        (status = 200, description = "The rated certifications (never paged: `next_cursor` is null).",
         content(
            (Page<CertificationRating> = "application/json"),
            (String = "text/csv"),
            (String = "application/x-ndjson"),
         ),
         headers(("ETag" = String, description = "Strong validator of this representation."))),
        NotModified, BadParameter, NotFound, NotAcceptable, QueryTooLong, InternalError,
    )
)]
#[get("/v1/roadmaps/{slug}/certifications")]
pub async fn list_roadmap_certifications(
    req: HttpRequest,
    state: Data<AppState>,
    slug: Path<String>,
    Query(query): Query<TierQuery>,
) -> Result<HttpResponse, ApiError> {
    let format = query.format.negotiate(&req)?;
    let (roadmap, cache) = roadmap_for(&state, &slug, query.rev).await?;
    let ratings = roadmap
        .certifications
        .items
        .into_iter()
        .filter(|rating| query.tier.is_none_or(|tier| rating.tier == tier))
        .collect();
    lists::respond(&req, cache, &state, format, ratings, None)
}

/// Lists certifications across every roadmap, in slug order, each with the roadmaps' ratings.
///
/// For scripts: `?tier=high_signal&max_cost_usd=250&format=csv` gives every High Signal
/// certification under $250 as CSV, one row per rating.
#[utoipa::path(
    tag = "certifications",
    params(CertificationQuery),
    responses(
        (status = 200, description = "A page of certifications.",
         content(
            (Page<CertificationEntry> = "application/json"),
            (String = "text/csv", example = "slug,name,renewal,cost_usd,cost_text,study_months_min,study_months_max,roadmap,tier,timeline_text,job_posting_share_min,job_posting_share_max,note\naws-certified-machine-learning-specialty,\"AWS Certified Machine Learning, Specialty\",Annual,300,$300 exam,2,3,healthcare-ai-ml-engineer,high_signal,\"2 to 3 months study, 35 to 50% of job postings\",35,50,Many healthcare organizations use AWS and SageMaker"),
            (String = "application/x-ndjson"),
         ),
         headers(
            ("ETag" = String, description = "Validator of this representation: strong, or weak for a CSV or NDJSON export, which is streamed."),
            ("Link" = String, description = "`<url>; rel=\"next\"` when another page follows."),
         )),
        NotModified, BadParameter, NotAcceptable, QueryTooLong, InternalError,
    )
)]
#[get("/v1/certifications")]
pub async fn list_certifications(
    req: HttpRequest,
    state: Data<AppState>,
    Query(query): Query<CertificationQuery>,
) -> Result<HttpResponse, ApiError> {
    let paging = Paging::new(&req, query.format, query.limit, query.cursor.as_ref())?;
    let filter = CertificationFilter {
        tier: query.tier,
        roadmap: query.roadmap,
        max_cost_usd: query.max_cost_usd.map(Bounded::get),
        fts: query.q.map(SearchText::into_fts),
        after: None,
        limit: 0,
    };
    let store = state.store.clone();
    let fetch = move |after, limit| {
        let (store, filter) = (store.clone(), filter.clone());
        async move {
            let filter = CertificationFilter {
                after,
                limit,
                ..filter
            };
            let (data, more) = store.certification_entries(&filter).await?;
            let next = lists::next_key(more, &data, |last| last.certification.slug.clone());
            Ok((data, next))
        }
    };
    lists::answer(&req, &state, paging, "certifications", fetch).await
}

/// Gets one certification and every roadmap's rating of it.
#[utoipa::path(
    tag = "certifications",
    params(("slug" = Slug, Path, description = "The certification's slug.", example = "aws-certified-machine-learning-specialty"), JsonQuery),
    responses(
        (status = 200, description = "The certification.", body = CertificationEntry,
         headers(("ETag" = String, description = "Strong validator of this representation."))),
        NotModified, BadParameter, NotFound, NotAcceptable, InternalError,
    )
)]
#[get("/v1/certifications/{slug}")]
pub async fn get_certification(
    req: HttpRequest,
    state: Data<AppState>,
    slug: Path<String>,
    Query(query): Query<JsonQuery>,
) -> Result<HttpResponse, ApiError> {
    query.format.negotiate(&req)?;
    let slug = path_slug(&slug, "certification")?;
    let entry = state
        .store
        .certification_entry(&slug)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("there is no certification `{slug}`")))?;
    json(&req, &entry, state.content_cache())
}
