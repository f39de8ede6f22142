//! Sales orders from a file: one row per order line, rows of one order share its number.
//!
//! The rules are those of [`crate::ingest::upsert_order`] (known channel, SKU and
//! currencies, the channel's currency as shop currency, positive quantities, no negative
//! amounts, a known status, a rate on or before the order day; base amounts converted at that
//! rate, COGS at standard cost), applied in memory against reference data read once, because
//! files have millions of lines. New orders and their lines are written with multi-row
//! inserts; changed orders are rewritten with their lines; unchanged ones are left alone.
//! Orders are keyed by their number, lines by `number/line`.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use csv::StringRecord;
use sea_orm::{ConnectionTrait, DbBackend, Statement, TransactionTrait, Value};
use sentia_core::currency::Currency;
use serde_json::json;

use super::fields::{instant, int, money};
use super::table::Table;
use super::{Header, ImportOptions, Problems, Progress, SOURCE, cell};
use crate::ingest::{BatchCounts, ORDERS_EVENT, Refs, STATUSES};
use crate::{StoreError, StoreResult, db_time, events};

#[derive(Debug, Clone, PartialEq, Eq)]
struct Line {
    line_no: i64,
    product_id: i64,
    quantity: i64,
    unit_price: i64,
    discount: i64,
    net_shop: i64,
    net_pres: i64,
    net_base: i64,
    cogs: i64,
}

/// The header fields every line of an order repeats.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Head {
    ordered_at: DateTime<Utc>,
    channel_id: i64,
    status: String,
    shop: Currency,
    presentment: String,
    total_shop: Option<i64>,
    total_pres: Option<i64>,
}

#[derive(Debug)]
struct Order {
    number: String,
    first_row: u64,
    head: Head,
    lines: Vec<Line>,
    /// Row of each line, for problems found later.
    line_rows: Vec<u64>,
    /// The stored order row's values, computed by `finish`.
    row: Option<OrderRow>,
}

/// An order row as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
struct OrderRow {
    channel_id: i64,
    order_number: String,
    ordered_at: DateTime<Utc>,
    order_date: NaiveDate,
    status: String,
    shop_currency: String,
    presentment_currency: String,
    total_shop: i64,
    total_pres: i64,
    total_base: i64,
    fx: i64,
}

/// A sales file read and checked.
#[derive(Debug, Default)]
pub(crate) struct SalesFile {
    pub rows: u64,
    orders: Vec<Order>,
}

struct Cols {
    number: Option<usize>,
    line: Option<usize>,
    ordered_at: Option<usize>,
    channel: Option<usize>,
    status: Option<usize>,
    currency: Option<usize>,
    presentment: Option<usize>,
    sku: Option<usize>,
    quantity: Option<usize>,
    unit_price: Option<usize>,
    discount: Option<usize>,
    net: Option<usize>,
    net_pres: Option<usize>,
    total: Option<usize>,
    total_pres: Option<usize>,
}

