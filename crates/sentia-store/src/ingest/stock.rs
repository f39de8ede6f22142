//! Stock counts: "on this day there were N of this product at this location".
//!
//! A count sets `inventory_positions.on_hand` of its product × location to the counted
//! quantity and records the difference as a `stock_movements` row of kind `count` keyed by
//! the count's `(source, external_id)`, so a position stays equal to the sum of its
//! movements. The movement keeps the counted quantity (`counted_on_hand`), which is how a
//! re-delivered count is recognised: the same product, location, day and quantity is
//! unchanged; a corrected quantity moves the movement and the position by the correction.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{ConnectionTrait, TransactionSession, TransactionTrait};
use serde_json::json;

use super::{BatchCounts, Problem, Refs, STOCK_EVENT, once, refused, require};
use crate::forecasting::stmt;
use crate::{StoreResult, db_time, events};

/// A stock count as a source delivers it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IncomingStockCount {
    /// Where it comes from (`import`, `unleashed`); with `external_id` its identity.
    pub source: String,
    /// The source's id of the count (e.g. count sheet and line).
    pub external_id: String,
    /// Product counted (`products.sku`).
    pub sku: String,
    /// Where (`locations.code`).
    pub location_code: String,
    /// The day of the count.
    pub counted_on: NaiveDate,
    /// Units found, not negative.
    pub on_hand: i64,
}

struct Resolved {
    product_id: i64,
    location_id: i64,
}

fn check(refs: &Refs, items: &[IncomingStockCount]) -> (Vec<Problem>, Vec<Option<Resolved>>) {
    let mut out = Vec::new();
    let mut seen = HashSet::new();
    let mut cells: HashMap<(&str, &str), usize> = HashMap::new();
    let mut resolved = Vec::with_capacity(items.len());
    for (i, c) in items.iter().enumerate() {
        require(&mut out, i, "source", &c.source);
        require(&mut out, i, "external_id", &c.external_id);
        once(&mut seen, &mut out, i, &c.source, &c.external_id);
        if c.on_hand < 0 {
            out.push(Problem::new(
                i,
                "on_hand",
                format!("must not be negative, got {}", c.on_hand),
            ));
        }
        if let Some(first) = cells.insert((c.sku.as_str(), c.location_code.as_str()), i) {
            out.push(Problem::new(
                i,
                "sku",
                format!(
                    "'{}' at '{}' is counted twice in the batch (also item {first})",
                    c.sku, c.location_code
                ),
            ));
        }
        let product = refs.products.get(&c.sku);
        if product.is_none() {
            out.push(Problem::new(i, "sku", format!("unknown SKU '{}'", c.sku)));
        }
        let location = refs.locations.get(&c.location_code);
        if location.is_none() {
            out.push(Problem::new(
                i,
                "location_code",
                format!("unknown location '{}'", c.location_code),
            ));
        }
        resolved.push(match (product, location) {
            (Some(p), Some(l)) => Some(Resolved {
                product_id: p.id,
                location_id: *l,
            }),
            _ => None,
        });
    }
    (out, resolved)
}

/// Checks a batch of stock counts against the database; every problem, none when valid.
/// Reads only. The rules are those of [`upsert_stock_counts`].
#[tracing::instrument(skip_all, fields(n = items.len()))]
pub async fn validate_stock_counts<C: ConnectionTrait>(
    conn: &C,
    items: &[IncomingStockCount],
) -> StoreResult<Vec<Problem>> {
    Ok(check(&Refs::load(conn).await?, items).0)
}

