//! The Grafana dashboard "chatstream chat analytics" (`deploy/grafana/dashboards/chatstream-chat-analytics.json`)
//! against a real store: every SQL query of its panels and template variables runs on a seeded PostgreSQL
//! store as the read-only role `chatstream_analytics` (the role Grafana's login `grafana` is a member of in
//! docker-compose), with Grafana's macros and variables replaced the way Grafana replaces them, and shows the
//! seeded numbers. `deploy/validate` checks the same queries offline (views and columns exist); this test
//! proves they run, with the role's privileges, and mean what the panel titles say.

mod common;

use chatstream_analytics::READER_ROLE;
use chatstream_projector::{Backend, ColType, Store, Val};
use serde_json::{json, Value};
use std::collections::BTreeMap;

const DASHBOARD: &str = "deploy/grafana/dashboards/chatstream-chat-analytics.json";
/// The uid of the PostgreSQL data source (deploy/grafana/provisioning/datasources/chatstream.yaml).
const POSTGRES_UID: &str = "chatstream-postgres";

/// The dashboard's JSON, read from the repository.
fn dashboard() -> Value {
    let path = format!("{}/../../{DASHBOARD}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read {path}: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{DASHBOARD} is not JSON: {e}"))
}

fn uses_postgres(datasource: Option<&Value>) -> bool {
    datasource.and_then(|d| d.get("uid")).and_then(Value::as_str) == Some(POSTGRES_UID)
}

/// (panel title, refId, SQL) of every PostgreSQL target, rows' nested panels included.
fn panel_queries(dashboard: &Value) -> Vec<(String, String, String)> {
    fn walk(panels: &[Value], out: &mut Vec<(String, String, String)>) {
        for panel in panels {
            let title = panel["title"].as_str().unwrap_or_default().to_string();
            for target in panel["targets"].as_array().into_iter().flatten() {
                let ds = target.get("datasource").or_else(|| panel.get("datasource"));
                if let (true, Some(sql)) = (uses_postgres(ds), target["rawSql"].as_str()) {
                    out.push((title.clone(), target["refId"].as_str().unwrap_or("?").to_string(), sql.to_string()));
                }
            }
            walk(panel["panels"].as_array().map(Vec::as_slice).unwrap_or_default(), out);
        }
    }
    let mut out = Vec::new();
    walk(dashboard["panels"].as_array().expect("panels"), &mut out);
    out
}

/// (name, SQL) of every template variable whose query runs on PostgreSQL.
fn variable_queries(dashboard: &Value) -> Vec<(String, String)> {
    dashboard["templating"]["list"]
        .as_array()
        .expect("templating.list")
        .iter()
        .filter(|v| v["type"] == "query" && uses_postgres(v.get("datasource")))
        .map(|v| {
            let query = v["query"].get("query").unwrap_or(&v["query"]);
            (v["name"].as_str().unwrap().to_string(), query.as_str().expect("SQL variable query").to_string())
        })
        .collect()
}

/// The dashboard time range, as Grafana passes it: RFC 3339 UTC.
#[derive(Clone, Copy)]
struct Range {
    from: &'static str,
    to: &'static str,
}

/// Grafana's `sqlstring` format: every value quoted with `'`, inner quotes doubled, comma-separated.
fn sqlstring(values: &[String]) -> String {
    values.iter().map(|v| format!("'{}'", v.replace('\'', "''"))).collect::<Vec<_>>().join(",")
}

/// Seconds of a Grafana interval such as `1d`, `6h`, `30m`, `10s`.
fn interval_seconds(interval: &str) -> u64 {
    let interval = interval.trim().trim_matches('\'');
    let (n, unit) = interval.split_at(interval.len() - 1);
    let n: u64 = n.parse().unwrap_or_else(|_| panic!("interval {interval:?}"));
    n * match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        "w" => 604_800,
        _ => panic!("interval unit of {interval:?}"),
    }
}

/// The text between the parentheses that open at `sql[open]`, and the index after the closing one.
fn macro_args(sql: &str, open: usize) -> (&str, usize) {
    let mut depth = 0;
    for (i, c) in sql[open..].char_indices() {
        match c {
            '(' => depth += 1,
            ')' => {
                depth -= 1;
                if depth == 0 {
                    return (&sql[open + 1..open + i], open + i + 1);
                }
            }
            _ => {}
        }
    }
    panic!("unbalanced parentheses after position {open} in {sql}")
}

