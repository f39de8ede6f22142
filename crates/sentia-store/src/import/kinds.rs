//! What each kind of import reads: its columns (required or optional, with an example), and
//! the template file built from them.

use std::fmt;
use std::str::FromStr;

/// The kinds of records a file can import.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ImportKind {
    /// Products (finished SKUs and components) with their standard cost.
    Products,
    /// Sales orders, one row per order line; rows of one order share its number.
    SalesOrders,
    /// Stock counts per product and location.
    StockCounts,
    /// Purchase orders, one row per order line.
    PurchaseOrders,
    /// Receivable and payable invoices.
    Invoices,
    /// Production runs with their production order.
    ProductionRuns,
}

/// Every kind, in the order the wizard offers them.
pub const KINDS: [ImportKind; 6] = [
    ImportKind::Products,
    ImportKind::SalesOrders,
    ImportKind::StockCounts,
    ImportKind::PurchaseOrders,
    ImportKind::Invoices,
    ImportKind::ProductionRuns,
];

/// One column a kind reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Column {
    /// Header name (matched case-insensitively, surrounding spaces ignored).
    pub name: &'static str,
    /// Whether every row must give it.
    pub required: bool,
    /// What goes in it, for people.
    pub help: &'static str,
    /// The example row's value.
    pub example: &'static str,
}

const fn req(name: &'static str, help: &'static str, example: &'static str) -> Column {
    Column {
        name,
        required: true,
        help,
        example,
    }
}

const fn opt(name: &'static str, help: &'static str, example: &'static str) -> Column {
    Column {
        name,
        required: false,
        help,
        example,
    }
}

const PRODUCTS: &[Column] = &[
    req("sku", "stock-keeping code, unique", "GIN-70"),
    req("name", "product name", "London Dry Gin 70 cl"),
    opt("kind", "finished (default) or component", "finished"),
    req("family", "product family", "gin"),
    opt("bottle_size_ml", "bottle size in ml", "700"),
    opt("uom", "unit of measure (default bottle)", "bottle"),
    req("unit_cost", "standard cost in GBP, e.g. 8.40", "8.40"),
    opt("case_pack", "units per case (default 1)", "6"),
    opt("active", "true (default) or false", "true"),
];

const SALES_ORDERS: &[Column] = &[
    req(
        "order_number",
        "order number; rows with the same number are one order",
        "SO-1001",
    ),
    opt(
        "line",
        "line number within the order (default: position in the file)",
        "1",
    ),
    req(
        "ordered_at",
        "when ordered: YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ (UTC)",
        "2026-11-30T10:15:00Z",
    ),
    req("channel", "sales channel code", "SHOP-UK"),
    opt(
        "status",
        "fulfilled (default), partially_refunded or refunded",
        "fulfilled",
    ),
    opt(
        "currency",
        "the channel's currency (default: the channel's)",
        "GBP",
    ),
    opt(
        "presentment_currency",
        "currency the buyer saw (default: currency)",
        "GBP",
    ),
    req("sku", "product sold", "GIN-70"),
    req("quantity", "units, positive", "2"),
    req(
        "unit_price",
        "price of one unit in the currency, e.g. 24.99",
        "24.99",
    ),
    opt("discount", "discount on the line (default 0)", "0.00"),
    opt(
        "net",
        "net revenue of the line (default quantity × unit_price − discount)",
        "49.98",
    ),
    opt(
        "net_presentment",
        "net in the presentment currency (default: net, when the currencies are the same)",
        "49.98",
    ),
    opt(
        "order_total",
        "order total in the currency (default: sum of the lines' net)",
        "49.98",
    ),
    opt(
        "order_total_presentment",
        "order total in the presentment currency (default: sum of net_presentment)",
        "49.98",
    ),
];

const STOCK_COUNTS: &[Column] = &[
    req("sku", "product counted", "GIN-70"),
    req("location", "location code", "WH-UK"),
    req("counted_on", "day of the count, YYYY-MM-DD", "2026-11-30"),
    req("on_hand", "units found, not negative", "120"),
];

