//! Coherent forecasts for a hierarchy of series: every aggregate equals the sum of its parts.
//!
//! The bottom level is given as series with attributes (e.g. SKU, channel, region); each
//! aggregation level is a subset of the attributes to group by (`[]` = the grand total). A
//! [`Hierarchy`] lists every node (aggregate or bottom series) with the bottom series it sums,
//! i.e. the rows of the summing matrix `S`.
//!
//! Reconciliation takes a base forecast for every node and returns coherent ones:
//!
//! * [`Method::BottomUp`]: aggregates are the sums of the bottom forecasts.
//! * [`Method::Ols`]: `ỹ = S (SᵀS)⁻¹ Sᵀ ŷ` (Hyndman et al. 2011).
//! * [`Method::WlsVar`]: weighted by each node's residual variance.
//! * [`Method::MinTShrink`]: `ỹ = S (Sᵀ W⁻¹ S)⁻¹ Sᵀ W⁻¹ ŷ` with `W` the residual covariance
//!   shrunk towards its diagonal (Wickramasuriya, Athanasopoulos & Hyndman 2019; Schäfer &
//!   Strimmer's shrinkage intensity). The optimal method when residuals are available.
//!
//! Intervals are re-centred: each node keeps its base interval's distances from the point,
//! around the reconciled point (bottom-up sums of bounds would overstate the spread of a total).
//! When a weighted method cannot run (too few residuals, a singular matrix) the next simpler one
//! runs and a [`Fallback`] is recorded.

use nalgebra::{DMatrix, DVector};

use crate::checks::Fallback;
use crate::error::ForecastError;
use crate::types::Forecast;

/// One node of the hierarchy.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Node {
    /// Attributes grouped by, with their values, e.g. `[("region", "UK")]`; empty for the total.
    pub key: Vec<(String, String)>,
    /// Whether this node is a bottom series.
    pub is_bottom: bool,
    /// Indexes of the bottom series it sums (sorted).
    pub bottom: Vec<usize>,
}

impl Node {
    /// `region=UK/channel=AMZ-UK`, or `total`.
    pub fn label(&self) -> String {
        if self.key.is_empty() {
            return "total".into();
        }
        self.key
            .iter()
            .map(|(a, v)| format!("{a}={v}"))
            .collect::<Vec<_>>()
            .join("/")
    }
}

/// The nodes of a hierarchy: aggregates first (in the order of the levels asked for), then the
/// bottom series in their input order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hierarchy {
    nodes: Vec<Node>,
    bottom_count: usize,
}

/// How base forecasts are reconciled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum Method {
    /// Sums of the bottom forecasts.
    BottomUp,
    /// Ordinary least squares projection.
    Ols,
    /// Weighted least squares with each node's residual variance.
    WlsVar,
    /// Minimum trace with a shrunk residual covariance.
    MinTShrink,
}

impl Method {
    /// Short name, e.g. `mint_shrink`.
    pub fn name(self) -> &'static str {
        match self {
            Method::BottomUp => "bottom_up",
            Method::Ols => "ols",
            Method::WlsVar => "wls_var",
            Method::MinTShrink => "mint_shrink",
        }
    }
}

/// Coherent forecasts, one per node, and what was done to get them.
#[derive(Debug, Clone, PartialEq)]
pub struct Reconciled {
    /// One forecast per node, in the hierarchy's node order.
    pub forecasts: Vec<Forecast>,
    /// The method that ran.
    pub method: Method,
    /// Shrinkage intensity used by MinT (0 = sample covariance, 1 = its diagonal).
    pub shrinkage: Option<f64>,
    /// Substitutions made.
    pub fallbacks: Vec<Fallback>,
}

