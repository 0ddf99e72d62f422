//! The admin write routes: `PUT` and `DELETE /v1/roadmaps/{slug}`, behind bearer tokens.

use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::web::{Data, Path};
use actix_web::{FromRequest, HttpRequest, HttpResponse, delete, put};
use utoipa::IntoResponses;

use super::{AppState, InternalError, NotFound};
use crate::domain::token::find_token;
use crate::domain::{DocumentError, Roadmap, Slug, Violations};
use crate::http::etag::precondition_tags;
use crate::http::{ApiError, CachePolicy, Problem, json, read_json_body};
use crate::store::{ChangeKind, Precondition};

/// The name of the token a write was made with; extracting it authenticates the request.
/// On a read-only server every write is refused before the token is even looked at.
pub struct Admin(pub String);

impl FromRequest for Admin {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Admin, ApiError>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let state = req.app_data::<Data<AppState>>().cloned();
        let presented = req
            .headers()
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            // The scheme is case-insensitive (RFC 9110 §11.1).
            .and_then(|v| v.trim_start().split_once(' '))
            .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
            .map(|(_, t)| t.trim().to_owned());
        Box::pin(async move {
            let state =
                state.ok_or_else(|| ApiError::Internal("no application state".to_owned()))?;
            if state.store.is_read_only() {
                return Err(ApiError::ReadOnly);
            }
            let token = presented
                .filter(|t| !t.is_empty())
                .ok_or(ApiError::Unauthorized(
                    "this route needs `Authorization: Bearer <token>`",
                ))?;
            let stored = state.store.token_hashes().await?;
            find_token(&token, &stored)
                .map(|name| Admin(name.to_owned()))
                .ok_or(ApiError::Unauthorized("the bearer token is not valid"))
        })
    }
}

pub(super) fn precondition(req: &HttpRequest) -> Result<Precondition, ApiError> {
    Ok(
        if let Some(tags) = precondition_tags(req, header::IF_MATCH)? {
            Precondition::Matches(tags)
        } else if let Some(tags) = precondition_tags(req, header::IF_NONE_MATCH)? {
            Precondition::NoneMatch(tags)
        } else {
            Precondition::None
        },
    )
}

/// The roadmap document could not be parsed or is not valid; each item of `errors` locates one
/// problem by a JSON Pointer into the body.
#[derive(IntoResponses)]
#[response(status = 422, content_type = "application/problem+json", example = json!({
    "type": "/problems/invalid-document", "title": "Invalid roadmap document", "status": 422,
    "detail": "the document is not a valid roadmap; see `errors`",
    "instance": "/v1/roadmaps/healthcare-ai-ml-engineer",
    "errors": [{"pointer": "/projects/2/hours", "detail": "min (45) must not exceed max (35)"}]
}))]
pub struct Unprocessable(pub Problem);

/// Missing or wrong bearer token; `WWW-Authenticate: Bearer` says how to authenticate.
#[derive(IntoResponses)]
#[response(status = 401, content_type = "application/problem+json", headers(("WWW-Authenticate" = String)))]
pub struct Unauthorized(pub Problem);

/// `If-Match` names another version (someone else wrote first), or `If-None-Match: *` met an
/// existing roadmap. Fetch it again, then retry.
#[derive(IntoResponses)]
#[response(status = 412, content_type = "application/problem+json")]
pub struct PreconditionFailed(pub Problem);

/// The write would change a certification or source that another roadmap uses; `detail`
/// names those roadmaps.
#[derive(IntoResponses)]
#[response(status = 409, content_type = "application/problem+json")]
pub struct SharedConflict(pub Problem);

/// What a write can be refused for before its document is looked at.
#[derive(IntoResponses)]
pub enum BadWrite {
    /// The body is not JSON (`detail` says where it stops parsing), or a conditional header is
    /// not a list of quoted ETags.
    #[response(status = 400, content_type = "application/problem+json")]
    Malformed(Problem),
    /// This server is read-only and takes no writes; `Allow` lists what it does answer.
    #[response(status = 405, content_type = "application/problem+json", headers(("Allow" = String)))]
    ReadOnly(Problem),
    /// The body is larger than the server's limit (`--max-body-bytes`, 2 MiB by default).
    #[response(status = 413, content_type = "application/problem+json")]
    TooLarge(Problem),
    /// The body is not `application/json`.
    #[response(status = 415, content_type = "application/problem+json")]
    NotJson(Problem),
}

