//! Syncing one Amazon seller account in one region: its orders through the Orders API
//! (2026-01-01), incrementally from the stored `orders` cursor, each marketplace's orders on
//! the Sentia channel the settings name for it; and its FBA stock, as the day's stock count
//! at each channel's fulfilment location (units at Amazon's sites: total less inbound).
//!
//! Settings: `region` (`eu` or `na`), `seller_id`, `channels` (marketplace id → channel code,
//! only these marketplaces are synced), and optionally `base_url` and `lwa_url` (proxies).
//! Credentials: `client_id`, `client_secret`, `refresh_token` (from the LWA app).
//!
//! Amazon gives pending orders no prices: they are left until they have them. A cancelled
//! order that was stored is kept with its value refunded, so revenue nets out.

use std::collections::BTreeMap;

use sentia_connectors::IncrementalCursor;
use sentia_connectors::amazon::{
    AmazonClient, AmazonConfig, AmazonOrder, FbaInventory, Marketplace, OrderStatus, Region,
};
use sentia_store::ingest::{IncomingLine, IncomingOrder, IncomingRefund, IncomingStockCount};
use sentia_store::sources::Source;

use super::{Reconciliation, SyncError, SyncReport, optional, required, settings_of};
use crate::state::AppState;

/// The cursor object of orders.
pub const ORDERS: &str = "orders";

fn client(
    source: &Source,
    creds: &serde_json::Map<String, serde_json::Value>,
) -> Result<(AmazonClient, BTreeMap<String, String>), SyncError> {
    let settings = settings_of(source);
    let region = match required(&settings, "region", "setting")? {
        "eu" => Region::Europe,
        "na" => Region::NorthAmerica,
        other => {
            return Err(SyncError::Config(format!(
                "region {other:?} is not eu or na"
            )));
        }
    };
    let seller = required(&settings, "seller_id", "setting")?;
    let channels: BTreeMap<String, String> = settings
        .get("channels")
        .and_then(|v| v.as_object())
        .map(|m| {
            m.iter()
                .filter_map(|(k, v)| v.as_str().map(|c| (k.clone(), c.to_owned())))
                .collect()
        })
        .unwrap_or_default();
    let marketplaces: Vec<Marketplace> = channels
        .keys()
        .filter_map(|id| Marketplace::from_id(id))
        .filter(|m| m.region() == region)
        .collect();
    if marketplaces.is_empty() {
        return Err(SyncError::Config(
            "setting channels names no marketplace of the region".into(),
        ));
    }
    let mut config = AmazonConfig::new(
        required(creds, "client_id", "credential")?,
        required(creds, "client_secret", "credential")?.to_owned(),
        required(creds, "refresh_token", "credential")?.to_owned(),
        seller,
        region,
    );
    config.marketplaces = marketplaces;
    if let Some(url) = optional(&settings, "base_url") {
        config.api_url = url.to_owned();
    }
    if let Some(url) = optional(&settings, "lwa_url") {
        config.lwa_url = url.to_owned();
    }
    Ok((AmazonClient::new(config)?, channels))
}

/// Maps an Amazon order to the store's order on `channel`; `None` for an order without
/// prices yet (pending).
pub fn incoming(order: &AmazonOrder, channel: &str) -> Result<Option<IncomingOrder>, String> {
    let Some(total) = order.total else {
        return Ok(None);
    };
    let mut lines = Vec::with_capacity(order.lines.len());
    for (i, l) in order.lines.iter().enumerate() {
        let at = |what: &str| format!("{} line {}: {what}", order.external_id, i + 1);
        let sku = l.sku.clone().ok_or_else(|| at("no seller SKU"))?;
        let quantity = l.quantity.milli() / 1000;
        if quantity <= 0 {
            // Cancelled lines carry no units.
            continue;
        }
        let price = l.price.ok_or_else(|| at("no price"))?;
        let discount = l.discount.map_or(0, |d| d.minor);
        let unit = (price.minor + quantity / 2) / quantity;
        lines.push(IncomingLine {
            external_id: l.external_id.clone(),
            sku,
            quantity,
            unit_price_minor: unit,
            discount_minor: discount,
            net_shop_minor: price.minor - discount,
            net_presentment_minor: price.minor - discount,
        });
    }
    if lines.is_empty() {
        return Ok(None);
    }
    let cancelled = order.status == OrderStatus::Canceled;
    let refunds = if cancelled && total.minor > 0 {
        vec![IncomingRefund {
            external_id: format!("{}:cancelled", order.external_id),
            refunded_at: order.updated_at,
            amount_shop_minor: total.minor,
            quantity_returned: 0,
            reason: "cancelled".into(),
        }]
    } else {
        Vec::new()
    };
    Ok(Some(IncomingOrder {
        source: order.source.clone(),
        external_id: order.external_id.clone(),
        order_number: order.external_id.clone(),
        channel_code: channel.to_owned(),
        ordered_at: order.purchased_at,
        source_updated_at: order.updated_at,
        status: if cancelled { "refunded" } else { "fulfilled" }.to_owned(),
        shop_currency: total.currency.code().to_owned(),
        presentment_currency: total.currency.code().to_owned(),
        total_shop_minor: total.minor,
        total_presentment_minor: total.minor,
        lines,
        refunds,
    }))
}

