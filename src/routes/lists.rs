//! What every list route shares: the representation (JSON pages, or the whole filtered set
//! as CSV or NDJSON), the page size, and the link to the next page.

use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpRequest, HttpResponse};
use serde::Serialize;
use utoipa::ToSchema;

use super::AppState;
use crate::http::formats::{self, CsvRows};
use crate::http::{
    ApiError, CachePolicy, Cursor, Format, LIST_FORMATS, Limit, Page, QueryParams, negotiate,
};

/// The most rows one CSV or NDJSON export holds.
pub const EXPORT_LIMIT: u32 = 100_000;

/// How a list was asked for.
#[derive(Debug, Clone, Copy)]
pub struct ListQuery {
    pub format: Format,
    /// The page size; for CSV and NDJSON, the whole set (up to [`EXPORT_LIMIT`]).
    pub limit: u32,
}

impl ListQuery {
    pub fn parse(req: &HttpRequest, query: &QueryParams) -> Result<ListQuery, ApiError> {
        let format = negotiate(req, query, LIST_FORMATS)?;
        let limit = Limit::from_query(query)?.0;
        Ok(ListQuery {
            format,
            limit: if format == Format::Json {
                limit
            } else {
                EXPORT_LIMIT
            },
        })
    }

    /// The cursor, for a JSON page; exports start from the beginning.
    pub fn cursor<K: serde::de::DeserializeOwned>(
        &self,
        query: &QueryParams,
        list: &str,
    ) -> Result<Option<K>, ApiError> {
        if self.format == Format::Json {
            query.cursor(list)
        } else {
            Ok(None)
        }
    }
}

/// Answers a list: a JSON page with `next_cursor` and a `Link: rel="next"` header, or the
/// rows as CSV or NDJSON.
pub fn respond<T: Serialize + CsvRows + ToSchema>(
    req: &HttpRequest,
    cache: CachePolicy<'_>,
    state: &AppState,
    query: &QueryParams,
    list: ListQuery,
    data: Vec<T>,
    next_cursor: Option<String>,
) -> Result<HttpResponse, ApiError> {
    let link = next_cursor.as_ref().map(|cursor| {
        let url = state.link(&format!("{}?{}", req.path(), query.with_cursor(cursor)));
        format!("<{url}>; rel=\"next\"")
    });
    let mut response = formats::list(req, list.format, Page { data, next_cursor }, cache)?;
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
