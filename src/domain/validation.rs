//! Parsing a roadmap document from untrusted bytes: the only way `import` and the admin `PUT`
//! obtain a [`Roadmap`]. Serde checks types, required fields and closed vocabularies; the
//! rules below check what spans fields (unique keys, numbering, citations).

use std::collections::HashSet;

use serde_json::Value;

use super::violations::Violations;
use super::{Roadmap, Slug};

/// The longest string value accepted anywhere in a document.
pub const MAX_TEXT_LEN: usize = 10_000;

/// Why bytes are not a roadmap document.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DocumentError {
    /// Not JSON at all.
    #[error("the document is not valid JSON: {0}")]
    Malformed(String),
    /// JSON, but not a valid roadmap.
    #[error("the document is not a valid roadmap ({}{} problems, the first at {}: {})",
        .0.found.len(), if .0.truncated { "+" } else { "" },
        .0.found.first().map_or("", |v| v.pointer.as_str()),
        .0.found.first().map_or("", |v| v.detail.as_str()))]
    Invalid(Violations),
}

impl Roadmap {
    /// Parses and checks a roadmap document.
    pub fn parse(bytes: &[u8]) -> Result<Roadmap, DocumentError> {
        let value: Value =
            serde_json::from_slice(bytes).map_err(|e| DocumentError::Malformed(e.to_string()))?;
        Roadmap::from_value(&value)
    }

    /// Like [`Roadmap::parse`], for a document already parsed as JSON (one item of an array
    /// of documents, say).
    ///
    /// Every problem is reported at once, each at its JSON pointer (the first 100 of them):
    /// first where the document breaks the schema the spec publishes, and its texts; then,
    /// if it reads as a roadmap, the rules across fields (unique keys, numbering, citations).
    pub fn from_value(value: &Value) -> Result<Roadmap, DocumentError> {
        let mut found = Violations::default();
        super::schema::check(value, &mut found);
        check_strings(value, &mut String::new(), &mut |pointer, detail| {
            found.report(pointer, detail)
        });
        let read = serde_path_to_error::deserialize::<_, Roadmap>(value);
        match &read {
            Ok(roadmap) => roadmap.check_across_fields(value, &mut found),
            // What the schema cannot say (a null left out, an unknown field) comes from here.
            Err(e) if found.is_empty() => found.report(pointer_of(e.path()), e.inner().to_string()),
            Err(_) => {}
        }
        match read {
            Ok(roadmap) if found.is_empty() => Ok(roadmap),
            _ => Err(DocumentError::Invalid(found)),
        }
    }

