//! The subcommands of the `roadmap-api` binary.

use std::io::Write;
use std::path::Path;

use anyhow::Context;

use crate::configuration::{Cli, Command, DatabaseArgs, Settings, TokenAction};
use crate::content;
use crate::domain::Slug;
use crate::startup::{Application, openapi_document, prepare_store};
use crate::store::{ChangeKind, StoreError};

/// Runs the command the command line names (`serve` when it names none).
pub async fn run(cli: Cli) -> anyhow::Result<()> {
    let Cli { settings, command } = cli;
    // The commands that open the database do it as `serve` does (`prepare_store`), which
    // reads its settings: theirs are those of a server on the same database.
    let opening = |database: DatabaseArgs, read_only| Settings {
        database: database.database,
        read_only,
        ..settings.clone()
    };
    match command.unwrap_or_else(|| Command::Serve(settings.clone())) {
        Command::Serve(settings) => naming_the_database(&settings, serve(&settings)).await,
        Command::Migrate(database) => {
            let settings = opening(database, false);
            naming_the_database(&settings, async {
                prepare_store(&settings).await?.close().await;
                Ok(())
            })
            .await
        }
        Command::Bake { out, database } => {
            let settings = opening(database, true);
            naming_the_database(&settings, bake(&settings, &out)).await
        }
        Command::Openapi => Ok(print(openapi_document()?.as_bytes())?),
        Command::Healthcheck { bind } => healthcheck(&bind),
        Command::Import {
            path,
            dry_run,
            published_at,
            database,
        } => {
            let settings = opening(database, false);
            let published_at = published_at.unwrap_or_else(chrono::Utc::now);
            naming_the_database(&settings, import(&settings, &path, published_at, dry_run)).await
        }
        Command::Token { action, database } => {
            let settings = opening(database, false);
            naming_the_database(&settings, token(&settings, action)).await
        }
        Command::Export {
            slug,
            out,
            read_only,
            database,
        } => {
            let settings = opening(database, read_only);
            naming_the_database(&settings, export(&settings, slug, out.as_deref())).await
        }
    }
}

/// Runs `work` on the database of `settings`. The store's own errors do not all say which
/// file they concern, and which file was meant is the first question when one fails.
async fn naming_the_database(
    settings: &Settings,
    work: impl Future<Output = anyhow::Result<()>>,
) -> anyhow::Result<()> {
    let shown = settings.database.display().to_string();
    work.await.map_err(|error| {
        let from_store = error.chain().any(|cause| cause.is::<StoreError>());
        let named = error
            .chain()
            .any(|cause| cause.to_string().contains(&shown));
        if from_store && !named {
            error.context(format!("database {shown}"))
        } else {
            error
        }
    })
}

async fn serve(settings: &Settings) -> anyhow::Result<()> {
    let app = Application::build(settings).await?;
    Ok(app.run_until_stopped().await?)
}

async fn import(
    settings: &Settings,
    path: &Path,
    published_at: chrono::DateTime<chrono::Utc>,
    dry_run: bool,
) -> anyhow::Result<()> {
    let roadmaps = content::read_path(path)?;
    let store = prepare_store(settings).await?;
    let changes = store
        .import(
            &roadmaps,
            crate::domain::token::CLI_AUTHOR,
            published_at,
            dry_run,
        )
        .await
        .context("import failed; nothing was changed")?;
    if !dry_run {
        store
            .checkpoint()
            .await
            .context("imported, but the checkpoint failed")?;
    }
    store.close().await;
    for change in &changes {
        let revision = change.revision;
        let what = match change.kind {
            None => format!("unchanged (revision {revision})"),
            Some(kind) if !dry_run => format!("{} (revision {revision})", kind.as_str()),
            Some(ChangeKind::Created) => format!("would create (revision {revision})"),
            Some(ChangeKind::Updated) => format!("would update (to revision {revision})"),
            Some(ChangeKind::Deleted) => format!("would delete (revision {revision})"),
        };
        eprintln!("{}: {what}", change.roadmap);
    }
    let verb = if dry_run {
        "checked (dry run, nothing written)"
    } else {
        "imported"
    };
    eprintln!("{verb} {} roadmap(s)", changes.len());
    Ok(())
}

async fn export(settings: &Settings, slug: Option<Slug>, out: Option<&Path>) -> anyhow::Result<()> {
    let database = settings.database.display();
    anyhow::ensure!(
        settings.database.exists(),
        "there is no database at {database}: nothing to export"
    );
    let store = prepare_store(settings).await?;
    let single = slug.is_some() && out.is_none();
    let slugs = match slug {
        Some(slug) => vec![slug],
        None => store.slugs().await?,
    };
    let mut roadmaps = Vec::with_capacity(slugs.len());
    for slug in &slugs {
        roadmaps.push(
            store
                .roadmap(slug)
                .await?
                .with_context(|| format!("there is no roadmap `{slug}` in {database}"))?,
        );
    }
    store.close().await;
    match out {
        Some(dir) => {
            std::fs::create_dir_all(dir)
                .with_context(|| format!("cannot create {}", dir.display()))?;
            for roadmap in &roadmaps {
                let path = dir.join(format!("{}.json", roadmap.slug));
                replace_file(&path, content::to_document_text(roadmap)?.as_bytes())
                    .with_context(|| format!("cannot write {}", path.display()))?;
            }
        }
        None if single => print(content::to_document_text(&roadmaps[0])?.as_bytes())?,
        None => print(content::to_document_text(&roadmaps)?.as_bytes())?,
    }
    Ok(())
}

