//! Transition stories: the public submission (`POST /v1/roadmaps/{slug}/stories`, as JSON or
//! from the form at `/stories/new`) and the published stories (`GET`), which are the
//! roadmap's `transition_stories.items`. Moderation is in [`super::moderation`].
//!
//! A submission is the API's one public write, so every byte is hostile: the body is capped
//! at [`MAX_SUBMISSION_BYTES`], every field is checked ([`Submission::parse`]), each client
//! may submit `--story-rate-limit` stories an hour, the same text is taken once, and at most
//! `--story-max-pending` submissions wait at a time. Nothing of a submission is logged.

use actix_web::http::StatusCode;
use actix_web::web::{Data, Path, Payload};
use actix_web::{HttpRequest, HttpResponse, get, post};
use serde::Serialize;
use serde_json::{Map, Value};
use utoipa::ToSchema;

use super::story_form::{self, FormAnswer};
use super::{
    AppState, BadParameter, InternalError, ItemQuery, NotAcceptable, NotFound, NotModified,
    SectionQuery, lists, path_slug, roadmap_for, this_year,
};
use crate::domain::{Slug, StoryStatus, StorySubmission, Submission, Submitted, TransitionStory};
use crate::http::formats::{CsvRows, joined};
use crate::http::metrics::{Metrics, SubmissionOutcome};
use crate::http::query::Query;
use crate::http::rate_limit::ClientRateLimit;
use crate::http::{
    ApiError, CachePolicy, Page, Problem, body_media_type, is_json, json, parse_json, read_body,
};
use crate::store::Refusal;

/// The largest submission body: a story of 5,000 characters, each escaped as `\uXXXX`, and
/// the other fields fit in it with room to spare.
pub const MAX_SUBMISSION_BYTES: usize = 64 * 1024;

/// How long to wait when the moderation queue is full.
const QUEUE_FULL_RETRY: u64 = 3600;

/// What a submitter gets back: an id to quote to the editors, never a way to read the
/// submission.
#[derive(Debug, Serialize, ToSchema)]
pub struct Receipt {
    /// The submission's id.
    #[schema(example = "4f2a9c1e0b7d4e6a8c3b5d7f9a1c2e4b")]
    pub id: String,
    /// Always `pending`: an editor reads it before anything is published.
    pub status: StoryStatus,
}

/// The body as the form or the JSON sent it, and which of the two: the answer is a page for
/// the form and JSON for the API.
enum Body {
    Json(Value),
    Form(Value),
}

/// Submits a transition story for moderation (public: no token).
///
/// Send JSON, or `application/x-www-form-urlencoded` as the form at `/stories/new` does (then
/// the answers are HTML pages: a thank-you page, or the form again with each error next to
/// its field). The story is stored as `pending`; nothing is published until an editor
/// approves it. Each client may submit `--story-rate-limit` stories an hour (default 5); the
/// same story text is taken only once; `homepage` must stay empty. The contact email is for
/// the editors only and never published.
#[utoipa::path(
    tag = "stories",
    params(("slug" = Slug, Path, description = "The roadmap the story belongs to.", example = "healthcare-ai-ml-engineer")),
    request_body(content(
        (StorySubmission = "application/json"),
        (StorySubmission = "application/x-www-form-urlencoded"),
    )),
    responses(
        (status = 202, description = "Taken, pending moderation.", content(
            (Receipt = "application/json"),
            (String = "text/html"),
        )),
        (status = 400, description = "The body is not JSON (or not a form).", content((Problem = "application/problem+json"), (String = "text/html"))),
        (status = 404, description = "No such roadmap.", content((Problem = "application/problem+json"), (String = "text/html"))),
        (status = 405, description = "This server is read-only.", content((Problem = "application/problem+json"), (String = "text/html")), headers(("Allow" = String))),
        (status = 409, description = "This story was submitted before.", content((Problem = "application/problem+json"), (String = "text/html"))),
        (status = 413, description = "The body is larger than 64 KiB.", content((Problem = "application/problem+json"), (String = "text/html"))),
        (status = 415, description = "The body is neither JSON nor a form.", content((Problem = "application/problem+json"), (String = "text/html"))),
        (status = 422, description = "The submission is not valid; `errors` locates each problem by a JSON pointer.", content((Problem = "application/problem+json"), (String = "text/html"))),
        (status = 429, description = "This client submitted its allowance for the hour.", content((Problem = "application/problem+json"), (String = "text/html")),
         headers(("Retry-After" = u64, description = "Seconds to wait."))),
        (status = 503, description = "The moderation queue is full, or the request timed out.", content((Problem = "application/problem+json"), (String = "text/html")),
         headers(("Retry-After" = u64, description = "Seconds to wait."))),
        InternalError,
    )
)]
#[post("/v1/roadmaps/{slug}/stories")]
pub async fn submit_story(
    req: HttpRequest,
    state: Data<AppState>,
    slug: Path<String>,
    payload: Payload,
) -> Result<HttpResponse, ApiError> {
    let is_form = body_media_type(&req).as_deref() == Some("application/x-www-form-urlencoded");
    let (answer, sent) = match read(&req, payload, &state).await {
        Ok(body) => (take(&req, &state, &slug, &body).await, Some(body)),
        Err(error) => (Err(error), None),
    };
    if let Some(metrics) = req.app_data::<Data<Metrics>>() {
        metrics.story_submission(match &answer {
            Ok(Taken::Stored(_)) => SubmissionOutcome::Accepted,
            Ok(Taken::Trapped(_)) => SubmissionOutcome::Honeypot,
            Err(_) => SubmissionOutcome::Refused,
        });
    }
    if !is_form {
        let receipt = answer?.into_receipt();
        let mut response = json(&req, &receipt, CachePolicy::NoStore)?;
        *response.status_mut() = StatusCode::ACCEPTED;
        return Ok(response);
    }
    let slug = slug.into_inner();
    Ok(match (answer, sent) {
        (Ok(_), _) => story_form::answer(FormAnswer::Thanks { roadmap: &slug }),
        (Err(ApiError::InvalidStory(violations)), Some(Body::Form(sent))) => {
            story_form::answer(FormAnswer::Invalid {
                roadmap: &slug,
                sent: &sent,
                violations: &violations,
            })
        }
        (Err(error), _) => story_form::answer(FormAnswer::Refused(&error)),
    })
}

