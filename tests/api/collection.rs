//! Queries across the collection: certifications, projects and sources of every roadmap.

use reqwest::StatusCode;

use crate::helpers::{SLUG, bundled_document, problem, spawn_app};

#[tokio::test]
async fn certifications_filter_by_tier_cost_roadmap_and_words() {
    let app = spawn_app().await;
    let all = app.get_json("/v1/certifications?limit=100").await;
    assert_eq!(all["data"].as_array().map(Vec::len), Some(9));
    let slugs: Vec<&str> = all["data"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|c| c["slug"].as_str())
        .collect();
    let mut sorted = slugs.clone();
    sorted.sort();
    assert_eq!(slugs, sorted, "slug order");

    let high = app.get_json("/v1/certifications?tier=high_signal").await;
    let names: Vec<&str> = high["data"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|c| c["name"].as_str())
        .collect();
    assert_eq!(
        names,
        [
            "AWS Certified Machine Learning, Specialty",
            "Google Cloud Professional ML Engineer"
        ]
    );
    assert_eq!(high["data"][0]["ratings"][0]["roadmap"], SLUG);
    assert_eq!(high["data"][0]["ratings"][0]["tier"], "high_signal");

    // "Every High Signal certification under $250."
    let cheap = app
        .get_json("/v1/certifications?tier=high_signal&max_cost_usd=250")
        .await;
    let names: Vec<&str> = cheap["data"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|c| c["name"].as_str())
        .collect();
    assert_eq!(names, ["Google Cloud Professional ML Engineer"]);

    // N/A prices are left out of a price filter.
    let priced = app
        .get_json("/v1/certifications?max_cost_usd=1000000&limit=100")
        .await;
    assert_eq!(priced["data"].as_array().map(Vec::len), Some(5));

    let by_roadmap = app
        .get_json(&format!("/v1/certifications?roadmap={SLUG}&tier=skip"))
        .await;
    assert_eq!(by_roadmap["data"].as_array().map(Vec::len), Some(4));
    let elsewhere = app
        .get_json("/v1/certifications?roadmap=no-such-roadmap")
        .await;
    assert_eq!(elsewhere["data"].as_array().map(Vec::len), Some(0));

    let words = app.get_json("/v1/certifications?q=tensorflow").await;
    assert_eq!(words["data"][0]["slug"], "tensorflow-developer-certificate");
}

#[tokio::test]
async fn one_certification_with_its_ratings() {
    let app = spawn_app().await;
    let aws = app
        .get_json("/v1/certifications/aws-certified-machine-learning-specialty")
        .await;
    assert_eq!(
        aws["cost"],
        serde_json::json!({"amount_usd": 300, "text": "$300 exam"})
    );
    assert_eq!(
        aws["ratings"][0]["note"],
        "Many healthcare organizations use AWS and SageMaker"
    );
    assert_eq!(
        aws["ratings"][0]["job_posting_share_percent"],
        serde_json::json!({"min": 35, "max": 50})
    );
    problem(
        app.get("/v1/certifications/no-such-certificate").await,
        StatusCode::NOT_FOUND,
    )
    .await;
}

#[tokio::test]
async fn projects_filter_by_whole_names_in_any_case() {
    let app = spawn_app().await;
    let numbers = |body: &serde_json::Value| -> Vec<u64> {
        body["data"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|p| p["number"].as_u64())
            .collect()
    };
    assert_eq!(
        numbers(&app.get_json("/v1/projects").await),
        [1, 2, 3, 4, 5]
    );
    assert_eq!(
        numbers(&app.get_json("/v1/projects?stack=pytorch").await),
        [2, 4]
    );
    assert_eq!(
        numbers(&app.get_json("/v1/projects?stack=PYTHON").await),
        [1, 2]
    );
    // Whole names only: "Python" is not "scispaCy".
    assert_eq!(
        numbers(&app.get_json("/v1/projects?stack=spacy").await),
        [3]
    );
    assert_eq!(
        numbers(&app.get_json("/v1/projects?dataset=chexpert").await),
        [2]
    );
    assert_eq!(
        numbers(&app.get_json("/v1/projects?dataset=MIMIC-III").await),
        [3]
    );
    assert_eq!(
        numbers(&app.get_json("/v1/projects?max_hours=40").await),
        [1, 2]
    );
    assert_eq!(
        numbers(
            &app.get_json(&format!("/v1/projects?roadmap={SLUG}&max_hours=45"))
                .await
        ),
        [1, 2, 3]
    );
    let first = app.get_json("/v1/projects?stack=pytorch").await;
    assert_eq!(first["data"][0]["roadmap"], SLUG);
    assert_eq!(
        first["data"][0]["title"],
        bundled_document()["projects"][1]["title"]
    );
}

