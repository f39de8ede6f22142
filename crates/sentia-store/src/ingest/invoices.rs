//! Invoices: receivables (`ACCREC`, from a customer) and payables (`ACCPAY`, to a supplier),
//! by `(source, external_id)`, with the total converted to the base currency at the rate of
//! the issue day.

use std::collections::HashSet;

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{ConnectionTrait, TransactionSession, TransactionTrait};
use serde_json::json;

use super::row::{F, upsert_row};
use super::{BatchCounts, INVOICES_EVENT, Problem, Refs, once, refused, require};
use crate::{StoreResult, events};

/// Invoice kinds: money owed to us (`ACCREC`) and money we owe (`ACCPAY`).
pub const INVOICE_KINDS: [&str; 2] = ["ACCREC", "ACCPAY"];

/// Invoice statuses the store keeps (the accounting system's).
pub const INVOICE_STATUSES: [&str; 5] = ["DRAFT", "SUBMITTED", "AUTHORISED", "PAID", "VOIDED"];

/// An invoice as a source delivers it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IncomingInvoice {
    /// Where it comes from (`import`, `xero`); with `external_id` its identity.
    pub source: String,
    /// The source's id of the invoice.
    pub external_id: String,
    /// One of [`INVOICE_KINDS`].
    pub kind: String,
    /// Invoice number shown to people.
    pub invoice_number: String,
    /// The customer's name (`customers.name`); required for `ACCREC`, absent for `ACCPAY`.
    pub customer_name: Option<String>,
    /// The supplier's code (`suppliers.code`); required for `ACCPAY`, absent for `ACCREC`.
    pub supplier_code: Option<String>,
    /// Day of issue; the base amount uses this day's rate.
    pub issued_on: NaiveDate,
    /// Day payment is due, not before the issue day.
    pub due_on: NaiveDate,
    /// Currency of the invoice (ISO code).
    pub currency: String,
    /// Total in the invoice currency, minor units, not negative.
    pub total_minor: i64,
    /// One of [`INVOICE_STATUSES`].
    pub status: String,
}

struct Resolved {
    customer_id: Option<i64>,
    supplier_id: Option<i64>,
    total_base_minor: i64,
}

fn check(refs: &Refs, items: &[IncomingInvoice]) -> (Vec<Problem>, Vec<Option<Resolved>>) {
    let mut out = Vec::new();
    let mut seen = HashSet::new();
    let mut resolved = Vec::with_capacity(items.len());
    for (i, v) in items.iter().enumerate() {
        let before = out.len();
        require(&mut out, i, "source", &v.source);
        require(&mut out, i, "external_id", &v.external_id);
        require(&mut out, i, "invoice_number", &v.invoice_number);
        once(&mut seen, &mut out, i, &v.source, &v.external_id);
        let mut customer_id = None;
        let mut supplier_id = None;
        match v.kind.as_str() {
            "ACCREC" => {
                match v.customer_name.as_deref() {
                    Some(name) => match refs.customer(name) {
                        Ok(id) => customer_id = Some(id),
                        Err(e) => out.push(Problem::new(i, "customer_name", e)),
                    },
                    None => out.push(Problem::new(
                        i,
                        "customer_name",
                        "a receivable (ACCREC) needs a customer",
                    )),
                }
                if v.supplier_code.is_some() {
                    out.push(Problem::new(
                        i,
                        "supplier_code",
                        "a receivable (ACCREC) has no supplier",
                    ));
                }
            }
            "ACCPAY" => {
                match v.supplier_code.as_deref() {
                    Some(code) => match refs.suppliers.get(code) {
                        Some(s) => supplier_id = Some(s.id),
                        None => out.push(Problem::new(
                            i,
                            "supplier_code",
                            format!("unknown supplier '{code}'"),
                        )),
                    },
                    None => out.push(Problem::new(
                        i,
                        "supplier_code",
                        "a payable (ACCPAY) needs a supplier",
                    )),
                }
                if v.customer_name.is_some() {
                    out.push(Problem::new(
                        i,
                        "customer_name",
                        "a payable (ACCPAY) has no customer",
                    ));
                }
            }
            other => out.push(Problem::new(
                i,
                "kind",
                format!("'{other}' is not one of {}", INVOICE_KINDS.join(", ")),
            )),
        }
        if !INVOICE_STATUSES.contains(&v.status.as_str()) {
            out.push(Problem::new(
                i,
                "status",
                format!(
                    "'{}' is not one of {}",
                    v.status,
                    INVOICE_STATUSES.join(", ")
                ),
            ));
        }
        if v.due_on < v.issued_on {
            out.push(Problem::new(
                i,
                "due_on",
                format!("{} is before the issue day {}", v.due_on, v.issued_on),
            ));
        }
        if v.total_minor < 0 {
            out.push(Problem::new(
                i,
                "total_minor",
                format!("must not be negative, got {}", v.total_minor),
            ));
        }
        let base = match refs.currency(&v.currency) {
            Ok(c) => match refs.to_base(v.total_minor, c, v.issued_on) {
                Ok(b) => Some(b),
                Err(e) => {
                    out.push(Problem::new(i, "issued_on", e));
                    None
                }
            },
            Err(e) => {
                out.push(Problem::new(i, "currency", e));
                None
            }
        };
        resolved.push(match base {
            Some(total_base_minor) if out.len() == before => Some(Resolved {
                customer_id,
                supplier_id,
                total_base_minor,
            }),
            _ => None,
        });
    }
    (out, resolved)
}

