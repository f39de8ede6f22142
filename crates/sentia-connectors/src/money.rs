//! Exact decimal parsing into integer units — never `f64`.
//!
//! APIs send money as decimal strings (Shopify) or JSON numbers (Unleashed). Both are read as
//! text and converted digit by digit into `i64` minor units; a value that has non-zero digits
//! beyond the target scale is refused rather than rounded.

use std::fmt;

use sentia_core::currency::Currency;
use serde::{Deserialize, Serialize};

/// An amount in minor units (pence, cents) of a currency. All supported currencies have two
/// decimals.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Money {
    /// Amount in minor units.
    pub minor: i64,
    /// Currency of the amount.
    pub currency: Currency,
}

impl Money {
    /// Decimals of a minor unit for every supported currency.
    pub const SCALE: u32 = 2;

    /// An amount of `minor` units of `currency`.
    pub fn new(minor: i64, currency: Currency) -> Self {
        Self { minor, currency }
    }

    /// Parses a decimal amount (`"12.5"`, `"-0.01"`, `"120"`) exactly.
    pub fn parse(amount: &str, currency: Currency) -> Result<Self, DecimalError> {
        Ok(Self::new(parse_decimal(amount, Self::SCALE)?, currency))
    }

    /// Parses an amount and its ISO currency code, as APIs send them side by side.
    pub fn parse_with_code(amount: &str, code: &str) -> Result<Self, DecimalError> {
        let currency = code
            .parse()
            .map_err(|_| DecimalError::Currency(code.to_owned()))?;
        Self::parse(amount, currency)
    }
}

impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {}",
            format_decimal(self.minor, Self::SCALE),
            self.currency
        )
    }
}

/// A unit price or unit cost, which ERPs keep to more than two decimals: millionths of a major
/// unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct UnitPrice {
    /// Amount in millionths of a major unit (1.2345 GBP is `1_234_500`).
    pub micros: i64,
    /// Currency of the price.
    pub currency: Currency,
}

impl UnitPrice {
    /// Decimals kept.
    pub const SCALE: u32 = 6;

    /// Parses a decimal unit price exactly (up to six decimals).
    pub fn parse(amount: &str, currency: Currency) -> Result<Self, DecimalError> {
        Ok(Self {
            micros: parse_decimal(amount, Self::SCALE)?,
            currency,
        })
    }
}

/// A quantity that may be fractional (kilograms, metres): thousandths of a unit.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize,
)]
pub struct Qty(pub i64);

impl Qty {
    /// Decimals kept.
    pub const SCALE: u32 = 3;

    /// A whole number of units.
    pub fn whole(units: i64) -> Self {
        Self(units * 1000)
    }

    /// Thousandths of a unit.
    pub fn milli(self) -> i64 {
        self.0
    }

    /// Parses a decimal quantity exactly (up to three decimals).
    pub fn parse(s: &str) -> Result<Self, DecimalError> {
        parse_decimal(s, Self::SCALE).map(Self)
    }
}

/// A decimal that cannot be represented exactly at the wanted scale.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecimalError {
    /// Not a plain decimal number (`[-+]digits[.digits]`).
    #[error("not a decimal number: '{0}'")]
    Syntax(String),
    /// Non-zero digits beyond the scale: converting would lose money.
    #[error("'{0}' has more than {1} significant decimals")]
    TooPrecise(String, u32),
    /// Out of the `i64` range at this scale.
    #[error("'{0}' is out of range")]
    Overflow(String),
    /// A currency code Sentia does not trade in.
    #[error("unsupported currency '{0}'")]
    Currency(String),
}

/// Parses a decimal string into an integer scaled by `10^scale`, exactly.
///
/// Accepts an optional sign, digits, and an optional fraction; an exponent (`1e3`) is refused.
/// Trailing zeros beyond the scale are fine (`"1.500"` at scale 2 is 150); other digits there
/// are an error, never rounded.
pub fn parse_decimal(s: &str, scale: u32) -> Result<i64, DecimalError> {
    let syntax = || DecimalError::Syntax(s.to_owned());
    let (negative, digits) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    let (int_part, frac_part) = match digits.split_once('.') {
        Some((i, f)) => (i, f),
        None => (digits, ""),
    };
    if int_part.is_empty() && frac_part.is_empty()
        || !int_part.bytes().all(|b| b.is_ascii_digit())
        || !frac_part.bytes().all(|b| b.is_ascii_digit())
    {
        return Err(syntax());
    }
    let scale_usize = scale as usize;
    if frac_part.len() > scale_usize && frac_part[scale_usize..].bytes().any(|b| b != b'0') {
        return Err(DecimalError::TooPrecise(s.to_owned(), scale));
    }
    let overflow = || DecimalError::Overflow(s.to_owned());
    let mut value: i128 = 0;
    for b in int_part.bytes() {
        value = value * 10 + i128::from(b - b'0');
        if value > i128::from(i64::MAX) {
            return Err(overflow());
        }
    }
    let frac = frac_part.as_bytes();
    for i in 0..scale_usize {
        let d = frac.get(i).map_or(0, |b| b - b'0');
        value = value * 10 + i128::from(d);
    }
    let signed = if negative { -value } else { value };
    i64::try_from(signed).map_err(|_| overflow())
}

