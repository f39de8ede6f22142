//! A fake Xero: identity (`/connect/token`) and accounting API in one server.
//!
//! Client credentials are checked with HTTP Basic (401 `invalid_client`); refresh tokens
//! rotate on every use and the previous one stays good for a grace period, anything else is
//! `invalid_grant`. API calls need a live bearer token (401 otherwise), the right
//! `xero-tenant-id` (403) and `Accept: application/json` (XML otherwise, like Xero). Calls
//! count against a sliding minute limit and a day limit: 429 with `X-Rate-Limit-Problem`
//! and `Retry-After`; `X-MinLimit-Remaining` / `X-DayLimit-Remaining` on every answer.

use std::collections::{BTreeMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Json;
use axum::Router;
use axum::extract::{Form, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use chrono::{DateTime, Duration as TimeDelta, NaiveDateTime, TimeZone, Utc};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use sentia_core::currency::Currency;
use serde_json::{Value, json};
use tokio::time::Instant;

use super::{Faults, serve, take_fault};

/// Settings of a fake Xero tenant.
#[derive(Debug, Clone)]
pub struct FakeXeroConfig {
    /// Invoices and bills seeded.
    pub invoices: usize,
    /// Seed of the dataset.
    pub seed: u64,
    /// Accepted client id.
    pub client_id: String,
    /// Accepted client secret.
    pub client_secret: String,
    /// The tenant.
    pub tenant_id: String,
    /// The refresh token that is valid at start.
    pub initial_refresh_token: String,
    /// Access token lifetime (Xero: 30 min).
    pub access_ttl: TimeDelta,
    /// How long a rotated-out refresh token still works (Xero: 30 min).
    pub refresh_grace: Duration,
    /// Calls per minute window (Xero: 60).
    pub minute_limit: usize,
    /// Length of the minute window (shorten it in tests).
    pub minute_window: Duration,
    /// Calls per day (Xero: 5000).
    pub day_limit: u64,
    /// Invoices per page (Xero: 100).
    pub page_size: usize,
    /// Contact names of receivables: when given, each invoice's contact is one of these (so
    /// invoices name customers the receiving system knows) instead of a generated name.
    pub customer_names: Vec<String>,
    /// Contact names of payables, likewise.
    pub supplier_names: Vec<String>,
}

impl Default for FakeXeroConfig {
    fn default() -> Self {
        Self {
            invoices: 80,
            seed: 11,
            client_id: "fake-client-id".into(),
            client_secret: "fake-client-secret".into(),
            tenant_id: "7a3c1f5e-0000-4000-8000-000000000001".into(),
            initial_refresh_token: "rt-0".into(),
            access_ttl: TimeDelta::minutes(30),
            refresh_grace: Duration::from_secs(30 * 60),
            minute_limit: 60,
            minute_window: Duration::from_secs(60),
            day_limit: 5000,
            page_size: 100,
            customer_names: Vec::new(),
            supplier_names: Vec::new(),
        }
    }
}

/// One invoice or bill as the fake holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FakeInvoice {
    /// InvoiceID.
    pub id: String,
    /// `ACCREC` or `ACCPAY`.
    pub kind: &'static str,
    /// Status.
    pub status: &'static str,
    /// Currency.
    pub currency: Currency,
    /// Subtotal, minor units.
    pub sub_total: i64,
    /// Paid, minor units.
    pub paid: i64,
    /// Issue date.
    pub date: DateTime<Utc>,
    /// Last change.
    pub updated: DateTime<Utc>,
}

impl FakeInvoice {
    /// Tax (20 %), minor units.
    pub fn tax(&self) -> i64 {
        self.sub_total / 5
    }

    /// Total, minor units.
    pub fn total(&self) -> i64 {
        self.sub_total + self.tax()
    }

    /// Still owed, minor units.
    pub fn due(&self) -> i64 {
        self.total() - self.paid
    }
}

/// Sums over AUTHORISED and PAID invoices of one type.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FakeXeroTotals {
    /// Invoices.
    pub count: usize,
    /// Totals per currency, minor units.
    pub total: BTreeMap<Currency, i64>,
    /// Amount due per currency, minor units.
    pub due: BTreeMap<Currency, i64>,
}

