//! The response cache: every cacheable GET is rendered once per content version and kept as
//! bytes, with its gzip and brotli variants, so repeated reads do no SQL and little work.
//!
//! A response is cached under its path and query and its `Accept` header, and also its host
//! when no public URL is configured, since absolute URLs are then built on it. The content
//! version is SQLite's `PRAGMA data_version` on a connection of its own, which changes whenever
//! any other connection commits, in this process (the API's writes) or another (`roadmap-api
//! import`). A check is reused for [`FRESH`] unless this process has written since, so a client
//! always reads its own writes at once. An older check, up to [`STALE`], still answers while a
//! new one runs in the background, so that no request waits for the check's trip through the
//! database thread; only a check older than that (after a quiet spell) is waited for. A write
//! from another process thus shows within 50 ms, and within about 10 ms under steady traffic:
//! one truth for every reader, without a query on the hot path.
//!
//! Most hits are served by `request_context`, through [`answer_now`], before the timeout and
//! the layers a render needs; the [`response_cache`] layer serves the rest, waiting for a
//! check when it must, and renders and keeps what is missing.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderMap, HeaderValue};
use actix_web::http::{Method, StatusCode};
use actix_web::middleware::Next;
use actix_web::web::Data;
use actix_web::{Error, HttpMessage, HttpRequest, HttpResponse};

use super::metrics::Metrics;
use super::middleware::{RouteTemplate, route_template, secure};
use super::representation::{RenderForCache, Rendered};
use super::{ApiError, request_host};
use crate::routes::health::PROBE_PATHS;
use crate::store::Store;

/// Entries kept at most; past that the cache starts over, which bounds its memory whatever
/// URLs clients make up.
const MAX_ENTRIES: usize = 4096;

/// Routes whose answer must reflect the moment, not the content: the probes and the metrics.
fn uncached(path: &str) -> bool {
    PROBE_PATHS.contains(&path) || path == "/metrics"
}

/// The rendered responses of one server.
pub struct ResponseCache {
    store: Store,
    entries: Mutex<Entries>,
    /// One version check at a time; see [`ResponseCache::version`].
    gate: tokio::sync::Mutex<()>,
    /// When the last check started, and what it found.
    checked: Mutex<Option<Check>>,
    /// Whether a check is running in the background.
    refreshing: AtomicBool,
    /// The keys being rendered: a request for one of them waits for that render instead of
    /// repeating it, so a burst after a write renders each response once, not once per
    /// request.
    rendering: Mutex<HashMap<Key, Arc<tokio::sync::Mutex<()>>>>,
    /// Whether answers are kept per `Host`: without a public URL, the feeds and embed pages
    /// build absolute URLs from it, and one client's made-up `Host` must not reach others.
    keyed_by_host: bool,
}

/// What a cached answer depends on besides the content; see [`ResponseCache::key`].
type Key = Vec<u8>;

/// The right to render one key; the next request for it waits until this is dropped.
struct Turn {
    cache: Data<ResponseCache>,
    key: Key,
    _held: tokio::sync::OwnedMutexGuard<()>,
}

impl Drop for Turn {
    fn drop(&mut self) {
        if let Ok(mut rendering) = self.cache.rendering.lock() {
            rendering.remove(&self.key);
        }
    }
}

/// How long a version check stands for requests that arrive after it, unless this process
/// wrote since: how stale a write by another process may look.
const FRESH: Duration = Duration::from_millis(10);

/// A background check under way. Dropping it, when the check ends or when its task is
/// dropped unfinished (a worker stopping), lets the next one start.
struct Refresh(Data<ResponseCache>);

impl Drop for Refresh {
    fn drop(&mut self) {
        self.0.refreshing.store(false, Ordering::Release);
    }
}

/// How old a check may be and still answer while a new one runs in the background.
const STALE: Duration = Duration::from_millis(50);

/// One reading of the content version.
#[derive(Clone, Copy)]
struct Check {
    started: Instant,
    /// This process's write count when the check started.
    writes: u64,
    version: i64,
}

#[derive(Default)]
struct Entries {
    version: i64,
    responses: HashMap<Key, Arc<Entry>>,
}

struct Entry {
    rendered: Rendered,
    /// The route that rendered it, for the access log and metrics of later hits.
    route: Arc<str>,
    /// The route's headers (type, caching, links, CORS) and the security headers, replayed on
    /// every answer, so that a hit needs no other layer to add them.
    headers: HeaderMap,
}

