//! Progress from done keys (`GET` and `POST /v1/roadmaps/{slug}/progress`), and the plan of
//! the work left.

use reqwest::{StatusCode, header};
use serde_json::{Value, json};

use crate::admin::{put, token};
use crate::helpers::{SLUG, TestApp, bundled_document, content_type, problem, spawn_app};

const DONE: &str = "python-fundamentals,basic-sql,track-b-clinical-nlp-ehr,readmission-prediction";

async fn post(app: &TestApp, body: &str, media_type: &str) -> reqwest::Response {
    app.client
        .post(format!("{}/v1/roadmaps/{SLUG}/progress", app.address))
        .header(header::CONTENT_TYPE, media_type)
        .body(body.to_owned())
        .send()
        .await
        .expect("sent")
}

fn keys(items: &Value) -> Vec<&str> {
    items
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|item| item["key"].as_str())
        .collect()
}

/// The cache's lookups so far with this result (`hit` or `miss`).
async fn lookups(app: &TestApp, result: &str) -> u32 {
    let metrics = app.metrics().await;
    metrics
        .lines()
        .find_map(|line| {
            line.strip_prefix(&format!(
                "response_cache_lookups_total{{result=\"{result}\"}} "
            ))
        })
        .and_then(|n| n.parse().ok())
        .unwrap_or(0)
}

#[tokio::test]
async fn progress_counts_done_items_per_phase_with_the_hours_left() {
    let app = spawn_app().await;
    let response = app
        .get(&format!(
            "/v1/roadmaps/{SLUG}/progress?done={DONE},gone-topic"
        ))
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(content_type(&response), "application/json");
    assert!(response.headers().contains_key(header::ETAG));
    let cache = response.headers()[header::CACHE_CONTROL]
        .to_str()
        .expect("text")
        .to_owned();
    assert!(cache.starts_with("public"), "{cache}");
    let progress: Value = response.json().await.expect("JSON");

    assert_eq!(progress["roadmap"], SLUG);
    assert_eq!(
        (&progress["done"], &progress["total"], &progress["percent"]),
        (&json!(4), &json!(28), &json!(14))
    );
    let foundation = &progress["phases"][0];
    assert_eq!(foundation["key"], "foundation");
    assert_eq!(
        (&foundation["done"], &foundation["total"]),
        (&json!(2), &json!(10))
    );
    assert_eq!(foundation["percent"], 20);
    // 8 of 10 items left of 200-250 hours, spread evenly: an estimate.
    assert_eq!(
        foundation["hours_left"],
        json!({"min": 160, "max": 200, "estimate": true})
    );
    let left = keys(&foundation["left"]);
    assert_eq!(left.len(), 8);
    assert!(!left.contains(&"basic-sql") && left.contains(&"pandas-dataframes"));
    assert_eq!(foundation["left"][7]["kind"], "checkpoint");
    // Not started: the page's own hours.
    assert_eq!(
        progress["phases"][1]["hours_left"],
        json!({"min": 300, "max": 350, "estimate": false})
    );
    // One track chosen is the tracks done.
    assert_eq!(keys(&progress["phases"][2]["left"]), ["specialization"]);
    assert_eq!(progress["projects"]["done"], 1);
    assert_eq!(
        progress["projects"]["hours_left"],
        json!({"min": 155, "max": 205, "estimate": false})
    );
    assert_eq!(progress["first_moves"]["hours_left"], Value::Null);
    assert_eq!(keys(&progress["first_moves"]["left"]).len(), 3);
    assert_eq!(progress["stale_keys"], json!(["gone-topic"]));

    // Nothing done, and `done=` empty, are the same start.
    let none = app.get_json(&format!("/v1/roadmaps/{SLUG}/progress")).await;
    let empty = app
        .get_json(&format!("/v1/roadmaps/{SLUG}/progress?done="))
        .await;
    assert_eq!(none, empty);
    assert_eq!((&none["done"], &none["percent"]), (&json!(0), &json!(0)));
}

#[tokio::test]
async fn each_done_list_is_its_own_answer_through_the_cache() {
    let app = spawn_app().await;
    let path = |done: &str| format!("/v1/roadmaps/{SLUG}/progress?done={done}");
    let first = app.get_json(&path("basic-sql")).await;
    let again = app.get_json(&path("basic-sql")).await;
    assert_eq!(first, again);
    assert_eq!(
        (lookups(&app, "miss").await, lookups(&app, "hit").await),
        (1, 1)
    );
    let other = app.get_json(&path("basic-sql,python-fundamentals")).await;
    assert_eq!(
        (first["done"].as_u64(), other["done"].as_u64()),
        (Some(1), Some(2))
    );
    let third = app.get_json(&path("readmission-prediction")).await;
    assert_eq!(third["projects"]["done"], 1);
    assert_eq!(third["phases"][0]["done"], 0);
    assert_eq!(lookups(&app, "miss").await, 3, "one entry per list");
    // A pinned revision counts against that revision, cacheable for good.
    let pinned = app.get(&format!("{}&rev=1", path("basic-sql"))).await;
    assert_eq!(pinned.status(), 200);
    assert!(
        pinned.headers()[header::CACHE_CONTROL]
            .to_str()
            .is_ok_and(|c| c.contains("immutable"))
    );
}

