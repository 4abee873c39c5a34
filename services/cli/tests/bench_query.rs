//! `chatstream bench query` end to end on a small SQLite store: it builds the store, starts the API, and
//! reports every endpoint with all of its requests answered 2xx (no timing assertions: the latency goal is
//! the benchmark's business).

use std::process::Command;

#[test]
fn bench_query_reports_every_endpoint_answered_2xx() {
    let out = Command::new(env!("CARGO_BIN_EXE_chatstream"))
        .args(["bench", "query", "--events", "5000", "--backend", "sqlite", "--requests", "4", "--seed", "3"])
        .env("CHATSTREAM_LOG", "warn")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "bench query failed ({}):\n{stdout}\n{stderr}", out.status);
    assert!(stdout.contains("chatstream bench query:"), "{stdout}");
    let endpoints = [
        "/tenants",
        "/summary (1/7/30 d)",
        "/sessions (no filter)",
        "/sessions (filters)",
        "/sessions (deep cursor)",
        "/sessions (CSV)",
        "/sessions/{id} (page)",
        "/unread",
        "/unread/daily",
        "/agents/status",
        "/agents/availability/daily",
        "/ratings",
        "/ratings/csat?by=day",
        "/ratings/csat?by=agent",
    ];
    for endpoint in endpoints {
        let row = stdout
            .lines()
            .find(|l| l.starts_with(endpoint) && l[endpoint.len()..].starts_with("  "))
            .unwrap_or_else(|| panic!("no row for {endpoint} in:\n{stdout}"));
        let numbers: Vec<&str> = row[endpoint.len()..].split_whitespace().collect();
        // requests, 2xx, p50, p90, p99, max, goal
        assert_eq!(numbers.first(), Some(&"4"), "{row}");
        assert_eq!(numbers.get(1), Some(&"4"), "every request answered 2xx: {row}");
        for n in &numbers[2..6] {
            let ms: f64 = n.parse().unwrap_or_else(|_| panic!("not a latency: {n} in {row}"));
            assert!(ms > 0.0, "{row}");
        }
    }
    let table_rows = stdout.lines().filter(|l| l.starts_with('/')).count();
    assert_eq!(table_rows, endpoints.len(), "one row per endpoint:\n{stdout}");
}
