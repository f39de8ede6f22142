//! Shopify Admin GraphQL client for one store: orders (incremental, with lines and refunds),
//! products and variants, stock per location; cost-based throttling; webhook signatures.

pub mod model;
mod webhook;
mod wire;

use std::sync::Arc;
use std::time::Duration;

use serde::de::DeserializeOwned;
use serde_json::{Value, json};

pub use model::*;
pub(crate) use webhook::hmac_sha256 as webhook_hmac;
pub use webhook::{sign_shopify_body, verify_shopify_hmac};

use crate::error::ConnectorError;
use crate::http;
use crate::money::{Money, Qty};
use crate::resilience::{Clock, Resilience, RetryPolicy, SystemClock};
use crate::secret::Secret;
use crate::sync::IncrementalCursor;

/// Settings for one store.
#[derive(Debug, Clone)]
pub struct ShopifyConfig {
    /// Store domain, e.g. `sentia-uk.myshopify.com`.
    pub shop: String,
    /// Pinned API version, e.g. `2026-10`.
    pub api_version: String,
    /// Admin API access token.
    pub access_token: Secret,
    /// Overrides `https://{shop}` (tests point this at the fake).
    pub base_url: Option<String>,
    /// Orders per page (1–250). Shopify caps one query at 1000 cost points and charges
    /// roughly `orders × (3 + 2 × lines)`, so pages and line pages are kept small.
    pub page_size: u32,
    /// Line items fetched with each order; an order with more gets follow-up queries.
    pub line_page_size: u32,
    /// Per-request timeout.
    pub timeout: Duration,
    /// Retry policy for transient failures.
    pub retry: RetryPolicy,
}

impl ShopifyConfig {
    /// Settings with defaults: 25 orders a page with 10 lines each (≈ 577 cost points),
    /// 30 s timeout, 2/4/8 s backoff.
    pub fn new(
        shop: impl Into<String>,
        api_version: impl Into<String>,
        token: impl Into<Secret>,
    ) -> Self {
        Self {
            shop: shop.into(),
            api_version: api_version.into(),
            access_token: token.into(),
            base_url: None,
            page_size: 25,
            line_page_size: 10,
            timeout: http::DEFAULT_TIMEOUT,
            retry: RetryPolicy::default(),
        }
    }
}

/// A client for one Shopify store.
#[derive(Debug, Clone)]
pub struct ShopifyClient {
    http: reqwest::Client,
    endpoint: String,
    token: Secret,
    source: String,
    page_size: u32,
    line_page_size: u32,
    resilience: Arc<Resilience>,
}

impl ShopifyClient {
    /// A client on the system clock.
    pub fn new(config: ShopifyConfig) -> Result<Self, ConnectorError> {
        Self::with_clock(config, Arc::new(SystemClock))
    }

    /// A client whose circuit breaker runs on `clock`.
    pub fn with_clock(
        config: ShopifyConfig,
        clock: Arc<dyn Clock>,
    ) -> Result<Self, ConnectorError> {
        let base = config
            .base_url
            .clone()
            .unwrap_or_else(|| format!("https://{}", config.shop));
        let source = format!("shopify:{}", config.shop);
        Ok(Self {
            http: http::client(config.timeout)?,
            endpoint: format!(
                "{}/admin/api/{}/graphql.json",
                base.trim_end_matches('/'),
                config.api_version
            ),
            token: config.access_token,
            page_size: config.page_size.clamp(1, 250),
            line_page_size: config.line_page_size.clamp(1, 250),
            resilience: Arc::new(Resilience::new(source.clone(), config.retry, clock)),
            source,
        })
    }

    /// The `source` value on this store's records.
    pub fn source(&self) -> &str {
        &self.source
    }

    /// The pacer, retry policy and circuit breaker of this store.
    pub fn resilience(&self) -> &Resilience {
        &self.resilience
    }

