//! The closed vocabularies of a roadmap: difficulty, certification tier, source kind.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Defines a closed set of `snake_case` names with parsing, printing and the list of accepted
/// values, so query parameters, JSON and database columns share one spelling.
macro_rules! vocabulary {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident => $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, ToSchema)]
        #[serde(rename_all = "snake_case")]
        pub enum $name {
            $($(#[$vmeta])* $variant),+
        }

        impl $name {
            /// Every value, in order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $text),+
                }
            }
        }

        impl FromStr for $name {
            type Err = UnknownValue;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                match s {
                    $($text => Ok($name::$variant),)+
                    _ => Err(UnknownValue {
                        expected: Self::ALL.iter().map(|v| v.as_str()).collect::<Vec<_>>().join(", "),
                    }),
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

/// A value outside a closed vocabulary.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("must be one of: {expected}")]
pub struct UnknownValue {
    pub expected: String,
}

vocabulary! {
    /// How hard the transition is, as the page rates it ("Very High Difficulty").
    Difficulty {
        Low => "low",
        Medium => "medium",
        High => "high",
        VeryHigh => "very_high",
    }
}

vocabulary! {
    /// How much a certification counts for this roadmap's role: `high_signal` (employers look
    /// for it), `helpful`, or `skip` (not worth the time for this role).
    Tier {
        HighSignal => "high_signal",
        Helpful => "helpful",
        Skip => "skip",
    }
}

vocabulary! {
    /// What a cited source is: a `statistic` (a figure the page quotes), a `publication`, a
    /// `course`, a `dataset` or a `tool`.
    SourceKind {
        Statistic => "statistic",
        Publication => "publication",
        Course => "course",
        Dataset => "dataset",
        Tool => "tool",
    }
}

vocabulary! {
    /// Where a submitted transition story stands: `pending` until an editor decides,
    /// `approved` (published in the roadmap) or `rejected`.
    StoryStatus {
        Pending => "pending",
        Approved => "approved",
        Rejected => "rejected",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_every_value() {
        for tier in Tier::ALL {
            assert_eq!(tier.as_str().parse::<Tier>(), Ok(*tier));
            let json = serde_json::to_string(tier).expect("serializes");
            assert_eq!(json, format!("\"{}\"", tier.as_str()));
        }
        for difficulty in Difficulty::ALL {
            assert_eq!(difficulty.as_str().parse::<Difficulty>(), Ok(*difficulty));
        }
        for kind in SourceKind::ALL {
            assert_eq!(kind.as_str().parse::<SourceKind>(), Ok(*kind));
        }
    }

    #[test]
    fn unknown_value_lists_the_accepted_ones() {
        let err = "bogus".parse::<Tier>().expect_err("not a tier");
        assert_eq!(
            err.to_string(),
            "must be one of: high_signal, helpful, skip"
        );
        assert!("High_Signal".parse::<Tier>().is_err());
        assert!(serde_json::from_str::<Difficulty>("\"extreme\"").is_err());
    }
}
