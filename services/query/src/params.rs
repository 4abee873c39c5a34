//! Query parameters: the common filters (`tenant`, `platform`, `from`, `to`), paging (`limit`, `cursor`) and
//! output format (`format`), parsed with messages that say what was expected.

use crate::error::ApiError;
use crate::tokens::{Principal, TenantScope};
use chrono::{DateTime, NaiveDate, NaiveTime};

/// Default page size.
pub const DEFAULT_LIMIT: usize = 100;
/// Largest page size.
pub const MAX_LIMIT: usize = 1000;

/// A UTC instant from `from`/`to`: RFC 3339 (any offset) or a date (`YYYY-MM-DD`, UTC midnight), in µs.
pub fn parse_time(name: &str, text: &str) -> Result<i64, ApiError> {
    if let Ok(t) = DateTime::parse_from_rfc3339(text) {
        return Ok(t.timestamp_micros());
    }
    if let Ok(d) = NaiveDate::parse_from_str(text, "%Y-%m-%d") {
        return Ok(d.and_time(NaiveTime::MIN).and_utc().timestamp_micros());
    }
    Err(ApiError::BadRequest(format!(
        "{name}: expected an RFC 3339 time (2026-01-31T12:00:00Z) or a date (2026-01-31), got {text:?}"
    )))
}

/// UTC midnight at or before `micros`.
pub fn day_floor(micros: i64) -> i64 {
    const DAY: i64 = 86_400_000_000;
    micros.div_euclid(DAY) * DAY
}

/// Which tenants a request reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TenantFilter {
    /// No restriction (a `*` token without `tenant`).
    All,
    /// These tenants.
    In(Vec<String>),
}

impl TenantFilter {
    /// The tenants `principal` reads when asking for `requested` (403 when outside its scope).
    pub fn resolve(principal: &Principal, requested: Option<&str>) -> Result<TenantFilter, ApiError> {
        match requested {
            Some(t) if principal.scope.allows(t) => Ok(TenantFilter::In(vec![t.to_string()])),
            Some(t) => Err(ApiError::Forbidden(format!(
                "token {:?} may not read tenant {t:?}; ask for one of its tenants or leave tenant out",
                &*principal.name
            ))),
            None => Ok(match &*principal.scope {
                TenantScope::All => TenantFilter::All,
                TenantScope::Only(set) => TenantFilter::In(set.iter().cloned().collect()),
            }),
        }
    }
}

/// A parameter with surrounding whitespace removed; empty means absent (forms send `tenant=`).
pub fn given(value: &Option<String>) -> Option<&str> {
    value.as_deref().map(str::trim).filter(|v| !v.is_empty())
}

/// The common part of every list endpoint's parameters, parsed.
#[derive(Debug, Clone)]
pub struct ListFilter {
    pub tenants: TenantFilter,
    pub platform: Option<String>,
    /// Inclusive lower bound, µs.
    pub from: Option<i64>,
    /// Exclusive upper bound, µs.
    pub to: Option<i64>,
    pub limit: usize,
    pub cursor: Option<String>,
    /// `format=csv` was asked for (`format=json` or nothing: decided by `Accept`).
    pub format: Option<Format>,
}

/// Response format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Json,
    Csv,
}

/// The common parameters as received.
#[derive(Debug, Clone, Copy)]
pub struct RawCommon<'a> {
    pub tenant: &'a Option<String>,
    pub platform: &'a Option<String>,
    pub from: &'a Option<String>,
    pub to: &'a Option<String>,
    pub limit: &'a Option<String>,
    pub cursor: &'a Option<String>,
    pub format: &'a Option<String>,
}

/// Parses the common parameters.
pub fn list_filter(principal: &Principal, raw: RawCommon<'_>) -> Result<ListFilter, ApiError> {
    let RawCommon { tenant, platform, from, to, limit, cursor, format } = raw;
    let tenants = TenantFilter::resolve(principal, given(tenant))?;
    let (from, to) = range(from, to)?;
    let limit = match given(limit) {
        None => DEFAULT_LIMIT,
        Some(text) => match text.parse::<usize>() {
            Ok(n) if (1..=MAX_LIMIT).contains(&n) => n,
            _ => {
                return Err(ApiError::BadRequest(format!(
                    "limit: expected a whole number from 1 to {MAX_LIMIT}, got {text:?}"
                )))
            }
        },
    };
    let format = match given(format) {
        None => None,
        Some("json") => Some(Format::Json),
        Some("csv") => Some(Format::Csv),
        Some(other) => return Err(ApiError::BadRequest(format!("format: expected json or csv, got {other:?}"))),
    };
    Ok(ListFilter {
        tenants,
        platform: given(platform).map(str::to_string),
        from,
        to,
        limit,
        cursor: given(cursor).map(str::to_string),
        format,
    })
}

