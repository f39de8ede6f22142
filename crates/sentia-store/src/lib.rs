//! Sentia storage: one SeaORM connection for SQLite or PostgreSQL, the migration set,
//! repositories that return core types, and the demo company.
//!
//! Nothing here knows about HTTP. Functions take a connection (or transaction) and return
//! domain values or a narrow [`StoreError`].
#![forbid(unsafe_code)]

pub mod access;
pub mod api_tokens;
pub mod audit;
pub mod bulk;
pub mod demo;
pub mod entity;
pub mod events;
pub mod features;
pub mod forecasting;
pub mod import;
pub mod ingest;
pub mod jobs;
pub mod meta;
pub mod mfa;
pub mod migration;
pub mod reference;
pub mod sales;
pub mod secrets;
pub mod sources;
pub mod testing;
pub mod users;

use sea_orm::{ConnectOptions, ConnectionTrait, Database, DatabaseBackend, DatabaseConnection};
use sea_orm_migration::MigratorTrait;

pub use sea_orm::DatabaseBackend as Backend;
pub use sea_orm::DatabaseConnection as Db;

/// The narrow error every repository function returns.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The row asked for does not exist.
    #[error("not found")]
    NotFound,
    /// A unique constraint or a concurrent change refused the write.
    #[error("conflict: {0}")]
    Conflict(String),
    /// Data in the database breaks an invariant the code relies on.
    #[error("invalid stored data: {0}")]
    Invalid(String),
    /// Anything else from the database driver.
    #[error("database error: {0}")]
    Db(#[from] sea_orm::DbErr),
}

/// Result alias for repository functions.
pub type StoreResult<T> = Result<T, StoreError>;

/// Which database engine a URL points at.
pub fn backend_of(url: &str) -> DatabaseBackend {
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        DatabaseBackend::Postgres
    } else {
        DatabaseBackend::Sqlite
    }
}

/// Opens a pool on `url` (`sqlite://…` or `postgres://…`). SQLite files are created when
/// missing and switched to WAL so readers never wait for the writer.
#[tracing::instrument(skip_all)]
pub async fn connect(url: &str) -> StoreResult<DatabaseConnection> {
    connect_with(
        url,
        if backend_of(url) == DatabaseBackend::Sqlite {
            8
        } else {
            16
        },
    )
    .await
}

/// [`connect`] with at most `max_connections` pooled connections (instances sharing a
/// PostgreSQL server must stay under its `max_connections` together).
#[tracing::instrument(skip_all)]
pub async fn connect_with(url: &str, max_connections: u32) -> StoreResult<DatabaseConnection> {
    let sqlite = backend_of(url) == DatabaseBackend::Sqlite;
    if let Some(dir) = sqlite_parent_dir(url).filter(|_| sqlite) {
        std::fs::create_dir_all(&dir).map_err(|e| {
            StoreError::Invalid(format!("cannot create database folder {dir}: {e}"))
        })?;
    }
    let mut opts = ConnectOptions::new(url.to_owned());
    opts.sqlx_logging(false)
        .max_connections(max_connections.max(2))
        .min_connections(1);
    if sqlite {
        opts.map_sqlx_sqlite_opts(|o| {
            o.journal_mode(sea_orm::sqlx::sqlite::SqliteJournalMode::Wal)
                .synchronous(sea_orm::sqlx::sqlite::SqliteSynchronous::Normal)
                .foreign_keys(true)
                .busy_timeout(std::time::Duration::from_secs(10))
        });
    }
    let db = Database::connect(opts).await?;
    Ok(db)
}

fn sqlite_parent_dir(url: &str) -> Option<String> {
    let path = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))?;
    let path = path.split('?').next()?;
    if path.is_empty() || path == ":memory:" {
        return None;
    }
    let parent = std::path::Path::new(path).parent()?;
    let s = parent.to_string_lossy().into_owned();
    (!s.is_empty()).then_some(s)
}

/// Begins a transaction that writes: on SQLite it takes the write lock at `BEGIN` (waiting
/// for it under the busy timeout). A deferred transaction that read before its first write
/// is refused as busy at once when another writer committed in between, which no busy
/// timeout can wait out. Inside a caller's transaction it is a savepoint. Every
/// transaction that writes begins here.
pub async fn begin_write<C: sea_orm::TransactionTrait>(
    db: &C,
) -> Result<C::Transaction, sea_orm::DbErr> {
    db.begin_with_options(sea_orm::TransactionOptions {
        sqlite_transaction_mode: Some(sea_orm::SqliteTransactionMode::Immediate),
        ..Default::default()
    })
    .await
}

/// Applies every pending migration.
#[tracing::instrument(skip_all)]
pub async fn migrate(db: &DatabaseConnection) -> StoreResult<()> {
    migration::Migrator::up(db, None).await?;
    Ok(())
}

/// An instant as stored: UTC truncated to microseconds, so SQLite (which would keep
/// nanoseconds) and PostgreSQL (microseconds) hold the same value.
pub fn db_time(t: chrono::DateTime<chrono::Utc>) -> chrono::DateTime<chrono::Utc> {
    use chrono::SubsecRound;
    t.trunc_subsecs(6)
}

/// Cheap liveness probe of the database.
pub async fn ping(db: &DatabaseConnection) -> StoreResult<()> {
    db.execute_unprepared("SELECT 1").await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_folder_of_a_sqlite_url() {
        assert_eq!(
            sqlite_parent_dir("sqlite://./sentia-data/sentia.db?mode=rwc").as_deref(),
            Some("./sentia-data")
        );
        assert_eq!(sqlite_parent_dir("sqlite::memory:"), None);
        assert_eq!(backend_of("postgres://x/y"), DatabaseBackend::Postgres);
    }
}
