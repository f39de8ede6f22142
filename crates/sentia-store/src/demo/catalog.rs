//! Master data of Sentia Spirits: products and their bills of materials, locations, channels,
//! customers, suppliers, production lines, cash accounts, price lists and promotions.
//!
//! Indexes used by the simulation: spirit `0..3` (gin, rum, whisky), size `0..3` (20, 50,
//! 70 cl), finished SKU `spirit * 3 + size` (product id = index + 1), location `0..6` and
//! channel `0..6` in the order of [`LOCATIONS`] and [`CHANNELS`].

use chrono::{Datelike, Days, NaiveDate, Weekday};
use sentia_core::currency::Currency;

use super::rows::{
    BomLine, CashAccount, Channel, Customer, Location, Price, Product, Promotion, Supplier,
    WorkCenter,
};

/// Number of finished SKUs.
pub const SKUS: usize = 9;
/// Number of products (finished + components).
pub const PRODUCTS: usize = 26;
/// Number of stock locations.
pub const LOCS: usize = 6;
/// Number of sales channels.
pub const CHANNELS_N: usize = 6;

/// (code, family, name stem, bulk liquid cost in pence per cl).
pub const SPIRITS: [(&str, &str, &str, i64); 3] = [
    ("GIN", "Gin", "Sentia London Dry Gin", 9),
    ("RUM", "Spiced Rum", "Sentia Spiced Rum", 8),
    ("WHS", "Single Malt", "Sentia Single Malt Whisky", 18),
];

/// Bottle sizes in ml.
pub const SIZES_ML: [i64; 3] = [200, 500, 700];
/// Cost of an empty bottle per size, pence.
const GLASS_COST: [i64; 3] = [45, 85, 110];
/// Filling, labour and overhead per bottle per size, pence.
const CONVERSION_COST: [i64; 3] = [55, 95, 130];
/// Bottles per case per size.
pub const CASE_PACK: [i64; 3] = [12, 6, 6];
/// UK spirits duty per bottle per size (40 % ABV), pence.
pub const DUTY_PER_BOTTLE: [i64; 3] = [253, 633, 886];

/// List prices per spirit and size, in GBP, EUR and USD minor units. EUR and USD are price
/// lists of their own, not conversions.
pub const LIST_PRICES: [[[i64; 3]; 3]; 3] = [
    // GBP
    [[1495, 2795, 3495], [1395, 2595, 3195], [1995, 3995, 5295]],
    // EUR
    [[1790, 3290, 4190], [1690, 2990, 3790], [2390, 4690, 6290]],
    // USD
    [[1999, 3699, 4599], [1899, 3399, 4199], [2599, 5299, 6999]],
];

/// Product id of a finished SKU index.
pub fn finished_id(sku: usize) -> i64 {
    sku as i64 + 1
}
/// Product index of the bulk liquid of a spirit.
pub fn liquid_ix(spirit: usize) -> usize {
    9 + spirit
}
/// Product index of the empty bottle of a size.
pub fn glass_ix(size: usize) -> usize {
    12 + size
}
/// Product index of the closure of a size (screw cap for 20 cl, cork stopper otherwise).
pub fn closure_ix(size: usize) -> usize {
    if size == 0 { 15 } else { 16 }
}
/// Product index of the label of a finished SKU.
pub fn label_ix(sku: usize) -> usize {
    17 + sku
}

/// Components and quantity per bottle of a finished SKU, as (product index, quantity).
pub fn bom_of(sku: usize) -> [(usize, i64); 4] {
    let (spirit, size) = (sku / 3, sku % 3);
    [
        (liquid_ix(spirit), SIZES_ML[size] / 10),
        (glass_ix(size), 1),
        (closure_ix(size), 1),
        (label_ix(sku), 1),
    ]
}

fn label_cost(size: usize) -> i64 {
    if size == 0 { 12 } else { 18 }
}

fn closure_cost(ix: usize) -> i64 {
    if ix == 15 { 6 } else { 38 }
}

