//! Logging: one `tracing` subscriber, pretty for people or JSON for machines, on stderr (stdout
//! is reserved for the output of `export` and `openapi`). `RUST_LOG` filters, default `info`.
//!
//! A request never waits on the log's write, nor wakes a thread for it: lines are appended to
//! a buffer in memory, and a background thread writes what has gathered in one write, a few
//! milliseconds after the first line of a batch. Under load that is one system call for
//! hundreds of access-log lines. The returned guard writes what is pending when it is
//! dropped, at exit.
//!
//! The access log, a line per request, is the one event on every request's path. In the JSON
//! format [`access`] does not go through tracing, nor format its line on the request's
//! thread: it copies the request's few fields into the batch, and the writer thread formats
//! them, in their place among the other lines, into the same bytes tracing would write. The
//! workers limit the throughput, and this takes three- to four-fifths of the log's cost off
//! them, to a thread that runs on whatever core has time to spare; where none has (every
//! core a busy worker), the work only moves, at a few hundred instructions more a request.
//! The writer formats a line in some 2,400 instructions; should it ever fall behind (dozens
//! of busy workers), lines past the bound on what waits are dropped and counted, as when
//! stderr blocks.
//!
//! `RUST_LOG` still selects the access line by its target, `roadmap_api::http::middleware`,
//! but the line goes around the subscriber's layers: a layer later added to the JSON
//! subscriber (an exporter, say) would not see these lines unless `access` sent them through
//! tracing.

use std::cell::RefCell;
use std::fmt::{self, Write as _};
use std::io::Write;
use std::sync::{Arc, Condvar, Mutex, MutexGuard, OnceLock, PoisonError};
use std::thread::JoinHandle;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use tracing::field::{Field, Visit};
use tracing::{Event, Subscriber};
use tracing_log::NormalizeEvent;
use tracing_subscriber::EnvFilter;
use tracing_subscriber::fmt::format::Writer;
use tracing_subscriber::fmt::{FmtContext, FormatEvent, FormatFields, FormattedFields, MakeWriter};
use tracing_subscriber::registry::LookupSpan;

use crate::configuration::LogFormat;

/// How long a batch gathers lines after its first one before it is written.
const GATHER: Duration = Duration::from_millis(5);
/// The most bytes kept waiting; past that (stderr blocked, or the writer thread behind) lines
/// are dropped and counted, so that a stuck log can neither hold up requests nor exhaust
/// memory. An access line waiting to be formatted counts as the bytes it will take.
const MAX_PENDING_BYTES: usize = 8 * 1024 * 1024;

/// Installs the global subscriber; a second call (as in tests) leaves the first in place.
/// Keep the guard alive until the program ends. Fails only if the writer thread cannot start.
pub fn init(format: LogFormat) -> std::io::Result<LogGuard> {
    let (writer, guard) = BatchedWriter::start(Box::new(std::io::stderr()))?;
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(writer.clone());
    match format {
        LogFormat::Json => {
            if builder.json().event_format(JsonLines).try_init().is_ok() {
                let _ = JSON_LOG.set(writer);
            }
        }
        LogFormat::Pretty => {
            let _ = builder.compact().try_init();
        }
    }
    Ok(guard)
}

/// The log's writer when the installed format is JSON lines, for [`access`].
static JSON_LOG: OnceLock<BatchedWriter> = OnceLock::new();

/// The target of the access log's lines, by which `RUST_LOG` selects them: the module that
/// has always written them.
const ACCESS_TARGET: &str = "roadmap_api::http::middleware";
const ACCESS_MESSAGE: &str = "request completed";
/// The most bytes of an access line but for its method, route and request id: the
/// timestamp, names, punctuation, status and a latency of up to nine characters.
const ACCESS_LINE_SHAPE: usize = 216;

/// One request's outcome, as the access log records it.
#[derive(Debug)]
pub struct Access<'a> {
    pub method: &'a str,
    /// The route template, not the path.
    pub route: &'a str,
    pub status: u16,
    pub latency: Duration,
    pub request_id: &'a str,
}

impl Access<'_> {
    /// Whole microseconds: finer is noise, and a shorter line is cheaper to write.
    fn latency_ms(&self) -> f64 {
        self.latency.as_micros() as f64 / 1000.0
    }
}

