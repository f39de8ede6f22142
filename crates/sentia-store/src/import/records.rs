//! The kinds other than sales orders: rows become the `Incoming…` records of
//! [`crate::ingest`], which validates and upserts them; its problems are mapped back to the
//! file's rows and columns.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use csv::StringRecord;
use sea_orm::{ConnectionTrait, TransactionTrait};

use super::fields::{boolean, date, int, int32, money};
use super::table::Table;
use super::{Header, ImportKind, ImportOptions, Problems, Progress, SOURCE, cell};
use crate::StoreResult;
use crate::ingest::{
    self, BatchCounts, IncomingInvoice, IncomingProduct, IncomingProductionOrder,
    IncomingProductionRun, IncomingPurchaseLine, IncomingPurchaseOrder, IncomingStockCount,
    Problem, Refs,
};

/// The records of a file.
pub(crate) enum Records {
    Products(Vec<IncomingProduct>),
    StockCounts(Vec<IncomingStockCount>),
    PurchaseOrders(Vec<IncomingPurchaseOrder>),
    Invoices(Vec<IncomingInvoice>),
    ProductionRuns(Vec<IncomingProductionRun>),
}

/// A file read into records, with the rows each record came from.
pub(crate) struct RecordsFile {
    pub rows: u64,
    records: Records,
    /// Per record, the rows of its lines (one row for single-row records).
    item_rows: Vec<Vec<u64>>,
}

/// Parses a cell; on failure notes the problem and gives `None`.
struct Cells<'a> {
    rec: &'a StringRecord,
    row: u64,
    h: &'a Header,
}

impl Cells<'_> {
    fn text(&self, col: &str) -> String {
        cell(self.rec, self.h.idx(col)).to_owned()
    }

    fn opt_text(&self, col: &str) -> Option<String> {
        Some(self.text(col)).filter(|t| !t.is_empty())
    }

    fn req<T>(
        &self,
        p: &mut Problems,
        col: &str,
        f: impl Fn(&str) -> Result<T, String>,
    ) -> Option<T> {
        let t = cell(self.rec, self.h.idx(col));
        if t.is_empty() {
            p.push(self.row, col, "is required");
            return None;
        }
        f(t).map_err(|e| p.push(self.row, col, e)).ok()
    }

    /// `Some(default)` when empty, the parsed value otherwise, `None` when it does not parse.
    fn or<T>(
        &self,
        p: &mut Problems,
        col: &str,
        default: T,
        f: impl Fn(&str) -> Result<T, String>,
    ) -> Option<T> {
        let t = cell(self.rec, self.h.idx(col));
        if t.is_empty() {
            return Some(default);
        }
        f(t).map_err(|e| p.push(self.row, col, e)).ok()
    }

    fn required_text(&self, p: &mut Problems, col: &str) -> Option<String> {
        self.req(p, col, |t| Ok(t.to_owned()))
    }
}

fn s(v: &str) -> String {
    v.to_owned()
}

