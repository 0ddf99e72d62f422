//! Reading a roadmap, or a part of one, back from its rows into the document's types.

use sqlx::SqliteConnection;

use crate::domain::*;
use crate::store::StoreError;
use crate::store::columns::{
    CertificationColumns, count, json_column, optional_range, parse_column, range,
};

pub(in crate::store) async fn load_roadmap(
    conn: &mut SqliteConnection,
    id: i64,
) -> Result<Roadmap, StoreError> {
    let row = sqlx::query!("select * from roadmaps where id = ?", id)
        .fetch_one(&mut *conn)
        .await?;
    let regional_hubs = sqlx::query!(
        "select key, name, note from regional_hubs where roadmap_id = ? order by position",
        id
    )
    .fetch_all(&mut *conn)
    .await?
    .into_iter()
    .map(|h| {
        Ok(RegionalHub {
            key: parse_column("regional_hubs.key", &h.key)?,
            name: h.name,
            note: h.note,
        })
    })
    .collect::<Result<_, StoreError>>()?;
    let employers = sqlx::query!(
        "select key, category, examples from employers where roadmap_id = ? order by position",
        id
    )
    .fetch_all(&mut *conn)
    .await?
    .into_iter()
    .map(|e| {
        Ok(EmployerCategory {
            key: parse_column("employers.key", &e.key)?,
            category: e.category,
            examples: json_column("employers.examples", &e.examples)?,
        })
    })
    .collect::<Result<_, StoreError>>()?;
    let clinical_advantages = sqlx::query!(
        "select key, title, detail from clinical_advantages where roadmap_id = ? order by position",
        id
    )
    .fetch_all(&mut *conn)
    .await?
    .into_iter()
    .map(|a| {
        Ok(ClinicalAdvantage {
            key: parse_column("clinical_advantages.key", &a.key)?,
            title: a.title,
            detail: a.detail,
        })
    })
    .collect::<Result<_, StoreError>>()?;
    let transferable_skills = sqlx::query!(
        "select key, clinical_skill, technical_skill, detail, summary
         from transferable_skills where roadmap_id = ? order by position",
        id
    )
    .fetch_all(&mut *conn)
    .await?
    .into_iter()
    .map(|s| {
        Ok(TransferableSkill {
            key: parse_column("transferable_skills.key", &s.key)?,
            clinical_skill: s.clinical_skill,
            technical_skill: s.technical_skill,
            detail: s.detail,
            summary: s.summary,
        })
    })
    .collect::<Result<_, StoreError>>()?;
    let transition_stories = sqlx::query!(
        r#"select key, display_name, from_role, to_role, year, story, links,
                verified as "verified: bool"
         from transition_stories where roadmap_id = ? order by position"#,
        id
    )
    .fetch_all(&mut *conn)
    .await?
    .into_iter()
    .map(|s| {
        Ok(TransitionStory {
            key: parse_column("transition_stories.key", &s.key)?,
            display_name: s.display_name,
            from_role: s.from_role,
            to_role: s.to_role,
            year: count(s.year, "transition_stories.year")?,
            story: s.story,
            links: json_column("transition_stories.links", &s.links)?,
            verified: s.verified,
        })
    })
    .collect::<Result<_, StoreError>>()?;
    let moves = sqlx::query!(
        "select number, key, title, hours_min, hours_max, per, time_text, summary, steps
         from first_moves where roadmap_id = ? order by number",
        id
    )
    .fetch_all(&mut *conn)
    .await?
    .into_iter()
    .map(|m| {
        Ok(Move {
            key: parse_column("first_moves.key", &m.key)?,
            number: count(m.number, "first_moves.number")?,
            title: m.title,
            time: TimeEstimate {
                hours: range(m.hours_min, m.hours_max)?,
                per: m.per,
                text: m.time_text,
            },
            summary: m.summary,
            steps: json_column("first_moves.steps", &m.steps)?,
        })
    })
    .collect::<Result<_, StoreError>>()?;

    Ok(Roadmap {
        slug: parse_column("roadmaps.slug", &row.slug)?,
        title: row.title,
        role: row.role,
        icon: row.icon,
        language: row.language,
        publisher: Publisher {
            name: row.publisher_name,
            author: row.publisher_author,
        },
        summary: row.summary,
        difficulty: parse_column("roadmaps.difficulty", &row.difficulty)?,
        timeline_months: range(row.timeline_min, row.timeline_max)?,
        best_suited_for: row.best_suited_for,
        work_setting: WorkSetting {
            label: row.work_label,
            text: row.work_text,
            remote_percent: range(row.remote_min, row.remote_max)?,
            hybrid_percent: range(row.hybrid_min, row.hybrid_max)?,
            onsite_percent: range(row.onsite_min, row.onsite_max)?,
            remote_note: row.remote_note,
            regional_hubs,
        },
        demand: Demand {
            level: row.demand_level,
            detail: row.demand_detail,
        },
        key_differentiator: row.key_differentiator,
        employers,
        clinical_advantages,
        transferable_skills,
        learning_path: LearningPath {
            timeline_months: range(row.path_timeline_min, row.path_timeline_max)?,
            phases: load_phases(conn, id).await?,
        },
        certifications: Certifications {
            reality_check: row.certifications_reality_check,
            items: load_certifications(conn, id).await?,
            recommendation: row.certifications_recommendation,
        },
        projects: load_projects(conn, id, None).await?,
        transition_stories: TransitionStories {
            items: transition_stories,
            note: row.transition_stories_note,
        },
        first_moves: FirstMoves {
            note: row.first_moves_note,
            items: moves,
        },
        sources: Sources {
            declared_count: row
                .sources_declared_count
                .map(|n| count(n, "roadmaps.sources_declared_count"))
                .transpose()?,
            items: load_sources(conn, id).await?,
        },
    })
}

