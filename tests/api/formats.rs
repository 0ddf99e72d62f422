//! CSV, NDJSON, JSON-LD and 406.

use reqwest::{StatusCode, header};

use crate::helpers::{SLUG, content_type, problem, spawn_app};

#[tokio::test]
async fn every_list_route_answers_csv_and_ndjson() {
    let app = spawn_app().await;
    let lists = [
        ("/v1/roadmaps".to_owned(), 1),
        (format!("/v1/roadmaps/{SLUG}/phases"), 3),
        (format!("/v1/roadmaps/{SLUG}/certifications"), 9),
        (format!("/v1/roadmaps/{SLUG}/projects"), 5),
        (format!("/v1/roadmaps/{SLUG}/sources"), 19),
        ("/v1/certifications".to_owned(), 9),
        ("/v1/projects".to_owned(), 5),
        ("/v1/sources".to_owned(), 19),
        ("/v1/search?q=clinical&type=project".to_owned(), 0),
    ];
    for (path, rows) in lists {
        let csv = app.get_with(&path, "Accept", "text/csv").await;
        assert_eq!(csv.status(), StatusCode::OK, "{path}");
        assert!(content_type(&csv).starts_with("text/csv"), "{path}");
        let text = csv.text().await.expect("csv");
        let mut reader = csv::Reader::from_reader(text.as_bytes());
        let records: Vec<csv::StringRecord> = reader
            .records()
            .collect::<Result<_, _>>()
            .expect("valid CSV");
        let header = reader.headers().expect("header row").clone();
        assert!(records.iter().all(|r| r.len() == header.len()), "{path}");
        if rows > 0 {
            assert_eq!(records.len(), rows, "{path}");
        }

        let separator = if path.contains('?') { '&' } else { '?' };
        let by_parameter = app
            .get(&format!("{path}{separator}format=csv"))
            .await
            .text()
            .await
            .expect("csv");
        assert_eq!(by_parameter, text, "{path}");

        let ndjson = app.get_with(&path, "Accept", "application/x-ndjson").await;
        assert_eq!(content_type(&ndjson), "application/x-ndjson");
        let lines: Vec<serde_json::Value> = ndjson
            .text()
            .await
            .expect("ndjson")
            .lines()
            .map(|line| serde_json::from_str(line).expect("a JSON object a line"))
            .collect();
        assert!(lines.iter().all(serde_json::Value::is_object), "{path}");
        if rows > 0 {
            assert_eq!(lines.len(), rows, "{path}");
        }
    }
}

#[tokio::test]
async fn csv_quotes_and_joins_as_rfc_4180_says() {
    let app = spawn_app().await;
    let text = app
        .get("/v1/certifications?tier=high_signal&format=csv")
        .await
        .text()
        .await
        .expect("csv");
    assert!(
        text.starts_with("slug,name,renewal,cost_usd,cost_text,"),
        "{text}"
    );
    assert!(
        text.contains("\"AWS Certified Machine Learning, Specialty\""),
        "a comma is quoted: {text}"
    );
    let projects = app
        .get("/v1/projects?format=csv&stack=pytorch")
        .await
        .text()
        .await
        .expect("csv");
    let mut reader = csv::Reader::from_reader(projects.as_bytes());
    let headers = reader.headers().expect("header").clone();
    let stack_column = headers
        .iter()
        .position(|h| h == "stack")
        .expect("stack column");
    let first = reader.records().next().expect("a row").expect("valid");
    assert_eq!(&first[stack_column], "Python; TensorFlow; PyTorch");
}

#[tokio::test]
async fn csv_pages_are_the_whole_filtered_set() {
    let app = spawn_app().await;
    let text = app
        .get("/v1/certifications?limit=1&format=csv")
        .await
        .text()
        .await
        .expect("csv");
    assert_eq!(
        text.lines().count(),
        10,
        "a header and all nine ratings: {text}"
    );
}

#[tokio::test]
async fn unacceptable_media_types_are_406() {
    let app = spawn_app().await;
    for (path, accept) in [
        ("/v1/roadmaps".to_owned(), "image/png"),
        (format!("/v1/roadmaps/{SLUG}"), "text/csv"),
        (
            format!("/v1/roadmaps/{SLUG}/phases/1"),
            "application/x-ndjson",
        ),
        ("/v1/certifications".to_owned(), "text/csv;q=0"),
    ] {
        let body = problem(
            app.get_with(&path, "Accept", accept).await,
            StatusCode::NOT_ACCEPTABLE,
        )
        .await;
        assert!(
            body["detail"]
                .as_str()
                .is_some_and(|d| d.contains("application/json")),
            "{path}"
        );
    }
    let browser = app
        .get_with(
            "/v1/roadmaps",
            "Accept",
            "text/html,application/xhtml+xml,*/*;q=0.8",
        )
        .await;
    assert_eq!(browser.status(), StatusCode::OK);
    assert_eq!(content_type(&browser), "application/json");
    assert_eq!(
        browser
            .headers()
            .get(header::VARY)
            .and_then(|v| v.to_str().ok()),
        Some("Accept, Accept-Encoding")
    );
    let body = problem(
        app.get("/v1/roadmaps?format=xml").await,
        StatusCode::BAD_REQUEST,
    )
    .await;
    assert_eq!(body["errors"][0]["parameter"], "format");
}

#[tokio::test]
async fn a_roadmap_as_schema_org_json_ld() {
    let app = spawn_app().await;
    let response = app
        .get_with(
            &format!("/v1/roadmaps/{SLUG}"),
            "Accept",
            "application/ld+json",
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(content_type(&response), "application/ld+json");
    let ld: serde_json::Value = response.json().await.expect("json");
    assert_eq!(ld["@context"], "https://schema.org");
    assert_eq!(ld["@type"], "Course");
    assert_eq!(ld["name"], "Healthcare AI/ML Engineer Roadmap");
    assert_eq!(ld["about"]["@type"], "Occupation");
    assert_eq!(ld["about"]["name"], "Healthcare AI/ML Engineer");
    let credentials = ld["about"]["qualifications"]
        .as_array()
        .expect("credentials");
    assert_eq!(credentials.len(), 5, "High Signal and Helpful, not Skip");
    assert!(
        credentials
            .iter()
            .all(|c| c["@type"] == "EducationalOccupationalCredential")
    );
    let parts = ld["hasPart"].as_array().expect("parts");
    assert_eq!(parts.iter().filter(|p| p["@type"] == "Course").count(), 3);
    assert_eq!(
        parts
            .iter()
            .filter(|p| p["@type"] == "LearningResource")
            .count(),
        5
    );
    let citations = ld["citation"].as_array().expect("citations");
    assert!(
        citations
            .iter()
            .any(|c| c["url"] == "https://course.fast.ai/")
    );
}

#[tokio::test]
async fn the_change_feed_answers_the_media_type_its_spec_names() {
    let app = crate::helpers::spawn_app().await;
    for accept in ["application/feed+json", "application/json"] {
        let response = app.get_with("/v1/changes", "Accept", accept).await;
        assert_eq!(response.status(), reqwest::StatusCode::OK, "{accept}");
        assert_eq!(
            crate::helpers::content_type(&response),
            "application/feed+json"
        );
    }
}
