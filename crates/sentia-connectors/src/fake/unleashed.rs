//! A fake Unleashed API.
//!
//! Checks every header like the real API (`api-auth-id`, `api-auth-signature` over the query
//! string only, `client-type`, `Accept: application/json`) and refuses with 403; pages with
//! the page number in the path and `pageSize` in the signed query; filters `modifiedSince`;
//! answers StockOnHand without `warehouseCode` as an all-warehouse aggregate; counts calls
//! against a monthly quota and refuses every call once it is spent.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use axum::Json;
use axum::Router;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use chrono::{DateTime, Duration as TimeDelta, NaiveDate, NaiveDateTime, TimeZone, Utc};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use sentia_core::currency::Currency;
use serde_json::{Value, json};

use super::{Faults, serve, take_fault};
use crate::unleashed::sign_query;

/// Settings of a fake Unleashed account.
#[derive(Debug, Clone)]
pub struct FakeUnleashedConfig {
    /// Products seeded.
    pub products: usize,
    /// Sales orders seeded.
    pub sales_orders: usize,
    /// Purchase orders seeded.
    pub purchase_orders: usize,
    /// Seed of the dataset.
    pub seed: u64,
    /// The accepted `api-auth-id`.
    pub api_id: String,
    /// The key signatures must be made with.
    pub api_key: String,
    /// Calls left this month; `None` is unlimited.
    pub quota: Option<u64>,
    /// Status of a refused call once the quota is spent (the real one is unverified: 429 or 403).
    pub quota_status: u16,
    /// Product codes given to the first products, in order (the rest are `P-0001`…), so a
    /// test can seed the codes of the receiving system's catalogue.
    pub skus: Vec<String>,
    /// Warehouses (code, name).
    pub warehouses: Vec<(String, String)>,
    /// Suppliers (code, name) that purchase orders are placed with.
    pub suppliers: Vec<(String, String)>,
}

impl Default for FakeUnleashedConfig {
    fn default() -> Self {
        Self {
            products: 40,
            sales_orders: 60,
            purchase_orders: 25,
            seed: 7,
            api_id: "fake-api-id".into(),
            api_key: "fake-api-key".into(),
            quota: None,
            quota_status: 429,
            skus: Vec::new(),
            warehouses: pairs(&WAREHOUSES),
            suppliers: pairs(&SUPPLIERS),
        }
    }
}

/// A product.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FakeProduct {
    /// Guid.
    pub guid: String,
    /// Product code.
    pub code: String,
    /// Default sell price, millionths.
    pub sell_micros: i64,
    /// Default purchase price, millionths.
    pub purchase_micros: i64,
    /// Assembled product.
    pub assembled: bool,
    /// Used as component.
    pub component: bool,
    /// Last change.
    pub modified: DateTime<Utc>,
}

/// Stock of a product in a warehouse.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FakeStock {
    /// Index of the product.
    pub product: usize,
    /// Warehouse code.
    pub warehouse: String,
    /// Units on hand (whole).
    pub on_hand: i64,
    /// Units allocated.
    pub allocated: i64,
    /// Units on purchase.
    pub on_purchase: i64,
    /// Average cost, millionths.
    pub avg_cost_micros: i64,
    /// Last change.
    pub modified: DateTime<Utc>,
}

/// An order line (sales or purchase).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FakeLine {
    /// Product code.
    pub product_code: String,
    /// Units.
    pub quantity: i64,
    /// Unit price, minor units of the order currency.
    pub unit_minor: i64,
}

/// A sales or purchase order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FakeOrder {
    /// Guid.
    pub guid: String,
    /// Order number.
    pub number: String,
    /// Status.
    pub status: String,
    /// Customer or supplier code.
    pub party: String,
    /// Warehouse code.
    pub warehouse: String,
    /// Order currency.
    pub currency: Currency,
    /// Order date.
    pub date: DateTime<Utc>,
    /// Lines.
    pub lines: Vec<FakeLine>,
    /// Whether tax (20 %) is added (sales orders).
    pub taxed: bool,
    /// Last change.
    pub modified: DateTime<Utc>,
}

impl FakeOrder {
    /// Sum of line totals, minor units.
    pub fn sub_total(&self) -> i64 {
        self.lines.iter().map(|l| l.quantity * l.unit_minor).sum()
    }

