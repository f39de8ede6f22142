//! Products (finished SKUs and components) by `(source, external_id)`.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, TransactionSession, TransactionTrait};
use serde_json::json;

use super::row::{F, upsert_row};
use super::{BatchCounts, PRODUCTS_EVENT, Problem, once, refused, require};
use crate::forecasting::stmt;
use crate::{StoreResult, events};

/// Product kinds: sold (`finished`) or made into finished products (`component`).
pub const PRODUCT_KINDS: [&str; 2] = ["finished", "component"];

/// A product as a source delivers it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IncomingProduct {
    /// Where it comes from (`import`, `unleashed`); with `external_id` its identity.
    pub source: String,
    /// The source's id of the product.
    pub external_id: String,
    /// Stock-keeping code, unique across all products.
    pub sku: String,
    /// Name shown to people.
    pub name: String,
    /// One of [`PRODUCT_KINDS`].
    pub kind: String,
    /// Product family (the spirit, for finished products; a component group otherwise).
    pub family: String,
    /// Bottle size in millilitres, when it is a bottle.
    pub bottle_size_ml: Option<i32>,
    /// Unit of measure (`bottle`, `cl`, `each`).
    pub uom: String,
    /// Standard cost of one unit in the base currency (GBP), minor units, not negative.
    pub unit_cost_minor: i64,
    /// Units per case, at least 1.
    pub case_pack: i32,
    /// Whether the product is still made or sold.
    pub active: bool,
}

/// Checks a batch of products against the database; every problem, none when valid. Reads
/// only. The rules are those of [`upsert_products`].
#[tracing::instrument(skip_all, fields(n = items.len()))]
pub async fn validate_products<C: ConnectionTrait>(
    conn: &C,
    items: &[IncomingProduct],
) -> StoreResult<Vec<Problem>> {
    let owners = sku_owners(conn).await?;
    Ok(check(&owners, items))
}

async fn sku_owners<C: ConnectionTrait>(
    conn: &C,
) -> StoreResult<HashMap<String, (String, String)>> {
    let rows = conn
        .query_all_raw(stmt(
            conn.get_database_backend(),
            "SELECT sku, source, external_id FROM products",
            vec![],
        ))
        .await?;
    rows.iter()
        .map(|r| {
            Ok((
                r.try_get("", "sku")?,
                (r.try_get("", "source")?, r.try_get("", "external_id")?),
            ))
        })
        .collect()
}

fn check(owners: &HashMap<String, (String, String)>, items: &[IncomingProduct]) -> Vec<Problem> {
    let mut out = Vec::new();
    let mut seen = HashSet::new();
    let mut skus = HashSet::new();
    for (i, p) in items.iter().enumerate() {
        require(&mut out, i, "source", &p.source);
        require(&mut out, i, "external_id", &p.external_id);
        require(&mut out, i, "sku", &p.sku);
        require(&mut out, i, "name", &p.name);
        require(&mut out, i, "uom", &p.uom);
        once(&mut seen, &mut out, i, &p.source, &p.external_id);
        if !skus.insert(p.sku.as_str()) {
            out.push(Problem::new(
                i,
                "sku",
                format!("'{}' appears twice in the batch", p.sku),
            ));
        }
        if !PRODUCT_KINDS.contains(&p.kind.as_str()) {
            out.push(Problem::new(
                i,
                "kind",
                format!("'{}' is not one of {}", p.kind, PRODUCT_KINDS.join(", ")),
            ));
        }
        if p.unit_cost_minor < 0 {
            out.push(Problem::new(
                i,
                "unit_cost_minor",
                format!("must not be negative, got {}", p.unit_cost_minor),
            ));
        }
        if p.case_pack < 1 {
            out.push(Problem::new(
                i,
                "case_pack",
                format!("must be at least 1, got {}", p.case_pack),
            ));
        }
        if let Some(ml) = p.bottle_size_ml.filter(|ml| *ml <= 0) {
            out.push(Problem::new(
                i,
                "bottle_size_ml",
                format!("must be positive, got {ml}"),
            ));
        }
        if let Some((src, ext)) = owners.get(&p.sku)
            && (src != &p.source || ext != &p.external_id)
        {
            out.push(Problem::new(
                i,
                "sku",
                format!(
                    "'{}' already belongs to another product (from {src})",
                    p.sku
                ),
            ));
        }
    }
    out
}

/// Inserts or updates each product by `(source, external_id)` (see the [module
/// contract](super)): name, kind, family, size, unit of measure, standard cost, case pack
/// and active flag are set to the delivered values. Refused, writing nothing: empty keys or
/// names, an unknown kind, a negative cost, a case pack below 1, a SKU that belongs to
/// another product or appears twice. Appends one [`PRODUCTS_EVENT`] when anything changed.
#[tracing::instrument(skip_all, fields(n = items.len()))]
pub async fn upsert_products<C: ConnectionTrait + TransactionTrait>(
    conn: &C,
    items: &[IncomingProduct],
    now: DateTime<Utc>,
) -> StoreResult<BatchCounts> {
    let txn = crate::begin_write(conn).await?;
    let problems = check(&sku_owners(&txn).await?, items);
    if !problems.is_empty() {
        return Err(refused(&problems));
    }
    let mut counts = BatchCounts::default();
    for p in items {
        let cols = [
            ("sku", F::T(p.sku.clone())),
            ("name", F::T(p.name.clone())),
            ("kind", F::T(p.kind.clone())),
            ("family", F::T(p.family.clone())),
            ("bottle_size_ml", F::OI32(p.bottle_size_ml)),
            ("uom", F::T(p.uom.clone())),
            ("unit_cost_minor", F::I(p.unit_cost_minor)),
            ("case_pack", F::I32(p.case_pack)),
            ("active", F::B(p.active)),
        ];
        let (_, o) = upsert_row(
            &txn,
            "products",
            &p.source,
            &p.external_id,
            &cols,
            &[("created_at", F::Ts(now))],
        )
        .await?;
        counts.add(o);
    }
    if counts.changed() {
        events::append(&txn, PRODUCTS_EVENT, &json!(counts), now).await?;
    }
    txn.commit().await?;
    Ok(counts)
}