impl Hierarchy {
    /// Builds the hierarchy. `attributes` names the columns of `bottom` (each bottom series'
    /// attribute values); `levels` lists the aggregation levels as attribute names (`[]` is the
    /// total). Refuses unknown attributes, rows of the wrong width and duplicate bottom series.
    pub fn new(
        attributes: &[&str],
        bottom: &[Vec<String>],
        levels: &[Vec<&str>],
    ) -> Result<Self, ForecastError> {
        let bad = |reason: String| ForecastError::InvalidParameter {
            name: "hierarchy",
            reason,
        };
        if bottom.is_empty() {
            return Err(ForecastError::Empty);
        }
        if let Some((i, row)) = bottom
            .iter()
            .enumerate()
            .find(|(_, r)| r.len() != attributes.len())
        {
            return Err(bad(format!(
                "bottom series {i} has {} attribute values for {} attributes",
                row.len(),
                attributes.len()
            )));
        }
        let mut seen = std::collections::HashSet::new();
        if let Some(dup) = bottom.iter().find(|r| !seen.insert(*r)) {
            return Err(bad(format!("bottom series {dup:?} appears twice")));
        }
        let mut nodes = Vec::new();
        for level in levels {
            let cols = level
                .iter()
                .map(|a| {
                    attributes
                        .iter()
                        .position(|x| x == a)
                        .ok_or_else(|| bad(format!("unknown attribute {a:?}")))
                })
                .collect::<Result<Vec<_>, _>>()?;
            // Group in order of first appearance.
            let mut groups: Vec<(Vec<String>, Vec<usize>)> = Vec::new();
            for (i, row) in bottom.iter().enumerate() {
                let key: Vec<String> = cols.iter().map(|&c| row[c].clone()).collect();
                match groups.iter_mut().find(|g| g.0 == key) {
                    Some(g) => g.1.push(i),
                    None => groups.push((key, vec![i])),
                }
            }
            for (key, members) in groups {
                nodes.push(Node {
                    key: cols
                        .iter()
                        .zip(key)
                        .map(|(&c, v)| (attributes[c].to_owned(), v))
                        .collect(),
                    is_bottom: false,
                    bottom: members,
                });
            }
        }
        for (i, row) in bottom.iter().enumerate() {
            nodes.push(Node {
                key: attributes
                    .iter()
                    .zip(row)
                    .map(|(a, v)| ((*a).to_owned(), v.clone()))
                    .collect(),
                is_bottom: true,
                bottom: vec![i],
            });
        }
        Ok(Self {
            nodes,
            bottom_count: bottom.len(),
        })
    }

    /// Every node: aggregates, then bottom series.
    pub fn nodes(&self) -> &[Node] {
        &self.nodes
    }

    /// Number of bottom series.
    pub fn bottom_count(&self) -> usize {
        self.bottom_count
    }

    /// Sums bottom-level values into every node (e.g. to aggregate history).
    pub fn aggregate(&self, bottom: &[Vec<f64>]) -> Result<Vec<Vec<f64>>, ForecastError> {
        if bottom.len() != self.bottom_count {
            return Err(ForecastError::InvalidParameter {
                name: "bottom",
                reason: format!(
                    "{} bottom series given, the hierarchy has {}",
                    bottom.len(),
                    self.bottom_count
                ),
            });
        }
        let len = bottom[0].len();
        if bottom.iter().any(|b| b.len() != len) {
            return Err(ForecastError::InvalidParameter {
                name: "bottom",
                reason: "bottom series differ in length".into(),
            });
        }
        Ok(self
            .nodes
            .iter()
            .map(|n| {
                (0..len)
                    .map(|t| n.bottom.iter().map(|&b| bottom[b][t]).sum())
                    .collect()
            })
            .collect())
    }

    /// The summing matrix `S` (nodes × bottom series).
    fn summing_matrix(&self) -> DMatrix<f64> {
        let mut s = DMatrix::zeros(self.nodes.len(), self.bottom_count);
        for (i, n) in self.nodes.iter().enumerate() {
            for &b in &n.bottom {
                s[(i, b)] = 1.0;
            }
        }
        s
    }

