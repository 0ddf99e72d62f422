//! Configuration: command-line flags, each with a `ROADMAP_API_*` environment variable; a flag
//! wins over its variable.

use std::io::IsTerminal;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::domain::Slug;

/// The default `Cache-Control` of content responses.
pub const DEFAULT_CACHE_CONTROL: &str = "public, max-age=60, stale-while-revalidate=600";

/// roadmap-api: career roadmaps for healthcare professionals moving into tech, as a JSON API.
#[derive(Debug, Parser)]
#[command(name = "roadmap-api", version)]
pub struct Cli {
    #[command(flatten)]
    pub settings: Settings,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Clone, Subcommand)]
pub enum Command {
    /// Serve the API (the default). A missing database is created, migrated and filled with
    /// the bundled roadmaps; an existing one is migrated forward and left as it is.
    Serve,
    /// Create the database if needed and apply pending migrations, then exit.
    Migrate,
    /// Import roadmap documents from a file or a folder of *.json files: all or nothing.
    Import {
        /// A document, a JSON array of documents, or a folder of documents.
        path: PathBuf,
        /// Check everything (documents, conflicts) and write nothing.
        #[arg(long)]
        dry_run: bool,
    },
    /// Manage the admin bearer tokens.
    Token {
        #[command(subcommand)]
        action: TokenAction,
    },
    /// Print stored roadmaps as documents that `import` reads back identically.
    Export {
        /// Only this roadmap (printed as one document); without it, every roadmap.
        slug: Option<Slug>,
        /// Write one `<slug>.json` per roadmap into this folder instead of printing.
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Print the OpenAPI document.
    Openapi,
    /// Exit 0 when the server at `--bind` answers `/readyz` with 200: a container health
    /// check that needs no curl in the image.
    Healthcheck,
}

#[derive(Debug, Clone, Subcommand)]
pub enum TokenAction {
    /// Create a token and print it, once; only its hash is stored.
    Create {
        /// A name for the token's holder (kebab-case), recorded as the author of its writes.
        /// Authors are public: the revision history shows them to everyone. `bundled` and
        /// `cli` are the service's own and cannot be taken.
        name: Slug,
    },
    /// List the tokens' names and creation times.
    List,
    /// Revoke a token.
    Revoke { name: Slug },
}

/// Settings shared by every subcommand.
#[derive(Debug, Clone, Args)]
pub struct Settings {
    /// Address and port to listen on.
    #[arg(
        long,
        env = "ROADMAP_API_BIND",
        default_value = "127.0.0.1:8080",
        global = true
    )]
    pub bind: String,
    /// Address and port of the Prometheus metrics (`GET /metrics`), a listener of their own so
    /// that they never reach the public port; expose it to the scraper alone.
    #[arg(
        long,
        env = "ROADMAP_API_METRICS_BIND",
        default_value = "127.0.0.1:9464",
        global = true
    )]
    pub metrics_bind: String,
    /// The SQLite database file.
    #[arg(
        long,
        env = "ROADMAP_API_DATABASE",
        default_value = "roadmap.db",
        global = true
    )]
    pub database: PathBuf,
    /// Serve an existing database opened read-only; refuse to start if it needs migrating.
    #[arg(long, env = "ROADMAP_API_READ_ONLY", global = true)]
    pub read_only: bool,
    /// The public base URL (e.g. https://api.example.org) for absolute URLs in responses;
    /// unset, they are built from the request's Host.
    #[arg(long, env = "ROADMAP_API_PUBLIC_URL", value_parser = parse_public_url, global = true)]
    pub public_url: Option<String>,
    /// Addresses of the reverse proxies (comma-separated IPs) whose `X-Forwarded-Proto`
    /// is believed when absolute URLs are built from the request (no `--public-url`): behind
    /// a TLS proxy, `https`. From anyone else the header is ignored.
    #[arg(
        long,
        env = "ROADMAP_API_TRUSTED_PROXY",
        value_delimiter = ',',
        global = true
    )]
    pub trusted_proxy: Vec<std::net::IpAddr>,
    /// Per-client rate limit in requests a second (bursts of as many); off when unset.
    #[arg(long, env = "ROADMAP_API_RATE_LIMIT", global = true)]
    pub rate_limit: Option<std::num::NonZeroU32>,
    /// Per-client limit on the admin writes (`PUT`, `DELETE`) in requests a minute (bursts of
    /// as many): stricter than reads, whatever `--rate-limit` says.
    #[arg(
        long,
        env = "ROADMAP_API_ADMIN_RATE_LIMIT",
        default_value = "60",
        global = true
    )]
    pub admin_rate_limit: std::num::NonZeroU32,
    /// How long a request may take, in seconds, before it is answered 503 (and its work
    /// dropped); a client that sends its request head slower than 5 s is disconnected.
    #[arg(long, env = "ROADMAP_API_REQUEST_TIMEOUT", default_value_t = 30, value_parser = clap::value_parser!(u64).range(1..=3600), global = true)]
    pub request_timeout: u64,
    /// On SIGTERM, how long to keep serving, in seconds, while `/readyz` answers 503 so that
    /// load balancers stop sending requests, before the listener closes.
    #[arg(
        long,
        env = "ROADMAP_API_DRAIN_SECONDS",
        default_value_t = 0,
        global = true
    )]
    pub drain_seconds: u64,
    /// After the listener closes, how long in-flight requests get to finish, in seconds.
    #[arg(
        long,
        env = "ROADMAP_API_SHUTDOWN_TIMEOUT",
        default_value_t = 30,
        global = true
    )]
    pub shutdown_timeout: u64,
    /// Worker threads serving requests (default: one per CPU core). Match it to the CPUs the
    /// process may use, such as a container's CPU limit.
    #[arg(long, env = "ROADMAP_API_WORKERS", value_parser = clap::value_parser!(u16).range(1..=256), global = true)]
    pub workers: Option<u16>,
    /// Log output: `pretty` (default on a terminal) or `json` (default otherwise).
    #[arg(long, env = "ROADMAP_API_LOG_FORMAT", global = true)]
    pub log_format: Option<LogFormat>,
    /// The largest request body accepted (an admin `PUT`), in bytes.
    #[arg(long, env = "ROADMAP_API_MAX_BODY_BYTES", default_value_t = 2 * 1024 * 1024, global = true)]
    pub max_body_bytes: usize,
    /// Who may frame the embed pages: CSP `frame-ancestors` sources, such as
    /// `https://partner.example https://*.partner.example` (default `*`: any site).
    #[arg(
        long,
        env = "ROADMAP_API_FRAME_ANCESTORS",
        default_value = "*",
        global = true
    )]
    pub frame_ancestors: String,
    /// Cache-Control of content responses.
    #[arg(long, env = "ROADMAP_API_CACHE_CONTROL", default_value = DEFAULT_CACHE_CONTROL, global = true)]
    pub cache_control: String,
    /// The most bytes the in-memory response cache holds (bodies, their compressed variants,
    /// headers and keys); past that the least useful answers are evicted.
    #[arg(long, env = "ROADMAP_API_CACHE_BYTES", default_value_t = DEFAULT_CACHE_BYTES, global = true)]
    pub cache_bytes: u64,
}

