//! A fake Shopify Admin GraphQL API for one store.
//!
//! It answers the three queries the client sends (orders, products, stock by SKU) from a
//! seeded dataset, checks `X-Shopify-Access-Token` (401 like Shopify), pages with opaque
//! cursors in `(updated_at, id)` order, filters `updated_at:>=` at one-second resolution, and
//! meters every query through a cost-based leaky bucket: a query costing more than is
//! available gets HTTP 200 `THROTTLED` with no data.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use chrono::{DateTime, Duration as TimeDelta, TimeZone, Utc};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use sentia_core::currency::Currency;
use serde_json::{Value, json};

use super::{Fault, Faults, serve, shopify_amount, take_fault};

/// Settings of a fake store.
#[derive(Debug, Clone)]
pub struct FakeShopifyConfig {
    /// Orders seeded at start.
    pub orders: usize,
    /// Products seeded at start (each has one or two variants).
    pub products: usize,
    /// Seed of the dataset; equal seeds give equal data.
    pub seed: u64,
    /// SKUs of the catalogue: when given, there is one product with one variant per SKU
    /// (and `products` is ignored), so orders name SKUs the receiving system knows.
    pub skus: Vec<String>,
    /// The only access token accepted.
    pub access_token: String,
    /// Shop currency.
    pub shop_currency: Currency,
    /// Bucket size in cost points (Shopify: 2000 on Plus, 1000 otherwise).
    pub bucket_max: f64,
    /// Points restored per second (Shopify: 100 / 50).
    pub restore_rate: f64,
}

impl Default for FakeShopifyConfig {
    fn default() -> Self {
        Self {
            orders: 120,
            products: 12,
            seed: 1,
            skus: Vec::new(),
            access_token: "shpat_fake_token".into(),
            shop_currency: Currency::Gbp,
            bucket_max: 1000.0,
            restore_rate: 50.0,
        }
    }
}

/// One order as the fake holds it. Totals derive from the lines and refunds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FakeOrder {
    /// Numeric id (the gid is `gid://shopify/Order/{id}`).
    pub id: u64,
    /// When placed.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
    /// When cancelled, if it was.
    pub cancelled_at: Option<DateTime<Utc>>,
    /// Currency the customer paid in.
    pub presentment_currency: Currency,
    /// Lines.
    pub lines: Vec<FakeLine>,
    /// Refunds.
    pub refunds: Vec<FakeRefund>,
}

/// One order line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FakeLine {
    /// SKU.
    pub sku: String,
    /// Numeric variant id.
    pub variant_id: u64,
    /// Units.
    pub quantity: i64,
    /// Unit price, shop currency, minor units.
    pub unit_shop: i64,
    /// Unit price, presentment currency, minor units.
    pub unit_presentment: i64,
}

/// One refund: one unit of a line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FakeRefund {
    /// When made.
    pub created_at: DateTime<Utc>,
    /// Index of the refunded line.
    pub line: usize,
    /// Units refunded.
    pub quantity: i64,
}

impl FakeOrder {
    /// The gid.
    pub fn gid(&self) -> String {
        format!("gid://shopify/Order/{}", self.id)
    }

    /// The gid of line `i` (the fake numbers lines within their order).
    pub fn line_gid(&self, i: usize) -> String {
        format!("gid://shopify/LineItem/{}", self.id * 1000 + i as u64)
    }

    /// The gid of refund `k`.
    pub fn refund_gid(&self, k: usize) -> String {
        format!("gid://shopify/Refund/{}", self.id * 1000 + k as u64)
    }

    /// Order total in shop currency, minor units.
    pub fn total_shop(&self) -> i64 {
        self.lines.iter().map(|l| l.unit_shop * l.quantity).sum()
    }

    /// Order total in presentment currency, minor units.
    pub fn total_presentment(&self) -> i64 {
        self.lines
            .iter()
            .map(|l| l.unit_presentment * l.quantity)
            .sum()
    }

