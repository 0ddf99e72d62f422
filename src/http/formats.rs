//! Content negotiation: which representation a client gets.
//!
//! Lists come as JSON (`{"data": [...], "next_cursor": ...}`), CSV (RFC 4180, a header row,
//! one row per item, list cells joined with `; `) or NDJSON (one JSON object a line). CSV
//! and NDJSON carry the whole filtered set, unpaged. The format is chosen by `?format=` (for
//! tools that cannot set headers) or else by `Accept`; an `Accept` that names nothing the
//! route serves is a 406.

use std::marker::PhantomData;

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse};
use serde::{Deserialize, Deserializer, Serialize};
use utoipa::openapi::RefOr;
use utoipa::openapi::schema::Schema;
use utoipa::{PartialSchema, ToSchema};

use super::ApiError;
use super::params::choice_schema;
use super::query::read_text;
use super::representation::{CachePolicy, Page, bytes, json};

/// A representation a route can serve.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Json,
    Csv,
    Ndjson,
    JsonLd,
    Calendar,
    Atom,
    /// JSON Feed 1.1, which a client asking for plain JSON gets too.
    JsonFeed,
}

impl Format {
    fn media_type(self) -> &'static str {
        match self {
            Format::Json => "application/json",
            Format::Csv => "text/csv",
            Format::Ndjson => "application/x-ndjson",
            Format::JsonLd => "application/ld+json",
            Format::Calendar => "text/calendar",
            Format::Atom => "application/atom+xml",
            Format::JsonFeed => "application/feed+json",
        }
    }

    fn parameter_name(self) -> &'static str {
        match self {
            Format::Json => "json",
            Format::Csv => "csv",
            Format::Ndjson => "ndjson",
            Format::JsonLd => "jsonld",
            Format::Calendar => "ics",
            Format::Atom => "atom",
            Format::JsonFeed => "json",
        }
    }
}

/// The formats a route serves, its default first.
pub trait Offered {
    const FORMATS: &'static [Format];
}

/// The formats of every list.
#[derive(Debug, Clone, Copy)]
pub enum Lists {}

impl Offered for Lists {
    const FORMATS: &'static [Format] = &[Format::Json, Format::Csv, Format::Ndjson];
}

/// JSON alone, for single resources.
#[derive(Debug, Clone, Copy)]
pub enum JsonOnly {}

impl Offered for JsonOnly {
    const FORMATS: &'static [Format] = &[Format::Json];
}

/// `?format=`, one of the formats `O` offers: for tools that cannot set `Accept`, which
/// decides when it is not given.
#[derive(Debug, Clone, Copy)]
pub struct FormatParam<O>(Option<Format>, PhantomData<O>);

// utoipa inlines the schema of a type only when it is named without generic arguments, so
// query structs name a format parameter by an alias.

/// `?format=` of a list.
pub type ListFormat = FormatParam<Lists>;

/// `?format=` of a resource served as JSON only.
pub type JsonFormat = FormatParam<JsonOnly>;

impl<O> Default for FormatParam<O> {
    fn default() -> Self {
        FormatParam(None, PhantomData)
    }
}

impl<O: Offered> FormatParam<O> {
    /// The format to answer with: the one asked for, else the best `Accept` allows.
    pub fn negotiate(self, req: &HttpRequest) -> Result<Format, ApiError> {
        match self.0 {
            Some(format) => Ok(format),
            None => accepted(req, O::FORMATS),
        }
    }

    fn names() -> impl Iterator<Item = &'static str> {
        O::FORMATS.iter().map(|f| f.parameter_name())
    }
}

impl<'de, O: Offered> Deserialize<'de> for FormatParam<O> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        read_text(deserializer, |name| {
            O::FORMATS
                .iter()
                .find(|f| f.parameter_name() == name)
                .map(|f| FormatParam(Some(*f), PhantomData))
                .ok_or_else(|| {
                    format!(
                        "must be one of: {}",
                        Self::names().collect::<Vec<_>>().join(", ")
                    )
                })
        })
    }
}

impl<O: Offered> PartialSchema for FormatParam<O> {
    fn schema() -> RefOr<Schema> {
        choice_schema(Self::names()).into()
    }
}

impl<O: Offered> ToSchema for FormatParam<O> {}

/// The format `Accept` prefers out of `offered`; the first when there is no `Accept`.
fn accepted(req: &HttpRequest, offered: &[Format]) -> Result<Format, ApiError> {
    let Some(accept) = req.headers().get(header::ACCEPT) else {
        return Ok(offered[0]);
    };
    let accept = accept
        .to_str()
        .map_err(|_| ApiError::NotAcceptable(supported(offered)))?;
    let mut best: Option<(f32, usize, Format)> = None;
    for range in accept.split(',') {
        let mut parts = range.split(';');
        let media = parts.next().unwrap_or("").trim().to_ascii_lowercase();
        let q = parts
            .filter_map(|p| p.trim().strip_prefix("q="))
            .find_map(|q| q.trim().parse::<f32>().ok())
            .unwrap_or(1.0);
        if q <= 0.0 {
            continue;
        }
        for (rank, format) in offered.iter().enumerate() {
            let (kind, _) = format.media_type().split_once('/').unwrap_or_default();
            let matches = media == format.media_type()
                || media == "*/*"
                || media.strip_suffix("/*").is_some_and(|k| k == kind)
                || (*format == Format::Ndjson && media == "application/ndjson")
                || (*format == Format::JsonFeed && media == "application/json");
            // Higher q wins; on a tie, the route's own order (its default first).
            if matches && best.is_none_or(|(bq, br, _)| q > bq || (q == bq && rank < br)) {
                best = Some((q, rank, *format));
            }
        }
    }
    best.map(|(_, _, format)| format)
        .ok_or_else(|| ApiError::NotAcceptable(supported(offered)))
}