/// Reads every row of `table`, checking what a row can tell on its own and that the lines
/// of one order agree on the order.
pub(crate) fn read(
    table: &mut Table<'_>,
    h: &Header,
    refs: &Refs,
    p: &mut Problems,
    opts: &ImportOptions<'_>,
) -> SalesFile {
    let c = Cols {
        number: h.idx("order_number"),
        line: h.idx("line"),
        ordered_at: h.idx("ordered_at"),
        channel: h.idx("channel"),
        status: h.idx("status"),
        currency: h.idx("currency"),
        presentment: h.idx("presentment_currency"),
        sku: h.idx("sku"),
        quantity: h.idx("quantity"),
        unit_price: h.idx("unit_price"),
        discount: h.idx("discount"),
        net: h.idx("net"),
        net_pres: h.idx("net_presentment"),
        total: h.idx("order_total"),
        total_pres: h.idx("order_total_presentment"),
    };
    let width = table.headers().len();
    let mut file = SalesFile::default();
    let mut index: HashMap<String, usize> = HashMap::new();
    let mut rec = StringRecord::new();
    while let Some(next) = table.next_row(&mut rec) {
        file.rows += 1;
        if file.rows % 50_000 == 0
            && let Some(f) = opts.progress
        {
            f(Progress::Reading { rows: file.rows });
        }
        let row = match next {
            Ok(n) => n,
            Err((n, reason)) => {
                p.push(n, "", reason);
                continue;
            }
        };
        if rec.len() > width && rec.iter().skip(width).any(|x| !x.trim().is_empty()) {
            p.push(
                row,
                "",
                format!("the row has {} cells, the header {width}", rec.len()),
            );
        }
        if let Some((number, head, line_no, line)) = parse_row(&rec, row, &c, refs, p) {
            match index.get(&number) {
                Some(&i) => {
                    let o = &mut file.orders[i];
                    if o.head != head {
                        p.push(
                            row,
                            "order_number",
                            format!(
                                "order '{number}' has other order fields here (date, channel, \
                                 status, currencies or totals) than in row {}",
                                o.first_row
                            ),
                        );
                        continue;
                    }
                    let line_no = line_no.unwrap_or(o.lines.len() as i64 + 1);
                    if let Some(k) = o.lines.iter().position(|l| l.line_no == line_no) {
                        p.push(
                            row,
                            "line",
                            format!(
                                "line {line_no} of order '{number}' appears twice (also row {})",
                                o.line_rows[k]
                            ),
                        );
                        continue;
                    }
                    o.lines.push(Line { line_no, ..line });
                    o.line_rows.push(row);
                }
                None => {
                    index.insert(number.clone(), file.orders.len());
                    file.orders.push(Order {
                        number,
                        first_row: row,
                        head,
                        lines: vec![Line {
                            line_no: line_no.unwrap_or(1),
                            ..line
                        }],
                        line_rows: vec![row],
                        row: None,
                    });
                }
            }
        }
    }
    file
}

