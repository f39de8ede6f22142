//! Keeps the sales cube fresh: rebuilt when the data version changes, checked at most once
//! per interval — or at once when a newer outbox event has been seen, so a page refreshed by a
//! live event never gets the cube from before it — and built by one task at a time while
//! readers keep the previous cube.

use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use sentia_store::{Db, StoreResult, meta, reference, sales};

use super::cube::{CubeInputs, SalesCube};

/// How long a checked cube is trusted before the data version is looked at again.
const CHECK_EVERY: Duration = Duration::from_secs(1);

/// Shared cube holder.
#[derive(Debug, Default)]
pub struct CubeCache {
    current: RwLock<Option<(Arc<SalesCube>, Instant, i64)>>,
    rebuild: tokio::sync::Mutex<()>,
}

impl CubeCache {
    /// The current cube, rebuilt first when the data changed. `seen_event` is the newest
    /// outbox id this instance knows of: a cube checked before it is checked again.
    pub async fn get(&self, db: &Db, seen_event: i64) -> StoreResult<Arc<SalesCube>> {
        if let Some(cube) = self.fresh(seen_event) {
            return Ok(cube);
        }
        let _guard = self.rebuild.lock().await;
        // Another task may have refreshed it while we waited.
        if let Some(cube) = self.fresh(seen_event) {
            return Ok(cube);
        }
        let version = sales::data_version(db).await?;
        let existing = self
            .current
            .read()
            .expect("cube lock")
            .as_ref()
            .map(|(c, _, _)| c.clone());
        let cube = match existing {
            Some(c) if c.version == version => c,
            _ => Arc::new(load(db, version).await?),
        };
        *self.current.write().expect("cube lock") =
            Some((cube.clone(), Instant::now(), seen_event));
        Ok(cube)
    }

    fn fresh(&self, seen_event: i64) -> Option<Arc<SalesCube>> {
        self.current
            .read()
            .expect("cube lock")
            .as_ref()
            .filter(|(_, checked, at)| checked.elapsed() < CHECK_EVERY && seen_event <= *at)
            .map(|(cube, _, _)| cube.clone())
    }
}

#[tracing::instrument(skip_all)]
async fn load(db: &Db, version: String) -> StoreResult<SalesCube> {
    let started = Instant::now();
    let channels = reference::list_channels(db).await?;
    let inputs = CubeInputs {
        version,
        data_through: meta::data_through(db).await?,
        channels,
        products: sales::finished_products(db).await?,
        locations: sales::locations(db).await?,
        lines: sales::line_facts(db).await?,
        refunds: sales::refund_facts(db).await?,
        rates: sales::day_rates(db).await?,
        stock: sales::finished_stock_changes(db).await?,
    };
    let lines = inputs.lines.len();
    let cube = tokio::task::spawn_blocking(move || SalesCube::build(inputs))
        .await
        .map_err(|e| sentia_store::StoreError::Invalid(format!("cube build failed: {e}")))?;
    tracing::info!(
        lines,
        ms = started.elapsed().as_millis() as u64,
        "sales cube built"
    );
    Ok(cube)
}