    /// Total incl. tax, minor units.
    pub fn total(&self) -> i64 {
        let sub = self.sub_total();
        if self.taxed { sub + sub / 5 } else { sub }
    }

    /// Total in base currency (GBP), minor units.
    pub fn base_total(&self) -> i64 {
        self.total() * 100 / rate_pct(self.currency)
    }
}

/// Sums over the fake's dataset, to compare with what a client synced.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FakeUnleashedTotals {
    /// Products.
    pub products: usize,
    /// Sum of default sell prices, millionths.
    pub product_sell_micros: i64,
    /// Stock rows (product × warehouse).
    pub stock_rows: usize,
    /// Units on hand, thousandths.
    pub stock_on_hand_milli: i64,
    /// Sales orders.
    pub sales_orders: usize,
    /// Sales order lines.
    pub sales_lines: usize,
    /// Sales totals per currency, minor units.
    pub sales_total: BTreeMap<Currency, i64>,
    /// Sales totals in base currency, minor units.
    pub sales_base_total: i64,
    /// Purchase orders.
    pub purchase_orders: usize,
    /// Purchase totals in base currency, minor units.
    pub purchase_base_total: i64,
    /// Purchase order lines.
    pub purchase_lines: usize,
    /// Purchase totals per currency, minor units.
    pub purchase_total: BTreeMap<Currency, i64>,
    /// Assemblies.
    pub assemblies: usize,
    /// Bills of materials.
    pub boms: usize,
    /// Suppliers.
    pub suppliers: usize,
    /// Warehouses.
    pub warehouses: usize,
}

#[derive(Debug)]
struct Assembly {
    guid: String,
    product: usize,
    quantity: i64,
    status: &'static str,
    modified: DateTime<Utc>,
}

#[derive(Debug)]
struct Bom {
    guid: String,
    product: usize,
    components: Vec<(usize, i64)>,
    modified: DateTime<Utc>,
}

#[derive(Debug)]
struct Data {
    products: Vec<FakeProduct>,
    stock: Vec<FakeStock>,
    sales: Vec<FakeOrder>,
    purchases: Vec<FakeOrder>,
    assemblies: Vec<Assembly>,
    boms: Vec<Bom>,
    now: DateTime<Utc>,
    rng: ChaCha8Rng,
    serial: u64,
    quota: Option<u64>,
    skus: Vec<String>,
    warehouses: Vec<(String, String)>,
    suppliers: Vec<(String, String)>,
}

const WAREHOUSES: [(&str, &str); 2] = [("MAIN", "Main warehouse"), ("OVF", "Overflow store")];
const SUPPLIERS: [(&str, &str); 3] = [
    ("SUP-A", "Acme Packaging"),
    ("SUP-B", "Botanica Ltd"),
    ("SUP-C", "Citrus Co"),
];

fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter()
        .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
        .collect()
}

fn rate_pct(c: Currency) -> i64 {
    match c {
        Currency::Gbp => 100,
        Currency::Eur => 117,
        Currency::Usd => 127,
    }
}

impl Data {
    fn guid(&mut self) -> String {
        self.serial += 1;
        let r: u64 = self.rng.r#gen();
        format!(
            "{:08x}-{:04x}-4{:03x}-8{:03x}-{:012x}",
            r >> 32,
            r & 0xffff,
            self.serial & 0xfff,
            (r >> 16) & 0xfff,
            self.serial
        )
    }

    /// Seeding spaces records 700 ms apart (several share a second); later changes 1.3 s.
    fn tick(&mut self, ms: i64) -> DateTime<Utc> {
        self.now += TimeDelta::milliseconds(ms);
        self.now
    }

