//! Cacheable responses: a strong ETag per representation ([`super::etag`]), `If-None-Match`
//! answered with 304, `Cache-Control`, and gzip or brotli when the client accepts them.
//!
//! Compression is done here rather than by actix-web's `Compress` middleware so that the ETag
//! and the encoding are chosen together, and so that the response cache keeps each variant
//! once instead of compressing it again for every client.

use std::io::Write;
use std::sync::OnceLock;

use actix_web::body::BoxBody;
use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderMap, HeaderName, HeaderValue};
use actix_web::web::Bytes;
use actix_web::{HttpRequest, HttpResponse};
use serde::Serialize;
use utoipa::ToSchema;

use super::ApiError;
use super::etag::{self, NoneMatch};

/// A list of items. `next_cursor` is the `cursor` for the next page, null on the last page
/// (lists inside a roadmap are never paged, so theirs is always null).
#[derive(Debug, Serialize, ToSchema)]
pub struct Page<T: ToSchema> {
    pub data: Vec<T>,
    #[schema(required = true)]
    pub next_cursor: Option<String>,
}

/// How long shared caches may keep a response.
#[derive(Debug, Clone, Copy)]
pub enum CachePolicy<'a> {
    /// Content: the configured `Cache-Control` (default
    /// `public, max-age=60, stale-while-revalidate=600`).
    Content(&'a str),
    /// Health and errors: `no-store`.
    NoStore,
}

impl CachePolicy<'_> {
    fn header(&self) -> &str {
        match self {
            CachePolicy::Content(value) => value,
            CachePolicy::NoStore => "no-store",
        }
    }
}

/// A content coding this service compresses with. The discriminant indexes
/// `Rendered::etags`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    Identity = 0,
    Gzip = 1,
    Brotli = 2,
}

impl Encoding {
    /// The `Content-Encoding` name; none for identity.
    fn name(self) -> Option<&'static str> {
        match self {
            Encoding::Identity => None,
            Encoding::Gzip => Some("gzip"),
            Encoding::Brotli => Some("br"),
        }
    }

    fn suffix(self) -> &'static str {
        match self {
            Encoding::Identity => "",
            Encoding::Gzip => "-gzip",
            Encoding::Brotli => "-br",
        }
    }

    /// The best coding the client accepts (brotli, then gzip), honouring `q=0`.
    pub fn negotiate(req: &HttpRequest) -> Encoding {
        let Some(accepted) = req
            .headers()
            .get(header::ACCEPT_ENCODING)
            .and_then(|v| v.to_str().ok())
        else {
            return Encoding::Identity;
        };
        let quality = |coding: &str| -> f32 {
            let mut wildcard = None;
            for item in accepted.split(',') {
                let mut parts = item.split(';');
                let name = parts.next().unwrap_or("").trim();
                let q = parts
                    .find_map(|p| {
                        p.trim()
                            .strip_prefix("q=")
                            .map(|q| q.trim().parse::<f32>().unwrap_or(0.0))
                    })
                    .unwrap_or(1.0);
                if name.eq_ignore_ascii_case(coding) {
                    return q;
                }
                if name == "*" {
                    wildcard = Some(q);
                }
            }
            wildcard.unwrap_or(0.0)
        };
        let (br, gzip) = (quality("br"), quality("gzip"));
        if br > 0.0 && br >= gzip {
            Encoding::Brotli
        } else if gzip > 0.0 {
            Encoding::Gzip
        } else {
            Encoding::Identity
        }
    }

    fn encode(self, body: Vec<u8>) -> std::io::Result<Vec<u8>> {
        match self {
            Encoding::Identity => Ok(body),
            Encoding::Gzip => {
                let mut encoder =
                    flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
                encoder.write_all(&body)?;
                encoder.finish()
            }
            Encoding::Brotli => {
                let mut out = Vec::new();
                let params = brotli::enc::BrotliEncoderParams {
                    quality: 5,
                    ..Default::default()
                };
                brotli::BrotliCompress(&mut body.as_slice(), &mut out, &params)?;
                Ok(out)
            }
        }
    }
}

pub use crate::domain::content_hash;

/// What decides which representation a request gets: whether it is a read, the best coding it
/// accepts, and its `If-None-Match`. Taken from the request before the response cache lets it
/// go on without them (see [`super::cache`]).
#[derive(Debug, Clone)]
pub struct Conditions {
    read: bool,
    encoding: Encoding,
    if_none_match: NoneMatch,
}

impl Conditions {
    /// True when the request is a read whose `If-None-Match` names `etag`.
    pub fn holds(&self, etag: &HeaderValue) -> bool {
        self.read && self.if_none_match.names_etag(etag)
    }

    pub fn of(req: &HttpRequest) -> Conditions {
        Conditions {
            read: matches!(
                *req.method(),
                actix_web::http::Method::GET | actix_web::http::Method::HEAD
            ),
            encoding: Encoding::negotiate(req),
            if_none_match: NoneMatch::of(req),
        }
    }
}

