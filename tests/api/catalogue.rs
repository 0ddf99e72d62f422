//! The catalogue's text filter, sort orders and keyset paging, on a generated catalogue.
//! The fixture roadmaps are synthetic (slugs `synthetic-fixture-*`), made from the bundled
//! document with their lists emptied.

use std::collections::HashMap;

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{SLUG, TestApp, bundled_document, problem, spawn_app};

/// A synthetic roadmap; titles, difficulties and timelines vary so that every sort order
/// has ties and runs.
fn synthetic(i: usize) -> Value {
    let mut doc = bundled_document();
    doc["slug"] = json!(format!("synthetic-fixture-{i:04}"));
    doc["title"] = json!(format!("Synthetic fixture {:03}", (i * 37) % 101));
    doc["difficulty"] = json!(["low", "medium", "high", "very_high"][i % 4]);
    doc["timeline_months"] = json!({"min": 1, "max": 1 + i % 24});
    for list in [
        "employers",
        "clinical_advantages",
        "transferable_skills",
        "projects",
    ] {
        doc[list] = json!([]);
    }
    doc["work_setting"]["regional_hubs"] = json!([]);
    doc["learning_path"]["phases"] = json!([]);
    doc["certifications"]["items"] = json!([]);
    doc["first_moves"]["items"] = json!([]);
    doc["sources"]["items"] = json!([]);
    doc
}

fn import(app: &TestApp, documents: &[Value]) {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("synthetic.json");
    std::fs::write(&file, Value::Array(documents.to_vec()).to_string()).expect("write");
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_roadmap-api"))
        .args([
            "--database".as_ref(),
            app.database.as_os_str(),
            "import".as_ref(),
            file.as_os_str(),
        ])
        .output()
        .expect("runs");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

/// Follows `Link: rel="next"` from `path`, calling `between` after the first page.
async fn walk(app: &TestApp, path: &str, mut between: impl FnMut()) -> Vec<Value> {
    let mut rows = Vec::new();
    let mut next = Some(path.to_owned());
    let mut pages = 0;
    while let Some(url) = next {
        let response = app.get(&url).await;
        assert_eq!(response.status(), StatusCode::OK, "{url}");
        next = response
            .headers()
            .get("link")
            .and_then(|v| v.to_str().ok())
            .and_then(|link| link.strip_prefix('<'))
            .and_then(|link| link.split('>').next())
            .map(str::to_owned);
        let body: Value = response.json().await.expect("json");
        rows.extend(body["data"].as_array().into_iter().flatten().cloned());
        pages += 1;
        if pages == 1 {
            between();
        }
        assert!(pages < 100, "runaway paging");
    }
    rows
}

fn key(row: &Value, sort: &str) -> (Value, String) {
    let value = match sort.trim_start_matches('-') {
        "title" => row["title"].clone(),
        "months" => row["timeline_months"]["max"].clone(),
        _ => json!(
            ["low", "medium", "high", "very_high"]
                .iter()
                .position(|d| row["difficulty"] == *d)
        ),
    };
    (value, row["slug"].as_str().unwrap_or_default().to_owned())
}

fn ordered(a: &(Value, String), b: &(Value, String)) -> std::cmp::Ordering {
    let value = match (&a.0, &b.0) {
        (Value::String(x), Value::String(y)) => x.cmp(y),
        (x, y) => x.as_u64().cmp(&y.as_u64()),
    };
    value.then_with(|| a.1.cmp(&b.1))
}

#[tokio::test]
async fn every_sort_pages_through_500_roadmaps_exactly_once_even_with_inserts() {
    let app = spawn_app().await;
    import(&app, &(0..500).map(synthetic).collect::<Vec<_>>());

    for sort in [
        "title",
        "-title",
        "difficulty",
        "-difficulty",
        "months",
        "-months",
    ] {
        let rows = walk(&app, &format!("/v1/roadmaps?limit=37&sort={sort}"), || {}).await;
        let mut seen: HashMap<String, usize> = HashMap::new();
        for row in &rows {
            *seen
                .entry(row["slug"].as_str().unwrap_or_default().to_owned())
                .or_default() += 1;
        }
        assert_eq!(seen.len(), 501, "{sort}");
        assert!(
            seen.values().all(|n| *n == 1),
            "{sort}: a roadmap came twice"
        );
        let keys: Vec<_> = rows.iter().map(|row| key(row, sort)).collect();
        for pair in keys.windows(2) {
            let order = ordered(&pair[0], &pair[1]);
            let expected = if sort.starts_with('-') {
                std::cmp::Ordering::Greater
            } else {
                std::cmp::Ordering::Less
            };
            assert_eq!(order, expected, "{sort}: {:?} then {:?}", pair[0], pair[1]);
        }
    }

    // Roadmaps inserted between two pages: one sorting before the position reached (not seen
    // on this walk), one after (seen); every earlier roadmap still comes exactly once.
    let mut early = synthetic(9000);
    early["title"] = json!("AAA inserted before");
    let mut late = synthetic(9001);
    late["title"] = json!("ZZZ inserted after");
    let rows = walk(&app, "/v1/roadmaps?limit=37&sort=title", || {
        import(&app, &[early.clone(), late.clone()])
    })
    .await;
    let slugs: Vec<&str> = rows.iter().filter_map(|row| row["slug"].as_str()).collect();
    assert_eq!(slugs.len(), 502);
    assert!(!slugs.contains(&"synthetic-fixture-9000"));
    assert!(slugs.contains(&"synthetic-fixture-9001"));
    let unique: std::collections::HashSet<&&str> = slugs.iter().collect();
    assert_eq!(unique.len(), slugs.len());
}

#[tokio::test]
async fn q_and_sort_filter_the_catalogue() {
    let app = spawn_app().await;
    let found = app.get_json("/v1/roadmaps?q=clinical%20nlp").await;
    assert_eq!(found["data"][0]["slug"], SLUG);
    let none = app.get_json("/v1/roadmaps?q=astronaut").await;
    assert_eq!(none["data"].as_array().map(Vec::len), Some(0));
    let body = problem(
        app.get("/v1/roadmaps?sort=popularity").await,
        StatusCode::BAD_REQUEST,
    )
    .await;
    assert_eq!(body["errors"][0]["parameter"], "sort");
    // A cursor belongs to its sort order.
    import(&app, &[synthetic(1)]);
    let page = app.get_json("/v1/roadmaps?limit=1&sort=title").await;
    let cursor = page["next_cursor"]
        .as_str()
        .expect("a second page")
        .to_owned();
    let body = problem(
        app.get(&format!("/v1/roadmaps?limit=1&sort=months&cursor={cursor}"))
            .await,
        StatusCode::BAD_REQUEST,
    )
    .await;
    assert_eq!(body["errors"][0]["parameter"], "cursor");
}