impl Entry {
    fn respond(&self, req: &HttpRequest) -> Result<HttpResponse, ApiError> {
        self.rendered.respond(req, &self.headers)
    }
}

impl ResponseCache {
    pub fn new(store: Store, keyed_by_host: bool) -> ResponseCache {
        ResponseCache {
            keyed_by_host,
            store,
            entries: Mutex::new(Entries::default()),
            gate: tokio::sync::Mutex::new(()),
            checked: Mutex::new(None),
            refreshing: AtomicBool::new(false),
            rendering: Mutex::default(),
        }
    }

    /// The content version to answer this request with. If this process has not written
    /// since the last check, a check younger than [`FRESH`] stands, and one younger than
    /// [`STALE`] stands while the next runs in the background. Otherwise the request waits
    /// for a check.
    async fn version(cache: &Data<ResponseCache>) -> Result<i64, crate::store::StoreError> {
        let arrived = Instant::now();
        match Self::version_now(cache, arrived) {
            Some(version) => Ok(version),
            None => cache.check(arrived).await,
        }
    }

    /// The content version, if a standing check gives it without waiting (see
    /// [`ResponseCache::version`]).
    fn version_now(cache: &Data<ResponseCache>, arrived: Instant) -> Option<i64> {
        let check = cache.checked.lock().ok().and_then(|c| *c)?;
        if check.writes != cache.store.writes() {
            return None;
        }
        let age = arrived.saturating_duration_since(check.started);
        if age < FRESH {
            return Some(check.version);
        }
        if age < STALE {
            Self::refresh_in_background(cache);
            return Some(check.version);
        }
        None
    }

    /// Starts a check in the background unless one is running.
    fn refresh_in_background(cache: &Data<ResponseCache>) {
        if cache.refreshing.swap(true, Ordering::AcqRel) {
            return;
        }
        let refresh = Refresh(cache.clone());
        actix_web::rt::spawn(async move {
            // A failed check leaves the last one standing; once it is older than `STALE`, the
            // next request checks for itself and reports the failure.
            let _ = refresh.0.check(Instant::now()).await;
        });
    }

    /// Reads the content version. A check that started after `arrived` has seen every commit
    /// made before it, so requests queued behind a check share the next one: under load one
    /// `PRAGMA data_version` serves a whole batch.
    async fn check(&self, arrived: Instant) -> Result<i64, crate::store::StoreError> {
        let _turn = self.gate.lock().await;
        if let Some(check) = self.checked.lock().ok().and_then(|c| *c)
            && check.started > arrived
        {
            return Ok(check.version);
        }
        let started = Instant::now();
        let writes = self.store.writes();
        let version = self.store.data_version().await?;
        if let Ok(mut checked) = self.checked.lock() {
            *checked = Some(Check {
                started,
                writes,
                version,
            });
        }
        Ok(version)
    }

    /// The request target, `Accept` (raw, so no two values share a key) and, if answers are
    /// kept per host, the host the answer's URLs are built on.
    fn key(&self, req: &ServiceRequest) -> Key {
        let target = req.uri().path_and_query().map_or("/", |pq| pq.as_str());
        let accept = req
            .headers()
            .get(header::ACCEPT)
            .map_or(&[][..], HeaderValue::as_bytes);
        let host = if self.keyed_by_host {
            request_host(req.request())
        } else {
            ""
        };
        // Neither a request target nor a header value can hold a line break.
        [target.as_bytes(), b"\n", accept, b"\n", host.as_bytes()].concat()
    }

    fn lookup(&self, key: &[u8], version: i64) -> Option<Arc<Entry>> {
        let mut entries = self.entries.lock().ok()?;
        if entries.version != version {
            entries.version = version;
            entries.responses.clear();
            return None;
        }
        entries.responses.get(key).cloned()
    }

    /// Waits for any render of `key` in progress, then takes the turn to render it.
    async fn turn(cache: &Data<ResponseCache>, key: &[u8]) -> Option<Turn> {
        let lock = cache
            .rendering
            .lock()
            .ok()?
            .entry(key.to_vec())
            .or_default()
            .clone();
        Some(Turn {
            cache: cache.clone(),
            key: key.to_vec(),
            _held: lock.lock_owned().await,
        })
    }

