//! `/v1/roadmaps/{slug}/plan`: the learning path as a dated study plan, in JSON or as an
//! iCalendar file.

use actix_web::web::{Data, Path};
use actix_web::{HttpRequest, HttpResponse, get};
use chrono::{Datelike, NaiveDate};
use utoipa::IntoParams;

use super::{
    AppState, BadParameter, InternalError, NotAcceptable, NotFound, NotModified, QueryTooLong,
    RevisionParam, roadmap_for,
};
use crate::domain::{Pace, Slug, StudyPlan};
use crate::http::{ApiError, Format, QueryParams, json, negotiate, representation};

/// How to lay out the plan.
#[derive(Debug, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PlanQuery {
    /// Study hours a week, 1 to 80.
    #[param(minimum = 1, maximum = 80, example = 10)]
    pub hours_per_week: u32,
    /// The first day, an ISO 8601 date from 1900-01-01 to 2199-12-31 (default: today, UTC).
    #[param(value_type = Option<String>, format = Date, pattern = "^(19|20|21)[0-9]{2}-", example = "2027-01-04")]
    pub start: Option<String>,
    /// `steady` (the default) dates each phase by the high end of its hour range, `fast` by
    /// the low end.
    #[param(inline)]
    pub pace: Option<Pace>,
    /// `json` or `ics`, for tools that cannot set `Accept`.
    #[param(value_type = Option<String>, pattern = "^(json|ics)$")]
    pub format: Option<String>,
}

/// The years a plan may start in: wide enough for any learner, narrow enough that every
/// date of the longest plan stays representable.
const START_YEARS: std::ops::RangeInclusive<i32> = 1900..=2199;

fn start_date(query: &QueryParams) -> Result<NaiveDate, ApiError> {
    let today = chrono::Utc::now().date_naive();
    let Some(raw) = query.raw("start")? else {
        return Ok(today);
    };
    let date = NaiveDate::parse_from_str(raw, "%Y-%m-%d")
        .ok()
        .filter(|d| raw.len() == 10 && START_YEARS.contains(&d.year()))
        .ok_or_else(|| {
            ApiError::bad_parameter("start", "must be a date as YYYY-MM-DD from 1900 to 2199")
        })?;
    Ok(date)
}

/// Lays the learning path out on the calendar: for each phase the weeks its hour range takes
/// at `hours_per_week` (low and high end), its start and end dates, and its checkpoint as a
/// milestone on its last day.
///
/// With `Accept: text/calendar` (or `?format=ics`) the plan is an iCalendar file: an all-day
/// event per phase and one per checkpoint, with UIDs that stay the same for the same roadmap
/// and phase, so importing a revised plan updates the events instead of duplicating them.
#[utoipa::path(
    tag = "learning path",
    params(("slug" = Slug, Path, description = "The roadmap's slug.", example = "healthcare-ai-ml-engineer"), PlanQuery, RevisionParam),
    responses(
        (status = 200, description = "The plan.",
         content(
            (StudyPlan = "application/json"),
            (String = "text/calendar", example = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\n..."),
         ),
         headers(("ETag" = String, description = "Strong validator of this representation."))),
        NotModified, BadParameter, NotFound, NotAcceptable, QueryTooLong, InternalError,
    )
)]
#[get("/v1/roadmaps/{slug}/plan")]
pub async fn get_plan(
    req: HttpRequest,
    state: Data<AppState>,
    slug: Path<String>,
    query: QueryParams,
) -> Result<HttpResponse, ApiError> {
    let format = negotiate(&req, &query, &[Format::Json, Format::Calendar])?;
    let hours_per_week = query.number("hours_per_week", 1, 80)?.ok_or_else(|| {
        ApiError::bad_parameter("hours_per_week", "is required: study hours a week, 1 to 80")
    })?;
    let start = start_date(&query)?;
    let pace = query.get::<Pace>("pace")?.unwrap_or_default();
    let (roadmap, cache) = roadmap_for(&state, &slug, &query).await?;
    let plan = StudyPlan::new(
        roadmap.slug.clone(),
        &roadmap.learning_path.phases,
        hours_per_week,
        start,
        pace,
    )
    .ok_or_else(|| ApiError::bad_parameter("start", "puts the plan beyond the calendar"))?;
    match format {
        Format::Calendar => {
            let body = plan.to_icalendar(&roadmap.title).into_bytes();
            representation::bytes(&req, body, "text/calendar; charset=utf-8", cache)
        }
        _ => json(&req, &plan, cache),
    }
}
