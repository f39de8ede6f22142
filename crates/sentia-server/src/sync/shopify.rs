//! Syncing one Shopify store: its orders (with lines and refunds) through the GraphQL Admin
//! API, incrementally from the stored `orders` cursor. Orders keep Shopify's global ids, the
//! same ones webhooks carry, so a webhook and a sync of one order update one row.
//!
//! Settings: `shop` (the `….myshopify.com` domain), `channel` (the Sentia channel the store
//! sells on), `api_version`, and optionally `base_url` (a proxy in front of the store).
//! Credentials: `access_token` (an Admin API token).

use sentia_connectors::IncrementalCursor;
use sentia_connectors::shopify::{FinancialStatus, ShopifyClient, ShopifyConfig, SourceOrder};
use sentia_store::ingest::{self, IncomingLine, IncomingOrder, IncomingRefund, UpsertOutcome};
use sentia_store::sources::Source;

use super::{Reconciliation, SyncError, SyncReport, optional, required, settings_of};
use crate::state::AppState;

/// The cursor object of orders.
pub const ORDERS: &str = "orders";
/// Shopify API version used when the source names none.
pub const DEFAULT_API_VERSION: &str = "2026-10";

fn client(
    source: &Source,
    creds: &serde_json::Map<String, serde_json::Value>,
) -> Result<(ShopifyClient, String), SyncError> {
    let settings = settings_of(source);
    let shop = required(&settings, "shop", "setting")?;
    let channel = required(&settings, "channel", "setting")?.to_owned();
    let token = required(creds, "access_token", "credential")?;
    let version = optional(&settings, "api_version").unwrap_or(DEFAULT_API_VERSION);
    let mut config = ShopifyConfig::new(shop, version, token.to_owned());
    config.base_url = optional(&settings, "base_url").map(str::to_owned);
    Ok((ShopifyClient::new(config)?, channel))
}

/// Maps a synced order to the store's order, sold on `channel`.
pub fn incoming(order: &SourceOrder, channel: &str) -> Result<IncomingOrder, String> {
    let mut lines = Vec::with_capacity(order.lines.len());
    for (i, l) in order.lines.iter().enumerate() {
        let sku = l
            .sku
            .clone()
            .ok_or_else(|| format!("{} line {}: no SKU", order.name, i + 1))?;
        let quantity = l.quantity.milli() / 1000;
        let (disc, disc_p) = l
            .discount
            .map_or((0, 0), |d| (d.shop.minor, d.presentment.minor));
        lines.push(IncomingLine {
            external_id: l.external_id.clone(),
            sku,
            quantity,
            unit_price_minor: l.unit_price.shop.minor,
            discount_minor: disc,
            net_shop_minor: l.unit_price.shop.minor * quantity - disc,
            net_presentment_minor: l.unit_price.presentment.minor * quantity - disc_p,
        });
    }
    let refunds: Vec<IncomingRefund> = order
        .refunds
        .iter()
        .filter(|r| r.amount.shop.minor > 0)
        .map(|r| IncomingRefund {
            external_id: r.external_id.clone(),
            refunded_at: r.created_at,
            amount_shop_minor: r.amount.shop.minor,
            quantity_returned: r
                .lines
                .iter()
                .map(|l| l.quantity.milli().max(0) / 1000)
                .sum(),
            reason: "refund".into(),
        })
        .collect();
    let total = order.shop_total.minor;
    let refunded: i64 = refunds.iter().map(|r| r.amount_shop_minor).sum();
    let status = match order.financial_status {
        FinancialStatus::Refunded | FinancialStatus::Voided => "refunded",
        _ if order.cancelled => "refunded",
        FinancialStatus::PartiallyRefunded => "partially_refunded",
        _ if refunded > 0 && refunded < total => "partially_refunded",
        _ if refunded > 0 => "refunded",
        _ => "fulfilled",
    };
    Ok(IncomingOrder {
        source: order.source.clone(),
        external_id: order.external_id.clone(),
        order_number: order.name.clone(),
        channel_code: channel.to_owned(),
        ordered_at: order.created_at,
        source_updated_at: order.updated_at,
        status: status.to_owned(),
        shop_currency: order.shop_total.currency.code().to_owned(),
        presentment_currency: order.presentment_total.currency.code().to_owned(),
        total_shop_minor: total,
        total_presentment_minor: order.presentment_total.minor,
        lines,
        refunds,
    })
}

/// Orders committed per transaction: one commit (and disk sync) per batch rather than per
/// order, while the write lock is held only briefly.
const BATCH: usize = 200;

/// Upserts orders in batches, each batch in one transaction; each order is upserted in its
/// own savepoint with its event, so an order Sentia refuses leaves the rest of its batch.
pub(crate) async fn store_orders(
    state: &AppState,
    orders: impl Iterator<Item = Result<IncomingOrder, String>>,
) -> Result<SyncReport, SyncError> {
    let mut report = SyncReport::default();
    let orders: Vec<_> = orders.collect();
    for batch in orders.chunks(BATCH) {
        let txn = sentia_store::begin_write(&state.db)
            .await
            .map_err(sentia_store::StoreError::from)?;
        for order in batch {
            report.fetched += 1;
            let order = match order {
                Ok(o) => o,
                Err(why) => {
                    report.refused.push(why.clone());
                    continue;
                }
            };
            match ingest::upsert_order(&txn, order, state.now()).await {
                Ok(UpsertOutcome::Inserted { .. } | UpsertOutcome::Updated { .. }) => {
                    report.stored += 1
                }
                Ok(_) => report.unchanged += 1,
                Err(sentia_store::StoreError::Invalid(why)) => {
                    report
                        .refused
                        .push(format!("{}: {why}", order.order_number));
                }
                Err(e) => return Err(e.into()),
            }
        }
        txn.commit().await.map_err(sentia_store::StoreError::from)?;
    }
    Ok(report)
}

/// Syncs the store's orders changed since the stored cursor (all of them when `full`).
pub async fn sync(
    state: &AppState,
    source: &Source,
    creds: &serde_json::Map<String, serde_json::Value>,
    full: bool,
) -> Result<SyncReport, SyncError> {
    let (client, channel) = client(source, creds)?;
    let cursor = super::cursor_of(state, &source.code, ORDERS, full).await?;
    let synced = client.orders(&cursor).await?;
    let report = store_orders(state, synced.orders.iter().map(|o| incoming(o, &channel))).await?;
    super::save_cursor_of(state, &source.code, ORDERS, &synced.cursor).await?;
    Ok(report)
}

/// Compares the store's full order list with the orders Sentia holds from it.
pub async fn reconcile(
    state: &AppState,
    source: &Source,
    creds: &serde_json::Map<String, serde_json::Value>,
) -> Result<Vec<Reconciliation>, SyncError> {
    let (client, _) = client(source, creds)?;
    let all = client.orders(&IncrementalCursor::full()).await?;
    let in_source = all.orders.iter().map(|o| o.external_id.clone()).collect();
    let in_sentia = super::stored_ids(state, "sales_orders", client.source()).await?;
    Ok(vec![super::compare(ORDERS, &in_source, &in_sentia)])
}
