//! The Unleashed client against the local fake account.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::Duration;

use sentia_connectors::fake::unleashed::FakeUnleashedTotals;
use sentia_connectors::fake::{FakeUnleashed, FakeUnleashedConfig, Fault};
use sentia_connectors::unleashed::*;
use sentia_connectors::{ConnectorError, IncrementalCursor, ManualClock, RetryPolicy};
use sentia_core::currency::{Currency, FX_SCALE};

fn config(fake: &FakeUnleashed, id: &str, key: &str) -> UnleashedConfig {
    let mut c = UnleashedConfig::new(id, key);
    c.base_url = fake.base_url().to_owned();
    c.page_size = 7;
    c.timeout = Duration::from_millis(400);
    c.retry = RetryPolicy::with_base(Duration::from_millis(5));
    c
}

fn client(fake: &FakeUnleashed) -> UnleashedClient {
    let d = FakeUnleashedConfig::default();
    UnleashedClient::new(config(fake, &d.api_id, &d.api_key)).unwrap()
}

fn upsert<T: Modified + Clone>(map: &mut BTreeMap<String, T>, records: &[T]) {
    for r in records {
        map.insert(r.external_id().to_owned(), r.clone());
    }
}

fn ids<T: Modified>(records: &[T]) -> BTreeSet<String> {
    records.iter().map(|r| r.external_id().to_owned()).collect()
}

/// Cursors of every resource, and what a store would hold after upserting.
#[derive(Default)]
struct Local {
    cursors: BTreeMap<String, IncrementalCursor>,
    products: BTreeMap<String, UnleashedProduct>,
    stock: BTreeMap<String, UnleashedStock>,
    sales: BTreeMap<String, UnleashedSalesOrder>,
    purchases: BTreeMap<String, UnleashedPurchaseOrder>,
    assemblies: BTreeMap<String, UnleashedAssembly>,
    boms: BTreeMap<String, UnleashedBom>,
    suppliers: usize,
    warehouses: usize,
}

/// Ids each resource returned in one round.
type Changed = BTreeMap<&'static str, BTreeSet<String>>;

impl Local {
    fn cursor(&self, name: &str) -> IncrementalCursor {
        self.cursors.get(name).cloned().unwrap_or_default()
    }

    async fn sync(&mut self, c: &UnleashedClient) -> Changed {
        let mut changed = Changed::new();
        let warehouses = c.warehouses().await.unwrap();
        self.warehouses = warehouses.len();
        self.suppliers = c.suppliers().await.unwrap().len();
        let mut stock_ids = BTreeSet::new();
        for w in &warehouses {
            let key = format!("stock:{}", w.code);
            let s = c.stock_on_hand(&w.code, &self.cursor(&key)).await.unwrap();
            upsert(&mut self.stock, &s.records);
            stock_ids.extend(ids(&s.records));
            self.cursors.insert(key, s.cursor);
        }
        changed.insert("stock", stock_ids);
        let p = c.products(&self.cursor("products")).await.unwrap();
        upsert(&mut self.products, &p.records);
        changed.insert("products", ids(&p.records));
        self.cursors.insert("products".into(), p.cursor);
        let s = c.sales_orders(&self.cursor("sales")).await.unwrap();
        upsert(&mut self.sales, &s.records);
        changed.insert("sales", ids(&s.records));
        self.cursors.insert("sales".into(), s.cursor);
        let s = c.purchase_orders(&self.cursor("purchases")).await.unwrap();
        upsert(&mut self.purchases, &s.records);
        changed.insert("purchases", ids(&s.records));
        self.cursors.insert("purchases".into(), s.cursor);
        let s = c.assemblies(&self.cursor("assemblies")).await.unwrap();
        upsert(&mut self.assemblies, &s.records);
        changed.insert("assemblies", ids(&s.records));
        self.cursors.insert("assemblies".into(), s.cursor);
        let s = c.bills_of_materials(&self.cursor("boms")).await.unwrap();
        upsert(&mut self.boms, &s.records);
        changed.insert("boms", ids(&s.records));
        self.cursors.insert("boms".into(), s.cursor);
        changed
    }