async fn bake(settings: &Settings, out: &Path) -> anyhow::Result<()> {
    anyhow::ensure!(
        settings.database.exists(),
        "there is no database at {}: nothing to bake",
        settings.database.display()
    );
    // SQLite would refuse a non-empty file; an empty one is no better a target.
    anyhow::ensure!(
        !out.exists(),
        "{} exists: bake writes a new file",
        out.display()
    );
    let store = prepare_store(settings).await?;
    let baked = store.bake(out).await;
    store.close().await;
    baked.with_context(|| format!("cannot bake {}", out.display()))?;
    eprintln!(
        "baked {} into {}",
        settings.database.display(),
        out.display()
    );
    Ok(())
}

/// Writes `bytes` to stdout. A reader that stops reading (`| head`) has had all it wanted:
/// the pipe it closed is no error.
fn print(bytes: &[u8]) -> std::io::Result<()> {
    let mut stdout = std::io::stdout().lock();
    match stdout.write_all(bytes).and_then(|()| stdout.flush()) {
        Err(error) if error.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        written => written,
    }
}

/// Writes `path` whole or not at all, never through a link planted there: the bytes go to a
/// new file beside it (created exclusively, so no link is followed) that is then renamed over
/// `path`, which replaces a link rather than the file it points to.
fn replace_file(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let name = path.file_name().unwrap_or_default().to_string_lossy();
    let temporary = path.with_file_name(format!(".{name}.{}.tmp", std::process::id()));
    let written = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&temporary)
        .and_then(|mut file| file.write_all(bytes).and_then(|()| file.sync_all()));
    match written.and_then(|()| std::fs::rename(&temporary, path)) {
        Ok(()) => Ok(()),
        Err(error) => {
            let _ = std::fs::remove_file(&temporary);
            Err(error)
        }
    }
}

/// One plain HTTP/1.1 request to `/readyz` on the configured address.
fn healthcheck(bind: &str) -> anyhow::Result<()> {
    use std::io::Read;
    use std::net::{SocketAddr, TcpStream};
    use std::time::Duration;

    let mut address: SocketAddr = bind
        .parse()
        .with_context(|| format!("`{bind}` is not an address"))?;
    if address.ip().is_unspecified() {
        address.set_ip(std::net::Ipv4Addr::LOCALHOST.into());
    }
    let mut stream = TcpStream::connect_timeout(&address, Duration::from_secs(2))
        .with_context(|| format!("no server answers at {address}"))?;
    let mut status_line = [0_u8; 12];
    stream
        .set_read_timeout(Some(Duration::from_secs(2)))
        .and_then(|()| {
            stream
                .write_all(b"GET /readyz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
        })
        .and_then(|()| stream.read_exact(&mut status_line))
        .with_context(|| format!("the server at {address} did not answer /readyz"))?;
    anyhow::ensure!(
        &status_line[9..12] == b"200",
        "the server at {address} is not ready: {}",
        String::from_utf8_lossy(&status_line)
    );
    Ok(())
}

/// `token create|list|revoke`: the admin bearer tokens.
async fn token(settings: &Settings, action: TokenAction) -> anyhow::Result<()> {
    let store = prepare_store(settings).await?;
    match action {
        TokenAction::Create { name } => {
            anyhow::ensure!(
                !crate::domain::token::RESERVED_NAMES.contains(&name.as_str()),
                "`{name}` is the name this service gives its own writes; choose another"
            );
            let token = crate::domain::token::new_token().context("no randomness for a token")?;
            store
                .create_token(&name, &crate::domain::token::hash_token(&token))
                .await?;
            // The only time the token is shown: stdout, for a script to capture. Unlike the
            // other output, a token nobody read is lost: that is an error.
            writeln!(std::io::stdout(), "{token}").with_context(|| {
                format!(
                    "token `{name}` was created but could not be printed; revoke it \
                     (`roadmap-api token revoke {name}`) and create another"
                )
            })?;
            eprintln!("token `{name}` created; it is shown once and stored only as a hash");
        }
        TokenAction::List => {
            let tokens = store.tokens().await?;
            if tokens.is_empty() {
                eprintln!("no tokens: `roadmap-api token create NAME` makes one");
            }
            let lines: String = tokens
                .iter()
                .map(|(name, created_at)| format!("{name}\t{created_at}\n"))
                .collect();
            print(lines.as_bytes())?;
        }
        TokenAction::Revoke { name } => {
            anyhow::ensure!(
                store.revoke_token(&name).await?,
                "there is no token named `{name}` in {}",
                settings.database.display()
            );
            eprintln!("token `{name}` revoked");
        }
    }
    store.close().await;
    Ok(())
}
