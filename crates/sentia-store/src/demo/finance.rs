//! The books on top of the physical simulation: marketplace settlements and payouts (ACCREC),
//! supplier bills and monthly overheads (ACCPAY), their payments, the bank movements they
//! cause (plus monthly FX sweeps of EUR and USD surpluses into GBP) and daily balances.

use chrono::{Datelike, Days, NaiveDate};
use rand::Rng;
use sentia_core::currency::{Currency, DayRates};

use super::DemoData;
use super::catalog::{self as cat, CHANNELS, CHANNELS_N};
use super::rows::{CashBalance, CashMovement, Invoice, Payment};
use super::simulate::stream;

/// Opening bank balances on day one, minor units (pence, cents) of GBP, EUR, USD.
const OPENING: [i64; 3] = [25_000_000, 6_000_000, 6_000_000];
/// EUR and USD left in their accounts by the monthly sweep.
const SWEEP_KEEP: i64 = 4_000_000;
/// Share of sales Amazon keeps (referral and FBA fees), percent.
const AMAZON_FEE_PCT: i64 = 15;
/// Amazon advertising spend as a share of the channel's sales, percent.
const ADS_PCT: i64 = 10;
/// Social advertising for the Shopify stores as a share of their sales, percent.
const SOCIAL_PCT: i64 = 14;

