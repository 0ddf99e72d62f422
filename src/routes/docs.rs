//! The API's own description: the OpenAPI document and the interactive docs page.

use actix_web::web::Data;
use actix_web::{HttpRequest, HttpResponse, get};
use utoipa::OpenApi;
use utoipa::openapi::RefOr;
use utoipa::openapi::schema::{AdditionalProperties, ArrayItems, Object, Schema};

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
        (name = "stories", description = "Transition stories: submitting one (public), the form for people, and the published stories."),
        (name = "embeds", description = "For partner sites: an iframe page, its loader, and oEmbed."),
        (name = "admin", description = "Writing roadmaps and moderating stories; needs a bearer token made with `roadmap-api token create NAME`."),
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

/// Makes the generated spec say exactly what the code does where the derive macros cannot:
/// the answers every operation can get ([`add_common_responses`]), views that extend a
/// closed schema ([`merge_extensions`]), and the rules every string of a roadmap document
/// obeys ([`constrain_document_strings`]).
pub fn refine(spec: &mut utoipa::openapi::OpenApi) {
    add_common_responses(spec);
    constrain_document_strings(spec);
    merge_extensions(spec);
}

/// A view such as `CertificationEntry` is a closed schema (`Certification`, which refuses
/// unknown fields in a `PUT`) plus fields of its own. utoipa renders it as `allOf`, which no
/// object can satisfy (each part forbids the other's fields), so the parts are merged into one
/// closed object that lists every field.
fn merge_extensions(spec: &mut utoipa::openapi::OpenApi) {
    let Some(components) = spec.components.as_mut() else {
        return;
    };
    let named = components.schemas.clone();
    for schema in components.schemas.values_mut() {
        merge_all_of(schema, &named);
    }
}

fn merge_all_of(
    schema: &mut RefOr<Schema>,
    named: &std::collections::BTreeMap<String, RefOr<Schema>>,
) {
    let RefOr::T(inner) = schema else {
        return;
    };
    let Schema::AllOf(all_of) = inner else {
        for child in nested_mut(inner) {
            merge_all_of(child, named);
        }
        return;
    };
    let parts: Option<Vec<Object>> = all_of
        .items
        .iter()
        .map(|part| {
            let part = match part {
                RefOr::Ref(reference) => named.get(component_name(reference)?)?,
                inline => inline,
            };
            match part {
                RefOr::T(Schema::Object(object)) => Some(object.clone()),
                _ => None,
            }
        })
        .collect();
    let Some(parts) = parts else {
        return;
    };
    let mut merged = Object::new();
    merged.schema_type =
        utoipa::openapi::schema::SchemaType::Type(utoipa::openapi::schema::Type::Object);
    merged.description = all_of.description.clone();
    for part in parts {
        merged.properties.extend(part.properties);
        merged.required.extend(part.required);
    }
    merged.additional_properties = Some(Box::new(AdditionalProperties::FreeForm(false)));
    *inner = Schema::Object(merged);
}

/// The schemas directly inside `schema`: an object's properties, an array's items, the
/// alternatives of a composition.
fn nested_mut(schema: &mut Schema) -> Vec<&mut RefOr<Schema>> {
    match schema {
        Schema::Object(object) => object.properties.values_mut().collect(),
        Schema::Array(array) => match &mut array.items {
            ArrayItems::RefOrSchema(items) => vec![items.as_mut()],
            _ => Vec::new(),
        },
        Schema::OneOf(one_of) => one_of.items.iter_mut().collect(),
        Schema::AllOf(all_of) => all_of.items.iter_mut().collect(),
        _ => Vec::new(),
    }
}

/// The component a `$ref` names: `Range` of `#/components/schemas/Range`.
fn component_name(reference: &utoipa::openapi::Ref) -> Option<&str> {
    reference.ref_location.rsplit('/').next()
}

/// Every string of a roadmap document must say something (not only spaces) and hold at most
/// 10,000 characters; `Range` refuses unknown fields like every other part of the document.
/// The validation of a `PUT` enforces this; here the schema says it too.
fn constrain_document_strings(spec: &mut utoipa::openapi::OpenApi) {
    let Some(components) = spec.components.as_mut() else {
        return;
    };
    let mut document = vec!["Roadmap".to_owned()];
    let mut seen = std::collections::BTreeSet::new();
    while let Some(name) = document.pop() {
        if !seen.insert(name.clone()) {
            continue;
        }
        let Some(schema) = components.schemas.get_mut(&name) else {
            continue;
        };
        if name == "Range"
            && let RefOr::T(Schema::Object(range)) = schema
        {
            range.additional_properties = Some(Box::new(AdditionalProperties::FreeForm(false)));
        }
        constrain_strings(schema, &mut document);
    }
}

/// Constrains the plain strings of `schema` and collects the names it refers to.
fn constrain_strings(schema: &mut RefOr<Schema>, refers_to: &mut Vec<String>) {
    use utoipa::openapi::schema::{SchemaType, Type};
    let inner = match schema {
        RefOr::Ref(reference) => {
            refers_to.extend(component_name(reference).map(str::to_owned));
            return;
        }
        RefOr::T(inner) => inner,
    };
    if let Schema::Object(object) = inner {
        let is_string = match &object.schema_type {
            SchemaType::Type(Type::String) => true,
            SchemaType::Array(types) => types.contains(&Type::String),
            _ => false,
        };
        if is_string
            && object.enum_values.is_none()
            && object.pattern.is_none()
            && object.format.is_none()
        {
            object.min_length = Some(1);
            object.max_length = Some(crate::domain::MAX_TEXT_LEN);
            object.pattern = Some("\\S".to_owned());
        }
    }
    for child in nested_mut(inner) {
        constrain_strings(child, refers_to);
    }
}

/// Declares on every operation the answers that any request can get, from the layers in
/// front of the routes: an over-long target (414) or headers (431), the rate limit (429, not
/// on the health routes, which are never limited), the request timeout (503) and a failure
/// (500). An operation's own description of a status is kept.
fn add_common_responses(spec: &mut utoipa::openapi::OpenApi) {
    use utoipa::IntoResponses;

    use super::{HeadersTooLarge, InternalError, QueryTooLong, RateLimited, TimedOut};
    let mut common = QueryTooLong::responses();
    common.append(&mut HeadersTooLarge::responses());
    common.append(&mut TimedOut::responses());
    common.append(&mut InternalError::responses());
    let limited = RateLimited::responses();
    for (path, item) in spec.paths.paths.iter_mut() {
        let probe = crate::http::PROBE_PATHS.contains(&path.as_str());
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
        NotModified, super::BadParameter,
    )
)]
#[get("/openapi.json")]
pub async fn openapi_json(
    req: HttpRequest,
    spec: Data<SpecDocument>,
    _: crate::http::Query<super::NoQuery>,
) -> Result<HttpResponse, ApiError> {
    representation::bytes(
        &req,
        spec.0.clone(),
        "application/json",
        representation::CachePolicy::Content("public, max-age=300"),
    )
}
