//! The rows of roadmaps being written: each section into its table, each list of a whole
//! batch of roadmaps in one statement (or a few, for very long lists).

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use sqlx::SqliteConnection;

use crate::domain::{CertificationRating, Phase, Project, Roadmap, Slug, SourceRef, TopicGroup};
use crate::store::StoreError;
use crate::store::columns::to_json_column;
use crate::store::rows::insert_rows;
use crate::store::search::index_roadmaps;

/// A roadmap being written, with the id its row gets.
type Written<'a> = (i64, &'a Roadmap);

/// Inserts the roadmaps, new or just deleted, with all their lists and their search entries;
/// `updated_at` is the time of the revision they become.
pub(super) async fn insert_roadmaps(
    conn: &mut SqliteConnection,
    roadmaps: &[&Roadmap],
    updated_at: DateTime<Utc>,
) -> Result<(), StoreError> {
    let mut ids = NextIds::read(conn).await?;
    let written: Vec<Written> = roadmaps
        .iter()
        .map(|&r| (take(&mut ids.roadmaps), r))
        .collect();
    insert_roadmap_rows(conn, &written, updated_at).await?;
    insert_sections(conn, &written).await?;
    insert_learning_path(conn, &written, &mut ids).await?;
    insert_certifications(conn, &written).await?;
    insert_projects(conn, &written, &mut ids).await?;
    insert_sources(conn, &written, &mut ids).await?;
    index_roadmaps(conn, &written).await
}

/// The largest id in each table whose rows have children. New rows take the ids after it,
/// as SQLite itself would number them, so that a child row is given its parent's id without
/// reading it back; the write transaction holds the database's only write lock meanwhile.
struct NextIds {
    roadmaps: i64,
    phases: i64,
    topic_groups: i64,
    projects: i64,
    roadmap_sources: i64,
}

impl NextIds {
    async fn read(conn: &mut SqliteConnection) -> Result<NextIds, StoreError> {
        let row = sqlx::query!(
            r#"select (select coalesce(max(id), 0) from roadmaps) as "roadmaps!: i64",
                      (select coalesce(max(id), 0) from phases) as "phases!: i64",
                      (select coalesce(max(id), 0) from topic_groups) as "topic_groups!: i64",
                      (select coalesce(max(id), 0) from projects) as "projects!: i64",
                      (select coalesce(max(id), 0) from roadmap_sources)
                          as "roadmap_sources!: i64""#
        )
        .fetch_one(&mut *conn)
        .await?;
        Ok(NextIds {
            roadmaps: row.roadmaps,
            phases: row.phases,
            topic_groups: row.topic_groups,
            projects: row.projects,
            roadmap_sources: row.roadmap_sources,
        })
    }
}

/// The next id after `last`, which it becomes.
fn take(last: &mut i64) -> i64 {
    *last += 1;
    *last
}

/// Each item of each roadmap's list, with the roadmap's id and the item's position.
fn each<'a, T: 'a, L>(
    roadmaps: &'a [Written<'a>],
    list: impl Fn(&'a Roadmap) -> L + 'a,
) -> impl Iterator<Item = (i64, u32, T)> + 'a
where
    L: IntoIterator<Item = T>,
    L::IntoIter: 'a,
{
    roadmaps.iter().flat_map(move |&(id, r)| {
        (0_u32..)
            .zip(list(r))
            .map(move |(position, item)| (id, position, item))
    })
}

/// Each shared entity once, at its first appearance: their facts agree across the write
/// (see `check_shared_facts`), so a batch upserts one row per slug, not one per roadmap.
fn once_each<'a, T: 'a>(
    items: impl Iterator<Item = &'a T>,
    slug: impl Fn(&'a T) -> &'a Slug,
) -> impl Iterator<Item = &'a T> {
    let mut seen = HashSet::new();
    items.filter(move |item| seen.insert(slug(item)))
}

