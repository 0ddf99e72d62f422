//! Writing roadmap documents: each document replaces the stored roadmap of its slug.

use serde_json::json;
use sqlx::SqliteConnection;
use utoipa::ToSchema;

use super::{Store, StoreError, to_json_column};
use crate::domain::{Project, Roadmap, Slug};

/// What a write may require of the stored roadmap (from `If-Match` / `If-None-Match`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Precondition {
    /// No condition.
    #[default]
    None,
    /// The roadmap exists and its content hash is one of these (`*`: any).
    Matches(Vec<String>),
    /// The roadmap does not exist, or its content hash is none of these (`*`: it does not
    /// exist at all: a create-only write).
    NoneMatch(Vec<String>),
}

impl Precondition {
    fn holds(&self, current: Option<&str>) -> bool {
        let named = |tags: &[String], hash: &str| tags.iter().any(|t| t == "*" || t == hash);
        match (self, current) {
            (Precondition::None, _) => true,
            (Precondition::Matches(_), None) => false,
            (Precondition::Matches(tags), Some(hash)) => named(tags, hash),
            (Precondition::NoneMatch(_), None) => true,
            (Precondition::NoneMatch(tags), Some(hash)) => !named(tags, hash),
        }
    }
}

/// What a write did to one roadmap.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ChangeKind {
    Created,
    Updated,
    Deleted,
}

impl ChangeKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ChangeKind::Created => "created",
            ChangeKind::Updated => "updated",
            ChangeKind::Deleted => "deleted",
        }
    }
}

impl std::str::FromStr for ChangeKind {
    type Err = StoreError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "created" => Ok(ChangeKind::Created),
            "updated" => Ok(ChangeKind::Updated),
            "deleted" => Ok(ChangeKind::Deleted),
            other => Err(StoreError::Corrupt(format!(
                "revisions.kind holds `{other}`"
            ))),
        }
    }
}

/// The outcome of a write for one roadmap.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    pub roadmap: Slug,
    /// `None` when the document equals the current one: nothing was written.
    pub kind: Option<ChangeKind>,
    /// The roadmap's revision after the write.
    pub revision: u32,
}

impl Store {
    /// Stores every document in one `BEGIN IMMEDIATE` transaction: all of them or, on any
    /// error, none. A document replaces the roadmap with its slug, if there is one; each
    /// changed roadmap gets a new revision by `author`. With `dry_run`, everything is checked
    /// and then rolled back.
    pub async fn import(
        &self,
        roadmaps: &[Roadmap],
        author: &str,
        dry_run: bool,
    ) -> Result<Vec<Change>, StoreError> {
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        let changes = write_all(&mut tx, roadmaps, author).await?;
        if dry_run {
            tx.rollback().await?;
        } else {
            tx.commit().await?;
            self.wrote();
        }
        Ok(changes)
    }

    /// Creates or replaces one roadmap if `precondition` holds on the stored one; checked
    /// inside the write transaction, so concurrent writers holding the same ETag cannot both win.
    pub async fn put(
        &self,
        roadmap: &Roadmap,
        author: &str,
        precondition: &Precondition,
    ) -> Result<Change, StoreError> {
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        let current = latest(&mut tx, &roadmap.slug)
            .await?
            .and_then(|l| l.live_hash());
        if !precondition.holds(current.as_deref()) {
            return Err(StoreError::PreconditionFailed);
        }
        let change = write_all(&mut tx, std::slice::from_ref(roadmap), author)
            .await?
            .pop()
            .ok_or_else(|| StoreError::Corrupt("a write reported no change".to_owned()))?;
        tx.commit().await?;
        self.wrote();
        Ok(change)
    }

