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
        .env("ROADMAP_API_LOG_FORMAT", "json")
        .env_remove("RUST_LOG");
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

/// A server process on a free port, logging JSON to a file beside its database.
struct Server {
    child: Child,
    base: String,
    log: std::path::PathBuf,
}

/// Starts `roadmap-api serve` with `args`, and waits until its log says where it listens.
fn serve(database: &Path, args: &[&str]) -> Server {
    serve_as(binary(database), database, args)
}

/// Like [`serve`], with `command` set up as the test needs (its environment, say).
fn serve_as(mut command: Command, database: &Path, args: &[&str]) -> Server {
    let log = database.with_extension("log");
    let mut child = command
        .args(["--bind", "127.0.0.1:0", "--metrics-bind", "127.0.0.1:0"])
        .args(args)
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&log).expect("log file"))
        .spawn()
        .expect("spawns");
    let base = base_url(&mut child, &log);
    Server { child, base, log }
}

/// Waits until the server's JSON log says which port it listens on, and gives its base URL.
fn base_url(child: &mut Child, log: &Path) -> String {
    let mut port = None;
    poll_until(child, "the server listened", || {
        port = log_entries(log).into_iter().find_map(|entry| {
            (entry["fields"]["message"] == "listening")
                .then(|| entry["fields"]["port"].as_u64())
                .flatten()
        });
        port.is_some()
    });
    format!("http://127.0.0.1:{}", port.unwrap_or_default())
}

fn log_entries(log: &Path) -> Vec<Value> {
    let file = std::fs::File::open(log).expect("log");
    BufReader::new(file)
        .lines()
        .map_while(Result::ok)
        .filter_map(|line| serde_json::from_str(&line).ok())
        .collect()
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
        report.contains(&format!("{SLUG}: would update (to revision 2)")),
        "{report}"
    );
    assert!(
        report.contains("imported-roadmap: would create (revision 1)"),
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
    let mut server = serve(&database, &[]);
    let base = server.base.clone();
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
    // The log is written in batches, at most 100 ms behind the requests.
    let log = server.log.clone();
    poll_until(&mut server.child, "both requests were logged", || {
        let logged = std::fs::read_to_string(&log).unwrap_or_default();
        logged.contains("write-under-test") && logged.contains("\"status\":401")
    });
    server.child.kill().expect("stopped");
    server.child.wait().expect("reaped");

    let logged = std::fs::read_to_string(&server.log).expect("log");
    assert!(
        logged.contains("write-under-test"),
        "the request was logged: {logged}"
    );
    assert!(
        !logged.contains(&token) && !logged.contains("rmapi_a-wrong-token-value"),
        "a token was logged"
    );
}

#[tokio::test]
async fn the_access_log_has_one_json_line_per_request_hit_or_miss() {
    let dir = tempfile::tempdir().expect("temp dir");
    let database = dir.path().join("access.db");
    let mut server = serve(&database, &[]);
    let client = reqwest::Client::new();
    let path = format!("/v1/roadmaps/{SLUG}");
    for id in ["access-miss", "access-hit"] {
        let response = client
            .get(format!("{}{path}", server.base))
            .header("X-Request-Id", id)
            .send()
            .await
            .expect("sent");
        assert_eq!(response.status(), 200);
    }
    let mut logged = Vec::new();
    poll_until(&mut server.child, "both requests were logged", || {
        logged = log_entries(&server.log)
            .into_iter()
            .filter(|entry| {
                entry["fields"]["request_id"]
                    .as_str()
                    .is_some_and(|id| id.starts_with("access-"))
            })
            .collect();
        logged.len() == 2
    });
    server.child.kill().expect("stopped");
    server.child.wait().expect("reaped");
    for (entry, id) in logged.iter().zip(["access-miss", "access-hit"]) {
        assert_eq!(entry["level"], "INFO", "{entry}");
        assert_eq!(entry["target"], "roadmap_api::http::middleware", "{entry}");
        let fields = &entry["fields"];
        assert_eq!(fields["message"], "request completed", "{entry}");
        assert_eq!(fields["request_id"], id, "{entry}");
        assert_eq!(fields["method"], "GET", "{entry}");
        assert_eq!(fields["route"], "/v1/roadmaps/{slug}", "{entry}");
        assert_eq!(fields["status"], 200, "{entry}");
        assert!(
            fields["latency_ms"].as_f64().is_some_and(|ms| ms >= 0.0),
            "{entry}"
        );
        assert!(
            entry["timestamp"]
                .as_str()
                .is_some_and(|t| t.ends_with('Z')),
            "{entry}"
        );
    }
}

