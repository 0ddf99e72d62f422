//! Partner embeds: a self-contained HTML page for an `<iframe>`, the one-line loader that
//! makes such iframes, and an oEmbed 1.0 provider.
//!
//! The page loads nothing: its style and script are inline and allowed by hash in its
//! `Content-Security-Policy` (`default-src 'none'`). It tells its parent its height with
//! `postMessage({type: "roadmap-api:resize", slug, height}, "*")` on load and on every resize.

use std::sync::LazyLock;

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::web::{Data, Path};
use actix_web::{HttpRequest, HttpResponse, get};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use maud::{DOCTYPE, Markup, PreEscaped, html};
use serde::Serialize;
use sha2::{Digest, Sha256};
use utoipa::{IntoParams, ToSchema};

use super::{AppState, NotModified, roadmap_for};
use crate::domain::{Difficulty, Range, Roadmap, Slug, Tier};
use crate::http::{ApiError, CachePolicy, QueryParams, json, representation};

const STYLE: &str = include_str!("embed_assets/embed.css");
const SCRIPT: &str = include_str!("embed_assets/embed.js");
const LOADER: &str = include_str!("embed_assets/loader.js");

/// `script-src` and `style-src` of the page: exactly its inline script and style.
static CSP_SOURCES: LazyLock<String> = LazyLock::new(|| {
    let hash = |text: &str| {
        format!(
            "'sha256-{}'",
            STANDARD.encode(Sha256::digest(text.as_bytes()))
        )
    };
    format!("style-src {}; script-src {}", hash(STYLE), hash(SCRIPT))
});

/// The parts of a roadmap an embed can show.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Section {
    Overview,
    Phases,
    Certifications,
    Projects,
    Moves,
    Sources,
}

const SECTIONS: [(&str, Section); 6] = [
    ("overview", Section::Overview),
    ("phases", Section::Phases),
    ("certifications", Section::Certifications),
    ("projects", Section::Projects),
    ("moves", Section::Moves),
    ("sources", Section::Sources),
];

/// How the embed looks.
#[derive(Debug, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct EmbedQuery {
    /// `light`, `dark`, or `auto` (the default: follows the reader's `prefers-color-scheme`).
    #[param(value_type = Option<String>, pattern = "^(light|dark|auto)$")]
    pub theme: Option<String>,
    /// Which sections show, comma-separated, in page order whatever the order given:
    /// `overview`, `phases`, `certifications`, `projects`, `moves`, `sources` (default: all).
    #[param(
        value_type = Option<String>,
        pattern = "^ *(overview|phases|certifications|projects|moves|sources) *(, *(overview|phases|certifications|projects|moves|sources) *)*$",
        example = "overview,phases"
    )]
    pub sections: Option<String>,
    /// Pin a published revision (see `/v1/roadmaps/{slug}/revisions`).
    #[param(minimum = 1)]
    pub rev: Option<u32>,
}

fn parse_sections(raw: Option<&str>) -> Result<Vec<Section>, ApiError> {
    let Some(raw) = raw else {
        return Ok(SECTIONS.iter().map(|(_, s)| *s).collect());
    };
    let mut chosen = Vec::new();
    for name in raw.split(',').map(str::trim) {
        let section = SECTIONS
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, s)| *s)
            .ok_or_else(|| {
                let names: Vec<&str> = SECTIONS.iter().map(|(n, _)| *n).collect();
                ApiError::bad_parameter(
                    "sections",
                    format!("takes a comma list of: {}", names.join(", ")),
                )
            })?;
        chosen.push(section);
    }
    Ok(SECTIONS
        .iter()
        .map(|(_, s)| *s)
        .filter(|s| chosen.contains(s))
        .collect())
}

fn months(range: Range) -> String {
    if range.min == range.max {
        format!("{} months", range.min)
    } else {
        format!("{} to {} months", range.min, range.max)
    }
}

fn difficulty(d: Difficulty) -> &'static str {
    match d {
        Difficulty::Low => "Low",
        Difficulty::Medium => "Medium",
        Difficulty::High => "High",
        Difficulty::VeryHigh => "Very high",
    }
}

fn tier_title(tier: Tier) -> &'static str {
    match tier {
        Tier::HighSignal => "High Signal",
        Tier::Helpful => "Helpful",
        Tier::Skip => "Skip",
    }
}

