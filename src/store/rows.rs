//! Rows for the statements that insert many at once: a list as one JSON array.

/// Rows as one JSON array, which a statement reads with `json_each`. A list of any length,
/// across a whole batch of roadmaps, is thus one statement: one trip to SQLite's thread
/// instead of one per item. A row names its roadmap by slug, and a child row its parent by
/// the parent's key (or a topic its group by position) within that roadmap.
pub(super) fn rows(items: impl IntoIterator<Item = serde_json::Value>) -> String {
    serde_json::Value::Array(items.into_iter().collect()).to_string()
}
