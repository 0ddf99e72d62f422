//! `/v1/roadmaps/{slug}/progress`: how far a learner is, from the keys of the items they have
//! done. Nothing is stored: the learner keeps the keys (the embed keeps them in the reader's
//! browser) and sends them with each request.

use actix_web::web::{Data, Path, Payload};
use actix_web::{HttpRequest, HttpResponse, get, post};
use serde::Deserialize;
use utoipa::openapi::RefOr;
use utoipa::openapi::schema::{AdditionalProperties, ArrayBuilder, ObjectBuilder, Schema, Type};
use utoipa::{IntoParams, PartialSchema, ToSchema};

use super::{
    AppState, BadParameter, InternalError, NotAcceptable, NotFound, NotModified, QueryTooLong,
    Revision, roadmap_for,
};
use crate::domain::{DoneKeys, MAX_DONE_KEYS, Progress, Slug, Violations, pointer_of};
use crate::http::query::Query;
use crate::http::{ApiError, CachePolicy, DoneList, JsonFormat, json, parse_json, read_json_body};

/// Whose progress, against which revision.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ProgressQuery {
    /// The keys of the items done, comma-separated: topics, tracks, projects and first moves
    /// by their `key`, a phase's checkpoint by the phase's `key`. Empty or absent: nothing
    /// done. At most 100 keys (a 400 beyond): `POST` longer lists. A malformed key is a 400;
    /// a key the roadmap does not have is answered in `stale_keys`.
    #[serde(default)]
    #[param(inline, style = Form, explode = false, example = json!(["python-fundamentals", "basic-sql"]))]
    pub done: DoneList,
    /// Count against a published revision (see `/v1/roadmaps/{slug}/revisions`).
    #[param(inline, example = 1)]
    pub rev: Option<Revision>,
    /// `json`.
    #[serde(default)]
    #[param(inline)]
    pub format: JsonFormat,
}

/// The revision a `POST` counts against.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ProgressPostQuery {
    /// Count against a published revision (see `/v1/roadmaps/{slug}/revisions`).
    #[param(inline, example = 1)]
    pub rev: Option<Revision>,
}

/// The body of `POST /v1/roadmaps/{slug}/progress`: `{"done": ["key", ...]}`, at most 500 keys.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProgressRequest {
    done: Vec<String>,
}

impl PartialSchema for ProgressRequest {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .property(
                "done",
                ArrayBuilder::new()
                    .items(Slug::schema())
                    .max_items(Some(MAX_DONE_KEYS))
                    .description(Some("The keys of the items done, as for `GET`'s `done`.")),
            )
            .required("done")
            .additional_properties(Some(AdditionalProperties::FreeForm(false)))
            .schema_type(Type::Object)
            .examples([serde_json::json!({"done": ["python-fundamentals", "basic-sql"]})])
            .into()
    }
}

impl ToSchema for ProgressRequest {}

/// What a `POST` can be refused for before its keys are looked at.
#[derive(utoipa::IntoResponses)]
pub enum BadBody {
    /// The body is not JSON; `detail` says where it stops parsing.
    #[response(status = 400, content_type = "application/problem+json")]
    Malformed(crate::http::Problem),
    /// The body is larger than the server's limit (`--max-body-bytes`, 2 MiB by default).
    #[response(status = 413, content_type = "application/problem+json")]
    TooLarge(crate::http::Problem),
    /// The body is not `application/json`.
    #[response(status = 415, content_type = "application/problem+json")]
    NotJson(crate::http::Problem),
}

/// The problems of a `POST` body that is JSON but not a list of keys, each at its pointer.
#[derive(utoipa::IntoResponses)]
#[response(status = 422, content_type = "application/problem+json", example = json!({
    "type": "/problems/invalid-body", "title": "Invalid request body", "status": 422,
    "detail": "the body is not what this route reads; see `errors`",
    "instance": "/v1/roadmaps/healthcare-ai-ml-engineer/progress",
    "errors": [{"pointer": "/done/1", "detail": "must be lowercase kebab-case: a-z, 0-9 and single hyphens between words"}]
}))]
pub struct BadKeys(pub crate::http::Problem);

