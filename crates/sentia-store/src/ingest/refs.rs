//! Reference data a batch is validated against, read once per batch so validating a large
//! batch costs no query per record.

use std::collections::HashMap;

use chrono::NaiveDate;
use sea_orm::ConnectionTrait;
use sentia_core::currency::{Currency, DayRates, FX_SCALE};

use crate::StoreResult;
use crate::forecasting::stmt;

/// A product as validation needs it.
#[derive(Debug, Clone)]
pub(crate) struct ProductRef {
    pub id: i64,
    pub kind: String,
    pub unit_cost_minor: i64,
}

/// A channel as validation needs it.
#[derive(Debug, Clone)]
pub(crate) struct ChannelRef {
    pub id: i64,
    pub currency: String,
}

/// A supplier as validation needs it.
#[derive(Debug, Clone)]
pub(crate) struct SupplierRef {
    pub id: i64,
}

/// A work centre as validation needs it.
#[derive(Debug, Clone)]
pub(crate) struct WorkCenterRef {
    pub id: i64,
    pub ideal_cycle_ms: i64,
}

/// Reference rows by their business key.
#[derive(Debug, Default)]
pub(crate) struct Refs {
    pub products: HashMap<String, ProductRef>,
    pub channels: HashMap<String, ChannelRef>,
    pub locations: HashMap<String, i64>,
    pub suppliers: HashMap<String, SupplierRef>,
    /// Customer ids by name; more than one id means the name is ambiguous.
    pub customers: HashMap<String, Vec<i64>>,
    pub work_centers: HashMap<String, WorkCenterRef>,
    pub currencies: Vec<String>,
    /// GBP-based rates per quote currency, sorted by day.
    rates: HashMap<Currency, Vec<(NaiveDate, i64)>>,
}

impl Refs {
    /// Reads every reference table.
    pub async fn load<C: ConnectionTrait>(conn: &C) -> StoreResult<Self> {
        let b = conn.get_database_backend();
        let q = |sql: &'static str| conn.query_all_raw(stmt(b, sql, vec![]));
        let mut r = Refs::default();
        for row in q("SELECT id, sku, kind, unit_cost_minor FROM products").await? {
            r.products.insert(
                row.try_get("", "sku")?,
                ProductRef {
                    id: row.try_get("", "id")?,
                    kind: row.try_get("", "kind")?,
                    unit_cost_minor: row.try_get("", "unit_cost_minor")?,
                },
            );
        }
        for row in q("SELECT id, code, currency FROM channels").await? {
            r.channels.insert(
                row.try_get("", "code")?,
                ChannelRef {
                    id: row.try_get("", "id")?,
                    currency: row.try_get("", "currency")?,
                },
            );
        }
        for row in q("SELECT id, code FROM locations").await? {
            r.locations
                .insert(row.try_get("", "code")?, row.try_get("", "id")?);
        }
        for row in q("SELECT id, code FROM suppliers").await? {
            r.suppliers.insert(
                row.try_get("", "code")?,
                SupplierRef {
                    id: row.try_get("", "id")?,
                },
            );
        }
        for row in q("SELECT id, name FROM customers ORDER BY id").await? {
            r.customers
                .entry(row.try_get("", "name")?)
                .or_default()
                .push(row.try_get("", "id")?);
        }
        for row in q("SELECT id, code, ideal_cycle_ms FROM work_centers").await? {
            r.work_centers.insert(
                row.try_get("", "code")?,
                WorkCenterRef {
                    id: row.try_get("", "id")?,
                    ideal_cycle_ms: row.try_get("", "ideal_cycle_ms")?,
                },
            );
        }
        for row in q("SELECT code FROM currencies ORDER BY code").await? {
            r.currencies.push(row.try_get("", "code")?);
        }
        let rows = conn
            .query_all_raw(stmt(
                b,
                "SELECT quote_currency, rate_date, rate_scaled FROM fx_rates \
                 WHERE base_currency = ? ORDER BY rate_date",
                vec![Currency::BASE.code().into()],
            ))
            .await?;
        for row in rows {
            let code: String = row.try_get("", "quote_currency")?;
            if let Ok(c) = code.parse::<Currency>() {
                r.rates.entry(c).or_default().push((
                    row.try_get("", "rate_date")?,
                    row.try_get("", "rate_scaled")?,
                ));
            }
        }
        Ok(r)
    }

    /// The currency of `code` when it is one the books know, else a reason.
    pub fn currency(&self, code: &str) -> Result<Currency, String> {
        let c: Currency = code
            .parse()
            .map_err(|_| format!("unknown currency '{code}'"))?;
        if !self.currencies.iter().any(|k| k == code) {
            return Err(format!("unknown currency '{code}'"));
        }
        Ok(c)
    }

    /// The GBP-based rates of `day` for `c` (the day's row or the latest earlier one), as a
    /// [`DayRates`] whose meaningful entries are GBP and `c`; a reason when there is none.
    pub fn rates_on(&self, c: Currency, day: NaiveDate) -> Result<DayRates, String> {
        let per_gbp = if c == Currency::BASE {
            FX_SCALE
        } else {
            let v = self.rates.get(&c).map(Vec::as_slice).unwrap_or(&[]);
            let i = v.partition_point(|(d, _)| *d <= day);
            if i == 0 {
                return Err(format!(
                    "no {}→{} rate on or before {day}",
                    Currency::BASE,
                    c
                ));
            }
            v[i - 1].1
        };
        let (eur, usd) = match c {
            Currency::Eur => (per_gbp, FX_SCALE),
            Currency::Usd => (FX_SCALE, per_gbp),
            Currency::Gbp => (FX_SCALE, FX_SCALE),
        };
        DayRates::new(eur, usd).ok_or_else(|| "bad stored rate".to_owned())
    }

    /// `minor` in currency `c` on `day`, converted to the base currency.
    pub fn to_base(&self, minor: i64, c: Currency, day: NaiveDate) -> Result<i64, String> {
        Ok(self.rates_on(c, day)?.convert(minor, c, Currency::BASE))
    }

    /// The customer id of `name`, or a reason.
    pub fn customer(&self, name: &str) -> Result<i64, String> {
        match self.customers.get(name).map(Vec::as_slice) {
            Some([id]) => Ok(*id),
            Some([]) | None => Err(format!("unknown customer '{name}'")),
            Some(ids) => Err(format!(
                "customer name '{name}' is ambiguous ({} customers have it)",
                ids.len()
            )),
        }
    }
}