#[derive(Debug)]
struct Tokens {
    current: String,
    previous: Option<(String, Instant)>,
    access: BTreeMap<String, DateTime<Utc>>,
    issued: u64,
    refreshes: u64,
}

#[derive(Debug)]
struct State_ {
    invoices: Vec<FakeInvoice>,
    now: DateTime<Utc>,
    rng: ChaCha8Rng,
    tokens: Tokens,
    minute: VecDeque<Instant>,
    day: u64,
    limited: u64,
}

#[derive(Debug)]
struct Shared {
    config: FakeXeroConfig,
    state: Mutex<State_>,
    faults: Faults,
}

impl Shared {
    fn state(&self) -> std::sync::MutexGuard<'_, State_> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// A running fake Xero; stops when dropped.
#[derive(Debug)]
pub struct FakeXero {
    server: super::Running,
    shared: Arc<Shared>,
}

fn rate_pct(c: Currency) -> i64 {
    match c {
        Currency::Gbp => 100,
        Currency::Eur => 117,
        Currency::Usd => 127,
    }
}

impl State_ {
    fn new_invoice(
        &mut self,
        kind: Option<&'static str>,
        status: Option<&'static str>,
        tick_ms: i64,
    ) -> String {
        self.now += TimeDelta::milliseconds(tick_ms);
        let r: u64 = self.rng.r#gen();
        let id = format!(
            "{:08x}-{:04x}-4{:03x}-9{:03x}-{:012x}",
            r >> 32,
            r & 0xffff,
            (r >> 20) & 0xfff,
            (r >> 8) & 0xfff,
            self.invoices.len()
        );
        let kind = kind.unwrap_or(if self.rng.gen_bool(0.6) {
            "ACCREC"
        } else {
            "ACCPAY"
        });
        let status = status.unwrap_or_else(|| {
            [
                "AUTHORISED",
                "AUTHORISED",
                "PAID",
                "PAID",
                "DRAFT",
                "VOIDED",
            ][self.rng.gen_range(0..6)]
        });
        let sub_total = self.rng.gen_range(1_000..500_000);
        let total = sub_total + sub_total / 5;
        let paid = match status {
            "PAID" => total,
            "AUTHORISED" if self.rng.gen_bool(0.3) => total / 3,
            _ => 0,
        };
        let date = self.now - TimeDelta::days(self.rng.gen_range(0..60));
        self.invoices.push(FakeInvoice {
            id: id.clone(),
            kind,
            status,
            currency: Currency::ALL[self.rng.gen_range(0..3)],
            sub_total,
            paid,
            date,
            updated: self.now,
        });
        id
    }
}

impl FakeXero {
    /// Seeds the dataset and starts serving; the listener is bound when this returns.
    pub async fn start(config: FakeXeroConfig) -> std::io::Result<Self> {
        let mut st = State_ {
            invoices: Vec::new(),
            now: Utc
                .with_ymd_and_hms(2026, 8, 1, 9, 0, 0)
                .single()
                .unwrap_or_else(Utc::now),
            rng: ChaCha8Rng::seed_from_u64(config.seed),
            tokens: Tokens {
                current: config.initial_refresh_token.clone(),
                previous: None,
                access: BTreeMap::new(),
                issued: 0,
                refreshes: 0,
            },
            minute: VecDeque::new(),
            day: 0,
            limited: 0,
        };
        for _ in 0..config.invoices {
            st.new_invoice(None, None, 600);
        }
        let shared = Arc::new(Shared {
            config,
            state: Mutex::new(st),
            faults: Faults::default(),
        });
        let app = Router::new()
            .route("/connect/token", post(token))
            .route("/connections", get(connections))
            .route("/api.xro/2.0/Invoices", get(invoices))
            .with_state(shared.clone());
        Ok(Self {
            server: serve(app).await?,
            shared,
        })
    }

    /// Base URL for both the identity and the API host.
    pub fn base_url(&self) -> &str {
        &self.server.base_url
    }

    /// The fault schedule and request counter (API and token calls alike).
    pub fn faults(&self) -> &Faults {
        &self.shared.faults
    }

    /// Token refreshes granted so far.
    pub fn refreshes(&self) -> u64 {
        self.shared.state().tokens.refreshes
    }

