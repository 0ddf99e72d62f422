//! Transition stories: the public submission, its abuse limits, moderation, publication, and
//! the personal data that must never reach anything public.

use std::num::NonZeroU32;

use reqwest::{StatusCode, header};
use serde_json::{Value, json};

use crate::admin::{put, token};
use crate::helpers::{SLUG, TestApp, content_type, problem, spawn_app, spawn_with, test_settings};

pub const EMAIL: &str = "private.person@example.org";

/// A valid submission whose story holds `marker`, a word no roadmap holds.
fn submission(marker: &str) -> Value {
    json!({
        "display_name": "Dana R.",
        "from_role": "ICU nurse",
        "to_role": "Machine Learning Engineer",
        "year": 2024,
        "story": format!("I was an ICU nurse for nine years. {marker} {}", "I learned Python at night and built a sepsis model. ".repeat(5)),
        "links": ["https://example.org/dana"],
        "contact_email": EMAIL,
        "consent": true
    })
}

async fn submit(app: &TestApp, body: &Value) -> reqwest::Response {
    app.client
        .post(format!("{}/v1/roadmaps/{SLUG}/stories", app.address))
        .json(body)
        .send()
        .await
        .expect("sent")
}

/// Submits `marker`'s story and returns its id.
pub async fn submitted(app: &TestApp, marker: &str) -> String {
    let response = submit(app, &submission(marker)).await;
    assert_eq!(response.status(), StatusCode::ACCEPTED);
    let receipt: Value = response.json().await.expect("json");
    assert_eq!(receipt["status"], "pending");
    receipt["id"].as_str().expect("an id").to_owned()
}

async fn admin_get(app: &TestApp, token: &str, path: &str) -> reqwest::Response {
    app.client
        .get(format!("{}{path}", app.address))
        .bearer_auth(token)
        .send()
        .await
        .expect("sent")
}

async fn patch(
    app: &TestApp,
    token: &str,
    id: &str,
    body: &Value,
    if_match: Option<&str>,
) -> reqwest::Response {
    let mut request = app
        .client
        .patch(format!("{}/v1/stories/{id}", app.address))
        .bearer_auth(token)
        .header(header::CONTENT_TYPE, "application/merge-patch+json")
        .body(body.to_string());
    if let Some(tag) = if_match {
        request = request.header(header::IF_MATCH, tag);
    }
    request.send().await.expect("sent")
}

/// Approves submission `id`, with the ETag of a fresh GET.
async fn approve(app: &TestApp, token: &str, id: &str) -> Value {
    let current = admin_get(app, token, &format!("/v1/stories/{id}")).await;
    let etag = current.headers()[header::ETAG]
        .to_str()
        .expect("etag")
        .to_owned();
    let response = patch(
        app,
        token,
        id,
        &json!({"status": "approved", "verified": true}),
        Some(&etag),
    )
    .await;
    assert_eq!(response.status(), StatusCode::OK);
    response.json().await.expect("json")
}

/// Every public answer that shows a roadmap's content, as text.
async fn public_text(app: &TestApp, marker: &str) -> String {
    let mut all = String::new();
    for path in [
        format!("/v1/roadmaps/{SLUG}"),
        format!("/v1/roadmaps/{SLUG}/stories"),
        format!("/v1/roadmaps/{SLUG}/stories?format=csv"),
        format!("/v1/search?q={marker}"),
        "/v1/changes".to_owned(),
        format!("/v1/roadmaps/{SLUG}/revisions"),
        format!("/embed/roadmaps/{SLUG}"),
        format!("/roadmaps/{SLUG}"),
    ] {
        let response = app.get(&path).await;
        assert!(
            response.status().is_success(),
            "GET {path}: {}",
            response.status()
        );
        all.push_str(&response.text().await.expect("text"));
    }
    all
}

