//! The facts of shared entities: a certification or a source is one record shared by every
//! roadmap that lists it, so a write may only give it facts that every other user agrees with.

use std::collections::HashMap;
use std::collections::hash_map::Entry;

use sqlx::SqliteConnection;

use crate::domain::{Roadmap, Slug, SourceKind};
use crate::store::StoreError;
use crate::store::columns::{CertificationColumns, parse_column, to_json_column};

/// A certification's or a source's facts must agree among the documents written, and with
/// every stored roadmap that is not being rewritten. (Whether the write is one document or an
/// import of thousands, and in whatever order, the outcome is the same.)
pub(super) async fn check_shared_facts(
    conn: &mut SqliteConnection,
    roadmaps: &[Roadmap],
) -> Result<(), StoreError> {
    let mut certifications = FirstSeen::default();
    let mut sources = FirstSeen::default();
    for roadmap in roadmaps {
        for rating in &roadmap.certifications.items {
            let c = &rating.certification;
            certifications.see("certification", &c.slug, c, &roadmap.slug)?;
        }
        for source in &roadmap.sources.items {
            let facts = (&source.title, source.kind, &source.url);
            sources.see("source", &source.slug, facts, &roadmap.slug)?;
        }
    }
    let written = to_json_column(&roadmaps.iter().map(|r| &r.slug).collect::<Vec<_>>());

    let named = to_json_column(&certifications.order);
    let stored = sqlx::query!(
        r#"select c.slug, c.name, c.renewal, c.cost_amount_usd, c.cost_text,
                  c.study_months_min, c.study_months_max, r.slug as "roadmap!"
         from json_each(?1) as item
         cross join certifications c on c.slug = item.value
         join roadmap_certifications rc on rc.certification_id = c.id
         join roadmaps r on r.id = rc.roadmap_id
         where r.slug not in (select value from json_each(?2))
         order by item.key, r.slug"#,
        named,
        written,
    )
    .fetch_all(&mut *conn)
    .await?;
    let mut conflicts = Vec::new();
    for row in stored {
        let facts = CertificationColumns {
            slug: row.slug,
            name: row.name,
            renewal: row.renewal,
            cost_amount_usd: row.cost_amount_usd,
            cost_text: row.cost_text,
            study_months_min: row.study_months_min,
            study_months_max: row.study_months_max,
        }
        .certification()?;
        let agrees = certifications
            .facts(&facts.slug)
            .is_some_and(|written| **written == facts);
        if !agrees {
            conflicts.push((facts.slug.to_string(), row.roadmap));
        }
    }
    first_conflict("certification", conflicts)?;

    let named = to_json_column(&sources.order);
    let stored = sqlx::query!(
        r#"select s.slug, s.title, s.kind, s.url, r.slug as "roadmap!"
         from json_each(?1) as item
         cross join sources s on s.slug = item.value
         join roadmap_sources rs on rs.source_id = s.id
         join roadmaps r on r.id = rs.roadmap_id
         where r.slug not in (select value from json_each(?2))
         order by item.key, r.slug"#,
        named,
        written,
    )
    .fetch_all(&mut *conn)
    .await?;
    let mut conflicts = Vec::new();
    for row in stored {
        let slug: Slug = parse_column("sources.slug", &row.slug)?;
        let kind: SourceKind = parse_column("sources.kind", &row.kind)?;
        let agrees = sources.facts(&slug).is_some_and(|(title, written, url)| {
            **title == row.title && *written == kind && **url == row.url
        });
        if !agrees {
            conflicts.push((row.slug, row.roadmap));
        }
    }
    first_conflict("source", conflicts)
}

/// The shared entities of a write in order of first appearance, with the facts and the
/// roadmap that first gave each.
struct FirstSeen<'a, F> {
    order: Vec<&'a Slug>,
    first: HashMap<&'a Slug, (F, &'a Slug)>,
}

impl<F> Default for FirstSeen<'_, F> {
    fn default() -> Self {
        FirstSeen {
            order: Vec::new(),
            first: HashMap::new(),
        }
    }
}

impl<'a, F: PartialEq> FirstSeen<'a, F> {
    /// Records `roadmap`'s `facts` for the shared `slug`: a conflict when an earlier
    /// document of the write gave it other facts.
    fn see(
        &mut self,
        what: &str,
        slug: &'a Slug,
        facts: F,
        roadmap: &'a Slug,
    ) -> Result<(), StoreError> {
        match self.first.entry(slug) {
            Entry::Vacant(first) => {
                first.insert((facts, roadmap));
                self.order.push(slug);
                Ok(())
            }
            Entry::Occupied(first) if first.get().0 != facts => Err(StoreError::Conflict(format!(
                "{what} `{slug}` is given other facts by `{}` earlier in this write; \
                     they must agree, or give one of them another slug",
                first.get().1
            ))),
            Entry::Occupied(_) => Ok(()),
        }
    }

