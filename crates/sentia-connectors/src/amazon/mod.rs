//! Amazon Selling Partner API (FBA) client for one seller account in one region: orders
//! (incremental), the all-orders report for bulk history, and FBA inventory.
//!
//! **Auth.** Login with Amazon (LWA) swaps the long-lived refresh token for an access token
//! (`POST {lwa}/auth/o2/token`, form `grant_type=refresh_token`, `refresh_token`,
//! `client_id`, `client_secret`; valid 3600 s). The token is cached until a minute before it
//! expires and sent as `x-amz-access-token`. A 403 with `errors[].code = "Unauthorized"`
//! (an expired or revoked token) refreshes once and retries; a second refusal is
//! [`ConnectorError::Auth`].
//!
//! **Orders** (`GET /orders/2026-01-01/orders`). Query: `marketplaceIds` (comma-separated),
//! `lastUpdatedAfter` (the cursor's second, inclusive), `lastUpdatedBefore` (clamped to at
//! least two minutes before now, as Amazon requires), `maxResultsPerPage` (≤ 100) and, after
//! the first page, `paginationToken` = the previous `pagination.nextToken`. The answer has no
//! `payload` wrapper; items are embedded:
//!
//! ```json
//! { "orders": [ {
//!     "orderId": "202-0000001-0000001", "marketplaceId": "A1F83G8C2ARO7P",
//!     "purchaseDate": "2026-11-03T10:15:32Z", "lastUpdateDate": "2026-11-04T08:00:00Z",
//!     "orderStatus": "Shipped",
//!     "orderTotal": { "currencyCode": "GBP", "amount": "23.98" },
//!     "orderItems": [ {
//!       "orderItemId": "60000000000001", "sellerSku": "SENTIA-001", "asin": "B0C0000001",
//!       "quantityOrdered": 2,
//!       "itemPrice": { "currencyCode": "GBP", "amount": "25.98" },
//!       "itemTax": { "currencyCode": "GBP", "amount": "4.33" },
//!       "promotionDiscount": { "currencyCode": "GBP", "amount": "2.00" } } ] } ],
//!   "pagination": { "nextToken": "…" } }
//! ```
//!
//! `itemPrice` is the line total (unit price × quantity, as in v0 and the report), `itemTax`
//! the VAT inside it, and `orderTotal` = Σ `itemPrice` − Σ `promotionDiscount`. Pending orders
//! carry no `orderTotal` and no `itemPrice`, so prices are `Option`s. Amounts are decimal
//! strings parsed exactly into [`Money`].
//!
//! **Reports** (`/reports/2021-06-30`). Bulk history comes from
//! `GET_FLAT_FILE_ALL_ORDERS_DATA_BY_ORDER_DATE_GENERAL`: create it, poll `getReport` every
//! [`AmazonConfig::report_poll_interval`] until DONE (CANCELLED and FATAL are errors), fetch the
//! document (`{url, compressionAlgorithm?}`), download the pre-signed URL without auth, gunzip
//! when `GZIP`, and read the tab-separated rows.
//!
//! **Inventory** (`GET /fba/inventory/v1/summaries`, `details=true`). The `nextToken` lives
//! 30 s; a page refused as stale (400 `InvalidInput`) restarts the listing from the first page,
//! since the result is a snapshot anyway.
//!
//! **Limits.** Each operation has its own token bucket; the client mirrors it (rate from
//! `x-amzn-RateLimit-Limit`, burst from the contract) and paces through a
//! [`Pacer`](crate::resilience::Pacer) per operation. 429 `QuotaExceeded` and 5xx are retried
//! with the connector's [`RetryPolicy`] and count in its circuit breaker like the other
//! connectors.

pub mod model;
mod quota;
mod report;
mod wire;

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::{DateTime, DurationRound, TimeDelta, Utc};
use reqwest::Method;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

pub use model::*;
pub use quota::{RATE_LIMIT_HEADER, RateLimit};

use crate::error::ConnectorError;
use crate::http;
use crate::money::{Money, Qty};
use crate::resilience::{Clock, Resilience, RetryPolicy, SystemClock};
use crate::secret::Secret;
use crate::sync::{IncrementalCursor, Synced};
use quota::Quota;

