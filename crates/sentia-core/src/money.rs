//! Money arithmetic on integer minor units — never floating point.

/// `part / whole` as a percentage, `None` when the whole is zero.
pub fn percent(part: i64, whole: i64) -> Option<f64> {
    (whole != 0).then(|| part as f64 * 100.0 / whole as f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percent_of_a_whole() {
        assert_eq!(percent(1, 4), Some(25.0));
        assert_eq!(percent(-1, 4), Some(-25.0));
        assert_eq!(percent(1, 0), None);
    }
}
