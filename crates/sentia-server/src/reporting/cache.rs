//! Keeps the sales cube fresh: rebuilt when the data version changes, checked at most once
//! per interval, and built by one task at a time while readers keep the previous cube.

use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use sentia_store::{Db, StoreResult, meta, reference, sales};

use super::cube::{CubeInputs, SalesCube};

/// How long a checked cube is trusted before the data version is looked at again.
const CHECK_EVERY: Duration = Duration::from_secs(1);

/// Shared cube holder.
#[derive(Debug, Default)]
pub struct CubeCache {
    current: RwLock<Option<(Arc<SalesCube>, Instant)>>,
    rebuild: tokio::sync::Mutex<()>,
}

impl CubeCache {
    /// The current cube, rebuilt first when the data changed.
    pub async fn get(&self, db: &Db) -> StoreResult<Arc<SalesCube>> {
        if let Some(cube) = self.fresh() {
            return Ok(cube);
        }
        let _guard = self.rebuild.lock().await;
        // Another task may have refreshed it while we waited.
        if let Some(cube) = self.fresh() {
            return Ok(cube);
        }
        let version = sales::data_version(db).await?;
        let existing = self
            .current
            .read()
            .expect("cube lock")
            .as_ref()
            .map(|(c, _)| c.clone());
        let cube = match existing {
            Some(c) if c.version == version => c,
            _ => Arc::new(load(db, version).await?),
        };
        *self.current.write().expect("cube lock") = Some((cube.clone(), Instant::now()));
        Ok(cube)
    }

    fn fresh(&self) -> Option<Arc<SalesCube>> {
        self.current
            .read()
            .expect("cube lock")
            .as_ref()
            .filter(|(_, checked)| checked.elapsed() < CHECK_EVERY)
            .map(|(cube, _)| cube.clone())
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
