//! The roadmap document: one type for the file in `content/`, the body of
//! `GET /v1/roadmaps/{slug}`, the input of `import` and of the admin `PUT`.
//!
//! Every section of the source page has a typed place here. Prose is kept word for word;
//! figures become [`Range`]s with the page's wording beside them where the wording says more
//! than the number.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{Difficulty, Range, Slug, SourceKind, Tier};

/// A whole roadmap: every section of the page, in page order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Roadmap {
    /// The roadmap's URL identifier.
    #[schema(example = "healthcare-ai-ml-engineer")]
    pub slug: Slug,
    /// The page title.
    #[schema(example = "Healthcare AI/ML Engineer Roadmap")]
    pub title: String,
    /// The role this roadmap leads to.
    #[schema(example = "Healthcare AI/ML Engineer")]
    pub role: String,
    /// The page's icon, an emoji.
    #[schema(example = "🧠")]
    pub icon: String,
    /// The language of the prose, a BCP 47 tag.
    #[schema(example = "en")]
    pub language: String,
    /// Who publishes the roadmap; embeds show it as the attribution.
    pub publisher: Publisher,
    /// One sentence on what people in the role do.
    pub summary: String,
    /// How hard the transition is.
    pub difficulty: Difficulty,
    /// How long the whole transition takes, in months.
    pub timeline_months: Range,
    /// Who this path fits best ("Best Suited For").
    pub best_suited_for: String,
    /// Remote, hybrid and on-site shares of roles, and the regional hubs.
    pub work_setting: WorkSetting,
    /// How strong hiring demand is.
    pub demand: Demand,
    /// What sets this path apart from the others in the collection.
    pub key_differentiator: String,
    /// Where people in the role work: employer categories with example organisations.
    pub employers: Vec<EmployerCategory>,
    /// Why a clinical background matters for this role.
    pub clinical_advantages: Vec<ClinicalAdvantage>,
    /// What you already have: clinical skills and the technical skills they become.
    pub transferable_skills: Vec<TransferableSkill>,
    /// The learning path, phase by phase.
    pub learning_path: LearningPath,
    /// Which certifications count, by signal tier, with the page's advice.
    pub certifications: Certifications,
    /// Portfolio projects, in the page's order.
    pub projects: Vec<Project>,
    /// Real transition stories, and the page's note on them.
    pub transition_stories: TransitionStories,
    /// The first three moves to make this week.
    pub first_moves: FirstMoves,
    /// What the page cites.
    pub sources: Sources,
}

/// The publisher and author shown on the page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Publisher {
    #[schema(example = "Health Tech Roadmaps")]
    pub name: String,
    #[schema(example = "Ehoneah")]
    pub author: String,
}

/// Where the work happens. `label` followed by `text` is the page's paragraph word for word;
/// the ranges and hubs are the same facts, typed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WorkSetting {
    #[schema(example = "Remote-friendly")]
    pub label: String,
    pub text: String,
    /// Share of roles that are fully remote, in percent.
    pub remote_percent: Range,
    /// Share of roles that are hybrid, in percent.
    pub hybrid_percent: Range,
    /// Share of roles that are on-site, in percent.
    pub onsite_percent: Range,
    /// The page's qualification of the remote share, if any.
    #[schema(required = true, example = "especially at health tech startups")]
    #[serde(deserialize_with = "Option::deserialize")]
    pub remote_note: Option<String>,
    pub regional_hubs: Vec<RegionalHub>,
}

/// A region where the roles cluster.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RegionalHub {
    pub key: Slug,
    #[schema(example = "UK")]
    pub name: String,
    /// The page's parenthesis after the name, if any.
    #[schema(required = true, example = "NHS digitalization initiatives")]
    #[serde(deserialize_with = "Option::deserialize")]
    pub note: Option<String>,
}

/// Hiring demand: the headline and the evidence the page gives.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Demand {
    #[schema(example = "Strong and accelerating")]
    pub level: String,
    pub detail: String,
}

/// A kind of employer, with the organisations the page names as examples.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EmployerCategory {
    pub key: Slug,
    #[schema(example = "Health tech startups")]
    pub category: String,
    #[schema(example = json!(["Tempus", "Flatiron Health"]))]
    pub examples: Vec<String>,
}

/// One reason a clinical background helps ("You understand the data: ...").
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ClinicalAdvantage {
    pub key: Slug,
    #[schema(example = "You understand the data")]
    pub title: String,
    pub detail: String,
}

/// A clinical skill and the technical skill it translates to.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TransferableSkill {
    pub key: Slug,
    #[schema(example = "Pattern recognition and clinical reasoning")]
    pub clinical_skill: String,
    #[schema(example = "Model validation and error analysis")]
    pub technical_skill: String,
    /// How the one becomes the other.
    pub detail: String,
    /// The page's one-line summary under the skill.
    pub summary: String,
}

