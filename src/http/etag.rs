//! Entity tags and the conditional headers that name them.
//!
//! A representation's ETag is the content hash of its identity bytes, quoted; a compressed
//! body is another representation, so its tag carries the coding as a suffix (`"…-gzip"`,
//! `"…-br"`) and caches never mix them. `If-None-Match` on a read compares tags weakly (RFC
//! 9110), suffix and all; `If-Match` and `If-None-Match` on a write compare the content hash
//! alone, whatever encoding the client fetched.

use actix_web::HttpRequest;
use actix_web::http::header::{self, HeaderName, HeaderValue};

use super::ApiError;

/// The suffixes that mark a compressed representation's tag.
const CODING_SUFFIXES: [&str; 2] = ["-gzip", "-br"];

/// The quoted ETag of the representation with `hash` and the coding `suffix` (`""` for
/// identity).
pub fn format(hash: &str, suffix: &str) -> Result<HeaderValue, ApiError> {
    HeaderValue::try_from(format!("\"{hash}{suffix}\""))
        .map_err(|e| ApiError::Internal(format!("an ETag that is no header value: {e}")))
}

/// The content hash an identity ETag carries, if `etag` is one this service made.
pub fn hash_of(etag: &HeaderValue) -> Option<&str> {
    let tag = etag.to_str().ok()?.strip_prefix('"')?.strip_suffix('"')?;
    (!tag.is_empty() && !tag.contains('"') && !CODING_SUFFIXES.iter().any(|s| tag.ends_with(s)))
        .then_some(tag)
}

/// A read's `If-None-Match` values, kept apart from the request so that the answer can be
/// judged after the request went on without them.
#[derive(Debug, Clone, Default)]
pub struct IfNoneMatch(Vec<HeaderValue>);

impl IfNoneMatch {
    pub fn of(req: &HttpRequest) -> IfNoneMatch {
        IfNoneMatch(
            req.headers()
                .get_all(header::IF_NONE_MATCH)
                .cloned()
                .collect(),
        )
    }

    /// True when one of the values names `etag` (weak comparison) or is `*`.
    pub fn names(&self, etag: &HeaderValue) -> bool {
        self.0
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|list| list.split(','))
            .map(|tag| tag.trim().trim_start_matches("W/"))
            .any(|tag| tag == "*" || tag.as_bytes() == etag.as_bytes())
    }
}

/// The tags of a write's conditional header `name`, as content hashes: without quotes or
/// `W/`, and without the coding suffix. `None` when the header is absent; a value that is not
/// `*` or a comma list of quoted tags is a 400.
pub fn precondition_tags(
    req: &HttpRequest,
    name: HeaderName,
) -> Result<Option<Vec<String>>, ApiError> {
    let bad = || ApiError::BadHeader {
        name: name.to_string(),
        detail: "must be `*` or a comma list of quoted ETags".to_owned(),
    };
    let mut tags = Vec::new();
    let mut seen = false;
    for value in req.headers().get_all(&name) {
        seen = true;
        for item in value.to_str().map_err(|_| bad())?.split(',') {
            let item = item.trim();
            let quoted = item.strip_prefix("W/").unwrap_or(item);
            let tag = if item == "*" {
                item
            } else {
                quoted
                    .strip_prefix('"')
                    .and_then(|t| t.strip_suffix('"'))
                    .filter(|t| !t.contains('"'))
                    .ok_or_else(bad)?
            };
            let hash = CODING_SUFFIXES
                .iter()
                .fold(tag, |tag, suffix| tag.trim_end_matches(suffix));
            tags.push(hash.to_owned());
        }
    }
    Ok(seen.then_some(tags))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_an_identity_tag_of_ours_gives_its_hash() {
        let tag = |s: &'static str| HeaderValue::from_static(s);
        assert_eq!(hash_of(&tag("\"abc\"")), Some("abc"));
        for other in ["\"abc-gzip\"", "\"abc-br\"", "abc", "W/\"abc\"", "\"\""] {
            assert_eq!(hash_of(&tag(other)), None, "{other}");
        }
    }

    #[test]
    fn if_none_match_compares_weakly_and_takes_a_star() {
        let req = actix_web::test::TestRequest::default()
            .insert_header((header::IF_NONE_MATCH, "W/\"a\", \"b-gzip\""))
            .to_http_request();
        let list = IfNoneMatch::of(&req);
        assert!(list.names(&HeaderValue::from_static("\"a\"")));
        assert!(list.names(&HeaderValue::from_static("\"b-gzip\"")));
        assert!(!list.names(&HeaderValue::from_static("\"b\"")));
        let star = actix_web::test::TestRequest::default()
            .insert_header((header::IF_NONE_MATCH, "*"))
            .to_http_request();
        assert!(IfNoneMatch::of(&star).names(&HeaderValue::from_static("\"z\"")));
    }
}
