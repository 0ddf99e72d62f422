//! Integration tests: each starts the real application on a random port with a fresh SQLite
//! file in a temporary folder, and talks HTTP to it. One test binary, one link.

mod caching;
mod cli;
mod content;
mod errors;
mod helpers;
mod roadmaps;
mod spec;
mod sub_resources;