#[tokio::test]
async fn a_submission_is_pending_and_appears_nowhere_public() {
    let app = spawn_app().await;
    let before = app.get(&format!("/v1/roadmaps/{SLUG}")).await;
    let etag = before.headers()[header::ETAG].clone();
    let response = submit(&app, &submission("zebracorn")).await;
    assert_eq!(response.status(), StatusCode::ACCEPTED);
    assert_eq!(response.headers()[header::CACHE_CONTROL], "no-store");
    let receipt: Value = response.json().await.expect("json");
    let fields: Vec<&String> = receipt.as_object().expect("object").keys().collect();
    assert_eq!(
        fields,
        ["id", "status"],
        "a receipt lets no one read the story back"
    );
    let public = public_text(&app, "zebracorn").await;
    assert!(!public.contains("zebracorn"), "a pending story is public");
    assert!(!public.contains(EMAIL));
    let after = app.get(&format!("/v1/roadmaps/{SLUG}")).await;
    assert_eq!(after.headers()[header::ETAG], etag);
    // Without a token the queue is closed.
    let queue = app.get("/v1/stories?status=pending").await;
    problem(queue, StatusCode::UNAUTHORIZED).await;
}

#[tokio::test]
async fn bad_submissions_are_refused_with_every_problem_located() {
    let app = spawn_app().await;
    let mut bad = submission("x");
    bad["story"] = json!("too short");
    bad["consent"] = json!(false);
    bad["year"] = json!(2999);
    bad["links"] = json!([
        "javascript:alert(1)",
        "http://10.0.0.1/",
        "https://a.org",
        "https://b.org"
    ]);
    bad["contact_email"] = json!("nope");
    bad["from_role"] = json!("nurse\u{202E}evil");
    bad["to_role"] = json!("engineer\u{0007}");
    let body = problem(submit(&app, &bad).await, StatusCode::UNPROCESSABLE_ENTITY).await;
    let pointers: Vec<&str> = body["errors"]
        .as_array()
        .expect("errors")
        .iter()
        .filter_map(|e| e["pointer"].as_str())
        .collect();
    for pointer in [
        "/story",
        "/consent",
        "/year",
        "/links/0",
        "/links/1",
        "/links",
        "/contact_email",
        "/from_role",
        "/to_role",
    ] {
        assert!(pointers.contains(&pointer), "{pointer} not in {pointers:?}");
    }
    let wrong_types = json!({"story": 1, "consent": "yes", "extra": true});
    let body = problem(
        submit(&app, &wrong_types).await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert!(
        body["errors"].as_array().expect("errors").len() >= 3,
        "{body}"
    );

    let url = format!("{}/v1/roadmaps/{SLUG}/stories", app.address);
    let text = app
        .client
        .post(&url)
        .header(header::CONTENT_TYPE, "text/plain")
        .body("hi")
        .send()
        .await
        .expect("sent");
    problem(text, StatusCode::UNSUPPORTED_MEDIA_TYPE).await;
    let malformed = app
        .client
        .post(&url)
        .header(header::CONTENT_TYPE, "application/json")
        .body("{")
        .send()
        .await
        .expect("sent");
    problem(malformed, StatusCode::BAD_REQUEST).await;
    let huge = app
        .client
        .post(&url)
        .header(header::CONTENT_TYPE, "application/json")
        .body(vec![b' '; 70 * 1024])
        .send()
        .await
        .expect("sent");
    problem(huge, StatusCode::PAYLOAD_TOO_LARGE).await;
    let unknown = app
        .client
        .post(format!(
            "{}/v1/roadmaps/no-such-roadmap/stories",
            app.address
        ))
        .json(&submission("y"))
        .send()
        .await
        .expect("sent");
    problem(unknown, StatusCode::NOT_FOUND).await;
    // Nothing of these was stored.
    let admin = token(&app, "editor");
    let queue: Value = admin_get(&app, &admin, "/v1/stories")
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(queue["data"], json!([]));
}

#[tokio::test]
async fn a_filled_honeypot_looks_accepted_but_is_stored_nowhere_and_counted() {
    let app = spawn_app().await;
    let mut bot = submission("honeypotted");
    bot["homepage"] = json!("http://spam.example/");
    let response = submit(&app, &bot).await;
    assert_eq!(response.status(), StatusCode::ACCEPTED);
    let receipt: Value = response.json().await.expect("json");
    assert_eq!(receipt["status"], "pending");
    assert!(receipt["id"].is_string());
    let admin = token(&app, "editor");
    let queue: Value = admin_get(&app, &admin, "/v1/stories")
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(queue["data"], json!([]));
    let metrics = app.metrics().await;
    assert!(
        metrics.contains("story_submissions_total{outcome=\"honeypot\"} 1"),
        "{metrics}"
    );
    // The same text from a person is not a duplicate of what was never stored.
    assert_eq!(
        submit(&app, &submission("honeypotted")).await.status(),
        StatusCode::ACCEPTED
    );
}

#[tokio::test]
async fn the_same_story_twice_is_a_conflict_whatever_its_spacing_and_case() {
    let app = spawn_app().await;
    submitted(&app, "twice").await;
    let mut again = submission("twice");
    again["story"] = json!(
        again["story"]
            .as_str()
            .expect("text")
            .to_uppercase()
            .replace(' ', "  ")
    );
    again["display_name"] = json!("Someone else");
    problem(submit(&app, &again).await, StatusCode::CONFLICT).await;
}

#[tokio::test]
async fn a_client_over_its_hourly_allowance_gets_429_with_retry_after() {
    let dir = tempfile::tempdir().expect("dir");
    let mut settings = test_settings(&dir);
    settings.story_rate_limit = NonZeroU32::new(2).expect("not zero");
    let app = spawn_with(settings, dir).await;
    submitted(&app, "first").await;
    submitted(&app, "second").await;
    let response = submit(&app, &submission("third")).await;
    let retry: u64 = response.headers()[header::RETRY_AFTER]
        .to_str()
        .expect("text")
        .parse()
        .expect("seconds");
    assert!(retry > 60, "an hourly limit waits minutes, not {retry} s");
    problem(response, StatusCode::TOO_MANY_REQUESTS).await;
    // Reads are not limited by it.
    assert_eq!(
        app.get(&format!("/v1/roadmaps/{SLUG}")).await.status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn a_full_queue_answers_503_until_editors_catch_up() {
    let dir = tempfile::tempdir().expect("dir");
    let mut settings = test_settings(&dir);
    settings.story_max_pending = NonZeroU32::new(1).expect("not zero");
    let app = spawn_with(settings, dir).await;
    let id = submitted(&app, "fills").await;
    let response = submit(&app, &submission("overflows")).await;
    assert!(response.headers().contains_key(header::RETRY_AFTER));
    problem(response, StatusCode::SERVICE_UNAVAILABLE).await;
    let admin = token(&app, "editor");
    let rejected = patch(
        &app,
        &admin,
        &id,
        &json!({"status": "rejected", "reason": "Off topic."}),
        None,
    )
    .await;
    assert_eq!(rejected.status(), StatusCode::OK);
    assert_eq!(
        submit(&app, &submission("overflows")).await.status(),
        StatusCode::ACCEPTED
    );
}

#[tokio::test]
async fn approving_publishes_everywhere_and_unpublishing_takes_it_out() {
    let app = spawn_app().await;
    let admin = token(&app, "editor-alice");
    let id = submitted(&app, "quokkaflight").await;
    let before = app.get(&format!("/v1/roadmaps/{SLUG}")).await.headers()[header::ETAG].clone();

    let queue: Value = admin_get(&app, &admin, "/v1/stories?status=pending")
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(queue["data"][0]["id"], id.as_str());
    assert_eq!(
        queue["data"][0]["contact_email"], EMAIL,
        "editors see the address"
    );
    assert_eq!(queue["data"][0]["roadmap"], SLUG);

    let approved = approve(&app, &admin, &id).await;
    assert_eq!(approved["status"], "approved");
    assert_eq!(approved["history"][0]["by"], "editor-alice");
    let key = approved["key"].as_str().expect("key").to_owned();

    let roadmap = app.get(&format!("/v1/roadmaps/{SLUG}")).await;
    assert_ne!(roadmap.headers()[header::ETAG], before);
    let roadmap: Value = roadmap.json().await.expect("json");
    let items = &roadmap["transition_stories"]["items"];
    assert_eq!(items[0]["key"], key.as_str());
    assert_eq!(items[0]["verified"], true);
    assert_eq!(items[0]["display_name"], "Dana R.");
    assert!(
        roadmap["transition_stories"]["note"]
            .as_str()
            .expect("note")
            .starts_with("No verified transition stories found")
    );
    let one = app
        .get_json(&format!("/v1/roadmaps/{SLUG}/stories/{key}"))
        .await;
    assert!(
        one["story"]
            .as_str()
            .expect("text")
            .contains("quokkaflight")
    );
    let public = public_text(&app, "quokkaflight").await;
    assert!(
        public.matches("quokkaflight").count() >= 6,
        "in the document, lists, search, embed and page"
    );
    assert!(!public.contains(EMAIL), "the contact email is public");
    let revisions = app
        .get_json(&format!("/v1/roadmaps/{SLUG}/revisions"))
        .await;
    let newest = revisions["data"]
        .as_array()
        .and_then(|r| r.last())
        .expect("revisions");
    assert_eq!(newest["author"], "editor-alice");
    assert_eq!(newest["note"], format!("story `{key}` published"));
    let feed = app
        .get_json_as("/v1/changes", "application/feed+json")
        .await;
    let told = feed["items"][0]["content_text"].as_str().expect("text");
    assert!(told.contains(&format!("story `{key}` published")), "{told}");

    let rejected = patch(
        &app,
        &admin,
        &id,
        &json!({"status": "rejected", "reason": "Asked to withdraw."}),
        None,
    )
    .await;
    assert_eq!(rejected.status(), StatusCode::OK);
    let roadmap = app.get_json(&format!("/v1/roadmaps/{SLUG}")).await;
    assert_eq!(roadmap["transition_stories"]["items"], json!([]));
    problem(
        app.get(&format!("/v1/roadmaps/{SLUG}/stories/{key}")).await,
        StatusCode::NOT_FOUND,
    )
    .await;
}

#[tokio::test]
async fn moderation_checks_its_preconditions_and_its_patches() {
    let app = spawn_app().await;
    let admin = token(&app, "editor");
    let id = submitted(&app, "preconditioned").await;
    let stale = "\"0123456789abcdef0123456789abcdef\"";
    problem(
        patch(
            &app,
            &admin,
            &id,
            &json!({"status": "approved"}),
            Some(stale),
        )
        .await,
        StatusCode::PRECONDITION_FAILED,
    )
    .await;
    let body = problem(
        patch(&app, &admin, &id, &json!({"status": "rejected"}), None).await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(body["errors"][0]["pointer"], "/reason");
    let body = problem(
        patch(
            &app,
            &admin,
            &id,
            &json!({"story": "short", "status": "archived"}),
            None,
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert!(
        body["errors"].as_array().expect("errors").len() >= 2,
        "{body}"
    );
    problem(
        patch(&app, &admin, "no-such-id", &json!({"verified": true}), None).await,
        StatusCode::NOT_FOUND,
    )
    .await;
    problem(
        patch(&app, "wrong-token", &id, &json!({"verified": true}), None).await,
        StatusCode::UNAUTHORIZED,
    )
    .await;
    // A correction before publication is what gets published.
    let corrected = patch(
        &app,
        &admin,
        &id,
        &json!({"display_name": null, "to_role": "ML Engineer"}),
        None,
    )
    .await;
    assert_eq!(corrected.status(), StatusCode::OK);
    let corrected: Value = corrected.json().await.expect("json");
    assert_eq!(corrected["display_name"], Value::Null);
    assert!(
        corrected["history"][0]["action"]
            .as_str()
            .expect("action")
            .contains("corrected to_role")
    );
    approve(&app, &admin, &id).await;
    let stories = app.get_json(&format!("/v1/roadmaps/{SLUG}/stories")).await;
    assert_eq!(stories["data"][0]["display_name"], Value::Null);
    assert_eq!(stories["data"][0]["to_role"], "ML Engineer");
}

#[tokio::test]
async fn erasing_a_published_story_removes_it_from_the_roadmap_and_its_history() {
    let app = spawn_app().await;
    let admin = token(&app, "editor");
    let id = submitted(&app, "erasable").await;
    approve(&app, &admin, &id).await;
    let revisions = app
        .get_json(&format!("/v1/roadmaps/{SLUG}/revisions"))
        .await;
    let published = revisions["data"]
        .as_array()
        .and_then(|r| r.last())
        .expect("revisions")["number"]
        .as_u64()
        .expect("number");
    let pinned = app
        .get(&format!("/v1/roadmaps/{SLUG}?rev={published}"))
        .await
        .text()
        .await
        .expect("text");
    assert!(pinned.contains("erasable"));

    let erased = app
        .client
        .delete(format!("{}/v1/stories/{id}", app.address))
        .bearer_auth(&admin)
        .send()
        .await
        .expect("sent");
    assert_eq!(erased.status(), StatusCode::NO_CONTENT);
    problem(
        admin_get(&app, &admin, &format!("/v1/stories/{id}")).await,
        StatusCode::NOT_FOUND,
    )
    .await;
    let public = public_text(&app, "erasable").await;
    assert!(!public.contains("erasable"));
    let pinned = app
        .get(&format!("/v1/roadmaps/{SLUG}?rev={published}"))
        .await
        .text()
        .await
        .expect("text");
    assert!(
        !pinned.contains("erasable"),
        "an erased story stays readable in the history"
    );
}

#[tokio::test]
async fn hostile_text_is_kept_as_text_and_escaped_on_every_page() {
    let app = spawn_app().await;
    let admin = token(&app, "editor");
    let hostile = "<script>alert(1)</script><img src=x onerror=alert(2)> \"quoted\" 'single' & ampersand </textarea> \
        ${7*7} {{7*7}} '; drop table roadmaps; -- \\u0000 %00 ../../etc/passwd 𝕏 emoji 🚀 and right-to-left עברית text";
    let mut body = submission("hostile");
    body["story"] = json!(format!(
        "{hostile} {}",
        "padding text for length. ".repeat(8)
    ));
    body["display_name"] = json!("<b>Bold</b> & \"Co\"");
    let response = submit(&app, &body).await;
    assert_eq!(response.status(), StatusCode::ACCEPTED);
    let id = response.json::<Value>().await.expect("json")["id"]
        .as_str()
        .expect("id")
        .to_owned();
    approve(&app, &admin, &id).await;
    let stories = app.get_json(&format!("/v1/roadmaps/{SLUG}/stories")).await;
    assert!(
        stories["data"][0]["story"]
            .as_str()
            .expect("text")
            .starts_with(hostile),
        "the text is kept exactly"
    );
    for path in [
        format!("/embed/roadmaps/{SLUG}"),
        format!("/roadmaps/{SLUG}"),
    ] {
        let page = app.get(&path).await.text().await.expect("html");
        assert!(!page.contains("<script>alert(1)"), "{path} runs the story");
        assert!(!page.contains("<img src=x"), "{path}");
        assert!(!page.contains("<b>Bold</b>"), "{path}");
        assert!(
            page.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
            "{path} shows it as text"
        );
    }
    // The roadmap survives the SQL in the text.
    assert_eq!(
        app.get(&format!("/v1/roadmaps/{SLUG}")).await.status(),
        StatusCode::OK
    );
    // Bidi overrides and control characters are refused, never stored.
    for smuggled in ["\u{202E}", "\u{2066}", "\u{0000}", "\u{001B}[31m"] {
        let mut body = submission("smuggled");
        body["story"] = json!(format!(
            "{smuggled}{}",
            body["story"].as_str().expect("text")
        ));
        problem(submit(&app, &body).await, StatusCode::UNPROCESSABLE_ENTITY).await;
    }
}

#[tokio::test]
async fn fifty_concurrent_submissions_are_all_stored_once() {
    let app = spawn_app().await;
    let sends = (0..50).map(|i| {
        let app = &app;
        async move {
            submit(app, &submission(&format!("concurrent{i}")))
                .await
                .status()
        }
    });
    let statuses = futures::future::join_all(sends).await;
    assert!(
        statuses.iter().all(|s| *s == StatusCode::ACCEPTED),
        "{statuses:?}"
    );
    let admin = token(&app, "editor");
    let mut ids = std::collections::HashSet::new();
    let mut cursor = String::new();
    loop {
        let page: Value = admin_get(
            &app,
            &admin,
            &format!("/v1/stories?status=pending&limit=20&cursor={cursor}"),
        )
        .await
        .json()
        .await
        .expect("json");
        for item in page["data"].as_array().expect("data") {
            assert!(
                ids.insert(item["id"].as_str().expect("id").to_owned()),
                "listed twice"
            );
        }
        match page["next_cursor"].as_str() {
            Some(next) => cursor = next.to_owned(),
            None => break,
        }
    }
    assert_eq!(ids.len(), 50);
}

#[tokio::test]
async fn approval_racing_an_edit_of_the_roadmap_loses_neither() {
    let app = spawn_app().await;
    let admin = token(&app, "editor");
    for round in 0..4 {
        let id = submitted(&app, &format!("racer{round}")).await;
        let current = app.get(&format!("/v1/roadmaps/{SLUG}")).await;
        let etag = current.headers()[header::ETAG]
            .to_str()
            .expect("etag")
            .to_owned();
        let mut edited: Value = current.json().await.expect("json");
        edited["summary"] = json!(format!("Edited in round {round}."));
        let condition = [("If-Match", etag.as_str())];
        let approval = json!({"status": "approved"});
        let (put_response, approved) = tokio::join!(
            put(&app, SLUG, &admin, &edited, &condition),
            patch(&app, &admin, &id, &approval, None),
        );
        assert_eq!(approved.status(), StatusCode::OK);
        let after = app.get_json(&format!("/v1/roadmaps/{SLUG}")).await;
        let keys: Vec<&str> = after["transition_stories"]["items"]
            .as_array()
            .expect("items")
            .iter()
            .filter_map(|s| s["key"].as_str())
            .collect();
        assert_eq!(keys.len(), round + 1, "the approval was lost: {keys:?}");
        match put_response.status() {
            StatusCode::OK => assert_eq!(after["summary"], format!("Edited in round {round}.")),
            StatusCode::PRECONDITION_FAILED => {
                assert_ne!(after["summary"], format!("Edited in round {round}."))
            }
            other => panic!("PUT answered {other}"),
        }
    }
}

#[tokio::test]
async fn the_form_works_without_javascript_and_answers_with_pages() {
    let app = spawn_app().await;
    let form = app
        .get(&format!("/stories/new?roadmap={SLUG}&utm_source=x"))
        .await;
    assert_eq!(form.status(), StatusCode::OK);
    let csp = form.headers()[header::CONTENT_SECURITY_POLICY]
        .to_str()
        .expect("csp")
        .to_owned();
    assert!(
        csp.contains("default-src 'none'")
            && csp.contains("form-action 'self'")
            && csp.contains("frame-ancestors 'none'"),
        "{csp}"
    );
    assert!(
        !csp.contains("script-src"),
        "the form runs no script: {csp}"
    );
    let html = form.text().await.expect("html");
    for name in [
        "display_name",
        "from_role",
        "to_role",
        "year",
        "story",
        "contact_email",
    ] {
        assert!(
            html.contains(&format!("<label for=\"{name}\"")),
            "{name} has no label"
        );
    }
    assert!(html.contains(&format!("action=\"/v1/roadmaps/{SLUG}/stories\"")));
    assert!(!html.contains("<script"));

    let post = |body: String| {
        app.client
            .post(format!("{}/v1/roadmaps/{SLUG}/stories", app.address))
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(body)
            .send()
    };
    let invalid = post(
        "from_role=ICU+nurse&to_role=&year=20x4&story=short&consent=true&submit=Send".to_owned(),
    )
    .await
    .expect("sent");
    assert_eq!(invalid.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(content_type(&invalid).starts_with("text/html"));
    let page = invalid.text().await.expect("html");
    assert!(
        page.contains("id=\"story-error\""),
        "the error sits next to its field"
    );
    assert!(page.contains("id=\"to_role-error\""));
    assert!(
        page.contains("value=\"ICU nurse\""),
        "what was typed is kept"
    );

    let story =
        "I left the ward after a decade and taught myself Python, statistics and ML. ".repeat(4);
    let good = form_urlencoded::Serializer::new(String::new())
        .append_pair("from_role", "Radiographer")
        .append_pair("to_role", "ML Engineer")
        .append_pair("year", "2023")
        .append_pair("story", &story)
        .append_pair("links", "")
        .append_pair("consent", "true")
        .finish();
    let thanks = post(good.clone()).await.expect("sent");
    assert_eq!(thanks.status(), StatusCode::ACCEPTED);
    assert!(thanks.text().await.expect("html").contains("Thank you"));
    let duplicate = post(good).await.expect("sent");
    assert_eq!(duplicate.status(), StatusCode::CONFLICT);
    assert!(content_type(&duplicate).starts_with("text/html"));

    let unknown = app.get("/stories/new?roadmap=no-such-roadmap").await;
    assert_eq!(unknown.status(), StatusCode::NOT_FOUND);
    assert!(content_type(&unknown).starts_with("text/html"));
    let embed = app
        .get(&format!("/embed/roadmaps/{SLUG}"))
        .await
        .text()
        .await
        .expect("html");
    assert!(
        embed.contains(&format!("/stories/new?roadmap={SLUG}")),
        "the embed links to the form"
    );
}

#[tokio::test]
async fn a_frontend_on_another_origin_may_submit_but_not_moderate() {
    let app = spawn_app().await;
    let preflight = |path: String, method: &'static str| {
        app.client
            .request(reqwest::Method::OPTIONS, format!("{}{path}", app.address))
            .header(header::ORIGIN, "https://roadmaps.example")
            .header(header::ACCESS_CONTROL_REQUEST_METHOD, method)
            .header(header::ACCESS_CONTROL_REQUEST_HEADERS, "content-type")
            .send()
    };
    let granted = preflight(format!("/v1/roadmaps/{SLUG}/stories"), "POST")
        .await
        .expect("sent");
    assert_eq!(granted.status(), StatusCode::NO_CONTENT);
    assert_eq!(
        granted.headers()[header::ACCESS_CONTROL_ALLOW_METHODS],
        "GET, HEAD, POST"
    );
    let refused = preflight("/v1/stories/some-id".to_owned(), "PATCH")
        .await
        .expect("sent");
    problem(refused, StatusCode::FORBIDDEN).await;
    let refused = preflight(format!("/v1/roadmaps/{SLUG}"), "POST")
        .await
        .expect("sent");
    problem(refused, StatusCode::FORBIDDEN).await;
    let response = app
        .client
        .post(format!("{}/v1/roadmaps/{SLUG}/stories", app.address))
        .header(header::ORIGIN, "https://roadmaps.example")
        .json(&submission("cross-origin"))
        .send()
        .await
        .expect("sent");
    assert_eq!(response.status(), StatusCode::ACCEPTED);
    assert_eq!(response.headers()[header::ACCESS_CONTROL_ALLOW_ORIGIN], "*");
}
