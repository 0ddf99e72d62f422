use reqwest::{StatusCode, header};

use crate::helpers::{SLUG, bundled_document, problem, spawn_app};

#[tokio::test]
async fn catalogue_lists_the_bundled_roadmap() {
    let app = spawn_app().await;
    let body = app.get_json("/v1/roadmaps").await;
    let data = body["data"].as_array().expect("data array");
    assert_eq!(data.len(), 1);
    assert_eq!(data[0]["slug"], SLUG);
    assert_eq!(data[0]["difficulty"], "very_high");
    assert_eq!(
        data[0]["timeline_months"],
        serde_json::json!({"min": 12, "max": 18})
    );
    assert!(body["next_cursor"].is_null());
}

#[tokio::test]
async fn catalogue_filters_by_difficulty_and_months() {
    let app = spawn_app().await;
    let matching = [
        "?difficulty=very_high",
        "?max_months=18",
        "?max_months=100&difficulty=very_high",
    ];
    for query in matching {
        let body = app.get_json(&format!("/v1/roadmaps{query}")).await;
        assert_eq!(body["data"].as_array().map(Vec::len), Some(1), "{query}");
    }
    for query in ["?difficulty=low", "?max_months=17", "?max_months=0"] {
        let body = app.get_json(&format!("/v1/roadmaps{query}")).await;
        assert_eq!(body["data"].as_array().map(Vec::len), Some(0), "{query}");
    }
}

#[tokio::test]
async fn whole_roadmap_is_the_bundled_document() {
    let app = spawn_app().await;
    let served = app.get_json(&format!("/v1/roadmaps/{SLUG}")).await;
    assert_eq!(served, bundled_document());
}

#[tokio::test]
async fn unknown_or_impossible_slugs_are_404_problems() {
    let app = spawn_app().await;
    for path in [
        "/v1/roadmaps/no-such-roadmap",
        "/v1/roadmaps/NOT%20A%20SLUG",
        "/v1/roadmaps/..%2F..%2Fetc",
    ] {
        let body = problem(app.get(path).await, StatusCode::NOT_FOUND).await;
        assert_eq!(body["type"], "/problems/not-found");
    }
}

#[tokio::test]
async fn pages_link_to_the_next_page() {
    let app = spawn_app().await;
    // A second roadmap, so that a page of one has a successor.
    let mut other = bundled_document();
    other["slug"] = "zz-second-roadmap".into();
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("second.json");
    std::fs::write(&file, other.to_string()).expect("write");
    let status = std::process::Command::new(env!("CARGO_BIN_EXE_roadmap-api"))
        .args([
            "--database".as_ref(),
            app.database.as_os_str(),
            "import".as_ref(),
            file.as_os_str(),
        ])
        .env("ROADMAP_API_LOG_FORMAT", "json")
        .output()
        .expect("runs");
    assert!(status.status.success());

    let first = app.get("/v1/roadmaps?limit=1").await;
    assert_eq!(first.status(), StatusCode::OK);
    let link = first
        .headers()
        .get(header::LINK)
        .and_then(|v| v.to_str().ok())
        .expect("Link header")
        .to_owned();
    let body: serde_json::Value = first.json().await.expect("json");
    assert_eq!(body["data"][0]["slug"], SLUG);
    let cursor = body["next_cursor"].as_str().expect("a next cursor");
    assert!(link.ends_with("; rel=\"next\""), "{link}");
    let next_url = link.trim_start_matches('<').split('>').next().expect("url");
    // Relative (RFC 8288 resolves it against the request): no spoofed Host can redirect it.
    assert!(next_url.starts_with("/v1/roadmaps?"), "{next_url}");
    assert!(next_url.contains(&format!("cursor={cursor}")), "{next_url}");
    assert!(next_url.contains("limit=1"), "{next_url}");

    let second = app.get_json(next_url).await;
    assert_eq!(second["data"][0]["slug"], "zz-second-roadmap");
    assert!(second["next_cursor"].is_null());
}

#[tokio::test]
async fn a_restart_keeps_the_stored_content_and_does_not_reseed() {
    let dir = tempfile::tempdir().expect("temp dir");
    let settings = crate::helpers::test_settings(&dir);
    let database = settings.database.clone();
    let first =
        crate::helpers::spawn_with(settings.clone(), tempfile::tempdir().expect("temp dir")).await;

    let mut edited = bundled_document();
    edited["summary"] = "An edited summary.".into();
    let file = dir.path().join("edited.json");
    std::fs::write(&file, edited.to_string()).expect("write");
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_roadmap-api"))
        .args([
            "--database".as_ref(),
            database.as_os_str(),
            "import".as_ref(),
            file.as_os_str(),
        ])
        .output()
        .expect("runs");
    assert!(output.status.success());
    assert_eq!(
        first.get_json(&format!("/v1/roadmaps/{SLUG}")).await["summary"],
        "An edited summary."
    );

    // A second start on the same file: migrated forward, content left as it is.
    let second = crate::helpers::spawn_with(settings, tempfile::tempdir().expect("temp dir")).await;
    assert_eq!(
        second.get_json(&format!("/v1/roadmaps/{SLUG}")).await["summary"],
        "An edited summary."
    );
    assert_eq!(second.get_json("/readyz").await["status"], "ok");
}

#[tokio::test]
async fn a_public_url_makes_links_absolute() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut settings = crate::helpers::test_settings(&dir);
    settings.public_url = Some("https://api.example.org".to_owned());
    let app = crate::helpers::spawn_with(settings, dir).await;
    let first = app.get("/v1/roadmaps?limit=1&difficulty=very_high").await;
    assert_eq!(first.status(), StatusCode::OK);
    // One roadmap only: no next page, so no Link; a page size of 1 over the bundled content.
    assert!(first.headers().get(header::LINK).is_none());
}