/// The report type for bulk order history.
pub const ORDER_REPORT_TYPE: &str = "GET_FLAT_FILE_ALL_ORDERS_DATA_BY_ORDER_DATE_GENERAL";

/// How far before now `lastUpdatedBefore` must be (Amazon: two minutes).
pub const ORDERS_SETTLE: TimeDelta = TimeDelta::minutes(2);

/// Extra margin under [`ORDERS_SETTLE`] for clock skew between us and Amazon.
const SETTLE_MARGIN: TimeDelta = TimeDelta::seconds(5);

/// An access token is refreshed this long before it expires.
const TOKEN_MARGIN: Duration = Duration::from_secs(60);

/// Restarts of an inventory listing whose `nextToken` went stale, before giving up.
const INVENTORY_RESTARTS: u32 = 3;

/// Settings for one seller account in one region.
#[derive(Debug, Clone)]
pub struct AmazonConfig {
    /// LWA client id of the app.
    pub client_id: String,
    /// LWA client secret.
    pub client_secret: Secret,
    /// The seller's LWA refresh token (from authorising the app).
    pub refresh_token: Secret,
    /// Seller (merchant) id; only names the records' `source`.
    pub seller_id: String,
    /// Region of the API host.
    pub region: Region,
    /// Marketplaces to sync orders from (default: every one of the region).
    pub marketplaces: Vec<Marketplace>,
    /// LWA host (`https://api.amazon.com`); tests point it at the fake.
    pub lwa_url: String,
    /// API host (the region's); tests point it at the fake.
    pub api_url: String,
    /// How far back a full order sync (an empty cursor) reaches.
    pub full_sync_lookback: TimeDelta,
    /// Orders per page (1–100).
    pub page_size: u32,
    /// Wait between `getReport` polls.
    pub report_poll_interval: Duration,
    /// Give up waiting for a report after this long (on the client's clock).
    pub report_timeout: Duration,
    /// Documented limits per operation (rates are updated from the answers' headers).
    pub limits: AmazonLimits,
    /// Per-request timeout.
    pub timeout: Duration,
    /// Retry policy for transient failures.
    pub retry: RetryPolicy,
}

/// The documented rate limit of each operation the client calls.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AmazonLimits {
    /// `getOrders`.
    pub orders: RateLimit,
    /// `getInventorySummaries`.
    pub inventory: RateLimit,
    /// `createReport`.
    pub create_report: RateLimit,
    /// `getReport`.
    pub get_report: RateLimit,
    /// `getReportDocument`.
    pub report_document: RateLimit,
}

impl Default for AmazonLimits {
    fn default() -> Self {
        Self {
            orders: RateLimit::ORDERS,
            inventory: RateLimit::INVENTORY,
            create_report: RateLimit::CREATE_REPORT,
            get_report: RateLimit::GET_REPORT,
            report_document: RateLimit::REPORT_DOCUMENT,
        }
    }
}

impl AmazonConfig {
    /// Settings with defaults: production LWA and region hosts, every marketplace of the
    /// region, two years of history on a full sync, 100 orders a page, reports polled every
    /// 30 s for up to an hour, 30 s timeout, 2/4/8 s backoff.
    pub fn new(
        client_id: impl Into<String>,
        client_secret: impl Into<Secret>,
        refresh_token: impl Into<Secret>,
        seller_id: impl Into<String>,
        region: Region,
    ) -> Self {
        Self {
            client_id: client_id.into(),
            client_secret: client_secret.into(),
            refresh_token: refresh_token.into(),
            seller_id: seller_id.into(),
            region,
            marketplaces: region.marketplaces().to_vec(),
            lwa_url: "https://api.amazon.com".into(),
            api_url: region.base_url().into(),
            full_sync_lookback: TimeDelta::days(730),
            page_size: 100,
            report_poll_interval: Duration::from_secs(30),
            report_timeout: Duration::from_secs(3600),
            limits: AmazonLimits::default(),
            timeout: http::DEFAULT_TIMEOUT,
            retry: RetryPolicy::default(),
        }
    }
}

#[derive(Debug)]
struct Quotas {
    orders: Quota,
    inventory: Quota,
    create_report: Quota,
    get_report: Quota,
    report_document: Quota,
}

