//! Data from outside, normalised and stored: webhooks and syncs hand their records here as
//! jobs, which upsert them by (source, external id) in one transaction with a `data.…` event.

pub mod shopify;

use sentia_store::ingest::{self, UpsertOutcome};

use crate::jobs::JobError;
use crate::state::AppState;

/// Job kind: one order delivered by a Shopify webhook.
pub const SHOPIFY_ORDER_KIND: &str = "shopify.order";

/// Runs a [`SHOPIFY_ORDER_KIND`] job: maps the delivered order and upserts it. A delivery older
/// than what is stored (a stale retry) changes nothing.
pub async fn shopify_order(
    state: &AppState,
    payload: &serde_json::Value,
) -> Result<UpsertOutcome, JobError> {
    let text = |k: &str| {
        payload[k]
            .as_str()
            .map(str::to_owned)
            .ok_or_else(|| JobError::Permanent(format!("job payload has no {k}")))
    };
    let (shop, channel) = (text("shop")?, text("channel")?);
    let order = shopify::order_from_webhook(&payload["order"], &shop, &channel)
        .map_err(|e| JobError::Permanent(e.to_string()))?;
    match ingest::upsert_order(&state.db, &order, state.now()).await {
        Ok(outcome) => {
            tracing::info!(?outcome, external_id = %order.external_id, "Shopify order stored");
            Ok(outcome)
        }
        Err(sentia_store::StoreError::Invalid(why)) => Err(JobError::Permanent(why)),
        Err(e) => Err(e.into()),
    }
}