    /// Refunded, shop currency.
    pub fn refunded_shop(&self) -> i64 {
        self.refunds
            .iter()
            .map(|r| self.lines[r.line].unit_shop * r.quantity)
            .sum()
    }

    /// Refunded, presentment currency.
    pub fn refunded_presentment(&self) -> i64 {
        self.refunds
            .iter()
            .map(|r| self.lines[r.line].unit_presentment * r.quantity)
            .sum()
    }

    fn financial_status(&self) -> &'static str {
        let refunded = self.refunded_shop();
        if self.cancelled_at.is_some() && refunded == 0 {
            "VOIDED"
        } else if refunded == 0 {
            "PAID"
        } else if refunded >= self.total_shop() {
            "REFUNDED"
        } else {
            "PARTIALLY_REFUNDED"
        }
    }
}

/// A product with its variants.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FakeProduct {
    /// Numeric id.
    pub id: u64,
    /// Title.
    pub title: String,
    /// Last change.
    pub updated_at: DateTime<Utc>,
    /// Variants.
    pub variants: Vec<FakeVariant>,
}

/// A variant with stock per location.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FakeVariant {
    /// Numeric id (also the inventory item id).
    pub id: u64,
    /// SKU.
    pub sku: String,
    /// Price, shop currency, minor units.
    pub price: i64,
    /// `(location name, available, on_hand)` per location.
    pub stock: Vec<(String, i64, i64)>,
}

/// Sums over the fake's dataset, to compare with what a client synced.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FakeShopifyTotals {
    /// Orders.
    pub orders: usize,
    /// Order lines.
    pub lines: usize,
    /// Refunds.
    pub refunds: usize,
    /// Cancelled orders.
    pub cancelled: usize,
    /// Sum of order totals, shop currency.
    pub shop_total: i64,
    /// Sum of order totals per presentment currency.
    pub presentment_total: BTreeMap<Currency, i64>,
    /// Sum refunded, shop currency.
    pub refunded_shop: i64,
}

#[derive(Debug)]
struct Bucket {
    available: f64,
    at: tokio::time::Instant,
}

#[derive(Debug)]
struct Store {
    orders: Vec<FakeOrder>,
    products: Vec<FakeProduct>,
    now: DateTime<Utc>,
    next_id: u64,
    rng: ChaCha8Rng,
    bucket: Bucket,
    throttled: u64,
}

#[derive(Debug)]
struct Shared {
    config: FakeShopifyConfig,
    store: Mutex<Store>,
    faults: Faults,
}

