//! The editors' moderation queue (admin token): list, read, approve, reject, correct and
//! erase story submissions. Approving publishes the story in its roadmap as a new revision,
//! by the editor's token name and noted with the story's key.

use actix_web::web::{Data, Path, Payload};
use actix_web::{HttpRequest, HttpResponse, delete, get, patch};
use serde::Deserialize;
use utoipa::IntoParams;

use super::admin::{Admin, BadWrite, PreconditionFailed, Unauthorized, deleted, precondition};
use super::{AppState, BadParameter, InternalError, NotFound, this_year};
use crate::domain::{ModerationPatch, StoryStatus};
use crate::http::{
    ApiError, CachePolicy, Cursor, Limit, Page, Problem, json, parse_json, read_json_body,
};
use crate::store::StoryRecord;

/// The moderation queue, oldest first.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct QueueQuery {
    /// Only submissions of this status (default: all).
    #[param(inline)]
    pub status: Option<StoryStatus>,
    /// Items per page, 1 to 100 (default 20).
    #[serde(default)]
    #[param(inline)]
    pub limit: Limit,
    /// `next_cursor` from the previous page; empty or absent for the first.
    #[serde(default, deserialize_with = "Cursor::optional")]
    #[param(value_type = Option<String>)]
    pub cursor: Option<Cursor>,
}

/// The cursor's list name: a cursor of another list is refused.
const QUEUE: &str = "stories";

/// The story submission is not valid after the patch; `errors` locates each problem.
#[derive(utoipa::IntoResponses)]
#[response(status = 422, content_type = "application/problem+json")]
pub struct InvalidStory(pub Problem);

/// Lists story submissions for moderation (admin), oldest first, with keyset pagination.
#[utoipa::path(
    tag = "admin",
    security(("bearer" = [])),
    params(QueueQuery),
    responses(
        (status = 200, description = "A page of submissions, contact emails included.", body = Page<StoryRecord>),
        BadParameter, Unauthorized, InternalError,
    )
)]
#[get("/v1/stories")]
pub async fn list_submissions(
    req: HttpRequest,
    state: Data<AppState>,
    _admin: Admin,
    crate::http::Query(query): crate::http::Query<QueueQuery>,
) -> Result<HttpResponse, ApiError> {
    let after = match &query.cursor {
        Some(cursor) => cursor.key::<i64>(QUEUE)?,
        None => 0,
    };
    let (data, next) = state
        .store
        .stories(query.status, after, query.limit.get())
        .await?;
    let next_cursor = next.map(|seq| Cursor::encode(QUEUE, seq));
    json(&req, &Page { data, next_cursor }, CachePolicy::NoStore)
}

/// Gets one story submission (admin), with its contact email and moderation history.
#[utoipa::path(
    tag = "admin",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "The submission's id.")),
    responses(
        (status = 200, description = "The submission.", body = StoryRecord,
         headers(("ETag" = String, description = "The validator `If-Match` names."))),
        Unauthorized, NotFound, InternalError,
    )
)]
#[get("/v1/stories/{id}")]
pub async fn get_submission(
    req: HttpRequest,
    state: Data<AppState>,
    _admin: Admin,
    id: Path<String>,
) -> Result<HttpResponse, ApiError> {
    let record = state.store.story(&id).await?.ok_or_else(|| no_such(&id))?;
    json(&req, &record, CachePolicy::NoStore)
}

/// Moderates a story submission (admin) with a JSON merge patch: approve
/// (`{"status": "approved"}`), reject with a reason, mark `verified`, or correct its wording.
/// Approving publishes the story in its roadmap as a new revision; leaving `approved`
/// takes it out; correcting an approved story republishes it. Send `If-Match` with the ETag
/// of your last `GET` so that two editors cannot overwrite each other (412).
#[utoipa::path(
    tag = "admin",
    security(("bearer" = [])),
    params(
        ("id" = String, Path, description = "The submission's id."),
        ("If-Match" = Option<String>, Header, nullable = false, description = "Only change the submission if its ETag is one of these.", pattern = r#"^(\*|(W/)?"[^"]*"( *, *(W/)?"[^"]*")*)$"#),
    ),
    request_body(content = ModerationPatch, content_type = "application/merge-patch+json"),
    responses(
        (status = 200, description = "The submission after the change.", body = StoryRecord,
         headers(("ETag" = String, description = "The new validator."))),
        BadWrite, Unauthorized, NotFound, PreconditionFailed, InvalidStory, InternalError,
    )
)]
#[patch("/v1/stories/{id}")]
pub async fn moderate(
    req: HttpRequest,
    state: Data<AppState>,
    admin: Admin,
    id: Path<String>,
    payload: Payload,
) -> Result<HttpResponse, ApiError> {
    let body = read_json_body(
        &req,
        payload,
        state.max_body_bytes,
        "`application/merge-patch+json` or `application/json`",
    )
    .await?;
    let patch = ModerationPatch::parse(&parse_json(&body)?).map_err(ApiError::InvalidStory)?;
    let record = state
        .store
        .moderate_story(&id, patch, &precondition(&req)?, &admin.0, this_year())
        .await?
        .ok_or_else(|| no_such(&id))?;
    tracing::info!(story = %record.id, author = %admin.0, status = %record.status, "story moderated");
    json(&req, &record, CachePolicy::NoStore)
}

/// Erases a story submission and its personal data for good (admin), whatever its status:
/// for a right-to-erasure request. A published story leaves its roadmap in a new revision,
/// and the earlier revisions that held it lose it too.
#[utoipa::path(
    tag = "admin",
    security(("bearer" = [])),
    params(
        ("id" = String, Path, description = "The submission's id."),
        ("If-Match" = Option<String>, Header, nullable = false, description = "Only erase the submission if its ETag is one of these.", pattern = r#"^(\*|(W/)?"[^"]*"( *, *(W/)?"[^"]*")*)$"#),
    ),
    responses(
        (status = 204, description = "Erased."),
        BadWrite, Unauthorized, NotFound, PreconditionFailed, InternalError,
    )
)]
#[delete("/v1/stories/{id}")]
pub async fn erase(
    req: HttpRequest,
    state: Data<AppState>,
    admin: Admin,
    id: Path<String>,
) -> Result<HttpResponse, ApiError> {
    if !state
        .store
        .erase_story(&id, &precondition(&req)?, &admin.0)
        .await?
    {
        return Err(no_such(&id));
    }
    tracing::info!(story = %crate::http::excerpt(&id), author = %admin.0, "story erased");
    Ok(deleted())
}

fn no_such(id: &str) -> ApiError {
    ApiError::not_found(format!(
        "there is no story submission `{}`",
        crate::http::excerpt(id)
    ))
}