    fn new_order(&mut self, sales: bool, tick_ms: i64) -> String {
        let guid = self.guid();
        let modified = self.tick(tick_ms);
        let currency = Currency::ALL[self.rng.gen_range(0..3)];
        let n_lines = self.rng.gen_range(1..=4);
        let lines = (0..n_lines)
            .map(|_| {
                let p = self.rng.gen_range(0..self.products.len());
                FakeLine {
                    product_code: self.products[p].code.clone(),
                    quantity: self.rng.gen_range(1..=12),
                    unit_minor: self.rng.gen_range(50..9_000),
                }
            })
            .collect();
        let statuses: &[&str] = if sales {
            &["Placed", "Completed", "Parked", "Backordered"]
        } else {
            &["Placed", "Receipted", "Completed", "Parked"]
        };
        let order = FakeOrder {
            number: format!("{}-{:08}", if sales { "SO" } else { "PO" }, self.serial),
            status: statuses[self.rng.gen_range(0..statuses.len())].to_owned(),
            party: if sales {
                format!("CUST{:03}", self.rng.gen_range(1..40))
            } else {
                self.suppliers[self.rng.gen_range(0..self.suppliers.len())]
                    .0
                    .clone()
            },
            warehouse: self.warehouses[self.rng.gen_range(0..self.warehouses.len())]
                .0
                .clone(),
            currency,
            date: modified - TimeDelta::hours(self.rng.gen_range(0..96)),
            lines,
            taxed: sales,
            modified,
            guid: guid.clone(),
        };
        if sales {
            self.sales.push(order);
        } else {
            self.purchases.push(order);
        }
        guid
    }

    fn new_product(&mut self, tick_ms: i64) -> String {
        let i = self.products.len();
        let guid = self.guid();
        let modified = self.tick(tick_ms);
        let purchase = self.rng.gen_range(100..50_000) * 100;
        self.products.push(FakeProduct {
            guid: guid.clone(),
            code: self
                .skus
                .get(i)
                .cloned()
                .unwrap_or_else(|| format!("P-{i:04}")),
            sell_micros: purchase * 2 + self.rng.gen_range(0..100) * 100,
            purchase_micros: purchase,
            assembled: i.is_multiple_of(7),
            component: i % 5 == 1,
            modified,
        });
        guid
    }
}

#[derive(Debug)]
struct Shared {
    config: FakeUnleashedConfig,
    data: Mutex<Data>,
    faults: Faults,
    supplier_guids: Vec<String>,
    warehouse_guids: Vec<String>,
}

impl Shared {
    fn data(&self) -> std::sync::MutexGuard<'_, Data> {
        self.data.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// A running fake Unleashed account; stops when dropped.
#[derive(Debug)]
pub struct FakeUnleashed {
    server: super::Running,
    shared: Arc<Shared>,
}

impl FakeUnleashed {
    /// Seeds the dataset and starts serving; the listener is bound when this returns.
    pub async fn start(config: FakeUnleashedConfig) -> std::io::Result<Self> {
        let t0 = Utc
            .with_ymd_and_hms(2026, 9, 1, 8, 0, 0)
            .single()
            .unwrap_or_else(Utc::now);
        let mut d = Data {
            products: Vec::new(),
            stock: Vec::new(),
            sales: Vec::new(),
            purchases: Vec::new(),
            assemblies: Vec::new(),
            boms: Vec::new(),
            now: t0,
            rng: ChaCha8Rng::seed_from_u64(config.seed),
            serial: 0,
            quota: config.quota,
            skus: config.skus.clone(),
            warehouses: if config.warehouses.is_empty() {
                pairs(&WAREHOUSES)
            } else {
                config.warehouses.clone()
            },
            suppliers: if config.suppliers.is_empty() {
                pairs(&SUPPLIERS)
            } else {
                config.suppliers.clone()
            },
        };
        for _ in 0..config.products.max(2) {
            d.new_product(700);
        }
        for p in 0..d.products.len() {
            for w in 0..d.warehouses.len() {
                // Some products never moved in some warehouses: Unleashed omits those rows.
                if p % 6 == 5 || (p + w) % 4 == 3 {
                    continue;
                }
                let on_hand = d.rng.gen_range(0..300);
                let modified = d.tick(700);
                let stock = FakeStock {
                    product: p,
                    warehouse: d.warehouses[w].0.clone(),
                    on_hand,
                    allocated: d.rng.gen_range(0..=on_hand.min(30)),
                    on_purchase: d.rng.gen_range(0..50),
                    avg_cost_micros: d.rng.gen_range(100..50_000) * 100,
                    modified,
                };
                d.stock.push(stock);
            }
        }
        for _ in 0..config.sales_orders {
            d.new_order(true, 700);
        }
        for _ in 0..config.purchase_orders {
            d.new_order(false, 700);
        }
        let components: Vec<usize> = (0..d.products.len())
            .filter(|&p| d.products[p].component)
            .collect();
        for p in 0..d.products.len() {
            if !d.products[p].assembled {
                continue;
            }
            let guid = d.guid();
            let modified = d.tick(700);
            let comps = (0..2)
                .map(|_| {
                    (
                        components[d.rng.gen_range(0..components.len())],
                        d.rng.gen_range(1..8) * 250,
                    )
                })
                .collect();
            d.boms.push(Bom {
                guid,
                product: p,
                components: comps,
                modified,
            });
            let guid = d.guid();
            let modified = d.tick(700);
            let status = if d.rng.gen_bool(0.5) {
                "Completed"
            } else {
                "Parked"
            };
            let quantity = d.rng.gen_range(1..100);
            d.assemblies.push(Assembly {
                guid,
                product: p,
                quantity,
                status,
                modified,
            });
        }
        let supplier_guids = (0..d.suppliers.len()).map(|_| d.guid()).collect();
        let warehouse_guids = (0..d.warehouses.len()).map(|_| d.guid()).collect();
        let shared = Arc::new(Shared {
            config,
            data: Mutex::new(d),
            faults: Faults::default(),
            supplier_guids,
            warehouse_guids,
        });
        let app = Router::new()
            .route("/{endpoint}", get(first_page))
            .route("/{endpoint}/{page}", get(page))
            .with_state(shared.clone());
        Ok(Self {
            server: serve(app).await?,
            shared,
        })
    }

