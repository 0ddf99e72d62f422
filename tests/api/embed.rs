//! Partner embeds over HTTP (the browser tests in `.ci/run` load them in Chromium).

use reqwest::{StatusCode, header};
use sha2::Digest;

use crate::helpers::{SLUG, content_type, problem, spawn_app, spawn_with, test_settings};

fn header_of(response: &reqwest::Response, name: header::HeaderName) -> String {
    response
        .headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned()
}

/// The `sha256-...` CSP source of an inline element's text.
fn csp_hash(text: &str) -> String {
    use base64::Engine;
    format!(
        "'sha256-{}'",
        base64::engine::general_purpose::STANDARD.encode(sha2::Sha256::digest(text.as_bytes()))
    )
}

fn inline(html: &str, tag: &str) -> String {
    let open = format!("<{tag}>");
    let start = html
        .find(&open)
        .map(|i| i + open.len())
        .expect("inline element");
    let end = html[start..].find(&format!("</{tag}>")).expect("closed") + start;
    html[start..end].to_owned()
}

#[tokio::test]
async fn the_embed_page_is_self_contained_small_and_attributed() {
    let app = spawn_app().await;
    let response = app.get(&format!("/embed/roadmaps/{SLUG}")).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert!(content_type(&response).starts_with("text/html"));
    let csp = header_of(&response, header::CONTENT_SECURITY_POLICY);
    assert!(csp.starts_with("default-src 'none'"), "{csp}");
    assert!(csp.contains("frame-ancestors *"), "{csp}");
    assert_eq!(
        header_of(&response, header::X_CONTENT_TYPE_OPTIONS),
        "nosniff"
    );
    assert!(response.headers().get(header::X_FRAME_OPTIONS).is_none());
    assert!(response.headers().get(header::ETAG).is_some());
    let html = response.text().await.expect("html");
    assert!(html.len() < 60 * 1024, "{} bytes", html.len());
    // Inline style and script are allowed by their hashes, and nothing else is loaded.
    assert!(csp.contains(&csp_hash(&inline(&html, "style"))), "{csp}");
    assert!(csp.contains(&csp_hash(&inline(&html, "script"))), "{csp}");
    for external in ["src=\"http", "<link rel=\"stylesheet", "@import", "url("] {
        assert!(!html.contains(external), "loads {external}");
    }
    assert!(html.contains("<html lang=\"en\" data-theme=\"auto\""));
    for part in [
        "<h1>Healthcare AI/ML Engineer Roadmap</h1>",
        "Very high",
        "12 to 18 months",
        "Remote-friendly",
        "Phase 1: Foundation",
        "<strong>Checkpoint: </strong>",
        "<h3>High Signal</h3>",
        "Hospital Readmission Prediction",
        "Map your clinical superpower",
        "href=\"https://course.fast.ai/\"",
        "declares 16 sources",
        "roadmap-api:resize",
        "type=\"application/json+oembed\"",
    ] {
        assert!(html.contains(part), "the page lacks {part}");
    }
    // Readers who click it land on a page for people, not on the API's JSON.
    let attribution = format!("From <a href=\"{}/roadmaps/{SLUG}\"", app.address);
    assert!(
        html.contains(&attribution),
        "the attribution links to the roadmap's page"
    );
}

#[tokio::test]
async fn the_from_link_opens_a_page_for_people() {
    let app = spawn_app().await;
    let page = app.get(&format!("/roadmaps/{SLUG}")).await;
    assert_eq!(page.status(), 200);
    assert!(content_type(&page).starts_with("text/html"));
    let csp = page.headers()["content-security-policy"]
        .to_str()
        .expect("text")
        .to_owned();
    assert!(csp.ends_with("frame-ancestors 'none'"), "{csp}");
    let html = page.text().await.expect("text");
    assert!(html.contains("<title>Healthcare AI/ML Engineer Roadmap</title>"));
    let own = format!(
        "<link rel=\"canonical\" href=\"{}/roadmaps/{SLUG}\">",
        app.address
    );
    assert!(html.contains(&own), "no canonical link to itself");
    assert!(html.contains("Phase 1"), "the roadmap's content");
    let missing = app.get("/roadmaps/no-such-roadmap").await;
    assert_eq!(missing.status(), 404);
    assert!(content_type(&missing).starts_with("text/html"));

    // Where the roadmap site lives elsewhere, the link and the canonical go there.
    let dir = tempfile::tempdir().expect("temp dir");
    let mut settings = crate::helpers::test_settings(&dir);
    settings.site_url = Some("https://roadmaps.example/paths/{slug}".to_owned());
    let app = crate::helpers::spawn_with(settings, dir).await;
    let site = format!("https://roadmaps.example/paths/{SLUG}");
    let embed = app
        .get(&format!("/embed/roadmaps/{SLUG}"))
        .await
        .text()
        .await
        .expect("text");
    assert!(
        embed.contains(&format!("From <a href=\"{site}\"")),
        "the embed links to the site"
    );
    let page = app
        .get(&format!("/roadmaps/{SLUG}"))
        .await
        .text()
        .await
        .expect("text");
    assert!(page.contains(&format!("<link rel=\"canonical\" href=\"{site}\">")));
}