    /// Reconciles `base` (one forecast per node, same horizon and levels) with `method`.
    /// `residuals` (one equally long series of base-forecast errors per node, e.g. one-step
    /// backtest errors) are needed by [`Method::WlsVar`] and [`Method::MinTShrink`].
    pub fn reconcile(
        &self,
        base: &[Forecast],
        residuals: Option<&[Vec<f64>]>,
        method: Method,
    ) -> Result<Reconciled, ForecastError> {
        let n = self.nodes.len();
        if base.len() != n {
            return Err(ForecastError::InvalidParameter {
                name: "base",
                reason: format!("{} forecasts given for {n} nodes", base.len()),
            });
        }
        let h = base[0].horizon();
        if base
            .iter()
            .any(|f| f.horizon() != h || f.intervals.len() != base[0].intervals.len())
        {
            return Err(ForecastError::InvalidParameter {
                name: "base",
                reason: "forecasts differ in horizon or interval levels".into(),
            });
        }
        let mut fallbacks = Vec::new();
        let mut method = method;
        let mut shrinkage = None;
        // The projection P (bottom × nodes) with ỹ_bottom = P ŷ; None = bottom-up.
        let projection = loop {
            let weights = match method {
                Method::BottomUp => break None,
                Method::Ols => Some(DMatrix::identity(n, n)),
                Method::WlsVar | Method::MinTShrink => {
                    match residuals.map(|r| covariance(r, n)).transpose()? {
                        Some(Some((cov, lambda))) => {
                            if method == Method::MinTShrink {
                                shrinkage = Some(lambda);
                                Some(cov)
                            } else {
                                Some(DMatrix::from_diagonal(&cov.diagonal()))
                            }
                        }
                        _ => None,
                    }
                }
            };
            let next = match method {
                Method::MinTShrink => Method::WlsVar,
                Method::WlsVar => Method::Ols,
                _ => Method::BottomUp,
            };
            if let Some(p) = weights.and_then(|w| self.projection(&w)) {
                break Some(p);
            }
            fallbacks.push(Fallback::new(
                method.name(),
                next.name(),
                if residuals.is_none() && matches!(method, Method::WlsVar | Method::MinTShrink) {
                    "no residuals to estimate the weights from".to_owned()
                } else {
                    "too few residuals, or a singular weight matrix".to_owned()
                },
            ));
            shrinkage = None;
            method = next;
        };
        let s = self.summing_matrix();
        let mut out: Vec<Forecast> = base.to_vec();
        for k in 0..h {
            let yhat = DVector::from_iterator(n, base.iter().map(|f| f.point[k]));
            let bottom: DVector<f64> = match &projection {
                Some(p) => p * &yhat,
                None => yhat
                    .rows(n - self.bottom_count, self.bottom_count)
                    .into_owned(),
            };
            let coherent = &s * bottom;
            for (i, f) in out.iter_mut().enumerate() {
                let shift = coherent[i] - f.point[k];
                f.point[k] = coherent[i];
                for iv in &mut f.intervals {
                    iv.lower[k] += shift;
                    iv.upper[k] += shift;
                }
            }
        }
        Ok(Reconciled {
            forecasts: out,
            method,
            shrinkage,
            fallbacks,
        })
    }

    /// `(Sᵀ W⁻¹ S)⁻¹ Sᵀ W⁻¹`, or `None` when a matrix is singular.
    fn projection(&self, w: &DMatrix<f64>) -> Option<DMatrix<f64>> {
        let s = self.summing_matrix();
        let w_inv = w.clone().cholesky()?.inverse();
        let st_winv = s.transpose() * w_inv;
        let g = (&st_winv * &s).cholesky()?;
        let p = g.solve(&st_winv);
        p.iter().all(|x| x.is_finite()).then_some(p)
    }
}