/// Reads every row of `table` as records of `kind` (not sales orders).
pub(crate) fn read(
    kind: ImportKind,
    table: &mut Table<'_>,
    h: &Header,
    _refs: &Refs,
    p: &mut Problems,
    opts: &ImportOptions<'_>,
) -> RecordsFile {
    let mut rows = 0;
    let mut rec = StringRecord::new();
    let mut item_rows: Vec<Vec<u64>> = Vec::new();
    let mut products = Vec::new();
    let mut counts = Vec::new();
    let mut pos: Vec<IncomingPurchaseOrder> = Vec::new();
    let mut po_index: HashMap<String, usize> = HashMap::new();
    let mut invoices = Vec::new();
    let mut runs = Vec::new();
    let width = table.headers().len();
    while let Some(next) = table.next_row(&mut rec) {
        rows += 1;
        if rows % 50_000 == 0
            && let Some(f) = opts.progress
        {
            f(Progress::Reading { rows });
        }
        let row = match next {
            Ok(n) => n,
            Err((n, reason)) => {
                p.push(n, "", reason);
                continue;
            }
        };
        if rec.len() > width && rec.iter().skip(width).any(|c| !c.trim().is_empty()) {
            p.push(
                row,
                "",
                format!("the row has {} cells, the header {width}", rec.len()),
            );
        }
        let c = Cells { rec: &rec, row, h };
        match kind {
            ImportKind::Products => {
                let sku = c.required_text(p, "sku");
                let name = c.required_text(p, "name");
                let family = c.required_text(p, "family");
                let cost = c.req(p, "unit_cost", money);
                let size = c.or(p, "bottle_size_ml", None, |t| int32(t).map(Some));
                let pack = c.or(p, "case_pack", 1, int32);
                let active = c.or(p, "active", true, boolean);
                if let (
                    Some(sku),
                    Some(name),
                    Some(family),
                    Some(cost),
                    Some(size),
                    Some(pack),
                    Some(active),
                ) = (sku, name, family, cost, size, pack, active)
                {
                    products.push(IncomingProduct {
                        source: s(SOURCE),
                        external_id: sku.clone(),
                        sku,
                        name,
                        kind: c.opt_text("kind").unwrap_or_else(|| s("finished")),
                        family,
                        bottle_size_ml: size,
                        uom: c.opt_text("uom").unwrap_or_else(|| s("bottle")),
                        unit_cost_minor: cost,
                        case_pack: pack,
                        active,
                    });
                    item_rows.push(vec![row]);
                }
            }
            ImportKind::StockCounts => {
                let sku = c.required_text(p, "sku");
                let loc = c.required_text(p, "location");
                let day = c.req(p, "counted_on", date);
                let qty = c.req(p, "on_hand", int);
                if let (Some(sku), Some(loc), Some(day), Some(qty)) = (sku, loc, day, qty) {
                    counts.push(IncomingStockCount {
                        source: s(SOURCE),
                        external_id: format!("{day}/{sku}@{loc}"),
                        sku,
                        location_code: loc,
                        counted_on: day,
                        on_hand: qty,
                    });
                    item_rows.push(vec![row]);
                }
            }
            ImportKind::PurchaseOrders => {
                let number = c.required_text(p, "po_number");
                let supplier = c.required_text(p, "supplier");
                let ordered = c.req(p, "ordered_on", date);
                let expected = c.req(p, "expected_on", date);
                let received = c.or(p, "received_on", None, |t| date(t).map(Some));
                let currency = c.required_text(p, "currency");
                let sku = c.required_text(p, "sku");
                let qty = c.req(p, "quantity", int);
                let cost = c.req(p, "unit_cost", money);
                let got = c.or(p, "received_quantity", 0, int);
                let line = c.or(p, "line", None, |t| int(t).map(Some));
                let (
                    Some(number),
                    Some(supplier),
                    Some(ordered),
                    Some(expected),
                    Some(received),
                    Some(currency),
                    Some(sku),
                    Some(qty),
                    Some(cost),
                    Some(got),
                    Some(line),
                ) = (
                    number, supplier, ordered, expected, received, currency, sku, qty, cost, got,
                    line,
                )
                else {
                    continue;
                };
                let header = IncomingPurchaseOrder {
                    source: s(SOURCE),
                    external_id: number.clone(),
                    po_number: number.clone(),
                    supplier_code: supplier,
                    ordered_on: ordered,
                    expected_on: expected,
                    received_on: received,
                    status: c.opt_text("status").unwrap_or_else(|| s("open")),
                    currency,
                    lines: Vec::new(),
                };
                let i = match po_index.get(&number) {
                    Some(&i) => {
                        let first = &pos[i];
                        let same = IncomingPurchaseOrder {
                            lines: Vec::new(),
                            ..first.clone()
                        } == header;
                        if !same {
                            p.push(
                                row,
                                "po_number",
                                format!(
                                    "order '{number}' has other supplier, dates, status or currency \
                                     here than in row {}",
                                    item_rows[i][0]
                                ),
                            );
                            continue;
                        }
                        i
                    }
                    None => {
                        po_index.insert(number.clone(), pos.len());
                        pos.push(header);
                        item_rows.push(Vec::new());
                        pos.len() - 1
                    }
                };
                let line_no = line.unwrap_or(pos[i].lines.len() as i64 + 1);
                pos[i].lines.push(IncomingPurchaseLine {
                    external_id: format!("{number}/{line_no}"),
                    sku,
                    quantity: qty,
                    unit_cost_minor: cost,
                    received_quantity: got,
                });
                item_rows[i].push(row);
            }
            ImportKind::Invoices => {
                let number = c.required_text(p, "invoice_number");
                let kind = c.required_text(p, "kind");
                let issued = c.req(p, "issued_on", date);
                let due = c.req(p, "due_on", date);
                let currency = c.required_text(p, "currency");
                let total = c.req(p, "total", money);
                if let (
                    Some(number),
                    Some(kind),
                    Some(issued),
                    Some(due),
                    Some(currency),
                    Some(total),
                ) = (number, kind, issued, due, currency, total)
                {
                    let kind = kind.to_ascii_uppercase();
                    invoices.push(IncomingInvoice {
                        source: s(SOURCE),
                        external_id: format!("{kind}/{number}"),
                        kind,
                        invoice_number: number,
                        customer_name: c.opt_text("customer"),
                        supplier_code: c.opt_text("supplier"),
                        issued_on: issued,
                        due_on: due,
                        currency,
                        total_minor: total,
                        status: c
                            .opt_text("status")
                            .map(|t| t.to_ascii_uppercase())
                            .unwrap_or_else(|| s("AUTHORISED")),
                    });
                    item_rows.push(vec![row]);
                }
            }
            ImportKind::ProductionRuns => {
                let number = c.required_text(p, "order_number");
                let sku = c.required_text(p, "sku");
                let wc = c.required_text(p, "work_center");
                let planned = c.req(p, "quantity_planned", int);
                let due = c.req(p, "due_on", date);
                let day = c.req(p, "run_date", date);
                let shift = c.or(p, "shift", 1, int);
                let minutes = c.req(p, "planned_minutes", int32);
                let total = c.req(p, "total_count", int);
                let good = c.req(p, "good_count", int);
                if let (
                    Some(number),
                    Some(sku),
                    Some(wc),
                    Some(planned),
                    Some(due),
                    Some(day),
                    Some(shift),
                    Some(minutes),
                    Some(total),
                    Some(good),
                ) = (
                    number, sku, wc, planned, due, day, shift, minutes, total, good,
                ) {
                    runs.push(IncomingProductionRun {
                        source: s(SOURCE),
                        external_id: format!("{number}/{day}/{shift}"),
                        order: IncomingProductionOrder {
                            external_id: number.clone(),
                            order_number: number,
                            sku,
                            work_center_code: wc,
                            quantity_planned: planned,
                            due_on: due,
                            status: c.opt_text("status").unwrap_or_else(|| s("in_progress")),
                        },
                        run_date: day,
                        planned_minutes: minutes,
                        total_count: total,
                        good_count: good,
                    });
                    item_rows.push(vec![row]);
                }
            }
            ImportKind::SalesOrders => {}
        }
    }
    let records = match kind {
        ImportKind::Products => Records::Products(products),
        ImportKind::StockCounts => Records::StockCounts(counts),
        ImportKind::PurchaseOrders => Records::PurchaseOrders(pos),
        ImportKind::Invoices => Records::Invoices(invoices),
        ImportKind::ProductionRuns | ImportKind::SalesOrders => Records::ProductionRuns(runs),
    };
    RecordsFile {
        rows,
        records,
        item_rows,
    }
}

