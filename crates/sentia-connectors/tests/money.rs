//! Exact decimal money parsing, property-tested.

use proptest::prelude::*;
use sentia_connectors::money::{DecimalError, format_decimal, parse_decimal};
use sentia_connectors::{Money, UnitPrice};
use sentia_core::currency::Currency;

proptest! {
    #[test]
    fn formatted_minor_units_parse_back_exactly(minor in any::<i64>()) {
        let s = format_decimal(minor, 2);
        prop_assert_eq!(parse_decimal(&s, 2), Ok(minor));
        prop_assert_eq!(Money::parse(&s, Currency::Eur).map(|m| m.minor), Ok(minor));
    }

    #[test]
    fn shopify_style_and_padded_strings_parse_exactly(minor in -10_i64.pow(13)..10_i64.pow(13), pad in 0usize..4) {
        let s = format_decimal(minor, 2);
        let short = s.strip_suffix('0').unwrap_or(&s).to_owned();
        prop_assert_eq!(parse_decimal(&short, 2), Ok(minor));
        let padded = format!("{s}{}", "0".repeat(pad));
        prop_assert_eq!(parse_decimal(&padded, 2), Ok(minor));
        // Unit prices keep six decimals: the same amount is 10^4 times as many units.
        prop_assert_eq!(UnitPrice::parse(&s, Currency::Gbp).map(|p| p.micros), Ok(minor * 10_000));
    }

    #[test]
    fn a_non_zero_digit_past_the_scale_is_refused(minor in -10_i64.pow(12)..10_i64.pow(12), d in 1u8..=9) {
        let s = format!("{}{d}", format_decimal(minor, 2));
        prop_assert!(matches!(parse_decimal(&s, 2), Err(DecimalError::TooPrecise(..))));
    }

    #[test]
    fn json_numbers_read_through_their_text_are_exact(minor in -10_i64.pow(13)..10_i64.pow(13)) {
        // Unleashed sends amounts as JSON numbers; serde_json prints the shortest text that
        // reads back as the same double, which for ≤ 15 significant digits is the decimal.
        let n = serde_json::Number::from_f64(minor as f64 / 100.0).unwrap();
        prop_assert_eq!(parse_decimal(&n.to_string(), 2), Ok(minor));
    }
}
