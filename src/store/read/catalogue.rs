//! The catalogue: roadmap summaries, filtered, sorted and paged by keyset.

use serde::Serialize;
use utoipa::ToSchema;

use crate::domain::{Difficulty, Range, Slug};
use crate::store::columns::{parse_column, range};
use crate::store::search::search_error;
use crate::store::{Store, StoreError};

/// A roadmap as the catalogue lists it.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct RoadmapSummary {
    pub slug: Slug,
    #[schema(example = "Healthcare AI/ML Engineer Roadmap")]
    pub title: String,
    #[schema(example = "Healthcare AI/ML Engineer")]
    pub role: String,
    #[schema(example = "🧠")]
    pub icon: String,
    pub summary: String,
    pub difficulty: Difficulty,
    pub timeline_months: Range,
    /// When the roadmap was last written (RFC 3339, UTC).
    #[schema(format = DateTime, example = "2026-11-28T06:00:00Z")]
    pub updated_at: String,
}

/// The order of the catalogue: by title, difficulty (low to very high) or timeline (the
/// upper bound in months), ascending or descending; ties go by slug.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum CatalogueSort {
    #[default]
    Title,
    TitleDesc,
    Difficulty,
    DifficultyDesc,
    Months,
    MonthsDesc,
}

impl CatalogueSort {
    pub const NAMES: &'static str = "title, -title, difficulty, -difficulty, months, -months";

    pub fn parse(name: &str) -> Option<CatalogueSort> {
        Some(match name {
            "title" => CatalogueSort::Title,
            "-title" => CatalogueSort::TitleDesc,
            "difficulty" => CatalogueSort::Difficulty,
            "-difficulty" => CatalogueSort::DifficultyDesc,
            "months" => CatalogueSort::Months,
            "-months" => CatalogueSort::MonthsDesc,
            _ => return None,
        })
    }

    pub fn name(self) -> &'static str {
        match self {
            CatalogueSort::Title => "title",
            CatalogueSort::TitleDesc => "-title",
            CatalogueSort::Difficulty => "difficulty",
            CatalogueSort::DifficultyDesc => "-difficulty",
            CatalogueSort::Months => "months",
            CatalogueSort::MonthsDesc => "-months",
        }
    }

    /// The statement for this order. Only these fixed texts are ever run: the client's
    /// choice selects one, and every value is bound.
    pub(crate) fn sql(self) -> &'static str {
        macro_rules! page {
            ($column:literal, $after:literal, $direction:literal) => {
                concat!(
                    "select slug, title, role, icon, summary, difficulty, difficulty_rank, ",
                    "timeline_min, timeline_max, updated_at from roadmaps ",
                    "where (?1 is null or difficulty = ?1) ",
                    "and (?2 is null or timeline_max <= ?2) ",
                    "and (?3 is null or id in (select d.roadmap_id from search_index ",
                    "join search_documents d on d.id = search_index.rowid ",
                    "where search_index match ?3 and d.kind = 'roadmap')) ",
                    "and (?4 is null or (",
                    $column,
                    ", slug) ",
                    $after,
                    " (?4, ?5)) ",
                    "order by ",
                    $column,
                    " ",
                    $direction,
                    ", slug ",
                    $direction,
                    " limit ?6"
                )
            };
        }
        match self {
            CatalogueSort::Title => page!("title", ">", "asc"),
            CatalogueSort::TitleDesc => page!("title", "<", "desc"),
            CatalogueSort::Difficulty => page!("difficulty_rank", ">", "asc"),
            CatalogueSort::DifficultyDesc => page!("difficulty_rank", "<", "desc"),
            CatalogueSort::Months => page!("timeline_max", ">", "asc"),
            CatalogueSort::MonthsDesc => page!("timeline_max", "<", "desc"),
        }
    }

    /// The value of this order's column in a row, for the next page's position.
    fn value_of(self, row: &SummaryRow) -> SortValue {
        match self {
            CatalogueSort::Title | CatalogueSort::TitleDesc => SortValue::Text(row.title.clone()),
            CatalogueSort::Difficulty | CatalogueSort::DifficultyDesc => {
                SortValue::Number(row.difficulty_rank)
            }
            CatalogueSort::Months | CatalogueSort::MonthsDesc => {
                SortValue::Number(row.timeline_max)
            }
        }
    }
}

/// A catalogue position's sort value: a title, or a rank or month count.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(untagged)]
pub enum SortValue {
    Text(String),
    Number(i64),
}

/// The catalogue's filters and page position.
#[derive(Debug, Clone, Default)]
pub struct CatalogueFilter {
    pub difficulty: Option<Difficulty>,
    pub max_months: Option<u32>,
    /// An FTS5 query over the roadmaps' titles and prose.
    pub fts: Option<String>,
    pub sort: CatalogueSort,
    /// Only roadmaps after this position (keyset pagination).
    pub after: Option<(SortValue, Slug)>,
    pub limit: u32,
}

#[derive(sqlx::FromRow)]
struct SummaryRow {
    slug: String,
    title: String,
    role: String,
    icon: String,
    summary: String,
    difficulty: String,
    difficulty_rank: i64,
    timeline_min: i64,
    timeline_max: i64,
    updated_at: String,
}

impl Store {
    /// One page of the catalogue, plus the position after its last row when more follow.
    pub async fn catalogue(
        &self,
        filter: &CatalogueFilter,
    ) -> Result<(Vec<RoadmapSummary>, Option<(SortValue, Slug)>), StoreError> {
        let fetch = i64::from(filter.limit) + 1;
        let query = sqlx::query_as::<_, SummaryRow>(filter.sort.sql())
            .bind(filter.difficulty.map(Difficulty::as_str))
            .bind(filter.max_months)
            .bind(filter.fts.as_deref());
        let query = match &filter.after {
            Some((SortValue::Text(text), slug)) => query.bind(text.clone()).bind(slug.to_string()),
            Some((SortValue::Number(n), slug)) => query.bind(*n).bind(slug.to_string()),
            None => query.bind(None::<String>).bind(None::<String>),
        };
        let rows = query
            .bind(fetch)
            .fetch_all(&self.pool)
            .await
            .map_err(search_error)?;
        let more = rows.len() as i64 == fetch;
        let rows: Vec<SummaryRow> = rows.into_iter().take(filter.limit as usize).collect();
        let next = match rows.last() {
            Some(last) if more => Some((
                filter.sort.value_of(last),
                parse_column("roadmaps.slug", &last.slug)?,
            )),
            _ => None,
        };
        let summaries = rows
            .into_iter()
            .map(|row| {
                Ok(RoadmapSummary {
                    slug: parse_column("roadmaps.slug", &row.slug)?,
                    title: row.title,
                    role: row.role,
                    icon: row.icon,
                    summary: row.summary,
                    difficulty: parse_column("roadmaps.difficulty", &row.difficulty)?,
                    timeline_months: range(row.timeline_min, row.timeline_max)?,
                    updated_at: row.updated_at,
                })
            })
            .collect::<Result<Vec<_>, StoreError>>()?;
        Ok((summaries, next))
    }
}
