//! A fake Amazon Selling Partner API: LWA (`/auth/o2/token`), orders 2026-01-01, the reports
//! API with a downloadable (optionally GZIP) all-orders document, and FBA inventory summaries,
//! all on one server.
//!
//! LWA checks the client id, secret and refresh token (`invalid_client` / `invalid_grant`).
//! API calls need `x-amz-access-token`: missing, unknown or expired tokens get 403 with
//! `errors[].code = "Unauthorized"` (the message tells which). Every operation has a token
//! bucket (rate and burst configurable, defaulting to the contract's): an empty bucket answers
//! 429 `QuotaExceeded`, other answers carry `x-amzn-RateLimit-Limit`. `lastUpdatedBefore`
//! later than two minutes ago, unknown marketplaces, bad report types and stale or unknown
//! page tokens get 400 `InvalidInput`. Inventory `nextToken`s expire 30 s after issue, the
//! pre-signed document URL refuses an access token, and reports go IN_QUEUE → IN_PROGRESS →
//! DONE (or FATAL on request) one poll at a time.
//!
//! Time: token lifetimes, page tokens and buckets run on the configured [`Clock`] plus a skew
//! tests move with [`FakeAmazon::advance_clock`]; the two-minute rule uses the wall clock plus
//! the same skew. Seeded order timestamps lie weeks in the past.

use std::collections::BTreeMap;
use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Json;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Form, Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use chrono::{DateTime, Duration as TimeDelta, DurationRound, Utc};
use flate2::Compression;
use flate2::write::GzEncoder;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use sentia_core::currency::Currency;
use serde_json::{Value, json};

use super::{Fault, Faults, serve};
use crate::amazon::{Marketplace, ORDER_REPORT_TYPE, RATE_LIMIT_HEADER, RateLimit, Region};
use crate::money::format_decimal;
use crate::resilience::{Clock, SystemClock};

/// Settings of a fake seller account.
#[derive(Debug, Clone)]
pub struct FakeAmazonConfig {
    /// Orders seeded at start.
    pub orders: usize,
    /// FBA SKUs per inventory pool (one pool for North America, one Pan-EU pool); the first
    /// ones are named by `sku_names` when given.
    pub skus: usize,
    /// Seller SKUs the orders name: when given, order items use these (so orders name SKUs
    /// the receiving system knows) instead of generated ones.
    pub sku_names: Vec<String>,
    /// Seed of the dataset; equal seeds give equal data.
    pub seed: u64,
    /// Accepted LWA client id.
    pub client_id: String,
    /// Accepted LWA client secret.
    pub client_secret: String,
    /// Accepted refresh token.
    pub refresh_token: String,
    /// Access token lifetime (Amazon: 3600 s).
    pub access_ttl: Duration,
    /// Inventory `nextToken` lifetime (Amazon: 30 s).
    pub next_token_ttl: Duration,
    /// Inventory summaries per page (Amazon: 50).
    pub inventory_page_size: usize,
    /// `getReport` polls a report stays unfinished (IN_QUEUE, then IN_PROGRESS).
    pub report_polls: u32,
    /// `getOrders` limit (contract: 0.0056 req/s, burst 20).
    pub orders_rate: RateLimit,
    /// `getInventorySummaries` limit (contract: 2 req/s, burst 2).
    pub inventory_rate: RateLimit,
    /// `createReport` limit.
    pub create_report_rate: RateLimit,
    /// `getReport` limit.
    pub get_report_rate: RateLimit,
    /// `getReportDocument` limit.
    pub report_document_rate: RateLimit,
    /// Clock for token lifetimes, page tokens and buckets.
    pub clock: Arc<dyn Clock>,
}

impl Default for FakeAmazonConfig {
    fn default() -> Self {
        Self {
            orders: 60,
            skus: 24,
            sku_names: Vec::new(),
            seed: 7,
            client_id: "amzn1.application-oa2-client.fake".into(),
            client_secret: "fake-lwa-secret".into(),
            refresh_token: "Atzr|fake-refresh-token".into(),
            access_ttl: Duration::from_secs(3600),
            next_token_ttl: Duration::from_secs(30),
            inventory_page_size: 50,
            report_polls: 2,
            orders_rate: RateLimit::ORDERS,
            inventory_rate: RateLimit::INVENTORY,
            create_report_rate: RateLimit::CREATE_REPORT,
            get_report_rate: RateLimit::GET_REPORT,
            report_document_rate: RateLimit::REPORT_DOCUMENT,
            clock: Arc::new(SystemClock),
        }
    }
}

impl FakeAmazonConfig {
    /// The defaults with every operation allowed `rate` requests a second in bursts of
    /// `burst`, so tests do not wait minutes on the contract's order rate.
    pub fn with_rates(rate: f64, burst: f64) -> Self {
        let r = RateLimit::new(rate, burst);
        Self {
            orders_rate: r,
            inventory_rate: r,
            create_report_rate: r,
            get_report_rate: r,
            report_document_rate: r,
            ..Self::default()
        }
    }
}

