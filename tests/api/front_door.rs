//! The API's front door: `/` and `/v1` say what the API is and where everything lives.

use crate::helpers::spawn_app;

#[tokio::test]
async fn the_root_and_v1_link_to_every_collection_and_the_docs() {
    let app = spawn_app().await;
    for root in ["/", "/v1"] {
        let index = app.get_json(root).await;
        assert_eq!(index["name"], "roadmap-api", "{root}: {index}");
        assert_eq!(index["version"], env!("CARGO_PKG_VERSION"));
        let links = index["links"].as_object().expect("links");
        for name in [
            "roadmaps",
            "certifications",
            "projects",
            "sources",
            "search",
            "changes",
            "docs",
            "openapi",
        ] {
            let link = links[name]
                .as_str()
                .unwrap_or_else(|| panic!("no {name} link"));
            let path = link.replace("{words}", "clinical");
            assert_eq!(
                app.get(&path).await.status(),
                200,
                "{root}: {name} -> {path}"
            );
        }
    }
    let spec = app.get_json("/openapi.json").await;
    for root in ["/", "/v1"] {
        assert!(
            spec["paths"][root]["get"].is_object(),
            "{root} is not in the spec"
        );
    }
}

/// A script's first turn of `cursor=$next` sends `cursor=` empty: that is the first page. A
/// cursor the server never issued stays a 400.
#[tokio::test]
async fn an_empty_cursor_is_the_first_page() {
    let app = spawn_app().await;
    for list in [
        "/v1/roadmaps",
        "/v1/certifications",
        "/v1/projects",
        "/v1/sources",
        "/v1/search?q=clinical",
        "/v1/changes",
    ] {
        let joiner = if list.contains('?') { '&' } else { '?' };
        let first = app.get(&format!("{list}{joiner}limit=2")).await;
        let empty = app.get(&format!("{list}{joiner}limit=2&cursor=")).await;
        assert_eq!(
            (first.status().as_u16(), empty.status().as_u16()),
            (200, 200),
            "{list}"
        );
        assert_eq!(
            first.text().await.expect("text"),
            empty.text().await.expect("text"),
            "{list}"
        );
        let forged = app
            .get(&format!("{list}{joiner}cursor=bm90LWEtY3Vyc29y"))
            .await;
        assert_eq!(forged.status(), 400, "{list}");
    }
}

/// A document with several mistakes: the 422 lists every one, each at its JSON pointer, and
/// `import` prints them the same way, one a line, with the file's name.
#[tokio::test]
async fn a_put_reports_every_problem_at_once() {
    let app = spawn_app().await;
    let token = crate::admin::token(&app, "careful-editor");
    let mut document = crate::helpers::bundled_document();
    document.as_object_mut().expect("an object").remove("title");
    document["certifications"]["items"][0]["tier"] = serde_json::json!("gold");
    document["summary"] = serde_json::json!(" ");
    document["timeline_months"] = serde_json::json!("six");
    let response = crate::admin::put(&app, crate::helpers::SLUG, &token, &document, &[]).await;
    let body = crate::helpers::problem(response, reqwest::StatusCode::UNPROCESSABLE_ENTITY).await;
    let errors = body["errors"].as_array().expect("errors");
    let pointers: Vec<&str> = errors
        .iter()
        .filter_map(|e| e["pointer"].as_str())
        .collect();
    for expected in [
        "",
        "/certifications/items/0/tier",
        "/summary",
        "/timeline_months",
    ] {
        assert!(
            pointers.contains(&expected),
            "no problem at `{expected}`: {body}"
        );
    }
    assert!(
        errors
            .iter()
            .any(|e| e["detail"].as_str().is_some_and(|d| d.contains("title"))),
        "{body}"
    );

    let file = app.database.with_file_name("mistaken.json");
    std::fs::write(&file, document.to_string()).expect("written");
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_roadmap-api"))
        .args(["import", file.to_str().expect("UTF-8")])
        .arg("--database")
        .arg(&app.database)
        .output()
        .expect("runs");
    assert!(!output.status.success());
    let said = String::from_utf8_lossy(&output.stderr);
    for pointer in [
        "/certifications/items/0/tier",
        "/summary",
        "/timeline_months",
    ] {
        let line = format!("{}: {pointer}: ", file.display());
        assert!(
            said.lines().any(|l| l.contains(&line)),
            "no line `{line}`: {said}"
        );
    }
}
