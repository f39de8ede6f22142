//! The sales cube: units, revenue and cost of goods per day × channel × product, with
//! revenue and cost already converted into each reporting currency, plus finished stock on
//! hand per day × product × location.
//!
//! Conversion rule (the one place it is defined): each order line's net amount is converted
//! from its shop currency into the reporting currency at the rates of its order day
//! ([`DayRates::convert`], half away from zero), and the converted lines are summed. Cost of
//! goods (kept in GBP) converts the same way. Refunds count on the day they were paid: each
//! refund is converted whole at that day's rates, then split over the order's lines in
//! proportion to their net amounts (remainder to the largest line), so per-SKU figures add up
//! exactly to the refund. Returned goods are written off, so cost of goods is not reversed.
//! Stock is valued at standard cost in GBP, converted at the rates of the valuation day.

use std::collections::{BTreeMap, HashMap};

use chrono::NaiveDate;
use sentia_core::currency::{Currency, DayRates};
use sentia_core::reference::Region;
use sentia_store::reference::Channel;
use sentia_store::sales::{LineFact, Location, ProductCost, RefundFact, StockChange};

/// One cell of the cube.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Cell {
    /// Units sold.
    pub units: i64,
    /// Net revenue per reporting currency (indexed by [`Currency::index`]).
    pub revenue: [i64; 3],
    /// Cost of goods sold per reporting currency.
    pub cogs: [i64; 3],
    /// Refunds paid per reporting currency.
    pub refunds: [i64; 3],
}

impl Cell {
    /// Adds another cell into this one.
    pub fn add(&mut self, o: &Cell) {
        self.units += o.units;
        for i in 0..3 {
            self.revenue[i] += o.revenue[i];
            self.cogs[i] += o.cogs[i];
            self.refunds[i] += o.refunds[i];
        }
    }
}

/// Everything a report needs, immutable once built.
#[derive(Debug, Clone)]
pub struct SalesCube {
    /// Data version the cube was built from.
    pub version: String,
    /// First day held.
    pub start: NaiveDate,
    /// Last day held (the data horizon).
    pub end: NaiveDate,
    /// Channels by index.
    pub channels: Vec<Channel>,
    /// Finished products by index (sorted by SKU).
    pub products: Vec<ProductCost>,
    /// Locations by index.
    pub locations: Vec<Location>,
    /// Fulfilment location index of each channel (by channel index).
    pub channel_location: Vec<usize>,
    /// Region of each location (by location index).
    pub location_region: Vec<Option<Region>>,
    /// Running totals per (channel, product) over days: the cell at `d` holds the sum of
    /// days `0..=d`, so any range sums in constant time.
    cum: Vec<Cell>,
    /// End-of-day finished units per (day, product, location).
    stock: Vec<i64>,
    rates: Vec<DayRates>,
}

/// Inputs read from the store.
#[derive(Debug, Clone)]
pub struct CubeInputs {
    /// Data version.
    pub version: String,
    /// Declared horizon (`app_meta.data_through`), if any.
    pub data_through: Option<NaiveDate>,
    /// Channels.
    pub channels: Vec<Channel>,
    /// Finished products.
    pub products: Vec<ProductCost>,
    /// Locations.
    pub locations: Vec<Location>,
    /// Order lines.
    pub lines: Vec<LineFact>,
    /// Refunds.
    pub refunds: Vec<RefundFact>,
    /// Daily rates.
    pub rates: BTreeMap<NaiveDate, DayRates>,
    /// Stock changes.
    pub stock: Vec<StockChange>,
}

/// Rates used when a day has none: the closest earlier day, else the first known day,
/// else parity (only when no rates exist at all).
fn rates_for(rates: &BTreeMap<NaiveDate, DayRates>, d: NaiveDate) -> DayRates {
    rates
        .range(..=d)
        .next_back()
        .or_else(|| rates.iter().next())
        .map(|(_, r)| *r)
        .unwrap_or_else(|| {
            DayRates::new(
                sentia_core::currency::FX_SCALE,
                sentia_core::currency::FX_SCALE,
            )
            .expect("positive")
        })
}

