use std::io::Read;

use reqwest::{StatusCode, header};

use crate::helpers::{SLUG, send_raw, spawn_app};

fn etag(response: &reqwest::Response) -> String {
    response
        .headers()
        .get(header::ETAG)
        .and_then(|v| v.to_str().ok())
        .expect("ETag")
        .to_owned()
}

#[tokio::test]
async fn every_get_has_a_strong_etag_and_answers_304() {
    let app = spawn_app().await;
    let paths = [
        "/v1/roadmaps".to_owned(),
        format!("/v1/roadmaps/{SLUG}"),
        format!("/v1/roadmaps/{SLUG}/phases"),
        format!("/v1/roadmaps/{SLUG}/phases/1"),
        format!("/v1/roadmaps/{SLUG}/certifications?tier=skip"),
        format!("/v1/roadmaps/{SLUG}/projects"),
        format!("/v1/roadmaps/{SLUG}/projects/2"),
        format!("/v1/roadmaps/{SLUG}/sources"),
        "/openapi.json".to_owned(),
    ];
    for path in paths {
        let first = app.get(&path).await;
        assert_eq!(first.status(), StatusCode::OK, "{path}");
        let tag = etag(&first);
        assert!(
            tag.starts_with('"') && tag.ends_with('"') && !tag.starts_with("W/"),
            "{path}: {tag}"
        );
        let revalidated = app.get_with(&path, "If-None-Match", &tag).await;
        assert_eq!(revalidated.status(), StatusCode::NOT_MODIFIED, "{path}");
        assert_eq!(etag(&revalidated), tag);
        let listed = app
            .get_with(&path, "If-None-Match", &format!("\"other\", {tag}"))
            .await;
        assert_eq!(listed.status(), StatusCode::NOT_MODIFIED, "{path}");
        let stale = app
            .get_with(&path, "If-None-Match", "\"not-the-tag\"")
            .await;
        assert_eq!(stale.status(), StatusCode::OK, "{path}");
    }
}

#[tokio::test]
async fn content_is_cacheable_and_health_is_not() {
    let app = spawn_app().await;
    let content = app.get(&format!("/v1/roadmaps/{SLUG}")).await;
    assert_eq!(
        content
            .headers()
            .get(header::CACHE_CONTROL)
            .and_then(|v| v.to_str().ok()),
        Some("public, max-age=60, stale-while-revalidate=600")
    );
    for path in ["/healthz", "/readyz"] {
        let response = app.get(path).await;
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(
            response
                .headers()
                .get(header::CACHE_CONTROL)
                .and_then(|v| v.to_str().ok()),
            Some("no-store")
        );
        let body: serde_json::Value = response.json().await.expect("json");
        assert_eq!(body["status"], "ok");
    }
}

#[tokio::test]
async fn compressed_bodies_decode_to_the_same_json_under_their_own_etag() {
    let app = spawn_app().await;
    let path = format!("/v1/roadmaps/{SLUG}");
    let plain = app.get(&path).await;
    let plain_tag = etag(&plain);
    let plain_body = plain.bytes().await.expect("body");

    let gzip = app.get_with(&path, "Accept-Encoding", "gzip").await;
    assert_eq!(
        gzip.headers()
            .get(header::CONTENT_ENCODING)
            .and_then(|v| v.to_str().ok()),
        Some("gzip")
    );
    assert_eq!(
        gzip.headers()
            .get(header::VARY)
            .and_then(|v| v.to_str().ok()),
        Some("Accept, Accept-Encoding")
    );
    let gzip_tag = etag(&gzip);
    let mut decoded = Vec::new();
    flate2::read::GzDecoder::new(&gzip.bytes().await.expect("body")[..])
        .read_to_end(&mut decoded)
        .expect("gunzip");
    assert_eq!(decoded, plain_body);

    let br = app.get_with(&path, "Accept-Encoding", "gzip, br").await;
    assert_eq!(
        br.headers()
            .get(header::CONTENT_ENCODING)
            .and_then(|v| v.to_str().ok()),
        Some("br")
    );
    let br_tag = etag(&br);
    let mut decoded = Vec::new();
    brotli::Decompressor::new(&br.bytes().await.expect("body")[..], 4096)
        .read_to_end(&mut decoded)
        .expect("unbrotli");
    assert_eq!(decoded, plain_body);

    assert_ne!(plain_tag, gzip_tag);
    assert_ne!(plain_tag, br_tag);
    assert_ne!(gzip_tag, br_tag);

    let refused = app
        .get_with(&path, "Accept-Encoding", "br;q=0, gzip;q=0")
        .await;
    assert!(refused.headers().get(header::CONTENT_ENCODING).is_none());
    assert_eq!(etag(&refused), plain_tag);
}

