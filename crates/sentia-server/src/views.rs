//! JSON views of the API, separate from database rows. Their names are the component
//! schema names of the OpenAPI document, which the web app's types are generated from.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A currency code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub enum Currency {
    /// Pound sterling.
    #[serde(rename = "GBP")]
    Gbp,
    /// Euro.
    #[serde(rename = "EUR")]
    Eur,
    /// US dollar.
    #[serde(rename = "USD")]
    Usd,
}

impl From<sentia_core::currency::Currency> for Currency {
    fn from(c: sentia_core::currency::Currency) -> Self {
        use sentia_core::currency::Currency as C;
        match c {
            C::Gbp => Currency::Gbp,
            C::Eur => Currency::Eur,
            C::Usd => Currency::Usd,
        }
    }
}

/// An amount of money in minor units (pence, cents).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Money {
    /// Amount in minor units.
    pub amount_minor: i64,
    /// Its currency.
    pub currency: Currency,
}

/// Service health.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Health {
    /// `ok` when the database answers.
    pub status: String,
    /// Server version.
    pub version: String,
}

/// A user's role.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "UPPERCASE")]
pub enum Role {
    /// Administrator.
    Admin,
    /// Manager.
    Manager,
    /// Operator.
    Operator,
    /// Viewer.
    Viewer,
}

impl From<sentia_core::reference::Role> for Role {
    fn from(r: sentia_core::reference::Role) -> Self {
        use sentia_core::reference::Role as R;
        match r {
            R::Admin => Role::Admin,
            R::Manager => Role::Manager,
            R::Operator => Role::Operator,
            R::Viewer => Role::Viewer,
        }
    }
}

/// The signed-in user and what they may do.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Me {
    /// User id.
    pub id: i64,
    /// E-mail.
    pub email: String,
    /// Display name.
    pub name: String,
    /// Role.
    pub role: Role,
    /// Permission codes (`resource:action`) the role holds.
    pub permissions: Vec<String>,
    /// Whether two-factor sign-in is set up.
    pub mfa_enabled: bool,
    /// Signed in with a password, the second factor still to come: only
    /// `POST /api/v1/auth/mfa/verify` (and this) answer until then.
    pub mfa_pending: bool,
    /// Whether the role's areas include administration, which needs two-factor sign-in.
    pub mfa_required: bool,
    /// Until when admin changes and exports are allowed without a new code (step-up).
    pub step_up_until: Option<chrono::DateTime<chrono::Utc>>,
}

/// A code from an authenticator app, or a recovery code.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MfaCode {
    /// Six digits, or a recovery code such as `abcde-12345`.
    pub code: String,
}

/// Credentials for signing in.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    /// E-mail.
    pub email: String,
    /// Password.
    pub password: String,
}

/// A sales region.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Region {
    /// Code: UK, EU or US.
    pub code: String,
    /// Name.
    pub name: String,
    /// Currency sold in.
    pub currency: Currency,
}

/// How a channel sells.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ChannelKind {
    /// Amazon, fulfilled by Amazon.
    AmazonFba,
    /// Own Shopify store.
    Shopify,
}

/// A sales channel.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Channel {
    /// Code such as `AMZ-UK`.
    pub code: String,
    /// Name.
    pub name: String,
    /// Kind.
    pub kind: ChannelKind,
    /// Region code.
    pub region: String,
    /// Currency sold in.
    pub currency: Currency,
}

/// A finished product.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Product {
    /// Id.
    pub id: i64,
    /// SKU code.
    pub sku: String,
    /// Name.
    pub name: String,
    /// Family (spirit).
    pub family: String,
    /// Bottle size in millilitres.
    pub bottle_size_ml: i32,
    /// Standard unit cost (GBP).
    pub unit_cost: Money,
    /// Current list price per currency.
    pub prices: Vec<Money>,
    /// Whether it is sold.
    pub active: bool,
}

/// One page of products.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ProductPage {
    /// Products on this page.
    pub items: Vec<Product>,
    /// Page number, from 1.
    pub page: u64,
    /// Page size.
    pub page_size: u64,
    /// Total number of products.
    pub total: u64,
}

