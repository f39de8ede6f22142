//! Report parameters (parsed and checked at the edge) and the computations over the cube.

use chrono::NaiveDate;
use sentia_core::calendar::{DateRange, Granularity, RangeError, parse_date};
use sentia_core::currency::Currency;
use sentia_core::kpi;
use sentia_core::reference::Region;
use serde::Deserialize;
use utoipa::IntoParams;

use super::cube::{Cell, SalesCube};
use crate::error::{ApiError, FieldError};
use crate::views::{
    BetterWhen, Kpi, KpiOverview, KpiUnit, SalesSummary, SummaryGroup, SummaryPoint, SummarySeries,
    SummaryTotals,
};

/// Days in the default reporting window.
pub const DEFAULT_DAYS: u64 = 30;

/// Raw query parameters of the sales reports. Unknown parameters are refused.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ReportParams {
    /// First day, YYYY-MM-DD (default: the 30-day window ending on `to`).
    pub from: Option<String>,
    /// Last day, inclusive, YYYY-MM-DD (default: the last day with data).
    pub to: Option<String>,
    /// `day` (default), `week` or `month`.
    pub granularity: Option<String>,
    /// `none` (default), `region`, `channel` or `sku`.
    pub group_by: Option<String>,
    /// Reporting currency: GBP (default), EUR or USD.
    pub currency: Option<String>,
    /// Region codes, comma-separated (UK,EU,US).
    pub region: Option<String>,
    /// Channel codes, comma-separated (e.g. AMZ-UK).
    pub channel: Option<String>,
    /// SKU codes, comma-separated (e.g. GIN-70).
    pub sku: Option<String>,
}

/// Query parameters of the KPI overview: a period, a currency and the drill-down filters.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct OverviewParams {
    /// First day, YYYY-MM-DD (default: the 30-day window ending on `to`).
    pub from: Option<String>,
    /// Last day, inclusive, YYYY-MM-DD (default: the last day with data).
    pub to: Option<String>,
    /// Reporting currency: GBP (default), EUR or USD.
    pub currency: Option<String>,
    /// Region codes, comma-separated (UK,EU,US).
    pub region: Option<String>,
    /// Channel codes, comma-separated (e.g. AMZ-UK).
    pub channel: Option<String>,
    /// SKU codes, comma-separated (e.g. GIN-70).
    pub sku: Option<String>,
}

impl From<OverviewParams> for ReportParams {
    fn from(p: OverviewParams) -> Self {
        ReportParams {
            from: p.from,
            to: p.to,
            currency: p.currency,
            region: p.region,
            channel: p.channel,
            sku: p.sku,
            ..ReportParams::default()
        }
    }
}

/// How to group a summary.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GroupBy {
    /// One group.
    None,
    /// By region.
    Region,
    /// By channel.
    Channel,
    /// By SKU.
    Sku,
}

impl GroupBy {
    fn code(self) -> &'static str {
        match self {
            GroupBy::None => "none",
            GroupBy::Region => "region",
            GroupBy::Channel => "channel",
            GroupBy::Sku => "sku",
        }
    }
}

/// Checked report parameters, resolved against the cube.
#[derive(Debug, Clone)]
pub struct Report {
    /// Period.
    pub range: DateRange,
    /// Buckets.
    pub granularity: Granularity,
    /// Grouping.
    pub group_by: GroupBy,
    /// Reporting currency.
    pub currency: Currency,
    /// Channel indexes selected.
    pub channels: Vec<bool>,
    /// Product indexes selected.
    pub products: Vec<bool>,
    /// Location indexes whose stock counts.
    pub locations: Vec<bool>,
}

