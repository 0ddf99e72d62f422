//! Logging: one `tracing` subscriber, pretty for people or JSON lines for machines, on stderr
//! (stdout is reserved for the output of `export` and `openapi`). `RUST_LOG` filters, default
//! `info`.
//!
//! Lines are gathered in a 64 KiB buffer and handed to `tracing-appender`'s non-blocking
//! writer a buffer at a time: when the buffer fills, and every 100 ms so that a quiet
//! server's lines are not held back (nginx's `access_log ... buffer=64k flush=1s` does the
//! same). Handed a line at a time, the appender wakes its thread for every line: measured
//! with `bench/run.sh`, those wake-ups took a quarter of the process's CPU and held the whole
//! roadmap at 0.49x of nginx; a buffer at a time, 0.57x to 0.60x (`docs/PERFORMANCE.md`).
//! The appender's thread does the writing, so a request never waits on stderr; when stderr
//! cannot keep up and the appender's queue is full, buffers are dropped rather than holding
//! up requests. The returned guard hands over what is buffered and flushes it when dropped,
//! at exit.
//!
//! The access log is an ordinary `tracing` event (see [`access`]), so every layer and every
//! `RUST_LOG` directive sees it like any other line.

use std::io::{self, BufWriter, Write};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use tracing_appender::non_blocking::{NonBlocking, WorkerGuard};
use tracing_subscriber::EnvFilter;

use crate::configuration::LogFormat;

/// How long a line may wait in the buffer before it is handed to the writer thread.
const FLUSH_EVERY: Duration = Duration::from_millis(100);
/// The size of the buffer, and so of each hand-over to the writer thread.
const BUFFER_BYTES: usize = 64 * 1024;
/// The most buffers queued for the writer thread (16 MiB): past it, buffers are dropped.
const QUEUED_BUFFERS: usize = 256;

/// Hands over the buffered log lines and flushes them when dropped: keep it alive until the
/// program ends.
pub struct LogGuard {
    buffer: Arc<LineBuffer>,
    _writer: WorkerGuard,
}

impl Drop for LogGuard {
    fn drop(&mut self) {
        // Before the appender's guard (a field, so dropped after this) drains its queue.
        let _ = (&*self.buffer).flush();
    }
}

/// Whole lines gathered for the appender: the formatter writes each line with one `write_all`,
/// and `BufWriter` hands over only whole writes, so lines are never split or interleaved.
struct LineBuffer(Mutex<BufWriter<NonBlocking>>);

impl Write for &LineBuffer {
    fn write(&mut self, line: &[u8]) -> io::Result<usize> {
        self.write_all(line).map(|()| line.len())
    }

    fn write_all(&mut self, line: &[u8]) -> io::Result<()> {
        // A panic elsewhere while the lock was held cannot have left half a line behind.
        let mut buffer = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        buffer.write_all(line)
    }

    fn flush(&mut self) -> io::Result<()> {
        let mut buffer = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        buffer.flush()
    }
}

/// The line buffer and the appender's thread behind it, writing to `out`.
fn buffered(out: impl Write + Send + 'static) -> LogGuard {
    let (appender, writer) = tracing_appender::non_blocking::NonBlockingBuilder::default()
        .buffered_lines_limit(QUEUED_BUFFERS)
        .finish(out);
    let buffer = BufWriter::with_capacity(BUFFER_BYTES, appender);
    LogGuard {
        buffer: Arc::new(LineBuffer(Mutex::new(buffer))),
        _writer: writer,
    }
}

/// Installs the global subscriber; a second call (as in tests) leaves the first in place.
pub fn init(format: LogFormat) -> LogGuard {
    let guard = buffered(io::stderr());
    let flushing = Arc::downgrade(&guard.buffer);
    // Runs as long as the buffer is in use: for the program's life once the subscriber holds it.
    let _ = std::thread::Builder::new()
        .name("log-flush".into())
        .spawn(move || {
            while let Some(buffer) = flushing.upgrade() {
                let _ = (&*buffer).flush();
                drop(buffer);
                std::thread::sleep(FLUSH_EVERY);
            }
        });
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(Arc::clone(&guard.buffer));
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

#[cfg(test)]
mod tests;
