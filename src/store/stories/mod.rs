//! Story submissions and their moderation. A submission waits in `story_submissions`;
//! approving it writes it into its roadmap's `transition_stories` as a new revision of the
//! roadmap, in the same `BEGIN IMMEDIATE` transaction as the moderation itself, so that a
//! concurrent edit of the roadmap either comes first (and the story is added to it) or fails
//! its `If-Match`.

mod record;

use chrono::Utc;
use sqlx::SqliteConnection;

use super::columns::{json_column, to_json_column};
use super::read::tables::load_roadmap;
use super::write::{Precondition, write_all};
use super::{Store, StoreError};
use crate::domain::{
    Moderation, ModerationPatch, Slug, StoryFields, StoryStatus, Submission, TransitionStory,
};
pub use record::{StoryEvent, StoryRecord};
use record::{record_by_id, record_by_seq};

/// Why a submission was not taken.
#[derive(Debug, PartialEq, Eq)]
pub enum Refusal {
    /// There is no roadmap of that slug.
    NoRoadmap,
    /// The same story was submitted before.
    Duplicate,
    /// The moderation queue is full.
    QueueFull,
}

impl Store {
    /// Stores a submission as pending and returns its id, unless the roadmap does not exist,
    /// the story was submitted before, or `max_pending` submissions are already waiting.
    pub async fn submit_story(
        &self,
        roadmap: &Slug,
        submission: &Submission,
        max_pending: u32,
    ) -> Result<Result<String, Refusal>, StoreError> {
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        let slug = roadmap.as_str();
        let exists = sqlx::query_scalar!("select count(*) from roadmaps where slug = ?", slug)
            .fetch_one(&mut *tx)
            .await?;
        if exists == 0 {
            return Ok(Err(Refusal::NoRoadmap));
        }
        let pending =
            sqlx::query_scalar!("select count(*) from story_submissions where status = 'pending'")
                .fetch_one(&mut *tx)
                .await?;
        if pending >= i64::from(max_pending) {
            return Ok(Err(Refusal::QueueFull));
        }
        let fields = &submission.fields;
        let hash = fields.text_hash();
        let duplicate = sqlx::query_scalar!(
            "select count(*) from story_submissions where text_hash = ?",
            hash
        )
        .fetch_one(&mut *tx)
        .await?;
        if duplicate > 0 {
            return Ok(Err(Refusal::Duplicate));
        }
        let id = uuid::Uuid::new_v4().simple().to_string();
        let links = to_json_column(&fields.links);
        sqlx::query!(
            "insert into story_submissions
                (id, roadmap, status, display_name, from_role, to_role, year, story, links,
                 contact_email, text_hash)
             values (?, ?, 'pending', ?, ?, ?, ?, ?, ?, ?, ?)",
            id,
            slug,
            fields.display_name,
            fields.from_role,
            fields.to_role,
            fields.year,
            fields.story,
            links,
            submission.contact_email,
            hash,
        )
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(Ok(id))
    }

    /// Submissions in the moderation queue's order (oldest first), optionally of one status,
    /// after the one at `after` (a sequence number), at most `limit`; and the sequence number
    /// to continue after when there are more.
    pub async fn stories(
        &self,
        status: Option<StoryStatus>,
        after: i64,
        limit: u32,
    ) -> Result<(Vec<StoryRecord>, Option<i64>), StoreError> {
        let status = status.map(StoryStatus::as_str);
        let fetch = i64::from(limit) + 1;
        let mut conn = self.pool.acquire().await?;
        let seqs = sqlx::query_scalar!(
            "select seq from story_submissions
             where (?1 is null or status = ?1) and seq > ?2
             order by seq limit ?3",
            status,
            after,
            fetch,
        )
        .fetch_all(&mut *conn)
        .await?;
        let more = seqs.len() > limit as usize;
        let mut records = Vec::with_capacity(seqs.len());
        for seq in seqs.iter().take(limit as usize) {
            if let Some(record) = record_by_seq(&mut conn, *seq).await? {
                records.push(record);
            }
        }
        let next = more
            .then(|| seqs.get(limit as usize - 1).copied())
            .flatten();
        Ok((records, next))
    }

