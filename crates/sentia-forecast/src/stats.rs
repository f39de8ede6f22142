//! Small numeric helpers shared by the models.

use crate::error::ForecastError;

/// Inverse of the standard normal CDF (Acklam's rational approximation, relative error below
/// 1.2e-9 — far below what interval widths need).
pub(crate) fn normal_quantile(p: f64) -> f64 {
    const A: [f64; 6] = [
        -3.969_683_028_665_376e1,
        2.209_460_984_245_205e2,
        -2.759_285_104_469_687e2,
        1.383_577_518_672_69e2,
        -3.066_479_806_614_716e1,
        2.506_628_277_459_239,
    ];
    const B: [f64; 5] = [
        -5.447_609_879_822_406e1,
        1.615_858_368_580_409e2,
        -1.556_989_798_598_866e2,
        6.680_131_188_771_972e1,
        -1.328_068_155_288_572e1,
    ];
    const C: [f64; 6] = [
        -7.784_894_002_430_293e-3,
        -3.223_964_580_411_365e-1,
        -2.400_758_277_161_838,
        -2.549_732_539_343_734,
        4.374_664_141_464_968,
        2.938_163_982_698_783,
    ];
    const D: [f64; 4] = [
        7.784_695_709_041_462e-3,
        3.224_671_290_700_398e-1,
        2.445_134_137_142_996,
        3.754_408_661_907_416,
    ];
    if p <= 0.0 {
        return f64::NEG_INFINITY;
    }
    if p >= 1.0 {
        return f64::INFINITY;
    }
    let tail = |q: f64| {
        (((((C[0] * q + C[1]) * q + C[2]) * q + C[3]) * q + C[4]) * q + C[5])
            / ((((D[0] * q + D[1]) * q + D[2]) * q + D[3]) * q + 1.0)
    };
    if p < 0.024_25 {
        tail((-2.0 * p.ln()).sqrt())
    } else if p <= 1.0 - 0.024_25 {
        let q = p - 0.5;
        let r = q * q;
        (((((A[0] * r + A[1]) * r + A[2]) * r + A[3]) * r + A[4]) * r + A[5]) * q
            / (((((B[0] * r + B[1]) * r + B[2]) * r + B[3]) * r + B[4]) * r + 1.0)
    } else {
        -tail((-2.0 * (1.0 - p).ln()).sqrt())
    }
}

/// Two-sided normal multiplier for a central interval of `level` (e.g. 1.96 for 0.95).
pub(crate) fn z_for_level(level: f64) -> f64 {
    normal_quantile(0.5 + level / 2.0)
}

/// Refuses levels outside (0, 1).
pub(crate) fn check_levels(levels: &[f64]) -> Result<(), ForecastError> {
    match levels
        .iter()
        .find(|l| !(l.is_finite() && **l > 0.0 && **l < 1.0))
    {
        Some(l) => Err(ForecastError::InvalidLevel(*l)),
        None => Ok(()),
    }
}

/// Quantile of sorted data by linear interpolation (Hyndman–Fan type 7, as R and NumPy).
pub(crate) fn quantile_sorted(sorted: &[f64], p: f64) -> f64 {
    debug_assert!(!sorted.is_empty());
    let pos = p.clamp(0.0, 1.0) * (sorted.len() - 1) as f64;
    let lo = pos.floor() as usize;
    let hi = pos.ceil() as usize;
    sorted[lo] + (pos - lo as f64) * (sorted[hi] - sorted[lo])
}

/// Split-conformal quantile: the ⌈(n+1)·level⌉-th smallest score, clamped to the largest
/// when there are too few scores for that rank.
pub(crate) fn conformal_quantile(sorted: &[f64], level: f64) -> f64 {
    debug_assert!(!sorted.is_empty());
    let n = sorted.len();
    let rank = ((n + 1) as f64 * level).ceil() as usize;
    sorted[rank.clamp(1, n) - 1]
}

/// Sorts finite values ascending.
pub(crate) fn sort_finite(v: &mut [f64]) {
    v.sort_by(f64::total_cmp);
}

/// `sqrt(sum(e²) / dof)`, or `None` when `dof == 0`.
pub(crate) fn rms(errors: &[f64], dof: usize) -> Option<f64> {
    (dof > 0).then(|| (errors.iter().map(|e| e * e).sum::<f64>() / dof as f64).sqrt())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normal_quantiles_match_reference() {
        // scipy.stats.norm.ppf
        assert!((normal_quantile(0.9) - 1.281_551_565_544_600_9).abs() < 1e-8);
        assert!((normal_quantile(0.975) - 1.959_963_984_540_054).abs() < 1e-8);
        assert!((normal_quantile(0.5)).abs() < 1e-12);
        assert!((normal_quantile(0.001) + 3.090_232_306_167_813_5).abs() < 1e-8);
        assert!((z_for_level(0.8) - 1.281_551_565_544_600_9).abs() < 1e-8);
    }

    #[test]
    fn quantiles() {
        let s = [1.0, 2.0, 3.0, 4.0];
        assert_eq!(quantile_sorted(&s, 0.5), 2.5);
        assert_eq!(quantile_sorted(&s, 0.0), 1.0);
        assert_eq!(quantile_sorted(&s, 1.0), 4.0);
        // n = 4, level 0.5: rank ceil(2.5) = 3
        assert_eq!(conformal_quantile(&s, 0.5), 3.0);
        // too few scores for 0.95: the largest
        assert_eq!(conformal_quantile(&s, 0.95), 4.0);
    }
}