    fn totals(&self) -> FakeUnleashedTotals {
        let mut t = FakeUnleashedTotals {
            products: self.products.len(),
            product_sell_micros: self
                .products
                .values()
                .filter_map(|p| p.default_sell_price)
                .map(|p| p.micros)
                .sum(),
            stock_rows: self.stock.len(),
            stock_on_hand_milli: self.stock.values().map(|s| s.on_hand.milli()).sum(),
            sales_orders: self.sales.len(),
            sales_lines: self.sales.values().map(|o| o.lines.len()).sum(),
            sales_base_total: self.sales.values().map(|o| o.base_total.minor).sum(),
            purchase_orders: self.purchases.len(),
            purchase_base_total: self.purchases.values().map(|o| o.base_total.minor).sum(),
            purchase_lines: self.purchases.values().map(|o| o.lines.len()).sum(),
            assemblies: self.assemblies.len(),
            boms: self.boms.len(),
            suppliers: self.suppliers,
            warehouses: self.warehouses,
            ..FakeUnleashedTotals::default()
        };
        for o in self.sales.values() {
            assert_eq!(o.total.currency, o.currency);
            assert_eq!(o.base_total.currency, Currency::Gbp);
            *t.sales_total.entry(o.currency).or_default() += o.total.minor;
        }
        for o in self.purchases.values() {
            assert_eq!(o.total.currency, o.currency);
            *t.purchase_total.entry(o.currency).or_default() += o.total.minor;
        }
        t
    }

    fn assert_matches(&self, fake: &FakeUnleashed) {
        assert_eq!(self.totals(), fake.totals());
        for f in fake.sales_orders() {
            let o = &self.sales[&f.guid];
            assert_eq!(o.sub_total.minor, f.sub_total());
            let lines: i64 = o.lines.iter().map(|l| l.line_total.minor).sum();
            assert_eq!(lines, f.sub_total());
            assert_eq!(o.status, f.status);
            let expected_rate = match f.currency {
                Currency::Gbp => FX_SCALE,
                Currency::Eur => 1_170_000_000,
                Currency::Usd => 1_270_000_000,
            };
            assert_eq!(o.exchange_rate, expected_rate);
        }
        for s in self.stock.values() {
            assert_eq!(s.available.milli(), s.on_hand.milli() - s.allocated.milli());
            let total = s.total_cost.unwrap().micros;
            assert_eq!(total, s.avg_cost.unwrap().micros * s.on_hand.milli() / 1000);
        }
    }
}

#[tokio::test]
async fn full_then_incremental_sync_ends_with_exactly_the_fakes_records_through_faults() {
    let fake = FakeUnleashed::start(FakeUnleashedConfig::default())
        .await
        .unwrap();
    let c = client(&fake);
    fake.faults().inject_after(3, Fault::Status(503), 3);
    fake.faults()
        .inject_after(9, Fault::Delay(Duration::from_secs(1)), 1);
    fake.faults().inject_after(14, Fault::Status(500), 2);

    let mut local = Local::default();
    local.sync(&c).await;
    assert_eq!(fake.faults().pending(), 0, "every injected fault was hit");
    local.assert_matches(&fake);
    let t = local.totals();
    assert!(
        t.stock_rows > 0 && t.stock_rows < 2 * t.products,
        "absent rows stay absent"
    );
    assert_eq!(t.sales_total.len(), 3);
    assert!(t.assemblies > 0 && t.boms > 0);

    let mut expected = Changed::new();
    let mut sales: BTreeSet<String> = fake.add_sales_orders(3).into_iter().collect();
    sales.insert(fake.update_sales_order(5));
    expected.insert("sales", sales);
    expected.insert(
        "purchases",
        fake.add_purchase_orders(2).into_iter().collect(),
    );
    let mut products: BTreeSet<String> = fake.add_products(2).into_iter().collect();
    products.insert(fake.reprice_product(4, 123_456_700));
    expected.insert("products", products);
    expected.insert("stock", [fake.set_stock(2, 999)].into());
    expected.insert("assemblies", BTreeSet::new());
    expected.insert("boms", BTreeSet::new());
    fake.faults().inject_after(2, Fault::Status(502), 2);

    let changed = local.sync(&c).await;
    assert_eq!(changed, expected, "exactly the new and changed records");
    local.assert_matches(&fake);
    assert_eq!(local.sales.len(), 63);

    let again = local.sync(&c).await;
    assert!(
        again.values().all(BTreeSet::is_empty),
        "nothing new: {again:?}"
    );
}

