//! Query parameters, parsed one by one so that a bad value gets a 400 naming its parameter.
//!
//! Unknown parameters are ignored (cache busters and tracking parameters are common on public
//! GET URLs); a known parameter given twice is an error, since the API could only guess which
//! one was meant.

use std::fmt::Display;
use std::future::{Ready, ready};
use std::str::FromStr;

use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use super::{ApiError, excerpt};
use crate::domain::Slug;

/// The longest query string accepted.
pub const MAX_QUERY_LEN: usize = 2048;

/// The decoded query string of a request.
#[derive(Debug, Clone)]
pub struct QueryParams(Vec<(String, String)>);

impl QueryParams {
    pub fn parse(query: &str) -> Result<QueryParams, ApiError> {
        if query.len() > MAX_QUERY_LEN {
            return Err(ApiError::QueryTooLong(MAX_QUERY_LEN));
        }
        Ok(QueryParams(
            form_urlencoded::parse(query.as_bytes())
                .into_owned()
                .collect(),
        ))
    }

    /// The parameter's raw value, if given once.
    pub fn raw(&self, name: &'static str) -> Result<Option<&str>, ApiError> {
        let mut values = self
            .0
            .iter()
            .filter(|(key, _)| key == name)
            .map(|(_, v)| v.as_str());
        let first = values.next();
        if values.next().is_some() {
            return Err(ApiError::bad_parameter(name, "is given more than once"));
        }
        Ok(first)
    }

    /// The parameter parsed with `FromStr`, whose error message completes "parameter `x` ...".
    pub fn get<T>(&self, name: &'static str) -> Result<Option<T>, ApiError>
    where
        T: FromStr,
        T::Err: Display,
    {
        self.raw(name)?
            .map(|raw| {
                raw.parse::<T>().map_err(|e| {
                    ApiError::bad_parameter(name, format!("{e}; got `{}`", excerpt(raw)))
                })
            })
            .transpose()
    }

    /// A whole number parameter within bounds.
    pub fn number(&self, name: &'static str, min: u32, max: u32) -> Result<Option<u32>, ApiError> {
        self.raw(name)?
            .map(|raw| {
                Some(raw)
                    .filter(|raw| !raw.is_empty() && raw.bytes().all(|b| b.is_ascii_digit()))
                    .and_then(|digits| digits.parse::<u32>().ok())
                    .filter(|n| (min..=max).contains(n))
                    .ok_or_else(|| {
                        ApiError::bad_parameter(
                            name,
                            format!(
                                "must be a whole number from {min} to {max}; got `{}`",
                                excerpt(raw)
                            ),
                        )
                    })
            })
            .transpose()
    }
}

impl FromRequest for QueryParams {
    type Error = ApiError;
    type Future = Ready<Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(QueryParams::parse(req.query_string()))
    }
}

/// Page size: 1 to 100, default 20.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limit(pub u32);

impl Limit {
    pub const DEFAULT: u32 = 20;
    pub const MAX: u32 = 100;

    pub fn from_query(query: &QueryParams) -> Result<Limit, ApiError> {
        Ok(Limit(
            query
                .number("limit", 1, Self::MAX)?
                .unwrap_or(Self::DEFAULT),
        ))
    }
}

/// An opaque keyset cursor: where the previous page ended. Clients pass it back unchanged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cursor {
    pub after: Slug,
}

const CURSOR_PREFIX: &str = "v1:";

impl Cursor {
    pub fn encode(&self) -> String {
        URL_SAFE_NO_PAD.encode(format!("{CURSOR_PREFIX}{}", self.after))
    }
}

/// A string that is not a cursor this API issued.
#[derive(Debug, thiserror::Error)]
#[error("is not a cursor this API issued; pass back `next_cursor` unchanged")]
pub struct ForeignCursor;

impl FromStr for Cursor {
    type Err = ForeignCursor;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bytes = URL_SAFE_NO_PAD.decode(s).map_err(|_| ForeignCursor)?;
        let text = String::from_utf8(bytes).map_err(|_| ForeignCursor)?;
        let slug = text.strip_prefix(CURSOR_PREFIX).ok_or(ForeignCursor)?;
        Ok(Cursor {
            after: slug.parse().map_err(|_| ForeignCursor)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursor_round_trips_and_rejects_forgeries() {
        let cursor = Cursor {
            after: "some-slug".parse().expect("slug"),
        };
        assert_eq!(cursor.encode().parse::<Cursor>().ok(), Some(cursor));
        for forged in [
            "",
            "abc",
            "djE6",
            "!!!",
            &URL_SAFE_NO_PAD.encode("v2:x"),
            &URL_SAFE_NO_PAD.encode("v1:Bad Slug"),
        ] {
            assert!(forged.parse::<Cursor>().is_err(), "{forged}");
        }
    }

    #[test]
    fn numbers_are_bounded_and_named() {
        let q = QueryParams::parse("limit=0&max=abc&ok=7").expect("short");
        assert!(matches!(
            q.number("limit", 1, 100),
            Err(ApiError::BadParameter { name: "limit", .. })
        ));
        assert!(matches!(
            q.number("max", 0, 10),
            Err(ApiError::BadParameter { name: "max", .. })
        ));
        assert_eq!(q.number("ok", 1, 10).ok(), Some(Some(7)));
        assert_eq!(q.number("absent", 1, 10).ok(), Some(None));
    }

    #[test]
    fn repeated_and_overlong_queries_are_refused() {
        let q = QueryParams::parse("tier=skip&tier=helpful").expect("short");
        assert!(q.raw("tier").is_err());
        assert!(matches!(
            QueryParams::parse(&"a".repeat(MAX_QUERY_LEN + 1)),
            Err(ApiError::QueryTooLong(_))
        ));
    }
}
