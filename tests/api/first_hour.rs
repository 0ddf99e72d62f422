//! A newcomer's first hour: the command line as the README and `--help` present it.

use std::collections::BTreeSet;
use std::ffi::OsStr;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Output, Stdio};

use crate::helpers::{SLUG, spawn_app};

/// The binary with none of the `ROADMAP_API_*` variables of whoever runs the tests.
fn binary() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_roadmap-api"));
    for (name, _) in std::env::vars_os() {
        if name.to_string_lossy().starts_with("ROADMAP_API_") {
            command.env_remove(name);
        }
    }
    command.env_remove("RUST_LOG");
    command
}

fn run(args: &[&str], env: &[(&str, &OsStr)]) -> Output {
    let mut command = binary();
    command.args(args);
    for (name, value) in env {
        command.env(name, value);
    }
    command.output().expect("the binary runs")
}

fn succeeded(output: &Output) -> String {
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout.clone()).expect("UTF-8")
}

/// The flags `--help` lists, by their long names.
fn listed_flags(help: &str) -> BTreeSet<String> {
    help.lines()
        .map(str::trim_start)
        .filter(|line| line.starts_with('-'))
        .filter_map(|line| {
            line.split_whitespace()
                .map(|word| word.trim_end_matches(','))
                .find(|word| word.starts_with("--"))
                .map(str::to_owned)
        })
        .collect()
}

const SERVE_FLAGS: &[&str] = &[
    "--bind",
    "--metrics-bind",
    "--database",
    "--read-only",
    "--public-url",
    "--trusted-proxy",
    "--rate-limit",
    "--admin-rate-limit",
    "--story-rate-limit",
    "--story-max-pending",
    "--request-timeout",
    "--drain-seconds",
    "--shutdown-timeout",
    "--workers",
    "--log-format",
    "--max-body-bytes",
    "--frame-ancestors",
    "--cache-control",
    "--cache-bytes",
    "--site-url",
];

#[test]
fn each_subcommand_lists_only_the_flags_it_uses() {
    let database = &["--database", "--log-format"][..];
    let cases: &[(&[&str], Vec<&str>)] = &[
        (&[], [SERVE_FLAGS, &["--version"]].concat()),
        (&["serve"], SERVE_FLAGS.to_vec()),
        (&["migrate"], database.to_vec()),
        (
            &["import"],
            [database, &["--dry-run", "--published-at"]].concat(),
        ),
        (&["export"], [database, &["--out", "--read-only"]].concat()),
        (&["bake"], [database, &["--out"]].concat()),
        (&["token"], database.to_vec()),
        (&["token", "create"], database.to_vec()),
        (&["token", "list"], database.to_vec()),
        (&["token", "revoke"], database.to_vec()),
        (&["openapi"], Vec::new()),
        (&["healthcheck"], vec!["--bind"]),
    ];
    for (command, flags) in cases {
        let help = succeeded(&run(&[*command, &["--help"]].concat(), &[]));
        let expected: BTreeSet<String> = flags
            .iter()
            .chain(&["--help"])
            .map(|flag| (*flag).to_owned())
            .collect();
        assert_eq!(listed_flags(&help), expected, "{command:?}\n{help}");
    }
}

#[test]
fn token_revoke_says_what_it_does() {
    let help = succeeded(&run(&["token", "--help"], &[]));
    let revoke = help
        .lines()
        .find(|line| line.trim_start().starts_with("revoke"))
        .expect("revoke is listed");
    assert!(revoke.len() > "  revoke  ".len() + 20, "{help}");
    let help = succeeded(&run(&["token", "revoke", "--help"], &[]));
    let argument = help
        .lines()
        .find(|line| line.trim_start().starts_with("<NAME>"))
        .expect("NAME is listed");
    assert!(argument.trim() != "<NAME>", "{help}");
}