/// One order as the fake holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FakeAmazonOrder {
    /// `orderId`.
    pub id: String,
    /// Marketplace.
    pub marketplace: Marketplace,
    /// `orderStatus`.
    pub status: &'static str,
    /// When placed.
    pub purchased_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
    /// Items.
    pub items: Vec<FakeAmazonItem>,
}

/// One order item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FakeAmazonItem {
    /// `orderItemId`.
    pub id: String,
    /// `sellerSku`.
    pub sku: String,
    /// Units.
    pub quantity: i64,
    /// Line total (unit × quantity), minor units.
    pub price: i64,
    /// Promotion discount, minor units (0 for none).
    pub discount: i64,
}

impl FakeAmazonItem {
    /// VAT inside the line total (20 %), minor units.
    pub fn tax(&self) -> i64 {
        self.price / 6
    }
}

impl FakeAmazonOrder {
    /// Whether the API sends prices (not while Pending).
    pub fn priced(&self) -> bool {
        self.status != "Pending"
    }

    /// Currency of the marketplace.
    pub fn currency(&self) -> Currency {
        self.marketplace.currency()
    }

    /// `orderTotal` (Σ line totals − Σ discounts), minor units; `None` while Pending.
    pub fn total(&self) -> Option<i64> {
        self.priced()
            .then(|| self.items.iter().map(|i| i.price - i.discount).sum())
    }
}

/// FBA stock of one SKU in one pool.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FakeInventory {
    /// `sellerSku`.
    pub sku: String,
    /// `asin`.
    pub asin: String,
    /// `fnSku`.
    pub fn_sku: String,
    /// Pool (North America, or Pan-EU shared by every EU marketplace).
    pub region: Region,
    /// Fulfillable units.
    pub fulfillable: i64,
    /// Inbound, working.
    pub inbound_working: i64,
    /// Inbound, shipped.
    pub inbound_shipped: i64,
    /// Inbound, receiving.
    pub inbound_receiving: i64,
    /// Reserved.
    pub reserved: i64,
    /// Unfulfillable.
    pub unfulfillable: i64,
}

impl FakeInventory {
    /// `totalQuantity`: every unit in or on its way to the fulfilment network.
    pub fn total(&self) -> i64 {
        self.fulfillable
            + self.inbound_working
            + self.inbound_shipped
            + self.inbound_receiving
            + self.reserved
            + self.unfulfillable
    }
}

/// Sums over the fake's orders, to compare with what a client synced.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FakeAmazonTotals {
    /// Orders.
    pub orders: usize,
    /// Order items.
    pub items: usize,
    /// Units ordered.
    pub units: i64,
    /// Orders per status.
    pub statuses: BTreeMap<String, usize>,
    /// Σ `orderTotal` per currency (priced orders), minor units.
    pub total: BTreeMap<Currency, i64>,
    /// Σ `itemPrice` per currency (priced orders), minor units.
    pub item_price: BTreeMap<Currency, i64>,
}

#[derive(Debug)]
struct Bucket {
    limit: RateLimit,
    tokens: f64,
    at: Instant,
}

#[derive(Debug)]
struct FakeReport {
    start: DateTime<Utc>,
    end: DateTime<Utc>,
    marketplaces: Vec<Marketplace>,
    polls: u32,
    fatal: bool,
    document: Option<String>,
    created: DateTime<Utc>,
}

#[derive(Debug)]
struct Document {
    bytes: Vec<u8>,
    gzip: bool,
}

#[derive(Debug)]
struct PageToken {
    key: String,
    offset: usize,
    issued: Instant,
}

#[derive(Debug)]
struct State_ {
    orders: Vec<FakeAmazonOrder>,
    inventory: Vec<FakeInventory>,
    now: DateTime<Utc>,
    rng: ChaCha8Rng,
    access: BTreeMap<String, Instant>,
    issued: u64,
    refreshes: u64,
    refused: u64,
    buckets: BTreeMap<&'static str, Bucket>,
    throttled: u64,
    reports: BTreeMap<String, FakeReport>,
    documents: BTreeMap<String, Document>,
    next_id: u64,
    gzip: bool,
    fail_next_report: bool,
    sku_names: Vec<String>,
    page_tokens: BTreeMap<String, PageToken>,
    stale_tokens: u64,
    skew: Duration,
    jumps: Vec<(u64, Duration)>,
}

#[derive(Debug)]
struct Shared {
    config: FakeAmazonConfig,
    state: Mutex<State_>,
    faults: Faults,
}

impl Shared {
    fn state(&self) -> std::sync::MutexGuard<'_, State_> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl State_ {
    fn now(&self, clock: &dyn Clock) -> Instant {
        clock.now() + self.skew
    }

    fn wall(&self) -> DateTime<Utc> {
        Utc::now() + TimeDelta::from_std(self.skew).unwrap_or_default()
    }

    fn id(&mut self) -> u64 {
        self.next_id += 1;
        self.next_id
    }

