//! Upsert of one row by `(source, external_id)`: read the stored values, compare, then
//! insert, update or leave alone. Values are typed so the comparison reads each column back
//! as the type it was written with, on both backends.

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{ConnectionTrait, QueryResult, Value};

use crate::forecasting::stmt;
use crate::{StoreError, StoreResult};

/// What an upsert of one row did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Outcome {
    Inserted,
    Updated,
    Unchanged,
}

/// A typed column value (`INTEGER` columns are `I32`: PostgreSQL will not read them as i64).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum F {
    I(i64),
    I32(i32),
    OI32(Option<i32>),
    T(String),
    D(NaiveDate),
    OD(Option<NaiveDate>),
    B(bool),
    OI(Option<i64>),
    Ts(DateTime<Utc>),
}

impl F {
    pub fn value(&self) -> Value {
        match self {
            F::I(v) => (*v).into(),
            F::I32(v) => (*v).into(),
            F::OI32(v) => Value::Int(*v),
            F::T(v) => v.as_str().into(),
            F::D(v) => Value::ChronoDate(Some(*v)),
            F::OD(v) => Value::ChronoDate(*v),
            F::B(v) => (*v).into(),
            F::OI(v) => Value::BigInt(*v),
            F::Ts(v) => Value::ChronoDateTimeUtc(Some(crate::db_time(*v))),
        }
    }

    /// Reads `col` of `r` as the same type as `self`.
    fn read(&self, r: &QueryResult, col: &str) -> StoreResult<F> {
        Ok(match self {
            F::I(_) => F::I(r.try_get("", col)?),
            F::I32(_) => F::I32(r.try_get("", col)?),
            F::OI32(_) => F::OI32(r.try_get("", col)?),
            F::T(_) => F::T(r.try_get("", col)?),
            F::D(_) => F::D(r.try_get("", col)?),
            F::OD(_) => F::OD(r.try_get("", col)?),
            F::B(_) => F::B(r.try_get("", col)?),
            F::OI(_) => F::OI(r.try_get("", col)?),
            F::Ts(_) => F::Ts(r.try_get("", col)?),
        })
    }
}

/// Upserts the row of `table` keyed by `(source, external_id)` so that `cols` hold `vals`;
/// `insert_only` columns are written when the row is new and never compared (creation
/// times). Returns the row id and what happened.
pub(crate) async fn upsert_row<C: ConnectionTrait>(
    conn: &C,
    table: &str,
    source: &str,
    external_id: &str,
    cols: &[(&str, F)],
    insert_only: &[(&str, F)],
) -> StoreResult<(i64, Outcome)> {
    let b = conn.get_database_backend();
    let names = cols.iter().map(|(c, _)| *c).collect::<Vec<_>>();
    let found = conn
        .query_one_raw(stmt(
            b,
            &format!(
                "SELECT id, {} FROM {table} WHERE source = ? AND external_id = ?",
                names.join(", ")
            ),
            vec![source.into(), external_id.into()],
        ))
        .await?;
    if let Some(r) = found {
        let id: i64 = r.try_get("", "id")?;
        let mut same = true;
        for (c, v) in cols {
            if &v.read(&r, c)? != v {
                same = false;
                break;
            }
        }
        if same {
            return Ok((id, Outcome::Unchanged));
        }
        let set = names
            .iter()
            .map(|c| format!("{c} = ?"))
            .collect::<Vec<_>>()
            .join(", ");
        let mut values = cols.iter().map(|(_, v)| v.value()).collect::<Vec<_>>();
        values.push(id.into());
        conn.execute_raw(stmt(
            b,
            &format!("UPDATE {table} SET {set} WHERE id = ?"),
            values,
        ))
        .await?;
        return Ok((id, Outcome::Updated));
    }
    let all = cols.iter().chain(insert_only).collect::<Vec<_>>();
    let mut col_names = all.iter().map(|(c, _)| *c).collect::<Vec<_>>();
    col_names.extend(["source", "external_id"]);
    let mut values = all.iter().map(|(_, v)| v.value()).collect::<Vec<_>>();
    values.extend([source.into(), external_id.into()]);
    let marks = vec!["?"; values.len()].join(", ");
    let row = conn
        .query_one_raw(stmt(
            b,
            &format!(
                "INSERT INTO {table} ({}) VALUES ({marks}) RETURNING id",
                col_names.join(", ")
            ),
            values,
        ))
        .await?
        .ok_or_else(|| StoreError::Invalid(format!("insert into {table} returned no id")))?;
    Ok((row.try_get("", "id")?, Outcome::Inserted))
}

/// Deletes rows of `table` under parent `parent_col = parent_id` from `source` whose
/// external id is not in `keep`; returns how many.
pub(crate) async fn delete_missing<C: ConnectionTrait>(
    conn: &C,
    table: &str,
    parent_col: &str,
    parent_id: i64,
    source: &str,
    keep: &[&str],
) -> StoreResult<u64> {
    let b = conn.get_database_backend();
    let rows = conn
        .query_all_raw(stmt(
            b,
            &format!("SELECT id, source, external_id FROM {table} WHERE {parent_col} = ?"),
            vec![parent_id.into()],
        ))
        .await?;
    let mut n = 0;
    for r in rows {
        let src: String = r.try_get("", "source")?;
        let ext: String = r.try_get("", "external_id")?;
        if src != source || !keep.contains(&ext.as_str()) {
            let id: i64 = r.try_get("", "id")?;
            conn.execute_raw(stmt(
                b,
                &format!("DELETE FROM {table} WHERE id = ?"),
                vec![id.into()],
            ))
            .await?;
            n += 1;
        }
    }
    Ok(n)
}