    fn keep(&self, key: Key, version: i64, entry: Arc<Entry>) {
        if let Ok(mut entries) = self.entries.lock()
            && entries.version == version
        {
            if entries.responses.len() >= MAX_ENTRIES {
                entries.responses.clear();
            }
            entries.responses.insert(key, entry);
        }
    }
}

/// Whether the answer to `req` may come from the cache.
fn cacheable(req: &ServiceRequest) -> bool {
    matches!(*req.method(), Method::GET | Method::HEAD)
        && !uncached(req.path())
        && !req.headers().contains_key(header::AUTHORIZATION)
}

/// An answer served from the cache, with the route template that rendered it.
pub struct Hit {
    pub response: HttpResponse,
    pub route: Arc<str>,
}

impl Hit {
    fn of(entry: &Entry, req: &HttpRequest) -> Result<Hit, ApiError> {
        Ok(Hit {
            response: entry.respond(req)?,
            route: entry.route.clone(),
        })
    }
}

/// The cached answer to `req`, counted as a hit in the metrics, if the request is cacheable,
/// the content version is known without waiting (a check under 50 ms old, with no write by
/// this process since: so under steady traffic) and the answer is there. `request_context`
/// serves it at once, without the request timeout, the span or the layers below; an error
/// (`Some(Err)`: a failed compression) it renders as a problem. With `None` the request goes
/// down to [`response_cache`], which passes an uncacheable request on, and otherwise waits
/// for the version if it must and serves the answer or renders it, counting the lookup.
pub fn answer_now(req: &ServiceRequest, arrived: Instant) -> Option<Result<Hit, ApiError>> {
    let cache = req.app_data::<Data<ResponseCache>>()?;
    if !cacheable(req) {
        return None;
    }
    let version = ResponseCache::version_now(cache, arrived)?;
    let entry = cache.lookup(&cache.key(req), version)?;
    if let Some(metrics) = req.app_data::<Data<Metrics>>() {
        metrics.cache_lookup(true);
    }
    Some(Hit::of(&entry, req.request()))
}

/// Serves a cacheable GET from the cache, or renders it once and keeps it.
pub async fn response_cache(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    let cache = req.app_data::<Data<ResponseCache>>().cloned();
    let cacheable = cacheable(&req);
    let version = match (&cache, cacheable) {
        (Some(cache), true) => ResponseCache::version(cache).await.ok(),
        _ => None,
    };
    let (Some(cache), Some(version)) = (cache, version) else {
        return Ok(next.call(req).await?.map_into_boxed_body());
    };
    let key = cache.key(&req);
    let mut found = cache.lookup(&key, version);
    let _turn = match found {
        Some(_) => None,
        None => {
            let turn = ResponseCache::turn(&cache, &key).await;
            found = cache.lookup(&key, version);
            turn
        }
    };
    if let Some(metrics) = req.app_data::<Data<Metrics>>() {
        metrics.cache_lookup(found.is_some());
    }
    if let Some(entry) = found {
        // A failure is reported as a response carrying it, as `request_context` expects.
        return Ok(match Hit::of(&entry, req.request()) {
            Ok(hit) => {
                req.extensions_mut().insert(RouteTemplate(hit.route));
                req.into_response(hit.response)
            }
            Err(error) => req.error_response(error),
        });
    }

    req.extensions_mut().insert(RenderForCache);
    let res = next.call(req).await?.map_into_boxed_body();
    let reusable = res.status() == StatusCode::OK
        && res
            .headers()
            .get(header::CACHE_CONTROL)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|c| !c.contains("no-store"));
    if !reusable {
        return Ok(res);
    }
    let (request, response) = res.into_parts();
    let mut headers = response.headers().clone();
    for name in [
        header::ETAG,
        header::CONTENT_LENGTH,
        header::CONTENT_ENCODING,
        header::VARY,
        header::DATE,
    ] {
        headers.remove(name);
    }
    secure(&mut headers);
    let body = actix_web::body::to_bytes(response.into_body())
        .await
        .map_err(|e| ApiError::Internal(format!("reading a rendered response: {e}")))?;
    let entry = Arc::new(Entry {
        rendered: Rendered::new(body.to_vec())?,
        route: route_template(&request),
        headers,
    });
    let response = entry.respond(&request)?;
    cache.keep(key, version, entry);
    Ok(ServiceResponse::new(request, response))
}