/// What became of a submission that was not refused.
enum Taken {
    Stored(String),
    /// The honeypot was filled: a made-up id, for a receipt like any other.
    Trapped(String),
}

impl Taken {
    fn into_receipt(self) -> Receipt {
        let (Taken::Stored(id) | Taken::Trapped(id)) = self;
        Receipt {
            id,
            status: StoryStatus::Pending,
        }
    }
}

async fn read(req: &HttpRequest, payload: Payload, state: &AppState) -> Result<Body, ApiError> {
    if state.store.is_read_only() {
        return Err(ApiError::ReadOnly);
    }
    const TAKES: &str = "`application/json` or `application/x-www-form-urlencoded`";
    let media = body_media_type(req).ok_or(ApiError::UnsupportedMediaType(TAKES))?;
    let form = media == "application/x-www-form-urlencoded";
    if !form && !is_json(&media) {
        return Err(ApiError::UnsupportedMediaType(TAKES));
    }
    let bytes = read_body(
        payload,
        MAX_SUBMISSION_BYTES,
        "the most a story submission needs",
    )
    .await?;
    if form {
        Ok(Body::Form(form_document(&bytes)))
    } else {
        parse_json(&bytes).map(Body::Json)
    }
}

async fn take(
    req: &HttpRequest,
    state: &AppState,
    slug: &str,
    body: &Body,
) -> Result<Taken, ApiError> {
    let slug = path_slug(slug, "roadmap")?;
    let (Body::Json(document) | Body::Form(document)) = body;
    let submission = match Submission::parse(document, this_year()) {
        Ok(Submitted::Story(submission)) => submission,
        Ok(Submitted::Trap) => {
            return Ok(Taken::Trapped(uuid::Uuid::new_v4().simple().to_string()));
        }
        Err(violations) => return Err(ApiError::InvalidStory(violations)),
    };
    if let (Some(limits), Some(client)) = (
        req.app_data::<Data<ClientRateLimit>>(),
        state.trusted_proxies.client(req),
    ) {
        limits.admit_story(client)?;
    }
    match state
        .store
        .submit_story(&slug, &submission, state.story_max_pending)
        .await?
    {
        Ok(id) => Ok(Taken::Stored(id)),
        Err(Refusal::NoRoadmap) => {
            Err(ApiError::not_found(format!("there is no roadmap `{slug}`")))
        }
        Err(Refusal::Duplicate) => Err(ApiError::Conflict(
            "this story was submitted before; it is with the editors".to_owned(),
        )),
        Err(Refusal::QueueFull) => Err(ApiError::QueueFull {
            retry_after: QUEUE_FULL_RETRY,
        }),
    }
}

