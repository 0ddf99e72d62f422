//! Every list filter is served by an index: SQLite's own plans for the list statements show
//! no scan of a whole table. (An ordered walk of an index, bounded by the page's LIMIT, is
//! how keyset paging reads; the filters' subqueries must SEARCH their indexes.)

use sqlx::{AssertSqlSafe, Row};

use super::Store;
use super::collection::{CERTIFICATIONS_SQL, PROJECTS_SQL, SOURCES_SQL};
use super::read::CatalogueSort;

async fn plan(store: &Store, sql: &str) -> Vec<String> {
    sqlx::query(AssertSqlSafe(format!("explain query plan {sql}")))
        .fetch_all(&store.pool)
        .await
        .expect("SQLite explains the statement")
        .iter()
        .map(|row| row.get::<String, _>(3))
        .collect()
}

fn assert_indexed(plan: &[String], indexes: &[&str]) {
    for line in plan {
        let whole_table = line.starts_with("SCAN ")
            && !line.contains(" USING ")
            && !line.contains("VIRTUAL TABLE");
        assert!(!whole_table, "a full scan in {plan:#?}");
    }
    for index in indexes {
        assert!(
            plan.iter()
                .any(|line| line.starts_with("SEARCH") && line.contains(index)),
            "{index} is not searched in {plan:#?}"
        );
    }
}

#[tokio::test]
async fn list_filters_use_indexes() {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = Store::open(&dir.path().join("plans.db"))
        .await
        .expect("opens");
    store.migrate().await.expect("migrates");

    let certifications = plan(&store, CERTIFICATIONS_SQL).await;
    assert_indexed(
        &certifications,
        &[
            "roadmap_certifications_tier (tier=?)",
            "search_documents_ref",
            "roadmaps",
        ],
    );
    let projects = plan(&store, PROJECTS_SQL).await;
    assert_indexed(
        &projects,
        &[
            "project_stack_name (name=?)",
            "project_datasets_name (name=?)",
        ],
    );
    let sources = plan(&store, SOURCES_SQL).await;
    assert_indexed(&sources, &["roadmap_sources", "roadmaps"]);
    for (sort, index) in [
        (CatalogueSort::Title, "roadmaps_title"),
        (CatalogueSort::DifficultyDesc, "roadmaps_difficulty_rank"),
        (CatalogueSort::Months, "roadmaps_timeline"),
    ] {
        let catalogue = plan(&store, sort.sql()).await;
        assert_indexed(&catalogue, &["search_documents_ref"]);
        assert!(
            catalogue.iter().any(|line| line.contains(index)),
            "{sort:?} does not walk {index}: {catalogue:#?}"
        );
    }
}
