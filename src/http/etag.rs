//! Entity tags and the conditional headers that name them.
//!
//! A representation's ETag is the content hash of its identity bytes, quoted; a compressed
//! body is another representation, so its tag carries the coding as a suffix (`"…-gzip"`,
//! `"…-br"`) and caches never mix them. `If-None-Match` on a read compares tags weakly (RFC
//! 9110), suffix and all; `If-Match` and `If-None-Match` on a write compare the content hash
//! alone, whatever encoding the client fetched. Tags and a read's `If-None-Match` are parsed
//! by actix-web's typed headers (`EntityTag`, `IfNoneMatch`).

use actix_web::HttpRequest;
use actix_web::http::header::{self, EntityTag, Header, HeaderName, HeaderValue, IfNoneMatch};

use super::ApiError;

/// The suffixes that mark a compressed representation's tag.
const CODING_SUFFIXES: [&str; 2] = ["-gzip", "-br"];

/// The quoted ETag of the representation with `hash` and the coding `suffix` (`""` for
/// identity).
pub fn format(hash: &str, suffix: &str) -> Result<HeaderValue, ApiError> {
    HeaderValue::try_from(EntityTag::new_strong(format!("{hash}{suffix}")).to_string())
        .map_err(|e| ApiError::Internal(format!("an ETag that is no header value: {e}")))
}

/// A weak ETag over `hash`: for an answer streamed as it is made (an export), whose bytes are
/// not known when the tag is sent, only what they are made from.
pub fn format_weak(hash: &str) -> Result<HeaderValue, ApiError> {
    HeaderValue::try_from(EntityTag::new_weak(hash.to_owned()).to_string())
        .map_err(|e| ApiError::Internal(format!("an ETag that is no header value: {e}")))
}

/// The content hash an identity ETag carries, if `etag` is a strong tag of ours.
pub fn hash_of(etag: &HeaderValue) -> Option<String> {
    let tag: EntityTag = etag.to_str().ok()?.parse().ok()?;
    let hash = tag.tag();
    (!tag.weak && !hash.is_empty() && !CODING_SUFFIXES.iter().any(|s| hash.ends_with(s)))
        .then(|| hash.to_owned())
}

/// A read's `If-None-Match`, kept apart from the request so that the answer can be judged
/// after the request went on without it. A malformed value names nothing.
#[derive(Debug, Clone, Default)]
pub struct NoneMatch(Option<IfNoneMatch>);

impl NoneMatch {
    pub fn of(req: &HttpRequest) -> NoneMatch {
        let present = req.headers().contains_key(header::IF_NONE_MATCH);
        NoneMatch(present.then(|| IfNoneMatch::parse(req).ok()).flatten())
    }

    /// True when the header is `*` or names `etag` (weak comparison).
    pub fn names_etag(&self, etag: &HeaderValue) -> bool {
        let tag: Option<EntityTag> = etag.to_str().ok().and_then(|t| t.parse().ok());
        tag.is_some_and(|tag| self.names(tag.tag(), ""))
    }

    /// True when the header is `*` or names the tag `hash` + `suffix`, weak or strong (the
    /// weak comparison RFC 9110 asks of `If-None-Match`).
    pub fn names(&self, hash: &str, suffix: &str) -> bool {
        match &self.0 {
            Some(IfNoneMatch::Any) => true,
            Some(IfNoneMatch::Items(tags)) => tags
                .iter()
                .any(|tag| tag.tag().strip_prefix(hash) == Some(suffix)),
            None => false,
        }
    }
}

/// The tags of a write's conditional header `name` (`If-Match` or `If-None-Match`), as
/// content hashes: without quotes or `W/`, and without the coding suffix, since a write's
/// precondition compares content whatever encoding the client fetched. `None` when the header
/// is absent; a value that is not `*` or a comma list of quoted tags is a 400. (Parsed here:
/// actix-web's typed `IfMatch` drops malformed items silently, and a write must refuse them.)
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
            let tag = if item == "*" {
                item
            } else {
                let quoted = item.strip_prefix("W/").unwrap_or(item);
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
    fn only_a_strong_identity_tag_gives_its_hash() {
        let tag = |s: &'static str| HeaderValue::from_static(s);
        assert_eq!(hash_of(&tag("\"abc\"")).as_deref(), Some("abc"));
        for other in ["\"abc-gzip\"", "\"abc-br\"", "abc", "W/\"abc\"", "\"\""] {
            assert_eq!(hash_of(&tag(other)), None, "{other}");
        }
    }

    #[test]
    fn if_none_match_compares_weakly_and_takes_a_star() {
        let req = actix_web::test::TestRequest::default()
            .insert_header((header::IF_NONE_MATCH, "W/\"a\", \"b-gzip\""))
            .to_http_request();
        let list = NoneMatch::of(&req);
        assert!(list.names("a", ""));
        assert!(list.names("b", "-gzip"));
        assert!(!list.names("b", ""));
        assert!(!list.names("a", "-br"));
        let star = actix_web::test::TestRequest::default()
            .insert_header((header::IF_NONE_MATCH, "*"))
            .to_http_request();
        assert!(NoneMatch::of(&star).names("z", ""));
        let junk = actix_web::test::TestRequest::default()
            .insert_header((header::IF_NONE_MATCH, "a, b"))
            .to_http_request();
        assert!(!NoneMatch::of(&junk).names("a", ""));
    }

    #[test]
    fn write_preconditions_are_hashes_or_a_star_and_junk_is_refused() {
        let with = |value: &'static str| {
            actix_web::test::TestRequest::default()
                .insert_header((header::IF_MATCH, value))
                .to_http_request()
        };
        let tags = precondition_tags(&with("\"a-gzip\", W/\"b\""), header::IF_MATCH);
        assert_eq!(
            tags.ok().flatten(),
            Some(vec!["a".to_owned(), "b".to_owned()])
        );
        let star = precondition_tags(&with("*"), header::IF_MATCH);
        assert_eq!(star.ok().flatten(), Some(vec!["*".to_owned()]));
        for junk in ["0", "", "abc"] {
            assert!(
                precondition_tags(&with(junk), header::IF_MATCH).is_err(),
                "{junk}"
            );
        }
        let none = actix_web::test::TestRequest::default().to_http_request();
        assert_eq!(precondition_tags(&none, header::IF_MATCH).ok(), Some(None));
    }
}
