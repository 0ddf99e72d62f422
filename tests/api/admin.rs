//! Content management: tokens, PUT and DELETE, revisions, the change feed, read-only mode.

use reqwest::{Method, StatusCode, header};
use serde_json::{Value, json};

use crate::helpers::{
    SLUG, TestApp, bundled_document, problem, spawn_app, spawn_with, test_settings,
};

fn cli(app: &TestApp, args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_roadmap-api"))
        .arg("--database")
        .arg(&app.database)
        .args(args)
        .output()
        .expect("the binary runs")
}

/// A new admin token for `name`.
pub fn token(app: &TestApp, name: &str) -> String {
    let output = cli(app, &["token", "create", name]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout)
        .expect("UTF-8")
        .trim()
        .to_owned()
}

pub async fn put(
    app: &TestApp,
    slug: &str,
    token: &str,
    body: &Value,
    headers: &[(&str, &str)],
) -> reqwest::Response {
    let mut request = app
        .client
        .put(format!("{}/v1/roadmaps/{slug}", app.address))
        .bearer_auth(token)
        .header(header::CONTENT_TYPE, "application/json")
        .body(body.to_string());
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    request.send().await.expect("sent")
}

async fn etag(app: &TestApp, path: &str) -> String {
    let response = app.get(path).await;
    response
        .headers()
        .get(header::ETAG)
        .and_then(|v| v.to_str().ok())
        .expect("ETag")
        .to_owned()
}

fn other_roadmap(slug: &str) -> Value {
    let mut doc = bundled_document();
    doc["slug"] = json!(slug);
    doc["title"] = json!("Another roadmap");
    doc
}

#[tokio::test]
async fn writes_need_a_valid_token_and_tokens_can_be_revoked() {
    let app = spawn_app().await;
    let doc = bundled_document();
    let missing = app
        .client
        .put(format!("{}/v1/roadmaps/{SLUG}", app.address))
        .json(&doc)
        .send()
        .await
        .expect("sent");
    assert_eq!(
        missing
            .headers()
            .get(header::WWW_AUTHENTICATE)
            .and_then(|v| v.to_str().ok()),
        Some("Bearer realm=\"roadmap-api\"")
    );
    problem(missing, StatusCode::UNAUTHORIZED).await;
    problem(
        put(&app, SLUG, "rmapi_wrong", &doc, &[]).await,
        StatusCode::UNAUTHORIZED,
    )
    .await;

    let secret = token(&app, "editor-alice");
    assert!(secret.len() >= 40, "at least 128 bits: {secret}");
    assert_eq!(
        put(&app, SLUG, &secret, &doc, &[]).await.status(),
        StatusCode::OK
    );
    let listed = String::from_utf8(cli(&app, &["token", "list"]).stdout).expect("UTF-8");
    assert!(
        listed.contains("editor-alice") && !listed.contains(&secret),
        "{listed}"
    );
    assert!(
        !cli(&app, &["token", "create", "editor-alice"])
            .status
            .success(),
        "names are unique"
    );
    assert!(
        cli(&app, &["token", "revoke", "editor-alice"])
            .status
            .success()
    );
    problem(
        put(&app, SLUG, &secret, &doc, &[]).await,
        StatusCode::UNAUTHORIZED,
    )
    .await;
}

