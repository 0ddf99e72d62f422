//! Building the application: the database made ready, the routes with their spec, the
//! middleware, the listener. `main` and the integration tests call the same [`Application::build`].

use std::net::TcpListener;

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
use crate::http::cache::{self, ResponseCache};
use crate::http::middleware;
use crate::http::rate_limit::{self, ClientRateLimit};
use crate::routes::docs::{ApiDoc, SpecDocument};
use crate::routes::{self, AppState, KnownPaths};
use crate::store::Store;

/// A server bound to its port, not yet running.
pub struct Application {
    port: u16,
    server: Server,
    store: Store,
}

impl Application {
    /// Prepares the database, binds the listener (port 0 picks a free port) and builds the server.
    pub async fn build(settings: &Settings) -> anyhow::Result<Application> {
        let store = prepare_store(settings).await?;
        let listener = TcpListener::bind(&settings.bind)
            .with_context(|| format!("cannot listen on {}", settings.bind))?;
        let port = listener.local_addr()?.port();
        let state = AppState {
            store: store.clone(),
            cache_control: settings.cache_control.clone(),
            public_url: settings.public_url.clone(),
            read_only: settings.read_only,
            frame_ancestors: settings.frame_ancestors.clone(),
        };
        let body_limit = settings.max_body_bytes;
        let spec = openapi_spec();
        let known_paths = KnownPaths::from_spec(&spec);
        let spec = SpecDocument(render_spec(&spec)?.into_bytes());
        let response_cache = Data::new(ResponseCache::new(store.clone()));
        let rate_limit = settings
            .rate_limit
            .map(|n| Data::new(ClientRateLimit::per_second(n)));
        let server = HttpServer::new(move || {
            let (app, _) = App::new()
                .into_utoipa_app()
                .configure(register_routes)
                .split_for_parts();
            app.app_data(Data::new(state.clone()))
                .app_data(Data::new(spec.clone()))
                .app_data(Data::new(known_paths.clone()))
                .app_data(rate_limit.clone())
                .app_data(response_cache.clone())
                .app_data(web::PayloadConfig::new(body_limit))
                .service(
                    SwaggerUi::new("/docs/{_:.*}").config(SwaggerConfig::new(["/openapi.json"])),
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
                .wrap(from_fn(middleware::head_as_get))
                .wrap(from_fn(middleware::docs_validators))
                .wrap(from_fn(cache::response_cache))
                .wrap(from_fn(middleware::cors))
                .wrap(from_fn(rate_limit::rate_limit))
                .wrap(from_fn(middleware::problems))
                .wrap(from_fn(middleware::request_context))
        })
        .listen(listener)?
        .run();
        tracing::info!(port, database = %settings.database.display(), "listening");
        Ok(Application {
            port,
            server,
            store,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// Serves until the server is stopped (SIGINT or SIGTERM: in-flight requests finish first),
    /// then closes the database.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let result = self.server.await;
        self.store.close().await;
        result
    }
}

/// Every route, each registered with its OpenAPI description.
fn register_routes(cfg: &mut ServiceConfig) {
    cfg.service(routes::roadmaps::list_roadmaps)
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
        .service(routes::admin::put_roadmap)
        .service(routes::admin::delete_roadmap)
        .service(routes::revisions::list_revisions)
        .service(routes::revisions::change_feed)
        .service(routes::embed::embed_page)
        .service(routes::embed::loader)
        .service(routes::embed::oembed_provider)
        .service(routes::health::healthz)
        .service(routes::health::readyz)
        .service(routes::docs::openapi_json);
}

/// The OpenAPI description generated from the code.
pub fn openapi_spec() -> utoipa::openapi::OpenApi {
    let (_, spec) = App::new()
        .into_utoipa_app()
        .openapi(ApiDoc::openapi())
        .configure(register_routes)
        .split_for_parts();
    spec
}

/// The spec as served at `/openapi.json` and committed as `openapi/openapi.json`: pretty JSON
/// with a final newline.
pub fn openapi_document() -> Result<String, serde_json::Error> {
    render_spec(&openapi_spec())
}

fn render_spec(spec: &utoipa::openapi::OpenApi) -> Result<String, serde_json::Error> {
    let mut text = spec.to_pretty_json()?;
    text.push('\n');
    Ok(text)
}

/// Opens the database as every command does. A new database is created, migrated and filled
/// with the bundled roadmaps; an existing one is migrated forward and its content left as it
/// is. In read-only mode the database must exist and be fully migrated.
pub async fn prepare_store(settings: &Settings) -> anyhow::Result<Store> {
    let path = &settings.database;
    if settings.read_only {
        let store = Store::open_read_only(path)
            .await
            .with_context(|| format!("cannot open {} read-only", path.display()))?;
        store.ensure_migrated().await?;
        return Ok(store);
    }
    let store = Store::open(path)
        .await
        .with_context(|| format!("cannot open database {}", path.display()))?;
    store
        .migrate()
        .await
        .context("cannot migrate the database")?;
    let roadmaps = crate::content::bundled()?;
    if store
        .seed(&roadmaps)
        .await
        .context("cannot load the bundled roadmaps")?
    {
        tracing::info!(roadmaps = roadmaps.len(), database = %path.display(), "filled the new database with the bundled roadmaps");
    }
    Ok(store)
}
