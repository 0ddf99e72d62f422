//! `/v1/roadmaps/{slug}/certifications`: a roadmap's certifications by signal tier.

use actix_web::web::{Data, Path};
use actix_web::{HttpRequest, HttpResponse, get};
use utoipa::IntoParams;

use super::{
    AppState, BadParameter, InternalError, NotFound, NotModified, QueryTooLong, in_roadmap,
    path_slug,
};
use crate::domain::{CertificationRating, Tier};
use crate::http::{ApiError, Page, QueryParams, json};

/// Which certifications to list.
#[derive(Debug, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TierQuery {
    /// Only certifications this roadmap rates at this tier.
    #[param(inline)]
    pub tier: Option<Tier>,
}

impl TierQuery {
    fn parse(query: &QueryParams) -> Result<TierQuery, ApiError> {
        Ok(TierQuery {
            tier: query.get("tier")?,
        })
    }
}

/// Lists the certifications a roadmap rates, in the page's order, each with its tier, note,
/// share of job postings and the certification's own facts (cost, renewal, study time).
#[utoipa::path(
    tag = "certifications",
    params(("slug" = crate::domain::Slug, Path, description = "The roadmap's slug.", example = "healthcare-ai-ml-engineer"), TierQuery),
    responses(
        (status = 200, description = "The rated certifications (never paged: `next_cursor` is null).",
         body = Page<CertificationRating>,
         headers(("ETag" = String, description = "Strong validator of this representation."))),
        NotModified, BadParameter, NotFound, QueryTooLong, InternalError,
    )
)]
#[get("/v1/roadmaps/{slug}/certifications")]
pub async fn list_roadmap_certifications(
    req: HttpRequest,
    state: Data<AppState>,
    slug: Path<String>,
    query: QueryParams,
) -> Result<HttpResponse, ApiError> {
    let TierQuery { tier } = TierQuery::parse(&query)?;
    let slug = path_slug(&slug, "roadmap")?;
    let ratings = in_roadmap(state.store.certifications(&slug, tier).await?, &slug)?;
    json(&req, &Page::whole(ratings), state.content_cache())
}
