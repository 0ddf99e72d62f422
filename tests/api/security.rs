//! Attacks a security review reproduced against the running server; each test fails without
//! its fix.

use reqwest::StatusCode;

use crate::helpers::{SLUG, problem, send_raw, spawn_app};

/// Made-up methods, no token needed, once made a new `method` label (and series) each in
/// `/metrics`, never removed: memory grew without bound.
#[tokio::test]
async fn made_up_methods_cannot_grow_the_metrics() {
    let app = spawn_app().await;
    for n in 0..200 {
        let short = send_raw(
            &app,
            format!("MADEUP{n} /v1/roadmaps HTTP/1.1\r\nHost: localhost").as_bytes(),
        )
        .await;
        assert!(matches!(short.status, 404 | 405), "{}", short.status);
    }
    let long_name = "X".repeat(1024);
    for n in 0..50 {
        let long = send_raw(
            &app,
            format!("{long_name}{n} /v1/roadmaps HTTP/1.1\r\nHost: localhost").as_bytes(),
        )
        .await;
        assert_eq!(long.status, 501, "{}", long.body);
        assert!(
            long.body.contains("/problems/not-implemented"),
            "{}",
            long.body
        );
    }
    let metrics = app.get("/metrics").await.text().await.expect("text");
    let methods: std::collections::BTreeSet<&str> = metrics
        .lines()
        .filter(|line| line.starts_with("http_requests_total{"))
        .filter_map(|line| line.split("method=\"").nth(1))
        .filter_map(|rest| rest.split('"').next())
        .collect();
    let allowed = [
        "GET", "HEAD", "PUT", "DELETE", "PATCH", "POST", "OPTIONS", "other",
    ];
    assert!(methods.contains("other"), "{methods:?}");
    assert!(methods.iter().all(|m| allowed.contains(m)), "{methods:?}");
    assert!(!metrics.contains("MADEUP") && !metrics.contains("XXXX"));
    assert!(
        metrics.len() < 64 * 1024,
        "{} bytes of metrics",
        metrics.len()
    );
}

/// A valid-sized PUT of empty strings got one error each: a 2 MB body gave a 74 MB answer.
#[tokio::test]
async fn a_put_with_a_flood_of_mistakes_gets_the_first_hundred() {
    let app = spawn_app().await;
    let token = crate::admin::token(&app, "flooding-editor");
    let mut document = crate::helpers::bundled_document();
    document["projects"][0]["stack"] = serde_json::json!(vec![""; 300_000]);
    let response = crate::admin::put(&app, SLUG, &token, &document, &[]).await;
    let body = problem(response, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(
        body["errors"].as_array().map(Vec::len),
        Some(100),
        "{body:.300}"
    );
    assert_eq!(body["truncated"], true);
    assert!(body.to_string().len() < 64 * 1024);
    // A document with a few mistakes lists them all, and says nothing of truncation.
    let mut few = crate::helpers::bundled_document();
    few["summary"] = serde_json::json!(" ");
    let response = crate::admin::put(&app, SLUG, &token, &few, &[]).await;
    let body = problem(response, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(body["errors"].as_array().map(Vec::len), Some(1));
    assert!(body.get("truncated").is_none(), "{body}");
}

/// Partners paste the JSON-LD into `<script type="application/ld+json">`: a title that
/// closes the element must not come out verbatim.
#[tokio::test]
async fn json_ld_cannot_close_the_partners_script_element() {
    let app = spawn_app().await;
    let token = crate::admin::token(&app, "hostile-editor");
    let hostile = "</script><script>alert(1)</script> & <!--";
    let mut document = crate::helpers::bundled_document();
    document["title"] = serde_json::json!(hostile);
    let written = crate::admin::put(&app, SLUG, &token, &document, &[]).await;
    assert_eq!(written.status(), StatusCode::OK);
    let response = app
        .get_with(
            &format!("/v1/roadmaps/{SLUG}"),
            "Accept",
            "application/ld+json",
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let text = response.text().await.expect("text");
    assert!(
        !text.contains("</script") && !text.contains('<'),
        "{text:.300}"
    );
    let parsed: serde_json::Value = serde_json::from_str(&text).expect("JSON");
    assert_eq!(parsed["name"], hostile, "{parsed:.300}");
}