/// Adds invoices, payments, cash movements and balances to `data`.
pub(crate) fn run(data: &mut DemoData, seed: u64) {
    let n = data.days as usize;
    let start = data.start;
    let date_of = |d: usize| start + Days::new(d as u64);
    let day_of = |date: NaiveDate| (date - start).num_days().max(0) as usize;
    let rates: Vec<DayRates> = data
        .fx_rates
        .chunks(2)
        .map(|p| {
            DayRates::new(p[0].rate_scaled, p[1].rate_scaled)
                .unwrap_or_else(|| DayRates::new(1, 1).expect("positive"))
        })
        .collect();

    // Daily aggregates per channel in its currency.
    let mut sales = vec![[0i64; CHANNELS_N]; n];
    let mut refunds = vec![[0i64; CHANNELS_N]; n];
    let mut order_count = vec![[0i64; CHANNELS_N]; n];
    let mut duty = vec![0i64; n];
    for o in &data.orders {
        let (d, ch) = (day_of(o.date), (o.channel_id - 1) as usize);
        sales[d][ch] += o.total_shop_minor;
        order_count[d][ch] += 1;
    }
    for r in &data.refunds {
        let ch = (data.orders[(r.order_id - 1) as usize].channel_id - 1) as usize;
        refunds[day_of(r.date)][ch] += r.amount_shop_minor;
    }
    for l in &data.lines {
        let o = &data.orders[(l.order_id - 1) as usize];
        if CHANNELS[(o.channel_id - 1) as usize].3 == "UK" {
            duty[day_of(o.date)] +=
                l.quantity * cat::DUTY_PER_BOTTLE[((l.product_id - 1) % 3) as usize];
        }
    }
    let sum = |v: &[[i64; CHANNELS_N]], ch: usize, a: usize, b: usize| -> i64 {
        v[a..=b].iter().map(|x| x[ch]).sum()
    };

    let mut invoices: Vec<Invoice> = Vec::new();
    let mut add = |kind: &'static str,
                   number: String,
                   customer: Option<i64>,
                   supplier: Option<i64>,
                   issued: usize,
                   terms: i64,
                   cur: Currency,
                   total: i64| {
        if total <= 0 {
            return;
        }
        let issued_on = date_of(issued);
        invoices.push(Invoice {
            id: invoices.len() as i64 + 1,
            kind,
            number,
            customer_id: customer,
            supplier_id: supplier,
            issued_on,
            due_on: issued_on + Days::new(terms as u64),
            currency: cur,
            total_minor: total,
            total_base_minor: rates[issued].convert(total, cur, Currency::Gbp),
            status: "AUTHORISED",
        });
    };

    // Receivables: Amazon settles every 14 days, Shopify pays out weekly (Monday, for Mon–Sun).
    for (ch, c) in CHANNELS.iter().enumerate() {
        let customer = Some(ch as i64 + 1);
        let terms = i64::from(cat::customers()[ch].payment_terms_days);
        let mut k = 0;
        let mut a = 0;
        while a < n {
            let b = if cat::is_amazon(ch) {
                a + 13
            } else {
                a + 6 - date_of(a).weekday().num_days_from_monday() as usize
            };
            if b + 1 >= n {
                break;
            }
            k += 1;
            let gross = sum(&sales, ch, a, b);
            let back = sum(&refunds, ch, a, b);
            let (prefix, fees) = if cat::is_amazon(ch) {
                ("SET", gross * AMAZON_FEE_PCT / 100)
            } else {
                (
                    "PAYOUT",
                    gross * 25 / 1000 + 20 * sum(&order_count, ch, a, b),
                )
            };
            add(
                "ACCREC",
                format!("{prefix}-{}-{k:04}", c.0),
                customer,
                None,
                b + 1,
                terms,
                c.4,
                gross - back - fees,
            );
            a = b + 1;
        }
    }

    // Payables for received purchase orders, billed on delivery.
    for po in &data.purchase_orders {
        if let Some(received) = po.received_on {
            let s = &cat::SUPPLIERS[(po.supplier_id - 1) as usize];
            add(
                "ACCPAY",
                format!("BILL-{}", po.number),
                None,
                Some(po.supplier_id),
                day_of(received),
                i64::from(s.4),
                s.2,
                po.total_minor,
            );
        }
    }

    // Monthly overheads, billed on the 1st for the month before.
    let mut oh_rng = stream(seed, 7);
    let trend = |d: usize| (1.2f64.ln() * (d as f64 - (n as f64 - 1.0)) / 365.25).exp();
    let mut prev = 0;
    for d in 1..n {
        let date = date_of(d);
        if date.day() != 1 {
            continue;
        }
        let (a, b) = (prev, d - 1);
        prev = d;
        let month = date.format("%Y-%m").to_string();
        let supplier = |code: &str| cat::SUPPLIERS.iter().position(|s| s.0 == code).unwrap_or(0);
        let mut bill = |code: &str, total: i64| {
            let sp = supplier(code);
            let s = &cat::SUPPLIERS[sp];
            add(
                "ACCPAY",
                format!("{code}-{month}"),
                None,
                Some(sp as i64 + 1),
                d,
                i64::from(s.4),
                s.2,
                total,
            );
        };
        let winter = matches!(date.month(), 11 | 12 | 1 | 2 | 3);
        bill("OH-RENT", 650_000);
        let energy: f64 = 180_000.0 * if winter { 1.3 } else { 1.0 } * oh_rng.gen_range(0.9..1.1);
        bill("OH-ENERGY", energy.round() as i64);
        let payroll = 4_400_000.0 * trend(d) * if date.month() == 12 { 1.12 } else { 1.0 };
        bill("OH-PAYROLL", payroll.round() as i64);
        bill("OH-HMRC", duty[a..=b].iter().sum());
        // 3PLs charge storage plus pick, pack and carriage per order; the courier collects
        // UK web orders at the bottling site.
        bill("OH-3PL-EU", 90_000 + 650 * sum(&order_count, 4, a, b));
        bill("OH-3PL-US", 110_000 + 850 * sum(&order_count, 5, a, b));
        bill("OH-COURIER", 520 * sum(&order_count, 3, a, b));
        let shop_sales_gbp: i64 = (3..6)
            .map(|ch| {
                (a..=b)
                    .map(|x| rates[x].convert(sales[x][ch], CHANNELS[ch].4, Currency::Gbp))
                    .sum::<i64>()
            })
            .sum();
        bill("OH-SOCIAL", shop_sales_gbp * SOCIAL_PCT / 100);
        for (ch, code) in ["OH-ADS-UK", "OH-ADS-EU", "OH-ADS-US"].iter().enumerate() {
            bill(code, sum(&sales, ch, a, b) * ADS_PCT / 100);
        }
    }

    // Payments: each invoice once, in full; early, on time or late; recent ones still open.
    let mut pay_rng = stream(seed, 8);
    let mut payments: Vec<Payment> = Vec::new();
    for inv in &mut invoices {
        let punctual = inv.kind == "ACCREC"
            || matches!(inv.supplier_id, Some(id) if matches!(cat::SUPPLIERS[(id - 1) as usize].0, "OH-RENT" | "OH-PAYROLL" | "OH-HMRC" | "OH-ADS-UK" | "OH-ADS-EU" | "OH-ADS-US" | "OH-SOCIAL"));
        let u: f64 = pay_rng.r#gen();
        let delta: i64 = if inv.kind == "ACCREC" {
            if u < 0.05 {
                -1
            } else if u < 0.75 {
                0
            } else {
                pay_rng.gen_range(1..=3)
            }
        } else if punctual {
            0
        } else if u < 0.15 {
            -pay_rng.gen_range(1..=10)
        } else if u < 0.65 {
            pay_rng.gen_range(0..=2)
        } else {
            pay_rng.gen_range(3..=25)
        };
        let due = day_of(inv.due_on) as i64;
        let paid = (due + delta).max(day_of(inv.issued_on) as i64) as usize;
        if paid >= n {
            continue;
        }
        inv.status = "PAID";
        payments.push(Payment {
            id: payments.len() as i64 + 1,
            invoice_id: inv.id,
            cash_account_id: inv.currency.index() as i64 + 1,
            paid_on: date_of(paid),
            amount_minor: inv.total_minor,
            currency: inv.currency,
        });
    }

    // Bank: opening, one movement per payment, FX sweeps on the 10th, end-of-day balances.
    let mut by_day: Vec<Vec<usize>> = vec![Vec::new(); n];
    for (i, p) in payments.iter().enumerate() {
        by_day[day_of(p.paid_on)].push(i);
    }
    let mut movements: Vec<CashMovement> = Vec::with_capacity(payments.len() + 200);
    let mut balances: Vec<CashBalance> = Vec::with_capacity(3 * n);
    let mut bal = [0i64; 3];
    let mut mv = |account: usize,
                  date: NaiveDate,
                  amount: i64,
                  kind: &'static str,
                  payment: Option<i64>,
                  description: String,
                  bal: &mut [i64; 3]| {
        bal[account] += amount;
        movements.push(CashMovement {
            id: movements.len() as i64 + 1,
            cash_account_id: account as i64 + 1,
            date,
            amount_minor: amount,
            kind,
            payment_id: payment,
            description,
        });
    };
    for (d, todays) in by_day.iter().enumerate() {
        let date = date_of(d);
        if d == 0 {
            for (acc, opening) in OPENING.iter().enumerate() {
                mv(
                    acc,
                    date,
                    *opening,
                    "opening",
                    None,
                    "Opening balance".to_owned(),
                    &mut bal,
                );
            }
        }
        for &i in todays {
            let p = &payments[i];
            let inv = &invoices[(p.invoice_id - 1) as usize];
            let (sign, kind, who) = if inv.kind == "ACCREC" {
                (
                    1,
                    "receipt",
                    cat::customers()[(inv.customer_id.unwrap_or(1) - 1) as usize].name,
                )
            } else {
                (
                    -1,
                    "payment",
                    cat::SUPPLIERS[(inv.supplier_id.unwrap_or(1) - 1) as usize].1,
                )
            };
            let acc = (p.cash_account_id - 1) as usize;
            mv(
                acc,
                date,
                sign * p.amount_minor,
                kind,
                Some(p.id),
                format!("{who} {}", inv.number),
                &mut bal,
            );
        }
        if date.day() == 10 {
            for cur in [Currency::Eur, Currency::Usd] {
                let acc = cur.index();
                let surplus = bal[acc] - SWEEP_KEEP;
                if surplus > 1_000_000 {
                    let gbp = rates[d].convert(surplus, cur, Currency::Gbp) * 995 / 1000;
                    mv(
                        acc,
                        date,
                        -surplus,
                        "fx_transfer",
                        None,
                        format!("Sweep {cur} surplus to GBP"),
                        &mut bal,
                    );
                    mv(
                        0,
                        date,
                        gbp,
                        "fx_transfer",
                        None,
                        format!("Sweep from {cur} account"),
                        &mut bal,
                    );
                }
            }
        }
        for (acc, b) in bal.iter().enumerate() {
            balances.push(CashBalance {
                id: balances.len() as i64 + 1,
                cash_account_id: acc as i64 + 1,
                date,
                balance_minor: *b,
            });
        }
    }

    data.invoices = invoices;
    data.payments = payments;
    data.cash_movements = movements;
    data.cash_balances = balances;
}
