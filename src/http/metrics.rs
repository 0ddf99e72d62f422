//! Prometheus metrics, served at `GET /metrics` in the text exposition format (0.0.4).
//!
//! Requests are counted by route template (`/v1/roadmaps/{slug}`, never the raw path, so a
//! client cannot blow up the number of series), method and status; unmatched paths share the
//! template `(unmatched)`.

use std::time::Duration;

use actix_web::http::StatusCode;
use prometheus::{
    Encoder, HistogramOpts, HistogramVec, IntCounter, IntCounterVec, IntGauge, IntGaugeVec, Opts,
    Registry, TextEncoder,
};

use crate::store::Store;

/// Latency buckets in seconds: the cached hot path answers in well under a millisecond, a
/// cold render or a write in a few.
const LATENCY_BUCKETS: [f64; 12] = [
    0.000_25, 0.000_5, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1.0, 5.0,
];

/// The metrics of one server.
pub struct Metrics {
    registry: Registry,
    requests: IntCounterVec,
    latency: HistogramVec,
    in_flight: IntGauge,
    /// The two series of the cache lookups, found once rather than by label on every lookup.
    cache_hits: IntCounter,
    cache_misses: IntCounter,
    cache_bytes: IntGauge,
    pool: IntGaugeVec,
    story_submissions: IntCounterVec,
}

/// What became of a story submission, as `story_submissions_total` counts it.
#[derive(Debug, Clone, Copy)]
pub enum SubmissionOutcome {
    /// Stored, pending moderation.
    Accepted,
    /// The honeypot was filled: answered as accepted, stored nowhere.
    Honeypot,
    /// Refused: invalid, a duplicate, over the rate limit, or the queue full.
    Refused,
}

/// Counts a request as in flight until dropped.
pub struct InFlight<'a>(&'a IntGauge);

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.0.dec();
    }
}

impl Metrics {
    pub fn new() -> Result<Metrics, prometheus::Error> {
        let registry = Registry::new();
        let requests = IntCounterVec::new(
            Opts::new(
                "http_requests_total",
                "HTTP requests answered, by route template, method and status.",
            ),
            &["route", "method", "status"],
        )?;
        let latency = HistogramVec::new(
            HistogramOpts::new(
                "http_request_duration_seconds",
                "Time from a request's arrival to its response, by route template.",
            )
            .buckets(LATENCY_BUCKETS.to_vec()),
            &["route"],
        )?;
        let in_flight = IntGauge::new(
            "http_requests_in_flight",
            "Requests being handled right now.",
        )?;
        let cache = IntCounterVec::new(
            Opts::new(
                "response_cache_lookups_total",
                "Cacheable GETs, by whether a rendered response was ready (`hit`) or not (`miss`).",
            ),
            &["result"],
        )?;
        let cache_bytes = IntGauge::new(
            "response_cache_bytes",
            "Bytes the response cache holds (bodies, compressed variants, headers, keys), at scrape time.",
        )?;
        let pool = IntGaugeVec::new(
            Opts::new(
                "db_pool_connections",
                "SQLite connections of the request pool, by state (`in_use`, `idle`), at scrape time.",
            ),
            &["state"],
        )?;
        registry.register(Box::new(requests.clone()))?;
        registry.register(Box::new(latency.clone()))?;
        registry.register(Box::new(in_flight.clone()))?;
        registry.register(Box::new(cache.clone()))?;
        registry.register(Box::new(cache_bytes.clone()))?;
        let story_submissions = IntCounterVec::new(
            Opts::new(
                "story_submissions_total",
                "Story submissions, by outcome: `accepted`, `honeypot` (a filled hidden field: answered as accepted, stored nowhere) or `refused`.",
            ),
            &["outcome"],
        )?;
        registry.register(Box::new(pool.clone()))?;
        registry.register(Box::new(story_submissions.clone()))?;
        Ok(Metrics {
            registry,
            requests,
            latency,
            in_flight,
            cache_hits: cache.get_metric_with_label_values(&["hit"])?,
            cache_misses: cache.get_metric_with_label_values(&["miss"])?,
            cache_bytes,
            pool,
            story_submissions,
        })
    }

    /// Marks a request as started; it stays in flight until the guard is dropped.
    pub fn start(&self) -> InFlight<'_> {
        self.in_flight.inc();
        InFlight(&self.in_flight)
    }

    /// Records a finished request.
    pub fn record(&self, route: &str, method: &str, status: StatusCode, elapsed: Duration) {
        self.requests
            .with_label_values(&[route, method, status.as_str()])
            .inc();
        self.latency
            .with_label_values(&[route])
            .observe(elapsed.as_secs_f64());
    }

    /// Records whether the response cache had a request's answer ready.
    pub fn cache_lookup(&self, hit: bool) {
        if hit {
            self.cache_hits.inc();
        } else {
            self.cache_misses.inc();
        }
    }

    /// Records what became of a story submission.
    pub fn story_submission(&self, outcome: SubmissionOutcome) {
        let label = match outcome {
            SubmissionOutcome::Accepted => "accepted",
            SubmissionOutcome::Honeypot => "honeypot",
            SubmissionOutcome::Refused => "refused",
        };
        self.story_submissions.with_label_values(&[label]).inc();
    }

    /// The exposition text, with the pool's use and the cache's size read now.
    pub fn render(&self, store: &Store, cache_bytes: u64) -> Result<Vec<u8>, prometheus::Error> {
        self.cache_bytes
            .set(i64::try_from(cache_bytes).unwrap_or(i64::MAX));
        let (size, idle) = store.pool_usage();
        self.pool
            .with_label_values(&["in_use"])
            .set(i64::from(size).saturating_sub(i64::try_from(idle).unwrap_or(i64::MAX)));
        self.pool
            .with_label_values(&["idle"])
            .set(i64::try_from(idle).unwrap_or(i64::MAX));
        let mut text = Vec::new();
        TextEncoder::new().encode(&self.registry.gather(), &mut text)?;
        Ok(text)
    }
}

/// The media type of the exposition format.
pub const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";
