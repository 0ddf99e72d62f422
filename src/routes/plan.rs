//! `/v1/roadmaps/{slug}/plan`: the learning path as a dated study plan, in JSON or as an
//! iCalendar file.

use actix_web::web::{Data, Path};
use actix_web::{HttpRequest, HttpResponse, get};
use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Deserializer};
use utoipa::openapi::RefOr;
use utoipa::openapi::schema::{KnownFormat, ObjectBuilder, Schema, SchemaFormat, Type};
use utoipa::{IntoParams, PartialSchema, ToSchema};

use super::{
    AppState, BadParameter, InternalError, NotAcceptable, NotFound, NotModified, QueryTooLong,
    Revision, roadmap_for,
};
use crate::domain::{Pace, Progress, Slug, StudyPlan};
use crate::http::formats::{FormatParam, Offered};
use crate::http::query::{self, Query, read_text};
use crate::http::{ApiError, Bounded, DoneList, Format, json, representation};

/// The most study hours a week a plan may assume.
const MAX_HOURS_PER_WEEK: u32 = 80;

/// The years a plan may start in: wide enough for any learner, narrow enough that every
/// date of the longest plan stays representable.
const START_YEARS: std::ops::RangeInclusive<i32> = 1900..=2199;

/// The first day of a plan: an ISO 8601 date (`YYYY-MM-DD`) in [`START_YEARS`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StartDate(NaiveDate);

impl<'de> Deserialize<'de> for StartDate {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        read_text(deserializer, |raw| {
            NaiveDate::parse_from_str(raw, "%Y-%m-%d")
                .ok()
                .filter(|d| raw.len() == 10 && START_YEARS.contains(&d.year()))
                .map(StartDate)
                .ok_or_else(|| {
                    format!(
                        "must be a date as YYYY-MM-DD from {} to {}",
                        START_YEARS.start(),
                        START_YEARS.end()
                    )
                })
        })
    }
}

impl PartialSchema for StartDate {
    /// The pattern checks the century, which a `date` format alone does not.
    fn schema() -> RefOr<Schema> {
        let centuries: Vec<String> = (START_YEARS.start() / 100..=START_YEARS.end() / 100)
            .map(|century| century.to_string())
            .collect();
        ObjectBuilder::new()
            .schema_type(Type::String)
            .format(Some(SchemaFormat::KnownFormat(KnownFormat::Date)))
            .pattern(Some(format!("^({})[0-9]{{2}}-", centuries.join("|"))))
            .into()
    }
}

impl ToSchema for StartDate {}

/// A plan as JSON, or as an iCalendar file.
#[derive(Debug, Clone, Copy)]
pub enum PlanFormats {}

impl Offered for PlanFormats {
    const FORMATS: &'static [Format] = &[Format::Json, Format::Calendar];
}

/// `?format=` of a plan.
pub type PlanFormat = FormatParam<PlanFormats>;

/// How to lay out the plan.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PlanQuery {
    /// Study hours a week, 1 to 80.
    #[param(inline, example = 10)]
    pub hours_per_week: Bounded<1, { MAX_HOURS_PER_WEEK }>,
    /// The first day, an ISO 8601 date from 1900-01-01 to 2199-12-31 (default: today, UTC).
    #[param(inline, example = "2027-01-04")]
    pub start: Option<StartDate>,
    /// `steady` (the default) dates each phase by the high end of its hour range, `fast` by
    /// the low end.
    #[serde(default, deserialize_with = "query::from_str")]
    #[param(inline)]
    pub pace: Option<Pace>,
    /// `json` or `ics`, for tools that cannot set `Accept`.
    #[serde(default)]
    #[param(inline)]
    pub format: PlanFormat,
    #[param(inline, example = 1)]
    pub rev: Option<Revision>,
    /// The keys of the items already done, as `/progress` takes them (comma-separated, at
    /// most 100): only the work left is planned, from `start`. Phases done are left out; a
    /// phase partly done takes the share of its hours that its items left stand for.
    #[serde(default)]
    #[param(inline, style = Form, explode = false, example = json!(["python-fundamentals", "basic-sql"]))]
    pub done: DoneList,
}

/// Lays the learning path out on the calendar: for each phase the weeks its hour range takes
/// at `hours_per_week` (low and high end), its start and end dates, and its checkpoint as a
/// milestone on its last day. With `done`, only the work left is planned, in the path's order.
///
/// With `Accept: text/calendar` (or `?format=ics`) the plan is an iCalendar file: an all-day
/// event per phase and one per checkpoint, with UIDs that stay the same for the same roadmap
/// and phase, so importing a revised plan updates the events instead of duplicating them.
#[utoipa::path(
    tag = "learning path",
    params(("slug" = Slug, Path, description = "The roadmap's slug.", example = "healthcare-ai-ml-engineer"), PlanQuery),
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
    Query(query): Query<PlanQuery>,
) -> Result<HttpResponse, ApiError> {
    let format = query.format.negotiate(&req)?;
    let start = query
        .start
        .map_or_else(|| chrono::Utc::now().date_naive(), |start| start.0);
    let (roadmap, cache) = roadmap_for(&state, &slug, query.rev).await?;
    let progress = Progress::new(&roadmap, &query.done.0);
    let plan = StudyPlan::new(
        &roadmap,
        &progress,
        query.hours_per_week.get(),
        start,
        query.pace.unwrap_or_default(),
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
