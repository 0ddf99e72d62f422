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

/// The longest query string accepted.
pub const MAX_QUERY_LEN: usize = 8192;

/// The longest search text accepted, in characters.
pub const MAX_SEARCH_LEN: usize = 200;

/// The decoded query string of a request.
#[derive(Debug, Clone)]
pub struct QueryParams {
    pairs: Vec<(String, String)>,
    /// Some value's percent-encoding was not UTF-8; decoding put U+FFFD in its place.
    not_utf8: bool,
}

impl QueryParams {
    pub fn parse(query: &str) -> Result<QueryParams, ApiError> {
        if query.len() > MAX_QUERY_LEN {
            return Err(ApiError::QueryTooLong(MAX_QUERY_LEN));
        }
        let pairs: Vec<(String, String)> = form_urlencoded::parse(query.as_bytes())
            .into_owned()
            .collect();
        let replaced = pairs.iter().any(|(_, v)| v.contains('\u{FFFD}'));
        let not_utf8 = replaced && !query.to_ascii_uppercase().contains("%EF%BF%BD");
        Ok(QueryParams { pairs, not_utf8 })
    }

    /// The parameter's raw value, if given once.
    pub fn raw(&self, name: &'static str) -> Result<Option<&str>, ApiError> {
        let mut values = self
            .pairs
            .iter()
            .filter(|(key, _)| key == name)
            .map(|(_, v)| v.as_str());
        let first = values.next();
        if values.next().is_some() {
            return Err(ApiError::bad_parameter(name, "is given more than once"));
        }
        if self.not_utf8 && first.is_some_and(|v| v.contains('\u{FFFD}')) {
            return Err(ApiError::bad_parameter(
                name,
                "is not UTF-8 once percent-decoded",
            ));
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

    /// A full-text query from plain words: 1 to 200 characters, each word quoted as an FTS5
    /// phrase so that `scikit-learn` or `AUC-ROC` need no escaping and no operator syntax
    /// reaches SQLite. Words are ANDed.
    pub fn search_terms(&self, name: &'static str) -> Result<Option<String>, ApiError> {
        let Some(raw) = self.raw(name)? else {
            return Ok(None);
        };
        let length = raw.chars().count();
        if crate::domain::is_blank(raw) || length > MAX_SEARCH_LEN {
            return Err(ApiError::bad_parameter(
                name,
                format!("must hold 1 to {MAX_SEARCH_LEN} characters of words to search for"),
            ));
        }
        let phrases: Vec<String> = raw
            .split(crate::domain::is_space)
            .filter(|word| !word.is_empty())
            .map(|word| {
                let clean: String = word.chars().filter(|c| !c.is_control()).collect();
                format!("\"{}\"", clean.replace('"', "\"\""))
            })
            .collect();
        Ok(Some(phrases.join(" ")))
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

/// Opaque list positions. A cursor names the list it belongs to and the key of the last item
/// the client has seen; clients pass `next_cursor` back unchanged. A cursor of another list,
/// or one that was altered, is a 400.
pub struct Cursor;

#[derive(serde::Serialize, serde::Deserialize)]
struct CursorData<K> {
    #[serde(rename = "l")]
    list: String,
    #[serde(rename = "k")]
    key: K,
}

impl Cursor {
    pub fn encode<K: serde::Serialize>(list: &str, key: K) -> String {
        let data = CursorData {
            list: list.to_owned(),
            key,
        };
        URL_SAFE_NO_PAD.encode(serde_json::to_vec(&data).unwrap_or_default())
    }

    fn decode<K: serde::de::DeserializeOwned>(list: &str, text: &str) -> Option<K> {
        let bytes = URL_SAFE_NO_PAD.decode(text).ok()?;
        let data: CursorData<K> = serde_json::from_slice(&bytes).ok()?;
        (data.list == list).then_some(data.key)
    }
}

impl QueryParams {
    /// The `cursor` parameter, decoded for `list`.
    pub fn cursor<K: serde::de::DeserializeOwned>(
        &self,
        list: &str,
    ) -> Result<Option<K>, ApiError> {
        self.raw("cursor")?
            .map(|text| {
                Cursor::decode(list, text).ok_or_else(|| {
                    ApiError::bad_parameter(
                        "cursor",
                        "is not a cursor of this list; pass back `next_cursor` unchanged",
                    )
                })
            })
            .transpose()
    }

    /// This query with `cursor` set to `next`: the URL query of the next page.
    pub fn with_cursor(&self, next: &str) -> String {
        let mut out = form_urlencoded::Serializer::new(String::new());
        for (name, value) in self.pairs.iter().filter(|(name, _)| name != "cursor") {
            out.append_pair(name, value);
        }
        out.append_pair("cursor", next);
        out.finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Slug;

    #[test]
    fn cursor_round_trips_and_rejects_forgeries() {
        let slug: Slug = "some-slug".parse().expect("slug");
        let cursor = Cursor::encode("roadmaps", (7, &slug));
        let query = QueryParams::parse(&format!("cursor={cursor}")).expect("short");
        assert_eq!(
            query.cursor::<(u32, Slug)>("roadmaps").ok(),
            Some(Some((7, slug)))
        );
        assert!(
            query.cursor::<(u32, Slug)>("projects").is_err(),
            "another list's cursor"
        );
        assert!(
            query.cursor::<String>("roadmaps").is_err(),
            "another key shape"
        );
        let bad_slug = Cursor::encode("roadmaps", (7, "Bad Slug"));
        for forged in ["", "abc", "!!!", bad_slug.as_str()] {
            let query = QueryParams::parse(&format!("cursor={forged}")).expect("short");
            assert!(query.cursor::<(u32, Slug)>("roadmaps").is_err(), "{forged}");
        }
    }

    #[test]
    fn the_next_page_keeps_every_other_parameter() {
        let query = QueryParams::parse("tier=skip&cursor=old&limit=5").expect("short");
        assert_eq!(query.with_cursor("new"), "tier=skip&limit=5&cursor=new");
    }

    #[test]
    fn search_words_become_quoted_phrases() {
        let q = QueryParams::parse("q=scikit-learn%20%22AUC%22%20NEAR(x)&blank=%20&long=")
            .expect("short");
        assert_eq!(
            q.search_terms("q").ok().flatten().as_deref(),
            Some(r#""scikit-learn" """AUC""" "NEAR(x)""#)
        );
        assert!(q.search_terms("blank").is_err());
        assert!(q.search_terms("long").is_err());
        assert_eq!(q.search_terms("absent").ok(), Some(None));
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