    /// Orders created or updated since `cursor` (all orders for a full cursor), oldest change
    /// first, with the cursor for the next sync.
    #[tracing::instrument(skip_all, fields(source = %self.source))]
    pub async fn orders(&self, cursor: &IncrementalCursor) -> Result<OrderSync, ConnectorError> {
        let filter = cursor
            .since()
            .map(|t| format!("updated_at:>='{}'", t.format("%Y-%m-%dT%H:%M:%SZ")));
        let mut after: Option<String> = None;
        let mut orders = Vec::new();
        loop {
            let vars = json!({
                "first": self.page_size, "after": after, "query": filter, "lines": self.line_page_size,
            });
            let page: wire::OrdersData = self.graphql(wire::ORDERS, vars).await?;
            for mut o in page.orders.nodes {
                if cursor.already_seen(&o.id, o.updated_at) {
                    continue;
                }
                self.fetch_remaining_lines(&mut o).await?;
                orders.push(self.map_order(o)?);
            }
            match (
                page.orders.page_info.has_next_page,
                page.orders.page_info.end_cursor,
            ) {
                (true, Some(c)) => after = Some(c),
                (true, None) => {
                    return Err(ConnectorError::Malformed(
                        "hasNextPage without endCursor".into(),
                    ));
                }
                (false, _) => break,
            }
        }
        let cursor = cursor.advance(
            orders
                .iter()
                .map(|o| (o.external_id.as_str(), o.updated_at)),
        );
        tracing::info!(orders = orders.len(), "orders synced");
        Ok(OrderSync { orders, cursor })
    }

    /// Every product with its variants.
    #[tracing::instrument(skip_all, fields(source = %self.source))]
    pub async fn products(&self) -> Result<Vec<SourceProduct>, ConnectorError> {
        let mut after: Option<String> = None;
        let mut out = Vec::new();
        loop {
            let vars = json!({ "first": self.page_size, "after": after });
            let page: wire::ProductsData = self.graphql(wire::PRODUCTS, vars).await?;
            let code = page.shop.currency_code;
            for p in page.products.nodes {
                let variants = p
                    .variants
                    .nodes
                    .into_iter()
                    .map(|v| {
                        Ok(SourceVariant {
                            price: Money::parse_with_code(&v.price, &code)
                                .map_err(|e| bad(&v.id, e))?,
                            external_id: v.id,
                            sku: v.sku.filter(|s| !s.is_empty()),
                            inventory_item_id: v.inventory_item.map(|i| i.id),
                        })
                    })
                    .collect::<Result<_, ConnectorError>>()?;
                out.push(SourceProduct {
                    source: self.source.clone(),
                    external_id: p.id,
                    title: p.title,
                    updated_at: p.updated_at,
                    variants,
                });
            }
            match (
                page.products.page_info.has_next_page,
                page.products.page_info.end_cursor,
            ) {
                (true, Some(c)) => after = Some(c),
                (true, None) => {
                    return Err(ConnectorError::Malformed(
                        "hasNextPage without endCursor".into(),
                    ));
                }
                (false, _) => break,
            }
        }
        Ok(out)
    }

    /// Stock of `sku` at every location (`available` and `on_hand`).
    #[tracing::instrument(skip_all, fields(source = %self.source, sku))]
    pub async fn stock_levels(&self, sku: &str) -> Result<Vec<SourceStockLevel>, ConnectorError> {
        let query = format!("sku:{}", quote_search(sku));
        let data: wire::StockData = self
            .graphql(wire::STOCK_BY_SKU, json!({ "query": query }))
            .await?;
        let mut out = Vec::new();
        for v in data.product_variants.nodes {
            // The search is a prefix/token match; keep exact SKUs only.
            if v.sku.as_deref() != Some(sku) {
                continue;
            }
            let Some(item) = v.inventory_item else {
                continue;
            };
            for level in item.inventory_levels.nodes {
                let qty = |name: &str| {
                    level
                        .quantities
                        .iter()
                        .find(|q| q.name == name)
                        .map_or(0, |q| q.quantity)
                };
                out.push(SourceStockLevel {
                    source: self.source.clone(),
                    external_id: format!("{}@{}", item.id, level.location.id),
                    sku: sku.to_owned(),
                    available: qty("available"),
                    on_hand: qty("on_hand"),
                    location_id: level.location.id,
                    location_name: level.location.name,
                });
            }
        }
        Ok(out)
    }

