//! Transition stories as people submit them and editors moderate them. A submission is
//! hostile until parsed: [`Submission::parse`] is the only way to one, and it reports every
//! problem at once, each at its JSON pointer.

use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};
use utoipa::ToSchema;

use std::sync::LazyLock;

use super::schema::SchemaCheck;
use super::{Slug, StoryStatus, TransitionStory, Violations};

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
    /// The name to show with the story; null (or absent) to stay anonymous.
    #[schema(min_length = 1, max_length = 80, example = "Dana R.")]
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
    /// Leave empty. A form hides this field from people; a submission that fills it is
    /// answered as accepted and stored nowhere.
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
static PATCH_SCHEMA: LazyLock<SchemaCheck> = LazyLock::new(SchemaCheck::of::<ModerationPatch>);

impl Submission {
    /// Parses a submission; `this_year` bounds the year of the move.
    pub fn parse(document: &Value, this_year: u16) -> Result<Submitted, Violations> {
        let mut found = Violations::default();
        SUBMISSION_SCHEMA.check(document, &mut found);
        // A program that fills the hidden field learns nothing from our answer. (One that
        // sends a malformed submission learns only that it is malformed.)
        if found.is_empty()
            && document
                .get("homepage")
                .and_then(Value::as_str)
                .is_some_and(|v| !v.trim().is_empty())
        {
            return Ok(Submitted::Trap);
        }
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
        Ok(Submitted::Story(Submission {
            fields,
            contact_email,
        }))
    }
}

