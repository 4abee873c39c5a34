//! List endpoints: SQL with bound parameters for both backends, keyset (cursor) pagination and JSON/CSV
//! pages.

use crate::error::ApiError;
use crate::params::{Format, ListFilter, TenantFilter};
use crate::rows::Item;
use axum::http::{header, HeaderMap, HeaderValue, Uri};
use axum::response::{IntoResponse, Response};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use chatstream_projector::{ColType, Store, Val};
use serde::Serialize;

/// A statement being built: conditions and the values bound to its `$n` placeholders (which SQLite and
/// PostgreSQL both accept; times bind as ISO text on SQLite and as `timestamptz` on PostgreSQL, so
/// comparisons are right on both).
#[derive(Debug, Default)]
pub struct Sql {
    pub args: Vec<Val>,
    pub conds: Vec<String>,
}

impl Sql {
    /// Binds `v`; returns its placeholder.
    pub fn arg(&mut self, v: impl Into<Val>) -> String {
        self.args.push(v.into());
        format!("${}", self.args.len())
    }

    /// Adds a condition.
    pub fn cond(&mut self, c: impl Into<String>) {
        self.conds.push(c.into());
    }

    /// `column = value`.
    pub fn eq(&mut self, column: &str, v: impl Into<Val>) {
        let p = self.arg(v);
        self.cond(format!("{column} = {p}"));
    }

    /// Restricts `column` to the tenants of `filter`.
    pub fn tenants(&mut self, column: &str, filter: &TenantFilter) {
        match filter {
            TenantFilter::All => {}
            TenantFilter::In(list) if list.is_empty() => self.cond("1 = 0"),
            TenantFilter::In(list) if list.len() == 1 => self.eq(column, list[0].as_str()),
            TenantFilter::In(list) => {
                let ps: Vec<String> = list.iter().map(|t| self.arg(t.as_str())).collect();
                self.cond(format!("{column} IN ({})", ps.join(", ")));
            }
        }
    }

    /// `column >= from AND column < to` for the bounds that are set.
    pub fn range(&mut self, column: &str, from: Option<i64>, to: Option<i64>) {
        if let Some(f) = from {
            let p = self.arg(Val::Time(f));
            self.cond(format!("{column} >= {p}"));
        }
        if let Some(t) = to {
            let p = self.arg(Val::Time(t));
            self.cond(format!("{column} < {p}"));
        }
    }

    /// The tenant, platform and time filters of a list endpoint; `time_column` is the column the range
    /// applies to.
    pub fn common(&mut self, f: &ListFilter, time_column: &str) {
        self.tenants("tenant", &f.tenants);
        if let Some(p) = &f.platform {
            self.eq("platform", p.as_str());
        }
        self.range(time_column, f.from, f.to);
    }

    /// `WHERE …` (or nothing).
    pub fn where_clause(&self) -> String {
        if self.conds.is_empty() {
            String::new()
        } else {
            format!(" WHERE {}", self.conds.join(" AND "))
        }
    }
}

/// How a list is ordered: unique key expressions (usable in `WHERE` and `ORDER BY` of the list's `FROM`),
/// all ascending or all descending.
#[derive(Debug, Clone, Copy)]
pub struct Order {
    /// Names the list in its cursors, so a cursor of another list is refused.
    pub list: &'static str,
    pub keys: &'static [(&'static str, ColType)],
    pub descending: bool,
}

#[derive(Serialize, serde::Deserialize)]
struct CursorRepr {
    l: String,
    k: Vec<serde_json::Value>,
}

fn bad_cursor(why: &str) -> ApiError {
    ApiError::BadRequest(format!(
        "cursor: {why}; pass the next_cursor of the previous page unchanged (or leave cursor out for the first page)"
    ))
}

impl Order {
    /// The opaque cursor after a row with these key values: base64url of `{"l": list, "k": [keys]}`.
    pub fn encode(&self, keys: &[Val]) -> String {
        let k = keys
            .iter()
            .map(|v| match v {
                Val::Null => serde_json::Value::Null,
                Val::Int(i) | Val::Time(i) => serde_json::Value::from(*i),
                Val::Real(f) => serde_json::Value::from(*f),
                Val::Text(s) => serde_json::Value::from(s.as_str()),
                Val::Bool(b) => serde_json::Value::from(*b),
                Val::Blob(b) => serde_json::Value::from(URL_SAFE_NO_PAD.encode(b)),
            })
            .collect();
        let json = serde_json::to_vec(&CursorRepr { l: self.list.to_string(), k }).unwrap_or_default();
        URL_SAFE_NO_PAD.encode(json)
    }

