use super::*;

fn roadmap() -> Roadmap {
    serde_json::from_str(crate::content::BUNDLED[0].1).expect("bundled roadmap")
}

fn done(keys: &[&str]) -> DoneKeys {
    DoneKeys::parse(keys.iter().copied()).expect("keys")
}

fn keys(items: &[Item]) -> Vec<&str> {
    items.iter().map(|item| item.key.as_str()).collect()
}

#[test]
fn nothing_done_is_the_whole_roadmap_at_the_pages_hours() {
    let progress = Progress::new(&roadmap(), &DoneKeys::default());
    // 9 topics + checkpoint, 7 topics + checkpoint, the tracks as one + checkpoint.
    let totals: Vec<u32> = progress.phases.iter().map(|p| p.total).collect();
    assert_eq!(totals, [10, 8, 2]);
    assert_eq!(
        (progress.projects.total, progress.first_moves.total),
        (5, 3)
    );
    assert_eq!(
        (progress.done, progress.total, progress.percent),
        (0, 28, 0)
    );
    let foundation = &progress.phases[0];
    assert_eq!(
        foundation.hours_left,
        HoursLeft {
            min: 200,
            max: 250,
            estimate: false
        }
    );
    assert_eq!(foundation.left[0].key.as_str(), "python-fundamentals");
    assert_eq!(foundation.left[9].kind, ItemKind::Checkpoint);
    assert_eq!(foundation.left[9].key.as_str(), "foundation");
    // Every track is listed while none is chosen.
    assert_eq!(progress.phases[2].left.len(), 5);
    // Projects: 20-30 + 30-40 + 35-45 + 40-50 + 50-70 hours.
    assert_eq!(
        progress.projects.hours_left,
        Some(HoursLeft {
            min: 175,
            max: 235,
            estimate: false
        })
    );
    assert_eq!(progress.first_moves.hours_left, None);
    assert_eq!(
        progress.hours_left,
        HoursLeft {
            min: 700 + 175,
            max: 900 + 235,
            estimate: false
        }
    );
    assert!(progress.stale_keys.is_empty());
}

#[test]
fn done_items_leave_the_lists_and_spread_hours_are_an_estimate() {
    let progress = Progress::new(
        &roadmap(),
        &done(&[
            "python-fundamentals",
            "pandas-dataframes",
            "basic-sql",
            "track-b-clinical-nlp-ehr",
            "readmission-prediction",
            "map-your-clinical-superpower",
        ]),
    );
    let foundation = &progress.phases[0];
    assert_eq!(
        (foundation.done, foundation.total, foundation.percent),
        (3, 10, 30)
    );
    // 7 of 10 items left of 200-250 hours: 140 (rounded down) to 175 (rounded up).
    assert_eq!(
        foundation.hours_left,
        HoursLeft {
            min: 140,
            max: 175,
            estimate: true
        }
    );
    assert!(!keys(&foundation.left).contains(&"basic-sql"));
    // One track done is the tracks done: only the checkpoint is left.
    let specialization = &progress.phases[2];
    assert_eq!((specialization.done, specialization.total), (1, 2));
    assert_eq!(keys(&specialization.left), ["specialization"]);
    assert_eq!(
        specialization.hours_left,
        HoursLeft {
            min: 100,
            max: 150,
            estimate: true
        }
    );
    assert_eq!(progress.projects.done, 1);
    assert_eq!(
        progress.projects.hours_left,
        Some(HoursLeft {
            min: 155,
            max: 205,
            estimate: false
        })
    );
    assert_eq!(
        (progress.done, progress.total, progress.percent),
        (6, 28, 21)
    );
    assert!(progress.hours_left.estimate);
    assert!(!progress.phases[1].hours_left.estimate, "not started");
}

#[test]
fn a_finished_phase_has_no_hours_left_and_everything_done_is_100() {
    let document = roadmap();
    let all: Vec<String> = all_units(&document)
        .into_iter()
        .flat_map(|unit| unit.0)
        .map(|item| item.key.to_string())
        .collect();
    let progress = Progress::new(
        &document,
        &done(&all.iter().map(String::as_str).collect::<Vec<_>>()),
    );
    assert_eq!(
        (progress.done, progress.total, progress.percent),
        (28, 28, 100)
    );
    assert_eq!(progress.hours_left, HoursLeft::default());
    assert!(progress.phases.iter().all(PhaseProgress::is_complete));
    assert!(progress.phases.iter().all(|p| p.left.is_empty()));
}

#[test]
fn unknown_keys_are_stale_and_repeats_count_once() {
    let progress = Progress::new(
        &roadmap(),
        &done(&["basic-sql", "basic-sql", "a-removed-topic", "months-1-2"]),
    );
    assert_eq!(progress.done, 1);
    // A topic group's key names no trackable item either.
    let stale: Vec<&str> = progress.stale_keys.iter().map(Slug::as_str).collect();
    assert_eq!(stale, ["a-removed-topic", "months-1-2"]);
}

#[test]
fn malformed_and_too_many_keys_are_refused() {
    assert_eq!(DoneKeys::parse([]), Ok(DoneKeys::default()));
    let error = DoneKeys::parse(["ok", "Not-OK", "", "fine"]).expect_err("malformed");
    assert_eq!(
        error,
        DoneKeysError::Malformed(vec![(1, SlugError::BadCharacters), (2, SlugError::Empty)])
    );
    assert_eq!(
        error.to_string(),
        "key 2 of the list must be lowercase kebab-case: a-z, 0-9 and single hyphens between \
         words (1 more keys are malformed)"
    );
    let many: Vec<String> = (0..=MAX_DONE_KEYS).map(|i| format!("k{i}")).collect();
    assert_eq!(
        DoneKeys::parse(many.iter().map(String::as_str)),
        Err(DoneKeysError::TooMany)
    );
    assert!(DoneKeys::parse(many[..MAX_DONE_KEYS].iter().map(String::as_str)).is_ok());
}

#[test]
fn percent_rounds_down() {
    assert_eq!(percent(0, 0), 0);
    assert_eq!(percent(2, 3), 66);
    assert_eq!(percent(27, 28), 96);
    assert_eq!(percent(28, 28), 100);
}