    /// The refresh token that is current now.
    pub fn current_refresh_token(&self) -> String {
        self.shared.state().tokens.current.clone()
    }

    /// Expires every access token issued so far (as 30 minutes passing would).
    pub fn expire_access_tokens(&self) {
        let mut st = self.shared.state();
        let past = Utc::now() - TimeDelta::seconds(1);
        for exp in st.tokens.access.values_mut() {
            *exp = past;
        }
    }

    /// Ends the grace period of the rotated-out refresh token.
    pub fn end_refresh_grace(&self) {
        self.shared.state().tokens.previous = None;
    }

    /// 429 answers sent for the minute or day limit.
    pub fn rate_limited(&self) -> u64 {
        self.shared.state().limited
    }

    /// API calls counted against the day limit.
    pub fn api_calls(&self) -> u64 {
        self.shared.state().day
    }

    /// The contact name an invoice is addressed to.
    pub fn contact_of(&self, invoice: &FakeInvoice) -> String {
        contact_name(&self.shared.config, invoice)
    }

    /// The full dataset.
    pub fn invoices(&self) -> Vec<FakeInvoice> {
        self.shared.state().invoices.clone()
    }

    /// Sums over AUTHORISED and PAID invoices of `kind` (`ACCREC` / `ACCPAY`).
    pub fn totals(&self, kind: &str) -> FakeXeroTotals {
        let mut t = FakeXeroTotals::default();
        for i in self.shared.state().invoices.iter() {
            if i.kind == kind && matches!(i.status, "AUTHORISED" | "PAID") {
                t.count += 1;
                *t.total.entry(i.currency).or_default() += i.total();
                *t.due.entry(i.currency).or_default() += i.due();
            }
        }
        t
    }

    /// Adds `n` AUTHORISED invoices of `kind`; returns their ids.
    pub fn add_invoices(&self, n: usize, kind: &'static str) -> Vec<String> {
        let mut st = self.shared.state();
        (0..n)
            .map(|_| st.new_invoice(Some(kind), Some("AUTHORISED"), 1300))
            .collect()
    }

    /// Marks the first AUTHORISED invoice of `kind` from position `from` paid; returns its id.
    pub fn pay_invoice(&self, kind: &str, from: usize) -> String {
        self.change(kind, from, "PAID")
    }

    /// Voids the first AUTHORISED invoice of `kind` from position `from`; returns its id.
    pub fn void_invoice(&self, kind: &str, from: usize) -> String {
        self.change(kind, from, "VOIDED")
    }

    fn change(&self, kind: &str, from: usize, status: &'static str) -> String {
        let mut st = self.shared.state();
        st.now += TimeDelta::milliseconds(1300);
        let now = st.now;
        let Some(i) = st
            .invoices
            .iter_mut()
            .skip(from)
            .find(|i| i.kind == kind && i.status == "AUTHORISED")
        else {
            return String::new();
        };
        i.status = status;
        if status == "PAID" {
            i.paid = i.total();
        }
        i.updated = now;
        i.id.clone()
    }
}

fn date(t: DateTime<Utc>) -> String {
    format!("/Date({}+0000)/", t.timestamp_millis())
}

fn minor(v: i64) -> Value {
    json!(v as f64 / 100.0)
}

/// The contact name of an invoice: one of the configured names of its kind (stable per
/// invoice), or a generated one.
fn contact_name(config: &FakeXeroConfig, i: &FakeInvoice) -> String {
    let names = if i.kind == "ACCREC" {
        &config.customer_names
    } else {
        &config.supplier_names
    };
    if names.is_empty() {
        return format!("Contact {}", &i.id[..4]);
    }
    let h = i.id.bytes().fold(0usize, |h, b| {
        h.wrapping_mul(31).wrapping_add(usize::from(b))
    });
    names[h % names.len()].clone()
}

/// A contact's id: one per name, as Xero keeps one contact per customer.
fn contact_id(name: &str) -> String {
    let h = name.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    });
    format!(
        "{:08x}-{:04x}-4{:03x}-8{:03x}-{:012x}",
        h >> 32,
        (h >> 16) & 0xffff,
        h & 0xfff,
        (h >> 20) & 0xfff,
        h & 0xffff_ffff_ffff
    )
}