    fn new_order(&mut self, marketplace: Marketplace, status: &'static str) -> String {
        let n = self.id();
        let id = format!(
            "{}-{:07}-{:07}",
            if marketplace == Marketplace::Us {
                111
            } else {
                202
            },
            self.rng.gen_range(0..10_000_000u32),
            n
        );
        let items = (0..self.rng.gen_range(1..=3))
            .map(|_| {
                let quantity = self.rng.gen_range(1..=4);
                let price = self.rng.gen_range(399..7_999) * quantity;
                FakeAmazonItem {
                    id: format!("{:014}", 60_000_000_000_000u64 + self.id()),
                    sku: if self.sku_names.is_empty() {
                        format!("SENTIA-{:03}", self.rng.gen_range(0..40))
                    } else {
                        let k = self.rng.gen_range(0..self.sku_names.len());
                        self.sku_names[k].clone()
                    },
                    quantity,
                    price,
                    discount: if self.rng.gen_bool(0.2) {
                        self.rng.gen_range(100..=399)
                    } else {
                        0
                    },
                }
            })
            .collect();
        self.orders.push(FakeAmazonOrder {
            id: id.clone(),
            marketplace,
            status,
            purchased_at: self.now,
            updated_at: self.now,
            items,
        });
        id
    }

    /// Moves the data clock on (it stays weeks in the past).
    fn tick(&mut self, secs: i64) -> DateTime<Utc> {
        self.now += TimeDelta::seconds(secs);
        self.now
    }

    /// Spends a token of `op`'s bucket; `false` when it is empty.
    fn spend(&mut self, op: &'static str, limit: RateLimit, now: Instant) -> bool {
        let b = self.buckets.entry(op).or_insert(Bucket {
            limit,
            tokens: limit.burst,
            at: now,
        });
        let elapsed = now.saturating_duration_since(b.at).as_secs_f64();
        b.tokens = (b.tokens + elapsed * b.limit.rate).min(b.limit.burst);
        b.at = now;
        if b.tokens < 1.0 {
            self.throttled += 1;
            return false;
        }
        b.tokens -= 1.0;
        true
    }
}

const STATUSES: [&str; 10] = [
    "Shipped",
    "Shipped",
    "Shipped",
    "Unshipped",
    "PartiallyShipped",
    "Pending",
    "Canceled",
    "InvoiceUnconfirmed",
    "PendingAvailability",
    "Unfulfillable",
];

const MARKETPLACES: [Marketplace; 10] = [
    Marketplace::Uk,
    Marketplace::Uk,
    Marketplace::Us,
    Marketplace::Us,
    Marketplace::De,
    Marketplace::Fr,
    Marketplace::It,
    Marketplace::Es,
    Marketplace::Nl,
    Marketplace::Ie,
];

fn sales_channel(m: Marketplace) -> &'static str {
    match m {
        Marketplace::Us => "Amazon.com",
        Marketplace::Uk => "Amazon.co.uk",
        Marketplace::De => "Amazon.de",
        Marketplace::Fr => "Amazon.fr",
        Marketplace::It => "Amazon.it",
        Marketplace::Es => "Amazon.es",
        Marketplace::Nl => "Amazon.nl",
        Marketplace::Ie => "Amazon.ie",
    }
}

/// A running fake seller account; stops when dropped.
#[derive(Debug)]
pub struct FakeAmazon {
    server: super::Running,
    shared: Arc<Shared>,
}

impl FakeAmazon {
    /// Seeds the dataset and starts serving; the listener is bound when this returns.
    pub async fn start(config: FakeAmazonConfig) -> std::io::Result<Self> {
        let t0 = (Utc::now() - TimeDelta::days(40))
            .duration_trunc(TimeDelta::days(1))
            .unwrap_or_else(|_| Utc::now() - TimeDelta::days(40));
        let mut st = State_ {
            orders: Vec::new(),
            inventory: Vec::new(),
            now: t0,
            rng: ChaCha8Rng::seed_from_u64(config.seed),
            access: BTreeMap::new(),
            issued: 0,
            refreshes: 0,
            refused: 0,
            buckets: BTreeMap::new(),
            throttled: 0,
            reports: BTreeMap::new(),
            documents: BTreeMap::new(),
            next_id: 0,
            gzip: false,
            fail_next_report: false,
            sku_names: config.sku_names.clone(),
            page_tokens: BTreeMap::new(),
            stale_tokens: 0,
            skew: Duration::ZERO,
            jumps: Vec::new(),
        };
        for i in 0..config.orders {
            // Pairs of orders share a second, as busy accounts do.
            if i % 2 == 0 {
                st.tick(420);
            }
            let m = MARKETPLACES[st.rng.gen_range(0..MARKETPLACES.len())];
            let status = STATUSES[st.rng.gen_range(0..STATUSES.len())];
            st.new_order(m, status);
            // Every fourth order changed again later (shipped, cancelled…), up to two days on.
            if i % 4 == 3 {
                let later = TimeDelta::seconds(st.rng.gen_range(600..172_800));
                if let Some(o) = st.orders.last_mut() {
                    o.updated_at += later;
                }
            }
        }
        // Later changes are stamped after every seeded one.
        st.now = st
            .orders
            .iter()
            .map(|o| o.updated_at)
            .max()
            .unwrap_or(st.now);
        for region in [Region::NorthAmerica, Region::Europe] {
            for s in 0..config.skus {
                let mut q = || st.rng.gen_range(0..40);
                let item = FakeInventory {
                    sku: config
                        .sku_names
                        .get(s)
                        .cloned()
                        .unwrap_or_else(|| format!("SENTIA-{s:03}")),
                    asin: format!("B0C{s:07}"),
                    fn_sku: format!("X00{}{s:05}", if region == Region::Europe { 2 } else { 1 }),
                    region,
                    fulfillable: q() * 10,
                    inbound_working: q(),
                    inbound_shipped: q(),
                    inbound_receiving: q() / 2,
                    reserved: q() / 4,
                    unfulfillable: q() / 8,
                };
                st.inventory.push(item);
            }
        }
        st.tick(3600);
        let shared = Arc::new(Shared {
            config,
            state: Mutex::new(st),
            faults: Faults::default(),
        });
        let app = Router::new()
            .route("/auth/o2/token", post(lwa_token))
            .route("/orders/2026-01-01/orders", get(orders))
            .route("/reports/2021-06-30/reports", post(create_report))
            .route("/reports/2021-06-30/reports/{id}", get(get_report))
            .route("/reports/2021-06-30/documents/{id}", get(get_document))
            .route("/download/{id}", get(download))
            .route("/fba/inventory/v1/summaries", get(inventory))
            .with_state(shared.clone());
        Ok(Self {
            server: serve(app).await?,
            shared,
        })
    }

