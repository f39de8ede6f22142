//! Data sources and the state of their syncs (migration m0012).
//!
//! A source is one connection Sentia syncs from. Its non-secret settings are plain JSON; its
//! credentials are a JSON object sealed under the master key with the purpose
//! `source:<code>`, so the database alone reveals none of them and a value sealed for one
//! source cannot be moved to another. Reading a source never returns its credentials, only
//! the names of the fields that are set.
//!
//! Sync health is kept per source: the last attempt and success, the last error, the
//! consecutive failures, and the circuit: after [`CIRCUIT_FAILURES`] failures in a row it is
//! open for [`CIRCUIT_OPEN`], during which scheduled syncs are skipped; after that the next
//! sync is the half-open trial, and its success closes the circuit.
//!
//! Cursors are stored per source and object (`orders`, `invoices:ACCREC`, …) as text the
//! connector understands; an incremental sync starts from the stored cursor and stores the
//! next one only after every record it fetched is committed, so a sync killed halfway is
//! repeated from the old cursor (the upserts make the repetition harmless).

use chrono::{DateTime, Duration, Utc};
use sea_orm::{ConnectionTrait, QueryResult, TransactionSession, TransactionTrait, Value};
use serde::{Deserialize, Serialize};

use crate::forecasting::stmt;
use crate::secrets::MasterKey;
use crate::{StoreError, StoreResult, db_time};

/// Consecutive failed syncs that open a source's circuit.
pub const CIRCUIT_FAILURES: i32 = 5;
/// How long an open circuit skips scheduled syncs before a trial sync may run.
pub const CIRCUIT_OPEN: Duration = Duration::seconds(30);
/// Kind of the outbox event appended when a source's configuration or sync state changes
/// (payload `{"code", "state"}`); not a `data.` event, so it does not invalidate data caches.
pub const SOURCE_EVENT: &str = "source.updated";

/// The kinds of source.
pub const KINDS: [&str; 4] = ["shopify", "amazon", "unleashed", "xero"];

/// State of a source's circuit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Circuit {
    /// Syncs run on schedule.
    Closed,
    /// Too many failures in a row: scheduled syncs are skipped until the time has passed.
    Open,
    /// The open time has passed: the next sync is a trial.
    HalfOpen,
}

/// One source with the state of its syncs (never its credentials).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Source {
    /// Stable code, e.g. `shopify-uk`.
    pub code: String,
    /// `shopify`, `amazon`, `unleashed` or `xero`.
    pub kind: String,
    /// Name shown to users.
    pub label: String,
    /// Non-secret settings.
    pub settings: serde_json::Value,
    /// Names of the credential fields that are set (values are never read out here).
    pub credential_fields: Vec<String>,
    /// Whether scheduled syncs run.
    pub enabled: bool,
    /// Seconds between scheduled syncs.
    pub sync_every_secs: i32,
    /// When the last sync started.
    pub last_attempt_at: Option<DateTime<Utc>>,
    /// When the last sync succeeded.
    pub last_success_at: Option<DateTime<Utc>>,
    /// The last sync error, cleared by a success.
    pub last_error: Option<String>,
    /// When that error happened.
    pub last_error_at: Option<DateTime<Utc>>,
    /// Failed syncs since the last success.
    pub consecutive_failures: i32,
    /// Until when the circuit is open.
    pub circuit_open_until: Option<DateTime<Utc>>,
    /// Records the last successful sync stored (inserted or changed).
    pub last_sync_records: i64,
    /// Records all syncs stored.
    pub records_synced: i64,
    /// The last reconciliation's findings.
    pub reconciliation: Option<serde_json::Value>,
    /// When it ran.
    pub reconciled_at: Option<DateTime<Utc>>,
    /// Last change of configuration or state.
    pub updated_at: DateTime<Utc>,
}

impl Source {
    /// The circuit's state at `now`.
    pub fn circuit(&self, now: DateTime<Utc>) -> Circuit {
        match self.circuit_open_until {
            Some(until) if until > now => Circuit::Open,
            Some(_) => Circuit::HalfOpen,
            None => Circuit::Closed,
        }
    }

    /// Whether credentials are stored.
    pub fn connected(&self) -> bool {
        !self.credential_fields.is_empty()
    }

