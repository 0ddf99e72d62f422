//! The JSON Schemas of the documents clients send (a roadmap, a story submission, a moderation
//! patch), generated from the types (the ones the spec publishes), and the first pass of
//! checking a document against its schema with the `jsonschema` crate: every
//! place that breaks the schema is reported at once, where deserializing stops at the first.

use std::sync::LazyLock;

use serde_json::{Map, Value, json};
use utoipa::ToSchema;

use super::Roadmap;
use super::violations::Violations;

/// The most JSON values a document may hold. The bundled roadmap holds a few thousand; the
/// cap keeps the schema pass, which gathers every error before any is reported, small
/// whatever a hostile document holds (a 2 MB body of empty strings is 700,000 values).
pub const MAX_VALUES: usize = 50_000;

/// A type's schema (the one the spec publishes) compiled as a JSON Schema 2020-12 document:
/// the type's schema at the root, and the schemas it refers to where its `$ref`s
/// (`#/components/schemas/...`) point.
pub(super) struct SchemaCheck(Result<jsonschema::Validator, String>);

impl SchemaCheck {
    pub(super) fn of<T: ToSchema>() -> SchemaCheck {
        SchemaCheck(compile::<T>())
    }

    /// Reports where `document` breaks the schema; more than [`MAX_VALUES`] values is one
    /// problem, reported instead.
    pub(super) fn check(&self, document: &Value, found: &mut Violations) {
        if count_values(document, MAX_VALUES + 1) > MAX_VALUES {
            found.report(
                String::new(),
                format!("holds more than {MAX_VALUES} JSON values, more than any document needs"),
            );
            return;
        }
        match &self.0 {
            Ok(validator) => {
                for error in validator.iter_errors(document) {
                    found.report(error.instance_path().to_string(), error.to_string());
                }
            }
            // The schema is generated from the types, so this is a bug the unit tests catch;
            // deserializing still checks the document.
            Err(error) => tracing::error!(%error, "a schema does not compile"),
        }
    }
}

fn compile<T: ToSchema>() -> Result<jsonschema::Validator, String> {
    let mut referred = Vec::new();
    T::schemas(&mut referred);
    let components: Map<String, Value> = referred
        .into_iter()
        .map(|(name, schema)| Ok((name, serde_json::to_value(schema)?)))
        .collect::<Result<_, serde_json::Error>>()
        .map_err(|e| e.to_string())?;
    let mut root = serde_json::to_value(T::schema()).map_err(|e| e.to_string())?;
    if let Value::Object(root) = &mut root {
        root.insert(
            "$schema".to_owned(),
            json!("https://json-schema.org/draft/2020-12/schema"),
        );
        root.insert("components".to_owned(), json!({ "schemas": components }));
    }
    jsonschema::validator_for(&root).map_err(|e| e.to_string())
}

static ROADMAP: LazyLock<SchemaCheck> = LazyLock::new(SchemaCheck::of::<Roadmap>);

/// Reports where `document` breaks the roadmap's schema.
pub(super) fn check(document: &Value, found: &mut Violations) {
    ROADMAP.check(document, found);
}

/// The values in `value`, counting no further than `limit`.
fn count_values(value: &Value, limit: usize) -> usize {
    let mut count = 0;
    let mut pending = vec![value];
    while let Some(next) = pending.pop() {
        count += 1;
        if count >= limit {
            break;
        }
        match next {
            Value::Array(items) => pending.extend(items),
            Value::Object(fields) => pending.extend(fields.values()),
            _ => {}
        }
    }
    count
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_schema_compiles_and_holds_the_bundled_document() {
        let validator = ROADMAP.0.as_ref().expect("the schema compiles");
        for roadmap in crate::content::bundled().expect("bundled content") {
            let document = serde_json::to_value(&roadmap).expect("json");
            let errors: Vec<String> = validator
                .iter_errors(&document)
                .map(|e| format!("{}: {e}", e.instance_path()))
                .collect();
            assert!(errors.is_empty(), "{errors:?}");
        }
    }

    #[test]
    fn counting_stops_at_the_limit() {
        let many = Value::Array(vec![Value::Null; 1000]);
        assert_eq!(count_values(&many, 10), 10);
        assert_eq!(count_values(&json!({"a": [1, 2]}), 100), 4);
    }
}