/// The file column a record field stands for.
fn column_of(kind: ImportKind, field: &str) -> &'static str {
    match field {
        "sku" => "sku",
        "name" => "name",
        "kind" => "kind",
        "family" => "family",
        "bottle_size_ml" => "bottle_size_ml",
        "uom" => "uom",
        "unit_cost_minor" => "unit_cost",
        "case_pack" => "case_pack",
        "location_code" => "location",
        "on_hand" => "on_hand",
        "po_number" => "po_number",
        "supplier_code" => "supplier",
        "currency" => "currency",
        "status" => "status",
        "expected_on" => "expected_on",
        "quantity" => "quantity",
        "received_quantity" => "received_quantity",
        "customer_name" => "customer",
        "due_on" => "due_on",
        "issued_on" => "issued_on",
        "total_minor" => "total",
        "invoice_number" => "invoice_number",
        "work_center_code" => "work_center",
        "quantity_planned" => "quantity_planned",
        "order_number" | "order" => "order_number",
        "planned_minutes" => "planned_minutes",
        "total_count" => "total_count",
        "good_count" => "good_count",
        "external_id" => match kind {
            ImportKind::Products => "sku",
            ImportKind::StockCounts => "sku",
            ImportKind::PurchaseOrders => "po_number",
            ImportKind::Invoices => "invoice_number",
            ImportKind::ProductionRuns => "run_date",
            ImportKind::SalesOrders => "order_number",
        },
        _ => "",
    }
}