/// Checks a batch of invoices against the database; every problem, none when valid. Reads
/// only. The rules are those of [`upsert_invoices`].
#[tracing::instrument(skip_all, fields(n = items.len()))]
pub async fn validate_invoices<C: ConnectionTrait>(
    conn: &C,
    items: &[IncomingInvoice],
) -> StoreResult<Vec<Problem>> {
    Ok(check(&Refs::load(conn).await?, items).0)
}

/// Inserts or updates each invoice by `(source, external_id)` (see the [batch
/// contract](super)). `total_base_minor` is the total converted to GBP at the issue day's
/// rate. Refused, writing nothing: empty keys, an unknown kind, status, currency, customer
/// (by exact name; a name several customers share is ambiguous) or supplier (by code), a
/// receivable without customer or a payable without supplier, a due day before the issue
/// day, a negative total, no rate on or before the issue day, a key twice in the batch.
/// Appends one [`INVOICES_EVENT`] when anything changed.
#[tracing::instrument(skip_all, fields(n = items.len()))]
pub async fn upsert_invoices<C: ConnectionTrait + TransactionTrait>(
    conn: &C,
    items: &[IncomingInvoice],
    now: DateTime<Utc>,
) -> StoreResult<BatchCounts> {
    let txn = crate::begin_write(conn).await?;
    let (problems, resolved) = check(&Refs::load(&txn).await?, items);
    if !problems.is_empty() {
        return Err(refused(&problems));
    }
    let mut counts = BatchCounts::default();
    for (v, r) in items.iter().zip(resolved.into_iter().flatten()) {
        let cols = [
            ("kind", F::T(v.kind.clone())),
            ("invoice_number", F::T(v.invoice_number.clone())),
            ("customer_id", F::OI(r.customer_id)),
            ("supplier_id", F::OI(r.supplier_id)),
            ("issued_on", F::D(v.issued_on)),
            ("due_on", F::D(v.due_on)),
            ("currency", F::T(v.currency.clone())),
            ("total_minor", F::I(v.total_minor)),
            ("total_base_minor", F::I(r.total_base_minor)),
            ("status", F::T(v.status.clone())),
        ];
        let (_, o) = upsert_row(&txn, "invoices", &v.source, &v.external_id, &cols, &[]).await?;
        counts.add(o);
    }
    if counts.changed() {
        events::append(&txn, INVOICES_EVENT, &json!(counts), now).await?;
    }
    txn.commit().await?;
    Ok(counts)
}