#[tokio::test]
async fn projects_page_by_keyset() {
    let app = spawn_app().await;
    let first = app.get_json("/v1/projects?limit=2").await;
    let cursor = first["next_cursor"]
        .as_str()
        .expect("more pages")
        .to_owned();
    let second = app
        .get_json(&format!("/v1/projects?limit=2&cursor={cursor}"))
        .await;
    assert_eq!(second["data"][0]["number"], 3);
    assert_eq!(second["data"][1]["number"], 4);
    let third = app
        .get_json(&format!(
            "/v1/projects?limit=2&cursor={}",
            second["next_cursor"].as_str().expect("more")
        ))
        .await;
    assert_eq!(third["data"].as_array().map(Vec::len), Some(1));
    assert!(third["next_cursor"].is_null());
}

#[tokio::test]
async fn sources_list_where_they_are_cited() {
    let app = spawn_app().await;
    let all = app.get_json("/v1/sources?limit=100").await;
    assert_eq!(
        all["data"].as_array().map(Vec::len),
        bundled_document()["sources"]["items"]
            .as_array()
            .map(Vec::len)
    );
    let courses = app.get_json("/v1/sources?kind=course").await;
    let slugs: Vec<&str> = courses["data"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|s| s["slug"].as_str())
        .collect();
    assert_eq!(
        slugs,
        ["fast-ai-practical-deep-learning", "google-ml-crash-course"]
    );
    let google = app.get_json("/v1/sources/google-ml-crash-course").await;
    assert_eq!(
        google["url"],
        "https://developers.google.com/machine-learning/crash-course"
    );
    assert_eq!(google["citations"][0]["roadmap"], SLUG);
    assert_eq!(
        google["citations"][0]["pointer"],
        "/first_moves/items/2/steps/0"
    );
    let document = bundled_document();
    let cited = document
        .pointer("/first_moves/items/2/steps/0")
        .and_then(|v| v.as_str())
        .expect("pointer resolves");
    assert!(cited.contains("Google ML Crash Course"));
    problem(app.get("/v1/sources/nope").await, StatusCode::NOT_FOUND).await;
}

#[tokio::test]
async fn collection_filters_reject_bad_values() {
    let app = spawn_app().await;
    for (path, parameter) in [
        ("/v1/certifications?max_cost_usd=-5", "max_cost_usd"),
        ("/v1/certifications?max_cost_usd=cheap", "max_cost_usd"),
        ("/v1/certifications?tier=gold", "tier"),
        ("/v1/certifications?roadmap=Not%20A%20Slug", "roadmap"),
        ("/v1/certifications?cursor=forged", "cursor"),
        ("/v1/certifications?q=", "q"),
        ("/v1/projects?max_hours=x", "max_hours"),
        ("/v1/projects?max_hours=1.5", "max_hours"),
        ("/v1/projects?stack=", "stack"),
        (
            "/v1/projects?cursor=eyJsIjoic291cmNlcyIsImsiOiJhIn0",
            "cursor",
        ),
        ("/v1/sources?kind=blog", "kind"),
        ("/v1/sources?limit=0", "limit"),
    ] {
        let body = problem(app.get(path).await, StatusCode::BAD_REQUEST).await;
        assert_eq!(body["errors"][0]["parameter"], parameter, "{path}");
    }
}