async fn insert_roadmap_rows(
    conn: &mut SqliteConnection,
    roadmaps: &[Written<'_>],
    updated_at: DateTime<Utc>,
) -> Result<(), StoreError> {
    // As the column's default wrote it (RFC 3339, UTC, seconds).
    let updated_at = updated_at.format("%Y-%m-%dT%H:%M:%SZ").to_string();
    insert_rows!(conn, "roadmaps", roadmaps, |&(id, r)| {
        id,
        slug: r.slug.as_str(),
        title: &r.title,
        role: &r.role,
        icon: &r.icon,
        language: &r.language,
        publisher_name: &r.publisher.name,
        publisher_author: &r.publisher.author,
        summary: &r.summary,
        difficulty: r.difficulty.as_str(),
        timeline_min: r.timeline_months.min,
        timeline_max: r.timeline_months.max,
        best_suited_for: &r.best_suited_for,
        work_label: &r.work_setting.label,
        work_text: &r.work_setting.text,
        remote_min: r.work_setting.remote_percent.min,
        remote_max: r.work_setting.remote_percent.max,
        hybrid_min: r.work_setting.hybrid_percent.min,
        hybrid_max: r.work_setting.hybrid_percent.max,
        onsite_min: r.work_setting.onsite_percent.min,
        onsite_max: r.work_setting.onsite_percent.max,
        remote_note: &r.work_setting.remote_note,
        demand_level: &r.demand.level,
        demand_detail: &r.demand.detail,
        key_differentiator: &r.key_differentiator,
        path_timeline_min: r.learning_path.timeline_months.min,
        path_timeline_max: r.learning_path.timeline_months.max,
        certifications_reality_check: &r.certifications.reality_check,
        certifications_recommendation: &r.certifications.recommendation,
        transition_stories_note: &r.transition_stories.note,
        first_moves_note: &r.first_moves.note,
        sources_declared_count: r.sources.declared_count,
        updated_at: &updated_at,
    })
    .await
}

/// The lists that hang from the roadmap alone.
async fn insert_sections(
    conn: &mut SqliteConnection,
    roadmaps: &[Written<'_>],
) -> Result<(), StoreError> {
    let hubs = each(roadmaps, |r| &r.work_setting.regional_hubs);
    insert_rows!(conn, "regional_hubs", hubs, |(roadmap_id, position, hub)| {
        roadmap_id,
        position,
        key: hub.key.as_str(),
        name: &hub.name,
        note: &hub.note,
    })
    .await?;
    let employers = each(roadmaps, |r| &r.employers);
    insert_rows!(conn, "employers", employers, |(roadmap_id, position, employer)| {
        roadmap_id,
        position,
        key: employer.key.as_str(),
        category: &employer.category,
        examples: to_json_column(&employer.examples),
    })
    .await?;
    let advantages = each(roadmaps, |r| &r.clinical_advantages);
    insert_rows!(conn, "clinical_advantages", advantages, |(roadmap_id, position, advantage)| {
        roadmap_id,
        position,
        key: advantage.key.as_str(),
        title: &advantage.title,
        detail: &advantage.detail,
    })
    .await?;
    let skills = each(roadmaps, |r| &r.transferable_skills);
    insert_rows!(conn, "transferable_skills", skills, |(roadmap_id, position, skill)| {
        roadmap_id,
        position,
        key: skill.key.as_str(),
        clinical_skill: &skill.clinical_skill,
        technical_skill: &skill.technical_skill,
        detail: &skill.detail,
        summary: &skill.summary,
    })
    .await?;
    let stories = each(roadmaps, |r| &r.transition_stories.items);
    insert_rows!(conn, "transition_stories", stories, |(roadmap_id, position, story)| {
        roadmap_id,
        position,
        key: story.key.as_str(),
        display_name: &story.display_name,
        from_role: &story.from_role,
        to_role: &story.to_role,
        year: story.year,
        story: &story.story,
        links: to_json_column(&story.links),
        verified: story.verified,
    })
    .await?;
    let moves = each(roadmaps, |r| &r.first_moves.items);
    insert_rows!(conn, "first_moves", moves, |(roadmap_id, _, step)| {
        roadmap_id,
        number: step.number,
        key: step.key.as_str(),
        title: &step.title,
        hours_min: step.time.hours.min,
        hours_max: step.time.hours.max,
        per: &step.time.per,
        time_text: &step.time.text,
        summary: &step.summary,
        steps: to_json_column(&step.steps),
    })
    .await
}

/// Phases, their topic groups and topics, and their tracks.
async fn insert_learning_path(
    conn: &mut SqliteConnection,
    roadmaps: &[Written<'_>],
    ids: &mut NextIds,
) -> Result<(), StoreError> {
    let phases: Vec<(i64, i64, &Phase)> = each(roadmaps, |r| &r.learning_path.phases)
        .map(|(roadmap_id, _, phase)| (take(&mut ids.phases), roadmap_id, phase))
        .collect();
    insert_rows!(conn, "phases", &phases, |&(id, roadmap_id, phase)| {
        id,
        roadmap_id,
        number: phase.number,
        key: phase.key.as_str(),
        title: &phase.title,
        months_min: phase.months.min,
        months_max: phase.months.max,
        hours_min: phase.hours.min,
        hours_max: phase.hours.max,
        hours_text: &phase.hours_text,
        checkpoint: &phase.checkpoint,
    })
    .await?;
    let groups: Vec<(i64, i64, u32, &TopicGroup)> = phases
        .iter()
        .flat_map(|&(phase_id, _, phase)| {
            (0_u32..)
                .zip(&phase.topic_groups)
                .map(move |(position, group)| (phase_id, position, group))
        })
        .map(|(phase_id, position, group)| (take(&mut ids.topic_groups), phase_id, position, group))
        .collect();
    insert_rows!(conn, "topic_groups", &groups, |&(id, phase_id, position, group)| {
        id,
        phase_id,
        position,
        key: group.key.as_str(),
        label: &group.label,
        months_min: group.months.min,
        months_max: group.months.max,
        title: &group.title,
    })
    .await?;
    let topics = groups.iter().flat_map(|&(topic_group_id, _, _, group)| {
        (0_u32..)
            .zip(&group.topics)
            .map(move |(position, topic)| (topic_group_id, position, topic))
    });
    insert_rows!(conn, "topics", topics, |(topic_group_id, position, topic)| {
        topic_group_id,
        position,
        key: topic.key.as_str(),
        text: &topic.text,
    })
    .await?;
    let tracks = phases.iter().flat_map(|&(phase_id, _, phase)| {
        (0_u32..)
            .zip(&phase.tracks)
            .map(move |(position, track)| (phase_id, position, track))
    });
    insert_rows!(conn, "tracks", tracks, |(phase_id, position, track)| {
        phase_id,
        position,
        key: track.key.as_str(),
        letter: &track.letter,
        title: &track.title,
        focus: to_json_column(&track.focus),
        datasets: to_json_column(&track.datasets),
        tools: to_json_column(&track.tools),
    })
    .await
}

/// The roadmaps' ratings of shared certifications, whose facts were checked to agree
/// (see `check_shared_facts`).
async fn insert_certifications(
    conn: &mut SqliteConnection,
    roadmaps: &[Written<'_>],
) -> Result<(), StoreError> {
    let ratings: Vec<(i64, u32, &CertificationRating)> =
        each(roadmaps, |r| &r.certifications.items).collect();
    let certifications = || once_each(ratings.iter().map(|r| &r.2.certification), |c| &c.slug);
    insert_rows!(conn, "certifications" upsert on slug, certifications(), |c| {
        slug: c.slug.as_str(),
        name: &c.name,
        renewal: &c.renewal,
        cost_amount_usd: c.cost.amount_usd,
        cost_text: &c.cost.text,
        study_months_min: c.study_months.map(|m| m.min),
        study_months_max: c.study_months.map(|m| m.max),
    })
    .await?;
    let slugs = to_json_column(&certifications().map(|c| &c.slug).collect::<Vec<_>>());
    let stored = sqlx::query!(
        "select slug, id from certifications where slug in (select value from json_each(?1))",
        slugs,
    )
    .fetch_all(&mut *conn)
    .await?;
    let certification_ids: HashMap<String, i64> =
        stored.into_iter().map(|c| (c.slug, c.id)).collect();
    let links = ratings
        .iter()
        .map(|&(roadmap_id, position, rating)| {
            let certification_id = id_of(&certification_ids, &rating.certification.slug)?;
            Ok((roadmap_id, certification_id, position, rating))
        })
        .collect::<Result<Vec<_>, StoreError>>()?;
    insert_rows!(
        conn,
        "roadmap_certifications",
        links,
        |(roadmap_id, certification_id, position, rating)| {
            roadmap_id,
            certification_id,
            position,
            key: rating.key.as_str(),
            tier: rating.tier.as_str(),
            timeline_text: &rating.timeline_text,
            share_min: rating.job_posting_share_percent.map(|s| s.min),
            share_max: rating.job_posting_share_percent.map(|s| s.max),
            note: &rating.note,
        }
    )
    .await
}

/// Projects with their stacks and datasets.
async fn insert_projects(
    conn: &mut SqliteConnection,
    roadmaps: &[Written<'_>],
    ids: &mut NextIds,
) -> Result<(), StoreError> {
    let projects: Vec<(i64, i64, &Project)> = each(roadmaps, |r| &r.projects)
        .map(|(roadmap_id, _, project)| (take(&mut ids.projects), roadmap_id, project))
        .collect();
    insert_rows!(conn, "projects", &projects, |&(id, roadmap_id, project)| {
        id,
        roadmap_id,
        number: project.number,
        key: project.key.as_str(),
        title: &project.title,
        hours_min: project.hours.min,
        hours_max: project.hours.max,
        description: &project.description,
        dataset_text: &project.dataset_text,
        clinical_advantage: &project.clinical_advantage,
    })
    .await?;
    let names = |list: fn(&Project) -> &Vec<String>| {
        projects.iter().flat_map(move |&(project_id, _, project)| {
            (0_u32..)
                .zip(list(project))
                .map(move |(position, name)| (project_id, position, name))
        })
    };
    let stack = names(|project| &project.stack);
    insert_rows!(conn, "project_stack", stack, |(project_id, position, name)| {
        project_id,
        position,
        name,
    })
    .await?;
    let datasets = names(|project| &project.datasets);
    insert_rows!(conn, "project_datasets", datasets, |(project_id, position, name)| {
        project_id,
        position,
        name,
    })
    .await
}

/// The roadmaps' shared sources, whose facts were checked to agree (see
/// `check_shared_facts`), and where each roadmap cites each.
async fn insert_sources(
    conn: &mut SqliteConnection,
    roadmaps: &[Written<'_>],
    ids: &mut NextIds,
) -> Result<(), StoreError> {
    let cited: Vec<(i64, u32, &SourceRef)> = each(roadmaps, |r| &r.sources.items).collect();
    let sources = || once_each(cited.iter().map(|c| c.2), |s| &s.slug);
    insert_rows!(conn, "sources" upsert on slug, sources(), |s| {
        slug: s.slug.as_str(),
        title: &s.title,
        kind: s.kind.as_str(),
        url: &s.url,
    })
    .await?;
    let slugs = to_json_column(&sources().map(|s| &s.slug).collect::<Vec<_>>());
    let stored = sqlx::query!(
        "select slug, id from sources where slug in (select value from json_each(?1))",
        slugs,
    )
    .fetch_all(&mut *conn)
    .await?;
    let source_ids: HashMap<String, i64> = stored.into_iter().map(|s| (s.slug, s.id)).collect();
    let links = cited
        .iter()
        .map(|&(roadmap_id, position, source)| {
            let source_id = id_of(&source_ids, &source.slug)?;
            Ok((
                take(&mut ids.roadmap_sources),
                roadmap_id,
                source_id,
                position,
                source,
            ))
        })
        .collect::<Result<Vec<_>, StoreError>>()?;
    insert_rows!(
        conn,
        "roadmap_sources",
        &links,
        |&(id, roadmap_id, source_id, position, source)| {
            id,
            roadmap_id,
            source_id,
            position,
            key: source.key.as_str(),
        }
    )
    .await?;
    let citations = links
        .iter()
        .flat_map(|&(roadmap_source_id, _, _, _, source)| {
            (0_u32..)
                .zip(&source.cited_in)
                .map(move |(position, pointer)| (roadmap_source_id, position, pointer))
        });
    insert_rows!(conn, "source_citations", citations, |(roadmap_source_id, position, pointer)| {
        roadmap_source_id,
        position,
        pointer,
    })
    .await
}

/// The id of a shared entity that this write has just upserted.
fn id_of(ids: &HashMap<String, i64>, slug: &Slug) -> Result<i64, StoreError> {
    ids.get(slug.as_str())
        .copied()
        .ok_or_else(|| StoreError::Corrupt(format!("`{slug}` vanished while it was written")))
}
