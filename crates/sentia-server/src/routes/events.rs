//! `GET /api/v1/events`: the events outbox as Server-Sent Events. Each event's `id:` is its
//! outbox id, so a browser that reconnects with `Last-Event-ID` (or `?after=`) gets exactly
//! what it missed, in order; a new stream starts at the newest event. A comment line every
//! 15 s keeps proxies from closing an idle stream.

use std::collections::VecDeque;
use std::convert::Infallible;
use std::time::Duration;

use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue};
use axum::response::IntoResponse;
use axum::response::sse::{Event, KeepAlive, Sse};
use futures_util::Stream;
use serde::Deserialize;

use crate::auth::CurrentUser;
use crate::error::{ApiErrorBody, ApiResult};
use crate::state::AppState;

/// Interval of the keep-alive comment.
pub const KEEP_ALIVE: Duration = Duration::from_secs(15);
/// Events read from the outbox per query.
const PAGE: u64 = 200;
/// A stream re-reads the outbox at least this often, even without a wake-up.
const RECHECK: Duration = Duration::from_secs(5);
/// What browsers are told to wait before reconnecting.
const RETRY: Duration = Duration::from_secs(2);

/// Query of [`stream_events`].
#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct EventsQuery {
    /// Start after this outbox id (as `Last-Event-ID` does; the header wins when both are sent).
    pub after: Option<i64>,
}

/// Live changes: `job.updated`, `forecast.completed`, `data.…` (new or changed facts). Each
/// message has the outbox id as `id:` and `data:` as JSON `{kind, payload, created_at}`.
#[utoipa::path(get, path = "/api/v1/events", operation_id = "stream_events", tag = "events",
    params(EventsQuery,
        ("Last-Event-ID" = Option<i64>, Header, description = "The last id received; the stream replays what came after it")),
    responses((status = 200, description = "An endless `text/event-stream`", content_type = "text/event-stream", body = String),
        (status = 401, body = ApiErrorBody), (status = 403, body = ApiErrorBody)))]
#[tracing::instrument(skip_all)]
pub async fn stream_events(
    _user: CurrentUser,
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<EventsQuery>,
) -> ApiResult<impl IntoResponse> {
    let header_id = headers
        .get("last-event-id")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<i64>().ok());
    let start = match header_id.or(q.after) {
        Some(id) => id.max(0),
        None => sentia_store::events::latest_id(&state.db).await?,
    };
    let stream = events_after(state, start);
    Ok((
        [(
            HeaderName::from_static("x-accel-buffering"),
            HeaderValue::from_static("no"),
        )],
        Sse::new(stream).keep_alive(KeepAlive::new().interval(KEEP_ALIVE)),
    ))
}

struct Cursor {
    state: AppState,
    wake: tokio::sync::watch::Receiver<i64>,
    last: i64,
    queued: VecDeque<sentia_store::events::Event>,
    first: bool,
}

fn events_after(state: AppState, last: i64) -> impl Stream<Item = Result<Event, Infallible>> {
    let wake = state.events.subscribe();
    let cursor = Cursor {
        state,
        wake,
        last,
        queued: VecDeque::new(),
        first: true,
    };
    futures_util::stream::unfold(cursor, |mut c| async move {
        loop {
            if c.state.events.is_closing() {
                return None;
            }
            if let Some(e) = c.queued.pop_front() {
                c.last = e.id;
                // Unnamed messages, so a browser's `onmessage` sees every kind.
                let body = serde_json::json!({
                    "kind": e.kind,
                    "payload": e.payload,
                    "created_at": e.created_at,
                });
                let mut msg = Event::default().id(e.id.to_string()).data(body.to_string());
                if std::mem::take(&mut c.first) {
                    msg = msg.retry(RETRY);
                }
                return Some((Ok(msg), c));
            }
            match sentia_store::events::since(&c.state.db, c.last, PAGE).await {
                Ok(page) if !page.is_empty() => {
                    c.queued.extend(page);
                    continue;
                }
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "could not read the events outbox"),
            }
            // Nothing new: wait for the feed to see a newer id (or re-check after a while).
            // An error means the feed is gone: the server is stopping.
            if let Ok(Err(_)) = tokio::time::timeout(RECHECK, c.wake.changed()).await {
                return None;
            }
        }
    })
}