#[test]
fn a_flag_another_subcommand_uses_is_refused_by_name() {
    let dir = tempfile::tempdir().expect("temp dir");
    let database = dir.path().join("roadmap.db");
    for (args, flag) in [
        (&["export", "--workers", "2"][..], "--workers"),
        (&["--workers", "2", "export"], "--workers"),
        (&["migrate", "--bind", "127.0.0.1:1"], "--bind"),
    ] {
        let output = run(args, &[("ROADMAP_API_DATABASE", database.as_os_str())]);
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains(&format!("'{flag}'")), "{stderr}");
    }
    assert!(!database.exists(), "a refused command opens nothing");
}

#[tokio::test]
async fn every_variable_still_sets_its_flag() {
    let dir = tempfile::tempdir().expect("temp dir");
    let database = dir.path().join("from-env.db");
    let env = [("ROADMAP_API_DATABASE", database.as_os_str())];
    succeeded(&run(&["migrate"], &env));
    assert!(database.exists());
    let token = succeeded(&run(&["token", "create", "alice"], &env));
    assert!(!token.trim().is_empty());
    assert!(succeeded(&run(&["token", "list"], &env)).contains("alice"));
    let read_only = [
        ("ROADMAP_API_DATABASE", database.as_os_str()),
        ("ROADMAP_API_READ_ONLY", OsStr::new("true")),
    ];
    assert!(succeeded(&run(&["export", SLUG], &read_only)).contains(SLUG));

    let app = spawn_app().await;
    let bind = app.address.trim_start_matches("http://").to_owned();
    let healthcheck = tokio::task::spawn_blocking(move || {
        run(&["healthcheck"], &[("ROADMAP_API_BIND", OsStr::new(&bind))])
    });
    succeeded(&healthcheck.await.expect("joined"));

    // And `roadmap-api` alone serves with the server's variables.
    let mut server = binary()
        .env("ROADMAP_API_DATABASE", &database)
        .env("ROADMAP_API_BIND", "127.0.0.1:0")
        .env("ROADMAP_API_METRICS_BIND", "127.0.0.1:0")
        .env("ROADMAP_API_LOG_FORMAT", "json")
        .env("ROADMAP_API_WORKERS", "1")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawns");
    let log = BufReader::new(server.stderr.take().expect("stderr"));
    let listening = log
        .lines()
        .map_while(Result::ok)
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(&line).ok())
        .find(|entry| entry["fields"]["message"] == "listening");
    server.kill().expect("killed");
    server.wait().expect("reaped");
    let listening = listening.expect("the server listened");
    assert_eq!(
        listening["fields"]["database"],
        database.display().to_string()
    );
}

/// Runs the binary with its stdout a pipe whose reader has gone, as in `| head` once it has
/// read its lines.
fn to_a_closed_pipe(args: &[&str], database: &Path) -> Output {
    let mut child = binary()
        .args(args)
        .env("ROADMAP_API_DATABASE", database)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawns");
    drop(child.stdout.take());
    child.wait_with_output().expect("runs")
}

#[test]
fn output_to_a_closed_pipe_ends_quietly() {
    let dir = tempfile::tempdir().expect("temp dir");
    let database = dir.path().join("roadmap.db");
    succeeded(&run(
        &["migrate"],
        &[("ROADMAP_API_DATABASE", database.as_os_str())],
    ));
    for args in [&["openapi"][..], &["export"], &["export", SLUG]] {
        let output = to_a_closed_pipe(args, &database);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(output.status.success(), "{args:?}: {stderr}");
        assert!(
            !stderr.to_lowercase().contains("pipe"),
            "{args:?}: {stderr}"
        );
    }

    // A token nobody read is lost, though: that fails, and says what to do.
    let output = to_a_closed_pipe(&["token", "create", "alice"], &database);
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("token revoke alice"), "{stderr}");
}

