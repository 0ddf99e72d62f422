use reqwest::{Method, StatusCode};

use crate::helpers::{SLUG, problem, spawn_app};

#[tokio::test]
async fn bad_parameters_are_400_problems_naming_the_parameter() {
    let app = spawn_app().await;
    let cases = [
        ("/v1/roadmaps?limit=0", "limit"),
        ("/v1/roadmaps?limit=101", "limit"),
        ("/v1/roadmaps?limit=abc", "limit"),
        ("/v1/roadmaps?limit=1.5", "limit"),
        ("/v1/roadmaps?limit=-1", "limit"),
        ("/v1/roadmaps?limit=1&limit=2", "limit"),
        ("/v1/roadmaps?difficulty=extreme", "difficulty"),
        ("/v1/roadmaps?max_months=x", "max_months"),
        ("/v1/roadmaps?max_months=99999999999", "max_months"),
        ("/v1/roadmaps?cursor=forged", "cursor"),
        ("/v1/roadmaps?cursor=djE6Tk9U", "cursor"),
        (
            "/v1/roadmaps/healthcare-ai-ml-engineer/certifications?tier=bogus",
            "tier",
        ),
        (
            "/v1/roadmaps/healthcare-ai-ml-engineer/certifications?tier=",
            "tier",
        ),
        (
            "/v1/roadmaps/healthcare-ai-ml-engineer/certifications?tier=%FF",
            "tier",
        ),
    ];
    for (path, parameter) in cases {
        let body = problem(app.get(path).await, StatusCode::BAD_REQUEST).await;
        assert_eq!(body["type"], "/problems/bad-parameter", "{path}");
        assert_eq!(body["errors"][0]["parameter"], parameter, "{path}");
        let detail = body["detail"].as_str().expect("detail");
        assert!(
            detail.contains(&format!("`{parameter}`")),
            "{path}: {detail}"
        );
        assert_eq!(body["instance"], path, "{path}");
    }
}

#[tokio::test]
async fn unknown_routes_are_404_problems() {
    let app = spawn_app().await;
    // `/` and `/v1` are the API's index (front_door.rs).
    for path in [
        "/v2/roadmaps",
        "/v1/roadmaps/x/y/z/w",
        "/%00",
        "/v1/roadmaps/%ZZ",
    ] {
        problem(app.get(path).await, StatusCode::NOT_FOUND).await;
    }
}

#[tokio::test]
async fn an_overlong_query_is_414() {
    let app = spawn_app().await;
    let path = format!("/v1/roadmaps?q={}", "a".repeat(9000));
    let body = problem(app.get(&path).await, StatusCode::URI_TOO_LONG).await;
    assert!(body["instance"].as_str().is_some_and(|i| i.len() <= 512));
}

#[tokio::test]
async fn unknown_parameters_are_refused_by_the_api_and_ignored_by_pages() {
    let app = spawn_app().await;
    // A typo would otherwise answer as if no filter were given.
    let body = problem(
        app.get("/v1/certifications?teir=high_signal").await,
        StatusCode::BAD_REQUEST,
    )
    .await;
    assert_eq!(body["errors"][0]["parameter"], "teir", "{body}");
    let detail = body["errors"][0]["detail"].as_str().expect("detail");
    assert!(detail.contains("did you mean `tier`?"), "{detail}");
    assert!(detail.contains("tier, roadmap, max_cost_usd"), "{detail}");
    let body = problem(
        app.get(&format!("/v1/roadmaps/{SLUG}/phases?x=1")).await,
        StatusCode::BAD_REQUEST,
    )
    .await;
    assert_eq!(body["errors"][0]["parameter"], "x", "{body}");
    assert!(
        !body["detail"]
            .as_str()
            .unwrap_or_default()
            .contains("did you mean")
    );
    let body = problem(app.get("/v1?format=json").await, StatusCode::BAD_REQUEST).await;
    assert!(
        body["detail"]
            .as_str()
            .unwrap_or_default()
            .ends_with("it takes none"),
        "{body}"
    );
    // Pages for people ignore what CMSs and analytics append.
    let page = app
        .get(&format!(
            "/embed/roadmaps/{SLUG}?utm_source=newsletter&_=123"
        ))
        .await;
    assert_eq!(page.status(), StatusCode::OK);
}

