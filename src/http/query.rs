//! Query parameters: each route reads its query into one struct that derives `Deserialize`
//! (what the handler gets) and `IntoParams` (what the spec says), so the two cannot differ.
//! The field types ([`super::params`]) check their own values and carry their own limits.
//!
//! [`Query`] applies the rules every route shares: the whole query is at most
//! [`MAX_QUERY_LEN`] bytes (414); a parameter the struct declares is a 400 naming it when it
//! is given twice (the API could only guess which one was meant), when its percent-decoding is
//! not UTF-8, or when its value is bad; and a parameter it does not declare is a 400 naming
//! it, with the parameters the route takes and the closest of them, since a typo
//! (`?teir=skip`) would otherwise answer as if no filter were given. [`PageQuery`], for the
//! pages people and partners' sites load (the embed page, oEmbed), ignores what it does not
//! declare instead: CMSs and analytics append their own parameters (`utm_source`).

use std::borrow::Cow;
use std::fmt::{self, Display};
use std::future::{Ready, ready};
use std::str::{FromStr, Utf8Error};

use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest};
use serde::de::{self, DeserializeOwned, DeserializeSeed, IntoDeserializer, MapAccess, Visitor};
use serde::{Deserializer, forward_to_deserialize_any};
use utoipa::IntoParams;

use super::{ApiError, excerpt};

/// The longest query string accepted.
pub const MAX_QUERY_LEN: usize = 8192;

/// A JSON route's query parameters, read into `T`; an undeclared one is a 400 (see the
/// module's doc).
#[derive(Debug, Clone)]
pub struct Query<T>(pub T);

impl<T: DeserializeOwned + IntoParams> FromRequest for Query<T> {
    type Error = ApiError;
    type Future = Ready<Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(parse_strict(req.query_string()).map(Query))
    }
}

/// A page's query parameters, read into `T`; undeclared ones are ignored (see the module's
/// doc).
#[derive(Debug, Clone)]
pub struct PageQuery<T>(pub T);

impl<T: DeserializeOwned + IntoParams> FromRequest for PageQuery<T> {
    type Error = ApiError;
    type Future = Ready<Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(parse(req.query_string()).map(PageQuery))
    }
}

/// Reads a query string (without its `?`) into `T`, as [`PageQuery`] does.
pub fn parse<T: DeserializeOwned + IntoParams>(query: &str) -> Result<T, ApiError> {
    if query.len() > MAX_QUERY_LEN {
        return Err(ApiError::QueryTooLong(MAX_QUERY_LEN));
    }
    let pairs = decode_pairs(query);
    T::deserialize(Params(&pairs)).map_err(ParamError::into_api_error::<T>)
}

/// Reads a query string into `T`, as [`Query`] does: every parameter must be one `T` declares.
pub fn parse_strict<T: DeserializeOwned + IntoParams>(query: &str) -> Result<T, ApiError> {
    let read = parse::<T>(query)?;
    let accepted = declared::<T>();
    let unknown = decode_pairs(query)
        .into_iter()
        .map(|(name, _)| name)
        .find(|name| !accepted.contains(&name.as_ref()));
    match unknown {
        None => Ok(read),
        Some(name) => Err(ApiError::UnknownParameter {
            suggestion: closest(&name, accepted),
            name: excerpt(&name),
            accepted,
        }),
    }
}

/// The accepted name a typo most likely meant, if one is close enough to suggest.
fn closest(name: &str, accepted: &[&'static str]) -> Option<&'static str> {
    accepted
        .iter()
        .map(|candidate| (strsim::jaro_winkler(name, candidate), *candidate))
        .filter(|(likeness, _)| *likeness >= 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, candidate)| candidate)
}

/// The names of the parameters `T` reads, in its order, as serde spells them.
pub fn declared<T: DeserializeOwned>() -> &'static [&'static str] {
    match T::deserialize(Probe) {
        Err(Declared(fields)) => fields,
        Ok(_) => &[],
    }
}

/// Reads a parameter's text with `parse`, whose error completes "query parameter `x` ...".
/// The building block of every parameter type.
pub fn read_text<'de, D, T, F>(deserializer: D, parse: F) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    F: FnOnce(&str) -> Result<T, String>,
{
    struct Text<F>(F);

    impl<T, F: FnOnce(&str) -> Result<T, String>> Visitor<'_> for Text<F> {
        type Value = T;

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("the text of a query parameter")
        }

        fn visit_str<E: de::Error>(self, text: &str) -> Result<T, E> {
            (self.0)(text).map_err(E::custom)
        }
    }

    deserializer.deserialize_str(Text(parse))
}

