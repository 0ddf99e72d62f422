//! Logging: one `tracing` subscriber, pretty for people or JSON for machines, on stderr (stdout
//! is reserved for the output of `export` and `openapi`). `RUST_LOG` filters, default `info`.
//!
//! Lines are written by a background thread, so that a request never waits on the log's
//! write; the returned guard flushes what is pending when it is dropped, at exit.

use tracing_appender::non_blocking::WorkerGuard;
use tracing_subscriber::EnvFilter;

use crate::configuration::LogFormat;

/// Installs the global subscriber; a second call (as in tests) leaves the first in place.
/// Keep the guard alive until the program ends.
pub fn init(format: LogFormat) -> WorkerGuard {
    let (writer, guard) = tracing_appender::non_blocking(std::io::stderr());
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
