//! Queries across the whole collection: certifications, projects and sources of every
//! roadmap, filtered and paged by keyset.

use super::columns::{count, optional_range, parse_column};
use super::read::tables::{load_certification, load_projects};
use super::search::search_error;
use super::{Store, StoreError};
use crate::domain::*;

// The list queries are plain statements rather than `query!` macros so that a test can ask
// SQLite for their plans (every filter must be served by an index). Each optional filter is
// `(?n is null or ...)`, with the filter's own index inside the subquery.

/// Certification ids by tier, roadmap, price and text, in slug order after a position.
pub(crate) const CERTIFICATIONS_SQL: &str = "
    select c.id from certifications c
    where (?1 is null or c.id in (
             select rc.certification_id from roadmap_certifications rc
             where rc.tier = ?1
               and (?2 is null or rc.roadmap_id = (select id from roadmaps where slug = ?2))))
      and (?2 is null or c.id in (
             select rc.certification_id from roadmap_certifications rc
             where rc.roadmap_id = (select id from roadmaps where slug = ?2)))
      and (?3 is null or c.cost_amount_usd <= ?3)
      and (?4 is null or c.slug in (
             select d.ref_slug from search_index
             join search_documents d on d.id = search_index.rowid
             where search_index match ?4 and d.kind = 'certification'))
      and (?5 is null or c.slug > ?5)
    order by c.slug
    limit ?6";

/// Projects (roadmap id, roadmap slug, number) by stack, dataset, hours and roadmap. The
/// `cross join` keeps roadmaps as the outer loop (SQLite's way to fix a join order), so the
/// page is read in slug order from the indexes rather than sorted after a scan of projects.
pub(crate) const PROJECTS_SQL: &str = "
    select r.id, r.slug, p.number
    from roadmaps r cross join projects p on p.roadmap_id = r.id
    where (?1 is null or p.id in (
             select project_id from project_stack where name = ?1 collate nocase))
      and (?2 is null or p.id in (
             select project_id from project_datasets where name = ?2 collate nocase))
      and (?3 is null or p.hours_max <= ?3)
      and (?4 is null or r.slug = ?4)
      and (?5 is null or (r.slug, p.number) > (?5, ?6))
    order by r.slug, p.number
    limit ?7";

/// Source ids by kind and citing roadmap, in slug order after a position.
pub(crate) const SOURCES_SQL: &str = "
    select s.id from sources s
    where (?1 is null or s.kind = ?1)
      and (?2 is null or s.id in (
             select rs.source_id from roadmap_sources rs
             where rs.roadmap_id = (select id from roadmaps where slug = ?2)))
      and (?3 is null or s.slug > ?3)
    order by s.slug
    limit ?4";

/// Filters of `GET /v1/certifications`.
#[derive(Debug, Clone, Default)]
pub struct CertificationFilter {
    pub tier: Option<Tier>,
    pub roadmap: Option<Slug>,
    pub max_cost_usd: Option<u32>,
    /// An FTS5 query over certification names and notes.
    pub fts: Option<String>,
    pub after: Option<Slug>,
    pub limit: u32,
}

/// Filters of `GET /v1/projects`.
#[derive(Debug, Clone, Default)]
pub struct ProjectFilter {
    pub stack: Option<String>,
    pub dataset: Option<String>,
    pub max_hours: Option<u32>,
    pub roadmap: Option<Slug>,
    /// Keyset position: after this roadmap's project of this number.
    pub after: Option<(Slug, u32)>,
    pub limit: u32,
}

/// Filters of `GET /v1/sources`.
#[derive(Debug, Clone, Default)]
pub struct SourceFilter {
    pub kind: Option<SourceKind>,
    pub roadmap: Option<Slug>,
    pub after: Option<Slug>,
    pub limit: u32,
}

impl Store {
    /// A page of certifications in slug order, each with its matching ratings.
    pub async fn certification_entries(
        &self,
        f: &CertificationFilter,
    ) -> Result<(Vec<CertificationEntry>, bool), StoreError> {
        let mut tx = self.pool.begin().await?;
        let tier = f.tier.map(Tier::as_str);
        let roadmap = f.roadmap.as_ref().map(Slug::as_str);
        let after = f.after.as_ref().map(Slug::as_str);
        let fetch = i64::from(f.limit) + 1;
        let ids: Vec<i64> = sqlx::query_scalar(CERTIFICATIONS_SQL)
            .bind(tier)
            .bind(roadmap)
            .bind(f.max_cost_usd)
            .bind(f.fts.as_deref())
            .bind(after)
            .bind(fetch)
            .fetch_all(&mut *tx)
            .await
            .map_err(search_error)?;
        let more = ids.len() as i64 == fetch;
        let mut entries = Vec::with_capacity(ids.len());
        for id in ids.into_iter().take(f.limit as usize) {
            entries.push(certification_entry(&mut tx, id, tier, roadmap).await?);
        }
        tx.commit().await?;
        Ok((entries, more))
    }

    /// One certification with every rating of it, or `None`.
    pub async fn certification_entry(
        &self,
        slug: &Slug,
    ) -> Result<Option<CertificationEntry>, StoreError> {
        let mut tx = self.pool.begin().await?;
        let slug = slug.as_str();
        let Some(id) = sqlx::query_scalar!("select id from certifications where slug = ?", slug)
            .fetch_optional(&mut *tx)
            .await?
        else {
            return Ok(None);
        };
        let entry = certification_entry(&mut tx, id, None, None).await?;
        tx.commit().await?;
        Ok(Some(entry))
    }

