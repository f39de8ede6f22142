//! Foundation schema: reference data, sales, stock, purchasing, production, finance,
//! users and sessions, the audit log and the events outbox.
//!
//! Conventions: money is `BIGINT` minor units next to a currency code; FX rates are
//! `BIGINT` scaled by 10⁹; dates are `DATE` (`YYYY-MM-DD`), instants are UTC timestamps
//! truncated to microseconds. Every table whose rows can come from an outside system has
//! `source` + `external_id` with a unique index, so re-syncs and re-imports update instead
//! of duplicating.

use sea_orm_migration::prelude::*;

use super::run_script;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m0001_foundation"
    }
}

const UP: &str = r#"
-- Key/value facts about this installation (demo loaded, data horizon).
CREATE TABLE app_meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE currencies (
    code TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    minor_units INTEGER NOT NULL
);

-- Units of quote per one unit of base on a day, scaled by 10^9.
CREATE TABLE fx_rates (
    id {ID},
    rate_date DATE NOT NULL,
    base_currency TEXT NOT NULL REFERENCES currencies(code),
    quote_currency TEXT NOT NULL REFERENCES currencies(code),
    rate_scaled BIGINT NOT NULL CHECK (rate_scaled > 0),
    source TEXT NOT NULL,
    external_id TEXT NOT NULL
);
CREATE UNIQUE INDEX fx_rates_day_pair ON fx_rates (rate_date, base_currency, quote_currency);
CREATE UNIQUE INDEX fx_rates_source ON fx_rates (source, external_id);

CREATE TABLE regions (
    code TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    currency TEXT NOT NULL REFERENCES currencies(code)
);

-- Where stock lives: own warehouses and Amazon FBA per marketplace.
CREATE TABLE locations (
    id {ID},
    code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    region TEXT NOT NULL REFERENCES regions(code),
    source TEXT NOT NULL,
    external_id TEXT NOT NULL
);
CREATE UNIQUE INDEX locations_source ON locations (source, external_id);

-- Sellable SKUs (kind = 'finished') and the components they are made of (kind = 'component').
-- unit_cost_minor is the standard cost in the base currency (GBP).
CREATE TABLE products (
    id {ID},
    sku TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    family TEXT NOT NULL,
    bottle_size_ml INTEGER,
    uom TEXT NOT NULL,
    unit_cost_minor BIGINT NOT NULL,
    case_pack INTEGER NOT NULL DEFAULT 1,
    active BOOLEAN NOT NULL DEFAULT TRUE,
    source TEXT NOT NULL,
    external_id TEXT NOT NULL,
    created_at {TS} NOT NULL
);
CREATE UNIQUE INDEX products_source ON products (source, external_id);

-- List price per currency, valid from a day until the next row for the same pair.
CREATE TABLE product_prices (
    id {ID},
    product_id BIGINT NOT NULL REFERENCES products(id),
    currency TEXT NOT NULL REFERENCES currencies(code),
    price_minor BIGINT NOT NULL CHECK (price_minor >= 0),
    valid_from DATE NOT NULL,
    source TEXT NOT NULL,
    external_id TEXT NOT NULL
);
CREATE UNIQUE INDEX product_prices_source ON product_prices (source, external_id);
CREATE UNIQUE INDEX product_prices_key ON product_prices (product_id, currency, valid_from);

CREATE TABLE channels (
    id {ID},
    code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    region TEXT NOT NULL REFERENCES regions(code),
    currency TEXT NOT NULL REFERENCES currencies(code),
    fulfilment_location_id BIGINT NOT NULL REFERENCES locations(id),
    source TEXT NOT NULL,
    external_id TEXT NOT NULL
);
CREATE UNIQUE INDEX channels_source ON channels (source, external_id);

CREATE TABLE customers (
    id {ID},
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    region TEXT NOT NULL REFERENCES regions(code),
    email TEXT,
    payment_terms_days INTEGER NOT NULL DEFAULT 0,
    source TEXT NOT NULL,
    external_id TEXT NOT NULL
);
CREATE UNIQUE INDEX customers_source ON customers (source, external_id);