#[tokio::test]
async fn themes_and_sections_shape_the_page_and_bad_values_get_html_errors() {
    let app = spawn_app().await;
    let dark = app
        .get(&format!(
            "/embed/roadmaps/{SLUG}?theme=dark&sections=projects,overview"
        ))
        .await
        .text()
        .await
        .expect("html");
    assert!(dark.contains("data-theme=\"dark\""));
    assert!(
        dark.contains("id=\"projects\"")
            && !dark.contains("id=\"phases\"")
            && !dark.contains("id=\"sources\"")
    );
    for query in [
        "theme=neon",
        "sections=phases,gossip",
        "sections=",
        "rev=0",
        "rev=x",
    ] {
        let response = app.get(&format!("/embed/roadmaps/{SLUG}?{query}")).await;
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{query}");
        assert!(content_type(&response).starts_with("text/html"), "{query}");
        assert!(
            response
                .text()
                .await
                .expect("html")
                .contains("Roadmap unavailable")
        );
    }
    for path in [
        "/embed/roadmaps/no-such-roadmap".to_owned(),
        format!("/embed/roadmaps/{SLUG}?rev=99"),
    ] {
        let response = app.get(&path).await;
        assert_eq!(response.status(), StatusCode::NOT_FOUND, "{path}");
        assert!(content_type(&response).starts_with("text/html"));
    }
    let pinned = app.get(&format!("/embed/roadmaps/{SLUG}?rev=1")).await;
    assert_eq!(
        header_of(&pinned, header::CACHE_CONTROL),
        "public, max-age=31536000, immutable"
    );
}

#[tokio::test]
async fn framing_can_be_limited_to_partners() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut settings = test_settings(&dir);
    settings.frame_ancestors = "https://partner.example".to_owned();
    let app = spawn_with(settings, dir).await;
    let response = app.get(&format!("/embed/roadmaps/{SLUG}")).await;
    assert!(
        header_of(&response, header::CONTENT_SECURITY_POLICY)
            .ends_with("frame-ancestors https://partner.example")
    );
}

#[tokio::test]
async fn the_loader_script_checks_where_messages_come_from() {
    let app = spawn_app().await;
    let response = app.get("/embed.js").await;
    assert_eq!(response.status(), StatusCode::OK);
    assert!(content_type(&response).starts_with("application/javascript"));
    let script = response.text().await.expect("js");
    assert!(
        script.contains("event.origin !== origin")
            && script.contains("event.source !== frame.contentWindow")
    );
    assert!(script.contains("[data-roadmap]"));
}

