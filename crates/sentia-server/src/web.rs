//! The web app (built into `web/dist` and embedded in release builds), the OpenAPI document
//! and the API reference page. Client-side routes fall back to `index.html`.

use axum::http::{StatusCode, Uri, header};
use axum::response::{Html, IntoResponse, Response};
use rust_embed::RustEmbed;

#[derive(RustEmbed)]
#[folder = "../../web/dist"]
#[allow_missing = true]
struct Assets;

const NOT_BUILT: &str = "<!doctype html><title>Sentia</title><p>The web app is not built. \
Run <code>npm ci --prefix web &amp;&amp; npm run build --prefix web</code> and restart, \
or use <code>scripts/run.sh</code>.</p>";

const DOCS: &str = r#"<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Sentia API reference</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="/favicon.svg"></head>
<body><redoc spec-url="/api/openapi.json"></redoc>
<script src="/vendor/redoc.standalone.js"></script></body></html>"#;

/// Serves an embedded file, or the app shell for client-side routes.
pub async fn static_file(uri: Uri) -> Response {
    let path = uri.path().trim_start_matches('/');
    if path.starts_with("api/") {
        return crate::error::ApiError::NotFound.into_response();
    }
    if let Some(file) = Assets::get(path).filter(|_| !path.is_empty()) {
        let cache = if path.starts_with("assets/") {
            "public, max-age=31536000, immutable"
        } else {
            "no-cache"
        };
        return (
            [
                (header::CONTENT_TYPE, file.metadata.mimetype().to_owned()),
                (header::CACHE_CONTROL, cache.to_owned()),
            ],
            file.data,
        )
            .into_response();
    }
    match Assets::get("index.html") {
        Some(index) => ([(header::CACHE_CONTROL, "no-cache")], Html(index.data)).into_response(),
        None => (StatusCode::SERVICE_UNAVAILABLE, Html(NOT_BUILT)).into_response(),
    }
}

/// The browsable API reference.
pub async fn api_docs() -> Html<&'static str> {
    Html(DOCS)
}