#[tokio::test]
async fn put_creates_then_replaces_and_records_revisions() {
    let app = spawn_app().await;
    let secret = token(&app, "editor");
    let doc = other_roadmap("another-roadmap");
    let created = put(&app, "another-roadmap", &secret, &doc, &[]).await;
    assert_eq!(created.status(), StatusCode::CREATED);
    let location = created
        .headers()
        .get(header::LOCATION)
        .and_then(|v| v.to_str().ok())
        .expect("Location")
        .to_owned();
    assert!(
        location.ends_with("/v1/roadmaps/another-roadmap"),
        "{location}"
    );
    assert_eq!(app.get_json("/v1/roadmaps/another-roadmap").await, doc);

    // The same document again: nothing changes, no revision.
    assert_eq!(
        put(&app, "another-roadmap", &secret, &doc, &[])
            .await
            .status(),
        StatusCode::OK
    );
    let revisions = app.get_json("/v1/roadmaps/another-roadmap/revisions").await;
    assert_eq!(revisions["data"].as_array().map(Vec::len), Some(1));

    let mut edited = doc.clone();
    edited["summary"] = json!("A new summary.");
    assert_eq!(
        put(&app, "another-roadmap", &secret, &edited, &[])
            .await
            .status(),
        StatusCode::OK
    );
    let revisions = app.get_json("/v1/roadmaps/another-roadmap/revisions").await;
    let data = revisions["data"].as_array().expect("array");
    assert_eq!(data.len(), 2);
    assert_eq!(data[1]["number"], 2);
    assert_eq!(data[1]["kind"], "updated");
    assert_eq!(data[1]["author"], "editor");

    // Revision 1 is served exactly as it was published, sub-resources too, for good.
    let pinned = app.get("/v1/roadmaps/another-roadmap?rev=1").await;
    assert_eq!(
        pinned
            .headers()
            .get(header::CACHE_CONTROL)
            .and_then(|v| v.to_str().ok()),
        Some("public, max-age=31536000, immutable")
    );
    assert_eq!(
        pinned
            .headers()
            .get(header::ETAG)
            .and_then(|v| v.to_str().ok())
            .map(|e| e.trim_matches('"').to_owned()),
        data[0]["content_hash"].as_str().map(str::to_owned)
    );
    assert_eq!(pinned.json::<Value>().await.expect("json"), doc);
    assert_eq!(
        app.get_json("/v1/roadmaps/another-roadmap?rev=2").await["summary"],
        "A new summary."
    );
    assert_eq!(
        app.get_json("/v1/roadmaps/another-roadmap/phases/2?rev=1")
            .await,
        doc["learning_path"]["phases"][1]
    );
    let tiers = app
        .get_json("/v1/roadmaps/another-roadmap/certifications?tier=skip&rev=1")
        .await;
    assert_eq!(tiers["data"].as_array().map(Vec::len), Some(4));
    problem(
        app.get("/v1/roadmaps/another-roadmap?rev=3").await,
        StatusCode::NOT_FOUND,
    )
    .await;
    problem(
        app.get("/v1/roadmaps/another-roadmap?rev=0").await,
        StatusCode::BAD_REQUEST,
    )
    .await;
}

#[tokio::test]
async fn put_validates_everything_and_locates_each_problem() {
    let app = spawn_app().await;
    let secret = token(&app, "editor");
    let cases: Vec<(Value, &str)> = vec![
        (
            {
                let mut d = bundled_document();
                d["projects"][2]["hours"] = json!({"min": 45, "max": 35});
                d
            },
            "/projects/2/hours",
        ),
        (
            {
                let mut d = bundled_document();
                d["projects"][1]["key"] = d["projects"][0]["key"].clone();
                d
            },
            "/projects/1/key",
        ),
        (
            {
                let mut d = bundled_document();
                d["projects"][4]["number"] = json!(9);
                d
            },
            "/projects/4/number",
        ),
        (
            {
                let mut d = bundled_document();
                d["slug"] = json!("another-slug");
                d
            },
            "/slug",
        ),
        (
            {
                let mut d = bundled_document();
                d["summery"] = json!("typo");
                d
            },
            "",
        ),
        (
            {
                let mut d = bundled_document();
                d["title"] = json!("");
                d
            },
            "/title",
        ),
        (
            {
                let mut d = bundled_document();
                d["difficulty"] = json!("extreme");
                d
            },
            "/difficulty",
        ),
        (
            {
                let mut d = bundled_document();
                d.as_object_mut().map(|o| o.remove("summary"));
                d
            },
            "",
        ),
    ];
    for (doc, pointer) in cases {
        let body = problem(
            put(&app, SLUG, &secret, &doc, &[]).await,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
        assert_eq!(body["type"], "/problems/invalid-document");
        let errors = body["errors"].as_array().expect("errors");
        assert!(!errors.is_empty());
        assert!(
            errors
                .iter()
                .all(|e| e["pointer"].is_string() && e["detail"].is_string()),
            "{body}"
        );
        if !pointer.is_empty() {
            assert_eq!(errors[0]["pointer"], pointer, "{body}");
        }
    }
    // Nothing of that reached the store.
    assert_eq!(
        app.get_json(&format!("/v1/roadmaps/{SLUG}")).await,
        bundled_document()
    );

    let malformed = app
        .client
        .put(format!("{}/v1/roadmaps/{SLUG}", app.address))
        .bearer_auth(&secret)
        .header(header::CONTENT_TYPE, "application/json")
        .body("{ not json")
        .send()
        .await
        .expect("sent");
    problem(malformed, StatusCode::BAD_REQUEST).await;
    let not_json = app
        .client
        .put(format!("{}/v1/roadmaps/{SLUG}", app.address))
        .bearer_auth(&secret)
        .header(header::CONTENT_TYPE, "text/plain")
        .body(bundled_document().to_string())
        .send()
        .await
        .expect("sent");
    problem(not_json, StatusCode::UNSUPPORTED_MEDIA_TYPE).await;
}

#[tokio::test]
async fn an_oversized_body_is_413() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut settings = test_settings(&dir);
    settings.max_body_bytes = 4096;
    let app = spawn_with(settings, dir).await;
    let secret = token(&app, "editor");
    let body = problem(
        put(&app, SLUG, &secret, &bundled_document(), &[]).await,
        StatusCode::PAYLOAD_TOO_LARGE,
    )
    .await;
    // It names the limit and what sets it.
    let detail = body["detail"].as_str().expect("detail");
    assert!(
        detail.contains("4096 bytes") && detail.contains("--max-body-bytes"),
        "{detail}"
    );
}

