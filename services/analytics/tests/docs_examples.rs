//! Every `sql` block of docs/analytics.md runs on a seeded store and returns rows: ```` ```sql ```` on both
//! backends, ```` ```sql postgres ```` / ```` ```sql sqlite ```` on one, ```` ```sql grafana ```` on PostgreSQL with
//! Grafana's `$__timeFilter(…)` and `$tenant` filled in. On PostgreSQL they run as the read-only role with
//! `search_path = analytics`, as the docs tell BI tools to connect.

mod common;

use chatstream_analytics::READER_ROLE;
use chatstream_projector::on_both_backends;
use chatstream_projector::{Backend, Store, StoreError, Val};
use common::seeded_store;

/// A fenced SQL example: its info string after `sql` and its text.
#[derive(Debug)]
struct Example {
    tag: String,
    sql: String,
    line: usize,
}

fn examples() -> Vec<Example> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/analytics.md");
    let doc = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("cannot read {path}: {e}"));
    let mut out = Vec::new();
    let mut current: Option<Example> = None;
    for (n, line) in doc.lines().enumerate() {
        match current.as_mut() {
            None => {
                if let Some(info) = line.strip_prefix("```sql") {
                    current = Some(Example { tag: info.trim().to_string(), sql: String::new(), line: n + 1 });
                }
            }
            Some(example) if line.starts_with("```") => {
                out.push(std::mem::replace(example, Example { tag: String::new(), sql: String::new(), line: 0 }));
                current = None;
            }
            Some(example) => {
                example.sql.push_str(line);
                example.sql.push('\n');
            }
        }
    }
    assert!(current.is_none(), "an unclosed ```sql block in docs/analytics.md");
    out
}

/// Grafana's macros as the PostgreSQL data source expands them, for the seeded month.
fn expand_grafana(sql: &str) -> String {
    let mut out = sql.replace("$tenant", "acme");
    while let Some(start) = out.find("$__timeFilter(") {
        let end = start + out[start..].find(')').expect("a closed $__timeFilter(");
        let column = &out[start + "$__timeFilter(".len()..end];
        let expanded = format!("{column} BETWEEN '2026-01-01T00:00:00Z' AND '2026-01-31T23:59:59Z'");
        out.replace_range(start..=end, &expanded);
    }
    assert!(!out.contains("$__"), "a Grafana macro this test does not expand: {out}");
    out
}

async fn run(store: &Store, sql: &str) -> Result<Vec<Vec<Val>>, StoreError> {
    match store.backend() {
        Backend::Sqlite => store.fetch(sql, &[], &[]).await,
        Backend::Postgres => {
            let mut tx = store.begin().await?;
            tx.execute(&format!("SET LOCAL ROLE {READER_ROLE}"), &[]).await?;
            tx.execute("SET LOCAL search_path = analytics", &[]).await?;
            let rows = tx.fetch(sql, &[], &[]).await;
            tx.rollback().await?;
            rows
        }
    }
}

async fn every_example_runs(backend: Backend) {
    let (store, _guard) = seeded_store(backend).await;
    let examples = examples();
    assert!(examples.len() >= 8, "docs/analytics.md has fewer examples than expected: {}", examples.len());
    let mut ran = 0;
    for example in &examples {
        let sql = match (example.tag.as_str(), backend) {
            ("", _) | ("postgres", Backend::Postgres) | ("sqlite", Backend::Sqlite) => example.sql.clone(),
            ("grafana", Backend::Postgres) => expand_grafana(&example.sql),
            ("postgres" | "sqlite" | "grafana", _) => continue,
            (other, _) => panic!("docs/analytics.md line {}: unknown tag ```sql {other}", example.line),
        };
        let rows = run(&store, &sql)
            .await
            .unwrap_or_else(|e| panic!("docs/analytics.md line {} on {}: {e}\n{sql}", example.line, backend.as_str()));
        assert!(
            !rows.is_empty(),
            "docs/analytics.md line {} returns no rows on the seeded store:\n{sql}",
            example.line
        );
        ran += 1;
    }
    assert!(ran >= 7, "only {ran} examples ran on {}", backend.as_str());
}
on_both_backends!(docs_examples, every_example_runs);