/// Applies each count (see the module documentation and the [batch contract](super)).
/// Refused, writing nothing: empty keys, an unknown SKU or location, a negative quantity, the
/// same product × location twice in one batch. Appends one [`STOCK_EVENT`] when a position
/// changed.
#[tracing::instrument(skip_all, fields(n = items.len()))]
pub async fn upsert_stock_counts<C: ConnectionTrait + TransactionTrait>(
    conn: &C,
    items: &[IncomingStockCount],
    now: DateTime<Utc>,
) -> StoreResult<BatchCounts> {
    let txn = crate::begin_write(conn).await?;
    let (problems, resolved) = check(&Refs::load(&txn).await?, items);
    if !problems.is_empty() {
        return Err(refused(&problems));
    }
    let b = txn.get_database_backend();
    let now = db_time(now);
    let mut counts = BatchCounts::default();
    for (c, r) in items.iter().zip(resolved.into_iter().flatten()) {
        let existing = txn
            .query_one_raw(stmt(
                b,
                "SELECT id, product_id, location_id, moved_on, quantity, counted_on_hand \
                 FROM stock_movements WHERE source = ? AND external_id = ?",
                vec![c.source.as_str().into(), c.external_id.as_str().into()],
            ))
            .await?;
        let position = txn
            .query_one_raw(stmt(
                b,
                "SELECT id, on_hand FROM inventory_positions \
                 WHERE product_id = ? AND location_id = ?",
                vec![r.product_id.into(), r.location_id.into()],
            ))
            .await?;
        let on_hand: i64 = position
            .as_ref()
            .map(|p| p.try_get("", "on_hand"))
            .transpose()?
            .unwrap_or(0);
        // The change of the cell's stock this count stands for.
        let delta = match &existing {
            None => {
                let delta = c.on_hand - on_hand;
                txn.execute_raw(stmt(
                    b,
                    "INSERT INTO stock_movements (product_id, location_id, moved_on, quantity, \
                     kind, reference, counted_on_hand, source, external_id) \
                     VALUES (?, ?, ?, ?, 'count', ?, ?, ?, ?)",
                    vec![
                        r.product_id.into(),
                        r.location_id.into(),
                        c.counted_on.into(),
                        delta.into(),
                        c.external_id.as_str().into(),
                        c.on_hand.into(),
                        c.source.as_str().into(),
                        c.external_id.as_str().into(),
                    ],
                ))
                .await?;
                counts.inserted += 1;
                delta
            }
            Some(m) => {
                let id: i64 = m.try_get("", "id")?;
                let same_cell = m.try_get::<i64>("", "product_id")? == r.product_id
                    && m.try_get::<i64>("", "location_id")? == r.location_id;
                let counted: Option<i64> = m.try_get("", "counted_on_hand")?;
                let moved_on: NaiveDate = m.try_get("", "moved_on")?;
                let quantity: i64 = m.try_get("", "quantity")?;
                if !same_cell {
                    return Err(crate::StoreError::Conflict(format!(
                        "count {}/{} was recorded for another product or location",
                        c.source, c.external_id
                    )));
                }
                if counted == Some(c.on_hand) && moved_on == c.counted_on {
                    counts.unchanged += 1;
                    continue;
                }
                // A corrected count: move the movement and the position by the correction.
                let correction = c.on_hand - counted.unwrap_or(on_hand);
                txn.execute_raw(stmt(
                    b,
                    "UPDATE stock_movements SET moved_on = ?, quantity = ?, counted_on_hand = ? \
                     WHERE id = ?",
                    vec![
                        c.counted_on.into(),
                        (quantity + correction).into(),
                        c.on_hand.into(),
                        id.into(),
                    ],
                ))
                .await?;
                counts.updated += 1;
                correction
            }
        };
        match position {
            Some(p) => {
                let id: i64 = p.try_get("", "id")?;
                txn.execute_raw(stmt(
                    b,
                    "UPDATE inventory_positions SET on_hand = on_hand + ?, updated_at = ? \
                     WHERE id = ?",
                    vec![delta.into(), now.into(), id.into()],
                ))
                .await?;
            }
            None => {
                txn.execute_raw(stmt(
                    b,
                    "INSERT INTO inventory_positions (product_id, location_id, on_hand, \
                     updated_at, source, external_id) VALUES (?, ?, ?, ?, ?, ?)",
                    vec![
                        r.product_id.into(),
                        r.location_id.into(),
                        delta.into(),
                        now.into(),
                        c.source.as_str().into(),
                        format!("{}@{}", c.sku, c.location_code).into(),
                    ],
                ))
                .await?;
            }
        }
    }
    if counts.changed() {
        events::append(&txn, STOCK_EVENT, &json!(counts), now).await?;
    }
    txn.commit().await?;
    Ok(counts)
}
