//! oEmbed 1.0: a consumer that is given a roadmap URL of this API gets the embed's iframe.

use actix_web::web::Data;
use actix_web::{HttpRequest, HttpResponse, get};
use maud::html;
use serde::{Deserialize, Deserializer, Serialize};
use utoipa::openapi::RefOr;
use utoipa::openapi::schema::Schema;
use utoipa::{IntoParams, PartialSchema, ToSchema};

use super::EmbedQuery;
use crate::http::params::choice_schema;
use crate::http::query::{self, PageQuery, read_text};
use crate::http::{ApiError, Bounded, json, representation};
use crate::routes::{AppState, NotModified, roadmap_for};

/// How the oEmbed response is written.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum OEmbedFormat {
    #[default]
    Json,
    Xml,
}

impl OEmbedFormat {
    const ALL: [OEmbedFormat; 2] = [OEmbedFormat::Json, OEmbedFormat::Xml];

    fn name(self) -> &'static str {
        match self {
            OEmbedFormat::Json => "json",
            OEmbedFormat::Xml => "xml",
        }
    }
}

impl<'de> Deserialize<'de> for OEmbedFormat {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        read_text(deserializer, |name| {
            OEmbedFormat::ALL
                .into_iter()
                .find(|format| format.name() == name)
                .ok_or_else(|| "must be json or xml".to_owned())
        })
    }
}

impl PartialSchema for OEmbedFormat {
    fn schema() -> RefOr<Schema> {
        choice_schema(OEmbedFormat::ALL.map(OEmbedFormat::name)).into()
    }
}

impl ToSchema for OEmbedFormat {}

/// A size in pixels.
type Pixels = Bounded<1, { u32::MAX }>;

/// The oEmbed request.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct OEmbedQuery {
    /// The embed URL (`/embed/roadmaps/{slug}`, with its parameters) or the API URL
    /// (`/v1/roadmaps/{slug}`) of a roadmap on this host.
    #[param(example = "http://127.0.0.1:8080/v1/roadmaps/healthcare-ai-ml-engineer")]
    pub url: String,
    /// `json` (the default) or `xml`.
    #[serde(default)]
    #[param(inline)]
    pub format: OEmbedFormat,
    /// The widest the embed may be, in pixels: an upper bound, so any size is accepted.
    #[param(inline)]
    pub maxwidth: Option<Pixels>,
    /// The tallest the embed may be, in pixels: an upper bound, so any size is accepted.
    #[param(inline)]
    pub maxheight: Option<Pixels>,
}

/// An oEmbed 1.0 `rich` response.
#[derive(Debug, Serialize, ToSchema)]
pub struct OEmbed {
    #[schema(example = "1.0")]
    pub version: &'static str,
    #[serde(rename = "type")]
    #[schema(example = "rich")]
    pub kind: &'static str,
    pub title: String,
    pub author_name: String,
    pub provider_name: &'static str,
    pub provider_url: String,
    /// Seconds a consumer may cache this response.
    pub cache_age: u32,
    /// The `<iframe>` to insert.
    pub html: String,
    pub width: u32,
    pub height: u32,
}

impl OEmbed {
    /// The oEmbed XML form: the same fields as elements of `<oembed>`.
    fn to_xml(&self) -> String {
        let mut xml =
            String::from("<?xml version=\"1.0\" encoding=\"utf-8\" standalone=\"yes\"?>\n<oembed>");
        let fields = [
            ("version", self.version.to_owned()),
            ("type", self.kind.to_owned()),
            ("title", self.title.clone()),
            ("author_name", self.author_name.clone()),
            ("provider_name", self.provider_name.to_owned()),
            ("provider_url", self.provider_url.clone()),
            ("cache_age", self.cache_age.to_string()),
            ("html", self.html.clone()),
            ("width", self.width.to_string()),
            ("height", self.height.to_string()),
        ];
        for (name, value) in fields {
            xml.push_str(&format!("<{name}>"));
            // Writing into a String cannot fail.
            let _ = std::fmt::Write::write_str(&mut maud::Escaper::new(&mut xml), &value);
            xml.push_str(&format!("</{name}>"));
        }
        xml.push_str("</oembed>\n");
        xml
    }
}

