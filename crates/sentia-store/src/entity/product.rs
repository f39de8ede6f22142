//! `products`: finished SKUs and their components.
#![expect(missing_docs, reason = "SeaORM derives generate undocumented items")]

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "products")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub sku: String,
    pub name: String,
    pub kind: String,
    pub family: String,
    pub bottle_size_ml: Option<i32>,
    pub uom: String,
    pub unit_cost_minor: i64,
    pub case_pack: i32,
    pub active: bool,
    pub source: String,
    pub external_id: String,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