/// Standard cost of every product by index, pence.
pub fn unit_costs() -> [i64; PRODUCTS] {
    let mut c = [0; PRODUCTS];
    for (s, spirit) in SPIRITS.iter().enumerate() {
        c[liquid_ix(s)] = spirit.3;
    }
    for size in 0..3 {
        c[glass_ix(size)] = GLASS_COST[size];
        c[closure_ix(size)] = closure_cost(closure_ix(size));
    }
    for sku in 0..SKUS {
        c[label_ix(sku)] = label_cost(sku % 3);
    }
    for sku in 0..SKUS {
        let materials: i64 = bom_of(sku).iter().map(|&(ix, q)| c[ix] * q).sum();
        c[sku] = materials + CONVERSION_COST[sku % 3];
    }
    c
}

/// Supplier index (into [`SUPPLIERS`]) of a component index.
pub fn supplier_of(component: usize) -> usize {
    match component {
        9 | 10 => 0,
        11 => 1,
        12..=14 => 2,
        15 | 16 => 3,
        _ => 4,
    }
}

/// Minimum order quantity and pack multiple of a component index.
pub fn moq_and_pack(component: usize) -> (i64, i64) {
    match component {
        9..=11 => (50_000, 10_000),
        12..=14 => (6_000, 1_200),
        15 | 16 => (5_000, 1_000),
        _ => (2_000, 1_000),
    }
}

pub fn products() -> Vec<Product> {
    let costs = unit_costs();
    let mut v = Vec::with_capacity(PRODUCTS);
    for (s, spirit) in SPIRITS.iter().enumerate() {
        for (z, ml) in SIZES_ML.iter().enumerate() {
            let sku = s * 3 + z;
            v.push(Product {
                id: finished_id(sku),
                sku: format!("{}-{}", spirit.0, ml / 10),
                name: format!("{} {}cl", spirit.2, ml / 10),
                kind: "finished",
                family: spirit.1,
                bottle_size_ml: Some(*ml as i32),
                uom: "bottle",
                unit_cost_minor: costs[sku],
                case_pack: CASE_PACK[z] as i32,
            });
        }
    }
    let component = |ix: usize, sku: String, name: String, family, uom, pack: i32| Product {
        id: ix as i64 + 1,
        sku,
        name,
        kind: "component",
        family,
        bottle_size_ml: None,
        uom,
        unit_cost_minor: costs[ix],
        case_pack: pack,
    };
    for (s, spirit) in SPIRITS.iter().enumerate() {
        let what = [
            "gin (bulk, 40% ABV)",
            "spiced rum (bulk, 40% ABV)",
            "single malt whisky (bulk, 40% ABV)",
        ][s];
        v.push(component(
            liquid_ix(s),
            format!("LIQ-{}", spirit.0),
            format!("Bulk {what}"),
            "Liquid",
            "cl",
            1,
        ));
    }
    for (z, ml) in SIZES_ML.iter().enumerate() {
        v.push(component(
            glass_ix(z),
            format!("GLS-{}", ml / 10),
            format!("Flint glass bottle {}cl", ml / 10),
            "Glass",
            "each",
            1200,
        ));
    }
    v.push(component(
        15,
        "CLS-SCREW".into(),
        "Aluminium screw cap 28mm".into(),
        "Closure",
        "each",
        1000,
    ));
    v.push(component(
        16,
        "CLS-CORK".into(),
        "Natural cork stopper, wooden head".into(),
        "Closure",
        "each",
        1000,
    ));
    for (s, spirit) in SPIRITS.iter().enumerate() {
        for (z, ml) in SIZES_ML.iter().enumerate() {
            let sku = s * 3 + z;
            v.push(component(
                label_ix(sku),
                format!("LBL-{}-{}", spirit.0, ml / 10),
                format!("Front and back label {} {}cl", spirit.2, ml / 10),
                "Label",
                "each",
                1000,
            ));
        }
    }
    v
}

/// (code, name, kind, region, transit days from WH-UK).
pub const LOCATIONS: [(&str, &str, &str, &str, i64); LOCS] = [
    (
        "WH-UK",
        "Sentia distillery, bonded warehouse and bottling hall (Leith)",
        "warehouse",
        "UK",
        0,
    ),
    (
        "WH-EU",
        "Rotterdam 3PL (Maasvlakte Fulfilment)",
        "warehouse",
        "EU",
        5,
    ),
    (
        "WH-US",
        "New Jersey 3PL (Garden State Logistics)",
        "warehouse",
        "US",
        12,
    ),
    ("FBA-UK", "Amazon FBA UK", "fba", "UK", 3),
    ("FBA-EU", "Amazon FBA EU (Pan-European)", "fba", "EU", 7),
    ("FBA-US", "Amazon FBA US", "fba", "US", 16),
];