fn supported(offered: &[Format]) -> String {
    offered
        .iter()
        .map(|f| f.media_type())
        .collect::<Vec<_>>()
        .join(", ")
}

/// An item of a list that can be a CSV row (or several: a certification gives one row per
/// rating).
pub trait CsvRows {
    /// The header row.
    const HEADER: &'static [&'static str];
    /// The rows of this item, each as long as the header.
    fn rows(&self) -> Vec<Vec<String>>;
}

/// A list cell: the items joined with `; `.
pub fn joined<S: AsRef<str>>(items: &[S]) -> String {
    items
        .iter()
        .map(AsRef::as_ref)
        .collect::<Vec<_>>()
        .join("; ")
}

/// A cell for an optional value: empty when absent.
pub fn cell<T: ToString>(value: Option<T>) -> String {
    value.map(|v| v.to_string()).unwrap_or_default()
}

/// Answers a list in the negotiated format.
pub fn list<T: Serialize + CsvRows + ToSchema>(
    req: &HttpRequest,
    format: Format,
    page: Page<T>,
    cache: CachePolicy<'_>,
) -> Result<HttpResponse, ApiError> {
    match format {
        Format::Csv | Format::Ndjson => {
            let body = rows(format, &page.data, true)?;
            bytes(req, body, export_type(format), cache)
        }
        _ => json(req, &page, cache),
    }
}

/// The `Content-Type` of a CSV or NDJSON export.
pub fn export_type(format: Format) -> &'static str {
    match format {
        Format::Csv => "text/csv; charset=utf-8; header=present",
        _ => "application/x-ndjson",
    }
}

/// Items as CSV rows (after the header row, when `first`) or NDJSON lines: a whole export,
/// or one part of a streamed one.
pub fn rows<T: Serialize + CsvRows>(
    format: Format,
    items: &[T],
    first: bool,
) -> Result<Vec<u8>, ApiError> {
    if format == Format::Csv {
        let write = || -> Result<Vec<u8>, Box<dyn std::error::Error>> {
            let mut writer = csv::Writer::from_writer(Vec::new());
            if first {
                writer.write_record(T::HEADER)?;
            }
            for item in items {
                for row in item.rows() {
                    writer.write_record(row)?;
                }
            }
            Ok(writer.into_inner()?)
        };
        return write().map_err(|e| ApiError::Internal(format!("writing CSV: {e}")));
    }
    let mut body = Vec::new();
    for item in items {
        serde_json::to_writer(&mut body, item)
            .map_err(|e| ApiError::Internal(format!("writing NDJSON: {e}")))?;
        body.push(b'\n');
    }
    Ok(body)
}

#[cfg(test)]
mod tests {
    use actix_web::test::TestRequest;

    use super::*;
    use crate::http::query;

    #[derive(Debug, Deserialize, utoipa::IntoParams)]
    struct FormatQuery {
        #[serde(default)]
        #[param(inline)]
        format: ListFormat,
    }

    fn choose_from<O: Offered>(
        accept: Option<&str>,
        format: FormatParam<O>,
    ) -> Result<Format, ApiError> {
        let mut req = TestRequest::default();
        if let Some(accept) = accept {
            req = req.insert_header((header::ACCEPT, accept));
        }
        format.negotiate(&req.to_http_request())
    }

    fn choose(accept: Option<&str>, query: &str) -> Result<Format, ApiError> {
        let query: FormatQuery = query::parse(query)?;
        choose_from(accept, query.format)
    }

    #[test]
    fn accept_and_format_choose_the_representation() {
        assert_eq!(choose(None, "").ok(), Some(Format::Json));
        assert_eq!(choose(Some("text/csv"), "").ok(), Some(Format::Csv));
        assert_eq!(
            choose(Some("application/x-ndjson"), "").ok(),
            Some(Format::Ndjson)
        );
        assert_eq!(choose(Some("text/*"), "").ok(), Some(Format::Csv));
        assert_eq!(
            choose(Some("text/html,application/xhtml+xml,*/*;q=0.8"), "").ok(),
            Some(Format::Json)
        );
        assert_eq!(
            choose(Some("text/csv;q=0.5, application/json"), "").ok(),
            Some(Format::Json)
        );
        assert_eq!(
            choose(Some("application/json"), "format=csv").ok(),
            Some(Format::Csv)
        );
    }

    #[test]
    fn what_cannot_be_served_is_refused() {
        assert!(matches!(
            choose(Some("image/png"), ""),
            Err(ApiError::NotAcceptable(_))
        ));
        assert!(matches!(
            choose(Some("text/csv;q=0"), ""),
            Err(ApiError::NotAcceptable(_))
        ));
        assert!(matches!(
            choose(None, "format=xml"),
            Err(ApiError::BadParameter { name: "format", .. })
        ));
        assert!(matches!(
            choose_from(Some("text/csv"), JsonFormat::default()),
            Err(ApiError::NotAcceptable(_))
        ));
    }

    #[test]
    fn the_schema_lists_what_is_offered() {
        let schema = serde_json::to_value(ListFormat::schema()).expect("JSON");
        assert_eq!(schema["pattern"], "^(json|csv|ndjson)$");
        let schema = serde_json::to_value(JsonFormat::schema()).expect("JSON");
        assert_eq!(schema["pattern"], "^json$");
    }
}