/// Parses `from` and `to` (both optional), checking that `from` is not after `to`.
pub fn range(from: &Option<String>, to: &Option<String>) -> Result<(Option<i64>, Option<i64>), ApiError> {
    let from = given(from).map(|t| parse_time("from", t)).transpose()?;
    let to = given(to).map(|t| parse_time("to", t)).transpose()?;
    if let (Some(f), Some(t)) = (from, to) {
        if f > t {
            return Err(ApiError::BadRequest("from is after to; the range is [from, to)".into()));
        }
    }
    Ok((from, to))
}

/// Declares a list endpoint's query parameters: the common ones plus `extra` filters.
macro_rules! list_params {
    ($(#[$meta:meta])* $name:ident { $( $(#[$fmeta:meta])* $field:ident ),* $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Default, serde::Deserialize, utoipa::IntoParams)]
        #[serde(deny_unknown_fields)]
        #[into_params(parameter_in = Query)]
        pub struct $name {
            /// Only this tenant (one of the token's). Without it: every tenant the token may read.
            pub tenant: Option<String>,
            /// Only this platform: `livechat`, `chatwoot`, `freshchat` or `userlike`.
            pub platform: Option<String>,
            /// Start of the time range, inclusive: RFC 3339 (`2026-01-31T12:00:00Z`) or a date (`2026-01-31`,
            /// UTC midnight).
            pub from: Option<String>,
            /// End of the time range, exclusive (same forms as `from`).
            pub to: Option<String>,
            /// Items per page, 1 to 1000 (default 100).
            #[param(value_type = Option<u32>, minimum = 1, maximum = 1000)]
            pub limit: Option<String>,
            /// `next_cursor` of the previous page.
            pub cursor: Option<String>,
            /// `json` (default) or `csv` (same as `Accept: text/csv`).
            pub format: Option<String>,
            $( $(#[$fmeta])* pub $field: Option<String>, )*
        }

        impl $name {
            /// The common parameters, parsed for `principal`.
            pub fn filter(&self, principal: &$crate::tokens::Principal) -> Result<$crate::params::ListFilter, $crate::error::ApiError> {
                $crate::params::list_filter(principal, $crate::params::RawCommon {
                    tenant: &self.tenant,
                    platform: &self.platform,
                    from: &self.from,
                    to: &self.to,
                    limit: &self.limit,
                    cursor: &self.cursor,
                    format: &self.format,
                })
            }
        }
    };
}

list_params! {
    /// Parameters of `/api/v1/sessions`.
    SessionParams {
        /// Only sessions this agent took part in.
        agent,
        /// Only sessions with this status (`open` or `ended`).
        status,
    }
}

list_params! {
    /// Parameters of list endpoints without extra filters.
    BasicParams {}
}

list_params! {
    /// Parameters of endpoints that filter by agent.
    AgentParams {
        /// Only this agent.
        agent,
    }
}

list_params! {
    /// Parameters of `/api/v1/ratings/csat`.
    CsatParams {
        /// Group by `day` (default) or by `agent`.
        by,
        /// Only this agent's ratings.
        agent,
    }
}

/// Parameters of `/api/v1/summary`.
#[derive(Debug, Default, serde::Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct SummaryParams {
    /// The tenant; required unless the token reads exactly one.
    pub tenant: Option<String>,
    /// Start of the range, inclusive (RFC 3339 or date). Default: 7 days before `to`.
    pub from: Option<String>,
    /// End of the range, exclusive (RFC 3339 or date). Default: now.
    pub to: Option<String>,
}

/// Parameters of `/api/v1/tenants`: none.
#[derive(Debug, Default, serde::Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct NoParams {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_and_dates_are_accepted_and_garbage_explained() {
        assert_eq!(parse_time("from", "2026-01-01").unwrap(), 1_767_225_600_000_000);
        assert_eq!(parse_time("from", "2026-01-01T01:00:00+01:00").unwrap(), 1_767_225_600_000_000);
        assert_eq!(parse_time("from", "2026-01-01T00:00:01.5Z").unwrap(), 1_767_225_601_500_000);
        let err = parse_time("to", "yesterday").unwrap_err().to_string();
        assert!(err.contains("to: expected an RFC 3339 time"), "{err}");
    }

    #[test]
    fn day_floor_is_utc_midnight() {
        assert_eq!(day_floor(1_767_225_600_000_000 + 3_600_000_000), 1_767_225_600_000_000);
        assert_eq!(day_floor(1_767_225_600_000_000), 1_767_225_600_000_000);
    }
}
