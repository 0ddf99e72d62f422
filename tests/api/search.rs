//! Full-text search.

use reqwest::StatusCode;

use crate::helpers::{SLUG, bundled_document, problem, spawn_app};

fn titles(body: &serde_json::Value) -> Vec<String> {
    body["data"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|h| h["title"].as_str().map(str::to_owned))
        .collect()
}

#[tokio::test]
async fn stemming_finds_other_forms_and_marks_the_match() {
    let app = spawn_app().await;
    let body = app.get_json("/v1/search?q=predict").await;
    let hits = titles(&body);
    assert!(
        hits.contains(&"Hospital Readmission Prediction".to_owned()),
        "{hits:?}"
    );
    let hit = &body["data"][0];
    for field in ["type", "title", "snippet", "url", "roadmap"] {
        assert!(hit[field].is_string(), "{field} in {hit}");
    }
    assert_eq!(hit["roadmap"], SLUG);
    assert!(
        body["data"]
            .as_array()
            .into_iter()
            .flatten()
            .any(|h| h["snippet"].as_str().is_some_and(|s| s.contains("<mark>")))
    );
    // Every hit's URL is a resource of this API.
    for hit in body["data"].as_array().into_iter().flatten() {
        let url = hit["url"].as_str().expect("url");
        assert_eq!(app.get(url).await.status(), StatusCode::OK, "{url}");
    }
}

#[tokio::test]
async fn punctuated_words_need_no_escaping() {
    let app = spawn_app().await;
    for (q, expected) in [
        ("scikit-learn", "Hospital Readmission Prediction"),
        (
            "AUC-ROC",
            "Model evaluation metrics (accuracy, precision, recall, AUC-ROC)",
        ),
        ("MIMIC-III", "Clinical NLP: Medication Extraction"),
    ] {
        let hits = titles(&app.get_json(&format!("/v1/search?q={q}")).await);
        assert!(hits.contains(&expected.to_owned()), "{q}: {hits:?}");
    }
}

#[tokio::test]
async fn type_and_roadmap_filter_the_hits() {
    let app = spawn_app().await;
    let body = app.get_json("/v1/search?q=clinical&type=topic").await;
    assert!(!titles(&body).is_empty());
    assert!(
        body["data"]
            .as_array()
            .into_iter()
            .flatten()
            .all(|h| h["type"] == "topic")
    );
    let certifications = app.get_json("/v1/search?q=aws&type=certification").await;
    assert_eq!(
        certifications["data"][0]["url"],
        "/v1/certifications/aws-certified-machine-learning-specialty"
    );
    let sources = app
        .get_json("/v1/search?q=crash%20course&type=source")
        .await;
    assert_eq!(
        sources["data"][0]["url"],
        "/v1/sources/google-ml-crash-course"
    );
    let other = app
        .get_json("/v1/search?q=clinical&roadmap=another-roadmap")
        .await;
    assert!(titles(&other).is_empty());
}

#[tokio::test]
async fn fts_syntax_is_plain_words_and_never_a_server_error() {
    let app = spawn_app().await;
    for q in [
        "%22",
        "-",
        "NEAR(a%20b)",
        "a%20OR%20b",
        "*",
        "%5E",
        "col:val",
        "%22unbalanced",
        "(",
        "AND",
        "x%00y",
    ] {
        let response = app.get(&format!("/v1/search?q={q}")).await;
        assert!(
            response.status() == StatusCode::OK || response.status() == StatusCode::BAD_REQUEST,
            "{q}: {}",
            response.status()
        );
    }
    for path in ["/v1/search", "/v1/search?q=", "/v1/search?q=%20%20"] {
        let body = problem(app.get(path).await, StatusCode::BAD_REQUEST).await;
        assert_eq!(body["errors"][0]["parameter"], "q", "{path}");
    }
    let long = format!("/v1/search?q={}", "a".repeat(201));
    problem(app.get(&long).await, StatusCode::BAD_REQUEST).await;
    let body = problem(
        app.get("/v1/search?q=x&type=person").await,
        StatusCode::BAD_REQUEST,
    )
    .await;
    assert_eq!(body["errors"][0]["parameter"], "type");
}

#[tokio::test]
async fn a_search_cursor_pins_the_search_and_the_content() {
    let app = spawn_app().await;
    let first = app.get_json("/v1/search?q=clinical&limit=2").await;
    let cursor = first["next_cursor"].as_str().expect("more hits").to_owned();
    let second = app
        .get_json(&format!("/v1/search?q=clinical&limit=2&cursor={cursor}"))
        .await;
    assert_ne!(titles(&first), titles(&second));
    // Another search's cursor is refused.
    let body = problem(
        app.get(&format!("/v1/search?q=model&limit=2&cursor={cursor}"))
            .await,
        StatusCode::BAD_REQUEST,
    )
    .await;
    assert_eq!(body["errors"][0]["parameter"], "cursor");

    // After a write the index is rebuilt: the old cursor is stale, and new text is found.
    let mut edited = bundled_document();
    edited["summary"] = "Zymurgical summary for the test.".into();
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("edited.json");
    std::fs::write(&file, edited.to_string()).expect("write");
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_roadmap-api"))
        .args([
            "--database".as_ref(),
            app.database.as_os_str(),
            "import".as_ref(),
            file.as_os_str(),
        ])
        .output()
        .expect("runs");
    assert!(output.status.success());
    let stale = problem(
        app.get_until(
            &format!("/v1/search?q=clinical&limit=2&cursor={cursor}"),
            |r| r.status() != StatusCode::OK,
        )
        .await,
        StatusCode::CONFLICT,
    )
    .await;
    assert_eq!(stale["type"], "/problems/stale-cursor");
    let found = app.get_json("/v1/search?q=zymurgical").await;
    assert_eq!(found["data"][0]["type"], "roadmap");
}
