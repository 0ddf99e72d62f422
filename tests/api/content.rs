//! The served roadmap against the page it transcribes (`tests/fixtures/`, a copy of the seed).

use serde_json::{Value, json};

use crate::helpers::{SLUG, spawn_app};

const SEED: &str = include_str!("../fixtures/healthcare-ai-ml-engineer.txt");

fn len(value: &Value) -> usize {
    value.as_array().map_or(0, Vec::len)
}

#[tokio::test]
async fn every_list_section_is_complete() {
    let app = spawn_app().await;
    let r = app.get_json(&format!("/v1/roadmaps/{SLUG}")).await;
    assert_eq!(len(&r["employers"]), 6);
    assert_eq!(len(&r["employers"][0]["examples"]), 4);
    assert_eq!(len(&r["employers"][3]["examples"]), 3);
    assert_eq!(len(&r["employers"][5]["examples"]), 0);
    assert_eq!(len(&r["clinical_advantages"]), 4);
    assert_eq!(len(&r["transferable_skills"]), 5);
    assert_eq!(len(&r["work_setting"]["regional_hubs"]), 5);
    let phases = &r["learning_path"]["phases"];
    assert_eq!(len(phases), 3);
    let groups: Vec<usize> = (0..3).map(|i| len(&phases[i]["topic_groups"])).collect();
    assert_eq!(groups, [3, 3, 0]);
    let topics: Vec<usize> = (0..3)
        .map(|i| len(&phases[0]["topic_groups"][i]["topics"]))
        .collect();
    assert_eq!(topics, [3, 3, 3]);
    assert_eq!(len(&phases[2]["tracks"]), 4);
    assert_eq!(
        r["learning_path"]["phases"][2]["tracks"][3]["tools"],
        json!(["DeepChem", "RDKit"])
    );
    assert_eq!(len(&r["certifications"]["items"]), 9);
    assert_eq!(len(&r["projects"]), 5);
    assert_eq!(len(&r["transition_stories"]["items"]), 0);
    assert_eq!(len(&r["first_moves"]["items"]), 3);
    let steps: Vec<usize> = (0..3)
        .map(|i| len(&r["first_moves"]["items"][i]["steps"]))
        .collect();
    assert_eq!(steps, [4, 4, 3]);
    assert_eq!(r["sources"]["declared_count"], 16);
    assert!(len(&r["sources"]["items"]) >= 5);
}

#[tokio::test]
async fn ranges_and_costs_are_typed_as_the_page_states_them() {
    let app = spawn_app().await;
    let r = app.get_json(&format!("/v1/roadmaps/{SLUG}")).await;
    assert_eq!(r["timeline_months"], json!({"min": 12, "max": 18}));
    assert_eq!(
        r["work_setting"]["remote_percent"],
        json!({"min": 40, "max": 50})
    );
    assert_eq!(
        r["work_setting"]["hybrid_percent"],
        json!({"min": 35, "max": 45})
    );
    assert_eq!(
        r["work_setting"]["onsite_percent"],
        json!({"min": 10, "max": 15})
    );
    let phase2 = &r["learning_path"]["phases"][1];
    assert_eq!(
        (phase2["months"].clone(), phase2["hours"].clone()),
        (json!({"min": 5, "max": 9}), json!({"min": 300, "max": 350}))
    );
    assert_eq!(
        r["learning_path"]["phases"][2]["months"],
        json!({"min": 10, "max": 16})
    );
    assert_eq!(r["projects"][4]["hours"], json!({"min": 50, "max": 70}));
    assert_eq!(
        r["first_moves"]["items"][2]["time"],
        json!({"hours": {"min": 5, "max": 7}, "per": "week", "text": "5 to 7 hours per week"})
    );
    let certs = &r["certifications"]["items"];
    let cost = |i: usize| certs[i]["certification"]["cost"].clone();
    assert_eq!(cost(1), json!({"amount_usd": 200, "text": "$200 exam"}));
    assert_eq!(
        cost(3),
        json!({"amount_usd": 50, "text": "Free course plus $50 optional cert"})
    );
    assert_eq!(cost(4), json!({"amount_usd": 200, "text": "~$200"}));
    assert_eq!(cost(5), json!({"amount_usd": null, "text": "N/A"}));
    assert_eq!(
        certs[2]["job_posting_share_percent"],
        json!({"min": 15, "max": 30})
    );
    assert_eq!(
        certs[2]["certification"]["study_months"],
        json!({"min": 1, "max": 2})
    );
    assert!(certs[1]["job_posting_share_percent"].is_null());
    let tiers: Vec<&str> = (0..9)
        .map(|i| certs[i]["tier"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(
        tiers,
        [
            "high_signal",
            "high_signal",
            "helpful",
            "helpful",
            "helpful",
            "skip",
            "skip",
            "skip",
            "skip"
        ]
    );
}

#[tokio::test]
async fn prose_is_the_pages_own_words() {
    let app = spawn_app().await;
    let r = app.get_json(&format!("/v1/roadmaps/{SLUG}")).await;
    let seed_lines: Vec<&str> = SEED.lines().map(str::trim).collect();
    for pointer in [
        "/summary",
        "/best_suited_for",
        "/key_differentiator",
        "/certifications/reality_check",
        "/certifications/recommendation",
        "/transition_stories/note",
        "/learning_path/phases/0/checkpoint",
    ] {
        let text = r.pointer(pointer).and_then(Value::as_str).expect(pointer);
        assert!(
            seed_lines.contains(&text),
            "{pointer} is not a line of the page: {text}"
        );
    }
    assert_eq!(
        format!(
            "{}. {}",
            r["work_setting"]["label"].as_str().unwrap_or_default(),
            r["work_setting"]["text"].as_str().unwrap_or_default()
        ),
        seed_lines[21]
    );
    assert_eq!(
        format!(
            "{}. {}",
            r["demand"]["level"].as_str().unwrap_or_default(),
            r["demand"]["detail"].as_str().unwrap_or_default()
        ),
        seed_lines[25]
    );
}

/// Every string the API serves, but for identifiers and the source titles we name ourselves,
/// stands word for word in the page: nothing is invented or retyped.
#[tokio::test]
async fn nothing_is_invented() {
    let app = spawn_app().await;
    let r = app.get_json(&format!("/v1/roadmaps/{SLUG}")).await;
    let mut strings = Vec::new();
    collect(&r, "", &mut strings);
    let ours = [
        "/key",
        "/slug",
        "/difficulty",
        "/tier",
        "/kind",
        "/language",
        "/per",
        "/url",
    ];
    for (pointer, text) in strings {
        let identifier = ours.iter().any(|suffix| pointer.ends_with(suffix))
            || pointer.contains("/cited_in/")
            || (pointer.starts_with("/sources/items/") && pointer.ends_with("/title"));
        if !identifier {
            assert!(SEED.contains(&text), "{pointer} is not in the page: {text}");
        }
    }
}

fn collect(value: &Value, pointer: &str, out: &mut Vec<(String, String)>) {
    match value {
        Value::String(text) => out.push((pointer.to_owned(), text.clone())),
        Value::Array(items) => items
            .iter()
            .enumerate()
            .for_each(|(i, v)| collect(v, &format!("{pointer}/{i}"), out)),
        Value::Object(fields) => fields
            .iter()
            .for_each(|(k, v)| collect(v, &format!("{pointer}/{k}"), out)),
        _ => {}
    }
}
