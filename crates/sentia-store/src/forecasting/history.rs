//! Demand history per SKU × channel, aggregated per ISO week (Monday to Sunday, season 52).
//!
//! Demand is the units ordered. A week is *censored* when the SKU's stock at the channel's
//! fulfilment location ended at least one of its days at zero: sales that week are a lower
//! bound on demand (the demo loses orders that find an empty shelf), not demand. A week in
//! which the channel took no order at all, for any SKU, is a *gap* (no data), never a zero.
//! Only complete weeks inside the data range are returned; the week in progress is the first
//! period to forecast.

use std::collections::{BTreeMap, HashMap};

use chrono::{Datelike, Days, NaiveDate};
use sea_orm::{ConnectionTrait, Statement};

use crate::sales::{finished_products, finished_stock_changes};
use crate::{StoreError, StoreResult};

/// Periods per year of the weekly grain: the season length given to the models.
pub const WEEK_SEASON: usize = 52;

/// One week of one series.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DemandPeriod {
    /// Monday the week starts on.
    pub start: NaiveDate,
    /// Units ordered; `None` is a gap (the channel had no orders at all that week).
    pub units: Option<f64>,
    /// Days of the week that ended with no stock at the fulfilment location.
    pub stockout_days: u8,
    /// Whether the units are a lower bound on demand (at least one stockout day).
    pub censored: bool,
}

/// The weekly demand of one SKU on one channel, or a total of such series ([`TOTAL_KEY`]).
#[derive(Debug, Clone, PartialEq)]
pub struct DemandSeries {
    /// SKU code, or [`TOTAL_KEY`] for a total over every SKU.
    pub sku: String,
    /// Channel code, [`TOTAL_KEY`] for a total over every channel, or
    /// [`REGION_PREFIX`]`CODE` for a total over the channels of one region.
    pub channel: String,
    /// Region code of the channel (of the region total; [`TOTAL_KEY`] across regions).
    pub region: String,
    /// Complete weeks, oldest first, without holes in the index (gaps are explicit).
    pub periods: Vec<DemandPeriod>,
}

impl DemandSeries {
    /// Whether this is a SKU × channel series (not a total).
    pub fn is_bottom(&self) -> bool {
        is_series_key(&self.sku, &self.channel)
    }
}

/// Whether `sku` × `channel` names one series rather than a total.
pub fn is_series_key(sku: &str, channel: &str) -> bool {
    sku != TOTAL_KEY && channel != TOTAL_KEY && !channel.starts_with(REGION_PREFIX)
}

/// The key of "every SKU" or "every channel" in a total's `sku` or `channel`.
pub const TOTAL_KEY: &str = "*";
/// Prefix of a region total's `channel`, e.g. `region:UK`.
pub const REGION_PREFIX: &str = "region:";

/// Weekly demand of every SKU × channel, and its totals.
#[derive(Debug, Clone, PartialEq)]
pub struct DemandHistory {
    /// First day with an order.
    pub first_day: NaiveDate,
    /// Last day with an order.
    pub last_day: NaiveDate,
    /// Monday of the first week after the history (the first week to forecast).
    pub next_period: NaiveDate,
    /// One series per finished SKU × channel, by SKU then channel.
    pub series: Vec<DemandSeries>,
    /// Totals of [`DemandHistory::series`]: overall, per region, per channel, per SKU (see
    /// [`totals`]).
    pub totals: Vec<DemandSeries>,
}

impl DemandHistory {
    /// The series or total of `sku` on `channel`, if it exists.
    pub fn find(&self, sku: &str, channel: &str) -> Option<&DemandSeries> {
        self.series
            .iter()
            .chain(&self.totals)
            .find(|s| s.sku == sku && s.channel == channel)
    }
}

/// Share of a total's usual units, carried by parts that are censored or missing in a week,
/// from which the total's week is censored too.
pub const TOTAL_CENSORED_SHARE: f64 = 0.1;