    /// Deletes a roadmap (and the certifications and sources only it used) if `precondition`
    /// holds; `None` when there is no such roadmap.
    pub async fn delete(
        &self,
        slug: &Slug,
        author: &str,
        precondition: &Precondition,
    ) -> Result<Option<Change>, StoreError> {
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        let Some(latest) = latest(&mut tx, slug)
            .await?
            .filter(|l| l.live_hash().is_some())
        else {
            return Ok(None);
        };
        if !precondition.holds(latest.live_hash().as_deref()) {
            return Err(StoreError::PreconditionFailed);
        }
        delete_roadmap(&mut tx, slug).await?;
        delete_orphans(&mut tx).await?;
        let revision = latest.number + 1;
        record_revision(&mut tx, slug, revision, ChangeKind::Deleted, author, None).await?;
        bump_content_version(&mut tx).await?;
        tx.commit().await?;
        self.wrote();
        Ok(Some(Change {
            roadmap: slug.clone(),
            kind: Some(ChangeKind::Deleted),
            revision,
        }))
    }

    /// Loads `roadmaps` unless this database was seeded before: what `serve` does on a new
    /// database. The marker is written in the same transaction, so a failed first load is
    /// retried in full. Returns whether it loaded them.
    pub async fn seed(&self, roadmaps: &[Roadmap]) -> Result<bool, StoreError> {
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        let seeded = sqlx::query_scalar!("select value from meta where name = 'seeded'")
            .fetch_optional(&mut *tx)
            .await?;
        if seeded.is_some() {
            return Ok(false);
        }
        write_all(&mut tx, roadmaps, "bundled").await?;
        sqlx::query!(
            "insert into meta (name, value) values ('seeded', strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))"
        )
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(true)
    }