#[derive(Debug, Clone)]
struct CachedToken {
    token: Secret,
    expires: Instant,
}

/// What one attempt got back besides failures handled by the resilience layer.
enum Answer {
    /// 2xx and its body.
    Body(String),
    /// 403 `Unauthorized`: the access token is no longer good.
    Unauthorized(String),
    /// 400 `InvalidInput`, with Amazon's message.
    InvalidInput(String),
    /// 429 `QuotaExceeded`: the operation's bucket is empty; one token is back after this.
    Throttled(Duration),
}

/// What a call got back once auth and throttling are dealt with.
enum Reply {
    /// 2xx and its body.
    Body(String),
    /// 400 `InvalidInput`, with Amazon's message.
    InvalidInput(String),
}

/// One request to the API.
struct Call<'a> {
    method: Method,
    path: &'a str,
    query: Vec<(&'static str, String)>,
    body: Option<Value>,
    quota: &'a Quota,
}

/// A client for one seller account in one region.
#[derive(Debug)]
pub struct AmazonClient {
    http: reqwest::Client,
    config: AmazonConfig,
    clock: Arc<dyn Clock>,
    cached: Mutex<Option<CachedToken>>,
    refresh_lock: tokio::sync::Mutex<()>,
    quotas: Quotas,
    resilience: Resilience,
    source: String,
}

impl AmazonClient {
    /// A client on the system clock.
    pub fn new(config: AmazonConfig) -> Result<Self, ConnectorError> {
        Self::with_clock(config, Arc::new(SystemClock))
    }

    /// A client whose token cache, report deadline and circuit breaker run on `clock`.
    pub fn with_clock(
        mut config: AmazonConfig,
        clock: Arc<dyn Clock>,
    ) -> Result<Self, ConnectorError> {
        config.lwa_url = config.lwa_url.trim_end_matches('/').to_owned();
        config.api_url = config.api_url.trim_end_matches('/').to_owned();
        config.page_size = config.page_size.clamp(1, 100);
        if config.marketplaces.is_empty() {
            return Err(ConnectorError::Other(
                "an Amazon connection needs at least one marketplace".into(),
            ));
        }
        if let Some(m) = config
            .marketplaces
            .iter()
            .find(|m| m.region() != config.region)
        {
            return Err(ConnectorError::Other(format!(
                "marketplace {} ({m:?}) is not served by the {:?} host",
                m.id(),
                config.region
            )));
        }
        let source = format!("amazon:{}:{}", config.seller_id, config.region.code());
        let l = config.limits;
        Ok(Self {
            http: http::client(config.timeout)?,
            resilience: Resilience::new(source.clone(), config.retry.clone(), clock.clone()),
            quotas: Quotas {
                orders: Quota::new(l.orders),
                inventory: Quota::new(l.inventory),
                create_report: Quota::new(l.create_report),
                get_report: Quota::new(l.get_report),
                report_document: Quota::new(l.report_document),
            },
            clock,
            cached: Mutex::new(None),
            refresh_lock: tokio::sync::Mutex::new(()),
            config,
            source,
        })
    }

    /// The `source` value on this account's records (`amazon:{seller id}:{region}`).
    pub fn source(&self) -> &str {
        &self.source
    }

    /// The region (host) this client calls.
    pub fn region(&self) -> Region {
        self.config.region
    }

    /// The retry policy and circuit breaker of this account.
    pub fn resilience(&self) -> &Resilience {
        &self.resilience
    }

    /// Orders of the configured marketplaces changed since `cursor` (the last
    /// [`AmazonConfig::full_sync_lookback`] for a full cursor) up to two minutes ago, in the
    /// order Amazon pages them, with the cursor for the next sync.
    pub async fn orders(
        &self,
        cursor: &IncrementalCursor,
    ) -> Result<Synced<AmazonOrder>, ConnectorError> {
        self.orders_until(cursor, Utc::now()).await
    }