    /// One submission by id.
    pub async fn story(&self, id: &str) -> Result<Option<StoryRecord>, StoreError> {
        let mut conn = self.pool.acquire().await?;
        record_by_id(&mut conn, id).await
    }

    /// Applies an editor's patch if `precondition` holds on the submission's ETag version;
    /// approving publishes the story in its roadmap, leaving `approved` takes it out, and a
    /// correction of an approved story republishes it. `None` when there is no such
    /// submission.
    pub async fn moderate_story(
        &self,
        id: &str,
        patch: ModerationPatch,
        precondition: &Precondition,
        author: &str,
        this_year: u16,
    ) -> Result<Option<StoryRecord>, StoreError> {
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        let Some(before) = record_by_id(&mut tx, id).await? else {
            return Ok(None);
        };
        if !precondition.holds(Some(&before.etag())) {
            return Err(StoreError::PreconditionFailed);
        }
        let (fields, moderation) = patch
            .apply(&before.fields(), &before.moderation(), this_year)
            .map_err(StoreError::Invalid)?;
        let action = describe(&before, &fields, &moderation);
        if action.is_empty() {
            return Ok(Some(before));
        }
        let links = to_json_column(&fields.links);
        let status = moderation.status.as_str();
        sqlx::query!(
            "update story_submissions set status = ?, reason = ?, verified = ?,
                display_name = ?, from_role = ?, to_role = ?, year = ?, story = ?, links = ?,
                updated_at = strftime('%Y-%m-%dT%H:%M:%SZ', 'now')
             where id = ?",
            status,
            moderation.reason,
            moderation.verified,
            fields.display_name,
            fields.from_role,
            fields.to_role,
            fields.year,
            fields.story,
            links,
            id,
        )
        .execute(&mut *tx)
        .await?;
        let published = (moderation.status == StoryStatus::Approved)
            .then(|| fields.published(before.key.clone(), moderation.verified));
        let note = match (before.status, moderation.status) {
            (StoryStatus::Approved, StoryStatus::Approved) => "corrected",
            (_, StoryStatus::Approved) => "published",
            (StoryStatus::Approved, _) => "unpublished",
            _ => "",
        };
        if !note.is_empty() {
            publish(
                &mut tx,
                &before.roadmap,
                &before.key,
                published,
                author,
                note,
            )
            .await?;
        }
        sqlx::query!(
            "insert into story_events (submission_seq, author, action)
             select seq, ?, ? from story_submissions where id = ?",
            author,
            action,
            id,
        )
        .execute(&mut *tx)
        .await?;
        let after = record_by_id(&mut tx, id)
            .await?
            .ok_or_else(|| StoreError::Corrupt("a moderated story vanished".to_owned()))?;
        tx.commit().await?;
        self.wrote();
        Ok(Some(after))
    }

