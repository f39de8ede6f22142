//! Value types: the input [`Series`] and the output [`Forecast`].

use crate::error::ForecastError;

/// A univariate, regularly spaced series, validated on construction.
///
/// Values are finite. Points can be *censored* (a stockout day: the recorded sales are a lower
/// bound on demand, not demand) or *missing* (an explicit gap); both are excluded from fitting
/// wherever the model allows, and neither is ever treated as a zero.
// Serialize only: deserializing would bypass the checks in the constructors.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct Series {
    values: Vec<f64>,
    censored: Option<Vec<bool>>,
    gaps: Vec<usize>,
    season: usize,
    calendar: Option<Calendar>,
    regressors: Vec<Regressor>,
}

/// Spacing of a series' periods, for calendar features.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub enum Frequency {
    /// One period per day.
    Daily,
    /// One period per week (7 days).
    Weekly,
    /// One period per calendar month (the start's day of month is kept, clamped to the
    /// month's length).
    Monthly,
}

/// The date of each period: the first period's date and the spacing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct Calendar {
    /// Date of period 0.
    pub start: chrono::NaiveDate,
    /// Spacing of the periods.
    pub frequency: Frequency,
}

impl Calendar {
    /// The date of period `i` (it may lie after the series, for forecasts).
    pub fn date(&self, i: usize) -> chrono::NaiveDate {
        use chrono::{Datelike, Days, Months};
        match self.frequency {
            Frequency::Daily => self.start + Days::new(i as u64),
            Frequency::Weekly => self.start + Days::new(7 * i as u64),
            Frequency::Monthly => {
                let first = self.start.with_day(1).unwrap_or(self.start);
                let month = first + Months::new(i as u32);
                let day = self.start.day();
                (0..4)
                    .find_map(|back| month.with_day(day - back))
                    .unwrap_or(month)
            }
        }
    }
}

/// What an exogenous series means to the models that use one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub enum RegressorKind {
    /// A holiday indicator (1 on the holiday's periods, 0 elsewhere; fractions for a holiday
    /// covering part of a period).
    Holiday,
    /// A planned promotion (its intensity, e.g. 1 = on promotion, or the discount share).
    Promotion,
    /// Any other known driver (e.g. a price index).
    Other,
}

/// An exogenous series known over the history and, where planned, beyond it.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct Regressor {
    /// Name, unique within the series (e.g. `christmas`, `promo`).
    pub name: String,
    /// What it means.
    pub kind: RegressorKind,
    /// One value per period from period 0; values past the series' end are the known future
    /// (a promotion plan, the holiday calendar). Periods after the last value count as 0.
    pub values: Vec<f64>,
}

impl Regressor {
    /// The value at period `i` (0 after the known values).
    pub fn at(&self, i: usize) -> f64 {
        self.values.get(i).copied().unwrap_or(0.0)
    }
}

impl Series {
    /// A non-seasonal series. Refuses an empty input and NaN/inf (with the index).
    pub fn new(values: Vec<f64>) -> Result<Self, ForecastError> {
        crate::checks::validate_values(&values)?;
        Ok(Self {
            values,
            censored: None,
            gaps: Vec::new(),
            season: 1,
            calendar: None,
            regressors: Vec::new(),
        })
    }

    /// A series with explicit gaps: `None` is a missing period. Gaps are filled by linear
    /// interpolation (flat at the ends) only so that the index stays regular; they are marked
    /// censored, so models that can skip points never fit them, and listed in [`Series::gaps`].
    pub fn from_options(values: &[Option<f64>]) -> Result<Self, ForecastError> {
        if values.is_empty() {
            return Err(ForecastError::Empty);
        }
        if let Some((index, value)) = values
            .iter()
            .enumerate()
            .find_map(|(i, v)| v.filter(|x| !x.is_finite()).map(|x| (i, x)))
        {
            return Err(ForecastError::NonFinite { index, value });
        }
        let known: Vec<usize> = (0..values.len()).filter(|&i| values[i].is_some()).collect();
        if known.is_empty() {
            return Err(ForecastError::AllCensored);
        }
        let at = |i: usize| values[i].unwrap_or_default();
        let mut filled = Vec::with_capacity(values.len());
        let mut gaps = Vec::new();
        let mut next_known = 0;
        for (i, v) in values.iter().enumerate() {
            while next_known < known.len() && known[next_known] < i {
                next_known += 1;
            }
            match v {
                Some(x) => filled.push(*x),
                None => {
                    gaps.push(i);
                    let after = known.get(next_known).copied();
                    let before = next_known.checked_sub(1).map(|k| known[k]);
                    let x = match (before, after) {
                        (Some(b), Some(a)) => {
                            let w = (i - b) as f64 / (a - b) as f64;
                            at(b) + w * (at(a) - at(b))
                        }
                        (Some(b), None) => at(b),
                        (None, Some(a)) => at(a),
                        (None, None) => unreachable!("known is non-empty"),
                    };
                    filled.push(x);
                }
            }
        }
        let mask = (0..values.len()).map(|i| values[i].is_none()).collect();
        let mut series = Self::new(filled)?;
        series.censored = Some(mask);
        series.gaps = gaps;
        Ok(series)
    }

