//! Connector records produced from Unleashed answers.

use chrono::{DateTime, Utc};
use sentia_core::currency::Currency;
use serde::{Deserialize, Serialize};

use crate::money::{Money, Qty, UnitPrice};
pub use crate::sync::{Modified, Synced};

/// The `source` value on every Unleashed record.
pub const SOURCE: &str = "unleashed";

/// A product.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnleashedProduct {
    /// Always [`SOURCE`].
    pub source: String,
    /// Unleashed `Guid`.
    pub external_id: String,
    /// Product code (the SKU).
    pub code: String,
    /// Description.
    pub description: Option<String>,
    /// Default sell price, base currency.
    pub default_sell_price: Option<UnitPrice>,
    /// Default purchase price, base currency.
    pub default_purchase_price: Option<UnitPrice>,
    /// Average landed cost, base currency.
    pub average_land_price: Option<UnitPrice>,
    /// Made by assembly.
    pub is_assembled: bool,
    /// Used as a component in assemblies.
    pub is_component: bool,
    /// Last change.
    pub modified_at: Option<DateTime<Utc>>,
}

/// Stock of one product in one warehouse.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnleashedStock {
    /// Always [`SOURCE`].
    pub source: String,
    /// `{ProductGuid}@{WarehouseCode}`.
    pub external_id: String,
    /// Product `Guid`.
    pub product_guid: String,
    /// Product code.
    pub product_code: String,
    /// Warehouse code.
    pub warehouse_code: String,
    /// Quantity on hand.
    pub on_hand: Qty,
    /// Allocated to sales orders.
    pub allocated: Qty,
    /// Available (on hand less allocated).
    pub available: Qty,
    /// On open purchase orders.
    pub on_purchase: Qty,
    /// Average unit cost, base currency.
    pub avg_cost: Option<UnitPrice>,
    /// Total cost of the stock on hand, base currency, in millionths (quantity × average cost
    /// is not a whole number of pence).
    pub total_cost: Option<UnitPrice>,
    /// Last change.
    pub modified_at: Option<DateTime<Utc>>,
}

/// One line of a sales or purchase order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnleashedOrderLine {
    /// Line number.
    pub line_number: i64,
    /// Product code.
    pub product_code: Option<String>,
    /// Quantity ordered.
    pub quantity: Qty,
    /// Unit price, order currency.
    pub unit_price: UnitPrice,
    /// Line total, order currency.
    pub line_total: Money,
}

/// A sales order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnleashedSalesOrder {
    /// Always [`SOURCE`].
    pub source: String,
    /// Unleashed `Guid`.
    pub external_id: String,
    /// Order number, e.g. `SO-00000123`.
    pub order_number: String,
    /// Order date.
    pub order_date: Option<DateTime<Utc>>,
    /// Status (Parked, Placed, Backordered, Completed, Deleted…).
    pub status: String,
    /// Customer code.
    pub customer_code: Option<String>,
    /// Warehouse code.
    pub warehouse_code: Option<String>,
    /// Order currency.
    pub currency: Currency,
    /// Order currency per base currency, scaled by [`sentia_core::currency::FX_SCALE`].
    pub exchange_rate: i64,
    /// Subtotal, order currency.
    pub sub_total: Money,
    /// Total incl. tax, order currency.
    pub total: Money,
    /// Total in the base currency (`BCTotal`).
    pub base_total: Money,
    /// When payment is due.
    pub payment_due_date: Option<DateTime<Utc>>,
    /// Lines.
    pub lines: Vec<UnleashedOrderLine>,
    /// Last change.
    pub modified_at: Option<DateTime<Utc>>,
}

/// A purchase order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnleashedPurchaseOrder {
    /// Always [`SOURCE`].
    pub source: String,
    /// Unleashed `Guid`.
    pub external_id: String,
    /// Order number.
    pub order_number: String,
    /// Order date.
    pub order_date: Option<DateTime<Utc>>,
    /// Date the goods are required.
    pub required_date: Option<DateTime<Utc>>,
    /// Date completed (received).
    pub completed_date: Option<DateTime<Utc>>,
    /// Supplier code.
    pub supplier_code: Option<String>,
    /// Supplier name.
    pub supplier_name: Option<String>,
    /// Status (Parked, Placed, Receipted, Completed…).
    pub status: String,
    /// Supplier invoice date (starts the payables clock).
    pub supplier_invoice_date: Option<DateTime<Utc>>,
    /// Order currency.
    pub currency: Currency,
    /// Total, order currency.
    pub total: Money,
    /// Total in the base currency (`BCTotal`).
    pub base_total: Money,
    /// Lines.
    pub lines: Vec<UnleashedOrderLine>,
    /// Last change.
    pub modified_at: Option<DateTime<Utc>>,
}

/// A production assembly.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnleashedAssembly {
    /// Always [`SOURCE`].
    pub source: String,
    /// Unleashed `Guid`.
    pub external_id: String,
    /// Assembly number.
    pub assembly_number: String,
    /// Product assembled.
    pub product_code: Option<String>,
    /// Quantity assembled.
    pub quantity: Qty,
    /// Status (Parked, Completed…).
    pub status: String,
    /// Planned date.
    pub assemble_by: Option<DateTime<Utc>>,
    /// Last change.
    pub modified_at: Option<DateTime<Utc>>,
}

/// A bill of materials.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnleashedBom {
    /// Always [`SOURCE`].
    pub source: String,
    /// Unleashed `Guid`.
    pub external_id: String,
    /// Bill number.
    pub bill_number: Option<String>,
    /// Product made.
    pub product_code: Option<String>,
    /// Components: (product code, quantity per unit made).
    pub components: Vec<(String, Qty)>,
    /// Last change.
    pub modified_at: Option<DateTime<Utc>>,
}

/// A supplier.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnleashedSupplier {
    /// Always [`SOURCE`].
    pub source: String,
    /// Unleashed `Guid`.
    pub external_id: String,
    /// Supplier code.
    pub code: String,
    /// Supplier name.
    pub name: Option<String>,
}

/// A warehouse.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnleashedWarehouse {
    /// Always [`SOURCE`].
    pub source: String,
    /// Unleashed `Guid`.
    pub external_id: String,
    /// Warehouse code (the `warehouseCode` filter of StockOnHand).
    pub code: String,
    /// Warehouse name.
    pub name: Option<String>,
}

macro_rules! modified {
    ($($t:ty),*) => {$(
        impl Modified for $t {
            fn external_id(&self) -> &str {
                &self.external_id
            }
            fn modified_at(&self) -> Option<DateTime<Utc>> {
                self.modified_at
            }
        }
    )*};
}

modified!(
    UnleashedProduct,
    UnleashedStock,
    UnleashedSalesOrder,
    UnleashedPurchaseOrder,
    UnleashedAssembly,
    UnleashedBom
);