/// The learning path: its total length and its phases in order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LearningPath {
    /// Total timeline of the path, in months.
    pub timeline_months: Range,
    pub phases: Vec<Phase>,
}

/// One phase of the learning path.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Phase {
    pub key: Slug,
    /// Position in the path, from 1.
    #[schema(minimum = 1, example = 1)]
    pub number: u32,
    #[schema(example = "Foundation")]
    pub title: String,
    /// The months of the path this phase covers.
    pub months: Range,
    /// Study hours for the phase. The page prints the bare figures; reading them as hours is
    /// ours, so `hours_text` keeps the page's wording.
    pub hours: Range,
    #[schema(example = "200 to 250")]
    pub hours_text: String,
    /// Topics grouped by the months they fall in.
    pub topic_groups: Vec<TopicGroup>,
    /// Alternative specialization tracks (one is chosen).
    pub tracks: Vec<Track>,
    /// What you should be able to do at the end of the phase.
    pub checkpoint: String,
}

/// Topics that share a month span ("Month 3 to 4: Machine Learning Fundamentals").
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TopicGroup {
    pub key: Slug,
    /// The span as the page labels it.
    #[schema(example = "Month 3 to 4")]
    pub label: String,
    pub months: Range,
    /// The group's heading, where the page gives one.
    #[schema(required = true, example = "Machine Learning Fundamentals")]
    #[serde(deserialize_with = "Option::deserialize")]
    pub title: Option<String>,
    pub topics: Vec<Topic>,
}

/// One topic to learn.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Topic {
    pub key: Slug,
    #[schema(example = "Supervised vs. unsupervised learning")]
    pub text: String,
}

/// A specialization track, with its focus areas, datasets and tools.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Track {
    pub key: Slug,
    /// The track's letter on the page.
    #[schema(example = "A")]
    pub letter: String,
    #[schema(example = "Medical Imaging AI")]
    pub title: String,
    #[schema(example = json!(["CNNs", "object detection", "segmentation"]))]
    pub focus: Vec<String>,
    #[schema(example = json!(["CheXpert", "LUNA16", "BraTS"]))]
    pub datasets: Vec<String>,
    pub tools: Vec<String>,
}

/// The certifications section.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Certifications {
    /// The page's reality check on certifications for this role.
    pub reality_check: String,
    /// Every rated certification, in page order (tiers from `high_signal` to `skip`).
    pub items: Vec<CertificationRating>,
    /// When to pursue certifications, if at all.
    pub recommendation: String,
}

/// This roadmap's rating of a certification: tier, note and share of job postings. The
/// certification's own facts are shared by every roadmap that rates it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CertificationRating {
    pub key: Slug,
    pub tier: Tier,
    pub certification: Certification,
    /// The page's timeline wording; null where the page prints "N/A".
    #[schema(
        required = true,
        example = "2 to 3 months study, 35 to 50% of job postings"
    )]
    #[serde(deserialize_with = "Option::deserialize")]
    pub timeline_text: Option<String>,
    /// Share of this role's job postings that ask for it, in percent, where the page says.
    #[schema(required = true)]
    #[serde(deserialize_with = "Option::deserialize")]
    pub job_posting_share_percent: Option<Range>,
    #[schema(example = "Many healthcare organizations use AWS and SageMaker")]
    pub note: String,
}

/// A certification's own facts, the same for every roadmap that rates it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Certification {
    /// Global identifier: the URL of `/v1/certifications/{slug}`.
    #[schema(example = "aws-certified-machine-learning-specialty")]
    pub slug: Slug,
    #[schema(example = "AWS Certified Machine Learning, Specialty")]
    pub name: String,
    /// How often it must be renewed; null where the page prints "N/A".
    #[schema(required = true, example = "Annual")]
    #[serde(deserialize_with = "Option::deserialize")]
    pub renewal: Option<String>,
    pub cost: Cost,
    /// Study time, in months, where the page gives it.
    #[schema(required = true)]
    #[serde(deserialize_with = "Option::deserialize")]
    pub study_months: Option<Range>,
}

/// A price: the amount in US dollars that the wording states for the credential, and the
/// wording itself ("Free course plus $50 optional cert" is 50; "N/A" has no amount).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"amount_usd": 300, "text": "$300 exam"}))]
pub struct Cost {
    #[schema(required = true)]
    #[serde(deserialize_with = "Option::deserialize")]
    pub amount_usd: Option<u32>,
    pub text: String,
}