    /// Base URL for both the LWA and the API host.
    pub fn base_url(&self) -> &str {
        &self.server.base_url
    }

    /// The fault schedule and request counter (LWA, API and downloads alike).
    pub fn faults(&self) -> &Faults {
        &self.shared.faults
    }

    /// Access tokens granted so far.
    pub fn refreshes(&self) -> u64 {
        self.shared.state().refreshes
    }

    /// 403 answers sent for a missing, unknown or expired access token.
    pub fn refused(&self) -> u64 {
        self.shared.state().refused
    }

    /// 429 `QuotaExceeded` answers sent (bucket empty or injected).
    pub fn throttled(&self) -> u64 {
        self.shared.state().throttled
    }

    /// Inventory page tokens refused as expired.
    pub fn stale_tokens(&self) -> u64 {
        self.shared.state().stale_tokens
    }

    /// Expires every access token issued so far (as an hour passing would).
    pub fn expire_access_tokens(&self) {
        let mut st = self.shared.state();
        let now = st.now(&*self.shared.config.clock);
        for exp in st.access.values_mut() {
            *exp = now;
        }
    }

    /// Moves the fake's time on by `by` (tokens age, buckets refill).
    pub fn advance_clock(&self, by: Duration) {
        self.shared.state().skew += by;
    }

    /// Moves the fake's time on by `by` just before the request that follows `after` more
    /// requests (to age a page token while a client is paging).
    pub fn advance_clock_after(&self, after: u64, by: Duration) {
        let at = self.shared.faults.requests() + after;
        self.shared.state().jumps.push((at, by));
    }

    /// Makes the next requested report end FATAL.
    pub fn fail_next_report(&self) {
        self.shared.state().fail_next_report = true;
    }

    /// Whether documents of reports finished from now on are GZIP-compressed.
    pub fn set_report_gzip(&self, gzip: bool) {
        self.shared.state().gzip = gzip;
    }

    /// The orders held now.
    pub fn orders(&self) -> Vec<FakeAmazonOrder> {
        self.shared.state().orders.clone()
    }

    /// Sums over the orders of `marketplaces`.
    pub fn totals(&self, marketplaces: &[Marketplace]) -> FakeAmazonTotals {
        let mut t = FakeAmazonTotals::default();
        for o in self
            .shared
            .state()
            .orders
            .iter()
            .filter(|o| marketplaces.contains(&o.marketplace))
        {
            t.orders += 1;
            t.items += o.items.len();
            t.units += o.items.iter().map(|i| i.quantity).sum::<i64>();
            *t.statuses.entry(o.status.to_owned()).or_default() += 1;
            if let Some(total) = o.total() {
                *t.total.entry(o.currency()).or_default() += total;
                *t.item_price.entry(o.currency()).or_default() +=
                    o.items.iter().map(|i| i.price).sum::<i64>();
            }
        }
        t
    }

    /// FBA stock as reported for `marketplace` (every EU marketplace sees the Pan-EU pool).
    pub fn inventory(&self, marketplace: Marketplace) -> Vec<FakeInventory> {
        self.shared
            .state()
            .inventory
            .iter()
            .filter(|i| i.region == marketplace.region())
            .cloned()
            .collect()
    }

    /// Adds `n` Unshipped orders in `marketplace`; returns their ids.
    pub fn add_orders(&self, n: usize, marketplace: Marketplace) -> Vec<String> {
        let mut st = self.shared.state();
        (0..n)
            .map(|_| {
                st.tick(61);
                st.new_order(marketplace, "Unshipped")
            })
            .collect()
    }

    /// Moves the first order with status `from` (at or after position `skip`) to `to`;
    /// returns its id (empty when there is none). A Pending order gains its prices.
    pub fn update_order(&self, skip: usize, from: &str, to: &'static str) -> String {
        let mut st = self.shared.state();
        let now = st.tick(61);
        let Some(o) = st.orders.iter_mut().skip(skip).find(|o| o.status == from) else {
            return String::new();
        };
        o.status = to;
        o.updated_at = now;
        o.id.clone()
    }
}

