//! Transition stories as people submit them and editors moderate them. A submission is
//! hostile until parsed: [`Submission::parse`] is the only way to one, and it reports every
//! problem at once, each at its JSON pointer. The text and link rules are in [`rules`], an
//! editor's patch in [`moderation`].

mod moderation;
mod rules;
#[cfg(test)]
mod tests;

use std::sync::LazyLock;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};
use utoipa::ToSchema;

pub use self::moderation::{Moderation, ModerationPatch};
use self::rules::{Lines, public_link, text};
use super::schema::SchemaCheck;
use super::{Slug, TransitionStory, Violations};

/// The shortest story accepted, in characters.
pub const MIN_STORY_CHARS: usize = 200;
/// The longest story accepted, in characters.
pub const MAX_STORY_CHARS: usize = 5_000;
/// The most links a story may carry.
pub const MAX_LINKS: usize = 3;
/// The earliest year of a move: before it there was no clinical AI to move into.
pub const MIN_YEAR: u16 = 1950;

/// A story as submitted (`POST /v1/roadmaps/{slug}/stories`, as JSON or as a form).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StorySubmission {
    /// The name to show with the story; null, empty or absent to stay anonymous (a form's
    /// empty field is the same as none).
    #[schema(max_length = 80, example = "Dana R.")]
    #[serde(default)]
    pub display_name: Option<String>,
    /// The clinical role they came from.
    #[schema(min_length = 2, max_length = 120, example = "ICU nurse")]
    pub from_role: String,
    /// The role they reached.
    #[schema(
        min_length = 2,
        max_length = 120,
        example = "Machine Learning Engineer"
    )]
    pub to_role: String,
    /// The year of the move, not in the future.
    #[schema(minimum = 1950, example = 2024)]
    pub year: u16,
    /// The story, plain text of 200 to 5,000 characters (HTML is shown as text, never run).
    #[schema(min_length = 200, max_length = 5000)]
    pub story: String,
    /// Up to three public `http`/`https` links (a profile, a post about the move).
    #[schema(max_items = 3, example = json!(["https://example.org/my-transition"]))]
    #[serde(default)]
    pub links: Vec<String>,
    /// How the editors can reach the person, if they wish: shown to editors only, never
    /// published, deleted with the submission.
    #[schema(max_length = 254, example = "dana@example.org")]
    #[serde(default)]
    pub contact_email: Option<String>,
    /// Must be `true`: the person agrees to the story's publication.
    pub consent: bool,
    /// Leave empty. A form hides this field from people; a valid submission that fills it
    /// is answered as accepted and stored nowhere.
    #[schema(max_length = 2000)]
    #[serde(default)]
    pub homepage: Option<String>,
}

/// The published fields of a story, checked: what a submission and an editor's correction
/// both produce.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StoryFields {
    pub display_name: Option<String>,
    pub from_role: String,
    pub to_role: String,
    pub year: u16,
    pub story: String,
    pub links: Vec<String>,
}

/// A submission that passed every check.
#[derive(Debug, Clone, PartialEq)]
pub struct Submission {
    pub fields: StoryFields,
    pub contact_email: Option<String>,
}

/// What a submission turned out to be.
#[derive(Debug, Clone, PartialEq)]
pub enum Submitted {
    Story(Submission),
    /// The honeypot was filled: a program, not a person.
    Trap,
}

static SUBMISSION_SCHEMA: LazyLock<SchemaCheck> = LazyLock::new(SchemaCheck::of::<StorySubmission>);