    fn check_across_fields(&self, value: &Value, found: &mut Violations) {
        for (i, story) in self.transition_stories.items.iter().enumerate() {
            super::story::check_published(story, &format!("/transition_stories/items/{i}"), found);
        }
        let mut report = |pointer: String, detail: String| found.report(pointer, detail);

        let mut keys = HashSet::new();
        for (pointer, key) in self.keys() {
            if !keys.insert(key) {
                report(
                    pointer,
                    format!("key `{key}` is used more than once in this roadmap"),
                );
            }
        }

        let numbered = [
            (
                "/learning_path/phases",
                self.learning_path
                    .phases
                    .iter()
                    .map(|p| p.number)
                    .collect::<Vec<_>>(),
            ),
            (
                "/projects",
                self.projects.iter().map(|p| p.number).collect(),
            ),
            (
                "/first_moves/items",
                self.first_moves.items.iter().map(|m| m.number).collect(),
            ),
        ];
        for (list, numbers) in numbered {
            for (index, number) in numbers.into_iter().enumerate() {
                let expected = index as u32 + 1;
                if number != expected {
                    report(
                        format!("{list}/{index}/number"),
                        format!("must be {expected}: numbers run from 1 in list order"),
                    );
                }
            }
        }

        let percents = [
            (
                "/work_setting/remote_percent",
                Some(self.work_setting.remote_percent),
            ),
            (
                "/work_setting/hybrid_percent",
                Some(self.work_setting.hybrid_percent),
            ),
            (
                "/work_setting/onsite_percent",
                Some(self.work_setting.onsite_percent),
            ),
        ]
        .into_iter()
        .map(|(p, r)| (p.to_owned(), r))
        .chain(
            self.certifications
                .items
                .iter()
                .enumerate()
                .map(|(i, item)| {
                    (
                        format!("/certifications/items/{i}/job_posting_share_percent"),
                        item.job_posting_share_percent,
                    )
                }),
        );
        for (pointer, range) in percents {
            if range.is_some_and(|r| r.max > 100) {
                report(pointer, "a percentage must not exceed 100".to_owned());
            }
        }

        let mut certifications = HashSet::new();
        for (i, item) in self.certifications.items.iter().enumerate() {
            if !certifications.insert(&item.certification.slug) {
                report(
                    format!("/certifications/items/{i}/certification/slug"),
                    "this certification is rated twice".to_owned(),
                );
            }
        }

        let mut sources = HashSet::new();
        for (i, source) in self.sources.items.iter().enumerate() {
            if !sources.insert(&source.slug) {
                report(
                    format!("/sources/items/{i}/slug"),
                    "this source is listed twice".to_owned(),
                );
            }
            if let Some(url) = &source.url
                && !(url.starts_with("https://") || url.starts_with("http://"))
            {
                report(
                    format!("/sources/items/{i}/url"),
                    "must be an absolute http(s) URL".to_owned(),
                );
            }
            for (j, cited) in source.cited_in.iter().enumerate() {
                if !value.pointer(cited).is_some_and(Value::is_string) {
                    report(
                        format!("/sources/items/{i}/cited_in/{j}"),
                        format!("`{cited}` does not point to a text in this document"),
                    );
                }
            }
        }
    }

    /// Every item key in the document, with the pointer to it.
    fn keys<'a>(&'a self) -> Vec<(String, &'a str)> {
        let mut keys: Vec<(String, &str)> = Vec::new();
        let mut add = |pointer: String, key: &'a Slug| keys.push((pointer, key.as_str()));
        for (i, h) in self.work_setting.regional_hubs.iter().enumerate() {
            add(format!("/work_setting/regional_hubs/{i}/key"), &h.key);
        }
        for (i, e) in self.employers.iter().enumerate() {
            add(format!("/employers/{i}/key"), &e.key);
        }
        for (i, a) in self.clinical_advantages.iter().enumerate() {
            add(format!("/clinical_advantages/{i}/key"), &a.key);
        }
        for (i, s) in self.transferable_skills.iter().enumerate() {
            add(format!("/transferable_skills/{i}/key"), &s.key);
        }
        for (i, phase) in self.learning_path.phases.iter().enumerate() {
            let base = format!("/learning_path/phases/{i}");
            add(format!("{base}/key"), &phase.key);
            for (j, group) in phase.topic_groups.iter().enumerate() {
                add(format!("{base}/topic_groups/{j}/key"), &group.key);
                for (k, topic) in group.topics.iter().enumerate() {
                    add(
                        format!("{base}/topic_groups/{j}/topics/{k}/key"),
                        &topic.key,
                    );
                }
            }
            for (j, track) in phase.tracks.iter().enumerate() {
                add(format!("{base}/tracks/{j}/key"), &track.key);
            }
        }
        for (i, c) in self.certifications.items.iter().enumerate() {
            add(format!("/certifications/items/{i}/key"), &c.key);
        }
        for (i, p) in self.projects.iter().enumerate() {
            add(format!("/projects/{i}/key"), &p.key);
        }
        for (i, s) in self.transition_stories.items.iter().enumerate() {
            add(format!("/transition_stories/items/{i}/key"), &s.key);
        }
        for (i, m) in self.first_moves.items.iter().enumerate() {
            add(format!("/first_moves/items/{i}/key"), &m.key);
        }
        for (i, s) in self.sources.items.iter().enumerate() {
            add(format!("/sources/items/{i}/key"), &s.key);
        }
        keys
    }
}