impl Shared {
    fn store(&self) -> std::sync::MutexGuard<'_, Store> {
        self.store.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// A running fake store; stops when dropped.
#[derive(Debug)]
pub struct FakeShopify {
    server: super::Running,
    shared: Arc<Shared>,
}

/// Shopify refuses a single query whose requested cost exceeds this.
const MAX_QUERY_COST: f64 = 1000.0;

const LOCATIONS: [&str; 2] = ["Warehouse", "Shopfront"];

fn rate_pct(c: Currency) -> i64 {
    match c {
        Currency::Gbp => 100,
        Currency::Eur => 117,
        Currency::Usd => 127,
    }
}

impl FakeShopify {
    /// Seeds the dataset and starts serving; the listener is bound when this returns.
    pub async fn start(config: FakeShopifyConfig) -> std::io::Result<Self> {
        let mut rng = ChaCha8Rng::seed_from_u64(config.seed);
        let t0 = Utc
            .with_ymd_and_hms(2026, 10, 1, 0, 0, 0)
            .single()
            .unwrap_or_else(Utc::now);
        let named = !config.skus.is_empty();
        let count = if named {
            config.skus.len()
        } else {
            config.products.max(1)
        };
        let products: Vec<FakeProduct> = (0..count)
            .map(|p| FakeProduct {
                id: 7000 + p as u64,
                title: format!("Product {p}"),
                updated_at: t0,
                variants: (0..if named { 1 } else { 1 + p % 2 })
                    .map(|v| FakeVariant {
                        id: 40_000 + (p * 10 + v) as u64,
                        sku: if named {
                            config.skus[p].clone()
                        } else {
                            format!("SKU-{p:03}-{v}")
                        },
                        price: rng.gen_range(150..20_000),
                        stock: LOCATIONS
                            .iter()
                            .map(|l| {
                                let on_hand = rng.gen_range(0..500);
                                (
                                    (*l).to_owned(),
                                    on_hand - rng.gen_range(0..=on_hand.min(20)),
                                    on_hand,
                                )
                            })
                            .collect(),
                    })
                    .collect(),
            })
            .collect();
        let mut store = Store {
            orders: Vec::new(),
            products,
            now: t0,
            next_id: 5_000_000,
            rng,
            bucket: Bucket {
                available: config.bucket_max,
                at: tokio::time::Instant::now(),
            },
            throttled: 0,
        };
        for i in 0..config.orders {
            // Pairs of orders share an update second, as busy stores do.
            let updated = t0 + TimeDelta::seconds(60 * (i as i64 / 2));
            store.now = updated;
            store.new_order(updated);
        }
        store.now += TimeDelta::seconds(1);
        let shared = Arc::new(Shared {
            config,
            store: Mutex::new(store),
            faults: Faults::default(),
        });
        let app = Router::new()
            .route("/admin/api/{version}/graphql.json", post(graphql))
            .with_state(shared.clone());
        Ok(Self {
            server: serve(app).await?,
            shared,
        })
    }

    /// Base URL to give the client (`http://127.0.0.1:port`).
    pub fn base_url(&self) -> &str {
        &self.server.base_url
    }

    /// The fault schedule and request counter.
    pub fn faults(&self) -> &Faults {
        &self.shared.faults
    }

    /// THROTTLED answers sent so far.
    pub fn throttled(&self) -> u64 {
        self.shared.store().throttled
    }

    /// The full order dataset.
    pub fn orders(&self) -> Vec<FakeOrder> {
        self.shared.store().orders.clone()
    }

    /// The full product dataset.
    pub fn products(&self) -> Vec<FakeProduct> {
        self.shared.store().products.clone()
    }

    /// Sums over all orders.
    pub fn totals(&self) -> FakeShopifyTotals {
        let store = self.shared.store();
        let mut t = FakeShopifyTotals::default();
        for o in &store.orders {
            t.orders += 1;
            t.lines += o.lines.len();
            t.refunds += o.refunds.len();
            t.cancelled += usize::from(o.cancelled_at.is_some());
            t.shop_total += o.total_shop();
            *t.presentment_total
                .entry(o.presentment_currency)
                .or_default() += o.total_presentment();
            t.refunded_shop += o.refunded_shop();
        }
        t
    }

    /// Adds `n` new orders (updated one second apart, after everything so far); returns gids.
    pub fn add_orders(&self, n: usize) -> Vec<String> {
        let mut store = self.shared.store();
        (0..n)
            .map(|_| {
                let at = store.tick();
                store.new_order(at).gid()
            })
            .collect()
    }

    /// Refunds one unit of the first line of the order at `index`, bumping its `updated_at`.
    /// Returns the gid.
    pub fn refund_order(&self, index: usize) -> String {
        let mut store = self.shared.store();
        let at = store.tick();
        let o = &mut store.orders[index];
        o.refunds.push(FakeRefund {
            created_at: at,
            line: 0,
            quantity: 1,
        });
        o.updated_at = at;
        o.gid()
    }

    /// Cancels the order at `index`, bumping its `updated_at`. Returns the gid.
    pub fn cancel_order(&self, index: usize) -> String {
        let mut store = self.shared.store();
        let at = store.tick();
        let o = &mut store.orders[index];
        o.cancelled_at = Some(at);
        o.updated_at = at;
        o.gid()
    }
}

impl Store {
    fn tick(&mut self) -> DateTime<Utc> {
        self.now += TimeDelta::seconds(1);
        self.now
    }

