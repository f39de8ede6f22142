//! The demo company "Sentia Spirits": a deterministic generator of three years of believable
//! books (sales, stock, production, purchasing, finance) and a loader that writes them in one
//! transaction.
//!
//! [`generate`] is pure: the same [`DemoConfig`] always gives the same [`DemoData`], so demo
//! screenshots, tests and bug reports agree. The simulation runs day by day with real
//! constraints (sales only from stock at the channel's fulfilment location, production limited
//! by line capacity and components, transfers and purchase orders with lead times), so the
//! stock ledger, the cash ledger and the invoices reconcile by construction.

mod catalog;
mod finance;
mod load;
mod rows;
mod simulate;
#[cfg(test)]
mod tests;

use std::hash::{Hash, Hasher};

use chrono::NaiveDate;

pub use load::{clear, load, reset};
pub(crate) use simulate::shop_to_base;

/// What to generate: the random seed and the range of days ending on `end`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoConfig {
    /// Seed of every random stream; a different seed gives a different company history.
    pub seed: u64,
    /// Last day with data (inclusive), usually today.
    pub end: NaiveDate,
    /// Number of days of history ending on `end` (1 to 3 660).
    pub days: u32,
}

impl Default for DemoConfig {
    fn default() -> Self {
        Self {
            seed: 20_240_601,
            end: chrono::Utc::now().date_naive(),
            days: 1096,
        }
    }
}

/// Longest history the generator accepts, in days (ten years, like report ranges).
pub const MAX_DAYS: u32 = 3_660;

/// Row counts of a generated (or loaded) demo company.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct DemoSummary {
    /// Days of history.
    pub days: u32,
    /// Sales orders.
    pub orders: u64,
    /// Sales order lines.
    pub order_lines: u64,
    /// Refunds.
    pub refunds: u64,
    /// Stock movements.
    pub stock_movements: u64,
    /// Production runs (shifts).
    pub production_runs: u64,
    /// Purchase orders.
    pub purchase_orders: u64,
    /// Invoices, receivable and payable.
    pub invoices: u64,
    /// Payments.
    pub payments: u64,
}

/// A whole generated demo company, ready to be loaded. Built by [`generate`].
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct DemoData {
    pub(crate) seed: u64,
    pub(crate) start: NaiveDate,
    pub(crate) end: NaiveDate,
    pub(crate) days: u32,
    pub(crate) fx_rates: Vec<rows::FxRate>,
    pub(crate) locations: Vec<rows::Location>,
    pub(crate) products: Vec<rows::Product>,
    pub(crate) prices: Vec<rows::Price>,
    pub(crate) channels: Vec<rows::Channel>,
    pub(crate) customers: Vec<rows::Customer>,
    pub(crate) promotions: Vec<rows::Promotion>,
    pub(crate) orders: Vec<rows::SalesOrder>,
    pub(crate) lines: Vec<rows::SalesLine>,
    pub(crate) refunds: Vec<rows::Refund>,
    pub(crate) positions: Vec<rows::InventoryPosition>,
    pub(crate) movements: Vec<rows::StockMovement>,
    pub(crate) suppliers: Vec<rows::Supplier>,
    pub(crate) purchase_orders: Vec<rows::PurchaseOrder>,
    pub(crate) po_lines: Vec<rows::PurchaseOrderLine>,
    pub(crate) bom: Vec<rows::BomLine>,
    pub(crate) work_centers: Vec<rows::WorkCenter>,
    pub(crate) production_orders: Vec<rows::ProductionOrder>,
    pub(crate) runs: Vec<rows::ProductionRun>,
    pub(crate) downtime: Vec<rows::DowntimeEvent>,
    pub(crate) cash_accounts: Vec<rows::CashAccount>,
    pub(crate) invoices: Vec<rows::Invoice>,
    pub(crate) payments: Vec<rows::Payment>,
    pub(crate) cash_movements: Vec<rows::CashMovement>,
    pub(crate) cash_balances: Vec<rows::CashBalance>,
    /// Units customers asked for that could not be sold because the location was empty.
    pub(crate) lost_units: u64,
    /// Units customers asked for, sold or not.
    pub(crate) demanded_units: u64,
}

impl DemoData {
    /// Row counts of the main tables.
    pub fn summary(&self) -> DemoSummary {
        let n = |len: usize| len as u64;
        DemoSummary {
            days: self.days,
            orders: n(self.orders.len()),
            order_lines: n(self.lines.len()),
            refunds: n(self.refunds.len()),
            stock_movements: n(self.movements.len()),
            production_runs: n(self.runs.len()),
            purchase_orders: n(self.purchase_orders.len()),
            invoices: n(self.invoices.len()),
            payments: n(self.payments.len()),
        }
    }

    /// A fingerprint of every row, stable for one build of the program; equal data gives
    /// equal checksums.
    pub fn checksum(&self) -> u64 {
        // SipHash with fixed keys: deterministic, unlike a RandomState hasher.
        let mut h = std::hash::DefaultHasher::new();
        self.hash(&mut h);
        h.finish()
    }

    /// Share of demanded units that was lost to stockouts (censored demand), 0 to 1.
    pub fn lost_demand_share(&self) -> f64 {
        if self.demanded_units == 0 {
            0.0
        } else {
            self.lost_units as f64 / self.demanded_units as f64
        }
    }
}

/// Generates the demo company for `cfg`. Pure and deterministic: no clock, no IO, and the
/// same config always gives identical data.
pub fn generate(cfg: &DemoConfig) -> DemoData {
    let days = cfg.days.clamp(1, MAX_DAYS);
    let mut data = simulate::run(cfg.seed, cfg.end, days);
    finance::run(&mut data, cfg.seed);
    data
}