/// True when `text` holds nothing but white space as the spec's `\S` patterns see it: the
/// white space and line terminators of ECMAScript regular expressions, which OpenAPI uses.
/// (Rust's `char::is_whitespace` differs: it counts U+0085 and not U+FEFF.)
pub fn is_blank(text: &str) -> bool {
    text.chars().all(is_space)
}

/// A white-space character as [`is_blank`] sees it.
pub fn is_space(c: char) -> bool {
    matches!(
        c,
        '\t' | '\n' | '\u{0B}' | '\u{0C}' | '\r' | ' ' | '\u{A0}' | '\u{1680}' | '\u{2000}'
            ..='\u{200A}'
                | '\u{2028}'
                | '\u{2029}'
                | '\u{202F}'
                | '\u{205F}'
                | '\u{3000}'
                | '\u{FEFF}'
    )
}

fn is_forbidden_control(c: char) -> bool {
    c.is_control() && !matches!(c, '\t' | '\n' | '\r')
}

/// Every string in the document must say something, stay within [`MAX_TEXT_LEN`] and hold no
/// control characters but tabs and line breaks.
fn check_strings(value: &Value, pointer: &mut String, report: &mut impl FnMut(String, String)) {
    match value {
        Value::String(text) if is_blank(text) => report(
            pointer.clone(),
            "must not be empty; use null where the page gives nothing".to_owned(),
        ),
        Value::String(text) if text.chars().count() > MAX_TEXT_LEN => report(
            pointer.clone(),
            format!("must be at most {MAX_TEXT_LEN} characters"),
        ),
        // Text is prose: control characters are never content, and search marks its matches
        // with two of them.
        Value::String(text) if text.chars().any(is_forbidden_control) => report(
            pointer.clone(),
            "must not hold control characters (but tabs and line breaks)".to_owned(),
        ),
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                let len = pointer.len();
                pointer.push_str(&format!("/{i}"));
                check_strings(item, pointer, report);
                pointer.truncate(len);
            }
        }
        Value::Object(fields) => {
            for (name, field) in fields {
                let len = pointer.len();
                pointer.push('/');
                pointer.push_str(&name.replace('~', "~0").replace('/', "~1"));
                check_strings(field, pointer, report);
                pointer.truncate(len);
            }
        }
        _ => {}
    }
}