fn invoice_json(config: &FakeXeroConfig, i: &FakeInvoice) -> Value {
    json!({
        "Type": i.kind, "InvoiceID": i.id, "InvoiceNumber": format!("INV-{}", &i.id[..6]),
        "Contact": { "ContactID": contact_id(&contact_name(config, i)), "Name": contact_name(config, i) },
        "Date": date(i.date), "DueDate": date(i.date + TimeDelta::days(30)), "Status": i.status,
        "LineAmountTypes": "Exclusive", "CurrencyCode": i.currency.code(),
        "CurrencyRate": rate_pct(i.currency) as f64 / 100.0,
        "SubTotal": minor(i.sub_total), "TotalTax": minor(i.tax()), "Total": minor(i.total()),
        "AmountDue": minor(i.due()), "AmountPaid": minor(i.paid), "AmountCredited": 0.0,
        "FullyPaidOnDate": (i.status == "PAID").then(|| date(i.updated)),
        "UpdatedDateUTC": date(i.updated),
    })
}

fn oauth_error(status: StatusCode, error: &str) -> Response {
    (status, Json(json!({ "error": error }))).into_response()
}

async fn token(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    Form(form): Form<BTreeMap<String, String>>,
) -> Response {
    if let Ok(Some(resp)) = take_fault(&shared.faults).await {
        return resp;
    }
    let cfg = &shared.config;
    let expected = format!(
        "Basic {}",
        STANDARD.encode(format!("{}:{}", cfg.client_id, cfg.client_secret))
    );
    if headers.get("authorization").and_then(|v| v.to_str().ok()) != Some(expected.as_str()) {
        return oauth_error(StatusCode::UNAUTHORIZED, "invalid_client");
    }
    if form.get("grant_type").map(String::as_str) != Some("refresh_token") {
        return oauth_error(StatusCode::BAD_REQUEST, "unsupported_grant_type");
    }
    let given = form.get("refresh_token").cloned().unwrap_or_default();
    let mut st = shared.state();
    let t = &mut st.tokens;
    let in_grace = t
        .previous
        .as_ref()
        .is_some_and(|(p, at)| *p == given && at.elapsed() < cfg.refresh_grace);
    if given != t.current && !in_grace {
        return oauth_error(StatusCode::BAD_REQUEST, "invalid_grant");
    }
    t.issued += 1;
    t.refreshes += 1;
    let access = format!("at-{}", t.issued);
    let refresh = format!("rt-{}", t.issued);
    let old = std::mem::replace(&mut t.current, refresh.clone());
    t.previous = Some((old, Instant::now()));
    t.access.insert(access.clone(), Utc::now() + cfg.access_ttl);
    Json(json!({
        "id_token": null, "access_token": access, "expires_in": cfg.access_ttl.num_seconds(),
        "token_type": "Bearer", "refresh_token": refresh, "scope": "accounting.transactions.read offline_access",
    }))
    .into_response()
}

/// Checks the bearer token; `Some` is the refusal to send.
fn bearer(shared: &Shared, headers: &HeaderMap) -> Option<Response> {
    let given = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or_default();
    let st = shared.state();
    match st.tokens.access.get(given) {
        Some(exp) if *exp > Utc::now() => None,
        Some(_) => Some((StatusCode::UNAUTHORIZED, Json(json!({ "Title": "Unauthorized", "Status": 401, "Detail": "TokenExpired: token expired" }))).into_response()),
        None => Some((StatusCode::UNAUTHORIZED, Json(json!({ "Title": "Unauthorized", "Status": 401, "Detail": "TokenInvalid" }))).into_response()),
    }
}

async fn connections(State(shared): State<Arc<Shared>>, headers: HeaderMap) -> Response {
    if let Ok(Some(resp)) = take_fault(&shared.faults).await {
        return resp;
    }
    if let Some(resp) = bearer(&shared, &headers) {
        return resp;
    }
    Json(json!([{
        "id": "e1eede29-0000-4000-8000-000000000000", "tenantId": shared.config.tenant_id,
        "tenantType": "ORGANISATION", "tenantName": "Sentia Demo Ltd",
    }]))
    .into_response()
}

