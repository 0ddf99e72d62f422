//! One content, one set of bytes: servers whose databases were filled separately, at
//! different times, or baked from a primary, answer every route with the same bytes and
//! ETags, so that a CDN may revalidate against any of them.

use std::path::Path;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use reqwest::header;
use serde_json::{Value, json};

use crate::admin::{put, token};
use crate::embed::encode;
use crate::helpers::{SLUG, TestApp, bundled_document, roadmap_api, spawn_with, test_settings};
use crate::stories::{EMAIL, submitted};

/// The public address both servers are configured with, so that absolute links agree.
const PUBLIC_URL: &str = "https://api.example.org";

fn settings(dir: &tempfile::TempDir) -> roadmap_api::configuration::Settings {
    let mut settings = test_settings(dir);
    settings.public_url = Some(PUBLIC_URL.to_owned());
    settings
}

async fn spawn_public() -> TestApp {
    let dir = tempfile::tempdir().expect("temp dir");
    spawn_with(settings(&dir), dir).await
}

fn unix_second() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("after 1970")
        .as_secs()
}

/// A GET to compare: path, `Accept`, and the status it must answer.
type Route = (String, String, u16);

/// Every public GET route of the spec with its parameters filled in from `app`'s content, each
/// with every media type it offers: what a CDN in front of the fleet may ask for. (The admin
/// routes, which need a token, are the primary's alone and never cached.)
async fn every_route(app: &TestApp) -> Vec<Route> {
    let spec = app.get_json("/openapi.json").await;
    let certification = app.get_json("/v1/certifications").await["data"][0]["slug"]
        .as_str()
        .expect("a certification")
        .to_owned();
    let source = app.get_json("/v1/sources").await["data"][0]["slug"]
        .as_str()
        .expect("a source")
        .to_owned();
    // The bundled content holds no transition story: then the route's 404 is compared.
    let stories = app.get_json(&format!("/v1/roadmaps/{SLUG}/stories")).await;
    let story = stories["data"][0]["key"].as_str().map(str::to_owned);
    let (story_key, story_status) = match &story {
        Some(key) => (key.as_str(), 200),
        None => ("no-such-story", 404),
    };
    let embed = format!("{PUBLIC_URL}/embed/roadmaps/{SLUG}");
    let mut routes = Vec::new();
    for (template, item) in spec["paths"].as_object().expect("paths") {
        let Some(get) = item.get("get").filter(|get| get.get("security").is_none()) else {
            continue;
        };
        let slug = match template.as_str() {
            t if t.starts_with("/v1/certifications/") => certification.as_str(),
            t if t.starts_with("/v1/sources/") => source.as_str(),
            _ => SLUG,
        };
        let path = template
            .replace("{slug}", slug)
            .replace("{number}", "1")
            .replace("{key}", story_key);
        let status = if template.contains("{key}") {
            story_status
        } else {
            200
        };
        let query = match template.as_str() {
            "/v1/search" => "?q=clinical".to_owned(),
            "/v1/roadmaps/{slug}/plan" => "?hours_per_week=10&start=2027-01-04".to_owned(),
            "/oembed" => format!("?url={}", encode(&embed)),
            "/stories/new" => format!("?roadmap={SLUG}"),
            _ => String::new(),
        };
        let offered = get["responses"]["200"]["content"]
            .as_object()
            .expect("a 200 with content");
        for media_type in offered.keys() {
            routes.push((format!("{path}{query}"), media_type.clone(), status));
        }
    }
    // Published revisions are what partners pin and cache for a year.
    routes.push((
        format!("/v1/roadmaps/{SLUG}?rev=1"),
        "application/json".to_owned(),
        200,
    ));
    routes
}

/// Status, ETag and body of `path` as `accept`.
async fn answer(app: &TestApp, path: &str, accept: &str) -> (u16, Option<String>, Vec<u8>) {
    let response = app.get_with(path, header::ACCEPT.as_str(), accept).await;
    let status = response.status().as_u16();
    let etag = response
        .headers()
        .get(header::ETAG)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let body = response.bytes().await.expect("a body").to_vec();
    (status, etag, body)
}

/// Asserts that `a` and `b` answer every route alike, with an ETag wherever the response is
/// cacheable; returns how many routes were compared.
async fn assert_same_answers(a: &TestApp, b: &TestApp) -> usize {
    let routes = every_route(a).await;
    for (path, accept, expected) in &routes {
        let (status, etag, body) = answer(a, path, accept).await;
        assert_eq!(status, *expected, "GET {path} as {accept}");
        let other = answer(b, path, accept).await;
        assert_eq!(
            (status, &etag),
            (other.0, &other.1),
            "GET {path} as {accept}"
        );
        // Probes and errors are not cached (and a problem names its request).
        let probes = path == "/healthz" || path == "/readyz";
        if !probes && status == 200 {
            assert!(etag.is_some(), "GET {path} as {accept} has no ETag");
            assert!(
                body == other.2,
                "GET {path} as {accept} differs:\n{}\n---\n{}",
                String::from_utf8_lossy(&body),
                String::from_utf8_lossy(&other.2)
            );
        }
    }
    routes.len()
}