fn page(r: &Roadmap, theme: &str, sections: &[Section], canonical: &str, oembed: &str) -> Markup {
    let shows = |s: Section| sections.contains(&s);
    html! {
        (DOCTYPE)
        html lang=(r.language) data-theme=(theme) data-roadmap=(r.slug) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (r.title) }
                link rel="alternate" type="application/json+oembed" href=(oembed) title=(r.title);
                style { (PreEscaped(STYLE)) }
            }
            body {
                main {
                    header {
                        p.icon aria-hidden="true" { (r.icon) }
                        h1 { (r.title) }
                        @if shows(Section::Overview) {
                            p { (r.summary) }
                            dl.facts {
                                dt { "Difficulty" } dd { (difficulty(r.difficulty)) }
                                dt { "Timeline" } dd { (months(r.timeline_months)) }
                                dt { "Work setting" } dd { (r.work_setting.label) ". " (r.work_setting.text) }
                                dt { "Demand" } dd { (r.demand.level) ". " (r.demand.detail) }
                            }
                        }
                    }
                    @if shows(Section::Phases) {
                        section aria-labelledby="phases" {
                            h2 #phases { "Learning path (" (months(r.learning_path.timeline_months)) ")" }
                            @for phase in &r.learning_path.phases {
                                h3 { "Phase " (phase.number) ": " (phase.title) }
                                p.meta { "Months " (phase.months.min) " to " (phase.months.max) " · " (phase.hours_text) " hours" }
                                @for group in &phase.topic_groups {
                                    h4 { (group.label) @if let Some(title) = &group.title { ": " (title) } }
                                    ul { @for topic in &group.topics { li { (topic.text) } } }
                                }
                                @if !phase.tracks.is_empty() {
                                    ul {
                                        @for track in &phase.tracks {
                                            li {
                                                strong { "Track " (track.letter) ": " (track.title) }
                                                " (" (track.focus.join(", "))
                                                @if !track.tools.is_empty() { "; tools: " (track.tools.join(", ")) }
                                                @if !track.datasets.is_empty() { "; datasets: " (track.datasets.join(", ")) }
                                                ")"
                                            }
                                        }
                                    }
                                }
                                p.checkpoint { strong { "Checkpoint: " } (phase.checkpoint) }
                            }
                        }
                    }
                    @if shows(Section::Certifications) {
                        section aria-labelledby="certifications" {
                            h2 #certifications { "Certifications" }
                            p { (r.certifications.reality_check) }
                            @for tier in Tier::ALL {
                                @let rated: Vec<_> = r.certifications.items.iter().filter(|c| c.tier == *tier).collect();
                                @if !rated.is_empty() {
                                    h3 { (tier_title(*tier)) }
                                    ul {
                                        @for rating in rated {
                                            li {
                                                strong { (rating.certification.name) }
                                                " · " (rating.certification.cost.text)
                                                @if let Some(timeline) = &rating.timeline_text { " · " (timeline) }
                                                br;
                                                (rating.note)
                                            }
                                        }
                                    }
                                }
                            }
                            p { strong { "Recommendation: " } (r.certifications.recommendation) }
                        }
                    }
                    @if shows(Section::Projects) {
                        section aria-labelledby="projects" {
                            h2 #projects { "Portfolio projects" }
                            @for project in &r.projects {
                                h3 { (project.number) ". " (project.title) }
                                p.meta { (project.hours.min) " to " (project.hours.max) " hours" }
                                p { (project.description) }
                                ul.chips aria-label="Stack" { @for item in &project.stack { li { (item) } } }
                                @if let Some(dataset) = &project.dataset_text { p { "Dataset: " (dataset) } }
                                p { em { "Your clinical advantage: " } (project.clinical_advantage) }
                            }
                        }
                    }
                    @if shows(Section::Moves) {
                        section aria-labelledby="moves" {
                            h2 #moves { "First moves" }
                            @if let Some(note) = &r.first_moves.note { p { (note) } }
                            ol {
                                @for step in &r.first_moves.items {
                                    li {
                                        strong { (step.title) } " (" (step.time.text) "). " (step.summary)
                                        ul { @for s in &step.steps { li { (s) } } }
                                    }
                                }
                            }
                        }
                    }
                    @if shows(Section::Sources) {
                        section aria-labelledby="sources" {
                            h2 #sources { "Sources" }
                            ul {
                                @for source in &r.sources.items {
                                    li {
                                        @if let Some(url) = &source.url {
                                            a href=(url) target="_blank" rel="noopener noreferrer" { (source.title) }
                                        } @else { (source.title) }
                                    }
                                }
                            }
                            @if let Some(count) = r.sources.declared_count {
                                p.meta { "The roadmap's page declares " (count) " sources." }
                            }
                        }
                    }
                    footer {
                        "From " a href=(canonical) target="_blank" rel="noopener" { (r.title) }
                        " by " (r.publisher.name) " (" (r.publisher.author) ")."
                    }
                }
                script { (PreEscaped(SCRIPT)) }
            }
        }
    }
}