#[tokio::test]
async fn no_input_produces_a_server_error() {
    let app = spawn_app().await;
    let hostile = [
        "/v1/roadmaps?limit=%00",
        "/v1/roadmaps?cursor=%F0%9F%92%A9",
        "/v1/roadmaps?difficulty=%E2%80%AE",
        "/v1/roadmaps/%F0%9F%A7%A0",
        "/v1/roadmaps/healthcare-ai-ml-engineer/phases/%20",
        "/v1/roadmaps/healthcare-ai-ml-engineer/projects/1e3",
        "/v1/roadmaps/healthcare-ai-ml-engineer/certifications?tier=HIGH_SIGNAL",
        "/v1/roadmaps?max_months=%2B5",
    ];
    for path in hostile {
        let response = app.get(path).await;
        assert!(
            response.status().is_client_error(),
            "{path}: {}",
            response.status()
        );
        assert_eq!(
            crate::helpers::content_type(&response),
            "application/problem+json",
            "{path}"
        );
    }
}

#[tokio::test]
async fn other_methods_on_known_paths_are_405_with_allow() {
    let app = spawn_app().await;
    let read_only = "GET, HEAD, OPTIONS";
    let writable = "GET, HEAD, PUT, DELETE, OPTIONS";
    let cases = [
        (
            "/v1/roadmaps",
            read_only,
            vec![Method::POST, Method::PUT, Method::DELETE, Method::PATCH],
        ),
        (
            "/v1/roadmaps/x/phases/1",
            read_only,
            vec![Method::POST, Method::PUT, Method::DELETE],
        ),
        ("/healthz", read_only, vec![Method::POST, Method::PATCH]),
        (
            "/v1/roadmaps/healthcare-ai-ml-engineer",
            writable,
            vec![Method::POST, Method::PATCH],
        ),
    ];
    for (path, allowed, methods) in cases {
        for method in methods {
            let url = format!("{}{path}", app.address);
            let response = app
                .client
                .request(method.clone(), url)
                .send()
                .await
                .expect("sent");
            let allow = response
                .headers()
                .get("allow")
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned);
            assert_eq!(allow.as_deref(), Some(allowed), "{method} {path}");
            problem(response, StatusCode::METHOD_NOT_ALLOWED).await;
        }
        let url = format!("{}{path}", app.address);
        let options = app
            .client
            .request(Method::OPTIONS, url)
            .send()
            .await
            .expect("sent");
        assert_eq!(options.status(), StatusCode::NO_CONTENT, "OPTIONS {path}");
        assert_eq!(
            options.headers().get("allow").and_then(|v| v.to_str().ok()),
            Some(allowed)
        );
    }
    let unknown = app
        .client
        .post(format!("{}/v1/nothing-here", app.address))
        .send()
        .await
        .expect("sent");
    problem(unknown, StatusCode::NOT_FOUND).await;
}

#[tokio::test]
async fn numbers_have_one_spelling() {
    let app = spawn_app().await;
    for number in ["01", "+1", "1.0", " 1"] {
        let path = format!("/v1/roadmaps/{SLUG}/phases/{}", number.replace(' ', "%20"));
        problem(app.get(&path).await, StatusCode::NOT_FOUND).await;
    }
}

