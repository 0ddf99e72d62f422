//! Header policy: the request id every response carries, the security headers, and what a
//! browser script may read of a cross-origin response.

use actix_web::HttpRequest;
use actix_web::http::header::{self, HeaderMap, HeaderName, HeaderValue};

pub const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// Headers a browser script may read on a cross-origin response.
pub const EXPOSED_HEADERS: &str = "ETag, Link, Location, X-Request-Id";

/// The policy for pages that set none of their own (the interactive docs): their own scripts
/// and styles, the spec fetched from here, never framed.
const DOCS_CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
    img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; \
    frame-ancestors 'none'";
/// For everything that is not a page: nothing may run, nothing may frame it.
const DATA_CSP: &str = "default-src 'none'; frame-ancestors 'none'";

/// A CSP source that allows exactly this inline script or style: `'sha256-...'`.
pub fn csp_hash(text: &str) -> String {
    use base64::Engine;
    use sha2::Digest;
    let digest = sha2::Sha256::digest(text.as_bytes());
    format!(
        "'sha256-{}'",
        base64::engine::general_purpose::STANDARD.encode(digest)
    )
}

/// The client's `X-Request-Id` when it is a sane token (at most 128 visible ASCII
/// characters), else a new UUID. A made-up id only ever comes back to its own client and into
/// the log as one field, never into a metric label.
pub fn request_id(req: &HttpRequest) -> HeaderValue {
    let sane = |id: &&HeaderValue| {
        !id.is_empty() && id.len() <= 128 && id.as_bytes().iter().all(u8::is_ascii_graphic)
    };
    if let Some(id) = req.headers().get(&REQUEST_ID).filter(sane) {
        return id.clone();
    }
    let mut buffer = uuid::Uuid::encode_buffer();
    let id = uuid::Uuid::new_v4().hyphenated().encode_lower(&mut buffer);
    HeaderValue::from_str(id).expect("a UUID is a valid header value")
}

/// Security headers on every response, each unless the route set its own (the embed page's
/// CSP, which allows framing).
pub fn secure(headers: &mut HeaderMap) {
    if !headers.contains_key(header::X_CONTENT_TYPE_OPTIONS) {
        headers.insert(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        );
    }
    if !headers.contains_key(header::REFERRER_POLICY) {
        headers.insert(
            header::REFERRER_POLICY,
            HeaderValue::from_static("no-referrer"),
        );
    }
    if !headers.contains_key(header::CONTENT_SECURITY_POLICY) {
        let is_html = headers
            .get(header::CONTENT_TYPE)
            .is_some_and(|t| t.as_bytes().starts_with(b"text/html"));
        headers.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(if is_html { DOCS_CSP } else { DATA_CSP }),
        );
    }
}