    /// Base URL to give the client.
    pub fn base_url(&self) -> &str {
        &self.server.base_url
    }

    /// The fault schedule and request counter.
    pub fn faults(&self) -> &Faults {
        &self.shared.faults
    }

    /// Sets the calls left this month (`None`: unlimited).
    pub fn set_quota(&self, quota: Option<u64>) {
        self.shared.data().quota = quota;
    }

    /// Products.
    pub fn products(&self) -> Vec<FakeProduct> {
        self.shared.data().products.clone()
    }

    /// Stock rows.
    pub fn stock(&self) -> Vec<FakeStock> {
        self.shared.data().stock.clone()
    }

    /// Sales orders.
    pub fn sales_orders(&self) -> Vec<FakeOrder> {
        self.shared.data().sales.clone()
    }

    /// Purchase orders.
    pub fn purchase_orders(&self) -> Vec<FakeOrder> {
        self.shared.data().purchases.clone()
    }

    /// Sums over the dataset.
    pub fn totals(&self) -> FakeUnleashedTotals {
        let d = self.shared.data();
        let mut t = FakeUnleashedTotals {
            products: d.products.len(),
            product_sell_micros: d.products.iter().map(|p| p.sell_micros).sum(),
            stock_rows: d.stock.len(),
            stock_on_hand_milli: d.stock.iter().map(|s| s.on_hand * 1000).sum(),
            sales_orders: d.sales.len(),
            sales_lines: d.sales.iter().map(|o| o.lines.len()).sum(),
            sales_base_total: d.sales.iter().map(FakeOrder::base_total).sum(),
            purchase_orders: d.purchases.len(),
            purchase_base_total: d.purchases.iter().map(FakeOrder::base_total).sum(),
            assemblies: d.assemblies.len(),
            boms: d.boms.len(),
            suppliers: d.suppliers.len(),
            warehouses: d.warehouses.len(),
            ..FakeUnleashedTotals::default()
        };
        for o in &d.sales {
            *t.sales_total.entry(o.currency).or_default() += o.total();
        }
        for o in &d.purchases {
            t.purchase_lines += o.lines.len();
            *t.purchase_total.entry(o.currency).or_default() += o.total();
        }
        t
    }

    /// Adds `n` sales orders; returns their guids.
    pub fn add_sales_orders(&self, n: usize) -> Vec<String> {
        let mut d = self.shared.data();
        (0..n).map(|_| d.new_order(true, 1300)).collect()
    }