fn errors(code: &str, message: &str) -> Value {
    json!({ "errors": [{ "code": code, "message": message, "details": "" }] })
}

fn refuse(status: StatusCode, code: &str, message: &str) -> Response {
    (status, Json(errors(code, message))).into_response()
}

fn invalid(message: &str) -> Response {
    refuse(StatusCode::BAD_REQUEST, "InvalidInput", message)
}

fn quota_exceeded() -> Response {
    refuse(
        StatusCode::TOO_MANY_REQUESTS,
        "QuotaExceeded",
        "You exceeded your quota for the requested resource.",
    )
}

/// Applies the due fault, if any: the answer to send instead (delays sleep and return `None`).
async fn fault(shared: &Shared) -> Option<Response> {
    let fault = shared.faults.next();
    {
        // Scheduled clock jumps are due by request number, like faults.
        let n = shared.faults.requests();
        let mut st = shared.state();
        let mut jump = Duration::ZERO;
        st.jumps.retain(|(at, by)| {
            if *at < n {
                jump += *by;
                false
            } else {
                true
            }
        });
        st.skew += jump;
    }
    match fault? {
        Fault::Status(code) => {
            let status = StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            let name = if code == 503 {
                "ServiceUnavailable"
            } else {
                "InternalFailure"
            };
            Some(refuse(status, name, "We encountered an internal error."))
        }
        Fault::RateLimit(_) | Fault::Throttle => {
            shared.state().throttled += 1;
            Some(quota_exceeded())
        }
        Fault::Delay(d) => {
            tokio::time::sleep(d).await;
            None
        }
        Fault::Malformed => Some(
            (
                StatusCode::OK,
                [(axum::http::header::CONTENT_TYPE, "application/json")],
                r#"{"orders": [{"orderId": "202-0000000-0000000", "#,
            )
                .into_response(),
        ),
    }
}

/// Faults, the access token and `op`'s bucket; `Err` is the answer to send instead, `Ok` the
/// rate to announce.
async fn admit(
    shared: &Shared,
    headers: &HeaderMap,
    op: &'static str,
    limit: RateLimit,
) -> Result<RateLimit, Response> {
    if let Some(resp) = fault(shared).await {
        return Err(resp);
    }
    let clock = &*shared.config.clock;
    let mut st = shared.state();
    let now = st.now(clock);
    let given = headers
        .get("x-amz-access-token")
        .and_then(|v| v.to_str().ok());
    let refusal = match given.map(|t| st.access.get(t)) {
        None => Some("Access to requested resource is denied: no access token."),
        Some(None) => Some("Access to requested resource is denied."),
        Some(Some(exp)) if *exp <= now => Some("The access token you provided has expired."),
        Some(Some(_)) => None,
    };
    if let Some(message) = refusal {
        st.refused += 1;
        return Err(refuse(StatusCode::FORBIDDEN, "Unauthorized", message));
    }
    if !st.spend(op, limit, now) {
        return Err(quota_exceeded());
    }
    Ok(limit)
}

fn with_rate(mut resp: Response, limit: RateLimit) -> Response {
    if let Ok(v) = HeaderValue::from_str(&format!("{}", limit.rate)) {
        resp.headers_mut().insert(RATE_LIMIT_HEADER, v);
    }
    resp
}

fn amount(minor: i64, c: Currency) -> Value {
    json!({ "currencyCode": c.code(), "amount": format_decimal(minor, 2) })
}

