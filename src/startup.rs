//! Building the application: the database made ready, the routes with their spec, the
//! middleware, the listener. `main` and the integration tests call the same [`Application::build`].

use std::net::TcpListener;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use actix_web::dev::Server;
use actix_web::middleware::from_fn;
use actix_web::web::{self, Data};
use actix_web::{App, HttpResponse, HttpServer};
use anyhow::Context;
use utoipa::OpenApi;
use utoipa_actix_web::AppExt;
use utoipa_actix_web::service_config::ServiceConfig;
use utoipa_swagger_ui::{Config as SwaggerConfig, SwaggerUi};

use crate::configuration::Settings;
use crate::http::TrustedProxies;
use crate::http::cache::{self, ResponseCache};
use crate::http::metrics::Metrics;
use crate::http::middleware::{self, RequestTimeout};
use crate::http::rate_limit::ClientRateLimit;
use crate::http::spec_paths::SpecPaths;
use crate::routes::docs::{ApiDoc, SpecDocument};
use crate::routes::{self, AppState};
use crate::store::Store;

/// A server bound to its port, not yet running.
pub struct Application {
    port: u16,
    server: Server,
    metrics_port: u16,
    metrics_server: Server,
    signals: ShutdownSignals,
    store: Store,
    draining: Arc<AtomicBool>,
    drain: Duration,
}

