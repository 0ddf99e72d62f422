//! The terms of a write: what it may require of the stored roadmap, and what it did.

use utoipa::ToSchema;

use crate::domain::Slug;
use crate::store::StoreError;

/// What a write may require of the stored roadmap (from `If-Match` / `If-None-Match`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Precondition {
    /// No condition.
    #[default]
    None,
    /// The roadmap exists and its content hash is one of these (`*`: any).
    Matches(Vec<String>),
    /// The roadmap does not exist, or its content hash is none of these (`*`: it does not
    /// exist at all: a create-only write).
    NoneMatch(Vec<String>),
}

impl Precondition {
    pub(in crate::store) fn holds(&self, current: Option<&str>) -> bool {
        let named = |tags: &[String], hash: &str| tags.iter().any(|t| t == "*" || t == hash);
        match (self, current) {
            (Precondition::None, _) => true,
            (Precondition::Matches(_), None) => false,
            (Precondition::Matches(tags), Some(hash)) => named(tags, hash),
            (Precondition::NoneMatch(_), None) => true,
            (Precondition::NoneMatch(tags), Some(hash)) => !named(tags, hash),
        }
    }
}

/// What a write did to one roadmap.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ChangeKind {
    Created,
    Updated,
    Deleted,
}

impl ChangeKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ChangeKind::Created => "created",
            ChangeKind::Updated => "updated",
            ChangeKind::Deleted => "deleted",
        }
    }
}

impl std::str::FromStr for ChangeKind {
    type Err = StoreError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "created" => Ok(ChangeKind::Created),
            "updated" => Ok(ChangeKind::Updated),
            "deleted" => Ok(ChangeKind::Deleted),
            other => Err(StoreError::Corrupt(format!(
                "revisions.kind holds `{other}`"
            ))),
        }
    }
}

/// The outcome of a write for one roadmap.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    pub roadmap: Slug,
    /// `None` when the document equals the current one: nothing was written.
    pub kind: Option<ChangeKind>,
    /// The roadmap's revision after the write.
    pub revision: u32,
}