fn parse_row(
    rec: &StringRecord,
    row: u64,
    c: &Cols,
    refs: &Refs,
    p: &mut Problems,
) -> Option<(String, Head, Option<i64>, Line)> {
    let before = p.total;
    let req = |p: &mut Problems, idx: Option<usize>, name: &str| -> Option<&str> {
        let t = cell(rec, idx);
        if t.is_empty() {
            p.push(row, name, "is required");
            None
        } else {
            Some(t)
        }
    };
    let number = req(p, c.number, "order_number");
    let line_no = match cell(rec, c.line) {
        "" => None,
        t => match int(t) {
            Ok(n) if n >= 1 && n <= i64::from(i32::MAX) => Some(n),
            Ok(n) => {
                p.push(row, "line", format!("must be 1 to {}, got {n}", i32::MAX));
                None
            }
            Err(e) => {
                p.push(row, "line", e);
                None
            }
        },
    };
    let ordered_at = req(p, c.ordered_at, "ordered_at").and_then(|t| {
        instant(t)
            .map(db_time)
            .map_err(|e| p.push(row, "ordered_at", e))
            .ok()
    });
    let channel = req(p, c.channel, "channel").and_then(|t| match refs.channels.get(t) {
        Some(ch) => Some(ch),
        None => {
            p.push(row, "channel", format!("unknown channel '{t}'"));
            None
        }
    });
    let status = match cell(rec, c.status) {
        "" => "fulfilled",
        t => t,
    };
    if !STATUSES.contains(&status) {
        p.push(
            row,
            "status",
            format!("'{status}' is not one of {}", STATUSES.join(", ")),
        );
    }
    let shop = channel.and_then(|ch| {
        let code = match cell(rec, c.currency) {
            "" => ch.currency.as_str(),
            t => t,
        };
        match refs.currency(code) {
            Err(e) => {
                p.push(row, "currency", e);
                None
            }
            Ok(_) if code != ch.currency => {
                p.push(
                    row,
                    "currency",
                    format!(
                        "'{code}' is not the currency of channel '{}' ({})",
                        cell(rec, c.channel),
                        ch.currency
                    ),
                );
                None
            }
            Ok(cur) => Some(cur),
        }
    });
    let presentment = match cell(rec, c.presentment) {
        "" => shop.map(|s| s.code().to_owned()),
        t => match refs.currency(t) {
            Ok(_) => Some(t.to_owned()),
            Err(e) => {
                p.push(row, "presentment_currency", e);
                None
            }
        },
    };
    let product = req(p, c.sku, "sku").and_then(|t| match refs.products.get(t) {
        Some(pr) if pr.kind == "finished" => Some(pr),
        Some(pr) => {
            p.push(
                row,
                "sku",
                format!("'{t}' is a {} product, not one that is sold", pr.kind),
            );
            None
        }
        None => {
            p.push(row, "sku", format!("unknown SKU '{t}'"));
            None
        }
    });
    let quantity = req(p, c.quantity, "quantity").and_then(|t| match int(t) {
        Ok(q) if q > 0 => Some(q),
        Ok(q) => {
            p.push(row, "quantity", format!("must be positive, got {q}"));
            None
        }
        Err(e) => {
            p.push(row, "quantity", e);
            None
        }
    });
    let amount = |p: &mut Problems, idx: Option<usize>, name: &str, required: bool| {
        let t = cell(rec, idx);
        if t.is_empty() {
            if required {
                p.push(row, name, "is required");
                return Err(());
            }
            return Ok(None);
        }
        match money(t) {
            Ok(v) if v >= 0 => Ok(Some(v)),
            Ok(v) => {
                p.push(
                    row,
                    name,
                    format!(
                        "must not be negative, got {}",
                        super::fields::format_minor(v)
                    ),
                );
                Err(())
            }
            Err(e) => {
                p.push(row, name, e);
                Err(())
            }
        }
    };
    let unit_price = amount(p, c.unit_price, "unit_price", true);
    let discount = amount(p, c.discount, "discount", false);
    let net = amount(p, c.net, "net", false);
    let same_currency = matches!((&presentment, shop), (Some(pc), Some(s)) if pc == s.code());
    let net_pres = amount(p, c.net_pres, "net_presentment", false);
    let total = amount(p, c.total, "order_total", false);
    let total_pres = amount(p, c.total_pres, "order_total_presentment", false);
    if p.total > before {
        return None;
    }
    let (number, ordered_at, channel, shop, presentment, product, quantity) = (
        number?,
        ordered_at?,
        channel?,
        shop?,
        presentment?,
        product?,
        quantity?,
    );
    let (unit_price, discount, net, net_pres, total, total_pres) = (
        unit_price.ok()??,
        discount.ok()?.unwrap_or(0),
        net.ok()?,
        net_pres.ok()?,
        total.ok()?,
        total_pres.ok()?,
    );
    let net_shop = match net {
        Some(n) => n,
        None => {
            match quantity
                .checked_mul(unit_price)
                .and_then(|g| g.checked_sub(discount))
            {
                Some(n) if n >= 0 => n,
                Some(n) => {
                    p.push(
                        row,
                        "discount",
                        format!(
                            "is larger than quantity × unit_price (net would be {})",
                            super::fields::format_minor(n)
                        ),
                    );
                    return None;
                }
                None => {
                    p.push(row, "quantity", "quantity × unit_price is too large");
                    return None;
                }
            }
        }
    };
    let net_pres = match net_pres {
        Some(n) => n,
        None if same_currency => net_shop,
        None => {
            p.push(
                row,
                "net_presentment",
                "is required when the presentment currency differs from the currency",
            );
            return None;
        }
    };
    let Some(cogs) = quantity.checked_mul(product.unit_cost_minor) else {
        p.push(row, "quantity", "too large");
        return None;
    };
    Some((
        number.to_owned(),
        Head {
            ordered_at,
            channel_id: channel.id,
            status: status.to_owned(),
            shop,
            presentment,
            total_shop: total,
            total_pres,
        },
        line_no,
        Line {
            line_no: 0,
            product_id: product.id,
            quantity,
            unit_price,
            discount,
            net_shop,
            net_pres,
            net_base: 0,
            cogs,
        },
    ))
}