    /// Like [`orders`](Self::orders) but only up to `before`, which is clamped to at least
    /// two minutes before now.
    #[tracing::instrument(skip_all, fields(source = %self.source))]
    pub async fn orders_until(
        &self,
        cursor: &IncrementalCursor,
        before: DateTime<Utc>,
    ) -> Result<Synced<AmazonOrder>, ConnectorError> {
        let now = Utc::now();
        let before = floor_second(before.min(now - ORDERS_SETTLE - SETTLE_MARGIN));
        let after = cursor
            .since()
            .unwrap_or_else(|| floor_second(now - self.config.full_sync_lookback));
        if after >= before {
            return Ok(Synced {
                records: Vec::new(),
                cursor: cursor.clone(),
            });
        }
        let marketplaces = self
            .config
            .marketplaces
            .iter()
            .map(|m| m.id())
            .collect::<Vec<_>>()
            .join(",");
        let mut token: Option<String> = None;
        let mut records = Vec::new();
        loop {
            let mut query = vec![
                ("marketplaceIds", marketplaces.clone()),
                ("lastUpdatedAfter", iso(after)),
                ("lastUpdatedBefore", iso(before)),
                ("maxResultsPerPage", self.config.page_size.to_string()),
            ];
            if let Some(t) = token.take() {
                query.push(("paginationToken", t));
            }
            let page: wire::OrdersPage = self
                .json(Call {
                    method: Method::GET,
                    path: "/orders/2026-01-01/orders",
                    query,
                    body: None,
                    quota: &self.quotas.orders,
                })
                .await?;
            for o in page.orders {
                if cursor.already_seen(&o.order_id, o.last_update_date) {
                    continue;
                }
                records.push(self.map_order(o)?);
            }
            match page.pagination.and_then(|p| p.next_token) {
                Some(t) if !t.is_empty() => token = Some(t),
                _ => break,
            }
        }
        let cursor = cursor.advance(
            records
                .iter()
                .map(|o| (o.external_id.as_str(), o.updated_at)),
        );
        tracing::info!(orders = records.len(), "amazon orders synced");
        Ok(Synced { records, cursor })
    }

    fn map_order(&self, o: wire::Order) -> Result<AmazonOrder, ConnectorError> {
        let id = o.order_id;
        let bad = |what: &str, e: &dyn std::fmt::Display| {
            ConnectorError::Malformed(format!("order {id}, {what}: {e}"))
        };
        let money = |what: &str, a: Option<wire::Amount>| {
            a.map(|a| Money::parse_with_code(&a.amount, &a.currency_code))
                .transpose()
                .map_err(|e| bad(what, &e))
        };
        let lines = o
            .order_items
            .into_iter()
            .map(|i| {
                let item = format!("item {}", i.order_item_id);
                Ok(AmazonOrderLine {
                    sku: i.seller_sku.filter(|s| !s.is_empty()),
                    asin: i.asin,
                    quantity: Qty::whole(i.quantity_ordered),
                    price: money(&format!("{item} itemPrice"), i.item_price)?,
                    tax: money(&format!("{item} itemTax"), i.item_tax)?,
                    discount: money(&format!("{item} promotionDiscount"), i.promotion_discount)?,
                    external_id: i.order_item_id,
                })
            })
            .collect::<Result<_, ConnectorError>>()?;
        Ok(AmazonOrder {
            source: self.source.clone(),
            total: money("orderTotal", o.order_total)?,
            marketplace_id: o.marketplace_id,
            purchased_at: o.purchase_date,
            updated_at: o.last_update_date,
            status: OrderStatus::parse(&o.order_status),
            lines,
            external_id: id,
        })
    }

    /// Asks for the all-orders report of orders placed in `[start, end)` in the configured
    /// marketplaces; returns the report id.
    #[tracing::instrument(skip_all, fields(source = %self.source))]
    pub async fn request_order_report(
        &self,
        start: DateTime<Utc>,
        end: DateTime<Utc>,
    ) -> Result<String, ConnectorError> {
        let marketplaces: Vec<&str> = self.config.marketplaces.iter().map(|m| m.id()).collect();
        let created: wire::CreatedReport = self
            .json(Call {
                method: Method::POST,
                path: "/reports/2021-06-30/reports",
                query: Vec::new(),
                body: Some(json!({
                    "reportType": ORDER_REPORT_TYPE,
                    "marketplaceIds": marketplaces,
                    "dataStartTime": iso(start),
                    "dataEndTime": iso(end),
                })),
                quota: &self.quotas.create_report,
            })
            .await?;
        Ok(created.report_id)
    }