pub fn locations() -> Vec<Location> {
    LOCATIONS
        .iter()
        .enumerate()
        .map(|(i, l)| Location {
            id: i as i64 + 1,
            code: l.0,
            name: l.1,
            kind: l.2,
            region: l.3,
        })
        .collect()
}

/// (code, name, kind, region, currency, fulfilment location index, base orders/day at the end
/// of the history in a normal month).
pub const CHANNELS: [(&str, &str, &str, &str, Currency, usize, f64); CHANNELS_N] = [
    (
        "AMZ-UK",
        "Amazon UK",
        "amazon_fba",
        "UK",
        Currency::Gbp,
        3,
        30.0,
    ),
    (
        "AMZ-EU",
        "Amazon EU",
        "amazon_fba",
        "EU",
        Currency::Eur,
        4,
        14.0,
    ),
    (
        "AMZ-US",
        "Amazon US",
        "amazon_fba",
        "US",
        Currency::Usd,
        5,
        18.0,
    ),
    (
        "SHOP-UK",
        "Shopify UK",
        "shopify",
        "UK",
        Currency::Gbp,
        0,
        26.0,
    ),
    (
        "SHOP-EU",
        "Shopify EU",
        "shopify",
        "EU",
        Currency::Eur,
        1,
        9.0,
    ),
    (
        "SHOP-US",
        "Shopify US",
        "shopify",
        "US",
        Currency::Usd,
        2,
        13.0,
    ),
];

/// Whether a channel index is an Amazon marketplace.
pub fn is_amazon(ch: usize) -> bool {
    ch < 3
}

pub fn channels() -> Vec<Channel> {
    CHANNELS
        .iter()
        .enumerate()
        .map(|(i, c)| Channel {
            id: i as i64 + 1,
            code: c.0,
            name: c.1,
            kind: c.2,
            region: c.3,
            currency: c.4,
            fulfilment_location_id: c.5 as i64 + 1,
        })
        .collect()
}

/// Marketplace and payout counterparties; customer id `ch + 1` settles channel `ch`.
pub fn customers() -> Vec<Customer> {
    let c = |id, name, kind, region, email, terms| Customer {
        id,
        name,
        kind,
        region,
        email,
        payment_terms_days: terms,
    };
    vec![
        c(
            1,
            "Amazon UK Services Ltd.",
            "marketplace",
            "UK",
            Some("seller-payments@amazon.co.uk"),
            3,
        ),
        c(
            2,
            "Amazon EU S.à r.l.",
            "marketplace",
            "EU",
            Some("seller-payments@amazon.eu"),
            3,
        ),
        c(
            3,
            "Amazon.com Services LLC",
            "marketplace",
            "US",
            Some("seller-payments@amazon.com"),
            3,
        ),
        c(4, "Shopify Payments UK", "payment_provider", "UK", None, 2),
        c(
            5,
            "Shopify Payments (Ireland) Ltd.",
            "payment_provider",
            "EU",
            None,
            2,
        ),
        c(6, "Shopify Payments US", "payment_provider", "US", None, 2),
    ]
}