/// A portfolio project.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Project {
    pub key: Slug,
    /// Position in the list, from 1.
    #[schema(minimum = 1, example = 1)]
    pub number: u32,
    #[schema(example = "Hospital Readmission Prediction")]
    pub title: String,
    /// Estimated effort, in hours.
    pub hours: Range,
    pub description: String,
    /// Languages, libraries and frameworks, one name each.
    #[schema(example = json!(["Python", "pandas", "scikit-learn"]))]
    pub stack: Vec<String>,
    /// Datasets, one name each.
    #[schema(example = json!(["UCI Diabetes Readmission"]))]
    pub datasets: Vec<String>,
    /// The page's "Dataset:" wording; null where the project has none.
    #[schema(required = true)]
    #[serde(deserialize_with = "Option::deserialize")]
    pub dataset_text: Option<String>,
    /// "Your Clinical Advantage" for this project.
    pub clinical_advantage: String,
}

/// Stories of people who made this transition, and the page's note on them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TransitionStories {
    pub items: Vec<TransitionStory>,
    #[schema(required = true)]
    #[serde(deserialize_with = "Option::deserialize")]
    pub note: Option<String>,
}

/// One transition story: a person's move from a clinical role into this one, submitted
/// through `POST /v1/roadmaps/{slug}/stories` and published by an editor.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TransitionStory {
    /// Stable: `story-` and the start of the submission's id.
    #[schema(example = "story-4f2a9c1e0b7d")]
    pub key: Slug,
    /// The name the person chose to show; null when they stay anonymous.
    #[schema(required = true, min_length = 1, max_length = 80, example = "Dana R.")]
    #[serde(deserialize_with = "Option::deserialize")]
    pub display_name: Option<String>,
    /// The clinical role they came from.
    #[schema(min_length = 2, max_length = 120, example = "ICU nurse")]
    pub from_role: String,
    /// The role they reached.
    #[schema(
        min_length = 2,
        max_length = 120,
        example = "Machine Learning Engineer"
    )]
    pub to_role: String,
    /// The year of the move.
    #[schema(minimum = 1950, example = 2024)]
    pub year: u16,
    /// Their story, as plain text (line breaks are paragraphs). Never HTML: escape it.
    #[schema(min_length = 200, max_length = 5000)]
    pub story: String,
    /// Up to three public http(s) links the person gave (a profile, a post).
    #[schema(max_items = 3, example = json!(["https://example.org/my-transition"]))]
    pub links: Vec<String>,
    /// An editor checked the person's history.
    pub verified: bool,
}

/// The first moves: what to do this week.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FirstMoves {
    #[schema(required = true, example = "Start this week. No prerequisites.")]
    #[serde(deserialize_with = "Option::deserialize")]
    pub note: Option<String>,
    pub items: Vec<Move>,
}

/// One first move.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Move {
    pub key: Slug,
    /// Position, from 1.
    #[schema(minimum = 1, example = 1)]
    pub number: u32,
    #[schema(example = "Map your clinical superpower")]
    pub title: String,
    pub time: TimeEstimate,
    pub summary: String,
    pub steps: Vec<String>,
}

/// Time a move takes: hours, either in total or per unit of time.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"hours": {"min": 5, "max": 7}, "per": "week", "text": "5 to 7 hours per week"}))]
pub struct TimeEstimate {
    pub hours: Range,
    /// The unit of a rate (`week` for "per week"); null for a total.
    #[schema(required = true)]
    #[serde(deserialize_with = "Option::deserialize")]
    pub per: Option<String>,
    /// The page's wording.
    pub text: String,
}

/// What the roadmap cites.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Sources {
    /// How many sources the page says it has ("Sources (16)"). The page does not list them,
    /// so `items` holds the references its text makes (figures, publications, courses,
    /// datasets, tools), which need not number the same.
    #[schema(required = true)]
    #[serde(deserialize_with = "Option::deserialize")]
    pub declared_count: Option<u32>,
    pub items: Vec<SourceRef>,
}

/// A source as this roadmap cites it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SourceRef {
    pub key: Slug,
    /// Global identifier: the URL of `/v1/sources/{slug}`.
    pub slug: Slug,
    /// The source's name: the page's own where it names the source, otherwise a short
    /// factual name of ours for what the text refers to ("BLS employment projections").
    #[schema(example = "Google ML Crash Course")]
    pub title: String,
    pub kind: SourceKind,
    /// Only where the page gives the address.
    #[schema(
        required = true,
        example = "https://developers.google.com/machine-learning/crash-course"
    )]
    #[serde(deserialize_with = "Option::deserialize")]
    pub url: Option<String>,
    /// JSON Pointers (RFC 6901) to the strings in this document that cite the source.
    #[schema(example = json!(["/first_moves/items/2/steps/0"]))]
    pub cited_in: Vec<String>,
}

/// The strong validator of some bytes: the first 128 bits of their SHA-256, in hex.
pub fn content_hash(bytes: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    hex::encode(&Sha256::digest(bytes)[..16])
}

impl Roadmap {
    /// The document as the API serves it: compact JSON. Its [`content_hash`] is the ETag of
    /// `GET /v1/roadmaps/{slug}`, which `If-Match` on a write is compared with.
    pub fn to_json(&self) -> Result<String, serde_json::Error> {
        serde_json::to_string(self)
    }
}