    /// The state of a requested report.
    pub async fn report(&self, report_id: &str) -> Result<AmazonReport, ConnectorError> {
        let path = format!("/reports/2021-06-30/reports/{}", path_segment(report_id)?);
        let r: wire::Report = self
            .json(Call {
                method: Method::GET,
                path: &path,
                query: Vec::new(),
                body: None,
                quota: &self.quotas.get_report,
            })
            .await?;
        Ok(AmazonReport {
            report_id: r.report_id,
            status: ReportStatus::parse(&r.processing_status),
            document_id: r.report_document_id,
        })
    }

    /// Polls a report every [`AmazonConfig::report_poll_interval`] until it is DONE; returns its
    /// document id. CANCELLED and FATAL are [`ConnectorError::Other`]; still unfinished after
    /// [`AmazonConfig::report_timeout`] is [`ConnectorError::Transient`].
    #[tracing::instrument(skip_all, fields(source = %self.source, report_id))]
    pub async fn wait_for_report(&self, report_id: &str) -> Result<String, ConnectorError> {
        let started = self.clock.now();
        loop {
            let r = self.report(report_id).await?;
            match r.status {
                ReportStatus::Done => {
                    return r.document_id.ok_or_else(|| {
                        ConnectorError::Malformed(format!(
                            "report {report_id} is DONE without a reportDocumentId"
                        ))
                    });
                }
                ReportStatus::Fatal => {
                    return Err(ConnectorError::Other(format!(
                        "Amazon report {report_id} failed (FATAL){}",
                        r.document_id
                            .map(|d| format!("; error document {d}"))
                            .unwrap_or_default()
                    )));
                }
                ReportStatus::Cancelled => {
                    return Err(ConnectorError::Other(format!(
                        "Amazon report {report_id} was CANCELLED (Amazon cancels reports with no data)"
                    )));
                }
                status => {
                    if self.clock.now().duration_since(started) >= self.config.report_timeout {
                        return Err(ConnectorError::Transient(format!(
                            "Amazon report {report_id} still {status:?} after {:?}",
                            self.config.report_timeout
                        )));
                    }
                    tracing::debug!(report_id, ?status, "report not ready; polling again");
                    tokio::time::sleep(self.config.report_poll_interval).await;
                }
            }
        }
    }

    /// Fetches a report document, downloads it (gunzipping when it says `GZIP`) and reads the
    /// all-orders rows.
    #[tracing::instrument(skip_all, fields(source = %self.source, document_id))]
    pub async fn download_order_report(
        &self,
        document_id: &str,
    ) -> Result<Vec<OrderReportRow>, ConnectorError> {
        let path = format!(
            "/reports/2021-06-30/documents/{}",
            path_segment(document_id)?
        );
        let doc: wire::ReportDocument = self
            .json(Call {
                method: Method::GET,
                path: &path,
                query: Vec::new(),
                body: None,
                quota: &self.quotas.report_document,
            })
            .await?;
        let bytes = self.resilience.run(|| self.download(&doc.url)).await?;
        let text = report::decompress(&bytes, doc.compression_algorithm.as_deref())?;
        let rows = report::parse_order_report(&text, &self.source)?;
        tracing::info!(rows = rows.len(), "amazon order report read");
        Ok(rows)
    }

    /// The all-orders report for orders placed in `[start, end)`: requests it, waits for it and
    /// reads it. One row per order item.
    pub async fn order_report(
        &self,
        start: DateTime<Utc>,
        end: DateTime<Utc>,
    ) -> Result<Vec<OrderReportRow>, ConnectorError> {
        let id = self.request_order_report(start, end).await?;
        let document = self.wait_for_report(&id).await?;
        self.download_order_report(&document).await
    }

    /// The pre-signed document URL takes no auth header (and no access token may leak to it).
    async fn download(&self, url: &str) -> Result<Vec<u8>, ConnectorError> {
        let resp = self
            .http
            .get(url)
            .send()
            .await
            .map_err(http::transport_error)?;
        let status = resp.status();
        let headers = resp.headers().clone();
        let bytes = resp.bytes().await.map_err(http::transport_error)?;
        if !status.is_success() {
            return Err(http::status_error(
                status,
                &headers,
                &String::from_utf8_lossy(&bytes),
            ));
        }
        Ok(bytes.to_vec())
    }

