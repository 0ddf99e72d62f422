//! Writing roadmap documents: each document replaces the stored roadmap of its slug.

use serde_json::json;
use sqlx::SqliteConnection;
use utoipa::ToSchema;

use super::{Store, StoreError, to_json_column};
use std::collections::hash_map::Entry;
use std::collections::{HashMap, HashSet};

use crate::domain::{Certification, Project, Roadmap, Slug, SourceRef};

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
        delete_roadmaps(&mut tx, [slug]).await?;
        delete_orphans(&mut tx).await?;
        let revision = latest.number + 1;
        let deletion = Revision {
            slug,
            number: revision,
            kind: ChangeKind::Deleted,
            document: None,
        };
        record_revisions(&mut tx, author, [deletion]).await?;
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
            let snapshot = Snapshot::of(&roadmap)?;
            let first = Revision {
                slug: &slug,
                number: 1,
                kind: ChangeKind::Created,
                document: Some(&snapshot),
            };
            record_revisions(&mut tx, "migration", [first]).await?;
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

/// Roadmaps written per round of statements: each list of a whole batch is one statement
/// (see [`rows`]), so an import of thousands of roadmaps makes a few thousand trips to
/// SQLite's thread, not hundreds of thousands.
const BATCH: usize = 100;

/// A roadmap to be written, with its document text and the revision it becomes.
struct Pending<'a> {
    roadmap: &'a Roadmap,
    snapshot: Snapshot,
    revision: u32,
    kind: ChangeKind,
}

/// Writes each document that differs from the stored roadmap, with a revision each.
async fn write_all(
    conn: &mut SqliteConnection,
    roadmaps: &[Roadmap],
    author: &str,
) -> Result<Vec<Change>, StoreError> {
    let mut slugs = HashSet::new();
    for roadmap in roadmaps {
        if !slugs.insert(&roadmap.slug) {
            return Err(StoreError::Conflict(format!(
                "roadmap `{}` is given more than once",
                roadmap.slug
            )));
        }
    }
    check_shared_facts(conn, roadmaps).await?;
    let mut changes = Vec::with_capacity(roadmaps.len());
    for batch in roadmaps.chunks(BATCH) {
        let latest = latest_of(conn, batch.iter().map(|r| &r.slug)).await?;
        let mut pending = Vec::with_capacity(batch.len());
        for roadmap in batch {
            // Serialized once: its hash is compared with the stored one, and it is the revision.
            let snapshot = Snapshot::of(roadmap)?;
            let latest = latest.get(roadmap.slug.as_str());
            let current = latest.and_then(Latest::live_hash);
            let number = latest.map_or(0, |l| l.number);
            if current.as_deref() == Some(snapshot.hash.as_str()) {
                changes.push(Change {
                    roadmap: roadmap.slug.clone(),
                    kind: None,
                    revision: number,
                });
                continue;
            }
            let kind = if current.is_some() {
                ChangeKind::Updated
            } else {
                ChangeKind::Created
            };
            changes.push(Change {
                roadmap: roadmap.slug.clone(),
                kind: Some(kind),
                revision: number + 1,
            });
            pending.push(Pending {
                roadmap,
                snapshot,
                revision: number + 1,
                kind,
            });
        }
        if pending.is_empty() {
            continue;
        }
        let replaced: Vec<&Roadmap> = pending.iter().map(|p| p.roadmap).collect();
        delete_roadmaps(conn, replaced.iter().map(|r| &r.slug)).await?;
        insert_roadmaps(conn, &replaced).await?;
        let revisions = pending.iter().map(|p| Revision {
            slug: &p.roadmap.slug,
            number: p.revision,
            kind: p.kind,
            document: Some(&p.snapshot),
        });
        record_revisions(conn, author, revisions).await?;
    }
    if changes.iter().any(|c| c.kind.is_some()) {
        delete_orphans(conn).await?;
        bump_content_version(conn).await?;
    }
    Ok(changes)
}