/// Syncs the account's orders changed since the stored cursor (all of them when `full`).
pub async fn sync(
    state: &AppState,
    source: &Source,
    creds: &serde_json::Map<String, serde_json::Value>,
    full: bool,
) -> Result<SyncReport, SyncError> {
    let (client, channels) = client(source, creds)?;
    let cursor = super::cursor_of(state, &source.code, ORDERS, full).await?;
    let synced = client.orders(&cursor).await?;
    let mut pending = 0;
    let mapped: Vec<Result<IncomingOrder, String>> = synced
        .records
        .iter()
        .filter_map(|o| {
            let Some(channel) = channels.get(&o.marketplace_id) else {
                return Some(Err(format!(
                    "{}: marketplace {} has no channel",
                    o.external_id, o.marketplace_id
                )));
            };
            match incoming(o, channel) {
                Ok(Some(order)) => Some(Ok(order)),
                Ok(None) => {
                    pending += 1;
                    None
                }
                Err(why) => Some(Err(why)),
            }
        })
        .collect();
    let mut report = super::shopify::store_orders(state, mapped.into_iter()).await?;
    report.fetched += pending;
    report.unchanged += pending;
    super::save_cursor_of(state, &source.code, ORDERS, &synced.cursor).await?;
    report.absorb(sync_inventory(state, &client, &channels).await?);
    Ok(report)
}

/// The fulfilment location of each channel code.
async fn fulfilment_locations(state: &AppState) -> Result<BTreeMap<String, String>, SyncError> {
    use sea_orm::ConnectionTrait;
    let rows = state
        .db
        .query_all_raw(sea_orm::Statement::from_string(
            state.db.get_database_backend(),
            "SELECT c.code AS channel, l.code AS location FROM channels c \
             JOIN locations l ON l.id = c.fulfilment_location_id"
                .to_owned(),
        ))
        .await
        .map_err(sentia_store::StoreError::from)?;
    rows.iter()
        .map(|r| {
            Ok((
                r.try_get::<String>("", "channel")
                    .map_err(sentia_store::StoreError::from)?,
                r.try_get::<String>("", "location")
                    .map_err(sentia_store::StoreError::from)?,
            ))
        })
        .collect()
}

/// Units of an FBA summary at Amazon's sites: its total less what is still inbound.
pub fn units_at_amazon(s: &FbaInventory) -> i64 {
    (s.total - s.inbound_working - s.inbound_shipped - s.inbound_receiving).max(0)
}

/// Counts the FBA stock of each fulfilment location the account's channels ship from, as
/// stock counts of the day. A pooled location (Pan-EU: every EU marketplace reports the
/// same pool) is asked through its first marketplace only, so its stock is counted once.
async fn sync_inventory(
    state: &AppState,
    client: &AmazonClient,
    channels: &BTreeMap<String, String>,
) -> Result<SyncReport, SyncError> {
    let locations = fulfilment_locations(state).await?;
    let mut asked: BTreeMap<String, Marketplace> = BTreeMap::new();
    for (marketplace, channel) in channels {
        let (Some(m), Some(location)) = (Marketplace::from_id(marketplace), locations.get(channel))
        else {
            continue;
        };
        if m.region() == client.region() {
            asked.entry(location.clone()).or_insert(m);
        }
    }
    let today = state.now().date_naive();
    let mut report = SyncReport::default();
    for (location, marketplace) in asked {
        let summaries = client.inventory(marketplace).await?;
        report.fetched += summaries.len() as i64;
        let batch = summaries
            .iter()
            .map(|s| IncomingStockCount {
                source: s.source.clone(),
                external_id: format!("{}@{location}@{today}", s.sku),
                sku: s.sku.clone(),
                location_code: location.clone(),
                counted_on: today,
                on_hand: units_at_amazon(s),
            })
            .collect();
        super::store_valid(state, batch, &mut report).await?;
    }
    Ok(report)
}

/// Compares the account's priced orders with the orders Sentia holds from it.
pub async fn reconcile(
    state: &AppState,
    source: &Source,
    creds: &serde_json::Map<String, serde_json::Value>,
) -> Result<Vec<Reconciliation>, SyncError> {
    let (client, _) = client(source, creds)?;
    let all = client.orders(&IncrementalCursor::full()).await?;
    let in_source = all
        .records
        .iter()
        .filter(|o| o.total.is_some())
        .map(|o| o.external_id.clone())
        .collect();
    let in_sentia = super::stored_ids(state, "sales_orders", client.source()).await?;
    Ok(vec![super::compare(ORDERS, &in_source, &in_sentia)])
}
