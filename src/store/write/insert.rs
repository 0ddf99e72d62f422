//! The rows of roadmaps being written: each section into its table, each list of a whole
//! batch of roadmaps in one statement.

use std::collections::HashSet;

use serde_json::json;
use sqlx::SqliteConnection;

use crate::domain::{Certification, Project, Roadmap, Slug, SourceRef};
use crate::store::StoreError;
use crate::store::columns::to_json_column;
use crate::store::rows::rows;
use crate::store::search::index_roadmaps;

/// Each item of each roadmap's list, with the roadmap's slug and the item's position.
fn each<'a, T: 'a, L>(
    roadmaps: &[&'a Roadmap],
    list: impl Fn(&'a Roadmap) -> L,
) -> impl Iterator<Item = (&'a Roadmap, u32, T)>
where
    L: IntoIterator<Item = T>,
{
    roadmaps
        .iter()
        .flat_map(move |&r| (0_u32..).zip(list(r)).map(move |(i, item)| (r, i, item)))
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

/// Inserts the roadmaps, new or just deleted, with all their lists.
pub(super) async fn insert_roadmaps(
    conn: &mut SqliteConnection,
    roadmaps: &[&Roadmap],
) -> Result<(), StoreError> {
    insert_roadmap_rows(conn, roadmaps).await?;
    insert_sections(conn, roadmaps).await?;
    insert_learning_path(conn, roadmaps).await?;
    insert_certifications(conn, roadmaps).await?;
    insert_projects(conn, roadmaps).await?;
    insert_sources(conn, roadmaps).await?;
    index_roadmaps(conn, roadmaps).await
}

async fn insert_roadmap_rows(
    conn: &mut SqliteConnection,
    roadmaps: &[&Roadmap],
) -> Result<(), StoreError> {
    let roadmap_rows = rows(roadmaps.iter().map(|r| {
        let ws = &r.work_setting;
        json!({
            "slug": r.slug.as_str(),
            "title": r.title,
            "role": r.role,
            "icon": r.icon,
            "language": r.language,
            "publisher_name": r.publisher.name,
            "publisher_author": r.publisher.author,
            "summary": r.summary,
            "difficulty": r.difficulty.as_str(),
            "timeline_min": r.timeline_months.min,
            "timeline_max": r.timeline_months.max,
            "best_suited_for": r.best_suited_for,
            "work_label": ws.label,
            "work_text": ws.text,
            "remote_min": ws.remote_percent.min,
            "remote_max": ws.remote_percent.max,
            "hybrid_min": ws.hybrid_percent.min,
            "hybrid_max": ws.hybrid_percent.max,
            "onsite_min": ws.onsite_percent.min,
            "onsite_max": ws.onsite_percent.max,
            "remote_note": ws.remote_note,
            "demand_level": r.demand.level,
            "demand_detail": r.demand.detail,
            "key_differentiator": r.key_differentiator,
            "path_timeline_min": r.learning_path.timeline_months.min,
            "path_timeline_max": r.learning_path.timeline_months.max,
            "certifications_reality_check": r.certifications.reality_check,
            "certifications_recommendation": r.certifications.recommendation,
            "transition_stories_note": r.transition_stories.note,
            "first_moves_note": r.first_moves.note,
            "sources_declared_count": r.sources.declared_count,
        })
    }));
    sqlx::query!(
        "insert into roadmaps (
            slug, title, role, icon, language, publisher_name, publisher_author, summary,
            difficulty, timeline_min, timeline_max, best_suited_for,
            work_label, work_text, remote_min, remote_max, hybrid_min, hybrid_max,
            onsite_min, onsite_max, remote_note, demand_level, demand_detail, key_differentiator,
            path_timeline_min, path_timeline_max, certifications_reality_check,
            certifications_recommendation, transition_stories_note, first_moves_note,
            sources_declared_count
        )
        select v ->> 'slug', v ->> 'title', v ->> 'role', v ->> 'icon', v ->> 'language',
               v ->> 'publisher_name', v ->> 'publisher_author', v ->> 'summary',
               v ->> 'difficulty', v ->> 'timeline_min', v ->> 'timeline_max',
               v ->> 'best_suited_for', v ->> 'work_label', v ->> 'work_text',
               v ->> 'remote_min', v ->> 'remote_max', v ->> 'hybrid_min', v ->> 'hybrid_max',
               v ->> 'onsite_min', v ->> 'onsite_max', v ->> 'remote_note',
               v ->> 'demand_level', v ->> 'demand_detail', v ->> 'key_differentiator',
               v ->> 'path_timeline_min', v ->> 'path_timeline_max',
               v ->> 'certifications_reality_check', v ->> 'certifications_recommendation',
               v ->> 'transition_stories_note', v ->> 'first_moves_note',
               v ->> 'sources_declared_count'
        from (select value as v from json_each(?1))",
        roadmap_rows,
    )
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// The lists that hang from the roadmap alone.
async fn insert_sections(
    conn: &mut SqliteConnection,
    roadmaps: &[&Roadmap],
) -> Result<(), StoreError> {
    let hubs = rows(
        each(roadmaps, |r| &r.work_setting.regional_hubs).map(|(r, position, hub)| {
            json!({
                "roadmap": r.slug.as_str(),
                "position": position,
                "key": hub.key.as_str(),
                "name": hub.name,
                "note": hub.note,
            })
        }),
    );
    sqlx::query!(
        "insert into regional_hubs (roadmap_id, position, key, name, note)
         select r.id, item.value ->> 'position', item.value ->> 'key', item.value ->> 'name',
                item.value ->> 'note'
         from json_each(?1) as item
         cross join roadmaps r on r.slug = item.value ->> 'roadmap'",
        hubs,
    )
    .execute(&mut *conn)
    .await?;
    let employers = rows(
        each(roadmaps, |r| &r.employers).map(|(r, position, employer)| {
            json!({
                "roadmap": r.slug.as_str(),
                "position": position,
                "key": employer.key.as_str(),
                "category": employer.category,
                "examples": to_json_column(&employer.examples),
            })
        }),
    );
    sqlx::query!(
        "insert into employers (roadmap_id, position, key, category, examples)
         select r.id, item.value ->> 'position', item.value ->> 'key',
                item.value ->> 'category', item.value ->> 'examples'
         from json_each(?1) as item
         cross join roadmaps r on r.slug = item.value ->> 'roadmap'",
        employers,
    )
    .execute(&mut *conn)
    .await?;
    let advantages = rows(each(roadmaps, |r| &r.clinical_advantages).map(
        |(r, position, advantage)| {
            json!({
                "roadmap": r.slug.as_str(),
                "position": position,
                "key": advantage.key.as_str(),
                "title": advantage.title,
                "detail": advantage.detail,
            })
        },
    ));
    sqlx::query!(
        "insert into clinical_advantages (roadmap_id, position, key, title, detail)
         select r.id, item.value ->> 'position', item.value ->> 'key', item.value ->> 'title',
                item.value ->> 'detail'
         from json_each(?1) as item
         cross join roadmaps r on r.slug = item.value ->> 'roadmap'",
        advantages,
    )
    .execute(&mut *conn)
    .await?;
    let skills = rows(
        each(roadmaps, |r| &r.transferable_skills).map(|(r, position, skill)| {
            json!({
                "roadmap": r.slug.as_str(),
                "position": position,
                "key": skill.key.as_str(),
                "clinical_skill": skill.clinical_skill,
                "technical_skill": skill.technical_skill,
                "detail": skill.detail,
                "summary": skill.summary,
            })
        }),
    );
    sqlx::query!(
        "insert into transferable_skills
            (roadmap_id, position, key, clinical_skill, technical_skill, detail, summary)
         select r.id, item.value ->> 'position', item.value ->> 'key',
                item.value ->> 'clinical_skill', item.value ->> 'technical_skill',
                item.value ->> 'detail', item.value ->> 'summary'
         from json_each(?1) as item
         cross join roadmaps r on r.slug = item.value ->> 'roadmap'",
        skills,
    )
    .execute(&mut *conn)
    .await?;
    let stories = rows(each(roadmaps, |r| &r.transition_stories.items).map(
        |(r, position, story)| {
            json!({
                "roadmap": r.slug.as_str(),
                "position": position,
                "key": story.key.as_str(),
                "title": story.title,
                "summary": story.summary,
                "url": story.url,
            })
        },
    ));
    sqlx::query!(
        "insert into transition_stories (roadmap_id, position, key, title, summary, url)
         select r.id, item.value ->> 'position', item.value ->> 'key', item.value ->> 'title',
                item.value ->> 'summary', item.value ->> 'url'
         from json_each(?1) as item
         cross join roadmaps r on r.slug = item.value ->> 'roadmap'",
        stories,
    )
    .execute(&mut *conn)
    .await?;
    let moves = rows(
        each(roadmaps, |r| &r.first_moves.items).map(|(r, _, step)| {
            json!({
                "roadmap": r.slug.as_str(),
                "number": step.number,
                "key": step.key.as_str(),
                "title": step.title,
                "hours_min": step.time.hours.min,
                "hours_max": step.time.hours.max,
                "per": step.time.per,
                "time_text": step.time.text,
                "summary": step.summary,
                "steps": to_json_column(&step.steps),
            })
        }),
    );
    sqlx::query!(
        "insert into first_moves (roadmap_id, number, key, title, hours_min, hours_max, per,
                                  time_text, summary, steps)
         select r.id, item.value ->> 'number', item.value ->> 'key', item.value ->> 'title',
                item.value ->> 'hours_min', item.value ->> 'hours_max', item.value ->> 'per',
                item.value ->> 'time_text', item.value ->> 'summary', item.value ->> 'steps'
         from json_each(?1) as item
         cross join roadmaps r on r.slug = item.value ->> 'roadmap'",
        moves,
    )
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Phases, their topic groups and topics, and their tracks: children find their phase by
/// its key (unique within the roadmap) and their group by its position in the phase.
async fn insert_learning_path(
    conn: &mut SqliteConnection,
    roadmaps: &[&Roadmap],
) -> Result<(), StoreError> {
    let phases = || each(roadmaps, |r| &r.learning_path.phases);
    let phase_rows = rows(phases().map(|(r, _, phase)| {
        json!({
            "roadmap": r.slug.as_str(),
            "number": phase.number,
            "key": phase.key.as_str(),
            "title": phase.title,
            "months_min": phase.months.min,
            "months_max": phase.months.max,
            "hours_min": phase.hours.min,
            "hours_max": phase.hours.max,
            "hours_text": phase.hours_text,
            "checkpoint": phase.checkpoint,
        })
    }));
    sqlx::query!(
        "insert into phases (roadmap_id, number, key, title, months_min, months_max,
                             hours_min, hours_max, hours_text, checkpoint)
         select r.id, item.value ->> 'number', item.value ->> 'key', item.value ->> 'title',
                item.value ->> 'months_min', item.value ->> 'months_max',
                item.value ->> 'hours_min', item.value ->> 'hours_max',
                item.value ->> 'hours_text', item.value ->> 'checkpoint'
         from json_each(?1) as item
         cross join roadmaps r on r.slug = item.value ->> 'roadmap'",
        phase_rows,
    )
    .execute(&mut *conn)
    .await?;
    let groups = rows(phases().flat_map(|(r, _, phase)| {
        (0_u32..)
            .zip(&phase.topic_groups)
            .map(move |(position, group)| {
                json!({
                    "roadmap": r.slug.as_str(),
                    "phase": phase.key.as_str(),
                    "position": position,
                    "key": group.key.as_str(),
                    "label": group.label,
                    "months_min": group.months.min,
                    "months_max": group.months.max,
                    "title": group.title,
                })
            })
    }));
    sqlx::query!(
        "insert into topic_groups (phase_id, position, key, label, months_min, months_max, title)
         select p.id, item.value ->> 'position', item.value ->> 'key', item.value ->> 'label',
                item.value ->> 'months_min', item.value ->> 'months_max', item.value ->> 'title'
         from json_each(?1) as item
         cross join roadmaps r on r.slug = item.value ->> 'roadmap'
         join phases p on p.roadmap_id = r.id and p.key = item.value ->> 'phase'",
        groups,
    )
    .execute(&mut *conn)
    .await?;
    let topics = rows(phases().flat_map(|(r, _, phase)| {
        (0_u32..)
            .zip(&phase.topic_groups)
            .flat_map(move |(group, topic_group)| {
                (0_u32..)
                    .zip(&topic_group.topics)
                    .map(move |(position, topic)| {
                        json!({
                            "roadmap": r.slug.as_str(),
                            "phase": phase.key.as_str(),
                            "group": group,
                            "position": position,
                            "key": topic.key.as_str(),
                            "text": topic.text,
                        })
                    })
            })
    }));
    sqlx::query!(
        "insert into topics (topic_group_id, position, key, text)
         select g.id, item.value ->> 'position', item.value ->> 'key', item.value ->> 'text'
         from json_each(?1) as item
         cross join roadmaps r on r.slug = item.value ->> 'roadmap'
         join phases p on p.roadmap_id = r.id and p.key = item.value ->> 'phase'
         join topic_groups g on g.phase_id = p.id and g.position = item.value ->> 'group'",
        topics,
    )
    .execute(&mut *conn)
    .await?;
    let tracks = rows(phases().flat_map(|(r, _, phase)| {
        (0_u32..).zip(&phase.tracks).map(move |(position, track)| {
            json!({
                "roadmap": r.slug.as_str(),
                "phase": phase.key.as_str(),
                "position": position,
                "key": track.key.as_str(),
                "letter": track.letter,
                "title": track.title,
                "focus": to_json_column(&track.focus),
                "datasets": to_json_column(&track.datasets),
                "tools": to_json_column(&track.tools),
            })
        })
    }));
    sqlx::query!(
        "insert into tracks (phase_id, position, key, letter, title, focus, datasets, tools)
         select p.id, item.value ->> 'position', item.value ->> 'key', item.value ->> 'letter',
                item.value ->> 'title', item.value ->> 'focus', item.value ->> 'datasets',
                item.value ->> 'tools'
         from json_each(?1) as item
         cross join roadmaps r on r.slug = item.value ->> 'roadmap'
         join phases p on p.roadmap_id = r.id and p.key = item.value ->> 'phase'",
        tracks,
    )
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// The roadmaps' ratings of shared certifications, whose facts were checked to agree
/// (see `check_shared_facts`).
async fn insert_certifications(
    conn: &mut SqliteConnection,
    roadmaps: &[&Roadmap],
) -> Result<(), StoreError> {
    let ratings = || each(roadmaps, |r| &r.certifications.items);
    let certifications = ratings().map(|(_, _, rating)| &rating.certification);
    let facts = rows(once_each(certifications, |c| &c.slug).map(certification_facts));
    // `where true` tells SQLite's parser that `on conflict` belongs to the insert.
    sqlx::query!(
        "insert into certifications
            (slug, name, renewal, cost_amount_usd, cost_text, study_months_min, study_months_max)
         select item.value ->> 'slug', item.value ->> 'name', item.value ->> 'renewal',
                item.value ->> 'cost_amount_usd', item.value ->> 'cost_text',
                item.value ->> 'study_months_min', item.value ->> 'study_months_max'
         from json_each(?1) as item where true
         on conflict (slug) do update set
            name = excluded.name, renewal = excluded.renewal,
            cost_amount_usd = excluded.cost_amount_usd, cost_text = excluded.cost_text,
            study_months_min = excluded.study_months_min,
            study_months_max = excluded.study_months_max",
        facts,
    )
    .execute(&mut *conn)
    .await?;
    let links = rows(ratings().map(|(r, position, rating)| {
        json!({
            "roadmap": r.slug.as_str(),
            "certification": rating.certification.slug.as_str(),
            "position": position,
            "key": rating.key.as_str(),
            "tier": rating.tier.as_str(),
            "timeline_text": rating.timeline_text,
            "share_min": rating.job_posting_share_percent.map(|s| s.min),
            "share_max": rating.job_posting_share_percent.map(|s| s.max),
            "note": rating.note,
        })
    }));
    sqlx::query!(
        "insert into roadmap_certifications
            (roadmap_id, certification_id, position, key, tier, timeline_text,
             share_min, share_max, note)
         select r.id, c.id, item.value ->> 'position', item.value ->> 'key',
                item.value ->> 'tier', item.value ->> 'timeline_text',
                item.value ->> 'share_min', item.value ->> 'share_max', item.value ->> 'note'
         from json_each(?1) as item
         cross join roadmaps r on r.slug = item.value ->> 'roadmap'
         join certifications c on c.slug = item.value ->> 'certification'",
        links,
    )
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Projects with their stacks and datasets, which find their project by its key.
async fn insert_projects(
    conn: &mut SqliteConnection,
    roadmaps: &[&Roadmap],
) -> Result<(), StoreError> {
    let projects = rows(each(roadmaps, |r| &r.projects).map(|(r, _, project)| {
        json!({
            "roadmap": r.slug.as_str(),
            "number": project.number,
            "key": project.key.as_str(),
            "title": project.title,
            "hours_min": project.hours.min,
            "hours_max": project.hours.max,
            "description": project.description,
            "dataset_text": project.dataset_text,
            "clinical_advantage": project.clinical_advantage,
        })
    }));
    sqlx::query!(
        "insert into projects (roadmap_id, number, key, title, hours_min, hours_max,
                               description, dataset_text, clinical_advantage)
         select r.id, item.value ->> 'number', item.value ->> 'key', item.value ->> 'title',
                item.value ->> 'hours_min', item.value ->> 'hours_max',
                item.value ->> 'description', item.value ->> 'dataset_text',
                item.value ->> 'clinical_advantage'
         from json_each(?1) as item
         cross join roadmaps r on r.slug = item.value ->> 'roadmap'",
        projects,
    )
    .execute(&mut *conn)
    .await?;
    let names = |list: fn(&Project) -> &Vec<String>| {
        rows(
            each(roadmaps, |r| &r.projects).flat_map(move |(r, _, project)| {
                (0_u32..).zip(list(project)).map(move |(position, name)| {
                    json!({
                        "roadmap": r.slug.as_str(),
                        "project": project.key.as_str(),
                        "position": position,
                        "name": name,
                    })
                })
            }),
        )
    };
    let stack = names(|project| &project.stack);
    sqlx::query!(
        "insert into project_stack (project_id, position, name)
         select p.id, item.value ->> 'position', item.value ->> 'name'
         from json_each(?1) as item
         cross join roadmaps r on r.slug = item.value ->> 'roadmap'
         join projects p on p.roadmap_id = r.id and p.key = item.value ->> 'project'",
        stack,
    )
    .execute(&mut *conn)
    .await?;
    let datasets = names(|project| &project.datasets);
    sqlx::query!(
        "insert into project_datasets (project_id, position, name)
         select p.id, item.value ->> 'position', item.value ->> 'name'
         from json_each(?1) as item
         cross join roadmaps r on r.slug = item.value ->> 'roadmap'
         join projects p on p.roadmap_id = r.id and p.key = item.value ->> 'project'",
        datasets,
    )
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// The roadmaps' shared sources, whose facts were checked to agree
/// (see `check_shared_facts`), and where each roadmap cites each.
async fn insert_sources(
    conn: &mut SqliteConnection,
    roadmaps: &[&Roadmap],
) -> Result<(), StoreError> {
    let sources = || each(roadmaps, |r| &r.sources.items);
    let facts = rows(once_each(sources().map(|(_, _, s)| s), |s| &s.slug).map(source_facts));
    sqlx::query!(
        "insert into sources (slug, title, kind, url)
         select item.value ->> 'slug', item.value ->> 'title', item.value ->> 'kind',
                item.value ->> 'url'
         from json_each(?1) as item where true
         on conflict (slug) do update set
            title = excluded.title, kind = excluded.kind, url = excluded.url",
        facts,
    )
    .execute(&mut *conn)
    .await?;
    let links = rows(sources().map(|(r, position, source)| {
        json!({
            "roadmap": r.slug.as_str(),
            "source": source.slug.as_str(),
            "position": position,
            "key": source.key.as_str(),
        })
    }));
    sqlx::query!(
        "insert into roadmap_sources (roadmap_id, source_id, position, key)
         select r.id, s.id, item.value ->> 'position', item.value ->> 'key'
         from json_each(?1) as item
         cross join roadmaps r on r.slug = item.value ->> 'roadmap'
         join sources s on s.slug = item.value ->> 'source'",
        links,
    )
    .execute(&mut *conn)
    .await?;
    let citations = rows(sources().flat_map(|(r, _, source)| {
        (0_u32..)
            .zip(&source.cited_in)
            .map(move |(position, pointer)| {
                json!({
                    "roadmap": r.slug.as_str(),
                    "source": source.key.as_str(),
                    "position": position,
                    "pointer": pointer,
                })
            })
    }));
    sqlx::query!(
        "insert into source_citations (roadmap_source_id, position, pointer)
         select rs.id, item.value ->> 'position', item.value ->> 'pointer'
         from json_each(?1) as item
         cross join roadmaps r on r.slug = item.value ->> 'roadmap'
         join roadmap_sources rs on rs.roadmap_id = r.id and rs.key = item.value ->> 'source'",
        citations,
    )
    .execute(&mut *conn)
    .await?;
    Ok(())
}

fn certification_facts(c: &Certification) -> serde_json::Value {
    json!({
        "slug": c.slug.as_str(),
        "name": c.name,
        "renewal": c.renewal,
        "cost_amount_usd": c.cost.amount_usd,
        "cost_text": c.cost.text,
        "study_months_min": c.study_months.map(|m| m.min),
        "study_months_max": c.study_months.map(|m| m.max),
    })
}

fn source_facts(s: &SourceRef) -> serde_json::Value {
    json!({
        "slug": s.slug.as_str(),
        "title": s.title,
        "kind": s.kind.as_str(),
        "url": s.url,
    })
}
