//! Attacks a security review reproduced against the running server; each test fails without
//! its fix.

use reqwest::StatusCode;

use crate::helpers::{SLUG, problem, roadmap_api, send_raw, spawn_app};

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
    let metrics = app.metrics().await;
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

/// `token create bundled` once let a token's writes pass for the system's own in the public
/// revision history.
#[test]
fn a_token_cannot_take_the_systems_own_author_names() {
    let dir = tempfile::tempdir().expect("temp dir");
    let database = dir.path().join("tokens.db");
    for reserved in ["bundled", "cli"] {
        let output = roadmap_api(&database, &["token", "create", reserved]);
        assert!(!output.status.success(), "{reserved}");
        assert!(
            output.stdout.is_empty(),
            "no token was printed for {reserved}"
        );
        let said = String::from_utf8_lossy(&output.stderr);
        assert!(said.contains(reserved), "{said}");
    }
    let listed = roadmap_api(&database, &["token", "list"]);
    assert!(listed.status.success());
    assert!(
        listed.stdout.is_empty(),
        "{}",
        String::from_utf8_lossy(&listed.stdout)
    );
}

/// A folder import applied `other-roadmap.json` holding the seed roadmap's slug: it silently
/// replaced that roadmap.
#[test]
fn a_folder_import_refuses_a_file_named_after_another_roadmap() {
    let dir = tempfile::tempdir().expect("temp dir");
    let database = dir.path().join("import.db");
    let folder = dir.path().join("documents");
    std::fs::create_dir(&folder).expect("folder");
    let mut document = crate::helpers::bundled_document();
    document["summary"] = serde_json::json!("Replaced through a misnamed file.");
    std::fs::write(folder.join("other-roadmap.json"), document.to_string()).expect("written");
    let output = roadmap_api(&database, &["import", folder.to_str().expect("UTF-8")]);
    assert!(!output.status.success());
    let said = String::from_utf8_lossy(&output.stderr);
    assert!(
        said.contains("other-roadmap.json") && said.contains(SLUG),
        "{said}"
    );
    let exported = roadmap_api(&database, &["export", SLUG]);
    let text = String::from_utf8_lossy(&exported.stdout);
    assert!(!text.contains("Replaced through a misnamed file."));
}

/// `export --out` followed a link planted in the output folder and overwrote its target.
#[test]
fn export_replaces_a_planted_link_instead_of_writing_through_it() {
    let dir = tempfile::tempdir().expect("temp dir");
    let database = dir.path().join("export.db");
    let folder = dir.path().join("out");
    std::fs::create_dir(&folder).expect("folder");
    let victim = dir.path().join("victim.txt");
    std::fs::write(&victim, "precious").expect("written");
    std::os::unix::fs::symlink(&victim, folder.join(format!("{SLUG}.json"))).expect("link");
    assert!(roadmap_api(&database, &["migrate"]).status.success());
    let output = roadmap_api(
        &database,
        &["export", "--out", folder.to_str().expect("UTF-8")],
    );
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(std::fs::read_to_string(&victim).expect("read"), "precious");
    let written = folder.join(format!("{SLUG}.json"));
    assert!(!written.symlink_metadata().expect("exists").is_symlink());
    assert!(
        std::fs::read_to_string(&written)
            .expect("read")
            .contains(SLUG)
    );
}

/// The database and its `-wal` and `-shm` files were created readable by everyone.
#[tokio::test]
async fn the_database_files_are_private() {
    use std::os::unix::fs::PermissionsExt;
    let app = spawn_app().await;
    assert_eq!(app.get(&format!("/v1/roadmaps/{SLUG}")).await.status(), 200);
    let name = app
        .database
        .file_name()
        .expect("a name")
        .to_string_lossy()
        .to_string();
    for suffix in ["", "-wal", "-shm"] {
        let path = app.database.with_file_name(format!("{name}{suffix}"));
        let mode = std::fs::metadata(&path)
            .expect("exists")
            .permissions()
            .mode();
        assert_eq!(mode & 0o077, 0, "{} is mode {mode:o}", path.display());
    }
}

