//! What every list route shares: the representation (JSON pages, or the whole filtered set
//! as CSV or NDJSON), the page size, and the link to the next page.

use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpRequest, HttpResponse};
use serde::Serialize;
use serde::de::DeserializeOwned;
use utoipa::ToSchema;

use super::AppState;
use crate::http::formats::{self, CsvRows};
use crate::http::{ApiError, CachePolicy, Cursor, Format, Limit, ListFormat, Page};

/// The most rows one CSV or NDJSON export holds.
pub const EXPORT_LIMIT: u32 = 100_000;

/// How much of a list to answer: a page for JSON; for CSV and NDJSON, the whole set from the
/// beginning (up to [`EXPORT_LIMIT`]).
#[derive(Debug, Clone, Copy)]
pub struct Paging<'q> {
    pub format: Format,
    pub limit: u32,
    cursor: Option<&'q Cursor>,
}

impl<'q> Paging<'q> {
    pub fn new(
        req: &HttpRequest,
        format: ListFormat,
        limit: Limit,
        cursor: Option<&'q Cursor>,
    ) -> Result<Paging<'q>, ApiError> {
        let format = format.negotiate(req)?;
        let json = format == Format::Json;
        Ok(Paging {
            format,
            limit: if json { limit.get() } else { EXPORT_LIMIT },
            cursor: cursor.filter(|_| json),
        })
    }

    /// Where the page starts: after the key the cursor holds, which must be a cursor of `list`.
    pub fn after<K: DeserializeOwned>(&self, list: &str) -> Result<Option<K>, ApiError> {
        self.cursor.map(|cursor| cursor.key(list)).transpose()
    }
}

/// Answers a list: a JSON page with `next_cursor` and a `Link: rel="next"` header, or the
/// rows as CSV or NDJSON.
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

/// The cursor after the last item of a page, when more items follow.
pub fn next_cursor<'a, T, K: serde::Serialize>(
    more: bool,
    page: &'a [T],
    list: &str,
    key: impl Fn(&'a T) -> K,
) -> Option<String> {
    page.last()
        .filter(|_| more)
        .map(|last| Cursor::encode(list, key(last)))
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
