//! Configuration: command-line flags, each with a `ROADMAP_API_*` environment variable; a flag
//! wins over its variable. Each subcommand takes the flags it uses and no others: the server's
//! belong to `serve`, which is also what `roadmap-api` alone runs.

use std::ffi::OsString;
use std::io::IsTerminal;
use std::path::PathBuf;

use clap::{Args, CommandFactory, FromArgMatches, Parser, Subcommand, ValueEnum};

use crate::domain::Slug;

/// The default `Cache-Control` of content responses.
pub const DEFAULT_CACHE_CONTROL: &str = "public, max-age=60, stale-while-revalidate=600";

/// roadmap-api: career roadmaps for healthcare professionals moving into tech, as a JSON API.
#[derive(Debug, Parser)]
#[command(
    name = "roadmap-api",
    version,
    after_help = "Without a subcommand it serves, and the options above are those of `serve`. \
                  Each subcommand takes its own: `roadmap-api help SUBCOMMAND`."
)]
pub struct Cli {
    // What `roadmap-api` alone serves with. Under a subcommand, the environment's settings and
    // the defaults, from which the commands that open the database start.
    #[command(flatten)]
    pub settings: Settings,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Clone, Subcommand)]
pub enum Command {
    /// Serve the API (the default). A missing database is created, migrated and filled with
    /// the bundled roadmaps; an existing one is migrated forward and left as it is.
    Serve(Settings),
    /// Create the database if needed and apply pending migrations, then exit.
    Migrate(DatabaseArgs),
    /// Import roadmap documents from a file or a folder of *.json files: all or nothing.
    Import {
        /// A document, a JSON array of documents, or a folder of documents.
        path: PathBuf,
        /// Check everything (documents, conflicts) and write nothing.
        #[arg(long)]
        dry_run: bool,
        /// When the revisions this import makes were published (RFC 3339, such as
        /// `2026-12-01T09:00:00Z`, or the commit date of the documents); default: now.
        /// Databases given the same documents and time answer with the same bytes and ETags.
        #[arg(long)]
        published_at: Option<chrono::DateTime<chrono::Utc>>,
        #[command(flatten)]
        database: DatabaseArgs,
    },
    /// Manage the admin bearer tokens.
    Token {
        #[command(subcommand)]
        action: TokenAction,
        #[command(flatten)]
        database: DatabaseArgs,
    },
    /// Print stored roadmaps as documents that `import` reads back identically.
    Export {
        /// Only this roadmap (printed as one document); without it, every roadmap.
        slug: Option<Slug>,
        /// Write one `<slug>.json` per roadmap into this folder instead of printing.
        #[arg(long)]
        out: Option<PathBuf>,
        /// Open the database read-only: change nothing, not even a migration, and refuse a
        /// database that needs one.
        #[arg(long, env = "ROADMAP_API_READ_ONLY")]
        read_only: bool,
        #[command(flatten)]
        database: DatabaseArgs,
    },
    /// Write a consistent copy of the database (safe while a server writes it) to a new file,
    /// for read-only replicas: the same content, revision numbers and dates as this
    /// database, so every server gives the same responses and ETags. The admin tokens and the
    /// story moderation queue are left out. Serve the copy with `--read-only`.
    Bake {
        /// The new file to write; it must not exist.
        #[arg(long)]
        out: PathBuf,
        #[command(flatten)]
        database: DatabaseArgs,
    },
    /// Print the OpenAPI document.
    Openapi,
    /// Exit 0 when the server at `--bind` answers `/readyz` with 200: a container health
    /// check that needs no curl in the image.
    Healthcheck {
        /// Address and port of the server to check, as given to `serve --bind`.
        #[arg(long, env = "ROADMAP_API_BIND", default_value = DEFAULT_BIND)]
        bind: String,
    },
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
    /// Revoke a token: requests bearing it are refused from then on. Its holder's past
    /// writes keep their author.
    Revoke {
        /// The name the token was created with (`token list` shows them).
        name: Slug,
    },
}

/// The flags of the subcommands that open the database.
#[derive(Debug, Clone, Args)]
pub struct DatabaseArgs {
    /// The SQLite database file.
    // Global, so that `token --database F create` and `token create --database F` both work.
    #[arg(long, env = "ROADMAP_API_DATABASE", default_value = DEFAULT_DATABASE, global = true)]
    pub database: PathBuf,
    /// Log output: `pretty` (default on a terminal) or `json` (default otherwise).
    #[arg(long, env = "ROADMAP_API_LOG_FORMAT", global = true)]
    pub log_format: Option<LogFormat>,
}

const DEFAULT_BIND: &str = "127.0.0.1:8080";
const DEFAULT_DATABASE: &str = "roadmap.db";

