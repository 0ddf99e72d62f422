//! Published history: a roadmap's revisions, and the change feed across all roadmaps.

use actix_web::web::{Data, Path};
use actix_web::{HttpRequest, HttpResponse, get};
use atom_syndication::{Entry, Feed, FixedDateTime, Link};
use serde::Deserialize;
use serde_json::json;
use utoipa::IntoParams;

use super::lists;
use super::{
    AppState, BadParameter, InternalError, NotAcceptable, NotFound, NotModified, path_slug,
};
use crate::domain::Slug;
use crate::http::formats::{CsvRows, FormatParam, Offered, cell};
use crate::http::query::Query;
use crate::http::{ApiError, Cursor, Format, Limit, ListFormat, representation};
use crate::store::{ChangeEntry, ChangeKind, RevisionInfo};

impl CsvRows for RevisionInfo {
    const HEADER: &'static [&'static str] =
        &["number", "kind", "published_at", "author", "content_hash"];

    fn rows(&self) -> Vec<Vec<String>> {
        vec![vec![
            self.number.to_string(),
            self.kind.as_str().to_owned(),
            self.published_at.clone(),
            self.author.clone(),
            cell(self.content_hash.as_ref()),
        ]]
    }
}

/// How to list a roadmap's revisions.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RevisionsQuery {
    /// `json`, `csv` or `ndjson`.
    #[serde(default)]
    #[param(inline)]
    pub format: ListFormat,
}

/// Lists every published revision of a roadmap, oldest first. Each one can be read as it was
/// published with `?rev={number}` on the roadmap and on its sub-resources, and is cacheable
/// for good.
#[utoipa::path(
    tag = "roadmaps",
    params(
        ("slug" = Slug, Path, description = "The roadmap's slug.", example = "healthcare-ai-ml-engineer"),
        RevisionsQuery,
    ),
    responses(
        (status = 200, description = "The revisions (never paged: `next_cursor` is null).",
         content(
            (crate::http::Page<RevisionInfo> = "application/json"),
            (String = "text/csv"),
            (String = "application/x-ndjson"),
         ),
         headers(("ETag" = String, description = "Strong validator of this representation."))),
        NotModified, BadParameter, NotFound, NotAcceptable, InternalError,
    )
)]
#[get("/v1/roadmaps/{slug}/revisions")]
pub async fn list_revisions(
    req: HttpRequest,
    state: Data<AppState>,
    slug: Path<String>,
    Query(query): Query<RevisionsQuery>,
) -> Result<HttpResponse, ApiError> {
    let format = query.format.negotiate(&req)?;
    let slug = path_slug(&slug, "roadmap")?;
    let revisions = state.store.revisions(&slug).await?;
    if revisions.is_empty() {
        return Err(ApiError::not_found(format!("there is no roadmap `{slug}`")));
    }
    lists::respond(&req, state.content_cache(), &state, format, revisions, None)
}

/// The change feed as a JSON Feed, or as Atom.
#[derive(Debug, Clone, Copy)]
pub enum FeedFormats {}

impl Offered for FeedFormats {
    const FORMATS: &'static [Format] = &[Format::JsonFeed, Format::Atom];
}

/// Paging of the change feed.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ChangesQuery {
    /// Entries per page, 1 to 100 (default 20).
    #[serde(default)]
    #[param(inline)]
    pub limit: Limit,
    /// From the feed's `next_url` (JSON Feed) or `rel="next"` link (Atom).
    #[param(inline)]
    #[serde(default, deserialize_with = "Cursor::optional")]
    pub cursor: Option<Cursor>,
    /// `json` (JSON Feed) or `atom`, for tools that cannot set `Accept`.
    #[serde(default)]
    #[param(inline)]
    pub format: FeedFormat,
}

/// `?format=` of the change feed.
pub type FeedFormat = FormatParam<FeedFormats>;

fn entry_url(state: &AppState, req: &HttpRequest, change: &ChangeEntry) -> String {
    let path = match change.revision.kind {
        ChangeKind::Deleted => format!("/v1/roadmaps/{}/revisions", change.roadmap),
        _ => format!(
            "/v1/roadmaps/{}?rev={}",
            change.roadmap, change.revision.number
        ),
    };
    state.absolute(req, &path)
}

/// What an entry says happened, with the note of a moderation write.
fn content_text(change: &ChangeEntry) -> String {
    let revision = &change.revision;
    let mut text = format!(
        "Revision {} of {} was {} by {}",
        revision.number,
        change.roadmap,
        revision.kind.as_str(),
        revision.author
    );
    if let Some(note) = &revision.note {
        text.push_str(": ");
        text.push_str(note);
    }
    text.push('.');
    text
}

fn entry_title(change: &ChangeEntry) -> String {
    format!(
        "{} {} (revision {})",
        change.roadmap,
        change.revision.kind.as_str(),
        change.revision.number
    )
}