    /// The key values of a cursor of this list.
    pub fn decode(&self, cursor: &str) -> Result<Vec<Val>, ApiError> {
        let bytes = URL_SAFE_NO_PAD.decode(cursor).map_err(|_| bad_cursor("not a cursor of this API"))?;
        let repr: CursorRepr = serde_json::from_slice(&bytes).map_err(|_| bad_cursor("not a cursor of this API"))?;
        if repr.l != self.list {
            return Err(bad_cursor(&format!("it belongs to another list ({})", repr.l)));
        }
        if repr.k.len() != self.keys.len() {
            return Err(bad_cursor("it does not fit this list"));
        }
        repr.k
            .iter()
            .zip(self.keys)
            .map(|(v, (_, ty))| {
                let val = match ty {
                    ColType::Text => v.as_str().map(|s| Val::Text(s.to_string())),
                    ColType::Int => v.as_i64().map(Val::Int),
                    ColType::Time => v.as_i64().map(Val::Time),
                    ColType::Real => v.as_f64().map(Val::Real),
                    ColType::Bool => v.as_bool().map(Val::Bool),
                    ColType::Blob => None,
                };
                val.ok_or_else(|| bad_cursor("it does not fit this list"))
            })
            .collect()
    }
}

/// Reads one snapshot's rows (a read-only transaction that holds no write lock).
pub async fn read(store: &Store, sql: &str, args: &[Val], types: &[ColType]) -> Result<Vec<Vec<Val>>, ApiError> {
    let mut tx = store.begin_read().await?;
    let rows = tx.fetch(sql, args, types).await?;
    tx.commit().await?;
    Ok(rows)
}

/// One page of `T` from `from` (a view or subquery) under `sql`'s conditions, after `cursor`, in `order`.
/// Returns the items and the cursor of the next page (none after the last).
pub async fn page<T: Item>(
    store: &Store,
    from: &str,
    mut sql: Sql,
    order: &Order,
    limit: usize,
    cursor: Option<&str>,
) -> Result<(Vec<T>, Option<String>), ApiError> {
    let keys: Vec<&str> = order.keys.iter().map(|(k, _)| *k).collect();
    if let Some(c) = cursor {
        let after = order.decode(c)?;
        let ps: Vec<String> = after.into_iter().map(|v| sql.arg(v)).collect();
        let (op, bound) = if order.descending { ("<", "<=") } else { (">", ">=") };
        // The bound on the first key alone lets both backends start the index scan at the cursor.
        sql.cond(format!("{} {bound} {}", keys[0], ps[0]));
        sql.cond(format!("({}) {op} ({})", keys.join(", "), ps.join(", ")));
    }
    let dir = if order.descending { " DESC" } else { "" };
    let order_by: Vec<String> = keys.iter().map(|k| format!("{k}{dir}")).collect();
    let text = format!(
        "SELECT {}, {} FROM {from}{} ORDER BY {} LIMIT {}",
        T::FIELDS.join(", "),
        keys.join(", "),
        sql.where_clause(),
        order_by.join(", "),
        limit + 1
    );
    let mut types = T::TYPES.to_vec();
    types.extend(order.keys.iter().map(|(_, t)| *t));
    let mut rows = read(store, &text, &sql.args, &types).await?;
    let more = rows.len() > limit;
    rows.truncate(limit);
    let mut next = None;
    let mut items = Vec::with_capacity(rows.len());
    let count = rows.len();
    for (i, row) in rows.into_iter().enumerate() {
        let mut vals = row.into_iter();
        items.push(T::from_vals(&mut vals)?);
        if more && i + 1 == count {
            next = Some(order.encode(&vals.collect::<Vec<_>>()));
        }
    }
    Ok((items, next))
}

