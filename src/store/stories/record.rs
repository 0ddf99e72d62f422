//! A submission as editors see it, read from its rows.

use serde::Serialize;
use sqlx::SqliteConnection;
use utoipa::ToSchema;

use crate::domain::{Moderation, Slug, StoryFields, StoryStatus};
use crate::store::StoreError;
use crate::store::columns::{count, json_column, parse_column};

/// A submission as editors see it (`GET /v1/stories/{id}`): the fields submitted (as
/// corrected), its moderation, and the contact email, which nothing public ever shows.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct StoryRecord {
    /// The submission's id.
    #[schema(example = "4f2a9c1e0b7d4e6a8c3b5d7f9a1c2e4b")]
    pub id: String,
    pub status: StoryStatus,
    /// The roadmap it was submitted to.
    pub roadmap: Slug,
    /// The key it has, or will have, in the roadmap's `transition_stories.items`.
    pub key: Slug,
    #[schema(required = true)]
    pub display_name: Option<String>,
    pub from_role: String,
    pub to_role: String,
    pub year: u16,
    pub story: String,
    pub links: Vec<String>,
    /// The address the person gave for the editors, if any.
    #[schema(required = true)]
    pub contact_email: Option<String>,
    pub verified: bool,
    /// Why it was rejected; null unless it is.
    #[schema(required = true)]
    pub reason: Option<String>,
    /// When it was submitted (RFC 3339, UTC).
    #[schema(format = DateTime)]
    pub submitted_at: String,
    /// When it was last moderated (RFC 3339, UTC).
    #[schema(format = DateTime)]
    pub updated_at: String,
    /// Every moderation write, oldest first: who, when, what.
    pub history: Vec<StoryEvent>,
}

/// One moderation write.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct StoryEvent {
    /// When (RFC 3339, UTC).
    #[schema(format = DateTime)]
    pub at: String,
    /// The name of the editor's token.
    pub by: String,
    /// What changed, e.g. `status: pending -> approved; verified`.
    pub action: String,
}

impl StoryRecord {
    pub fn fields(&self) -> StoryFields {
        StoryFields {
            display_name: self.display_name.clone(),
            from_role: self.from_role.clone(),
            to_role: self.to_role.clone(),
            year: self.year,
            story: self.story.clone(),
            links: self.links.clone(),
        }
    }

    pub(super) fn moderation(&self) -> Moderation {
        Moderation {
            status: self.status,
            reason: self.reason.clone(),
            verified: self.verified,
        }
    }

    /// The ETag of this submission's representation, which `If-Match` names.
    pub fn etag(&self) -> String {
        crate::domain::content_hash(&serde_json::to_vec(self).unwrap_or_default())
    }
}

/// The key of the published story of submission `id`: stable, and short enough to read.
fn key_of(id: &str) -> Result<Slug, StoreError> {
    let short: String = id.chars().take(12).collect();
    parse_column("story_submissions.id", &format!("story-{short}"))
}

pub(super) async fn record_by_id(
    conn: &mut SqliteConnection,
    id: &str,
) -> Result<Option<StoryRecord>, StoreError> {
    let Some(seq) = sqlx::query_scalar!("select seq from story_submissions where id = ?", id)
        .fetch_optional(&mut *conn)
        .await?
    else {
        return Ok(None);
    };
    record_by_seq(conn, seq).await
}

pub(super) async fn record_by_seq(
    conn: &mut SqliteConnection,
    seq: i64,
) -> Result<Option<StoryRecord>, StoreError> {
    let Some(row) = sqlx::query!(
        r#"select id, roadmap, status, reason, display_name, from_role, to_role, year, story,
                links, contact_email, verified as "verified: bool", submitted_at,
                updated_at
         from story_submissions where seq = ?"#,
        seq
    )
    .fetch_optional(&mut *conn)
    .await?
    else {
        return Ok(None);
    };
    let history = sqlx::query_as!(
        StoryEvent,
        r#"select at, author as by, action from story_events
         where submission_seq = ? order by rowid"#,
        seq
    )
    .fetch_all(&mut *conn)
    .await?;
    Ok(Some(StoryRecord {
        key: key_of(&row.id)?,
        id: row.id,
        status: parse_column("story_submissions.status", &row.status)?,
        roadmap: parse_column("story_submissions.roadmap", &row.roadmap)?,
        display_name: row.display_name,
        from_role: row.from_role,
        to_role: row.to_role,
        year: count(row.year, "story_submissions.year")?,
        story: row.story,
        links: json_column("story_submissions.links", &row.links)?,
        contact_email: row.contact_email,
        verified: row.verified,
        reason: row.reason,
        submitted_at: row.submitted_at,
        updated_at: row.updated_at,
        history,
    }))
}
