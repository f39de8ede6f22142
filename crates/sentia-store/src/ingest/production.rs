//! Production runs (one shift of a line on an order) with their production orders, by
//! `(source, external_id)`. A run names its order; the order is upserted from the first run
//! of the batch that names it (all runs of one order in a batch must agree on it), and its
//! `quantity_good` is the sum of the good counts of its runs.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{ConnectionTrait, TransactionSession, TransactionTrait};
use serde_json::json;

use super::row::{F, Outcome, upsert_row};
use super::{BatchCounts, PRODUCTION_EVENT, Problem, Refs, once, refused, require};
use crate::forecasting::stmt;
use crate::{StoreResult, events};

/// Production order statuses the store keeps.
pub const PRODUCTION_ORDER_STATUSES: [&str; 4] =
    ["planned", "in_progress", "completed", "cancelled"];

/// The production order a run belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IncomingProductionOrder {
    /// The source's id of the order (same source as its runs).
    pub external_id: String,
    /// Order number shown to people.
    pub order_number: String,
    /// Product made (`products.sku` of a finished product).
    pub sku: String,
    /// Line it is made on (`work_centers.code`).
    pub work_center_code: String,
    /// Units to make, positive.
    pub quantity_planned: i64,
    /// Day it is due.
    pub due_on: NaiveDate,
    /// One of [`PRODUCTION_ORDER_STATUSES`].
    pub status: String,
}

/// A production run as a source delivers it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IncomingProductionRun {
    /// Where it comes from (`import`, `unleashed`); with `external_id` its identity.
    pub source: String,
    /// The source's id of the run.
    pub external_id: String,
    /// Its order.
    pub order: IncomingProductionOrder,
    /// Day of the shift.
    pub run_date: NaiveDate,
    /// Planned production time, minutes, positive.
    pub planned_minutes: i32,
    /// Units made, not negative.
    pub total_count: i64,
    /// Units made right first time, 0 to `total_count`.
    pub good_count: i64,
}

struct Resolved {
    product_id: i64,
    work_center_id: i64,
    ideal_cycle_ms: i64,
}

fn check(refs: &Refs, items: &[IncomingProductionRun]) -> (Vec<Problem>, Vec<Option<Resolved>>) {
    let mut out = Vec::new();
    let mut seen = HashSet::new();
    let mut orders: HashMap<(&str, &str), (usize, &IncomingProductionOrder)> = HashMap::new();
    let mut resolved = Vec::with_capacity(items.len());
    for (i, r) in items.iter().enumerate() {
        let before = out.len();
        let o = &r.order;
        require(&mut out, i, "source", &r.source);
        require(&mut out, i, "external_id", &r.external_id);
        require(&mut out, i, "order.external_id", &o.external_id);
        require(&mut out, i, "order.order_number", &o.order_number);
        once(&mut seen, &mut out, i, &r.source, &r.external_id);
        match orders.get(&(r.source.as_str(), o.external_id.as_str())) {
            Some((first, earlier)) if *earlier != o => out.push(Problem::new(
                i,
                "order",
                format!(
                    "order '{}' differs from the one given by item {first}",
                    o.order_number
                ),
            )),
            Some(_) => {}
            None => {
                orders.insert((r.source.as_str(), o.external_id.as_str()), (i, o));
            }
        }
        let product = match refs.products.get(&o.sku) {
            Some(p) if p.kind == "finished" => Some(p.id),
            Some(p) => {
                out.push(Problem::new(
                    i,
                    "order.sku",
                    format!("'{}' is a {} product, not one that is made", o.sku, p.kind),
                ));
                None
            }
            None => {
                out.push(Problem::new(
                    i,
                    "order.sku",
                    format!("unknown SKU '{}'", o.sku),
                ));
                None
            }
        };
        let wc = refs.work_centers.get(&o.work_center_code);
        if wc.is_none() {
            out.push(Problem::new(
                i,
                "order.work_center_code",
                format!("unknown work centre '{}'", o.work_center_code),
            ));
        }
        if !PRODUCTION_ORDER_STATUSES.contains(&o.status.as_str()) {
            out.push(Problem::new(
                i,
                "order.status",
                format!(
                    "'{}' is not one of {}",
                    o.status,
                    PRODUCTION_ORDER_STATUSES.join(", ")
                ),
            ));
        }
        if o.quantity_planned <= 0 {
            out.push(Problem::new(
                i,
                "order.quantity_planned",
                format!("must be positive, got {}", o.quantity_planned),
            ));
        }
        if r.planned_minutes <= 0 {
            out.push(Problem::new(
                i,
                "planned_minutes",
                format!("must be positive, got {}", r.planned_minutes),
            ));
        }
        if r.total_count < 0 {
            out.push(Problem::new(
                i,
                "total_count",
                format!("must not be negative, got {}", r.total_count),
            ));
        }
        if r.good_count < 0 || r.good_count > r.total_count.max(0) {
            out.push(Problem::new(
                i,
                "good_count",
                format!("must be 0 to {}, got {}", r.total_count, r.good_count),
            ));
        }
        resolved.push(match (product, wc) {
            (Some(product_id), Some(w)) if out.len() == before => Some(Resolved {
                product_id,
                work_center_id: w.id,
                ideal_cycle_ms: w.ideal_cycle_ms,
            }),
            _ => None,
        });
    }
    (out, resolved)
}

