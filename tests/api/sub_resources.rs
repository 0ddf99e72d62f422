use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::{SLUG, bundled_document, problem, spawn_app};

#[tokio::test]
async fn phases_list_and_each_phase_match_the_document() {
    let app = spawn_app().await;
    let document = bundled_document();
    let phases = app.get_json(&format!("/v1/roadmaps/{SLUG}/phases")).await;
    assert_eq!(phases["data"], document["learning_path"]["phases"]);
    assert!(phases["next_cursor"].is_null());
    for number in 1..=3 {
        let phase = app
            .get_json(&format!("/v1/roadmaps/{SLUG}/phases/{number}"))
            .await;
        assert_eq!(phase, document["learning_path"]["phases"][number - 1]);
    }
}

#[tokio::test]
async fn projects_list_and_each_project_match_the_document() {
    let app = spawn_app().await;
    let document = bundled_document();
    let projects = app.get_json(&format!("/v1/roadmaps/{SLUG}/projects")).await;
    assert_eq!(projects["data"], document["projects"]);
    for number in 1..=5 {
        let project = app
            .get_json(&format!("/v1/roadmaps/{SLUG}/projects/{number}"))
            .await;
        assert_eq!(project["number"], number);
        assert_eq!(project, document["projects"][number - 1]);
    }
}

#[tokio::test]
async fn certifications_filter_by_tier() {
    let app = spawn_app().await;
    let all = app
        .get_json(&format!("/v1/roadmaps/{SLUG}/certifications"))
        .await;
    assert_eq!(all["data"], bundled_document()["certifications"]["items"]);
    for (tier, count) in [("high_signal", 2), ("helpful", 3), ("skip", 4)] {
        let body = app
            .get_json(&format!("/v1/roadmaps/{SLUG}/certifications?tier={tier}"))
            .await;
        let items = body["data"].as_array().expect("array");
        assert_eq!(items.len(), count, "{tier}");
        assert!(items.iter().all(|item| item["tier"] == tier));
    }
    let high = app
        .get_json(&format!(
            "/v1/roadmaps/{SLUG}/certifications?tier=high_signal"
        ))
        .await;
    assert_eq!(
        high["data"][0]["certification"]["name"],
        "AWS Certified Machine Learning, Specialty"
    );
    assert_eq!(
        high["data"][0]["certification"]["cost"],
        json!({"amount_usd": 300, "text": "$300 exam"})
    );
    assert_eq!(
        high["data"][0]["job_posting_share_percent"],
        json!({"min": 35, "max": 50})
    );
}

#[tokio::test]
async fn sources_are_the_documents_sources() {
    let app = spawn_app().await;
    let sources = app.get_json(&format!("/v1/roadmaps/{SLUG}/sources")).await;
    assert_eq!(sources, bundled_document()["sources"]);
    assert_eq!(sources["declared_count"], 16);
}

#[tokio::test]
async fn unknown_numbers_and_roadmaps_are_404_problems() {
    let app = spawn_app().await;
    let paths = [
        format!("/v1/roadmaps/{SLUG}/phases/0"),
        format!("/v1/roadmaps/{SLUG}/phases/4"),
        format!("/v1/roadmaps/{SLUG}/phases/one"),
        format!("/v1/roadmaps/{SLUG}/phases/99999999999999999999"),
        format!("/v1/roadmaps/{SLUG}/projects/6"),
        format!("/v1/roadmaps/{SLUG}/projects/-1"),
        "/v1/roadmaps/nope/phases".to_owned(),
        "/v1/roadmaps/nope/phases/1".to_owned(),
        "/v1/roadmaps/nope/projects".to_owned(),
        "/v1/roadmaps/nope/projects/1".to_owned(),
        "/v1/roadmaps/nope/certifications".to_owned(),
        "/v1/roadmaps/nope/sources".to_owned(),
    ];
    for path in paths {
        problem(app.get(&path).await, StatusCode::NOT_FOUND).await;
    }
}
