//! Writing roadmap documents: each document replaces the stored roadmap of its slug.

use sqlx::SqliteConnection;
use utoipa::ToSchema;

use super::{Store, StoreError, to_json_column};
use crate::domain::{Roadmap, Slug};

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

    for (position, hub) in (0_i64..).zip(&ws.regional_hubs) {
        let key = hub.key.as_str();
        sqlx::query!(
            "insert into regional_hubs (roadmap_id, position, key, name, note) values (?, ?, ?, ?, ?)",
            roadmap_id,
            position,
            key,
            hub.name,
            hub.note,
        )
        .execute(&mut *conn)
        .await?;
    }
    for (position, employer) in (0_i64..).zip(&r.employers) {
        let key = employer.key.as_str();
        let examples = to_json_column(&employer.examples);
        sqlx::query!(
            "insert into employers (roadmap_id, position, key, category, examples)
             values (?, ?, ?, ?, ?)",
            roadmap_id,
            position,
            key,
            employer.category,
            examples,
        )
        .execute(&mut *conn)
        .await?;
    }
    for (position, advantage) in (0_i64..).zip(&r.clinical_advantages) {
        let key = advantage.key.as_str();
        sqlx::query!(
            "insert into clinical_advantages (roadmap_id, position, key, title, detail)
             values (?, ?, ?, ?, ?)",
            roadmap_id,
            position,
            key,
            advantage.title,
            advantage.detail,
        )
        .execute(&mut *conn)
        .await?;
    }
    for (position, skill) in (0_i64..).zip(&r.transferable_skills) {
        let key = skill.key.as_str();
        sqlx::query!(
            "insert into transferable_skills
                (roadmap_id, position, key, clinical_skill, technical_skill, detail, summary)
             values (?, ?, ?, ?, ?, ?, ?)",
            roadmap_id,
            position,
            key,
            skill.clinical_skill,
            skill.technical_skill,
            skill.detail,
            skill.summary,
        )
        .execute(&mut *conn)
        .await?;
    }
    for phase in &r.learning_path.phases {
        let key = phase.key.as_str();
        let phase_id = sqlx::query_scalar!(
            "insert into phases (roadmap_id, number, key, title, months_min, months_max,
                                 hours_min, hours_max, hours_text, checkpoint)
             values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
             returning id",
            roadmap_id,
            phase.number,
            key,
            phase.title,
            phase.months.min,
            phase.months.max,
            phase.hours.min,
            phase.hours.max,
            phase.hours_text,
            phase.checkpoint,
        )
        .fetch_one(&mut *conn)
        .await?;
        for (position, group) in (0_i64..).zip(&phase.topic_groups) {
            let key = group.key.as_str();
            let group_id = sqlx::query_scalar!(
                "insert into topic_groups (phase_id, position, key, label, months_min, months_max, title)
                 values (?, ?, ?, ?, ?, ?, ?)
                 returning id",
                phase_id,
                position,
                key,
                group.label,
                group.months.min,
                group.months.max,
                group.title,
            )
            .fetch_one(&mut *conn)
            .await?;
            for (position, topic) in (0_i64..).zip(&group.topics) {
                let key = topic.key.as_str();
                sqlx::query!(
                    "insert into topics (topic_group_id, position, key, text) values (?, ?, ?, ?)",
                    group_id,
                    position,
                    key,
                    topic.text,
                )
                .execute(&mut *conn)
                .await?;
            }
        }
        for (position, track) in (0_i64..).zip(&phase.tracks) {
            let key = track.key.as_str();
            let focus = to_json_column(&track.focus);
            let datasets = to_json_column(&track.datasets);
            let tools = to_json_column(&track.tools);
            sqlx::query!(
                "insert into tracks (phase_id, position, key, letter, title, focus, datasets, tools)
                 values (?, ?, ?, ?, ?, ?, ?, ?)",
                phase_id,
                position,
                key,
                track.letter,
                track.title,
                focus,
                datasets,
                tools,
            )
            .execute(&mut *conn)
            .await?;
        }
    }
    for (position, rating) in (0_i64..).zip(&r.certifications.items) {
        let c = &rating.certification;
        let cert_slug = c.slug.as_str();
        let study_min = c.study_months.map(|m| m.min);
        let study_max = c.study_months.map(|m| m.max);
        let users = sqlx::query_scalar!(
            "select r.slug from certifications c
             join roadmap_certifications rc on rc.certification_id = c.id
             join roadmaps r on r.id = rc.roadmap_id
             where c.slug = ?1
               and not (c.name = ?2 and c.renewal is ?3 and c.cost_amount_usd is ?4
                        and c.cost_text = ?5 and c.study_months_min is ?6
                        and c.study_months_max is ?7)
             order by r.slug",
            cert_slug,
            c.name,
            c.renewal,
            c.cost.amount_usd,
            c.cost.text,
            study_min,
            study_max,
        )
        .fetch_all(&mut *conn)
        .await?;
        if !users.is_empty() {
            return Err(shared_conflict("certification", cert_slug, &users));
        }
        let certification_id = sqlx::query_scalar!(
            "insert into certifications
                (slug, name, renewal, cost_amount_usd, cost_text, study_months_min, study_months_max)
             values (?, ?, ?, ?, ?, ?, ?)
             on conflict (slug) do update set
                name = excluded.name, renewal = excluded.renewal,
                cost_amount_usd = excluded.cost_amount_usd, cost_text = excluded.cost_text,
                study_months_min = excluded.study_months_min,
                study_months_max = excluded.study_months_max
             returning id",
            cert_slug,
            c.name,
            c.renewal,
            c.cost.amount_usd,
            c.cost.text,
            study_min,
            study_max,
        )
        .fetch_one(&mut *conn)
        .await?;
        let key = rating.key.as_str();
        let tier = rating.tier.as_str();
        let share_min = rating.job_posting_share_percent.map(|s| s.min);
        let share_max = rating.job_posting_share_percent.map(|s| s.max);
        sqlx::query!(
            "insert into roadmap_certifications
                (roadmap_id, certification_id, position, key, tier, timeline_text,
                 share_min, share_max, note)
             values (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            roadmap_id,
            certification_id,
            position,
            key,
            tier,
            rating.timeline_text,
            share_min,
            share_max,
            rating.note,
        )
        .execute(&mut *conn)
        .await?;
    }
    for project in &r.projects {
        let key = project.key.as_str();
        let project_id = sqlx::query_scalar!(
            "insert into projects (roadmap_id, number, key, title, hours_min, hours_max,
                                   description, dataset_text, clinical_advantage)
             values (?, ?, ?, ?, ?, ?, ?, ?, ?)
             returning id",
            roadmap_id,
            project.number,
            key,
            project.title,
            project.hours.min,
            project.hours.max,
            project.description,
            project.dataset_text,
            project.clinical_advantage,
        )
        .fetch_one(&mut *conn)
        .await?;
        for (position, name) in (0_i64..).zip(&project.stack) {
            sqlx::query!(
                "insert into project_stack (project_id, position, name) values (?, ?, ?)",
                project_id,
                position,
                name,
            )
            .execute(&mut *conn)
            .await?;
        }
        for (position, name) in (0_i64..).zip(&project.datasets) {
            sqlx::query!(
                "insert into project_datasets (project_id, position, name) values (?, ?, ?)",
                project_id,
                position,
                name,
            )
            .execute(&mut *conn)
            .await?;
        }
    }
    for (position, story) in (0_i64..).zip(&r.transition_stories.items) {
        let key = story.key.as_str();
        sqlx::query!(
            "insert into transition_stories (roadmap_id, position, key, title, summary, url)
             values (?, ?, ?, ?, ?, ?)",
            roadmap_id,
            position,
            key,
            story.title,
            story.summary,
            story.url,
        )
        .execute(&mut *conn)
        .await?;
    }
    for step in &r.first_moves.items {
        let key = step.key.as_str();
        let steps = to_json_column(&step.steps);
        sqlx::query!(
            "insert into first_moves (roadmap_id, number, key, title, hours_min, hours_max, per,
                                      time_text, summary, steps)
             values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            roadmap_id,
            step.number,
            key,
            step.title,
            step.time.hours.min,
            step.time.hours.max,
            step.time.per,
            step.time.text,
            step.summary,
            steps,
        )
        .execute(&mut *conn)
        .await?;
    }
    for (position, source) in (0_i64..).zip(&r.sources.items) {
        let source_slug = source.slug.as_str();
        let kind = source.kind.as_str();
        let users = sqlx::query_scalar!(
            "select r.slug from sources s
             join roadmap_sources rs on rs.source_id = s.id
             join roadmaps r on r.id = rs.roadmap_id
             where s.slug = ?1 and not (s.title = ?2 and s.kind = ?3 and s.url is ?4)
             order by r.slug",
            source_slug,
            source.title,
            kind,
            source.url,
        )
        .fetch_all(&mut *conn)
        .await?;
        if !users.is_empty() {
            return Err(shared_conflict("source", source_slug, &users));
        }
        let source_id = sqlx::query_scalar!(
            "insert into sources (slug, title, kind, url) values (?, ?, ?, ?)
             on conflict (slug) do update set
                title = excluded.title, kind = excluded.kind, url = excluded.url
             returning id",
            source_slug,
            source.title,
            kind,
            source.url,
        )
        .fetch_one(&mut *conn)
        .await?;
        let key = source.key.as_str();
        let link_id = sqlx::query_scalar!(
            "insert into roadmap_sources (roadmap_id, source_id, position, key)
             values (?, ?, ?, ?)
             returning id",
            roadmap_id,
            source_id,
            position,
            key,
        )
        .fetch_one(&mut *conn)
        .await?;
        for (position, pointer) in (0_i64..).zip(&source.cited_in) {
            sqlx::query!(
                "insert into source_citations (roadmap_source_id, position, pointer)
                 values (?, ?, ?)",
                link_id,
                position,
                pointer,
            )
            .execute(&mut *conn)
            .await?;
        }
    }
    super::search::index_roadmap(conn, roadmap_id, r).await
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