/// Checks a batch of production runs against the database; every problem, none when valid.
/// Reads only. The rules are those of [`upsert_production_runs`].
#[tracing::instrument(skip_all, fields(n = items.len()))]
pub async fn validate_production_runs<C: ConnectionTrait>(
    conn: &C,
    items: &[IncomingProductionRun],
) -> StoreResult<Vec<Problem>> {
    Ok(check(&Refs::load(conn).await?, items).0)
}

/// Inserts or updates each run and its production order by `(source, external_id)` (see
/// the module documentation and the [batch contract](super)); the run's ideal cycle time is
/// its work centre's. Refused, writing nothing: empty keys, an unknown SKU (or one that is
/// not a finished product), work centre or status, non-positive planned quantity or minutes,
/// negative counts, more good units than units, runs of one order that disagree on it, a
/// key twice in the batch. Counts are per run. Appends one [`PRODUCTION_EVENT`] when
/// anything changed.
#[tracing::instrument(skip_all, fields(n = items.len()))]
pub async fn upsert_production_runs<C: ConnectionTrait + TransactionTrait>(
    conn: &C,
    items: &[IncomingProductionRun],
    now: DateTime<Utc>,
) -> StoreResult<BatchCounts> {
    let txn = crate::begin_write(conn).await?;
    let (problems, resolved) = check(&Refs::load(&txn).await?, items);
    if !problems.is_empty() {
        return Err(refused(&problems));
    }
    let b = txn.get_database_backend();
    let mut counts = BatchCounts::default();
    let mut order_ids: HashMap<(&str, &str), (i64, Outcome)> = HashMap::new();
    for (r, res) in items.iter().zip(resolved.into_iter().flatten()) {
        let o = &r.order;
        let key = (r.source.as_str(), o.external_id.as_str());
        let (order_id, order_outcome) = match order_ids.get(&key) {
            Some(v) => *v,
            None => {
                let cols = [
                    ("order_number", F::T(o.order_number.clone())),
                    ("product_id", F::I(res.product_id)),
                    ("work_center_id", F::I(res.work_center_id)),
                    ("quantity_planned", F::I(o.quantity_planned)),
                    ("due_on", F::D(o.due_on)),
                    ("status", F::T(o.status.clone())),
                ];
                let v = upsert_row(
                    &txn,
                    "production_orders",
                    &r.source,
                    &o.external_id,
                    &cols,
                    &[],
                )
                .await?;
                order_ids.insert(key, v);
                v
            }
        };
        let cols = [
            ("production_order_id", F::I(order_id)),
            ("work_center_id", F::I(res.work_center_id)),
            ("run_date", F::D(r.run_date)),
            ("planned_minutes", F::I32(r.planned_minutes)),
            ("ideal_cycle_ms", F::I(res.ideal_cycle_ms)),
            ("total_count", F::I(r.total_count)),
            ("good_count", F::I(r.good_count)),
        ];
        let (_, mut o) = upsert_row(
            &txn,
            "production_runs",
            &r.source,
            &r.external_id,
            &cols,
            &[],
        )
        .await?;
        if o == Outcome::Unchanged && order_outcome != Outcome::Unchanged {
            o = Outcome::Updated;
        }
        counts.add(o);
    }
    // Good units of each touched order are those of all its runs.
    for (order_id, _) in order_ids.values() {
        txn.execute_raw(stmt(
            b,
            "UPDATE production_orders SET quantity_good = (SELECT CAST(COALESCE(SUM(good_count), 0) \
             AS BIGINT) FROM production_runs WHERE production_order_id = ?) WHERE id = ?",
            vec![(*order_id).into(), (*order_id).into()],
        ))
        .await?;
    }
    if counts.changed() {
        events::append(&txn, PRODUCTION_EVENT, &json!(counts), now).await?;
    }
    txn.commit().await?;
    Ok(counts)
}
