//! The committed OpenAPI document (from which the web app's types are generated) must match
//! what the server serves. Regenerate with `scripts/gen-api.sh`.

#[test]
fn committed_openapi_document_is_current() {
    let committed = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../web/openapi.json"
    ))
    .expect("web/openapi.json exists");
    let current = sentia_server::openapi_json();
    assert!(
        committed.trim() == current.trim(),
        "web/openapi.json is stale: run scripts/gen-api.sh and commit the result"
    );
    // Every /api/v1 operation that needs a session documents the 401 it gives without one.
    let public: Vec<&str> = sentia_server::routes::public_routes()
        .map(|(_, p)| p)
        .collect();
    let doc: serde_json::Value = serde_json::from_str(&current).unwrap();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            assert!(
                op["operationId"].is_string(),
                "{method} {path} has an operation id"
            );
            if path.starts_with("/api/v1/") && !public.contains(&path.as_str()) {
                assert!(
                    op["responses"]["401"].is_object(),
                    "{method} {path} documents 401"
                );
            }
        }
    }
}