    /// When the next scheduled sync is due (none while disabled or not connected).
    pub fn next_sync_at(&self, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        if !self.enabled || !self.connected() {
            return None;
        }
        let every = Duration::seconds(i64::from(self.sync_every_secs));
        let after_last = self.last_attempt_at.map_or(now, |t| t + every);
        Some(match self.circuit_open_until {
            Some(until) => after_last.max(until),
            None => after_last,
        })
    }
}

/// A change of a source's configuration.
#[derive(Debug, Clone, Default)]
pub struct SourceChange {
    /// New name, if given.
    pub label: Option<String>,
    /// Non-secret settings merged into the stored ones (a `null` value removes a key).
    pub settings: Option<serde_json::Map<String, serde_json::Value>>,
    /// Credential fields merged into the stored ones (an empty string removes a field).
    pub credentials: Option<serde_json::Map<String, serde_json::Value>>,
    /// Turn scheduled syncs on or off.
    pub enabled: Option<bool>,
    /// Seconds between scheduled syncs (at least 30).
    pub sync_every_secs: Option<i32>,
}

/// Purpose bound into a source's sealed credentials.
fn purpose(code: &str) -> String {
    format!("source:{code}")
}

const COLS: &str = "code, kind, label, settings, credentials, enabled, sync_every_secs, \
    last_attempt_at, last_success_at, last_error, last_error_at, consecutive_failures, \
    circuit_open_until, last_sync_records, records_synced, reconciliation, reconciled_at, \
    updated_at";

fn json_text(r: &QueryResult, col: &str) -> StoreResult<Option<serde_json::Value>> {
    let text: Option<String> = r.try_get("", col)?;
    text.map(|t| serde_json::from_str(&t))
        .transpose()
        .map_err(|e| StoreError::Invalid(format!("data_sources.{col}: {e}")))
}

fn source_of(r: &QueryResult, key: &MasterKey) -> StoreResult<Source> {
    let code: String = r.try_get("", "code")?;
    let sealed: Option<String> = r.try_get("", "credentials")?;
    let credential_fields = match sealed {
        Some(s) => {
            let map = open_credentials(key, &code, &s)?;
            map.into_iter()
                .filter(|(_, v)| !v.is_null())
                .map(|(k, _)| k)
                .collect()
        }
        None => Vec::new(),
    };
    Ok(Source {
        kind: r.try_get("", "kind")?,
        label: r.try_get("", "label")?,
        settings: json_text(r, "settings")?.unwrap_or_else(|| serde_json::json!({})),
        credential_fields,
        enabled: r.try_get("", "enabled")?,
        sync_every_secs: r.try_get("", "sync_every_secs")?,
        last_attempt_at: r.try_get("", "last_attempt_at")?,
        last_success_at: r.try_get("", "last_success_at")?,
        last_error: r.try_get("", "last_error")?,
        last_error_at: r.try_get("", "last_error_at")?,
        consecutive_failures: r.try_get("", "consecutive_failures")?,
        circuit_open_until: r.try_get("", "circuit_open_until")?,
        last_sync_records: r.try_get("", "last_sync_records")?,
        records_synced: r.try_get("", "records_synced")?,
        reconciliation: json_text(r, "reconciliation")?,
        reconciled_at: r.try_get("", "reconciled_at")?,
        updated_at: r.try_get("", "updated_at")?,
        code,
    })
}

fn open_credentials(
    key: &MasterKey,
    code: &str,
    sealed: &str,
) -> StoreResult<serde_json::Map<String, serde_json::Value>> {
    let plain = key
        .open(&purpose(code), sealed)
        .map_err(|e| StoreError::Invalid(format!("credentials of source {code}: {e}")))?;
    serde_json::from_str(&plain)
        .map_err(|e| StoreError::Invalid(format!("credentials of source {code}: {e}")))
}

/// Every source, in code order.
pub async fn list<C: ConnectionTrait>(conn: &C, key: &MasterKey) -> StoreResult<Vec<Source>> {
    let rows = conn
        .query_all_raw(stmt(
            conn.get_database_backend(),
            &format!("SELECT {COLS} FROM data_sources ORDER BY code"),
            vec![],
        ))
        .await?;
    rows.iter().map(|r| source_of(r, key)).collect()
}