    /// Gives every stored roadmap without a revision (stored before revisions existed) its
    /// first one, so that every roadmap has a content hash to match writes against.
    pub async fn backfill_revisions(&self) -> Result<(), StoreError> {
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        let missing = sqlx::query_scalar!(
            "select slug from roadmaps where slug not in (select roadmap from revisions) order by slug"
        )
        .fetch_all(&mut *tx)
        .await?;
        for slug in missing {
            let slug: Slug = super::parse_column("roadmaps.slug", &slug)?;
            let id = super::read::roadmap_id(&mut tx, &slug)
                .await?
                .ok_or_else(|| StoreError::Corrupt(format!("`{slug}` vanished")))?;
            let roadmap = super::read::load_roadmap(&mut tx, id).await?;
            let json = roadmap
                .to_json()
                .map_err(|e| StoreError::Corrupt(e.to_string()))?;
            record_revision(
                &mut tx,
                &slug,
                1,
                ChangeKind::Created,
                "migration",
                Some(&json),
            )
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }
}

/// The latest revision of a roadmap.
struct Latest {
    number: u32,
    kind: ChangeKind,
    content_hash: Option<String>,
}

impl Latest {
    /// The content hash of the roadmap as it stands, unless its latest revision deleted it.
    fn live_hash(&self) -> Option<String> {
        (self.kind != ChangeKind::Deleted)
            .then(|| self.content_hash.clone())
            .flatten()
    }
}

async fn latest(conn: &mut SqliteConnection, slug: &Slug) -> Result<Option<Latest>, StoreError> {
    let slug = slug.as_str();
    let row = sqlx::query!(
        "select number, kind, content_hash from revisions where roadmap = ? order by number desc limit 1",
        slug
    )
    .fetch_optional(&mut *conn)
    .await?;
    row.map(|r| {
        Ok(Latest {
            number: super::count(r.number, "revisions.number")?,
            kind: r.kind.parse()?,
            content_hash: r.content_hash,
        })
    })
    .transpose()
}

async fn record_revision(
    conn: &mut SqliteConnection,
    slug: &Slug,
    number: u32,
    kind: ChangeKind,
    author: &str,
    document: Option<&str>,
) -> Result<(), StoreError> {
    let slug = slug.as_str();
    let kind = kind.as_str();
    let hash = document.map(|json| crate::domain::content_hash(json.as_bytes()));
    sqlx::query!(
        "insert into revisions (roadmap, number, kind, author, content_hash, document)
         values (?, ?, ?, ?, ?, ?)",
        slug,
        number,
        kind,
        author,
        hash,
        document,
    )
    .execute(&mut *conn)
    .await?;
    Ok(())
}

async fn bump_content_version(conn: &mut SqliteConnection) -> Result<(), StoreError> {
    sqlx::query!(
        "update meta set value = cast(value as integer) + 1 where name = 'content_version'"
    )
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Writes each document that differs from the stored roadmap, with a revision each.
async fn write_all(
    conn: &mut SqliteConnection,
    roadmaps: &[Roadmap],
    author: &str,
) -> Result<Vec<Change>, StoreError> {
    let mut slugs = std::collections::HashSet::new();
    let mut changes = Vec::with_capacity(roadmaps.len());
    for roadmap in roadmaps {
        if !slugs.insert(&roadmap.slug) {
            return Err(StoreError::Conflict(format!(
                "roadmap `{}` is given more than once",
                roadmap.slug
            )));
        }
        // Serialized once: its hash is compared with the stored one, and it is the revision.
        let json = roadmap
            .to_json()
            .map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let hash = crate::domain::content_hash(json.as_bytes());
        let latest = latest(conn, &roadmap.slug).await?;
        let current = latest.as_ref().and_then(Latest::live_hash);
        let number = latest.as_ref().map_or(0, |l| l.number);
        if current.as_deref() == Some(hash.as_str()) {
            changes.push(Change {
                roadmap: roadmap.slug.clone(),
                kind: None,
                revision: number,
            });
            continue;
        }
        replace_roadmap(conn, roadmap).await?;
        let kind = if current.is_some() {
            ChangeKind::Updated
        } else {
            ChangeKind::Created
        };
        record_revision(conn, &roadmap.slug, number + 1, kind, author, Some(&json)).await?;
        changes.push(Change {
            roadmap: roadmap.slug.clone(),
            kind: Some(kind),
            revision: number + 1,
        });
    }
    if changes.iter().any(|c| c.kind.is_some()) {
        delete_orphans(conn).await?;
        bump_content_version(conn).await?;
    }
    Ok(changes)
}

async fn replace_roadmap(conn: &mut SqliteConnection, r: &Roadmap) -> Result<(), StoreError> {
    delete_roadmap(conn, &r.slug).await?;
    let roadmap_id = insert_roadmap_row(conn, r).await?;
    insert_sections(conn, roadmap_id, r).await?;
    insert_learning_path(conn, roadmap_id, r).await?;
    insert_certifications(conn, roadmap_id, r).await?;
    insert_projects(conn, roadmap_id, r).await?;
    insert_sources(conn, roadmap_id, r).await?;
    super::search::index_roadmap(conn, roadmap_id, r).await
}

/// The rows of a list as one JSON array, which a statement reads with `json_each` (whose
/// `key` is the item's index, hence its `position`). A list of any length is thus one
/// statement, one trip to SQLite's thread, instead of one per item: it is what makes an
/// import of thousands of roadmaps take seconds rather than minutes.
pub(super) fn rows(items: impl IntoIterator<Item = serde_json::Value>) -> String {
    serde_json::Value::Array(items.into_iter().collect()).to_string()
}

async fn insert_roadmap_row(conn: &mut SqliteConnection, r: &Roadmap) -> Result<i64, StoreError> {
    let slug = r.slug.as_str();
    let difficulty = r.difficulty.as_str();
    let ws = &r.work_setting;
    let roadmap_id = sqlx::query_scalar!(
        "insert into roadmaps (
            slug, title, role, icon, language, publisher_name, publisher_author, summary,
            difficulty, timeline_min, timeline_max, best_suited_for,
            work_label, work_text, remote_min, remote_max, hybrid_min, hybrid_max,
            onsite_min, onsite_max, remote_note, demand_level, demand_detail, key_differentiator,
            path_timeline_min, path_timeline_max, certifications_reality_check,
            certifications_recommendation, transition_stories_note, first_moves_note,
            sources_declared_count
        ) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?,
                  ?, ?, ?, ?)
        returning id",
        slug,
        r.title,
        r.role,
        r.icon,
        r.language,
        r.publisher.name,
        r.publisher.author,
        r.summary,
        difficulty,
        r.timeline_months.min,
        r.timeline_months.max,
        r.best_suited_for,
        ws.label,
        ws.text,
        ws.remote_percent.min,
        ws.remote_percent.max,
        ws.hybrid_percent.min,
        ws.hybrid_percent.max,
        ws.onsite_percent.min,
        ws.onsite_percent.max,
        ws.remote_note,
        r.demand.level,
        r.demand.detail,
        r.key_differentiator,
        r.learning_path.timeline_months.min,
        r.learning_path.timeline_months.max,
        r.certifications.reality_check,
        r.certifications.recommendation,
        r.transition_stories.note,
        r.first_moves.note,
        r.sources.declared_count,
    )
    .fetch_one(&mut *conn)
    .await?;
    Ok(roadmap_id)
}

