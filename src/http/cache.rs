//! The response cache, one ordinary layer: a cacheable GET is rendered once per content
//! version and kept as bytes, with its gzip and brotli variants made on first use, so repeated
//! reads do no SQL and little work. Hit or miss, every request takes the same path through
//! the layers around it.
//!
//! **Keys.** An answer is kept under its path, the query parameters its route declares in the
//! spec (decoded, in the spec's order: `?tier=helpful&limit=20` and `?limit=20&tier=helpful`
//! share one entry, and a parameter no route reads cannot make a new one), its `Accept`, and
//! its host and scheme when no public URL is configured, since absolute URLs are then built
//! on them.
//!
//! **Memory.** The cache is bounded by bytes (`--cache-bytes`, default 64 MiB) and evicts with
//! moka's TinyLFU policy, so made-up URLs cost memory only up to the bound and push out
//! little that is read often.
//!
//! **Freshness.** The content version is SQLite's `PRAGMA data_version` on a connection of its
//! own, which changes whenever any other connection commits, in this process (the API's
//! writes) or another (`roadmap-api import`). A check stands for [`FRESH`] unless this process
//! has written since, so a client always reads its own writes at once, and a write by another
//! process shows within that time. Answers of an older version are never served.
//!
//! **A miss** renders through the layers below with the request's `If-None-Match` and
//! `Accept-Encoding` set aside, as any shared cache fills itself, so the route answers the
//! identity body; the client's own representation is then made from the kept bytes. A burst of
//! requests for one missing answer renders it once: the first renders, the others wait for it
//! (moka's own coalescing, `get_with`, cannot serve here, since the render needs the
//! request, which the requests that wait must keep).

use std::collections::HashMap;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use actix_web::body::{BodySize, BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderMap, HeaderName, HeaderValue};
use actix_web::http::{Method, StatusCode};
use actix_web::middleware::Next;
use actix_web::web::Data;
use actix_web::{Error, HttpRequest, HttpResponse};

use super::metrics::Metrics;
use super::representation::{Conditions, Rendered};
use super::spec_paths::SpecPaths;
use super::{ApiError, TrustedProxies, request_host};
use crate::store::{Store, StoreError};

/// How long a version check stands for requests that arrive after it, unless this process
/// wrote since: how stale a write by another process may look.
const FRESH: Duration = Duration::from_millis(10);

/// The bytes an entry holds beyond its key, headers and bodies (moka's node and queues, the
/// entry's own fields, the ETags), so that the bound counts what memory really holds.
const ENTRY_OVERHEAD: usize = 512;
/// The bytes a kept header holds beyond its name and value.
const HEADER_OVERHEAD: usize = 64;

/// What a cached answer depends on besides the content; see the module's doc.
type Key = Arc<[u8]>;

/// The rendered responses of one server.
pub struct ResponseCache {
    store: Store,
    entries: moka::sync::Cache<Key, Arc<Entry>>,
    /// The content version the entries were rendered at; see [`ResponseCache::lookup`].
    version: AtomicI64,
    /// One version check at a time; requests that arrive during a check share the next.
    gate: tokio::sync::Mutex<()>,
    /// When the last check started, and what it found.
    checked: Mutex<Option<Check>>,
    /// The keys being rendered, each with the lock its render holds.
    rendering: Mutex<HashMap<Key, Arc<tokio::sync::Mutex<()>>>>,
    /// Set when answers are kept per host and scheme: without a public URL, the feeds and
    /// embed pages build absolute URLs from them, and one client's made-up `Host` must not
    /// reach others.
    keyed_by_host: Option<TrustedProxies>,
}

/// One reading of the content version.
#[derive(Clone, Copy)]
struct Check {
    started: Instant,
    /// This process's write count when the check started.
    writes: u64,
    version: i64,
}

struct Entry {
    version: i64,
    rendered: Rendered,
    /// The route's headers (type, caching, links), replayed on every answer: a list of exactly
    /// their size, where a copy of the response's map would keep its spare capacity.
    headers: Vec<(HeaderName, HeaderValue)>,
}

impl Entry {
    /// The bytes the entry holds, for the cache's bound.
    fn weight(&self, key: &[u8]) -> u32 {
        let headers: usize = self
            .headers
            .iter()
            .map(|(name, value)| HEADER_OVERHEAD + name.as_str().len() + value.len())
            .sum();
        let bytes = ENTRY_OVERHEAD + key.len() + headers + self.rendered.weight();
        u32::try_from(bytes).unwrap_or(u32::MAX)
    }
}