#[tokio::test]
async fn conditional_writes_honour_if_match_and_if_none_match() {
    let app = spawn_app().await;
    let secret = token(&app, "editor");
    let path = format!("/v1/roadmaps/{SLUG}");
    let current = etag(&app, &path).await;
    let mut edited = bundled_document();
    edited["summary"] = json!("First edit.");
    problem(
        put(&app, SLUG, &secret, &edited, &[("If-Match", "\"stale\"")]).await,
        StatusCode::PRECONDITION_FAILED,
    )
    .await;
    // The ETag of a compressed representation names the same content.
    let gzip_tag = current.trim_end_matches('"').to_owned() + "-gzip\"";
    assert_eq!(
        put(&app, SLUG, &secret, &edited, &[("If-Match", &gzip_tag)])
            .await
            .status(),
        StatusCode::OK
    );
    problem(
        put(
            &app,
            SLUG,
            &secret,
            &bundled_document(),
            &[("If-Match", &current)],
        )
        .await,
        StatusCode::PRECONDITION_FAILED,
    )
    .await;
    assert_ne!(
        etag(&app, &path).await,
        current,
        "the ETag follows the content"
    );

    problem(
        put(&app, SLUG, &secret, &edited, &[("If-None-Match", "*")]).await,
        StatusCode::PRECONDITION_FAILED,
    )
    .await;
    let fresh = other_roadmap("created-only-once");
    assert_eq!(
        put(
            &app,
            "created-only-once",
            &secret,
            &fresh,
            &[("If-None-Match", "*")]
        )
        .await
        .status(),
        StatusCode::CREATED
    );
    problem(
        put(
            &app,
            "created-only-once",
            &secret,
            &fresh,
            &[("If-None-Match", "*")],
        )
        .await,
        StatusCode::PRECONDITION_FAILED,
    )
    .await;
}

#[tokio::test]
async fn of_sixteen_concurrent_writers_with_one_etag_exactly_one_wins() {
    let app = spawn_app().await;
    let secret = token(&app, "editor");
    let current = etag(&app, &format!("/v1/roadmaps/{SLUG}")).await;
    let writers = (0..16).map(|i| {
        let mut doc = bundled_document();
        doc["summary"] = json!(format!("Writer {i} was here."));
        let (app, secret, current) = (&app, secret.clone(), current.clone());
        async move {
            put(app, SLUG, &secret, &doc, &[("If-Match", &current)])
                .await
                .status()
        }
    });
    let statuses = futures::future::join_all(writers).await;
    assert_eq!(
        statuses.iter().filter(|s| **s == StatusCode::OK).count(),
        1,
        "{statuses:?}"
    );
    assert_eq!(
        statuses
            .iter()
            .filter(|s| **s == StatusCode::PRECONDITION_FAILED)
            .count(),
        15,
        "{statuses:?}"
    );
    let revisions = app
        .get_json(&format!("/v1/roadmaps/{SLUG}/revisions"))
        .await;
    assert_eq!(revisions["data"].as_array().map(Vec::len), Some(2));
}