/// `sql` as Grafana's PostgreSQL data source sends it: macros (`$__timeFilter(col)`, `$__timeFrom()`,
/// `$__timeTo()`, `$__timeGroup(col, 1d)`, `$__timeGroupAlias(col, 1d)`) expanded for `range`, and template
/// variables (`$name`, `${name}`, `${name:sqlstring}`) replaced by `vars`. Anything else starting with `$`
/// fails the test: a macro this test does not know would otherwise reach PostgreSQL untested.
fn interpolate(sql: &str, range: Range, vars: &BTreeMap<String, Vec<String>>) -> String {
    let mut out = String::new();
    let mut rest = sql;
    while let Some(pos) = rest.find('$') {
        out.push_str(&rest[..pos]);
        rest = &rest[pos..];
        if let Some(after) = rest.strip_prefix("$__") {
            let name: String = after.chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect();
            let open = 3 + name.len();
            assert!(rest[open..].starts_with('('), "macro $__{name} without arguments in {sql}");
            let (args, end) = macro_args(rest, open);
            let args: Vec<&str> = args.split(',').map(str::trim).collect();
            let expanded = match name.as_str() {
                "timeFilter" => format!("{} BETWEEN '{}' AND '{}'", args[0], range.from, range.to),
                "timeFrom" => format!("'{}'", range.from),
                "timeTo" => format!("'{}'", range.to),
                "timeGroup" | "timeGroupAlias" => {
                    let secs = interval_seconds(args.get(1).expect("interval argument"));
                    let group = format!("floor(extract(epoch from {})/{secs})*{secs}", args[0]);
                    if name == "timeGroupAlias" {
                        format!("{group} AS \"time\"")
                    } else {
                        group
                    }
                }
                other => panic!("Grafana macro $__{other} is not handled by this test (in {sql})"),
            };
            out.push_str(&expanded);
            rest = &rest[end..];
            continue;
        }
        let (name, format, len) = if let Some(braced) = rest.strip_prefix("${") {
            let close = braced.find('}').expect("closing }");
            let inner = &braced[..close];
            let (name, format) = inner.split_once(':').map_or((inner, None), |(n, f)| (n, Some(f)));
            (name.to_string(), format.map(str::to_string), close + 3)
        } else {
            let name: String = rest[1..].chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect();
            let len = name.len() + 1;
            (name, None, len)
        };
        let values = vars.get(&name).unwrap_or_else(|| panic!("${name} is no template variable (in {sql})"));
        let text = match format.as_deref() {
            Some("sqlstring") => sqlstring(values),
            None if values.len() == 1 => values[0].clone(),
            // Grafana quotes multi-value variables for SQL data sources by default.
            None => sqlstring(values),
            Some(other) => panic!("variable format :{other} is not handled by this test (in {sql})"),
        };
        out.push_str(&text);
        rest = &rest[len..];
    }
    out.push_str(rest);
    out
}

/// Runs `sql` as the read-only role and returns its rows as JSON objects (column name → value).
async fn run_as_reader(store: &Store, sql: &str) -> Vec<Value> {
    let mut tx = store.begin().await.unwrap();
    tx.execute("SET LOCAL TIME ZONE 'UTC'", &[]).await.unwrap();
    tx.execute(&format!("SET LOCAL ROLE {READER_ROLE}"), &[]).await.unwrap();
    let wrapped = format!("SELECT row_to_json(panel)::text FROM ({sql}) AS panel");
    let rows = tx
        .fetch(&wrapped, &[], &[ColType::Text])
        .await
        .unwrap_or_else(|e| panic!("as role {READER_ROLE}, this query failed: {e}\n{sql}"));
    tx.rollback().await.unwrap();
    rows.into_iter()
        .map(|row| match &row[0] {
            Val::Text(text) => serde_json::from_str(text).unwrap(),
            other => panic!("row_to_json gave {other:?}"),
        })
        .collect()
}

fn number(v: &Value) -> f64 {
    v.as_f64().unwrap_or_else(|| panic!("{v} is not a number"))
}