/// For `#[serde(default, deserialize_with = "query::from_str")]`: an optional parameter read
/// with its type's `FromStr`, for types whose serde form is another (a `Slug` in a document) or
/// that have none, so that the query and the rest of the API spell and explain values alike.
pub fn from_str<'de, D, T>(deserializer: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: FromStr,
    T::Err: Display,
{
    read_text(deserializer, |text| {
        text.parse()
            .map(Some)
            .map_err(|e| format!("{e}; got `{}`", excerpt(text)))
    })
}

/// A parameter as given: its name, and its value unless its percent-decoding is not UTF-8.
type Pair<'q> = (Cow<'q, str>, Result<Cow<'q, str>, Utf8Error>);

/// `application/x-www-form-urlencoded` pairs, as `form_urlencoded` splits them, but keeping
/// which values are not UTF-8 (that crate replaces such bytes, so a bad value would pass).
fn decode_pairs(query: &str) -> Vec<Pair<'_>> {
    query
        .split('&')
        .filter(|pair| !pair.is_empty())
        .filter_map(|pair| {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            // A name that is not UTF-8 is no parameter of ours.
            Some((decode(name).ok()?, decode(value)))
        })
        .collect()
}

fn decode(raw: &str) -> Result<Cow<'_, str>, Utf8Error> {
    if !raw.contains(['%', '+']) {
        return Ok(Cow::Borrowed(raw));
    }
    let spaced = raw.replace('+', " ");
    let bytes: Vec<u8> = percent_encoding::percent_decode_str(&spaced).collect();
    String::from_utf8(bytes)
        .map(Cow::Owned)
        .map_err(|e| e.utf8_error())
}

/// Why a query did not read: a parameter and what is wrong with it.
#[derive(Debug)]
struct ParamError {
    /// Unknown while the error rises from inside a value; its field names it on the way up.
    name: Option<&'static str>,
    fault: Fault,
}

#[derive(Debug)]
enum Fault {
    Missing,
    Bad(String),
}

impl ParamError {
    fn of(name: &'static str, detail: &str) -> ParamError {
        ParamError {
            name: Some(name),
            fault: Fault::Bad(detail.to_owned()),
        }
    }

    /// A missing parameter's detail says what it is, from its description in the spec.
    fn into_api_error<T: IntoParams>(self) -> ApiError {
        match (self.name, self.fault) {
            (Some(name), Fault::Bad(detail)) => ApiError::bad_parameter(name, detail),
            (Some(name), Fault::Missing) => {
                let described = T::into_params(|| None)
                    .into_iter()
                    .find(|p| p.name == name)
                    .and_then(|p| p.description)
                    .map(|d| format!(": {}", summary(&d)))
                    .unwrap_or_default();
                ApiError::bad_parameter(name, format!("is required{described}"))
            }
            (None, fault) => ApiError::Internal(format!("reading the query: {fault:?}")),
        }
    }
}

/// The first clause of a description, as the end of a sentence: "Plain words, 1 to 200
/// characters; a hit ..." gives "plain words, 1 to 200 characters".
fn summary(description: &str) -> String {
    let text = description.replace('\n', " ");
    let end = [". ", "; "]
        .iter()
        .filter_map(|stop| text.find(stop))
        .min()
        .unwrap_or(text.len());
    let clause = text[..end].trim_end_matches('.');
    let mut chars = clause.chars();
    match (chars.next(), chars.next()) {
        // "The embed URL" reads "the embed URL"; an initialism like "URL ..." stays.
        (Some(first), Some(second)) if first.is_uppercase() && second.is_lowercase() => {
            first.to_lowercase().chain(clause.chars().skip(1)).collect()
        }
        _ => clause.to_owned(),
    }
}

impl Display for ParamError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.fault {
            Fault::Missing => f.write_str("is required"),
            Fault::Bad(detail) => f.write_str(detail),
        }
    }
}

impl std::error::Error for ParamError {}

impl de::Error for ParamError {
    fn custom<M: Display>(msg: M) -> Self {
        ParamError {
            name: None,
            fault: Fault::Bad(msg.to_string()),
        }
    }

    fn missing_field(field: &'static str) -> Self {
        ParamError {
            name: Some(field),
            fault: Fault::Missing,
        }
    }
}

