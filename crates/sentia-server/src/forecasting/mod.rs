//! Demand forecasting in the product: background runs over the weekly demand history of
//! every SKU × channel and of their totals ([`runner`]), made to add up ([`reconcile`], its
//! methods compared on the history by [`reconcile_bench`]); the
//! per-series engine protocol ([`engine`]), the combination weights ([`ensemble`]), the
//! trend/seasonal decomposition shown on the page ([`decompose`]) and scoring of frozen
//! forecasts and overrides against actuals ([`accuracy`]).

pub mod accuracy;
pub mod adjusted;
pub mod decompose;
pub mod engine;
pub mod ensemble;
pub mod history_cache;
pub mod reconcile;
pub mod reconcile_bench;
pub mod runner;
