//! The types of query parameters that several routes share. Each one checks its value when
//! read and describes itself in the spec from the same constants, so the limits a client reads
//! are the limits the code applies.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer};
use utoipa::openapi::RefOr;
use utoipa::openapi::schema::{
    ArrayBuilder, KnownFormat, Object, ObjectBuilder, Schema, SchemaFormat, Type,
};
use utoipa::{PartialSchema, ToSchema};

use super::query::read_text;
use super::{ApiError, excerpt};
use crate::domain::{DoneKeys, Slug};

/// The longest search text accepted, in characters.
pub const MAX_SEARCH_LEN: usize = 200;

/// A whole number from `MIN` to `MAX`, written in plain decimal digits (`+1`, `1.0` and `1e3`
/// are not numbers here).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Bounded<const MIN: u32, const MAX: u32>(u32);

impl<const MIN: u32, const MAX: u32> Bounded<MIN, MAX> {
    pub fn get(self) -> u32 {
        self.0
    }
}

fn whole_number(raw: &str, min: u32, max: u32) -> Result<u32, String> {
    Some(raw)
        .filter(|raw| !raw.is_empty() && raw.bytes().all(|b| b.is_ascii_digit()))
        .and_then(|digits| digits.parse::<u32>().ok())
        .filter(|n| (min..=max).contains(n))
        .ok_or_else(|| {
            format!(
                "must be a whole number from {min} to {max}; got `{}`",
                excerpt(raw)
            )
        })
}

fn integer_schema(min: u32, max: u32) -> ObjectBuilder {
    ObjectBuilder::new()
        .schema_type(Type::Integer)
        .format(Some(SchemaFormat::KnownFormat(KnownFormat::Int32)))
        .maximum(Some(max))
        .minimum(Some(min))
}

impl<'de, const MIN: u32, const MAX: u32> Deserialize<'de> for Bounded<MIN, MAX> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        read_text(deserializer, |raw| whole_number(raw, MIN, MAX).map(Bounded))
    }
}

impl<const MIN: u32, const MAX: u32> PartialSchema for Bounded<MIN, MAX> {
    fn schema() -> RefOr<Schema> {
        integer_schema(MIN, MAX).into()
    }
}

impl<const MIN: u32, const MAX: u32> ToSchema for Bounded<MIN, MAX> {}

/// Page size: 1 to 100, default 20.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limit(u32);

impl Limit {
    pub const MIN: u32 = 1;
    pub const MAX: u32 = 100;
    pub const DEFAULT: u32 = 20;

    pub fn get(self) -> u32 {
        self.0
    }
}

impl Default for Limit {
    fn default() -> Self {
        Limit(Self::DEFAULT)
    }
}

impl<'de> Deserialize<'de> for Limit {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        read_text(deserializer, |raw| {
            whole_number(raw, Self::MIN, Self::MAX).map(Limit)
        })
    }
}

impl PartialSchema for Limit {
    fn schema() -> RefOr<Schema> {
        integer_schema(Self::MIN, Self::MAX)
            .default(Some(Self::DEFAULT.into()))
            .into()
    }
}

impl ToSchema for Limit {}

/// The schema of free text of 1 to `max` characters that is not all blank.
pub fn text_schema(max: usize) -> Object {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .max_length(Some(max))
        .min_length(Some(1))
        .pattern(Some("\\S"))
        .build()
}

/// The schema of a parameter that takes one of `names`.
pub fn choice_schema<'a>(names: impl IntoIterator<Item = &'a str>) -> Object {
    let names: Vec<&str> = names.into_iter().collect();
    let pattern = match names.as_slice() {
        [only] => format!("^{only}$"),
        _ => format!("^({})$", names.join("|")),
    };
    ObjectBuilder::new()
        .schema_type(Type::String)
        .pattern(Some(pattern))
        .build()
}

