//! roadmap-api: the JSON REST service behind career roadmaps for healthcare professionals
//! moving into tech.
//!
//! A guided tour: [`domain`] holds the roadmap document and its rules; [`store`] the SQL;
//! [`http`] what all routes share (problem+json, ETags, query parameters, middleware);
//! [`routes`] one module per resource; [`startup`] assembles them; [`commands`] is the CLI.

pub mod commands;
pub mod configuration;
pub mod content;
pub mod domain;
pub mod http;
pub mod routes;
pub mod startup;
pub mod store;
pub mod telemetry;
