//! Reading published revisions and the change feed, and the admin tokens.

use serde::Serialize;
use utoipa::ToSchema;

use super::columns::{count, json_column, parse_column};
use super::write::ChangeKind;
use super::{Store, StoreError};
use crate::domain::{Roadmap, Slug};

/// A published revision of a roadmap.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct RevisionInfo {
    /// From 1, one more with every change.
    #[schema(minimum = 1, example = 2)]
    pub number: u32,
    pub kind: ChangeKind,
    /// When it was published (RFC 3339, UTC).
    #[schema(format = DateTime, example = "2026-11-28T06:00:00.000Z")]
    pub published_at: String,
    /// The name of the token that wrote it (`cli` for imports, `bundled` for the shipped content).
    #[schema(example = "editor-alice")]
    pub author: String,
    /// What a moderation write did, when one made this revision (`story `story-4f2a9c1e0b7d`
    /// published`); null for an ordinary write.
    #[schema(required = true, example = "story `story-4f2a9c1e0b7d` published")]
    pub note: Option<String>,
    /// The ETag of `GET /v1/roadmaps/{slug}?rev={number}` (without quotes); null for a deletion.
    #[schema(required = true)]
    pub content_hash: Option<String>,
}

/// An entry of the change feed.
#[derive(Debug, Clone, PartialEq)]
pub struct ChangeEntry {
    /// The feed position, increasing with every change.
    pub id: i64,
    pub roadmap: Slug,
    pub revision: RevisionInfo,
}

impl Store {
    /// Every revision of a roadmap, oldest first; empty when it never existed.
    pub async fn revisions(&self, slug: &Slug) -> Result<Vec<RevisionInfo>, StoreError> {
        let slug = slug.as_str();
        sqlx::query!(
            "select number, kind, created_at, author, note, content_hash from revisions
             where roadmap = ? order by number",
            slug
        )
        .fetch_all(&self.pool)
        .await?
        .into_iter()
        .map(|r| {
            Ok(RevisionInfo {
                number: count(r.number, "revisions.number")?,
                kind: r.kind.parse()?,
                published_at: r.created_at,
                author: r.author,
                note: r.note,
                content_hash: r.content_hash,
            })
        })
        .collect()
    }

    /// The document of a revision exactly as published; `None` when there is no such revision
    /// or it is a deletion.
    pub async fn revision(&self, slug: &Slug, number: u32) -> Result<Option<Roadmap>, StoreError> {
        let slug = slug.as_str();
        let document = sqlx::query_scalar!(
            "select document from revisions where roadmap = ? and number = ?",
            slug,
            number
        )
        .fetch_optional(&self.pool)
        .await?
        .flatten();
        document
            .map(|text| json_column("revisions.document", &text))
            .transpose()
    }

    /// Changes newest first, before feed position `before`, and whether older ones follow.
    pub async fn changes(
        &self,
        before: Option<i64>,
        limit: u32,
    ) -> Result<(Vec<ChangeEntry>, bool), StoreError> {
        let fetch = i64::from(limit) + 1;
        let rows = sqlx::query!(
            "select id, roadmap, number, kind, created_at, author, note, content_hash from revisions
             where (?1 is null or id < ?1) order by id desc limit ?2",
            before,
            fetch,
        )
        .fetch_all(&self.pool)
        .await?;
        let more = rows.len() as i64 == fetch;
        let entries = rows
            .into_iter()
            .take(limit as usize)
            .map(|r| {
                Ok(ChangeEntry {
                    id: r.id,
                    roadmap: parse_column("revisions.roadmap", &r.roadmap)?,
                    revision: RevisionInfo {
                        number: count(r.number, "revisions.number")?,
                        kind: r.kind.parse()?,
                        published_at: r.created_at,
                        author: r.author,
                        note: r.note,
                        content_hash: r.content_hash,
                    },
                })
            })
            .collect::<Result<_, StoreError>>()?;
        Ok((entries, more))
    }

    /// Stores a token's hash under a new name.
    pub async fn create_token(&self, name: &Slug, hash: &str) -> Result<(), StoreError> {
        let name = name.as_str();
        sqlx::query!("insert into tokens (name, hash) values (?, ?)", name, hash)
            .execute(&self.pool)
            .await
            .map_err(|e| match e {
                sqlx::Error::Database(db) if db.is_unique_violation() => {
                    StoreError::Conflict(format!("a token named `{name}` exists; revoke it first"))
                }
                other => StoreError::Database(other),
            })?;
        Ok(())
    }

    /// Every token's name and creation time.
    pub async fn tokens(&self) -> Result<Vec<(String, String)>, StoreError> {
        Ok(
            sqlx::query!("select name, created_at from tokens order by name")
                .fetch_all(&self.pool)
                .await?
                .into_iter()
                .map(|t| (t.name, t.created_at))
                .collect(),
        )
    }

    /// Every token's name and hash, for checking a presented token.
    pub async fn token_hashes(&self) -> Result<Vec<(String, String)>, StoreError> {
        Ok(sqlx::query!("select name, hash from tokens")
            .fetch_all(&self.pool)
            .await?
            .into_iter()
            .map(|t| (t.name, t.hash))
            .collect())
    }

    /// Removes a token; false when there was none of that name.
    pub async fn revoke_token(&self, name: &Slug) -> Result<bool, StoreError> {
        let name = name.as_str();
        let done = sqlx::query!("delete from tokens where name = ?", name)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() > 0)
    }
}
