//! The day-by-day simulation of the physical business: FX, demand and sales from stock,
//! transfers from the bottling site, production runs and purchase orders.
//!
//! Each day runs in a fixed order: arrivals (transfers, purchase receipts), sales, production,
//! then planning (production orders, transfers, purchase orders). Stock is checked before every
//! issue, so no location ever goes negative; demand that finds an empty shelf is lost.

use chrono::{Datelike, Days, NaiveDate, NaiveTime, Weekday};
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, Poisson, StandardNormal};
use sentia_core::currency::{Currency, DayRates, FX_SCALE};

use super::DemoData;
use super::catalog::{self as cat, CHANNELS, LOCATIONS, LOCS, PRODUCTS, SKUS};
use super::rows::*;

/// Days simulated past the end only for planners' look-ahead (season sums).
const LOOKAHEAD: usize = 150;
/// Yearly growth of demand.
const GROWTH: f64 = 0.20;
/// Weight of one day in the planners' demand average.
const EMA_ALPHA: f64 = 0.03;

/// A random stream derived from the seed, one per concern so that changing one part of the
/// simulation does not reshuffle the others.
pub(crate) fn stream(seed: u64, id: u64) -> ChaCha8Rng {
    use rand::SeedableRng;
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(id);
    rng
}

/// Annual seasonality of demand: quiet January, Father's Day bump, strong Q4 gifting peak.
pub(crate) fn season_of(date: NaiveDate) -> f64 {
    let day = f64::from(date.day());
    let base = match date.month() {
        1 => 0.72,
        2 => 0.80,
        3 => 0.86,
        4 => 0.90,
        5 => 0.94,
        6 => 1.00,
        7 => 0.96,
        8 => 0.92,
        9 => 0.96,
        10 => 1.10,
        11 => 1.2 + 0.8 * (day - 1.0) / 29.0,
        _ => match date.day() {
            1..=20 => 2.6,
            21..=23 => 1.7,
            24 => 1.0,
            _ => 0.62,
        },
    };
    match cat::fathers_day(date.year()) {
        Some(fd) if date <= fd && date + Days::new(10) > fd => base * 1.35,
        _ => base,
    }
}

/// Day-of-week demand factor: Shopify peaks at the weekend, Amazon is flatter.
fn weekly(amazon: bool, wd: Weekday) -> f64 {
    let i = wd.num_days_from_monday() as usize;
    if amazon {
        [1.02, 0.96, 0.95, 0.97, 0.98, 1.04, 1.08][i]
    } else {
        [0.88, 0.85, 0.90, 0.95, 1.08, 1.20, 1.14][i]
    }
}

/// Share of each finished SKU in demand; 20 cl gift sizes sell better in Nov–Dec.
fn mix(date: NaiveDate) -> [f64; SKUS] {
    let spirit = [0.45, 0.25, 0.30];
    let gift = date.month() >= 11;
    let size = if gift {
        [0.32, 0.16, 0.52]
    } else {
        [0.22, 0.18, 0.60]
    };
    std::array::from_fn(|sku| spirit[sku / 3] * size[sku % 3])
}

/// Mean bottles per order line of a SKU (20 cl sell in multiples).
fn mean_qty(sku: usize) -> f64 {
    if sku.is_multiple_of(3) { 1.95 } else { 1.23 }
}
const MEAN_LINES: f64 = 1.37;

fn qty_for(rng: &mut ChaCha8Rng, sku: usize) -> i64 {
    let u: f64 = rng.r#gen();
    if sku.is_multiple_of(3) {
        if u < 0.40 {
            1
        } else if u < 0.75 {
            2
        } else if u < 0.90 {
            3
        } else {
            4
        }
    } else if u < 0.80 {
        1
    } else if u < 0.97 {
        2
    } else {
        3
    }
}

/// Whether the bottling site and warehouses work that day (Mon–Fri except Christmas and
/// New Year's Day).
fn is_workday(date: NaiveDate) -> bool {
    let holiday = matches!((date.month(), date.day()), (12, 25) | (12, 26) | (1, 1));
    date.weekday().num_days_from_monday() < 5 && !holiday
}

