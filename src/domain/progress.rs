//! A learner's progress through a roadmap, computed from the keys of the items they have done.
//! Nothing about the learner is stored: the keys come with each request and the answer is a
//! function of them and the roadmap.
//!
//! The trackable items are the topics, tracks, projects and first moves, each by its `key`,
//! and each phase's checkpoint by the phase's `key`. A phase's tracks are alternatives (the
//! page has the learner choose one), so together they count as one item, done when any one of
//! them is; counting each would leave every learner short of 100%.

use std::collections::BTreeSet;

use serde::Serialize;
use utoipa::ToSchema;

use super::{Phase, Range, Roadmap, Slug, SlugError, Violations};

/// The most keys one request may mark done: several times the items of any roadmap, so that a
/// learner's list never reaches it, while a request stays small.
pub const MAX_DONE_KEYS: usize = 500;

/// The keys a learner has marked done, without repeats; their order does not matter.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DoneKeys(BTreeSet<Slug>);

/// Why a list of done keys was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DoneKeysError {
    #[error("holds more than {MAX_DONE_KEYS} keys")]
    TooMany,
    /// The keys at these positions (from 0) are not keys at all.
    #[error("{}", describe(.0))]
    Malformed(Vec<(usize, SlugError)>),
}

/// The first bad key, by its position from 1, and how many more there are.
fn describe(bad: &[(usize, SlugError)]) -> String {
    let Some((index, error)) = bad.first() else {
        return "holds a malformed key".to_owned();
    };
    let more = match bad.len() {
        1 => String::new(),
        n => format!(" ({} more keys are malformed)", n - 1),
    };
    format!("key {} of the list {error}{more}", index + 1)
}

impl DoneKeysError {
    /// The error as violations of a body whose list of keys is at `pointer`: each malformed
    /// key at its own position.
    pub fn violations(&self, pointer: &str) -> Violations {
        let mut found = Violations::default();
        match self {
            DoneKeysError::TooMany => found.report(pointer.to_owned(), self.to_string()),
            DoneKeysError::Malformed(bad) => {
                for (index, error) in bad {
                    found.report(format!("{pointer}/{index}"), error.to_string());
                }
            }
        }
        found
    }
}

impl DoneKeys {
    /// Reads a list of keys, each a [`Slug`]; every malformed one is reported, by position.
    pub fn parse<'a>(keys: impl IntoIterator<Item = &'a str>) -> Result<DoneKeys, DoneKeysError> {
        let mut read = BTreeSet::new();
        let mut malformed = Vec::new();
        for (index, key) in keys.into_iter().enumerate() {
            if index == MAX_DONE_KEYS {
                return Err(DoneKeysError::TooMany);
            }
            match key.parse::<Slug>() {
                Ok(slug) => {
                    read.insert(slug);
                }
                Err(error) => malformed.push((index, error)),
            }
        }
        if malformed.is_empty() {
            Ok(DoneKeys(read))
        } else {
            Err(DoneKeysError::Malformed(malformed))
        }
    }

    fn contains(&self, key: &Slug) -> bool {
        self.0.contains(key)
    }
}

/// What kind of item a key names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ItemKind {
    Topic,
    /// A specialization track; a phase's tracks are alternatives (one is chosen).
    Track,
    /// A phase's checkpoint, keyed by the phase's key.
    Checkpoint,
    Project,
    FirstMove,
}

/// An item still to do.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Item {
    pub key: Slug,
    pub kind: ItemKind,
    /// The item's text as the roadmap gives it (a checkpoint's is the whole checkpoint).
    #[schema(example = "Python fundamentals")]
    pub title: String,
}

/// One thing to count: an item, or a phase's tracks, of which any one will do.
#[derive(Debug, Clone, PartialEq)]
pub struct Unit(pub Vec<Item>);

impl Unit {
    fn one(key: &Slug, kind: ItemKind, title: &str) -> Unit {
        Unit(vec![Item {
            key: key.clone(),
            kind,
            title: title.to_owned(),
        }])
    }

    fn is_done(&self, done: &DoneKeys) -> bool {
        self.0.iter().any(|item| done.contains(&item.key))
    }
}

