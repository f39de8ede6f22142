//! Money as integer minor units with a currency — never floating point.

use serde::{Deserialize, Serialize};

use crate::currency::Currency;

/// An amount in minor units (pence, cents) of a currency.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Money {
    /// Amount in minor units.
    pub amount_minor: i64,
    /// Currency of the amount.
    pub currency: Currency,
}

impl Money {
    /// Creates an amount.
    pub fn new(amount_minor: i64, currency: Currency) -> Self {
        Self {
            amount_minor,
            currency,
        }
    }
}

/// `part / whole` as a percentage, `None` when the whole is zero.
pub fn percent(part: i64, whole: i64) -> Option<f64> {
    (whole != 0).then(|| part as f64 * 100.0 / whole as f64)
}

/// Applies a discount in basis points to a minor-unit amount, rounding half up.
pub fn apply_discount_bp(minor: i64, discount_bp: i64) -> i64 {
    let keep = 10_000 - discount_bp;
    (minor * keep + 5_000).div_euclid(10_000)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percent_and_discount() {
        assert_eq!(percent(1, 4), Some(25.0));
        assert_eq!(percent(1, 0), None);
        assert_eq!(apply_discount_bp(3_000, 1_500), 2_550);
        assert_eq!(apply_discount_bp(999, 0), 999);
    }
}