    /// Adds `n` purchase orders; returns their guids.
    pub fn add_purchase_orders(&self, n: usize) -> Vec<String> {
        let mut d = self.shared.data();
        (0..n).map(|_| d.new_order(false, 1300)).collect()
    }

    /// Adds `n` products (no stock yet); returns their guids.
    pub fn add_products(&self, n: usize) -> Vec<String> {
        let mut d = self.shared.data();
        (0..n).map(|_| d.new_product(1300)).collect()
    }

    /// Completes the sales order at `index` and adds a line to it; returns its guid.
    pub fn update_sales_order(&self, index: usize) -> String {
        let mut d = self.shared.data();
        let at = d.tick(1300);
        let code = d.products[0].code.clone();
        let o = &mut d.sales[index];
        o.status = "Completed".into();
        o.lines.push(FakeLine {
            product_code: code,
            quantity: 3,
            unit_minor: 1999,
        });
        o.modified = at;
        o.guid.clone()
    }

    /// Changes the sell price of the product at `index`; returns its guid.
    pub fn reprice_product(&self, index: usize, sell_micros: i64) -> String {
        let mut d = self.shared.data();
        let at = d.tick(1300);
        let p = &mut d.products[index];
        p.sell_micros = sell_micros;
        p.modified = at;
        p.guid.clone()
    }

