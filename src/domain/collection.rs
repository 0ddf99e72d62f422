//! Views across the whole collection: a certification with every roadmap's rating of it, a
//! project with its roadmap, a source with every place it is cited.

use serde::Serialize;
use utoipa::ToSchema;

use super::{Certification, Project, Range, Slug, SourceKind, Tier};

/// A certification and the roadmaps that rate it.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct CertificationEntry {
    #[serde(flatten)]
    pub certification: Certification,
    /// The ratings, by roadmap slug. In a filtered list, only the ratings that match the
    /// `tier` and `roadmap` filters.
    pub ratings: Vec<Rating>,
}

/// One roadmap's rating of a certification.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Rating {
    /// The roadmap that rates it.
    pub roadmap: Slug,
    /// The rating's key within that roadmap.
    pub key: Slug,
    pub tier: Tier,
    #[schema(required = true)]
    pub timeline_text: Option<String>,
    #[schema(required = true)]
    pub job_posting_share_percent: Option<Range>,
    pub note: String,
}

/// A portfolio project and the roadmap it belongs to.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct ProjectEntry {
    /// The roadmap the project belongs to.
    pub roadmap: Slug,
    #[serde(flatten)]
    pub project: Project,
}

/// A cited source and every place it is cited.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct SourceEntry {
    pub slug: Slug,
    #[schema(example = "Google ML Crash Course")]
    pub title: String,
    pub kind: SourceKind,
    #[schema(required = true)]
    pub url: Option<String>,
    /// Where it is cited, by roadmap.
    pub citations: Vec<Citation>,
}

/// A place where a roadmap cites a source.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Citation {
    pub roadmap: Slug,
    /// The source's key within that roadmap.
    pub key: Slug,
    /// A JSON Pointer into the roadmap document (`GET /v1/roadmaps/{roadmap}`).
    #[schema(example = "/first_moves/items/2/steps/0")]
    pub pointer: String,
}