#[tokio::test]
async fn stock_is_always_asked_per_warehouse() {
    let fake = FakeUnleashed::start(FakeUnleashedConfig::default())
        .await
        .unwrap();
    let c = client(&fake);
    let main = c
        .stock_on_hand("MAIN", &IncrementalCursor::full())
        .await
        .unwrap();
    let expected = fake
        .stock()
        .into_iter()
        .filter(|s| s.warehouse == "MAIN")
        .count();
    assert_eq!(main.records.len(), expected);
    assert!(main.records.iter().all(|s| s.warehouse_code == "MAIN"));
}

#[tokio::test]
async fn a_wrong_signature_or_id_is_an_auth_error_and_is_not_retried() {
    let fake = FakeUnleashed::start(FakeUnleashedConfig::default())
        .await
        .unwrap();
    let d = FakeUnleashedConfig::default();
    let c = UnleashedClient::new(config(&fake, &d.api_id, "not-the-key")).unwrap();
    let err = c.products(&IncrementalCursor::full()).await.unwrap_err();
    assert!(matches!(err, ConnectorError::Auth(_)), "{err:?}");
    assert_eq!(fake.faults().requests(), 1);
    let c = UnleashedClient::new(config(&fake, "someone-else", &d.api_key)).unwrap();
    assert!(matches!(c.warehouses().await, Err(ConnectorError::Auth(_))));
    assert_eq!(fake.faults().requests(), 2);
}

#[tokio::test]
async fn malformed_json_is_a_malformed_error() {
    let fake = FakeUnleashed::start(FakeUnleashedConfig::default())
        .await
        .unwrap();
    let c = client(&fake);
    fake.faults().inject(Fault::Malformed, 1);
    let err = c
        .sales_orders(&IncrementalCursor::full())
        .await
        .unwrap_err();
    assert!(matches!(err, ConnectorError::Malformed(_)), "{err:?}");
    assert_eq!(fake.faults().requests(), 1, "not retried");
}

#[tokio::test]
async fn a_spent_quota_stops_the_sync_without_retrying() {
    for status in [429, 403] {
        let fake = FakeUnleashed::start(FakeUnleashedConfig {
            quota: Some(3),
            quota_status: status,
            ..FakeUnleashedConfig::default()
        })
        .await
        .unwrap();
        let c = client(&fake);
        let err = c.products(&IncrementalCursor::full()).await.unwrap_err();
        assert!(
            matches!(err, ConnectorError::QuotaSpent(_)),
            "{status}: {err:?}"
        );
        assert_eq!(
            fake.faults().requests(),
            4,
            "three pages, then one refused call"
        );
        fake.set_quota(None);
        let all = c.products(&IncrementalCursor::full()).await.unwrap();
        assert_eq!(all.records.len(), fake.products().len());
    }
}

#[tokio::test]
async fn the_circuit_opens_after_five_failures_and_half_opens_after_thirty_seconds() {
    let fake = FakeUnleashed::start(FakeUnleashedConfig::default())
        .await
        .unwrap();
    let clock = Arc::new(ManualClock::new());
    let d = FakeUnleashedConfig::default();
    let mut cfg = config(&fake, &d.api_id, &d.api_key);
    cfg.retry.max_attempts = 1;
    let c = UnleashedClient::with_clock(cfg, clock.clone()).unwrap();
    fake.faults().inject(Fault::Status(500), 100);
    for _ in 0..5 {
        assert!(matches!(
            c.warehouses().await,
            Err(ConnectorError::Transient(_))
        ));
    }
    assert!(matches!(
        c.warehouses().await,
        Err(ConnectorError::CircuitOpen { .. })
    ));
    assert_eq!(fake.faults().requests(), 5);
    clock.advance(Duration::from_secs(30));
    fake.faults().clear();
    assert_eq!(
        c.warehouses().await.unwrap().len(),
        2,
        "half-open lets the probe through"
    );
    assert!(c.warehouses().await.is_ok(), "and the success closed it");
}
