//! Sentia server: the axum application, its routes, workers to come, and the command line.
#![forbid(unsafe_code)]

pub mod auth;
pub mod bootstrap;
pub mod clock;
pub mod config;
pub mod error;
pub mod forecasting;
pub mod imports;
pub mod ingest;
pub mod jobs;
pub mod realtime;
pub mod reporting;
pub mod routes;
pub mod security;
pub mod state;
pub mod sync;
pub mod views;
pub mod web;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Instant;

use axum::Router;
use axum::http::{HeaderName, HeaderValue, header};
use axum::routing::get;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::compression::CompressionLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::TraceLayer;
use utoipa::OpenApi;

use crate::config::Config;
use crate::state::AppState;

/// The OpenAPI document's fixed parts; paths come from the routes.
#[derive(OpenApi)]
#[openapi(
    info(title = "Sentia API", description = "Manufacturing intelligence for Sentia Spirits: sales, stock, production and cash."),
    tags((name = "system"), (name = "auth"), (name = "reference"), (name = "sales"), (name = "forecasting"), (name = "data"), (name = "webhooks"), (name = "admin"))
)]
struct ApiDoc;

/// The API router and its OpenAPI document.
pub fn api_router() -> (Router<AppState>, utoipa::openapi::OpenApi) {
    utoipa_axum::router::OpenApiRouter::with_openapi(ApiDoc::openapi())
        .merge(routes::api())
        .split_for_parts()
}

/// The OpenAPI document as pretty JSON (what `/api/openapi.json` serves).
pub fn openapi_json() -> String {
    api_router().1.to_pretty_json().expect("OpenAPI serialises")
}

/// The whole application for a state.
pub fn app(state: AppState) -> Router {
    let (api, doc) = api_router();
    let doc = Arc::new(doc.to_pretty_json().expect("OpenAPI serialises"));
    let request_id = HeaderName::from_static("x-request-id");
    let hsts = security::hsts(state.config.secure_cookies);
    api.route_layer(axum::middleware::from_fn_with_state(
        state.clone(),
        auth::authorize,
    ))
    .route(
        "/api/openapi.json",
        get(move || {
            let doc = doc.clone();
            async move { ([(header::CONTENT_TYPE, "application/json")], (*doc).clone()) }
        }),
    )
    .route("/api/docs", get(web::api_docs))
    .fallback(web::static_file)
    .layer(axum::middleware::from_fn_with_state(
        state.clone(),
        security::check_origin,
    ))
    .with_state(state)
    .layer(SetResponseHeaderLayer::overriding(
        HeaderName::from_static("permissions-policy"),
        HeaderValue::from_static(security::PERMISSIONS_POLICY),
    ))
    .layer(SetResponseHeaderLayer::overriding(
        header::STRICT_TRANSPORT_SECURITY,
        hsts,
    ))
    .layer(SetResponseHeaderLayer::overriding(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    ))
    .layer(SetResponseHeaderLayer::overriding(
        header::X_FRAME_OPTIONS,
        HeaderValue::from_static("DENY"),
    ))
    .layer(SetResponseHeaderLayer::overriding(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    ))
    .layer(SetResponseHeaderLayer::if_not_present(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'self'; img-src 'self' data: blob:; style-src 'self' 'unsafe-inline'; \
             worker-src 'self' blob:; frame-ancestors 'none'",
        ),
    ))
    .layer(CompressionLayer::new())
    .layer(CatchPanicLayer::custom(panic_response))
    .layer(PropagateRequestIdLayer::new(request_id.clone()))
    .layer(TraceLayer::new_for_http().make_span_with(|req: &axum::http::Request<_>| {
        let id = req
            .headers()
            .get("x-request-id")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        tracing::info_span!("request", method = %req.method(), path = %req.uri().path(), request_id = %id)
    }))
    .layer(SetRequestIdLayer::new(request_id, MakeRequestUuid))
}

/// A handler that panicked still answers in the error shape (and the panic is logged once,
/// inside the request's span).
fn panic_response(err: Box<dyn std::any::Any + Send + 'static>) -> axum::response::Response {
    let detail = err
        .downcast_ref::<String>()
        .map(String::as_str)
        .or_else(|| err.downcast_ref::<&str>().copied())
        .unwrap_or("unknown panic");
    axum::response::IntoResponse::into_response(error::ApiError::Internal(anyhow::anyhow!(
        "handler panicked: {detail}"
    )))
}

/// A started, not yet serving application.
pub struct Application {
    listener: tokio::net::TcpListener,
    router: Router,
    events: Arc<realtime::EventFeed>,
    /// Demo credentials created at this start.
    pub demo_logins: Vec<bootstrap::DemoLogin>,
}

/// The master key: `SENTIA_MASTER_KEY` when set, else the key file of the configuration
/// (created on first start).
pub fn load_master_key(config: &Config) -> anyhow::Result<sentia_store::secrets::MasterKey> {
    use anyhow::Context;
    use sentia_store::secrets::MasterKey;
    if let Ok(text) = std::env::var("SENTIA_MASTER_KEY")
        && !text.trim().is_empty()
    {
        return MasterKey::parse(&text).context("SENTIA_MASTER_KEY");
    }
    let (key, created) = MasterKey::load_or_create(&config.master_key_file)?;
    if created {
        tracing::warn!(
            file = %config.master_key_file.display(),
            "created a new master key for secrets at rest; back it up with the database \
             (instances sharing a database need the same key: set SENTIA_MASTER_KEY)"
        );
    }
    Ok(key)
}

