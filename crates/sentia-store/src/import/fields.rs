//! Parsing of cell text into typed values, each failure a reason a person can act on.

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};

/// Parses an amount in major units with at most two decimals (`12`, `12.5`, `-3.00`) into
/// minor units. Spreadsheet floats such as `0.30000000000000004` are accepted when they are
/// within a millionth of a whole minor unit.
pub(crate) fn money(s: &str) -> Result<i64, String> {
    let t = s.trim();
    let bad = || format!("'{t}' is not an amount (use digits and a '.', e.g. 12.50)");
    if t.is_empty() {
        return Err("is empty".into());
    }
    let (neg, body) = match t.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, t),
    };
    let (whole, frac) = body.split_once('.').unwrap_or((body, ""));
    let digits = |x: &str| x.bytes().all(|b| b.is_ascii_digit());
    if whole.is_empty() && frac.is_empty() || !digits(whole) || !digits(frac) {
        return Err(bad());
    }
    if frac.len() > 2 {
        // A float from a spreadsheet: accept it when it is a whole number of minor units.
        let f: f64 = t.parse().map_err(|_| bad())?;
        let cents = (f * 100.0).round();
        if (f * 100.0 - cents).abs() > 1e-6 || cents.abs() > 9.0e15 {
            return Err(format!("'{t}' has more than two decimals"));
        }
        return Ok(cents as i64);
    }
    let w: i64 = if whole.is_empty() {
        0
    } else {
        whole.parse().map_err(|_| format!("'{t}' is too large"))?
    };
    let f: i64 = match frac.len() {
        0 => 0,
        1 => frac.parse::<i64>().map_err(|_| bad())? * 10,
        _ => frac.parse().map_err(|_| bad())?,
    };
    let v = w
        .checked_mul(100)
        .and_then(|x| x.checked_add(f))
        .ok_or_else(|| format!("'{t}' is too large"))?;
    Ok(if neg { -v } else { v })
}

/// An amount in minor units as a person writes it (`-3.05`).
pub(crate) fn format_minor(v: i64) -> String {
    let sign = if v < 0 { "-" } else { "" };
    let a = v.unsigned_abs();
    format!("{sign}{}.{:02}", a / 100, a % 100)
}

/// Parses a whole number (`12`, `-3`; `12.0` from a spreadsheet too).
pub(crate) fn int(s: &str) -> Result<i64, String> {
    let t = s.trim();
    if t.is_empty() {
        return Err("is empty".into());
    }
    if let Ok(v) = t.parse::<i64>() {
        return Ok(v);
    }
    match t.strip_suffix(".0").map(str::parse::<i64>) {
        Some(Ok(v)) => Ok(v),
        _ => Err(format!("'{t}' is not a whole number")),
    }
}

/// Parses a whole number that fits 32 bits.
pub(crate) fn int32(s: &str) -> Result<i32, String> {
    let v = int(s)?;
    i32::try_from(v).map_err(|_| format!("'{}' is too large", s.trim()))
}

/// Parses a day: `YYYY-MM-DD` (a time after it, as spreadsheets give, must be midnight).
pub(crate) fn date(s: &str) -> Result<NaiveDate, String> {
    let t = s.trim();
    if t.is_empty() {
        return Err("is empty".into());
    }
    if let Ok(d) = NaiveDate::parse_from_str(t, "%Y-%m-%d") {
        return Ok(d);
    }
    match instant(t) {
        Ok(i) if i.time() == chrono::NaiveTime::MIN => Ok(i.date_naive()),
        _ => Err(format!("'{t}' is not a date (use YYYY-MM-DD)")),
    }
}

/// Parses an instant: RFC 3339 (`2026-11-30T14:05:00Z`, any offset), or a UTC date and time
/// (`2026-11-30 14:05`, `2026-11-30T14:05:00`), or a day (midnight UTC).
pub(crate) fn instant(s: &str) -> Result<DateTime<Utc>, String> {
    let t = s.trim();
    if t.is_empty() {
        return Err("is empty".into());
    }
    if let Ok(d) = DateTime::parse_from_rfc3339(t) {
        return Ok(d.with_timezone(&Utc));
    }
    for f in [
        "%Y-%m-%d %H:%M:%S",
        "%Y-%m-%dT%H:%M:%S",
        "%Y-%m-%d %H:%M",
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%d %H:%M:%S%.f",
        "%Y-%m-%dT%H:%M:%S%.f",
    ] {
        if let Ok(d) = NaiveDateTime::parse_from_str(t, f) {
            return Ok(d.and_utc());
        }
    }
    if let Ok(d) = NaiveDate::parse_from_str(t, "%Y-%m-%d") {
        return Ok(d.and_time(chrono::NaiveTime::MIN).and_utc());
    }
    Err(format!(
        "'{t}' is not a date or time (use YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ)"
    ))
}

/// Parses a yes/no value.
pub(crate) fn boolean(s: &str) -> Result<bool, String> {
    match s.trim().to_ascii_lowercase().as_str() {
        "true" | "yes" | "y" | "1" => Ok(true),
        "false" | "no" | "n" | "0" => Ok(false),
        t => Err(format!("'{t}' is not yes or no (use true or false)")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_parse_to_minor_units() {
        assert_eq!(money("12"), Ok(1200));
        assert_eq!(money("12.5"), Ok(1250));
        assert_eq!(money("12.05"), Ok(1205));
        assert_eq!(money(".5"), Ok(50));
        assert_eq!(money("-3.00"), Ok(-300));
        assert_eq!(money("0.30000000000000004"), Ok(30));
        assert!(money("1.234").is_err());
        assert!(money("1,5").is_err());
        assert!(money("abc").is_err());
        assert!(money("-").is_err());
        assert!(money("").is_err());
        assert!(money("99999999999999999999").is_err());
    }

    #[test]
    fn dates_and_numbers_parse() {
        assert_eq!(int("7"), Ok(7));
        assert_eq!(int("7.0"), Ok(7));
        assert!(int("7.5").is_err());
        assert_eq!(
            date("2026-11-30"),
            Ok(NaiveDate::from_ymd_opt(2026, 11, 30).unwrap())
        );
        assert_eq!(
            date("2026-11-30T00:00:00"),
            Ok(NaiveDate::from_ymd_opt(2026, 11, 30).unwrap())
        );
        assert!(date("30/11/2026").is_err());
        assert!(date("2026-02-30").is_err());
        assert_eq!(
            instant("2026-11-30T10:00:00+01:00").unwrap().to_rfc3339(),
            "2026-11-30T09:00:00+00:00"
        );
        assert!(instant("2026-11-30 10:00").is_ok());
        assert_eq!(boolean("Yes"), Ok(true));
        assert!(boolean("maybe").is_err());
    }
}
