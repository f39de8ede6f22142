//! How much each reconciliation method costs or gains, measured on the database's own demand
//! history (`sentia forecast reconcile-bench`): base forecasts of every series and total are
//! made as of past origins, reconciled by each method, and scored on the weeks that followed.
//!
//! The score is WAPE per level (series, SKU, channel, region, company): the sum of absolute
//! errors over every node of the level, step and origin, divided by the sum of actual units,
//! in %. Stockout weeks count as the units sold (the demand that could be observed); a gap (no
//! orders at all that week) counts as zero.

use std::fmt;

use sentia_forecast::hierarchy::Method;
use sentia_store::forecasting::NewForecast;
use sentia_store::forecasting::history::{DemandHistory, DemandSeries, REGION_PREFIX, TOTAL_KEY};

use super::engine::HORIZON;
use super::reconcile::reconcile_with;
use super::runner::base_forecasts;

/// The levels of the hierarchy, bottom first.
pub const LEVELS: [&str; 5] = ["series", "sku", "channel", "region", "company"];

/// The methods compared, after the base forecasts (`base`, not coherent).
pub const METHODS: [Method; 4] = [
    Method::BottomUp,
    Method::Ols,
    Method::WlsVar,
    Method::MinTShrink,
];

/// The level of a stored `(sku, channel)` key, as an index into [`LEVELS`].
pub fn level_of(sku: &str, channel: &str) -> usize {
    match (sku == TOTAL_KEY, channel) {
        (false, c) if c != TOTAL_KEY => 0,
        (false, _) => 1,
        (true, TOTAL_KEY) => 4,
        (true, c) if c.starts_with(REGION_PREFIX) => 3,
        (true, _) => 2,
    }
}

/// One method's scores.
#[derive(Debug, Clone, PartialEq)]
pub struct MethodScore {
    /// `base` or the method's name (e.g. `mint_shrink`).
    pub method: String,
    /// WAPE in % per level ([`LEVELS`] order); `None` where nothing was scored.
    pub wape: [Option<f64>; 5],
}

/// The comparison over every origin.
#[derive(Debug, Clone, PartialEq)]
pub struct Comparison {
    /// Origins, in weeks before the end of the history, that could be scored.
    pub origins: Vec<usize>,
    /// Nodes per level ([`LEVELS`] order).
    pub nodes: [usize; 5],
    /// Backtest errors MinT could use (shared by every node) at each origin.
    pub shared_errors: Vec<usize>,
    /// `base` first, then [`METHODS`].
    pub scores: Vec<MethodScore>,
}

#[derive(Default, Clone, Copy)]
struct Sums {
    abs_error: f64,
    actual: f64,
}

fn score(
    nodes: &[&DemandSeries],
    forecasts: &[NewForecast],
    back: usize,
    sums: &mut [Sums; 5],
) -> usize {
    let mut scored = 0;
    for f in forecasts {
        let Some(node) = nodes
            .iter()
            .find(|n| n.sku == f.sku && n.channel == f.channel)
        else {
            continue;
        };
        let level = level_of(&f.sku, &f.channel);
        let first = node.periods.len().saturating_sub(back);
        for (k, p) in f.points.iter().enumerate() {
            let Some(period) = node.periods.get(first + k) else {
                break;
            };
            let actual = period.units.unwrap_or(0.0);
            sums[level].abs_error += (actual - p.point).abs();
            sums[level].actual += actual;
            scored += 1;
        }
    }
    scored
}

/// Forecasts every node as of each origin in `backs` (weeks before the end of the history; an
/// origin with fewer than [`HORIZON`] weeks after it is skipped), reconciles by each of
/// [`METHODS`] and scores on the following [`HORIZON`] weeks.
pub fn compare(history: &DemandHistory, backs: &[usize]) -> Comparison {
    let backs: Vec<usize> = backs.iter().copied().filter(|&b| b >= HORIZON).collect();
    let nodes: Vec<&DemandSeries> = history.series.iter().chain(&history.totals).collect();
    let mut counts = [0usize; 5];
    for n in &nodes {
        counts[level_of(&n.sku, &n.channel)] += 1;
    }
    let mut sums = vec![[Sums::default(); 5]; METHODS.len() + 1];
    let mut shared_errors = Vec::new();
    let mut origins = Vec::new();
    for origin in base_forecasts(history, &backs) {
        if origin.forecasts.is_empty() {
            continue;
        }
        origins.push(origin.back);
        score(&nodes, &origin.forecasts, origin.back, &mut sums[0]);
        for (i, method) in METHODS.iter().enumerate() {
            let mut forecasts = origin.forecasts.clone();
            reconcile_with(&history.series, &mut forecasts, &origin.residuals, *method);
            if *method == Method::MinTShrink {
                shared_errors.push(
                    forecasts
                        .first()
                        .and_then(|f| f.parameters["reconciliation"]["residuals"].as_u64())
                        .unwrap_or(0) as usize,
                );
            }
            score(&nodes, &forecasts, origin.back, &mut sums[i + 1]);
        }
    }
    let names = std::iter::once("base").chain(METHODS.iter().map(|m| m.name()));
    let scores = names
        .zip(&sums)
        .map(|(name, s)| MethodScore {
            method: name.to_owned(),
            wape: s.map(|x| (x.actual > 0.0).then(|| 100.0 * x.abs_error / x.actual)),
        })
        .collect();
    Comparison {
        origins,
        nodes: counts,
        shared_errors,
        scores,
    }
}

