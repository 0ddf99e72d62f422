//! The binary as operators run it: imports that are killed half-way, dry runs, logs.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::helpers::{SLUG, bundled_document};

fn binary(database: &Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_roadmap-api"));
    command
        .arg("--database")
        .arg(database)
        .env("ROADMAP_API_LOG_FORMAT", "json");
    command
}

fn run(database: &Path, args: &[&str]) -> std::process::Output {
    binary(database)
        .args(args)
        .output()
        .expect("the binary runs")
}

/// Waits, polling, until `ready` holds or `child` exits; panics after a minute.
fn poll_until(child: &mut Child, what: &str, mut ready: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while !ready() {
        if let Some(status) = child.try_wait().expect("child status") {
            panic!("the process ended ({status}) before {what}");
        }
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(5));
    }
}

async fn open(database: &Path) -> sqlx::SqlitePool {
    let options = sqlx::sqlite::SqliteConnectOptions::new().filename(database);
    sqlx::SqlitePool::connect_with(options)
        .await
        .expect("opens")
}

#[tokio::test]
async fn a_killed_import_leaves_the_database_as_it_was() {
    let dir = tempfile::tempdir().expect("temp dir");
    let database = dir.path().join("kill.db");
    assert!(run(&database, &["migrate"]).status.success());
    let before = run(&database, &["export"]).stdout;

    // A large import: synthetic copies of the bundled roadmap (slugs `synthetic-kill-*`).
    let documents: Vec<Value> = (0..400)
        .map(|i| {
            let mut doc = bundled_document();
            doc["slug"] = json!(format!("synthetic-kill-{i:03}"));
            doc
        })
        .collect();
    let file = dir.path().join("large.json");
    std::fs::write(&file, Value::Array(documents).to_string()).expect("write");

    let wal = dir.path().join("kill.db-wal");
    let wal_size = || std::fs::metadata(&wal).map(|m| m.len()).unwrap_or(0);
    let start_size = wal_size();
    let mut child = binary(&database)
        .arg("import")
        .arg(&file)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawns");
    // Kill it once it is writing: its transaction has spilled pages into the WAL.
    poll_until(&mut child, "the import started writing", || {
        wal_size() > start_size + 256 * 1024
    });
    child.kill().expect("SIGKILL");
    let status = child.wait().expect("reaped");
    assert!(!status.success(), "the import was killed, not finished");

    let pool = open(&database).await;
    let integrity: String = sqlx::query_scalar("pragma integrity_check")
        .fetch_one(&pool)
        .await
        .expect("checks");
    assert_eq!(integrity, "ok");
    let roadmaps: i64 = sqlx::query_scalar("select count(*) from roadmaps")
        .fetch_one(&pool)
        .await
        .expect("counts");
    assert_eq!(roadmaps, 1, "only the bundled roadmap");
    pool.close().await;
    assert_eq!(run(&database, &["export"]).stdout, before);
}

#[tokio::test]
async fn import_reports_changes_records_revisions_and_can_dry_run() {
    let dir = tempfile::tempdir().expect("temp dir");
    let database = dir.path().join("import.db");
    let mut edited = bundled_document();
    edited["summary"] = json!("Imported summary.");
    let mut new = bundled_document();
    new["slug"] = json!("imported-roadmap");
    let file = dir.path().join("batch.json");
    std::fs::write(&file, Value::Array(vec![edited, new]).to_string()).expect("write");
    let path = file.to_str().expect("UTF-8 path");

    let dry = run(&database, &["import", "--dry-run", path]);
    assert!(dry.status.success());
    let report = String::from_utf8_lossy(&dry.stderr);
    assert!(
        report.contains(&format!("{SLUG}: updated (revision 2)")),
        "{report}"
    );
    assert!(
        report.contains("imported-roadmap: created (revision 1)"),
        "{report}"
    );
    assert!(report.contains("dry run"), "{report}");
    assert!(
        !run(&database, &["export", "imported-roadmap"])
            .status
            .success(),
        "a dry run writes nothing"
    );

    let real = run(&database, &["import", path]);
    assert!(real.status.success());
    let again = run(&database, &["import", path]);
    assert!(
        String::from_utf8_lossy(&again.stderr).contains(&format!("{SLUG}: unchanged (revision 2)"))
    );

    let pool = open(&database).await;
    let revisions: Vec<(String, i64, String)> =
        sqlx::query_as("select roadmap, number, author from revisions order by roadmap, number")
            .fetch_all(&pool)
            .await
            .expect("reads");
    assert_eq!(
        revisions,
        [
            (SLUG.to_owned(), 1, "bundled".to_owned()),
            (SLUG.to_owned(), 2, "cli".to_owned()),
            ("imported-roadmap".to_owned(), 1, "cli".to_owned()),
        ]
    );
}

#[tokio::test]
async fn tokens_never_reach_the_log() {
    let dir = tempfile::tempdir().expect("temp dir");
    let database = dir.path().join("logs.db");
    let created = run(&database, &["token", "create", "editor"]);
    let token = String::from_utf8(created.stdout)
        .expect("UTF-8")
        .trim()
        .to_owned();
    let log = dir.path().join("server.log");
    let mut server = binary(&database)
        .args(["--bind", "127.0.0.1:0"])
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&log).expect("log file"))
        .spawn()
        .expect("spawns");
    let mut port = None;
    poll_until(&mut server, "the server listened", || {
        let file = std::fs::File::open(&log).expect("log");
        port = BufReader::new(file)
            .lines()
            .map_while(Result::ok)
            .find_map(|line| {
                let entry: Value = serde_json::from_str(&line).ok()?;
                (entry["fields"]["message"] == "listening")
                    .then(|| entry["fields"]["port"].as_u64())
                    .flatten()
            });
        port.is_some()
    });
    let base = format!("http://127.0.0.1:{}", port.unwrap_or_default());
    let client = reqwest::Client::new();
    let response = client
        .put(format!("{base}/v1/roadmaps/{SLUG}"))
        .bearer_auth(&token)
        .header("Content-Type", "application/json")
        .header("X-Request-Id", "write-under-test")
        .body(bundled_document().to_string())
        .send()
        .await
        .expect("sent");
    assert_eq!(response.status(), 200);
    let wrong = client
        .put(format!("{base}/v1/roadmaps/{SLUG}"))
        .bearer_auth("rmapi_a-wrong-token-value")
        .send()
        .await
        .expect("sent");
    assert_eq!(wrong.status(), 401);
    server.kill().expect("stopped");
    server.wait().expect("reaped");

    let logged = std::fs::read_to_string(&log).expect("log");
    assert!(
        logged.contains("write-under-test"),
        "the request was logged: {logged}"
    );
    assert!(
        !logged.contains(&token) && !logged.contains("rmapi_a-wrong-token-value"),
        "a token was logged"
    );
}
