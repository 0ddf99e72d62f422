//! The types of the API and their rules. A value of these types is valid by construction:
//! parsing is the only way in (see [`Roadmap::parse`]).

mod collection;
mod enums;
mod plan;
mod progress;
mod range;
mod roadmap;
mod schema;
mod slug;
mod story;
pub mod token;
mod validation;
mod violations;

pub use collection::{CertificationEntry, Citation, ProjectEntry, Rating, SourceEntry};
pub use enums::{Difficulty, SourceKind, StoryStatus, Tier, UnknownValue};
pub use plan::{Milestone, Pace, PlannedPhase, StudyPlan};
pub use progress::{
    DoneKeys, DoneKeysError, HoursLeft, Item, ItemKind, MAX_DONE_KEYS, PhaseProgress, Progress,
    SectionProgress, Unit, all_units, phase_units,
};
pub use range::{InvertedRange, Range, RangeColumnsError};
pub use roadmap::*;
pub use slug::{MAX_SLUG_LEN, SLUG_PATTERN, Slug, SlugError};
pub use story::*;
pub use validation::{DocumentError, MAX_TEXT_LEN, is_blank, is_space, pointer_of};
pub use violations::{MAX_VIOLATIONS, Violation, Violations};
