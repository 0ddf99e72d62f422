//! What every route shares: problem+json errors, query parameters, cacheable JSON
//! representations, and the middleware around the routes.

pub mod middleware;
pub mod problem;
pub mod query;
pub mod representation;

pub use problem::{ApiError, Problem};
pub use query::{Cursor, Limit, QueryParams};
pub use representation::{CachePolicy, Page, json};