#[tokio::test]
async fn delete_removes_a_roadmap_but_keeps_what_others_share() {
    let app = spawn_app().await;
    let secret = token(&app, "editor");
    assert_eq!(
        put(
            &app,
            "another-roadmap",
            &secret,
            &other_roadmap("another-roadmap"),
            &[]
        )
        .await
        .status(),
        StatusCode::CREATED
    );
    let delete = |headers: Vec<(&'static str, String)>| {
        let mut request = app
            .client
            .delete(format!("{}/v1/roadmaps/another-roadmap", app.address))
            .bearer_auth(&secret);
        for (name, value) in headers {
            request = request.header(name, value);
        }
        request.send()
    };
    problem(
        delete(vec![("If-Match", "\"stale\"".to_owned())])
            .await
            .expect("sent"),
        StatusCode::PRECONDITION_FAILED,
    )
    .await;
    let current = etag(&app, "/v1/roadmaps/another-roadmap").await;
    assert_eq!(
        delete(vec![("If-Match", current)])
            .await
            .expect("sent")
            .status(),
        StatusCode::NO_CONTENT
    );
    problem(
        app.get("/v1/roadmaps/another-roadmap").await,
        StatusCode::NOT_FOUND,
    )
    .await;
    problem(delete(vec![]).await.expect("sent"), StatusCode::NOT_FOUND).await;
    // The certifications both roadmaps rated stay for the one that still does.
    let aws = app
        .get_json("/v1/certifications/aws-certified-machine-learning-specialty")
        .await;
    assert_eq!(aws["ratings"].as_array().map(Vec::len), Some(1));
    // History stays readable.
    let revisions = app.get_json("/v1/roadmaps/another-roadmap/revisions").await;
    assert_eq!(revisions["data"][1]["kind"], "deleted");
    assert_eq!(
        app.get_json("/v1/roadmaps/another-roadmap?rev=1").await["slug"],
        "another-roadmap"
    );

    // Deleting the last user of a certification removes it.
    let unique = {
        let mut doc = other_roadmap("with-own-cert");
        doc["certifications"]["items"][0]["certification"]["slug"] = json!("only-here-certificate");
        doc["certifications"]["items"][0]["key"] = json!("only-here");
        doc
    };
    assert_eq!(
        put(&app, "with-own-cert", &secret, &unique, &[])
            .await
            .status(),
        StatusCode::CREATED
    );
    assert_eq!(
        app.get("/v1/certifications/only-here-certificate")
            .await
            .status(),
        StatusCode::OK
    );
    let response = app
        .client
        .delete(format!("{}/v1/roadmaps/with-own-cert", app.address))
        .bearer_auth(&secret)
        .send()
        .await
        .expect("sent");
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    problem(
        app.get("/v1/certifications/only-here-certificate").await,
        StatusCode::NOT_FOUND,
    )
    .await;
}

#[tokio::test]
async fn a_put_may_not_change_what_another_roadmap_shares() {
    let app = spawn_app().await;
    let secret = token(&app, "editor");
    let mut doc = other_roadmap("another-roadmap");
    doc["sources"]["items"][3]["url"] = json!("https://example.org/moved");
    let body = problem(
        put(&app, "another-roadmap", &secret, &doc, &[]).await,
        StatusCode::CONFLICT,
    )
    .await;
    assert!(
        body["detail"].as_str().is_some_and(|d| d.contains(SLUG)),
        "{body}"
    );
    problem(
        app.get("/v1/roadmaps/another-roadmap").await,
        StatusCode::NOT_FOUND,
    )
    .await;
}

