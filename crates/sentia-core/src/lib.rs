//! Sentia domain types and pure business math.
//!
//! No IO and no async: everything here is deterministic and unit-testable. Storage and the
//! HTTP edge convert their rows and requests into these types.
#![forbid(unsafe_code)]

pub mod calendar;
pub mod currency;
pub mod kpi;
pub mod money;
pub mod reference;