/// Totals of a set of sales.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct SummaryTotals {
    /// Sales on order lines (after discounts, before refunds), minor units of the reporting
    /// currency, on the order day.
    pub gross_sales_minor: i64,
    /// Refunds paid, minor units, on the refund day.
    pub refunds_minor: i64,
    /// Net revenue: gross sales minus refunds, minor units.
    pub revenue_minor: i64,
    /// Cost of goods sold, minor units.
    pub cogs_minor: i64,
    /// Net revenue minus cost of goods sold, minor units.
    pub gross_margin_minor: i64,
    /// Gross margin as % of net revenue; null without revenue.
    pub gross_margin_pct: Option<f64>,
    /// Units sold.
    pub units: i64,
}

/// Totals of one group (region, channel or SKU).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct SummaryGroup {
    /// Group code (`all` when not grouped).
    pub key: String,
    /// Display label.
    pub label: String,
    /// Totals.
    pub totals: SummaryTotals,
}

/// One time bucket of a series.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct SummaryPoint {
    /// First day of the bucket (YYYY-MM-DD).
    pub period: String,
    /// Net revenue (sales minus refunds), minor units.
    pub revenue_minor: i64,
    /// Units sold.
    pub units: i64,
    /// Gross margin, minor units.
    pub gross_margin_minor: i64,
}

/// The time series of one group.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct SummarySeries {
    /// Group code.
    pub key: String,
    /// Display label.
    pub label: String,
    /// Buckets in time order, every bucket of the range present.
    pub points: Vec<SummaryPoint>,
}

/// A sales summary.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct SalesSummary {
    /// Reporting currency.
    pub currency: Currency,
    /// First day (YYYY-MM-DD).
    pub from: String,
    /// Last day, inclusive.
    pub to: String,
    /// Bucket size.
    pub granularity: String,
    /// Grouping.
    pub group_by: String,
    /// Totals over everything selected.
    pub totals: SummaryTotals,
    /// Totals per group, by revenue descending.
    pub groups: Vec<SummaryGroup>,
    /// Series per group, in the order of `groups`.
    pub series: Vec<SummarySeries>,
}

/// Unit of a KPI value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum KpiUnit {
    /// Minor units of the reporting currency.
    Money,
    /// A count.
    Count,
    /// A percentage.
    Percent,
    /// Days.
    Days,
}

/// Which direction of change is good.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum BetterWhen {
    /// Higher is better.
    Higher,
    /// Lower is better.
    Lower,
}

/// One KPI with its previous-period value.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Kpi {
    /// Identifier: revenue, units, gross_margin_pct, inventory_value, stock_cover_days.
    pub id: String,
    /// Label.
    pub label: String,
    /// Unit.
    pub unit: KpiUnit,
    /// Value for the period (for money: minor units, also exact in `value_minor`).
    pub value: Option<f64>,
    /// Value for the previous period of equal length; null when the data does not cover
    /// that whole period.
    pub previous: Option<f64>,
    /// Money KPIs only: the value as exact integer minor units.
    pub value_minor: Option<i64>,
    /// Money KPIs only: the previous value as exact integer minor units.
    pub previous_minor: Option<i64>,
    /// Relative change against the previous period, % (null for percentage KPIs).
    pub change_pct: Option<f64>,
    /// Percentage KPIs only: the change in percentage points.
    pub change_points: Option<f64>,
    /// Whether a rise is good.
    pub better_when: BetterWhen,
}

/// The executive KPI overview.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct KpiOverview {
    /// Reporting currency.
    pub currency: Currency,
    /// First day.
    pub from: String,
    /// Last day, inclusive.
    pub to: String,
    /// First day of the previous period.
    pub previous_from: String,
    /// Last day of the previous period.
    pub previous_to: String,
    /// Last day the data covers.
    pub data_through: String,
    /// The KPIs.
    pub kpis: Vec<Kpi>,
}