const PURCHASE_ORDERS: &[Column] = &[
    req(
        "po_number",
        "purchase order number; rows with the same number are one order",
        "PO-2001",
    ),
    opt(
        "line",
        "line number within the order (default: position in the file)",
        "1",
    ),
    req("supplier", "supplier code", "SUP-LABEL"),
    req("ordered_on", "day ordered, YYYY-MM-DD", "2026-11-02"),
    req("expected_on", "day expected, YYYY-MM-DD", "2026-11-20"),
    opt("received_on", "day received, YYYY-MM-DD", ""),
    opt(
        "status",
        "open (default), partially_received, received or cancelled",
        "open",
    ),
    req("currency", "currency of the prices", "GBP"),
    req("sku", "product bought", "LIQ-GIN"),
    req("quantity", "units, positive", "5000"),
    req("unit_cost", "price of one unit, e.g. 0.42", "0.42"),
    opt(
        "received_quantity",
        "units received so far (default 0)",
        "0",
    ),
];

const INVOICES: &[Column] = &[
    req("invoice_number", "invoice number", "INV-3001"),
    req("kind", "ACCREC (we are owed) or ACCPAY (we owe)", "ACCREC"),
    opt(
        "customer",
        "customer name, for ACCREC",
        "Amazon UK Services Ltd.",
    ),
    opt("supplier", "supplier code, for ACCPAY", ""),
    req("issued_on", "day of issue, YYYY-MM-DD", "2026-11-30"),
    req("due_on", "day due, YYYY-MM-DD", "2026-12-30"),
    req("currency", "currency of the invoice", "GBP"),
    req("total", "invoice total, e.g. 1250.00", "1250.00"),
    opt(
        "status",
        "AUTHORISED (default), DRAFT, SUBMITTED, PAID or VOIDED",
        "AUTHORISED",
    ),
];

const PRODUCTION_RUNS: &[Column] = &[
    req(
        "order_number",
        "production order number; runs of one order share it",
        "MO-4001",
    ),
    req("sku", "product made", "GIN-70"),
    req("work_center", "line (work centre) code", "LINE-1"),
    req("quantity_planned", "units the order is for", "6000"),
    req("due_on", "day the order is due, YYYY-MM-DD", "2026-12-04"),
    opt(
        "status",
        "in_progress (default), planned, completed or cancelled",
        "in_progress",
    ),
    req("run_date", "day of the shift, YYYY-MM-DD", "2026-11-30"),
    opt("shift", "shift number on that day (default 1)", "1"),
    req("planned_minutes", "planned production time, minutes", "450"),
    req("total_count", "units made", "2900"),
    req("good_count", "units right first time", "2850"),
];

impl ImportKind {
    /// The name used in URLs and on the command line (`sales_orders`).
    pub fn as_str(self) -> &'static str {
        match self {
            ImportKind::Products => "products",
            ImportKind::SalesOrders => "sales_orders",
            ImportKind::StockCounts => "stock_counts",
            ImportKind::PurchaseOrders => "purchase_orders",
            ImportKind::Invoices => "invoices",
            ImportKind::ProductionRuns => "production_runs",
        }
    }

    /// The columns the kind reads, in template order.
    pub fn columns(self) -> &'static [Column] {
        match self {
            ImportKind::Products => PRODUCTS,
            ImportKind::SalesOrders => SALES_ORDERS,
            ImportKind::StockCounts => STOCK_COUNTS,
            ImportKind::PurchaseOrders => PURCHASE_ORDERS,
            ImportKind::Invoices => INVOICES,
            ImportKind::ProductionRuns => PRODUCTION_RUNS,
        }
    }

    /// A CSV template: the header row and one example row.
    pub fn template_csv(self) -> String {
        let mut w = csv::Writer::from_writer(Vec::new());
        let cols = self.columns();
        // Writing to memory cannot fail.
        let _ = w.write_record(cols.iter().map(|c| c.name));
        let _ = w.write_record(cols.iter().map(|c| c.example));
        String::from_utf8(w.into_inner().unwrap_or_default()).unwrap_or_default()
    }

    /// An Excel template: one sheet with the header row and one example row.
    pub fn template_xlsx(self) -> Vec<u8> {
        let cols = self.columns();
        super::xlsx::workbook(&[
            cols.iter().map(|c| c.name.to_owned()).collect(),
            cols.iter().map(|c| c.example.to_owned()).collect(),
        ])
    }
}

impl fmt::Display for ImportKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The text is not the name of an import kind.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown import kind '{0}' (use one of products, sales_orders, stock_counts, purchase_orders, invoices, production_runs)"
)]
pub struct UnknownKind(pub String);

impl FromStr for ImportKind {
    type Err = UnknownKind;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        KINDS
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| UnknownKind(s.to_owned()))
    }
}