#[tokio::test]
async fn a_rate_limit_answers_429_with_retry_after_but_spares_health_checks() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut settings = crate::helpers::test_settings(&dir);
    settings.rate_limit = std::num::NonZeroU32::new(1);
    let app = crate::helpers::spawn_with(settings, dir).await;
    let first = app.get("/v1/roadmaps").await;
    assert_eq!(first.status(), StatusCode::OK);
    assert_eq!(
        first
            .headers()
            .get("ratelimit-limit")
            .and_then(|v| v.to_str().ok()),
        Some("1")
    );
    assert_eq!(
        first
            .headers()
            .get("ratelimit-remaining")
            .and_then(|v| v.to_str().ok()),
        Some("0")
    );
    // One request a second with a burst of one: the next one at once is refused.
    let second = app.get("/v1/roadmaps").await;
    let retry_after = second
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    assert_eq!(retry_after.as_deref(), Some("1"));
    let body = problem(second, StatusCode::TOO_MANY_REQUESTS).await;
    assert_eq!(body["type"], "/problems/rate-limited");
    for _ in 0..3 {
        assert_eq!(app.get("/healthz").await.status(), StatusCode::OK);
    }
}

#[tokio::test]
async fn a_declared_parameter_given_twice_is_refused_by_name() {
    let app = spawn_app().await;
    for (path, parameter) in [
        ("/v1/search?q=a&limit=2&q=b".to_owned(), "q"),
        (format!("/v1/roadmaps/{SLUG}?rev=1&rev=1"), "rev"),
        (
            format!("/v1/roadmaps/{SLUG}/plan?hours_per_week=5&format=json&hours_per_week=5"),
            "hours_per_week",
        ),
        ("/v1/changes?format=json&format=atom".to_owned(), "format"),
        ("/v1/sources?kind=tool&kind=tool".to_owned(), "kind"),
    ] {
        let body = problem(app.get(&path).await, StatusCode::BAD_REQUEST).await;
        assert_eq!(body["errors"][0]["parameter"], parameter, "{path}");
        assert_eq!(
            body["errors"][0]["detail"], "is given more than once",
            "{path}"
        );
    }
    // On a page, a parameter it does not declare is nobody's business, however often it comes.
    let page = app
        .get(&format!("/embed/roadmaps/{SLUG}?utm=a&utm=b"))
        .await;
    assert_eq!(page.status(), StatusCode::OK);
}

#[tokio::test]
async fn an_out_of_range_number_names_its_parameter_and_bounds() {
    use roadmap_api::http::Limit;
    let app = spawn_app().await;
    for (path, parameter, bounds) in [
        (
            format!("/v1/roadmaps?limit={}", Limit::MAX + 1),
            "limit",
            format!("from {} to {}", Limit::MIN, Limit::MAX),
        ),
        (
            "/v1/roadmaps?max_months=1201".to_owned(),
            "max_months",
            "from 0 to 1200".to_owned(),
        ),
        (
            "/v1/certifications?max_cost_usd=1000001".to_owned(),
            "max_cost_usd",
            "from 0 to 1000000".to_owned(),
        ),
        (
            format!("/v1/roadmaps/{SLUG}/plan?hours_per_week=81"),
            "hours_per_week",
            "from 1 to 80".to_owned(),
        ),
    ] {
        let body = problem(app.get(&path).await, StatusCode::BAD_REQUEST).await;
        assert_eq!(body["errors"][0]["parameter"], parameter, "{path}");
        let detail = body["detail"].as_str().expect("detail");
        assert!(detail.contains(&bounds), "{path}: {detail}");
    }
    let body = problem(
        app.get(&format!("/v1/roadmaps/{SLUG}/plan")).await,
        StatusCode::BAD_REQUEST,
    )
    .await;
    assert_eq!(
        body["errors"][0]["detail"],
        "is required: study hours a week, 1 to 80"
    );
}

#[tokio::test]
async fn the_order_of_parameters_does_not_matter() {
    let app = spawn_app().await;
    for (one, other) in [
        (
            format!("/v1/certifications?tier=high_signal&roadmap={SLUG}&limit=1"),
            format!("/v1/certifications?limit=1&roadmap={SLUG}&tier=high_signal"),
        ),
        (
            "/v1/search?q=clinical&limit=2&format=json".to_owned(),
            "/v1/search?format=json&limit=2&q=clinical".to_owned(),
        ),
    ] {
        let first = app.get_json(&one).await;
        assert!(
            first["data"].as_array().is_some_and(|d| !d.is_empty()),
            "{one}"
        );
        assert_eq!(first, app.get_json(&other).await, "{other}");
    }
}