/// The default bound of the response cache: 64 MiB.
pub const DEFAULT_CACHE_BYTES: u64 = 64 * 1024 * 1024;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    Pretty,
    Json,
}

impl Settings {
    /// The log format: as configured, else pretty for a person at a terminal, JSON for machines.
    pub fn log_format(&self) -> LogFormat {
        self.log_format
            .unwrap_or(if std::io::stderr().is_terminal() {
                LogFormat::Pretty
            } else {
                LogFormat::Json
            })
    }
}

fn parse_public_url(value: &str) -> Result<String, String> {
    if (value.starts_with("https://") || value.starts_with("http://"))
        && !value.contains(char::is_whitespace)
    {
        Ok(value.trim_end_matches('/').to_owned())
    } else {
        Err("must be an absolute http(s) URL such as https://api.example.org".to_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_match_the_contract() {
        let cli = Cli::try_parse_from(["roadmap-api"]).expect("parses");
        assert_eq!(cli.settings.bind, "127.0.0.1:8080");
        assert_eq!(cli.settings.database, PathBuf::from("roadmap.db"));
        assert!(!cli.settings.read_only);
        assert_eq!(cli.settings.cache_control, DEFAULT_CACHE_CONTROL);
        assert!(cli.command.is_none());
    }

    #[test]
    fn flags_and_subcommands_parse() {
        let cli = Cli::try_parse_from([
            "roadmap-api",
            "--bind",
            "0.0.0.0:9000",
            "export",
            "some-roadmap",
            "--log-format",
            "json",
        ])
        .expect("parses");
        assert_eq!(cli.settings.bind, "0.0.0.0:9000");
        assert_eq!(cli.settings.log_format, Some(LogFormat::Json));
        assert!(matches!(
            cli.command,
            Some(Command::Export {
                slug: Some(_),
                out: None
            })
        ));
        assert!(Cli::try_parse_from(["roadmap-api", "--public-url", "ftp://x"]).is_err());
        assert!(Cli::try_parse_from(["roadmap-api", "export", "Bad Slug"]).is_err());
    }
}