/// Parses a decimal like [`parse_decimal`] but rounds digits beyond the scale half away from
/// zero. Only for ratios such as FX rates, which APIs send with more decimals than we keep —
/// never for money.
pub fn parse_decimal_rounded(s: &str, scale: u32) -> Result<i64, DecimalError> {
    match parse_decimal(s, scale) {
        Err(DecimalError::TooPrecise(..)) => {
            let (head, tail) = s.split_at(s.find('.').map_or(s.len(), |i| i + 1 + scale as usize));
            let truncated = parse_decimal(head, scale)?;
            let round_up = tail.as_bytes().first().is_some_and(|d| *d >= b'5');
            let step = if s.starts_with('-') { -1 } else { 1 };
            Ok(if round_up {
                truncated + step
            } else {
                truncated
            })
        }
        other => other,
    }
}

/// Formats an integer scaled by `10^scale` as a decimal string with exactly `scale` decimals.
pub fn format_decimal(value: i64, scale: u32) -> String {
    let sign = if value < 0 { "-" } else { "" };
    let abs = value.unsigned_abs();
    if scale == 0 {
        return format!("{sign}{abs}");
    }
    let p = 10u64.pow(scale);
    format!(
        "{sign}{}.{:0width$}",
        abs / p,
        abs % p,
        width = scale as usize
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_exactly_and_refuses_lossy_values() {
        assert_eq!(parse_decimal("12.5", 2), Ok(1250));
        assert_eq!(parse_decimal("120.0", 2), Ok(12000));
        assert_eq!(parse_decimal("-0.01", 2), Ok(-1));
        assert_eq!(parse_decimal("7", 2), Ok(700));
        assert_eq!(parse_decimal(".5", 2), Ok(50));
        assert_eq!(parse_decimal("1.500", 2), Ok(150));
        assert_eq!(parse_decimal("0.1", 2), Ok(10));
        assert!(matches!(
            parse_decimal("1.005", 2),
            Err(DecimalError::TooPrecise(..))
        ));
        for bad in ["", "-", ".", "1e3", "1.2.3", "abc", " 1", "1,00", "NaN"] {
            assert!(
                matches!(parse_decimal(bad, 2), Err(DecimalError::Syntax(_))),
                "{bad}"
            );
        }
        assert!(matches!(
            parse_decimal("92233720368547758.08", 2),
            Err(DecimalError::Overflow(_))
        ));
        assert_eq!(parse_decimal("-92233720368547758.08", 2), Ok(i64::MIN));
    }

    #[test]
    fn rounds_rates_beyond_the_scale() {
        assert_eq!(parse_decimal_rounded("1.1634000005", 9), Ok(1_163_400_001));
        assert_eq!(parse_decimal_rounded("1.1634000004", 9), Ok(1_163_400_000));
        assert_eq!(parse_decimal_rounded("-0.0000000015", 9), Ok(-2));
        assert_eq!(parse_decimal_rounded("1.25", 9), Ok(1_250_000_000));
        assert!(parse_decimal_rounded("x", 9).is_err());
    }

    #[test]
    fn formats_with_fixed_decimals() {
        assert_eq!(format_decimal(1250, 2), "12.50");
        assert_eq!(format_decimal(-1, 2), "-0.01");
        assert_eq!(format_decimal(i64::MIN, 2), "-92233720368547758.08");
        assert_eq!(
            Money::parse_with_code("3.1", "EUR").unwrap().to_string(),
            "3.10 EUR"
        );
        assert!(matches!(
            Money::parse_with_code("1", "JPY"),
            Err(DecimalError::Currency(_))
        ));
    }
}
