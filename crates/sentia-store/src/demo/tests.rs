//! Invariants of the generated data, checked without a database.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use chrono::{Datelike, NaiveDate};
use sentia_core::currency::{Currency, DayRates};

use super::*;

fn cfg(seed: u64) -> DemoConfig {
    DemoConfig {
        seed,
        end: NaiveDate::from_ymd_opt(2025, 6, 30).expect("date"),
        days: 1096,
    }
}

/// The full three-year company, generated once for all tests of this module.
fn full() -> &'static DemoData {
    static DATA: OnceLock<DemoData> = OnceLock::new();
    DATA.get_or_init(|| generate(&cfg(20_240_601)))
}

#[test]
fn same_config_gives_identical_data_and_another_seed_does_not() {
    let a = full();
    let b = generate(&cfg(20_240_601));
    assert_eq!(a.summary(), b.summary());
    assert_eq!(a.checksum(), b.checksum());
    assert!(*a == b);
    let c = generate(&DemoConfig {
        days: 200,
        ..cfg(7)
    });
    let d = generate(&DemoConfig {
        days: 200,
        ..cfg(8)
    });
    assert_ne!(c.checksum(), d.checksum());
    assert_ne!(c.orders, d.orders);
}

#[test]
fn volumes_are_those_of_a_small_growing_spirits_brand() {
    let d = full();
    let s = d.summary();
    println!("{s:?} lost demand {:.2}%", 100.0 * d.lost_demand_share());
    assert_eq!(s.days, 1096);
    assert!(s.order_lines <= 250_000, "{s:?}");
    assert!(s.orders >= 60_000, "{s:?}");
    // Orders per day over the last four weeks (June: no peak).
    let last = d.end;
    let recent = d
        .orders
        .iter()
        .filter(|o| (last - o.date).num_days() < 28)
        .count() as f64
        / 28.0;
    assert!(
        (90.0..=170.0).contains(&recent),
        "orders/day at the end: {recent}"
    );
    let refund_share = s.refunds as f64 / s.orders as f64;
    assert!(
        (0.015..=0.035).contains(&refund_share),
        "refunds {refund_share}"
    );
    // Stockouts happen, but rarely.
    let lost = d.lost_demand_share();
    assert!(lost > 0.0 && lost < 0.03, "lost demand share {lost}");
    assert_eq!(
        d.products.iter().filter(|p| p.kind == "finished").count(),
        9
    );
    assert!(s.production_runs > 500 && s.purchase_orders > 50, "{s:?}");
}

#[test]
fn every_day_has_both_fx_rates() {
    let d = full();
    let mut days: BTreeMap<NaiveDate, Vec<Currency>> = BTreeMap::new();
    for r in &d.fx_rates {
        days.entry(r.date).or_default().push(r.quote);
        assert!(r.rate_scaled > 1_000_000_000 && r.rate_scaled < 1_500_000_000);
    }
    assert_eq!(days.len(), 1096);
    assert_eq!(*days.keys().next().expect("first"), d.start);
    assert_eq!(*days.keys().last().expect("last"), d.end);
    assert!(days.values().all(|q| q == &[Currency::Eur, Currency::Usd]));
}

#[test]
fn stock_never_goes_negative_and_positions_match_the_ledger() {
    let d = full();
    let mut running: BTreeMap<(i64, i64), i64> = BTreeMap::new();
    let mut day = d.start;
    for m in &d.movements {
        assert!(m.date >= day, "movements are in date order");
        if m.date > day {
            assert!(
                running.values().all(|q| *q >= 0),
                "negative stock at end of {day}"
            );
            day = m.date;
        }
        *running.entry((m.product_id, m.location_id)).or_default() += m.quantity;
        // Issues are negative, receipts positive.
        let negative = matches!(m.kind, "sale" | "transfer_out" | "consumption" | "scrap");
        assert_eq!(m.quantity < 0, negative, "{m:?}");
    }
    assert!(running.values().all(|q| *q >= 0));
    assert_eq!(running.len(), d.positions.len());
    for p in &d.positions {
        assert_eq!(running[&(p.product_id, p.location_id)], p.on_hand);
    }
    let opening = d.movements.iter().filter(|m| m.kind == "opening").count();
    assert_eq!(opening, d.positions.len());
}