impl SalesFile {
    /// Computes each order's totals and base amounts at its day's rate.
    pub fn finish(&mut self, refs: &Refs, p: &mut Problems) {
        let mut rates = HashMap::new();
        for o in &mut self.orders {
            let day = o.head.ordered_at.date_naive();
            let shop = o.head.shop;
            let r = rates
                .entry((shop, day))
                .or_insert_with(|| refs.rates_on(shop, day));
            let r = match r {
                Ok(r) => *r,
                Err(e) => {
                    p.push(o.first_row, "ordered_at", e.clone());
                    continue;
                }
            };
            let sum = |f: fn(&Line) -> i64| {
                o.lines
                    .iter()
                    .try_fold(0i64, |acc, l| acc.checked_add(f(l)))
            };
            let (Some(net_sum), Some(pres_sum)) = (sum(|l| l.net_shop), sum(|l| l.net_pres)) else {
                p.push(o.first_row, "net", "the order's total is too large");
                continue;
            };
            for l in &mut o.lines {
                l.net_base = r.convert(l.net_shop, shop, Currency::BASE);
            }
            o.lines.sort_by_key(|l| l.line_no);
            let total_shop = o.head.total_shop.unwrap_or(net_sum);
            o.row = Some(OrderRow {
                channel_id: o.head.channel_id,
                order_number: o.number.clone(),
                ordered_at: o.head.ordered_at,
                order_date: day,
                status: o.head.status.clone(),
                shop_currency: shop.code().to_owned(),
                presentment_currency: o.head.presentment.clone(),
                total_shop,
                total_pres: o.head.total_pres.unwrap_or(pres_sum),
                total_base: r.convert(total_shop, shop, Currency::BASE),
                fx: crate::demo::shop_to_base(&r, shop),
            });
        }
    }

    /// Writes the orders in `txn`; counts are per order.
    pub async fn write<C: ConnectionTrait + TransactionTrait>(
        &self,
        txn: &C,
        opts: &ImportOptions<'_>,
        now: DateTime<Utc>,
    ) -> StoreResult<BatchCounts> {
        let b = txn.get_database_backend();
        let (stored, stored_lines) = stored(txn).await?;
        let total_lines: u64 = self.orders.iter().map(|o| o.lines.len() as u64).sum();
        let mut counts = BatchCounts::default();
        let mut new_orders = Vec::new();
        let mut rewrite: Vec<(i64, &Order)> = Vec::new();
        for o in &self.orders {
            let row = o
                .row
                .as_ref()
                .ok_or_else(|| StoreError::Invalid("order was not checked".into()))?;
            match stored.get(&o.number) {
                None => new_orders.push(o),
                Some((id, have)) => {
                    let same_lines = stored_lines.get(id).is_some_and(|v| v == &o.lines);
                    if have == row && same_lines {
                        counts.unchanged += 1;
                    } else {
                        rewrite.push((*id, o));
                    }
                }
            }
        }
        let mut done = 0u64;
        let report = |done: u64| {
            if let Some(f) = opts.progress {
                f(Progress::Writing {
                    done,
                    total: total_lines,
                });
            }
        };
        report(0);
        // Changed orders: rewrite the order row, replace its lines.
        let mut lines_out = LineBatch::new(b);
        for (id, o) in &rewrite {
            let r = o
                .row
                .as_ref()
                .ok_or_else(|| StoreError::Invalid("unchecked".into()))?;
            let mut v = order_values(r);
            v.push((*id).into());
            txn.execute_raw(crate::forecasting::stmt(
                b,
                "UPDATE sales_orders SET channel_id = ?, order_number = ?, ordered_at = ?, \
                 order_date = ?, status = ?, shop_currency = ?, presentment_currency = ?, \
                 total_shop_minor = ?, total_presentment_minor = ?, total_base_minor = ?, \
                 fx_shop_to_base_scaled = ? WHERE id = ?",
                v,
            ))
            .await?;
            txn.execute_raw(crate::forecasting::stmt(
                b,
                "DELETE FROM sales_order_lines WHERE order_id = ?",
                vec![(*id).into()],
            ))
            .await?;
            for l in &o.lines {
                lines_out.push(*id, &o.number, l);
            }
            counts.updated += 1;
        }
        done += lines_out.flush(txn).await?;
        // New orders: multi-row inserts returning the new ids, then their lines.
        for chunk in new_orders.chunks(ORDERS_PER_STATEMENT) {
            let ids = insert_orders(txn, chunk).await?;
            for o in chunk {
                let id = *ids
                    .get(o.number.as_str())
                    .ok_or_else(|| StoreError::Invalid(format!("order {} got no id", o.number)))?;
                for l in &o.lines {
                    lines_out.push(id, &o.number, l);
                    if lines_out.full() {
                        done += lines_out.flush(txn).await?;
                        report(done);
                    }
                }
            }
            counts.inserted += chunk.len() as u64;
        }
        done += lines_out.flush(txn).await?;
        report(done);
        if counts.changed() {
            events::append(txn, ORDERS_EVENT, &json!(counts), now).await?;
        }
        Ok(counts)
    }
}