async fn load_phases(
    conn: &mut SqliteConnection,
    roadmap_id: i64,
) -> Result<Vec<Phase>, StoreError> {
    let rows = sqlx::query!(
        "select id, number, key, title, months_min, months_max, hours_min, hours_max, hours_text,
                checkpoint
         from phases where roadmap_id = ? order by number",
        roadmap_id
    )
    .fetch_all(&mut *conn)
    .await?;
    let mut phases = Vec::with_capacity(rows.len());
    for row in rows {
        let groups = sqlx::query!(
            "select id, key, label, months_min, months_max, title
             from topic_groups where phase_id = ? order by position",
            row.id
        )
        .fetch_all(&mut *conn)
        .await?;
        let mut topic_groups = Vec::with_capacity(groups.len());
        for group in groups {
            let topics = sqlx::query!(
                "select key, text from topics where topic_group_id = ? order by position",
                group.id
            )
            .fetch_all(&mut *conn)
            .await?
            .into_iter()
            .map(|t| {
                Ok(Topic {
                    key: parse_column("topics.key", &t.key)?,
                    text: t.text,
                })
            })
            .collect::<Result<_, StoreError>>()?;
            topic_groups.push(TopicGroup {
                key: parse_column("topic_groups.key", &group.key)?,
                label: group.label,
                months: range(group.months_min, group.months_max)?,
                title: group.title,
                topics,
            });
        }
        let tracks = sqlx::query!(
            "select key, letter, title, focus, datasets, tools
             from tracks where phase_id = ? order by position",
            row.id
        )
        .fetch_all(&mut *conn)
        .await?
        .into_iter()
        .map(|t| {
            Ok(Track {
                key: parse_column("tracks.key", &t.key)?,
                letter: t.letter,
                title: t.title,
                focus: json_column("tracks.focus", &t.focus)?,
                datasets: json_column("tracks.datasets", &t.datasets)?,
                tools: json_column("tracks.tools", &t.tools)?,
            })
        })
        .collect::<Result<_, StoreError>>()?;
        phases.push(Phase {
            key: parse_column("phases.key", &row.key)?,
            number: count(row.number, "phases.number")?,
            title: row.title,
            months: range(row.months_min, row.months_max)?,
            hours: range(row.hours_min, row.hours_max)?,
            hours_text: row.hours_text,
            topic_groups,
            tracks,
            checkpoint: row.checkpoint,
        });
    }
    Ok(phases)
}