    /// A page of projects across roadmaps, ordered by roadmap slug and number.
    pub async fn project_entries(
        &self,
        f: &ProjectFilter,
    ) -> Result<(Vec<ProjectEntry>, bool), StoreError> {
        let mut tx = self.pool.begin().await?;
        let roadmap = f.roadmap.as_ref().map(Slug::as_str);
        let after_roadmap = f.after.as_ref().map(|(slug, _)| slug.as_str());
        let after_number = f.after.as_ref().map(|(_, number)| *number);
        let fetch = i64::from(f.limit) + 1;
        let rows: Vec<(i64, String, i64)> = sqlx::query_as(PROJECTS_SQL)
            .bind(f.stack.as_deref())
            .bind(f.dataset.as_deref())
            .bind(f.max_hours)
            .bind(roadmap)
            .bind(after_roadmap)
            .bind(after_number)
            .bind(fetch)
            .fetch_all(&mut *tx)
            .await?;
        let more = rows.len() as i64 == fetch;
        let mut entries = Vec::with_capacity(rows.len());
        for (roadmap_id, roadmap, number) in rows.into_iter().take(f.limit as usize) {
            let number = count(number, "projects.number")?;
            let project = load_projects(&mut tx, roadmap_id, Some(number))
                .await?
                .pop()
                .ok_or_else(|| StoreError::Corrupt("a listed project vanished".to_owned()))?;
            entries.push(ProjectEntry {
                roadmap: parse_column("roadmaps.slug", &roadmap)?,
                project,
            });
        }
        tx.commit().await?;
        Ok((entries, more))
    }

    /// A page of sources in slug order, with their citations.
    pub async fn source_entries(
        &self,
        f: &SourceFilter,
    ) -> Result<(Vec<SourceEntry>, bool), StoreError> {
        let mut tx = self.pool.begin().await?;
        let kind = f.kind.map(SourceKind::as_str);
        let roadmap = f.roadmap.as_ref().map(Slug::as_str);
        let after = f.after.as_ref().map(Slug::as_str);
        let fetch = i64::from(f.limit) + 1;
        let ids: Vec<i64> = sqlx::query_scalar(SOURCES_SQL)
            .bind(kind)
            .bind(roadmap)
            .bind(after)
            .bind(fetch)
            .fetch_all(&mut *tx)
            .await?;
        let more = ids.len() as i64 == fetch;
        let mut entries = Vec::with_capacity(ids.len());
        for id in ids.into_iter().take(f.limit as usize) {
            entries.push(source_entry(&mut tx, id).await?);
        }
        tx.commit().await?;
        Ok((entries, more))
    }

    /// One source with every place it is cited, or `None`.
    pub async fn source_entry(&self, slug: &Slug) -> Result<Option<SourceEntry>, StoreError> {
        let mut tx = self.pool.begin().await?;
        let slug = slug.as_str();
        let Some(id) = sqlx::query_scalar!("select id from sources where slug = ?", slug)
            .fetch_optional(&mut *tx)
            .await?
        else {
            return Ok(None);
        };
        let entry = source_entry(&mut tx, id).await?;
        tx.commit().await?;
        Ok(Some(entry))
    }
}

async fn certification_entry(
    conn: &mut sqlx::SqliteConnection,
    id: i64,
    tier: Option<&str>,
    roadmap: Option<&str>,
) -> Result<CertificationEntry, StoreError> {
    let certification = load_certification(conn, id).await?;
    let ratings = sqlx::query!(
        r#"select r.slug as "roadmap!: String", rc.key, rc.tier, rc.timeline_text, rc.share_min,
                  rc.share_max, rc.note
           from roadmap_certifications rc join roadmaps r on r.id = rc.roadmap_id
           where rc.certification_id = ?1 and (?2 is null or rc.tier = ?2)
             and (?3 is null or r.slug = ?3)
           order by r.slug"#,
        id,
        tier,
        roadmap,
    )
    .fetch_all(&mut *conn)
    .await?
    .into_iter()
    .map(|row| {
        Ok(Rating {
            roadmap: parse_column("roadmaps.slug", &row.roadmap)?,
            key: parse_column("roadmap_certifications.key", &row.key)?,
            tier: parse_column("roadmap_certifications.tier", &row.tier)?,
            timeline_text: row.timeline_text,
            job_posting_share_percent: optional_range(row.share_min, row.share_max)?,
            note: row.note,
        })
    })
    .collect::<Result<_, StoreError>>()?;
    Ok(CertificationEntry {
        certification,
        ratings,
    })
}

async fn source_entry(
    conn: &mut sqlx::SqliteConnection,
    id: i64,
) -> Result<SourceEntry, StoreError> {
    let source = sqlx::query!(
        "select slug, title, kind, url from sources where id = ?",
        id
    )
    .fetch_one(&mut *conn)
    .await?;
    let citations = sqlx::query!(
        r#"select r.slug as "roadmap!: String", rs.key, sc.pointer
           from roadmap_sources rs
           join roadmaps r on r.id = rs.roadmap_id
           join source_citations sc on sc.roadmap_source_id = rs.id
           where rs.source_id = ?
           order by r.slug, sc.position"#,
        id
    )
    .fetch_all(&mut *conn)
    .await?
    .into_iter()
    .map(|row| {
        Ok(Citation {
            roadmap: parse_column("roadmaps.slug", &row.roadmap)?,
            key: parse_column("roadmap_sources.key", &row.key)?,
            pointer: row.pointer,
        })
    })
    .collect::<Result<_, StoreError>>()?;
    Ok(SourceEntry {
        slug: parse_column("sources.slug", &source.slug)?,
        title: source.title,
        kind: parse_column("sources.kind", &source.kind)?,
        url: source.url,
        citations,
    })
}
