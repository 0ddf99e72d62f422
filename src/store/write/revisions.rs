//! Recording revisions: every published state of a roadmap, with the document exactly as
//! written, and the latest revision that a write's precondition and numbering start from.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sqlx::SqliteConnection;

use super::ChangeKind;
use crate::domain::{Roadmap, Slug};
use crate::store::StoreError;
use crate::store::columns::{count, to_json_column};
use crate::store::rows::insert_rows;

/// The latest revision of a roadmap.
pub(super) struct Latest {
    pub number: u32,
    pub kind: ChangeKind,
    pub content_hash: Option<String>,
}

impl Latest {
    /// The content hash of the roadmap as it stands, unless its latest revision deleted it.
    pub(super) fn live_hash(&self) -> Option<String> {
        (self.kind != ChangeKind::Deleted)
            .then(|| self.content_hash.clone())
            .flatten()
    }
}

/// The latest revision of each of these roadmaps that has one, by slug.
pub(super) async fn latest_of(
    conn: &mut SqliteConnection,
    slugs: impl IntoIterator<Item = &Slug>,
) -> Result<HashMap<String, Latest>, StoreError> {
    let slugs = to_json_column(&slugs.into_iter().collect::<Vec<_>>());
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
                    number: count(r.number, "revisions.number")?,
                    kind: r.kind.parse()?,
                    content_hash: r.content_hash,
                },
            ))
        })
        .collect()
}

pub(super) async fn latest(
    conn: &mut SqliteConnection,
    slug: &Slug,
) -> Result<Option<Latest>, StoreError> {
    Ok(latest_of(conn, [slug]).await?.remove(slug.as_str()))
}

/// A revision to record.
pub(super) struct Revision<'a> {
    pub slug: &'a Slug,
    pub number: u32,
    pub kind: ChangeKind,
    /// The document as written; none for a deletion.
    pub document: Option<&'a Snapshot>,
}

/// A roadmap's document text, as a revision stores it, with its content hash.
pub(in crate::store) struct Snapshot {
    json: String,
    pub hash: String,
}

impl Snapshot {
    pub(in crate::store) fn of(roadmap: &Roadmap) -> Result<Snapshot, StoreError> {
        let json = roadmap
            .to_json()
            .map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let hash = crate::domain::content_hash(json.as_bytes());
        Ok(Snapshot { json, hash })
    }

    /// The document text and its hash.
    pub(in crate::store) fn parts(&self) -> (&str, &str) {
        (&self.json, &self.hash)
    }
}

pub(super) async fn record_revisions(
    conn: &mut SqliteConnection,
    author: &str,
    published_at: DateTime<Utc>,
    revisions: impl IntoIterator<Item = Revision<'_>>,
) -> Result<(), StoreError> {
    // As the column's default wrote it (RFC 3339, UTC, milliseconds); the time is the
    // caller's, so that a fill of bundled content records the content's own time.
    let created_at = published_at.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string();
    insert_rows!(conn, "revisions", revisions, |r| {
        roadmap: r.slug.as_str(),
        number: r.number,
        kind: r.kind.as_str(),
        created_at: &created_at,
        author,
        content_hash: r.document.map(|d| d.hash.as_str()),
        document: r.document.map(|d| d.json.as_str()),
    })
    .await
}