fn round_up(q: i64, multiple: i64) -> i64 {
    if q <= 0 {
        0
    } else {
        (q + multiple - 1) / multiple * multiple
    }
}

/// GBP per one unit of `c`, scaled by 10⁹ (the rate an order stores).
pub(crate) fn shop_to_base(rates: &DayRates, c: Currency) -> i64 {
    let per = i128::from(rates.per_gbp(c));
    let scale = i128::from(FX_SCALE);
    i64::try_from((scale * scale + per / 2) / per).unwrap_or(FX_SCALE)
}

/// Stock on hand per location and product, and the movement ledger that explains it.
struct Ledger {
    stock: [[i64; PRODUCTS]; LOCS],
    movements: Vec<StockMovement>,
}

impl Ledger {
    fn post(
        &mut self,
        loc: usize,
        product: usize,
        date: NaiveDate,
        qty: i64,
        kind: &'static str,
        reference: &str,
    ) {
        if qty == 0 {
            return;
        }
        self.stock[loc][product] += qty;
        debug_assert!(
            self.stock[loc][product] >= 0,
            "negative stock {loc}/{product} on {date}"
        );
        self.movements.push(StockMovement {
            id: self.movements.len() as i64 + 1,
            product_id: product as i64 + 1,
            location_id: loc as i64 + 1,
            date,
            quantity: qty,
            kind,
            reference: reference.to_owned(),
        });
    }
}

struct Shipment {
    number: String,
    loc: usize,
    arrive: usize,
    lines: Vec<(usize, i64)>,
}

struct PendingPo {
    index: usize,
    arrive: usize,
}

struct ActiveOrder {
    index: usize,
    sku: usize,
    remaining: i64,
}

