//! Local fake servers for tests: real HTTP on `127.0.0.1:0`, seeded deterministic data,
//! strict auth checks, paging and throttling like the real APIs, and faults on request.
//!
//! Each fake's listener is bound before `start` returns, so a client may call it at once.

pub mod amazon;
pub mod shopify;
pub mod unleashed;
pub mod xero;

use std::sync::Mutex;
use std::time::Duration;

use axum::Router;
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

pub use amazon::{FakeAmazon, FakeAmazonConfig};
pub use shopify::{FakeShopify, FakeShopifyConfig};
pub use unleashed::{FakeUnleashed, FakeUnleashedConfig};
pub use xero::{FakeXero, FakeXeroConfig};

/// A fault a fake injects instead of (or before) a normal answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// Answer with this HTTP status (e.g. 503) and a short error body.
    Status(u16),
    /// Answer 429 with `Retry-After` of this long (in decimal seconds). The Amazon fake answers
    /// 429 `QuotaExceeded` without `Retry-After`, as Amazon does.
    RateLimit(Duration),
    /// Wait this long before answering normally (makes a client with a shorter timeout time out).
    Delay(Duration),
    /// Answer 200 with a body that is not valid JSON.
    Malformed,
    /// Shopify: empty the cost bucket and answer HTTP 200 `THROTTLED` with no data (the Amazon
    /// fake answers 429 `QuotaExceeded`).
    Throttle,
}

#[derive(Debug)]
struct Scheduled {
    from: u64,
    remaining: u32,
    fault: Fault,
}

#[derive(Debug, Default)]
struct FaultsInner {
    requests: u64,
    scheduled: Vec<Scheduled>,
}

/// The fault schedule and request counter of one fake.
#[derive(Debug, Default)]
pub struct Faults {
    inner: Mutex<FaultsInner>,
}

impl Faults {
    /// Injects `fault` into the next `count` requests.
    pub fn inject(&self, fault: Fault, count: u32) {
        self.inject_after(0, fault, count);
    }

    /// Injects `fault` into `count` requests, starting after `after` more requests were
    /// answered normally (to hit a client mid-run).
    pub fn inject_after(&self, after: u64, fault: Fault, count: u32) {
        let mut inner = self.lock();
        let from = inner.requests + after;
        inner.scheduled.push(Scheduled {
            from,
            remaining: count,
            fault,
        });
    }

    /// Drops every fault still scheduled.
    pub fn clear(&self) {
        self.lock().scheduled.clear();
    }

    /// Requests received so far (faulted ones included).
    pub fn requests(&self) -> u64 {
        self.lock().requests
    }

    /// Faults still scheduled.
    pub fn pending(&self) -> u32 {
        self.lock().scheduled.iter().map(|s| s.remaining).sum()
    }

    /// Counts a request and takes the fault due for it, if any.
    fn next(&self) -> Option<Fault> {
        let mut inner = self.lock();
        let n = inner.requests;
        inner.requests += 1;
        let hit = inner
            .scheduled
            .iter_mut()
            .find(|s| s.from <= n && s.remaining > 0)?;
        hit.remaining -= 1;
        let fault = hit.fault;
        inner.scheduled.retain(|s| s.remaining > 0);
        Some(fault)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, FaultsInner> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// Applies the due fault, if any: returns the response to send instead of the normal one
/// (delays sleep and return `None`). `Throttle` is handed back for the fake to handle.
async fn take_fault(faults: &Faults) -> Result<Option<Response>, Fault> {
    match faults.next() {
        None => Ok(None),
        Some(Fault::Status(code)) => {
            let status = StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            Ok(Some(
                (status, r#"{"errors":"Internal error"}"#).into_response(),
            ))
        }
        Some(Fault::RateLimit(d)) => {
            let mut resp = (
                StatusCode::TOO_MANY_REQUESTS,
                r#"{"errors":"Exceeded rate limit"}"#,
            )
                .into_response();
            if let Ok(v) = HeaderValue::from_str(&format!("{:.3}", d.as_secs_f64())) {
                resp.headers_mut()
                    .insert(axum::http::header::RETRY_AFTER, v);
            }
            Ok(Some(resp))
        }
        Some(Fault::Delay(d)) => {
            tokio::time::sleep(d).await;
            Ok(None)
        }
        Some(Fault::Malformed) => Ok(Some(
            (
                StatusCode::OK,
                [(axum::http::header::CONTENT_TYPE, "application/json")],
                r#"{"data": {"orders": {"nodes": [{"id": "gid://shopify/Order/1", "#,
            )
                .into_response(),
        )),
        Some(Fault::Throttle) => Err(Fault::Throttle),
    }
}

/// Binds `127.0.0.1:0` and serves `app` in the background; returns the base URL.
async fn serve(app: Router) -> std::io::Result<Running> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let task = tokio::spawn(async move {
        if let Err(e) = axum::serve(listener, app).await {
            tracing::error!(error = %e, "fake server stopped");
        }
    });
    Ok(Running {
        base_url: format!("http://{addr}"),
        task,
    })
}

/// A fake's listening server: its base URL, stopped when dropped.
#[derive(Debug)]
struct Running {
    base_url: String,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Running {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// A Shopify-style decimal string: `12.5`, `120.0`, `12.34`.
fn shopify_amount(minor: i64) -> String {
    let s = crate::money::format_decimal(minor, 2);
    match s.strip_suffix('0') {
        Some(t) => t.to_owned(),
        None => s,
    }
}