/// One source.
pub async fn get<C: ConnectionTrait>(conn: &C, key: &MasterKey, code: &str) -> StoreResult<Source> {
    let row = conn
        .query_one_raw(stmt(
            conn.get_database_backend(),
            &format!("SELECT {COLS} FROM data_sources WHERE code = ?"),
            vec![code.into()],
        ))
        .await?
        .ok_or(StoreError::NotFound)?;
    source_of(&row, key)
}

/// The source's credentials, opened (empty when none are stored). For the connector only:
/// never send them to a browser or a log.
pub async fn credentials<C: ConnectionTrait>(
    conn: &C,
    key: &MasterKey,
    code: &str,
) -> StoreResult<serde_json::Map<String, serde_json::Value>> {
    let row = conn
        .query_one_raw(stmt(
            conn.get_database_backend(),
            "SELECT credentials FROM data_sources WHERE code = ?",
            vec![code.into()],
        ))
        .await?
        .ok_or(StoreError::NotFound)?;
    match row.try_get::<Option<String>>("", "credentials")? {
        Some(sealed) => open_credentials(key, code, &sealed),
        None => Ok(serde_json::Map::new()),
    }
}

fn merge(
    into: &mut serde_json::Map<String, serde_json::Value>,
    change: &serde_json::Map<String, serde_json::Value>,
    drop_empty_text: bool,
) {
    for (k, v) in change {
        let remove = v.is_null() || (drop_empty_text && v.as_str().is_some_and(str::is_empty));
        if remove {
            into.remove(k);
        } else {
            into.insert(k.clone(), v.clone());
        }
    }
}

async fn touch<C: ConnectionTrait + TransactionTrait>(
    conn: &C,
    code: &str,
    state: &str,
    now: DateTime<Utc>,
) -> StoreResult<()> {
    crate::events::append(
        conn,
        SOURCE_EVENT,
        &serde_json::json!({ "code": code, "state": state }),
        now,
    )
    .await?;
    Ok(())
}

/// Applies a configuration change in one transaction and returns the source.
/// [`StoreError::Invalid`] names what is wrong (an interval under 30 s, an empty label).
pub async fn configure<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    key: &MasterKey,
    code: &str,
    change: &SourceChange,
    now: DateTime<Utc>,
) -> StoreResult<Source> {
    if change.sync_every_secs.is_some_and(|s| s < 30) {
        return Err(StoreError::Invalid(
            "sync_every_secs must be at least 30".into(),
        ));
    }
    if change.label.as_deref().is_some_and(|l| l.trim().is_empty()) {
        return Err(StoreError::Invalid("label must not be empty".into()));
    }
    let now = db_time(now);
    let txn = crate::begin_write(db).await?;
    let backend = txn.get_database_backend();
    let row = txn
        .query_one_raw(stmt(
            backend,
            "SELECT settings, credentials FROM data_sources WHERE code = ?",
            vec![code.into()],
        ))
        .await?
        .ok_or(StoreError::NotFound)?;
    let mut settings = match json_text(&row, "settings")? {
        Some(serde_json::Value::Object(m)) => m,
        _ => serde_json::Map::new(),
    };
    if let Some(s) = &change.settings {
        merge(&mut settings, s, false);
    }
    let sealed: Option<String> = row.try_get("", "credentials")?;
    let sealed = match &change.credentials {
        Some(c) => {
            let mut creds = match &sealed {
                Some(s) => open_credentials(key, code, s)?,
                None => serde_json::Map::new(),
            };
            merge(&mut creds, c, true);
            (!creds.is_empty()).then(|| {
                key.seal(
                    &purpose(code),
                    &serde_json::Value::Object(creds).to_string(),
                )
            })
        }
        None => sealed,
    };
    txn.execute_raw(stmt(
        backend,
        "UPDATE data_sources SET label = COALESCE(?, label), settings = ?, credentials = ?, \
         enabled = COALESCE(?, enabled), sync_every_secs = COALESCE(?, sync_every_secs), \
         updated_at = ? WHERE code = ?",
        vec![
            change.label.clone().map(|l| l.trim().to_owned()).into(),
            serde_json::Value::Object(settings).to_string().into(),
            sealed.into(),
            change.enabled.into(),
            change.sync_every_secs.into(),
            now.into(),
            code.into(),
        ],
    ))
    .await?;
    touch(&txn, code, "configured", now).await?;
    txn.commit().await?;
    get(db, key, code).await
}