type Stored = (HashMap<String, (i64, OrderRow)>, HashMap<i64, Vec<Line>>);

/// The imported orders already stored, with their lines sorted by line number.
async fn stored<C: ConnectionTrait>(txn: &C) -> StoreResult<Stored> {
    let b = txn.get_database_backend();
    let rows = txn
        .query_all_raw(crate::forecasting::stmt(
            b,
            "SELECT id, external_id, channel_id, order_number, ordered_at, order_date, status, \
             shop_currency, presentment_currency, total_shop_minor, total_presentment_minor, \
             total_base_minor, fx_shop_to_base_scaled FROM sales_orders WHERE source = ?",
            vec![SOURCE.into()],
        ))
        .await?;
    let mut orders = HashMap::with_capacity(rows.len());
    for r in &rows {
        orders.insert(
            r.try_get::<String>("", "external_id")?,
            (
                r.try_get::<i64>("", "id")?,
                OrderRow {
                    channel_id: r.try_get("", "channel_id")?,
                    order_number: r.try_get("", "order_number")?,
                    ordered_at: r.try_get("", "ordered_at")?,
                    order_date: r.try_get("", "order_date")?,
                    status: r.try_get("", "status")?,
                    shop_currency: r.try_get("", "shop_currency")?,
                    presentment_currency: r.try_get("", "presentment_currency")?,
                    total_shop: r.try_get("", "total_shop_minor")?,
                    total_pres: r.try_get("", "total_presentment_minor")?,
                    total_base: r.try_get("", "total_base_minor")?,
                    fx: r.try_get("", "fx_shop_to_base_scaled")?,
                },
            ),
        );
    }
    let mut lines: HashMap<i64, Vec<Line>> = HashMap::new();
    if !orders.is_empty() {
        let rows = txn
            .query_all_raw(crate::forecasting::stmt(
                b,
                "SELECT l.order_id, l.line_no, l.product_id, l.quantity, l.unit_price_minor, \
                 l.discount_minor, l.net_shop_minor, l.net_presentment_minor, l.net_base_minor, \
                 l.cogs_base_minor FROM sales_order_lines l \
                 JOIN sales_orders o ON o.id = l.order_id WHERE o.source = ? \
                 ORDER BY l.order_id, l.line_no",
                vec![SOURCE.into()],
            ))
            .await?;
        for r in &rows {
            lines
                .entry(r.try_get("", "order_id")?)
                .or_default()
                .push(Line {
                    line_no: i64::from(r.try_get::<i32>("", "line_no")?),
                    product_id: r.try_get("", "product_id")?,
                    quantity: r.try_get("", "quantity")?,
                    unit_price: r.try_get("", "unit_price_minor")?,
                    discount: r.try_get("", "discount_minor")?,
                    net_shop: r.try_get("", "net_shop_minor")?,
                    net_pres: r.try_get("", "net_presentment_minor")?,
                    net_base: r.try_get("", "net_base_minor")?,
                    cogs: r.try_get("", "cogs_base_minor")?,
                });
        }
    }
    Ok((orders, lines))
}

fn order_values(r: &OrderRow) -> Vec<Value> {
    vec![
        r.channel_id.into(),
        r.order_number.as_str().into(),
        Value::ChronoDateTimeUtc(Some(r.ordered_at)),
        Value::ChronoDate(Some(r.order_date)),
        r.status.as_str().into(),
        r.shop_currency.as_str().into(),
        r.presentment_currency.as_str().into(),
        r.total_shop.into(),
        r.total_pres.into(),
        r.total_base.into(),
        r.fx.into(),
    ]
}

