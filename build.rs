//! Compiles every roadmap document in `content/roadmaps/` into the binary, so that the binary
//! alone can create and fill a database.

use std::path::Path;
use std::{env, fs};

fn main() {
    println!("cargo:rerun-if-changed=content/roadmaps");
    let dir = Path::new(&env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"))
        .join("content/roadmaps");
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
    let target = Path::new(&env::var("OUT_DIR").expect("cargo sets OUT_DIR")).join("bundled.rs");
    fs::write(target, out).expect("OUT_DIR is writable");
}