/// Records that a sync of `code` started.
pub async fn record_attempt<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    code: &str,
    now: DateTime<Utc>,
) -> StoreResult<()> {
    let now = db_time(now);
    let txn = crate::begin_write(db).await?;
    let n = txn
        .execute_raw(stmt(
            txn.get_database_backend(),
            "UPDATE data_sources SET last_attempt_at = ?, updated_at = ? WHERE code = ?",
            vec![now.into(), now.into(), code.into()],
        ))
        .await?
        .rows_affected();
    if n == 0 {
        return Err(StoreError::NotFound);
    }
    touch(&txn, code, "syncing", now).await?;
    txn.commit().await?;
    Ok(())
}

/// Records a successful sync that stored `records` records: clears the error and closes the
/// circuit.
pub async fn record_success<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    code: &str,
    records: i64,
    now: DateTime<Utc>,
) -> StoreResult<()> {
    let now = db_time(now);
    let txn = crate::begin_write(db).await?;
    txn.execute_raw(stmt(
        txn.get_database_backend(),
        "UPDATE data_sources SET last_success_at = ?, last_error = NULL, last_error_at = NULL, \
         consecutive_failures = 0, circuit_open_until = NULL, last_sync_records = ?, \
         records_synced = records_synced + ?, updated_at = ? WHERE code = ?",
        vec![
            now.into(),
            records.into(),
            records.into(),
            now.into(),
            code.into(),
        ],
    ))
    .await?;
    touch(&txn, code, "synced", now).await?;
    txn.commit().await?;
    Ok(())
}

/// Notes on a successful sync that some records were refused (`why` names them), without
/// counting it as a failure.
pub async fn record_refusals<C: ConnectionTrait>(
    conn: &C,
    code: &str,
    why: &str,
    now: DateTime<Utc>,
) -> StoreResult<()> {
    let why: String = why.chars().take(2000).collect();
    conn.execute_raw(stmt(
        conn.get_database_backend(),
        "UPDATE data_sources SET last_error = ?, last_error_at = ? WHERE code = ?",
        vec![why.into(), db_time(now).into(), code.into()],
    ))
    .await?;
    Ok(())
}

/// Records a failed sync; the [`CIRCUIT_FAILURES`]th failure in a row (and each failed trial
/// after it) opens the circuit for [`CIRCUIT_OPEN`]. Returns the source's consecutive
/// failures.
pub async fn record_failure<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    code: &str,
    error: &str,
    now: DateTime<Utc>,
) -> StoreResult<i32> {
    let now = db_time(now);
    let open_until = db_time(now + CIRCUIT_OPEN);
    let error: String = error.chars().take(2000).collect();
    let txn = crate::begin_write(db).await?;
    let backend = txn.get_database_backend();
    txn.execute_raw(stmt(
        backend,
        "UPDATE data_sources SET last_error = ?, last_error_at = ?, \
         consecutive_failures = consecutive_failures + 1, \
         circuit_open_until = CASE WHEN consecutive_failures + 1 >= ? THEN ? \
         ELSE circuit_open_until END, updated_at = ? WHERE code = ?",
        vec![
            error.into(),
            now.into(),
            CIRCUIT_FAILURES.into(),
            open_until.into(),
            now.into(),
            code.into(),
        ],
    ))
    .await?;
    let row = txn
        .query_one_raw(stmt(
            backend,
            "SELECT consecutive_failures FROM data_sources WHERE code = ?",
            vec![code.into()],
        ))
        .await?
        .ok_or(StoreError::NotFound)?;
    let failures: i32 = row.try_get("", "consecutive_failures")?;
    touch(&txn, code, "failed", now).await?;
    txn.commit().await?;
    Ok(failures)
}

/// Stores a reconciliation's findings.
pub async fn record_reconciliation<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    code: &str,
    findings: &serde_json::Value,
    now: DateTime<Utc>,
) -> StoreResult<()> {
    let now = db_time(now);
    let txn = crate::begin_write(db).await?;
    txn.execute_raw(stmt(
        txn.get_database_backend(),
        "UPDATE data_sources SET reconciliation = ?, reconciled_at = ?, updated_at = ? \
         WHERE code = ?",
        vec![
            findings.to_string().into(),
            now.into(),
            now.into(),
            code.into(),
        ],
    ))
    .await?;
    touch(&txn, code, "reconciled", now).await?;
    txn.commit().await?;
    Ok(())
}

