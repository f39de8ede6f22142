//! Records that come from outside — connector syncs, webhooks, CSV and Excel imports —
//! upserted by `(source, external_id)`, so re-syncs and re-imports update instead of
//! duplicating.
//!
//! Callers normalise what they have into plain `Incoming…` structs (the store knows neither
//! connectors nor file formats) and call one upsert per kind:
//!
//! | kind | function | event |
//! |---|---|---|
//! | sales order | [`upsert_order`] (one order, see [`orders`]) | [`ORDERS_EVENT`] |
//! | products | [`upsert_products`] | [`PRODUCTS_EVENT`] |
//! | stock counts | [`upsert_stock_counts`] | [`STOCK_EVENT`] |
//! | purchase orders | [`upsert_purchase_orders`] | [`PURCHASE_ORDERS_EVENT`] |
//! | invoices | [`upsert_invoices`] | [`INVOICES_EVENT`] |
//! | production runs | [`upsert_production_runs`] | [`PRODUCTION_EVENT`] |
//!
//! The batch upserts share one contract: the batch is validated as a whole first (every
//! problem is collected, see the matching `validate_…` function, which reads only); an
//! invalid batch is refused with [`StoreError::Invalid`] naming the first problems
//! (`[3].sku: unknown SKU 'X'`) and writes nothing. A valid batch is written in a
//! transaction of its own — a savepoint when `conn` is the caller's transaction, so the
//! caller's commit or rollback decides — and, when anything was inserted or updated, one
//! `data.<kind>` event is appended to the outbox at the end. Re-delivering the same batch
//! changes nothing and reports every record as unchanged ([`BatchCounts`]).
//!
//! Money is `i64` minor units; FX follows the rules in [`orders`]: `fx_rates` rows are
//! GBP-based, the rate of a day is that day's row or the latest earlier one.

mod customers;
mod invoices;
pub mod orders;
mod production;
mod products;
mod purchasing;
mod refs;
mod row;
mod stock;

pub use customers::{CUSTOMER_KINDS, IncomingCustomer, add_unknown_customers};
pub use invoices::{
    INVOICE_KINDS, INVOICE_STATUSES, IncomingInvoice, upsert_invoices, validate_invoices,
};
pub use orders::*;
pub use production::{
    IncomingProductionOrder, IncomingProductionRun, PRODUCTION_ORDER_STATUSES,
    upsert_production_runs, validate_production_runs,
};
pub use products::{IncomingProduct, PRODUCT_KINDS, upsert_products, validate_products};
pub use purchasing::{
    IncomingPurchaseLine, IncomingPurchaseOrder, PURCHASE_ORDER_STATUSES, upsert_purchase_orders,
    validate_purchase_orders,
};
pub(crate) use refs::Refs;
pub use stock::{IncomingStockCount, upsert_stock_counts, validate_stock_counts};

use crate::StoreError;

/// Event appended when products were inserted or updated.
pub const PRODUCTS_EVENT: &str = "data.products";
/// Event appended when stock counts changed stock positions.
pub const STOCK_EVENT: &str = "data.stock";
/// Event appended when purchase orders were inserted or updated.
pub const PURCHASE_ORDERS_EVENT: &str = "data.purchase_orders";
/// Event appended when invoices were inserted or updated.
pub const INVOICES_EVENT: &str = "data.invoices";
/// Event appended when production orders or runs were inserted or updated.
pub const PRODUCTION_EVENT: &str = "data.production";

/// What a batch upsert did, counted per record of the batch.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct BatchCounts {
    /// Records that were new.
    pub inserted: u64,
    /// Records that existed and were changed.
    pub updated: u64,
    /// Records that existed with the same content.
    pub unchanged: u64,
}

impl BatchCounts {
    /// Whether anything was written.
    pub fn changed(&self) -> bool {
        self.inserted + self.updated > 0
    }

    pub(crate) fn add(&mut self, o: row::Outcome) {
        match o {
            row::Outcome::Inserted => self.inserted += 1,
            row::Outcome::Updated => self.updated += 1,
            row::Outcome::Unchanged => self.unchanged += 1,
        }
    }
}

/// One reason a record of a batch is refused.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Problem {
    /// Index of the record in the batch (0-based).
    pub item: usize,
    /// The field at fault (`sku`, `lines[1].quantity`).
    pub field: String,
    /// Why, for a person to read.
    pub reason: String,
}

impl Problem {
    pub(crate) fn new(item: usize, field: impl Into<String>, reason: impl Into<String>) -> Self {
        Self {
            item,
            field: field.into(),
            reason: reason.into(),
        }
    }
}

/// The error a refused batch gives: the first few problems and how many there are.
pub(crate) fn refused(problems: &[Problem]) -> StoreError {
    const SHOWN: usize = 5;
    let mut msg = problems
        .iter()
        .take(SHOWN)
        .map(|p| format!("[{}].{}: {}", p.item, p.field, p.reason))
        .collect::<Vec<_>>()
        .join("; ");
    if problems.len() > SHOWN {
        msg.push_str(&format!(" (and {} more)", problems.len() - SHOWN));
    }
    StoreError::Invalid(msg)
}

/// Adds a problem when `v` is empty after trimming.
pub(crate) fn require(out: &mut Vec<Problem>, item: usize, field: &str, v: &str) {
    if v.trim().is_empty() {
        out.push(Problem::new(item, field, "must not be empty"));
    }
}

/// Adds a problem when the `(source, external_id)` pair was already seen in the batch.
pub(crate) fn once<'a>(
    seen: &mut std::collections::HashSet<(&'a str, &'a str)>,
    out: &mut Vec<Problem>,
    item: usize,
    source: &'a str,
    external_id: &'a str,
) {
    if !seen.insert((source, external_id)) {
        out.push(Problem::new(
            item,
            "external_id",
            format!("'{external_id}' appears twice in the batch"),
        ));
    }
}
