//! Request bodies: a JSON body read whole, up to the server's limit.

use actix_web::HttpRequest;
use actix_web::http::header;
use actix_web::web::{Bytes, Payload};

use super::ApiError;

/// The body of a request that must be `application/json` (or a `+json` type), read whole up
/// to `limit` bytes. Read here rather than by the `Bytes` extractor, so that the 413 can name
/// the limit and what sets it.
pub async fn json_body(
    req: &HttpRequest,
    payload: Payload,
    limit: usize,
) -> Result<Bytes, ApiError> {
    let json = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|media| media.trim() == "application/json" || media.trim().ends_with("+json"));
    if !json {
        return Err(ApiError::UnsupportedMediaType);
    }
    payload
        .to_bytes_limited(limit)
        .await
        .map_err(|_| ApiError::BodyTooLarge(limit))?
        .map_err(|e| ApiError::MalformedBody(format!("the body could not be read: {e}")))
}
