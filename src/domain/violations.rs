//! What is wrong with a document a client sent: each problem at its JSON Pointer, the first
//! hundred of them.

use serde::Serialize;
use utoipa::ToSchema;

/// One thing wrong with a document, located by a JSON Pointer (RFC 6901) into it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct Violation {
    /// Where in the document, e.g. `/projects/2/hours`.
    #[schema(example = "/projects/2/hours")]
    pub pointer: String,
    /// What is wrong there.
    #[schema(example = "min (40) must not exceed max (30)")]
    pub detail: String,
}

/// The most violations reported of one document: a hostile document can hold hundreds of
/// thousands, and an answer listing them all would be larger than the document.
pub const MAX_VIOLATIONS: usize = 100;

/// The things wrong with a document: the first [`MAX_VIOLATIONS`] found, and whether there
/// were more.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Violations {
    pub found: Vec<Violation>,
    pub truncated: bool,
}

impl Violations {
    pub fn one(pointer: String, detail: String) -> Violations {
        Violations {
            found: vec![Violation { pointer, detail }],
            truncated: false,
        }
    }

    pub(super) fn report(&mut self, pointer: String, detail: String) {
        if self.found.len() < MAX_VIOLATIONS {
            self.found.push(Violation { pointer, detail });
        } else {
            self.truncated = true;
        }
    }

    pub fn is_empty(&self) -> bool {
        self.found.is_empty()
    }
}