    /// Erases a submission and its personal data for good, whatever its status: a published
    /// story leaves its roadmap in a new revision, and the earlier revisions that held it
    /// lose it too. False when there is no such submission.
    pub async fn erase_story(
        &self,
        id: &str,
        precondition: &Precondition,
        author: &str,
    ) -> Result<bool, StoreError> {
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        let Some(record) = record_by_id(&mut tx, id).await? else {
            return Ok(false);
        };
        if !precondition.holds(Some(&record.etag())) {
            return Err(StoreError::PreconditionFailed);
        }
        if record.status == StoryStatus::Approved {
            publish(
                &mut tx,
                &record.roadmap,
                &record.key,
                None,
                author,
                "erased",
            )
            .await?;
        }
        scrub_history(&mut tx, &record.roadmap, &record.key).await?;
        sqlx::query!("delete from story_submissions where id = ?", id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        self.wrote();
        Ok(true)
    }
}

/// What a moderation write changed, for the audit: the names of the fields and the status
/// move, never the values (the audit outlives corrections of personal data).
fn describe(before: &StoryRecord, fields: &StoryFields, moderation: &Moderation) -> String {
    let mut changed = Vec::new();
    if moderation.status != before.status {
        changed.push(format!(
            "status: {} -> {}",
            before.status, moderation.status
        ));
    }
    if moderation.verified != before.verified {
        changed.push(
            if moderation.verified {
                "verified"
            } else {
                "unverified"
            }
            .to_owned(),
        );
    }
    if moderation.reason != before.reason {
        changed.push("reason".to_owned());
    }
    let old = before.fields();
    for (name, differs) in [
        ("display_name", fields.display_name != old.display_name),
        ("from_role", fields.from_role != old.from_role),
        ("to_role", fields.to_role != old.to_role),
        ("year", fields.year != old.year),
        ("story", fields.story != old.story),
        ("links", fields.links != old.links),
    ] {
        if differs {
            changed.push(format!("corrected {name}"));
        }
    }
    changed.join("; ")
}

/// Puts `story` (or, with `None`, no story) under `key` in the roadmap's stories and records
/// the result as the roadmap's next revision, noted with what happened to the story.
async fn publish(
    conn: &mut SqliteConnection,
    slug: &Slug,
    key: &Slug,
    story: Option<TransitionStory>,
    author: &str,
    what: &str,
) -> Result<(), StoreError> {
    let name = slug.as_str();
    // The roadmap may have been deleted since the story was submitted: then there is
    // nothing to publish into, and the moderation stands on its own.
    let Some(id) = sqlx::query_scalar!("select id from roadmaps where slug = ?", name)
        .fetch_optional(&mut *conn)
        .await?
    else {
        return Ok(());
    };
    let mut roadmap = load_roadmap(conn, id).await?;
    let items = &mut roadmap.transition_stories.items;
    match (items.iter().position(|s| &s.key == key), story) {
        (Some(at), Some(story)) => items[at] = story,
        (None, Some(story)) => items.push(story),
        (Some(at), None) => {
            items.remove(at);
        }
        (None, None) => return Ok(()),
    }
    let changes = write_all(conn, std::slice::from_ref(&roadmap), author, Utc::now()).await?;
    let note = format!("story `{key}` {what}");
    for change in changes.iter().filter(|c| c.kind.is_some()) {
        let number = i64::from(change.revision);
        sqlx::query!(
            "update revisions set note = ? where roadmap = ? and number = ?",
            note,
            name,
            number,
        )
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// Takes the story `key` out of every stored revision of the roadmap: an erased story must
/// not stay readable through `?rev=N`. The revisions' content hashes follow their documents.
async fn scrub_history(
    conn: &mut SqliteConnection,
    slug: &Slug,
    key: &Slug,
) -> Result<(), StoreError> {
    let name = slug.as_str();
    let key = key.as_str();
    let holding = sqlx::query!(
        r#"select rv.id as "id!", rv.document as "document!" from revisions rv
         where rv.roadmap = ? and rv.document is not null
           and exists (select 1 from json_each(rv.document, '$.transition_stories.items') item
                       where json_extract(item.value, '$.key') = ?)"#,
        name,
        key,
    )
    .fetch_all(&mut *conn)
    .await?;
    for row in holding {
        let mut roadmap: crate::domain::Roadmap = json_column("revisions.document", &row.document)?;
        roadmap
            .transition_stories
            .items
            .retain(|s| s.key.as_str() != key);
        let snapshot = super::write::Snapshot::of(&roadmap)?;
        let (document, hash) = snapshot.parts();
        sqlx::query!(
            "update revisions set document = ?, content_hash = ? where id = ?",
            document,
            hash,
            row.id,
        )
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}