/// The totals of `series` (equally long, on one calendar): overall, per region, per channel
/// and per SKU, in that order, each group in order of first appearance. A total week sums the
/// parts' units and is a gap only when every part is one. It is censored (a lower bound on
/// demand) when the parts that are censored or missing that week usually carry at least
/// [`TOTAL_CENSORED_SHARE`] of the total's units (by their mean uncensored weekly units): one
/// small series out of stock barely lowers a total, and censoring the total for it would hide
/// most weeks of a large total from the models.
pub fn totals(series: &[DemandSeries]) -> Vec<DemandSeries> {
    // (sku, channel, region) of each total, with the indexes of its parts.
    let mut groups: Vec<(String, String, String, Vec<usize>)> = Vec::new();
    for level in 0..4 {
        for (i, s) in series.iter().enumerate() {
            let (sku, channel, region) = total_key(level, s);
            match groups.iter_mut().find(|g| g.0 == sku && g.1 == channel) {
                Some(g) => g.3.push(i),
                None => groups.push((sku, channel, region, vec![i])),
            }
        }
    }
    groups
        .into_iter()
        .map(|(sku, channel, region, parts)| {
            let parts: Vec<&DemandSeries> = parts.iter().map(|&i| &series[i]).collect();
            DemandSeries {
                periods: sum_periods(&parts),
                sku,
                channel,
                region,
            }
        })
        .collect()
}

/// `(sku, channel, region)` of the total `s` belongs to at `level`: 0 overall, 1 its region,
/// 2 its channel, 3 its SKU.
fn total_key(level: usize, s: &DemandSeries) -> (String, String, String) {
    let all = || TOTAL_KEY.to_owned();
    match level {
        0 => (all(), all(), all()),
        1 => (
            all(),
            format!("{REGION_PREFIX}{}", s.region),
            s.region.clone(),
        ),
        2 => (all(), s.channel.clone(), s.region.clone()),
        _ => (s.sku.clone(), all(), all()),
    }
}

fn sum_periods(parts: &[&DemandSeries]) -> Vec<DemandPeriod> {
    let len = parts.iter().map(|p| p.periods.len()).min().unwrap_or(0);
    // Each part's usual weekly units (uncensored weeks), as its weight in the total.
    let usual: Vec<f64> = parts
        .iter()
        .map(|p| {
            let clean: Vec<f64> = p
                .periods
                .iter()
                .filter(|w| !w.censored)
                .filter_map(|w| w.units)
                .collect();
            clean.iter().sum::<f64>() / clean.len().max(1) as f64
        })
        .collect();
    let all: f64 = usual.iter().sum();
    (0..len)
        .map(|w| {
            let weeks: Vec<&DemandPeriod> = parts.iter().map(|p| &p.periods[w]).collect();
            let observed: Vec<f64> = weeks.iter().filter_map(|p| p.units).collect();
            let lost: f64 = weeks
                .iter()
                .zip(&usual)
                .filter(|(p, _)| p.censored || p.units.is_none())
                .map(|(_, u)| u)
                .sum();
            let any_lost = weeks.iter().any(|p| p.censored || p.units.is_none());
            let censored = !observed.is_empty()
                && any_lost
                && (all <= 0.0 || lost >= TOTAL_CENSORED_SHARE * all);
            DemandPeriod {
                start: weeks[0].start,
                units: (!observed.is_empty()).then(|| observed.iter().sum()),
                stockout_days: weeks.iter().map(|p| p.stockout_days).max().unwrap_or(0),
                censored,
            }
        })
        .collect()
}

/// Monday of the ISO week containing `d`.
pub fn week_start(d: NaiveDate) -> NaiveDate {
    d - Days::new(u64::from(d.weekday().num_days_from_monday()))
}