/// Logs one request's outcome at info level: `request completed`, with its method, route,
/// status, latency and request id. In the JSON format the request's thread only hands its
/// fields to the writer thread, which formats the very line tracing would write. (Formatting
/// the line on the request's thread cost it nearly five times as much; sending it as a
/// tracing event, whose fields are visited one by one through trait objects, over seven.)
pub fn access(access: &Access<'_>) {
    if !tracing::enabled!(target: ACCESS_TARGET, tracing::Level::INFO) {
        return;
    }
    match JSON_LOG.get() {
        Some(writer) => writer.append_access(access, since_epoch()),
        None => access_event(access),
    }
}

/// The access log's line as a tracing event, for the formats that tracing writes.
fn access_event(access: &Access<'_>) {
    tracing::info!(
        target: ACCESS_TARGET,
        message = ACCESS_MESSAGE,
        method = access.method,
        route = access.route,
        status = access.status,
        latency_ms = access.latency_ms(),
        request_id = access.request_id,
    );
}

/// The access log's line in JSON, logged at `logged` (since the Unix epoch), as [`JsonLines`]
/// writes [`access_event`].
fn access_line(line: &mut String, access: &Access<'_>, logged: Duration) -> fmt::Result {
    line_head(line, &tracing::Level::INFO, logged)?;
    line.push_str("\"message\":");
    json_string(line, ACCESS_MESSAGE)?;
    line.push_str(",\"method\":");
    json_string(line, access.method)?;
    line.push_str(",\"route\":");
    json_string(line, access.route)?;
    line.push_str(",\"status\":");
    line.push_str(itoa::Buffer::new().format(access.status));
    line.push_str(",\"latency_ms\":");
    line.push_str(ryu::Buffer::new().format_finite(access.latency_ms()));
    line.push_str(",\"request_id\":");
    json_string(line, access.request_id)?;
    fields_end(line, ACCESS_TARGET)?;
    line.push_str("}\n");
    Ok(())
}

/// What waits to be written: lines, and access-log lines still to be formatted.
#[derive(Default)]
struct Batch {
    lines: Vec<u8>,
    accesses: Vec<PendingAccess>,
    /// The accesses' strings, one after another.
    text: String,
}

/// An access-log line that the writer thread formats, in its place among the batch's lines.
struct PendingAccess {
    /// Where its line goes in the batch's lines.
    line_offset: usize,
    logged: Duration,
    status: u16,
    latency: Duration,
    /// Where its method, route and request id end in the batch's text; each starts where the
    /// one before it ends, the method where the previous access's request id does.
    method_end: usize,
    route_end: usize,
    request_id_end: usize,
}

impl Batch {
    fn is_empty(&self) -> bool {
        self.lines.is_empty() && self.accesses.is_empty()
    }

    /// The bytes its lines will take, for the bound on what may wait.
    fn size(&self) -> usize {
        self.lines.len() + self.text.len() + self.accesses.len() * ACCESS_LINE_SHAPE
    }

    fn push_access(&mut self, access: &Access<'_>, logged: Duration) {
        self.text.push_str(access.method);
        let method_end = self.text.len();
        self.text.push_str(access.route);
        let route_end = self.text.len();
        self.text.push_str(access.request_id);
        self.accesses.push(PendingAccess {
            line_offset: self.lines.len(),
            logged,
            status: access.status,
            latency: access.latency,
            method_end,
            route_end,
            request_id_end: self.text.len(),
        });
    }

    /// Its lines, the accesses' formatted in their places, into `out`; `line` is scratch.
    fn format_into(&self, out: &mut Vec<u8>, line: &mut String) {
        let mut written = 0;
        let mut text_start = 0;
        for pending in &self.accesses {
            out.extend_from_slice(&self.lines[written..pending.line_offset]);
            written = pending.line_offset;
            let access = Access {
                method: &self.text[text_start..pending.method_end],
                route: &self.text[pending.method_end..pending.route_end],
                status: pending.status,
                latency: pending.latency,
                request_id: &self.text[pending.route_end..pending.request_id_end],
            };
            text_start = pending.request_id_end;
            line.clear();
            // Writing into a `String` cannot fail.
            let _ = access_line(line, &access, pending.logged);
            out.extend_from_slice(line.as_bytes());
        }
        out.extend_from_slice(&self.lines[written..]);
    }