/// A phase's units in page order: its topics, its tracks as one unit, its checkpoint.
pub fn phase_units(phase: &Phase) -> Vec<Unit> {
    let topics = phase
        .topic_groups
        .iter()
        .flat_map(|group| &group.topics)
        .map(|topic| Unit::one(&topic.key, ItemKind::Topic, &topic.text));
    let tracks = (!phase.tracks.is_empty()).then(|| {
        Unit(
            phase
                .tracks
                .iter()
                .map(|track| Item {
                    key: track.key.clone(),
                    kind: ItemKind::Track,
                    title: format!("Track {}: {}", track.letter, track.title),
                })
                .collect(),
        )
    });
    let checkpoint = Unit::one(&phase.key, ItemKind::Checkpoint, &phase.checkpoint);
    topics
        .chain(tracks)
        .chain(std::iter::once(checkpoint))
        .collect()
}

/// The projects, one unit each.
fn project_units(roadmap: &Roadmap) -> Vec<Unit> {
    let projects = roadmap.projects.iter();
    projects
        .map(|p| Unit::one(&p.key, ItemKind::Project, &p.title))
        .collect()
}

/// The first moves, one unit each.
fn move_units(roadmap: &Roadmap) -> Vec<Unit> {
    let moves = roadmap.first_moves.items.iter();
    moves
        .map(|m| Unit::one(&m.key, ItemKind::FirstMove, &m.title))
        .collect()
}

/// Every unit of the roadmap, in page order: each phase's, then the projects, then the first
/// moves.
pub fn all_units(roadmap: &Roadmap) -> Vec<Unit> {
    let phases = roadmap.learning_path.phases.iter();
    phases
        .flat_map(phase_units)
        .chain(project_units(roadmap))
        .chain(move_units(roadmap))
        .collect()
}

/// Hours still to do, as a range of whole hours.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, ToSchema)]
#[schema(example = json!({"min": 134, "max": 167, "estimate": true}))]
pub struct HoursLeft {
    pub min: u32,
    pub max: u32,
    /// True where the figure is ours, not the page's: a phase partly done has its hours
    /// spread evenly over its items, and the share of the items left is an estimate. False
    /// where the page gives the hours of exactly what is left (a phase not started, whole
    /// projects) or nothing is left.
    pub estimate: bool,
}

impl HoursLeft {
    fn add(self, other: HoursLeft) -> HoursLeft {
        HoursLeft {
            min: self.min.saturating_add(other.min),
            max: self.max.saturating_add(other.max),
            estimate: self.estimate || other.estimate,
        }
    }

    /// Exactly the hours the page gives.
    fn exact(hours: Range) -> HoursLeft {
        HoursLeft {
            min: hours.min,
            max: hours.max,
            estimate: false,
        }
    }
}

/// Whole percent done, rounded down so that 100 means everything; 0 of nothing is 0.
fn percent(done: u32, total: u32) -> u32 {
    match total {
        0 => 0,
        _ => u32::try_from(u64::from(done) * 100 / u64::from(total)).unwrap_or(100),
    }
}

fn count(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// Progress through one phase.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct PhaseProgress {
    pub key: Slug,
    #[schema(example = 1)]
    pub number: u32,
    #[schema(example = "Foundation")]
    pub title: String,
    /// Items done (a phase's tracks count as one item).
    #[schema(example = 4)]
    pub done: u32,
    /// Items in the phase: its topics, its tracks as one, its checkpoint.
    #[schema(example = 10)]
    pub total: u32,
    /// Whole percent of the items done, rounded down.
    #[schema(minimum = 0, maximum = 100, example = 40)]
    pub percent: u32,
    /// The phase's study hours still to do: the page's range spread over the phase's items.
    pub hours_left: HoursLeft,
    /// The items still to do, in page order (while no track is done, every track is listed).
    pub left: Vec<Item>,
}

impl PhaseProgress {
    pub fn of(phase: &Phase, done: &DoneKeys) -> PhaseProgress {
        let units = phase_units(phase);
        let total = count(units.len());
        let (finished, left) = split(units, done);
        let remaining = total - finished;
        let hours_left = if finished == 0 {
            HoursLeft::exact(phase.hours)
        } else {
            let share = |hours: u32, up: bool| {
                let scaled = u64::from(hours) * u64::from(remaining);
                let whole = if up {
                    scaled.div_ceil(u64::from(total))
                } else {
                    scaled / u64::from(total)
                };
                u32::try_from(whole).unwrap_or(hours)
            };
            HoursLeft {
                min: share(phase.hours.min, false),
                max: share(phase.hours.max, true),
                estimate: remaining > 0,
            }
        };
        PhaseProgress {
            key: phase.key.clone(),
            number: phase.number,
            title: phase.title.clone(),
            done: finished,
            total,
            percent: percent(finished, total),
            hours_left,
            left,
        }
    }

