//! Data sources: each connection Sentia syncs from (a Shopify store per region, an Amazon
//! seller account per region, Unleashed, Xero), with its settings, its credentials sealed
//! under the master key, the health of its syncs (last attempt, last success, the last error,
//! consecutive failures and the circuit that opens after five of them) and, per object it
//! syncs, the cursor the next incremental sync starts from.
//!
//! The company's seven sources are created here, disabled and without credentials: an admin
//! connects them on the Data page.

use sea_orm_migration::prelude::*;

use super::run_script;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m0012_data_sources"
    }
}

// No `;` inside comments: run_script splits statements on it.
const UP: &str = r#"
CREATE TABLE data_sources (
    code TEXT PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('shopify', 'amazon', 'unleashed', 'xero')),
    label TEXT NOT NULL,
    -- Non-secret settings as a JSON object (shop domain, region, channel, API host).
    settings TEXT NOT NULL,
    -- Secret settings as a JSON object sealed with the master key, NULL until connected.
    credentials TEXT,
    enabled BOOLEAN NOT NULL,
    sync_every_secs INTEGER NOT NULL CHECK (sync_every_secs >= 30),
    last_attempt_at {TS},
    last_success_at {TS},
    last_error TEXT,
    last_error_at {TS},
    consecutive_failures INTEGER NOT NULL DEFAULT 0,
    circuit_open_until {TS},
    last_sync_records BIGINT NOT NULL DEFAULT 0,
    records_synced BIGINT NOT NULL DEFAULT 0,
    -- The last reconciliation (JSON) and when it ran.
    reconciliation TEXT,
    reconciled_at {TS},
    -- Held by the one worker refreshing the source's OAuth tokens, until it ends or expires.
    token_lease_until {TS},
    updated_at {TS} NOT NULL
);
CREATE TABLE sync_cursors (
    source_code TEXT NOT NULL REFERENCES data_sources(code),
    object TEXT NOT NULL,
    cursor TEXT NOT NULL,
    updated_at {TS} NOT NULL,
    PRIMARY KEY (source_code, object)
);
INSERT INTO data_sources (code, kind, label, settings, enabled, sync_every_secs, updated_at) VALUES
    ('shopify-uk', 'shopify', 'Shopify UK', '{"channel":"SHOP-UK","api_version":"2026-10"}', FALSE, 60, CURRENT_TIMESTAMP),
    ('shopify-eu', 'shopify', 'Shopify EU', '{"channel":"SHOP-EU","api_version":"2026-10"}', FALSE, 60, CURRENT_TIMESTAMP),
    ('shopify-us', 'shopify', 'Shopify US', '{"channel":"SHOP-US","api_version":"2026-10"}', FALSE, 60, CURRENT_TIMESTAMP),
    ('amazon-eu', 'amazon', 'Amazon EU', '{"region":"eu","channels":{"A1F83G8C2ARO7P":"AMZ-UK","A1PA6795UKMFR9":"AMZ-EU","A13V1IB3VIYZZH":"AMZ-EU","APJ6JRA9NG5V4":"AMZ-EU","A1RKKUPIHCS9HS":"AMZ-EU","A1805IZSGTT6HS":"AMZ-EU","A28R8C7NBKEWEA":"AMZ-EU"}}', FALSE, 300, CURRENT_TIMESTAMP),
    ('amazon-na', 'amazon', 'Amazon US', '{"region":"na","channels":{"ATVPDKIKX0DER":"AMZ-US"}}', FALSE, 300, CURRENT_TIMESTAMP),
    ('unleashed', 'unleashed', 'Unleashed', '{}', FALSE, 300, CURRENT_TIMESTAMP),
    ('xero', 'xero', 'Xero', '{}', FALSE, 300, CURRENT_TIMESTAMP)
"#;

const DOWN: &str = r#"
DROP TABLE sync_cursors;
DROP TABLE data_sources
"#;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        run_script(manager, UP).await
    }

    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        run_script(manager, DOWN).await
    }
}