impl Submission {
    /// Parses a submission; `this_year` bounds the year of the move.
    pub fn parse(document: &Value, this_year: u16) -> Result<Submitted, Violations> {
        let mut found = Violations::default();
        SUBMISSION_SCHEMA.check(document, &mut found);
        // The rules of meaning run even where the structure is wrong, on the fields that
        // have the right type, so that one answer lists every problem.
        let typed = |name: &str| match (name, document.get(name)) {
            ("year", Some(v)) => v.as_u64().is_some_and(|y| y <= u64::from(u16::MAX)),
            ("links", Some(v)) => v.as_array().is_some_and(|l| l.iter().all(Value::is_string)),
            ("consent", Some(v)) => v.is_boolean(),
            (_, Some(v)) => v.is_string() || v.is_null(),
            (_, None) => false,
        };
        let text_of = |name: &str| {
            document
                .get(name)
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned()
        };
        let mut meaning = Violations::default();
        if document.get("consent") == Some(&Value::Bool(false)) {
            meaning.report(
                "/consent".to_owned(),
                "must be true: a story is published only with the person's agreement".to_owned(),
            );
        }
        let contact_email = document
            .get("contact_email")
            .and_then(Value::as_str)
            .map(str::trim)
            .filter(|email| !email.is_empty())
            .and_then(|email| {
                if email.parse::<email_address::EmailAddress>().is_err()
                    || email.chars().any(char::is_control)
                {
                    meaning.report(
                        "/contact_email".to_owned(),
                        "is not an email address".to_owned(),
                    );
                    None
                } else {
                    Some(email.to_owned())
                }
            });
        let fields = StoryFields {
            display_name: document
                .get("display_name")
                .and_then(Value::as_str)
                .map(str::to_owned),
            from_role: text_of("from_role"),
            to_role: text_of("to_role"),
            year: document
                .get("year")
                .and_then(Value::as_u64)
                .and_then(|y| u16::try_from(y).ok())
                .unwrap_or(this_year),
            story: text_of("story"),
            links: document
                .get("links")
                .and_then(Value::as_array)
                .map(|l| {
                    l.iter()
                        .filter_map(Value::as_str)
                        .map(str::to_owned)
                        .collect()
                })
                .unwrap_or_default(),
        }
        .checked(this_year, &mut meaning);
        let reported: Vec<String> = found.found.iter().map(|v| v.pointer.clone()).collect();
        for v in meaning.found {
            let field = v
                .pointer
                .trim_start_matches('/')
                .split('/')
                .next()
                .unwrap_or_default();
            if typed(field) && !reported.contains(&v.pointer) {
                found.report(v.pointer, v.detail);
            }
        }
        if !found.is_empty() {
            return Err(found);
        }
        // The schema held, so this cannot fail; if it did, it says where.
        serde_json::from_value::<StorySubmission>(document.clone())
            .map_err(|e| Violations::one(String::new(), e.to_string()))?;
        // A program that fills the hidden field gets the answer a person's valid story gets,
        // and learns nothing from it; an invalid one gets the same 422 a person would.
        if document
            .get("homepage")
            .and_then(Value::as_str)
            .is_some_and(|v| !v.trim().is_empty())
        {
            return Ok(Submitted::Trap);
        }
        Ok(Submitted::Story(Submission {
            fields,
            contact_email,
        }))
    }
}

impl StoryFields {
    /// The fields tidied (trimmed, line breaks made `\n`, an empty name made anonymous), with
    /// what is wrong with them reported into `found`.
    pub(super) fn checked(self, this_year: u16, found: &mut Violations) -> StoryFields {
        let display_name = self
            .display_name
            .filter(|name| !name.trim().is_empty())
            .map(|name| text("/display_name", &name, 1, 80, Lines::One, found));
        let from_role = text("/from_role", &self.from_role, 2, 120, Lines::One, found);
        let to_role = text("/to_role", &self.to_role, 2, 120, Lines::One, found);
        let story = text(
            "/story",
            &self.story,
            MIN_STORY_CHARS,
            MAX_STORY_CHARS,
            Lines::Many,
            found,
        );
        if !(MIN_YEAR..=this_year).contains(&self.year) {
            found.report(
                "/year".to_owned(),
                format!("must be from {MIN_YEAR} to {this_year}"),
            );
        }
        if self.links.len() > MAX_LINKS {
            found.report(
                "/links".to_owned(),
                format!("holds {} links; at most {MAX_LINKS}", self.links.len()),
            );
        }
        let links = self
            .links
            .iter()
            .enumerate()
            .map(|(i, link)| {
                let link = link.trim();
                if let Err(why) = public_link(link) {
                    found.report(format!("/links/{i}"), why.to_owned());
                }
                link.to_owned()
            })
            .collect();
        StoryFields {
            display_name,
            from_role,
            to_role,
            year: self.year,
            story,
            links,
        }
    }

    /// The story as the roadmap publishes it.
    pub fn published(&self, key: Slug, verified: bool) -> TransitionStory {
        TransitionStory {
            key,
            display_name: self.display_name.clone(),
            from_role: self.from_role.clone(),
            to_role: self.to_role.clone(),
            year: self.year,
            story: self.story.clone(),
            links: self.links.clone(),
            verified,
        }
    }

    /// The fingerprint by which the same story is recognised twice: its text with case and
    /// spacing folded, hashed.
    pub fn text_hash(&self) -> String {
        let folded: Vec<String> = self
            .story
            .split_whitespace()
            .map(str::to_lowercase)
            .collect();
        hex::encode(Sha256::digest(folded.join(" ").as_bytes()))
    }
}

impl From<&TransitionStory> for StoryFields {
    fn from(story: &TransitionStory) -> StoryFields {
        StoryFields {
            display_name: story.display_name.clone(),
            from_role: story.from_role.clone(),
            to_role: story.to_role.clone(),
            year: story.year,
            story: story.story.clone(),
            links: story.links.clone(),
        }
    }
}

/// The checks of [`Submission::parse`] that a story published in a roadmap document must
/// pass too: the text rules and the links.
pub(in crate::domain) fn check_published(
    story: &TransitionStory,
    base: &str,
    found: &mut Violations,
) {
    let mut own = Violations::default();
    let fields = StoryFields::from(story);
    // A published year may be anything the schema allows up to the far future: the document
    // is an editor's, and the clock of the server that loads it must not make it invalid.
    fields.checked(u16::MAX, &mut own);
    for v in own.found {
        found.report(format!("{base}{}", v.pointer), v.detail);
    }
}