    /// Whether nothing of the phase is left.
    pub fn is_complete(&self) -> bool {
        self.done == self.total
    }
}

/// How many units are done, and the items of those that are not.
fn split(units: Vec<Unit>, done: &DoneKeys) -> (u32, Vec<Item>) {
    let mut finished = 0;
    let mut left = Vec::new();
    for unit in units {
        if unit.is_done(done) {
            finished += 1;
        } else {
            left.extend(unit.0);
        }
    }
    (finished, left)
}

/// Progress through a list of the roadmap outside the phases (projects, first moves).
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct SectionProgress {
    #[schema(example = 1)]
    pub done: u32,
    #[schema(example = 5)]
    pub total: u32,
    /// Whole percent of the items done, rounded down.
    #[schema(minimum = 0, maximum = 100, example = 20)]
    pub percent: u32,
    /// The hours of the items left (projects); null for first moves, which mix totals with
    /// hours a week ("5 to 7 hours per week" for a course), and those add up to no total.
    #[schema(required = true)]
    pub hours_left: Option<HoursLeft>,
    /// The items still to do, in page order.
    pub left: Vec<Item>,
}

impl SectionProgress {
    fn of(units: Vec<Unit>, done: &DoneKeys, hours: Option<&dyn Fn(&Slug) -> Range>) -> Self {
        let total = count(units.len());
        let (finished, left) = split(units, done);
        let hours_left = hours.map(|hours| {
            left.iter()
                .map(|item| HoursLeft::exact(hours(&item.key)))
                .fold(HoursLeft::default(), HoursLeft::add)
        });
        SectionProgress {
            done: finished,
            total,
            percent: percent(finished, total),
            hours_left,
            left,
        }
    }
}

/// A learner's progress through a roadmap.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Progress {
    pub roadmap: Slug,
    /// Items done, over the whole roadmap.
    #[schema(example = 7)]
    pub done: u32,
    /// Trackable items in the roadmap: every phase's items, the projects and the first moves.
    #[schema(example = 27)]
    pub total: u32,
    /// Whole percent of the items done, rounded down (100 only when everything is done).
    #[schema(minimum = 0, maximum = 100, example = 25)]
    pub percent: u32,
    /// Hours still to do: the phases' study hours left plus the projects' hours left, which
    /// the page gives separately. An estimate when any part of it is.
    pub hours_left: HoursLeft,
    /// Each phase, in order.
    pub phases: Vec<PhaseProgress>,
    pub projects: SectionProgress,
    pub first_moves: SectionProgress,
    /// Keys given that name no trackable item of this roadmap: items an edit has removed
    /// (or keys of something else). They are ignored, never an error; a client may drop them.
    #[schema(example = json!(["an-old-topic"]))]
    pub stale_keys: Vec<Slug>,
}

impl Progress {
    pub fn new(roadmap: &Roadmap, done: &DoneKeys) -> Progress {
        let phases: Vec<PhaseProgress> = roadmap
            .learning_path
            .phases
            .iter()
            .map(|phase| PhaseProgress::of(phase, done))
            .collect();
        let project_hours = |key: &Slug| {
            roadmap
                .projects
                .iter()
                .find(|p| &p.key == key)
                .map_or(Range { min: 0, max: 0 }, |p| p.hours)
        };
        let projects = SectionProgress::of(project_units(roadmap), done, Some(&project_hours));
        let first_moves = SectionProgress::of(move_units(roadmap), done, None);

        let trackable: BTreeSet<Slug> = all_units(roadmap)
            .into_iter()
            .flat_map(|unit| unit.0)
            .map(|item| item.key)
            .collect();
        let stale_keys = done.0.difference(&trackable).cloned().collect();

        let sections = [&projects, &first_moves];
        let finished = phases.iter().map(|p| p.done).sum::<u32>()
            + sections.iter().map(|s| s.done).sum::<u32>();
        let total = phases.iter().map(|p| p.total).sum::<u32>()
            + sections.iter().map(|s| s.total).sum::<u32>();
        let hours_left = phases
            .iter()
            .map(|p| p.hours_left)
            .chain(projects.hours_left)
            .fold(HoursLeft::default(), HoursLeft::add);
        Progress {
            roadmap: roadmap.slug.clone(),
            done: finished,
            total,
            percent: percent(finished, total),
            hours_left,
            phases,
            projects,
            first_moves,
            stale_keys,
        }
    }
}

#[cfg(test)]
mod tests;
