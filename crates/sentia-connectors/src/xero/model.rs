//! Connector records produced from Xero answers.

use chrono::{DateTime, Utc};
use sentia_core::currency::Currency;
use serde::{Deserialize, Serialize};

use crate::money::Money;

/// Receivable or payable.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum InvoiceKind {
    /// `ACCREC`: a sales invoice (drives DSO).
    Receivable,
    /// `ACCPAY`: a bill (drives DPO).
    Payable,
}

impl InvoiceKind {
    /// Xero's `Type` code.
    pub fn code(self) -> &'static str {
        match self {
            Self::Receivable => "ACCREC",
            Self::Payable => "ACCPAY",
        }
    }
}

/// One invoice or bill.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct XeroInvoice {
    /// `xero:{tenant id}`.
    pub source: String,
    /// `InvoiceID`.
    pub external_id: String,
    /// `InvoiceNumber`.
    pub number: Option<String>,
    /// Receivable or payable.
    pub kind: InvoiceKind,
    /// Contact id.
    pub contact_id: Option<String>,
    /// Contact name.
    pub contact_name: Option<String>,
    /// Invoice date.
    pub date: Option<DateTime<Utc>>,
    /// Due date.
    pub due_date: Option<DateTime<Utc>>,
    /// Status (DRAFT, SUBMITTED, AUTHORISED, PAID, VOIDED, DELETED).
    pub status: String,
    /// Invoice currency.
    pub currency: Currency,
    /// Units of invoice currency per base currency, scaled by
    /// [`sentia_core::currency::FX_SCALE`].
    pub currency_rate: i64,
    /// Subtotal.
    pub sub_total: Money,
    /// Tax.
    pub total_tax: Money,
    /// Total.
    pub total: Money,
    /// Still owed.
    pub amount_due: Money,
    /// Paid so far.
    pub amount_paid: Money,
    /// Credited so far.
    pub amount_credited: Money,
    /// When it was fully paid.
    pub fully_paid_on: Option<DateTime<Utc>>,
    /// `UpdatedDateUTC`.
    pub modified_at: Option<DateTime<Utc>>,
}

impl crate::sync::Modified for XeroInvoice {
    fn external_id(&self) -> &str {
        &self.external_id
    }
    fn modified_at(&self) -> Option<DateTime<Utc>> {
        self.modified_at
    }
}

/// A tenant (organisation) the app is connected to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct XeroConnection {
    /// Tenant id, sent as `xero-tenant-id`.
    pub tenant_id: String,
    /// `ORGANISATION` for accounting tenants.
    pub tenant_type: String,
    /// Organisation name.
    pub tenant_name: Option<String>,
}
