use std::path::PathBuf;
use std::sync::OnceLock;

use reqwest::{Response, StatusCode, header};
use roadmap_api::configuration::{DEFAULT_CACHE_BYTES, DEFAULT_CACHE_CONTROL, LogFormat, Settings};
use roadmap_api::startup::Application;
use serde_json::Value;
use tempfile::TempDir;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

pub const SLUG: &str = "healthcare-ai-ml-engineer";

static LOG_WRITER: OnceLock<roadmap_api::telemetry::LogGuard> = OnceLock::new();

/// A running application and a client for it. The database lives as long as this value.
pub struct TestApp {
    pub address: String,
    /// The metrics listener's base URL.
    pub metrics_address: String,
    pub client: reqwest::Client,
    pub database: PathBuf,
    _dir: TempDir,
}

/// Runs the `roadmap-api` binary on `database` with `args` (a subcommand and its options),
/// logging JSON, and gives what it printed and how it ended.
pub fn roadmap_api(database: &std::path::Path, args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_roadmap-api"))
        .arg("--database")
        .arg(database)
        .args(args)
        .env("ROADMAP_API_LOG_FORMAT", "json")
        .output()
        .expect("the binary runs")
}

/// Settings for a fresh database in a new temporary folder, on a free port.
pub fn test_settings(dir: &TempDir) -> Settings {
    Settings {
        bind: "127.0.0.1:0".to_owned(),
        metrics_bind: "127.0.0.1:0".to_owned(),
        trusted_proxy: Vec::new(),
        database: dir.path().join("roadmap.db"),
        read_only: false,
        rate_limit: None,
        admin_rate_limit: std::num::NonZeroU32::new(600).expect("not zero"),
        story_rate_limit: std::num::NonZeroU32::new(1000).expect("not zero"),
        story_max_pending: std::num::NonZeroU32::new(1000).expect("not zero"),
        request_timeout: 30,
        drain_seconds: 0,
        shutdown_timeout: 5,
        workers: None,
        max_body_bytes: 2 * 1024 * 1024,
        frame_ancestors: "*".to_owned(),
        public_url: None,
        log_format: Some(LogFormat::Json),
        cache_control: DEFAULT_CACHE_CONTROL.to_owned(),
        cache_bytes: DEFAULT_CACHE_BYTES,
        site_url: None,
    }
}

/// Starts the app on a fresh database, filled with the bundled content as on first start.
/// Logs stay quiet unless `TEST_LOG` is set.
pub async fn spawn_app() -> TestApp {
    let dir = tempfile::tempdir().expect("temp dir");
    spawn_with(test_settings(&dir), dir).await
}

pub async fn spawn_with(settings: Settings, dir: TempDir) -> TestApp {
    if std::env::var_os("TEST_LOG").is_some() {
        LOG_WRITER.get_or_init(|| roadmap_api::telemetry::init(LogFormat::Pretty));
    }
    let app = Application::build(&settings).await.expect("the app builds");
    let address = format!("http://127.0.0.1:{}", app.port());
    let metrics_address = format!("http://127.0.0.1:{}", app.metrics_port());
    tokio::spawn(app.run_until_stopped());
    TestApp {
        address,
        metrics_address,
        client: reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("client"),
        database: settings.database,
        _dir: dir,
    }
}

impl TestApp {
    /// The metrics, as a scraper reads them from the metrics listener.
    pub async fn metrics(&self) -> String {
        let response = self
            .client
            .get(format!("{}/metrics", self.metrics_address))
            .send()
            .await
            .expect("the metrics listener answers");
        assert_eq!(response.status(), 200);
        response.text().await.expect("text")
    }

    /// GETs `path` until `done` holds of the response (for 5 s at most) and returns that
    /// response. For a read right after another process's write, which the response cache
    /// may not see for up to 10 ms (it answers from its last version check meanwhile).
    pub async fn get_until(&self, path: &str, done: impl Fn(&Response) -> bool) -> Response {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
        loop {
            let response = self.get(path).await;
            if done(&response) || std::time::Instant::now() > deadline {
                return response;
            }
            tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        }
    }

    pub async fn get(&self, path: &str) -> Response {
        self.client
            .get(format!("{}{}", self.address, path))
            .send()
            .await
            .expect("request sent")
    }

    pub async fn get_with(&self, path: &str, name: &str, value: &str) -> Response {
        self.client
            .get(format!("{}{}", self.address, path))
            .header(name, value)
            .send()
            .await
            .expect("request sent")
    }

    /// GETs a path that must answer 200 with JSON, and returns the JSON.
    pub async fn get_json(&self, path: &str) -> Value {
        self.get_json_as(path, "application/json").await
    }

    /// GETs a path that must answer 200 with this JSON media type, and returns the JSON.
    pub async fn get_json_as(&self, path: &str, media_type: &str) -> Value {
        let response = self.get(path).await;
        assert_eq!(response.status(), StatusCode::OK, "GET {path}");
        assert_eq!(content_type(&response), media_type, "GET {path}");
        response.json().await.expect("JSON body")
    }
}

pub fn content_type(response: &Response) -> String {
    response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned()
}

/// Asserts the response is a problem+json of this status and returns the problem.
pub async fn problem(response: Response, status: StatusCode) -> Value {
    assert_eq!(response.status(), status, "{:?}", response.url().as_str());
    assert_eq!(content_type(&response), "application/problem+json");
    let cache = response
        .headers()
        .get(header::CACHE_CONTROL)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    assert_eq!(cache.as_deref(), Some("no-store"));
    let body: Value = response.json().await.expect("problem body");
    assert_eq!(body["status"], status.as_u16());
    for field in ["type", "title", "detail", "instance"] {
        assert!(body[field].is_string(), "problem lacks `{field}`: {body}");
    }
    body
}

/// The bundled document, as shipped in `content/`.
pub fn bundled_document() -> Value {
    let text = std::fs::read_to_string(format!(
        "{}/content/roadmaps/{SLUG}.json",
        env!("CARGO_MANIFEST_DIR")
    ))
    .expect("bundled content");
    serde_json::from_str(&text).expect("bundled content is JSON")
}

/// A response read off the wire.
pub struct Raw {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Raw {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// Sends `head` (request line and headers, without the final blank line) as written.
pub async fn send_raw(app: &TestApp, head: &[u8]) -> Raw {
    try_send_raw(app, head).await.expect("a response")
}

/// As [`send_raw`], but the server may reset the connection (it does when it stops reading
/// an oversized request half-way).
pub async fn try_send_raw(app: &TestApp, head: &[u8]) -> std::io::Result<Raw> {
    let address = app.address.trim_start_matches("http://");
    let mut stream = TcpStream::connect(address).await?;
    let mut request = head.to_vec();
    request.extend_from_slice(b"\r\nConnection: close\r\n\r\n");
    stream.write_all(&request).await?;
    let mut bytes = Vec::new();
    stream.read_to_end(&mut bytes).await?;
    let text = String::from_utf8_lossy(&bytes);
    let (head, body) = text.split_once("\r\n\r\n").expect("a response head");
    let mut lines = head.lines();
    let status = lines
        .next()
        .and_then(|line| line.split(' ').nth(1))
        .and_then(|code| code.parse().ok())
        .expect("a status line");
    let headers = lines
        .filter_map(|line| line.split_once(':'))
        .map(|(n, v)| (n.trim().to_owned(), v.trim().to_owned()))
        .collect();
    Ok(Raw {
        status,
        headers,
        body: body.to_owned(),
    })
}
