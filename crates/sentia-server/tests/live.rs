//! `GET /api/v1/events`: outbox events arrive on an open stream as they are written (by any
//! writer of the database), with the outbox id as the SSE id; a reconnect with
//! `Last-Event-ID` replays exactly what came after it; the stream needs `dashboard:read`.

mod common;

use std::time::Duration;

use common::TestApp;
use reqwest::StatusCode;
use serde_json::json;

/// One parsed SSE message.
#[derive(Debug, Clone, PartialEq)]
struct Msg {
    id: i64,
    data: serde_json::Value,
}

/// Reads messages from a stream until `want` of kind `kind` have arrived (other kinds, such
/// as job updates, are skipped), or fails after 30 s.
async fn read(r: &mut reqwest::Response, kind: &str, want: usize) -> Vec<Msg> {
    let mut buf = String::new();
    let mut out = Vec::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    while out.len() < want {
        let chunk = tokio::time::timeout_at(deadline, r.chunk())
            .await
            .expect("events arrive within 30 s")
            .expect("stream readable")
            .expect("stream open");
        buf.push_str(std::str::from_utf8(&chunk).unwrap());
        while let Some(end) = buf.find("\n\n") {
            let block: String = buf.drain(..end + 2).collect();
            let (mut id, mut data) = (None, String::new());
            for line in block.lines() {
                if let Some(v) = line.strip_prefix("id:") {
                    id = v.trim().parse().ok();
                } else if let Some(v) = line.strip_prefix("data:") {
                    data.push_str(v.trim());
                }
            }
            let Some(id) = id else { continue };
            let body: serde_json::Value = serde_json::from_str(&data).unwrap();
            if body["kind"] == kind {
                out.push(Msg {
                    id,
                    data: body["payload"].clone(),
                });
            }
        }
    }
    out
}

async fn append(app: &TestApp, n: i64) -> i64 {
    sentia_store::events::append(&app.db, "data.test", &json!({ "n": n }), chrono::Utc::now())
        .await
        .unwrap()
}

#[tokio::test]
async fn outbox_events_stream_live_and_replay_after_a_reconnect() {
    for backend in sentia_store::testing::backends() {
        let app = TestApp::spawn(backend).await;
        let anon = reqwest::get(app.url("/api/v1/events")).await.unwrap();
        assert_eq!(anon.status(), StatusCode::UNAUTHORIZED);

        let viewer = app.signed_in_client("viewer@sentia.demo").await;
        let before = append(&app, 0).await;
        let mut r = viewer.get(app.url("/api/v1/events")).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::OK);
        assert_eq!(r.headers()["content-type"], "text/event-stream");
        assert_eq!(r.headers()["x-accel-buffering"], "no");
        // Written after the stream opened (by another connection, as another instance would).
        let a = append(&app, 1).await;
        let b = append(&app, 2).await;
        let got = read(&mut r, "data.test", 2).await;
        assert_eq!(
            got.iter().map(|m| m.id).collect::<Vec<_>>(),
            vec![a, b],
            "{backend}: a new stream starts after {before}, in order"
        );
        assert_eq!(got[1].data["n"], 2);
        drop(r);

        // Missed while away: a reconnect with the last id gets exactly those.
        let c = append(&app, 3).await;
        let d = append(&app, 4).await;
        let mut again = viewer
            .get(app.url("/api/v1/events"))
            .header("Last-Event-ID", a.to_string())
            .send()
            .await
            .unwrap();
        let got = read(&mut again, "data.test", 3).await;
        assert_eq!(
            got.iter().map(|m| m.id).collect::<Vec<_>>(),
            vec![b, c, d],
            "{backend}"
        );
        // `?after=` does the same for clients that cannot set the header.
        let mut polyfill = viewer
            .get(app.url(&format!("/api/v1/events?after={c}")))
            .send()
            .await
            .unwrap();
        let got = read(&mut polyfill, "data.test", 1).await;
        assert_eq!(got[0].id, d, "{backend}");

        // Without dashboard:read, no stream.
        let admin = app.admin_with_mfa().await;
        let r = admin
            .put(app.url("/api/v1/admin/roles/VIEWER/permissions"))
            .json(&json!({ "permissions": ["inventory:read"] }))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK, "{backend}");
        let r = viewer.get(app.url("/api/v1/events")).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::FORBIDDEN, "{backend}");
        app.finish().await;
    }
}

/// On PostgreSQL the feed hears each new event id through `LISTEN` on the outbox's `NOTIFY`
/// channel, from any connection, without its poller (not started here). On SQLite the
/// listener is not started and the feed only moves when asked to refresh.
#[tokio::test]
async fn the_event_listener_hears_commits_of_other_connections() {
    use sentia_server::realtime::EventFeed;
    for backend in sentia_store::testing::backends() {
        let test_db = sentia_store::testing::TestDb::create(backend)
            .await
            .unwrap();
        let db = sentia_store::connect_with(&test_db.url, 3).await.unwrap();
        sentia_store::migrate(&db).await.unwrap();
        let writer = sentia_store::connect_with(&test_db.url, 1).await.unwrap();
        let start = sentia_store::events::latest_id(&db).await.unwrap();
        let feed = std::sync::Arc::new(EventFeed::new(start));
        feed.spawn_listener(&db);
        let mut woken = feed.subscribe();
        let payload = json!({ "test": true });
        if backend == "postgres" {
            // The listener connects in the background: write until it hears one.
            let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
            let mut written = Vec::new();
            loop {
                written.push(
                    sentia_store::events::append(
                        &writer,
                        "data.test",
                        &payload,
                        chrono::Utc::now(),
                    )
                    .await
                    .unwrap(),
                );
                if tokio::time::timeout(Duration::from_millis(200), woken.changed())
                    .await
                    .is_ok()
                {
                    break;
                }
                assert!(
                    tokio::time::Instant::now() < deadline,
                    "no notification heard for {written:?}"
                );
            }
            assert!(
                written.contains(&feed.latest()),
                "{written:?} {}",
                feed.latest()
            );
        } else {
            let id =
                sentia_store::events::append(&writer, "data.test", &payload, chrono::Utc::now())
                    .await
                    .unwrap();
            assert!(
                tokio::time::timeout(Duration::from_millis(500), woken.changed())
                    .await
                    .is_err()
            );
            assert_eq!(feed.latest(), start);
            feed.refresh(&db).await;
            assert_eq!(feed.latest(), id);
        }
        db.close().await.unwrap();
        writer.close().await.unwrap();
        test_db.drop_database().await.unwrap();
    }
}
