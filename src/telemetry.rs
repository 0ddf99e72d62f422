//! Logging: one `tracing` subscriber, pretty for people or JSON for machines, on stderr (stdout
//! is reserved for the output of `export` and `openapi`). `RUST_LOG` filters, default `info`.
//!
//! A request never waits on the log's write, nor wakes a thread for it: lines are appended to
//! a buffer in memory, and a background thread writes what has gathered in one write, a few
//! milliseconds after the first line of a batch. Under load that is one system call for
//! hundreds of access-log lines. The returned guard writes what is pending when it is
//! dropped, at exit.

use std::io::Write;
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::thread::JoinHandle;
use std::time::Duration;

use tracing_subscriber::EnvFilter;
use tracing_subscriber::fmt::MakeWriter;

use crate::configuration::LogFormat;

/// How long a batch gathers lines after its first one before it is written.
const GATHER: Duration = Duration::from_millis(5);
/// The most bytes kept waiting; past that (stderr blocked) lines are dropped and counted, so
/// that a stuck log can neither hold up requests nor exhaust memory.
const MAX_PENDING_BYTES: usize = 8 * 1024 * 1024;

/// Installs the global subscriber; a second call (as in tests) leaves the first in place.
/// Keep the guard alive until the program ends. Fails only if the writer thread cannot start.
pub fn init(format: LogFormat) -> std::io::Result<LogGuard> {
    let (writer, guard) = BatchedStderr::start()?;
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
    Ok(guard)
}

#[derive(Default)]
struct Pending {
    bytes: Vec<u8>,
    dropped: u64,
    stopping: bool,
}

#[derive(Default)]
struct Shared {
    pending: Mutex<Pending>,
    first_line: Condvar,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, Pending> {
        // A panic while holding the lock leaves bytes, not a broken invariant.
        self.pending.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// The log's writer: appends each formatted line to the pending batch.
#[derive(Clone)]
struct BatchedStderr(Arc<Shared>);

impl BatchedStderr {
    fn start() -> std::io::Result<(BatchedStderr, LogGuard)> {
        let shared = Arc::new(Shared::default());
        let flusher = {
            let shared = shared.clone();
            std::thread::Builder::new()
                .name("log-writer".to_owned())
                .spawn(move || write_batches(&shared))?
        };
        Ok((
            BatchedStderr(shared.clone()),
            LogGuard {
                shared,
                flusher: Some(flusher),
            },
        ))
    }
}

impl Write for BatchedStderr {
    fn write(&mut self, line: &[u8]) -> std::io::Result<usize> {
        let mut pending = self.0.lock();
        if pending.bytes.len() + line.len() > MAX_PENDING_BYTES {
            pending.dropped += 1;
            return Ok(line.len());
        }
        let first = pending.bytes.is_empty();
        pending.bytes.extend_from_slice(line);
        drop(pending);
        if first {
            self.0.first_line.notify_one();
        }
        Ok(line.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> MakeWriter<'a> for BatchedStderr {
    type Writer = BatchedStderr;

    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}

/// The background thread: waits for a batch to start, lets it gather, writes it.
fn write_batches(shared: &Shared) {
    let mut spare = Vec::new();
    loop {
        let mut pending = shared.lock();
        while pending.bytes.is_empty() && !pending.stopping {
            pending = shared
                .first_line
                .wait(pending)
                .unwrap_or_else(PoisonError::into_inner);
        }
        if !pending.stopping {
            drop(pending);
            std::thread::sleep(GATHER);
            pending = shared.lock();
        }
        std::mem::swap(&mut pending.bytes, &mut spare);
        let dropped = std::mem::take(&mut pending.dropped);
        let stopping = pending.stopping;
        drop(pending);
        let mut stderr = std::io::stderr().lock();
        // Nowhere to report a failed write to the log but the log itself.
        let _ = stderr.write_all(&spare);
        if dropped > 0 {
            let _ = writeln!(stderr, "({dropped} log lines dropped: stderr was blocked)");
        }
        let _ = stderr.flush();
        spare.clear();
        if stopping {
            return;
        }
    }
}

/// Writes the pending log lines and stops the writer thread when dropped.
pub struct LogGuard {
    shared: Arc<Shared>,
    flusher: Option<JoinHandle<()>>,
}

impl Drop for LogGuard {
    fn drop(&mut self) {
        self.shared.lock().stopping = true;
        self.shared.first_line.notify_one();
        if let Some(flusher) = self.flusher.take() {
            let _ = flusher.join();
        }
    }
}
