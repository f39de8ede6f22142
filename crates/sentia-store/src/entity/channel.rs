//! `channels`: where Sentia sells (Amazon FBA and Shopify per region).
#![expect(missing_docs, reason = "SeaORM derives generate undocumented items")]

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "channels")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub code: String,
    pub name: String,
    pub kind: String,
    pub region: String,
    pub currency: String,
    pub fulfilment_location_id: i64,
    pub source: String,
    pub external_id: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