/// The lists that hang from the roadmap alone.
async fn insert_sections(
    conn: &mut SqliteConnection,
    roadmap_id: i64,
    r: &Roadmap,
) -> Result<(), StoreError> {
    let hubs = rows(
        r.work_setting
            .regional_hubs
            .iter()
            .map(|hub| json!({ "key": hub.key.as_str(), "name": hub.name, "note": hub.note })),
    );
    sqlx::query!(
        "insert into regional_hubs (roadmap_id, position, key, name, note)
         select ?1, item.key, item.value ->> 'key', item.value ->> 'name', item.value ->> 'note'
         from json_each(?2) as item",
        roadmap_id,
        hubs,
    )
    .execute(&mut *conn)
    .await?;
    let employers = rows(r.employers.iter().map(|employer| {
        json!({
            "key": employer.key.as_str(),
            "category": employer.category,
            "examples": to_json_column(&employer.examples),
        })
    }));
    sqlx::query!(
        "insert into employers (roadmap_id, position, key, category, examples)
         select ?1, item.key, item.value ->> 'key', item.value ->> 'category',
                item.value ->> 'examples'
         from json_each(?2) as item",
        roadmap_id,
        employers,
    )
    .execute(&mut *conn)
    .await?;
    let advantages = rows(r.clinical_advantages.iter().map(|advantage| {
        json!({
            "key": advantage.key.as_str(),
            "title": advantage.title,
            "detail": advantage.detail,
        })
    }));
    sqlx::query!(
        "insert into clinical_advantages (roadmap_id, position, key, title, detail)
         select ?1, item.key, item.value ->> 'key', item.value ->> 'title',
                item.value ->> 'detail'
         from json_each(?2) as item",
        roadmap_id,
        advantages,
    )
    .execute(&mut *conn)
    .await?;
    let skills = rows(r.transferable_skills.iter().map(|skill| {
        json!({
            "key": skill.key.as_str(),
            "clinical_skill": skill.clinical_skill,
            "technical_skill": skill.technical_skill,
            "detail": skill.detail,
            "summary": skill.summary,
        })
    }));
    sqlx::query!(
        "insert into transferable_skills
            (roadmap_id, position, key, clinical_skill, technical_skill, detail, summary)
         select ?1, item.key, item.value ->> 'key', item.value ->> 'clinical_skill',
                item.value ->> 'technical_skill', item.value ->> 'detail',
                item.value ->> 'summary'
         from json_each(?2) as item",
        roadmap_id,
        skills,
    )
    .execute(&mut *conn)
    .await?;
    let stories = rows(r.transition_stories.items.iter().map(|story| {
        json!({
            "key": story.key.as_str(),
            "title": story.title,
            "summary": story.summary,
            "url": story.url,
        })
    }));
    sqlx::query!(
        "insert into transition_stories (roadmap_id, position, key, title, summary, url)
         select ?1, item.key, item.value ->> 'key', item.value ->> 'title',
                item.value ->> 'summary', item.value ->> 'url'
         from json_each(?2) as item",
        roadmap_id,
        stories,
    )
    .execute(&mut *conn)
    .await?;
    let moves = rows(r.first_moves.items.iter().map(|step| {
        json!({
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
    }));
    sqlx::query!(
        "insert into first_moves (roadmap_id, number, key, title, hours_min, hours_max, per,
                                  time_text, summary, steps)
         select ?1, item.value ->> 'number', item.value ->> 'key', item.value ->> 'title',
                item.value ->> 'hours_min', item.value ->> 'hours_max', item.value ->> 'per',
                item.value ->> 'time_text', item.value ->> 'summary', item.value ->> 'steps'
         from json_each(?2) as item",
        roadmap_id,
        moves,
    )
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Phases, their topic groups and topics, and their tracks: children find their parent by
/// its key (unique within the roadmap) or position (unique within the phase).
async fn insert_learning_path(
    conn: &mut SqliteConnection,
    roadmap_id: i64,
    r: &Roadmap,
) -> Result<(), StoreError> {
    let phases = &r.learning_path.phases;
    let phase_rows = rows(phases.iter().map(|phase| {
        json!({
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
         select ?1, item.value ->> 'number', item.value ->> 'key', item.value ->> 'title',
                item.value ->> 'months_min', item.value ->> 'months_max',
                item.value ->> 'hours_min', item.value ->> 'hours_max',
                item.value ->> 'hours_text', item.value ->> 'checkpoint'
         from json_each(?2) as item",
        roadmap_id,
        phase_rows,
    )
    .execute(&mut *conn)
    .await?;
    let groups = rows(phases.iter().flat_map(|phase| {
        (0_u32..).zip(&phase.topic_groups).map(|(position, group)| {
            json!({
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
         select phases.id, item.value ->> 'position', item.value ->> 'key',
                item.value ->> 'label', item.value ->> 'months_min',
                item.value ->> 'months_max', item.value ->> 'title'
         from json_each(?2) as item
         join phases on phases.roadmap_id = ?1 and phases.key = item.value ->> 'phase'",
        roadmap_id,
        groups,
    )
    .execute(&mut *conn)
    .await?;
    let topics = rows(phases.iter().flat_map(|phase| {
        (0_u32..)
            .zip(&phase.topic_groups)
            .flat_map(move |(group, topic_group)| {
                (0_u32..)
                    .zip(&topic_group.topics)
                    .map(move |(position, topic)| {
                        json!({
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
         select topic_groups.id, item.value ->> 'position', item.value ->> 'key',
                item.value ->> 'text'
         from json_each(?2) as item
         join phases on phases.roadmap_id = ?1 and phases.key = item.value ->> 'phase'
         join topic_groups on topic_groups.phase_id = phases.id
                          and topic_groups.position = item.value ->> 'group'",
        roadmap_id,
        topics,
    )
    .execute(&mut *conn)
    .await?;
    let tracks = rows(phases.iter().flat_map(|phase| {
        (0_u32..).zip(&phase.tracks).map(|(position, track)| {
            json!({
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
         select phases.id, item.value ->> 'position', item.value ->> 'key',
                item.value ->> 'letter', item.value ->> 'title', item.value ->> 'focus',
                item.value ->> 'datasets', item.value ->> 'tools'
         from json_each(?2) as item
         join phases on phases.roadmap_id = ?1 and phases.key = item.value ->> 'phase'",
        roadmap_id,
        tracks,
    )
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// The roadmap's ratings of shared certifications. A certification's facts may change only
/// while no other roadmap rates it with other facts.
async fn insert_certifications(
    conn: &mut SqliteConnection,
    roadmap_id: i64,
    r: &Roadmap,
) -> Result<(), StoreError> {
    let ratings = rows(r.certifications.items.iter().map(|rating| {
        let c = &rating.certification;
        json!({
            "slug": c.slug.as_str(),
            "name": c.name,
            "renewal": c.renewal,
            "cost_amount_usd": c.cost.amount_usd,
            "cost_text": c.cost.text,
            "study_months_min": c.study_months.map(|m| m.min),
            "study_months_max": c.study_months.map(|m| m.max),
            "key": rating.key.as_str(),
            "tier": rating.tier.as_str(),
            "timeline_text": rating.timeline_text,
            "share_min": rating.job_posting_share_percent.map(|s| s.min),
            "share_max": rating.job_posting_share_percent.map(|s| s.max),
            "note": rating.note,
        })
    }));
    let conflicts = sqlx::query!(
        r#"select c.slug as "certification!", r.slug as "roadmap!"
         from json_each(?1) as item
         join certifications c on c.slug = item.value ->> 'slug'
         join roadmap_certifications rc on rc.certification_id = c.id
         join roadmaps r on r.id = rc.roadmap_id
         where not (c.name = item.value ->> 'name'
                    and c.renewal is item.value ->> 'renewal'
                    and c.cost_amount_usd is item.value ->> 'cost_amount_usd'
                    and c.cost_text = item.value ->> 'cost_text'
                    and c.study_months_min is item.value ->> 'study_months_min'
                    and c.study_months_max is item.value ->> 'study_months_max')
         order by item.key, r.slug"#,
        ratings,
    )
    .fetch_all(&mut *conn)
    .await?;
    if let Some(first) = conflicts.first() {
        let users: Vec<String> = conflicts
            .iter()
            .filter(|c| c.certification == first.certification)
            .map(|c| c.roadmap.clone())
            .collect();
        return Err(shared_conflict(
            "certification",
            &first.certification,
            &users,
        ));
    }
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
        ratings,
    )
    .execute(&mut *conn)
    .await?;
    sqlx::query!(
        "insert into roadmap_certifications
            (roadmap_id, certification_id, position, key, tier, timeline_text,
             share_min, share_max, note)
         select ?1, c.id, item.key, item.value ->> 'key', item.value ->> 'tier',
                item.value ->> 'timeline_text', item.value ->> 'share_min',
                item.value ->> 'share_max', item.value ->> 'note'
         from json_each(?2) as item
         join certifications c on c.slug = item.value ->> 'slug'",
        roadmap_id,
        ratings,
    )
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Projects with their stacks and datasets, which find their project by its key.
async fn insert_projects(
    conn: &mut SqliteConnection,
    roadmap_id: i64,
    r: &Roadmap,
) -> Result<(), StoreError> {
    let projects = rows(r.projects.iter().map(|project| {
        json!({
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
         select ?1, item.value ->> 'number', item.value ->> 'key', item.value ->> 'title',
                item.value ->> 'hours_min', item.value ->> 'hours_max',
                item.value ->> 'description', item.value ->> 'dataset_text',
                item.value ->> 'clinical_advantage'
         from json_each(?2) as item",
        roadmap_id,
        projects,
    )
    .execute(&mut *conn)
    .await?;
    let names = |list: fn(&Project) -> &Vec<String>| {
        rows(r.projects.iter().flat_map(move |project| {
            (0_u32..).zip(list(project)).map(move |(position, name)| {
                json!({ "project": project.key.as_str(), "position": position, "name": name })
            })
        }))
    };
    let stack = names(|project| &project.stack);
    sqlx::query!(
        "insert into project_stack (project_id, position, name)
         select projects.id, item.value ->> 'position', item.value ->> 'name'
         from json_each(?2) as item
         join projects on projects.roadmap_id = ?1 and projects.key = item.value ->> 'project'",
        roadmap_id,
        stack,
    )
    .execute(&mut *conn)
    .await?;
    let datasets = names(|project| &project.datasets);
    sqlx::query!(
        "insert into project_datasets (project_id, position, name)
         select projects.id, item.value ->> 'position', item.value ->> 'name'
         from json_each(?2) as item
         join projects on projects.roadmap_id = ?1 and projects.key = item.value ->> 'project'",
        roadmap_id,
        datasets,
    )
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// The roadmap's shared sources and where it cites each. A source's facts may change only
/// while no other roadmap lists it with other facts.
async fn insert_sources(
    conn: &mut SqliteConnection,
    roadmap_id: i64,
    r: &Roadmap,
) -> Result<(), StoreError> {
    let sources = rows(r.sources.items.iter().map(|source| {
        json!({
            "slug": source.slug.as_str(),
            "title": source.title,
            "kind": source.kind.as_str(),
            "url": source.url,
            "key": source.key.as_str(),
        })
    }));
    let conflicts = sqlx::query!(
        r#"select s.slug as "source!", r.slug as "roadmap!"
         from json_each(?1) as item
         join sources s on s.slug = item.value ->> 'slug'
         join roadmap_sources rs on rs.source_id = s.id
         join roadmaps r on r.id = rs.roadmap_id
         where not (s.title = item.value ->> 'title' and s.kind = item.value ->> 'kind'
                    and s.url is item.value ->> 'url')
         order by item.key, r.slug"#,
        sources,
    )
    .fetch_all(&mut *conn)
    .await?;
    if let Some(first) = conflicts.first() {
        let users: Vec<String> = conflicts
            .iter()
            .filter(|c| c.source == first.source)
            .map(|c| c.roadmap.clone())
            .collect();
        return Err(shared_conflict("source", &first.source, &users));
    }
    sqlx::query!(
        "insert into sources (slug, title, kind, url)
         select item.value ->> 'slug', item.value ->> 'title', item.value ->> 'kind',
                item.value ->> 'url'
         from json_each(?1) as item where true
         on conflict (slug) do update set
            title = excluded.title, kind = excluded.kind, url = excluded.url",
        sources,
    )
    .execute(&mut *conn)
    .await?;
    sqlx::query!(
        "insert into roadmap_sources (roadmap_id, source_id, position, key)
         select ?1, s.id, item.key, item.value ->> 'key'
         from json_each(?2) as item
         join sources s on s.slug = item.value ->> 'slug'",
        roadmap_id,
        sources,
    )
    .execute(&mut *conn)
    .await?;
    let citations = rows(r.sources.items.iter().flat_map(|source| {
        (0_u32..).zip(&source.cited_in).map(|(position, pointer)| {
            json!({ "source": source.key.as_str(), "position": position, "pointer": pointer })
        })
    }));
    sqlx::query!(
        "insert into source_citations (roadmap_source_id, position, pointer)
         select rs.id, item.value ->> 'position', item.value ->> 'pointer'
         from json_each(?2) as item
         join roadmap_sources rs on rs.roadmap_id = ?1 and rs.key = item.value ->> 'source'",
        roadmap_id,
        citations,
    )
    .execute(&mut *conn)
    .await?;
    Ok(())
}

async fn delete_roadmap(conn: &mut SqliteConnection, slug: &Slug) -> Result<(), StoreError> {
    let slug = slug.as_str();
    // Deleted explicitly (not by cascade) so that the triggers take them out of the index.
    sqlx::query!(
        "delete from search_documents where roadmap_id = (select id from roadmaps where slug = ?)",
        slug
    )
    .execute(&mut *conn)
    .await?;
    sqlx::query!("delete from roadmaps where slug = ?", slug)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Shared certifications and sources live as long as some roadmap uses them.
async fn delete_orphans(conn: &mut SqliteConnection) -> Result<(), StoreError> {
    sqlx::query!(
        "delete from certifications
         where id not in (select certification_id from roadmap_certifications)"
    )
    .execute(&mut *conn)
    .await?;
    sqlx::query!("delete from sources where id not in (select source_id from roadmap_sources)")
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// A shared entity's facts may only change when no other roadmap relies on them.
fn shared_conflict(what: &str, slug: &str, users: &[String]) -> StoreError {
    StoreError::Conflict(format!(
        "{what} `{slug}` is used by {} with other facts; change it there first or give this one \
         another slug",
        users
            .iter()
            .map(|u| format!("`{u}`"))
            .collect::<Vec<_>>()
            .join(", ")
    ))
}