/// The whole query, as a struct's deserializer: serde hands over the struct's field names,
/// which are the declared parameters.
struct Params<'a, 'q>(&'a [Pair<'q>]);

impl<'de> Deserializer<'de> for Params<'_, '_> {
    type Error = ParamError;

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _: &'static str,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, ParamError> {
        let mut given = Vec::with_capacity(fields.len());
        for &name in fields {
            let mut values = self.0.iter().filter(|(n, _)| n == name).map(|(_, v)| v);
            let Some(value) = values.next() else {
                continue;
            };
            if values.next().is_some() {
                return Err(ParamError::of(name, "is given more than once"));
            }
            let Ok(value) = value else {
                return Err(ParamError::of(name, "is not UTF-8 once percent-decoded"));
            };
            given.push((name, value.as_ref()));
        }
        visitor.visit_map(Given {
            pairs: given.into_iter(),
            current: None,
        })
    }

    fn deserialize_any<V: Visitor<'de>>(self, _: V) -> Result<V::Value, ParamError> {
        Err(de::Error::custom("a query is read into a struct"))
    }

    forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf
        option unit unit_struct newtype_struct seq tuple tuple_struct map enum identifier
        ignored_any
    }
}

/// The declared parameters that were given, once each.
struct Given<'q> {
    pairs: std::vec::IntoIter<(&'static str, &'q str)>,
    current: Option<(&'static str, &'q str)>,
}

impl<'de> MapAccess<'de> for Given<'_> {
    type Error = ParamError;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, ParamError> {
        let Some((name, value)) = self.pairs.next() else {
            return Ok(None);
        };
        self.current = Some((name, value));
        seed.deserialize(name.into_deserializer()).map(Some)
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(
        &mut self,
        seed: V,
    ) -> Result<V::Value, ParamError> {
        let (name, value) = self
            .current
            .take()
            .ok_or_else(|| de::Error::custom("a value before its name"))?;
        seed.deserialize(Value(value)).map_err(|mut error| {
            error.name.get_or_insert(name);
            error
        })
    }
}

/// One parameter's decoded value: text, which the parameter's type reads.
struct Value<'q>(&'q str);

impl<'de> Deserializer<'de> for Value<'_> {
    type Error = ParamError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ParamError> {
        visitor.visit_str(self.0)
    }

    /// A parameter that is given has a value, even an empty one (`?tier=` is a bad tier).
    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ParamError> {
        visitor.visit_some(self)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _: &'static str,
        visitor: V,
    ) -> Result<V::Value, ParamError> {
        visitor.visit_newtype_struct(self)
    }

    /// A closed set of names (`status=pending`): the text names the variant.
    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _: &'static str,
        _: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, ParamError> {
        visitor.visit_enum(IntoDeserializer::<ParamError>::into_deserializer(self.0))
    }

    forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf
        unit unit_struct seq tuple tuple_struct map struct identifier ignored_any
    }
}

/// A deserializer that only learns a struct's field names (see [`declared`]).
struct Probe;

#[derive(Debug)]
struct Declared(&'static [&'static str]);

impl Display for Declared {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "declares {:?}", self.0)
    }
}

impl std::error::Error for Declared {}

impl de::Error for Declared {
    fn custom<M: Display>(_: M) -> Self {
        Declared(&[])
    }
}

impl<'de> Deserializer<'de> for Probe {
    type Error = Declared;

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _: &'static str,
        fields: &'static [&'static str],
        _: V,
    ) -> Result<V::Value, Declared> {
        Err(Declared(fields))
    }

    fn deserialize_any<V: Visitor<'de>>(self, _: V) -> Result<V::Value, Declared> {
        Err(Declared(&[]))
    }

    forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf
        option unit unit_struct newtype_struct seq tuple tuple_struct map enum identifier
        ignored_any
    }
}

/// Checks that `T` reads exactly the parameters its spec declares, in the same order, so the
/// spec, the extractor and the response cache's key agree.
#[cfg(test)]
pub(crate) fn assert_documented<T: DeserializeOwned + IntoParams>() {
    let documented: Vec<String> = T::into_params(|| None)
        .into_iter()
        .map(|p| p.name)
        .collect();
    assert_eq!(
        declared::<T>(),
        documented.as_slice(),
        "{}",
        std::any::type_name::<T>()
    );
}

#[cfg(test)]
mod tests;