async fn invoices(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    Query(q): Query<BTreeMap<String, String>>,
) -> Response {
    if let Ok(Some(resp)) = take_fault(&shared.faults).await {
        return resp;
    }
    if let Some(resp) = bearer(&shared, &headers) {
        return resp;
    }
    let cfg = &shared.config;
    let h = |n: &str| {
        headers
            .get(n)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    };
    if h("xero-tenant-id") != cfg.tenant_id {
        return (StatusCode::FORBIDDEN, Json(json!({ "Title": "Forbidden", "Status": 403, "Detail": "AuthenticationUnsuccessful" }))).into_response();
    }
    let mut st = shared.state();
    // Limits: the day first, then the sliding minute window.
    let now = Instant::now();
    while st
        .minute
        .front()
        .is_some_and(|t| now.duration_since(*t) >= cfg.minute_window)
    {
        st.minute.pop_front();
    }
    let limited = |problem: &str, retry: Duration| {
        let mut r = (
            StatusCode::TOO_MANY_REQUESTS,
            Json(json!({ "Title": "Too Many Requests" })),
        )
            .into_response();
        let hs = r.headers_mut();
        hs.insert(
            "X-Rate-Limit-Problem",
            HeaderValue::from_str(problem).unwrap_or(HeaderValue::from_static("minute")),
        );
        if let Ok(v) = HeaderValue::from_str(&format!("{:.3}", retry.as_secs_f64())) {
            hs.insert("Retry-After", v);
        }
        r
    };
    if st.day >= cfg.day_limit {
        st.limited += 1;
        return limited("day", Duration::from_secs(3600));
    }
    if st.minute.len() >= cfg.minute_limit {
        st.limited += 1;
        let oldest = st.minute.front().copied().unwrap_or(now);
        return limited(
            "minute",
            cfg.minute_window.saturating_sub(now.duration_since(oldest)),
        );
    }
    st.minute.push_back(now);
    st.day += 1;
    let min_left = cfg.minute_limit - st.minute.len();
    let day_left = cfg.day_limit - st.day;
    if !h("accept").contains("application/json") {
        return (
            StatusCode::OK,
            [("content-type", "text/xml")],
            "<Response><Status>OK</Status></Response>",
        )
            .into_response();
    }
    let kind = match q.get("where").map(String::as_str) {
        Some(r#"Type=="ACCREC""#) => "ACCREC",
        Some(r#"Type=="ACCPAY""#) => "ACCPAY",
        _ => {
            return (
                StatusCode::BAD_REQUEST,
                Json(json!({ "Type": "QueryParseException", "Message": "unsupported where" })),
            )
                .into_response();
        }
    };
    let statuses: Vec<&str> = q
        .get("Statuses")
        .map(|s| s.split(',').collect())
        .unwrap_or_default();
    let since = match headers
        .get("if-modified-since")
        .and_then(|v| v.to_str().ok())
    {
        None => None,
        Some(s) => match NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S") {
            Ok(n) => Some(Utc.from_utc_datetime(&n)),
            Err(_) => return (StatusCode::BAD_REQUEST, "bad If-Modified-Since").into_response(),
        },
    };
    let page: usize = q
        .get("page")
        .and_then(|p| p.parse().ok())
        .filter(|p| *p >= 1)
        .unwrap_or(1);
    let rows: Vec<&FakeInvoice> = st
        .invoices
        .iter()
        .filter(|i| i.kind == kind)
        .filter(|i| statuses.is_empty() || statuses.contains(&i.status))
        .filter(|i| since.is_none_or(|s| i.updated >= s))
        .collect();
    let n = rows.len();
    let size = cfg.page_size.max(1);
    let items: Vec<Value> = rows
        .iter()
        .skip((page - 1) * size)
        .take(size)
        .map(|i| invoice_json(cfg, i))
        .collect();
    let mut resp = Json(json!({
        "Id": "2a1b7c2e-0000-4000-8000-000000000000", "Status": "OK", "ProviderName": "Sentia",
        "DateTimeUTC": date(st.now),
        "pagination": { "page": page, "pageSize": size, "pageCount": n.div_ceil(size), "itemCount": n },
        "Invoices": items,
    }))
    .into_response();
    let hs = resp.headers_mut();
    hs.insert("X-MinLimit-Remaining", HeaderValue::from(min_left as u64));
    hs.insert("X-DayLimit-Remaining", HeaderValue::from(day_left));
    resp
}