fn iso(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

fn parse_time(s: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s)
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

fn order_json(o: &FakeAmazonOrder) -> Value {
    let c = o.currency();
    let priced = o.priced();
    let items: Vec<Value> = o
        .items
        .iter()
        .map(|i| {
            let mut v = json!({
                "orderItemId": i.id, "sellerSku": i.sku,
                "asin": asin_of(&i.sku), "quantityOrdered": i.quantity,
            });
            if priced {
                v["itemPrice"] = amount(i.price, c);
                v["itemTax"] = amount(i.tax(), c);
                if i.discount > 0 {
                    v["promotionDiscount"] = amount(i.discount, c);
                }
            }
            v
        })
        .collect();
    let mut v = json!({
        "orderId": o.id, "marketplaceId": o.marketplace.id(), "orderStatus": o.status,
        "purchaseDate": iso(o.purchased_at), "lastUpdateDate": iso(o.updated_at),
        "fulfillmentChannel": "AFN", "orderItems": items,
    });
    if let Some(total) = o.total() {
        v["orderTotal"] = amount(total, c);
    }
    v
}

/// The marketplaces of a `marketplaceIds` value, or the `InvalidInput` message.
fn marketplaces(s: Option<&String>) -> Result<Vec<Marketplace>, String> {
    let s = s
        .filter(|s| !s.is_empty())
        .ok_or_else(|| "marketplaceIds is required".to_owned())?;
    s.split(',')
        .map(|id| {
            Marketplace::from_id(id.trim()).ok_or_else(|| format!("Invalid marketplace id '{id}'"))
        })
        .collect()
}

async fn lwa_token(
    State(shared): State<Arc<Shared>>,
    Form(form): Form<BTreeMap<String, String>>,
) -> Response {
    if let Some(resp) = fault(&shared).await {
        return resp;
    }
    let cfg = &shared.config;
    let field = |k: &str| form.get(k).map(String::as_str).unwrap_or_default();
    let oauth = |status: StatusCode, error: &str, description: &str| {
        (
            status,
            Json(json!({ "error": error, "error_description": description })),
        )
            .into_response()
    };
    if field("grant_type") != "refresh_token" {
        return oauth(
            StatusCode::BAD_REQUEST,
            "unsupported_grant_type",
            "The authorization grant type is not supported",
        );
    }
    if field("client_id") != cfg.client_id || field("client_secret") != cfg.client_secret {
        return oauth(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            "Client authentication failed",
        );
    }
    if field("refresh_token") != cfg.refresh_token {
        return oauth(
            StatusCode::BAD_REQUEST,
            "invalid_grant",
            "The request has an invalid grant parameter : refresh_token",
        );
    }
    let mut st = shared.state();
    st.issued += 1;
    st.refreshes += 1;
    let access = format!("Atza|fake-access-{}", st.issued);
    let exp = st.now(&*cfg.clock) + cfg.access_ttl;
    st.access.insert(access.clone(), exp);
    Json(json!({
        "access_token": access, "refresh_token": cfg.refresh_token,
        "token_type": "bearer", "expires_in": cfg.access_ttl.as_secs(),
    }))
    .into_response()
}

async fn orders(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    Query(q): Query<BTreeMap<String, String>>,
) -> Response {
    let limit = match admit(&shared, &headers, "getOrders", shared.config.orders_rate).await {
        Ok(l) => l,
        Err(resp) => return resp,
    };
    let answer = (|| -> Response {
        let mut st = shared.state();
        let markets = match marketplaces(q.get("marketplaceIds")) {
            Ok(m) => m,
            Err(m) => return invalid(&m),
        };
        let Some(after) = q.get("lastUpdatedAfter").and_then(|s| parse_time(s)) else {
            return invalid("lastUpdatedAfter is required (ISO 8601)");
        };
        let latest = st.wall() - TimeDelta::minutes(2);
        let before = match q.get("lastUpdatedBefore") {
            None => latest,
            Some(s) => match parse_time(s) {
                Some(b) if b <= latest => b,
                Some(_) => {
                    return invalid("lastUpdatedBefore must be at least 2 minutes before now");
                }
                None => return invalid("lastUpdatedBefore is not ISO 8601"),
            },
        };
        if after >= before {
            return invalid("lastUpdatedAfter must be before lastUpdatedBefore");
        }
        let size = match q.get("maxResultsPerPage").map(|s| s.parse::<usize>()) {
            None => 100,
            Some(Ok(n)) if (1..=100).contains(&n) => n,
            Some(_) => return invalid("maxResultsPerPage must be 1–100"),
        };
        let key = format!(
            "{}|{}|{}",
            q.get("marketplaceIds").map_or("", String::as_str),
            after.timestamp(),
            before.timestamp()
        );
        let offset = match q.get("paginationToken") {
            None => 0,
            Some(t) => match st.page_tokens.get(t) {
                Some(p) if p.key == key => p.offset,
                _ => return invalid("Invalid paginationToken"),
            },
        };
        let mut rows: Vec<&FakeAmazonOrder> = st
            .orders
            .iter()
            .filter(|o| markets.contains(&o.marketplace))
            .filter(|o| o.updated_at >= after && o.updated_at <= before)
            .collect();
        rows.sort_by(|a, b| (a.updated_at, &a.id).cmp(&(b.updated_at, &b.id)));
        let page: Vec<Value> = rows
            .iter()
            .skip(offset)
            .take(size)
            .map(|o| order_json(o))
            .collect();
        let more = offset + size < rows.len();
        let mut body = json!({ "orders": page });
        if more {
            let token = format!("ord-{}", st.id());
            let issued = st.now(&*shared.config.clock);
            st.page_tokens.insert(
                token.clone(),
                PageToken {
                    key,
                    offset: offset + size,
                    issued,
                },
            );
            body["pagination"] = json!({ "nextToken": token });
        }
        Json(body).into_response()
    })();
    with_rate(answer, limit)
}

async fn create_report(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let cfg = &shared.config;
    let limit = match admit(&shared, &headers, "createReport", cfg.create_report_rate).await {
        Ok(l) => l,
        Err(resp) => return resp,
    };
    let answer = (|| -> Response {
        let Ok(v) = serde_json::from_slice::<Value>(&body) else {
            return invalid("The request body is not JSON");
        };
        if v["reportType"].as_str() != Some(ORDER_REPORT_TYPE) {
            return invalid("Unsupported reportType");
        }
        let ids = v["marketplaceIds"].as_array().map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .collect::<Vec<_>>()
                .join(",")
        });
        let markets = match marketplaces(ids.as_ref()) {
            Ok(m) => m,
            Err(m) => return invalid(&m),
        };
        let time = |k: &str| v[k].as_str().and_then(parse_time);
        let (Some(start), Some(end)) = (time("dataStartTime"), time("dataEndTime")) else {
            return invalid("dataStartTime and dataEndTime are required (ISO 8601)");
        };
        if start >= end {
            return invalid("dataStartTime must be before dataEndTime");
        }
        let mut st = shared.state();
        let id = format!("{}", 50_000_000_000u64 + st.id());
        let fatal = std::mem::take(&mut st.fail_next_report);
        let created = st.wall();
        st.reports.insert(
            id.clone(),
            FakeReport {
                start,
                end,
                marketplaces: markets,
                polls: 0,
                fatal,
                document: None,
                created,
            },
        );
        (StatusCode::ACCEPTED, Json(json!({ "reportId": id }))).into_response()
    })();
    with_rate(answer, limit)
}

