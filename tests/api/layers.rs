//! The layers every request goes through: each way out carries the request id and the
//! security headers, and the response cache is keyed on what the route reads and bounded by
//! bytes.

use reqwest::StatusCode;

use crate::helpers::{SLUG, TestApp, send_raw, spawn_app, spawn_with, test_settings};

/// A request to make: what it shows, its path, extra headers, and the status it gets.
type Case<'a> = (&'a str, &'a str, Vec<(&'a str, &'a str)>, u16);

const SECURITY_HEADERS: [&str; 3] = [
    "x-content-type-options",
    "referrer-policy",
    "content-security-policy",
];

/// Asserts that a response (named `what`) echoes the request id `id` and carries every
/// security header.
fn assert_marked(what: &str, id: &str, header: impl Fn(&str) -> Option<String>) {
    assert_eq!(header("x-request-id").as_deref(), Some(id), "{what}");
    for name in SECURITY_HEADERS {
        assert!(header(name).is_some(), "{what}: no {name}");
    }
}

async fn marked_get(app: &TestApp, what: &str, path: &str, extra: &[(&str, &str)]) -> StatusCode {
    let id = format!("exit-{}", what.replace(' ', "-"));
    let mut request = app
        .client
        .get(format!("{}{path}", app.address))
        .header("X-Request-Id", &id);
    for (name, value) in extra {
        request = request.header(*name, *value);
    }
    let response = request.send().await.expect("sent");
    assert_marked(what, &id, |name| {
        response
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    });
    response.status()
}

#[tokio::test]
async fn every_way_out_carries_the_request_id_and_the_security_headers() {
    let app = spawn_app().await;
    let roadmap = format!("/v1/roadmaps/{SLUG}");
    let etag = app.get(&roadmap).await.headers()["etag"]
        .to_str()
        .expect("text")
        .to_owned();
    let long = format!("{roadmap}?q={}", "a".repeat(9000));
    let cases: [Case; 6] = [
        ("hit", &roadmap, vec![], 200),
        (
            "not modified",
            &roadmap,
            vec![("If-None-Match", &etag)],
            304,
        ),
        ("unknown path", "/v1/nothing-here", vec![], 404),
        (
            "bad parameter",
            "/v1/certifications?tier=bogus",
            vec![],
            400,
        ),
        ("uri too long", &long, vec![], 414),
        (
            "not acceptable",
            &roadmap,
            vec![("Accept", "image/png")],
            406,
        ),
    ];
    for (what, path, extra, status) in cases {
        assert_eq!(
            marked_get(&app, what, path, &extra).await.as_u16(),
            status,
            "{what}"
        );
    }

    let wrong_method = app
        .client
        .patch(format!("{}{roadmap}", app.address))
        .header("X-Request-Id", "exit-wrong-method")
        .send()
        .await
        .expect("sent");
    assert_eq!(wrong_method.status(), StatusCode::METHOD_NOT_ALLOWED);
    assert_marked("wrong method", "exit-wrong-method", |name| {
        wrong_method
            .headers()
            .get(name)
            .map(|v| v.to_str().unwrap_or_default().to_owned())
    });

    let preflight = app
        .client
        .request(
            reqwest::Method::OPTIONS,
            format!("{}{roadmap}", app.address),
        )
        .header("Origin", "https://partner.example")
        .header("Access-Control-Request-Method", "PUT")
        .header("X-Request-Id", "exit-preflight")
        .send()
        .await
        .expect("sent");
    assert_eq!(preflight.status(), StatusCode::FORBIDDEN);
    assert_marked("refused preflight", "exit-preflight", |name| {
        preflight
            .headers()
            .get(name)
            .map(|v| v.to_str().unwrap_or_default().to_owned())
    });

    let big_headers = format!(
        "GET {roadmap} HTTP/1.1\r\nHost: localhost\r\nX-Request-Id: exit-headers\r\nX-Pad: {}",
        "p".repeat(17 * 1024)
    );
    let raw = send_raw(&app, big_headers.as_bytes()).await;
    assert_eq!(raw.status, 431);
    assert_marked("headers too large", "exit-headers", |name| {
        raw.header(name).map(str::to_owned)
    });
}