impl Cli {
    /// Parses the process's command line; a wrong one exits with clap's message.
    pub fn parse_command_line() -> Cli {
        Cli::parse_args(std::env::args_os()).unwrap_or_else(|error| error.exit())
    }

    /// Parses `args`, the program's name first. Flags written before a subcommand are read
    /// as that subcommand's (`roadmap-api --database F export`), as scripts wrote them when
    /// every flag was global: the subcommand refuses those it does not take, except the
    /// shared ones (see [`SHARED_FLAGS`]).
    pub fn parse_args<I, T>(args: I) -> Result<Cli, clap::Error>
    where
        I: IntoIterator<Item = T>,
        T: Into<OsString>,
    {
        let args: Vec<OsString> = args.into_iter().map(Into::into).collect();
        let mut command = Cli::command();
        let matches = command.try_get_matches_from_mut(&args)?;
        match matches.subcommand_name() {
            Some(name) => Cli::try_parse_from(flags_after_subcommand(&command, &args, name)),
            None => Cli::from_arg_matches(&matches).map_err(|error| error.format(&mut command)),
        }
    }

    /// The log format the command asks for, else the one that suits where stderr goes.
    pub fn log_format(&self) -> LogFormat {
        let asked = match &self.command {
            None => self.settings.log_format,
            Some(Command::Serve(settings)) => settings.log_format,
            Some(
                Command::Migrate(database)
                | Command::Import { database, .. }
                | Command::Token { database, .. }
                | Command::Export { database, .. }
                | Command::Bake { database, .. },
            ) => database.log_format,
            Some(Command::Openapi | Command::Healthcheck { .. }) => None,
        };
        asked.unwrap_or_else(LogFormat::for_stderr)
    }
}

/// Flags that scripts pass to every command they run, as they could when every flag was
/// global: before a subcommand that neither opens a database nor logs, they are left out.
const SHARED_FLAGS: &[&str] = &["database", "log-format"];

/// `args` with the flags written before the subcommand `name` (which clap found there) moved
/// after it, less the shared flags it does not take. A value such as the `export` of
/// `--database export export` is moved with its flag, not taken for the subcommand.
fn flags_after_subcommand(top: &clap::Command, args: &[OsString], name: &str) -> Vec<OsString> {
    let takes = |long: &str| {
        top.find_subcommand(name)
            .is_some_and(|s| s.get_arguments().any(|a| a.get_long() == Some(long)))
    };
    let mut before = Vec::new();
    let mut at = 1;
    while let Some(arg) = args.get(at).filter(|arg| *arg != name) {
        let (long, inline_value) = match arg.as_encoded_bytes().strip_prefix(b"--") {
            Some(flag) => match flag.iter().position(|&b| b == b'=') {
                Some(equals) => (std::str::from_utf8(&flag[..equals]).ok(), true),
                None => (std::str::from_utf8(flag).ok(), false),
            },
            None => (None, false),
        };
        let takes_value = long
            .and_then(|long| top.get_arguments().find(|a| a.get_long() == Some(long)))
            .is_some_and(|a| a.get_action().takes_values());
        let end = (at + if takes_value && !inline_value { 2 } else { 1 }).min(args.len());
        if long.is_none_or(|long| takes(long) || !SHARED_FLAGS.contains(&long)) {
            before.extend_from_slice(&args[at..end]);
        }
        at = end;
    }
    match args.get(at) {
        Some(subcommand) => {
            let subcommand = std::slice::from_ref(subcommand);
            [&args[..1], subcommand, &before, &args[at + 1..]].concat()
        }
        None => args.to_vec(),
    }
}