async fn load_certifications(
    conn: &mut SqliteConnection,
    roadmap_id: i64,
) -> Result<Vec<CertificationRating>, StoreError> {
    sqlx::query!(
        "select rc.key, rc.tier, rc.timeline_text, rc.share_min, rc.share_max, rc.note,
                c.slug, c.name, c.renewal, c.cost_amount_usd, c.cost_text,
                c.study_months_min, c.study_months_max
         from roadmap_certifications rc
         join certifications c on c.id = rc.certification_id
         where rc.roadmap_id = ?
         order by rc.position",
        roadmap_id
    )
    .fetch_all(&mut *conn)
    .await?
    .into_iter()
    .map(|r| {
        Ok(CertificationRating {
            key: parse_column("roadmap_certifications.key", &r.key)?,
            tier: parse_column("roadmap_certifications.tier", &r.tier)?,
            certification: CertificationColumns {
                slug: r.slug,
                name: r.name,
                renewal: r.renewal,
                cost_amount_usd: r.cost_amount_usd,
                cost_text: r.cost_text,
                study_months_min: r.study_months_min,
                study_months_max: r.study_months_max,
            }
            .certification()?,
            timeline_text: r.timeline_text,
            job_posting_share_percent: optional_range(r.share_min, r.share_max)?,
            note: r.note,
        })
    })
    .collect()
}

pub(in crate::store) async fn load_projects(
    conn: &mut SqliteConnection,
    roadmap_id: i64,
    number: Option<u32>,
) -> Result<Vec<Project>, StoreError> {
    let rows = sqlx::query!(
        "select id, number, key, title, hours_min, hours_max, description, dataset_text,
                clinical_advantage
         from projects where roadmap_id = ?1 and (?2 is null or number = ?2) order by number",
        roadmap_id,
        number,
    )
    .fetch_all(&mut *conn)
    .await?;
    let mut projects = Vec::with_capacity(rows.len());
    for row in rows {
        let stack = sqlx::query_scalar!(
            "select name from project_stack where project_id = ? order by position",
            row.id
        )
        .fetch_all(&mut *conn)
        .await?;
        let datasets = sqlx::query_scalar!(
            "select name from project_datasets where project_id = ? order by position",
            row.id
        )
        .fetch_all(&mut *conn)
        .await?;
        projects.push(Project {
            key: parse_column("projects.key", &row.key)?,
            number: count(row.number, "projects.number")?,
            title: row.title,
            hours: range(row.hours_min, row.hours_max)?,
            description: row.description,
            stack,
            datasets,
            dataset_text: row.dataset_text,
            clinical_advantage: row.clinical_advantage,
        });
    }
    Ok(projects)
}

async fn load_sources(
    conn: &mut SqliteConnection,
    roadmap_id: i64,
) -> Result<Vec<SourceRef>, StoreError> {
    let rows = sqlx::query!(
        "select rs.id, rs.key, s.slug, s.title, s.kind, s.url
         from roadmap_sources rs join sources s on s.id = rs.source_id
         where rs.roadmap_id = ? order by rs.position",
        roadmap_id
    )
    .fetch_all(&mut *conn)
    .await?;
    let mut sources = Vec::with_capacity(rows.len());
    for row in rows {
        let cited_in = sqlx::query_scalar!(
            "select pointer from source_citations where roadmap_source_id = ? order by position",
            row.id
        )
        .fetch_all(&mut *conn)
        .await?;
        sources.push(SourceRef {
            key: parse_column("roadmap_sources.key", &row.key)?,
            slug: parse_column("sources.slug", &row.slug)?,
            title: row.title,
            kind: parse_column("sources.kind", &row.kind)?,
            url: row.url,
            cited_in,
        });
    }
    Ok(sources)
}

/// A certification's own facts.
pub(in crate::store) async fn load_certification(
    conn: &mut SqliteConnection,
    id: i64,
) -> Result<Certification, StoreError> {
    sqlx::query_as!(
        CertificationColumns,
        "select slug, name, renewal, cost_amount_usd, cost_text, study_months_min, study_months_max
         from certifications where id = ?",
        id
    )
    .fetch_one(&mut *conn)
    .await?
    .certification()
}
