//! Logging: one `tracing` subscriber, pretty for people or JSON lines for machines, on stderr
//! (stdout is reserved for the output of `export` and `openapi`). `RUST_LOG` filters, default
//! `info`.
//!
//! Lines go through `tracing-appender`'s non-blocking writer: a request only queues its line,
//! and a thread of the appender writes what has queued, in one write. When stderr cannot keep up and the queue is full,
//! lines are dropped rather than holding up requests. The returned guard flushes what is
//! queued when it is dropped, at exit.
//!
//! The access log is an ordinary `tracing` event (see [`access`]), so every layer and every
//! `RUST_LOG` directive sees it like any other line.

use std::time::Duration;

use tracing_appender::non_blocking::WorkerGuard;
use tracing_subscriber::EnvFilter;

use crate::configuration::LogFormat;

/// Flushes the queued log lines when dropped: keep it alive until the program ends.
pub type LogGuard = WorkerGuard;

/// Installs the global subscriber; a second call (as in tests) leaves the first in place.
pub fn init(format: LogFormat) -> LogGuard {
    // The appender's thread writes what has queued, then flushes: through a buffer, a burst
    // of lines is one write, not one each.
    let stderr = std::io::BufWriter::with_capacity(64 * 1024, std::io::stderr());
    let (writer, guard) = tracing_appender::non_blocking(stderr);
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(writer);
    let _ = match format {
        LogFormat::Json => builder
            .json()
            .with_current_span(true)
            .with_span_list(false)
            .try_init(),
        LogFormat::Pretty => builder.compact().try_init(),
    };
    guard
}

/// The target of the access log's lines, by which `RUST_LOG` selects them
/// (`RUST_LOG=info,roadmap_api::http::middleware=warn` leaves them out): the module that has
/// always written them, kept so that deployed filters go on working.
pub const ACCESS_TARGET: &str = "roadmap_api::http::middleware";

/// One request's outcome, as the access log records it.
#[derive(Debug)]
pub struct Access<'a> {
    /// One of a fixed set of method names, never the client's own text.
    pub method: &'a str,
    /// The route template (`/v1/roadmaps/{slug}`), not the path.
    pub route: &'a str,
    pub status: u16,
    pub latency: Duration,
    pub request_id: &'a str,
}

/// Logs one request's outcome at info level: `request completed`, with its method, route,
/// status, latency in milliseconds and request id.
pub fn access(access: &Access<'_>) {
    tracing::info!(
        target: ACCESS_TARGET,
        method = access.method,
        route = access.route,
        status = access.status,
        latency_ms = access.latency.as_secs_f64() * 1000.0,
        request_id = access.request_id,
        "request completed"
    );
}
