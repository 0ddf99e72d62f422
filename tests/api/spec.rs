use reqwest::{StatusCode, header};

use crate::helpers::spawn_app;

const COMMITTED: &str = include_str!("../../openapi/openapi.json");

#[test]
fn committed_spec_matches_the_code() {
    assert!(
        roadmap_api::startup::openapi_document().expect("the spec renders") == COMMITTED,
        "openapi/openapi.json is stale: refresh it with `cargo run -- openapi > openapi/openapi.json`"
    );
}

#[tokio::test]
async fn served_spec_is_the_committed_file() {
    let app = spawn_app().await;
    let response = app.get("/openapi.json").await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.text().await.expect("body"), COMMITTED);
}

#[test]
fn spec_describes_every_route_with_errors_and_examples() {
    let spec: serde_json::Value = serde_json::from_str(COMMITTED).expect("JSON");
    let paths = spec["paths"].as_object().expect("paths");
    for route in [
        "/v1/roadmaps",
        "/v1/roadmaps/{slug}",
        "/v1/roadmaps/{slug}/phases",
        "/v1/roadmaps/{slug}/phases/{number}",
        "/v1/roadmaps/{slug}/certifications",
        "/v1/roadmaps/{slug}/projects",
        "/v1/roadmaps/{slug}/projects/{number}",
        "/v1/roadmaps/{slug}/sources",
        "/v1/roadmaps/{slug}/plan",
        "/v1/certifications",
        "/v1/certifications/{slug}",
        "/v1/projects",
        "/v1/sources",
        "/v1/sources/{slug}",
        "/v1/search",
        "/healthz",
        "/readyz",
        "/openapi.json",
    ] {
        let get = &paths[route]["get"];
        assert!(
            get["description"].is_string() || get["summary"].is_string(),
            "{route} is undocumented"
        );
        assert!(get["responses"]["200"].is_object(), "{route}");
        if route.contains("{slug}") {
            let not_found = &get["responses"]["404"]["content"]["application/problem+json"];
            assert!(not_found.is_object(), "{route} lacks its 404 problem");
        }
    }
    let tier = &paths["/v1/roadmaps/{slug}/certifications"]["get"]["responses"]["400"];
    assert!(tier["content"]["application/problem+json"].is_object());
    for route in [
        "/v1/roadmaps",
        "/v1/certifications",
        "/v1/projects",
        "/v1/sources",
        "/v1/search",
    ] {
        let ok = &paths[route]["get"]["responses"]["200"]["content"];
        for media in ["application/json", "text/csv", "application/x-ndjson"] {
            assert!(ok[media].is_object(), "{route} does not document {media}");
        }
        assert!(
            paths[route]["get"]["responses"]["406"].is_object(),
            "{route} lacks its 406"
        );
    }
    assert!(
        paths["/v1/roadmaps/{slug}"]["get"]["responses"]["200"]["content"]["application/ld+json"]
            .is_object()
    );
    assert!(
        paths["/v1/roadmaps/{slug}/plan"]["get"]["responses"]["200"]["content"]["text/calendar"]
            .is_object()
    );
    assert!(spec["components"]["schemas"]["Problem"]["example"].is_object());
    assert_eq!(
        spec["components"]["securitySchemes"]["bearer"]["scheme"],
        "bearer"
    );
    for method in ["put", "delete"] {
        let write = &paths["/v1/roadmaps/{slug}"][method];
        assert_eq!(
            write["security"][0]["bearer"],
            serde_json::json!([]),
            "{method}"
        );
        for status in ["401", "412"] {
            assert!(
                write["responses"][status].is_object(),
                "{method} lacks {status}"
            );
        }
    }
    assert!(paths["/v1/roadmaps/{slug}"]["put"]["responses"]["422"]["content"]["application/problem+json"].is_object());
    assert!(
        paths["/v1/changes"]["get"]["responses"]["200"]["content"]["application/atom+xml"]
            .is_object()
    );
}

/// Every query parameter of the spec, with its path.
fn query_parameters(spec: &serde_json::Value) -> Vec<(String, serde_json::Value)> {
    let paths = spec["paths"].as_object().expect("paths");
    paths
        .iter()
        .flat_map(|(path, item)| {
            item["get"]["parameters"]
                .as_array()
                .into_iter()
                .flatten()
                .filter(|p| p["in"] == "query")
                .map(move |p| (path.clone(), p.clone()))
        })
        .collect()
}

#[test]
fn the_spec_states_the_limits_the_code_applies() {
    use roadmap_api::http::Limit;
    use roadmap_api::http::params::MAX_SEARCH_LEN;
    let spec: serde_json::Value = serde_json::from_str(COMMITTED).expect("JSON");
    let parameters = query_parameters(&spec);
    let limits: Vec<_> = parameters
        .iter()
        .filter(|(_, p)| p["name"] == "limit")
        .collect();
    assert_eq!(
        limits.len(),
        7,
        "every paged list, the change feed and the story queue"
    );
    for (path, limit) in limits {
        let schema = &limit["schema"];
        assert_eq!(schema["minimum"], Limit::MIN, "{path}");
        assert_eq!(schema["maximum"], Limit::MAX, "{path}");
        assert_eq!(schema["default"], Limit::DEFAULT, "{path}");
    }
    for (path, q) in parameters.iter().filter(|(_, p)| p["name"] == "q") {
        assert_eq!(q["schema"]["maxLength"], MAX_SEARCH_LEN, "{path}");
    }
}

#[test]
fn every_schema_reference_resolves() {
    fn references<'a>(value: &'a serde_json::Value, found: &mut Vec<&'a str>) {
        match value {
            serde_json::Value::Object(map) => {
                if let Some(reference) = map.get("$ref").and_then(|r| r.as_str()) {
                    found.push(reference);
                }
                map.values().for_each(|v| references(v, found));
            }
            serde_json::Value::Array(items) => items.iter().for_each(|v| references(v, found)),
            _ => {}
        }
    }
    let spec: serde_json::Value = serde_json::from_str(COMMITTED).expect("JSON");
    let mut found = Vec::new();
    references(&spec, &mut found);
    assert!(!found.is_empty());
    for reference in found {
        let name = reference
            .strip_prefix("#/components/schemas/")
            .expect("a schema reference");
        assert!(
            spec["components"]["schemas"][name].is_object(),
            "{reference} names no schema"
        );
    }
}

#[tokio::test]
async fn docs_are_served_from_the_binary() {
    let app = spawn_app().await;
    let redirect = app.get("/docs").await;
    assert_eq!(redirect.status(), StatusCode::PERMANENT_REDIRECT);
    assert_eq!(
        redirect
            .headers()
            .get(header::LOCATION)
            .and_then(|v| v.to_str().ok()),
        Some("/docs/")
    );
    let page = app.get("/docs/").await;
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.expect("html");
    assert!(html.contains("swagger-ui"));
    assert!(
        !html.contains("https://"),
        "the docs page must not load anything from elsewhere"
    );
    let config = app
        .get("/docs/swagger-initializer.js")
        .await
        .text()
        .await
        .expect("js");
    assert!(config.contains("/openapi.json"), "{config}");
    for asset in [
        "swagger-ui.css",
        "swagger-ui-bundle.js",
        "swagger-ui-standalone-preset.js",
    ] {
        assert_eq!(
            app.get(&format!("/docs/{asset}")).await.status(),
            StatusCode::OK,
            "{asset}"
        );
    }
}