fn split(v: &Option<String>) -> Vec<String> {
    v.as_deref()
        .unwrap_or("")
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

impl Report {
    /// Checks parameters, naming every field at fault. Malformed values give 400; a range
    /// that parses but is inverted or too long gives 422.
    pub fn parse(p: &ReportParams, cube: &SalesCube) -> Result<Self, ApiError> {
        let mut errs: Vec<FieldError> = Vec::new();
        let mut bad = |field: &str, reason: String| {
            errs.push(FieldError {
                field: field.to_owned(),
                reason,
            })
        };
        let date = |v: &Option<String>, field: &str, bad: &mut dyn FnMut(&str, String)| {
            v.as_deref()
                .and_then(|s| parse_date(s).map_err(|e| bad(field, e)).ok())
        };
        let from = date(&p.from, "from", &mut bad);
        let to = date(&p.to, "to", &mut bad);
        let granularity = match p.granularity.as_deref() {
            None => Granularity::Day,
            Some(s) => s.parse().unwrap_or_else(|e| {
                bad("granularity", e);
                Granularity::Day
            }),
        };
        let group_by = match p.group_by.as_deref().unwrap_or("none") {
            "none" => GroupBy::None,
            "region" => GroupBy::Region,
            "channel" => GroupBy::Channel,
            "sku" => GroupBy::Sku,
            other => {
                bad(
                    "group_by",
                    format!("unknown grouping '{other}': expected none, region, channel or sku"),
                );
                GroupBy::None
            }
        };
        let currency = match p.currency.as_deref() {
            None => Currency::Gbp,
            Some(s) => s
                .parse()
                .unwrap_or_else(|e: sentia_core::currency::UnknownCurrency| {
                    bad("currency", e.to_string());
                    Currency::Gbp
                }),
        };
        let mut regions = Vec::new();
        for r in split(&p.region) {
            match r.parse::<Region>() {
                Ok(r) => regions.push(r),
                Err(e) => bad("region", e),
            }
        }
        let mut channel_codes = Vec::new();
        for c in split(&p.channel) {
            match cube.channels.iter().position(|x| x.code == c) {
                Some(i) => channel_codes.push(i),
                None => bad("channel", format!("unknown channel '{c}'")),
            }
        }
        let mut skus = Vec::new();
        for s in split(&p.sku) {
            match cube.products.iter().position(|x| x.sku == s) {
                Some(i) => skus.push(i),
                None => bad("sku", format!("unknown SKU '{s}'")),
            }
        }
        if !errs.is_empty() {
            let message = errs
                .iter()
                .map(|e| format!("{}: {}", e.field, e.reason))
                .collect::<Vec<_>>()
                .join("; ");
            return Err(ApiError::BadRequest {
                code: "invalid_query",
                message,
                details: errs,
            });
        }
        let to = to.unwrap_or(cube.end);
        let from = from.unwrap_or_else(|| DateRange::ending(to, DEFAULT_DAYS).from());
        let range = DateRange::new(from, to).map_err(|e| match e {
            RangeError::Inverted { .. } => ApiError::unprocessable("from", e.to_string()),
            RangeError::TooLong(_) => ApiError::unprocessable("to", e.to_string()),
        })?;
        let channels: Vec<bool> = cube
            .channels
            .iter()
            .enumerate()
            .map(|(i, c)| {
                (regions.is_empty() || regions.contains(&c.region))
                    && (channel_codes.is_empty() || channel_codes.contains(&i))
            })
            .collect();
        let products = (0..cube.products.len())
            .map(|i| skus.is_empty() || skus.contains(&i))
            .collect();
        // Stock counts where the selected channels ship from; with no channel or region
        // filter, every location (including the bottling site) counts.
        let locations = if regions.is_empty() && channel_codes.is_empty() {
            vec![true; cube.locations.len()]
        } else {
            let mut l = vec![false; cube.locations.len()];
            for (i, _) in channels.iter().enumerate().filter(|(_, s)| **s) {
                if let Some(x) = l.get_mut(cube.channel_location[i]) {
                    *x = true;
                }
            }
            for (i, r) in cube.location_region.iter().enumerate() {
                if channel_codes.is_empty() && r.is_some_and(|r| regions.contains(&r)) {
                    l[i] = true;
                }
            }
            l
        };
        Ok(Report {
            range,
            granularity,
            group_by,
            currency,
            channels,
            products,
            locations,
        })
    }
}

fn totals(c: &Cell, cur: Currency) -> SummaryTotals {
    let i = cur.index();
    let (gross, refunds, cogs) = (c.revenue[i], c.refunds[i], c.cogs[i]);
    let revenue = gross - refunds;
    SummaryTotals {
        gross_sales_minor: gross,
        refunds_minor: refunds,
        revenue_minor: revenue,
        cogs_minor: cogs,
        gross_margin_minor: revenue - cogs,
        gross_margin_pct: kpi::gross_margin_pct(revenue, cogs),
        units: c.units,
    }
}

fn group_key(cube: &SalesCube, g: GroupBy, ch: usize, pr: usize) -> (String, String) {
    match g {
        GroupBy::None => ("all".into(), "All".into()),
        GroupBy::Region => {
            let r = cube.channels[ch].region;
            (r.code().into(), r.name().into())
        }
        GroupBy::Channel => (
            cube.channels[ch].code.clone(),
            cube.channels[ch].name.clone(),
        ),
        GroupBy::Sku => (
            cube.products[pr].sku.clone(),
            cube.products[pr].name.clone(),
        ),
    }
}

/// Sums the selected cells of a range; `None` when the range lies wholly outside the data.
fn total_cell(cube: &SalesCube, r: &Report, range: DateRange) -> Option<Cell> {
    let (first, last) = cube.day_span(range.from(), range.to())?;
    let mut total = Cell::default();
    for (ch, _) in r.channels.iter().enumerate().filter(|(_, s)| **s) {
        for (pr, _) in r.products.iter().enumerate().filter(|(_, s)| **s) {
            total.add(&cube.range_sum(first, last, ch, pr));
        }
    }
    Some(total)
}

/// A group being summed.
struct GroupAcc {
    key: String,
    label: String,
    total: Cell,
    buckets: Vec<Cell>,
}

/// Computes a sales summary.
pub fn summary(cube: &SalesCube, r: &Report) -> SalesSummary {
    let cur = r.currency;
    // Buckets of the range, in order, each with the cube's day indexes it covers.
    let mut buckets: Vec<(NaiveDate, NaiveDate, NaiveDate)> = Vec::new();
    let mut d = r.range.from();
    loop {
        let b = r.granularity.bucket_start(d);
        match buckets.last_mut() {
            Some(last) if last.0 == b => last.2 = d,
            _ => buckets.push((b, d, d)),
        }
        match d.succ_opt() {
            Some(n) if n <= r.range.to() => d = n,
            _ => break,
        }
    }
    // Every selected (channel, product) pair maps to one group, decided once. Selected
    // groups with no sales still appear, with zeros, so a drill-down never hides one.
    let mut groups: Vec<GroupAcc> = Vec::new();
    let mut pairs: Vec<(usize, usize, usize)> = Vec::new();
    for (ch, _) in r.channels.iter().enumerate().filter(|(_, s)| **s) {
        for (pr, _) in r.products.iter().enumerate().filter(|(_, s)| **s) {
            let (key, label) = group_key(cube, r.group_by, ch, pr);
            let g = match groups.iter().position(|g| g.key == key) {
                Some(g) => g,
                None => {
                    groups.push(GroupAcc {
                        key,
                        label,
                        total: Cell::default(),
                        buckets: vec![Cell::default(); buckets.len()],
                    });
                    groups.len() - 1
                }
            };
            pairs.push((ch, pr, g));
        }
    }
    let mut all = Cell::default();
    for (b, (_, from, to)) in buckets.iter().enumerate() {
        let Some((first, last)) = cube.day_span(*from, *to) else {
            continue;
        };
        for &(ch, pr, g) in &pairs {
            let c = cube.range_sum(first, last, ch, pr);
            let acc = &mut groups[g];
            acc.total.add(&c);
            acc.buckets[b].add(&c);
            all.add(&c);
        }
    }
    let i = cur.index();
    groups.sort_by(|a, b| {
        b.total.revenue[i]
            .cmp(&a.total.revenue[i])
            .then(a.key.cmp(&b.key))
    });
    SalesSummary {
        currency: cur.into(),
        from: r.range.from().to_string(),
        to: r.range.to().to_string(),
        granularity: r.granularity.code().into(),
        group_by: r.group_by.code().into(),
        totals: totals(&all, cur),
        groups: groups
            .iter()
            .map(|g| SummaryGroup {
                key: g.key.clone(),
                label: g.label.clone(),
                totals: totals(&g.total, cur),
            })
            .collect(),
        series: groups
            .into_iter()
            .map(|g| SummarySeries {
                points: buckets
                    .iter()
                    .zip(&g.buckets)
                    .map(|((b, _, _), c)| {
                        let t = totals(c, cur);
                        SummaryPoint {
                            period: b.to_string(),
                            revenue_minor: t.revenue_minor,
                            units: t.units,
                            gross_margin_minor: t.gross_margin_minor,
                        }
                    })
                    .collect(),
                key: g.key,
                label: g.label,
            })
            .collect(),
    }
}

/// Finished stock of the selection at the end of `d`: (units, value in minor units of `cur`).
fn stock_at(cube: &SalesCube, r: &Report, d: NaiveDate) -> (i64, i64) {
    let rates = cube.rates_on(d);
    let mut units = 0;
    let mut value_gbp = 0;
    for (pr, _) in r.products.iter().enumerate().filter(|(_, s)| **s) {
        let mut u = 0;
        for (lo, _) in r.locations.iter().enumerate().filter(|(_, s)| **s) {
            u += cube.on_hand(d, pr, lo);
        }
        units += u;
        value_gbp += u * cube.products[pr].unit_cost_minor;
    }
    (units, rates.convert(value_gbp, Currency::Gbp, r.currency))
}

/// A KPI value: money stays integer minor units.
#[derive(Debug, Clone, Copy)]
enum Value {
    Money(i64),
    Number(f64),
}

impl Value {
    fn as_f64(self) -> f64 {
        match self {
            Value::Money(m) => m as f64,
            Value::Number(n) => n,
        }
    }
}

struct PeriodKpis {
    revenue: i64,
    units: i64,
    margin_pct: Option<f64>,
    inventory_value: i64,
    cover_days: Option<f64>,
}

/// KPIs of a period over the days the data covers; `None` when it covers none of them.
fn period_kpis(cube: &SalesCube, r: &Report, range: DateRange) -> Option<PeriodKpis> {
    let (first, last) = cube.day_span(range.from(), range.to())?;
    let covered_days = (last - first + 1) as i64;
    let cell = total_cell(cube, r, range)?;
    let t = totals(&cell, r.currency);
    let (stock_units, stock_value) = stock_at(cube, r, range.to());
    Some(PeriodKpis {
        revenue: t.revenue_minor,
        units: t.units,
        margin_pct: t.gross_margin_pct,
        inventory_value: stock_value,
        // Average daily sales over the days with data, not the days asked for.
        cover_days: kpi::stock_cover_days(stock_units, cell.units, covered_days),
    })
}

/// Computes the executive KPI overview with the previous period for trend. The previous
/// period is only compared when the data covers all of it, so a history that starts inside
/// it never shows as growth.
pub fn overview(cube: &SalesCube, r: &Report) -> KpiOverview {
    let prev_range = r.range.previous();
    let now = period_kpis(cube, r, r.range);
    let prev = (prev_range.from() >= cube.start && prev_range.to() <= cube.end)
        .then(|| period_kpis(cube, r, prev_range))
        .flatten();
    let kpi = |id: &str,
               label: &str,
               unit: KpiUnit,
               better: BetterWhen,
               f: &dyn Fn(&PeriodKpis) -> Option<Value>| {
        let value = now.as_ref().and_then(f);
        let previous = prev.as_ref().and_then(f);
        let minor = |v: Option<Value>| match v {
            Some(Value::Money(m)) => Some(m),
            _ => None,
        };
        let (v, p) = (value.map(Value::as_f64), previous.map(Value::as_f64));
        let percent = unit == KpiUnit::Percent;
        Kpi {
            id: id.into(),
            label: label.into(),
            unit,
            value: v,
            previous: p,
            value_minor: minor(value),
            previous_minor: minor(previous),
            change_pct: v
                .zip(p)
                .filter(|_| !percent)
                .and_then(|(v, p)| kpi::change_pct(v, p)),
            change_points: v.zip(p).filter(|_| percent).map(|(v, p)| v - p),
            better_when: better,
        }
    };
    KpiOverview {
        currency: r.currency.into(),
        from: r.range.from().to_string(),
        to: r.range.to().to_string(),
        previous_from: prev_range.from().to_string(),
        previous_to: prev_range.to().to_string(),
        data_through: cube.end.to_string(),
        kpis: vec![
            kpi(
                "revenue",
                "Net revenue",
                KpiUnit::Money,
                BetterWhen::Higher,
                &|k| Some(Value::Money(k.revenue)),
            ),
            kpi(
                "units",
                "Units sold",
                KpiUnit::Count,
                BetterWhen::Higher,
                &|k| Some(Value::Number(k.units as f64)),
            ),
            kpi(
                "gross_margin_pct",
                "Gross margin",
                KpiUnit::Percent,
                BetterWhen::Higher,
                &|k| k.margin_pct.map(Value::Number),
            ),
            kpi(
                "inventory_value",
                "Inventory value",
                KpiUnit::Money,
                BetterWhen::Lower,
                &|k| Some(Value::Money(k.inventory_value)),
            ),
            kpi(
                "stock_cover_days",
                "Stock cover",
                KpiUnit::Days,
                BetterWhen::Higher,
                &|k| k.cover_days.map(Value::Number),
            ),
        ],
    }
}