/// The settings of `serve`, which `roadmap-api` alone takes too.
#[derive(Debug, Clone, Args)]
pub struct Settings {
    /// Address and port to listen on.
    #[arg(
        long,
        env = "ROADMAP_API_BIND",
        default_value = DEFAULT_BIND
    )]
    pub bind: String,
    /// Address and port of the Prometheus metrics (`GET /metrics`), a listener of their own so
    /// that they never reach the public port; expose it to the scraper alone.
    #[arg(
        long,
        env = "ROADMAP_API_METRICS_BIND",
        default_value = "127.0.0.1:9464"
    )]
    pub metrics_bind: String,
    /// The SQLite database file.
    #[arg(
        long,
        env = "ROADMAP_API_DATABASE",
        default_value = DEFAULT_DATABASE
    )]
    pub database: PathBuf,
    /// Serve an existing database opened read-only; refuse to start if it needs migrating.
    #[arg(long, env = "ROADMAP_API_READ_ONLY")]
    pub read_only: bool,
    /// The public base URL (e.g. https://api.example.org) for absolute URLs in responses;
    /// unset, they are built from the request's Host.
    #[arg(long, env = "ROADMAP_API_PUBLIC_URL", value_parser = parse_public_url)]
    pub public_url: Option<String>,
    /// Addresses of the reverse proxies (comma-separated IPs) whose `X-Forwarded-Proto`
    /// is believed when absolute URLs are built from the request (no `--public-url`): behind
    /// a TLS proxy, `https`. From anyone else the header is ignored.
    #[arg(long, env = "ROADMAP_API_TRUSTED_PROXY", value_delimiter = ',')]
    pub trusted_proxy: Vec<std::net::IpAddr>,
    /// Per-client rate limit in requests a second (bursts of as many); off when unset.
    #[arg(long, env = "ROADMAP_API_RATE_LIMIT")]
    pub rate_limit: Option<std::num::NonZeroU32>,
    /// Per-client limit on the admin writes (`PUT`, `PATCH`, `DELETE`) in requests a minute
    /// (bursts of as many): stricter than reads, whatever `--rate-limit` says.
    #[arg(long, env = "ROADMAP_API_ADMIN_RATE_LIMIT", default_value = "60")]
    pub admin_rate_limit: std::num::NonZeroU32,
    /// Per-client limit on story submissions, in submissions an hour (bursts of as many).
    /// The client is the connection's address, or the address a trusted proxy
    /// (`--trusted-proxy`) forwards in `X-Forwarded-For`.
    #[arg(long, env = "ROADMAP_API_STORY_RATE_LIMIT", default_value = "5")]
    pub story_rate_limit: std::num::NonZeroU32,
    /// The most submissions that may wait for moderation at once; beyond it, submissions are
    /// answered 503 until editors catch up, so that no one can fill the disk.
    #[arg(long, env = "ROADMAP_API_STORY_MAX_PENDING", default_value = "1000")]
    pub story_max_pending: std::num::NonZeroU32,
    /// How long a request may take, in seconds, before it is answered 503 (and its work
    /// dropped); a client that sends its request head slower than 5 s is disconnected.
    #[arg(long, env = "ROADMAP_API_REQUEST_TIMEOUT", default_value_t = 30, value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub request_timeout: u64,
    /// On SIGTERM, how long to keep serving, in seconds, while `/readyz` answers 503 so that
    /// load balancers stop sending requests, before the listener closes.
    #[arg(long, env = "ROADMAP_API_DRAIN_SECONDS", default_value_t = 0)]
    pub drain_seconds: u64,
    /// After the listener closes, how long in-flight requests get to finish, in seconds.
    #[arg(long, env = "ROADMAP_API_SHUTDOWN_TIMEOUT", default_value_t = 30)]
    pub shutdown_timeout: u64,
    /// Worker threads serving requests (default: one per CPU core). Match it to the CPUs the
    /// process may use, such as a container's CPU limit.
    #[arg(long, env = "ROADMAP_API_WORKERS", value_parser = clap::value_parser!(u16).range(1..=256))]
    pub workers: Option<u16>,
    /// Log output: `pretty` (default on a terminal) or `json` (default otherwise).
    #[arg(long, env = "ROADMAP_API_LOG_FORMAT")]
    pub log_format: Option<LogFormat>,
    /// The largest request body accepted (an admin `PUT`), in bytes.
    #[arg(long, env = "ROADMAP_API_MAX_BODY_BYTES", default_value_t = 2 * 1024 * 1024)]
    pub max_body_bytes: usize,
    /// Who may frame the embed pages: CSP `frame-ancestors` sources, such as
    /// `https://partner.example https://*.partner.example` (default `*`: any site).
    #[arg(long, env = "ROADMAP_API_FRAME_ANCESTORS", default_value = "*")]
    pub frame_ancestors: String,
    /// Cache-Control of content responses.
    #[arg(long, env = "ROADMAP_API_CACHE_CONTROL", default_value = DEFAULT_CACHE_CONTROL)]
    pub cache_control: String,
    /// The most bytes the in-memory response cache holds (bodies, their compressed variants,
    /// headers and keys); past that the least useful answers are evicted.
    #[arg(long, env = "ROADMAP_API_CACHE_BYTES", default_value_t = DEFAULT_CACHE_BYTES)]
    pub cache_bytes: u64,
    /// Where people read a roadmap when the roadmap site lives elsewhere: a URL template with
    /// `{slug}`, such as `https://roadmaps.example/{slug}`. The embed's "From" link goes
    /// there; unset, it goes to this server's own page, `/roadmaps/{slug}`.
    #[arg(long, env = "ROADMAP_API_SITE_URL", value_parser = parse_site_url)]
    pub site_url: Option<String>,
}

/// The default bound of the response cache: 64 MiB.
pub const DEFAULT_CACHE_BYTES: u64 = 64 * 1024 * 1024;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    Pretty,
    Json,
}