#[test]
fn orders_add_up_and_use_the_day_price_and_rate() {
    let d = full();
    let rates: BTreeMap<NaiveDate, DayRates> = d
        .fx_rates
        .chunks(2)
        .map(|p| {
            (
                p[0].date,
                DayRates::new(p[0].rate_scaled, p[1].rate_scaled).expect("rates"),
            )
        })
        .collect();
    let mut totals: Vec<(i64, i64)> = vec![(0, 0); d.orders.len()];
    for l in &d.lines {
        let o = &d.orders[(l.order_id - 1) as usize];
        assert_eq!(
            l.net_shop_minor,
            l.quantity * l.unit_price_minor - l.discount_minor
        );
        assert_eq!(
            l.net_base_minor,
            rates[&o.date].convert(l.net_shop_minor, o.currency, Currency::Gbp)
        );
        let price = d
            .prices
            .iter()
            .filter(|p| {
                p.product_id == l.product_id && p.currency == o.currency && p.valid_from <= o.date
            })
            .max_by_key(|p| p.valid_from)
            .expect("a price");
        assert_eq!(l.unit_price_minor, price.price_minor);
        let t = &mut totals[(l.order_id - 1) as usize];
        t.0 += l.net_shop_minor;
        t.1 += l.net_base_minor;
    }
    for (o, t) in d.orders.iter().zip(&totals) {
        assert_eq!((o.total_shop_minor, o.total_base_minor), *t, "{}", o.number);
        assert_eq!(o.ordered_at.date_naive(), o.date);
    }
    for r in &d.refunds {
        let o = &d.orders[(r.order_id - 1) as usize];
        assert!(r.amount_shop_minor <= o.total_shop_minor && r.date >= o.date);
        assert_ne!(o.status, "fulfilled");
    }
    assert!(d.lines.iter().any(|l| l.discount_minor > 0));
    // The list price rose once during the history.
    assert!(d.prices.iter().any(|p| p.valid_from > d.start));
}

#[test]
fn q4_outsells_q3() {
    let d = full();
    let (mut q3, mut q4) = (0i64, 0i64);
    for o in &d.orders {
        match o.date.month() {
            7..=9 => q3 += o.total_base_minor,
            10..=12 => q4 += o.total_base_minor,
            _ => {}
        }
    }
    assert!(q4 as f64 > 1.3 * q3 as f64, "Q4 {q4} vs Q3 {q3}");
}