/// (code, name, currency, quoted lead time days, payment terms days). The first five supply
/// components; the rest send monthly overhead bills.
pub const SUPPLIERS: [(&str, &str, Currency, i32, i32); 16] = [
    (
        "SUP-DIST",
        "Thames Grain Distillers Ltd",
        Currency::Gbp,
        14,
        30,
    ),
    (
        "SUP-CASK",
        "Speyside Cask Spirits Ltd",
        Currency::Gbp,
        21,
        60,
    ),
    ("SUP-GLASS", "Vidrios Atlántico S.A.", Currency::Eur, 42, 60),
    ("SUP-CORK", "Corticeira do Norte Lda", Currency::Eur, 35, 45),
    ("SUP-LABEL", "Printwell Labels Ltd", Currency::Gbp, 10, 30),
    ("OH-RENT", "Riverside Estates Ltd", Currency::Gbp, 0, 14),
    ("OH-ENERGY", "Anglia Energy Ltd", Currency::Gbp, 0, 14),
    (
        "OH-PAYROLL",
        "Clearwater Payroll Bureau Ltd",
        Currency::Gbp,
        0,
        27,
    ),
    (
        "OH-HMRC",
        "HM Revenue & Customs (spirits duty)",
        Currency::Gbp,
        0,
        14,
    ),
    (
        "OH-3PL-EU",
        "Maasvlakte Fulfilment B.V.",
        Currency::Eur,
        0,
        30,
    ),
    (
        "OH-3PL-US",
        "Garden State Logistics LLC",
        Currency::Usd,
        0,
        30,
    ),
    ("OH-ADS-UK", "Amazon Advertising (UK)", Currency::Gbp, 0, 7),
    ("OH-ADS-EU", "Amazon Advertising (EU)", Currency::Eur, 0, 7),
    ("OH-ADS-US", "Amazon Advertising (US)", Currency::Usd, 0, 7),
    (
        "OH-SOCIAL",
        "Meta Platforms Ireland Ltd (social ads)",
        Currency::Gbp,
        0,
        7,
    ),
    ("OH-COURIER", "Swift Parcels Ltd", Currency::Gbp, 0, 30),
];

pub fn suppliers() -> Vec<Supplier> {
    SUPPLIERS
        .iter()
        .enumerate()
        .map(|(i, s)| Supplier {
            id: i as i64 + 1,
            code: s.0,
            name: s.1,
            currency: s.2,
            lead_time_days: s.3,
            payment_terms_days: s.4,
        })
        .collect()
}

/// (code, name, ideal cycle ms per bottle). Line `s` fills spirit `s`.
pub const WORK_CENTERS: [(&str, &str, i64); 3] = [
    ("LINE-1", "Gin line", 70_000),
    ("LINE-2", "Rum line", 115_000),
    ("LINE-3", "Whisky line", 95_000),
];
/// Length of one shift, minutes.
pub const SHIFT_MINUTES: i64 = 480;

pub fn work_centers() -> Vec<WorkCenter> {
    WORK_CENTERS
        .iter()
        .enumerate()
        .map(|(i, w)| WorkCenter {
            id: i as i64 + 1,
            code: w.0,
            name: w.1,
            ideal_cycle_ms: w.2,
            shift_minutes: SHIFT_MINUTES as i32,
        })
        .collect()
}

pub fn bom() -> Vec<BomLine> {
    let mut v = Vec::new();
    for sku in 0..SKUS {
        for (ix, q) in bom_of(sku) {
            v.push(BomLine {
                id: v.len() as i64 + 1,
                product_id: finished_id(sku),
                component_id: ix as i64 + 1,
                quantity_per: q,
            });
        }
    }
    v
}

pub fn cash_accounts() -> Vec<CashAccount> {
    vec![
        CashAccount {
            id: 1,
            code: "GBP-MAIN",
            name: "Business current account (GBP)",
            currency: Currency::Gbp,
        },
        CashAccount {
            id: 2,
            code: "EUR-MAIN",
            name: "Business current account (EUR)",
            currency: Currency::Eur,
        },
        CashAccount {
            id: 3,
            code: "USD-MAIN",
            name: "Business current account (USD)",
            currency: Currency::Usd,
        },
    ]
}

/// Price after the list-price rise: about +6 %, rounded to a charm price ending in 5 or 9.
fn raised(old: i64, currency: Currency) -> i64 {
    let target = old * 106 / 100;
    match currency {
        Currency::Usd => (target + 50) / 100 * 100 - 1,
        _ => (target + 25) / 50 * 50 - 5,
    }
}

/// The day index of the price rise: about 14 months before the end, or mid-history when the
/// history is shorter.
pub fn price_change_day(days: usize) -> usize {
    if days > 500 { days - 426 } else { days / 2 }
}