/// Creates or replaces a whole roadmap (admin).
///
/// The body is the same document `GET` returns. It is validated in full (types, required
/// fields, ranges, unique numbers and keys, lengths, and the slug in the body equal to the
/// path); unknown fields are refused, so typos are caught. The write is one transaction.
/// Send `If-Match: <ETag>` to replace only the version you fetched (412 if someone wrote
/// since), or `If-None-Match: *` to create only. A document equal to the current one changes
/// nothing and makes no revision; any other change publishes the next revision.
#[utoipa::path(
    tag = "admin",
    security(("bearer" = [])),
    params(
        ("slug" = Slug, Path, description = "The roadmap's slug; must equal the body's.", example = "healthcare-ai-ml-engineer"),
        ("If-Match" = Option<String>, Header, nullable = false, description = "Only replace the roadmap if its ETag is one of these (a comma list of quoted ETags).", pattern = r#"^(\*|(W/)?"[^"]*"( *, *(W/)?"[^"]*")*)$"#),
        ("If-None-Match" = Option<String>, Header, nullable = false, description = "`*`: only create the roadmap.", pattern = r#"^(\*|(W/)?"[^"]*"( *, *(W/)?"[^"]*")*)$"#),
    ),
    request_body(content = Roadmap, content_type = "application/json"),
    responses(
        (status = 200, description = "Replaced (or unchanged); the stored document.", body = Roadmap,
         headers(("ETag" = String, description = "The new validator."))),
        (status = 201, description = "Created; the stored document.", body = Roadmap,
         headers(("ETag" = String), ("Location" = String, description = "The roadmap's URL."))),
        BadWrite, Unauthorized, SharedConflict, PreconditionFailed, Unprocessable, InternalError,
    )
)]
#[put("/v1/roadmaps/{slug}")]
pub async fn put_roadmap(
    req: HttpRequest,
    state: Data<AppState>,
    slug: Path<String>,
    admin: Admin,
    payload: actix_web::web::Payload,
) -> Result<HttpResponse, ApiError> {
    let body = read_json_body(&req, payload, state.max_body_bytes, "`application/json`").await?;
    let roadmap = Roadmap::parse(&body).map_err(|e| match e {
        DocumentError::Malformed(detail) => ApiError::MalformedBody(detail),
        DocumentError::Invalid(violations) => ApiError::Invalid(violations),
    })?;
    if roadmap.slug.as_str() != slug.as_str() {
        return Err(ApiError::Invalid(Violations::one(
            "/slug".to_owned(),
            format!(
                "must equal the slug in the URL (`{}`)",
                crate::http::excerpt(&slug)
            ),
        )));
    }
    let change = state
        .store
        .put(&roadmap, &admin.0, &precondition(&req)?)
        .await?;
    tracing::info!(roadmap = %roadmap.slug, author = %admin.0, revision = change.revision, kind = ?change.kind, "roadmap written");
    let mut response = json(&req, &roadmap, CachePolicy::NoStore)?;
    if change.kind == Some(ChangeKind::Created) {
        *response.status_mut() = actix_web::http::StatusCode::CREATED;
        let location = state.absolute(&req, &format!("/v1/roadmaps/{}", roadmap.slug));
        if let Ok(value) = header::HeaderValue::from_str(&location) {
            response.headers_mut().insert(header::LOCATION, value);
        }
    }
    Ok(response)
}

/// Deletes a roadmap (admin), with the certifications and sources that no other roadmap uses.
/// Its revisions stay readable, and the change feed records the deletion.
#[utoipa::path(
    tag = "admin",
    security(("bearer" = [])),
    params(
        ("slug" = Slug, Path, description = "The roadmap's slug.", example = "healthcare-ai-ml-engineer"),
        ("If-Match" = Option<String>, Header, nullable = false, description = "Only delete the roadmap if its ETag is one of these (a comma list of quoted ETags).", pattern = r#"^(\*|(W/)?"[^"]*"( *, *(W/)?"[^"]*")*)$"#),
    ),
    responses(
        (status = 204, description = "Deleted."),
        BadWrite, Unauthorized, NotFound, PreconditionFailed, InternalError,
    )
)]
#[delete("/v1/roadmaps/{slug}")]
pub async fn delete_roadmap(
    req: HttpRequest,
    state: Data<AppState>,
    slug: Path<String>,
    admin: Admin,
) -> Result<HttpResponse, ApiError> {
    let slug: Slug = slug
        .parse()
        .map_err(|_| ApiError::not_found("there is no such roadmap"))?;
    let change = state
        .store
        .delete(&slug, &admin.0, &precondition(&req)?)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("there is no roadmap `{slug}`")))?;
    tracing::info!(roadmap = %slug, author = %admin.0, revision = change.revision, "roadmap deleted");
    Ok(deleted())
}

/// The answer to an admin deletion: 204, never cached.
pub(super) fn deleted() -> HttpResponse {
    HttpResponse::NoContent()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .finish()
}