    /// Sets units on hand of the stock row at `index`; returns the row's `{guid}@{warehouse}`.
    pub fn set_stock(&self, index: usize, on_hand: i64) -> String {
        let mut d = self.shared.data();
        let at = d.tick(1300);
        let s = &mut d.stock[index];
        s.on_hand = on_hand;
        s.allocated = s.allocated.min(on_hand);
        s.modified = at;
        let (p, w) = (s.product, s.warehouse.clone());
        format!("{}@{}", d.products[p].guid, w)
    }
}

fn date(t: DateTime<Utc>) -> String {
    format!("/Date({})/", t.timestamp_millis())
}

fn micros(v: i64) -> Value {
    json!(v as f64 / 1_000_000.0)
}

fn minor(v: i64) -> Value {
    json!(v as f64 / 100.0)
}

fn order_json(o: &FakeOrder, sales: bool, suppliers: &[(String, String)]) -> Value {
    let lines: Vec<Value> = o
        .lines
        .iter()
        .enumerate()
        .map(|(i, l)| {
            json!({
                "LineNumber": i + 1,
                "Product": { "ProductCode": l.product_code },
                "OrderQuantity": l.quantity as f64,
                "UnitPrice": minor(l.unit_minor),
                "LineTotal": minor(l.unit_minor * l.quantity),
            })
        })
        .collect();
    let rate = json!(rate_pct(o.currency) as f64 / 100.0);
    if sales {
        json!({
            "Guid": o.guid, "OrderNumber": o.number, "OrderDate": date(o.date), "OrderStatus": o.status,
            "Customer": { "CustomerCode": o.party }, "Warehouse": { "WarehouseCode": o.warehouse },
            "Currency": { "CurrencyCode": o.currency.code() }, "ExchangeRate": rate,
            "SubTotal": minor(o.sub_total()), "Total": minor(o.total()), "BCTotal": minor(o.base_total()),
            "PaymentDueDate": date(o.date + TimeDelta::days(30)),
            "SalesOrderLines": lines, "LastModifiedOn": date(o.modified),
        })
    } else {
        let name = suppliers.iter().find(|s| s.0 == o.party).map(|s| &s.1);
        json!({
            "Guid": o.guid, "OrderNumber": o.number, "OrderDate": date(o.date),
            "RequiredDate": date(o.date + TimeDelta::days(14)),
            "CompletedDate": (o.status == "Completed").then(|| date(o.date + TimeDelta::days(12))),
            "Supplier": { "SupplierCode": o.party, "SupplierName": name }, "OrderStatus": o.status,
            "SupplierInvoiceDate": (o.status != "Parked").then(|| date(o.date + TimeDelta::days(2))),
            "Currency": { "CurrencyCode": o.currency.code() }, "ExchangeRate": rate,
            "Total": minor(o.total()), "BCTotal": minor(o.base_total()),
            "PurchaseOrderLines": lines, "LastModifiedOn": date(o.modified),
        })
    }
}

fn refuse(status: StatusCode, description: &str) -> Response {
    (status, Json(json!({ "description": description }))).into_response()
}

/// `2024-04-17T23:11:05` or `2024-04-17`, read as UTC.
fn parse_since(s: &str) -> Option<DateTime<Utc>> {
    NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S")
        .ok()
        .or_else(|| {
            NaiveDate::parse_from_str(s, "%Y-%m-%d")
                .ok()?
                .and_hms_opt(0, 0, 0)
        })
        .map(|n| Utc.from_utc_datetime(&n))
}

fn decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%'
            && let Some(v) = b
                .get(i + 1..i + 3)
                .and_then(|h| std::str::from_utf8(h).ok())
                .and_then(|h| u8::from_str_radix(h, 16).ok())
        {
            out.push(v);
            i += 3;
            continue;
        }
        out.push(if b[i] == b'+' { b' ' } else { b[i] });
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

async fn first_page(
    state: State<Arc<Shared>>,
    Path(endpoint): Path<String>,
    query: RawQuery,
    headers: HeaderMap,
) -> Response {
    answer(state, endpoint, "1".into(), query, headers).await
}

async fn page(
    state: State<Arc<Shared>>,
    Path((endpoint, page)): Path<(String, String)>,
    query: RawQuery,
    headers: HeaderMap,
) -> Response {
    answer(state, endpoint, page, query, headers).await
}

async fn answer(
    State(shared): State<Arc<Shared>>,
    endpoint: String,
    page: String,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> Response {
    // `Throttle` is a Shopify fault; Unleashed answers normally.
    if let Ok(Some(resp)) = take_fault(&shared.faults).await {
        return resp;
    }
    let raw = raw.unwrap_or_default();
    let h = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
    };
    if !h("Accept").contains("application/json") {
        // The real API answers XML without it; the client must always ask for JSON.
        return refuse(
            StatusCode::NOT_ACCEPTABLE,
            "Accept: application/json required",
        );
    }
    let cfg = &shared.config;
    if h("api-auth-id") != cfg.api_id
        || h("client-type").is_empty()
        || h("api-auth-signature") != sign_query(cfg.api_key.as_bytes(), &raw)
    {
        return refuse(
            StatusCode::FORBIDDEN,
            "Forbidden: the signature or API id is not valid",
        );
    }
    let mut d = shared.data();
    match d.quota {
        Some(0) => {
            let status =
                StatusCode::from_u16(cfg.quota_status).unwrap_or(StatusCode::TOO_MANY_REQUESTS);
            return refuse(status, "Your monthly API call quota has been exceeded");
        }
        Some(ref mut left) => *left -= 1,
        None => {}
    }
    let params: BTreeMap<String, String> = raw
        .split('&')
        .filter(|kv| !kv.is_empty())
        .filter_map(|kv| kv.split_once('=').map(|(k, v)| (decode(k), decode(v))))
        .collect();
    let page_size: usize = match params.get("pageSize").map(|s| s.parse::<usize>()) {
        None => 200,
        Some(Ok(n)) if (1..=1000).contains(&n) => n,
        _ => {
            return refuse(
                StatusCode::BAD_REQUEST,
                "pageSize must be between 1 and 1000",
            );
        }
    };
    let Ok(page) = page.parse::<usize>() else {
        return refuse(StatusCode::NOT_FOUND, "Not found");
    };
    let since = match params.get("modifiedSince").map(|s| parse_since(s)) {
        None => None,
        Some(Some(t)) => Some(t),
        Some(None) => return refuse(StatusCode::BAD_REQUEST, "modifiedSince is not a date"),
    };
    let fresh = |t: DateTime<Utc>| since.is_none_or(|s| t >= s);
    let items: Vec<Value> = match endpoint.as_str() {
        "Products" => d
            .products
            .iter()
            .filter(|p| fresh(p.modified))
            .map(|p| {
                json!({
                    "Guid": p.guid, "ProductCode": p.code, "ProductDescription": format!("Product {}", p.code),
                    "DefaultSellPrice": micros(p.sell_micros), "DefaultPurchasePrice": micros(p.purchase_micros),
                    "AverageLandPrice": micros(p.purchase_micros + 1234),
                    "IsAssembledProduct": p.assembled, "IsComponent": p.component, "LastModifiedOn": date(p.modified),
                })
            })
            .collect(),
        "StockOnHand" => {
            let row = |s: &FakeStock, wh: Option<&str>| {
                let p = &d.products[s.product];
                json!({
                    "ProductGuid": p.guid, "ProductCode": p.code, "WarehouseCode": wh,
                    "QtyOnHand": s.on_hand as f64, "AllocatedQty": s.allocated as f64,
                    "AvailableQty": (s.on_hand - s.allocated) as f64, "OnPurchase": s.on_purchase as f64,
                    "AvgCost": micros(s.avg_cost_micros), "TotalCost": micros(s.avg_cost_micros * s.on_hand),
                    "LastModifiedOn": date(s.modified),
                })
            };
            match params.get("warehouseCode") {
                Some(wh) => d
                    .stock
                    .iter()
                    .filter(|s| &s.warehouse == wh && fresh(s.modified))
                    .map(|s| row(s, Some(wh)))
                    .collect(),
                None => {
                    // All-warehouse aggregate: one row per product.
                    let mut agg: BTreeMap<usize, FakeStock> = BTreeMap::new();
                    for s in d.stock.iter().filter(|s| fresh(s.modified)) {
                        let a = agg.entry(s.product).or_insert_with(|| FakeStock { on_hand: 0, allocated: 0, on_purchase: 0, ..s.clone() });
                        a.on_hand += s.on_hand;
                        a.allocated += s.allocated;
                        a.on_purchase += s.on_purchase;
                        a.modified = a.modified.max(s.modified);
                    }
                    agg.values().map(|s| row(s, None)).collect()
                }
            }
        }
        "SalesOrders" => d.sales.iter().filter(|o| fresh(o.modified)).map(|o| order_json(o, true, &d.suppliers)).collect(),
        "PurchaseOrders" => d.purchases.iter().filter(|o| fresh(o.modified)).map(|o| order_json(o, false, &d.suppliers)).collect(),
        "Assemblies" => d
            .assemblies
            .iter()
            .filter(|a| fresh(a.modified))
            .map(|a| {
                json!({
                    "Guid": a.guid, "AssemblyNumber": format!("AS-{}", &a.guid[..8]),
                    "Product": { "ProductCode": d.products[a.product].code }, "Quantity": a.quantity as f64,
                    "AssemblyStatus": a.status, "AssembleBy": date(a.modified + TimeDelta::days(3)),
                    "LastModifiedOn": date(a.modified),
                })
            })
            .collect(),
        "BillOfMaterials" => d
            .boms
            .iter()
            .filter(|b| fresh(b.modified))
            .map(|b| {
                json!({
                    "Guid": b.guid, "BillNumber": format!("BOM-{}", d.products[b.product].code),
                    "Product": { "ProductCode": d.products[b.product].code },
                    "BillOfMaterialsLines": b.components.iter().map(|(c, q)| json!({
                        "Product": { "ProductCode": d.products[*c].code }, "Quantity": *q as f64 / 1000.0,
                    })).collect::<Vec<_>>(),
                    "LastModifiedOn": date(b.modified),
                })
            })
            .collect(),
        "Suppliers" => d
            .suppliers
            .iter()
            .zip(&shared.supplier_guids)
            .map(|((code, name), guid)| json!({ "Guid": guid, "SupplierCode": code, "SupplierName": name }))
            .collect(),
        "Warehouses" => d
            .warehouses
            .iter()
            .zip(&shared.warehouse_guids)
            .map(|((code, name), guid)| json!({ "Guid": guid, "WarehouseCode": code, "WarehouseName": name }))
            .collect(),
        _ => return refuse(StatusCode::NOT_FOUND, "Resource not found"),
    };
    let n = items.len();
    let pages = n.div_ceil(page_size);
    let start = (page.max(1) - 1) * page_size;
    let slice: Vec<Value> = items.into_iter().skip(start).take(page_size).collect();
    Json(json!({
        "Pagination": { "NumberOfItems": n, "PageSize": page_size, "PageNumber": page, "NumberOfPages": pages },
        "Items": slice,
    }))
    .into_response()
}
