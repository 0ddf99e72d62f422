//! A study plan: the learning path laid out on a calendar at a given pace, for the work a
//! learner has left.

use chrono::{Days, NaiveDate};
use serde::Serialize;
use utoipa::ToSchema;

use super::{HoursLeft, Progress, Range, Roadmap, Slug};

/// The product identifier of the calendars this service writes (RFC 5545 `PRODID`).
pub const PRODID: &str = "-//roadmap-api//Study plan//EN";

/// Which end of each phase's hour range the dates follow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Pace {
    /// The low end of each hour range.
    Fast,
    /// The high end of each hour range.
    #[default]
    Steady,
}

impl std::str::FromStr for Pace {
    type Err = super::UnknownValue;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "fast" => Ok(Pace::Fast),
            "steady" => Ok(Pace::Steady),
            _ => Err(super::UnknownValue {
                expected: "fast, steady".to_owned(),
            }),
        }
    }
}

/// The learning path as dated phases: the phases with work left, in order, from `start`.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct StudyPlan {
    pub roadmap: Slug,
    #[schema(example = 10)]
    pub hours_per_week: u32,
    pub pace: Pace,
    /// The first day of the plan.
    #[schema(value_type = String, format = Date, example = "2026-12-01")]
    pub start: NaiveDate,
    /// The day after the last phase ends, at this pace.
    #[schema(value_type = String, format = Date)]
    pub end: NaiveDate,
    /// Weeks for the whole path, from the low and the high ends of the hour ranges.
    pub total_weeks: Range,
    /// The phases with work left (all of them when nothing is done), in the path's order.
    pub phases: Vec<PlannedPhase>,
    /// `done` keys that name no trackable item of this roadmap (see `/progress`): ignored.
    pub stale_keys: Vec<Slug>,
}

/// One phase on the calendar.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct PlannedPhase {
    pub key: Slug,
    pub number: u32,
    pub title: String,
    /// The phase's study hours, as the roadmap gives them.
    pub hours: Range,
    /// The study hours still to do, which the dates follow: `hours` while nothing of the
    /// phase is done, else the share of its items left (an estimate; see `/progress`).
    pub hours_left: HoursLeft,
    /// Weeks at `hours_per_week` for the low and the high end of `hours_left`.
    pub weeks: Range,
    /// The first day of the phase.
    #[schema(value_type = String, format = Date)]
    pub start: NaiveDate,
    /// The day after the phase's last day (the next phase's start).
    #[schema(value_type = String, format = Date)]
    pub end: NaiveDate,
    /// The checkpoint to reach by the end of the phase.
    pub milestone: Milestone,
}

/// A checkpoint with its date.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Milestone {
    /// The last day of the phase.
    #[schema(value_type = String, format = Date)]
    pub date: NaiveDate,
    pub checkpoint: String,
}

/// Weeks to study `hours` at `per_week` hours a week, rounded up.
fn weeks(hours: u32, per_week: u32) -> u32 {
    hours.div_ceil(per_week)
}

impl StudyPlan {
    /// Lays the phases with work left end to end from `start`, each taking the weeks its
    /// hours left take. `hours_per_week` must be at least 1; the callers' bounds (1 to 80)
    /// keep every date within the calendar.
    pub fn new(
        roadmap: &Roadmap,
        progress: &Progress,
        hours_per_week: u32,
        start: NaiveDate,
        pace: Pace,
    ) -> Option<StudyPlan> {
        let per_week = hours_per_week.max(1);
        let mut day = start;
        let mut planned = Vec::with_capacity(progress.phases.len());
        let (mut low, mut high) = (0, 0);
        let phases = roadmap.learning_path.phases.iter().zip(&progress.phases);
        for (phase, done) in phases.filter(|(_, done)| !done.is_complete()) {
            let span = Range {
                min: weeks(done.hours_left.min, per_week),
                max: weeks(done.hours_left.max, per_week),
            };
            low += span.min;
            high += span.max;
            let length = if pace == Pace::Fast {
                span.min
            } else {
                span.max
            };
            let end = day.checked_add_days(Days::new(u64::from(length) * 7))?;
            planned.push(PlannedPhase {
                key: phase.key.clone(),
                number: phase.number,
                title: phase.title.clone(),
                hours: phase.hours,
                hours_left: done.hours_left,
                weeks: span,
                start: day,
                end,
                milestone: Milestone {
                    date: end.pred_opt()?,
                    checkpoint: phase.checkpoint.clone(),
                },
            });
            day = end;
        }
        Some(StudyPlan {
            roadmap: roadmap.slug.clone(),
            hours_per_week: per_week,
            pace,
            start,
            end: day,
            total_weeks: Range {
                min: low,
                max: high,
            },
            phases: planned,
            stale_keys: progress.stale_keys.clone(),
        })
    }