    /// Pages through the line items of `o` that did not fit in the orders page.
    async fn fetch_remaining_lines(&self, o: &mut wire::Order) -> Result<(), ConnectorError> {
        while o.line_items.page_info.has_next_page {
            let Some(after) = o.line_items.page_info.end_cursor.take() else {
                return Err(ConnectorError::Malformed(
                    "hasNextPage without endCursor".into(),
                ));
            };
            let vars = json!({ "id": o.id, "after": after, "lines": self.line_page_size });
            let data: wire::OrderLinesData = self.graphql(wire::ORDER_LINES, vars).await?;
            let more = data
                .order
                .ok_or_else(|| {
                    ConnectorError::Malformed(format!("{} vanished while paging its lines", o.id))
                })?
                .line_items;
            o.line_items.nodes.extend(more.nodes);
            o.line_items.page_info = more.page_info;
        }
        Ok(())
    }

    async fn graphql<T: DeserializeOwned>(
        &self,
        query: &str,
        variables: Value,
    ) -> Result<T, ConnectorError> {
        let fragments = if query.contains("...Line") {
            format!("{}\n{}", wire::LINE, wire::MONEY_BAG)
        } else {
            wire::MONEY_BAG.to_owned()
        };
        let body = json!({ "query": format!("{query}\n{fragments}"), "variables": variables });
        let data = self.resilience.run(|| self.attempt(&body)).await?;
        serde_json::from_value(data)
            .map_err(|e| ConnectorError::Malformed(format!("unexpected GraphQL data: {e}")))
    }

    /// One POST: classifies the answer and paces the next call from the cost report.
    async fn attempt(&self, body: &Value) -> Result<Value, ConnectorError> {
        let resp = self
            .http
            .post(&self.endpoint)
            .header("X-Shopify-Access-Token", self.token.expose())
            .json(body)
            .send()
            .await
            .map_err(http::transport_error)?;
        let status = resp.status();
        let headers = resp.headers().clone();
        let text = resp.text().await.map_err(http::transport_error)?;
        if !status.is_success() {
            return Err(http::status_error(status, &headers, &text));
        }
        let mut v: Value = serde_json::from_str(&text)
            .map_err(|e| ConnectorError::Malformed(format!("invalid JSON: {e}")))?;
        let cost: Option<wire::Cost> = v
            .pointer("/extensions/cost")
            .and_then(|c| serde_json::from_value(c.clone()).ok());
        if let Some(errors) = v
            .get("errors")
            .and_then(Value::as_array)
            .filter(|e| !e.is_empty())
        {
            let code = |e: &Value| {
                e.pointer("/extensions/code")
                    .and_then(Value::as_str)
                    .map(str::to_owned)
            };
            if errors
                .iter()
                .any(|e| code(e).as_deref() == Some("THROTTLED"))
            {
                let wait = cost.map_or(Duration::from_secs(1), |c| {
                    refill_wait(&c).max(Duration::from_millis(1))
                });
                return Err(ConnectorError::RateLimited {
                    retry_after: Some(wait),
                });
            }
            let message = errors
                .iter()
                .map(|e| e.get("message").and_then(Value::as_str).unwrap_or("?"))
                .collect::<Vec<_>>()
                .join("; ");
            if errors
                .iter()
                .any(|e| code(e).as_deref() == Some("ACCESS_DENIED"))
            {
                return Err(ConnectorError::Auth(message));
            }
            return Err(ConnectorError::Other(format!("GraphQL errors: {message}")));
        }
        if let Some(c) = cost {
            let wait = refill_wait(&c);
            if !wait.is_zero() {
                self.resilience.pacer().defer_for(wait);
            }
        }
        match v.get_mut("data").map(Value::take) {
            Some(d) if !d.is_null() => Ok(d),
            _ => Err(ConnectorError::Malformed("answer has no data".into())),
        }
    }