/// The all-orders flat file for a report, with a few more columns than the client reads.
fn report_text(orders: &[FakeAmazonOrder], r: &FakeReport) -> String {
    let mut out = String::from(
        "amazon-order-id\tmerchant-order-id\tpurchase-date\tlast-updated-date\torder-status\t\
         fulfillment-channel\tsales-channel\tproduct-name\tsku\tasin\titem-status\tquantity\t\
         currency\titem-price\titem-tax\tpromotion-discount\tship-country\n",
    );
    let mut rows: Vec<&FakeAmazonOrder> = orders
        .iter()
        .filter(|o| r.marketplaces.contains(&o.marketplace))
        .filter(|o| o.purchased_at >= r.start && o.purchased_at < r.end)
        .collect();
    rows.sort_by_key(|o| (o.purchased_at, o.id.clone()));
    for o in rows {
        for i in &o.items {
            let (currency, price, tax, discount) = if o.priced() {
                (
                    o.currency().code().to_owned(),
                    format_decimal(i.price, 2),
                    format_decimal(i.tax(), 2),
                    format_decimal(i.discount, 2),
                )
            } else {
                Default::default()
            };
            out.push_str(&format!(
                "{}\t\t{}\t{}\t{}\tAmazon\t{}\tSentia product {}\t{}\tB0C{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\n",
                o.id,
                o.purchased_at.format("%Y-%m-%dT%H:%M:%S+00:00"),
                o.updated_at.format("%Y-%m-%dT%H:%M:%S+00:00"),
                o.status,
                sales_channel(o.marketplace),
                sku_tail(&i.sku),
                i.sku,
                sku_tail(&i.sku),
                o.status,
                i.quantity,
                currency,
                price,
                tax,
                discount,
                if o.marketplace == Marketplace::Us { "US" } else { "GB" },
            ));
        }
    }
    out
}

async fn get_report(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    let cfg = &shared.config;
    let limit = match admit(&shared, &headers, "getReport", cfg.get_report_rate).await {
        Ok(l) => l,
        Err(resp) => return resp,
    };
    let answer = (|| -> Response {
        let mut guard = shared.state();
        let st = &mut *guard;
        let Some(r) = st.reports.get_mut(&id) else {
            return refuse(StatusCode::NOT_FOUND, "NotFound", "Report not found");
        };
        r.polls += 1;
        let status = if r.polls <= cfg.report_polls {
            if r.polls == 1 {
                "IN_QUEUE"
            } else {
                "IN_PROGRESS"
            }
        } else if r.fatal {
            "FATAL"
        } else {
            "DONE"
        };
        if status == "DONE" && r.document.is_none() {
            let text = report_text(&st.orders, r);
            let bytes = if st.gzip {
                let mut enc = GzEncoder::new(Vec::new(), Compression::default());
                let _ = enc.write_all(text.as_bytes());
                enc.finish().unwrap_or_default()
            } else {
                text.into_bytes()
            };
            st.next_id += 1;
            let doc = format!("amzn1.spdoc.1.4.eu.{:08x}", st.next_id);
            st.documents.insert(
                doc.clone(),
                Document {
                    bytes,
                    gzip: st.gzip,
                },
            );
            r.document = Some(doc);
        }
        let mut body = json!({
            "reportId": id, "reportType": ORDER_REPORT_TYPE, "processingStatus": status,
            "marketplaceIds": r.marketplaces.iter().map(|m| m.id()).collect::<Vec<_>>(),
            "dataStartTime": iso(r.start), "dataEndTime": iso(r.end), "createdTime": iso(r.created),
        });
        if let Some(d) = r.document.as_ref().filter(|_| status == "DONE") {
            body["reportDocumentId"] = json!(d);
        }
        Json(body).into_response()
    })();
    with_rate(answer, limit)
}

async fn get_document(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    let cfg = &shared.config;
    let limit = match admit(
        &shared,
        &headers,
        "getReportDocument",
        cfg.report_document_rate,
    )
    .await
    {
        Ok(l) => l,
        Err(resp) => return resp,
    };
    let answer = (|| -> Response {
        let st = shared.state();
        let Some(doc) = st.documents.get(&id) else {
            return refuse(
                StatusCode::NOT_FOUND,
                "NotFound",
                "Report document not found",
            );
        };
        let host = headers
            .get("host")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("127.0.0.1");
        let mut body =
            json!({ "reportDocumentId": id, "url": format!("http://{host}/download/{id}") });
        if doc.gzip {
            body["compressionAlgorithm"] = json!("GZIP");
        }
        Json(body).into_response()
    })();
    with_rate(answer, limit)
}