    /// Sets the season length (`1` = non-seasonal; `0` is refused).
    pub fn with_season(mut self, season: usize) -> Result<Self, ForecastError> {
        if season == 0 {
            return Err(ForecastError::InvalidParameter {
                name: "season",
                reason: "must be at least 1 (1 = non-seasonal)".into(),
            });
        }
        self.season = season;
        Ok(self)
    }

    /// Marks censored points (`true` = censored, e.g. a stockout day). Merged with any gaps.
    pub fn with_censored(mut self, censored: Vec<bool>) -> Result<Self, ForecastError> {
        if censored.len() != self.values.len() {
            return Err(ForecastError::MaskLength {
                expected: self.values.len(),
                got: censored.len(),
            });
        }
        let merged = match self.censored.take() {
            Some(old) => old.iter().zip(&censored).map(|(a, b)| *a || *b).collect(),
            None => censored,
        };
        self.censored = Some(merged);
        Ok(self)
    }

    /// Dates the periods (for calendar features such as month of year).
    pub fn with_calendar(mut self, start: chrono::NaiveDate, frequency: Frequency) -> Self {
        self.calendar = Some(Calendar { start, frequency });
        self
    }

    /// Adds an exogenous series: `values` covers at least the history (one per period from
    /// period 0) and may run past it with the known future. Refuses a short or non-finite
    /// series, a duplicate or empty name, and a holiday indicator outside 0..=1.
    pub fn with_regressor(
        mut self,
        name: impl Into<String>,
        kind: RegressorKind,
        values: Vec<f64>,
    ) -> Result<Self, ForecastError> {
        let name = name.into();
        let bad = |reason: String| ForecastError::InvalidParameter {
            name: "regressor",
            reason,
        };
        if name.trim().is_empty() {
            return Err(bad("a regressor needs a name".into()));
        }
        if self.regressors.iter().any(|r| r.name == name) {
            return Err(bad(format!("regressor `{name}` is given twice")));
        }
        if values.len() < self.values.len() {
            return Err(bad(format!(
                "regressor `{name}` has {} values; the series has {} periods",
                values.len(),
                self.values.len()
            )));
        }
        if let Some((i, v)) = values.iter().enumerate().find(|(_, v)| !v.is_finite()) {
            return Err(bad(format!("regressor `{name}` is {v} at period {i}")));
        }
        if kind == RegressorKind::Holiday
            && let Some((i, v)) = values
                .iter()
                .enumerate()
                .find(|(_, v)| !(0.0..=1.0).contains(*v))
        {
            return Err(bad(format!(
                "holiday `{name}` is {v} at period {i}; an indicator lies in 0..=1"
            )));
        }
        self.regressors.push(Regressor { name, kind, values });
        Ok(self)
    }

    /// The calendar, if the series is dated.
    pub fn calendar(&self) -> Option<&Calendar> {
        self.calendar.as_ref()
    }

    /// The date of period `i` (may lie past the end), if the series is dated.
    pub fn date(&self, i: usize) -> Option<chrono::NaiveDate> {
        self.calendar.map(|c| c.date(i))
    }

    /// The exogenous series, in the order added.
    pub fn regressors(&self) -> &[Regressor] {
        &self.regressors
    }

    /// The values (gaps interpolated, censored points as recorded).
    pub fn values(&self) -> &[f64] {
        &self.values
    }

    /// The censoring mask, if any point is censored or missing.
    pub fn censored(&self) -> Option<&[bool]> {
        self.censored.as_deref()
    }

    /// Whether the point at `i` is censored or missing.
    pub fn is_censored(&self, i: usize) -> bool {
        self.censored.as_ref().is_some_and(|m| m[i])
    }

    /// Indexes of explicit gaps (see [`Series::from_options`]).
    pub fn gaps(&self) -> &[usize] {
        &self.gaps
    }

    /// Season length (`1` = non-seasonal).
    pub fn season(&self) -> usize {
        self.season
    }

    /// Number of periods.
    pub fn len(&self) -> usize {
        self.values.len()
    }

