//! Key performance indicator formulas.

/// Gross margin as a percentage of revenue; `None` without revenue.
pub fn gross_margin_pct(revenue_minor: i64, cogs_minor: i64) -> Option<f64> {
    crate::money::percent(revenue_minor - cogs_minor, revenue_minor)
}

/// Days of stock cover: units on hand divided by the average units sold per day over the
/// period. `None` when nothing sold (cover is unbounded).
pub fn stock_cover_days(on_hand_units: i64, units_sold: i64, period_days: i64) -> Option<f64> {
    if units_sold <= 0 || period_days <= 0 {
        return None;
    }
    Some(on_hand_units as f64 / (units_sold as f64 / period_days as f64))
}

/// Relative change from `previous` to `current` in percent; `None` when `previous` is zero.
pub fn change_pct(current: f64, previous: f64) -> Option<f64> {
    (previous != 0.0 && previous.is_finite() && current.is_finite())
        .then(|| (current - previous) * 100.0 / previous.abs())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas() {
        assert_eq!(gross_margin_pct(200, 50), Some(75.0));
        assert_eq!(gross_margin_pct(0, 50), None);
        assert_eq!(stock_cover_days(300, 100, 10), Some(30.0));
        assert_eq!(stock_cover_days(300, 0, 10), None);
        assert!((change_pct(110.0, 100.0).unwrap() - 10.0).abs() < 1e-9);
        assert_eq!(change_pct(1.0, 0.0), None);
        assert!((change_pct(-50.0, -100.0).unwrap() - 50.0).abs() < 1e-9);
    }
}