/// The pre-signed URL: no access token may come with it (S3 would refuse the request).
async fn download(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    if let Some(resp) = fault(&shared).await {
        return resp;
    }
    if headers.contains_key("x-amz-access-token") || headers.contains_key("authorization") {
        return (
            StatusCode::BAD_REQUEST,
            "<Error><Code>InvalidArgument</Code><Message>Only one auth mechanism allowed</Message></Error>",
        )
            .into_response();
    }
    let st = shared.state();
    match st.documents.get(&id) {
        Some(doc) => (
            StatusCode::OK,
            [(axum::http::header::CONTENT_TYPE, "application/octet-stream")],
            doc.bytes.clone(),
        )
            .into_response(),
        None => (
            StatusCode::NOT_FOUND,
            "<Error><Code>NoSuchKey</Code></Error>",
        )
            .into_response(),
    }
}

async fn inventory(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    Query(q): Query<BTreeMap<String, String>>,
) -> Response {
    let cfg = &shared.config;
    let limit = match admit(
        &shared,
        &headers,
        "getInventorySummaries",
        cfg.inventory_rate,
    )
    .await
    {
        Ok(l) => l,
        Err(resp) => return resp,
    };
    let answer = (|| -> Response {
        if q.get("granularityType").map(String::as_str) != Some("Marketplace") {
            return invalid("granularityType must be Marketplace");
        }
        let market = match marketplaces(q.get("marketplaceIds")) {
            Ok(m) if m.len() == 1 => m[0],
            Ok(_) => return invalid("Exactly one marketplaceId is supported"),
            Err(m) => return invalid(&m),
        };
        if q.get("granularityId").map(String::as_str) != Some(market.id()) {
            return invalid("granularityId must be the marketplace id");
        }
        let details = q.get("details").map(String::as_str) == Some("true");
        let mut st = shared.state();
        let now = st.now(&*cfg.clock);
        let key = market.id().to_owned();
        let offset = match q.get("nextToken") {
            None => 0,
            Some(t) => match st.page_tokens.get(t) {
                Some(p)
                    if p.key == key
                        && now.saturating_duration_since(p.issued) <= cfg.next_token_ttl =>
                {
                    p.offset
                }
                Some(p) if p.key == key => {
                    st.stale_tokens += 1;
                    return invalid("Invalid nextToken: the token has expired");
                }
                _ => return invalid("Invalid nextToken"),
            },
        };
        let rows: Vec<&FakeInventory> = st
            .inventory
            .iter()
            .filter(|i| i.region == market.region())
            .collect();
        let size = cfg.inventory_page_size.max(1);
        let summaries: Vec<Value> = rows
        .iter()
        .skip(offset)
        .take(size)
        .map(|i| {
            let mut v = json!({
                "asin": i.asin, "fnSku": i.fn_sku, "sellerSku": i.sku, "condition": "NewItem",
                "lastUpdatedTime": iso(st.now), "productName": format!("Sentia product {}", sku_tail(&i.sku)),
                "totalQuantity": i.total(),
            });
            if details {
                v["inventoryDetails"] = json!({
                    "fulfillableQuantity": i.fulfillable,
                    "inboundWorkingQuantity": i.inbound_working,
                    "inboundShippedQuantity": i.inbound_shipped,
                    "inboundReceivingQuantity": i.inbound_receiving,
                    "reservedQuantity": { "totalReservedQuantity": i.reserved, "pendingCustomerOrderQuantity": i.reserved, "pendingTransshipmentQuantity": 0, "fcProcessingQuantity": 0 },
                    "unfulfillableQuantity": { "totalUnfulfillableQuantity": i.unfulfillable, "customerDamagedQuantity": i.unfulfillable, "warehouseDamagedQuantity": 0, "distributorDamagedQuantity": 0, "carrierDamagedQuantity": 0, "defectiveQuantity": 0, "expiredQuantity": 0 },
                });
            }
            v
        })
        .collect();
        let more = offset + size < rows.len();
        let mut body = json!({
            "payload": { "granularity": { "granularityType": "Marketplace", "granularityId": market.id() }, "inventorySummaries": summaries },
        });
        if more {
            let token = format!("inv-{}", st.id());
            st.page_tokens.insert(
                token.clone(),
                PageToken {
                    key,
                    offset: offset + size,
                    issued: now,
                },
            );
            body["pagination"] = json!({ "nextToken": token });
        }
        Json(body).into_response()
    })();
    with_rate(answer, limit)
}

/// The product number the fake derives from a seller SKU: the digits of a generated
/// `SENTIA-nnn`, or a stable number for a given SKU.
fn sku_tail(sku: &str) -> String {
    match sku.strip_prefix("SENTIA-") {
        Some(tail) => tail.to_owned(),
        None => {
            let n = sku
                .bytes()
                .fold(0u64, |h, b| h.wrapping_mul(31).wrapping_add(u64::from(b)));
            format!("{:07}", n % 10_000_000)
        }
    }
}

/// The ASIN the fake lists a seller SKU under.
fn asin_of(sku: &str) -> String {
    format!("B0C{}", sku_tail(sku))
}