/// `bearer` in lower case is the same scheme (RFC 9110).
#[tokio::test]
async fn the_bearer_scheme_is_case_insensitive() {
    let app = spawn_app().await;
    let token = crate::admin::token(&app, "lower-case-editor");
    let document = crate::helpers::bundled_document();
    for scheme in ["bearer", "BEARER", "Bearer"] {
        let response = app
            .client
            .put(format!("{}/v1/roadmaps/{SLUG}", app.address))
            .header("Authorization", format!("{scheme} {token}"))
            .json(&document)
            .send()
            .await
            .expect("sent");
        assert_eq!(response.status(), StatusCode::OK, "{scheme}");
    }
}

/// U+E000 and U+E001 in content once turned into stray `<mark>` tags in search snippets.
#[tokio::test]
async fn content_cannot_forge_search_marks() {
    let app = spawn_app().await;
    let token = crate::admin::token(&app, "marking-editor");
    let mut document = crate::helpers::bundled_document();
    document["summary"] =
        serde_json::json!("Zebrafinch \u{E001} closes and \u{E000} opens nothing.");
    let written = crate::admin::put(&app, SLUG, &token, &document, &[]).await;
    assert_eq!(written.status(), StatusCode::OK);
    let hits = app.get_json("/v1/search?q=zebrafinch").await;
    let snippets: Vec<&str> = hits["data"]
        .as_array()
        .expect("hits")
        .iter()
        .filter_map(|hit| hit["snippet"].as_str())
        .collect();
    assert!(!snippets.is_empty(), "{hits}");
    for snippet in snippets {
        assert_eq!(snippet.matches("<mark>").count(), 1, "{snippet}");
        assert_eq!(snippet.matches("</mark>").count(), 1, "{snippet}");
    }
    // The markers the search does use cannot be written.
    document["summary"] = serde_json::json!("a \u{2}forged\u{3} mark");
    let refused = crate::admin::put(&app, SLUG, &token, &document, &[]).await;
    let body = problem(refused, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(body["errors"][0]["pointer"], "/summary", "{body}");
}

/// `/metrics` was public, with CORS `*`, and showed admin write and 401 activity.
#[tokio::test]
async fn the_metrics_are_not_served_on_the_public_port() {
    let app = spawn_app().await;
    assert_eq!(app.get("/metrics").await.status(), StatusCode::NOT_FOUND);
    let spec = app.get_json("/openapi.json").await;
    assert!(spec["paths"].get("/metrics").is_none());
    assert!(app.metrics().await.contains("http_requests_total"));
}

/// Behind a TLS proxy, without `--public-url`, oEmbed built `http://` iframe URLs.
/// `X-Forwarded-Proto` is believed from a trusted proxy, and only from it.
#[tokio::test]
async fn only_a_trusted_proxy_sets_the_scheme_of_absolute_urls() {
    let iframe_of = |app: &crate::helpers::TestApp| {
        let url = format!(
            "{}/v1/roadmaps/{SLUG}",
            app.address.replacen("http", "https", 1)
        );
        let encoded: String = form_urlencoded::byte_serialize(url.as_bytes()).collect();
        let request = app
            .client
            .get(format!("{}/oembed?url={encoded}", app.address))
            .header("X-Forwarded-Proto", "https")
            .send();
        async move { request.await.expect("sent") }
    };
    let dir = tempfile::tempdir().expect("temp dir");
    let mut settings = crate::helpers::test_settings(&dir);
    settings.trusted_proxy = vec!["127.0.0.1".parse().expect("an address")];
    let behind_proxy = crate::helpers::spawn_with(settings, dir).await;
    let response = iframe_of(&behind_proxy).await;
    assert_eq!(response.status(), StatusCode::OK);
    let body: serde_json::Value = response.json().await.expect("json");
    let html = body["html"].as_str().expect("html");
    assert!(html.starts_with("<iframe src=\"https://"), "{html}");

    // Anyone else's header is ignored: the https URL is no roadmap of this provider.
    let open = spawn_app().await;
    assert_eq!(iframe_of(&open).await.status(), StatusCode::NOT_FOUND);
    let plain = open
        .get_json(&format!(
            "/oembed?url={}",
            form_urlencoded::byte_serialize(
                format!("{}/v1/roadmaps/{SLUG}", open.address).as_bytes()
            )
            .collect::<String>()
        ))
        .await;
    assert!(
        plain["html"]
            .as_str()
            .expect("html")
            .starts_with("<iframe src=\"http://")
    );
}

/// The embed's error pages sent `frame-ancestors *` even when `--frame-ancestors` was set.
#[tokio::test]
async fn embed_error_pages_keep_the_configured_framing() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut settings = crate::helpers::test_settings(&dir);
    settings.frame_ancestors = "https://partner.example".to_owned();
    let app = crate::helpers::spawn_with(settings, dir).await;
    for path in [
        "/embed/roadmaps/no-such-roadmap",
        "/embed/roadmaps/healthcare-ai-ml-engineer?theme=neon",
    ] {
        let response = app.get(path).await;
        assert!(response.status().is_client_error(), "{path}");
        let csp = response.headers()["content-security-policy"]
            .to_str()
            .expect("text")
            .to_owned();
        assert!(
            csp.ends_with("frame-ancestors https://partner.example"),
            "{path}: {csp}"
        );
    }
}

