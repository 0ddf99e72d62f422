//! What every route shares: problem+json errors, query parameters, cacheable JSON
//! representations, and the middleware around the routes.

use actix_web::HttpRequest;

pub mod cache;
pub mod etag;
pub mod formats;
pub mod headers;
pub mod metrics;
pub mod middleware;
pub mod params;
pub mod problem;
pub mod query;
pub mod rate_limit;
pub mod representation;
pub mod spec_paths;

pub use formats::{Format, JsonFormat, ListFormat};
pub use params::{Bounded, Cursor, DoneList, Limit, SearchText};
pub use problem::{ApiError, Problem};
pub use query::Query;
pub use representation::{CachePolicy, Page, json};

/// The probes' paths: never rate limited, and answered `no-store` (so never cached), so that
/// orchestrators always get an answer of the moment.
pub const PROBE_PATHS: [&str; 2] = ["/healthz", "/readyz"];

/// The host a request names, as absolute URLs are built on it when no public URL is set:
/// its `Host` header, or `localhost` when that is missing, empty or not text. The response
/// cache keeps answers per this value, so the two can never disagree.
pub fn request_host(req: &HttpRequest) -> &str {
    req.headers()
        .get(actix_web::http::header::HOST)
        .and_then(|h| h.to_str().ok())
        .filter(|host| !host.is_empty())
        .unwrap_or("localhost")
}

/// The media type of the request's body: its `Content-Type` without parameters, lowercased.
pub fn body_media_type(req: &HttpRequest) -> Option<String> {
    req.headers()
        .get(actix_web::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(|media| media.trim().to_ascii_lowercase())
}

/// True for `application/json` and the `+json` types (`application/merge-patch+json`).
pub fn is_json(media: &str) -> bool {
    media == "application/json" || (media.starts_with("application/") && media.ends_with("+json"))
}

/// The whole request body, read here rather than by the `Bytes` extractor so that the 413 can
/// name the limit and `why` it is what it is.
pub async fn read_body(
    payload: actix_web::web::Payload,
    limit: usize,
    why: &'static str,
) -> Result<actix_web::web::Bytes, ApiError> {
    payload
        .to_bytes_limited(limit)
        .await
        .map_err(|_| ApiError::BodyTooLarge { limit, why })?
        .map_err(|e| ApiError::MalformedBody(format!("the body could not be read: {e}")))
}

/// The body of a request that must be JSON (`application/json` or a `+json` type), read up to
/// this server's `--max-body-bytes`: 415 naming the `accepted` types for any other media type,
/// 413 past the limit.
pub async fn read_json_body(
    req: &HttpRequest,
    payload: actix_web::web::Payload,
    max_body_bytes: usize,
    accepted: &'static str,
) -> Result<actix_web::web::Bytes, ApiError> {
    if !body_media_type(req).is_some_and(|media| is_json(&media)) {
        return Err(ApiError::UnsupportedMediaType(accepted));
    }
    read_body(
        payload,
        max_body_bytes,
        "this server's limit (`--max-body-bytes`)",
    )
    .await
}

/// A request body read as JSON: 400 with where it stops parsing when it is not JSON.
pub fn parse_json(body: &[u8]) -> Result<serde_json::Value, ApiError> {
    serde_json::from_slice(body).map_err(|e| ApiError::MalformedBody(e.to_string()))
}

/// The reverse proxies whose `X-Forwarded-Proto` is believed (`--trusted-proxy`).
#[derive(Debug, Clone, Default)]
pub struct TrustedProxies(pub std::sync::Arc<[std::net::IpAddr]>);

impl TrustedProxies {
    /// The scheme absolute URLs are built with when no public URL is set: `https` when the
    /// connection comes from a trusted proxy that says `X-Forwarded-Proto: https`, else
    /// `http`. The response cache keeps answers per this value, so the two never disagree.
    pub fn scheme(&self, req: &HttpRequest) -> &'static str {
        let trusted = req
            .peer_addr()
            .is_some_and(|peer| self.0.contains(&peer.ip()));
        let https = req
            .headers()
            .get("x-forwarded-proto")
            .is_some_and(|proto| proto.as_bytes().eq_ignore_ascii_case(b"https"));
        if trusted && https { "https" } else { "http" }
    }

    /// The client's address: the connection's, or, when the connection comes from a trusted
    /// proxy, the last address that proxy appended to `X-Forwarded-For` (the one it saw).
    pub fn client(&self, req: &HttpRequest) -> Option<std::net::IpAddr> {
        let peer = req.peer_addr()?.ip();
        if !self.0.contains(&peer) {
            return Some(peer);
        }
        let forwarded = req
            .headers()
            .get_all("x-forwarded-for")
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .last()
            .and_then(|last| last.trim().parse().ok());
        Some(forwarded.unwrap_or(peer))
    }
}

/// A client's value cut to a readable length before it is echoed back in an error, so a
/// hostile input is not reflected whole.
pub fn excerpt(raw: &str) -> String {
    const SHOWN: usize = 64;
    if raw.chars().count() <= SHOWN {
        raw.to_owned()
    } else {
        format!("{}…", raw.chars().take(SHOWN).collect::<String>())
    }
}
