//! Numeric ranges as the page states them ("12 to 18 months", "35 to 45%").

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// An inclusive range of whole numbers, `min <= max`, in the unit its field names (months,
/// hours, percent). A single figure on the page is a range with `min == max`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(try_from = "RangeFields")]
#[schema(example = json!({"min": 12, "max": 18}))]
pub struct Range {
    /// The lower bound, inclusive.
    pub min: u32,
    /// The upper bound, inclusive; never below `min`.
    pub max: u32,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RangeFields {
    min: u32,
    max: u32,
}

/// A range whose `min` exceeds its `max`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("min ({min}) must not exceed max ({max})")]
pub struct InvertedRange {
    pub min: u32,
    pub max: u32,
}

impl Range {
    pub fn new(min: u32, max: u32) -> Result<Self, InvertedRange> {
        if min > max {
            return Err(InvertedRange { min, max });
        }
        Ok(Self { min, max })
    }

    /// Builds a range from two database columns, which the schema's `check` keeps ordered.
    pub fn from_columns(min: i64, max: i64) -> Result<Self, RangeColumnsError> {
        let min = u32::try_from(min).map_err(|_| RangeColumnsError)?;
        let max = u32::try_from(max).map_err(|_| RangeColumnsError)?;
        Range::new(min, max).map_err(|_| RangeColumnsError)
    }
}

/// Columns that do not form a [`Range`]: a database not written by this service.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("stored range columns are out of bounds or inverted")]
pub struct RangeColumnsError;

impl TryFrom<RangeFields> for Range {
    type Error = InvertedRange;

    fn try_from(fields: RangeFields) -> Result<Self, Self::Error> {
        Range::new(fields.min, fields.max)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_ordered_ranges_only() {
        let range: Range = serde_json::from_str(r#"{"min": 12, "max": 18}"#).expect("valid range");
        assert_eq!((range.min, range.max), (12, 18));
        assert!(serde_json::from_str::<Range>(r#"{"min": 5, "max": 5}"#).is_ok());
        let inverted = serde_json::from_str::<Range>(r#"{"min": 18, "max": 12}"#);
        assert!(inverted.is_err_and(|e| e.to_string().contains("must not exceed")));
        assert!(serde_json::from_str::<Range>(r#"{"min": -1, "max": 2}"#).is_err());
        assert!(serde_json::from_str::<Range>(r#"{"min": 1, "max": 2, "avg": 1}"#).is_err());
    }

    #[test]
    fn rejects_bad_columns() {
        assert_eq!(Range::from_columns(1, 4), Ok(Range { min: 1, max: 4 }));
        assert!(Range::from_columns(4, 1).is_err());
        assert!(Range::from_columns(-1, 1).is_err());
    }
}
