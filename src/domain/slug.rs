//! Identifiers that appear in URLs and that clients store: roadmap slugs, certification and
//! source slugs, and the `key` of every item inside a roadmap.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use utoipa::openapi::RefOr;
use utoipa::openapi::schema::{ObjectBuilder, Schema, Type};
use utoipa::{PartialSchema, ToSchema};

/// The longest slug or key accepted, so that URLs and keys stay readable.
pub const MAX_SLUG_LEN: usize = 64;

/// A lowercase kebab-case identifier: ASCII letters `a-z`, digits and single hyphens between
/// words, 1 to 64 characters (`healthcare-ai-ml-engineer`). Roadmaps, certifications and sources
/// are addressed by one in their URL; every item inside a roadmap carries one as its `key`,
/// unique within that roadmap and stable across edits, so clients can store progress against it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Slug(String);

/// The pattern every slug and key matches.
pub const SLUG_PATTERN: &str = "^[a-z0-9]+(-[a-z0-9]+)*$";

impl PartialSchema for Slug {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .description(Some(
                "A lowercase kebab-case identifier (a-z, 0-9, single hyphens between words), \
                 1 to 64 characters: a URL slug or an item's stable `key`.",
            ))
            .pattern(Some(SLUG_PATTERN))
            .min_length(Some(1))
            .max_length(Some(MAX_SLUG_LEN))
            .examples(["healthcare-ai-ml-engineer"])
            .into()
    }
}

impl ToSchema for Slug {}

/// Why a string is not a [`Slug`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SlugError {
    #[error("must not be empty")]
    Empty,
    #[error("must be at most {MAX_SLUG_LEN} characters")]
    TooLong,
    #[error("must be lowercase kebab-case: a-z, 0-9 and single hyphens between words")]
    BadCharacters,
}

impl Slug {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl FromStr for Slug {
    type Err = SlugError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if s.is_empty() {
            return Err(SlugError::Empty);
        }
        if s.len() > MAX_SLUG_LEN {
            return Err(SlugError::TooLong);
        }
        let well_formed = s.split('-').all(|word| {
            !word.is_empty()
                && word
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        });
        if !well_formed {
            return Err(SlugError::BadCharacters);
        }
        Ok(Self(s.to_owned()))
    }
}

impl TryFrom<String> for Slug {
    type Error = SlugError;

    fn try_from(value: String) -> Result<Self, Self::Error> {
        value.parse()
    }
}

impl From<Slug> for String {
    fn from(slug: Slug) -> Self {
        slug.0
    }
}

impl fmt::Display for Slug {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_kebab_case() {
        for ok in [
            "a",
            "healthcare-ai-ml-engineer",
            "track-a",
            "mimic-iii-iv",
            "x1-2",
        ] {
            assert_eq!(ok.parse::<Slug>().map(String::from), Ok(ok.to_owned()));
        }
    }

    #[test]
    fn rejects_everything_else() {
        assert_eq!("".parse::<Slug>(), Err(SlugError::Empty));
        assert_eq!("a".repeat(65).parse::<Slug>(), Err(SlugError::TooLong));
        for bad in ["A", "a--b", "-a", "a-", "a_b", "a b", "é", "a/b", "../x"] {
            assert_eq!(bad.parse::<Slug>(), Err(SlugError::BadCharacters), "{bad}");
        }
    }

    #[test]
    fn deserializes_only_valid_slugs() {
        assert!(serde_json::from_str::<Slug>("\"ok-slug\"").is_ok());
        assert!(serde_json::from_str::<Slug>("\"Not OK\"").is_err());
    }
}
