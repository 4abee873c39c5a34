//! Vendor timestamps to microseconds since the epoch (UTC): RFC 3339 with any number of fraction digits,
//! unix seconds as integers, floats or numeric strings, and naive `YYYY-MM-DD HH:MM:SS` in a given zone.

use crate::json::Json;
use chrono::{DateTime, NaiveDateTime, TimeZone};

/// An RFC 3339 / ISO 8601 timestamp with a zone (`2019-10-11T09:40:56.071345Z`, `+02:00`, Rails'
/// `2020-03-03 13:05:57 UTC`).
pub fn rfc3339(s: &str) -> Option<i64> {
    let s = s.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Some(t.timestamp_micros());
    }
    if let Some(rest) = s.strip_suffix(" UTC") {
        let t = NaiveDateTime::parse_from_str(rest, "%Y-%m-%d %H:%M:%S%.f").ok()?;
        return Some(t.and_utc().timestamp_micros());
    }
    None
}

/// Unix seconds from a JSON number (integer or float) or a numeric string.
pub fn unix_seconds(v: &Json) -> Option<i64> {
    let secs = match v {
        Json::Number(n) => n.as_f64()?,
        Json::String(s) => s.trim().parse::<f64>().ok()?,
        _ => return None,
    };
    if !secs.is_finite() || secs.abs() > 1.0e11 {
        return None;
    }
    Some((secs * 1_000_000.0).round() as i64)
}

/// A naive `YYYY-MM-DD HH:MM:SS[.f]` read in `zone` (Userlike sends no zone).
pub fn naive_in(s: &str, zone: chrono_tz::Tz) -> Option<i64> {
    let naive = NaiveDateTime::parse_from_str(s.trim(), "%Y-%m-%d %H:%M:%S%.f").ok()?;
    // In a DST fold the earlier instant is taken; in a gap, the naive time does not exist: none.
    zone.from_local_datetime(&naive).earliest().map(|t| t.timestamp_micros())
}

/// Any of the above: a string that is RFC 3339 or a number-like string, or a JSON number of unix seconds.
/// `0` and LiveChat's `1970-01-01T01:00:00.000000Z` "never" sentinel are not times.
pub fn any(v: &Json) -> Option<i64> {
    let t = match v {
        Json::String(s) => rfc3339(s).or_else(|| unix_seconds(v)),
        Json::Number(_) => unix_seconds(v),
        _ => None,
    }?;
    (t > 86_400 * 1_000_000).then_some(t)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn json(text: &str) -> Json<'_> {
        Json::parse(text.as_bytes()).unwrap()
    }

    #[test]
    fn every_vendor_format() {
        assert_eq!(rfc3339("2019-10-11T09:40:56.071345Z"), Some(1_570_786_856_071_345));
        assert_eq!(rfc3339("2019-10-08T11:56:53.000Z"), Some(1_570_535_813_000_000));
        assert_eq!(rfc3339("2020-03-03 13:05:57 UTC"), Some(1_583_240_757_000_000));
        assert_eq!(unix_seconds(&json("1627063369")), Some(1_627_063_369_000_000));
        assert_eq!(unix_seconds(&json("1627063369.25")), Some(1_627_063_369_250_000));
        assert_eq!(unix_seconds(&json(r#""1627063369""#)), Some(1_627_063_369_000_000));
        assert_eq!(naive_in("2014-12-29 11:25:48", chrono_tz::UTC), Some(1_419_852_348_000_000));
        assert_eq!(naive_in("2014-12-29 11:25:48", chrono_tz::Europe::Berlin), Some(1_419_848_748_000_000));
        assert_eq!(any(&json("0")), None, "0 means never");
        assert_eq!(any(&json(r#""1970-01-01T01:00:00.000000Z""#)), None, "LiveChat's never sentinel");
        assert_eq!(any(&json(r#""not a time""#)), None);
        assert_eq!(any(&json("null")), None);
    }
}