#[tokio::test]
async fn a_rate_limited_request_carries_the_request_id_and_the_security_headers() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut settings = test_settings(&dir);
    settings.rate_limit = std::num::NonZeroU32::new(1);
    let app = spawn_with(settings, dir).await;
    let path = format!("/v1/roadmaps/{SLUG}");
    let mut limited = None;
    for _ in 0..5 {
        let status = marked_get(&app, "rate limited", &path, &[]).await;
        if status == StatusCode::TOO_MANY_REQUESTS {
            limited = Some(status);
            break;
        }
    }
    assert_eq!(limited, Some(StatusCode::TOO_MANY_REQUESTS));
}

/// The cache's lookups by result, from the metrics.
async fn lookups(app: &TestApp) -> (u64, u64) {
    let metrics = app.metrics().await;
    let count = |result: &str| {
        let prefix = format!("response_cache_lookups_total{{result=\"{result}\"}} ");
        metrics
            .lines()
            .find_map(|line| line.strip_prefix(&prefix))
            .and_then(|n| n.parse().ok())
            .unwrap_or(0)
    };
    (count("hit"), count("miss"))
}

async fn cache_bytes(app: &TestApp) -> u64 {
    let metrics = app.metrics().await;
    metrics
        .lines()
        .find_map(|line| line.strip_prefix("response_cache_bytes "))
        .and_then(|n| n.parse().ok())
        .expect("the gauge")
}

#[tokio::test]
async fn the_cache_keys_on_the_parameters_the_route_reads_in_a_fixed_order() {
    let app = spawn_app().await;
    let spellings = [
        "/v1/certifications?tier=helpful&limit=20",
        "/v1/certifications?limit=20&tier=helpful",
        "/v1/certifications?tier=help%66ul&limit=20",
    ];
    let mut bodies = Vec::new();
    for path in spellings {
        let response = app.get(path).await;
        assert_eq!(response.status(), 200, "{path}");
        bodies.push(response.text().await.expect("text"));
    }
    assert!(bodies.windows(2).all(|pair| pair[0] == pair[1]));
    assert_eq!(lookups(&app).await, (2, 1));
    // Another value is another answer.
    assert_eq!(
        app.get("/v1/certifications?tier=skip&limit=20")
            .await
            .status(),
        200
    );
    assert_eq!(lookups(&app).await, (2, 2));
    // A parameter the route refuses is never answered from the cache.
    let typo = app
        .get("/v1/certifications?tier=skip&limit=20&teir=x")
        .await;
    assert_eq!(typo.status(), 400);
    assert_eq!(lookups(&app).await, (2, 2));
    // A page ignores what it does not declare, and so does its key.
    for path in [
        format!("/embed/roadmaps/{SLUG}?theme=dark"),
        format!("/embed/roadmaps/{SLUG}?utm_source=newsletter&theme=dark"),
    ] {
        assert_eq!(app.get(&path).await.status(), 200, "{path}");
    }
    assert_eq!(lookups(&app).await, (3, 3));
}

/// The attack a review found: cache-busting requests for one large roadmap grew the cache
/// without bound. Parameters no route reads make no new entries (the JSON API refuses them,
/// a page ignores them), and what can make new ones (here, made-up `Host` names, since
/// answers are kept per host without a public URL) stays within the configured bytes.
#[tokio::test]
async fn cache_busting_cannot_grow_the_cache_past_its_bound() {
    const BOUND: u64 = 512 * 1024;
    let dir = tempfile::tempdir().expect("temp dir");
    let mut settings = test_settings(&dir);
    settings.cache_bytes = BOUND;
    let app = spawn_with(settings, dir).await;
    let path = format!("/v1/roadmaps/{SLUG}");
    for n in 0..400 {
        let refused = app.get(&format!("{path}?cache-buster={n}")).await;
        assert_eq!(refused.status(), 400);
        let page = app
            .get(&format!("/embed/roadmaps/{SLUG}?cache-buster={n}"))
            .await;
        assert_eq!(page.status(), 200);
    }
    assert_eq!(lookups(&app).await, (399, 1));
    let one_entry = cache_bytes(&app).await;
    assert!(one_entry > 0);

    let mut busted = 0;
    for n in 0..400 {
        let response = app
            .client
            .get(format!("{}{path}", app.address))
            .header("Host", format!("buster-{n}.example"))
            .send()
            .await
            .expect("sent");
        assert_eq!(response.status(), 200);
        busted += 1;
    }
    assert_eq!(busted, 400);
    let held = cache_bytes(&app).await;
    assert!(
        held <= BOUND,
        "the cache holds {held} bytes, over its bound of {BOUND}"
    );
    assert!(
        held > one_entry,
        "the cache keeps answers up to its bound ({held} bytes)"
    );
}
