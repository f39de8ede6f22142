//! Live updates: the newest outbox id, watched. A poller reads it from the database a few
//! times a second — so writes by any instance sharing the database are seen, not only this
//! process's — and wakes every open event stream, which then reads what it has not sent yet.
//! On PostgreSQL a listener on the outbox's `NOTIFY` channel wakes the streams as soon as any
//! instance commits an event; the poll stays as the fallback while the listener reconnects.

use std::sync::Arc;
use std::time::Duration;

use sentia_store::Db;
use tokio::sync::watch;

/// How often the newest event id is read.
pub const POLL_EVERY: Duration = Duration::from_millis(250);

/// The newest outbox id, for streams to wait on.
#[derive(Debug)]
pub struct EventFeed {
    latest: watch::Sender<i64>,
    closing: std::sync::atomic::AtomicBool,
}

impl EventFeed {
    /// A feed starting at `latest`.
    pub fn new(latest: i64) -> Self {
        EventFeed {
            latest: watch::Sender::new(latest),
            closing: std::sync::atomic::AtomicBool::new(false),
        }
    }

    /// Ends every open stream (the server is stopping).
    pub fn close(&self) {
        self.closing
            .store(true, std::sync::atomic::Ordering::SeqCst);
        self.latest.send_modify(|_| {});
    }

    /// Whether the server is stopping.
    pub fn is_closing(&self) -> bool {
        self.closing.load(std::sync::atomic::Ordering::SeqCst)
    }

    /// A receiver that wakes when a newer id is seen.
    pub fn subscribe(&self) -> watch::Receiver<i64> {
        self.latest.subscribe()
    }

    /// The newest outbox id seen.
    pub fn latest(&self) -> i64 {
        *self.latest.borrow()
    }

    /// Records that events up to `id` exist (ignored when not newer).
    pub fn seen(&self, id: i64) {
        self.latest.send_if_modified(|v| {
            if id > *v {
                *v = id;
                true
            } else {
                false
            }
        });
    }

    /// Reads the newest id now, so this process's streams and worker wake at once after a
    /// write it made (other instances' writes wait for the poll).
    pub async fn refresh(&self, db: &Db) {
        match sentia_store::events::latest_id(db).await {
            Ok(id) => self.seen(id),
            Err(e) => tracing::debug!(error = %e, "could not read the newest event id"),
        }
    }

    /// Reads the newest id every [`POLL_EVERY`] for as long as the feed lives.
    pub fn spawn_poller(self: &Arc<Self>, db: Db) {
        let feed = Arc::downgrade(self);
        tokio::spawn(async move {
            let mut every = tokio::time::interval(POLL_EVERY);
            every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                every.tick().await;
                let Some(feed) = feed.upgrade() else { break };
                feed.refresh(&db).await;
            }
        });
    }

    /// On PostgreSQL, listens on [`sentia_store::events::NOTIFY_CHANNEL`] for as long as the
    /// feed lives: each notification carries a new event id. A lost connection is opened
    /// again after a pause; the poll covers the gap. Does nothing on SQLite, where one process
    /// writes and [`EventFeed::refresh`] wakes its streams.
    pub fn spawn_listener(self: &Arc<Self>, db: &Db) {
        if db.get_database_backend() != sea_orm::DbBackend::Postgres {
            return;
        }
        let pool = db.get_postgres_connection_pool().clone();
        let feed = Arc::downgrade(self);
        tokio::spawn(async move {
            use sea_orm::sqlx::postgres::PgListener;
            let mut pause = LISTEN_RETRY_MIN;
            loop {
                let mut listener = match PgListener::connect_with(&pool).await {
                    Ok(l) => l,
                    Err(e) => {
                        tracing::warn!(error = %e, "could not open the event listener");
                        tokio::time::sleep(pause).await;
                        pause = (pause * 2).min(LISTEN_RETRY_MAX);
                        continue;
                    }
                };
                if let Err(e) = listener.listen(sentia_store::events::NOTIFY_CHANNEL).await {
                    tracing::warn!(error = %e, "could not listen for events");
                    tokio::time::sleep(pause).await;
                    pause = (pause * 2).min(LISTEN_RETRY_MAX);
                    continue;
                }
                pause = LISTEN_RETRY_MIN;
                loop {
                    // `try_recv` answers `None` when the connection was lost (and reconnects
                    // on the next call); events sent meanwhile are found by the poll.
                    match listener.try_recv().await {
                        Ok(Some(n)) => {
                            let Some(feed) = feed.upgrade() else { return };
                            if let Ok(id) = n.payload().trim().parse::<i64>() {
                                feed.seen(id);
                            }
                        }
                        Ok(None) => {
                            if feed.strong_count() == 0 {
                                return;
                            }
                        }
                        Err(e) => {
                            tracing::warn!(error = %e, "event listener failed");
                            break;
                        }
                    }
                }
                if feed.strong_count() == 0 {
                    return;
                }
                tokio::time::sleep(pause).await;
            }
        });
    }
}

/// First pause before the event listener connects again.
const LISTEN_RETRY_MIN: Duration = Duration::from_millis(500);
/// Longest pause between the listener's attempts.
const LISTEN_RETRY_MAX: Duration = Duration::from_secs(30);