/// Bound values per statement, under both backends' limits (SQLite 32 766, PostgreSQL 65 535).
const MAX_PARAMS: usize = 30_000;
const ORDER_COLS: usize = 13;
const ORDERS_PER_STATEMENT: usize = MAX_PARAMS / ORDER_COLS;
const LINE_COLS: usize = 12;
const LINES_PER_STATEMENT: usize = MAX_PARAMS / LINE_COLS;

/// `INSERT INTO table (cols) VALUES (…), (…)` for `rows` rows, with the backend's
/// placeholders.
fn insert_sql(b: DbBackend, table: &str, cols: &str, n_cols: usize, rows: usize) -> String {
    let mut sql = String::with_capacity(64 + rows * n_cols * 6);
    sql.push_str(&format!("INSERT INTO {table} ({cols}) VALUES "));
    let mut k = 0;
    for r in 0..rows {
        if r > 0 {
            sql.push(',');
        }
        sql.push('(');
        for c in 0..n_cols {
            if c > 0 {
                sql.push(',');
            }
            k += 1;
            if b == DbBackend::Postgres {
                sql.push_str(&format!("${k}"));
            } else {
                sql.push('?');
            }
        }
        sql.push(')');
    }
    sql
}

async fn insert_orders<C: ConnectionTrait>(
    txn: &C,
    chunk: &[&Order],
) -> StoreResult<HashMap<String, i64>> {
    let b = txn.get_database_backend();
    let mut values = Vec::with_capacity(chunk.len() * ORDER_COLS);
    for o in chunk {
        let r = o
            .row
            .as_ref()
            .ok_or_else(|| StoreError::Invalid("unchecked".into()))?;
        values.extend(order_values(r));
        values.push(SOURCE.into());
        values.push(o.number.as_str().into());
    }
    let mut sql = insert_sql(
        b,
        "sales_orders",
        "channel_id, order_number, ordered_at, order_date, status, shop_currency, \
         presentment_currency, total_shop_minor, total_presentment_minor, total_base_minor, \
         fx_shop_to_base_scaled, source, external_id",
        ORDER_COLS,
        chunk.len(),
    );
    sql.push_str(" RETURNING id, external_id");
    let rows = txn
        .query_all_raw(Statement::from_sql_and_values(b, sql, values))
        .await?;
    rows.iter()
        .map(|r| Ok((r.try_get("", "external_id")?, r.try_get("", "id")?)))
        .collect()
}

/// Lines waiting for a multi-row insert.
struct LineBatch {
    b: DbBackend,
    values: Vec<Value>,
    rows: usize,
}

impl LineBatch {
    fn new(b: DbBackend) -> Self {
        Self {
            b,
            values: Vec::with_capacity(LINES_PER_STATEMENT * LINE_COLS),
            rows: 0,
        }
    }

    fn push(&mut self, order_id: i64, number: &str, l: &Line) {
        self.values.extend([
            order_id.into(),
            Value::Int(Some(l.line_no as i32)),
            l.product_id.into(),
            l.quantity.into(),
            l.unit_price.into(),
            l.discount.into(),
            l.net_shop.into(),
            l.net_pres.into(),
            l.net_base.into(),
            l.cogs.into(),
            SOURCE.into(),
            format!("{number}/{}", l.line_no).into(),
        ]);
        self.rows += 1;
    }

    fn full(&self) -> bool {
        self.rows >= LINES_PER_STATEMENT
    }

    async fn flush<C: ConnectionTrait>(&mut self, txn: &C) -> StoreResult<u64> {
        if self.rows == 0 {
            return Ok(0);
        }
        let sql = insert_sql(
            self.b,
            "sales_order_lines",
            "order_id, line_no, product_id, quantity, unit_price_minor, discount_minor, \
             net_shop_minor, net_presentment_minor, net_base_minor, cogs_base_minor, source, \
             external_id",
            LINE_COLS,
            self.rows,
        );
        let values = std::mem::replace(
            &mut self.values,
            Vec::with_capacity(LINES_PER_STATEMENT * LINE_COLS),
        );
        let n = self.rows as u64;
        self.rows = 0;
        txn.execute_raw(Statement::from_sql_and_values(self.b, sql, values))
            .await?;
        Ok(n)
    }
}
