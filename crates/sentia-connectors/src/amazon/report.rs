//! The all-orders flat file (`GET_FLAT_FILE_ALL_ORDERS_DATA_BY_ORDER_DATE_GENERAL`): optional
//! GZIP, then tab-separated text with a header line. Columns are found by name, so extra or
//! reordered columns are fine; a row that cannot be read is an error naming its line and field.

use std::io::Read;

use chrono::{DateTime, Utc};
use flate2::read::GzDecoder;

use super::model::{OrderReportRow, OrderStatus};
use crate::error::ConnectorError;
use crate::money::{Money, Qty};

/// The columns the client needs.
const REQUIRED: [&str; 7] = [
    "amazon-order-id",
    "purchase-date",
    "order-status",
    "sku",
    "quantity",
    "currency",
    "item-price",
];

/// Decompresses a downloaded document when `compression` says `GZIP`.
pub(crate) fn decompress(body: &[u8], compression: Option<&str>) -> Result<String, ConnectorError> {
    match compression {
        None => String::from_utf8(body.to_vec())
            .map_err(|e| ConnectorError::Malformed(format!("report document is not UTF-8: {e}"))),
        Some(c) if c.eq_ignore_ascii_case("GZIP") => {
            let mut text = String::new();
            GzDecoder::new(body)
                .read_to_string(&mut text)
                .map_err(|e| ConnectorError::Malformed(format!("report document gunzip: {e}")))?;
            Ok(text)
        }
        Some(other) => Err(ConnectorError::Malformed(format!(
            "unknown report compression '{other}'"
        ))),
    }
}

/// Parses the flat file into one row per order item.
pub(crate) fn parse_order_report(
    text: &str,
    source: &str,
) -> Result<Vec<OrderReportRow>, ConnectorError> {
    let mut lines = text.lines();
    let header: Vec<&str> = lines
        .next()
        .ok_or_else(|| ConnectorError::Malformed("order report is empty".into()))?
        .trim_start_matches('\u{feff}')
        .split('\t')
        .map(str::trim)
        .collect();
    let col = |name: &str| header.iter().position(|h| *h == name);
    let mut idx = [0usize; REQUIRED.len()];
    for (slot, name) in idx.iter_mut().zip(REQUIRED) {
        *slot = col(name).ok_or_else(|| {
            ConnectorError::Malformed(format!("order report has no '{name}' column"))
        })?;
    }
    let [
        order_id,
        purchase_date,
        status,
        sku,
        quantity,
        currency,
        price,
    ] = idx;
    let channel = col("sales-channel");
    let mut rows = Vec::new();
    for (n, raw) in lines.enumerate() {
        let line = n + 2;
        let raw = raw.trim_end_matches('\r');
        if raw.trim().is_empty() {
            continue;
        }
        let fields: Vec<&str> = raw.split('\t').collect();
        let bad = |field: &str, why: &dyn std::fmt::Display| {
            ConnectorError::Malformed(format!("order report line {line}, field {field}: {why}"))
        };
        let get = |i: usize| fields.get(i).map_or("", |f| f.trim());
        let required = |i: usize, name: &str| {
            let v = get(i);
            if v.is_empty() {
                Err(bad(name, &"empty"))
            } else {
                Ok(v)
            }
        };
        let purchased_at = DateTime::parse_from_rfc3339(required(purchase_date, "purchase-date")?)
            .map_err(|e| bad("purchase-date", &e))?
            .with_timezone(&Utc);
        let qty: i64 = required(quantity, "quantity")?
            .parse()
            .map_err(|e| bad("quantity", &e))?;
        let price = match (get(currency), get(price)) {
            ("", "") => None,
            ("", _) => return Err(bad("currency", &"empty while item-price is set")),
            (_, "") => return Err(bad("item-price", &"empty while currency is set")),
            (code, amount) => Some(Money::parse_with_code(amount, code).map_err(|e| {
                let field = if matches!(e, crate::money::DecimalError::Currency(_)) {
                    "currency"
                } else {
                    "item-price"
                };
                bad(field, &e)
            })?),
        };
        rows.push(OrderReportRow {
            source: source.to_owned(),
            order_id: required(order_id, "amazon-order-id")?.to_owned(),
            purchased_at,
            status: OrderStatus::parse(required(status, "order-status")?),
            sku: required(sku, "sku")?.to_owned(),
            quantity: Qty::whole(qty),
            price,
            sales_channel: channel
                .map(get)
                .filter(|c| !c.is_empty())
                .map(str::to_owned),
            line,
        });
    }
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEADER: &str = "amazon-order-id\tmerchant-order-id\tpurchase-date\torder-status\tsales-channel\tsku\tquantity\tcurrency\titem-price";

    #[test]
    fn maps_columns_by_name_and_keeps_pending_rows_without_prices() {
        let text = format!(
            "{HEADER}\n202-1-1\t\t2026-11-03T10:15:32+00:00\tShipped\tAmazon.co.uk\tSKU-1\t2\tGBP\t23.98\n\
             202-1-2\t\t2026-11-03T11:00:00+00:00\tPending\tAmazon.de\tSKU-2\t1\t\t\n"
        );
        let rows = parse_order_report(&text, "amazon:s:eu").unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!(
            rows[0].price,
            Some(Money::parse_with_code("23.98", "GBP").unwrap())
        );
        assert_eq!(rows[0].quantity, Qty::whole(2));
        assert_eq!(rows[0].sales_channel.as_deref(), Some("Amazon.co.uk"));
        assert_eq!(rows[1].status, OrderStatus::Pending);
        assert_eq!(rows[1].price, None);
        assert_eq!(rows[1].line, 3);
    }

    #[test]
    fn a_bad_row_names_its_line_and_field() {
        let text = format!(
            "{HEADER}\n202-1-1\t\t2026-11-03T10:15:32+00:00\tShipped\tx\tSKU-1\t2\tGBP\t23.98\n\
             202-1-2\t\t2026-11-03T11:00:00+00:00\tShipped\tx\tSKU-2\t1\tEUR\t1.005\n"
        );
        let err = parse_order_report(&text, "s").unwrap_err();
        assert!(
            matches!(&err, ConnectorError::Malformed(m) if m.contains("line 3") && m.contains("item-price")),
            "{err:?}"
        );
        let text = format!("{HEADER}\n202-1-1\t\tyesterday\tShipped\tx\tSKU-1\t2\tGBP\t1\n");
        let err = parse_order_report(&text, "s").unwrap_err();
        assert!(
            matches!(&err, ConnectorError::Malformed(m) if m.contains("line 2") && m.contains("purchase-date")),
            "{err:?}"
        );
        let err = parse_order_report("amazon-order-id\tsku\n", "s").unwrap_err();
        assert!(
            matches!(&err, ConnectorError::Malformed(m) if m.contains("purchase-date")),
            "{err:?}"
        );
    }
}