/// The JSON Pointer (RFC 6901) of a place serde could not read.
pub fn pointer_of(path: &serde_path_to_error::Path) -> String {
    use serde_path_to_error::Segment;
    path.iter()
        .filter_map(|segment| match segment {
            Segment::Seq { index } => Some(format!("/{index}")),
            Segment::Map { key } => Some(format!("/{}", key.replace('~', "~0").replace('/', "~1"))),
            Segment::Enum { variant } => Some(format!("/{variant}")),
            Segment::Unknown => None,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::domain::{MAX_VIOLATIONS, Violation};

    fn bundled() -> Value {
        serde_json::from_str(crate::content::BUNDLED[0].1).expect("bundled content is JSON")
    }

    /// The violations of the bundled document after `edit`.
    fn violations_after(edit: impl FnOnce(&mut Value)) -> Vec<Violation> {
        let mut document = bundled();
        edit(&mut document);
        match Roadmap::parse(document.to_string().as_bytes()) {
            Ok(_) => Vec::new(),
            Err(DocumentError::Invalid(found)) => found.found,
            Err(other) => panic!("unexpected {other}"),
        }
    }

    fn pointers(found: &[Violation]) -> Vec<&str> {
        found.iter().map(|v| v.pointer.as_str()).collect()
    }

    #[test]
    fn the_bundled_document_is_valid() {
        assert_eq!(violations_after(|_| {}), Vec::new());
    }

    #[test]
    fn type_errors_are_located() {
        let found = violations_after(|d| d["projects"][2]["hours"] = json!({"min": 45, "max": 35}));
        assert_eq!(pointers(&found), ["/projects/2/hours"]);
        let found = violations_after(|d| d["certifications"]["items"][0]["tier"] = json!("gold"));
        assert_eq!(pointers(&found), ["/certifications/items/0/tier"]);
        let found = violations_after(|d| d["typo_field"] = json!(1));
        assert!(found[0].detail.contains("typo_field"), "{found:?}");
        let found =
            violations_after(|d| d["learning_path"]["phases"][0]["key"] = json!("Not A Key"));
        assert_eq!(pointers(&found), ["/learning_path/phases/0/key"]);
    }

    #[test]
    fn keys_are_unique_across_the_document() {
        let found =
            violations_after(|d| d["projects"][1]["key"] = d["employers"][0]["key"].clone());
        assert_eq!(pointers(&found), ["/projects/1/key"]);
    }

    #[test]
    fn numbers_run_from_one_in_order() {
        let found = violations_after(|d| d["projects"][3]["number"] = json!(7));
        assert_eq!(pointers(&found), ["/projects/3/number"]);
        let found = violations_after(|d| {
            d["first_moves"]["items"][0]["number"] = json!(2);
            d["first_moves"]["items"][1]["number"] = json!(1);
        });
        assert_eq!(
            pointers(&found),
            ["/first_moves/items/0/number", "/first_moves/items/1/number"]
        );
    }

    #[test]
    fn percentages_citations_and_urls_are_checked() {
        let found = violations_after(|d| {
            d["work_setting"]["remote_percent"] = json!({"min": 90, "max": 140})
        });
        assert_eq!(pointers(&found), ["/work_setting/remote_percent"]);
        let found =
            violations_after(|d| d["sources"]["items"][0]["cited_in"][0] = json!("/nowhere"));
        assert_eq!(pointers(&found), ["/sources/items/0/cited_in/0"]);
        let found =
            violations_after(|d| d["sources"]["items"][0]["url"] = json!("javascript:alert(1)"));
        assert_eq!(pointers(&found), ["/sources/items/0/url"]);
        let found = violations_after(|d| {
            d["sources"]["items"][1]["slug"] = d["sources"]["items"][0]["slug"].clone()
        });
        assert_eq!(pointers(&found), ["/sources/items/1/slug"]);
    }

    #[test]
    fn empty_and_overlong_text_is_refused() {
        let found = violations_after(|d| d["summary"] = json!("  "));
        assert_eq!(pointers(&found), ["/summary"]);
        let found = violations_after(|d| {
            d["projects"][0]["stack"][1] = json!("x".repeat(MAX_TEXT_LEN + 1))
        });
        assert_eq!(pointers(&found), ["/projects/0/stack/1"]);
    }

    #[test]
    fn malformed_json_is_its_own_error() {
        assert!(matches!(
            Roadmap::parse(b"{ nope"),
            Err(DocumentError::Malformed(_))
        ));
    }

    #[test]
    fn control_characters_are_refused() {
        let found = violations_after(|d| d["summary"] = json!("a \u{2}marked\u{3} word"));
        assert_eq!(pointers(&found), ["/summary"]);
        assert!(violations_after(|d| d["summary"] = json!("two\nlines\tand a tab")).is_empty());
    }

    #[test]
    fn a_flood_of_problems_is_cut_at_the_cap() {
        let mut document = bundled();
        document["projects"][0]["stack"] = json!(vec![" "; 5000]);
        let error = Roadmap::parse(document.to_string().as_bytes()).expect_err("invalid");
        let DocumentError::Invalid(violations) = error else {
            panic!("not a validation error: {error}");
        };
        assert_eq!(violations.found.len(), MAX_VIOLATIONS);
        assert!(violations.truncated);
        let few = violations_after(|d| d["summary"] = json!(" "));
        assert_eq!(few.len(), 1);
    }
}