/// Exports over every roadmap were built whole in memory on every miss. They stream in
/// parts, hold a weak ETag a client can revalidate, and carry every item.
#[tokio::test]
async fn exports_stream_every_item_in_parts() {
    let app = spawn_app().await;
    // 1,200 roadmaps: more than two parts of an export.
    let base = crate::helpers::bundled_document();
    let documents: Vec<serde_json::Value> = (0..1200)
        .map(|i| {
            let mut doc = base.clone();
            doc["slug"] = serde_json::json!(format!("export-fixture-{i:05}"));
            doc["certifications"]["items"] = serde_json::json!([]);
            doc["sources"]["items"] = serde_json::json!([]);
            doc
        })
        .collect();
    let file = app.database.with_file_name("export-fixtures.json");
    std::fs::write(&file, serde_json::to_string(&documents).expect("json")).expect("written");
    let imported = roadmap_api(&app.database, &["import", file.to_str().expect("UTF-8")]);
    assert!(
        imported.status.success(),
        "{}",
        String::from_utf8_lossy(&imported.stderr)
    );

    let response = app.get("/v1/roadmaps?format=ndjson").await;
    assert_eq!(response.status(), StatusCode::OK);
    assert!(
        response.headers().get("content-length").is_none(),
        "streamed, not sized"
    );
    let etag = response.headers()["etag"]
        .to_str()
        .expect("text")
        .to_owned();
    assert!(etag.starts_with("W/\""), "{etag}");
    let body = response.text().await.expect("text");
    assert_eq!(body.lines().count(), 1201);
    let slugs: std::collections::BTreeSet<String> = body
        .lines()
        .map(|line| serde_json::from_str::<serde_json::Value>(line).expect("a JSON line"))
        .map(|item| item["slug"].as_str().expect("slug").to_owned())
        .collect();
    assert_eq!(slugs.len(), 1201, "every roadmap once");

    let csv = app
        .get("/v1/roadmaps?format=csv")
        .await
        .text()
        .await
        .expect("text");
    assert_eq!(
        csv.lines().count(),
        1202,
        "a header row and a row per roadmap"
    );
    assert_eq!(csv.matches("slug,").count(), 1, "one header row");

    let again = app
        .get_with("/v1/roadmaps?format=ndjson", "If-None-Match", &etag)
        .await;
    assert_eq!(again.status(), StatusCode::NOT_MODIFIED);
    // Another filter is another export.
    let other = app
        .get_with(
            "/v1/roadmaps?format=ndjson&difficulty=high",
            "If-None-Match",
            &etag,
        )
        .await;
    assert_eq!(other.status(), StatusCode::OK);
}
