//! An editor's patch of a submission: a JSON merge patch, checked as a new submission is.

use std::sync::LazyLock;

use serde::{Deserialize, Deserializer};
use serde_json::Value;
use utoipa::ToSchema;

use super::rules::{Lines, text};
use super::{SchemaCheck, StoryFields};
use crate::domain::{StoryStatus, Violations};

static PATCH_SCHEMA: LazyLock<SchemaCheck> = LazyLock::new(SchemaCheck::of::<ModerationPatch>);

/// An editor's change to a submission (`PATCH /v1/stories/{id}`), as a JSON merge patch
/// (RFC 7396): the fields given are set, `null` clears `display_name` or `reason`, and the
/// rest stay as they are. Approving publishes the story in its roadmap; leaving `approved`
/// takes it out again.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ModerationPatch {
    #[serde(default)]
    pub status: Option<StoryStatus>,
    /// Why it was rejected: required to reject, shown to editors only.
    #[schema(
        nullable,
        min_length = 1,
        max_length = 1000,
        example = "Not about a move into tech."
    )]
    #[serde(default, deserialize_with = "present")]
    pub reason: Option<Option<String>>,
    /// An editor checked the person's history.
    #[serde(default)]
    pub verified: Option<bool>,
    /// Corrects the name shown; null makes the story anonymous.
    #[schema(nullable, min_length = 1, max_length = 80)]
    #[serde(default, deserialize_with = "present")]
    pub display_name: Option<Option<String>>,
    #[schema(min_length = 2, max_length = 120)]
    #[serde(default)]
    pub from_role: Option<String>,
    #[schema(min_length = 2, max_length = 120)]
    #[serde(default)]
    pub to_role: Option<String>,
    #[schema(minimum = 1950)]
    #[serde(default)]
    pub year: Option<u16>,
    /// Corrects the wording before publication.
    #[schema(min_length = 200, max_length = 5000)]
    #[serde(default)]
    pub story: Option<String>,
    #[schema(max_items = 3)]
    #[serde(default)]
    pub links: Option<Vec<String>>,
}

/// A field given (even as null), told apart from one left out.
fn present<'de, D, T>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(deserializer).map(Some)
}

/// A submission's moderation state: what a patch changes besides the fields.
#[derive(Debug, Clone, PartialEq)]
pub struct Moderation {
    pub status: StoryStatus,
    pub reason: Option<String>,
    pub verified: bool,
}

impl ModerationPatch {
    /// Parses a merge patch.
    pub fn parse(document: &Value) -> Result<ModerationPatch, Violations> {
        let mut found = Violations::default();
        PATCH_SCHEMA.check(document, &mut found);
        if !found.is_empty() {
            return Err(found);
        }
        serde_json::from_value(document.clone())
            .map_err(|e| Violations::one(String::new(), e.to_string()))
    }

    /// The submission after this patch, checked as a new submission's fields are.
    pub fn apply(
        self,
        fields: &StoryFields,
        moderation: &Moderation,
        this_year: u16,
    ) -> Result<(StoryFields, Moderation), Violations> {
        let mut found = Violations::default();
        let fields = StoryFields {
            display_name: self
                .display_name
                .unwrap_or_else(|| fields.display_name.clone()),
            from_role: self.from_role.unwrap_or_else(|| fields.from_role.clone()),
            to_role: self.to_role.unwrap_or_else(|| fields.to_role.clone()),
            year: self.year.unwrap_or(fields.year),
            story: self.story.unwrap_or_else(|| fields.story.clone()),
            links: self.links.unwrap_or_else(|| fields.links.clone()),
        }
        .checked(this_year, &mut found);
        let status = self.status.unwrap_or(moderation.status);
        let reason = match self.reason {
            Some(reason) => reason.map(|r| text("/reason", &r, 1, 1000, Lines::Many, &mut found)),
            // A story leaving `rejected` drops the reason it was rejected for.
            None if status == StoryStatus::Rejected => moderation.reason.clone(),
            None => None,
        };
        if status == StoryStatus::Rejected && reason.is_none() {
            found.report(
                "/reason".to_owned(),
                "is required to reject a story: say why, for the editors' record".to_owned(),
            );
        }
        let moderation = Moderation {
            status,
            reason,
            verified: self.verified.unwrap_or(moderation.verified),
        };
        if found.is_empty() {
            Ok((fields, moderation))
        } else {
            Err(found)
        }
    }
}
