//! Reading roadmaps: a whole roadmap by slug, the slugs there are, and (in the submodules)
//! the catalogue and the rows of a roadmap read back into the document's types.

mod catalogue;
pub(super) mod tables;

pub use catalogue::{CatalogueFilter, CatalogueSort, RoadmapSummary, SortValue};

use super::columns::parse_column;
use super::{Store, StoreError};
use crate::domain::{Roadmap, Slug};

impl Store {
    /// The slugs of every stored roadmap, in order.
    pub async fn slugs(&self) -> Result<Vec<Slug>, StoreError> {
        sqlx::query_scalar!("select slug from roadmaps order by slug")
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(|slug| parse_column("roadmaps.slug", slug))
            .collect()
    }

    /// The whole roadmap document, or `None` for an unknown slug. Read in one transaction,
    /// so that it is one snapshot of the roadmap.
    pub async fn roadmap(&self, slug: &Slug) -> Result<Option<Roadmap>, StoreError> {
        let mut tx = self.pool.begin().await?;
        let slug = slug.as_str();
        let Some(id) = sqlx::query_scalar!("select id from roadmaps where slug = ?", slug)
            .fetch_optional(&mut *tx)
            .await?
        else {
            return Ok(None);
        };
        let roadmap = tables::load_roadmap(&mut tx, id).await?;
        tx.commit().await?;
        Ok(Some(roadmap))
    }
}