/// Splits `amount` over `weights` in proportion, the remainder going to the largest weight, so
/// the parts always sum to `amount`. Zero total weight puts everything on the first part.
pub fn allocate(amount: i64, weights: &[i64]) -> Vec<i64> {
    let total: i128 = weights.iter().map(|w| i128::from(*w)).sum();
    if weights.is_empty() {
        return vec![];
    }
    if total == 0 {
        let mut v = vec![0; weights.len()];
        v[0] = amount;
        return v;
    }
    let mut parts: Vec<i64> = weights
        .iter()
        .map(|w| (i128::from(amount) * i128::from(*w) / total) as i64)
        .collect();
    let rest = amount - parts.iter().sum::<i64>();
    let largest = (0..weights.len())
        .max_by_key(|i| (weights[*i], usize::MAX - *i))
        .unwrap_or(0);
    parts[largest] += rest;
    parts
}

/// Converts one line into a cube cell in every reporting currency (the conversion rule).
pub fn line_cell(line: &LineFact, rates: &DayRates) -> Cell {
    let mut c = Cell {
        units: line.quantity,
        ..Cell::default()
    };
    for cur in Currency::ALL {
        c.revenue[cur.index()] = rates.convert(line.net_shop_minor, line.shop_currency, cur);
        c.cogs[cur.index()] = rates.convert(line.cogs_base_minor, Currency::Gbp, cur);
    }
    c
}

impl SalesCube {
    /// Builds the cube. Facts referring to unknown channels or products are ignored
    /// (components are never sold).
    pub fn build(inp: CubeInputs) -> Self {
        let today = chrono::Utc::now().date_naive();
        let first = inp
            .lines
            .iter()
            .map(|l| l.date)
            .chain(inp.stock.iter().map(|s| s.date))
            .chain(inp.refunds.iter().map(|r| r.date))
            .min()
            .unwrap_or(today);
        let last = inp
            .lines
            .iter()
            .map(|l| l.date)
            .chain(inp.stock.iter().map(|s| s.date))
            .chain(inp.refunds.iter().map(|r| r.date))
            .chain(inp.data_through)
            .max()
            .unwrap_or(today);
        let days = ((last - first).num_days() + 1).max(1) as usize;
        let (nc, np, nl) = (inp.channels.len(), inp.products.len(), inp.locations.len());
        let ch_idx: HashMap<i64, usize> = inp
            .channels
            .iter()
            .enumerate()
            .map(|(i, c)| (c.id, i))
            .collect();
        let pr_idx: HashMap<i64, usize> = inp
            .products
            .iter()
            .enumerate()
            .map(|(i, p)| (p.id, i))
            .collect();
        let lo_idx: HashMap<i64, usize> = inp
            .locations
            .iter()
            .enumerate()
            .map(|(i, l)| (l.id, i))
            .collect();

        let rates: Vec<DayRates> = (0..days)
            .map(|d| rates_for(&inp.rates, first + chrono::Duration::days(d as i64)))
            .collect();

        let mut cells = vec![Cell::default(); days * nc * np];
        for l in &inp.lines {
            let (Some(&c), Some(&p)) = (ch_idx.get(&l.channel_id), pr_idx.get(&l.product_id))
            else {
                continue;
            };
            let d = (l.date - first).num_days() as usize;
            cells[(d * nc + c) * np + p].add(&line_cell(l, &rates[d]));
        }

        // Refunds: on the refund day, split over the refunded order's lines.
        let refunded: std::collections::HashSet<i64> =
            inp.refunds.iter().map(|r| r.order_id).collect();
        let mut order_lines: HashMap<i64, Vec<(usize, i64)>> = HashMap::new();
        for l in inp.lines.iter().filter(|l| refunded.contains(&l.order_id)) {
            if let Some(&p) = pr_idx.get(&l.product_id) {
                order_lines
                    .entry(l.order_id)
                    .or_default()
                    .push((p, l.net_shop_minor));
            }
        }
        for r in &inp.refunds {
            let (Some(&c), Some(lines)) = (ch_idx.get(&r.channel_id), order_lines.get(&r.order_id))
            else {
                continue;
            };
            let Some(d) =
                (r.date >= first && r.date <= last).then(|| (r.date - first).num_days() as usize)
            else {
                continue;
            };
            let weights: Vec<i64> = lines.iter().map(|(_, w)| *w).collect();
            for cur in Currency::ALL {
                let whole = rates[d].convert(r.amount_shop_minor, r.shop_currency, cur);
                for ((p, _), part) in lines.iter().zip(allocate(whole, &weights)) {
                    cells[(d * nc + c) * np + p].refunds[cur.index()] += part;
                }
            }
        }

        // Running totals along days.
        for d in 1..days {
            for i in 0..nc * np {
                let prev = cells[(d - 1) * nc * np + i];
                cells[d * nc * np + i].add(&prev);
            }
        }

        let mut stock = vec![0i64; days * np * nl];
        for s in &inp.stock {
            let (Some(&p), Some(&lo)) = (pr_idx.get(&s.product_id), lo_idx.get(&s.location_id))
            else {
                continue;
            };
            let d = (s.date - first).num_days() as usize;
            stock[(d * np + p) * nl + lo] += s.quantity;
        }
        // Turn daily changes into end-of-day balances.
        for d in 1..days {
            for i in 0..np * nl {
                stock[d * np * nl + i] += stock[(d - 1) * np * nl + i];
            }
        }

        let channel_location = inp
            .channels
            .iter()
            .map(|c| {
                lo_idx
                    .get(&c.fulfilment_location_id)
                    .copied()
                    .unwrap_or(usize::MAX)
            })
            .collect();
        let location_region = inp
            .locations
            .iter()
            .map(|l| l.region.parse().ok())
            .collect();
        SalesCube {
            version: inp.version,
            start: first,
            end: last,
            channels: inp.channels,
            products: inp.products,
            locations: inp.locations,
            channel_location,
            location_region,
            cum: cells,
            stock,
            rates,
        }
    }