    /// Always `false`: an empty series cannot be constructed.
    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    /// `(index, value)` of the points a model may fit (neither censored nor missing).
    pub fn observed(&self) -> impl Iterator<Item = (usize, f64)> + '_ {
        self.values
            .iter()
            .enumerate()
            .filter(|(i, _)| !self.is_censored(*i))
            .map(|(i, v)| (i, *v))
    }

    /// The first `len` periods (mask, gaps, season, calendar and regressors kept; the
    /// regressors' values after the prefix become its known future). `len` is clamped to `1..=self.len()`.
    pub fn prefix(&self, len: usize) -> Self {
        let len = len.clamp(1, self.values.len());
        Self {
            values: self.values[..len].to_vec(),
            censored: self.censored.as_ref().map(|m| m[..len].to_vec()),
            gaps: self.gaps.iter().copied().filter(|&g| g < len).collect(),
            season: self.season,
            calendar: self.calendar,
            // Regressors keep every value: past the prefix they are its known future.
            regressors: self.regressors.clone(),
        }
    }
}

/// One prediction interval.
#[derive(Debug, Clone, PartialEq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Interval {
    /// Nominal coverage in (0, 1), e.g. `0.95`.
    pub level: f64,
    /// Lower bound per horizon step.
    pub lower: Vec<f64>,
    /// Upper bound per horizon step.
    pub upper: Vec<f64>,
}

/// Point forecasts and prediction intervals for horizon steps `1..=h`.
#[derive(Debug, Clone, PartialEq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Forecast {
    /// Point forecast per horizon step.
    pub point: Vec<f64>,
    /// One interval per requested level, in the order requested.
    pub intervals: Vec<Interval>,
}

impl Forecast {
    /// Number of horizon steps.
    pub fn horizon(&self) -> usize {
        self.point.len()
    }

    /// The interval at `level` (compared to within 1e-9), if it was requested.
    pub fn interval(&self, level: f64) -> Option<&Interval> {
        self.intervals
            .iter()
            .find(|i| (i.level - level).abs() < 1e-9)
    }

    /// Resets to `h` zeroed steps and one zeroed interval per level, reusing allocations.
    pub(crate) fn reset(&mut self, h: usize, levels: &[f64]) {
        self.point.clear();
        self.point.resize(h, 0.0);
        self.intervals.truncate(levels.len());
        while self.intervals.len() < levels.len() {
            self.intervals.push(Interval::default());
        }
        for (iv, &level) in self.intervals.iter_mut().zip(levels) {
            iv.level = level;
            iv.lower.clear();
            iv.lower.resize(h, 0.0);
            iv.upper.clear();
            iv.upper.resize(h, 0.0);
        }
    }

    /// Whether every number is finite.
    pub(crate) fn is_finite(&self) -> bool {
        self.point.iter().all(|x| x.is_finite())
            && self
                .intervals
                .iter()
                .all(|i| i.lower.iter().chain(&i.upper).all(|x| x.is_finite()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn calendars_date_every_period_including_month_ends() {
        let monthly = Calendar {
            start: d(2024, 1, 31),
            frequency: Frequency::Monthly,
        };
        assert_eq!(monthly.date(1), d(2024, 2, 29));
        assert_eq!(monthly.date(2), d(2024, 3, 31));
        assert_eq!(monthly.date(13), d(2025, 2, 28));
        let weekly = Calendar {
            start: d(2024, 12, 30),
            frequency: Frequency::Weekly,
        };
        assert_eq!(weekly.date(1), d(2025, 1, 6));
        let daily = Calendar {
            start: d(2024, 2, 28),
            frequency: Frequency::Daily,
        };
        assert_eq!(daily.date(2), d(2024, 3, 1));
    }

    #[test]
    fn regressors_are_checked_and_their_future_survives_a_prefix() {
        let s = Series::new(vec![1.0, 2.0, 3.0]).unwrap();
        let err = s
            .clone()
            .with_regressor("promo", RegressorKind::Promotion, vec![0.0, 1.0])
            .unwrap_err();
        assert!(err.to_string().contains("2 values"), "{err}");
        let err = s
            .clone()
            .with_regressor("xmas", RegressorKind::Holiday, vec![0.0, 2.0, 0.0])
            .unwrap_err();
        assert!(err.to_string().contains("period 1"), "{err}");
        let err = s
            .clone()
            .with_regressor("p", RegressorKind::Other, vec![0.0, f64::NAN, 0.0])
            .unwrap_err();
        assert!(err.to_string().contains("period 1"), "{err}");
        let s = s
            .with_regressor("promo", RegressorKind::Promotion, vec![0.0, 1.0, 0.0, 1.0])
            .unwrap();
        assert!(
            s.clone()
                .with_regressor("promo", RegressorKind::Other, vec![0.0; 3])
                .is_err()
        );
        let p = s.prefix(2);
        assert_eq!(p.len(), 2);
        assert_eq!(p.regressors()[0].at(2), 0.0);
        assert_eq!(p.regressors()[0].at(3), 1.0);
        assert_eq!(p.regressors()[0].at(9), 0.0);
    }
}
