//! schema.org JSON-LD of a roadmap, for partners' search engines: a `Course` about an
//! `Occupation`, its phases (`Course`) and projects (`LearningResource`) as parts, the
//! certifications it recommends (High Signal and Helpful) as the occupation's
//! `EducationalOccupationalCredential` qualifications, its sources as `citation`, and its
//! published transition stories as the `Article`s it is the `subjectOf`.
//! Certifications rated Skip are advice against, so they are not offered as qualifications.

use actix_web::{HttpRequest, HttpResponse};
use serde_json::{Value, json};

use super::AppState;
use crate::domain::{Roadmap, Tier};
use crate::http::{ApiError, CachePolicy, representation};

/// An ISO 8601 duration of whole months or hours.
fn months(n: u32) -> String {
    format!("P{n}M")
}

fn hours(n: u32) -> String {
    format!("PT{n}H")
}

pub fn document(r: &Roadmap, url: &str) -> Value {
    let phases = r.learning_path.phases.iter().map(|phase| {
        let topics: Vec<&str> = phase
            .topic_groups
            .iter()
            .flat_map(|group| group.topics.iter().map(|topic| topic.text.as_str()))
            .chain(phase.tracks.iter().map(|track| track.title.as_str()))
            .collect();
        json!({
            "@type": "Course",
            "@id": format!("{url}/phases/{}", phase.number),
            "name": phase.title,
            "position": phase.number,
            "description": phase.checkpoint,
            "teaches": topics,
            "timeRequired": months(phase.months.max - phase.months.min + 1),
        })
    });
    let projects = r.projects.iter().map(|project| {
        json!({
            "@type": "LearningResource",
            "@id": format!("{url}/projects/{}", project.number),
            "learningResourceType": "Project",
            "name": project.title,
            "position": project.number,
            "description": project.description,
            "keywords": project.stack,
            "timeRequired": hours(project.hours.max),
        })
    });
    let credentials: Vec<Value> = r
        .certifications
        .items
        .iter()
        .filter(|rating| rating.tier != Tier::Skip)
        .map(|rating| {
            let c = &rating.certification;
            let mut credential = json!({
                "@type": "EducationalOccupationalCredential",
                "name": c.name,
                "credentialCategory": "certification",
                "description": rating.note,
            });
            if let Some(amount) = c.cost.amount_usd {
                credential["offers"] = json!({"@type": "Offer", "price": amount, "priceCurrency": "USD", "description": c.cost.text});
            }
            credential
        })
        .collect();
    let citations: Vec<Value> = r
        .sources
        .items
        .iter()
        .map(|source| {
            let mut work = json!({"@type": "CreativeWork", "name": source.title});
            if let Some(link) = &source.url {
                work["url"] = json!(link);
            }
            work
        })
        .collect();
    let stories: Vec<Value> = r
        .transition_stories
        .items
        .iter()
        .map(|story| {
            let mut article = json!({
                "@type": "Article",
                "@id": format!("{url}/stories/{}", story.key),
                "headline": format!("{} to {}, {}", story.from_role, story.to_role, story.year),
                "articleBody": story.story,
            });
            if let Some(name) = &story.display_name {
                article["author"] = json!({"@type": "Person", "name": name});
            }
            article
        })
        .collect();
    json!({
        "@context": "https://schema.org",
        "@type": "Course",
        "@id": url,
        "url": url,
        "name": r.title,
        "description": r.summary,
        "inLanguage": r.language,
        "educationalLevel": r.difficulty.as_str(),
        "timeRequired": months(r.timeline_months.max),
        "provider": {"@type": "Organization", "name": r.publisher.name},
        "author": {"@type": "Person", "name": r.publisher.author},
        "about": {
            "@type": "Occupation",
            "name": r.role,
            "description": r.key_differentiator,
            "occupationLocation": r.work_setting.regional_hubs.iter().map(|hub| json!({"@type": "Place", "name": hub.name})).collect::<Vec<_>>(),
            "qualifications": credentials,
        },
        "hasPart": phases.chain(projects).collect::<Vec<_>>(),
        "citation": citations,
        "subjectOf": stories,
    })
}

pub fn respond(
    req: &HttpRequest,
    state: &AppState,
    roadmap: &Roadmap,
    cache: CachePolicy<'_>,
) -> Result<HttpResponse, ApiError> {
    let url = state.link(&format!("/v1/roadmaps/{}", roadmap.slug));
    let body = serde_json::to_vec(&document(roadmap, &url))
        .map_err(|e| ApiError::Internal(format!("serializing JSON-LD: {e}")))?;
    representation::bytes(req, script_safe(&body), "application/ld+json", cache)
}

/// JSON that partners can paste into `<script type="application/ld+json">` as it is: `<`, `>`
/// and `&` written as `\u003c`, `\u003e` and `\u0026`, so that no text of the content can
/// close the script element or open a comment. Outside strings JSON never holds these
/// characters, and inside them the escapes mean the same text.
fn script_safe(json: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(json.len());
    for &byte in json {
        match byte {
            b'<' => out.extend_from_slice(br"\u003c"),
            b'>' => out.extend_from_slice(br"\u003e"),
            b'&' => out.extend_from_slice(br"\u0026"),
            _ => out.push(byte),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::script_safe;

    #[test]
    fn no_text_can_close_the_script_element() {
        let json = serde_json::to_vec(
            &serde_json::json!({"name": "</script><script>alert(1)</script> & <!--"}),
        )
        .expect("json");
        let safe = script_safe(&json);
        let text = String::from_utf8(safe.clone()).expect("utf-8");
        assert!(
            !text.contains('<') && !text.contains('>') && !text.contains('&'),
            "{text}"
        );
        let back: serde_json::Value = serde_json::from_slice(&safe).expect("still JSON");
        assert_eq!(back["name"], "</script><script>alert(1)</script> & <!--");
    }
}
