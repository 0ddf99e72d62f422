//! What every route shares: problem+json errors, query parameters, cacheable JSON
//! representations, and the middleware around the routes.

use actix_web::HttpRequest;

pub mod body;
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