#[tokio::test]
async fn cors_is_open_for_reads_and_closed_for_writes() {
    let app = spawn_app().await;
    let path = format!("/v1/roadmaps/{SLUG}");
    let read = app
        .get_with(&path, "Origin", "https://partner.example")
        .await;
    assert_eq!(
        read.headers()
            .get("access-control-allow-origin")
            .and_then(|v| v.to_str().ok()),
        Some("*")
    );
    let exposed = read
        .headers()
        .get("access-control-expose-headers")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    for name in ["ETag", "Link", "Location", "X-Request-Id"] {
        assert!(exposed.contains(name), "{exposed}");
    }

    let preflight = |method: &'static str| {
        app.client
            .request(reqwest::Method::OPTIONS, format!("{}{}", app.address, path))
            .header("Origin", "https://partner.example")
            .header("Access-Control-Request-Method", method)
            .header("Access-Control-Request-Headers", "if-none-match")
            .send()
    };
    let granted = preflight("GET").await.expect("sent");
    assert_eq!(granted.status(), StatusCode::NO_CONTENT);
    assert_eq!(
        granted
            .headers()
            .get("access-control-allow-origin")
            .and_then(|v| v.to_str().ok()),
        Some("*")
    );
    assert_eq!(
        granted
            .headers()
            .get("access-control-allow-methods")
            .and_then(|v| v.to_str().ok()),
        Some("GET, HEAD")
    );
    for method in ["PUT", "DELETE", "POST"] {
        let refused = preflight(method).await.expect("sent");
        assert_eq!(refused.status(), StatusCode::FORBIDDEN, "{method}");
        assert!(
            refused
                .headers()
                .get("access-control-allow-methods")
                .is_none()
        );
    }
}

/// A hit skips the CORS layer, and the security headers are stored with the entry: a hit and
/// a 304 must carry what the first answer carried, the request id apart, which is each
/// request's own. A 304 of an HTML page keeps the page's policy.
#[tokio::test]
async fn an_answer_from_the_cache_has_every_header_of_the_first() {
    let app = spawn_app().await;
    let lasting = |response: &reqwest::Response| {
        let mut headers: Vec<(String, String)> = response
            .headers()
            .iter()
            .filter(|(name, _)| *name != header::DATE && name.as_str() != "x-request-id")
            .map(|(name, value)| {
                let value = value.to_str().unwrap_or_default();
                (name.to_string(), value.to_owned())
            })
            .collect();
        headers.sort();
        headers
    };
    let request_id = |response: &reqwest::Response| {
        let id = response.headers().get("x-request-id").expect("an id");
        id.to_str().unwrap_or_default().to_owned()
    };
    let path = format!("/v1/roadmaps/{SLUG}");
    let first = app.get(&path).await;
    let again = app.get(&path).await;
    assert_eq!(lasting(&again), lasting(&first));
    let revalidated = app.get_with(&path, "If-None-Match", &etag(&first)).await;
    assert_eq!(revalidated.status(), StatusCode::NOT_MODIFIED);
    let without_body = |headers: Vec<(String, String)>| {
        headers
            .into_iter()
            .filter(|(name, _)| name != "content-type" && name != "content-length")
            .collect::<Vec<_>>()
    };
    assert_eq!(
        without_body(lasting(&revalidated)),
        without_body(lasting(&first))
    );
    for name in [
        "access-control-allow-origin",
        "access-control-expose-headers",
        "x-content-type-options",
        "referrer-policy",
        "content-security-policy",
    ] {
        assert!(first.headers().contains_key(name), "{name}");
    }
    let ids = [&first, &again, &revalidated].map(request_id);
    assert!(
        ids[0] != ids[1] && ids[1] != ids[2] && ids[0] != ids[2],
        "{ids:?}"
    );

    let page = app.get("/docs/").await;
    let page_revalidated = app.get_with("/docs/", "If-None-Match", &etag(&page)).await;
    assert_eq!(page_revalidated.status(), StatusCode::NOT_MODIFIED);
    let policy = |response: &reqwest::Response| {
        response
            .headers()
            .get(header::CONTENT_SECURITY_POLICY)
            .cloned()
    };
    assert!(policy(&page).is_some());
    assert_eq!(policy(&page_revalidated), policy(&page));
}

