//! The embed's HTML: the roadmap page and the error page, styled by the inline stylesheet
//! and sized by the inline script that the page's CSP allows by hash.

use actix_web::HttpResponse;
use actix_web::http::StatusCode;
use actix_web::http::header;
use maud::{DOCTYPE, Markup, PreEscaped, html};

use super::{Section, with_frame_policy};
use crate::domain::{Difficulty, Range, Roadmap, Tier};

pub(super) const STYLE: &str = include_str!("../embed_assets/embed.css");
pub(super) const SCRIPT: &str = include_str!("../embed_assets/embed.js");

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

/// Where a page of a roadmap links.
pub(super) struct Links<'a> {
    /// The "From" link: where people read the roadmap.
    pub from: &'a str,
    /// The form where people submit a transition story.
    pub submit_story: &'a str,
    pub oembed: &'a str,
    /// The page's own canonical URL, for the page for people; an embed has none.
    pub canonical: Option<&'a str>,
}

pub(super) fn page(r: &Roadmap, theme: &str, sections: &[Section], links: &Links<'_>) -> Markup {
    let shows = |s: Section| sections.contains(&s);
    html! {
        (DOCTYPE)
        html lang=(r.language) data-theme=(theme) data-roadmap=(r.slug) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (r.title) }
                @if let Some(canonical) = links.canonical {
                    link rel="canonical" href=(canonical);
                }
                link rel="alternate" type="application/json+oembed" href=(links.oembed) title=(r.title);
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
                    @if shows(Section::Stories) {
                        section aria-labelledby="stories" {
                            h2 #stories { "Real transition stories" }
                            @for story in &r.transition_stories.items {
                                article {
                                    h3 { (story.from_role) " to " (story.to_role) ", " (story.year) }
                                    p.meta {
                                        (story.display_name.as_deref().unwrap_or("Anonymous"))
                                        @if story.verified { " · verified by the editors" }
                                    }
                                    @for paragraph in story.story.split('\n').filter(|p| !p.trim().is_empty()) {
                                        p { (paragraph) }
                                    }
                                    @if !story.links.is_empty() {
                                        ul {
                                            @for link in &story.links {
                                                li { a href=(link) target="_blank" rel="nofollow ugc noopener noreferrer" { (link) } }
                                            }
                                        }
                                    }
                                }
                            }
                            @if let Some(note) = &r.transition_stories.note { p { (note) } }
                            p {
                                "Know someone who made this transition? "
                                a href=(links.submit_story) target="_blank" rel="noopener" { "Submit their story →" }
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
                        "From " a href=(links.from) target="_blank" rel="noopener" { (r.title) }
                        " by " (r.publisher.name) " (" (r.publisher.author) ")."
                    }
                }
                script { (PreEscaped(SCRIPT)) }
            }
        }
    }
}

/// A small HTML page for an error, in the embed's own style, framed only where the page
/// itself may be (`frame_ancestors`).
pub(super) fn error_page(status: StatusCode, message: &str, frame_ancestors: &str) -> HttpResponse {
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
    with_frame_policy(&mut response, frame_ancestors);
    response
}