    /// Every FBA inventory summary of `marketplace`, all pages. A page refused because its
    /// `nextToken` expired restarts the listing.
    #[tracing::instrument(skip_all, fields(source = %self.source, marketplace = marketplace.id()))]
    pub async fn inventory(
        &self,
        marketplace: Marketplace,
    ) -> Result<Vec<FbaInventory>, ConnectorError> {
        let mut restarts = 0;
        'listing: loop {
            let mut out = Vec::new();
            let mut token: Option<String> = None;
            loop {
                match self
                    .inventory_page_inner(marketplace, token.as_deref())
                    .await?
                {
                    Ok(page) => {
                        out.extend(page.summaries);
                        match page.next_token {
                            Some(t) => token = Some(t),
                            None => {
                                tracing::info!(summaries = out.len(), "amazon inventory synced");
                                return Ok(out);
                            }
                        }
                    }
                    Err(message) if token.is_some() && restarts < INVENTORY_RESTARTS => {
                        restarts += 1;
                        tracing::warn!(%message, restarts, "inventory nextToken refused; listing again");
                        continue 'listing;
                    }
                    Err(message) => {
                        return Err(ConnectorError::Other(format!(
                            "Amazon refused the inventory request: {message}"
                        )));
                    }
                }
            }
        }
    }

    /// One page of FBA inventory summaries of `marketplace`, from `next_token` when given.
    /// A stale `nextToken` (older than 30 s) is [`ConnectorError::Other`].
    pub async fn inventory_page(
        &self,
        marketplace: Marketplace,
        next_token: Option<&str>,
    ) -> Result<InventoryPage, ConnectorError> {
        self.inventory_page_inner(marketplace, next_token)
            .await?
            .map_err(|m| {
                ConnectorError::Other(format!("Amazon refused the inventory request: {m}"))
            })
    }

    /// A page, or Amazon's `InvalidInput` message.
    async fn inventory_page_inner(
        &self,
        marketplace: Marketplace,
        next_token: Option<&str>,
    ) -> Result<Result<InventoryPage, String>, ConnectorError> {
        let mut query = vec![
            ("granularityType", "Marketplace".to_owned()),
            ("granularityId", marketplace.id().to_owned()),
            ("marketplaceIds", marketplace.id().to_owned()),
            ("details", "true".to_owned()),
        ];
        if let Some(t) = next_token {
            query.push(("nextToken", t.to_owned()));
        }
        let text = match self
            .call(Call {
                method: Method::GET,
                path: "/fba/inventory/v1/summaries",
                query,
                body: None,
                quota: &self.quotas.inventory,
            })
            .await?
        {
            Reply::Body(text) => text,
            Reply::InvalidInput(m) => return Ok(Err(m)),
        };
        let answer: wire::InventoryAnswer = parse(&text)?;
        let summaries = answer
            .payload
            .inventory_summaries
            .into_iter()
            .map(|s| {
                let d = s.inventory_details.unwrap_or_default();
                FbaInventory {
                    source: self.source.clone(),
                    external_id: format!("{}@{}", s.seller_sku, marketplace.id()),
                    marketplace_id: marketplace.id().to_owned(),
                    asin: s.asin,
                    fn_sku: s.fn_sku,
                    total: s.total_quantity,
                    fulfillable: d.fulfillable_quantity,
                    inbound_working: d.inbound_working_quantity,
                    inbound_shipped: d.inbound_shipped_quantity,
                    inbound_receiving: d.inbound_receiving_quantity,
                    reserved: d.reserved_quantity.map_or(0, |r| r.total_reserved_quantity),
                    unfulfillable: d
                        .unfulfillable_quantity
                        .map_or(0, |u| u.total_unfulfillable_quantity),
                    sku: s.seller_sku,
                }
            })
            .collect();
        Ok(Ok(InventoryPage {
            summaries,
            next_token: answer
                .pagination
                .and_then(|p| p.next_token)
                .filter(|t| !t.is_empty()),
        }))
    }

    /// A call whose answer must be a JSON body of type `T`.
    async fn json<T: DeserializeOwned>(&self, call: Call<'_>) -> Result<T, ConnectorError> {
        match self.call(call).await? {
            Reply::Body(text) => parse(&text),
            Reply::InvalidInput(m) => Err(ConnectorError::Other(format!(
                "Amazon refused the request: {m}"
            ))),
        }
    }

    /// A call with a live access token; `Unauthorized` refreshes the token once and retries.
    async fn call(&self, call: Call<'_>) -> Result<Reply, ConnectorError> {
        let mut rejected: Option<Secret> = None;
        let mut refusal = String::new();
        for _ in 0..2 {
            let token = self.access_token(rejected.as_ref()).await?;
            match self.resilience.run(|| self.attempt(&call, &token)).await? {
                Answer::Unauthorized(m) => {
                    tracing::info!(source = %self.source, "access token refused; refreshing");
                    refusal = m;
                    rejected = Some(token);
                }
                Answer::Body(text) => return Ok(Reply::Body(text)),
                Answer::InvalidInput(m) => return Ok(Reply::InvalidInput(m)),
                Answer::Throttled(wait) => {
                    return Err(ConnectorError::RateLimited {
                        retry_after: Some(wait),
                    });
                }
            }
        }
        Err(ConnectorError::Auth(format!(
            "Amazon refused a freshly refreshed access token: {refusal}"
        )))
    }

    /// One attempt as the resilience layer sees it. 429s are waited out here, on the
    /// operation's own quota (up to the policy's `max_rate_limited`), so a throttled operation
    /// does not hold up the client's other operations; transient failures go back to the
    /// resilience layer for backoff and the circuit breaker.
    async fn attempt(&self, call: &Call<'_>, token: &Secret) -> Result<Answer, ConnectorError> {
        let mut limited = 0;
        loop {
            call.quota.acquire().await;
            match self.send(call, token).await? {
                Answer::Throttled(wait) if limited < self.resilience.policy().max_rate_limited => {
                    limited += 1;
                    tracing::debug!(source = %self.source, path = call.path, ?wait, "quota exceeded; waiting");
                }
                other => return Ok(other),
            }
        }
    }

    /// One HTTP request, its answer classified.
    async fn send(&self, call: &Call<'_>, token: &Secret) -> Result<Answer, ConnectorError> {
        let url = format!("{}{}", self.config.api_url, call.path);
        let mut req = self
            .http
            .request(call.method.clone(), &url)
            .query(&call.query)
            .header("x-amz-access-token", token.expose())
            .header("accept", "application/json");
        if let Some(body) = &call.body {
            req = req.json(body);
        }
        let resp = req.send().await.map_err(http::transport_error)?;
        let status = resp.status();
        let headers = resp.headers().clone();
        let text = resp.text().await.map_err(http::transport_error)?;
        call.quota.observe(&headers);
        if status.is_success() {
            return Ok(Answer::Body(text));
        }
        let errors: wire::ErrorList = serde_json::from_str(&text).unwrap_or_default();
        let has = |code: &str| errors.errors.iter().any(|e| e.code == code);
        let message = || {
            let m = errors
                .errors
                .iter()
                .map(|e| format!("{}: {}", e.code, e.message))
                .collect::<Vec<_>>()
                .join("; ");
            if m.is_empty() {
                format!("HTTP {status}")
            } else {
                m
            }
        };
        match status.as_u16() {
            429 => Ok(Answer::Throttled(call.quota.throttled())),
            403 if has("Unauthorized") => Ok(Answer::Unauthorized(message())),
            401 | 403 => Err(ConnectorError::Auth(message())),
            400 if has("InvalidInput") => Ok(Answer::InvalidInput(message())),
            _ => Err(http::status_error(status, &headers, &text)),
        }
    }

    /// A live access token: the cached one unless it is about to expire or was just refused.
    async fn access_token(&self, rejected: Option<&Secret>) -> Result<Secret, ConnectorError> {
        let usable = |c: &CachedToken| {
            (c.expires > self.clock.now() + TOKEN_MARGIN && Some(&c.token) != rejected)
                .then(|| c.token.clone())
        };
        if let Some(t) = self.cached().as_ref().and_then(usable) {
            return Ok(t);
        }
        // One refresh at a time; whoever waited may find the token another call just got.
        let _guard = self.refresh_lock.lock().await;
        if let Some(t) = self.cached().as_ref().and_then(usable) {
            return Ok(t);
        }
        let fresh = self.refresh().await?;
        let token = fresh.token.clone();
        *self.cached.lock().unwrap_or_else(|p| p.into_inner()) = Some(fresh);
        Ok(token)
    }

    async fn refresh(&self) -> Result<CachedToken, ConnectorError> {
        let url = format!("{}/auth/o2/token", self.config.lwa_url);
        let asked = self.clock.now();
        let answer: wire::LwaToken = self
            .resilience
            .run(|| async {
                let resp = self
                    .http
                    .post(&url)
                    .form(&[
                        ("grant_type", "refresh_token"),
                        ("refresh_token", self.config.refresh_token.expose()),
                        ("client_id", self.config.client_id.as_str()),
                        ("client_secret", self.config.client_secret.expose()),
                    ])
                    .send()
                    .await
                    .map_err(http::transport_error)?;
                let status = resp.status();
                let headers = resp.headers().clone();
                let text = resp.text().await.map_err(http::transport_error)?;
                match status.as_u16() {
                    400 | 401 | 403 => Err(ConnectorError::Auth(format!(
                        "LWA token refresh refused: {}",
                        text.chars().take(200).collect::<String>()
                    ))),
                    _ if !status.is_success() => Err(http::status_error(status, &headers, &text)),
                    _ => serde_json::from_str(&text)
                        .map_err(|e| ConnectorError::Malformed(format!("LWA token answer: {e}"))),
                }
            })
            .await?;
        tracing::info!(source = %self.source, "Amazon access token refreshed");
        Ok(CachedToken {
            token: Secret::new(answer.access_token),
            expires: asked + Duration::from_secs(answer.expires_in),
        })
    }

    fn cached(&self) -> Option<CachedToken> {
        self.cached
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }
}

