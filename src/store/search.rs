//! The full-text index: what of a roadmap is searchable, and the search itself.

use serde::Serialize;
use sqlx::SqliteConnection;
use utoipa::ToSchema;

use super::columns::parse_column;
use super::rows::insert_rows;
use super::{Store, StoreError};
use crate::domain::{Roadmap, Slug};

/// What a search hit is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum HitKind {
    Roadmap,
    Phase,
    Topic,
    Project,
    Certification,
    Source,
    Story,
}

impl HitKind {
    pub const ALL: [HitKind; 7] = [
        HitKind::Roadmap,
        HitKind::Phase,
        HitKind::Topic,
        HitKind::Project,
        HitKind::Certification,
        HitKind::Source,
        HitKind::Story,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            HitKind::Roadmap => "roadmap",
            HitKind::Phase => "phase",
            HitKind::Topic => "topic",
            HitKind::Project => "project",
            HitKind::Certification => "certification",
            HitKind::Source => "source",
            HitKind::Story => "story",
        }
    }
}

impl std::str::FromStr for HitKind {
    type Err = crate::domain::UnknownValue;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        HitKind::ALL
            .into_iter()
            .find(|kind| kind.as_str() == s)
            .ok_or_else(|| crate::domain::UnknownValue {
                expected: HitKind::ALL.map(HitKind::as_str).join(", "),
            })
    }
}

/// One search result.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SearchHit {
    #[serde(rename = "type")]
    pub kind: HitKind,
    /// The title of what matched (a topic's whole text).
    #[schema(example = "Hospital Readmission Prediction")]
    pub title: String,
    /// An excerpt around the match, as HTML: the text is escaped and each matching term is
    /// wrapped in `<mark>`...`</mark>`, so it can be inserted into a page as it is.
    #[schema(example = "Build complete ML pipeline <mark>predicting</mark> 30-day readmission…")]
    pub snippet: String,
    /// The API URL of the resource the hit stands for.
    #[schema(example = "/v1/roadmaps/healthcare-ai-ml-engineer/projects/1")]
    pub url: String,
    /// The roadmap the hit belongs to.
    pub roadmap: Slug,
}

/// A document for the index.
struct Entry {
    kind: HitKind,
    ref_slug: Option<String>,
    title: String,
    body: String,
    url: String,
}

/// Everything of `r` that search finds, each with the URL of the resource it stands for.
fn entries(r: &Roadmap) -> Vec<Entry> {
    let base = format!("/v1/roadmaps/{}", r.slug);
    let entry = |kind, ref_slug: Option<&Slug>, title: &str, body: Vec<&str>, url: String| Entry {
        kind,
        ref_slug: ref_slug.map(ToString::to_string),
        title: title.to_owned(),
        body: body.join(" · "),
        url,
    };
    let mut out = vec![entry(
        HitKind::Roadmap,
        None,
        &r.title,
        vec![
            &r.role,
            &r.summary,
            &r.best_suited_for,
            &r.key_differentiator,
            &r.demand.detail,
        ],
        base.clone(),
    )];
    for phase in &r.learning_path.phases {
        let url = format!("{base}/phases/{}", phase.number);
        let mut body: Vec<&str> = vec![&phase.checkpoint];
        body.extend(phase.topic_groups.iter().filter_map(|g| g.title.as_deref()));
        for track in &phase.tracks {
            body.push(&track.title);
            body.extend(
                track
                    .focus
                    .iter()
                    .chain(&track.datasets)
                    .chain(&track.tools)
                    .map(String::as_str),
            );
        }
        out.push(entry(HitKind::Phase, None, &phase.title, body, url.clone()));
        for group in &phase.topic_groups {
            for topic in &group.topics {
                let context = vec![group.title.as_deref().unwrap_or(&group.label), &phase.title];
                out.push(entry(
                    HitKind::Topic,
                    None,
                    &topic.text,
                    context,
                    url.clone(),
                ));
            }
        }
    }
    for project in &r.projects {
        let mut body: Vec<&str> = vec![&project.description, &project.clinical_advantage];
        body.extend(
            project
                .stack
                .iter()
                .chain(&project.datasets)
                .map(String::as_str),
        );
        out.push(entry(
            HitKind::Project,
            None,
            &project.title,
            body,
            format!("{base}/projects/{}", project.number),
        ));
    }
    for rating in &r.certifications.items {
        let c = &rating.certification;
        let mut body: Vec<&str> = vec![&rating.note, &c.cost.text];
        body.extend(rating.timeline_text.as_deref());
        out.push(entry(
            HitKind::Certification,
            Some(&c.slug),
            &c.name,
            body,
            format!("/v1/certifications/{}", c.slug),
        ));
    }
    for story in &r.transition_stories.items {
        let title = format!("{} to {} ({})", story.from_role, story.to_role, story.year);
        let mut body = vec![story.story.as_str()];
        body.extend(story.display_name.as_deref());
        out.push(Entry {
            kind: HitKind::Story,
            ref_slug: None,
            title,
            body: body.join(" · "),
            url: format!("{base}/stories/{}", story.key),
        });
    }
    for source in &r.sources.items {
        let body = vec![source.kind.as_str()];
        out.push(entry(
            HitKind::Source,
            Some(&source.slug),
            &source.title,
            body,
            format!("/v1/sources/{}", source.slug),
        ));
    }
    out
}

