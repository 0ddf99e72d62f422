//! The API's own description: the OpenAPI document and the interactive docs page.

use actix_web::web::Data;
use actix_web::{HttpRequest, HttpResponse, get};
use utoipa::OpenApi;

use super::NotModified;
use crate::http::{ApiError, Problem, representation};

/// The generated OpenAPI document, rendered once at start-up; byte-identical to the committed
/// `openapi/openapi.json`.
#[derive(Debug, Clone)]
pub struct SpecDocument(pub Vec<u8>);

/// The fixed parts of the spec; the paths and schemas are collected from the routes.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "roadmap-api",
        description = "Career roadmaps for healthcare professionals moving into tech, as JSON.\n\n\
            Every GET answers with a strong `ETag` and honours `If-None-Match` (304); responses \
            are compressed with gzip or brotli when asked; CORS is open to every origin for GET \
            and HEAD. Errors are `application/problem+json` (RFC 9457).",
        license(name = "MIT")
    ),
    components(schemas(Problem)),
    modifiers(&BearerAuth),
    tags(
        (name = "roadmaps", description = "The catalogue and whole roadmaps."),
        (name = "learning path", description = "A roadmap's phases, topics, tracks and checkpoints."),
        (name = "certifications", description = "Certifications by signal tier."),
        (name = "projects", description = "Portfolio projects."),
        (name = "sources", description = "What a roadmap cites."),
        (name = "search", description = "Full-text search over the whole collection."),
        (name = "changes", description = "What changed, as a feed to poll."),
        (name = "embeds", description = "For partner sites: an iframe page, its loader, and oEmbed."),
        (name = "admin", description = "Writing roadmaps; needs a bearer token made with `roadmap-api token create NAME`."),
        (name = "meta", description = "Health and the API description."),
    )
)]
pub struct ApiDoc;

/// The admin routes' security scheme: `Authorization: Bearer <token>`.
struct BearerAuth;

impl utoipa::Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
        let scheme = HttpBuilder::new()
            .scheme(HttpAuthScheme::Bearer)
            .description(Some(
                "A token from `roadmap-api token create NAME`, shown once when created.",
            ))
            .build();
        openapi
            .components
            .get_or_insert_with(Default::default)
            .add_security_scheme("bearer", SecurityScheme::Http(scheme));
    }
}

/// Declares on every operation the answers that any request can get, from the layers in
/// front of the routes: an over-long target (414) or headers (431), the rate limit (429, not
/// on the health routes, which are never limited), the request timeout (503) and a failure
/// (500). An operation's own description of a status is kept.
pub fn add_common_responses(spec: &mut utoipa::openapi::OpenApi) {
    use utoipa::IntoResponses;

    use super::{HeadersTooLarge, InternalError, QueryTooLong, RateLimited, TimedOut};
    let mut common = QueryTooLong::responses();
    common.append(&mut HeadersTooLarge::responses());
    common.append(&mut TimedOut::responses());
    common.append(&mut InternalError::responses());
    let limited = RateLimited::responses();
    for (path, item) in spec.paths.paths.iter_mut() {
        let probe = matches!(path.as_str(), "/healthz" | "/readyz");
        for operation in [&mut item.get, &mut item.put, &mut item.delete]
            .into_iter()
            .flatten()
        {
            let responses = &mut operation.responses.responses;
            let extra = common.iter().chain(limited.iter().filter(|_| !probe));
            for (status, response) in extra {
                responses
                    .entry(status.clone())
                    .or_insert_with(|| response.clone());
            }
        }
    }
}

/// The OpenAPI 3 description of this API.
#[utoipa::path(
    tag = "meta",
    responses(
        (status = 200, description = "The OpenAPI document.", content_type = "application/json", body = Object),
        NotModified,
    )
)]
#[get("/openapi.json")]
pub async fn openapi_json(
    req: HttpRequest,
    spec: Data<SpecDocument>,
) -> Result<HttpResponse, ApiError> {
    representation::bytes(
        &req,
        spec.0.clone(),
        "application/json",
        representation::CachePolicy::Content("public, max-age=300"),
    )
}
