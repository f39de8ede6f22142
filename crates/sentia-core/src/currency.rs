//! Currencies and dated foreign-exchange rates.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// Scale of stored FX rates: a rate of 1.1634 is stored as `1_163_400_000`.
pub const FX_SCALE: i64 = 1_000_000_000;

/// A currency Sentia trades or reports in. Base (book-keeping) currency is GBP.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Currency {
    /// Pound sterling, the base currency of the books.
    #[serde(rename = "GBP")]
    Gbp,
    /// Euro.
    #[serde(rename = "EUR")]
    Eur,
    /// US dollar.
    #[serde(rename = "USD")]
    Usd,
}

impl Currency {
    /// Every supported currency, base first.
    pub const ALL: [Currency; 3] = [Currency::Gbp, Currency::Eur, Currency::Usd];
    /// The currency the books are kept in.
    pub const BASE: Currency = Currency::Gbp;

    /// ISO 4217 code.
    pub fn code(self) -> &'static str {
        match self {
            Currency::Gbp => "GBP",
            Currency::Eur => "EUR",
            Currency::Usd => "USD",
        }
    }

    /// Position in [`Currency::ALL`], handy for per-currency arrays.
    pub fn index(self) -> usize {
        match self {
            Currency::Gbp => 0,
            Currency::Eur => 1,
            Currency::Usd => 2,
        }
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// A code that is not a supported currency.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown currency '{0}': expected one of GBP, EUR, USD")]
pub struct UnknownCurrency(pub String);

impl FromStr for Currency {
    type Err = UnknownCurrency;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "GBP" => Ok(Currency::Gbp),
            "EUR" => Ok(Currency::Eur),
            "USD" => Ok(Currency::Usd),
            other => Err(UnknownCurrency(other.to_owned())),
        }
    }
}

/// The rates of one day: units of each currency per one GBP, scaled by [`FX_SCALE`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DayRates {
    per_gbp: [i64; 3],
}

impl DayRates {
    /// Builds the day's rates from GBP→EUR and GBP→USD (scaled). Rates must be positive.
    pub fn new(gbp_eur: i64, gbp_usd: i64) -> Option<Self> {
        (gbp_eur > 0 && gbp_usd > 0).then_some(Self {
            per_gbp: [FX_SCALE, gbp_eur, gbp_usd],
        })
    }

    /// Units of `c` per one GBP, scaled.
    pub fn per_gbp(&self, c: Currency) -> i64 {
        self.per_gbp[c.index()]
    }

    /// Converts `minor` units of `from` into minor units of `to` at this day's cross rate,
    /// rounding half away from zero. All three currencies have two decimals, so minor units
    /// convert like major units.
    pub fn convert(&self, minor: i64, from: Currency, to: Currency) -> i64 {
        if from == to {
            return minor;
        }
        let num = i128::from(minor) * i128::from(self.per_gbp(to));
        let den = i128::from(self.per_gbp(from));
        let q = num / den;
        let r = num % den;
        let rounded = if 2 * r.abs() >= den {
            q + num.signum()
        } else {
            q
        };
        i64::try_from(rounded).unwrap_or(if num < 0 { i64::MIN } else { i64::MAX })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn converts_with_cross_rates_and_rounds_half_away_from_zero() {
        let r = DayRates::new(1_150_000_000, 1_250_000_000).unwrap();
        assert_eq!(r.convert(1000, Currency::Gbp, Currency::Eur), 1150);
        assert_eq!(r.convert(1150, Currency::Eur, Currency::Gbp), 1000);
        // 1 EUR cent in USD = 1.25/1.15 = 1.087 → 1
        assert_eq!(r.convert(1, Currency::Eur, Currency::Usd), 1);
        // 2 GBP pence *1.25 = 2.5 → 3; negative → -3
        assert_eq!(r.convert(2, Currency::Gbp, Currency::Usd), 3);
        assert_eq!(r.convert(-2, Currency::Gbp, Currency::Usd), -3);
        assert_eq!(r.convert(777, Currency::Usd, Currency::Usd), 777);
    }

    #[test]
    fn rejects_non_positive_rates_and_unknown_codes() {
        assert!(DayRates::new(0, 1).is_none());
        assert!("JPY".parse::<Currency>().is_err());
        assert_eq!("EUR".parse::<Currency>().unwrap(), Currency::Eur);
    }
}
