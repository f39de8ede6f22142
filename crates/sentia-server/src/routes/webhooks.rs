//! Webhooks from the sources. A delivery is checked (signature over the raw body, compared
//! in constant time), deduplicated on the source's event id and answered at once: the work is
//! a job, so the answer comes well within the source's 5 s. A badly signed delivery is
//! refused with 401, audited, and never processed.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::HeaderMap;
use sentia_store::jobs::{self, NewJob};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::auth::RequestMeta;
use crate::error::{ApiError, ApiErrorBody, ApiResult, Json};
use crate::ingest::SHOPIFY_ORDER_KIND;
use crate::state::AppState;

/// Order topics that carry an order and are stored.
pub const SHOPIFY_ORDER_TOPICS: [&str; 5] = [
    "orders/create",
    "orders/updated",
    "orders/paid",
    "orders/cancelled",
    "orders/fulfilled",
];

/// What Sentia did with a delivery.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct WebhookAccepted {
    /// The job that stores it (absent for topics Sentia does not use).
    pub job_id: Option<i64>,
    /// The event id was seen before: nothing new was queued.
    pub duplicate: bool,
}

fn header<'a>(h: &'a HeaderMap, name: &str) -> Option<&'a str> {
    h.get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|v| !v.is_empty())
}

/// A Shopify webhook (`X-Shopify-Hmac-Sha256` over the raw body with the app secret;
/// `X-Shopify-Event-Id` deduplicates for as long as jobs are kept, 14 days). Order topics are
/// queued to be stored; other topics are acknowledged and ignored.
#[utoipa::path(post, path = "/api/v1/webhooks/shopify", operation_id = "receive_shopify_webhook", tag = "webhooks",
    request_body(content = String, description = "The order as Shopify sends it (JSON)", content_type = "application/json"),
    responses((status = 200, body = WebhookAccepted), (status = 400, body = ApiErrorBody),
        (status = 401, description = "Bad or missing signature", body = ApiErrorBody),
        (status = 404, description = "No webhook secret configured", body = ApiErrorBody),
        (status = 422, description = "A shop Sentia has no channel for", body = ApiErrorBody)))]
#[tracing::instrument(skip_all)]
pub async fn shopify(
    State(state): State<AppState>,
    headers: HeaderMap,
    meta: RequestMeta,
    body: Bytes,
) -> ApiResult<Json<WebhookAccepted>> {
    let secret = state
        .config
        .shopify_webhook_secret
        .as_ref()
        .ok_or(ApiError::NotFound)?;
    let topic = header(&headers, "x-shopify-topic").unwrap_or("");
    let shop = header(&headers, "x-shopify-shop-domain").unwrap_or("");
    let signed = header(&headers, "x-shopify-hmac-sha256").is_some_and(|sig| {
        sentia_connectors::shopify::verify_shopify_hmac(secret.0.as_bytes(), &body, sig)
    });
    let now = state.now();
    if !signed {
        tracing::warn!(topic, shop, "Shopify webhook with a bad signature refused");
        sentia_store::audit::record(
            &state.db,
            &meta
                .entry(now, None, "webhook.refused", "webhook", None)
                .details(serde_json::json!({
                    "source": "shopify", "topic": topic, "shop": shop, "reason": "signature",
                    "bytes": body.len(),
                })),
        )
        .await?;
        return Err(ApiError::Unauthorized);
    }
    let event_id = header(&headers, "x-shopify-event-id")
        .ok_or_else(|| ApiError::missing("X-Shopify-Event-Id", "is required to deduplicate"))?;
    if !SHOPIFY_ORDER_TOPICS.contains(&topic) {
        return Ok(Json(WebhookAccepted {
            job_id: None,
            duplicate: false,
        }));
    }
    let channel = state.config.shopify_channel(shop).ok_or_else(|| {
        ApiError::unprocessable(
            "X-Shopify-Shop-Domain",
            "is not a shop of this company (see shopify_shops in the configuration)",
        )
    })?;
    let order: serde_json::Value = serde_json::from_slice(&body)
        .map_err(|e| ApiError::field("body", format!("is not JSON: {e}")))?;
    let job = NewJob::new(
        crate::jobs::DEFAULT_QUEUE,
        SHOPIFY_ORDER_KIND,
        serde_json::json!({
            "shop": shop, "channel": channel, "topic": topic, "event_id": event_id,
            "triggered_at": header(&headers, "x-shopify-triggered-at"), "order": order,
        }),
    )
    .priority(10)
    .max_attempts(5)
    .idempotency_key(format!("shopify:event:{event_id}"));
    let queued = jobs::enqueue(&state.db, &job, now).await?;
    // Wake this instance's worker now rather than at the next poll.
    state.events.refresh(&state.db).await;
    Ok(Json(WebhookAccepted {
        job_id: Some(queued.id),
        duplicate: !queued.inserted,
    }))
}