const DEFAULT_WIDTH: u32 = 720;
const DEFAULT_HEIGHT: u32 = 900;

/// oEmbed 1.0 for a roadmap URL of this API: a `rich` response whose `html` is the iframe.
/// `width` and `height` honour `maxwidth` and `maxheight`. A URL of another host, or of no
/// roadmap, is a 404. `format=xml` gives the same fields as oEmbed's XML.
#[utoipa::path(
    tag = "embeds",
    params(OEmbedQuery),
    responses(
        (status = 200, description = "The oEmbed response.",
         content((OEmbed = "application/json"), (String = "text/xml")),
         headers(("ETag" = String, description = "Strong validator of this representation."))),
        NotModified,
        (status = 400, description = "A bad parameter.", content_type = "application/problem+json", body = crate::http::Problem),
        (status = 404, description = "Not a roadmap URL of this provider.", content_type = "application/problem+json", body = crate::http::Problem),
    )
)]
#[get("/oembed")]
pub async fn oembed_provider(
    req: HttpRequest,
    state: Data<AppState>,
    PageQuery(query): PageQuery<OEmbedQuery>,
) -> Result<HttpResponse, ApiError> {
    let base = state.absolute(&req, "");
    let not_ours = || ApiError::not_found("that URL is not a roadmap of this provider");
    let rest = query.url.strip_prefix(base.as_str()).ok_or_else(not_ours)?;
    let (path, embed_query) = rest.split_once('?').unwrap_or((rest, ""));
    let slug = path
        .strip_prefix("/embed/roadmaps/")
        .or_else(|| path.strip_prefix("/v1/roadmaps/"))
        .filter(|slug| !slug.contains('/'))
        .ok_or_else(not_ours)?;
    // An embed URL whose parameters the embed would refuse is no roadmap it shows.
    let embed = query::parse::<EmbedQuery>(embed_query).map_err(|_| not_ours())?;
    let (roadmap, _) = roadmap_for(&state, slug, embed.rev)
        .await
        .map_err(|_| not_ours())?;
    let width = query
        .maxwidth
        .map_or(DEFAULT_WIDTH, |max| max.get().min(DEFAULT_WIDTH));
    let height = query
        .maxheight
        .map_or(DEFAULT_HEIGHT, |max| max.get().min(DEFAULT_HEIGHT));
    let params = carried(embed_query);
    let src = format!(
        "{base}/embed/roadmaps/{}{}{params}",
        roadmap.slug,
        if params.is_empty() { "" } else { "?" }
    );
    let html = html! {
        iframe src=(src) width=(width) height=(height) title=(roadmap.title) style="border:0;max-width:100%" {}
    }
    .into_string();
    let response = OEmbed {
        version: "1.0",
        kind: "rich",
        title: roadmap.title.clone(),
        author_name: roadmap.publisher.author.clone(),
        provider_name: "roadmap-api",
        provider_url: base.clone(),
        cache_age: 3600,
        html,
        width,
        height,
    };
    match query.format {
        OEmbedFormat::Xml => representation::bytes(
            &req,
            response.to_xml().into_bytes(),
            "text/xml; charset=utf-8",
            state.content_cache(),
        ),
        OEmbedFormat::Json => json(&req, &response, state.content_cache()),
    }
}

/// The embed's own parameters of an embed URL's query, as given: only they carry over into
/// the iframe.
fn carried(embed_query: &str) -> String {
    let own = query::declared::<EmbedQuery>();
    let mut params = form_urlencoded::Serializer::new(String::new());
    for (name, value) in form_urlencoded::parse(embed_query.as_bytes()) {
        if own.contains(&name.as_ref()) {
            params.append_pair(&name, &value);
        }
    }
    params.finish()
}