#[test]
fn token_list_says_when_there_are_none() {
    let dir = tempfile::tempdir().expect("temp dir");
    let env = [(
        "ROADMAP_API_DATABASE",
        dir.path().join("roadmap.db").into_os_string(),
    )];
    let env: Vec<(&str, &OsStr)> = env.iter().map(|(n, v)| (*n, v.as_os_str())).collect();
    let none = run(&["token", "list"], &env);
    assert_eq!(succeeded(&none), "", "scripts reading stdout get nothing");
    assert!(String::from_utf8_lossy(&none.stderr).contains("no tokens"));

    succeeded(&run(&["token", "create", "alice"], &env));
    let some = run(&["token", "list"], &env);
    assert!(succeeded(&some).starts_with("alice\t"));
    assert!(!String::from_utf8_lossy(&some.stderr).contains("no tokens"));
}

/// The error line of a command that must fail.
fn error_of(output: &Output) -> String {
    assert!(!output.status.success());
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn errors_are_said_once_and_name_what_they_concern() {
    let dir = tempfile::tempdir().expect("temp dir");
    let database = dir.path().join("roadmap.db");
    let missing = dir.path().join("missing.json");
    let mut command = binary();
    command
        .args(["import", missing.to_str().expect("UTF-8 path")])
        .env("ROADMAP_API_DATABASE", &database)
        .env("RUST_BACKTRACE", "1");
    let stderr = error_of(&command.output().expect("runs"));
    assert_eq!(stderr.matches("missing.json").count(), 1, "{stderr}");
    assert_eq!(stderr.matches("os error 2").count(), 1, "{stderr}");
    assert!(
        !stderr.contains("Caused by") && !stderr.contains("backtrace"),
        "{stderr}"
    );

    // The database a store error concerns.
    let empty = dir.path().join("empty.db");
    std::fs::write(&empty, b"").expect("an empty database");
    let stderr = error_of(&run(
        &["export", "--read-only"],
        &[("ROADMAP_API_DATABASE", empty.as_os_str())],
    ));
    assert!(
        stderr.contains("empty.db") && stderr.contains("needs migrating"),
        "{stderr}"
    );
    let stderr = error_of(&run(
        &["token", "revoke", "nobody"],
        &[("ROADMAP_API_DATABASE", database.as_os_str())],
    ));
    assert!(stderr.contains("roadmap.db"), "{stderr}");

    // The address a health check could not reach.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let free = closed.local_addr().expect("addr").to_string();
    drop(closed);
    let stderr = error_of(&run(&["healthcheck", "--bind", &free], &[]));
    assert!(stderr.contains(&free), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
}

fn readme() -> String {
    std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).expect("README")
}

/// The README's `sh` blocks, each with the `##` section it is in.
fn shell_blocks(readme: &str) -> Vec<(String, String)> {
    let mut section = String::new();
    let mut blocks = Vec::new();
    let mut block: Option<String> = None;
    for line in readme.lines() {
        let trimmed = line.trim_start();
        match &mut block {
            Some(code) if trimmed == "```" => {
                blocks.push((section.clone(), std::mem::take(code)));
                block = None;
            }
            Some(code) => {
                code.push_str(trimmed);
                code.push('\n');
            }
            None if trimmed == "```sh" => block = Some(String::new()),
            None => {
                if let Some(heading) = line.strip_prefix("## ") {
                    section = heading.to_owned();
                }
            }
        }
    }
    blocks
}

#[test]
fn the_readme_gets_the_binary_before_its_first_use() {
    let readme = readme();
    let blocks = shell_blocks(&readme);
    let commands: Vec<&str> = blocks
        .iter()
        .flat_map(|(_, code)| code.lines())
        .filter(|line| !line.starts_with('#'))
        .collect();
    let install = commands
        .iter()
        .position(|line| line.starts_with("cargo install --path ."))
        .expect("the README says how to install the binary");
    let first_use = commands
        .iter()
        .position(|line| line.starts_with("roadmap-api") || line.contains("$(roadmap-api"))
        .expect("the README runs the binary");
    assert!(install < first_use, "{:?}", &commands[..=first_use]);
    assert!(readme.contains("`cargo run --release --` stands for `roadmap-api`"));
}

/// Gives `command` the variables of a clean shell: none of the runner's `ROADMAP_API_*`.
fn without_settings(command: &mut Command) -> &mut Command {
    for (name, _) in std::env::vars_os() {
        if name.to_string_lossy().starts_with("ROADMAP_API_") {
            command.env_remove(name);
        }
    }
    command
}

#[tokio::test]
async fn the_readme_examples_work_when_pasted_in_order() {
    let missing: Vec<&str> = ["bash", "curl", "jq"]
        .into_iter()
        .filter(|tool| Command::new(tool).arg("--version").output().is_err())
        .collect();
    if !missing.is_empty() {
        // CI always checks them; a developer's machine without these tools is told so.
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must have {missing:?} to check the README's examples"
        );
        eprintln!("the README's examples need {missing:?}: not checked here");
        return;
    }
    let app = spawn_app().await;
    let address = app.address.trim_start_matches("http://").to_owned();
    // The examples that talk to the server or run the CLI, in the order a reader meets them;
    // not the ones that install, start or serve something.
    let script = shell_blocks(&readme())
        .into_iter()
        .filter(|(section, code)| {
            [
                "Examples",
                "For partner sites",
                "Track progress",
                "For scripts",
                "For editors",
                "Transition stories",
            ]
            .contains(&section.as_str())
                && code.contains("127.0.0.1:8080")
        })
        .map(|(_, code)| code.replace("127.0.0.1:8080", &address))
        .collect::<Vec<_>>()
        .join("\n");
    assert!(script.contains("roadmap-api token create"), "{script}");

    // A clean clone's folder (the examples read `content/`), with `roadmap-api` on the PATH
    // as `cargo install` puts it, and the server's database as the one the CLI opens.
    let dir = tempfile::tempdir().expect("temp dir");
    std::os::unix::fs::symlink(
        concat!(env!("CARGO_MANIFEST_DIR"), "/content"),
        dir.path().join("content"),
    )
    .expect("content linked");
    let bin = Path::new(env!("CARGO_BIN_EXE_roadmap-api"))
        .parent()
        .expect("the binary's folder");
    let path = std::env::join_paths(std::iter::once(bin.to_owned()).chain(std::env::split_paths(
        &std::env::var_os("PATH").unwrap_or_default(),
    )))
    .expect("a PATH");
    let mut bash = Command::new("bash");
    without_settings(&mut bash)
        .args(["-euo", "pipefail", "-c", &script])
        .current_dir(dir.path())
        .env("PATH", path)
        .env("ROADMAP_API_DATABASE", &app.database)
        .env("ROADMAP_API_LOG_FORMAT", "json");
    let output = tokio::task::spawn_blocking(move || bash.output().expect("bash runs"))
        .await
        .expect("joined");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stdout}\n{stderr}");
    // The statuses the examples print: the revalidation, the PUT, the DELETE.
    let statuses: Vec<&str> = stdout
        .lines()
        .filter(|line| line.len() == 3 && line.bytes().all(|b| b.is_ascii_digit()))
        .collect();
    assert_eq!(statuses, ["304", "200", "204"], "{stdout}\n{stderr}");
}