impl ResponseCache {
    pub fn new(
        store: Store,
        keyed_by_host: Option<TrustedProxies>,
        max_bytes: u64,
    ) -> ResponseCache {
        ResponseCache {
            entries: moka::sync::Cache::builder()
                .max_capacity(max_bytes)
                .weigher(|key: &Key, entry: &Arc<Entry>| entry.weight(key))
                .build(),
            version: AtomicI64::new(i64::MIN),
            keyed_by_host,
            store,
            gate: tokio::sync::Mutex::new(()),
            checked: Mutex::new(None),
            rendering: Mutex::default(),
        }
    }

    /// The bytes the cache holds now, as its bound counts them.
    pub fn weighted_size(&self) -> u64 {
        self.entries.run_pending_tasks();
        self.entries.weighted_size()
    }

    /// The content version to answer a request with: the last check's, if it is younger than
    /// [`FRESH`] and this process has not written since; else a new check's.
    async fn version(&self) -> Result<i64, StoreError> {
        let arrived = Instant::now();
        let last = || self.checked.lock().ok().and_then(|c| *c);
        if let Some(check) = last()
            && check.writes == self.store.writes()
            && arrived.saturating_duration_since(check.started) < FRESH
        {
            return Ok(check.version);
        }
        let _turn = self.gate.lock().await;
        // A check that started after this request arrived has seen every commit before it.
        if let Some(check) = last()
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

    /// The key of `req` (see the module's doc); `None` when the query did not decode to
    /// UTF-8, which its route refuses and which must not share a key with the text it
    /// decoded to, or when it holds a parameter its route refuses.
    fn key(&self, req: &ServiceRequest, paths: &SpecPaths) -> Option<Key> {
        let pairs: Vec<_> = form_urlencoded::parse(req.query_string().as_bytes()).collect();
        if pairs
            .iter()
            .any(|(name, value)| name.contains('\u{FFFD}') || value.contains('\u{FFFD}'))
        {
            return None;
        }
        let (declared_names, strict) = paths.query_parameters(req.path());
        // The route refuses a parameter it does not declare: no kept answer may stand for it.
        if strict
            && pairs
                .iter()
                .any(|(name, _)| !declared_names.iter().any(|d| d == name))
        {
            return None;
        }
        let mut query = form_urlencoded::Serializer::new(String::new());
        for declared in declared_names {
            for (_, value) in pairs.iter().filter(|(name, _)| name == declared) {
                query.append_pair(declared, value);
            }
        }
        let accept = req
            .headers()
            .get(header::ACCEPT)
            .map_or(&[][..], HeaderValue::as_bytes);
        let (scheme, host) = match &self.keyed_by_host {
            Some(proxies) => (proxies.scheme(req.request()), request_host(req.request())),
            None => ("", ""),
        };
        let query = query.finish();
        // Neither a path, an encoded query nor a header value can hold a line break.
        let parts = [
            req.path().as_bytes(),
            b"?",
            query.as_bytes(),
            b"\n",
            accept,
            b"\n",
            scheme.as_bytes(),
            b"://",
            host.as_bytes(),
        ];
        Some(Arc::from(parts.concat()))
    }

    /// The answer kept for `key` at `version`. A new version empties the cache: nothing
    /// rendered before it may be served again.
    fn lookup(&self, key: &Key, version: i64) -> Option<Arc<Entry>> {
        if self.version.swap(version, Ordering::AcqRel) != version {
            self.entries.invalidate_all();
        }
        self.entries
            .get(key)
            .filter(|entry| entry.version == version)
    }

    /// Waits for any render of `key` in progress, then holds the turn to render it until the
    /// returned guard is dropped.
    async fn turn(cache: &Data<ResponseCache>, key: &Key) -> Option<Turn> {
        let lock = cache
            .rendering
            .lock()
            .ok()?
            .entry(key.clone())
            .or_default()
            .clone();
        Some(Turn {
            cache: cache.clone(),
            key: key.clone(),
            _held: lock.lock_owned().await,
        })
    }
}

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

/// Whether the answer to `req` may come from the cache: a read without credentials.
fn cacheable(req: &ServiceRequest) -> bool {
    matches!(*req.method(), Method::GET | Method::HEAD)
        && !req.headers().contains_key(header::AUTHORIZATION)
}

/// Whether shared caches, and so this one, may keep a response.
fn reusable(headers: &HeaderMap) -> bool {
    headers
        .get(header::CACHE_CONTROL)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|c| !c.contains("no-store") && !c.contains("private"))
}