#[test]
fn invoices_are_paid_once_and_cash_reconciles() {
    let d = full();
    let mut paid = vec![0u32; d.invoices.len()];
    for p in &d.payments {
        let inv = &d.invoices[(p.invoice_id - 1) as usize];
        paid[(p.invoice_id - 1) as usize] += 1;
        assert!(p.amount_minor > 0 && p.amount_minor <= inv.total_minor);
        assert_eq!(p.currency, inv.currency);
        assert!(p.paid_on >= inv.issued_on && p.paid_on <= d.end);
    }
    for (inv, n) in d.invoices.iter().zip(&paid) {
        assert!(*n <= 1);
        assert_eq!(inv.status == "PAID", *n == 1, "{}", inv.number);
    }
    assert!(paid.contains(&0), "some recent invoices are still open");
    let late = d
        .payments
        .iter()
        .filter(|p| p.paid_on > d.invoices[(p.invoice_id - 1) as usize].due_on)
        .count();
    assert!(
        late > 0 && late < d.payments.len() / 2,
        "late payments: {late}"
    );
    assert!(
        d.invoices.iter().any(|i| i.kind == "ACCREC")
            && d.invoices.iter().any(|i| i.kind == "ACCPAY")
    );

    // One movement per payment, with the sign of the invoice kind.
    let by_payment: BTreeMap<i64, &rows::CashMovement> = d
        .cash_movements
        .iter()
        .filter_map(|m| m.payment_id.map(|id| (id, m)))
        .collect();
    assert_eq!(by_payment.len(), d.payments.len());
    for p in &d.payments {
        let m = by_payment[&p.id];
        let sign = if d.invoices[(p.invoice_id - 1) as usize].kind == "ACCREC" {
            1
        } else {
            -1
        };
        assert_eq!(m.amount_minor, sign * p.amount_minor);
        assert_eq!((m.cash_account_id, m.date), (p.cash_account_id, p.paid_on));
    }
    // Balances: one per account and day, equal to the running sum, never negative.
    assert_eq!(d.cash_balances.len(), 3 * 1096);
    let mut sums = [0i64; 3];
    let mut mi = 0;
    for chunk in d.cash_balances.chunks(3) {
        let day = chunk[0].date;
        while mi < d.cash_movements.len() && d.cash_movements[mi].date <= day {
            let m = &d.cash_movements[mi];
            sums[(m.cash_account_id - 1) as usize] += m.amount_minor;
            mi += 1;
        }
        for b in chunk {
            assert_eq!(
                b.balance_minor,
                sums[(b.cash_account_id - 1) as usize],
                "{day}"
            );
            assert!(
                b.balance_minor >= 0,
                "account {} overdrawn on {day}",
                b.cash_account_id
            );
        }
    }
}

#[test]
fn production_runs_are_plausible_shifts() {
    let d = full();
    let mut downtime: BTreeMap<i64, i64> = BTreeMap::new();
    for e in &d.downtime {
        *downtime.entry(e.production_run_id).or_default() += i64::from(e.minutes);
        assert!(e.minutes > 0);
    }
    for r in &d.runs {
        assert!(r.good_count <= r.total_count && r.good_count > 0);
        assert!(r.planned_minutes <= 480);
        assert!(r.date.weekday().num_days_from_monday() < 5);
        let down = downtime.get(&r.id).copied().unwrap_or(0);
        assert!(down < i64::from(r.planned_minutes));
        let ideal = (i64::from(r.planned_minutes) - down) * 60_000 / r.ideal_cycle_ms;
        assert!(r.total_count <= ideal, "run {} beats its ideal rate", r.id);
    }
    assert!(
        d.downtime.iter().any(|e| !e.planned && e.minutes >= 120),
        "some long breakdowns"
    );
}

#[test]
fn sales_ship_from_the_channel_location_and_stockouts_are_episodic() {
    let d = full();
    let fulfilment: BTreeMap<&str, i64> = d
        .orders
        .iter()
        .map(|o| {
            let ch = &d.channels[(o.channel_id - 1) as usize];
            (o.number.as_str(), ch.fulfilment_location_id)
        })
        .collect();
    let mut stock: BTreeMap<(i64, i64), i64> = BTreeMap::new();
    let mut empty_days: BTreeMap<(i64, i64), u32> = BTreeMap::new();
    let mut day = d.start;
    let mut close_day = |stock: &BTreeMap<(i64, i64), i64>| {
        for (key, q) in stock {
            if key.0 <= 9 && *q == 0 {
                *empty_days.entry(*key).or_default() += 1;
            }
        }
    };
    for m in &d.movements {
        if m.kind == "sale" {
            assert_eq!(fulfilment[m.reference.as_str()], m.location_id, "{m:?}");
        }
        if m.date > day {
            close_day(&stock);
            day = m.date;
        }
        *stock.entry((m.product_id, m.location_id)).or_default() += m.quantity;
    }
    close_day(&stock);
    let total: u32 = empty_days.values().sum();
    let worst = empty_days.values().copied().max().unwrap_or(0);
    println!("empty SKU-location-days: {total}, worst pair {worst}");
    assert!(total > 0, "some shelves run empty");
    assert!(
        worst < 1096 / 10,
        "no SKU is out of stock at a location for long: {empty_days:?}"
    );
}
