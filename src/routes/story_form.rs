//! The story form for people (`GET /stories/new?roadmap={slug}`) and the pages that answer
//! it: a thank-you page, the form again with each error beside its field, or a short page
//! saying why a submission was refused. Plain HTML that works without JavaScript; its only
//! style is inline and allowed by hash, it runs no script, it posts only to this server, and
//! it is never framed.

use std::sync::LazyLock;

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::web::Data;
use actix_web::{HttpResponse, ResponseError, get};
use maud::{DOCTYPE, Markup, PreEscaped, html};
use serde::Deserialize;
use serde_json::Value;
use utoipa::IntoParams;

use super::AppState;
use crate::domain::{MAX_LINKS, MAX_STORY_CHARS, MIN_STORY_CHARS, Slug, Violations};
use crate::http::ApiError;
use crate::http::headers::csp_hash;
use crate::http::query::PageQuery;

const STYLE: &str = "body{font:16px/1.5 system-ui,sans-serif;max-width:40rem;margin:2rem auto;padding:0 1rem;color:#1a1a1a;background:#fff}\
label{display:block;font-weight:600;margin-top:1rem}\
input,textarea{display:block;width:100%;box-sizing:border-box;font:inherit;padding:.4rem;border:1px solid #767676;border-radius:4px}\
input[type=checkbox]{display:inline;width:auto;margin-right:.5rem}\
.hint{color:#555;font-size:.9rem;margin:.2rem 0}\
.error{color:#b00020;font-weight:600;margin:.2rem 0}\
[aria-invalid=true]{border-color:#b00020}\
.trap{position:absolute;left:-10000px;width:1px;height:1px;overflow:hidden}\
button{margin-top:1.5rem;font:inherit;padding:.5rem 1.2rem}\
@media(prefers-color-scheme:dark){body{color:#eee;background:#121212}.hint{color:#bbb}.error{color:#ff8a80}}";

static CSP: LazyLock<String> = LazyLock::new(|| {
    format!(
        "default-src 'none'; style-src {}; form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
        csp_hash(STYLE)
    )
});

/// Which roadmap the story is for.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FormQuery {
    /// The roadmap's slug.
    #[param(inline, example = "healthcare-ai-ml-engineer")]
    pub roadmap: Slug,
}

/// The form where a person submits a transition story: labelled fields, each error next to its
/// field, no JavaScript. It posts to `POST /v1/roadmaps/{slug}/stories`. Never framed.
#[utoipa::path(
    tag = "stories",
    params(FormQuery),
    responses(
        (status = 200, description = "The form.", content_type = "text/html", body = String,
         headers(("Content-Security-Policy" = String, description = "`default-src 'none'`, the page's own style by hash, `form-action 'self'`, `frame-ancestors 'none'`."))),
        (status = 400, description = "`roadmap` is missing or not a slug, as a small HTML page.", content_type = "text/html", body = String),
        (status = 404, description = "No such roadmap, as a small HTML page.", content_type = "text/html", body = String),
    )
)]
#[get("/stories/new")]
pub async fn new_story_form(
    state: Data<AppState>,
    query: Result<PageQuery<FormQuery>, ApiError>,
) -> HttpResponse {
    let slug = match query {
        Ok(PageQuery(query)) => query.roadmap,
        Err(error) => return answer(FormAnswer::Refused(&error)),
    };
    match state.store.roadmap(&slug).await {
        Ok(Some(roadmap)) => page(
            StatusCode::OK,
            "Submit a transition story",
            form(
                slug.as_str(),
                &roadmap.title,
                &Value::Null,
                &Violations::default(),
            ),
        ),
        Ok(None) => answer(FormAnswer::Refused(&ApiError::not_found(format!(
            "there is no roadmap `{slug}`"
        )))),
        Err(error) => answer(FormAnswer::Refused(&error.into())),
    }
}

/// How a form submission is answered.
pub enum FormAnswer<'a> {
    Thanks {
        roadmap: &'a str,
    },
    /// The form again, as it was filled in, with the problems beside their fields.
    Invalid {
        roadmap: &'a str,
        sent: &'a Value,
        violations: &'a Violations,
    },
    Refused(&'a ApiError),
}

pub fn answer(answer: FormAnswer<'_>) -> HttpResponse {
    match answer {
        FormAnswer::Thanks { roadmap } => page(
            StatusCode::ACCEPTED,
            "Thank you",
            html! {
                h1 { "Thank you" }
                p { "Your story is with our editors. They read every story before it is published, and may write to you if you left an address." }
                p { a href={ "/roadmaps/" (roadmap) } { "Back to the roadmap" } }
            },
        ),
        FormAnswer::Invalid {
            roadmap,
            sent,
            violations,
        } => page(
            StatusCode::UNPROCESSABLE_ENTITY,
            "Please check your story",
            form(roadmap, roadmap, sent, violations),
        ),
        FormAnswer::Refused(error) => {
            let status = error.status_code();
            let message =
                if status.is_server_error() && !matches!(error, ApiError::QueueFull { .. }) {
                    "Your story could not be taken right now; please try again later.".to_owned()
                } else {
                    error.to_string()
                };
            let mut response = page(
                status,
                "Story not submitted",
                html! { h1 { "Story not submitted" } p { (message) } },
            );
            let retry = error.error_response();
            if let Some(value) = retry.headers().get(header::RETRY_AFTER) {
                response
                    .headers_mut()
                    .insert(header::RETRY_AFTER, value.clone());
            }
            if let Some(value) = retry.headers().get(header::ALLOW) {
                response.headers_mut().insert(header::ALLOW, value.clone());
            }
            response
        }
    }
}