    fn map_order(&self, o: wire::Order) -> Result<SourceOrder, ConnectorError> {
        let id = o.id.clone();
        let lines = o
            .line_items
            .nodes
            .into_iter()
            .map(|l| {
                Ok(SourceOrderLine {
                    external_id: l.id,
                    sku: l
                        .sku
                        .or_else(|| l.variant.as_ref().and_then(|v| v.sku.clone()))
                        .filter(|s| !s.is_empty()),
                    variant_id: l.variant.map(|v| v.id),
                    quantity: Qty::whole(l.quantity),
                    refundable_quantity: Qty::whole(l.refundable_quantity),
                    unit_price: pair(&l.original_unit_price_set).map_err(|e| bad(&id, e))?,
                    discount: l
                        .total_discount_set
                        .as_ref()
                        .map(pair)
                        .transpose()
                        .map_err(|e| bad(&id, e))?,
                })
            })
            .collect::<Result<_, ConnectorError>>()?;
        let refunds = o
            .refunds
            .into_iter()
            .map(|r| {
                Ok(SourceRefund {
                    external_id: r.id,
                    created_at: r.created_at,
                    amount: pair(&r.total_refunded_set).map_err(|e| bad(&id, e))?,
                    lines: r
                        .refund_line_items
                        .nodes
                        .into_iter()
                        .map(|rl| {
                            Ok(SourceRefundLine {
                                sku: rl.line_item.and_then(|li| li.sku),
                                quantity: Qty::whole(rl.quantity),
                                subtotal: pair(&rl.subtotal_set).map_err(|e| bad(&id, e))?,
                            })
                        })
                        .collect::<Result<_, ConnectorError>>()?,
                })
            })
            .collect::<Result<_, ConnectorError>>()?;
        let total = pair(&o.total_price_set).map_err(|e| bad(&id, e))?;
        Ok(SourceOrder {
            source: self.source.clone(),
            external_id: o.id,
            name: o.name,
            created_at: o.created_at,
            updated_at: o.updated_at,
            cancelled: o.cancelled_at.is_some(),
            cancelled_at: o.cancelled_at,
            financial_status: FinancialStatus::parse(
                o.display_financial_status.as_deref().unwrap_or("PENDING"),
            ),
            shop_total: total.shop,
            presentment_total: total.presentment,
            refunded: pair(&o.total_refunded_set).map_err(|e| bad(&id, e))?,
            lines,
            refunds,
        })
    }
}

/// How long until the bucket holds the points the last query asked for.
fn refill_wait(c: &wire::Cost) -> Duration {
    let need = c.requested_query_cost.unwrap_or(1.0);
    let missing = need - c.throttle_status.currently_available;
    if missing <= 0.0 {
        return Duration::ZERO;
    }
    let rate = if c.throttle_status.restore_rate > 0.0 {
        c.throttle_status.restore_rate
    } else {
        1.0
    };
    Duration::from_secs_f64((missing / rate).min(60.0))
}

fn pair(bag: &wire::MoneyBag) -> Result<MoneyPair, crate::money::DecimalError> {
    Ok(MoneyPair {
        shop: Money::parse_with_code(&bag.shop_money.amount, &bag.shop_money.currency_code)?,
        presentment: Money::parse_with_code(
            &bag.presentment_money.amount,
            &bag.presentment_money.currency_code,
        )?,
    })
}

fn bad(id: &str, e: impl std::fmt::Display) -> ConnectorError {
    ConnectorError::Malformed(format!("{id}: {e}"))
}

/// Quotes a value for Shopify's search syntax.
fn quote_search(s: &str) -> String {
    format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
}