    /// Number of days held.
    pub fn days(&self) -> usize {
        self.rates.len()
    }

    /// Index of a day, if held.
    pub fn day_index(&self, d: NaiveDate) -> Option<usize> {
        let i = (d - self.start).num_days();
        (i >= 0 && (i as usize) < self.days()).then_some(i as usize)
    }

    /// Sum of the cells of days `first..=last` (indexes) for one channel and product.
    pub fn range_sum(&self, first: usize, last: usize, channel: usize, product: usize) -> Cell {
        let (nc, np) = (self.channels.len(), self.products.len());
        let at = |d: usize| &self.cum[(d * nc + channel) * np + product];
        let mut c = *at(last);
        if first > 0 {
            let before = at(first - 1);
            c.units -= before.units;
            for i in 0..3 {
                c.revenue[i] -= before.revenue[i];
                c.cogs[i] -= before.cogs[i];
                c.refunds[i] -= before.refunds[i];
            }
        }
        c
    }

    /// Day indexes held by the cube within `from..=to`, if any.
    pub fn day_span(&self, from: NaiveDate, to: NaiveDate) -> Option<(usize, usize)> {
        let first = self.day_index(from.max(self.start))?;
        let last = self.day_index(to.min(self.end))?;
        (first <= last).then_some((first, last))
    }

    /// Finished units on hand at the end of `d` for one product at one location: the last
    /// held balance for days after the horizon, zero before the first day.
    pub fn on_hand(&self, d: NaiveDate, product: usize, location: usize) -> i64 {
        let (np, nl) = (self.products.len(), self.locations.len());
        if d < self.start || nl == 0 {
            return 0;
        }
        let day = self.day_index(d).unwrap_or(self.days() - 1);
        self.stock[(day * np + product) * nl + location]
    }

    /// FX rates used for day `d` (clamped to the held range).
    pub fn rates_on(&self, d: NaiveDate) -> DayRates {
        let i = self
            .day_index(d)
            .unwrap_or(if d < self.start { 0 } else { self.days() - 1 });
        self.rates[i]
    }
}

#[cfg(test)]
mod tests {
    use super::allocate;

    #[test]
    fn allocation_is_proportional_and_exact() {
        assert_eq!(allocate(100, &[1, 1, 2]), vec![25, 25, 50]);
        assert_eq!(allocate(100, &[1, 1, 1]), vec![34, 33, 33]);
        assert_eq!(allocate(7, &[0, 0]), vec![7, 0]);
        assert_eq!(allocate(-10, &[3, 1]), vec![-8, -2]);
        assert!(allocate(5, &[]).is_empty());
        for (amount, w) in [
            (9_999, vec![3, 5, 7]),
            (1, vec![10, 10]),
            (123_457, vec![1, 999_999]),
        ] {
            assert_eq!(allocate(amount, &w).iter().sum::<i64>(), amount);
        }
    }
}
