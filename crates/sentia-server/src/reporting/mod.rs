//! Reporting: an in-memory sales cube answering summaries and KPIs in microseconds.

pub mod cache;
pub mod cube;
pub mod query;