impl Application {
    /// Prepares the database, binds the listener (port 0 picks a free port) and builds the server.
    pub async fn build(settings: &Settings) -> anyhow::Result<Application> {
        let store = prepare_store(settings).await?;
        let listener = TcpListener::bind(&settings.bind)
            .with_context(|| format!("cannot listen on {}", settings.bind))?;
        let port = listener.local_addr()?.port();
        let metrics_listener = TcpListener::bind(&settings.metrics_bind)
            .with_context(|| format!("cannot listen on {} (metrics)", settings.metrics_bind))?;
        let metrics_port = metrics_listener.local_addr()?.port();
        let draining = Arc::new(AtomicBool::new(false));
        let trusted_proxies = TrustedProxies(settings.trusted_proxy.as_slice().into());
        let state = AppState {
            store: store.clone(),
            cache_control: settings.cache_control.clone(),
            public_url: settings.public_url.clone(),
            frame_ancestors: settings.frame_ancestors.clone(),
            draining: draining.clone(),
            trusted_proxies: trusted_proxies.clone(),
            site_url: settings.site_url.clone(),
            max_body_bytes: settings.max_body_bytes,
            story_max_pending: settings.story_max_pending.get(),
        };
        let spec = openapi_spec();
        let spec_paths = Data::new(
            SpecPaths::from_spec(&spec, &routes::PAGE_PATHS)
                .context("the spec has paths that one request could match")?,
        );
        let spec = SpecDocument(render_spec(&spec)?.into_bytes());
        let response_cache = Data::new(ResponseCache::new(
            store.clone(),
            settings.public_url.is_none().then_some(trusted_proxies),
            settings.cache_bytes,
        ));
        let rate_limit = Data::new(ClientRateLimit::new(
            settings.rate_limit,
            settings.admin_rate_limit,
            settings.story_rate_limit,
        ));
        let metrics = Data::new(Metrics::new().context("cannot register the metrics")?);
        let timeout = Data::new(RequestTimeout(Duration::from_secs(
            settings.request_timeout,
        )));
        let metrics_server = metrics_server(
            metrics_listener,
            &state,
            &metrics,
            &response_cache,
            settings,
        )?;
        let mut server = HttpServer::new(move || {
            App::new()
                .configure(mount_routes)
                .app_data(Data::new(state.clone()))
                .app_data(Data::new(spec.clone()))
                .app_data(spec_paths.clone())
                .app_data(rate_limit.clone())
                .app_data(response_cache.clone())
                .app_data(metrics.clone())
                .app_data(timeout.clone())
                .service(
                    // No online validator: the docs reach nothing but this server.
                    SwaggerUi::new("/docs/{_:.*}")
                        .config(SwaggerConfig::new(["/openapi.json"]).validator_url("none")),
                )
                .route(
                    "/docs",
                    web::get().to(|| async {
                        HttpResponse::PermanentRedirect()
                            .insert_header(("Location", "/docs/"))
                            .finish()
                    }),
                )
                .default_service(web::to(routes::fallback))
                // Innermost first: see `http::middleware` for the order and why.
                .wrap(from_fn(middleware::head_as_get))
                .wrap(from_fn(middleware::docs_cache_control))
                .wrap(from_fn(cache::response_cache))
                .wrap(from_fn(middleware::cors))
                .wrap(from_fn(middleware::timeout))
                .wrap(from_fn(middleware::rate_limit))
                .wrap(from_fn(middleware::request_context))
        })
        // A client gets 5 s to send its request head (slow-loris), idle connections close
        // after 5 s, and the signals are ours to handle (see `run_until_stopped`).
        .client_request_timeout(Duration::from_secs(5))
        .keep_alive(Duration::from_secs(5))
        .shutdown_timeout(settings.shutdown_timeout)
        .disable_signals();
        if let Some(workers) = settings.workers {
            server = server.workers(usize::from(workers));
        }
        let server = server.listen(listener)?.run();
        let signals = ShutdownSignals::listen().context("cannot listen for SIGTERM and SIGINT")?;
        tracing::info!(port, metrics_port, database = %settings.database.display(), "listening");
        Ok(Application {
            port,
            server,
            metrics_port,
            metrics_server,
            signals,
            store,
            draining,
            drain: Duration::from_secs(settings.drain_seconds),
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// The port of the metrics listener.
    pub fn metrics_port(&self) -> u16 {
        self.metrics_port
    }

    /// Serves until SIGTERM or SIGINT, then shuts down gracefully. On SIGTERM `/readyz`
    /// first answers 503 for the drain period (`--drain-seconds`) while requests are still
    /// served, so load balancers take this instance out; then the listener closes, in-flight
    /// requests finish (within `--shutdown-timeout`), and the database is closed.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let handle = self.server.handle();
        let metrics_handle = self.metrics_server.handle();
        let (draining, drain) = (self.draining, self.drain);
        let signals = self.signals;
        tokio::spawn(async move {
            if signals.next().await {
                draining.store(true, Ordering::SeqCst);
                tracing::info!(
                    seconds = drain.as_secs(),
                    "SIGTERM: draining, /readyz answers 503"
                );
                tokio::time::sleep(drain).await;
            }
            tracing::info!("closing the listener; in-flight requests finish");
            handle.stop(true).await;
            metrics_handle.stop(true).await;
        });
        let (result, metrics_result) = tokio::join!(self.server, self.metrics_server);
        self.store.close().await;
        tracing::info!("stopped; the database is closed");
        result.and(metrics_result)
    }
}

/// The metrics listener: `GET /metrics` alone, on one worker, with no layers (nothing there
/// is public, and a scrape must not count as traffic).
fn metrics_server(
    listener: TcpListener,
    state: &AppState,
    metrics: &Data<Metrics>,
    cache: &Data<ResponseCache>,
    settings: &Settings,
) -> std::io::Result<Server> {
    let (state, metrics, cache) = (state.clone(), metrics.clone(), cache.clone());
    Ok(HttpServer::new(move || {
        App::new()
            .app_data(Data::new(state.clone()))
            .app_data(metrics.clone())
            .app_data(cache.clone())
            .service(routes::metrics::metrics)
    })
    .workers(1)
    .shutdown_timeout(settings.shutdown_timeout)
    .disable_signals()
    .listen(listener)?
    .run())
}

/// SIGTERM (drain, then stop) and SIGINT (stop), which the server handles itself.
struct ShutdownSignals {
    terminate: tokio::signal::unix::Signal,
    interrupt: tokio::signal::unix::Signal,
}

impl ShutdownSignals {
    /// Takes over SIGTERM and SIGINT from now on: made before the server says it listens, so
    /// that a signal sent as soon as it does is handled, not fatal.
    fn listen() -> std::io::Result<ShutdownSignals> {
        use tokio::signal::unix::{SignalKind, signal};
        Ok(ShutdownSignals {
            terminate: signal(SignalKind::terminate())?,
            interrupt: signal(SignalKind::interrupt())?,
        })
    }

    /// Waits for the first: true for SIGTERM, false for SIGINT.
    async fn next(mut self) -> bool {
        tokio::select! {
            _ = self.terminate.recv() => true,
            _ = self.interrupt.recv() => false,
        }
    }
}

/// Every route: the one list that both a worker's app and the spec are built from. A macro,
/// because actix-web's and utoipa-actix-web's `ServiceConfig` share no trait to be generic
/// over.
macro_rules! every_route {
    ($cfg:expr) => {
        $cfg.service(routes::index::root)
            .service(routes::index::v1)
            .service(routes::roadmaps::list_roadmaps)
            .service(routes::roadmaps::get_roadmap)
            .service(routes::phases::list_phases)
            .service(routes::phases::get_phase)
            .service(routes::certifications::list_roadmap_certifications)
            .service(routes::projects::list_projects)
            .service(routes::projects::get_project)
            .service(routes::sources::list_roadmap_sources)
            .service(routes::certifications::list_certifications)
            .service(routes::certifications::get_certification)
            .service(routes::projects::list_all_projects)
            .service(routes::sources::list_sources)
            .service(routes::sources::get_source)
            .service(routes::search::search)
            .service(routes::plan::get_plan)
            .service(routes::progress::get_progress)
            .service(routes::progress::post_progress)
            .service(routes::admin::put_roadmap)
            .service(routes::admin::delete_roadmap)
            .service(routes::stories::submit_story)
            .service(routes::stories::list_stories)
            .service(routes::stories::get_story)
            .service(routes::story_form::new_story_form)
            .service(routes::moderation::list_submissions)
            .service(routes::moderation::get_submission)
            .service(routes::moderation::moderate)
            .service(routes::moderation::erase)
            .service(routes::revisions::list_revisions)
            .service(routes::revisions::change_feed)
            .service(routes::embed::embed_page)
            .service(routes::embed::standalone::page_for_people)
            .service(routes::embed::loader)
            .service(routes::embed::oembed_provider)
            .service(routes::health::healthz)
            .service(routes::health::readyz)
            .service(routes::docs::openapi_json);
    };
}

/// The routes of a worker's app, registered with actix-web alone. Registering them through
/// utoipa-actix-web also builds every route's OpenAPI description, schemas and all, which
/// cost each worker more than its whole start otherwise does, for a spec that is built
/// once, in [`openapi_spec`].
fn mount_routes(cfg: &mut web::ServiceConfig) {
    every_route!(cfg);
}

/// The routes with their OpenAPI descriptions, for the spec.
fn describe_routes(cfg: &mut ServiceConfig) {
    every_route!(cfg);
}

/// The OpenAPI description generated from the code.
pub fn openapi_spec() -> utoipa::openapi::OpenApi {
    let (_, mut spec) = App::new()
        .into_utoipa_app()
        .openapi(ApiDoc::openapi())
        .configure(describe_routes)
        .split_for_parts();
    routes::docs::refine(&mut spec);
    spec
}

/// The spec as served at `/openapi.json` and committed as `openapi/openapi.json`: pretty JSON
/// with a final newline.
pub fn openapi_document() -> Result<String, serde_json::Error> {
    render_spec(&openapi_spec())
}

/// True when the database file exists but this process may not write it: a read-only
/// filesystem, or a file owned by someone else (a database baked into an image).
fn cannot_write(path: &std::path::Path) -> bool {
    path.exists()
        && std::fs::OpenOptions::new()
            .append(true)
            .open(path)
            .is_err_and(|e| {
                matches!(
                    e.kind(),
                    std::io::ErrorKind::ReadOnlyFilesystem | std::io::ErrorKind::PermissionDenied
                )
            })
}

/// Says plainly when the file is not a database, rather than only SQLite's error code.
fn explain_open_failure(path: &std::path::Path, error: crate::store::StoreError) -> anyhow::Error {
    let shown = path.display();
    if error.is_not_a_database() {
        anyhow::Error::new(error).context(format!(
            "{shown} is not a SQLite database, or it is corrupt: restore it from a backup, or \
             move it away to start with a new database filled with the bundled roadmaps"
        ))
    } else {
        anyhow::Error::new(error).context(format!("cannot open database {shown}"))
    }
}

fn render_spec(spec: &utoipa::openapi::OpenApi) -> Result<String, serde_json::Error> {
    let mut text = spec.to_pretty_json()?;
    text.push('\n');
    Ok(text)
}

/// Opens the database as every command does. A new database is created, migrated and filled
/// with the bundled roadmaps; an existing one is migrated forward and its content left as it
/// is. In read-only mode (asked for, or forced by a database this process cannot write, such
/// as one on a read-only filesystem) the database must exist and be fully migrated.
pub async fn prepare_store(settings: &Settings) -> anyhow::Result<Store> {
    let path = &settings.database;
    if settings.read_only || cannot_write(path) {
        if !settings.read_only {
            tracing::warn!(database = %path.display(), "this process cannot write the database (read-only filesystem or another owner): serving it read-only");
        }
        let store = Store::open_read_only(path)
            .await
            .map_err(|e| explain_open_failure(path, e))?;
        store.ensure_migrated().await?;
        return Ok(store);
    }
    let store = Store::open(path)
        .await
        .map_err(|e| explain_open_failure(path, e))?;
    store
        .migrate()
        .await
        .context("cannot migrate the database")?;
    let roadmaps = crate::content::bundled()?;
    if store
        .seed(&roadmaps, crate::content::bundled_at())
        .await
        .context("cannot load the bundled roadmaps")?
    {
        tracing::info!(roadmaps = roadmaps.len(), database = %path.display(), "filled the new database with the bundled roadmaps");
    }
    Ok(store)
}