/// The dashboard's template variables: the first tenant (what Grafana selects by default) and every platform
/// (the variable's "All"), from their own queries run as the reader.
async fn variables(store: &Store, dashboard: &Value) -> BTreeMap<String, Vec<String>> {
    let none = BTreeMap::new();
    let mut vars = BTreeMap::new();
    for (name, sql) in variable_queries(dashboard) {
        let rows = run_as_reader(store, &interpolate(&sql, ALL_TIME, &none)).await;
        let values: Vec<String> = rows
            .iter()
            .map(|r| {
                let r = r.as_object().unwrap();
                let v = r.get("__value").or_else(|| r.values().next()).unwrap();
                v.as_str().unwrap().to_string()
            })
            .collect();
        vars.insert(name, values);
    }
    vars
}

const ALL_TIME: Range = Range { from: "2025-12-01T00:00:00Z", to: "2026-02-01T00:00:00Z" };

#[tokio::test]
async fn every_chat_analytics_query_runs_as_the_reader_role_and_shows_the_seeded_numbers() {
    let (store, _guard) = common::seeded_store(Backend::Postgres).await;
    assert_eq!(store.backend(), Backend::Postgres);
    let dashboard = dashboard();

    // The role is really in force: it may not read the projections' own tables.
    let mut tx = store.begin().await.unwrap();
    tx.execute(&format!("SET LOCAL ROLE {READER_ROLE}"), &[]).await.unwrap();
    let denied = tx.fetch("SELECT count(*) FROM sessions", &[], &[ColType::Int]).await;
    let message = format!("{:?}", denied.expect_err("the reader role read an internal table"));
    assert!(message.contains("permission denied"), "{message}");
    tx.rollback().await.unwrap();

    let mut vars = variables(&store, &dashboard).await;
    assert_eq!(vars["tenant"], ["acme", "globex"], "tenant variable: the tenants with data, sorted");
    let mut platforms = vars["platform"].clone();
    platforms.sort();
    assert_eq!(platforms, ["chatwoot", "freshchat", "livechat", "userlike"], "platform variable values");
    vars.insert("tenant".into(), vec!["acme".into()]);

    let queries = panel_queries(&dashboard);
    assert!(queries.len() >= 10, "expected the dashboard's panels, found {} SQL queries", queries.len());
    let mut results: BTreeMap<String, Vec<Value>> = BTreeMap::new();
    for (title, ref_id, sql) in &queries {
        let rows = run_as_reader(&store, &interpolate(sql, ALL_TIME, &vars)).await;
        results.insert(format!("{title}/{ref_id}"), rows);
    }
    let panel = |title: &str| -> &Vec<Value> {
        results.get(&format!("{title}/A")).unwrap_or_else(|| panic!("no panel {title:?} in {DASHBOARD}"))
    };

    // Seeded (tests/common): acme has LiveChat LC1 and Chatwoot 42 on 2026-01-01, Freshchat FC1 on 01-02 and
    // Userlike u1 on 01-05; globex one more LiveChat chat, which no panel for acme may count.
    assert_eq!(panel("Sessions"), &vec![json!({"sessions": 4})]);
    let mut per_day: Vec<(String, String, f64)> = panel("Sessions per platform per day")
        .iter()
        .map(|r| (r["time"].as_str().unwrap().into(), r["metric"].as_str().unwrap().into(), number(&r["sessions"])))
        .collect();
    per_day.sort_by(|a, b| (&a.0, &a.1).cmp(&(&b.0, &b.1)));
    let day = |d: &str, p: &str| (format!("2026-01-{d}T00:00:00+00:00"), p.to_string(), 1.0);
    assert_eq!(per_day, [day("01", "chatwoot"), day("01", "livechat"), day("02", "freshchat"), day("05", "userlike")]);

    // First response: smith after 26 s (LC1), fa after 40 s (FC1); Chatwoot 42 and Userlike u1 unanswered.
    assert_eq!(number(&panel("First response (median)")[0]["median"]), 26.0);
    let weekly = panel("First response time per week (median and p90)");
    assert_eq!(weekly.len(), 1, "both answered sessions are in the week of Monday 2025-12-29: {weekly:?}");
    assert_eq!(weekly[0]["time"], "2025-12-29T00:00:00+00:00");
    assert_eq!((number(&weekly[0]["median"]), number(&weekly[0]["p90"])), (26.0, 40.0));

    // Ratings: LC1 1 of 0..1 (normalised 1.0) and Chatwoot 2 of 1..5 (0.25) on 01-01, Userlike 4 of 1..5 (0.75)
    // on 01-05.
    let csat = number(&panel("CSAT")[0]["csat"]);
    assert!((0.0..=1.0).contains(&csat), "CSAT share {csat}");
    let trend: Vec<(String, f64)> = panel("CSAT trend per day")
        .iter()
        .map(|r| (r["time"].as_str().unwrap().to_string(), number(&r["average normalised score"])))
        .collect();
    assert_eq!(
        trend,
        [("2026-01-01T00:00:00+00:00".to_string(), 0.625), ("2026-01-05T00:00:00+00:00".to_string(), 0.75)]
    );
    let distribution: Vec<(String, f64)> = panel("Ratings by normalised score")
        .iter()
        .map(|r| (r["score"].as_str().unwrap().to_string(), number(&r["ratings"])))
        .collect();
    assert_eq!(distribution, [("0.25".to_string(), 1.0), ("0.75".to_string(), 1.0), ("1.00".to_string(), 1.0)]);

    // Unread now: only Chatwoot 42 (open, two contact messages, nobody answered).
    assert_eq!(panel("Chats unread now"), &vec![json!({"chats": 1})]);
    let waiting = panel("Chats unread now (oldest waiting first)");
    assert_eq!(waiting.len(), 1, "{waiting:?}");
    assert_eq!((&waiting[0]["platform"], &waiting[0]["chat_id"]), (&json!("chatwoot"), &json!("42")));
    assert!(number(&panel("Longest wait now")[0]["waiting"]) > 0.0);

    // Agents: smith accepted chats 08:00-12:00 and 22:00-02:00 (8 h), then went offline; bob accepted
    // 08:30-09:00 and was deleted. Nobody is online now.
    assert_eq!(panel("Agents online now"), &vec![json!({"agents": 0})]);
    let hours: Vec<(String, f64)> = panel("Hours online per agent")
        .iter()
        .map(|r| (r["agent"].as_str().unwrap().to_string(), number(&r["hours online"])))
        .collect();
    assert_eq!(hours, [("livechat / smith".to_string(), 8.0), ("livechat / bob".to_string(), 0.5)]);

    // Sessions ended: LC1 (01-01), FC1 (01-02), u1 (01-05, one message unread at the end).
    let ended = panel("Sessions ended unread per day");
    let total: f64 = ended.iter().map(|r| number(&r["ended"])).sum();
    assert_eq!(total, 3.0, "{ended:?}");
    let jan5 = ended.iter().find(|r| r["time"] == "2026-01-05T00:00:00+00:00").expect("a row for 2026-01-05");
    assert_eq!(number(&jan5["ended unread"]), 1.0, "{jan5}");

    // The time filter is applied: from 2026-01-02 on, only FC1 and u1 started.
    let later = Range { from: "2026-01-02T00:00:00Z", to: "2026-02-01T00:00:00Z" };
    let sessions_sql = &queries.iter().find(|(t, _, _)| t == "Sessions").unwrap().2;
    assert_eq!(run_as_reader(&store, &interpolate(sessions_sql, later, &vars)).await, vec![json!({"sessions": 2})]);
    // So is the tenant: globex has one session.
    vars.insert("tenant".into(), vec!["globex".into()]);
    assert_eq!(run_as_reader(&store, &interpolate(sessions_sql, ALL_TIME, &vars)).await, vec![json!({"sessions": 1})]);
}

#[test]
fn interpolation_matches_grafana() {
    let vars = BTreeMap::from([
        ("tenant".to_string(), vec!["o'hara".to_string()]),
        ("platform".to_string(), vec!["livechat".to_string(), "userlike".to_string()]),
    ]);
    let sql = "SELECT $__timeGroupAlias(day, 1d), count(*) FROM analytics.fact_sessions \
               WHERE $__timeFilter(time) AND tenant = ${tenant:sqlstring} AND platform IN ($platform) \
               AND started_at < $__timeTo()";
    assert_eq!(
        interpolate(sql, ALL_TIME, &vars),
        "SELECT floor(extract(epoch from day)/86400)*86400 AS \"time\", count(*) FROM analytics.fact_sessions \
         WHERE time BETWEEN '2025-12-01T00:00:00Z' AND '2026-02-01T00:00:00Z' AND tenant = 'o''hara' \
         AND platform IN ('livechat','userlike') AND started_at < '2026-02-01T00:00:00Z'"
    );
}