-- Price promotions: a discount in basis points on a channel (and optionally one SKU).
CREATE TABLE promotions (
    id {ID},
    name TEXT NOT NULL,
    channel_id BIGINT NOT NULL REFERENCES channels(id),
    product_id BIGINT REFERENCES products(id),
    starts_on DATE NOT NULL,
    ends_on DATE NOT NULL,
    discount_bp INTEGER NOT NULL CHECK (discount_bp BETWEEN 0 AND 10000),
    source TEXT NOT NULL,
    external_id TEXT NOT NULL
);
CREATE UNIQUE INDEX promotions_source ON promotions (source, external_id);

-- Orders keep the shop currency (the channel's), the presentment currency (what the
-- buyer saw) and the base currency (GBP), with the shop→base rate that was used.
CREATE TABLE sales_orders (
    id {ID},
    channel_id BIGINT NOT NULL REFERENCES channels(id),
    customer_id BIGINT REFERENCES customers(id),
    order_number TEXT NOT NULL,
    ordered_at {TS} NOT NULL,
    order_date DATE NOT NULL,
    status TEXT NOT NULL,
    shop_currency TEXT NOT NULL REFERENCES currencies(code),
    presentment_currency TEXT NOT NULL REFERENCES currencies(code),
    total_shop_minor BIGINT NOT NULL,
    total_presentment_minor BIGINT NOT NULL,
    total_base_minor BIGINT NOT NULL,
    fx_shop_to_base_scaled BIGINT NOT NULL,
    source TEXT NOT NULL,
    external_id TEXT NOT NULL
);
CREATE UNIQUE INDEX sales_orders_source ON sales_orders (source, external_id);
CREATE INDEX sales_orders_date ON sales_orders (order_date, channel_id);

CREATE TABLE sales_order_lines (
    id {ID},
    order_id BIGINT NOT NULL REFERENCES sales_orders(id),
    line_no INTEGER NOT NULL,
    product_id BIGINT NOT NULL REFERENCES products(id),
    quantity BIGINT NOT NULL CHECK (quantity > 0),
    unit_price_minor BIGINT NOT NULL,
    discount_minor BIGINT NOT NULL DEFAULT 0,
    net_shop_minor BIGINT NOT NULL,
    net_presentment_minor BIGINT NOT NULL,
    net_base_minor BIGINT NOT NULL,
    cogs_base_minor BIGINT NOT NULL,
    source TEXT NOT NULL,
    external_id TEXT NOT NULL
);
CREATE UNIQUE INDEX sales_order_lines_source ON sales_order_lines (source, external_id);
CREATE INDEX sales_order_lines_order ON sales_order_lines (order_id);

CREATE TABLE refunds (
    id {ID},
    order_id BIGINT NOT NULL REFERENCES sales_orders(id),
    refunded_at {TS} NOT NULL,
    refund_date DATE NOT NULL,
    amount_shop_minor BIGINT NOT NULL CHECK (amount_shop_minor > 0),
    amount_base_minor BIGINT NOT NULL,
    quantity_returned BIGINT NOT NULL DEFAULT 0,
    reason TEXT NOT NULL,
    source TEXT NOT NULL,
    external_id TEXT NOT NULL
);
CREATE UNIQUE INDEX refunds_source ON refunds (source, external_id);

-- Current stock per product and location, always equal to the sum of its movements.
CREATE TABLE inventory_positions (
    id {ID},
    product_id BIGINT NOT NULL REFERENCES products(id),
    location_id BIGINT NOT NULL REFERENCES locations(id),
    on_hand BIGINT NOT NULL,
    updated_at {TS} NOT NULL,
    source TEXT NOT NULL,
    external_id TEXT NOT NULL
);
CREATE UNIQUE INDEX inventory_positions_source ON inventory_positions (source, external_id);
CREATE UNIQUE INDEX inventory_positions_key ON inventory_positions (product_id, location_id);

