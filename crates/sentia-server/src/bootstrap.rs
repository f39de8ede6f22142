//! First start: migrate, load the demo company into an empty database and create the demo
//! users, one per role.

use std::time::Instant;

use chrono::Utc;
use sentia_core::reference::Role;
use sentia_store::{Db, demo, users};

use crate::auth::password;
use crate::config::Config;

/// The demo users: e-mail, name, role.
pub const DEMO_USERS: [(&str, &str, Role); 4] = [
    ("admin@sentia.demo", "Avery Admin", Role::Admin),
    ("manager@sentia.demo", "Morgan Manager", Role::Manager),
    ("operator@sentia.demo", "Olly Operator", Role::Operator),
    ("viewer@sentia.demo", "Vic Viewer", Role::Viewer),
];

/// Credentials of a created demo user, shown once.
#[derive(Debug, Clone)]
pub struct DemoLogin {
    /// E-mail.
    pub email: String,
    /// Role.
    pub role: Role,
    /// Password in clear (only at creation).
    pub password: String,
}

/// Whether the database holds no business data yet.
pub async fn is_empty(db: &Db) -> anyhow::Result<bool> {
    Ok(
        sentia_store::reference::list_products(db, 0, 1, Utc::now().date_naive())
            .await?
            .1
            == 0,
    )
}

/// Loads the demo company (`days` of history ending today), timing it. With `reset`, all
/// business data is replaced in the same transaction.
pub async fn load_demo(db: &Db, days: u32, reset: bool) -> anyhow::Result<demo::DemoSummary> {
    let cfg = demo::DemoConfig {
        days,
        ..demo::DemoConfig::default()
    };
    let started = Instant::now();
    let summary = if reset {
        demo::reset(db, &cfg).await?
    } else {
        demo::load(db, &cfg).await?
    };
    tracing::info!(
        ms = started.elapsed().as_millis() as u64,
        orders = summary.orders,
        "demo company loaded"
    );
    Ok(summary)
}

/// Creates the four demo users when there are no users yet; returns their credentials.
pub async fn ensure_demo_users(
    db: &Db,
    fixed_password: Option<&str>,
) -> anyhow::Result<Vec<DemoLogin>> {
    if users::count(db).await? > 0 {
        return Ok(vec![]);
    }
    let mut out = Vec::new();
    for (email, name, role) in DEMO_USERS {
        let pw = fixed_password
            .map(str::to_owned)
            .unwrap_or_else(|| password::random_secret(16));
        let phc = {
            let pw = pw.clone();
            tokio::task::spawn_blocking(move || password::hash(&pw)).await??
        };
        users::upsert(db, email, name, role, &phc, Utc::now()).await?;
        out.push(DemoLogin {
            email: email.into(),
            role,
            password: pw,
        });
    }
    Ok(out)
}

/// Prepares a database for serving: migrations, then (if configured and empty) the demo.
/// Returns demo credentials created now, to print.
pub async fn prepare(db: &Db, config: &Config) -> anyhow::Result<Vec<DemoLogin>> {
    sentia_store::migrate(db).await?;
    if config.demo_on_empty && is_empty(db).await? {
        println!(
            "Empty database: loading the Sentia Spirits demo company ({} days)…",
            config.demo_days
        );
        let s = load_demo(db, config.demo_days, false).await?;
        println!(
            "Demo loaded: {} orders, {} order lines, {} production runs, {} invoices.",
            s.orders, s.order_lines, s.production_runs, s.invoices
        );
    }
    if config.demo_on_empty {
        return ensure_demo_users(db, config.demo_password.as_deref()).await;
    }
    Ok(vec![])
}

/// Prints demo credentials.
pub fn print_logins(logins: &[DemoLogin]) {
    if logins.is_empty() {
        return;
    }
    println!("Demo logins (shown once; change them before sharing this instance):");
    for l in logins {
        println!("  {:<9} {:<22} {}", l.role.code(), l.email, l.password);
    }
}