/// Runs the physical simulation; finance is added by [`super::finance::run`].
pub(crate) fn run(seed: u64, end: NaiveDate, days: u32) -> DemoData {
    let n = days as usize;
    let start = end
        .checked_sub_days(Days::new(u64::from(days) - 1))
        .unwrap_or(end);
    let horizon = n + LOOKAHEAD;
    let dates: Vec<NaiveDate> = (0..horizon as u64).map(|d| start + Days::new(d)).collect();
    let season: Vec<f64> = dates.iter().map(|d| season_of(*d)).collect();
    let mut prefix = vec![0.0; horizon + 1];
    for d in 0..horizon {
        prefix[d + 1] = prefix[d] + season[d];
    }
    // Sum of the season factor over days a..=b (clamped to the look-ahead window).
    let season_sum = |a: usize, b: usize| -> f64 {
        let b = (b + 1).min(horizon);
        let a = a.min(b);
        prefix[b] - prefix[a]
    };
    let trend = |d: usize| ((1.0 + GROWTH).ln() * (d as f64 - (n as f64 - 1.0)) / 365.25).exp();

    // --- FX: mean-reverting walks of GBP→EUR and GBP→USD.
    let mut rng = stream(seed, 1);
    let mut fx_rates = Vec::with_capacity(2 * n);
    let mut rates = Vec::with_capacity(n);
    let (mut eur, mut usd) = (
        1.16 + 0.02 * (rng.r#gen::<f64>() - 0.5),
        1.27 + 0.03 * (rng.r#gen::<f64>() - 0.5),
    );
    for &date in &dates[..n] {
        let (e, u) = ((eur * 1e9).round() as i64, (usd * 1e9).round() as i64);
        let day = DayRates::new(e, u)
            .unwrap_or_else(|| DayRates::new(1_160_000_000, 1_270_000_000).expect("positive"));
        rates.push(day);
        for (quote, rate) in [(Currency::Eur, e), (Currency::Usd, u)] {
            fx_rates.push(FxRate {
                id: fx_rates.len() as i64 + 1,
                date,
                quote,
                rate_scaled: rate,
            });
        }
        let (z1, z2): (f64, f64) = (
            StandardNormal.sample(&mut rng),
            StandardNormal.sample(&mut rng),
        );
        eur = (eur + 0.015 * (1.16 - eur) + 0.0035 * z1).clamp(1.05, 1.30);
        usd = (usd + 0.015 * (1.27 - usd) + 0.0050 * z2).clamp(1.10, 1.45);
    }

    // --- Master data.
    let products = cat::products();
    let costs = cat::unit_costs();
    let (prices, price_table) = cat::prices(start, n);
    let change_day = cat::price_change_day(n);
    let mut promo_rng = stream(seed, 2);
    let year_picks: Vec<usize> = (0..20).map(|_| promo_rng.gen_range(0..3)).collect();
    let promotions = cat::promotions(start, end, |y| {
        year_picks[(y - start.year()).clamp(0, 19) as usize]
    });

    // --- Planners' view: deseasonalised daily units per location and SKU.
    let mut ema = [[0.0f64; SKUS]; LOCS];
    let start_mix = mix(start);
    for c in &CHANNELS {
        for (sku, share) in start_mix.iter().enumerate() {
            ema[c.5][sku] = c.6 * trend(0) * MEAN_LINES * share * mean_qty(sku);
        }
    }
    let fc = |ema: &[[f64; SKUS]; LOCS], loc: usize, sku: usize, a: usize, b: usize| {
        ema[loc][sku] * season_sum(a, b)
    };
    let network_fc = |ema: &[[f64; SKUS]; LOCS], sku: usize, a: usize, b: usize| -> f64 {
        (0..LOCS).map(|l| ema[l][sku]).sum::<f64>() * season_sum(a, b)
    };
    let component_fc = |ema: &[[f64; SKUS]; LOCS], comp: usize, a: usize, b: usize| -> f64 {
        (0..SKUS)
            .flat_map(|sku| {
                cat::bom_of(sku)
                    .into_iter()
                    .map(move |(ix, q)| (sku, ix, q))
            })
            .filter(|&(_, ix, _)| ix == comp)
            .map(|(sku, _, q)| q as f64 * network_fc(ema, sku, a, b))
            .sum()
    };

    let mut ledger = Ledger {
        stock: [[0; PRODUCTS]; LOCS],
        movements: Vec::with_capacity(400_000),
    };
    let day0 = dates[0];
    for sku in 0..SKUS {
        let pack = cat::CASE_PACK[sku % 3];
        for (loc, l) in LOCATIONS.iter().enumerate() {
            let cover = if loc == 0 {
                network_fc(&ema, sku, 0, 42)
            } else {
                fc(&ema, loc, sku, 0, l.4 as usize + 21)
            };
            ledger.post(
                loc,
                sku,
                day0,
                round_up(cover.ceil() as i64, pack).max(pack),
                "opening",
                "OPENING",
            );
        }
    }
    for comp in SKUS..PRODUCTS {
        let (_, pack) = cat::moq_and_pack(comp);
        let qty = round_up(component_fc(&ema, comp, 0, 50).ceil() as i64, pack).max(pack);
        ledger.post(0, comp, day0, qty, "opening", "OPENING");
    }

    let mut sales_rng = stream(seed, 3);
    let mut log_rng = stream(seed, 4);
    let mut prod_rng = stream(seed, 5);
    let mut buy_rng = stream(seed, 6);

    let mut orders: Vec<SalesOrder> = Vec::with_capacity(160_000);
    let mut lines: Vec<SalesLine> = Vec::with_capacity(240_000);
    let mut refunds: Vec<Refund> = Vec::new();
    let mut shipments: Vec<Shipment> = Vec::new();
    let mut transfer_count = 0usize;
    let mut in_transit = [[0i64; SKUS]; LOCS];
    let mut purchase_orders: Vec<PurchaseOrder> = Vec::new();
    let mut po_lines: Vec<PurchaseOrderLine> = Vec::new();
    let mut pending_pos: Vec<PendingPo> = Vec::new();
    let mut on_order = [0i64; PRODUCTS];
    let mut production_orders: Vec<ProductionOrder> = Vec::new();
    let mut runs: Vec<ProductionRun> = Vec::new();
    let mut downtime: Vec<DowntimeEvent> = Vec::new();
    let mut active: [Option<ActiveOrder>; 3] = [None, None, None];
    let mut last_sku: [Option<usize>; 3] = [None; 3];
    let mut lost_units = 0u64;
    let mut demanded_units = 0u64;

    for d in 0..n {
        let date = dates[d];
        let day_rates = rates[d];

        // 1. Arrivals.
        let mut i = 0;
        while i < shipments.len() {
            if shipments[i].arrive == d {
                let s = shipments.swap_remove(i);
                for &(sku, qty) in &s.lines {
                    in_transit[s.loc][sku] -= qty;
                    ledger.post(s.loc, sku, date, qty, "transfer_in", &s.number);
                }
            } else {
                i += 1;
            }
        }
        let mut i = 0;
        while i < pending_pos.len() {
            if pending_pos[i].arrive == d {
                let p = pending_pos.swap_remove(i);
                let po = &mut purchase_orders[p.index];
                po.received_on = Some(date);
                po.status = "received";
                for line in po_lines.iter_mut().filter(|l| l.purchase_order_id == po.id) {
                    line.received_quantity = line.quantity;
                    let comp = (line.product_id - 1) as usize;
                    on_order[comp] -= line.quantity;
                    ledger.post(0, comp, date, line.quantity, "purchase_receipt", &po.number);
                }
            } else {
                i += 1;
            }
        }

        // 2. Sales.
        let mut demanded = [[0i64; SKUS]; LOCS];
        let m = mix(date);
        let wd = date.weekday();
        let price_ix = usize::from(d >= change_day);
        for (ch, c) in CHANNELS.iter().enumerate() {
            let (cur, loc) = (c.4, c.5);
            let mut disc = [0i64; SKUS];
            for p in promotions.iter().filter(|p| {
                p.channel_id == ch as i64 + 1 && p.starts_on <= date && date <= p.ends_on
            }) {
                for (sku, dsc) in disc.iter_mut().enumerate() {
                    if p.product_id.is_none_or(|id| id == cat::finished_id(sku)) {
                        *dsc = (*dsc).max(i64::from(p.discount_bp));
                    }
                }
            }
            let w: [f64; SKUS] =
                std::array::from_fn(|sku| m[sku] * (1.0 + 4.0 * disc[sku] as f64 / 10_000.0));
            let w_sum: f64 = w.iter().sum();
            let lambda = c.6 * trend(d) * weekly(cat::is_amazon(ch), wd) * season[d] * w_sum;
            let count = Poisson::new(lambda)
                .map(|p| p.sample(&mut sales_rng) as u64)
                .unwrap_or(0);
            let fx_scaled = shop_to_base(&day_rates, cur);
            for _ in 0..count {
                let k = {
                    let u: f64 = sales_rng.r#gen();
                    if u < 0.70 {
                        1
                    } else if u < 0.93 {
                        2
                    } else {
                        3
                    }
                };
                let mut chosen: Vec<usize> = Vec::with_capacity(3);
                for _ in 0..k * 4 {
                    if chosen.len() == k {
                        break;
                    }
                    let mut u = sales_rng.r#gen::<f64>() * w_sum;
                    let mut pick = SKUS - 1;
                    for (sku, wt) in w.iter().enumerate() {
                        if u < *wt {
                            pick = sku;
                            break;
                        }
                        u -= wt;
                    }
                    if !chosen.contains(&pick) {
                        chosen.push(pick);
                    }
                }
                let secs: u32 = if sales_rng.r#gen::<f64>() < 0.06 {
                    sales_rng.gen_range(0..7 * 3600)
                } else {
                    sales_rng.gen_range(7 * 3600..86_400)
                };
                let micros: u32 = sales_rng.gen_range(0..1_000_000);
                let order_id = orders.len() as i64 + 1;
                let number = format!("SO-{order_id:06}");
                let first_line = lines.len();
                for sku in chosen {
                    let qty = qty_for(&mut sales_rng, sku);
                    demanded[loc][sku] += qty;
                    demanded_units += qty as u64;
                    if ledger.stock[loc][sku] < qty {
                        lost_units += qty as u64;
                        continue;
                    }
                    ledger.post(loc, sku, date, -qty, "sale", &number);
                    let unit = if price_ix == 0 {
                        price_table[cur.index()][sku].0
                    } else {
                        price_table[cur.index()][sku].1
                    };
                    let gross = qty * unit;
                    let discount = (gross * disc[sku] + 5_000) / 10_000;
                    let net = gross - discount;
                    lines.push(SalesLine {
                        id: lines.len() as i64 + 1,
                        order_id,
                        line_no: (lines.len() - first_line) as i32 + 1,
                        product_id: cat::finished_id(sku),
                        quantity: qty,
                        unit_price_minor: unit,
                        discount_minor: discount,
                        net_shop_minor: net,
                        net_base_minor: day_rates.convert(net, cur, Currency::Gbp),
                        cogs_base_minor: qty * costs[sku],
                    });
                }
                if lines.len() == first_line {
                    continue;
                }
                let my_lines = &lines[first_line..];
                let total_shop: i64 = my_lines.iter().map(|l| l.net_shop_minor).sum();
                let total_base: i64 = my_lines.iter().map(|l| l.net_base_minor).sum();
                let time = NaiveTime::from_num_seconds_from_midnight_opt(secs, micros * 1000)
                    .unwrap_or(NaiveTime::MIN);
                let mut status = "fulfilled";
                if sales_rng.r#gen::<f64>() < 0.025 {
                    let reason_u: f64 = sales_rng.r#gen();
                    let (reason, delay) = if reason_u < 0.35 {
                        ("damaged in transit", sales_rng.gen_range(1..=6))
                    } else if reason_u < 0.70 {
                        ("customer return", sales_rng.gen_range(5..=28))
                    } else if reason_u < 0.82 {
                        ("late delivery", sales_rng.gen_range(3..=12))
                    } else if reason_u < 0.92 {
                        ("wrong item sent", sales_rng.gen_range(2..=10))
                    } else {
                        ("not as described", sales_rng.gen_range(3..=20))
                    };
                    let units: i64 = my_lines.iter().map(|l| l.quantity).sum();
                    let partial = units > 1 && sales_rng.r#gen::<f64>() < 0.45;
                    let pick = sales_rng.gen_range(0..my_lines.len());
                    let rd = d + delay;
                    if rd < n {
                        let (amount, returned) = if partial {
                            let l = &my_lines[pick];
                            (l.net_shop_minor / l.quantity, 1)
                        } else {
                            (
                                total_shop,
                                if reason == "late delivery" { 0 } else { units },
                            )
                        };
                        if amount > 0 {
                            let rdate = dates[rd];
                            let rsecs: u32 = sales_rng.gen_range(8 * 3600..20 * 3600);
                            let rtime =
                                NaiveTime::from_num_seconds_from_midnight_opt(rsecs, micros * 1000)
                                    .unwrap_or(NaiveTime::MIN);
                            refunds.push(Refund {
                                id: refunds.len() as i64 + 1,
                                order_id,
                                refunded_at: rdate.and_time(rtime).and_utc(),
                                date: rdate,
                                amount_shop_minor: amount,
                                amount_base_minor: rates[rd].convert(amount, cur, Currency::Gbp),
                                quantity_returned: returned,
                                reason,
                            });
                            status = if partial {
                                "partially_refunded"
                            } else {
                                "refunded"
                            };
                        }
                    }
                }
                orders.push(SalesOrder {
                    id: order_id,
                    channel_id: ch as i64 + 1,
                    number,
                    ordered_at: date.and_time(time).and_utc(),
                    date,
                    status,
                    currency: cur,
                    total_shop_minor: total_shop,
                    total_base_minor: total_base,
                    fx_shop_to_base_scaled: fx_scaled,
                });
            }
        }

        let workday = is_workday(date);

        // 3. Production: one shift per line and working day on the line's active order.
        if workday {
            for line in 0..3 {
                let Some(act) = active[line].as_mut() else {
                    continue;
                };
                let cycle = cat::WORK_CENTERS[line].2;
                let sku = act.sku;
                let mut events: Vec<(i64, bool, &'static str)> = Vec::new();
                if last_sku[line] != Some(sku) {
                    events.push((prod_rng.gen_range(30..=45), true, "changeover"));
                }
                events.push((prod_rng.gen_range(15..=25), true, "cleaning"));
                let planned_dt: i64 = events.iter().map(|e| e.0).sum();
                let scrap_rate = prod_rng.gen_range(0.005..0.03);
                let need_total = (act.remaining as f64 / (1.0 - scrap_rate)).ceil() as i64;
                let est_per_min = 60_000.0 / cycle as f64 * 0.88;
                let need_minutes = need_total as f64 / est_per_min + planned_dt as f64 + 20.0;
                let planned_minutes = if need_minutes < 450.0 {
                    ((need_minutes / 30.0).ceil() as i64 * 30).clamp(120, cat::SHIFT_MINUTES)
                } else {
                    cat::SHIFT_MINUTES
                };
                for (p, lo, hi, reason) in [
                    (0.12, 10, 45, "breakdown: filler jam"),
                    (0.08, 10, 60, "breakdown: labeller fault"),
                    (0.04, 20, 90, "quality hold"),
                    (0.03, 30, 120, "staff shortage"),
                    (0.015, 120, 300, "breakdown: capper gearbox"),
                ] {
                    if prod_rng.r#gen::<f64>() < p {
                        events.push((prod_rng.gen_range(lo..=hi), false, reason));
                    }
                }
                // At least an hour of running time, trimming the last events if needed.
                let mut total_dt: i64 = events.iter().map(|e| e.0).sum();
                while total_dt > planned_minutes - 60 {
                    let Some(last) = events.last_mut() else { break };
                    let cut = (total_dt - (planned_minutes - 60)).min(last.0);
                    last.0 -= cut;
                    total_dt -= cut;
                    if last.0 == 0 {
                        events.pop();
                    }
                }
                let run_minutes = planned_minutes - total_dt;
                let perf = prod_rng.gen_range(0.80..0.97);
                let mut total =
                    ((run_minutes * 60_000) as f64 / cycle as f64 * perf).floor() as i64;
                total = total.min(need_total);
                let materials = cat::bom_of(sku)
                    .iter()
                    .map(|&(ix, q)| ledger.stock[0][ix] / q)
                    .min()
                    .unwrap_or(0);
                if total > materials {
                    let lost = ((total - materials) as f64 / total as f64 * run_minutes as f64)
                        .ceil() as i64;
                    if lost > 0 {
                        events.push((lost.min(run_minutes), false, "material shortage"));
                    }
                    total = materials;
                }
                if total <= 0 {
                    continue;
                }
                let scrap = ((total as f64) * scrap_rate).round() as i64;
                let good = total - scrap;
                let order = &mut production_orders[act.index];
                let run_id = runs.len() as i64 + 1;
                runs.push(ProductionRun {
                    id: run_id,
                    production_order_id: order.id,
                    work_center_id: line as i64 + 1,
                    date,
                    planned_minutes: planned_minutes as i32,
                    ideal_cycle_ms: cycle,
                    total_count: total,
                    good_count: good,
                });
                for (minutes, planned, reason) in events {
                    downtime.push(DowntimeEvent {
                        id: downtime.len() as i64 + 1,
                        production_run_id: run_id,
                        minutes: minutes as i32,
                        planned,
                        reason,
                    });
                }
                for (ix, q) in cat::bom_of(sku) {
                    ledger.post(0, ix, date, -total * q, "consumption", &order.number);
                }
                ledger.post(0, sku, date, good, "production_receipt", &order.number);
                order.quantity_good += good;
                last_sku[line] = Some(sku);
                act.remaining -= good;
                if act.remaining <= 0 {
                    order.status = "completed";
                    active[line] = None;
                }
            }
        }

        // 4. Planning.
        if workday {
            // Production orders: an idle line starts the SKU with the least network cover.
            for (line, slot) in active.iter_mut().enumerate() {
                if slot.is_some() {
                    continue;
                }
                let mut best: Option<(f64, usize, i64)> = None;
                #[expect(clippy::needless_range_loop, reason = "sku indexes several tables")]
                for sku in line * 3..line * 3 + 3 {
                    let position: i64 = (0..LOCS)
                        .map(|l| ledger.stock[l][sku] + in_transit[l][sku])
                        .sum();
                    let need = network_fc(&ema, sku, d, d + 24);
                    if (position as f64) < need {
                        let ratio = position as f64 / need.max(1.0);
                        if best.is_none_or(|b| ratio < b.0) {
                            best = Some((ratio, sku, position));
                        }
                    }
                }
                if let Some((_, sku, position)) = best {
                    let target = network_fc(&ema, sku, d, d + 49);
                    let min_batch = if sku.is_multiple_of(3) { 1_200 } else { 600 };
                    let qty = round_up(
                        (target.ceil() as i64 - position).max(min_batch),
                        cat::CASE_PACK[sku % 3],
                    );
                    let id = production_orders.len() as i64 + 1;
                    production_orders.push(ProductionOrder {
                        id,
                        number: format!("MO-{id:05}"),
                        product_id: cat::finished_id(sku),
                        work_center_id: line as i64 + 1,
                        quantity_planned: qty,
                        quantity_good: 0,
                        due_on: date + Days::new(10),
                        status: "in_progress",
                    });
                    *slot = Some(ActiveOrder {
                        index: production_orders.len() - 1,
                        sku,
                        remaining: qty,
                    });
                }
            }

            // Transfers from WH-UK, Mondays and Thursdays.
            if matches!(wd, Weekday::Mon | Weekday::Thu) {
                let mut wants = [[0i64; SKUS]; LOCS];
                for (loc, l) in LOCATIONS.iter().enumerate().skip(1) {
                    let transit = l.4 as usize;
                    let safety = if l.2 == "fba" { 14 } else { 10 };
                    for sku in 0..SKUS {
                        let pos = ledger.stock[loc][sku] + in_transit[loc][sku];
                        if (pos as f64) < fc(&ema, loc, sku, d, d + transit + safety) {
                            let up_to = fc(&ema, loc, sku, d, d + transit + safety + 14);
                            wants[loc][sku] =
                                round_up(up_to.ceil() as i64 - pos, cat::CASE_PACK[sku % 3]);
                        }
                    }
                }
                for sku in 0..SKUS {
                    let pack = cat::CASE_PACK[sku % 3];
                    let reserve = fc(&ema, 0, sku, d, d + 6).ceil() as i64;
                    let available = (ledger.stock[0][sku] - reserve).max(0);
                    let total: i64 = (1..LOCS).map(|l| wants[l][sku]).sum();
                    if total > available {
                        for want in wants.iter_mut().skip(1) {
                            let share =
                                (want[sku] as f64 * available as f64 / total as f64).floor() as i64;
                            want[sku] = share / pack * pack;
                        }
                    }
                }
                for (loc, l) in LOCATIONS.iter().enumerate().skip(1) {
                    let items: Vec<(usize, i64)> = (0..SKUS)
                        .filter(|&s| wants[loc][s] > 0)
                        .map(|s| (s, wants[loc][s]))
                        .collect();
                    if items.is_empty() {
                        continue;
                    }
                    transfer_count += 1;
                    let number = format!("TR-{transfer_count:05}");
                    let u: f64 = log_rng.r#gen();
                    let delay = if u < 0.80 {
                        0
                    } else if u < 0.95 {
                        log_rng.gen_range(1..=4)
                    } else {
                        log_rng.gen_range(5..=12)
                    };
                    for &(sku, qty) in &items {
                        ledger.post(0, sku, date, -qty, "transfer_out", &number);
                        in_transit[loc][sku] += qty;
                    }
                    shipments.push(Shipment {
                        number,
                        loc,
                        arrive: d + l.4 as usize + delay,
                        lines: items,
                    });
                }
            }

            // Purchase orders for components below their reorder point.
            for (sp, s) in cat::SUPPLIERS.iter().enumerate().take(5) {
                let lead = s.3 as usize;
                let comps: Vec<usize> = (SKUS..PRODUCTS)
                    .filter(|&c| cat::supplier_of(c) == sp)
                    .collect();
                let position_now: [i64; PRODUCTS] =
                    std::array::from_fn(|c| ledger.stock[0][c] + on_order[c]);
                let position = |c: usize| position_now[c];
                let due = comps
                    .iter()
                    .any(|&c| (position(c) as f64) < component_fc(&ema, c, d, d + lead + 21));
                if !due {
                    continue;
                }
                let id = purchase_orders.len() as i64 + 1;
                let number = format!("PO-{id:05}");
                let mut total = 0;
                for &c in &comps {
                    if (position(c) as f64) >= component_fc(&ema, c, d, d + lead + 35) {
                        continue;
                    }
                    let (moq, pack) = cat::moq_and_pack(c);
                    let want = component_fc(&ema, c, d, d + lead + 60).ceil() as i64 - position(c);
                    let qty = round_up(want.max(moq), pack);
                    let unit = day_rates.convert(costs[c], Currency::Gbp, s.2).max(1);
                    total += qty * unit;
                    on_order[c] += qty;
                    po_lines.push(PurchaseOrderLine {
                        id: po_lines.len() as i64 + 1,
                        purchase_order_id: id,
                        product_id: c as i64 + 1,
                        quantity: qty,
                        unit_cost_minor: unit,
                        received_quantity: 0,
                    });
                }
                let u: f64 = buy_rng.r#gen();
                let delta: i64 = if u < 0.15 {
                    buy_rng.gen_range(-3..=-1)
                } else if u < 0.70 {
                    buy_rng.gen_range(0..=1)
                } else if u < 0.93 {
                    buy_rng.gen_range(2..=7)
                } else {
                    buy_rng.gen_range(8..=20)
                };
                let arrive = (d as i64 + lead as i64 + delta).max(d as i64 + 1) as usize;
                purchase_orders.push(PurchaseOrder {
                    id,
                    supplier_id: sp as i64 + 1,
                    number,
                    ordered_on: date,
                    expected_on: date + Days::new(lead as u64),
                    received_on: None,
                    status: "open",
                    currency: s.2,
                    total_minor: total,
                });
                pending_pos.push(PendingPo {
                    index: purchase_orders.len() - 1,
                    arrive,
                });
            }
        }

        // 5. Planners update their demand averages.
        for (loc, row) in ema.iter_mut().enumerate() {
            for (sku, e) in row.iter_mut().enumerate() {
                let x = demanded[loc][sku] as f64 / season[d];
                *e += EMA_ALPHA * (x - *e);
            }
        }
    }

    // Orders still on a line at the end: started or only released.
    for a in active.iter().flatten() {
        let o = &mut production_orders[a.index];
        o.status = if o.quantity_good == 0 {
            "released"
        } else {
            "in_progress"
        };
    }

    let mut positions = Vec::new();
    for loc in 0..LOCS {
        for product in 0..PRODUCTS {
            if loc == 0 || product < SKUS {
                positions.push(InventoryPosition {
                    id: positions.len() as i64 + 1,
                    product_id: product as i64 + 1,
                    location_id: loc as i64 + 1,
                    on_hand: ledger.stock[loc][product],
                });
            }
        }
    }

    DemoData {
        seed,
        start,
        end: dates[n - 1],
        days,
        fx_rates,
        locations: cat::locations(),
        products,
        prices,
        channels: cat::channels(),
        customers: cat::customers(),
        promotions,
        orders,
        lines,
        refunds,
        positions,
        movements: ledger.movements,
        suppliers: cat::suppliers(),
        purchase_orders,
        po_lines,
        bom: cat::bom(),
        work_centers: cat::work_centers(),
        production_orders,
        runs,
        downtime,
        cash_accounts: cat::cash_accounts(),
        invoices: Vec::new(),
        payments: Vec::new(),
        cash_movements: Vec::new(),
        cash_balances: Vec::new(),
        lost_units,
        demanded_units,
    }
}