/// Whether the client wants CSV: `format=csv`, or `Accept: text/csv` without `format=json`.
pub fn wants_csv(format: Option<Format>, headers: &HeaderMap) -> bool {
    match format {
        Some(f) => f == Format::Csv,
        None => headers
            .get_all(header::ACCEPT)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .any(|v| v.split(',').any(|part| part.split(';').next().unwrap_or("").trim() == "text/csv")),
    }
}

/// One CSV field (RFC 4180: quoted when it holds a comma, quote or line break).
fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// The CSV of a page: a header row of field names, then one row per item (CRLF line ends).
pub fn csv<T: Item>(items: &[T]) -> String {
    let mut out = T::FIELDS.join(",");
    out.push_str("\r\n");
    for item in items {
        let cells: Vec<String> = item.csv_cells().iter().map(|c| csv_field(c)).collect();
        out.push_str(&cells.join(","));
        out.push_str("\r\n");
    }
    out
}

/// `uri` with its `cursor` parameter replaced by `next`.
fn next_link(uri: &Uri, next: &str) -> String {
    let mut params: Vec<&str> =
        uri.query().unwrap_or("").split('&').filter(|p| !p.is_empty() && !p.starts_with("cursor=")).collect();
    let cursor = format!("cursor={next}");
    params.push(&cursor);
    format!("{}?{}", uri.path(), params.join("&"))
}

/// A page of a list endpoint (its JSON body).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Page<T> {
    /// The items of this page.
    pub items: Vec<T>,
    /// Pass as `cursor` for the next page; null on the last page.
    pub next_cursor: Option<String>,
}

/// A page as JSON `{"items": [...], "next_cursor": ...}`, or as CSV with the next cursor in `Link` and
/// `X-Next-Cursor`.
pub fn respond<T: Item>(items: Vec<T>, next: Option<String>, csv_wanted: bool, uri: &Uri) -> Response {
    if !csv_wanted {
        return axum::Json(Page { items, next_cursor: next }).into_response();
    }
    let mut response = ([(header::CONTENT_TYPE, "text/csv; charset=utf-8")], csv(&items)).into_response();
    if let Some(next) = next {
        let headers = response.headers_mut();
        if let Ok(v) = HeaderValue::from_str(&format!("<{}>; rel=\"next\"", next_link(uri, &next))) {
            headers.insert(header::LINK, v);
        }
        if let Ok(v) = HeaderValue::from_str(&next) {
            headers.insert("x-next-cursor", v);
        }
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    const ORDER: Order =
        Order { list: "demo", keys: &[("started_at", ColType::Time), ("chat_id", ColType::Text)], descending: true };

    #[test]
    fn cursors_round_trip_and_foreign_ones_are_refused() {
        let c = ORDER.encode(&[Val::Time(42), Val::from("c1")]);
        assert_eq!(ORDER.decode(&c).unwrap(), vec![Val::Time(42), Val::from("c1")]);
        let other = Order { list: "other", ..ORDER };
        let err = other.decode(&c).unwrap_err().to_string();
        assert!(err.contains("another list (demo)"), "{err}");
        for junk in ["x", "!!!", &URL_SAFE_NO_PAD.encode(b"{\"l\":\"demo\",\"k\":[1]}")] {
            assert!(ORDER.decode(junk).unwrap_err().to_string().starts_with("cursor: "), "{junk}");
        }
    }

    #[test]
    fn csv_quotes_what_needs_quoting() {
        assert_eq!(csv_field("plain"), "plain");
        assert_eq!(csv_field("a,b"), "\"a,b\"");
        assert_eq!(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_field("two\nlines"), "\"two\nlines\"");
    }

    #[test]
    fn the_next_link_replaces_the_cursor() {
        let uri: Uri = "/api/v1/sessions?tenant=acme&cursor=old&limit=2".parse().unwrap();
        assert_eq!(next_link(&uri, "new"), "/api/v1/sessions?tenant=acme&limit=2&cursor=new");
    }

    #[test]
    fn accept_text_csv_selects_csv_unless_format_says_otherwise() {
        let mut headers = HeaderMap::new();
        assert!(!wants_csv(None, &headers));
        headers.insert(header::ACCEPT, HeaderValue::from_static("text/csv;q=1, application/json;q=0.5"));
        assert!(wants_csv(None, &headers));
        assert!(!wants_csv(Some(Format::Json), &headers));
        assert!(wants_csv(Some(Format::Csv), &HeaderMap::new()));
    }
}
