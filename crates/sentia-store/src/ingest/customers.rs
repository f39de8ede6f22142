//! Customers a source names that Sentia does not know yet (Xero contacts of receivables).

use sea_orm::{ConnectionTrait, TransactionSession, TransactionTrait};

use crate::StoreResult;
use crate::forecasting::stmt;

/// Kinds of customer the store keeps.
pub const CUSTOMER_KINDS: [&str; 3] = ["marketplace", "payment_provider", "trade"];

/// A customer as a source names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IncomingCustomer {
    /// Where it comes from (`xero:{tenant}`); with `external_id` its identity.
    pub source: String,
    /// The source's id of the customer (the Xero `ContactID`).
    pub external_id: String,
    /// Name, as invoices name it.
    pub name: String,
    /// One of [`CUSTOMER_KINDS`].
    pub kind: String,
    /// Region (`regions.code`).
    pub region: String,
    /// Days the customer is given to pay.
    pub payment_terms_days: i32,
}

/// Adds each customer whose name no customer has yet, in one transaction; a name already
/// known (from any source) or an identity already stored is left as it is. Returns how many
/// were added.
#[tracing::instrument(skip_all, fields(n = items.len()))]
pub async fn add_unknown_customers<C: ConnectionTrait + TransactionTrait>(
    conn: &C,
    items: &[IncomingCustomer],
) -> StoreResult<u64> {
    for c in items {
        if !CUSTOMER_KINDS.contains(&c.kind.as_str()) {
            return Err(crate::StoreError::Invalid(format!(
                "customer kind '{}' is not one of {}",
                c.kind,
                CUSTOMER_KINDS.join(", ")
            )));
        }
        if c.name.trim().is_empty() || c.external_id.is_empty() || c.source.is_empty() {
            return Err(crate::StoreError::Invalid(
                "a customer needs a source, an id and a name".into(),
            ));
        }
    }
    let txn = crate::begin_write(conn).await?;
    let b = txn.get_database_backend();
    let mut added = 0;
    for c in items {
        let known = txn
            .query_one_raw(stmt(
                b,
                "SELECT id FROM customers WHERE name = ? OR (source = ? AND external_id = ?)",
                vec![
                    c.name.as_str().into(),
                    c.source.as_str().into(),
                    c.external_id.as_str().into(),
                ],
            ))
            .await?;
        if known.is_some() {
            continue;
        }
        txn.execute_raw(stmt(
            b,
            "INSERT INTO customers (name, kind, region, payment_terms_days, source, external_id) \
             VALUES (?, ?, ?, ?, ?, ?)",
            vec![
                c.name.as_str().into(),
                c.kind.as_str().into(),
                c.region.as_str().into(),
                c.payment_terms_days.max(0).into(),
                c.source.as_str().into(),
                c.external_id.as_str().into(),
            ],
        ))
        .await?;
        added += 1;
    }
    txn.commit().await?;
    Ok(added)
}