/// A certification or a source is one record shared by every roadmap that lists it, so its
/// facts must agree: among the documents written, and with every stored roadmap that is not
/// being rewritten. (Whether the write is one document or an import of thousands, and in
/// whatever order, the outcome is the same.)
async fn check_shared_facts(
    conn: &mut SqliteConnection,
    roadmaps: &[Roadmap],
) -> Result<(), StoreError> {
    let mut certifications = FirstSeen::default();
    let mut sources = FirstSeen::default();
    for roadmap in roadmaps {
        for rating in &roadmap.certifications.items {
            let c = &rating.certification;
            certifications.see("certification", &c.slug, c, c, &roadmap.slug)?;
        }
        for source in &roadmap.sources.items {
            let facts = (&source.title, source.kind, &source.url);
            sources.see("source", &source.slug, facts, source, &roadmap.slug)?;
        }
    }
    let written = rows(roadmaps.iter().map(|r| json!(r.slug.as_str())));
    let certifications = rows(certifications.order.into_iter().map(certification_facts));
    let conflicts = sqlx::query!(
        r#"select c.slug as "shared!", r.slug as "roadmap!"
         from json_each(?1) as item
         cross join certifications c on c.slug = item.value ->> 'slug'
         join roadmap_certifications rc on rc.certification_id = c.id
         join roadmaps r on r.id = rc.roadmap_id
         where r.slug not in (select value from json_each(?2))
           and not (c.name = item.value ->> 'name'
                    and c.renewal is item.value ->> 'renewal'
                    and c.cost_amount_usd is item.value ->> 'cost_amount_usd'
                    and c.cost_text = item.value ->> 'cost_text'
                    and c.study_months_min is item.value ->> 'study_months_min'
                    and c.study_months_max is item.value ->> 'study_months_max')
         order by item.key, r.slug"#,
        certifications,
        written,
    )
    .fetch_all(&mut *conn)
    .await?;
    first_conflict(
        "certification",
        conflicts.into_iter().map(|c| (c.shared, c.roadmap)),
    )?;
    let sources = rows(sources.order.into_iter().map(source_facts));
    let conflicts = sqlx::query!(
        r#"select s.slug as "shared!", r.slug as "roadmap!"
         from json_each(?1) as item
         cross join sources s on s.slug = item.value ->> 'slug'
         join roadmap_sources rs on rs.source_id = s.id
         join roadmaps r on r.id = rs.roadmap_id
         where r.slug not in (select value from json_each(?2))
           and not (s.title = item.value ->> 'title' and s.kind = item.value ->> 'kind'
                    and s.url is item.value ->> 'url')
         order by item.key, r.slug"#,
        sources,
        written,
    )
    .fetch_all(&mut *conn)
    .await?;
    first_conflict(
        "source",
        conflicts.into_iter().map(|s| (s.shared, s.roadmap)),
    )
}

/// The shared entities of a write in order of first appearance, with the facts and the
/// roadmap that first gave each.
struct FirstSeen<'a, T, F> {
    order: Vec<&'a T>,
    first: HashMap<&'a Slug, (F, &'a Slug)>,
}

impl<T, F> Default for FirstSeen<'_, T, F> {
    fn default() -> Self {
        FirstSeen {
            order: Vec::new(),
            first: HashMap::new(),
        }
    }
}

impl<'a, T, F: PartialEq> FirstSeen<'a, T, F> {
    /// Records `roadmap`'s `facts` for the shared `slug`: a conflict when an earlier
    /// document of the write gave it other facts.
    fn see(
        &mut self,
        what: &str,
        slug: &'a Slug,
        facts: F,
        item: &'a T,
        roadmap: &'a Slug,
    ) -> Result<(), StoreError> {
        match self.first.entry(slug) {
            Entry::Vacant(first) => {
                first.insert((facts, roadmap));
                self.order.push(item);
                Ok(())
            }
            Entry::Occupied(first) if first.get().0 != facts => Err(StoreError::Conflict(format!(
                "{what} `{slug}` is given other facts by `{}` earlier in this write; \
                     they must agree, or give one of them another slug",
                first.get().1
            ))),
            Entry::Occupied(_) => Ok(()),
        }
    }
}

