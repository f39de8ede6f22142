//! Live updates: the newest outbox id, watched. A poller reads it from the database a few
//! times a second — so writes by any instance sharing the database are seen, not only this
//! process's — and wakes every open event stream, which then reads what it has not sent yet.

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
}
