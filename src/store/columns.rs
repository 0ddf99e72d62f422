//! Column values and the document's types: each conversion of a stored value, and the check
//! that it is one this service would have written (else [`StoreError::Corrupt`]).

use std::str::FromStr;

use super::StoreError;
use crate::domain::{Certification, Cost, Range};

pub(super) fn parse_column<T: FromStr>(column: &str, text: &str) -> Result<T, StoreError> {
    text.parse()
        .map_err(|_| StoreError::Corrupt(format!("{column} holds `{text}`")))
}

pub(super) fn json_column<T: serde::de::DeserializeOwned>(
    column: &str,
    text: &str,
) -> Result<T, StoreError> {
    serde_json::from_str(text).map_err(|e| StoreError::Corrupt(format!("{column}: {e}")))
}

/// A list as a JSON array: a column of strings, or the values a statement reads with
/// `json_each`.
pub(super) fn to_json_column<T: serde::Serialize>(value: &T) -> String {
    // Serializing a list of strings cannot fail.
    serde_json::to_string(value).unwrap_or_else(|_| "[]".to_owned())
}

/// A stored whole number in the type the document gives it (`u32` for counts, `u16` for a
/// year).
pub(super) fn count<T: TryFrom<i64>>(value: i64, column: &str) -> Result<T, StoreError> {
    T::try_from(value).map_err(|_| StoreError::Corrupt(format!("{column} holds {value}")))
}

pub(super) fn range(min: i64, max: i64) -> Result<Range, StoreError> {
    Range::from_columns(min, max).map_err(|e| StoreError::Corrupt(e.to_string()))
}

pub(super) fn optional_range(
    min: Option<i64>,
    max: Option<i64>,
) -> Result<Option<Range>, StoreError> {
    match (min, max) {
        (Some(min), Some(max)) => range(min, max).map(Some),
        _ => Ok(None),
    }
}

/// The columns of a `certifications` row, as its queries select them.
pub(super) struct CertificationColumns {
    pub slug: String,
    pub name: String,
    pub renewal: Option<String>,
    pub cost_amount_usd: Option<i64>,
    pub cost_text: String,
    pub study_months_min: Option<i64>,
    pub study_months_max: Option<i64>,
}

impl CertificationColumns {
    pub(super) fn certification(self) -> Result<Certification, StoreError> {
        Ok(Certification {
            slug: parse_column("certifications.slug", &self.slug)?,
            name: self.name,
            renewal: self.renewal,
            cost: Cost {
                amount_usd: self
                    .cost_amount_usd
                    .map(|n| count(n, "certifications.cost_amount_usd"))
                    .transpose()?,
                text: self.cost_text,
            },
            study_months: optional_range(self.study_months_min, self.study_months_max)?,
        })
    }
}