/// How far a learner is through the roadmap, from the keys of the items they have done.
///
/// The trackable items are the topics, tracks, projects and first moves, each by its `key`,
/// and each phase's checkpoint by the phase's `key`; keys stay the same when an editor
/// reorders or retitles items, so stored progress survives edits. A phase's tracks are
/// alternatives: together they count as one item, done when any one of them is.
///
/// The answer counts items done, in all and per phase, with the items left, and the hours
/// left as a range where the page gives hours: a phase's study hours (spread over its items
/// once it is started, and then flagged `estimate`) and the projects' hours. Keys the roadmap
/// no longer has (an edit removed the item) come back in `stale_keys`, never as an error.
/// Nothing is stored or logged; the answer is cacheable like any read.
#[utoipa::path(
    tag = "learning path",
    params(("slug" = Slug, Path, description = "The roadmap's slug.", example = "healthcare-ai-ml-engineer"), ProgressQuery),
    responses(
        (status = 200, description = "The progress.", body = Progress,
         headers(("ETag" = String, description = "Strong validator of this representation."))),
        NotModified, BadParameter, NotFound, NotAcceptable, QueryTooLong, InternalError,
    )
)]
#[get("/v1/roadmaps/{slug}/progress")]
pub async fn get_progress(
    req: HttpRequest,
    state: Data<AppState>,
    slug: Path<String>,
    Query(query): Query<ProgressQuery>,
) -> Result<HttpResponse, ApiError> {
    query.format.negotiate(&req)?;
    let (roadmap, cache) = roadmap_for(&state, &slug, query.rev).await?;
    json(&req, &Progress::new(&roadmap, &query.done.0), cache)
}

/// The same as `GET`, for lists of keys too long for a URL: the keys come as
/// `{"done": [...]}`, up to 500 keys. A body that is not JSON is a 400; a malformed key (each reported at its
/// JSON Pointer, `/done/3`) or more than 500 keys is a 422. Browsers may send it from any
/// origin. The answer is not stored by caches (`no-store`): use `GET` where they should.
#[utoipa::path(
    tag = "learning path",
    params(("slug" = Slug, Path, description = "The roadmap's slug.", example = "healthcare-ai-ml-engineer"), ProgressPostQuery),
    request_body(content = ProgressRequest, content_type = "application/json"),
    responses(
        (status = 200, description = "The progress.", body = Progress),
        BadBody, BadKeys, BadParameter, NotFound, NotAcceptable, InternalError,
    )
)]
#[post("/v1/roadmaps/{slug}/progress")]
pub async fn post_progress(
    req: HttpRequest,
    state: Data<AppState>,
    slug: Path<String>,
    Query(query): Query<ProgressPostQuery>,
    payload: Payload,
) -> Result<HttpResponse, ApiError> {
    JsonFormat::default().negotiate(&req)?;
    let body = read_json_body(&req, payload, state.max_body_bytes, "`application/json`").await?;
    let done = read_done(&body)?;
    let (roadmap, _) = roadmap_for(&state, &slug, query.rev).await?;
    json(&req, &Progress::new(&roadmap, &done), CachePolicy::NoStore)
}

/// The keys of a `POST` body.
fn read_done(body: &[u8]) -> Result<DoneKeys, ApiError> {
    let request: ProgressRequest =
        serde_path_to_error::deserialize(&parse_json(body)?).map_err(|e| {
            ApiError::InvalidBody(Violations::one(pointer_of(e.path()), e.inner().to_string()))
        })?;
    DoneKeys::parse(request.done.iter().map(String::as_str))
        .map_err(|e| ApiError::InvalidBody(e.violations("/done")))
}

#[cfg(test)]
mod tests {
    use utoipa::IntoParams;

    use super::*;
    use crate::http::params::MAX_DONE_IN_URL;

    #[test]
    fn the_spec_states_the_limits_the_code_applies() {
        let params = ProgressQuery::into_params(|| None);
        let done = params.iter().find(|p| p.name == "done").expect("done");
        let description = done.description.as_deref().unwrap_or_default();
        let limit = format!("At most {MAX_DONE_IN_URL} keys");
        assert!(description.contains(&limit), "{description}");
        let schema = serde_json::to_value(DoneList::schema()).expect("JSON");
        assert_eq!(schema["maxItems"], MAX_DONE_IN_URL);
        // The longest list a URL may carry, every comma encoded, fits the request target.
        let longest = MAX_DONE_IN_URL * (crate::domain::MAX_SLUG_LEN + 3);
        assert!(longest + 512 < crate::http::query::MAX_QUERY_LEN);
        let body = serde_json::to_value(ProgressRequest::schema()).expect("JSON");
        assert_eq!(body["properties"]["done"]["maxItems"], MAX_DONE_KEYS);
    }
}