/// The residual covariance shrunk towards its diagonal, and the intensity used; `None` with
/// fewer than 3 residuals per node or a zero variance.
fn covariance(
    residuals: &[Vec<f64>],
    nodes: usize,
) -> Result<Option<(DMatrix<f64>, f64)>, ForecastError> {
    if residuals.len() != nodes {
        return Err(ForecastError::InvalidParameter {
            name: "residuals",
            reason: format!("{} residual series for {nodes} nodes", residuals.len()),
        });
    }
    let t = residuals[0].len();
    if residuals.iter().any(|r| r.len() != t) {
        return Err(ForecastError::InvalidParameter {
            name: "residuals",
            reason: "residual series differ in length".into(),
        });
    }
    if residuals.iter().flatten().any(|x| !x.is_finite()) {
        return Err(ForecastError::InvalidParameter {
            name: "residuals",
            reason: "residuals must be finite".into(),
        });
    }
    if t < 3 {
        return Ok(None);
    }
    let tf = t as f64;
    // Uncentred, as in the MinT literature (residuals have mean ~0 by construction).
    let e = DMatrix::from_fn(t, nodes, |r, c| residuals[c][r]);
    let cov = e.transpose() * &e / tf;
    let sd: Vec<f64> = (0..nodes).map(|i| cov[(i, i)].sqrt()).collect();
    if sd.iter().any(|s| s.is_nan() || *s <= 0.0) {
        return Ok(None);
    }
    // Schäfer–Strimmer: λ = Σ_{i≠j} Var(r_ij) / Σ_{i≠j} r_ij² on standardised residuals.
    let z = DMatrix::from_fn(t, nodes, |r, c| e[(r, c)] / sd[c]);
    let (mut num, mut den) = (0.0, 0.0);
    for i in 0..nodes {
        for j in 0..nodes {
            if i == j {
                continue;
            }
            let w: Vec<f64> = (0..t).map(|r| z[(r, i)] * z[(r, j)]).collect();
            let mean = w.iter().sum::<f64>() / tf;
            let var = w.iter().map(|x| (x - mean).powi(2)).sum::<f64>() * tf / (tf - 1.0).powi(3);
            num += var;
            den += mean * mean;
        }
    }
    let lambda = if den > 0.0 {
        (num / den).clamp(0.0, 1.0)
    } else {
        1.0
    };
    let mut shrunk = cov.clone() * (1.0 - lambda);
    for i in 0..nodes {
        shrunk[(i, i)] = cov[(i, i)];
    }
    Ok(Some((shrunk, lambda)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::Interval;

    fn flat(v: f64, h: usize) -> Forecast {
        Forecast {
            point: vec![v; h],
            intervals: vec![Interval {
                level: 0.8,
                lower: vec![v - 1.0; h],
                upper: vec![v + 1.0; h],
            }],
        }
    }

    fn two_by_two() -> Hierarchy {
        let rows = [["A", "UK"], ["B", "UK"], ["A", "US"], ["B", "US"]]
            .map(|r| r.map(String::from).to_vec())
            .to_vec();
        Hierarchy::new(
            &["sku", "region"],
            &rows,
            &[vec![], vec!["sku"], vec!["region"]],
        )
        .unwrap()
    }

    #[test]
    fn nodes_and_aggregates() {
        let h = two_by_two();
        let labels: Vec<String> = h.nodes().iter().map(Node::label).collect();
        assert_eq!(labels[0], "total");
        assert_eq!(labels[1], "sku=A");
        assert_eq!(labels[3], "region=UK");
        assert_eq!(labels.len(), 1 + 2 + 2 + 4);
        let agg = h
            .aggregate(&[vec![1.0], vec![2.0], vec![3.0], vec![4.0]])
            .unwrap();
        assert_eq!(agg[0], vec![10.0]);
        assert_eq!(agg[1], vec![4.0]); // A: 1 + 3
        assert_eq!(agg[3], vec![3.0]); // UK: 1 + 2
    }

    fn assert_coherent(h: &Hierarchy, f: &[Forecast]) {
        for (node, fc) in h.nodes().iter().zip(f) {
            let n = h.nodes().len();
            let b = h.bottom_count();
            for k in 0..fc.horizon() {
                let sum: f64 = node.bottom.iter().map(|&i| f[n - b + i].point[k]).sum();
                assert!((sum - fc.point[k]).abs() < 1e-9, "{}", node.label());
            }
        }
    }

    #[test]
    fn every_method_is_coherent() {
        let h = two_by_two();
        // Incoherent base: the total says 20 where the parts sum to 10.
        let base: Vec<Forecast> = [20.0, 5.0, 5.0, 3.0, 7.0, 1.0, 2.0, 3.0, 4.0]
            .iter()
            .map(|v| flat(*v, 3))
            .collect();
        let residuals: Vec<Vec<f64>> = (0..9)
            .map(|i| (0..30).map(|t| ((t * (i + 3)) % 7) as f64 - 3.0).collect())
            .collect();
        for m in [
            Method::BottomUp,
            Method::Ols,
            Method::WlsVar,
            Method::MinTShrink,
        ] {
            let r = h.reconcile(&base, Some(&residuals), m).unwrap();
            assert_eq!(r.method, m, "{:?}", r.fallbacks);
            assert_coherent(&h, &r.forecasts);
            // Intervals keep their distance from the point.
            let f = &r.forecasts[0];
            assert!((f.intervals[0].upper[0] - f.point[0] - 1.0).abs() < 1e-9);
        }
        let bu = h.reconcile(&base, None, Method::BottomUp).unwrap();
        assert_eq!(bu.forecasts[0].point[0], 10.0);
        // OLS moves the total towards its own base forecast.
        let ols = h.reconcile(&base, None, Method::Ols).unwrap();
        assert!(ols.forecasts[0].point[0] > 10.0 && ols.forecasts[0].point[0] < 20.0);
    }

    #[test]
    fn coherent_base_is_left_alone() {
        let h = two_by_two();
        let base: Vec<Forecast> = [10.0, 4.0, 6.0, 3.0, 7.0, 1.0, 2.0, 3.0, 4.0]
            .iter()
            .map(|v| flat(*v, 2))
            .collect();
        let r = h.reconcile(&base, None, Method::Ols).unwrap();
        for (a, b) in r.forecasts.iter().zip(&base) {
            assert!((a.point[0] - b.point[0]).abs() < 1e-9);
        }
    }

    #[test]
    fn weighted_methods_fall_back_without_residuals() {
        let h = two_by_two();
        let base: Vec<Forecast> = (0..9).map(|i| flat(f64::from(i), 1)).collect();
        let r = h.reconcile(&base, None, Method::MinTShrink).unwrap();
        assert_eq!(r.method, Method::Ols);
        assert_eq!(r.fallbacks.len(), 2);
        let constant = vec![vec![0.0; 10]; 9];
        let r = h
            .reconcile(&base, Some(&constant), Method::MinTShrink)
            .unwrap();
        assert_eq!(r.method, Method::Ols);
    }

    #[test]
    fn bad_shapes_are_refused() {
        let rows = vec![vec!["A".to_owned()], vec!["A".to_owned()]];
        assert!(Hierarchy::new(&["sku"], &rows, &[vec![]]).is_err());
        assert!(Hierarchy::new(&["sku"], &[vec!["A".into()]], &[vec!["region"]]).is_err());
        let h = two_by_two();
        assert!(
            h.reconcile(&[flat(1.0, 1)], None, Method::BottomUp)
                .is_err()
        );
        let base: Vec<Forecast> = (0..9).map(|i| flat(f64::from(i), 1)).collect();
        let short = vec![vec![1.0; 4]; 3];
        assert!(
            h.reconcile(&base, Some(&short), Method::MinTShrink)
                .is_err()
        );
    }
}