#[tokio::test]
async fn post_answers_as_get_for_long_lists_and_is_not_cached() {
    let app = spawn_app().await;
    let got = app
        .get_json(&format!("/v1/roadmaps/{SLUG}/progress?done={DONE}"))
        .await;
    let keys: Vec<&str> = DONE.split(',').collect();
    let response = post(
        &app,
        &json!({ "done": keys }).to_string(),
        "application/json",
    )
    .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        response.headers()[header::CACHE_CONTROL].to_str().ok(),
        Some("no-store")
    );
    assert_eq!(
        response.headers()["access-control-allow-origin"]
            .to_str()
            .ok(),
        Some("*")
    );
    let posted: Value = response.json().await.expect("JSON");
    assert_eq!(posted, got);

    // Browsers may send it from any origin; a preflight for a write stays refused.
    let preflight = |path: String, method: &'static str| {
        app.client
            .request(reqwest::Method::OPTIONS, format!("{}{path}", app.address))
            .header("Origin", "https://partner.example")
            .header("Access-Control-Request-Method", method)
            .header("Access-Control-Request-Headers", "content-type")
            .send()
    };
    let granted = preflight(format!("/v1/roadmaps/{SLUG}/progress"), "POST")
        .await
        .expect("sent");
    assert_eq!(granted.status(), StatusCode::NO_CONTENT);
    assert_eq!(
        granted.headers()["access-control-allow-methods"]
            .to_str()
            .ok(),
        Some("GET, HEAD, POST")
    );
    for (path, method) in [
        (format!("/v1/roadmaps/{SLUG}"), "POST"),
        (format!("/v1/roadmaps/{SLUG}"), "PUT"),
        (format!("/v1/roadmaps/{SLUG}/progress"), "PUT"),
    ] {
        let refused = preflight(path.clone(), method).await.expect("sent");
        assert_eq!(refused.status(), StatusCode::FORBIDDEN, "{method} {path}");
    }
    // Another method on the path is a 405 that names both.
    let patch = app
        .client
        .patch(format!("{}/v1/roadmaps/{SLUG}/progress", app.address))
        .send()
        .await
        .expect("sent");
    let allow = patch.headers()[header::ALLOW]
        .to_str()
        .expect("text")
        .to_owned();
    problem(patch, StatusCode::METHOD_NOT_ALLOWED).await;
    assert!(allow.contains("GET") && allow.contains("POST"), "{allow}");
}

