//! Partner embeds: a self-contained HTML page for an `<iframe>`, the one-line loader that
//! makes such iframes, and an oEmbed 1.0 provider ([`oembed`]).
//!
//! The page loads nothing: its style and script are inline and allowed by hash in its
//! `Content-Security-Policy` (`default-src 'none'`). It tells its parent its height with
//! `postMessage({type: "roadmap-api:resize", slug, height}, "*")` on load and on every resize.

mod markup;
pub mod oembed;
pub mod standalone;

use std::sync::LazyLock;

use actix_web::http::header::{self, HeaderValue};
use actix_web::web::{Data, Path};
use actix_web::{HttpRequest, HttpResponse, get};
use serde::{Deserialize, Deserializer};
use utoipa::openapi::RefOr;
use utoipa::openapi::schema::{ObjectBuilder, Schema, Type};
use utoipa::{IntoParams, PartialSchema, ToSchema};

use self::markup::{Links, SCRIPT, STYLE, error_page, page};
pub use self::oembed::{OEmbed, OEmbedQuery, oembed_provider};
use super::{AppState, Revision, roadmap_for};
use crate::domain::Slug;
use crate::http::headers::csp_hash;
use crate::http::params::choice_schema;
use crate::http::query::{PageQuery, read_text};
use crate::http::{ApiError, CachePolicy, representation};

const LOADER: &str = include_str!("embed_assets/loader.js");

/// `script-src` and `style-src` of the page: exactly its inline script and style.
static CSP_SOURCES: LazyLock<String> = LazyLock::new(|| {
    format!(
        "style-src {}; script-src {}",
        csp_hash(STYLE),
        csp_hash(SCRIPT)
    )
});

/// The parts of a roadmap an embed can show.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Section {
    Overview,
    Phases,
    Certifications,
    Projects,
    Stories,
    Moves,
    Sources,
}

const SECTIONS: [(&str, Section); 7] = [
    ("overview", Section::Overview),
    ("phases", Section::Phases),
    ("certifications", Section::Certifications),
    ("projects", Section::Projects),
    ("stories", Section::Stories),
    ("moves", Section::Moves),
    ("sources", Section::Sources),
];

/// The sections an embed shows, in page order whatever the order given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sections(Vec<Section>);

impl Default for Sections {
    fn default() -> Self {
        Sections(SECTIONS.iter().map(|(_, s)| *s).collect())
    }
}

impl<'de> Deserialize<'de> for Sections {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        read_text(deserializer, |raw| {
            let mut chosen = Vec::new();
            for name in raw.split(',').map(str::trim) {
                let (_, section) = SECTIONS.iter().find(|(n, _)| *n == name).ok_or_else(|| {
                    let names: Vec<&str> = SECTIONS.iter().map(|(n, _)| *n).collect();
                    format!("takes a comma list of: {}", names.join(", "))
                })?;
                chosen.push(*section);
            }
            Ok(Sections(
                SECTIONS
                    .iter()
                    .map(|(_, s)| *s)
                    .filter(|s| chosen.contains(s))
                    .collect(),
            ))
        })
    }
}

impl PartialSchema for Sections {
    fn schema() -> RefOr<Schema> {
        let names: Vec<&str> = SECTIONS.iter().map(|(n, _)| *n).collect();
        let one = format!("({})", names.join("|"));
        ObjectBuilder::new()
            .schema_type(Type::String)
            .pattern(Some(format!("^ *{one} *(, *{one} *)*$")))
            .into()
    }
}

impl ToSchema for Sections {}

/// The embed's colours.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Theme {
    Light,
    Dark,
    /// The reader's `prefers-color-scheme`.
    #[default]
    Auto,
}

impl Theme {
    const ALL: [Theme; 3] = [Theme::Light, Theme::Dark, Theme::Auto];

    fn name(self) -> &'static str {
        match self {
            Theme::Light => "light",
            Theme::Dark => "dark",
            Theme::Auto => "auto",
        }
    }
}

impl<'de> Deserialize<'de> for Theme {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        read_text(deserializer, |name| {
            Theme::ALL
                .into_iter()
                .find(|theme| theme.name() == name)
                .ok_or_else(|| "must be light, dark or auto".to_owned())
        })
    }
}

impl PartialSchema for Theme {
    fn schema() -> RefOr<Schema> {
        choice_schema(Theme::ALL.map(Theme::name)).into()
    }
}

impl ToSchema for Theme {}

/// How the embed looks.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct EmbedQuery {
    /// `light`, `dark`, or `auto` (the default: follows the reader's `prefers-color-scheme`).
    #[serde(default)]
    #[param(inline)]
    pub theme: Theme,
    /// Which sections show, comma-separated, in page order whatever the order given:
    /// `overview`, `phases`, `certifications`, `projects`, `stories`, `moves`, `sources`
    /// (default: all).
    #[serde(default)]
    #[param(inline, example = "overview,phases")]
    pub sections: Sections,
    /// Pin a published revision (see `/v1/roadmaps/{slug}/revisions`).
    #[param(inline)]
    pub rev: Option<Revision>,
}