#[test]
fn the_readme_sets_no_traps() {
    let readme = readme();
    for trap in [
        "../shared",
        "API-HOST",
        "your-host",
        r#"\"$ETAG\""#,
        "<etag from above>",
        "$EDITOR",
        "some-roadmap",
    ] {
        assert!(!readme.contains(trap), "the README still has `{trap}`");
    }
    assert!(readme.contains(r#"-H "If-None-Match: $ETAG""#));
    let serve_partner = "python3 -m http.server --directory examples 8000";
    assert!(readme.contains(serve_partner));
    let partner = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/examples/partner.html"
    ))
    .expect("partner page");
    assert!(partner.contains(serve_partner));
    assert!(
        readme.lines().any(
            |line| line.contains("openapi-typescript") && line.contains("openapi/openapi.json")
        ),
        "the README shows how to generate TypeScript types"
    );
    assert!(readme.contains("rm -f roadmap.db roadmap.db-wal roadmap.db-shm"));
}

#[tokio::test]
async fn the_readme_states_the_methods_options_answers() {
    let readme = readme();
    let start = readme.find("- **Methods**").expect("the Methods paragraph");
    let end = readme[start + 1..]
        .find("\n- **")
        .map_or(readme.len(), |end| start + 1 + end);
    let methods = readme[start..end]
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    let app = spawn_app().await;
    for path in ["/v1/roadmaps".to_owned(), format!("/v1/roadmaps/{SLUG}")] {
        let response = app
            .client
            .request(reqwest::Method::OPTIONS, format!("{}{path}", app.address))
            .send()
            .await
            .expect("sent");
        assert_eq!(response.status(), 204, "{path}");
        let allow = response.headers()["allow"].to_str().expect("ASCII");
        assert!(
            methods.contains(&format!("`Allow: {allow}`")),
            "OPTIONS {path} answers `Allow: {allow}`; the README says: {methods}"
        );
    }
}

