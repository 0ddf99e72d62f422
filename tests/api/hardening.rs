//! Hostile input, limits, security headers and metrics: what a public API meets in the wild.
//! Requests go over a raw TCP connection, so that malformed targets reach the server exactly
//! as written (an HTTP client library would refuse or normalise them).

use std::time::Duration;

use reqwest::StatusCode;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::helpers::{
    Raw, SLUG, TestApp, problem, send_raw, spawn_app, spawn_with, test_settings, try_send_raw,
};

async fn get_raw(app: &TestApp, target: &str, extra_headers: &str) -> Raw {
    let head = format!("GET {target} HTTP/1.1\r\nHost: localhost{extra_headers}");
    send_raw(app, head.as_bytes()).await
}

/// Each entry: the request target, extra header lines, and the status it must get.
fn corpus() -> Vec<(String, String, u16)> {
    let long = |n: usize| "a".repeat(n);
    let roadmap = format!("/v1/roadmaps/{SLUG}");
    let cases: Vec<(String, &str, u16)> = vec![
        // Malformed and over-long paths.
        ("/v1/roadmaps/%".into(), "", 404),
        ("/v1/roadmaps/%ZZ".into(), "", 404),
        ("/v1/roadmaps/%00".into(), "", 404),
        ("/v1/roadmaps/%C0%AF".into(), "", 404),
        ("/v1/roadmaps/..%2F..%2Fetc%2Fpasswd".into(), "", 404),
        ("/v1/roadmaps/../../etc/passwd".into(), "", 404),
        ("//v1//roadmaps".into(), "", 404),
        ("/v1/roadmaps/%E2%80%AE%F0%9F%A7%A0".into(), "", 404),
        (format!("/v1/roadmaps/{}", long(5000)), "", 404),
        (format!("/v1/roadmaps/{}", long(9000)), "", 414),
        (format!("{roadmap}/phases/0"), "", 404),
        (format!("{roadmap}/phases/-1"), "", 404),
        (format!("{roadmap}/phases/1.5"), "", 404),
        (format!("{roadmap}/phases/01"), "", 404),
        (format!("{roadmap}/phases/99999999999999999999"), "", 404),
        (format!("{roadmap}/projects/%2B1"), "", 404),
        // Numbers: huge, negative, fractional, not numbers, empty.
        ("/v1/certifications?limit=-1".into(), "", 400),
        ("/v1/certifications?limit=0".into(), "", 400),
        ("/v1/certifications?limit=1.5".into(), "", 400),
        ("/v1/certifications?limit=1e3".into(), "", 400),
        ("/v1/certifications?limit=abc".into(), "", 400),
        ("/v1/certifications?limit=".into(), "", 400),
        (
            "/v1/certifications?limit=99999999999999999999999".into(),
            "",
            400,
        ),
        ("/v1/certifications?max_cost_usd=-5".into(), "", 400),
        ("/v1/certifications?max_cost_usd=NaN".into(), "", 400),
        ("/v1/certifications?max_cost_usd=inf".into(), "", 400),
        ("/v1/certifications?max_cost_usd=1e309".into(), "", 400),
        (format!("{roadmap}?rev=-1"), "", 400),
        (format!("{roadmap}?rev=0"), "", 400),
        (format!("{roadmap}?rev=4294967296"), "", 400),
        (format!("{roadmap}/plan?hours_per_week=0.5"), "", 400),
        // Strings: over-long, bad percent-encoding, not UTF-8, control characters.
        (format!("/v1/search?q={}", long(300)), "", 400),
        (format!("/v1/search?q={}", long(3000)), "", 400),
        (format!("/v1/search?q={}", long(9000)), "", 414),
        ("/v1/search?q=%E3%80%80%EF%BB%BF".into(), "", 400),
        (
            format!("{roadmap}/plan?hours_per_week=10&start=1899-12-31"),
            "",
            400,
        ),
        ("/v1/search?q=%FF%FE".into(), "", 400),
        ("/v1/search?q=".into(), "", 400),
        ("/v1/search".into(), "", 400),
        ("/v1/certifications?cursor=%00".into(), "", 400),
        ("/v1/certifications?cursor=%ZZ".into(), "", 400),
        ("/v1/roadmaps?sort=%0a".into(), "", 400),
        ("/v1/certifications?tier=HIGH_SIGNAL".into(), "", 400),
        ("/v1/certifications?tier=%F0%9F%A7%A0".into(), "", 400),
        // Repeated parameters.
        (
            "/v1/certifications?tier=high_signal&tier=skip".into(),
            "",
            400,
        ),
        ("/v1/certifications?limit=5&limit=5".into(), "", 400),
        // Unacceptable media types.
        (roadmap.clone(), "\r\nAccept: application/xml", 406),
        ("/v1/certifications".into(), "\r\nAccept: image/png", 406),
        // Oversized headers.
        (roadmap.clone(), "\r\nX-Padding: PAD20K", 431),
        (roadmap.clone(), "\r\nCookie: PAD20K", 431),
    ];
    cases
        .into_iter()
        .map(|(target, headers, status)| {
            let headers = headers.replace("PAD20K", &long(20_000));
            (target, headers, status)
        })
        .collect()
}