impl LogFormat {
    /// Pretty for a person at a terminal, JSON for machines.
    fn for_stderr() -> LogFormat {
        if std::io::stderr().is_terminal() {
            LogFormat::Pretty
        } else {
            LogFormat::Json
        }
    }
}

fn parse_site_url(value: &str) -> Result<String, String> {
    let absolute = (value.starts_with("https://") || value.starts_with("http://"))
        && !value.contains(char::is_whitespace);
    if absolute && value.contains("{slug}") {
        Ok(value.to_owned())
    } else {
        Err("must be an absolute http(s) URL holding `{slug}`, such as \
             https://roadmaps.example/{slug}"
            .to_owned())
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

    fn parse(args: &[&str]) -> Result<Cli, clap::Error> {
        Cli::parse_args(std::iter::once("roadmap-api").chain(args.iter().copied()))
    }

    #[test]
    fn the_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn defaults_match_the_contract() {
        let cli = parse(&[]).expect("parses");
        assert_eq!(cli.settings.bind, "127.0.0.1:8080");
        assert_eq!(cli.settings.metrics_bind, "127.0.0.1:9464");
        assert_eq!(cli.settings.database, PathBuf::from("roadmap.db"));
        assert!(!cli.settings.read_only);
        assert_eq!(cli.settings.cache_control, DEFAULT_CACHE_CONTROL);
        assert!(cli.command.is_none());
    }

    #[test]
    fn each_subcommand_takes_its_own_flags() {
        let cli = parse(&["serve", "--bind", "0.0.0.0:9000", "--workers", "2"]).expect("parses");
        let Some(Command::Serve(settings)) = cli.command else {
            panic!("serve: {:?}", cli.command);
        };
        assert_eq!(
            (settings.bind.as_str(), settings.workers),
            ("0.0.0.0:9000", Some(2))
        );

        let cli = parse(&[
            "export",
            "some-roadmap",
            "--log-format",
            "json",
            "--database",
            "x.db",
        ])
        .expect("parses");
        let Some(Command::Export {
            slug: Some(_),
            out: None,
            database,
            ..
        }) = cli.command
        else {
            panic!("export: {:?}", cli.command);
        };
        assert_eq!(database.database, PathBuf::from("x.db"));
        assert_eq!(database.log_format, Some(LogFormat::Json));

        let cli = parse(&["healthcheck", "--bind", "127.0.0.1:1"]).expect("parses");
        assert!(
            matches!(cli.command, Some(Command::Healthcheck { bind }) if bind == "127.0.0.1:1")
        );

        for refused in [
            &["export", "--workers", "2"][..],
            &["export", "--bind", "127.0.0.1:1"],
            &["migrate", "--metrics-bind", "127.0.0.1:1"],
            &["import", "--read-only", "file.json"],
            &["token", "list", "--rate-limit", "5"],
            &["openapi", "--database", "x.db"],
            &["healthcheck", "--database", "x.db"],
        ] {
            assert!(parse(refused).is_err(), "{refused:?}");
        }
    }

    #[test]
    fn flags_before_a_subcommand_are_its_own() {
        let cli = parse(&["--database", "x.db", "serve", "--bind", "127.0.0.1:1"]).expect("parses");
        let Some(Command::Serve(settings)) = cli.command else {
            panic!("serve: {:?}", cli.command);
        };
        assert_eq!(settings.database, PathBuf::from("x.db"));
        assert_eq!(settings.bind, "127.0.0.1:1");

        // A value that reads like a subcommand is still a value.
        let cli =
            parse(&["--database", "export", "--log-format", "json", "export"]).expect("parses");
        let Some(Command::Export { database, .. }) = cli.command else {
            panic!("export: {:?}", cli.command);
        };
        assert_eq!(database.database, PathBuf::from("export"));
        assert_eq!(database.log_format, Some(LogFormat::Json));

        for args in [
            &["--database", "x.db", "token", "create", "alice"][..],
            &["token", "--database", "x.db", "create", "alice"],
            &["token", "create", "alice", "--database", "x.db"],
        ] {
            let cli = parse(args).expect("parses");
            let Some(Command::Token { database, .. }) = cli.command else {
                panic!("token: {:?}", cli.command);
            };
            assert_eq!(database.database, PathBuf::from("x.db"), "{args:?}");
        }

        let cli = parse(&["--read-only", "export"]).expect("parses");
        assert!(matches!(
            cli.command,
            Some(Command::Export {
                read_only: true,
                ..
            })
        ));
        assert!(parse(&["--workers", "2", "export"]).is_err());
        assert!(parse(&["--bind", "127.0.0.1:1", "migrate"]).is_err());
    }

    #[test]
    fn values_are_checked() {
        assert!(parse(&["--public-url", "ftp://x"]).is_err());
        assert!(parse(&["export", "Bad Slug"]).is_err());
        assert!(parse(&["serve", "--workers", "0"]).is_err());
    }
}