/// The weekly demand history of every finished SKU on every channel. Empty (`Ok(None)`)
/// when there are no orders yet.
#[tracing::instrument(skip_all)]
pub async fn demand_history<C: ConnectionTrait>(conn: &C) -> StoreResult<Option<DemandHistory>> {
    let backend = conn.get_database_backend();
    let channels = conn
        .query_all_raw(Statement::from_string(
            backend,
            "SELECT id, code, region, fulfilment_location_id FROM channels ORDER BY code",
        ))
        .await?;
    let mut chans: Vec<(i64, String, i64, String)> = Vec::new();
    for r in &channels {
        chans.push((
            r.try_get("", "id")?,
            r.try_get("", "code")?,
            r.try_get("", "fulfilment_location_id")?,
            r.try_get("", "region")?,
        ));
    }
    let products = finished_products(conn).await?;
    let daily = conn
        .query_all_raw(Statement::from_string(
            backend,
            "SELECT o.channel_id, l.product_id, o.order_date, CAST(SUM(l.quantity) AS BIGINT) AS qty \
             FROM sales_order_lines l JOIN sales_orders o ON o.id = l.order_id \
             GROUP BY o.channel_id, l.product_id, o.order_date",
        ))
        .await?;
    let mut units: HashMap<(i64, i64, NaiveDate), i64> = HashMap::with_capacity(daily.len());
    let (mut first, mut last) = (NaiveDate::MAX, NaiveDate::MIN);
    for r in &daily {
        let day: NaiveDate = r.try_get("", "order_date")?;
        first = first.min(day);
        last = last.max(day);
        units.insert(
            (
                r.try_get("", "channel_id")?,
                r.try_get("", "product_id")?,
                day,
            ),
            r.try_get("", "qty")?,
        );
    }
    if units.is_empty() {
        return Ok(None);
    }
    // Weeks: the first Monday on or after the first day, up to the last complete week.
    let mut w0 = week_start(first);
    if w0 < first {
        w0 = w0 + Days::new(7);
    }
    let next_period = week_start(last + Days::new(1));
    let weeks: Vec<NaiveDate> = std::iter::successors(Some(w0), |w| Some(*w + Days::new(7)))
        .take_while(|w| *w < next_period)
        .collect();
    if weeks.is_empty() {
        return Ok(None);
    }
    let week_index = |d: NaiveDate| -> Option<usize> {
        let i = (d - w0).num_days();
        (i >= 0 && d < next_period).then_some((i / 7) as usize)
    };

    // Orders per channel and week, to tell a gap from a zero.
    let mut channel_active: HashMap<(i64, usize), bool> = HashMap::new();
    // Units per (channel, product, week).
    let mut weekly: HashMap<(i64, i64, usize), i64> = HashMap::new();
    for ((ch, p, day), q) in &units {
        if let Some(w) = week_index(*day) {
            channel_active.insert((*ch, w), true);
            *weekly.entry((*ch, *p, w)).or_default() += q;
        }
    }

    // Closing stock per (product, location) and day → stockout days per week.
    let changes = finished_stock_changes(conn).await?;
    let mut by_key: BTreeMap<(i64, i64), Vec<(NaiveDate, i64)>> = BTreeMap::new();
    for c in changes {
        by_key
            .entry((c.product_id, c.location_id))
            .or_default()
            .push((c.date, c.quantity));
    }
    let mut stockouts: HashMap<(i64, i64, usize), u8> = HashMap::new();
    for ((p, loc), moves) in &by_key {
        let mut balance = 0i64;
        let mut it = moves.iter().peekable();
        // Movements before the first week set the opening balance.
        while let Some((d, q)) = it.peek() {
            if *d >= w0 {
                break;
            }
            balance += q;
            it.next();
        }
        let mut day = w0;
        while day < next_period {
            while let Some((d, q)) = it.peek() {
                if *d != day {
                    break;
                }
                balance += q;
                it.next();
            }
            if balance <= 0
                && let Some(w) = week_index(day)
            {
                *stockouts.entry((*p, *loc, w)).or_default() += 1;
            }
            day = day + Days::new(1);
        }
    }

    let mut series = Vec::with_capacity(products.len() * chans.len());
    for p in &products {
        for (ch_id, ch_code, loc, region) in &chans {
            let periods = weeks
                .iter()
                .enumerate()
                .map(|(w, start)| {
                    let stockout_days = stockouts.get(&(p.id, *loc, w)).copied().unwrap_or(0);
                    let active = channel_active.contains_key(&(*ch_id, w));
                    DemandPeriod {
                        start: *start,
                        units: active
                            .then(|| weekly.get(&(*ch_id, p.id, w)).copied().unwrap_or(0) as f64),
                        stockout_days,
                        censored: stockout_days > 0,
                    }
                })
                .collect();
            series.push(DemandSeries {
                sku: p.sku.clone(),
                channel: ch_code.clone(),
                region: region.clone(),
                periods,
            });
        }
    }
    if series.is_empty() {
        return Err(StoreError::Invalid(
            "orders without products or channels".into(),
        ));
    }
    Ok(Some(DemandHistory {
        first_day: first,
        last_day: last,
        next_period,
        totals: totals(&series),
        series,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn series(
        sku: &str,
        channel: &str,
        region: &str,
        weeks: &[(Option<f64>, bool)],
    ) -> DemandSeries {
        let d0 = NaiveDate::from_ymd_opt(2026, 11, 16).unwrap();
        DemandSeries {
            sku: sku.into(),
            channel: channel.into(),
            region: region.into(),
            periods: weeks
                .iter()
                .enumerate()
                .map(|(w, &(units, censored))| DemandPeriod {
                    start: d0 + Days::new(7 * w as u64),
                    units,
                    stockout_days: u8::from(censored),
                    censored,
                })
                .collect(),
        }
    }

    #[test]
    fn a_total_sums_its_parts_and_is_censored_when_the_parts_short_of_stock_matter() {
        let parts = [
            // Usually 100 a week; out of stock in week 1.
            series(
                "A",
                "C1",
                "UK",
                &[(Some(100.0), false), (Some(100.0), true)],
            ),
            // Usually 5; out of stock in week 0.
            series("B", "C1", "UK", &[(Some(5.0), true), (Some(5.0), false)]),
            // No data at all.
            series("A", "C2", "US", &[(None, false), (None, false)]),
            // Usually 2; no data in week 0.
            series("B", "C2", "US", &[(None, false), (Some(2.0), false)]),
        ];
        let t = totals(&parts);
        let keys: Vec<(&str, &str)> = t
            .iter()
            .map(|t| (t.sku.as_str(), t.channel.as_str()))
            .collect();
        assert_eq!(
            keys,
            [
                ("*", "*"),
                ("*", "region:UK"),
                ("*", "region:US"),
                ("*", "C1"),
                ("*", "C2"),
                ("A", "*"),
                ("B", "*"),
            ]
        );
        let get = |sku: &str, ch: &str| {
            &t.iter()
                .find(|x| x.sku == sku && x.channel == ch)
                .unwrap()
                .periods
        };
        let overall = get("*", "*");
        assert_eq!(overall[0].units, Some(105.0));
        assert_eq!(overall[1].units, Some(107.0));
        // Week 0 lacks parts worth 7 of the usual 107: not censored. Week 1 lacks the big one.
        assert!(!overall[0].censored);
        assert!(overall[1].censored);
        // Every part a gap: a gap, not a zero, and not censored.
        assert_eq!(get("*", "C2")[0].units, None);
        assert!(!get("*", "C2")[0].censored);
        // B's total in week 0: both its parts lacking, so only a lower bound.
        assert_eq!(get("B", "*")[0].units, Some(5.0));
        assert!(get("B", "*")[0].censored);
        assert_eq!(get("*", "region:UK")[1].units, Some(105.0));
        assert_eq!(t[1].region, "UK");
        assert!(parts.iter().all(DemandSeries::is_bottom) && t.iter().all(|x| !x.is_bottom()));
    }

    #[test]
    fn weeks_start_on_monday() {
        let d = NaiveDate::from_ymd_opt(2026, 12, 3).unwrap(); // a Thursday
        assert_eq!(
            week_start(d),
            NaiveDate::from_ymd_opt(2026, 11, 30).unwrap()
        );
        assert_eq!(week_start(week_start(d)), week_start(d));
    }
}