/// Writes the index entries of freshly inserted roadmaps, each given with its row's id.
pub(super) async fn index_roadmaps(
    conn: &mut SqliteConnection,
    roadmaps: &[(i64, &Roadmap)],
) -> Result<(), StoreError> {
    let entries = roadmaps
        .iter()
        .flat_map(|&(roadmap_id, r)| entries(r).into_iter().map(move |e| (roadmap_id, e)));
    insert_rows!(conn, "search_documents", entries, |(roadmap_id, e)| {
        roadmap_id,
        kind: e.kind.as_str(),
        ref_slug: e.ref_slug,
        title: e.title,
        body: e.body,
        url: e.url,
    })
    .await
}

/// Marks the matched terms in a snippet. SQLite brackets them with these control characters,
/// which no document can hold (validation refuses them), so every marker is SQLite's; the
/// rest of the text is HTML-escaped before they become `<mark>` tags.
const OPEN: char = '\u{2}';
const CLOSE: char = '\u{3}';

fn mark(snippet: &str) -> String {
    let mut html = String::with_capacity(snippet.len() + 32);
    for ch in snippet.chars() {
        match ch {
            OPEN => html.push_str("<mark>"),
            CLOSE => html.push_str("</mark>"),
            '&' => html.push_str("&amp;"),
            '<' => html.push_str("&lt;"),
            '>' => html.push_str("&gt;"),
            '"' => html.push_str("&quot;"),
            '\'' => html.push_str("&#39;"),
            other => html.push(other),
        }
    }
    html
}

/// A search: an FTS5 query (already quoted by the caller), filters, and a page position.
#[derive(Debug, Clone)]
pub struct SearchQuery {
    pub fts: String,
    pub kind: Option<HitKind>,
    pub roadmap: Option<Slug>,
    pub limit: u32,
    pub offset: u32,
    /// The content version the client's cursor was made for, if it has one.
    pub version: Option<i64>,
}

/// A page of hits and the content version it was ranked in.
pub struct SearchPage {
    pub hits: Vec<SearchHit>,
    pub more: bool,
    pub version: i64,
}

impl Store {
    /// Ranks matches by bm25 (title weighted above text). Fails with `StaleSearch` when the
    /// content changed since the cursor's page, and `BadSearch` when SQLite rejects the query.
    pub async fn search(&self, q: &SearchQuery) -> Result<SearchPage, StoreError> {
        let mut tx = self.pool.begin().await?;
        let version = content_version(&mut tx).await?;
        if q.version.is_some_and(|v| v != version) {
            return Err(StoreError::StaleSearch);
        }
        let kind = q.kind.map(HitKind::as_str);
        let roadmap = q.roadmap.as_ref().map(Slug::as_str);
        let fetch = i64::from(q.limit) + 1;
        let open = OPEN.to_string();
        let close = CLOSE.to_string();
        let rows = sqlx::query!(
            r#"select d.kind, d.title, d.url, r.slug as "roadmap!: String",
                      snippet(search_index, -1, ?1, ?2, '…', 16) as "snippet!: String"
               from search_index
               join search_documents d on d.id = search_index.rowid
               join roadmaps r on r.id = d.roadmap_id
               where search_index match ?3
                 and (?4 is null or d.kind = ?4)
                 and (?5 is null or r.slug = ?5)
               order by bm25(search_index, 5.0, 1.0), d.id
               limit ?6 offset ?7"#,
            open,
            close,
            q.fts,
            kind,
            roadmap,
            fetch,
            q.offset,
        )
        .fetch_all(&mut *tx)
        .await
        .map_err(search_error)?;
        let more = rows.len() as i64 == fetch;
        let hits = rows
            .into_iter()
            .take(q.limit as usize)
            .map(|row| {
                Ok(SearchHit {
                    kind: parse_column("search_documents.kind", &row.kind)?,
                    title: row.title,
                    snippet: mark(&row.snippet),
                    url: row.url,
                    roadmap: parse_column("roadmaps.slug", &row.roadmap)?,
                })
            })
            .collect::<Result<_, StoreError>>()?;
        tx.commit().await?;
        Ok(SearchPage {
            hits,
            more,
            version,
        })
    }
}

/// SQLite's word on a full-text query it cannot run is the client's problem, not ours.
pub(super) fn search_error(error: sqlx::Error) -> StoreError {
    match error {
        sqlx::Error::Database(db)
            if db.message().contains("fts5") || db.message().contains("MATCH") =>
        {
            StoreError::BadSearch(db.message().to_owned())
        }
        other => StoreError::Database(other),
    }
}

impl Store {
    /// The version of all content, bumped by every write: what a streamed export checks
    /// between its parts, so that it never mixes two versions.
    pub async fn content_version(&self) -> Result<i64, StoreError> {
        let mut conn = self.pool.acquire().await?;
        content_version(&mut conn).await
    }
}

/// The version of all content, bumped by every write.
pub(super) async fn content_version(conn: &mut SqliteConnection) -> Result<i64, StoreError> {
    let value = sqlx::query_scalar!("select value from meta where name = 'content_version'")
        .fetch_optional(&mut *conn)
        .await?
        .unwrap_or_else(|| "0".to_owned());
    parse_column("meta.content_version", &value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snippets_are_escaped_html_with_marks() {
        assert_eq!(
            mark("a <b> & \u{2}predict\u{3}ion \u{E000}x\u{E001}"),
            "a &lt;b&gt; &amp; <mark>predict</mark>ion \u{E000}x\u{E001}"
        );
    }
}