-- Signed quantity changes of stock (receipts positive, issues negative).
CREATE TABLE stock_movements (
    id {ID},
    product_id BIGINT NOT NULL REFERENCES products(id),
    location_id BIGINT NOT NULL REFERENCES locations(id),
    moved_on DATE NOT NULL,
    quantity BIGINT NOT NULL,
    kind TEXT NOT NULL,
    reference TEXT NOT NULL,
    source TEXT NOT NULL,
    external_id TEXT NOT NULL
);
CREATE UNIQUE INDEX stock_movements_source ON stock_movements (source, external_id);
CREATE INDEX stock_movements_day ON stock_movements (moved_on, product_id);

CREATE TABLE suppliers (
    id {ID},
    code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    currency TEXT NOT NULL REFERENCES currencies(code),
    lead_time_days INTEGER NOT NULL,
    payment_terms_days INTEGER NOT NULL,
    source TEXT NOT NULL,
    external_id TEXT NOT NULL
);
CREATE UNIQUE INDEX suppliers_source ON suppliers (source, external_id);

CREATE TABLE purchase_orders (
    id {ID},
    supplier_id BIGINT NOT NULL REFERENCES suppliers(id),
    po_number TEXT NOT NULL,
    ordered_on DATE NOT NULL,
    expected_on DATE NOT NULL,
    received_on DATE,
    status TEXT NOT NULL,
    currency TEXT NOT NULL REFERENCES currencies(code),
    total_minor BIGINT NOT NULL,
    source TEXT NOT NULL,
    external_id TEXT NOT NULL
);
CREATE UNIQUE INDEX purchase_orders_source ON purchase_orders (source, external_id);

CREATE TABLE purchase_order_lines (
    id {ID},
    purchase_order_id BIGINT NOT NULL REFERENCES purchase_orders(id),
    product_id BIGINT NOT NULL REFERENCES products(id),
    quantity BIGINT NOT NULL CHECK (quantity > 0),
    unit_cost_minor BIGINT NOT NULL,
    received_quantity BIGINT NOT NULL DEFAULT 0,
    source TEXT NOT NULL,
    external_id TEXT NOT NULL
);
CREATE UNIQUE INDEX purchase_order_lines_source ON purchase_order_lines (source, external_id);

