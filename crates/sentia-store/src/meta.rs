//! Installation facts kept in `app_meta`.

use chrono::NaiveDate;
use sea_orm::sea_query::OnConflict;
use sea_orm::{ConnectionTrait, EntityTrait, Set};

use crate::StoreResult;
use crate::entity::app_meta;

/// Key of the last day the data covers (`YYYY-MM-DD`).
pub const DATA_THROUGH: &str = "data_through";

/// Reads one value.
#[tracing::instrument(skip_all)]
pub async fn get<C: ConnectionTrait>(conn: &C, key: &str) -> StoreResult<Option<String>> {
    Ok(app_meta::Entity::find_by_id(key.to_owned())
        .one(conn)
        .await?
        .map(|m| m.value))
}

/// Writes one value, replacing any previous one.
#[tracing::instrument(skip_all)]
pub async fn set<C: ConnectionTrait>(conn: &C, key: &str, value: &str) -> StoreResult<()> {
    let row = app_meta::ActiveModel {
        key: Set(key.to_owned()),
        value: Set(value.to_owned()),
    };
    app_meta::Entity::insert(row)
        .on_conflict(
            OnConflict::column(app_meta::Column::Key)
                .update_column(app_meta::Column::Value)
                .to_owned(),
        )
        .exec(conn)
        .await?;
    Ok(())
}

/// The last day the data covers, if any data was loaded.
pub async fn data_through<C: ConnectionTrait>(conn: &C) -> StoreResult<Option<NaiveDate>> {
    Ok(get(conn, DATA_THROUGH)
        .await?
        .and_then(|v| NaiveDate::parse_from_str(&v, "%Y-%m-%d").ok()))
}