/// Words to search for, as a full-text query: 1 to 200 characters, each word quoted as an
/// FTS5 phrase so that `scikit-learn` or `AUC-ROC` need no escaping and no operator syntax
/// reaches SQLite. Words are ANDed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchText(String);

impl SearchText {
    /// The FTS5 query.
    pub fn into_fts(self) -> String {
        self.0
    }
}

impl<'de> Deserialize<'de> for SearchText {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        read_text(deserializer, |raw| {
            if crate::domain::is_blank(raw) || raw.chars().count() > MAX_SEARCH_LEN {
                return Err(format!(
                    "must hold 1 to {MAX_SEARCH_LEN} characters of words to search for"
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
            Ok(SearchText(phrases.join(" ")))
        })
    }
}

impl PartialSchema for SearchText {
    fn schema() -> RefOr<Schema> {
        text_schema(MAX_SEARCH_LEN).into()
    }
}

impl ToSchema for SearchText {}

/// The most keys a `done` list in a URL may hold: with every key as long as keys may be and
/// every comma percent-encoded, the request target stays within 8 KiB. Longer lists are
/// `POST`ed (up to [`crate::domain::MAX_DONE_KEYS`]).
pub const MAX_DONE_IN_URL: usize = 100;

/// `done`: the keys of the items a learner has done, comma-separated (`basic-sql,track-a`, an
/// array in the spec's `form` style without `explode`); empty is none. At most
/// [`MAX_DONE_IN_URL`] keys, each a well-formed key (else a 400 naming the first bad one);
/// keys the roadmap does not have are the route's to report, not errors.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DoneList(pub DoneKeys);

impl<'de> Deserialize<'de> for DoneList {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        read_text(deserializer, |raw| {
            let keys: Vec<&str> = raw.split(',').filter(|_| !raw.is_empty()).collect();
            if keys.len() > MAX_DONE_IN_URL {
                return Err(format!(
                    "holds more than {MAX_DONE_IN_URL} keys; send longer lists in a POST"
                ));
            }
            DoneKeys::parse(keys)
                .map(DoneList)
                .map_err(|e| e.to_string())
        })
    }
}

impl PartialSchema for DoneList {
    fn schema() -> RefOr<Schema> {
        ArrayBuilder::new()
            .items(Slug::schema())
            .max_items(Some(MAX_DONE_IN_URL))
            .into()
    }
}

impl ToSchema for DoneList {}

/// An opaque list position. A cursor names the list it belongs to and the key of the last
/// item the client has seen; clients pass `next_cursor` back unchanged. Which list a cursor
/// must name can depend on the other parameters (a sort order, a search), so it is decoded
/// by the handler with [`Cursor::key`]: a cursor of another list, or one that was altered, is
/// a 400.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(transparent)]
pub struct Cursor(String);

#[derive(serde::Serialize, serde::Deserialize)]
struct CursorData<K> {
    #[serde(rename = "l")]
    list: String,
    #[serde(rename = "k")]
    key: K,
}

impl Cursor {
    /// A `cursor` parameter, where an empty one is the first page, as an absent one is: a
    /// script's first turn of `cursor=$next` sends it empty. (For `deserialize_with`.)
    pub fn optional<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Option<Cursor>, D::Error> {
        let text = String::deserialize(deserializer)?;
        Ok((!text.is_empty()).then_some(Cursor(text)))
    }

    /// The cursor after `key` in `list`, as `next_cursor`.
    pub fn encode<K: serde::Serialize>(list: &str, key: K) -> String {
        let data = CursorData {
            list: list.to_owned(),
            key,
        };
        URL_SAFE_NO_PAD.encode(serde_json::to_vec(&data).unwrap_or_default())
    }

