//! The crate's error type.

/// Why a series could not be fitted or a forecast could not be produced.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ForecastError {
    /// The series has no observations.
    #[error("the series is empty")]
    Empty,
    /// A value is NaN or infinite; gaps must be made explicit with [`crate::Series::from_options`].
    #[error("value at index {index} is not finite ({value})")]
    NonFinite {
        /// Position of the offending value.
        index: usize,
        /// The value itself.
        value: f64,
    },
    /// Every observation is censored or missing, so nothing can be fitted.
    #[error("every observation is censored or missing")]
    AllCensored,
    /// The censoring mask does not have one entry per value.
    #[error("censoring mask has {got} entries for {expected} values")]
    MaskLength {
        /// Number of values in the series.
        expected: usize,
        /// Number of mask entries supplied.
        got: usize,
    },
    /// The series is too short for the model, and the model has no fallback.
    #[error("{model} needs at least {needed} observations, got {got}")]
    TooShort {
        /// Model name.
        model: String,
        /// Observations needed.
        needed: usize,
        /// Observations available.
        got: usize,
    },
    /// A model for demand (Croston family) was given a negative value.
    #[error("{model} needs non-negative demand; value at index {index} is {value}")]
    NegativeDemand {
        /// Model name.
        model: String,
        /// Position of the offending value.
        index: usize,
        /// The value itself.
        value: f64,
    },
    /// An interval level outside the open interval (0, 1).
    #[error("interval level {0} is not in (0, 1); use e.g. 0.8 or 0.95")]
    InvalidLevel(f64),
    /// A model or configuration parameter is out of range.
    #[error("invalid parameter {name}: {reason}")]
    InvalidParameter {
        /// Parameter name.
        name: &'static str,
        /// What is wrong with it.
        reason: String,
    },
    /// The arithmetic overflowed (values near the limits of `f64`).
    #[error("{model} produced a non-finite forecast (input magnitudes too large)")]
    NonFiniteOutput {
        /// Model name.
        model: String,
    },
}