fn parse<T: DeserializeOwned>(text: &str) -> Result<T, ConnectorError> {
    serde_json::from_str(text)
        .map_err(|e| ConnectorError::Malformed(format!("unexpected Amazon answer: {e}")))
}

/// ISO 8601 at second precision, as the SP-API takes timestamps.
fn iso(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

fn floor_second(t: DateTime<Utc>) -> DateTime<Utc> {
    t.duration_trunc(TimeDelta::seconds(1)).unwrap_or(t)
}

/// An id put in a URL path must not change the path.
fn path_segment(id: &str) -> Result<&str, ConnectorError> {
    let allowed = |b: u8| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.');
    if !id.is_empty() && !id.contains("..") && id.bytes().all(allowed) {
        Ok(id)
    } else {
        Err(ConnectorError::Other(format!("not an Amazon id: '{id}'")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn marketplaces_know_their_region_and_currency() {
        for m in Marketplace::ALL {
            assert_eq!(Marketplace::from_id(m.id()), Some(m));
            assert!(m.region().marketplaces().contains(&m));
        }
        assert_eq!(Marketplace::Uk.id(), "A1F83G8C2ARO7P");
        assert_eq!(
            Marketplace::Us.currency(),
            sentia_core::currency::Currency::Usd
        );
        assert_eq!(Marketplace::from_id("XXX"), None);
        assert_eq!(
            Region::Europe.base_url(),
            "https://sellingpartnerapi-eu.amazon.com"
        );
    }

    #[test]
    fn a_marketplace_of_another_region_is_refused() {
        let mut c = AmazonConfig::new("id", "secret", "rt", "S", Region::Europe);
        assert_eq!(c.marketplaces.len(), 7);
        c.marketplaces.push(Marketplace::Us);
        let err = AmazonClient::new(c).unwrap_err();
        assert!(
            matches!(&err, ConnectorError::Other(m) if m.contains("ATVPDKIKX0DER")),
            "{err:?}"
        );
    }

    #[test]
    fn ids_in_paths_are_checked() {
        assert!(path_segment("amzn1.spdoc.1.4.eu.3a1b").is_ok());
        assert!(path_segment("a/b").is_err());
        assert!(path_segment("../x").is_err());
        assert_eq!(path_segment("5003819923").unwrap(), "5003819923");
    }
}
