//! Combination weights from backtest error: inverse MAE over the most accurate candidates,
//! normalised to sum to one. Small on purpose, to be replaced by the engine's own ensemble.

/// A candidate with its backtest MAE (`None`: no usable backtest or forecast).
#[derive(Debug, Clone, PartialEq)]
pub struct Candidate {
    /// Model name.
    pub name: String,
    /// Backtest mean absolute error.
    pub mae: Option<f64>,
}

/// Weights in candidate order, and a sentence saying why.
#[derive(Debug, Clone, PartialEq)]
pub struct Choice {
    /// One weight per candidate; they sum to 1 unless no candidate is usable (all 0).
    pub weights: Vec<f64>,
    /// Why.
    pub reason: String,
}

/// Candidates combined.
pub const TOP: usize = 3;

/// Inverse-MAE weights over the [`TOP`] candidates with the lowest MAE. A candidate with a
/// zero MAE takes all the weight.
pub fn weights(candidates: &[Candidate]) -> Choice {
    let mut ranked: Vec<(usize, f64)> = candidates
        .iter()
        .enumerate()
        .filter_map(|(i, c)| Some((i, c.mae.filter(|m| m.is_finite() && *m >= 0.0)?)))
        .collect();
    ranked.sort_by(|a, b| a.1.total_cmp(&b.1).then(a.0.cmp(&b.0)));
    let mut weights = vec![0.0; candidates.len()];
    let Some(&(best, best_mae)) = ranked.first() else {
        return Choice {
            weights,
            reason: "no model could be backtested on this history; the forecast is the mean \
                     of the observed weeks"
                .into(),
        };
    };
    if best_mae <= 1e-12 {
        weights[best] = 1.0;
        return Choice {
            weights,
            reason: format!(
                "{} forecast the backtest exactly (MAE 0), so it takes all the weight",
                candidates[best].name
            ),
        };
    }
    ranked.truncate(TOP);
    let inv_sum: f64 = ranked.iter().map(|(_, m)| 1.0 / m).sum();
    for (i, m) in &ranked {
        weights[*i] = (1.0 / m) / inv_sum;
    }
    let parts: Vec<String> = ranked
        .iter()
        .map(|(i, m)| {
            format!(
                "{} {:.0} % (MAE {:.2})",
                candidates[*i].name,
                weights[*i] * 100.0,
                m
            )
        })
        .collect();
    Choice {
        weights,
        reason: format!(
            "the {} models with the lowest rolling-origin backtest MAE, weighted by inverse \
             MAE: {}",
            ranked.len(),
            parts.join(", ")
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(name: &str, mae: Option<f64>) -> Candidate {
        Candidate {
            name: name.into(),
            mae,
        }
    }

    #[test]
    fn inverse_mae_over_the_best_three() {
        let ch = weights(&[
            c("a", Some(1.0)),
            c("b", Some(2.0)),
            c("c", None),
            c("d", Some(4.0)),
            c("e", Some(8.0)),
        ]);
        let w = &ch.weights;
        assert!((w[0] - 4.0 / 7.0).abs() < 1e-12);
        assert!((w[1] - 2.0 / 7.0).abs() < 1e-12);
        assert_eq!(w[2], 0.0);
        assert!((w[3] - 1.0 / 7.0).abs() < 1e-12);
        assert_eq!(w[4], 0.0);
        assert!(ch.reason.contains("a 57 %"), "{}", ch.reason);
        assert!(weights(&[c("x", None)]).weights.iter().all(|w| *w == 0.0));
        assert_eq!(
            weights(&[c("x", Some(0.0)), c("y", Some(1.0))]).weights,
            vec![1.0, 0.0]
        );
    }
}