impl fmt::Display for Comparison {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "WAPE % over {} origin(s) ({} weeks back), {HORIZON} weeks each",
            self.origins.len(),
            self.origins
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        )?;
        let header: Vec<String> = LEVELS
            .iter()
            .zip(self.nodes)
            .map(|(l, n)| format!("{l} ({n})"))
            .collect();
        writeln!(f, "| method | {} |", header.join(" | "))?;
        writeln!(f, "|---|{}", "---|".repeat(LEVELS.len()))?;
        for s in &self.scores {
            let cells: Vec<String> = s
                .wape
                .iter()
                .map(|w| w.map_or_else(|| "–".into(), |w| format!("{w:.1}")))
                .collect();
            writeln!(f, "| {} | {} |", s.method, cells.join(" | "))?;
        }
        write!(
            f,
            "backtest errors shared by every node (MinT's covariance): {}",
            self.shared_errors
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{Days, NaiveDate};
    use sentia_store::forecasting::history::{DemandPeriod, totals};

    fn series(sku: &str, channel: &str, region: &str, base: f64, weeks: usize) -> DemandSeries {
        let d0 = NaiveDate::from_ymd_opt(2024, 1, 1).unwrap();
        DemandSeries {
            sku: sku.into(),
            channel: channel.into(),
            region: region.into(),
            periods: (0..weeks)
                .map(|t| {
                    let season = (t as f64 * std::f64::consts::TAU / 52.0).sin();
                    let wobble = ((t * 7 + sku.len() * 3 + channel.len()) % 5) as f64 - 2.0;
                    DemandPeriod {
                        start: d0 + Days::new(7 * t as u64),
                        units: Some((base * (1.0 + 0.3 * season) + wobble).round()),
                        stockout_days: 0,
                        censored: false,
                    }
                })
                .collect(),
        }
    }

    #[test]
    fn levels_are_told_apart_by_their_keys() {
        assert_eq!(level_of("GIN", "AMZ-UK"), 0);
        assert_eq!(level_of("GIN", "*"), 1);
        assert_eq!(level_of("*", "AMZ-UK"), 2);
        assert_eq!(level_of("*", "region:UK"), 3);
        assert_eq!(level_of("*", "*"), 4);
    }

    #[test]
    fn every_method_is_scored_at_every_level_on_the_weeks_after_each_origin() {
        let bottom = vec![
            series("GIN", "AMZ-UK", "UK", 40.0, 140),
            series("RUM", "AMZ-UK", "UK", 25.0, 140),
            series("GIN", "SHOP-US", "US", 30.0, 140),
            series("RUM", "SHOP-US", "US", 12.0, 140),
        ];
        let first_day = bottom[0].periods[0].start;
        let next_period = bottom[0].periods.last().unwrap().start + Days::new(7);
        let history = DemandHistory {
            first_day,
            last_day: next_period - Days::new(1),
            next_period,
            totals: totals(&bottom),
            series: bottom,
        };
        // 5 weeks back is too few to score a 13-week horizon and is skipped.
        let c = compare(&history, &[5, 13]);
        assert_eq!(c.origins, vec![13]);
        assert_eq!(c.nodes, [4, 2, 2, 2, 1]);
        assert_eq!(c.shared_errors.len(), 1);
        assert!(c.shared_errors[0] > 0, "{:?}", c.shared_errors);
        assert_eq!(c.scores.len(), 1 + METHODS.len());
        let names: Vec<&str> = c.scores.iter().map(|s| s.method.as_str()).collect();
        assert_eq!(
            names,
            ["base", "bottom_up", "ols", "wls_var", "mint_shrink"]
        );
        for s in &c.scores {
            for w in s.wape {
                let w = w.expect("every level scored");
                assert!(w.is_finite() && w > 0.0 && w < 100.0, "{s:?}");
            }
        }
        // Bottom-up keeps the series' own forecasts (none of these goes below zero), so
        // its series-level score is the base one; a total's score then differs.
        let (base, bu) = (&c.scores[0], &c.scores[1]);
        assert!((base.wape[0].unwrap() - bu.wape[0].unwrap()).abs() < 1e-9);
        assert_ne!(base.wape[4], bu.wape[4]);
        let text = c.to_string();
        assert!(text.contains("| mint_shrink |"), "{text}");
        assert!(text.contains("company (1)"), "{text}");
    }
}