    fn new_order(&mut self, updated: DateTime<Utc>) -> &FakeOrder {
        let id = self.next_id;
        self.next_id += 1;
        let rng = &mut self.rng;
        let presentment_currency = Currency::ALL[rng.gen_range(0..3)];
        let variants: Vec<&FakeVariant> = self.products.iter().flat_map(|p| &p.variants).collect();
        // Every 25th order is a big one, with more lines than fit in one orders page.
        let n_lines = if id.is_multiple_of(25) {
            12
        } else {
            rng.gen_range(1..=3)
        };
        let lines: Vec<FakeLine> = (0..n_lines)
            .map(|_| {
                let v = variants[rng.gen_range(0..variants.len())];
                FakeLine {
                    sku: v.sku.clone(),
                    variant_id: v.id,
                    quantity: rng.gen_range(1..=4),
                    unit_shop: v.price,
                    unit_presentment: v.price * rate_pct(presentment_currency) / 100,
                }
            })
            .collect();
        let created = updated - TimeDelta::minutes(rng.gen_range(0..600));
        let refunds = if rng.gen_bool(0.2) {
            vec![FakeRefund {
                created_at: updated,
                line: rng.gen_range(0..lines.len()),
                quantity: 1,
            }]
        } else {
            Vec::new()
        };
        let cancelled_at = (refunds.is_empty() && rng.gen_bool(0.05)).then_some(updated);
        self.orders.push(FakeOrder {
            id,
            created_at: created,
            updated_at: updated,
            cancelled_at,
            presentment_currency,
            lines,
            refunds,
        });
        self.orders.last().unwrap_or_else(|| unreachable!())
    }