#[tokio::test]
async fn oembed_describes_a_roadmap_url_of_this_provider() {
    let app = spawn_app().await;
    let base = &app.address;
    for url in [
        format!("{base}/v1/roadmaps/{SLUG}"),
        format!("{base}/embed/roadmaps/{SLUG}?theme=dark"),
    ] {
        let encoded = encode(&url);
        let body = app
            .get_json(&format!("/oembed?url={encoded}&format=json"))
            .await;
        assert_eq!(body["version"], "1.0");
        assert_eq!(body["type"], "rich");
        assert_eq!(body["provider_name"], "roadmap-api");
        assert_eq!(body["title"], "Healthcare AI/ML Engineer Roadmap");
        assert!(body["cache_age"].as_u64().is_some());
        let html = body["html"].as_str().expect("html");
        assert!(
            html.starts_with("<iframe src=\"")
                && html.contains(&format!("{base}/embed/roadmaps/{SLUG}")),
            "{html}"
        );
        if url.contains("theme=dark") {
            assert!(html.contains("theme=dark"), "{html}");
        }
    }
    let url = encode(&format!("{base}/v1/roadmaps/{SLUG}"));
    let small = app
        .get_json(&format!("/oembed?url={url}&maxwidth=300&maxheight=200"))
        .await;
    assert_eq!(
        (small["width"].as_u64(), small["height"].as_u64()),
        (Some(300), Some(200))
    );
    assert!(
        small["html"]
            .as_str()
            .is_some_and(|h| h.contains("width=\"300\"") && h.contains("height=\"200\""))
    );

    let foreign = encode(&format!("https://elsewhere.example/v1/roadmaps/{SLUG}"));
    problem(
        app.get(&format!("/oembed?url={foreign}")).await,
        StatusCode::NOT_FOUND,
    )
    .await;
    let unknown = encode(&format!("{base}/v1/roadmaps/nope"));
    problem(
        app.get(&format!("/oembed?url={unknown}")).await,
        StatusCode::NOT_FOUND,
    )
    .await;
    let xml = app.get(&format!("/oembed?url={url}&format=xml")).await;
    assert_eq!(xml.status(), StatusCode::OK);
    assert_eq!(content_type(&xml), "text/xml; charset=utf-8");
    let xml = xml.text().await.expect("text");
    assert!(xml.contains("<type>rich</type>"), "{xml}");
    assert!(
        xml.contains("<html>&lt;iframe src=&quot;"),
        "the iframe is escaped: {xml}"
    );
    problem(app.get("/oembed").await, StatusCode::BAD_REQUEST).await;
    problem(
        app.get(&format!("/oembed?url={url}&maxwidth=0")).await,
        StatusCode::BAD_REQUEST,
    )
    .await;
}

pub fn encode(text: &str) -> String {
    form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

#[tokio::test]
async fn the_page_marks_each_trackable_item_for_the_progress_script() {
    let app = spawn_app().await;
    let html = app
        .get(&format!("/embed/roadmaps/{SLUG}"))
        .await
        .text()
        .await
        .expect("html");
    // 16 topics, 4 tracks, 3 checkpoints, 5 projects, 3 first moves.
    assert_eq!(html.matches(" data-key=\"").count(), 31);
    for item in [
        "<li data-key=\"basic-sql\">",
        "<li data-key=\"track-a-medical-imaging\">",
        "<p class=\"checkpoint\" data-key=\"foundation\">",
        "<h3 data-key=\"readmission-prediction\">",
        "<li data-key=\"map-your-clinical-superpower\">",
    ] {
        assert!(html.contains(item), "the page lacks {item}");
    }
    // The units the script counts are the API's: a phase's tracks are one.
    let units = |html: &str| {
        let start = html.find("<main data-units=\"").expect("units") + 18;
        let end = html[start..].find('"').expect("closed") + start;
        html[start..end]
            .split(' ')
            .map(str::to_owned)
            .collect::<Vec<_>>()
    };
    let all = units(&html);
    assert_eq!(all.len(), 28);
    assert!(all.contains(
        &"track-a-medical-imaging|track-b-clinical-nlp-ehr|track-c-predictive-analytics|track-d-drug-discovery"
            .to_owned()
    ));
    assert_eq!(
        html.matches("<h3 data-units=\"").count(),
        3,
        "one bar a phase"
    );
    assert!(inline(&html, "script").contains("roadmap-api:progress"));
    assert!(inline(&html, "style").contains("@media print"));
    // A page showing one section still counts the whole roadmap.
    let overview = app
        .get(&format!("/embed/roadmaps/{SLUG}?sections=overview"))
        .await
        .text()
        .await
        .expect("html");
    assert_eq!(units(&overview), all);
    assert_eq!(overview.matches(" data-key=\"").count(), 0);
    // Only a pinned revision tells the script to keep checks of items it lacks.
    assert!(!html.contains(" data-pinned>"));
    let pinned = app
        .get(&format!("/roadmaps/{SLUG}?rev=1"))
        .await
        .text()
        .await
        .expect("html");
    assert!(pinned.contains(" data-pinned>"), "a pinned page says so");
}
