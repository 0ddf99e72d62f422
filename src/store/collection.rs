//! Queries across the whole collection: certifications, projects and sources of every
//! roadmap, filtered and paged by keyset.

use super::read::{load_certification, load_projects, optional_range};
use super::{Store, StoreError, parse_column};
use crate::domain::*;

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
        let ids = sqlx::query_scalar!(
            r#"select c.id as "id!: i64" from certifications c
               where (?1 is null and ?2 is null or c.id in (
                        select rc.certification_id from roadmap_certifications rc
                        join roadmaps r on r.id = rc.roadmap_id
                        where (?1 is null or rc.tier = ?1) and (?2 is null or r.slug = ?2)))
                 and (?3 is null or c.cost_amount_usd <= ?3)
                 and (?4 is null or c.slug in (
                        select d.ref_slug from search_index
                        join search_documents d on d.id = search_index.rowid
                        where search_index match ?4 and d.kind = 'certification'))
                 and (?5 is null or c.slug > ?5)
               order by c.slug
               limit ?6"#,
            tier,
            roadmap,
            f.max_cost_usd,
            f.fts,
            after,
            fetch,
        )
        .fetch_all(&mut *tx)
        .await
        .map_err(super::search::search_error)?;
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
        let rows = sqlx::query!(
            r#"select r.id as "roadmap_id!: i64", r.slug as "roadmap!: String", p.number as "number!: i64"
               from projects p join roadmaps r on r.id = p.roadmap_id
               where (?1 is null or p.id in (
                        select project_id from project_stack where name = ?1 collate nocase))
                 and (?2 is null or p.id in (
                        select project_id from project_datasets where name = ?2 collate nocase))
                 and (?3 is null or p.hours_max <= ?3)
                 and (?4 is null or r.slug = ?4)
                 and (?5 is null or (r.slug, p.number) > (?5, ?6))
               order by r.slug, p.number
               limit ?7"#,
            f.stack,
            f.dataset,
            f.max_hours,
            roadmap,
            after_roadmap,
            after_number,
            fetch,
        )
        .fetch_all(&mut *tx)
        .await?;
        let more = rows.len() as i64 == fetch;
        let mut entries = Vec::with_capacity(rows.len());
        for row in rows.into_iter().take(f.limit as usize) {
            let number = super::count(row.number, "projects.number")?;
            let project = load_projects(&mut tx, row.roadmap_id, Some(number))
                .await?
                .pop()
                .ok_or_else(|| StoreError::Corrupt("a listed project vanished".to_owned()))?;
            entries.push(ProjectEntry {
                roadmap: parse_column("roadmaps.slug", &row.roadmap)?,
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
        let ids = sqlx::query_scalar!(
            r#"select s.id as "id!: i64" from sources s
               where (?1 is null or s.kind = ?1)
                 and (?2 is null or s.id in (
                        select rs.source_id from roadmap_sources rs
                        join roadmaps r on r.id = rs.roadmap_id where r.slug = ?2))
                 and (?3 is null or s.slug > ?3)
               order by s.slug
               limit ?4"#,
            kind,
            roadmap,
            after,
            fetch,
        )
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