/// A cached answer, whether `request_context` serves it at once or the cache's layer does,
/// counts against the rate limit and announces what is left, like any other answer.
#[tokio::test]
async fn an_answer_from_the_cache_still_counts_against_the_rate_limit() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut settings = crate::helpers::test_settings(&dir);
    settings.rate_limit = std::num::NonZeroU32::new(2);
    let app = crate::helpers::spawn_with(settings, dir).await;
    let header = |response: &reqwest::Response, name: &str| {
        let value = response.headers().get(name).and_then(|v| v.to_str().ok());
        value.map(str::to_owned)
    };
    let path = format!("/v1/roadmaps/{SLUG}");
    let sent = std::time::Instant::now();
    let first = app.get(&path).await;
    let again = app.get_with(&path, "X-Request-Id", "cached-answer").await;
    let both_within_one_cell = sent.elapsed() < std::time::Duration::from_millis(450);
    assert_eq!(first.status(), StatusCode::OK);
    assert_eq!(again.status(), StatusCode::OK);
    assert_eq!(header(&first, "ratelimit-remaining").as_deref(), Some("1"));
    assert_eq!(header(&again, "ratelimit-limit").as_deref(), Some("2"));
    // Two a second: a cell comes back every 500 ms, so only a slow first answer can have
    // earned one back before the second was admitted.
    let remaining = header(&again, "ratelimit-remaining");
    let expected: &[&str] = if both_within_one_cell {
        &["0"]
    } else {
        &["0", "1"]
    };
    assert!(
        remaining.as_deref().is_some_and(|r| expected.contains(&r)),
        "{remaining:?}, expected one of {expected:?}"
    );
    assert_eq!(
        header(&again, "x-request-id").as_deref(),
        Some("cached-answer")
    );
}

#[tokio::test]
async fn request_ids_are_echoed_or_made() {
    let app = spawn_app().await;
    let echoed = app.get_with("/healthz", "X-Request-Id", "abc-123").await;
    assert_eq!(
        echoed
            .headers()
            .get("x-request-id")
            .and_then(|v| v.to_str().ok()),
        Some("abc-123")
    );
    let made = app.get("/v1/roadmaps/nope").await;
    let id = made
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .expect("an id");
    assert_eq!(id.len(), 36, "{id}");
    let bad = app
        .get_with("/healthz", "X-Request-Id", &"x".repeat(500))
        .await;
    assert_ne!(
        bad.headers()
            .get("x-request-id")
            .and_then(|v| v.to_str().ok()),
        Some("x".repeat(500).as_str())
    );
}

#[tokio::test]
async fn head_mirrors_get_without_a_body() {
    let app = spawn_app().await;
    let path = format!("{}/v1/roadmaps/{SLUG}", app.address);
    let get = app.client.get(&path).send().await.expect("sent");
    let head = app.client.head(&path).send().await.expect("sent");
    assert_eq!(head.status(), StatusCode::OK);
    assert_eq!(
        head.headers().get(header::ETAG),
        get.headers().get(header::ETAG)
    );
    assert_eq!(
        head.headers().get(header::CONTENT_LENGTH),
        get.headers().get(header::CONTENT_LENGTH)
    );
    assert!(head.bytes().await.expect("body").is_empty());
}

#[tokio::test]
async fn docs_assets_are_cacheable_and_revalidate() {
    let app = spawn_app().await;
    let path = "/docs/swagger-ui.css";
    let first = app.get(path).await;
    assert_eq!(first.status(), StatusCode::OK);
    assert!(first.headers().get(header::CACHE_CONTROL).is_some());
    let tag = etag(&first);
    assert_eq!(
        app.get_with(path, "If-None-Match", &tag).await.status(),
        StatusCode::NOT_MODIFIED
    );
    let compressed = app.get_with(path, "Accept-Encoding", "br").await;
    assert_eq!(
        compressed
            .headers()
            .get(header::CONTENT_ENCODING)
            .and_then(|v| v.to_str().ok()),
        Some("br")
    );
}