    /// The plan as an RFC 5545 calendar: an all-day event per phase and one per checkpoint.
    /// UIDs are stable per roadmap and phase, so importing a new plan updates the events.
    pub fn to_icalendar(&self, title: &str) -> String {
        use icalendar::{Calendar, Component, Event, EventLike};

        let stamp = self.start.and_hms_opt(0, 0, 0).map(|t| t.and_utc());
        // Not `Calendar::new()`, which names the library as the product (RFC 5545 §3.7.3).
        let mut calendar = Calendar::empty();
        calendar
            .append_property(("VERSION", "2.0"))
            .append_property(("PRODID", PRODID))
            .append_property(("CALSCALE", "GREGORIAN"))
            .name(title);
        for phase in &self.phases {
            let mut event = Event::new();
            event
                .uid(&format!("{}-{}@roadmap-api", self.roadmap, phase.key))
                .summary(&format!("Phase {}: {}", phase.number, phase.title))
                .description(&format!(
                    "{} to {} study hours{} at {} hours a week.",
                    phase.hours_left.min,
                    phase.hours_left.max,
                    if phase.hours_left.estimate {
                        " left (estimated)"
                    } else {
                        ""
                    },
                    self.hours_per_week
                ))
                .starts(phase.start)
                .ends(phase.end);
            let mut milestone = Event::new();
            milestone
                .uid(&format!(
                    "{}-{}-checkpoint@roadmap-api",
                    self.roadmap, phase.key
                ))
                .summary(&format!("Checkpoint: {}", phase.title))
                .description(&phase.milestone.checkpoint)
                // An all-day event ends, exclusively, on the next day (RFC 5545 §3.6.1):
                // some CalDAV servers refuse an end equal to the start.
                .starts(phase.milestone.date)
                .ends(
                    phase
                        .milestone
                        .date
                        .succ_opt()
                        .unwrap_or(phase.milestone.date),
                );
            // DTSTAMP follows the plan, not the clock, so the same plan is the same bytes.
            if let Some(stamp) = stamp {
                event.timestamp(stamp);
                milestone.timestamp(stamp);
            }
            calendar.push(event.done());
            calendar.push(milestone.done());
        }
        calendar.done().to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The plan of the bundled roadmap for a learner who has done `done`.
    fn plan(done: &[&str], per_week: u32, start: &str, pace: Pace) -> StudyPlan {
        let roadmap: Roadmap =
            serde_json::from_str(crate::content::BUNDLED[0].1).expect("bundled roadmap");
        let done = crate::domain::DoneKeys::parse(done.iter().copied()).expect("keys");
        let progress = Progress::new(&roadmap, &done);
        StudyPlan::new(&roadmap, &progress, per_week, date(start), pace).expect("plan")
    }

    fn date(text: &str) -> NaiveDate {
        text.parse().expect("a date")
    }

    #[test]
    fn weeks_round_up_and_phases_follow_each_other() {
        let plan = plan(&[], 10, "2026-12-01", Pace::Steady);
        // 200-250, 300-350, 200-300 hours at 10 a week.
        let spans: Vec<(u32, u32)> = plan
            .phases
            .iter()
            .map(|p| (p.weeks.min, p.weeks.max))
            .collect();
        assert_eq!(spans, [(20, 25), (30, 35), (20, 30)]);
        assert_eq!(plan.total_weeks, Range { min: 70, max: 90 });
        assert_eq!(plan.phases[0].end, date("2026-12-01") + Days::new(25 * 7));
        assert_eq!(plan.phases[1].start, plan.phases[0].end);
        assert_eq!(
            plan.phases[0].milestone.date,
            plan.phases[0].end.pred_opt().expect("day")
        );
        assert_eq!(plan.end, date("2026-12-01") + Days::new(90 * 7));

        let fast = super::tests::plan(&[], 10, "2026-12-01", Pace::Fast);
        assert_eq!(fast.end, date("2026-12-01") + Days::new(70 * 7));
        assert_eq!(weeks(201, 80), 3);
    }

    #[test]
    fn only_the_work_left_is_planned_in_the_paths_order() {
        let foundation: Vec<&str> = vec![
            "python-fundamentals",
            "pandas-dataframes",
            "basic-sql",
            "statistics-for-data-science",
            "correlation-vs-causation",
            "bias-variance-overfitting",
            "supervised-vs-unsupervised",
            "model-evaluation-metrics",
            "common-algorithms",
            "foundation",
        ];
        // Foundation done, half of Technical Depth's 8 items, and an unknown key.
        let mut done = foundation.clone();
        done.extend(["neural-network-architectures", "transformer-architectures"]);
        done.extend(["fhir-and-hl7", "ehr-data-structure", "gone-topic"]);
        let plan = plan(&done, 10, "2027-01-04", Pace::Steady);
        let keys: Vec<&str> = plan.phases.iter().map(|p| p.key.as_str()).collect();
        assert_eq!(keys, ["technical-depth", "specialization"]);
        assert_eq!(plan.phases[0].start, date("2027-01-04"), "from the start");
        // 4 of 8 items left of 300-350 hours: 150-175 hours, 15-18 weeks at 10 a week.
        let depth = &plan.phases[0];
        assert_eq!(
            depth.hours_left,
            HoursLeft {
                min: 150,
                max: 175,
                estimate: true
            }
        );
        assert_eq!(depth.hours, Range { min: 300, max: 350 });
        assert_eq!(depth.weeks, Range { min: 15, max: 18 });
        assert_eq!(plan.phases[1].start, depth.end);
        assert_eq!(plan.total_weeks, Range { min: 35, max: 48 });
        let stale: Vec<&str> = plan.stale_keys.iter().map(Slug::as_str).collect();
        assert_eq!(stale, ["gone-topic"]);
        let text = plan.to_icalendar("t");
        assert!(text.contains("150 to 175 study hours left (estimated) at 10"));
        assert!(!text.contains("UID:healthcare-ai-ml-engineer-foundation@"));
    }

    #[test]
    fn the_calendar_has_stable_uids_and_parses() {
        let plan = plan(&[], 8, "2027-01-04", Pace::Steady);
        let text = plan.to_icalendar("Healthcare AI/ML Engineer Roadmap");
        assert_eq!(
            text,
            plan.to_icalendar("Healthcare AI/ML Engineer Roadmap"),
            "deterministic"
        );
        assert!(text.starts_with("BEGIN:VCALENDAR\r\n"));
        assert!(text.contains("UID:healthcare-ai-ml-engineer-foundation@roadmap-api\r\n"));
        assert!(text.contains("DTSTART;VALUE=DATE:20270104\r\n"));
        let unfolded = icalendar::parser::unfold(&text);
        let parsed = icalendar::parser::read_calendar(&unfolded).expect("valid iCalendar");
        let events: Vec<_> = parsed
            .components
            .iter()
            .filter(|c| c.name == "VEVENT")
            .collect();
        assert_eq!(events.len(), 6);
        let values = |name: &str| -> Vec<String> {
            parsed
                .properties
                .iter()
                .filter(|p| p.name == name)
                .map(|p| p.val.to_string())
                .collect()
        };
        assert_eq!(values("PRODID"), [PRODID]);
        assert_eq!(values("VERSION"), ["2.0"]);
        // Every event, all-day checkpoints included, ends after it starts (RFC 5545 §3.6.1).
        for event in events {
            let date = |name: &str| {
                let value = event
                    .properties
                    .iter()
                    .find(|p| p.name == name)
                    .map(|p| p.val.to_string())
                    .unwrap_or_else(|| panic!("no {name}"));
                NaiveDate::parse_from_str(&value, "%Y%m%d").expect("a date")
            };
            assert!(date("DTEND") > date("DTSTART"), "{event:?}");
        }
    }
}
