//! Cacheable JSON responses: a strong ETag per representation, `If-None-Match` answered with
//! 304, `Cache-Control`, and gzip or brotli when the client accepts them.
//!
//! The ETag is a hash of the identity JSON bytes; a compressed body is another
//! representation, so its ETag carries a suffix (`"…-gzip"`, `"…-br"`) and caches never mix
//! them. Compression is done here rather than by a generic middleware so that the ETag and the
//! encoding are chosen together.

use std::io::Write;
use std::sync::OnceLock;

use actix_web::HttpMessage;
use actix_web::body::BoxBody;
use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderMap, HeaderValue};
use actix_web::web::Bytes;
use actix_web::{HttpRequest, HttpResponse};
use serde::Serialize;
use utoipa::ToSchema;

use super::ApiError;

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

/// The discriminant indexes `Rendered::etags`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Encoding {
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
    fn negotiate(req: &HttpRequest) -> Encoding {
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

/// True when a read's `If-None-Match` header names this ETag (weak comparison, as RFC 9110
/// asks). On a write it is a precondition, which the write itself checks.
fn none_match(req: &HttpRequest, etag: &HeaderValue) -> bool {
    matches!(
        *req.method(),
        actix_web::http::Method::GET | actix_web::http::Method::HEAD
    ) && req
        .headers()
        .get_all(header::IF_NONE_MATCH)
        .filter_map(|v| v.to_str().ok())
        .any(|list| {
            list.split(',')
                .map(|tag| tag.trim().trim_start_matches("W/"))
                .any(|tag| tag == "*" || tag.as_bytes() == etag.as_bytes())
        })
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

/// Marks a request rendered for the response cache: the route answers 200 with the plain
/// identity body (no ETag, no 304, no compression), which the cache then keeps and serves
/// with its own. Such a route must not answer `no-store`, or the bare body would be sent.
#[derive(Debug, Clone, Copy)]
pub struct RenderForCache;

/// Like [`json`], for a body already serialized.
pub fn bytes(
    req: &HttpRequest,
    body: Vec<u8>,
    content_type: &str,
    cache: CachePolicy<'_>,
) -> Result<HttpResponse, ApiError> {
    let mut response = if req.extensions().contains::<RenderForCache>() {
        HttpResponse::Ok().body(body)
    } else {
        Rendered::new(body)?.respond(req, &HeaderMap::new())?
    };
    let headers = response.headers_mut();
    if let Ok(value) = HeaderValue::from_str(content_type) {
        headers.insert(header::CONTENT_TYPE, value);
    }
    if let Ok(value) = HeaderValue::from_str(cache.header()) {
        headers.insert(header::CACHE_CONTROL, value);
    }
    Ok(response)
}

/// A body ready to serve in every encoding: the identity bytes, the ETag of each encoding,
/// and the gzip and brotli variants, each made the first time a client asks for it.
#[derive(Debug)]
pub struct Rendered {
    identity: Bytes,
    /// Indexed by `Encoding`: made once here rather than on every response.
    etags: [HeaderValue; 3],
    gzip: OnceLock<Bytes>,
    br: OnceLock<Bytes>,
}

impl Rendered {
    pub fn new(identity: Vec<u8>) -> Result<Rendered, ApiError> {
        let hash = content_hash(&identity);
        let etag = |encoding: Encoding| {
            HeaderValue::try_from(format!("\"{hash}{}\"", encoding.suffix()))
                .map_err(|e| ApiError::Internal(format!("an ETag that is no header value: {e}")))
        };
        Ok(Rendered {
            etags: [
                etag(Encoding::Identity)?,
                etag(Encoding::Gzip)?,
                etag(Encoding::Brotli)?,
            ],
            identity: Bytes::from(identity),
            gzip: OnceLock::new(),
            br: OnceLock::new(),
        })
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

    /// The response to `req`: a 304 when its `If-None-Match` names this representation, else
    /// the body in the best encoding the client accepts; with the route's `headers` (without
    /// their `Content-Type` on a 304), and `ETag` and `Vary` either way.
    pub fn respond(
        &self,
        req: &HttpRequest,
        headers: &HeaderMap,
    ) -> Result<HttpResponse, ApiError> {
        let encoding = Encoding::negotiate(req);
        let etag = &self.etags[encoding as usize];
        let not_modified = none_match(req, etag);
        // Built directly, not through a builder: the status and body are all there is to set.
        let mut response = if not_modified {
            HttpResponse::with_body(StatusCode::NOT_MODIFIED, BoxBody::new(()))
        } else {
            HttpResponse::with_body(StatusCode::OK, BoxBody::new(self.variant(encoding)?))
        };
        // Added to the response's own map, which actix-web keeps, emptied, from one response
        // to the next: a copy of the whole map would be allocated anew for every response.
        let out = response.headers_mut();
        for (name, value) in headers {
            // A 304 has no body to type.
            if !(not_modified && name == header::CONTENT_TYPE) {
                out.append(name.clone(), value.clone());
            }
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