#[tokio::test]
async fn malformed_keys_are_refused_and_say_where() {
    let app = spawn_app().await;
    // 501 keys of two characters each: one too many for a POST.
    let digit = |n: u32| char::from_digit(n, 36).unwrap_or('0');
    let many = (0..=500)
        .map(|i| format!("{}{}", digit(i / 36), digit(i % 36)))
        .collect::<Vec<_>>();
    for (query, says) in [
        (
            "done=Basic-SQL".to_owned(),
            "key 1 of the list must be lowercase",
        ),
        (
            "done=basic-sql,,track-a".to_owned(),
            "key 2 of the list must not be empty",
        ),
        ("done=basic_sql".to_owned(), "kebab-case"),
        ("done=a&done=b".to_owned(), "is given more than once"),
        (
            format!("done={}", many[..101].join(",")),
            "holds more than 100 keys; send longer lists in a POST",
        ),
    ] {
        let body = problem(
            app.get(&format!("/v1/roadmaps/{SLUG}/progress?{query}"))
                .await,
            StatusCode::BAD_REQUEST,
        )
        .await;
        assert_eq!(body["errors"][0]["parameter"], "done", "{query}");
        let detail = body["detail"].as_str().unwrap_or_default();
        assert!(detail.contains(says), "{query}: {detail}");
    }
    // A URL longer than any is a 414.
    let long: Vec<String> = (0..200)
        .map(|i| format!("{}-{i}", "k".repeat(50)))
        .collect();
    problem(
        app.get(&format!(
            "/v1/roadmaps/{SLUG}/progress?done={}",
            long.join(",")
        ))
        .await,
        StatusCode::URI_TOO_LONG,
    )
    .await;
    let long = many;
    // 501 keys fit no URL: the count is enforced on a POST (and in the GET's parser).
    let body = problem(
        post(
            &app,
            &json!({ "done": long }).to_string(),
            "application/json",
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(body["errors"][0]["pointer"], "/done");
    assert!(
        body["errors"][0]["detail"]
            .as_str()
            .is_some_and(|d| d.contains("500"))
    );

    let body = problem(
        post(
            &app,
            r#"{"done": ["basic-sql", "Bad Key", "x--y"]}"#,
            "application/json",
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(body["type"], "/problems/invalid-body");
    let pointers: Vec<&str> = body["errors"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|e| e["pointer"].as_str())
        .collect();
    assert_eq!(pointers, ["/done/1", "/done/2"]);
    for (bad, pointer) in [
        (r#"{"done": "basic-sql"}"#, "/done"),
        (r#"{"done": [1]}"#, "/done/0"),
        (r#"{"keys": []}"#, "/keys"),
        ("{}", ""),
    ] {
        let body = problem(
            post(&app, bad, "application/json").await,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
        assert_eq!(body["errors"][0]["pointer"], pointer, "{bad}");
    }
    problem(
        post(&app, "{\"done\": [", "application/json").await,
        StatusCode::BAD_REQUEST,
    )
    .await;
    problem(
        post(&app, r#"{"done": []}"#, "text/plain").await,
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
    )
    .await;
    let csv = app
        .client
        .post(format!("{}/v1/roadmaps/{SLUG}/progress", app.address))
        .header(header::CONTENT_TYPE, "application/json")
        .header(header::ACCEPT, "text/csv")
        .body(r#"{"done": []}"#)
        .send()
        .await
        .expect("sent");
    problem(csv, StatusCode::NOT_ACCEPTABLE).await;
    problem(
        app.get("/v1/roadmaps/no-such-roadmap/progress?done=basic-sql")
            .await,
        StatusCode::NOT_FOUND,
    )
    .await;
}

#[tokio::test]
async fn the_plan_schedules_only_the_work_left() {
    let app = spawn_app().await;
    let foundation = "python-fundamentals,pandas-dataframes,basic-sql,\
        statistics-for-data-science,correlation-vs-causation,bias-variance-overfitting,\
        supervised-vs-unsupervised,model-evaluation-metrics,common-algorithms,foundation";
    let path = format!(
        "/v1/roadmaps/{SLUG}/plan?hours_per_week=10&start=2027-01-04&done={foundation},fhir-and-hl7,gone"
    );
    let plan = app.get_json(&path).await;
    assert_eq!(keys(&plan["phases"]), ["technical-depth", "specialization"]);
    assert_eq!(plan["phases"][0]["start"], "2027-01-04");
    // 7 of 8 items of 300-350 hours left: 262 to 307 hours, 27 to 31 weeks.
    assert_eq!(
        plan["phases"][0]["hours_left"],
        json!({"min": 262, "max": 307, "estimate": true})
    );
    assert_eq!(plan["phases"][0]["weeks"], json!({"min": 27, "max": 31}));
    assert_eq!(plan["phases"][1]["start"], plan["phases"][0]["end"]);
    assert_eq!(plan["stale_keys"], json!(["gone"]));
    let calendar = app
        .get(&format!("{path}&format=ics"))
        .await
        .text()
        .await
        .expect("text");
    assert_eq!(
        calendar.matches("BEGIN:VEVENT").count(),
        4,
        "two phases left"
    );
    let bad = problem(
        app.get(&format!(
            "/v1/roadmaps/{SLUG}/plan?hours_per_week=10&done=Nope"
        ))
        .await,
        StatusCode::BAD_REQUEST,
    )
    .await;
    assert_eq!(bad["errors"][0]["parameter"], "done");
}

#[tokio::test]
async fn an_edit_keeps_progress_by_key_and_reports_what_it_removed() {
    let app = spawn_app().await;
    let editor = token(&app, "editor");
    let done = "basic-sql,pandas-dataframes,readmission-prediction";
    let before = app
        .get_json(&format!("/v1/roadmaps/{SLUG}/progress?done={done}"))
        .await;
    assert_eq!(before["done"], 3);

    // Reorder a group's topics, retitle one, and remove another.
    let mut document = bundled_document();
    let topics = &mut document["learning_path"]["phases"][0]["topic_groups"][0]["topics"];
    let list = topics.as_array_mut().expect("topics");
    list.reverse();
    list.retain(|t| t["key"] != "pandas-dataframes");
    list[0]["text"] = json!("SQL, the basics");
    let response = put(&app, SLUG, &editor, &document, &[]).await;
    assert_eq!(response.status(), StatusCode::OK);

    let after = app
        .get_json(&format!("/v1/roadmaps/{SLUG}/progress?done={done}"))
        .await;
    assert_eq!(after["done"], 2, "{after}");
    assert_eq!(after["total"], 27);
    assert_eq!(after["stale_keys"], json!(["pandas-dataframes"]));
    assert_eq!(after["phases"][0]["done"], 1);
    // The first revision still counts the removed topic.
    let pinned = app
        .get_json(&format!("/v1/roadmaps/{SLUG}/progress?done={done}&rev=1"))
        .await;
    assert_eq!(pinned["done"], 3);
}
