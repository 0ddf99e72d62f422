//! The study plan and its iCalendar file.

use reqwest::StatusCode;

use crate::helpers::{SLUG, content_type, problem, spawn_app};

#[tokio::test]
async fn a_plan_dates_every_phase_at_the_given_pace() {
    let app = spawn_app().await;
    let plan = app
        .get_json(&format!(
            "/v1/roadmaps/{SLUG}/plan?hours_per_week=10&start=2027-01-04"
        ))
        .await;
    assert_eq!(plan["pace"], "steady");
    assert_eq!(plan["start"], "2027-01-04");
    let weeks: Vec<(u64, u64)> = plan["phases"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|p| {
            (
                p["weeks"]["min"].as_u64().unwrap_or(0),
                p["weeks"]["max"].as_u64().unwrap_or(0),
            )
        })
        .collect();
    assert_eq!(weeks, [(20, 25), (30, 35), (20, 30)]);
    assert_eq!(
        plan["total_weeks"],
        serde_json::json!({"min": 70, "max": 90})
    );
    assert_eq!(
        plan["phases"][0]["end"], "2027-06-28",
        "25 weeks after the start"
    );
    assert_eq!(plan["phases"][1]["start"], plan["phases"][0]["end"]);
    assert_eq!(plan["phases"][0]["milestone"]["date"], "2027-06-27");
    assert!(
        plan["phases"][0]["milestone"]["checkpoint"]
            .as_str()
            .is_some_and(|c| c.starts_with("Write a Python script"))
    );

    let fast = app
        .get_json(&format!(
            "/v1/roadmaps/{SLUG}/plan?hours_per_week=10&start=2027-01-04&pace=fast"
        ))
        .await;
    assert_eq!(
        fast["phases"][0]["end"], "2027-05-24",
        "20 weeks after the start"
    );

    let today = app
        .get_json(&format!("/v1/roadmaps/{SLUG}/plan?hours_per_week=80"))
        .await;
    assert!(today["start"].is_string());
}

#[tokio::test]
async fn the_plan_as_icalendar() {
    let app = spawn_app().await;
    let path = format!("/v1/roadmaps/{SLUG}/plan?hours_per_week=10&start=2027-01-04");
    let response = app.get_with(&path, "Accept", "text/calendar").await;
    assert_eq!(response.status(), StatusCode::OK);
    assert!(content_type(&response).starts_with("text/calendar"));
    let text = response.text().await.expect("ics");
    assert!(text.starts_with("BEGIN:VCALENDAR\r\n") && text.trim_end().ends_with("END:VCALENDAR"));
    assert_eq!(
        text.matches("BEGIN:VEVENT").count(),
        6,
        "a phase and a checkpoint each"
    );
    assert!(text.contains(&format!("UID:{SLUG}-foundation@roadmap-api")));
    // Another pace moves the dates, not the identities.
    let fast = app
        .get(&format!("{path}&pace=fast&format=ics"))
        .await
        .text()
        .await
        .expect("ics");
    let uids = |t: &str| {
        t.lines()
            .filter(|l| l.starts_with("UID:"))
            .map(str::to_owned)
            .collect::<Vec<_>>()
    };
    assert_eq!(uids(&text), uids(&fast));
    assert_ne!(text, fast);
}

#[tokio::test]
async fn bad_plan_parameters_are_400() {
    let app = spawn_app().await;
    for (query, parameter) in [
        ("", "hours_per_week"),
        ("hours_per_week=0", "hours_per_week"),
        ("hours_per_week=81", "hours_per_week"),
        ("hours_per_week=ten", "hours_per_week"),
        ("hours_per_week=10&start=2027-13-01", "start"),
        ("hours_per_week=10&start=04/01/2027", "start"),
        ("hours_per_week=10&start=9999-01-01", "start"),
        ("hours_per_week=10&pace=slow", "pace"),
    ] {
        let body = problem(
            app.get(&format!("/v1/roadmaps/{SLUG}/plan?{query}")).await,
            StatusCode::BAD_REQUEST,
        )
        .await;
        assert_eq!(body["errors"][0]["parameter"], parameter, "{query}");
    }
    problem(
        app.get("/v1/roadmaps/nope/plan?hours_per_week=5").await,
        StatusCode::NOT_FOUND,
    )
    .await;
}