/// Serializes `value` as the response's JSON body, honouring the request's validators and
/// accepted encodings.
pub fn json<T: Serialize>(
    req: &HttpRequest,
    value: &T,
    cache: CachePolicy<'_>,
) -> Result<HttpResponse, ApiError> {
    let body = serde_json::to_vec(value)
        .map_err(|e| ApiError::Internal(format!("serializing the response: {e}")))?;
    bytes(req, body, "application/json", cache)
}

/// Like [`json`], for a body already serialized.
pub fn bytes(
    req: &HttpRequest,
    body: Vec<u8>,
    content_type: &str,
    cache: CachePolicy<'_>,
) -> Result<HttpResponse, ApiError> {
    let mut headers = HeaderMap::new();
    if let Ok(value) = HeaderValue::from_str(content_type) {
        headers.insert(header::CONTENT_TYPE, value);
    }
    if let Ok(value) = HeaderValue::from_str(cache.header()) {
        headers.insert(header::CACHE_CONTROL, value);
    }
    Rendered::new(body)?.respond(&Conditions::of(req), &headers)
}

/// A body ready to serve in every encoding: the identity bytes, the ETag of each encoding,
/// and the gzip and brotli variants, each made the first time a client asks for it.
#[derive(Debug)]
pub struct Rendered {
    identity: Bytes,
    hash: String,
    /// Indexed by `Encoding`: made once here rather than on every response.
    etags: [HeaderValue; 3],
    gzip: OnceLock<Bytes>,
    br: OnceLock<Bytes>,
}

impl Rendered {
    pub fn new(mut identity: Vec<u8>) -> Result<Rendered, ApiError> {
        // A serializer's buffer grows by doubling: kept as it is, a cached body could hold
        // twice its length.
        identity.shrink_to_fit();
        let hash = content_hash(&identity);
        Rendered::with_hash(identity.into(), &hash)
    }

    /// The identity bytes of a response that a route rendered, with the hash its ETag
    /// already names (when it is one of ours), so that the bytes are not hashed twice.
    pub fn of_response(identity: Bytes, etag: Option<&HeaderValue>) -> Result<Rendered, ApiError> {
        let hash = etag
            .and_then(etag::hash_of)
            .unwrap_or_else(|| content_hash(&identity));
        Rendered::with_hash(identity, &hash)
    }

    fn with_hash(identity: Bytes, hash: &str) -> Result<Rendered, ApiError> {
        Ok(Rendered {
            etags: [
                etag::format(hash, Encoding::Identity.suffix())?,
                etag::format(hash, Encoding::Gzip.suffix())?,
                etag::format(hash, Encoding::Brotli.suffix())?,
            ],
            identity,
            hash: hash.to_owned(),
            gzip: OnceLock::new(),
            br: OnceLock::new(),
        })
    }

    /// What this body will hold once both compressed variants are made, for bounding a cache
    /// by bytes: gzip and brotli each take well under a quarter of the identity bytes of the
    /// text this service serves, so half of them again is an upper estimate.
    pub fn weight(&self) -> usize {
        self.identity.len() + self.identity.len() / 2
    }

    fn variant(&self, encoding: Encoding) -> Result<Bytes, ApiError> {
        let cell = match encoding {
            Encoding::Identity => return Ok(self.identity.clone()),
            Encoding::Gzip => &self.gzip,
            Encoding::Brotli => &self.br,
        };
        if let Some(bytes) = cell.get() {
            return Ok(bytes.clone());
        }
        let encoded = encoding
            .encode(self.identity.to_vec())
            .map_err(|e| ApiError::Internal(format!("compressing the response: {e}")))?;
        Ok(cell.get_or_init(|| Bytes::from(encoded)).clone())
    }

    /// The response under `conditions`: a 304 when its `If-None-Match` names this
    /// representation, else the body in the best encoding the client accepts; with `headers`
    /// (without their `Content-Type` on a 304), the security headers, and `ETag` and `Vary`
    /// either way.
    pub fn respond<'h>(
        &self,
        conditions: &Conditions,
        headers: impl IntoIterator<Item = (&'h HeaderName, &'h HeaderValue)>,
    ) -> Result<HttpResponse, ApiError> {
        let encoding = conditions.encoding;
        let etag = &self.etags[encoding as usize];
        let not_modified = conditions.read
            && conditions
                .if_none_match
                .names(&self.hash, encoding.suffix());
        let mut response = if not_modified {
            HttpResponse::with_body(StatusCode::NOT_MODIFIED, BoxBody::new(()))
        } else {
            HttpResponse::with_body(StatusCode::OK, BoxBody::new(self.variant(encoding)?))
        };
        let out = response.headers_mut();
        for (name, value) in headers {
            out.append(name.clone(), value.clone());
        }
        // Chosen by the body's type, so before a 304 drops it: a page's 304 keeps the page's
        // policy.
        super::headers::secure(out);
        if not_modified {
            out.remove(header::CONTENT_TYPE);
        }
        if let Some(coding) = encoding.name().filter(|_| !not_modified) {
            out.insert(header::CONTENT_ENCODING, HeaderValue::from_static(coding));
        }
        out.insert(header::ETAG, etag.clone());
        // Every route negotiates its format (406 otherwise) and its encoding.
        out.insert(
            header::VARY,
            HeaderValue::from_static("Accept, Accept-Encoding"),
        );
        Ok(response)
    }
}
