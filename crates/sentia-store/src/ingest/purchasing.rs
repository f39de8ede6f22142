//! Purchase orders with their lines, by `(source, external_id)`.

use std::collections::HashSet;

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{ConnectionTrait, TransactionSession, TransactionTrait};
use serde_json::json;

use super::row::{F, Outcome, delete_missing, upsert_row};
use super::{BatchCounts, PURCHASE_ORDERS_EVENT, Problem, Refs, once, refused, require};
use crate::{StoreResult, events};

/// Purchase order statuses the store keeps.
pub const PURCHASE_ORDER_STATUSES: [&str; 4] =
    ["open", "partially_received", "received", "cancelled"];

/// A purchase order as a source delivers it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IncomingPurchaseOrder {
    /// Where it comes from (`import`, `unleashed`); with `external_id` its identity.
    pub source: String,
    /// The source's id of the order.
    pub external_id: String,
    /// Order number shown to people (`PO-1001`).
    pub po_number: String,
    /// The supplier (`suppliers.code`).
    pub supplier_code: String,
    /// When it was ordered.
    pub ordered_on: NaiveDate,
    /// When the goods are expected.
    pub expected_on: NaiveDate,
    /// When they arrived, if they did.
    pub received_on: Option<NaiveDate>,
    /// One of [`PURCHASE_ORDER_STATUSES`].
    pub status: String,
    /// Currency of the prices (ISO code).
    pub currency: String,
    /// The lines; at least one. The order total is the sum of quantity × unit cost.
    pub lines: Vec<IncomingPurchaseLine>,
}

/// One line of an [`IncomingPurchaseOrder`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IncomingPurchaseLine {
    /// The source's id of the line (unique within the source).
    pub external_id: String,
    /// Product bought (`products.sku`).
    pub sku: String,
    /// Units ordered, positive.
    pub quantity: i64,
    /// Price of one unit in the order's currency, minor units, not negative.
    pub unit_cost_minor: i64,
    /// Units received so far, 0 to `quantity`.
    pub received_quantity: i64,
}

struct Resolved {
    supplier_id: i64,
    total_minor: i64,
    product_ids: Vec<i64>,
}

fn check(refs: &Refs, items: &[IncomingPurchaseOrder]) -> (Vec<Problem>, Vec<Option<Resolved>>) {
    let mut out = Vec::new();
    let mut seen = HashSet::new();
    let mut seen_lines = HashSet::new();
    let mut resolved = Vec::with_capacity(items.len());
    for (i, o) in items.iter().enumerate() {
        let before = out.len();
        require(&mut out, i, "source", &o.source);
        require(&mut out, i, "external_id", &o.external_id);
        require(&mut out, i, "po_number", &o.po_number);
        once(&mut seen, &mut out, i, &o.source, &o.external_id);
        let supplier = refs.suppliers.get(&o.supplier_code);
        if supplier.is_none() {
            out.push(Problem::new(
                i,
                "supplier_code",
                format!("unknown supplier '{}'", o.supplier_code),
            ));
        }
        if let Err(e) = refs.currency(&o.currency) {
            out.push(Problem::new(i, "currency", e));
        }
        if !PURCHASE_ORDER_STATUSES.contains(&o.status.as_str()) {
            out.push(Problem::new(
                i,
                "status",
                format!(
                    "'{}' is not one of {}",
                    o.status,
                    PURCHASE_ORDER_STATUSES.join(", ")
                ),
            ));
        }
        if o.expected_on < o.ordered_on {
            out.push(Problem::new(
                i,
                "expected_on",
                format!(
                    "{} is before the order date {}",
                    o.expected_on, o.ordered_on
                ),
            ));
        }
        if o.lines.is_empty() {
            out.push(Problem::new(i, "lines", "an order needs at least one line"));
        }
        let mut total: i64 = 0;
        let mut product_ids = Vec::with_capacity(o.lines.len());
        for (j, l) in o.lines.iter().enumerate() {
            let f = |name: &str| format!("lines[{j}].{name}");
            require(&mut out, i, &f("external_id"), &l.external_id);
            if !seen_lines.insert((o.source.as_str(), l.external_id.as_str())) {
                out.push(Problem::new(
                    i,
                    f("external_id"),
                    format!("'{}' appears twice in the batch", l.external_id),
                ));
            }
            match refs.products.get(&l.sku) {
                Some(p) => product_ids.push(p.id),
                None => out.push(Problem::new(
                    i,
                    f("sku"),
                    format!("unknown SKU '{}'", l.sku),
                )),
            }
            if l.quantity <= 0 {
                out.push(Problem::new(
                    i,
                    f("quantity"),
                    format!("must be positive, got {}", l.quantity),
                ));
            }
            if l.unit_cost_minor < 0 {
                out.push(Problem::new(
                    i,
                    f("unit_cost_minor"),
                    format!("must not be negative, got {}", l.unit_cost_minor),
                ));
            }
            if l.received_quantity < 0 || l.received_quantity > l.quantity.max(0) {
                out.push(Problem::new(
                    i,
                    f("received_quantity"),
                    format!("must be 0 to {}, got {}", l.quantity, l.received_quantity),
                ));
            }
            match l
                .quantity
                .checked_mul(l.unit_cost_minor)
                .and_then(|v| total.checked_add(v))
            {
                Some(t) => total = t,
                None => out.push(Problem::new(i, f("quantity"), "line total is too large")),
            }
        }
        resolved.push(match supplier {
            Some(s) if out.len() == before => Some(Resolved {
                supplier_id: s.id,
                total_minor: total,
                product_ids,
            }),
            _ => None,
        });
    }
    (out, resolved)
}