/// Price lists: the original list from the first day and the rise from [`price_change_day`].
/// Returns the rows and, per currency and SKU, (price before, price after).
pub fn prices(start: NaiveDate, days: usize) -> (Vec<Price>, [[(i64, i64); SKUS]; 3]) {
    let change = start + Days::new(price_change_day(days) as u64);
    let mut v = Vec::new();
    let mut table = [[(0, 0); SKUS]; 3];
    for sku in 0..SKUS {
        for c in Currency::ALL {
            let old = LIST_PRICES[c.index()][sku / 3][sku % 3];
            let new = raised(old, c);
            table[c.index()][sku] = (old, new);
            for (price, from) in [(old, start), (new, change)] {
                v.push(Price {
                    id: v.len() as i64 + 1,
                    product_id: finished_id(sku),
                    currency: c,
                    price_minor: price,
                    valid_from: from,
                });
            }
        }
    }
    (v, table)
}

fn nth_weekday(year: i32, month: u32, wd: Weekday, n: u8) -> Option<NaiveDate> {
    NaiveDate::from_weekday_of_month_opt(year, month, wd, n)
}

/// Black Friday of a year.
pub fn black_friday(year: i32) -> Option<NaiveDate> {
    nth_weekday(year, 11, Weekday::Thu, 4).map(|d| d + Days::new(1))
}

/// UK Father's Day (third Sunday of June) of a year.
pub fn fathers_day(year: i32) -> Option<NaiveDate> {
    nth_weekday(year, 6, Weekday::Sun, 3)
}

/// Promotions of every year touching the range, in date order per year.
pub fn promotions(
    start: NaiveDate,
    end: NaiveDate,
    year_pick: impl Fn(i32) -> usize,
) -> Vec<Promotion> {
    let mut v: Vec<Promotion> = Vec::new();
    for year in start.year()..=end.year() {
        let pick = year_pick(year);
        let mut add = |name: String,
                       channels: &[usize],
                       sku: Option<usize>,
                       from: Option<NaiveDate>,
                       len: u64,
                       bp: i32| {
            let Some(from) = from else { return };
            let to = from + Days::new(len - 1);
            if to < start || from > end {
                return;
            }
            for &ch in channels {
                v.push(Promotion {
                    id: v.len() as i64 + 1,
                    name: name.clone(),
                    channel_id: ch as i64 + 1,
                    product_id: sku.map(finished_id),
                    starts_on: from,
                    ends_on: to,
                    discount_bp: bp,
                });
            }
        };
        let amazon = [0, 1, 2];
        let shopify = [3, 4, 5];
        let spring_sku = [2, 8, 5][pick % 3];
        add(
            format!("Spring Deal Days {year}"),
            &amazon,
            Some(spring_sku),
            nth_weekday(year, 3, Weekday::Thu, 3),
            6,
            1500,
        );
        add(
            format!("Prime Day {year}"),
            &amazon,
            None,
            nth_weekday(year, 7, Weekday::Tue, 2),
            2,
            2000,
        );
        add(
            format!("Prime Big Deal Days {year}"),
            &amazon,
            None,
            nth_weekday(year, 10, Weekday::Tue, 2),
            2,
            1500,
        );
        add(
            format!("Black Friday & Cyber Monday {year}"),
            &amazon,
            None,
            black_friday(year).map(|d| d - Days::new(3)),
            7,
            2000,
        );
        add(
            format!("January Sale {year}"),
            &shopify,
            None,
            NaiveDate::from_ymd_opt(year, 1, 2),
            13,
            1500,
        );
        add(
            format!("World Gin Day {year}"),
            &shopify,
            Some(2),
            nth_weekday(year, 6, Weekday::Sat, 2),
            3,
            1500,
        );
        add(
            format!("Father's Day Single Malt {year}"),
            &shopify,
            Some(8),
            fathers_day(year).map(|d| d - Days::new(10)),
            10,
            1000,
        );
        add(
            format!("Black Friday Weekend {year}"),
            &shopify,
            None,
            black_friday(year),
            4,
            2500,
        );
        add(
            format!("Christmas Miniatures {year}"),
            &shopify,
            Some([0, 3, 6][pick % 3]),
            NaiveDate::from_ymd_opt(year, 12, 1),
            10,
            1000,
        );
    }
    v
}