    /// The key this cursor holds, if it is a cursor of `list`.
    pub fn key<K: DeserializeOwned>(&self, list: &str) -> Result<K, ApiError> {
        let decode = || {
            let bytes = URL_SAFE_NO_PAD.decode(&self.0).ok()?;
            let data: CursorData<K> = serde_json::from_slice(&bytes).ok()?;
            (data.list == list).then_some(data.key)
        };
        decode().ok_or_else(|| {
            ApiError::bad_parameter(
                "cursor",
                "is not a cursor of this list; pass back `next_cursor` unchanged",
            )
        })
    }
}

impl PartialSchema for Cursor {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new().schema_type(Type::String).into()
    }
}

impl ToSchema for Cursor {}

#[cfg(test)]
mod tests {
    use serde::de::IntoDeserializer;
    use serde::de::value::{Error, StrDeserializer};

    use super::*;
    use crate::domain::Slug;

    fn read<T: DeserializeOwned>(text: &str) -> Result<T, Error> {
        let value: StrDeserializer<'_, Error> = text.into_deserializer();
        T::deserialize(value)
    }

    #[test]
    fn cursors_round_trip_and_forgeries_are_refused() {
        let slug: Slug = "some-slug".parse().expect("slug");
        let cursor: Cursor = read(&Cursor::encode("roadmaps", (7, &slug))).expect("text");
        assert_eq!(cursor.key::<(u32, Slug)>("roadmaps").ok(), Some((7, slug)));
        assert!(
            cursor.key::<(u32, Slug)>("projects").is_err(),
            "another list's cursor"
        );
        assert!(
            cursor.key::<String>("roadmaps").is_err(),
            "another key shape"
        );
        let bad_slug = Cursor::encode("roadmaps", (7, "Bad Slug"));
        for forged in ["", "abc", "!!!", bad_slug.as_str()] {
            let cursor: Cursor = read(forged).expect("text");
            assert!(cursor.key::<(u32, Slug)>("roadmaps").is_err(), "{forged}");
        }
    }

    #[test]
    fn search_words_become_quoted_phrases() {
        let text: SearchText = read(r#"scikit-learn "AUC" NEAR(x)"#).expect("words");
        assert_eq!(text.into_fts(), r#""scikit-learn" """AUC""" "NEAR(x)""#);
        assert!(read::<SearchText>(" \u{3000}").is_err(), "blank");
        assert!(read::<SearchText>("").is_err(), "empty");
        assert!(read::<SearchText>(&"a".repeat(MAX_SEARCH_LEN + 1)).is_err());
        assert!(
            read::<SearchText>(&"é".repeat(MAX_SEARCH_LEN)).is_ok(),
            "characters"
        );
    }

    #[test]
    fn numbers_are_plain_and_bounded() {
        assert_eq!(read::<Bounded<1, 10>>("7").ok().map(Bounded::get), Some(7));
        for bad in ["0", "11", "", "+7", "7.0", "1e1", "-1", "99999999999"] {
            let error = read::<Bounded<1, 10>>(bad).expect_err(bad).to_string();
            assert!(
                error.starts_with("must be a whole number from 1 to 10"),
                "{error}"
            );
        }
        assert_eq!(read::<Limit>("100").ok(), Some(Limit(100)));
        assert!(read::<Limit>("101").is_err());
        assert_eq!(Limit::default().get(), Limit::DEFAULT);
    }

    #[test]
    fn schemas_state_the_limits_the_code_applies() {
        let json = |schema: RefOr<Schema>| serde_json::to_value(schema).expect("JSON");
        let limit = json(Limit::schema());
        assert_eq!(limit["minimum"], Limit::MIN);
        assert_eq!(limit["maximum"], Limit::MAX);
        assert_eq!(limit["default"], Limit::DEFAULT);
        let hours = json(Bounded::<1, 80>::schema());
        assert_eq!(
            (hours["minimum"].as_u64(), hours["maximum"].as_u64()),
            (Some(1), Some(80))
        );
        assert_eq!(json(SearchText::schema())["maxLength"], MAX_SEARCH_LEN);
    }
}
