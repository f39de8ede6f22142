//! Coherent forecasts: every total (overall, per region, per channel, per SKU) equals the sum
//! of its SKU × channel series, step by step.
//!
//! Each series and each total is forecast on its own (the base forecasts), then reconciled.
//! The product uses OLS, the projection that needs no error estimates ([`METHOD`]). On the demo
//! history it scored better than MinT with a shrunk covariance at every level
//! (`sentia forecast reconcile-bench`, figures in `docs/forecasting.md`). MinT's covariance
//! can only use the backtest errors that every node shares, and a stockout week in any series
//! removes that week from all of them, so few remain. [`reconcile_with`] runs any method of
//! [`sentia_forecast::hierarchy`]. For the error-based ones (WLS, MinT), the errors of every
//! origin and step that every node was scored on estimate the covariance; with fewer than
//! three, the next simpler method runs and that is recorded. Demand is never negative: a series reconciled below zero is set to
//! zero and the totals are summed again, so they still add up. Each node keeps its base
//! intervals' distances from the point, around the reconciled point. What was done is stored
//! with every forecast under `parameters.reconciliation`, with the base point.

use std::collections::BTreeSet;

use sentia_forecast::Forecast;
use sentia_forecast::hierarchy::{Hierarchy, Method, Node};
use sentia_store::forecasting::NewForecast;
use sentia_store::forecasting::history::{DemandSeries, REGION_PREFIX, TOTAL_KEY};

/// The reconciliation asked for (the next simpler one runs when it cannot).
pub const METHOD: Method = Method::Ols;

/// Attributes of a bottom series, in [`Hierarchy`] order.
const ATTRIBUTES: [&str; 3] = ["sku", "channel", "region"];

/// The stored `(sku, channel)` of a node (see [`DemandSeries`] for the keys of totals).
fn stored_key(node: &Node) -> (String, String) {
    let get = |a: &str| {
        node.key
            .iter()
            .find(|(k, _)| k == a)
            .map_or_else(|| TOTAL_KEY.to_owned(), |(_, v)| v.clone())
    };
    if node.is_bottom {
        return (get("sku"), get("channel"));
    }
    match node.key.first().map(|(k, v)| (k.as_str(), v)) {
        Some(("region", r)) => (TOTAL_KEY.to_owned(), format!("{REGION_PREFIX}{r}")),
        Some(("channel", c)) => (TOTAL_KEY.to_owned(), c.clone()),
        Some(("sku", s)) => (s.clone(), TOTAL_KEY.to_owned()),
        _ => (TOTAL_KEY.to_owned(), TOTAL_KEY.to_owned()),
    }
}

fn record(f: &mut NewForecast, value: serde_json::Value) {
    if let Some(p) = f.parameters.as_object_mut() {
        p.insert("reconciliation".into(), value);
    }
}

/// Reconciles `forecasts` (the base forecasts of `bottom`'s series and of their totals, as of
/// one origin, in any order) in place; `residuals[i]` are the backtest errors of
/// `forecasts[i]`, keyed by origin and step alike for every node. Leaves the base forecasts as they are, saying why, when a
/// node is missing.
pub fn reconcile(
    bottom: &[DemandSeries],
    forecasts: &mut [NewForecast],
    residuals: &[Vec<(usize, f64)>],
) {
    reconcile_with(bottom, forecasts, residuals, METHOD);
}

