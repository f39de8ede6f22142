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

/// The weekly demand of one SKU on one channel.
#[derive(Debug, Clone, PartialEq)]
pub struct DemandSeries {
    /// SKU code.
    pub sku: String,
    /// Channel code.
    pub channel: String,
    /// Complete weeks, oldest first, without holes in the index (gaps are explicit).
    pub periods: Vec<DemandPeriod>,
}

/// Weekly demand of every SKU × channel.
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
}

impl DemandHistory {
    /// The series of `sku` on `channel`, if both exist.
    pub fn find(&self, sku: &str, channel: &str) -> Option<&DemandSeries> {
        self.series
            .iter()
            .find(|s| s.sku == sku && s.channel == channel)
    }
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
            "SELECT id, code, fulfilment_location_id FROM channels ORDER BY code",
        ))
        .await?;
    let mut chans: Vec<(i64, String, i64)> = Vec::new();
    for r in &channels {
        chans.push((
            r.try_get("", "id")?,
            r.try_get("", "code")?,
            r.try_get("", "fulfilment_location_id")?,
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
        for (ch_id, ch_code, loc) in &chans {
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
        series,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

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