/// The JSON access line is written around tracing's dispatch; `RUST_LOG` must still be able
/// to leave it out by its target.
#[tokio::test]
async fn rust_log_can_leave_the_access_log_out() {
    let dir = tempfile::tempdir().expect("temp dir");
    let database = dir.path().join("quiet.db");
    let mut command = binary(&database);
    command.env("RUST_LOG", "info,roadmap_api::http::middleware=warn");
    // Serving at all shows that other info lines are written: it waits for "listening".
    let mut server = serve_as(command, &database, &["--drain-seconds", "0"]);
    let response = one_shot_client()
        .get(format!("{}/v1/roadmaps/{SLUG}", server.base))
        .header("X-Request-Id", "filtered-out")
        .send()
        .await
        .expect("sent");
    assert_eq!(response.status(), 200);
    let pid = server.child.id().to_string();
    let signalled = Command::new("kill").args(["-TERM", &pid]).status();
    assert!(signalled.expect("kill runs").success());
    let status = server.child.wait().expect("exits");
    assert!(status.success(), "{status}");
    // Every line is written by the time the server has exited.
    let logged = std::fs::read_to_string(&server.log).expect("log");
    assert!(
        logged.contains("stopped; the database is closed"),
        "{logged}"
    );
    assert!(
        !logged.contains("request completed") && !logged.contains("filtered-out"),
        "{logged}"
    );
}

/// A client that opens a new connection per request: an idle kept-alive one would hold the
/// server's graceful shutdown open.
fn one_shot_client() -> reqwest::Client {
    reqwest::Client::builder()
        .pool_max_idle_per_host(0)
        .build()
        .expect("client")
}

#[tokio::test]
async fn sigterm_drains_lets_in_flight_requests_finish_and_closes_the_database() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    let dir = tempfile::tempdir().expect("temp dir");
    let database = dir.path().join("drain.db");
    let created = run(&database, &["token", "create", "editor"]);
    let token = String::from_utf8(created.stdout).expect("UTF-8");
    let mut server = serve(&database, &["--drain-seconds", "1"]);
    let client = one_shot_client();
    let readyz = format!("{}/readyz", server.base);
    assert_eq!(
        client.get(&readyz).send().await.expect("sent").status(),
        200
    );

    // A write in flight: its body has only begun to arrive when the signal comes.
    let body = bundled_document().to_string();
    let (first, rest) = body.split_at(body.len() / 2);
    let address = server.base.trim_start_matches("http://").to_owned();
    let mut in_flight = tokio::net::TcpStream::connect(&address)
        .await
        .expect("connects");
    let head = format!(
        "PUT /v1/roadmaps/{SLUG} HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer {}\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        token.trim(),
        body.len()
    );
    in_flight.write_all(head.as_bytes()).await.expect("sent");
    in_flight.write_all(first.as_bytes()).await.expect("sent");

    let pid = server.child.id().to_string();
    let signalled = Command::new("kill").args(["-TERM", &pid]).status();
    assert!(signalled.expect("kill runs").success());

    // Readiness turns false while requests are still answered...
    let mut draining = None;
    poll_until_async(&mut server.child, "readiness turned false", async || {
        let response = client.get(&readyz).send().await.ok()?;
        (response.status() == 503).then_some(())?;
        draining = response.json::<Value>().await.ok();
        Some(())
    })
    .await;
    assert_eq!(draining.expect("a body")["status"], "draining");
    // ...then the listener closes...
    poll_until_async(&mut server.child, "the listener closed", async || {
        tokio::net::TcpStream::connect(&address)
            .await
            .err()
            .map(drop)
    })
    .await;
    // ...and the request in flight still completes.
    in_flight.write_all(rest.as_bytes()).await.expect("sent");
    let mut response = String::new();
    in_flight
        .read_to_string(&mut response)
        .await
        .expect("answered");
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");

    let status = server.child.wait().expect("exits");
    assert!(status.success(), "{status}");
    let messages: Vec<Value> = log_entries(&server.log)
        .into_iter()
        .map(|entry| entry["fields"]["message"].clone())
        .collect();
    assert!(
        messages.contains(&json!("stopped; the database is closed")),
        "{messages:?}"
    );
    // A clean close checkpoints the write-ahead log into the database and removes it.
    assert!(!database.with_extension("db-wal").exists());
    let pool = open(&database).await;
    let check: String = sqlx::query_scalar("pragma integrity_check")
        .fetch_one(&pool)
        .await
        .expect("checks");
    assert_eq!(check, "ok");
}