#[tokio::test]
async fn cached_responses_follow_writes_from_another_process() {
    let app = spawn_app().await;
    let path = format!("/v1/roadmaps/{SLUG}");
    let first = app.get(&path).await;
    let first_tag = etag(&first);
    // Served again (from the cache): the same bytes and validator, in any encoding.
    let again = app.get(&path).await;
    assert_eq!(etag(&again), first_tag);
    let gzip = app.get_with(&path, "Accept-Encoding", "gzip").await;
    assert_eq!(
        etag(&gzip),
        first_tag.trim_end_matches('"').to_owned() + "-gzip\""
    );

    let mut edited = crate::helpers::bundled_document();
    edited["summary"] = "Written by another process.".into();
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

    let after = app.get_until(&path, |r| etag(r) != first_tag).await;
    assert_ne!(etag(&after), first_tag);
    let body: serde_json::Value = after.json().await.expect("json");
    assert_eq!(body["summary"], "Written by another process.");
    assert_eq!(
        app.get_with(&path, "If-None-Match", &first_tag)
            .await
            .status(),
        StatusCode::OK
    );
    let phases = app.get_json(&format!("{path}/phases")).await;
    assert_eq!(phases["data"].as_array().map(Vec::len), Some(3));
}

#[tokio::test]
async fn a_burst_of_requests_for_one_new_response_renders_it_once() {
    let app = spawn_app().await;
    let path = format!("/v1/roadmaps/{SLUG}/plan?hours_per_week=7");
    let burst = (0..16).map(|_| app.get(&path));
    for response in futures::future::join_all(burst).await {
        assert_eq!(response.status(), 200);
    }
    let metrics = app.metrics().await;
    let count = |result: &str| {
        metrics
            .lines()
            .find_map(|line| {
                line.strip_prefix(&format!(
                    "response_cache_lookups_total{{result=\"{result}\"}} "
                ))
            })
            .and_then(|n| n.parse::<u32>().ok())
            .unwrap_or(0)
    };
    assert_eq!(count("miss"), 1, "{metrics}");
    assert_eq!(count("hit"), 15, "{metrics}");
}

#[tokio::test]
async fn an_answer_built_from_one_host_is_never_served_to_another() {
    // Without a public URL, the Atom feed and the embed page build absolute URLs from the
    // request's `Host`: a client sending a made-up `Host` must not poison what others get.
    let app = spawn_app().await;
    let embed = format!("/embed/roadmaps/{SLUG}");
    let cases = [
        ("/v1/changes", "application/atom+xml"),
        (embed.as_str(), "text/html"),
    ];
    for (path, accept) in cases {
        for (host, other) in [
            ("first.example", "second.example"),
            ("second.example", "first.example"),
        ] {
            let body = app
                .client
                .get(format!("{}{path}", app.address))
                .header(header::HOST, host)
                .header(header::ACCEPT, accept)
                .send()
                .await
                .expect("request sent")
                .text()
                .await
                .expect("body");
            assert!(
                body.contains(&format!("http://{host}/")),
                "{path} for {host}: {body}"
            );
            assert!(
                !body.contains(other),
                "{path} for {host} names {other}: {body}"
            );
        }
    }
}

#[tokio::test]
async fn a_request_without_a_usable_host_gets_urls_on_localhost() {
    // Absolute URLs are built on `localhost` without a usable `Host`: an empty one must not
    // plant `http:///` URLs in the answer cached for HTTP/1.0 clients that send none.
    let app = spawn_app().await;
    let target = format!("/embed/roadmaps/{SLUG}");
    for head in [
        format!("GET {target} HTTP/1.1\r\nHost:"),
        format!("GET {target} HTTP/1.0"),
    ] {
        let answer = send_raw(&app, head.as_bytes()).await;
        assert_eq!(answer.status, 200, "{head}: {}", answer.body);
        assert!(
            answer.body.contains("http://localhost/"),
            "{head}: {}",
            answer.body
        );
        assert!(!answer.body.contains("http:///"), "{head}: {}", answer.body);
    }
    // HTTP/1.1 requires `Host`; actix-web refuses a request without one.
    let answer = send_raw(&app, format!("GET {target} HTTP/1.1").as_bytes()).await;
    assert_eq!(answer.status, 400);
}
