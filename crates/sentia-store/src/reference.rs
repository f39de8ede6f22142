//! Reference data: channels and products with their current prices.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder};
use sentia_core::currency::Currency;
use sentia_core::reference::{ChannelKind, Region};

use crate::entity::{channel, product, product_price};
use crate::{StoreError, StoreResult};

/// A sales channel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Channel {
    /// Row id.
    pub id: i64,
    /// Code such as `AMZ-UK`.
    pub code: String,
    /// Display name.
    pub name: String,
    /// Marketplace or own store.
    pub kind: ChannelKind,
    /// Region it sells in.
    pub region: Region,
    /// Currency it sells in.
    pub currency: Currency,
    /// Location its orders ship from.
    pub fulfilment_location_id: i64,
}

/// A finished product with its list prices valid on a day.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Product {
    /// Row id.
    pub id: i64,
    /// Stock keeping unit code.
    pub sku: String,
    /// Display name.
    pub name: String,
    /// Product family (spirit).
    pub family: String,
    /// Bottle size in millilitres.
    pub bottle_size_ml: i32,
    /// Standard unit cost in GBP minor units.
    pub unit_cost_minor: i64,
    /// List price per currency valid on the day asked for.
    pub prices: Vec<(Currency, i64)>,
    /// Whether it is sold.
    pub active: bool,
}

fn parse<T: std::str::FromStr>(what: &str, v: &str) -> StoreResult<T> {
    v.parse()
        .map_err(|_| StoreError::Invalid(format!("unknown {what} '{v}'")))
}

/// All channels, by code.
#[tracing::instrument(skip_all)]
pub async fn list_channels<C: ConnectionTrait>(conn: &C) -> StoreResult<Vec<Channel>> {
    channel::Entity::find()
        .order_by_asc(channel::Column::Id)
        .all(conn)
        .await?
        .into_iter()
        .map(|c| {
            Ok(Channel {
                kind: parse("channel kind", &c.kind)?,
                region: parse("region", &c.region)?,
                currency: parse("currency", &c.currency)?,
                id: c.id,
                fulfilment_location_id: c.fulfilment_location_id,
                code: c.code,
                name: c.name,
            })
        })
        .collect()
}

/// One page of finished products (by SKU) with prices valid on `on`, and the total count.
#[tracing::instrument(skip_all)]
pub async fn list_products<C: ConnectionTrait>(
    conn: &C,
    page: u64,
    page_size: u64,
    on: NaiveDate,
) -> StoreResult<(Vec<Product>, u64)> {
    let query = product::Entity::find()
        .filter(product::Column::Kind.eq("finished"))
        .order_by_asc(product::Column::Sku);
    let total = query.clone().count(conn).await?;
    let rows = query.paginate(conn, page_size).fetch_page(page).await?;
    let ids: Vec<i64> = rows.iter().map(|p| p.id).collect();
    let prices = product_price::Entity::find()
        .filter(product_price::Column::ProductId.is_in(ids))
        .filter(product_price::Column::ValidFrom.lte(on))
        .order_by_asc(product_price::Column::ValidFrom)
        .all(conn)
        .await?;
    // Later rows win: the last valid_from on or before `on` is the price in force.
    let mut current: BTreeMap<(i64, Currency), i64> = BTreeMap::new();
    for p in prices {
        current.insert(
            (p.product_id, parse("currency", &p.currency)?),
            p.price_minor,
        );
    }
    let items = rows
        .into_iter()
        .map(|p| Product {
            prices: Currency::ALL
                .into_iter()
                .filter_map(|c| current.get(&(p.id, c)).map(|v| (c, *v)))
                .collect(),
            id: p.id,
            sku: p.sku,
            name: p.name,
            family: p.family,
            bottle_size_ml: p.bottle_size_ml.unwrap_or(0),
            unit_cost_minor: p.unit_cost_minor,
            active: p.active,
        })
        .collect();
    Ok((items, total))
}
