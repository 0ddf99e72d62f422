use std::process::Output;

use crate::helpers::{SLUG, roadmap_api};

const CONTENT: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/content/roadmaps/healthcare-ai-ml-engineer.json"
);

fn succeeded(output: Output) -> Vec<u8> {
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    output.stdout
}

#[test]
fn export_gives_back_an_imported_document_byte_for_byte() {
    let dir = tempfile::tempdir().expect("temp dir");
    let database = dir.path().join("fresh.db");
    succeeded(roadmap_api(&database, &["import", CONTENT]));
    let exported = succeeded(roadmap_api(&database, &["export", SLUG]));
    assert_eq!(
        String::from_utf8(exported).expect("UTF-8"),
        std::fs::read_to_string(CONTENT).expect("content")
    );
}

#[test]
fn a_folder_round_trips_through_export_out() {
    let dir = tempfile::tempdir().expect("temp dir");
    let database = dir.path().join("db.sqlite");
    let folder = dir.path().join("exported");
    succeeded(roadmap_api(
        &database,
        &[
            "import",
            concat!(env!("CARGO_MANIFEST_DIR"), "/content/roadmaps"),
        ],
    ));
    succeeded(roadmap_api(
        &database,
        &["export", "--out", folder.to_str().expect("UTF-8 path")],
    ));
    let written =
        std::fs::read_to_string(folder.join(format!("{SLUG}.json"))).expect("exported file");
    assert_eq!(written, std::fs::read_to_string(CONTENT).expect("content"));

    // Everything at once is a JSON array that imports back.
    let all = succeeded(roadmap_api(&database, &["export"]));
    let array: Vec<serde_json::Value> =
        serde_json::from_slice(&all).expect("an array of documents");
    assert_eq!(array.len(), 1);
    let file = dir.path().join("all.json");
    std::fs::write(&file, &all).expect("write");
    succeeded(roadmap_api(
        &database,
        &["import", file.to_str().expect("UTF-8 path")],
    ));
}

#[test]
fn a_bad_import_changes_nothing_and_says_where() {
    let dir = tempfile::tempdir().expect("temp dir");
    let database = dir.path().join("db.sqlite");
    succeeded(roadmap_api(&database, &["migrate"]));
    let before = succeeded(roadmap_api(&database, &["export", SLUG]));

    // A good edit of the bundled roadmap and a broken second document: all or nothing.
    let folder = dir.path().join("batch");
    std::fs::create_dir(&folder).expect("mkdir");
    let mut edited: serde_json::Value = serde_json::from_slice(&before).expect("json");
    edited["summary"] = "An edited summary.".into();
    // In a folder, each file is named after its roadmap.
    std::fs::write(folder.join(format!("{SLUG}.json")), edited.to_string()).expect("write");
    let mut broken = edited.clone();
    broken["slug"] = "second-roadmap".into();
    broken["projects"][2]["hours"] = serde_json::json!({"min": 45, "max": 35});
    std::fs::write(folder.join("second-roadmap.json"), broken.to_string()).expect("write");

    let output = roadmap_api(&database, &["import", folder.to_str().expect("UTF-8 path")]);
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("second-roadmap.json") && stderr.contains("/projects/2/hours"),
        "{stderr}"
    );
    assert_eq!(succeeded(roadmap_api(&database, &["export", SLUG])), before);
    assert!(
        !roadmap_api(&database, &["export", "second-roadmap"])
            .status
            .success()
    );

    let not_json = dir.path().join("junk.json");
    std::fs::write(&not_json, "{ not json").expect("write");
    let output = roadmap_api(
        &database,
        &["import", not_json.to_str().expect("UTF-8 path")],
    );
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("not valid JSON"));
}

#[test]
fn openapi_subcommand_prints_the_committed_spec() {
    let dir = tempfile::tempdir().expect("temp dir");
    let printed = succeeded(roadmap_api(&dir.path().join("unused.db"), &["openapi"]));
    assert_eq!(printed, include_bytes!("../../openapi/openapi.json"));
}

#[test]
fn read_only_mode_refuses_a_database_that_needs_migrating() {
    let dir = tempfile::tempdir().expect("temp dir");
    let database = dir.path().join("empty.db");
    std::fs::write(&database, b"").expect("an empty file is an empty SQLite database");
    let output = roadmap_api(&database, &["--read-only", "export"]);
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("needs migrating"));
}