impl Application {
    /// Connects, migrates, loads the demo when the database is empty, and binds.
    pub async fn build(config: Config) -> anyhow::Result<Self> {
        Self::build_with_clock(config, clock::Clock::system()).await
    }

    /// [`Application::build`] with a chosen time source (tests pass a manual clock).
    pub async fn build_with_clock(config: Config, clock: clock::Clock) -> anyhow::Result<Self> {
        let bind = config.bind;
        let run_jobs = config.run_jobs;
        let (state, demo_logins) = prepare_state(config, clock).await?;
        let listener = tokio::net::TcpListener::bind(bind).await?;
        if run_jobs {
            jobs::spawn(state.clone());
        }
        // Warm the report cube so the first dashboard load is fast.
        if let Err(e) = state.cube.get(&state.db, state.events.latest()).await {
            tracing::warn!(error = %e, "could not build the sales cube at start");
        }
        Ok(Self {
            listener,
            events: state.events.clone(),
            router: app(state),
            demo_logins,
        })
    }

    /// The bound address (useful with port 0).
    pub fn local_addr(&self) -> SocketAddr {
        self.listener.local_addr().expect("bound listener")
    }

    /// Serves until Ctrl-C / SIGTERM.
    pub async fn run(self) -> anyhow::Result<()> {
        axum::serve(
            self.listener,
            self.router
                .into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(async move {
            shutdown_signal().await;
            // Live event streams never end by themselves: end them so shutdown can finish.
            self.events.close();
        })
        .await?;
        Ok(())
    }
}

/// Connects, migrates, loads the demo when the database is empty, seals stored secrets,
/// starts the event poller and (when due) the first forecast: what both a server and a
/// worker need.
async fn prepare_state(
    config: Config,
    clock: clock::Clock,
) -> anyhow::Result<(AppState, Vec<bootstrap::DemoLogin>)> {
    let db =
        sentia_store::connect_with(&config.database_url, config.database_max_connections).await?;
    let demo_logins = bootstrap::prepare(&db, &config).await?;
    let now = sentia_store::db_time(clock.now());
    // An embedded (SQLite) database has one server: nothing can still be running. Instances
    // sharing PostgreSQL leave each other's runs to the run lease.
    let embedded = sentia_store::backend_of(&config.database_url) == sentia_store::Backend::Sqlite;
    let interrupted = if embedded {
        sentia_store::forecasting::interrupt_running(&db, now).await?
    } else {
        0
    };
    if interrupted > 0 {
        tracing::warn!(
            runs = interrupted,
            "forecast runs interrupted by the last stop marked failed"
        );
    }
    let start_forecast = config.forecast_on_start
        && !sentia_store::forecasting::has_forecasts(&db).await?
        && !bootstrap::is_empty(&db).await?;
    let limits = Arc::new(security::RateLimits::new(
        config.auth_rate_per_minute,
        config.api_rate_per_minute,
    ));
    let oidc = match (&config.oidc_issuer, &config.oidc_audience) {
        (Some(i), Some(a)) => Some(Arc::new(auth::oidc::OidcVerifier::new(i, a))),
        (None, None) => None,
        _ => anyhow::bail!("set both oidc_issuer and oidc_audience, or neither"),
    };
    let master_key = Arc::new(load_master_key(&config)?);
    let resealed = sentia_store::mfa::seal_stored_secrets(&db, &master_key).await?;
    if resealed > 0 {
        tracing::info!(users = resealed, "stored TOTP secrets sealed");
    }
    let events = Arc::new(realtime::EventFeed::new(
        sentia_store::events::latest_id(&db).await?,
    ));
    events.spawn_poller(db.clone());
    events.spawn_listener(&db);
    let state = AppState {
        events,
        master_key,
        oidc,
        limits,
        db,
        cube: Arc::default(),
        history: Arc::default(),
        config: Arc::new(config),
        started: Instant::now(),
        clock,
    };
    {
        // Forget rate-limit keys that have recovered, so memory stays bounded.
        let limits = state.limits.clone();
        tokio::spawn(async move {
            let mut every = tokio::time::interval(std::time::Duration::from_secs(600));
            loop {
                every.tick().await;
                limits.shrink();
            }
        });
    }
    if start_forecast {
        match forecasting::runner::start(&state.db, &state.clock, "startup").await {
            Ok(run) => tracing::info!(
                run_id = run.id,
                "forecast run started for the demand history"
            ),
            // Another instance is already forecasting this database.
            Err(sentia_store::StoreError::Conflict(why)) => {
                tracing::info!(%why, "no forecast run at start")
            }
            Err(e) => return Err(e.into()),
        }
    }
    Ok((state, demo_logins))
}

/// Runs the job worker and the schedulers without serving HTTP, until Ctrl-C / SIGTERM: for
/// scaled deployments where web instances set `run_jobs = false`. A job running when it stops
/// is taken again by a worker once its lease runs out.
pub async fn run_worker(config: Config) -> anyhow::Result<()> {
    let (state, demo_logins) = prepare_state(config, clock::Clock::system()).await?;
    bootstrap::print_logins(&demo_logins);
    jobs::spawn(state.clone());
    println!("Sentia worker is running jobs");
    shutdown_signal().await;
    state.events.close();
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
}
