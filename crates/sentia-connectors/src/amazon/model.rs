//! Regions, marketplaces and the connector records produced from Selling Partner API answers.

use chrono::{DateTime, Utc};
use sentia_core::currency::Currency;
use serde::{Deserialize, Serialize};

use crate::money::{Money, Qty};

/// A Selling Partner API region: one host serves all its marketplaces.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Region {
    /// North America (`sellingpartnerapi-na`).
    NorthAmerica,
    /// Europe (`sellingpartnerapi-eu`).
    Europe,
}

impl Region {
    /// The production API host of the region.
    pub fn base_url(self) -> &'static str {
        match self {
            Self::NorthAmerica => "https://sellingpartnerapi-na.amazon.com",
            Self::Europe => "https://sellingpartnerapi-eu.amazon.com",
        }
    }

    /// The marketplaces Sentia sells in that this region's host serves.
    pub fn marketplaces(self) -> &'static [Marketplace] {
        match self {
            Self::NorthAmerica => &[Marketplace::Us],
            Self::Europe => &[
                Marketplace::Uk,
                Marketplace::De,
                Marketplace::Fr,
                Marketplace::It,
                Marketplace::Es,
                Marketplace::Nl,
                Marketplace::Ie,
            ],
        }
    }

    /// Short code used in `source` values (`na`, `eu`).
    pub fn code(self) -> &'static str {
        match self {
            Self::NorthAmerica => "na",
            Self::Europe => "eu",
        }
    }
}

/// An Amazon marketplace Sentia sells in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Marketplace {
    /// amazon.com (`ATVPDKIKX0DER`).
    Us,
    /// amazon.co.uk (`A1F83G8C2ARO7P`).
    Uk,
    /// amazon.de (`A1PA6795UKMFR9`).
    De,
    /// amazon.fr (`A13V1IB3VIYZZH`).
    Fr,
    /// amazon.it (`APJ6JRA9NG5V4`).
    It,
    /// amazon.es (`A1RKKUPIHCS9HS`).
    Es,
    /// amazon.nl (`A1805IZSGTT6HS`).
    Nl,
    /// amazon.ie (`A28R8C7NBKEWEA`).
    Ie,
}

impl Marketplace {
    /// Every marketplace, North America first.
    pub const ALL: [Marketplace; 8] = [
        Self::Us,
        Self::Uk,
        Self::De,
        Self::Fr,
        Self::It,
        Self::Es,
        Self::Nl,
        Self::Ie,
    ];

    /// The marketplace id sent as `marketplaceIds`.
    pub fn id(self) -> &'static str {
        match self {
            Self::Us => "ATVPDKIKX0DER",
            Self::Uk => "A1F83G8C2ARO7P",
            Self::De => "A1PA6795UKMFR9",
            Self::Fr => "A13V1IB3VIYZZH",
            Self::It => "APJ6JRA9NG5V4",
            Self::Es => "A1RKKUPIHCS9HS",
            Self::Nl => "A1805IZSGTT6HS",
            Self::Ie => "A28R8C7NBKEWEA",
        }
    }

    /// The marketplace with this id, if it is one Sentia knows.
    pub fn from_id(id: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|m| m.id() == id)
    }

    /// The region whose host serves this marketplace.
    pub fn region(self) -> Region {
        match self {
            Self::Us => Region::NorthAmerica,
            _ => Region::Europe,
        }
    }

    /// The currency orders in this marketplace are priced in.
    pub fn currency(self) -> Currency {
        match self {
            Self::Us => Currency::Usd,
            Self::Uk => Currency::Gbp,
            _ => Currency::Eur,
        }
    }
}

/// Order status (`orderStatus`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum OrderStatus {
    /// Placed but payment not yet authorised; carries no prices.
    Pending,
    /// Paid, nothing shipped yet.
    Unshipped,
    /// Some items shipped.
    PartiallyShipped,
    /// Every item shipped.
    Shipped,
    /// Cancelled.
    Canceled,
    /// Cannot be fulfilled (multi-channel fulfilment).
    Unfulfillable,
    /// Invoice not yet confirmed by the buyer (business orders).
    InvoiceUnconfirmed,
    /// Pre-order awaiting availability.
    PendingAvailability,
    /// A status this client does not know yet, kept verbatim.
    Other(String),
}

impl OrderStatus {
    /// Maps the API's value (reports spell `Cancelled` too).
    pub fn parse(s: &str) -> Self {
        match s {
            "Pending" => Self::Pending,
            "Unshipped" => Self::Unshipped,
            "PartiallyShipped" => Self::PartiallyShipped,
            "Shipped" => Self::Shipped,
            "Canceled" | "Cancelled" => Self::Canceled,
            "Unfulfillable" => Self::Unfulfillable,
            "InvoiceUnconfirmed" => Self::InvoiceUnconfirmed,
            "PendingAvailability" => Self::PendingAvailability,
            other => Self::Other(other.to_owned()),
        }
    }
}

