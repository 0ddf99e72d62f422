use serde_json::json;

use super::*;
use crate::domain::StoryStatus;

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
fn a_filled_honeypot_is_a_trap_when_the_rest_is_valid() {
    let mut bot = good();
    bot["homepage"] = json!("http://spam.example");
    assert_eq!(Submission::parse(&bot, 2026), Ok(Submitted::Trap));
    bot["consent"] = json!(false);
    assert!(
        Submission::parse(&bot, 2026).is_err(),
        "invalid: the 422 a person gets"
    );
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
