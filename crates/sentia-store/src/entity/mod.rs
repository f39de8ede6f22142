//! SeaORM entities of the tables the application reads and writes row by row.
//! Bulk loaders write the other tables through [`crate::bulk`].

pub mod app_meta;
pub mod channel;
pub mod product;
pub mod product_price;
pub mod session;
pub mod user;
