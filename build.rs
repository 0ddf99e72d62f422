//! Compiles every roadmap document in `content/roadmaps/` into the binary, so that the binary
//! alone can create and fill a database, with the time that content was last changed: the
//! date its first revisions get, the same whenever and wherever a database is filled.

use std::path::Path;
use std::process::Command;
use std::time::UNIX_EPOCH;
use std::{env, fs};

fn main() {
    println!("cargo:rerun-if-changed=content/roadmaps");
    println!("cargo:rerun-if-env-changed=SOURCE_DATE_EPOCH");
    let root = env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR");
    let dir = Path::new(&root).join("content/roadmaps");
    let mut documents: Vec<_> = fs::read_dir(&dir)
        .expect("content/roadmaps is readable")
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "json"))
        .collect();
    documents.sort();
    let mut out = String::from("&[\n");
    for path in &documents {
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .expect("UTF-8 file names");
        out.push_str(&format!(
            "    ({name:?}, include_str!({:?})),\n",
            path.display().to_string()
        ));
    }
    out.push_str("]\n");
    let out_dir = env::var("OUT_DIR").expect("cargo sets OUT_DIR");
    fs::write(Path::new(&out_dir).join("bundled.rs"), out).expect("OUT_DIR is writable");
    let changed = changed_at(Path::new(&root), &documents);
    fs::write(
        Path::new(&out_dir).join("bundled_at.rs"),
        format!("{changed}\n"),
    )
    .expect("OUT_DIR is writable");
}

/// When the bundled content last changed, in seconds since the epoch: `SOURCE_DATE_EPOCH`
/// when the build sets it (the reproducible-builds convention; a container build, which has
/// no `.git`, passes it in), else the date of the last commit that touched
/// `content/roadmaps` when the folder is as committed, else the newest file's modification
/// time (content being edited).
fn changed_at(root: &Path, documents: &[std::path::PathBuf]) -> i64 {
    // A container build passes it as a build argument, which is empty when not given.
    if let Some(epoch) = env::var("SOURCE_DATE_EPOCH")
        .ok()
        .filter(|e| !e.trim().is_empty())
    {
        return epoch
            .trim()
            .parse()
            .expect("SOURCE_DATE_EPOCH is a number of seconds");
    }
    let git = |args: &[&str]| {
        Command::new("git")
            .current_dir(root)
            .args(args)
            .output()
            .ok()
            .filter(|out| out.status.success())
            .map(|out| String::from_utf8_lossy(&out.stdout).trim().to_owned())
    };
    let committed = git(&["status", "--porcelain", "--", "content/roadmaps"])
        .filter(|status| status.is_empty())
        .and_then(|_| git(&["log", "-1", "--format=%ct", "--", "content/roadmaps"]))
        .and_then(|seconds| seconds.parse().ok());
    committed.unwrap_or_else(|| {
        documents
            .iter()
            .filter_map(|path| fs::metadata(path).and_then(|m| m.modified()).ok())
            .filter_map(|time| time.duration_since(UNIX_EPOCH).ok())
            .map(|since| i64::try_from(since.as_secs()).unwrap_or(i64::MAX))
            .max()
            .unwrap_or(0)
    })
}