    fn clear(&mut self) {
        self.lines.clear();
        self.accesses.clear();
        self.text.clear();
    }
}

#[derive(Default)]
struct Pending {
    batch: Batch,
    dropped: u64,
    stopping: bool,
}

struct Shared {
    pending: Mutex<Pending>,
    first_line: Condvar,
    /// Where the batches go: stderr, but for the tests.
    sink: Mutex<Box<dyn Write + Send>>,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, Pending> {
        // Nothing panics under the lock but for running out of memory (which aborts), and a
        // poisoned batch is still worth writing.
        self.pending.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn sink(&self) -> MutexGuard<'_, Box<dyn Write + Send>> {
        self.sink.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// The log's writer: appends each formatted line to the pending batch.
#[derive(Clone)]
struct BatchedWriter(Arc<Shared>);

impl BatchedWriter {
    fn start(sink: Box<dyn Write + Send>) -> std::io::Result<(BatchedWriter, LogGuard)> {
        let shared = Arc::new(Shared {
            pending: Mutex::default(),
            first_line: Condvar::new(),
            sink: Mutex::new(sink),
        });
        let flusher = {
            let shared = shared.clone();
            std::thread::Builder::new()
                .name("log-writer".to_owned())
                .spawn(move || write_batches(&shared))?
        };
        Ok((
            BatchedWriter(shared.clone()),
            LogGuard {
                shared,
                flusher: Some(flusher),
            },
        ))
    }

    /// Adds a line to the pending batch.
    fn append(&self, line: &[u8]) {
        self.enqueue(
            line.len(),
            |batch| batch.lines.extend_from_slice(line),
            |sink| {
                let _ = sink.write_all(line);
            },
        );
    }

    /// Adds an access-log line, logged at `logged`, to the pending batch, to be formatted by
    /// the writer thread.
    fn append_access(&self, access: &Access<'_>, logged: Duration) {
        let size =
            ACCESS_LINE_SHAPE + access.method.len() + access.route.len() + access.request_id.len();
        self.enqueue(
            size,
            |batch| batch.push_access(access, logged),
            |sink| {
                let mut line = String::new();
                if access_line(&mut line, access, logged).is_ok() {
                    let _ = sink.write_all(line.as_bytes());
                }
            },
        );
    }

    /// Adds `size` bytes to the pending batch with `add`, or, once the writer thread has gone
    /// (the program is ending), writes them straight through with `write_now`. Nowhere to
    /// report a failed write to the log but the log itself.
    fn enqueue(
        &self,
        size: usize,
        add: impl FnOnce(&mut Batch),
        write_now: impl FnOnce(&mut dyn Write),
    ) {
        let mut pending = self.0.lock();
        if pending.stopping {
            drop(pending);
            write_now(&mut **self.0.sink());
            return;
        }
        if pending.batch.size() + size > MAX_PENDING_BYTES {
            pending.dropped += 1;
            return;
        }
        let first = pending.batch.is_empty();
        add(&mut pending.batch);
        drop(pending);
        if first {
            self.0.first_line.notify_one();
        }
    }
}

impl Write for BatchedWriter {
    fn write(&mut self, line: &[u8]) -> std::io::Result<usize> {
        self.append(line);
        Ok(line.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> MakeWriter<'a> for BatchedWriter {
    type Writer = BatchedWriter;

    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}

/// The background thread: waits for a batch to start, lets it gather, formats its access
/// lines, writes it.
fn write_batches(shared: &Shared) {
    let mut spare = Batch::default();
    let mut out = Vec::new();
    let mut line = String::new();
    loop {
        let mut pending = shared.lock();
        while pending.batch.is_empty() && !pending.stopping {
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
        std::mem::swap(&mut pending.batch, &mut spare);
        let dropped = std::mem::take(&mut pending.dropped);
        let stopping = pending.stopping;
        // Taken before the batch is let go: once stopping, lines go straight to the sink, and
        // must not overtake this last batch. (`enqueue` never holds both locks.)
        let mut sink = shared.sink();
        drop(pending);
        spare.format_into(&mut out, &mut line);
        spare.clear();
        // Nowhere to report a failed write to the log but the log itself.
        let _ = sink.write_all(&out);
        if dropped > 0 {
            let _ = sink.write_all(dropped_notice(dropped).as_bytes());
        }
        let _ = sink.flush();
        out.clear();
        if stopping {
            return;
        }
    }
}

/// A log line saying how many lines were dropped, as JSON so that a JSON-lines reader can
/// parse it (and still readable in the pretty format).
fn dropped_notice(dropped: u64) -> String {
    let mut timestamp = String::new();
    let _ = write_timestamp(&mut timestamp, since_epoch());
    format!(
        "{{\"timestamp\":\"{timestamp}\",\"level\":\"WARN\",\"fields\":{{\"message\":\"{dropped} log \
         lines dropped: the log fell behind\"}},\"target\":\"{}\"}}\n",
        module_path!()
    )
}

/// Writes the pending log lines and stops the writer thread when dropped; lines logged
/// after that go straight to stderr.
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

/// One JSON object per line, in the shape of tracing-subscriber's JSON format:
/// `{"timestamp", "level", "fields": {...}, "target", "span": {..., "name"}}` (the span only
/// inside one). Written straight into the line: the stock formatter goes through serde and
/// checks each fragment for UTF-8 again, which cost a tenth of a cached response's time.
struct JsonLines;

impl<S, N> FormatEvent<S, N> for JsonLines
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    N: for<'a> FormatFields<'a> + 'static,
{
    fn format_event(
        &self,
        ctx: &FmtContext<'_, S, N>,
        mut writer: Writer<'_>,
        event: &Event<'_>,
    ) -> fmt::Result {
        // The line is built in a `String` of this thread's and handed over whole: its
        // appends are inlined, where each of the writer's is a call through a trait object,
        // and a line is dozens of appends. (The buffer keeps the capacity of the longest
        // line, as tracing-subscriber's own buffer, which receives it, does.)
        thread_local! {
            static LINE: RefCell<String> = const { RefCell::new(String::new()) };
        }
        let mut write_line = |line: &mut String| {
            line.clear();
            json_line(line, ctx, event)?;
            writer.write_str(line)
        };
        // A new buffer, not a panic, if this thread's is in use (re-entry, which tracing
        // itself refuses today) or gone (an event from another local's destructor at exit).
        LINE.try_with(|buffer| {
            buffer
                .try_borrow_mut()
                .ok()
                .map(|mut line| write_line(&mut line))
        })
        .ok()
        .flatten()
        .unwrap_or_else(|| write_line(&mut String::new()))
    }
}

/// One event as a line of JSON, newline included.
fn json_line<S, N>(line: &mut String, ctx: &FmtContext<'_, S, N>, event: &Event<'_>) -> fmt::Result
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    N: for<'a> FormatFields<'a> + 'static,
{
    // Events from the `log` crate (actix-web's) carry their real target here.
    let normalized = event.normalized_metadata();
    let meta = normalized.as_ref().unwrap_or_else(|| event.metadata());
    line_head(line, meta.level(), since_epoch())?;
    let mut fields = JsonFields {
        out: line,
        first: true,
        result: Ok(()),
    };
    event.record(&mut fields);
    fields.result?;
    fields_end(line, meta.target())?;
    if let Some(span) = event
        .parent()
        .and_then(|id| ctx.span(id))
        .or_else(|| ctx.lookup_current())
    {
        line.push_str(",\"span\":{");
        // The span's fields, formatted as a JSON object when it was created.
        if let Some(formatted) = span.extensions().get::<FormattedFields<N>>() {
            let inner = formatted.fields.trim();
            let inner = inner.strip_prefix('{').unwrap_or(inner);
            let inner = inner.strip_suffix('}').unwrap_or(inner);
            if !inner.is_empty() {
                line.push_str(inner);
                line.push(',');
            }
        }
        line.push_str("\"name\":");
        json_string(line, span.name())?;
        line.push('}');
    }
    line.push_str("}\n");
    Ok(())
}

/// A line's opening, up to its first field: `{"timestamp":"…","level":"…","fields":{`, for an
/// event at `time` (since the Unix epoch).
fn line_head(line: &mut String, level: &tracing::Level, time: Duration) -> fmt::Result {
    line.push_str("{\"timestamp\":\"");
    write_timestamp(line, time)?;
    line.push_str("\",\"level\":\"");
    line.push_str(level.as_str());
    line.push_str("\",\"fields\":{");
    Ok(())
}

/// Closes a line's fields and names its target.
fn fields_end(line: &mut String, target: &str) -> fmt::Result {
    line.push_str("},\"target\":");
    json_string(line, target)
}

/// Writes an event's fields as the members of a JSON object.
struct JsonFields<'a> {
    out: &'a mut String,
    first: bool,
    result: fmt::Result,
}

impl JsonFields<'_> {
    /// Writes `"name":` and then the value; `log.*` fields (the `log` crate's metadata, already
    /// in `target`) are left out, and a raw identifier loses its `r#`.
    fn member(&mut self, field: &Field, value: impl FnOnce(&mut String) -> fmt::Result) {
        let name = field.name();
        if self.result.is_err() || name.starts_with("log.") {
            return;
        }
        let name = name.strip_prefix("r#").unwrap_or(name);
        if !self.first {
            self.out.push(',');
        }
        self.first = false;
        self.result = json_string(self.out, name).and_then(|()| {
            self.out.push(':');
            value(self.out)
        });
    }

    /// A member whose value is written as it is: a number, `true`, `false` or `null`.
    fn literal(&mut self, field: &Field, value: &str) {
        self.member(field, |out| {
            out.push_str(value);
            Ok(())
        });
    }
}

impl Visit for JsonFields<'_> {
    fn record_str(&mut self, field: &Field, value: &str) {
        self.member(field, |out| json_string(out, value));
    }

    fn record_bool(&mut self, field: &Field, value: bool) {
        self.literal(field, if value { "true" } else { "false" });
    }

    // itoa rather than `write!`: the access log's status is one of these on every line, and
    // the formatting machinery costs several times the digits.
    fn record_i64(&mut self, field: &Field, value: i64) {
        self.literal(field, itoa::Buffer::new().format(value));
    }

    fn record_u64(&mut self, field: &Field, value: u64) {
        self.literal(field, itoa::Buffer::new().format(value));
    }

    fn record_f64(&mut self, field: &Field, value: f64) {
        // JSON has no NaN or infinity; serde_json writes those as null too.
        if value.is_finite() {
            self.literal(field, ryu::Buffer::new().format_finite(value));
        } else {
            self.literal(field, "null");
        }
    }

    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        self.member(field, |out| {
            out.write_char('"')?;
            write!(JsonEscaped(&mut *out), "{value:?}")?;
            out.write_char('"')
        });
    }
}

/// The time now, since the Unix epoch.
fn since_epoch() -> Duration {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
}

/// A time (since the Unix epoch) as RFC 3339 in UTC with microseconds, as tracing-subscriber
/// writes the time now: `2026-11-28T13:12:23.889649Z`. The part up to the second is formatted
/// once a second per thread; formatting the whole date for every access-log line cost a
/// quarter of the line.
fn write_timestamp(out: &mut impl fmt::Write, time: Duration) -> fmt::Result {
    thread_local! {
        static SECOND: RefCell<(u64, String)> = const { RefCell::new((u64::MAX, String::new())) };
    }
    let seconds = time.as_secs();
    SECOND.with_borrow_mut(|(formatted_for, date_and_time)| {
        if *formatted_for != seconds {
            let time = i64::try_from(seconds)
                .ok()
                .and_then(|seconds| chrono::DateTime::from_timestamp(seconds, 0))
                .unwrap_or_default();
            date_and_time.clear();
            write!(date_and_time, "{}", time.format("%Y-%m-%dT%H:%M:%S"))?;
            *formatted_for = seconds;
        }
        out.write_str(date_and_time)
    })?;
    let mut fraction = *b".000000Z";
    let mut micros = time.subsec_micros();
    for digit in fraction[1..7].iter_mut().rev() {
        *digit = b'0' + (micros % 10) as u8;
        micros /= 10;
    }
    out.write_str(std::str::from_utf8(&fraction).map_err(|_| fmt::Error)?)
}

/// `text` as a JSON string, quotes included.
fn json_string(out: &mut impl fmt::Write, text: &str) -> fmt::Result {
    out.write_str("\"")?;
    JsonEscaped(&mut *out).write_str(text)?;
    out.write_str("\"")
}

/// Escapes what it is given as the inside of a JSON string.
struct JsonEscaped<W>(W);

/// The bytes a JSON string must escape: `"`, `\` and the control characters.
const MUST_ESCAPE: [bool; 256] = {
    let mut table = [false; 256];
    let mut byte = 0;
    while byte < 0x20 {
        table[byte] = true;
        byte += 1;
    }
    table[b'"' as usize] = true;
    table[b'\\' as usize] = true;
    table
};

/// Where the next byte to escape is, at or after `from`: a table lookup per byte, over every
/// string of every access-log line.
fn next_to_escape(bytes: &[u8], from: usize) -> Option<usize> {
    bytes[from..]
        .iter()
        .position(|&byte| MUST_ESCAPE[usize::from(byte)])
        .map(|offset| from + offset)
}

impl<W: fmt::Write> fmt::Write for JsonEscaped<W> {
    fn write_str(&mut self, text: &str) -> fmt::Result {
        let bytes = text.as_bytes();
        let mut plain = 0;
        while let Some(at) = next_to_escape(bytes, plain) {
            self.0.write_str(&text[plain..at])?;
            match bytes[at] {
                b'"' => self.0.write_str("\\\"")?,
                b'\\' => self.0.write_str("\\\\")?,
                b'\n' => self.0.write_str("\\n")?,
                b'\r' => self.0.write_str("\\r")?,
                b'\t' => self.0.write_str("\\t")?,
                control => write!(self.0, "\\u{control:04x}")?,
            }
            plain = at + 1;
        }
        self.0.write_str(&text[plain..])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Collects what the subscriber writes.
    #[derive(Clone, Default)]
    struct Captured(Arc<Mutex<Vec<u8>>>);

    impl Write for Captured {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            self.0
                .lock()
                .map_err(|_| std::io::ErrorKind::Other)?
                .extend_from_slice(bytes);
            Ok(bytes.len())
        }

        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    fn lines(captured: &Captured) -> Vec<String> {
        let bytes = captured.0.lock().expect("lock").clone();
        String::from_utf8(bytes)
            .expect("UTF-8")
            .lines()
            .map(str::to_owned)
            .collect()
    }

    #[test]
    fn the_guard_writes_every_pending_line_in_order_and_later_lines_go_straight_through() {
        let captured = Captured::default();
        let (mut writer, guard) =
            BatchedWriter::start(Box::new(captured.clone())).expect("the thread starts");
        let expected: Vec<String> = (0..5000).map(|i| format!("line {i}")).collect();
        for line in &expected {
            writer
                .write_all(format!("{line}\n").as_bytes())
                .expect("write");
        }
        drop(guard);
        assert_eq!(lines(&captured), expected);
        writer.write_all(b"after the guard\n").expect("write");
        assert_eq!(
            lines(&captured).last().map(String::as_str),
            Some("after the guard")
        );
    }

    #[test]
    fn access_lines_are_formatted_in_their_places_with_the_time_they_were_logged() {
        let captured = Captured::default();
        let (writer, guard) =
            BatchedWriter::start(Box::new(captured.clone())).expect("the thread starts");
        // 2026-11-29T04:00:00.000250Z, and a microsecond more for each access.
        let logged = |i: u64| Duration::new(1_795_924_800, 250_000) + Duration::from_micros(i);
        let request_ids: Vec<String> = (0..3000).map(|i| format!("id-{i}-\"é\"")).collect();
        let access = |i: usize| Access {
            method: if i.is_multiple_of(2) { "GET" } else { "HEAD" },
            route: if i.is_multiple_of(3) {
                "/v1/roadmaps"
            } else {
                "/v1/roadmaps/{slug}/sources"
            },
            status: 200,
            latency: Duration::from_micros(i as u64),
            request_id: &request_ids[i],
        };
        let formatted = |i: usize| {
            let mut line = String::new();
            access_line(&mut line, &access(i), logged(i as u64)).expect("formats");
            line.trim_end().to_owned()
        };
        let mut expected = Vec::new();
        for i in 0..request_ids.len() {
            writer.append(format!("line {i}\n").as_bytes());
            writer.append_access(&access(i), logged(i as u64));
            expected.extend([format!("line {i}"), formatted(i)]);
            if i == request_ids.len() / 2 {
                // The rest in later batches: the writer starts its next batch afresh.
                let deadline = std::time::Instant::now() + Duration::from_secs(10);
                while captured.0.lock().expect("lock").is_empty() {
                    assert!(std::time::Instant::now() < deadline, "no batch written");
                    std::thread::yield_now();
                }
            }
        }
        drop(guard);
        writer.append_access(&access(7), logged(7));
        expected.push(formatted(7));
        let written = lines(&captured);
        assert_eq!(written, expected);
        assert!(
            written[1].starts_with(r#"{"timestamp":"2026-11-29T04:00:00.000250Z","#),
            "{}",
            written[1]
        );
        let entry: serde_json::Value = serde_json::from_str(&written[3]).expect("JSON");
        assert_eq!(entry["fields"]["method"], "HEAD");
        assert_eq!(entry["fields"]["route"], "/v1/roadmaps/{slug}/sources");
        assert_eq!(entry["fields"]["request_id"], request_ids[1]);
    }

    #[test]
    fn a_batch_cleared_for_reuse_formats_its_new_accesses_alone() {
        let access = |request_id| Access {
            method: "GET",
            route: "/v1/roadmaps/{slug}",
            status: 200,
            latency: Duration::from_micros(250),
            request_id,
        };
        let logged = Duration::from_secs(1_795_924_800);
        let formatted = |request_id| {
            let mut line = String::new();
            access_line(&mut line, &access(request_id), logged).expect("formats");
            line
        };
        let mut batch = Batch::default();
        let (mut out, mut scratch) = (Vec::new(), String::new());
        batch.lines.extend_from_slice(b"before\n");
        batch.push_access(&access("first-é"), logged);
        batch.push_access(&access("second"), logged);
        batch.format_into(&mut out, &mut scratch);
        let expected = format!("before\n{}{}", formatted("first-é"), formatted("second"));
        assert_eq!(String::from_utf8(out.clone()).expect("UTF-8"), expected);
        assert!(
            batch.size() >= expected.len(),
            "{} bytes counted",
            batch.size()
        );
        batch.clear();
        out.clear();
        batch.push_access(&access("third"), logged);
        batch.lines.extend_from_slice(b"after\n");
        batch.format_into(&mut out, &mut scratch);
        let expected = format!("{}after\n", formatted("third"));
        assert_eq!(String::from_utf8(out).expect("UTF-8"), expected);
    }

    #[test]
    fn the_dropped_lines_notice_is_a_json_line() {
        let notice: serde_json::Value =
            serde_json::from_str(&dropped_notice(12)).expect("one JSON object");
        assert_eq!(notice["level"], "WARN");
        assert_eq!(
            notice["fields"]["message"],
            "12 log lines dropped: the log fell behind"
        );
    }

    #[test]
    fn timestamps_are_written_as_tracing_subscriber_writes_them_and_current() {
        use tracing_subscriber::fmt::time::{FormatTime, SystemTime};
        // Compared up to the second with the stock formatter, read just after ours; tried
        // again if a second boundary fell between the two readings.
        let mut agreed = None;
        for _ in 0..3 {
            let before = chrono::Utc::now();
            let mut ours = String::new();
            write_timestamp(&mut ours, since_epoch()).expect("written");
            let after = chrono::Utc::now();
            let mut stock = String::new();
            SystemTime
                .format_time(&mut Writer::new(&mut stock))
                .expect("written");
            assert_eq!(ours.len(), stock.len(), "{ours} against {stock}");
            assert!(ours.ends_with('Z'), "{ours}");
            let parsed = chrono::DateTime::parse_from_rfc3339(&ours).expect("RFC 3339");
            let micro = chrono::Duration::microseconds(1);
            assert!(
                parsed >= before - micro && parsed <= after,
                "{ours} is not between {before} and {after}"
            );
            if ours[..19] == stock[..19] {
                agreed = Some(ours);
                break;
            }
        }
        assert!(
            agreed.is_some(),
            "never the same second as the stock formatter"
        );
    }

    #[test]
    fn the_scan_finds_each_byte_to_escape_where_it_is_from_any_start() {
        // Every byte value, at every place, after clean bytes and after a byte already
        // escaped.
        for byte in 0..=u8::MAX {
            for at in 0..19 {
                let mut bytes = vec![b'a'; 19];
                bytes[at] = byte;
                let expected = MUST_ESCAPE[usize::from(byte)].then_some(at);
                assert_eq!(next_to_escape(&bytes, 0), expected, "{byte:#04x} at {at}");
                if at > 0 {
                    bytes[at - 1] = b'"';
                    assert_eq!(next_to_escape(&bytes, at), expected, "{byte:#04x} at {at}");
                }
            }
        }
    }

    /// A subscriber that writes [`JsonLines`] into `captured`.
    fn json_subscriber(captured: &Captured) -> impl Subscriber + Send + Sync {
        let sink = captured.clone();
        tracing_subscriber::fmt()
            .with_writer(move || sink.clone())
            .json()
            .event_format(JsonLines)
            .finish()
    }

    /// The access log writes its JSON lines itself; they must stay the lines tracing writes.
    #[test]
    fn the_access_line_is_the_line_tracing_writes() {
        let captured = Captured::default();
        let subscriber = json_subscriber(&captured);
        let latencies = [0, 1, 130, 1_000, 1_500, 2_345_678];
        let accesses = latencies.map(|micros| Access {
            method: "GET",
            route: "/v1/roadmaps/{slug} \"quoted\"",
            status: 304,
            latency: Duration::from_micros(micros),
            request_id: "id-\\-1",
        });
        tracing::subscriber::with_default(subscriber, || accesses.iter().for_each(access_event));
        let after_timestamp = |line: &str| line.split_once("Z\",").map(|(_, rest)| rest.to_owned());
        let traced = lines(&captured);
        assert_eq!(traced.len(), accesses.len());
        for (access, traced) in accesses.iter().zip(&traced) {
            let mut direct = String::new();
            access_line(&mut direct, access, since_epoch()).expect("formats");
            let direct = direct.strip_suffix('\n').expect("a whole line");
            assert_eq!(after_timestamp(direct), after_timestamp(traced));
            assert!(after_timestamp(direct).is_some(), "{direct}");
            let entry: serde_json::Value = serde_json::from_str(direct).expect("JSON");
            assert_eq!(entry["target"], ACCESS_TARGET);
            assert_eq!(entry["fields"]["route"], access.route);
            assert_eq!(entry["fields"]["request_id"], access.request_id);
        }
    }

    #[test]
    fn json_lines_are_json_with_every_field() {
        let captured = Captured::default();
        let subscriber = json_subscriber(&captured);
        let awkward = "quote \" backslash \\ newline \n tab \t bell \u{7} é 🩺";
        tracing::subscriber::with_default(subscriber, || {
            let span = tracing::info_span!("request", request_id = "abc");
            let _inside = span.enter();
            tracing::info!(
                text = awkward,
                count = 3_u64,
                delta = -2_i64,
                ratio = 0.25,
                nothing = f64::NAN,
                yes = true,
                debugged = ?vec!["a\"b"],
                "said {}", "this"
            );
        });
        let text = String::from_utf8(captured.0.lock().expect("lock").clone()).expect("UTF-8");
        assert!(
            text.ends_with('\n') && lines(&captured).len() == 1,
            "{text}"
        );
        // The bytes too, after the timestamp: what log shippers have parsed so far.
        let after_timestamp = text.split_once("Z\",").map(|(_, rest)| rest);
        assert_eq!(
            after_timestamp,
            Some(concat!(
                r#""level":"INFO","fields":{"message":"said this","#,
                r#""text":"quote \" backslash \\ newline \n tab \t bell \u0007 é 🩺","#,
                r#""count":3,"delta":-2,"ratio":0.25,"nothing":null,"yes":true,"#,
                r#""debugged":"[\"a\\\"b\"]"},"target":"roadmap_api::telemetry::tests","#,
                r#""span":{"request_id":"abc","name":"request"}}"#,
                "\n"
            ))
        );
        let line: serde_json::Value = serde_json::from_str(&text).expect("one JSON object");
        assert_eq!(line["level"], "INFO");
        assert_eq!(line["target"], module_path!());
        assert!(line["timestamp"].as_str().is_some_and(|t| t.ends_with('Z')));
        let fields = &line["fields"];
        assert_eq!(fields["message"], "said this");
        assert_eq!(fields["text"], awkward);
        assert_eq!(fields["count"], 3);
        assert_eq!(fields["delta"], -2);
        assert_eq!(fields["ratio"], 0.25);
        assert!(fields["nothing"].is_null());
        assert_eq!(fields["yes"], true);
        assert_eq!(fields["debugged"], "[\"a\\\"b\"]");
        assert_eq!(line["span"]["name"], "request");
        assert_eq!(line["span"]["request_id"], "abc");
    }
}