    /// The facts the write gives `slug`.
    fn facts(&self, slug: &Slug) -> Option<&F> {
        self.first.get(slug).map(|(facts, _)| facts)
    }
}

/// The first shared entity (in the write's order) that stored roadmaps hold with other
/// facts, with all those roadmaps, as a conflict.
fn first_conflict(what: &str, conflicts: Vec<(String, String)>) -> Result<(), StoreError> {
    let mut conflicts = conflicts.into_iter().peekable();
    let Some(slug) = conflicts.peek().map(|(slug, _)| slug.clone()) else {
        return Ok(());
    };
    let users: Vec<String> = conflicts
        .take_while(|(shared, _)| *shared == slug)
        .map(|(_, roadmap)| roadmap)
        .collect();
    Err(StoreError::Conflict(format!(
        "{what} `{slug}` is used by {} with other facts; change it there first or give this one \
         another slug",
        users
            .iter()
            .map(|u| format!("`{u}`"))
            .collect::<Vec<_>>()
            .join(", ")
    )))
}

#[cfg(test)]
mod tests {
    use crate::domain::Roadmap;
    use crate::store::{Precondition, Store, StoreError};

    /// A store holding the bundled roadmap and two copies of it, all three sharing its
    /// certifications and sources.
    async fn shared_by_three(dir: &tempfile::TempDir) -> (Store, Roadmap) {
        let store = Store::open(&dir.path().join("shared.db"))
            .await
            .expect("opens");
        store.migrate().await.expect("migrates");
        let bundled = crate::content::bundled().expect("the bundled content parses");
        let original = bundled[0].clone();
        let copies = [copy(&original, "b-copy"), copy(&original, "c-copy")];
        store
            .seed(&bundled, crate::content::bundled_at())
            .await
            .expect("seeds");
        store
            .import(&copies, "cli", chrono::Utc::now(), false)
            .await
            .expect("imports");
        (store, original)
    }

    fn copy(roadmap: &Roadmap, slug: &str) -> Roadmap {
        let mut copy = roadmap.clone();
        copy.slug = slug.parse().expect("a slug");
        copy
    }

    fn conflict(result: Result<impl std::fmt::Debug, StoreError>) -> String {
        match result {
            Err(StoreError::Conflict(message)) => message,
            other => panic!("expected a conflict, got {other:?}"),
        }
    }

    #[tokio::test]
    async fn stored_users_of_other_facts_are_named_in_slug_order() {
        let dir = tempfile::tempdir().expect("temp dir");
        let (store, original) = shared_by_three(&dir).await;
        let mut new = copy(&original, "a-new");
        // The write's first certification with other facts is the one reported.
        new.certifications.items[2]
            .certification
            .name
            .push_str(" (renamed)");
        new.certifications.items[1].certification.cost.amount_usd = None;
        let first = new.certifications.items[1].certification.slug.clone();
        let message = conflict(store.put(&new, "editor", &Precondition::None).await);
        assert_eq!(
            message,
            format!(
                "certification `{first}` is used by `b-copy`, `c-copy`, `{}` with other facts; \
                 change it there first or give this one another slug",
                original.slug
            )
        );

        // The roadmaps being rewritten do not count as other users.
        let mut rewritten = copy(&original, "b-copy");
        rewritten.sources.items[0].url = Some("https://example.org/moved".to_owned());
        let source = &rewritten.sources.items[0].slug;
        let message = conflict(store.put(&rewritten, "editor", &Precondition::None).await);
        assert!(
            message.starts_with(&format!(
                "source `{source}` is used by `c-copy`, `{}` with other facts",
                original.slug
            )),
            "{message}"
        );
        let all = [
            rewritten.clone(),
            copy(&rewritten, "c-copy"),
            copy(&rewritten, original.slug.as_str()),
        ];
        store
            .import(&all, "cli", chrono::Utc::now(), false)
            .await
            .expect("every user changes the facts together");
        assert_eq!(
            store.roadmap(&rewritten.slug).await.expect("reads"),
            Some(rewritten)
        );
    }

    #[tokio::test]
    async fn the_documents_of_one_write_must_agree() {
        let dir = tempfile::tempdir().expect("temp dir");
        let (store, original) = shared_by_three(&dir).await;
        let first = copy(&original, "first-one");
        let mut second = copy(&original, "second-one");
        second.sources.items[0].title.push_str(" (retitled)");
        let message = conflict(
            store
                .import(&[first, second], "cli", chrono::Utc::now(), true)
                .await,
        );
        assert_eq!(
            message,
            format!(
                "source `{}` is given other facts by `first-one` earlier in this write; they \
                 must agree, or give one of them another slug",
                original.sources.items[0].slug
            )
        );
    }
}