#[tokio::test]
async fn hostile_requests_get_a_4xx_problem_never_a_5xx() {
    let app = spawn_app().await;
    let mut wrong = Vec::new();
    for (target, headers, expected) in corpus() {
        let response = get_raw(&app, &target, &headers).await;
        let shown: String = target.chars().take(80).collect();
        let problem_json = response.header("content-type") == Some("application/problem+json");
        let body_is_problem = serde_json::from_str::<serde_json::Value>(&response.body)
            .is_ok_and(|p| p["status"] == expected && p["type"].is_string());
        if response.status != expected || !problem_json || !body_is_problem {
            wrong.push(format!(
                "{shown}: got {} {:?}, expected {expected} problem+json",
                response.status,
                response.header("content-type")
            ));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[tokio::test]
async fn wrong_and_unknown_methods_get_405_with_allow() {
    let app = spawn_app().await;
    for (method, target, allow) in [
        ("POST", "/v1/roadmaps", "GET, HEAD, OPTIONS"),
        (
            "PATCH",
            &*format!("/v1/roadmaps/{SLUG}"),
            "GET, HEAD, PUT, DELETE, OPTIONS",
        ),
        ("DELETE", "/v1/certifications", "GET, HEAD, OPTIONS"),
        ("BREW", "/v1/search?q=python", "GET, HEAD, OPTIONS"),
        ("TRACE", "/healthz", "GET, HEAD, OPTIONS"),
    ] {
        let head = format!("{method} {target} HTTP/1.1\r\nHost: localhost\r\nContent-Length: 0");
        let response = send_raw(&app, head.as_bytes()).await;
        assert_eq!(response.status, 405, "{method} {target}");
        assert_eq!(response.header("allow"), Some(allow), "{method} {target}");
        assert_eq!(
            response.header("content-type"),
            Some("application/problem+json"),
            "{method} {target}"
        );
    }
}

/// Past its own hard limits (128 KiB of head, 96 header fields) or on a request line that is
/// not HTTP, actix-web answers before any of our code runs: a 4xx without a body, and the
/// server carries on.
#[tokio::test]
async fn requests_the_http_layer_refuses_get_a_4xx_and_the_server_carries_on() {
    let app = spawn_app().await;
    let huge = format!(
        "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Padding: {}",
        "a".repeat(140_000)
    );
    // Refused half-read: a 431, or a reset if the connection closes before the client reads.
    if let Ok(response) = try_send_raw(&app, huge.as_bytes()).await {
        assert_eq!(response.status, 431);
    }
    let many: String = (0..100).map(|i| format!("\r\nX-H{i}: v")).collect();
    for (what, head) in [
        (
            "100 headers",
            format!("GET /healthz HTTP/1.1\r\nHost: x{many}"),
        ),
        (
            "space in target",
            "GET /v1/road maps HTTP/1.1\r\nHost: x".to_owned(),
        ),
        ("not HTTP", "HELLO\r\nHost: x".to_owned()),
    ] {
        let response = send_raw(&app, head.as_bytes()).await;
        assert!(
            (400..500).contains(&response.status),
            "{what}: {}",
            response.status
        );
    }
    let mut raw_target = b"GET /v1/roadmaps/".to_vec();
    raw_target.extend_from_slice(&[0xff, 0xfe]);
    raw_target.extend_from_slice(b" HTTP/1.1\r\nHost: x");
    assert_eq!(send_raw(&app, &raw_target).await.status, 400);
    assert_eq!(app.get("/readyz").await.status(), 200);
}

#[tokio::test]
async fn every_response_carries_the_security_headers() {
    let app = spawn_app().await;
    for (path, csp_starts) in [
        (
            format!("/v1/roadmaps/{SLUG}"),
            "default-src 'none'; frame-ancestors 'none'",
        ),
        (
            "/v1/nothing-here".to_owned(),
            "default-src 'none'; frame-ancestors 'none'",
        ),
        (
            "/healthz".to_owned(),
            "default-src 'none'; frame-ancestors 'none'",
        ),
        ("/docs/".to_owned(), "default-src 'none'; script-src 'self'"),
        (
            format!("/embed/roadmaps/{SLUG}"),
            "default-src 'none'; style-src 'sha256-",
        ),
    ] {
        let response = app.get(&path).await;
        let header = |name: &str| {
            response
                .headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        };
        assert_eq!(
            header("x-content-type-options").as_deref(),
            Some("nosniff"),
            "{path}"
        );
        assert_eq!(
            header("referrer-policy").as_deref(),
            Some("no-referrer"),
            "{path}"
        );
        let csp = header("content-security-policy").unwrap_or_default();
        assert!(csp.starts_with(csp_starts), "{path}: {csp}");
    }
}

#[tokio::test]
async fn metrics_count_requests_by_route_template_with_latency_and_cache_hits() {
    let app = spawn_app().await;
    for _ in 0..3 {
        assert_eq!(app.get(&format!("/v1/roadmaps/{SLUG}")).await.status(), 200);
    }
    assert_eq!(app.get("/v1/roadmaps/no-such-roadmap").await.status(), 404);
    assert_eq!(app.get("/no/such/path").await.status(), 404);

    let response = app
        .client
        .get(format!("{}/metrics", app.metrics_address))
        .send()
        .await
        .expect("sent");
    assert_eq!(response.status(), 200);
    assert_eq!(
        crate::helpers::content_type(&response),
        "text/plain; version=0.0.4; charset=utf-8"
    );
    let text = response.text().await.expect("text");
    let value = |series: &str| -> f64 {
        text.lines()
            .find_map(|line| line.strip_prefix(series)?.trim().parse().ok())
            .unwrap_or_else(|| panic!("no series {series} in:\n{text}"))
    };
    let ok = r#"http_requests_total{method="GET",route="/v1/roadmaps/{slug}",status="200"}"#;
    let missing = r#"http_requests_total{method="GET",route="/v1/roadmaps/{slug}",status="404"}"#;
    let unmatched = r#"http_requests_total{method="GET",route="(unmatched)",status="404"}"#;
    assert_eq!(value(ok), 3.0);
    assert_eq!(value(missing), 1.0);
    assert_eq!(value(unmatched), 1.0);
    assert_eq!(
        value(r#"http_request_duration_seconds_count{route="/v1/roadmaps/{slug}"}"#),
        4.0
    );
    // The first read renders, the two after it are served from the cache.
    assert!(value(r#"response_cache_lookups_total{result="hit"}"#) >= 2.0);
    assert!(value(r#"response_cache_lookups_total{result="miss"}"#) >= 1.0);
    // The scrape, on the metrics listener, is no API traffic.
    assert_eq!(value("http_requests_in_flight"), 0.0);
    assert!(value(r#"db_pool_connections{state="idle"}"#) >= 1.0);
    assert!(
        !text.contains("no-such-roadmap"),
        "raw paths are not labels"
    );
}

#[tokio::test]
async fn admin_writes_have_their_own_stricter_rate_limit() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut settings = test_settings(&dir);
    settings.admin_rate_limit = std::num::NonZeroU32::new(2).expect("not zero");
    let app = spawn_with(settings, dir).await;
    let put = || {
        app.client
            .put(format!("{}/v1/roadmaps/{SLUG}", app.address))
            .bearer_auth("not-a-token")
            .send()
    };
    for _ in 0..2 {
        let admitted = put().await.expect("sent");
        assert_eq!(admitted.status(), StatusCode::UNAUTHORIZED);
        assert_eq!(
            admitted
                .headers()
                .get("ratelimit-limit")
                .map(|v| v.as_bytes()),
            Some(&b"2"[..])
        );
    }
    let limited = put().await.expect("sent");
    let retry_after: u64 = limited
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok())
        .expect("Retry-After");
    assert!((1..=30).contains(&retry_after), "{retry_after}");
    problem(limited, StatusCode::TOO_MANY_REQUESTS).await;
    // Reads are not limited unless `--rate-limit` says so.
    for _ in 0..10 {
        assert_eq!(app.get(&format!("/v1/roadmaps/{SLUG}")).await.status(), 200);
    }
}

#[tokio::test]
async fn a_request_that_outlives_the_timeout_gets_503() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut settings = test_settings(&dir);
    settings.request_timeout = 1;
    let app = spawn_with(settings, dir).await;
    let token = crate::admin::token(&app, "slow-editor");
    // A write whose body never finishes arriving keeps its handler waiting.
    let address = app.address.trim_start_matches("http://");
    let mut stream = TcpStream::connect(address).await.expect("connects");
    let head = format!(
        "PUT /v1/roadmaps/{SLUG} HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer {token}\r\n\
         X-Request-Id: slow-write\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{{\"slug\":"
    );
    stream.write_all(head.as_bytes()).await.expect("sent");
    let mut bytes = vec![0; 4096];
    let read = tokio::time::timeout(Duration::from_secs(20), stream.read(&mut bytes))
        .await
        .expect("answered before the test gave up")
        .expect("read");
    let text = String::from_utf8_lossy(&bytes[..read]);
    assert!(text.starts_with("HTTP/1.1 503"), "{text}");
    assert!(text.contains("application/problem+json"), "{text}");
    assert!(text.contains("retry-after: 1"), "{text}");
    // Like every other answer, it carries the request id and the security headers.
    assert!(text.contains("x-request-id: slow-write"), "{text}");
    for name in [
        "x-content-type-options",
        "referrer-policy",
        "content-security-policy",
    ] {
        assert!(text.contains(&format!("{name}: ")), "no {name}: {text}");
    }
    assert!(
        text.contains(&format!("\"instance\":\"/v1/roadmaps/{SLUG}\"")),
        "{text}"
    );
    // Nothing was written.
    let revisions = app
        .get_json(&format!("/v1/roadmaps/{SLUG}/revisions"))
        .await;
    assert_eq!(revisions["data"].as_array().map(Vec::len), Some(1));
}

#[tokio::test]
async fn conditional_headers_must_be_lists_of_quoted_etags() {
    let app = spawn_app().await;
    let token = crate::admin::token(&app, "careful-editor");
    let document = crate::helpers::bundled_document();
    for (name, value) in [
        ("If-Match", "0"),
        ("If-Match", ""),
        ("If-None-Match", "abc"),
    ] {
        let response = crate::admin::put(&app, SLUG, &token, &document, &[(name, value)]).await;
        let body = problem(response, StatusCode::BAD_REQUEST).await;
        assert_eq!(body["type"], "/problems/bad-header", "{name}: {value}");
    }
    let stale = crate::admin::put(&app, SLUG, &token, &document, &[("If-Match", "W/\"0\"")]).await;
    assert_eq!(stale.status(), StatusCode::PRECONDITION_FAILED);
}

#[tokio::test]
async fn a_document_must_spell_out_its_nulls() {
    let app = spawn_app().await;
    let token = crate::admin::token(&app, "careful-editor");
    let mut document = crate::helpers::bundled_document();
    let source = document["sources"]["items"][0]
        .as_object_mut()
        .expect("a source");
    source.remove("url");
    let response = crate::admin::put(&app, SLUG, &token, &document, &[]).await;
    let body = problem(response, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert!(body["errors"].to_string().contains("url"), "{body}");
}

#[tokio::test]
async fn oembed_maximum_sizes_are_upper_bounds_of_any_size() {
    let app = spawn_app().await;
    let url = format!("{}/v1/roadmaps/{SLUG}", app.address);
    let encoded: String = form_urlencoded::byte_serialize(url.as_bytes()).collect();
    let huge = app
        .get_json(&format!(
            "/oembed?url={encoded}&maxwidth=4294967295&maxheight=2147483646"
        ))
        .await;
    assert_eq!(huge["width"], 720);
    assert_eq!(huge["height"], 900);
}