impl RecordsFile {
    fn kind(&self) -> ImportKind {
        match self.records {
            Records::Products(_) => ImportKind::Products,
            Records::StockCounts(_) => ImportKind::StockCounts,
            Records::PurchaseOrders(_) => ImportKind::PurchaseOrders,
            Records::Invoices(_) => ImportKind::Invoices,
            Records::ProductionRuns(_) => ImportKind::ProductionRuns,
        }
    }

    /// Validates the records against the database, adding their problems at their rows.
    pub async fn validate<C: ConnectionTrait>(
        &self,
        conn: &C,
        p: &mut Problems,
    ) -> StoreResult<()> {
        let found = match &self.records {
            Records::Products(v) => ingest::validate_products(conn, v).await?,
            Records::StockCounts(v) => ingest::validate_stock_counts(conn, v).await?,
            Records::PurchaseOrders(v) => ingest::validate_purchase_orders(conn, v).await?,
            Records::Invoices(v) => ingest::validate_invoices(conn, v).await?,
            Records::ProductionRuns(v) => ingest::validate_production_runs(conn, v).await?,
        };
        let kind = self.kind();
        let mut located = found
            .into_iter()
            .map(|pr| self.locate(kind, pr))
            .collect::<Vec<_>>();
        located.sort_by_key(|(row, _, _)| *row);
        for (row, field, reason) in located {
            // A duplicated line number shows as a duplicate line id.
            let field = if field == "line_external_id" {
                "line"
            } else {
                field
            };
            p.push(row, field, reason);
        }
        Ok(())
    }

    fn locate(&self, kind: ImportKind, pr: Problem) -> (u64, &'static str, String) {
        let rows = self
            .item_rows
            .get(pr.item)
            .map(Vec::as_slice)
            .unwrap_or(&[]);
        let first = rows.first().copied().unwrap_or(0);
        if let Some(rest) = pr.field.strip_prefix("lines[")
            && let Some((j, f)) = rest.split_once("].")
        {
            let row = j
                .parse::<usize>()
                .ok()
                .and_then(|j| rows.get(j).copied())
                .unwrap_or(first);
            let col = if f == "external_id" {
                "line_external_id"
            } else {
                column_of(kind, f)
            };
            return (row, col, pr.reason);
        }
        let f = pr.field.strip_prefix("order.").unwrap_or(&pr.field);
        (first, column_of(kind, f), pr.reason)
    }

    /// Upserts the records in `txn` (the import's transaction).
    pub async fn write<C: ConnectionTrait + TransactionTrait>(
        &self,
        txn: &C,
        now: DateTime<Utc>,
    ) -> StoreResult<BatchCounts> {
        match &self.records {
            Records::Products(v) => ingest::upsert_products(txn, v, now).await,
            Records::StockCounts(v) => ingest::upsert_stock_counts(txn, v, now).await,
            Records::PurchaseOrders(v) => ingest::upsert_purchase_orders(txn, v, now).await,
            Records::Invoices(v) => ingest::upsert_invoices(txn, v, now).await,
            Records::ProductionRuns(v) => ingest::upsert_production_runs(txn, v, now).await,
        }
    }
}
