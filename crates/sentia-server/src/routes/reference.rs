//! Regions, channels and products.

use axum::extract::State;
use chrono::Utc;
use sentia_core::reference::{ChannelKind, Region as CoreRegion};
use serde::Deserialize;
use utoipa::IntoParams;

use crate::auth::CurrentUser;
use crate::error::{ApiError, ApiErrorBody, ApiResult, Json, Query};
use crate::state::AppState;
use crate::views::{self, Channel, Money, Product, ProductPage, Region};

/// Largest page a client may ask for.
pub const MAX_PAGE_SIZE: u64 = 500;
/// Highest page number accepted (keeps offsets far from integer overflow).
pub const MAX_PAGE: u64 = 1_000_000;

/// The sales regions.
#[utoipa::path(get, path = "/api/v1/regions", operation_id = "list_regions", tag = "reference",
    responses((status = 200, body = Vec<Region>), (status = 401, body = ApiErrorBody)))]
#[tracing::instrument(skip_all)]
pub async fn list_regions(_user: CurrentUser) -> ApiResult<Json<Vec<Region>>> {
    Ok(Json(
        CoreRegion::ALL
            .into_iter()
            .map(|r| Region {
                code: r.code().into(),
                name: r.name().into(),
                currency: r.currency().into(),
            })
            .collect(),
    ))
}

/// The sales channels.
#[utoipa::path(get, path = "/api/v1/channels", operation_id = "list_channels", tag = "reference",
    responses((status = 200, body = Vec<Channel>), (status = 401, body = ApiErrorBody)))]
#[tracing::instrument(skip_all)]
pub async fn list_channels(
    _user: CurrentUser,
    State(state): State<AppState>,
) -> ApiResult<Json<Vec<Channel>>> {
    let rows = sentia_store::reference::list_channels(&state.db).await?;
    Ok(Json(
        rows.into_iter()
            .map(|c| Channel {
                kind: match c.kind {
                    ChannelKind::AmazonFba => views::ChannelKind::AmazonFba,
                    ChannelKind::Shopify => views::ChannelKind::Shopify,
                },
                region: c.region.code().into(),
                currency: c.currency.into(),
                code: c.code,
                name: c.name,
            })
            .collect(),
    ))
}

/// Paging parameters.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct PageParams {
    /// Page number, 1–1,000,000 (default 1).
    pub page: Option<u64>,
    /// Items per page, 1–500 (default 50).
    pub page_size: Option<u64>,
}

/// Finished products with their current list prices.
#[utoipa::path(get, path = "/api/v1/products", operation_id = "list_products", tag = "reference",
    params(PageParams),
    responses((status = 200, body = ProductPage), (status = 400, body = ApiErrorBody),
        (status = 401, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
#[tracing::instrument(skip_all)]
pub async fn list_products(
    _user: CurrentUser,
    State(state): State<AppState>,
    Query(p): Query<PageParams>,
) -> ApiResult<Json<ProductPage>> {
    let page = p.page.unwrap_or(1);
    let page_size = p.page_size.unwrap_or(50);
    if !(1..=MAX_PAGE).contains(&page) {
        return Err(ApiError::unprocessable(
            "page",
            format!("must be between 1 and {MAX_PAGE}"),
        ));
    }
    if !(1..=MAX_PAGE_SIZE).contains(&page_size) {
        return Err(ApiError::unprocessable(
            "page_size",
            format!("must be between 1 and {MAX_PAGE_SIZE}"),
        ));
    }
    let (items, total) = sentia_store::reference::list_products(
        &state.db,
        page - 1,
        page_size,
        Utc::now().date_naive(),
    )
    .await?;
    Ok(Json(ProductPage {
        items: items
            .into_iter()
            .map(|p| Product {
                unit_cost: Money {
                    amount_minor: p.unit_cost_minor,
                    currency: views::Currency::Gbp,
                },
                prices: p
                    .prices
                    .into_iter()
                    .map(|(c, v)| Money {
                        amount_minor: v,
                        currency: c.into(),
                    })
                    .collect(),
                id: p.id,
                sku: p.sku,
                name: p.name,
                family: p.family,
                bottle_size_ml: p.bottle_size_ml,
                active: p.active,
            })
            .collect(),
        page,
        page_size,
        total,
    }))
}