/// One Amazon order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AmazonOrder {
    /// `amazon:{seller id}:{region}`.
    pub source: String,
    /// `orderId`, e.g. `204-1234567-1234567`.
    pub external_id: String,
    /// `marketplaceId` (see [`Marketplace::from_id`]).
    pub marketplace_id: String,
    /// When it was placed.
    pub purchased_at: DateTime<Utc>,
    /// Last change; drives the incremental sync.
    pub updated_at: DateTime<Utc>,
    /// Status.
    pub status: OrderStatus,
    /// Order total; `None` while Pending (Amazon sends no prices then).
    pub total: Option<Money>,
    /// Items.
    pub lines: Vec<AmazonOrderLine>,
}

/// One item of an order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AmazonOrderLine {
    /// `orderItemId`.
    pub external_id: String,
    /// `sellerSku`.
    pub sku: Option<String>,
    /// `asin`.
    pub asin: Option<String>,
    /// Units ordered.
    pub quantity: Qty,
    /// `itemPrice`: the line total (unit price × quantity, tax included where the marketplace
    /// prices with VAT); `None` while Pending.
    pub price: Option<Money>,
    /// `itemTax`: the tax part of `price`, when sent.
    pub tax: Option<Money>,
    /// `promotionDiscount` on the line, when sent.
    pub discount: Option<Money>,
}

impl crate::sync::Modified for AmazonOrder {
    fn external_id(&self) -> &str {
        &self.external_id
    }
    fn modified_at(&self) -> Option<DateTime<Utc>> {
        Some(self.updated_at)
    }
}

/// Status of a requested report (`processingStatus`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ReportStatus {
    /// Waiting to be processed.
    InQueue,
    /// Being processed.
    InProgress,
    /// Ready: the document can be fetched.
    Done,
    /// Cancelled (explicitly, or by Amazon because there was no data).
    Cancelled,
    /// Failed.
    Fatal,
    /// A status this client does not know yet, kept verbatim.
    Other(String),
}

impl ReportStatus {
    /// Maps the API's value.
    pub fn parse(s: &str) -> Self {
        match s {
            "IN_QUEUE" => Self::InQueue,
            "IN_PROGRESS" => Self::InProgress,
            "DONE" => Self::Done,
            "CANCELLED" => Self::Cancelled,
            "FATAL" => Self::Fatal,
            other => Self::Other(other.to_owned()),
        }
    }
}

/// One requested report as `getReport` describes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AmazonReport {
    /// `reportId`.
    pub report_id: String,
    /// `processingStatus`.
    pub status: ReportStatus,
    /// `reportDocumentId`, once there is a document.
    pub document_id: Option<String>,
}

/// One item line of the all-orders flat-file report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderReportRow {
    /// `amazon:{seller id}:{region}`.
    pub source: String,
    /// `amazon-order-id`.
    pub order_id: String,
    /// `purchase-date`.
    pub purchased_at: DateTime<Utc>,
    /// `order-status`.
    pub status: OrderStatus,
    /// `sku`.
    pub sku: String,
    /// `quantity`.
    pub quantity: Qty,
    /// `item-price` in `currency`: the line total, not the unit price. `None` when the report
    /// leaves it empty (Pending orders).
    pub price: Option<Money>,
    /// `sales-channel` (e.g. `Amazon.co.uk`), when the report has the column.
    pub sales_channel: Option<String>,
    /// Line number in the file (the header is line 1), to trace a row back.
    pub line: usize,
}

/// FBA stock of one SKU in one marketplace (Pan-EU marketplaces report the same pooled
/// figures: do not add them up across EU marketplaces).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FbaInventory {
    /// `amazon:{seller id}:{region}`.
    pub source: String,
    /// `{sellerSku}@{marketplace id}`.
    pub external_id: String,
    /// Marketplace the figures were asked for.
    pub marketplace_id: String,
    /// `sellerSku`.
    pub sku: String,
    /// `asin`.
    pub asin: Option<String>,
    /// `fnSku`.
    pub fn_sku: Option<String>,
    /// `totalQuantity`.
    pub total: i64,
    /// `fulfillableQuantity`: can be picked for an order now.
    pub fulfillable: i64,
    /// `inboundWorkingQuantity`.
    pub inbound_working: i64,
    /// `inboundShippedQuantity`.
    pub inbound_shipped: i64,
    /// `inboundReceivingQuantity`.
    pub inbound_receiving: i64,
    /// `reservedQuantity.totalReservedQuantity`.
    pub reserved: i64,
    /// `unfulfillableQuantity.totalUnfulfillableQuantity`.
    pub unfulfillable: i64,
}

/// One page of FBA inventory summaries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InventoryPage {
    /// Summaries on this page.
    pub summaries: Vec<FbaInventory>,
    /// Token for the next page (valid for 30 s), `None` on the last one.
    pub next_token: Option<String>,
}