#[tokio::test]
async fn databases_filled_at_different_times_give_every_route_the_same_bytes() {
    let first = spawn_public().await;
    // The second fill is in a later second (dates are stored to the second or the
    // millisecond): a date taken from the clock at the fill would differ.
    next_second().await;
    let second = spawn_public().await;

    let compared = assert_same_answers(&first, &second).await;
    assert!(compared > 30, "only {compared} routes compared");
    // The dates are the content's: both servers name the same one, and it is not the fill's.
    let catalogue = first.get_json("/v1/roadmaps").await;
    let updated_at = catalogue["data"][0]["updated_at"].as_str().expect("a date");
    let revisions = first
        .get_json(&format!("/v1/roadmaps/{SLUG}/revisions"))
        .await;
    let published_at = revisions["data"][0]["published_at"]
        .as_str()
        .expect("a date");
    assert_eq!(
        published_at.get(..19),
        updated_at.get(..19),
        "the catalogue's date is its revision's"
    );
}

#[tokio::test]
async fn imports_of_the_same_documents_and_time_give_the_same_bytes() {
    let dir = tempfile::tempdir().expect("temp dir");
    let document = dir.path().join(format!("{SLUG}.json"));
    let mut changed = bundled_document();
    changed["summary"] = json!(format!(
        "{} (revised)",
        changed["summary"].as_str().expect("text")
    ));
    std::fs::write(&document, changed.to_string()).expect("written");
    let published_at = "2026-12-01T09:30:00Z";

    let first = spawn_public().await;
    import(&first, &document, published_at).await;
    next_second().await;
    let second = spawn_public().await;
    import(&second, &document, published_at).await;

    let revisions = first
        .get_json(&format!("/v1/roadmaps/{SLUG}/revisions"))
        .await;
    assert_eq!(
        revisions["data"][1]["published_at"],
        "2026-12-01T09:30:00.000Z"
    );
    assert_eq!(
        first.get_json("/v1/roadmaps").await["data"][0]["updated_at"],
        published_at
    );
    assert_same_answers(&first, &second).await;
}

/// Returns once the clock has reached the next whole second.
async fn next_second() {
    let now = unix_second();
    let deadline = Instant::now() + Duration::from_secs(3);
    while unix_second() == now {
        assert!(Instant::now() < deadline, "the clock does not move");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// Imports `document` into `app`'s database with the CLI, and waits until `app` serves it.
async fn import(app: &TestApp, document: &Path, published_at: &str) {
    let path = format!("/v1/roadmaps/{SLUG}");
    let before = app.get(&path).await.headers().get(header::ETAG).cloned();
    let document = document.to_str().expect("a UTF-8 path");
    let output = roadmap_api(
        &app.database,
        &["import", document, "--published-at", published_at],
    );
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    // The server sees another process's write within 10 ms.
    let after = app
        .get_until(&path, |r| r.headers().get(header::ETAG) != before.as_ref())
        .await;
    assert_ne!(after.headers().get(header::ETAG), before.as_ref());
}

#[tokio::test]
async fn a_replica_baked_from_the_primary_serves_its_revisions_and_bytes() {
    let primary = spawn_public().await;
    let secret = token(&primary, "editor");
    let mut changed = bundled_document();
    changed["summary"] = json!(format!(
        "{} (revised)",
        changed["summary"].as_str().expect("text")
    ));
    let response = put(&primary, SLUG, &secret, &changed, &[]).await;
    assert_eq!(response.status(), 200);

    // A submission waiting for moderation, with its submitter's address.
    submitted(&primary, "fleetmarker").await;

    let dir = tempfile::tempdir().expect("temp dir");
    let baked = dir.path().join("roadmap.db");
    bake(&primary.database, &baked);
    let mut replica_settings = settings(&dir);
    replica_settings.read_only = true;
    let replica = spawn_with(replica_settings, dir).await;

    assert_same_answers(&primary, &replica).await;
    let revisions: Value = replica
        .get_json(&format!("/v1/roadmaps/{SLUG}/revisions"))
        .await;
    let numbers: Vec<&Value> = revisions["data"]
        .as_array()
        .expect("items")
        .iter()
        .map(|r| &r["number"])
        .collect();
    assert_eq!(numbers, [&json!(1), &json!(2)]);
    assert_eq!(
        replica.get_json(&format!("/v1/roadmaps/{SLUG}")).await["summary"],
        changed["summary"]
    );
    assert_same_answers_at(&primary, &replica, &format!("/v1/roadmaps/{SLUG}?rev=2")).await;

    // The baked file holds no token hash and no submission (a replica's image is public),
    // though the copy is taken while the primary holds them.
    let hash = roadmap_api::domain::token::hash_token(&secret);
    let baked = std::fs::read(&replica.database).expect("the baked file");
    for secret in [hash.as_str(), EMAIL, "fleetmarker"] {
        assert!(
            !baked.windows(secret.len()).any(|w| w == secret.as_bytes()),
            "the baked file holds `{secret}`"
        );
    }
}

async fn assert_same_answers_at(a: &TestApp, b: &TestApp, path: &str) {
    let first = answer(a, path, "application/json").await;
    assert_eq!(first.0, 200, "GET {path}");
    assert_eq!(
        first,
        answer(b, path, "application/json").await,
        "GET {path}"
    );
}

fn bake(database: &Path, out: &Path) {
    let out = out.to_str().expect("a UTF-8 path");
    let output = roadmap_api(database, &["bake", "--out", out]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    // Another bake onto the same file is refused rather than merged.
    let again = roadmap_api(database, &["bake", "--out", out]);
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("bake writes a new file"));
}