/// A Xero webhook delivery: its events name what changed, not the data.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct XeroDelivery {
    #[serde(default)]
    events: Vec<serde_json::Value>,
    #[serde(default)]
    first_event_sequence: Option<i64>,
    #[serde(default)]
    last_event_sequence: Option<i64>,
}

/// A Xero webhook (`x-xero-signature`: base64 HMAC-SHA256 of the raw body with the webhook
/// key). Xero first checks the endpoint with "intent to receive" deliveries and expects 200
/// for a well-signed one and 401 for a badly signed one. Events carry no invoice data, so a
/// delivery with events queues a sync of the Xero source, which fetches what changed.
#[utoipa::path(post, path = "/api/v1/webhooks/xero", operation_id = "receive_xero_webhook", tag = "webhooks",
    request_body(content = String, description = "Xero's events (JSON)", content_type = "application/json"),
    responses((status = 200, body = WebhookAccepted), (status = 400, body = ApiErrorBody),
        (status = 401, description = "Bad or missing signature", body = ApiErrorBody),
        (status = 404, description = "No webhook key configured", body = ApiErrorBody)))]
#[tracing::instrument(skip_all)]
pub async fn xero(
    State(state): State<AppState>,
    headers: HeaderMap,
    meta: RequestMeta,
    body: Bytes,
) -> ApiResult<Json<WebhookAccepted>> {
    let key = state
        .config
        .xero_webhook_key
        .as_ref()
        .ok_or(ApiError::NotFound)?;
    let signed = header(&headers, "x-xero-signature").is_some_and(|sig| {
        sentia_connectors::xero::verify_xero_signature(key.0.as_bytes(), &body, sig)
    });
    let now = state.now();
    if !signed {
        tracing::warn!("Xero webhook with a bad signature refused");
        sentia_store::audit::record(
            &state.db,
            &meta
                .entry(now, None, "webhook.refused", "webhook", None)
                .details(serde_json::json!({
                    "source": "xero", "reason": "signature", "bytes": body.len(),
                })),
        )
        .await?;
        return Err(ApiError::Unauthorized);
    }
    let delivery: XeroDelivery = serde_json::from_slice(&body)
        .map_err(|e| ApiError::field("body", format!("is not a Xero delivery: {e}")))?;
    if delivery.events.is_empty() {
        // Intent to receive, or nothing Sentia uses.
        return Ok(Json(WebhookAccepted {
            job_id: None,
            duplicate: false,
        }));
    }
    let job = NewJob::new(
        crate::jobs::DEFAULT_QUEUE,
        crate::sync::SYNC_KIND,
        serde_json::json!({ "code": crate::sync::XERO_SOURCE, "full": false, "manual": true }),
    )
    .priority(10)
    .max_attempts(crate::sync::SYNC_ATTEMPTS)
    .idempotency_key(format!(
        "xero:events:{}-{}",
        delivery.first_event_sequence.unwrap_or(0),
        delivery.last_event_sequence.unwrap_or(0)
    ));
    let queued = jobs::enqueue(&state.db, &job, now).await?;
    state.events.refresh(&state.db).await;
    Ok(Json(WebhookAccepted {
        job_id: Some(queued.id),
        duplicate: !queued.inserted,
    }))
}