    /// Refills the bucket; spends `requested` when available and reports whether it could.
    fn spend(&mut self, max: f64, rate: f64, requested: f64) -> bool {
        let now = tokio::time::Instant::now();
        let elapsed = now.duration_since(self.bucket.at).as_secs_f64();
        self.bucket.available = (self.bucket.available + elapsed * rate).min(max);
        self.bucket.at = now;
        if self.bucket.available < requested {
            self.throttled += 1;
            return false;
        }
        self.bucket.available -= requested;
        true
    }
}

fn bag(shop: i64, shop_cur: Currency, pres: i64, pres_cur: Currency) -> Value {
    json!({
        "shopMoney": { "amount": shopify_amount(shop), "currencyCode": shop_cur.code() },
        "presentmentMoney": { "amount": shopify_amount(pres), "currencyCode": pres_cur.code() },
    })
}

fn ts(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// The order's line items `after` (a cursor) as a connection of at most `first`.
fn lines_json(
    o: &FakeOrder,
    shop_cur: Currency,
    first: usize,
    after: Option<&str>,
) -> Result<Value, ()> {
    let pc = o.presentment_currency;
    let mut refundable: Vec<i64> = o.lines.iter().map(|l| l.quantity).collect();
    for r in &o.refunds {
        refundable[r.line] -= r.quantity;
    }
    let start = match after {
        None => 0,
        Some(c) => {
            let k = decode_cursor(c).ok_or(())?;
            k.strip_prefix("line:")
                .and_then(|i| i.parse::<usize>().ok())
                .ok_or(())?
                + 1
        }
    };
    let end = (start + first).min(o.lines.len());
    let nodes: Vec<Value> = (start.min(end)..end)
        .map(|i| {
            let l = &o.lines[i];
            json!({
                "id": o.line_gid(i),
                "sku": l.sku,
                "quantity": l.quantity,
                "refundableQuantity": refundable[i],
                "originalUnitPriceSet": bag(l.unit_shop, shop_cur, l.unit_presentment, pc),
                "totalDiscountSet": bag(0, shop_cur, 0, pc),
                "variant": { "id": format!("gid://shopify/ProductVariant/{}", l.variant_id), "sku": l.sku },
            })
        })
        .collect();
    Ok(json!({
        "pageInfo": {
            "hasNextPage": end < o.lines.len(),
            "endCursor": (end > start).then(|| encode_cursor(&format!("line:{}", end - 1))),
        },
        "nodes": nodes,
    }))
}

fn order_json(o: &FakeOrder, shop_cur: Currency, lines_first: usize) -> Value {
    let pc = o.presentment_currency;
    json!({
        "id": o.gid(),
        "name": format!("#{}", o.id - 5_000_000 + 1001),
        "createdAt": ts(o.created_at),
        "updatedAt": ts(o.updated_at),
        "cancelledAt": o.cancelled_at.map(ts),
        "displayFinancialStatus": o.financial_status(),
        "currencyCode": shop_cur.code(),
        "presentmentCurrencyCode": pc.code(),
        "totalPriceSet": bag(o.total_shop(), shop_cur, o.total_presentment(), pc),
        "totalRefundedSet": bag(o.refunded_shop(), shop_cur, o.refunded_presentment(), pc),
        "lineItems": lines_json(o, shop_cur, lines_first, None).unwrap_or(Value::Null),
        "refunds": o.refunds.iter().enumerate().map(|(k, r)| {
            let l = &o.lines[r.line];
            json!({
                "id": o.refund_gid(k),
                "createdAt": ts(r.created_at),
                "totalRefundedSet": bag(l.unit_shop * r.quantity, shop_cur, l.unit_presentment * r.quantity, pc),
                "refundLineItems": { "nodes": [{
                    "quantity": r.quantity,
                    "lineItem": { "sku": l.sku },
                    "subtotalSet": bag(l.unit_shop * r.quantity, shop_cur, l.unit_presentment * r.quantity, pc),
                }] },
            })
        }).collect::<Vec<_>>(),
    })
}

fn gql_error(message: &str, code: &str) -> Response {
    Json(json!({ "errors": [{ "message": message, "extensions": { "code": code } }] }))
        .into_response()
}

use axum::Json;

fn valid_version(v: &str) -> bool {
    let b = v.as_bytes();
    b.len() == 7
        && b[4] == b'-'
        && b.iter()
            .enumerate()
            .all(|(i, c)| i == 4 || c.is_ascii_digit())
}

fn encode_cursor(key: &str) -> String {
    STANDARD.encode(key)
}

fn decode_cursor(c: &str) -> Option<String> {
    String::from_utf8(STANDARD.decode(c).ok()?).ok()
}

/// `updated_at:>='2026-10-01T00:00:00Z'` (quotes optional); empty means everything.
fn parse_filter(q: Option<&str>) -> Result<Option<DateTime<Utc>>, ()> {
    let Some(q) = q.map(str::trim).filter(|q| !q.is_empty()) else {
        return Ok(None);
    };
    let v = q.strip_prefix("updated_at:>=").ok_or(())?;
    let v = v.trim_matches(|c| c == '\'' || c == '"');
    v.parse::<DateTime<Utc>>().map(Some).map_err(|_| ())
}

async fn graphql(
    State(shared): State<Arc<Shared>>,
    Path(version): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let forced_throttle = match take_fault(&shared.faults).await {
        Ok(Some(resp)) => return resp,
        Ok(None) => false,
        Err(Fault::Throttle) => true,
        Err(_) => false,
    };
    if !valid_version(&version) {
        return (StatusCode::NOT_FOUND, "Not Found").into_response();
    }
    let token = headers
        .get("X-Shopify-Access-Token")
        .and_then(|v| v.to_str().ok());
    if token != Some(shared.config.access_token.as_str()) {
        return (
            StatusCode::UNAUTHORIZED,
            Json(json!({ "errors": "[API] Invalid API key or access token (unrecognized login or wrong password)" })),
        )
            .into_response();
    }
    let Ok(req) = serde_json::from_slice::<Value>(&body) else {
        return (
            StatusCode::BAD_REQUEST,
            Json(json!({ "errors": "Bad Request" })),
        )
            .into_response();
    };
    let query = req.get("query").and_then(Value::as_str).unwrap_or_default();
    let vars = req.get("variables").cloned().unwrap_or(Value::Null);
    let first = vars.get("first").and_then(Value::as_u64).unwrap_or(10) as usize;
    if !(1..=250).contains(&first) {
        return gql_error(
            "The first argument must be between 1 and 250",
            "BAD_REQUEST",
        );
    }
    let cfg = &shared.config;
    // Shopify's rule of thumb: a connection costs 2 + first × (cost of one node), an object 1.
    let lines_first = vars.get("lines").and_then(Value::as_u64).unwrap_or(0) as usize;
    let needs_lines = query.contains("orders(") || query.contains("order(id:");
    if needs_lines && !(1..=250).contains(&lines_first) {
        return gql_error("lineItems needs first between 1 and 250", "BAD_REQUEST");
    }
    let (requested, kind) = if query.contains("orders(") {
        (2 + first * (3 + 2 * lines_first), "orders")
    } else if query.contains("order(id:") {
        (3 + 2 * lines_first, "order_lines")
    } else if query.contains("productVariants(") {
        (11, "stock")
    } else if query.contains("products(") {
        (1 + first, "products")
    } else {
        return gql_error("Field doesn't exist on type 'QueryRoot'", "undefinedField");
    };
    let requested = requested as f64;
    if requested > cfg.bucket_max || requested > MAX_QUERY_COST {
        return gql_error(
            "Query cost exceeds the maximum allowed",
            "MAX_COST_EXCEEDED",
        );
    }
    let mut store = shared.store();
    if forced_throttle {
        store.bucket.available = 0.0;
        store.bucket.at = tokio::time::Instant::now();
    }
    if !store.spend(cfg.bucket_max, cfg.restore_rate, requested) {
        let cost = cost_json(requested, None, store.bucket.available, cfg);
        return Json(json!({
            "errors": [{ "message": "Throttled", "extensions": { "code": "THROTTLED", "documentation": "https://shopify.dev/api/usage/rate-limits" } }],
            "extensions": { "cost": cost },
        }))
        .into_response();
    }
    let after = vars.get("after").and_then(Value::as_str);
    let (data, actual) = match kind {
        "orders" => {
            let Ok(since) = parse_filter(vars.get("query").and_then(Value::as_str)) else {
                return gql_error("Invalid search query", "BAD_REQUEST");
            };
            let mut rows: Vec<&FakeOrder> = store
                .orders
                .iter()
                .filter(|o| since.is_none_or(|s| o.updated_at >= s))
                .collect();
            rows.sort_by_key(|o| (o.updated_at, o.id));
            let key = |o: &FakeOrder| format!("{}:{}", o.updated_at.timestamp_millis(), o.id);
            let start = match after.map(decode_cursor) {
                None => 0,
                Some(None) => return gql_error("Invalid cursor", "BAD_REQUEST"),
                Some(Some(k)) => {
                    let Some((ms, id)) = k
                        .split_once(':')
                        .and_then(|(a, b)| Some((a.parse::<i64>().ok()?, b.parse::<u64>().ok()?)))
                    else {
                        return gql_error("Invalid cursor", "BAD_REQUEST");
                    };
                    rows.partition_point(|o| (o.updated_at.timestamp_millis(), o.id) <= (ms, id))
                }
            };
            let page = &rows[start.min(rows.len())..(start + first).min(rows.len())];
            let has_next = start + first < rows.len();
            let data = json!({ "orders": {
                "pageInfo": { "hasNextPage": has_next, "endCursor": page.last().map(|o| encode_cursor(&key(o))) },
                "nodes": page.iter().map(|o| order_json(o, cfg.shop_currency, lines_first)).collect::<Vec<_>>(),
            }});
            let lines: usize = page.iter().map(|o| o.lines.len().min(lines_first)).sum();
            (data, 2 + 3 * page.len() + 2 * lines)
        }
        "order_lines" => {
            let gid = vars.get("id").and_then(Value::as_str).unwrap_or_default();
            let Some(o) = store.orders.iter().find(|o| o.gid() == gid) else {
                return Json(json!({ "data": { "order": null } })).into_response();
            };
            let Ok(lines) = lines_json(o, cfg.shop_currency, lines_first, after) else {
                return gql_error("Invalid cursor", "BAD_REQUEST");
            };
            let n = lines["nodes"].as_array().map_or(0, Vec::len);
            (json!({ "order": { "lineItems": lines } }), 3 + 2 * n)
        }
        "products" => {
            let start = match after.map(decode_cursor) {
                None => 0,
                Some(Some(k)) => match k.parse::<u64>() {
                    Ok(id) => store.products.partition_point(|p| p.id <= id),
                    Err(_) => return gql_error("Invalid cursor", "BAD_REQUEST"),
                },
                Some(None) => return gql_error("Invalid cursor", "BAD_REQUEST"),
            };
            let all = &store.products;
            let page = &all[start.min(all.len())..(start + first).min(all.len())];
            let data = json!({
                "shop": { "currencyCode": cfg.shop_currency.code() },
                "products": {
                    "pageInfo": { "hasNextPage": start + first < all.len(), "endCursor": page.last().map(|p| encode_cursor(&p.id.to_string())) },
                    "nodes": page.iter().map(|p| json!({
                        "id": format!("gid://shopify/Product/{}", p.id),
                        "title": p.title,
                        "updatedAt": ts(p.updated_at),
                        "variants": { "nodes": p.variants.iter().map(|v| json!({
                            "id": format!("gid://shopify/ProductVariant/{}", v.id),
                            "sku": v.sku,
                            "price": shopify_amount(v.price),
                            "inventoryItem": { "id": format!("gid://shopify/InventoryItem/{}", v.id) },
                        })).collect::<Vec<_>>() },
                    })).collect::<Vec<_>>(),
                },
            });
            (data, 2 + page.len())
        }
        _ => {
            let q = vars
                .get("query")
                .and_then(Value::as_str)
                .unwrap_or_default();
            let sku = q.strip_prefix("sku:").unwrap_or_default().trim_matches('"');
            let nodes: Vec<Value> = store
                .products
                .iter()
                .flat_map(|p| &p.variants)
                .filter(|v| !sku.is_empty() && v.sku.starts_with(sku))
                .map(|v| json!({
                    "id": format!("gid://shopify/ProductVariant/{}", v.id),
                    "sku": v.sku,
                    "inventoryItem": {
                        "id": format!("gid://shopify/InventoryItem/{}", v.id),
                        "inventoryLevels": { "nodes": v.stock.iter().enumerate().map(|(i, (name, avail, on_hand))| json!({
                            "location": { "id": format!("gid://shopify/Location/{}", 900 + i), "name": name },
                            "quantities": [ { "name": "available", "quantity": avail }, { "name": "on_hand", "quantity": on_hand } ],
                        })).collect::<Vec<_>>() },
                    },
                }))
                .collect();
            let n = nodes.len();
            (json!({ "productVariants": { "nodes": nodes } }), 2 + n)
        }
    };
    // Shopify charges the requested cost up front and refunds the difference.
    let actual = actual as f64;
    store.bucket.available = (store.bucket.available + requested - actual).min(cfg.bucket_max);
    let cost = cost_json(requested, Some(actual), store.bucket.available, cfg);
    Json(json!({ "data": data, "extensions": { "cost": cost } })).into_response()
}

fn cost_json(
    requested: f64,
    actual: Option<f64>,
    available: f64,
    cfg: &FakeShopifyConfig,
) -> Value {
    json!({
        "requestedQueryCost": requested,
        "actualQueryCost": actual,
        "throttleStatus": {
            "maximumAvailable": cfg.bucket_max,
            "currentlyAvailable": available.floor(),
            "restoreRate": cfg.restore_rate,
        },
    })
}