/// Checks a batch of purchase orders against the database; every problem, none when valid.
/// Reads only. The rules are those of [`upsert_purchase_orders`].
#[tracing::instrument(skip_all, fields(n = items.len()))]
pub async fn validate_purchase_orders<C: ConnectionTrait>(
    conn: &C,
    items: &[IncomingPurchaseOrder],
) -> StoreResult<Vec<Problem>> {
    Ok(check(&Refs::load(conn).await?, items).0)
}

/// Inserts or updates each purchase order and its lines by `(source, external_id)` (see the
/// [batch contract](super)); lines no longer delivered are deleted. The total is the sum of
/// the lines. Refused, writing nothing: empty keys, an unknown supplier, SKU, currency or
/// status, an expected date before the order date, no lines, non-positive quantities,
/// negative costs, received quantities outside 0 to the ordered quantity, a key twice in
/// the batch. Counts are per order (an order whose header or any line changed is updated).
/// Appends one [`PURCHASE_ORDERS_EVENT`] when anything changed.
#[tracing::instrument(skip_all, fields(n = items.len()))]
pub async fn upsert_purchase_orders<C: ConnectionTrait + TransactionTrait>(
    conn: &C,
    items: &[IncomingPurchaseOrder],
    now: DateTime<Utc>,
) -> StoreResult<BatchCounts> {
    let txn = crate::begin_write(conn).await?;
    let (problems, resolved) = check(&Refs::load(&txn).await?, items);
    if !problems.is_empty() {
        return Err(refused(&problems));
    }
    let mut counts = BatchCounts::default();
    for (o, r) in items.iter().zip(resolved.into_iter().flatten()) {
        let cols = [
            ("supplier_id", F::I(r.supplier_id)),
            ("po_number", F::T(o.po_number.clone())),
            ("ordered_on", F::D(o.ordered_on)),
            ("expected_on", F::D(o.expected_on)),
            ("received_on", F::OD(o.received_on)),
            ("status", F::T(o.status.clone())),
            ("currency", F::T(o.currency.clone())),
            ("total_minor", F::I(r.total_minor)),
        ];
        let (id, mut outcome) = upsert_row(
            &txn,
            "purchase_orders",
            &o.source,
            &o.external_id,
            &cols,
            &[],
        )
        .await?;
        let keep = o
            .lines
            .iter()
            .map(|l| l.external_id.as_str())
            .collect::<Vec<_>>();
        if outcome != Outcome::Inserted
            && delete_missing(
                &txn,
                "purchase_order_lines",
                "purchase_order_id",
                id,
                &o.source,
                &keep,
            )
            .await?
                > 0
        {
            outcome = Outcome::Updated;
        }
        for (l, product_id) in o.lines.iter().zip(&r.product_ids) {
            let cols = [
                ("purchase_order_id", F::I(id)),
                ("product_id", F::I(*product_id)),
                ("quantity", F::I(l.quantity)),
                ("unit_cost_minor", F::I(l.unit_cost_minor)),
                ("received_quantity", F::I(l.received_quantity)),
            ];
            let (_, lo) = upsert_row(
                &txn,
                "purchase_order_lines",
                &o.source,
                &l.external_id,
                &cols,
                &[],
            )
            .await?;
            if outcome == Outcome::Unchanged && lo != Outcome::Unchanged {
                outcome = Outcome::Updated;
            }
        }
        counts.add(outcome);
    }
    if counts.changed() {
        events::append(&txn, PURCHASE_ORDERS_EVENT, &json!(counts), now).await?;
    }
    txn.commit().await?;
    Ok(counts)
}