/// The stored cursor of one object of a source.
pub async fn cursor<C: ConnectionTrait>(
    conn: &C,
    code: &str,
    object: &str,
) -> StoreResult<Option<String>> {
    let row = conn
        .query_one_raw(stmt(
            conn.get_database_backend(),
            "SELECT cursor FROM sync_cursors WHERE source_code = ? AND object = ?",
            vec![code.into(), object.into()],
        ))
        .await?;
    Ok(row.map(|r| r.try_get("", "cursor")).transpose()?)
}

/// Stores the cursor of one object of a source.
pub async fn save_cursor<C: ConnectionTrait>(
    conn: &C,
    code: &str,
    object: &str,
    cursor: &str,
    now: DateTime<Utc>,
) -> StoreResult<()> {
    conn.execute_raw(stmt(
        conn.get_database_backend(),
        "INSERT INTO sync_cursors (source_code, object, cursor, updated_at) VALUES (?, ?, ?, ?) \
         ON CONFLICT (source_code, object) DO UPDATE SET cursor = excluded.cursor, \
         updated_at = excluded.updated_at",
        vec![
            code.into(),
            object.into(),
            cursor.into(),
            db_time(now).into(),
        ],
    ))
    .await?;
    Ok(())
}

/// Forgets every cursor of a source, so its next sync is a full one.
pub async fn reset_cursors<C: ConnectionTrait>(conn: &C, code: &str) -> StoreResult<u64> {
    Ok(conn
        .execute_raw(stmt(
            conn.get_database_backend(),
            "DELETE FROM sync_cursors WHERE source_code = ?",
            vec![code.into()],
        ))
        .await?
        .rows_affected())
}

/// Takes the source's token-refresh lease until `until` if nobody holds it at `now`;
/// `false` when another worker holds it.
pub async fn take_token_lease<C: ConnectionTrait>(
    conn: &C,
    code: &str,
    now: DateTime<Utc>,
    until: DateTime<Utc>,
) -> StoreResult<bool> {
    let n = conn
        .execute_raw(stmt(
            conn.get_database_backend(),
            "UPDATE data_sources SET token_lease_until = ? WHERE code = ? \
             AND (token_lease_until IS NULL OR token_lease_until <= ?)",
            vec![db_time(until).into(), code.into(), db_time(now).into()],
        ))
        .await?
        .rows_affected();
    Ok(n == 1)
}

/// Gives the token-refresh lease back.
pub async fn release_token_lease<C: ConnectionTrait>(conn: &C, code: &str) -> StoreResult<()> {
    conn.execute_raw(stmt(
        conn.get_database_backend(),
        "UPDATE data_sources SET token_lease_until = NULL WHERE code = ?",
        vec![code.into()],
    ))
    .await?;
    Ok(())
}

/// Atomically replaces credential fields if the field `guard` still holds `expected`
/// (rotating OAuth refresh tokens); `false`, changing nothing, when it does not.
pub async fn swap_credentials<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    key: &MasterKey,
    code: &str,
    guard: &str,
    expected: &str,
    change: &serde_json::Map<String, serde_json::Value>,
) -> StoreResult<bool> {
    let txn = crate::begin_write(db).await?;
    let backend = txn.get_database_backend();
    let lock = match backend {
        sea_orm::DbBackend::Postgres => " FOR UPDATE",
        _ => "",
    };
    let row = txn
        .query_one_raw(stmt(
            backend,
            &format!("SELECT credentials FROM data_sources WHERE code = ?{lock}"),
            vec![code.into()],
        ))
        .await?
        .ok_or(StoreError::NotFound)?;
    let Some(sealed) = row.try_get::<Option<String>>("", "credentials")? else {
        return Ok(false);
    };
    let mut creds = open_credentials(key, code, &sealed)?;
    if creds.get(guard).and_then(|v| v.as_str()) != Some(expected) {
        return Ok(false);
    }
    merge(&mut creds, change, true);
    let sealed = key.seal(
        &purpose(code),
        &serde_json::Value::Object(creds).to_string(),
    );
    txn.execute_raw(stmt(
        backend,
        "UPDATE data_sources SET credentials = ? WHERE code = ?",
        vec![Value::from(sealed), code.into()],
    ))
    .await?;
    txn.commit().await?;
    Ok(true)
}
