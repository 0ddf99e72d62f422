//! Writing roadmap documents: each write is one `BEGIN IMMEDIATE` transaction in which a
//! document replaces the stored roadmap of its slug and becomes its newest revision.
//!
//! Invariant: the newest revision of every roadmap in `roadmaps` holds the very document that
//! its rows hold, so that `Store::roadmap` can read that one column instead of the rows.
//! - A write stores the rows and the revision of a document in the same transaction; a
//!   document equal to the stored one writes neither.
//! - No write changes the facts of a certification or source that a roadmap it does not
//!   rewrite lists ([`check_shared_facts`]), so the rows shared with other roadmaps keep
//!   matching their documents.
//! - A deletion removes the rows with the revision that has no document.
//! - [`Store::backfill_revisions`] makes the first revision of a roadmap from its rows.
//! - Rows read back as the document they were written from when its numbers follow its list
//!   order, which `Roadmap::parse` requires of every document the service accepts.

mod changes;
mod insert;
mod revisions;
mod shared;

use std::collections::HashSet;

use chrono::{DateTime, Utc};
use sqlx::SqliteConnection;

pub use changes::{Change, ChangeKind, Precondition};
use insert::insert_roadmaps;
pub(super) use revisions::Snapshot;
use revisions::{Latest, Revision, latest, latest_of, record_revisions};
use shared::check_shared_facts;

use super::columns::{parse_column, to_json_column};
use super::read::tables::load_roadmap;
use super::{Store, StoreError};
use crate::domain::{Roadmap, Slug};

impl Store {
    /// Stores every document in one `BEGIN IMMEDIATE` transaction: all of them or, on any
    /// error, none. A document replaces the roadmap with its slug, if there is one; each
    /// changed roadmap gets a new revision by `author`, published at `published_at`. With
    /// `dry_run`, everything is checked and then rolled back.
    pub async fn import(
        &self,
        roadmaps: &[Roadmap],
        author: &str,
        published_at: DateTime<Utc>,
        dry_run: bool,
    ) -> Result<Vec<Change>, StoreError> {
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        let changes = write_all(&mut tx, roadmaps, author, published_at).await?;
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
        let change = write_all(&mut tx, std::slice::from_ref(roadmap), author, Utc::now())
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
        record_revisions(&mut tx, author, Utc::now(), [deletion]).await?;
        bump_content_version(&mut tx).await?;
        tx.commit().await?;
        self.wrote();
        Ok(Some(Change {
            roadmap: slug.clone(),
            kind: Some(ChangeKind::Deleted),
            revision,
        }))
    }

    /// Loads `roadmaps`, published at `published_at`, unless this database was seeded before:
    /// what `serve` does on a new database. The marker is written in the same transaction, so
    /// a failed first load is retried in full. Returns whether it loaded them.
    ///
    /// The time is the content's own (when it last changed), never the time of the load: two
    /// databases filled with the same content at different times hold the same dates, so
    /// their servers give the same bytes and ETags.
    pub async fn seed(
        &self,
        roadmaps: &[Roadmap],
        published_at: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        let seeded = sqlx::query_scalar!("select value from meta where name = 'seeded'")
            .fetch_optional(&mut *tx)
            .await?;
        if seeded.is_some() {
            return Ok(false);
        }
        write_all(
            &mut tx,
            roadmaps,
            crate::domain::token::BUNDLED_AUTHOR,
            published_at,
        )
        .await?;
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
        let missing = sqlx::query!(
            "select id, slug, updated_at from roadmaps
             where slug not in (select roadmap from revisions) order by slug"
        )
        .fetch_all(&mut *tx)
        .await?;
        for row in missing {
            let slug: Slug = parse_column("roadmaps.slug", &row.slug)?;
            // The rows are all there is of such a roadmap: its revision is made from them.
            let roadmap = load_roadmap(&mut tx, row.id).await?;
            let snapshot = Snapshot::of(&roadmap)?;
            let first = Revision {
                slug: &slug,
                number: 1,
                kind: ChangeKind::Created,
                document: Some(&snapshot),
            };
            // Published when the roadmap was last written: the revision adds no date of its own.
            let published_at = DateTime::parse_from_rfc3339(&row.updated_at)
                .map_err(|e| StoreError::Corrupt(format!("roadmaps.updated_at: {e}")))?
                .to_utc();
            record_revisions(&mut tx, "migration", published_at, [first]).await?;
        }
        tx.commit().await?;
        Ok(())
    }
}

/// Roadmaps written per round of statements: each list of a whole batch takes one statement
/// or a few (see `insert_rows!`), so an import of thousands of roadmaps makes a few thousand
/// trips to SQLite's thread, not hundreds of thousands.
const BATCH: usize = 100;

/// A roadmap to be written, with its document text and the revision it becomes.
struct Pending<'a> {
    roadmap: &'a Roadmap,
    snapshot: Snapshot,
    revision: u32,
    kind: ChangeKind,
}

/// Writes each document that differs from the stored roadmap, with a revision each,
/// published at `published_at`.
pub(super) async fn write_all(
    conn: &mut SqliteConnection,
    roadmaps: &[Roadmap],
    author: &str,
    published_at: DateTime<Utc>,
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
        insert_roadmaps(conn, &replaced, published_at).await?;
        let revisions = pending.iter().map(|p| Revision {
            slug: &p.roadmap.slug,
            number: p.revision,
            kind: p.kind,
            document: Some(&p.snapshot),
        });
        record_revisions(conn, author, published_at, revisions).await?;
    }
    if changes.iter().any(|c| c.kind.is_some()) {
        delete_orphans(conn).await?;
        bump_content_version(conn).await?;
    }
    Ok(changes)
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
    let slugs = to_json_column(&slugs.into_iter().collect::<Vec<_>>());
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
