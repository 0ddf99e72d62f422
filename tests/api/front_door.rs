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