/// A small HTML page for an error, in the embed's own style.
fn error_page(status: StatusCode, message: &str) -> HttpResponse {
    let markup = html! {
        (DOCTYPE)
        html lang="en" data-theme="auto" {
            head { meta charset="utf-8"; title { "Roadmap unavailable" } style { (PreEscaped(STYLE)) } }
            body { main { h1 { "Roadmap unavailable" } p { (message) } } }
        }
    };
    let mut response = HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body(markup.into_string());
    with_frame_policy(&mut response, "*");
    response
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
/// the phases with topics and checkpoints, certifications by tier, projects, first moves and
/// sources, with a "from" link to the roadmap. Under 60 KB, readable from 320 px wide, in a
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
    query: QueryParams,
) -> HttpResponse {
    match render(&req, &state, &slug, &query).await {
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
            error_page(status, &message)
        }
    }
}

async fn render(
    req: &HttpRequest,
    state: &AppState,
    slug: &str,
    query: &QueryParams,
) -> Result<HttpResponse, ApiError> {
    let theme = match query.raw("theme")? {
        None => "auto",
        Some(theme @ ("light" | "dark" | "auto")) => theme,
        Some(_) => {
            return Err(ApiError::bad_parameter(
                "theme",
                "must be light, dark or auto",
            ));
        }
    };
    let sections = parse_sections(query.raw("sections")?)?;
    let (roadmap, cache) = roadmap_for(state, slug, query).await?;
    let canonical = state.absolute(req, &format!("/v1/roadmaps/{}", roadmap.slug));
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
    let body = page(&roadmap, theme, &sections, &canonical, &oembed)
        .into_string()
        .into_bytes();
    let mut response = representation::bytes(req, body, "text/html; charset=utf-8", cache)?;
    with_frame_policy(&mut response, &state.frame_ancestors);
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

/// The oEmbed request.
#[derive(Debug, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct OEmbedQuery {
    /// The embed URL (`/embed/roadmaps/{slug}`, with its parameters) or the API URL
    /// (`/v1/roadmaps/{slug}`) of a roadmap on this host.
    #[param(example = "http://127.0.0.1:8080/v1/roadmaps/healthcare-ai-ml-engineer")]
    pub url: String,
    /// `json` (the default) or `xml`.
    #[param(value_type = Option<String>, pattern = "^(json|xml)$")]
    pub format: Option<String>,
    /// The widest the embed may be, in pixels: an upper bound, so any size is accepted.
    #[param(minimum = 1)]
    pub maxwidth: Option<u32>,
    /// The tallest the embed may be, in pixels: an upper bound, so any size is accepted.
    #[param(minimum = 1)]
    pub maxheight: Option<u32>,
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
    query: QueryParams,
) -> Result<HttpResponse, ApiError> {
    let xml = match query.raw("format")? {
        None | Some("json") => false,
        Some("xml") => true,
        Some(_) => return Err(ApiError::bad_parameter("format", "must be json or xml")),
    };
    let url = query
        .raw("url")?
        .ok_or_else(|| ApiError::bad_parameter("url", "is required: a roadmap URL"))?;
    let max_width = query.number("maxwidth", 1, u32::MAX)?;
    let max_height = query.number("maxheight", 1, u32::MAX)?;
    let base = state.absolute(&req, "");
    let not_ours = || ApiError::not_found("that URL is not a roadmap of this provider");
    let rest = url.strip_prefix(base.as_str()).ok_or_else(not_ours)?;
    let (path, embed_query) = rest.split_once('?').unwrap_or((rest, ""));
    let slug = path
        .strip_prefix("/embed/roadmaps/")
        .or_else(|| path.strip_prefix("/v1/roadmaps/"))
        .filter(|slug| !slug.contains('/'))
        .ok_or_else(not_ours)?;
    // Only the embed's own parameters carry over into the iframe.
    let carried = QueryParams::parse(embed_query).map_err(|_| not_ours())?;
    let mut params = form_urlencoded::Serializer::new(String::new());
    for name in ["theme", "sections", "rev"] {
        if let Ok(Some(value)) = carried.raw(name) {
            params.append_pair(name, value);
        }
    }
    let (roadmap, _) = roadmap_for(&state, slug, &carried)
        .await
        .map_err(|_| not_ours())?;
    let width = max_width.map_or(DEFAULT_WIDTH, |max| max.min(DEFAULT_WIDTH));
    let height = max_height.map_or(DEFAULT_HEIGHT, |max| max.min(DEFAULT_HEIGHT));
    let params = params.finish();
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
    if xml {
        representation::bytes(
            &req,
            response.to_xml().into_bytes(),
            "text/xml; charset=utf-8",
            state.content_cache(),
        )
    } else {
        json(&req, &response, state.content_cache())
    }
}