/// A form's fields as the JSON document a submission is: empty optional fields left out,
/// `links` from its repeated fields, `year` a number when it is one and `consent` true when
/// the box was ticked. A field the form does not have stays in, to be refused as it is in
/// JSON.
fn form_document(bytes: &[u8]) -> Value {
    let mut document = Map::new();
    let mut links = Vec::new();
    for (name, value) in form_urlencoded::parse(bytes) {
        let value = value.into_owned();
        match name.as_ref() {
            "links" if !value.trim().is_empty() => links.push(Value::String(value)),
            "links" => {}
            "year" => {
                let year = value
                    .trim()
                    .parse::<u64>()
                    .map_or(Value::String(value), Value::from);
                document.insert("year".to_owned(), year);
            }
            "consent" => {
                let ticked = matches!(value.as_str(), "true" | "on" | "yes" | "1");
                document.insert("consent".to_owned(), Value::Bool(ticked));
            }
            "display_name" | "contact_email" | "homepage" if value.trim().is_empty() => {}
            _ => {
                document.insert(name.into_owned(), Value::String(value));
            }
        }
    }
    document.insert("links".to_owned(), Value::Array(links));
    document
        .entry("consent".to_owned())
        .or_insert(Value::Bool(false));
    Value::Object(document)
}

impl CsvRows for TransitionStory {
    const HEADER: &'static [&'static str] = &[
        "key",
        "display_name",
        "from_role",
        "to_role",
        "year",
        "story",
        "links",
        "verified",
    ];

    fn rows(&self) -> Vec<Vec<String>> {
        vec![vec![
            self.key.to_string(),
            self.display_name.clone().unwrap_or_default(),
            self.from_role.clone(),
            self.to_role.clone(),
            self.year.to_string(),
            self.story.clone(),
            joined(&self.links),
            self.verified.to_string(),
        ]]
    }
}

/// Lists the published transition stories of a roadmap, in the order they were approved.
/// Pending and rejected submissions never appear here.
#[utoipa::path(
    tag = "stories",
    params(
        ("slug" = Slug, Path, description = "The roadmap's slug.", example = "healthcare-ai-ml-engineer"),
        SectionQuery,
    ),
    responses(
        (status = 200, description = "Every published story (never paged: `next_cursor` is null).",
         content(
            (Page<TransitionStory> = "application/json"),
            (String = "text/csv"),
            (String = "application/x-ndjson"),
         ),
         headers(("ETag" = String, description = "Strong validator of this representation."))),
        NotModified, BadParameter, NotFound, NotAcceptable, InternalError,
    )
)]
#[get("/v1/roadmaps/{slug}/stories")]
pub async fn list_stories(
    req: HttpRequest,
    state: Data<AppState>,
    slug: Path<String>,
    Query(query): Query<SectionQuery>,
) -> Result<HttpResponse, ApiError> {
    let format = query.format.negotiate(&req)?;
    let (roadmap, cache) = roadmap_for(&state, &slug, query.rev).await?;
    lists::respond(
        &req,
        cache,
        &state,
        format,
        roadmap.transition_stories.items,
        None,
    )
}

/// Gets one published story by its key.
#[utoipa::path(
    tag = "stories",
    params(
        ("slug" = Slug, Path, description = "The roadmap's slug.", example = "healthcare-ai-ml-engineer"),
        ("key" = Slug, Path, description = "The story's key.", example = "story-4f2a9c1e0b7d"),
        ItemQuery,
    ),
    responses(
        (status = 200, description = "The story.", body = TransitionStory,
         headers(("ETag" = String, description = "Strong validator of this representation."))),
        NotModified, BadParameter, NotFound, NotAcceptable, InternalError,
    )
)]
#[get("/v1/roadmaps/{slug}/stories/{key}")]
pub async fn get_story(
    req: HttpRequest,
    state: Data<AppState>,
    path: Path<(String, String)>,
    Query(query): Query<ItemQuery>,
) -> Result<HttpResponse, ApiError> {
    query.format.negotiate(&req)?;
    let (slug, key) = path.into_inner();
    let (roadmap, cache) = roadmap_for(&state, &slug, query.rev).await?;
    let story = roadmap
        .transition_stories
        .items
        .into_iter()
        .find(|s| s.key.as_str() == key)
        .ok_or_else(|| {
            ApiError::not_found(format!(
                "roadmap `{}` has no published story `{}`",
                roadmap.slug,
                crate::http::excerpt(&key)
            ))
        })?;
    json(&req, &story, cache)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_form_reads_as_the_json_document() {
        let document = form_document(
            b"from_role=ICU+nurse&to_role=ML&year=2024&story=s&links=https%3A%2F%2Fa.org&links=&consent=on&display_name=",
        );
        assert_eq!(
            document,
            serde_json::json!({
                "from_role": "ICU nurse", "to_role": "ML", "year": 2024, "story": "s",
                "links": ["https://a.org"], "consent": true
            })
        );
        assert_eq!(form_document(b"year=soon")["year"], "soon");
        assert_eq!(form_document(b"")["consent"], false);
        assert_eq!(
            form_document(b"extra=1")["extra"],
            "1",
            "refused later, as in JSON"
        );
    }
}