/// The first shared entity (in the write's order) that stored roadmaps hold with other
/// facts, with all those roadmaps, as a conflict.
fn first_conflict(
    what: &str,
    conflicts: impl IntoIterator<Item = (String, String)>,
) -> Result<(), StoreError> {
    let mut conflicts = conflicts.into_iter().peekable();
    let Some(slug) = conflicts.peek().map(|(slug, _)| slug.clone()) else {
        return Ok(());
    };
    let users: Vec<String> = conflicts
        .take_while(|(shared, _)| *shared == slug)
        .map(|(_, roadmap)| roadmap)
        .collect();
    Err(shared_conflict(what, &slug, &users))
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

/// Rows as one JSON array, which a statement reads with `json_each`. A list of any length,
/// across a whole batch of roadmaps, is thus one statement: one trip to SQLite's thread
/// instead of one per item. A row names its roadmap by slug, and a child row its parent by
/// the parent's key (or a topic its group by position) within that roadmap.
pub(super) fn rows(items: impl IntoIterator<Item = serde_json::Value>) -> String {
    serde_json::Value::Array(items.into_iter().collect()).to_string()
}

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
/// ([`check_shared_facts`]), so a batch upserts one row per slug, not one per roadmap.
fn once_each<'a, T: 'a>(
    items: impl Iterator<Item = &'a T>,
    slug: impl Fn(&'a T) -> &'a Slug,
) -> impl Iterator<Item = &'a T> {
    let mut seen = HashSet::new();
    items.filter(move |item| seen.insert(slug(item)))
}

/// Inserts the roadmaps, new or just deleted, with all their lists.
async fn insert_roadmaps(
    conn: &mut SqliteConnection,
    roadmaps: &[&Roadmap],
) -> Result<(), StoreError> {
    insert_roadmap_rows(conn, roadmaps).await?;
    insert_sections(conn, roadmaps).await?;
    insert_learning_path(conn, roadmaps).await?;
    insert_certifications(conn, roadmaps).await?;
    insert_projects(conn, roadmaps).await?;
    insert_sources(conn, roadmaps).await?;
    super::search::index_roadmaps(conn, roadmaps).await
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
/// ([`check_shared_facts`]).
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
/// ([`check_shared_facts`]), and where each roadmap cites each.
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

/// The latest revision of each of these roadmaps that has one, by slug.
async fn latest_of(
    conn: &mut SqliteConnection,
    slugs: impl IntoIterator<Item = &Slug>,
) -> Result<HashMap<String, Latest>, StoreError> {
    let slugs = rows(slugs.into_iter().map(|s| json!(s.as_str())));
    let found = sqlx::query!(
        r#"select rv.roadmap, rv.number, rv.kind, rv.content_hash
         from (select value as slug from json_each(?1)) as wanted
         cross join revisions rv on rv.roadmap = wanted.slug
         where rv.number = (select max(number) from revisions where roadmap = wanted.slug)"#,
        slugs,
    )
    .fetch_all(&mut *conn)
    .await?;
    found
        .into_iter()
        .map(|r| {
            Ok((
                r.roadmap,
                Latest {
                    number: super::count(r.number, "revisions.number")?,
                    kind: r.kind.parse()?,
                    content_hash: r.content_hash,
                },
            ))
        })
        .collect()
}

async fn latest(conn: &mut SqliteConnection, slug: &Slug) -> Result<Option<Latest>, StoreError> {
    Ok(latest_of(conn, [slug]).await?.remove(slug.as_str()))
}

/// A revision to record.
struct Revision<'a> {
    slug: &'a Slug,
    number: u32,
    kind: ChangeKind,
    /// The document as written; none for a deletion.
    document: Option<&'a Snapshot>,
}

/// A roadmap's document text, as a revision stores it, with its content hash.
struct Snapshot {
    json: String,
    hash: String,
}

impl Snapshot {
    fn of(roadmap: &Roadmap) -> Result<Snapshot, StoreError> {
        let json = roadmap
            .to_json()
            .map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let hash = crate::domain::content_hash(json.as_bytes());
        Ok(Snapshot { json, hash })
    }
}

async fn record_revisions(
    conn: &mut SqliteConnection,
    author: &str,
    revisions: impl IntoIterator<Item = Revision<'_>>,
) -> Result<(), StoreError> {
    let revisions = rows(revisions.into_iter().map(|r| {
        json!({
            "roadmap": r.slug.as_str(),
            "number": r.number,
            "kind": r.kind.as_str(),
            "content_hash": r.document.map(|d| &d.hash),
            "document": r.document.map(|d| &d.json),
        })
    }));
    sqlx::query!(
        "insert into revisions (roadmap, number, kind, author, content_hash, document)
         select item.value ->> 'roadmap', item.value ->> 'number', item.value ->> 'kind', ?2,
                item.value ->> 'content_hash', item.value ->> 'document'
         from json_each(?1) as item",
        revisions,
        author,
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

async fn delete_roadmaps(
    conn: &mut SqliteConnection,
    slugs: impl IntoIterator<Item = &Slug>,
) -> Result<(), StoreError> {
    let slugs = rows(slugs.into_iter().map(|s| json!(s.as_str())));
    // Deleted explicitly (not by cascade) so that the triggers take them out of the index.
    sqlx::query!(
        "delete from search_documents where roadmap_id in
            (select r.id from json_each(?1) as item cross join roadmaps r on r.slug = item.value)",
        slugs
    )
    .execute(&mut *conn)
    .await?;
    sqlx::query!(
        "delete from roadmaps where slug in (select value from json_each(?1))",
        slugs
    )
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
