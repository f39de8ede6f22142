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

    /// The first `len` periods (mask, gaps and season kept). `len` is clamped to `1..=self.len()`.
    pub fn prefix(&self, len: usize) -> Self {
        let len = len.clamp(1, self.values.len());
        Self {
            values: self.values[..len].to_vec(),
            censored: self.censored.as_ref().map(|m| m[..len].to_vec()),
            gaps: self.gaps.iter().copied().filter(|&g| g < len).collect(),
            season: self.season,
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