/// The embed's CSP: its own inline style and script, and the configured framing.
fn with_frame_policy(response: &mut HttpResponse, frame_ancestors: &str) {
    let csp = format!(
        "default-src 'none'; {}; base-uri 'none'; form-action 'none'; frame-ancestors {frame_ancestors}",
        *CSP_SOURCES
    );
    if let Ok(value) = HeaderValue::from_str(&csp) {
        response
            .headers_mut()
            .insert(header::CONTENT_SECURITY_POLICY, value);
    }
}

/// A roadmap as a self-contained HTML page for an `<iframe>`: title, summary and key facts,
/// the phases with topics and checkpoints, certifications by tier, projects, transition
/// stories (with a link to submit one), first moves and sources, with a "from" link to the roadmap. Under 60 KB, readable from 320 px wide, in a
/// light, dark or automatic theme. A bad parameter is a 400 page and an unknown roadmap a 404
/// page (HTML, like the page itself).
#[utoipa::path(
    tag = "embeds",
    params(("slug" = Slug, Path, description = "The roadmap's slug.", example = "healthcare-ai-ml-engineer"), EmbedQuery),
    responses(
        (status = 200, description = "The embeddable page.", content_type = "text/html", body = String,
         headers(
            ("Content-Security-Policy" = String, description = "`default-src 'none'`, the page's own style and script by hash, and `frame-ancestors`."),
            ("ETag" = String),
         )),
        (status = 304, description = "The client's copy is current."),
        (status = 400, description = "A bad parameter, as a small HTML page.", content_type = "text/html", body = String),
        (status = 404, description = "An unknown roadmap or revision, as a small HTML page.", content_type = "text/html", body = String),
    )
)]
#[get("/embed/roadmaps/{slug}")]
pub async fn embed_page(
    req: HttpRequest,
    state: Data<AppState>,
    slug: Path<String>,
    query: Result<PageQuery<EmbedQuery>, ApiError>,
) -> HttpResponse {
    answer_page(&req, &state, &slug, query, View::Embed).await
}

/// Which page of a roadmap: the embed, for a partner's iframe, or the page for people that
/// the embed's "From" link opens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum View {
    Embed,
    Standalone,
}

/// The page, or a small HTML page for its error.
async fn answer_page(
    req: &HttpRequest,
    state: &AppState,
    slug: &str,
    query: Result<PageQuery<EmbedQuery>, ApiError>,
    view: View,
) -> HttpResponse {
    let frame_ancestors = match view {
        View::Embed => state.frame_ancestors.as_str(),
        View::Standalone => "'none'",
    };
    let rendered = match query {
        Ok(PageQuery(query)) => render(req, state, slug, query, view, frame_ancestors).await,
        Err(error) => Err(error),
    };
    match rendered {
        Ok(response) => response,
        Err(error) => {
            let status = actix_web::ResponseError::status_code(&error);
            let message = if status.is_server_error() {
                "The roadmap cannot be shown right now.".to_owned()
            } else {
                error.to_string()
            };
            if status.is_server_error() {
                tracing::error!(error = ?error, "embed failed");
            }
            error_page(status, &message, frame_ancestors)
        }
    }
}

async fn render(
    req: &HttpRequest,
    state: &AppState,
    slug: &str,
    query: EmbedQuery,
    view: View,
    frame_ancestors: &str,
) -> Result<HttpResponse, ApiError> {
    let (roadmap, cache) = roadmap_for(state, slug, query.rev).await?;
    let for_people = state.page_for_people(req, &roadmap.slug);
    let embed_url = state.absolute(
        req,
        req.uri()
            .path_and_query()
            .map_or(req.path(), |pq| pq.as_str()),
    );
    let oembed = state.absolute(
        req,
        &format!(
            "/oembed?format=json&url={}",
            form_urlencoded::byte_serialize(embed_url.as_bytes()).collect::<String>()
        ),
    );
    let submit_story = state.link(&format!("/stories/new?roadmap={}", roadmap.slug));
    let links = Links {
        from: &for_people,
        submit_story: &submit_story,
        oembed: &oembed,
        canonical: (view == View::Standalone).then_some(for_people.as_str()),
    };
    let body = page(&roadmap, query.theme.name(), &query.sections.0, &links)
        .into_string()
        .into_bytes();
    let mut response = representation::bytes(req, body, "text/html; charset=utf-8", cache)?;
    with_frame_policy(&mut response, frame_ancestors);
    Ok(response)
}

/// The loader for partner pages: turns each `<div data-roadmap="slug">` into a self-sizing
/// iframe of `/embed/roadmaps/{slug}` (with `data-theme`, `data-sections`, `data-rev`), and
/// applies height messages only from this API's origin and from its own iframe.
#[utoipa::path(
    tag = "embeds",
    responses(
        (status = 200, description = "The loader script.", content_type = "application/javascript", body = String),
        (status = 304, description = "The client's copy is current."),
    )
)]
#[get("/embed.js")]
pub async fn loader(req: HttpRequest) -> Result<HttpResponse, ApiError> {
    representation::bytes(
        &req,
        LOADER.as_bytes().to_vec(),
        "application/javascript; charset=utf-8",
        CachePolicy::Content("public, max-age=3600"),
    )
}
