//! The roadmap documents shipped in the binary (`content/roadmaps/*.json`, compiled in by
//! `build.rs`), and reading documents from files for `import`.

use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};

use crate::domain::{DocumentError, Roadmap};

/// `(file name, document)` for every bundled roadmap, in file-name order.
pub const BUNDLED: &[(&str, &str)] = include!(concat!(env!("OUT_DIR"), "/bundled.rs"));

/// When the bundled content last changed, in seconds since the epoch (see `build.rs`).
const BUNDLED_AT: i64 = include!(concat!(env!("OUT_DIR"), "/bundled_at.rs"));

/// When the bundled content last changed: the publication time of the revisions that a
/// bundled fill records, so that every database this binary fills holds the same dates (and
/// every server gives the same bytes and ETags), whenever the fill ran.
pub fn bundled_at() -> DateTime<Utc> {
    DateTime::from_timestamp(BUNDLED_AT, 0).unwrap_or_default()
}

/// A document that could not be read or is not a valid roadmap.
#[derive(Debug, thiserror::Error)]
pub enum ContentError {
    #[error("cannot read {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{}", document_problems(path, source))]
    Document {
        path: PathBuf,
        source: DocumentError,
    },
    #[error("{0} holds no roadmap documents (*.json)")]
    Empty(PathBuf),
    #[error(
        "{path} holds the roadmap `{slug}`: in a folder, each file holds one roadmap and is \
         named after its slug (`{slug}.json`); nothing was imported"
    )]
    MisnamedFile { path: PathBuf, slug: String },
}

/// Every problem of a document on a line of its own, each with the file's name and its JSON
/// pointer, as the API's 422 lists them.
fn document_problems(path: &Path, error: &DocumentError) -> String {
    let shown = path.display();
    match error {
        DocumentError::Invalid(violations) => {
            let more = if violations.truncated {
                ", the first 100 shown"
            } else {
                ""
            };
            let mut text = format!(
                "{shown} is not a valid roadmap ({} problems{more}):",
                violations.found.len()
            );
            for violation in &violations.found {
                text.push_str(&format!(
                    "\n{shown}: {}: {}",
                    if violation.pointer.is_empty() {
                        "/"
                    } else {
                        &violation.pointer
                    },
                    violation.detail
                ));
            }
            text
        }
        other => format!("{shown}: {other}"),
    }
}

/// The bundled roadmaps, parsed. A bundled document that does not parse fails the unit tests.
pub fn bundled() -> Result<Vec<Roadmap>, ContentError> {
    BUNDLED
        .iter()
        .map(|(name, text)| {
            Roadmap::parse(text.as_bytes()).map_err(|source| ContentError::Document {
                path: PathBuf::from(name),
                source,
            })
        })
        .collect()
}

/// Reads roadmaps from a file (one document, or a JSON array of documents as `export`
/// writes them) or from a folder of `*.json` files, each holding the one roadmap its name
/// says (`<slug>.json`, as `export --out` writes them).
pub fn read_path(path: &Path) -> Result<Vec<Roadmap>, ContentError> {
    let io = |source| ContentError::Io {
        path: path.to_owned(),
        source,
    };
    if !path.is_dir() {
        return read_file(path);
    }
    let mut files: Vec<PathBuf> = std::fs::read_dir(path)
        .map_err(io)?
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .filter(|p| p.extension().is_some_and(|ext| ext == "json"))
        .collect();
    files.sort();
    if files.is_empty() {
        return Err(ContentError::Empty(path.to_owned()));
    }
    // A file's name is what an editor goes by: one holding another roadmap would silently
    // replace that roadmap.
    let mut roadmaps = Vec::new();
    for file in files {
        let found = read_file(&file)?;
        let named = |r: &Roadmap| file.file_stem().is_some_and(|stem| stem == r.slug.as_str());
        match found.as_slice() {
            [roadmap] if named(roadmap) => {}
            _ => {
                let slug = found.iter().find(|r| !named(r)).or(found.first());
                return Err(ContentError::MisnamedFile {
                    path: file.clone(),
                    slug: slug.map_or_else(String::new, |r| r.slug.to_string()),
                });
            }
        }
        roadmaps.extend(found);
    }
    Ok(roadmaps)
}

fn read_file(path: &Path) -> Result<Vec<Roadmap>, ContentError> {
    let bytes = std::fs::read(path).map_err(|source| ContentError::Io {
        path: path.to_owned(),
        source,
    })?;
    let document = |source| ContentError::Document {
        path: path.to_owned(),
        source,
    };
    let first = bytes.iter().find(|b| !b.is_ascii_whitespace());
    if first == Some(&b'[') {
        let items: Vec<serde_json::Value> = serde_json::from_slice(&bytes)
            .map_err(|e| document(DocumentError::Malformed(e.to_string())))?;
        items
            .iter()
            .map(|item| Roadmap::from_value(item).map_err(document))
            .collect()
    } else {
        Ok(vec![Roadmap::parse(&bytes).map_err(document)?])
    }
}

/// A document as `export` writes it and `content/` stores it: pretty JSON with a final newline.
pub fn to_document_text<T: serde::Serialize>(value: &T) -> Result<String, serde_json::Error> {
    let mut text = serde_json::to_string_pretty(value)?;
    text.push('\n');
    Ok(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_bundled_document_is_a_valid_roadmap() {
        let roadmaps = bundled().expect("bundled content parses");
        assert!(!roadmaps.is_empty());
    }

    #[test]
    fn bundled_documents_are_in_canonical_form() {
        for (name, text) in BUNDLED {
            let roadmap = Roadmap::parse(text.as_bytes()).expect("parses");
            let canonical = to_document_text(&roadmap).expect("serializes");
            assert_eq!(&canonical, text, "{name} is not as `export` writes it");
        }
    }
}