#[tokio::test]
async fn keys_survive_reordering_and_restoring() {
    let app = spawn_app().await;
    let secret = token(&app, "editor");
    let mut doc = bundled_document();
    let advantages = doc["clinical_advantages"].as_array_mut().expect("array");
    advantages.reverse();
    let removed = advantages.remove(0);
    assert_eq!(
        put(&app, SLUG, &secret, &doc, &[]).await.status(),
        StatusCode::OK
    );
    let served = app.get_json(&format!("/v1/roadmaps/{SLUG}")).await;
    assert_eq!(served["clinical_advantages"], doc["clinical_advantages"]);
    doc["clinical_advantages"]
        .as_array_mut()
        .expect("array")
        .push(removed.clone());
    assert_eq!(
        put(&app, SLUG, &secret, &doc, &[]).await.status(),
        StatusCode::OK
    );
    let served = app.get_json(&format!("/v1/roadmaps/{SLUG}")).await;
    assert_eq!(served["clinical_advantages"][3]["key"], removed["key"]);
}

#[tokio::test]
async fn the_change_feed_lists_changes_newest_first_in_json_feed_and_atom() {
    let app = spawn_app().await;
    let secret = token(&app, "editor");
    let first = app.get("/v1/changes").await;
    let tag = first
        .headers()
        .get(header::ETAG)
        .and_then(|v| v.to_str().ok())
        .expect("ETag")
        .to_owned();
    let feed: Value = first.json().await.expect("json");
    assert_eq!(feed["version"], "https://jsonfeed.org/version/1.1");
    assert_eq!(feed["items"][0]["_roadmap_api"]["kind"], "created");
    // Polling costs a 304 until something changes.
    assert_eq!(
        app.get_with("/v1/changes", "If-None-Match", &tag)
            .await
            .status(),
        StatusCode::NOT_MODIFIED
    );

    let mut edited = bundled_document();
    edited["summary"] = json!("Changed.");
    assert_eq!(
        put(&app, SLUG, &secret, &edited, &[]).await.status(),
        StatusCode::OK
    );
    assert_eq!(
        app.get_with("/v1/changes", "If-None-Match", &tag)
            .await
            .status(),
        StatusCode::OK
    );
    let feed = app
        .get_json_as("/v1/changes?limit=1", "application/feed+json")
        .await;
    let item = &feed["items"][0];
    assert_eq!(
        item["_roadmap_api"],
        json!({"roadmap": SLUG, "revision": 2, "kind": "updated", "content_hash": item["_roadmap_api"]["content_hash"].clone()})
    );
    assert!(
        item["url"]
            .as_str()
            .is_some_and(|u| u.ends_with(&format!("/v1/roadmaps/{SLUG}?rev=2")))
    );
    let next = feed["next_url"].as_str().expect("an older page").to_owned();
    let older: Value = app
        .client
        .get(&next)
        .send()
        .await
        .expect("sent")
        .json()
        .await
        .expect("json");
    assert_eq!(older["items"][0]["_roadmap_api"]["revision"], 1);

    let atom = app
        .get_with("/v1/changes", "Accept", "application/atom+xml")
        .await;
    assert!(crate::helpers::content_type(&atom).starts_with("application/atom+xml"));
    let feed = atom_syndication::Feed::read_from(&atom.bytes().await.expect("body")[..])
        .expect("valid Atom");
    assert_eq!(feed.entries().len(), 2);
    assert!(
        feed.entries()[0]
            .title()
            .as_str()
            .contains("updated (revision 2)")
    );
}

#[tokio::test]
async fn a_read_only_server_refuses_writes_with_405() {
    let dir = tempfile::tempdir().expect("temp dir");
    let writable = spawn_with(test_settings(&dir), tempfile::tempdir().expect("temp dir")).await;
    let secret = token(&writable, "editor");
    let mut settings = test_settings(&dir);
    settings.read_only = true;
    let app = spawn_with(settings, tempfile::tempdir().expect("temp dir")).await;
    assert_eq!(
        app.get_json(&format!("/v1/roadmaps/{SLUG}")).await["slug"],
        SLUG
    );
    for method in [Method::PUT, Method::DELETE] {
        let response = app
            .client
            .request(
                method.clone(),
                format!("{}/v1/roadmaps/{SLUG}", app.address),
            )
            .bearer_auth(&secret)
            .header(header::CONTENT_TYPE, "application/json")
            .body(bundled_document().to_string())
            .send()
            .await
            .expect("sent");
        assert_eq!(
            response
                .headers()
                .get(header::ALLOW)
                .and_then(|v| v.to_str().ok()),
            Some("GET, HEAD, OPTIONS"),
            "{method}"
        );
        problem(response, StatusCode::METHOD_NOT_ALLOWED).await;
    }
}