#[tokio::test]
async fn healthcheck_reports_a_ready_server_and_a_missing_one() {
    let app = crate::helpers::spawn_app().await;
    let bind = app.address.trim_start_matches("http://").to_owned();
    let dir = tempfile::tempdir().expect("temp dir");
    let check = |bind: String| {
        let database = dir.path().join("unused.db");
        tokio::task::spawn_blocking(move || {
            roadmap_api(&database, &["--bind", &bind, "healthcheck"])
        })
    };
    assert!(check(bind).await.expect("joined").status.success());
    let closed = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let free = closed.local_addr().expect("addr").to_string();
    drop(closed);
    assert!(!check(free).await.expect("joined").status.success());
}

#[test]
fn an_import_may_not_change_a_certification_another_roadmap_rates() {
    let dir = tempfile::tempdir().expect("temp dir");
    let database = dir.path().join("db.sqlite");
    succeeded(roadmap_api(&database, &["migrate"]));
    let mut other: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(CONTENT).expect("content")).expect("json");
    other["slug"] = "another-roadmap".into();
    other["certifications"]["items"][0]["certification"]["cost"]["amount_usd"] = 999.into();
    let file = dir.path().join("other.json");
    std::fs::write(&file, other.to_string()).expect("write");
    let output = roadmap_api(&database, &["import", file.to_str().expect("UTF-8 path")]);
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("aws-certified-machine-learning-specialty") && stderr.contains(SLUG),
        "{stderr}"
    );
    assert!(
        !roadmap_api(&database, &["export", "another-roadmap"])
            .status
            .success()
    );

    // So with a shared source.
    other["certifications"]["items"][0]["certification"]["cost"]["amount_usd"] = 300.into();
    let source = other["sources"]["items"][2]["slug"]
        .as_str()
        .expect("a source slug")
        .to_owned();
    other["sources"]["items"][2]["title"] = "Another title".into();
    std::fs::write(&file, other.to_string()).expect("write");
    let output = roadmap_api(&database, &["import", file.to_str().expect("UTF-8 path")]);
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains(&format!("source `{source}` is used by `{SLUG}`")),
        "{stderr}"
    );

    // The same facts are shared freely.
    other["sources"]["items"][2]["title"] = bundled_source_title(2).into();
    std::fs::write(&file, other.to_string()).expect("write");
    succeeded(roadmap_api(
        &database,
        &["import", file.to_str().expect("UTF-8 path")],
    ));
    let exported = succeeded(roadmap_api(&database, &["export", "another-roadmap"]));
    let stored: serde_json::Value = serde_json::from_slice(&exported).expect("json");
    assert_eq!(stored, other);
}

fn bundled_source_title(index: usize) -> String {
    let bundled: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(CONTENT).expect("content")).expect("json");
    bundled["sources"]["items"][index]["title"]
        .as_str()
        .expect("a title")
        .to_owned()
}

#[test]
fn export_needs_an_existing_database() {
    let dir = tempfile::tempdir().expect("temp dir");
    let output = roadmap_api(&dir.path().join("missing.db"), &["export"]);
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("no database"));
    assert!(!dir.path().join("missing.db").exists());
}

#[test]
fn shared_facts_must_agree_within_an_import_whatever_its_order() {
    let dir = tempfile::tempdir().expect("temp dir");
    let database = dir.path().join("db.sqlite");
    succeeded(roadmap_api(&database, &["migrate"]));
    let bundled: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(CONTENT).expect("content")).expect("json");
    let copy = |slug: &str, cost: u32| {
        let mut document = bundled.clone();
        document["slug"] = slug.into();
        document["certifications"]["items"][0]["certification"]["cost"]["amount_usd"] = cost.into();
        document
    };
    let file = dir.path().join("import.json");
    let import = |documents: serde_json::Value| {
        std::fs::write(&file, documents.to_string()).expect("write");
        roadmap_api(&database, &["import", file.to_str().expect("UTF-8 path")])
    };

    // Two new roadmaps that disagree: refused, naming the first, and nothing is written.
    let output = import(serde_json::json!([
        copy("first-one", 999),
        copy("second-one", 111)
    ]));
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("is given other facts by `first-one` earlier in this write"),
        "{stderr}"
    );
    assert!(
        !roadmap_api(&database, &["export", "first-one"])
            .status
            .success()
    );

    // The stored roadmap that holds the old facts is rewritten with the new ones in the same
    // import, after the roadmap that brings them: accepted.
    let output = import(serde_json::json!([copy("new-one", 999), copy(SLUG, 999)]));
    succeeded(output);
    let stored: serde_json::Value =
        serde_json::from_slice(&succeeded(roadmap_api(&database, &["export", "new-one"])))
            .expect("json");
    assert_eq!(
        stored["certifications"]["items"][0]["certification"]["cost"]["amount_usd"],
        999
    );
}