impl StoryFields {
    /// The fields tidied (trimmed, line breaks made `\n`, an empty name made anonymous), with
    /// what is wrong with them reported into `found`.
    fn checked(self, this_year: u16, found: &mut Violations) -> StoryFields {
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

/// The checks of [`Submission::parse`] that a story published in a roadmap document must
/// pass too: the text rules and the links.
pub(super) fn check_published(story: &TransitionStory, base: &str, found: &mut Violations) {
    let mut own = Violations::default();
    let fields = StoryFields {
        display_name: story.display_name.clone(),
        from_role: story.from_role.clone(),
        to_role: story.to_role.clone(),
        year: story.year,
        story: story.story.clone(),
        links: story.links.clone(),
    };
    // A published year may be anything the schema allows up to the far future: the document
    // is an editor's, and the clock of the server that loads it must not make it invalid.
    fields.checked(u16::MAX, &mut own);
    for v in own.found {
        found.report(format!("{base}{}", v.pointer), v.detail);
    }
}

#[derive(Clone, Copy, PartialEq)]
enum Lines {
    One,
    Many,
}

/// `raw` trimmed, with `\r\n` made `\n`; its length (in characters) and its characters
/// reported into `found` at `pointer` when they break the rules.
fn text(
    pointer: &str,
    raw: &str,
    min: usize,
    max: usize,
    lines: Lines,
    found: &mut Violations,
) -> String {
    let tidy = raw.replace("\r\n", "\n").trim().to_owned();
    if let Some(bad) = tidy.chars().find(|&c| forbidden(c, lines)) {
        let what = if is_bidi_control(bad) {
            "bidirectional formatting characters, which can disguise text"
        } else if lines == Lines::One {
            "control characters or line breaks"
        } else {
            "control characters (but line breaks and tabs)"
        };
        found.report(
            pointer.to_owned(),
            format!("must not hold {what} (found U+{:04X})", u32::from(bad)),
        );
    }
    let length = tidy.chars().count();
    if length < min || length > max {
        found.report(
            pointer.to_owned(),
            format!(
                "must be {min} to {max} characters long (without surrounding space); it is {length}"
            ),
        );
    }
    tidy
}

fn forbidden(c: char, lines: Lines) -> bool {
    let allowed_control = lines == Lines::Many && matches!(c, '\n' | '\t');
    (c.is_control() && !allowed_control)
        || is_bidi_control(c)
        || matches!(c, '\u{2028}' | '\u{2029}')
}

/// The embeddings, overrides and isolates of Unicode's bidirectional algorithm (and the
/// marks), which can make text read differently from what it holds ("Trojan Source").
fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{061C}' | '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// Whether `link` is an absolute `http`/`https` URL of a public host name, without
/// credentials. IP addresses and single-label hosts (`localhost`, `intranet`) are refused:
/// a published link points at the public web.
fn public_link(link: &str) -> Result<(), &'static str> {
    if link.len() > 2_000 {
        return Err("must be at most 2000 characters long");
    }
    let url = url::Url::parse(link).map_err(|_| "is not an absolute URL")?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err("must be an http or https URL");
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err("must not carry a user name or password");
    }
    match url.host() {
        Some(url::Host::Domain(host)) if host.contains('.') && !host.ends_with(".localhost") => {
            Ok(())
        }
        Some(url::Host::Domain(_)) => Err("must name a public host, not a local one"),
        Some(_) => Err("must name a host, not an IP address"),
        None => Err("must name a host"),
    }
}

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

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn good() -> Value {
        json!({
            "display_name": "Dana R.",
            "from_role": "ICU nurse",
            "to_role": "Machine Learning Engineer",
            "year": 2024,
            "story": "x".repeat(250),
            "links": ["https://example.org/dana"],
            "contact_email": "dana@example.org",
            "consent": true
        })
    }

    fn problems(document: Value) -> Vec<String> {
        match Submission::parse(&document, 2026) {
            Err(v) => v.found.into_iter().map(|v| v.pointer).collect(),
            Ok(_) => Vec::new(),
        }
    }

    #[test]
    fn a_good_submission_parses_tidied() {
        let mut doc = good();
        doc["display_name"] = json!("  ");
        doc["story"] = json!(format!("  {}\r\nend  ", "y".repeat(250)));
        let Ok(Submitted::Story(s)) = Submission::parse(&doc, 2026) else {
            panic!("a good submission");
        };
        assert_eq!(s.fields.display_name, None);
        assert!(s.fields.story.ends_with("\nend"));
        assert_eq!(s.contact_email.as_deref(), Some("dana@example.org"));
    }

    #[test]
    fn every_problem_is_reported_at_its_pointer() {
        let mut doc = good();
        doc["story"] = json!("too short");
        doc["consent"] = json!(false);
        doc["year"] = json!(2031);
        doc["links"] = json!([
            "javascript:alert(1)",
            "http://127.0.0.1/",
            "http://localhost/"
        ]);
        doc["contact_email"] = json!("not an email");
        doc["from_role"] = json!("ICU\u{202E}nurse");
        let found = problems(doc);
        for pointer in [
            "/story",
            "/consent",
            "/year",
            "/links/0",
            "/links/1",
            "/links/2",
            "/contact_email",
            "/from_role",
        ] {
            assert!(
                found.contains(&pointer.to_owned()),
                "{pointer} in {found:?}"
            );
        }
    }

    #[test]
    fn structure_is_checked_before_meaning() {
        let found = problems(json!({"story": 5, "unknown": 1, "consent": "yes"}));
        assert!(found.iter().any(|p| p == "/story"), "{found:?}");
        assert!(found.iter().any(|p| p == "/consent"), "{found:?}");
        assert!(
            found.iter().any(|p| p.is_empty()),
            "missing fields at the root: {found:?}"
        );
    }

    #[test]
    fn a_filled_honeypot_is_a_trap_whatever_the_rest_says() {
        let mut bot = good();
        bot["homepage"] = json!("http://spam.example");
        bot["consent"] = json!(false);
        assert_eq!(Submission::parse(&bot, 2026), Ok(Submitted::Trap));
        assert!(Submission::parse(&json!({"homepage": "http://spam.example"}), 2026).is_err());
    }

    #[test]
    fn the_same_text_differently_spaced_is_the_same_story() {
        let fields = |story: &str| StoryFields {
            display_name: None,
            from_role: "a".into(),
            to_role: "b".into(),
            year: 2020,
            story: story.into(),
            links: vec![],
        };
        assert_eq!(
            fields("I moved  into\nML").text_hash(),
            fields("i moved into ml").text_hash()
        );
        assert_ne!(
            fields("I moved").text_hash(),
            fields("I stayed").text_hash()
        );
    }

    #[test]
    fn rejecting_needs_a_reason_and_clearing_it_is_a_patch() {
        let fields = StoryFields {
            display_name: Some("Dana".into()),
            from_role: "ICU nurse".into(),
            to_role: "ML engineer".into(),
            year: 2024,
            story: "z".repeat(300),
            links: vec![],
        };
        let pending = Moderation {
            status: StoryStatus::Pending,
            reason: None,
            verified: false,
        };
        let reject = ModerationPatch::parse(&json!({"status": "rejected"})).expect("parses");
        assert!(reject.apply(&fields, &pending, 2026).is_err());
        let patch = ModerationPatch::parse(
            &json!({"status": "approved", "display_name": null, "verified": true}),
        )
        .expect("parses");
        let (fields, moderation) = patch.apply(&fields, &pending, 2026).expect("valid");
        assert_eq!(fields.display_name, None);
        assert!(moderation.verified);
        assert_eq!(moderation.status, StoryStatus::Approved);
    }
}
