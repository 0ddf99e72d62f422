//! Integration tests: each starts the real application on a random port with a fresh SQLite
//! file in a temporary folder, and talks HTTP to it. One test binary, one link.

mod admin;
mod caching;
mod catalogue;
mod cli;
mod collection;
mod content;
mod embed;
mod errors;
mod first_hour;
mod formats;
mod front_door;
mod hardening;
mod helpers;
mod layers;
mod operations;
mod plan;
mod progress;
mod replicas;
mod roadmaps;
mod search;
mod security;
mod spec;
mod stories;
mod sub_resources;