/// Serves a cacheable GET from the cache, or renders it once and keeps it.
pub async fn response_cache(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    let cache = req.app_data::<Data<ResponseCache>>().cloned();
    let paths = req.app_data::<Data<SpecPaths>>().cloned();
    let (Some(cache), Some(paths)) = (cache, paths) else {
        return Ok(next.call(req).await?.map_into_boxed_body());
    };
    let key = cacheable(&req).then(|| cache.key(&req, &paths)).flatten();
    let Some(key) = key else {
        return Ok(next.call(req).await?.map_into_boxed_body());
    };
    let version = match cache.version().await {
        Ok(version) => version,
        Err(error) => {
            // The route reads the same database, and reports its failure if it has one.
            tracing::warn!(error = ?error, "cannot read the content version: answering uncached");
            return Ok(next.call(req).await?.map_into_boxed_body());
        }
    };
    let metrics = req.app_data::<Data<Metrics>>().cloned();
    let conditions = Conditions::of(req.request());
    let mut found = cache.lookup(&key, version);
    let _turn = match found {
        Some(_) => None,
        None => {
            let turn = ResponseCache::turn(&cache, &key).await;
            found = cache.lookup(&key, version);
            turn
        }
    };
    if let Some(entry) = found {
        if let Some(metrics) = &metrics {
            metrics.cache_lookup(true);
        }
        return Ok(answer(req.request().clone(), &entry, &conditions));
    }

    let headers = req.headers_mut();
    headers.remove(header::IF_NONE_MATCH);
    headers.remove(header::ACCEPT_ENCODING);
    let res = next.call(req).await?.map_into_boxed_body();
    if res.status() != StatusCode::OK || res.response().error().is_some() {
        return Ok(res);
    }
    if !matches!(res.response().body().size(), BodySize::Sized(_)) {
        return Ok(streamed(res, &conditions));
    }
    let keep = reusable(res.headers());
    let (request, response) = res.into_parts();
    // What the cache sets itself, per answer, is not kept.
    let made_per_answer = [
        header::ETAG,
        header::CONTENT_LENGTH,
        header::CONTENT_ENCODING,
        header::VARY,
        header::DATE,
    ];
    let headers = response
        .headers()
        .iter()
        .filter(|(name, _)| !made_per_answer.contains(name))
        .map(|(name, value)| (name.clone(), value.clone()))
        .collect();
    let etag = response.headers().get(header::ETAG).cloned();
    let body = actix_web::body::to_bytes(response.into_body())
        .await
        .map_err(|e| ApiError::Internal(format!("reading a rendered response: {e}")))?;
    let entry = Arc::new(Entry {
        version,
        rendered: Rendered::of_response(body, etag.as_ref())?,
        headers,
    });
    let answered = answer(request, &entry, &conditions);
    // A miss counts only for an answer that could be kept: the probes and the metrics, never
    // kept, are no cacheable reads.
    if keep {
        cache.entries.insert(key, entry);
        if let Some(metrics) = &metrics {
            metrics.cache_lookup(false);
        }
    }
    Ok(answered)
}

/// An answer streamed as it is made (an export), which is never kept: a 304 when the client
/// holds its ETag, else the stream as it is.
fn streamed(res: ServiceResponse<BoxBody>, conditions: &Conditions) -> ServiceResponse<BoxBody> {
    let held = res
        .headers()
        .get(header::ETAG)
        .is_some_and(|etag| conditions.holds(etag));
    if !held {
        return res;
    }
    let mut not_modified = HttpResponse::NotModified().finish();
    for (name, value) in res.headers() {
        if name != header::CONTENT_TYPE {
            not_modified
                .headers_mut()
                .append(name.clone(), value.clone());
        }
    }
    res.into_response(not_modified)
}

/// The client's representation of a kept answer; a failure (a compression that failed) is
/// reported as a response carrying it, for the outermost layer to render.
fn answer(req: HttpRequest, entry: &Entry, conditions: &Conditions) -> ServiceResponse<BoxBody> {
    let headers = entry.headers.iter().map(|(name, value)| (name, value));
    match entry.rendered.respond(conditions, headers) {
        Ok(response) => ServiceResponse::new(req, response),
        Err(error) => ServiceResponse::from_err(error, req),
    }
}
