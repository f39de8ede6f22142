//! The weekly demand history, rebuilt only when the sales data changed.

use std::sync::{Arc, Mutex};

use sentia_store::forecasting::history::{DemandHistory, demand_history};
use sentia_store::{Db, StoreResult, sales};

/// Shared holder of the last history built, keyed by the data version.
#[derive(Debug, Default)]
pub struct HistoryCache {
    current: Mutex<Option<(String, Option<Arc<DemandHistory>>)>>,
    rebuild: tokio::sync::Mutex<()>,
}

impl HistoryCache {
    /// The history for the data as it is now (`None` when there are no orders).
    pub async fn get(&self, db: &Db) -> StoreResult<Option<Arc<DemandHistory>>> {
        let version = sales::data_version(db).await?;
        if let Some(h) = self.cached(&version) {
            return Ok(h);
        }
        let _guard = self.rebuild.lock().await;
        if let Some(h) = self.cached(&version) {
            return Ok(h);
        }
        let h = demand_history(db).await?.map(Arc::new);
        *self.current.lock().unwrap_or_else(|e| e.into_inner()) = Some((version, h.clone()));
        Ok(h)
    }

    fn cached(&self, version: &str) -> Option<Option<Arc<DemandHistory>>> {
        self.current
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .as_ref()
            .filter(|(v, _)| v == version)
            .map(|(_, h)| h.clone())
    }
}