/// Polls `probe` (each call a fresh future) until it gives `Some`, failing if `child` exits.
async fn poll_until_async(
    child: &mut Child,
    what: &str,
    mut probe: impl AsyncFnMut() -> Option<()>,
) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while probe().await.is_none() {
        if let Some(status) = child.try_wait().expect("child status") {
            panic!("the process ended ({status}) before {what}");
        }
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

#[test]
fn a_corrupt_database_stops_start_up_with_a_clear_message() {
    let dir = tempfile::tempdir().expect("temp dir");
    let garbage = dir.path().join("garbage.db");
    std::fs::write(&garbage, "not a database, just text\n".repeat(400)).expect("written");
    let damaged = dir.path().join("damaged.db");
    assert!(run(&damaged, &["migrate"]).status.success());
    let mut bytes = std::fs::read(&damaged).expect("read");
    bytes[..100].fill(0x5a);
    std::fs::write(&damaged, bytes).expect("written");

    for database in [&garbage, &damaged] {
        let output = run(database, &["serve", "--bind", "127.0.0.1:0"]);
        assert!(!output.status.success());
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(
            stderr.contains("is not a SQLite database, or it is corrupt"),
            "{stderr}"
        );
    }
}

#[tokio::test]
async fn a_database_on_a_read_only_filesystem_is_served_read_only() {
    let dir = tempfile::tempdir().expect("temp dir");
    let data = dir.path().join("data");
    std::fs::create_dir(&data).expect("folder");
    let database = data.join("roadmap.db");
    assert!(run(&database, &["migrate"]).status.success());
    let log = dir.path().join("server.log");
    // A private mount namespace in which `data/` is a read-only bind mount: the filesystem
    // refuses writes to it, for root too.
    let script = format!(
        "mount --bind {data} {data} && mount -o remount,bind,ro {data} && exec \"$0\" \
         --database {database} --bind 127.0.0.1:0 --metrics-bind 127.0.0.1:0",
        data = data.display(),
        database = database.display()
    );
    let mut child = Command::new("unshare")
        .args([
            "--mount",
            "sh",
            "-c",
            &script,
            env!("CARGO_BIN_EXE_roadmap-api"),
        ])
        .env("ROADMAP_API_LOG_FORMAT", "json")
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&log).expect("log file"))
        .spawn()
        .expect("unshare (util-linux) runs");
    let base = base_url(&mut child, &log);
    let client = reqwest::Client::new();
    let roadmap = client
        .get(format!("{base}/v1/roadmaps/{SLUG}"))
        .send()
        .await
        .expect("sent");
    assert_eq!(roadmap.status(), 200);
    let write = client
        .put(format!("{base}/v1/roadmaps/{SLUG}"))
        .bearer_auth("anything")
        .send()
        .await
        .expect("sent");
    assert_eq!(write.status(), 405);
    assert_eq!(
        write.headers().get("allow").map(|v| v.as_bytes()),
        Some(&b"GET, HEAD, OPTIONS"[..])
    );
    child.kill().expect("stopped");
    child.wait().expect("reaped");
    let warned = log_entries(&log).into_iter().any(|entry| {
        entry["level"] == "WARN"
            && entry["fields"]["message"]
                .as_str()
                .is_some_and(|m| m.contains("serving it read-only"))
    });
    assert!(warned, "the log says why the server is read-only");
}

#[tokio::test]
async fn a_story_submitter_s_personal_data_reaches_no_log_and_no_export() {
    let dir = tempfile::tempdir().expect("temp dir");
    let database = dir.path().join("stories.db");
    let created = run(&database, &["token", "create", "editor"]);
    let token = String::from_utf8(created.stdout)
        .expect("UTF-8")
        .trim()
        .to_owned();
    // Debug level: not even a verbose log may hold it.
    let mut command = binary(&database);
    command.env("RUST_LOG", "debug");
    let mut server = serve_as(command, &database, &[]);
    let client = reqwest::Client::new();
    let email = "secret.submitter@example.org";
    let name = "Uniquely Named Person";
    let submitted = client
        .post(format!("{}/v1/roadmaps/{SLUG}/stories", server.base))
        .header("X-Request-Id", "story-under-test")
        .json(&serde_json::json!({
            "display_name": name, "from_role": "Midwife", "to_role": "Data Scientist",
            "year": 2021, "story": "A story of a midwife who learned to model outcomes. ".repeat(5),
            "links": [], "contact_email": email, "consent": true
        }))
        .send()
        .await
        .expect("sent");
    assert_eq!(submitted.status(), 202);
    let id = submitted.json::<serde_json::Value>().await.expect("json")["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let approved = client
        .patch(format!("{}/v1/stories/{id}", server.base))
        .bearer_auth(&token)
        .header("Content-Type", "application/merge-patch+json")
        .body(r#"{"status": "approved"}"#)
        .send()
        .await
        .expect("sent");
    assert_eq!(approved.status(), 200);
    let log = server.log.clone();
    poll_until(&mut server.child, "the submission was logged", || {
        let logged = std::fs::read_to_string(&log).unwrap_or_default();
        logged.contains("story-under-test") && logged.contains("story moderated")
    });
    server.child.kill().expect("stopped");
    server.child.wait().expect("reaped");
    let logged = std::fs::read_to_string(&server.log).expect("log");
    assert!(!logged.contains(email), "the contact email was logged");

    let exported = run(&database, &["export", SLUG]);
    assert!(exported.status.success());
    let exported = String::from_utf8(exported.stdout).expect("UTF-8");
    assert!(exported.contains(name), "the published story is exported");
    assert!(!exported.contains(email), "the contact email was exported");
}
