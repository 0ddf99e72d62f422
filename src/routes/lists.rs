//! What every list route shares: the representation (JSON pages, or the whole filtered set
//! as CSV or NDJSON), the page size, and the link to the next page.

use std::future::Future;
use std::rc::Rc;

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::web::Bytes;
use actix_web::{HttpRequest, HttpResponse};
use serde::Serialize;
use serde::de::DeserializeOwned;
use utoipa::ToSchema;

use super::AppState;
use crate::http::etag::{self, NoneMatch};
use crate::http::formats::{self, CsvRows};
use crate::http::representation::content_hash;
use crate::http::{ApiError, CachePolicy, Cursor, Format, Limit, ListFormat, Page};

/// The most rows one CSV or NDJSON export holds.
pub const EXPORT_LIMIT: u32 = 100_000;

/// How a list was asked for: its format, and for a JSON page its size and cursor (an export,
/// CSV or NDJSON, is the whole set from the beginning, up to [`EXPORT_LIMIT`]; see [`answer`]).
#[derive(Debug, Clone, Copy)]
pub struct Paging<'q> {
    format: Format,
    limit: u32,
    cursor: Option<&'q Cursor>,
}

impl<'q> Paging<'q> {
    pub fn new(
        req: &HttpRequest,
        format: ListFormat,
        limit: Limit,
        cursor: Option<&'q Cursor>,
    ) -> Result<Paging<'q>, ApiError> {
        Ok(Paging {
            format: format.negotiate(req)?,
            limit: limit.get(),
            cursor,
        })
    }

    /// Where the page starts: after the key the cursor holds, which must be a cursor of `list`.
    pub fn after<K: DeserializeOwned>(&self, list: &str) -> Result<Option<K>, ApiError> {
        self.cursor.map(|cursor| cursor.key(list)).transpose()
    }
}

/// Answers a list: a JSON page from the client's cursor, with `next_cursor` and a
/// `Link: rel="next"` header; or, as CSV or NDJSON, every item ([`export`]). `fetch(after,
/// limit)` reads up to `limit` items after the key `after`, and the key after the last of them
/// when more follow; `list` names the list in its cursors.
pub async fn answer<T, K, F, Fut>(
    req: &HttpRequest,
    state: &AppState,
    paging: Paging<'_>,
    list: &str,
    fetch: F,
) -> Result<HttpResponse, ApiError>
where
    T: Serialize + CsvRows + ToSchema + 'static,
    K: Serialize + DeserializeOwned + 'static,
    F: Fn(Option<K>, u32) -> Fut + 'static,
    Fut: Future<Output = Result<(Vec<T>, Option<K>), ApiError>> + 'static,
{
    if paging.format != Format::Json {
        return export(req, state, paging.format, fetch).await;
    }
    let (data, next) = fetch(paging.after(list)?, paging.limit).await?;
    let next_cursor = next.map(|key| Cursor::encode(list, key));
    respond(
        req,
        state.content_cache(),
        state,
        paging.format,
        data,
        next_cursor,
    )
}

/// Items read per query of an export: few trips to the database, little held in memory.
const EXPORT_PART: u32 = 500;

/// A whole list as CSV or NDJSON, streamed: read [`EXPORT_PART`] items at a time and written
/// out before the next part is read, up to [`EXPORT_LIMIT`] items, so that no answer holds the
/// whole file. Its weak ETag names the content version and the request, so a client holding
/// it gets a 304 without a row being read. Should the content change between two parts, the
/// stream stops short of its final chunk, which clients see as an incomplete transfer, rather
/// than mix two versions.
async fn export<T, K, F, Fut>(
    req: &HttpRequest,
    state: &AppState,
    format: Format,
    fetch: F,
) -> Result<HttpResponse, ApiError>
where
    T: Serialize + CsvRows + 'static,
    K: 'static,
    F: Fn(Option<K>, u32) -> Fut + 'static,
    Fut: Future<Output = Result<(Vec<T>, Option<K>), ApiError>> + 'static,
{
    let version = state.store.content_version().await?;
    let request = format!(
        "{version}\n{}?{}\n{format:?}",
        req.path(),
        req.query_string()
    );
    let etag = etag::format_weak(&content_hash(request.as_bytes()))?;
    let mut response = HttpResponse::Ok();
    response
        .insert_header((header::ETAG, etag.clone()))
        .insert_header((header::CACHE_CONTROL, state.cache_control.clone()))
        .insert_header((header::VARY, "Accept"));
    if NoneMatch::of(req).names_etag(&etag) {
        return Ok(response.status(StatusCode::NOT_MODIFIED).finish());
    }
    let (fetch, store) = (Rc::new(fetch), state.store.clone());
    let parts = futures_util::stream::try_unfold(Some((None, 0)), move |position| {
        let (fetch, store) = (fetch.clone(), store.clone());
        async move {
            let Some((after, sent)) = position else {
                return Ok(None);
            };
            let (items, next) = fetch(after, EXPORT_PART.min(EXPORT_LIMIT - sent)).await?;
            if store.content_version().await? != version {
                return Err(ApiError::Internal(
                    "the content changed while it was exported".to_owned(),
                ));
            }
            let part = formats::rows(format, &items, sent == 0)?;
            let sent = sent.saturating_add(u32::try_from(items.len()).unwrap_or(u32::MAX));
            let position = next
                .filter(|_| sent < EXPORT_LIMIT)
                .map(|key| (Some(key), sent));
            Ok::<_, ApiError>(Some((Bytes::from(part), position)))
        }
    });
    Ok(response
        .content_type(formats::export_type(format))
        .streaming(parts))
}

/// Answers a list: a JSON page with `next_cursor` and a `Link: rel="next"` header, or the
/// rows as CSV or NDJSON, of items already read (the lists inside one roadmap).
pub fn respond<T: Serialize + CsvRows + ToSchema>(
    req: &HttpRequest,
    cache: CachePolicy<'_>,
    state: &AppState,
    format: Format,
    data: Vec<T>,
    next_cursor: Option<String>,
) -> Result<HttpResponse, ApiError> {
    let link = next_cursor.as_ref().map(|cursor| {
        let query = with_cursor(req.query_string(), cursor);
        let url = state.link(&format!("{}?{query}", req.path()));
        format!("<{url}>; rel=\"next\"")
    });
    let mut response = formats::list(req, format, Page { data, next_cursor }, cache)?;
    if let Some(value) = link.and_then(|link| HeaderValue::from_str(&link).ok()) {
        response.headers_mut().insert(header::LINK, value);
    }
    Ok(response)
}

/// The key after the last item of a page, when more items follow.
pub fn next_key<T, K>(more: bool, page: &[T], key: impl Fn(&T) -> K) -> Option<K> {
    page.last().filter(|_| more).map(key)
}

/// `query` with `cursor` set to `next`: the query of the next page, which keeps every other
/// parameter the client gave, ours or not.
fn with_cursor(query: &str, next: &str) -> String {
    let mut out = form_urlencoded::Serializer::new(String::new());
    for (name, value) in
        form_urlencoded::parse(query.as_bytes()).filter(|(name, _)| name != "cursor")
    {
        out.append_pair(&name, &value);
    }
    out.append_pair("cursor", next);
    out.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_next_page_keeps_every_other_parameter() {
        assert_eq!(
            with_cursor("tier=skip&cursor=old&limit=5&utm=x", "new"),
            "tier=skip&limit=5&utm=x&cursor=new"
        );
    }
}