/// [`reconcile`] by `method` (for comparing methods; the product uses [`METHOD`]).
pub fn reconcile_with(
    bottom: &[DemandSeries],
    forecasts: &mut [NewForecast],
    residuals: &[Vec<(usize, f64)>],
    method: Method,
) {
    let rows: Vec<Vec<String>> = bottom
        .iter()
        .map(|s| vec![s.sku.clone(), s.channel.clone(), s.region.clone()])
        .collect();
    let levels = [vec![], vec!["region"], vec!["channel"], vec!["sku"]];
    let hierarchy = match Hierarchy::new(&ATTRIBUTES, &rows, &levels) {
        Ok(h) => h,
        Err(e) => {
            let why = serde_json::json!({"method": "none", "reason": e.to_string()});
            forecasts.iter_mut().for_each(|f| record(f, why.clone()));
            return;
        }
    };
    let index: Option<Vec<usize>> = hierarchy
        .nodes()
        .iter()
        .map(|n| {
            let (sku, channel) = stored_key(n);
            forecasts
                .iter()
                .position(|f| f.sku == sku && f.channel == channel)
        })
        .collect();
    let Some(index) = index else {
        let why = serde_json::json!({"method": "none",
            "reason": "a series or total has no forecast at this origin"});
        forecasts.iter_mut().for_each(|f| record(f, why.clone()));
        return;
    };

    // Errors at the origins and steps every node was scored on.
    let mut common: Option<BTreeSet<usize>> = None;
    for &i in &index {
        let here: BTreeSet<usize> = residuals[i].iter().map(|(t, _)| *t).collect();
        common = Some(match common {
            None => here,
            Some(c) => c.intersection(&here).copied().collect(),
        });
    }
    let common = common.unwrap_or_default();
    let aligned: Vec<Vec<f64>> = index
        .iter()
        .map(|&i| {
            common
                .iter()
                .filter_map(|t| residuals[i].iter().find(|(u, _)| u == t).map(|(_, e)| *e))
                .collect()
        })
        .collect();

    let base: Vec<Forecast> = index
        .iter()
        .map(|&i| Forecast {
            point: forecasts[i].points.iter().map(|p| p.point).collect(),
            intervals: Vec::new(),
        })
        .collect();
    let reconciled =
        match hierarchy.reconcile(&base, (!common.is_empty()).then_some(&aligned[..]), method) {
            Ok(r) => r,
            Err(e) => {
                let why = serde_json::json!({"method": "none", "reason": e.to_string()});
                forecasts.iter_mut().for_each(|f| record(f, why.clone()));
                return;
            }
        };

    // The bottom series, never below zero; every node is then the sum of its series.
    let nodes = hierarchy.nodes();
    let first_bottom = nodes.len() - hierarchy.bottom_count();
    let horizon = base.first().map_or(0, |b| b.point.len());
    let mut clipped = false;
    let bottom_points: Vec<Vec<f64>> = reconciled.forecasts[first_bottom..]
        .iter()
        .map(|f| {
            f.point
                .iter()
                .map(|&p| {
                    clipped |= p < 0.0;
                    p.max(0.0)
                })
                .collect()
        })
        .collect();
    let fallbacks: Vec<String> = reconciled
        .fallbacks
        .iter()
        .map(|f| format!("{} → {}: {}", f.from, f.to, f.reason))
        .collect();
    for (node, &i) in nodes.iter().zip(&index) {
        let f = &mut forecasts[i];
        let base_point: Vec<f64> = f.points.iter().map(|p| p.point).collect();
        for (k, p) in f.points.iter_mut().enumerate().take(horizon) {
            let point: f64 = node.bottom.iter().map(|&b| bottom_points[b][k]).sum();
            let shift = |bound: f64, toward: f64| (point + (bound - toward)).max(0.0);
            let base = p.point;
            p.lo95 = shift(p.lo95, base).min(point);
            p.lo80 = shift(p.lo80, base).min(point).max(p.lo95);
            p.hi80 = shift(p.hi80, base).max(point);
            p.hi95 = shift(p.hi95, base).max(p.hi80);
            p.point = point;
        }
        record(
            f,
            serde_json::json!({
                "method": reconciled.method.name(),
                "shrinkage": reconciled.shrinkage,
                "residuals": common.len(),
                "clipped_at_zero": clipped,
                "fallbacks": fallbacks,
                "base_point": base_point,
                "level": node.label(),
            }),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{Days, NaiveDate};
    use sentia_store::forecasting::ForecastPoint;
    use sentia_store::forecasting::history::totals;

    fn series(sku: &str, channel: &str, region: &str) -> DemandSeries {
        DemandSeries {
            sku: sku.into(),
            channel: channel.into(),
            region: region.into(),
            periods: Vec::new(),
        }
    }

    fn forecast(s: &DemandSeries, points: &[f64]) -> NewForecast {
        let d0 = NaiveDate::from_ymd_opt(2026, 11, 30).unwrap();
        NewForecast {
            sku: s.sku.clone(),
            channel: s.channel.clone(),
            granularity: "week".into(),
            season: 52,
            model: "ensemble".into(),
            engine_version: "test".into(),
            parameters: serde_json::json!({}),
            horizon: points.len() as i32,
            origin_date: d0,
            frozen: false,
            points: points
                .iter()
                .enumerate()
                .map(|(k, &p)| ForecastPoint {
                    step: k as i32 + 1,
                    period_start: d0 + Days::new(7 * (k as u64 + 1)),
                    point: p,
                    lo80: (p - 2.0).max(0.0),
                    hi80: p + 2.0,
                    lo95: (p - 4.0).max(0.0),
                    hi95: p + 4.0,
                })
                .collect(),
            metrics: Vec::new(),
        }
    }

    fn point(fs: &[NewForecast], sku: &str, channel: &str, k: usize) -> f64 {
        fs.iter()
            .find(|f| f.sku == sku && f.channel == channel)
            .unwrap()
            .points[k]
            .point
    }

    #[test]
    fn every_total_adds_up_and_no_series_goes_below_zero() {
        let bottom = vec![
            series("A", "C1", "UK"),
            series("B", "C1", "UK"),
            series("A", "C2", "US"),
            series("B", "C2", "US"),
        ];
        let nodes: Vec<DemandSeries> = bottom.iter().cloned().chain(totals(&bottom)).collect();
        // Base forecasts that do not add up; B on C2 is near zero, so reconciling may push it
        // below.
        let base = |s: &DemandSeries| -> Vec<f64> {
            match (s.sku.as_str(), s.channel.as_str()) {
                ("A", "C1") => vec![10.0, 11.0],
                ("B", "C1") => vec![5.0, 5.0],
                ("A", "C2") => vec![8.0, 8.0],
                ("B", "C2") => vec![0.2, 0.1],
                ("*", "*") => vec![30.0, 18.0],
                ("*", "region:UK") => vec![16.0, 15.0],
                ("*", "region:US") => vec![9.0, 2.0],
                ("*", "C1") => vec![15.0, 16.0],
                ("*", "C2") => vec![7.0, 3.0],
                ("A", "*") => vec![19.0, 18.0],
                _ => vec![6.0, 5.0],
            }
        };
        let mut fs: Vec<NewForecast> = nodes.iter().map(|s| forecast(s, &base(s))).collect();
        // Ten weeks of residuals, larger for the totals.
        let residuals: Vec<Vec<(usize, f64)>> = nodes
            .iter()
            .enumerate()
            .map(|(i, s)| {
                let scale = if s.is_bottom() { 1.0 } else { 3.0 };
                (0..10)
                    .map(|t| (t, scale * (((t * 7 + i * 3) % 5) as f64 - 2.0)))
                    .collect()
            })
            .collect();
        reconcile(&bottom, &mut fs, &residuals);
        for k in 0..2 {
            let sum = |pred: &dyn Fn(&DemandSeries) -> bool| -> f64 {
                bottom
                    .iter()
                    .filter(|s| pred(s))
                    .map(|s| point(&fs, &s.sku, &s.channel, k))
                    .sum()
            };
            let close = |a: f64, b: f64| (a - b).abs() < 1e-9;
            assert!(close(point(&fs, "*", "*", k), sum(&|_| true)));
            assert!(close(
                point(&fs, "*", "region:UK", k),
                sum(&|s| s.region == "UK")
            ));
            assert!(close(point(&fs, "*", "C2", k), sum(&|s| s.channel == "C2")));
            assert!(close(point(&fs, "A", "*", k), sum(&|s| s.sku == "A")));
            for f in &fs {
                let p = &f.points[k];
                assert!(
                    0.0 <= p.lo95
                        && p.lo95 <= p.lo80
                        && p.lo80 <= p.point
                        && p.point <= p.hi80
                        && p.hi80 <= p.hi95,
                    "{} / {}: {p:?}",
                    f.sku,
                    f.channel
                );
            }
        }
        // The base forecasts did not add up, so reconciliation moved them, and says so.
        assert_ne!(point(&fs, "*", "*", 0), 30.0);
        let r = &fs[0].parameters["reconciliation"];
        assert_eq!(r["method"], "ols", "{r}");
        assert_eq!(r["residuals"], 10);
        assert_eq!(r["base_point"][0], 10.0);
    }

    #[test]
    fn without_residuals_it_falls_back_and_records_why() {
        let bottom = vec![series("A", "C1", "UK"), series("B", "C1", "UK")];
        let nodes: Vec<DemandSeries> = bottom.iter().cloned().chain(totals(&bottom)).collect();
        let mut fs: Vec<NewForecast> = nodes.iter().map(|s| forecast(s, &[4.0])).collect();
        reconcile_with(
            &bottom,
            &mut fs,
            &vec![Vec::new(); nodes.len()],
            Method::MinTShrink,
        );
        let r = &fs[0].parameters["reconciliation"];
        assert_eq!(r["method"], "ols", "{r}");
        assert!(!r["fallbacks"].as_array().unwrap().is_empty());
        assert!(
            (point(&fs, "*", "*", 0) - point(&fs, "A", "*", 0) - point(&fs, "B", "*", 0)).abs()
                < 1e-9
        );

        // A missing total leaves the base forecasts, saying why.
        let mut partial: Vec<NewForecast> = fs[..2].to_vec();
        reconcile(&bottom, &mut partial, &vec![Vec::new(); 2]);
        assert_eq!(partial[0].parameters["reconciliation"]["method"], "none");
    }
}