#[test]
fn the_readme_names_every_flag_of_serve_and_its_variable() {
    let help = succeeded(&run(&["serve", "--help"], &[]));
    let mut flag = None;
    let mut named = 0;
    for line in help.lines() {
        if let Some(long) = line.split_whitespace().find(|w| w.starts_with("--")) {
            flag = Some(long.trim_end_matches(',').to_owned());
        }
        if let Some((_, rest)) = line.split_once("[env: ") {
            let variable = rest.split('=').next().expect("a name");
            let flag = flag.as_deref().expect("a flag before its variable");
            let row = format!("| `{flag}` | `{variable}` |");
            assert!(readme().contains(&row), "the README lacks {row}");
            named += 1;
        }
    }
    assert_eq!(named, SERVE_FLAGS.len());
}

#[test]
fn a_dry_run_says_what_an_import_would_do() {
    let dir = tempfile::tempdir().expect("temp dir");
    let database = dir.path().join("roadmap.db");
    let env = [("ROADMAP_API_DATABASE", database.as_os_str())];
    succeeded(&run(&["migrate"], &env));
    let mut edited = crate::helpers::bundled_document();
    edited["summary"] = "A summary the dry run does not write.".into();
    let mut new = crate::helpers::bundled_document();
    new["slug"] = "new-roadmap".into();
    let file = dir.path().join("batch.json");
    std::fs::write(&file, serde_json::json!([edited, new]).to_string()).expect("write");
    let bundled = concat!(env!("CARGO_MANIFEST_DIR"), "/content/roadmaps");

    let dry = run(
        &["import", "--dry-run", file.to_str().expect("UTF-8")],
        &env,
    );
    succeeded(&dry);
    let report = String::from_utf8_lossy(&dry.stderr);
    assert!(
        report.contains(&format!("{SLUG}: would update (to revision 2)")),
        "{report}"
    );
    assert!(
        report.contains("new-roadmap: would create (revision 1)"),
        "{report}"
    );
    assert!(
        !report.contains(": updated") && !report.contains(": created"),
        "{report}"
    );
    let dry = run(&["import", "--dry-run", bundled], &env);
    let report = String::from_utf8_lossy(&dry.stderr);
    assert!(
        report.contains(&format!("{SLUG}: unchanged (revision 1)")),
        "{report}"
    );

    // A real import says what it did.
    let real = run(&["import", file.to_str().expect("UTF-8")], &env);
    succeeded(&real);
    let report = String::from_utf8_lossy(&real.stderr);
    assert!(
        report.contains(&format!("{SLUG}: updated (revision 2)")),
        "{report}"
    );
    assert!(
        report.contains("new-roadmap: created (revision 1)"),
        "{report}"
    );
}
