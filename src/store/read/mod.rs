//! Reading roadmaps: a whole roadmap by slug, the slugs there are, and (in the submodules)
//! the catalogue and the rows of a roadmap read back into the document's types.

mod catalogue;
pub(super) mod tables;

pub use catalogue::{CatalogueFilter, CatalogueSort, RoadmapSummary, SortValue};

use super::columns::{json_column, parse_column};
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

    /// The whole roadmap document, or `None` for an unknown slug.
    ///
    /// Every write records the document it stored as the roadmap's newest revision, in the
    /// same transaction, so the current roadmap is that document: one statement reads it,
    /// whole, and an unknown slug costs one index lookup.
    pub async fn roadmap(&self, slug: &Slug) -> Result<Option<Roadmap>, StoreError> {
        let slug = slug.as_str();
        let found = sqlx::query!(
            "select rv.document from roadmaps r
             left join revisions rv on rv.roadmap = r.slug
                 and rv.number = (select max(number) from revisions where roadmap = r.slug)
             where r.slug = ?",
            slug
        )
        .fetch_optional(&self.pool)
        .await?;
        match found {
            None => Ok(None),
            Some(row) => match row.document {
                Some(document) => json_column("revisions.document", &document).map(Some),
                None => self.roadmap_from_rows(slug).await,
            },
        }
    }

    /// A roadmap read from its rows, in one transaction so that they are one snapshot: for a
    /// roadmap stored before revisions existed, until `backfill_revisions` records its first.
    async fn roadmap_from_rows(&self, slug: &str) -> Result<Option<Roadmap>, StoreError> {
        let mut tx = self.pool.begin().await?;
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{ChangeKind, Precondition};

    async fn new_store(dir: &tempfile::TempDir) -> Store {
        let store = Store::open(&dir.path().join("read.db"))
            .await
            .expect("opens");
        store.migrate().await.expect("migrates");
        store
    }

    /// The document `Store::roadmap` reads and the roadmap its rows hold are both `expected`.
    async fn assert_stored(store: &Store, expected: &Roadmap) {
        let document = store.roadmap(&expected.slug).await.expect("reads");
        assert_eq!(document.as_ref(), Some(expected), "the document");
        let rows = store
            .roadmap_from_rows(expected.slug.as_str())
            .await
            .expect("reads the rows");
        assert_eq!(rows.as_ref(), Some(expected), "the rows");
    }

    /// A valid document that differs from `roadmap` in every kind of section: facts of a
    /// shared certification and source, optional values, order and length of lists.
    fn edited(roadmap: &Roadmap, slug: &str) -> Roadmap {
        let mut r = roadmap.clone();
        r.slug = slug.parse().expect("a slug");
        r.title.push_str(" (edited)");
        r.work_setting.regional_hubs.pop();
        r.work_setting.remote_note = None;
        r.learning_path.phases[0].topic_groups[0].topics.reverse();
        r.learning_path.phases[1].tracks.reverse();
        let rating = &mut r.certifications.items[0];
        rating.timeline_text = None;
        rating.job_posting_share_percent = None;
        rating.certification.renewal = None;
        rating.certification.study_months = None;
        rating.certification.cost.amount_usd = Some(350);
        rating.certification.cost.text = "$350 exam".to_owned();
        r.projects.swap(0, 1);
        for (number, project) in (1..).zip(&mut r.projects) {
            project.number = number;
        }
        r.projects[0].stack.push("Polars".to_owned());
        r.projects[1].dataset_text = Some("Synthetic admissions records".to_owned());
        r.transition_stories.note = Some("A note of the edit.".to_owned());
        r.first_moves.note = None;
        r.sources.declared_count = None;
        r.sources.items[0].url = Some("https://example.org/postings".to_owned());
        let json = r.to_json().expect("serializes");
        Roadmap::parse(json.as_bytes()).expect("the edited document is valid")
    }

    #[tokio::test]
    async fn every_write_leaves_the_document_equal_to_the_rows() {
        let dir = tempfile::tempdir().expect("temp dir");
        let store = new_store(&dir).await;
        let bundled = crate::content::bundled().expect("the bundled content parses");
        assert!(
            store
                .seed(&bundled, crate::content::bundled_at())
                .await
                .expect("seeds")
        );
        for roadmap in &bundled {
            assert_stored(&store, roadmap).await;
        }

        let original = &bundled[0];
        let put = edited(original, original.slug.as_str());
        assert_ne!(&put, original);
        let change = store
            .put(&put, "editor", &Precondition::None)
            .await
            .expect("puts");
        assert_eq!(change.kind, Some(ChangeKind::Updated));
        assert_stored(&store, &put).await;

        // An import that restores the original and adds an edited copy, which shares the
        // certifications and sources (with the original's facts) under another slug.
        let mut copy = edited(original, "edited-copy");
        copy.certifications.items[0] = original.certifications.items[0].clone();
        copy.sources.items[0] = original.sources.items[0].clone();
        let imported = [original.clone(), copy.clone()];
        store
            .import(&imported, "cli", chrono::Utc::now(), false)
            .await
            .expect("imports");
        assert_stored(&store, original).await;
        assert_stored(&store, &copy).await;

        // A deleted roadmap is found neither way; created again, it is its new document.
        let deleted = store
            .delete(&copy.slug, "editor", &Precondition::None)
            .await
            .expect("deletes");
        assert!(deleted.is_some());
        assert_eq!(store.roadmap(&copy.slug).await.expect("reads"), None);
        assert_eq!(
            store
                .roadmap_from_rows(copy.slug.as_str())
                .await
                .expect("reads the rows"),
            None
        );
        store
            .put(&copy, "editor", &Precondition::None)
            .await
            .expect("puts again");
        assert_stored(&store, &copy).await;
        assert_stored(&store, original).await;
    }

    #[tokio::test]
    async fn a_roadmap_without_revisions_is_read_from_its_rows_until_backfilled() {
        let dir = tempfile::tempdir().expect("temp dir");
        let store = new_store(&dir).await;
        let bundled = crate::content::bundled().expect("the bundled content parses");
        store
            .seed(&bundled, crate::content::bundled_at())
            .await
            .expect("seeds");
        // As a database written before revisions existed holds it.
        sqlx::query("delete from revisions")
            .execute(&store.pool)
            .await
            .expect("deletes the revisions");
        for roadmap in &bundled {
            assert_stored(&store, roadmap).await;
        }

        store.backfill_revisions().await.expect("backfills");
        for roadmap in &bundled {
            assert_stored(&store, roadmap).await;
            let first = store.revision(&roadmap.slug, 1).await.expect("reads");
            assert_eq!(first.as_ref(), Some(roadmap));
        }
    }
}