fn page(status: StatusCode, title: &str, content: Markup) -> HttpResponse {
    let markup = html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                meta name="robots" content="noindex";
                title { (title) }
                style { (PreEscaped(STYLE)) }
            }
            body { main { (content) } }
        }
    };
    let mut response = HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body(markup.into_string());
    if let Ok(value) = HeaderValue::from_str(&CSP) {
        response
            .headers_mut()
            .insert(header::CONTENT_SECURITY_POLICY, value);
    }
    response
}

/// The form, filled in with `sent` (except the hidden field), with the problems of
/// `violations` beside their fields.
fn form(slug: &str, title: &str, sent: &Value, violations: &Violations) -> Markup {
    let errors = |field: &str| -> Vec<&str> {
        let pointer = format!("/{field}");
        violations
            .found
            .iter()
            .filter(|v| v.pointer == pointer || v.pointer.starts_with(&format!("{pointer}/")))
            .map(|v| v.detail.as_str())
            .collect()
    };
    let value = |field: &str| match &sent[field] {
        Value::String(text) => text.clone(),
        Value::Number(n) => n.to_string(),
        _ => String::new(),
    };
    let links: Vec<String> = sent["links"]
        .as_array()
        .map(|l| {
            l.iter()
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    let unplaced: Vec<&str> = violations
        .found
        .iter()
        .filter(|v| {
            ![
                "display_name",
                "from_role",
                "to_role",
                "year",
                "story",
                "links",
                "contact_email",
                "consent",
            ]
            .iter()
            .any(|f| v.pointer == format!("/{f}") || v.pointer.starts_with(&format!("/{f}/")))
        })
        .map(|v| v.detail.as_str())
        .collect();
    let field = |name: &str, label: &str, hint: &str, multiline: bool| {
        let problems = errors(name);
        let invalid = if problems.is_empty() { "false" } else { "true" };
        let described = format!("{name}-hint {name}-error");
        html! {
            label for=(name) { (label) }
            p.hint id={ (name) "-hint" } { (hint) }
            @for problem in &problems {
                p.error id={ (name) "-error" } { (problem) }
            }
            @if multiline {
                textarea id=(name) name=(name) rows="12" aria-invalid=(invalid) aria-describedby=(described) { (value(name)) }
            } @else {
                input id=(name) name=(name) type="text" value=(value(name)) aria-invalid=(invalid) aria-describedby=(described);
            }
        }
    };
    html! {
        h1 { "Submit a transition story" }
        p { "For the roadmap " strong { (title) } ". Editors read every story before it is published; nothing is shown until they approve it." }
        @if !violations.is_empty() {
            p.error role="alert" { "Please check the fields marked below." }
            @for problem in &unplaced {
                p.error { (problem) }
            }
        }
        form method="post" action={ "/v1/roadmaps/" (slug) "/stories" } {
            (field("display_name", "Name to show (optional)", "Leave empty to stay anonymous.", false))
            (field("from_role", "Clinical role they came from", "For example: ICU nurse, pharmacist, radiographer.", false))
            (field("to_role", "Role they reached", "For example: Machine Learning Engineer.", false))
            (field("year", "Year of the move", "Four digits, for example 2024.", false))
            (field("story", "Their story", &format!("Plain text, {MIN_STORY_CHARS} to {MAX_STORY_CHARS} characters."), true))
            label for="links-0" { "Links (optional)" }
            p.hint id="links-hint" { "Up to " (MAX_LINKS) " public web addresses: a profile, a post about the move." }
            @for problem in errors("links") {
                p.error { (problem) }
            }
            @for i in 0..MAX_LINKS {
                input id={ "links-" (i) } name="links" type="url" value=(links.get(i).cloned().unwrap_or_default()) aria-describedby="links-hint" aria-label={ "Link " (i + 1) };
            }
            (field("contact_email", "Your email (optional)", "Only the editors see it, to ask about the story. It is never published.", false))
            div.trap aria-hidden="true" {
                label for="homepage" { "Leave this field empty" }
                input id="homepage" name="homepage" type="text" tabindex="-1" autocomplete="off";
            }
            @for problem in errors("consent") {
                p.error id="consent-error" { (problem) }
            }
            label {
                input type="checkbox" name="consent" value="true" aria-describedby="consent-error";
                "I agree that this story may be published on the roadmap, with the name above."
            }
            button type="submit" { "Submit the story" }
        }
    }
}