/// What changed, newest first: every creation, update and deletion of a roadmap.
///
/// A JSON Feed 1.1 by default (our fields under `_roadmap_api` in each item), or Atom 1.0
/// with `Accept: application/atom+xml`. It carries an ETag, so polling it costs a 304 until
/// something changes; older entries are behind `next_url`.
#[utoipa::path(
    tag = "changes",
    params(ChangesQuery),
    responses(
        (status = 200, description = "A page of the feed.",
         content(
            (Object = "application/feed+json", example = json!({
                "version": "https://jsonfeed.org/version/1.1",
                "title": "roadmap-api: what changed",
                "items": [{"id": "urn:roadmap-api:healthcare-ai-ml-engineer:2",
                           "url": "http://127.0.0.1:8080/v1/roadmaps/healthcare-ai-ml-engineer?rev=2",
                           "title": "healthcare-ai-ml-engineer updated (revision 2)",
                           "date_published": "2026-11-28T06:00:00.000Z",
                           "_roadmap_api": {"roadmap": "healthcare-ai-ml-engineer", "revision": 2, "kind": "updated"}}]
            })),
            (String = "application/atom+xml"),
         ),
         headers(("ETag" = String, description = "Strong validator of this representation."))),
        NotModified, BadParameter, NotAcceptable, InternalError,
    )
)]
#[get("/v1/changes")]
pub async fn change_feed(
    req: HttpRequest,
    state: Data<AppState>,
    Query(query): Query<ChangesQuery>,
) -> Result<HttpResponse, ApiError> {
    let format = query.format.negotiate(&req)?;
    let limit = query.limit.get();
    let before = query.cursor.map(|c| c.key::<i64>("changes")).transpose()?;
    let (entries, more) = state.store.changes(before, limit).await?;
    let next_url = more
        .then(|| {
            entries
                .last()
                .map(|last| Cursor::encode("changes", last.id))
        })
        .flatten()
        .map(|cursor| state.absolute(&req, &format!("/v1/changes?limit={limit}&cursor={cursor}")));
    let feed_url = state.absolute(&req, "/v1/changes");
    let cache = state.content_cache();
    if format == Format::Atom {
        let body = atom(&state, &req, &entries, &feed_url, next_url.as_deref())?;
        return representation::bytes(&req, body, "application/atom+xml; charset=utf-8", cache);
    }
    let items: Vec<_> = entries
        .iter()
        .map(|change| {
            json!({
                "id": format!("urn:roadmap-api:{}:{}", change.roadmap, change.revision.number),
                "url": entry_url(&state, &req, change),
                "title": entry_title(change),
                "content_text": content_text(change),
                "date_published": change.revision.published_at,
                "_roadmap_api": {
                    "roadmap": change.roadmap,
                    "revision": change.revision.number,
                    "kind": change.revision.kind,
                    "content_hash": change.revision.content_hash,
                },
            })
        })
        .collect();
    let mut feed = json!({
        "version": "https://jsonfeed.org/version/1.1",
        "title": "roadmap-api: what changed",
        "home_page_url": state.absolute(&req, "/v1/roadmaps"),
        "feed_url": feed_url,
        "items": items,
    });
    if let Some(next) = next_url {
        feed["next_url"] = json!(next);
    }
    let body = serde_json::to_vec(&feed)
        .map_err(|e| ApiError::Internal(format!("writing the feed: {e}")))?;
    representation::bytes(&req, body, "application/feed+json", cache)
}

fn timestamp(text: &str) -> Result<FixedDateTime, ApiError> {
    FixedDateTime::parse_from_rfc3339(text)
        .map_err(|e| ApiError::Internal(format!("a stored time `{text}`: {e}")))
}

fn link(href: String, rel: &str) -> Link {
    let mut link = Link::default();
    link.set_href(href);
    link.set_rel(rel);
    link
}

fn atom(
    state: &AppState,
    req: &HttpRequest,
    changes: &[ChangeEntry],
    feed_url: &str,
    next_url: Option<&str>,
) -> Result<Vec<u8>, ApiError> {
    let mut entries = Vec::with_capacity(changes.len());
    for change in changes {
        let mut entry = Entry::default();
        entry.set_id(format!(
            "urn:roadmap-api:{}:{}",
            change.roadmap, change.revision.number
        ));
        entry.set_title(entry_title(change));
        entry.set_updated(timestamp(&change.revision.published_at)?);
        entry.set_links(vec![link(entry_url(state, req, change), "alternate")]);
        entry.set_summary(Some(content_text(change).into()));
        entries.push(entry);
    }
    let mut feed = Feed::default();
    feed.set_id("urn:roadmap-api:changes");
    feed.set_title("roadmap-api: what changed");
    // An empty feed still needs a time: the epoch says "nothing yet".
    let updated = changes
        .first()
        .map(|c| timestamp(&c.revision.published_at))
        .transpose()?;
    feed.set_updated(updated.unwrap_or_default());
    let mut links = vec![link(feed_url.to_owned(), "self")];
    links.extend(next_url.map(|next| link(next.to_owned(), "next")));
    feed.set_links(links);
    feed.set_entries(entries);
    feed.write_to(Vec::new())
        .map_err(|e| ApiError::Internal(format!("writing the Atom feed: {e}")))
}
