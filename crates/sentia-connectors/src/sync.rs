//! Incremental-sync cursors.
//!
//! Shopify (`updated_at:>=`) and Unleashed (`modifiedSince`) filter at one-second resolution
//! and inclusively, so the records at the cursor's second come back on the next sync. The
//! cursor remembers which versions it already returned in that second and drops only those:
//! a record edited again in the same second has a new version and is returned.

use std::collections::BTreeMap;

use chrono::{DateTime, DurationRound, TimeDelta, Utc};
use serde::{Deserialize, Serialize};

/// Where the last sync of one resource stopped.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct IncrementalCursor {
    /// Latest modification time seen; `None` before the first sync (fetch everything).
    pub at: Option<DateTime<Utc>>,
    /// Records seen modified at or after the start of `at`'s second, with their modification
    /// times, so the inclusive re-fetch of that second does not return them twice.
    pub seen: BTreeMap<String, DateTime<Utc>>,
}

impl IncrementalCursor {
    /// A cursor that fetches everything.
    pub fn full() -> Self {
        Self::default()
    }

    /// The lower bound to send to the API: `at` truncated to the second.
    pub fn since(&self) -> Option<DateTime<Utc>> {
        self.at.map(floor_second)
    }

    /// Whether a record (`id` modified at `modified`) was already returned by the sync that
    /// produced this cursor.
    pub fn already_seen(&self, id: &str, modified: DateTime<Utc>) -> bool {
        self.seen.get(id) == Some(&modified)
    }

    /// The cursor after a sync that returned `records` (id, modification time).
    pub fn advance<'a>(&self, records: impl IntoIterator<Item = (&'a str, DateTime<Utc>)>) -> Self {
        let mut next = self.clone();
        for (id, modified) in records {
            next.at = Some(next.at.map_or(modified, |a| a.max(modified)));
            next.seen.insert(id.to_owned(), modified);
        }
        if let Some(floor) = next.since() {
            next.seen.retain(|_, m| *m >= floor);
        }
        next
    }
}

fn floor_second(t: DateTime<Utc>) -> DateTime<Utc> {
    t.duration_trunc(TimeDelta::seconds(1)).unwrap_or(t)
}

/// Records returned by an incremental sync of one endpoint, with the next cursor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Synced<T> {
    /// Records created or changed since the previous cursor.
    pub records: Vec<T>,
    /// The cursor to pass to the next sync.
    pub cursor: IncrementalCursor,
}

/// A record with an id and a modification time (what incremental syncs need).
pub trait Modified {
    /// The external id.
    fn external_id(&self) -> &str;
    /// The last modification time, if the API gives one.
    fn modified_at(&self) -> Option<DateTime<Utc>>;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    #[test]
    fn drops_only_versions_already_returned_in_the_last_second() {
        let c = IncrementalCursor::full().advance([
            ("a", t("2026-01-01T00:00:01Z")),
            ("b", t("2026-01-01T00:00:05.300Z")),
            ("c", t("2026-01-01T00:00:05.100Z")),
        ]);
        assert_eq!(c.at, Some(t("2026-01-01T00:00:05.300Z")));
        assert_eq!(c.since(), Some(t("2026-01-01T00:00:05Z")));
        assert_eq!(c.seen.len(), 2, "only the last second is remembered");
        assert!(c.already_seen("b", t("2026-01-01T00:00:05.300Z")));
        assert!(!c.already_seen("b", t("2026-01-01T00:00:05.900Z")));
        assert!(!c.already_seen("d", t("2026-01-01T00:00:05.300Z")));
    }
}
