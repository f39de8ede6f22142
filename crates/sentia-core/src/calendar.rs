//! Reporting periods: date ranges, their previous period, and time buckets.

use std::str::FromStr;

use chrono::{Datelike, Days, NaiveDate};
use serde::{Deserialize, Serialize};

/// Longest range a report may span, in days (ten years).
pub const MAX_RANGE_DAYS: i64 = 3_660;

/// An inclusive range of calendar days with `from <= to`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DateRange {
    from: NaiveDate,
    to: NaiveDate,
}

/// Why a date range is not acceptable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RangeError {
    /// `from` is after `to`.
    #[error("'from' ({from}) is after 'to' ({to})")]
    Inverted {
        /// Start asked for.
        from: NaiveDate,
        /// End asked for.
        to: NaiveDate,
    },
    /// Longer than [`MAX_RANGE_DAYS`].
    #[error("the range spans {0} days; at most {MAX_RANGE_DAYS} are allowed")]
    TooLong(i64),
}

impl DateRange {
    /// Checks and builds a range.
    pub fn new(from: NaiveDate, to: NaiveDate) -> Result<Self, RangeError> {
        if from > to {
            return Err(RangeError::Inverted { from, to });
        }
        let days = (to - from).num_days() + 1;
        if days > MAX_RANGE_DAYS {
            return Err(RangeError::TooLong(days));
        }
        Ok(Self { from, to })
    }

    /// The `days` days ending on `to` (inclusive).
    pub fn ending(to: NaiveDate, days: u64) -> Self {
        let from = to
            .checked_sub_days(Days::new(days.saturating_sub(1)))
            .unwrap_or(NaiveDate::MIN);
        Self { from, to }
    }

    /// First day.
    pub fn from(&self) -> NaiveDate {
        self.from
    }

    /// Last day (inclusive).
    pub fn to(&self) -> NaiveDate {
        self.to
    }

    /// Number of days in the range.
    pub fn days(&self) -> i64 {
        (self.to - self.from).num_days() + 1
    }

    /// The range of equal length that ends the day before this one starts.
    pub fn previous(&self) -> Self {
        let to = self.from.pred_opt().unwrap_or(NaiveDate::MIN);
        Self::ending(to, self.days() as u64)
    }
}

/// Earliest year a report date may have.
pub const MIN_YEAR: i32 = 1900;
/// Latest year a report date may have.
pub const MAX_YEAR: i32 = 2200;

/// Parses `YYYY-MM-DD` with a year from [`MIN_YEAR`] to [`MAX_YEAR`], so date arithmetic on
/// the result can never overflow.
pub fn parse_date(s: &str) -> Result<NaiveDate, String> {
    let d = NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .map_err(|_| format!("'{s}' is not a date in the form YYYY-MM-DD"))?;
    if !(MIN_YEAR..=MAX_YEAR).contains(&d.year()) {
        return Err(format!(
            "'{s}' is outside the years {MIN_YEAR} to {MAX_YEAR}"
        ));
    }
    Ok(d)
}

/// Size of the time buckets of a report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Granularity {
    /// One bucket per day.
    #[default]
    Day,
    /// ISO weeks, starting Monday.
    Week,
    /// Calendar months.
    Month,
}

impl Granularity {
    /// The first day of the bucket that holds `d`.
    pub fn bucket_start(self, d: NaiveDate) -> NaiveDate {
        match self {
            Granularity::Day => d,
            Granularity::Week => d
                .checked_sub_days(Days::new(u64::from(d.weekday().num_days_from_monday())))
                .unwrap_or(d),
            Granularity::Month => d.with_day(1).unwrap_or(d),
        }
    }

    /// Code used in the API.
    pub fn code(self) -> &'static str {
        match self {
            Granularity::Day => "day",
            Granularity::Week => "week",
            Granularity::Month => "month",
        }
    }
}

impl FromStr for Granularity {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "day" => Ok(Granularity::Day),
            "week" => Ok(Granularity::Week),
            "month" => Ok(Granularity::Month),
            other => Err(format!(
                "unknown granularity '{other}': expected day, week or month"
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        parse_date(s).unwrap()
    }

    #[test]
    fn ranges_validate_and_have_a_previous_period() {
        assert!(matches!(
            DateRange::new(d("2026-02-02"), d("2026-02-01")),
            Err(RangeError::Inverted { .. })
        ));
        assert!(matches!(
            DateRange::new(d("2000-01-01"), d("2026-01-01")),
            Err(RangeError::TooLong(_))
        ));
        let r = DateRange::new(d("2026-03-01"), d("2026-03-31")).unwrap();
        assert_eq!(r.days(), 31);
        let p = r.previous();
        assert_eq!((p.from(), p.to()), (d("2026-01-29"), d("2026-02-28")));
    }

    #[test]
    fn buckets_start_on_monday_and_first_of_month() {
        assert_eq!(
            Granularity::Week.bucket_start(d("2026-11-22")),
            d("2026-11-16")
        );
        assert_eq!(
            Granularity::Month.bucket_start(d("2026-11-22")),
            d("2026-11-01")
        );
        assert_eq!(
            Granularity::Day.bucket_start(d("2026-11-22")),
            d("2026-11-22")
        );
        assert!(parse_date("2026-13-01").is_err());
        assert!(parse_date("22/11/2026").is_err());
        assert!(parse_date("-262143-01-01").is_err());
        assert!(parse_date("+262142-12-31").is_err());
        assert!(parse_date("1899-12-31").is_err());
        assert!(parse_date("2200-12-31").is_ok());
        assert_eq!(
            Granularity::Week.bucket_start(NaiveDate::MIN),
            NaiveDate::MIN
        );
    }
}