-- Bill of materials: component quantity per finished unit (in the component's unit).
CREATE TABLE bom_lines (
    id {ID},
    product_id BIGINT NOT NULL REFERENCES products(id),
    component_id BIGINT NOT NULL REFERENCES products(id),
    quantity_per BIGINT NOT NULL CHECK (quantity_per > 0),
    source TEXT NOT NULL,
    external_id TEXT NOT NULL
);
CREATE UNIQUE INDEX bom_lines_source ON bom_lines (source, external_id);

-- Production lines with their nominal rate.
CREATE TABLE work_centers (
    id {ID},
    code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    ideal_cycle_ms BIGINT NOT NULL,
    shift_minutes INTEGER NOT NULL,
    source TEXT NOT NULL,
    external_id TEXT NOT NULL
);
CREATE UNIQUE INDEX work_centers_source ON work_centers (source, external_id);

CREATE TABLE production_orders (
    id {ID},
    order_number TEXT NOT NULL,
    product_id BIGINT NOT NULL REFERENCES products(id),
    work_center_id BIGINT NOT NULL REFERENCES work_centers(id),
    quantity_planned BIGINT NOT NULL,
    quantity_good BIGINT NOT NULL DEFAULT 0,
    due_on DATE NOT NULL,
    status TEXT NOT NULL,
    source TEXT NOT NULL,
    external_id TEXT NOT NULL
);
CREATE UNIQUE INDEX production_orders_source ON production_orders (source, external_id);

-- One shift of a line on an order: planned time, ideal cycle time, counts.
CREATE TABLE production_runs (
    id {ID},
    production_order_id BIGINT NOT NULL REFERENCES production_orders(id),
    work_center_id BIGINT NOT NULL REFERENCES work_centers(id),
    run_date DATE NOT NULL,
    planned_minutes INTEGER NOT NULL,
    ideal_cycle_ms BIGINT NOT NULL,
    total_count BIGINT NOT NULL,
    good_count BIGINT NOT NULL,
    source TEXT NOT NULL,
    external_id TEXT NOT NULL,
    CHECK (good_count <= total_count)
);
CREATE UNIQUE INDEX production_runs_source ON production_runs (source, external_id);
CREATE INDEX production_runs_day ON production_runs (run_date);

CREATE TABLE downtime_events (
    id {ID},
    production_run_id BIGINT NOT NULL REFERENCES production_runs(id),
    minutes INTEGER NOT NULL CHECK (minutes > 0),
    planned BOOLEAN NOT NULL,
    reason TEXT NOT NULL,
    source TEXT NOT NULL,
    external_id TEXT NOT NULL
);
CREATE UNIQUE INDEX downtime_events_source ON downtime_events (source, external_id);

CREATE TABLE cash_accounts (
    id {ID},
    code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    currency TEXT NOT NULL REFERENCES currencies(code),
    source TEXT NOT NULL,
    external_id TEXT NOT NULL
);
CREATE UNIQUE INDEX cash_accounts_source ON cash_accounts (source, external_id);

-- Receivables (ACCREC) and payables (ACCPAY).
CREATE TABLE invoices (
    id {ID},
    kind TEXT NOT NULL,
    invoice_number TEXT NOT NULL,
    customer_id BIGINT REFERENCES customers(id),
    supplier_id BIGINT REFERENCES suppliers(id),
    issued_on DATE NOT NULL,
    due_on DATE NOT NULL,
    currency TEXT NOT NULL REFERENCES currencies(code),
    total_minor BIGINT NOT NULL,
    total_base_minor BIGINT NOT NULL,
    status TEXT NOT NULL,
    source TEXT NOT NULL,
    external_id TEXT NOT NULL
);
CREATE UNIQUE INDEX invoices_source ON invoices (source, external_id);

CREATE TABLE payments (
    id {ID},
    invoice_id BIGINT NOT NULL REFERENCES invoices(id),
    cash_account_id BIGINT NOT NULL REFERENCES cash_accounts(id),
    paid_on DATE NOT NULL,
    amount_minor BIGINT NOT NULL CHECK (amount_minor > 0),
    currency TEXT NOT NULL REFERENCES currencies(code),
    source TEXT NOT NULL,
    external_id TEXT NOT NULL
);
CREATE UNIQUE INDEX payments_source ON payments (source, external_id);

-- Every change of a bank balance, payments create exactly one movement each.
CREATE TABLE cash_movements (
    id {ID},
    cash_account_id BIGINT NOT NULL REFERENCES cash_accounts(id),
    moved_on DATE NOT NULL,
    amount_minor BIGINT NOT NULL,
    kind TEXT NOT NULL,
    payment_id BIGINT REFERENCES payments(id),
    description TEXT NOT NULL,
    source TEXT NOT NULL,
    external_id TEXT NOT NULL
);
CREATE UNIQUE INDEX cash_movements_source ON cash_movements (source, external_id);
CREATE UNIQUE INDEX cash_movements_payment ON cash_movements (payment_id);

-- End-of-day balance per account.
CREATE TABLE cash_balances (
    id {ID},
    cash_account_id BIGINT NOT NULL REFERENCES cash_accounts(id),
    balance_date DATE NOT NULL,
    balance_minor BIGINT NOT NULL,
    source TEXT NOT NULL,
    external_id TEXT NOT NULL
);
CREATE UNIQUE INDEX cash_balances_source ON cash_balances (source, external_id);
CREATE UNIQUE INDEX cash_balances_key ON cash_balances (cash_account_id, balance_date);

CREATE TABLE roles (
    code TEXT PRIMARY KEY,
    name TEXT NOT NULL
);

CREATE TABLE permissions (
    code TEXT PRIMARY KEY,
    description TEXT NOT NULL
);

CREATE TABLE role_permissions (
    role_code TEXT NOT NULL REFERENCES roles(code),
    permission_code TEXT NOT NULL REFERENCES permissions(code),
    PRIMARY KEY (role_code, permission_code)
);

CREATE TABLE users (
    id {ID},
    email TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    role_code TEXT NOT NULL REFERENCES roles(code),
    password_hash TEXT,
    active BOOLEAN NOT NULL DEFAULT TRUE,
    created_at {TS} NOT NULL
);

-- Sessions are looked up by the SHA-256 of their cookie token, the token itself is never stored.
CREATE TABLE sessions (
    id {ID},
    user_id BIGINT NOT NULL REFERENCES users(id),
    token_hash TEXT NOT NULL UNIQUE,
    created_at {TS} NOT NULL,
    last_seen_at {TS} NOT NULL,
    expires_at {TS} NOT NULL,
    ip TEXT,
    user_agent TEXT
);
CREATE INDEX sessions_user ON sessions (user_id);

-- Append-only audit trail, rows are chained by hash.
CREATE TABLE audit_log (
    id {ID},
    occurred_at {TS} NOT NULL,
    user_id BIGINT,
    action TEXT NOT NULL,
    entity TEXT NOT NULL,
    entity_id TEXT,
    details {JSON} NOT NULL,
    ip TEXT,
    request_id TEXT,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);

-- Events outbox, written in the transaction that made the change.
CREATE TABLE events (
    id {ID},
    kind TEXT NOT NULL,
    payload {JSON} NOT NULL,
    created_at {TS} NOT NULL
)
"#;

const DOWN: &str = r#"
DROP TABLE events; DROP TABLE audit_log; DROP TABLE sessions; DROP TABLE users;
DROP TABLE role_permissions; DROP TABLE permissions; DROP TABLE roles;
DROP TABLE cash_balances; DROP TABLE cash_movements; DROP TABLE payments; DROP TABLE invoices;
DROP TABLE cash_accounts; DROP TABLE downtime_events; DROP TABLE production_runs;
DROP TABLE production_orders; DROP TABLE work_centers; DROP TABLE bom_lines;
DROP TABLE purchase_order_lines; DROP TABLE purchase_orders; DROP TABLE suppliers;
DROP TABLE stock_movements; DROP TABLE inventory_positions; DROP TABLE refunds;
DROP TABLE sales_order_lines; DROP TABLE sales_orders; DROP TABLE promotions;
DROP TABLE customers; DROP TABLE channels; DROP TABLE product_prices; DROP TABLE products;
DROP TABLE locations; DROP TABLE regions; DROP TABLE fx_rates; DROP TABLE currencies;
DROP TABLE app_meta
"#;

/// Reference rows every installation has: currencies, regions, roles and their permissions.
const SEED: &str = r#"
INSERT INTO currencies (code, name, minor_units) VALUES
    ('GBP', 'Pound sterling', 2), ('EUR', 'Euro', 2), ('USD', 'US dollar', 2);
INSERT INTO regions (code, name, currency) VALUES
    ('UK', 'United Kingdom', 'GBP'), ('EU', 'European Union', 'EUR'), ('US', 'United States', 'USD');
INSERT INTO roles (code, name) VALUES
    ('ADMIN', 'Administrator'), ('MANAGER', 'Manager'), ('OPERATOR', 'Operator'), ('VIEWER', 'Viewer');
INSERT INTO permissions (code, description) VALUES
    ('dashboard:read', 'See the executive overview and sales reports'),
    ('products:read', 'See products, prices and costs');
INSERT INTO role_permissions (role_code, permission_code) VALUES
    ('ADMIN', 'dashboard:read'), ('ADMIN', 'products:read'),
    ('MANAGER', 'dashboard:read'), ('MANAGER', 'products:read'),
    ('OPERATOR', 'dashboard:read'), ('OPERATOR', 'products:read'),
    ('VIEWER', 'dashboard:read'), ('VIEWER', 'products:read')
"#;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        run_script(manager, UP).await?;
        run_script(manager, SEED).await
    }

    fn use_transaction(&self) -> Option<bool> {
        // All or nothing on SQLite too: a crash mid-migration leaves the old schema.
        Some(true)
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        run_script(manager, DOWN).await
    }
}
