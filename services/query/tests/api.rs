//! The HTTP API against a seeded store (see `support` for the seed), on SQLite and PostgreSQL: tenant
//! isolation, authentication, pagination, CSV, filters, the session page, the summary (numbers worked out by
//! hand from the seed) and the OpenAPI document against the router.

mod support;

use axum::http::StatusCode;
use chatstream_projector::Backend;
use chatstream_query::openapi::{api_routes, DASHBOARD_FILES};
use serde_json::{json, Value};
use std::collections::BTreeSet;
use support::*;

/// Every item of every page of `uri` for `token`, following `next_cursor`; also the number of pages.
async fn walk(app: &axum::Router, uri: &str, token: &str) -> (Vec<Value>, usize) {
    let mut items = Vec::new();
    let mut pages = 0;
    let mut next: Option<String> = None;
    loop {
        let page_uri = match &next {
            None => uri.to_string(),
            Some(c) => with_query(uri, &format!("cursor={c}")),
        };
        let page = get_json(app, &page_uri, token).await;
        pages += 1;
        items.extend(page["items"].as_array().unwrap().iter().map(without_clock));
        match page["next_cursor"].as_str() {
            Some(c) => next = Some(c.to_string()),
            None => break,
        }
        assert!(pages < 1000, "{uri}: the cursor does not advance");
    }
    (items, pages)
}

/// The item without `waiting_seconds`, which grows with the clock between two requests.
fn without_clock(item: &Value) -> Value {
    let mut item = item.clone();
    if let Some(map) = item.as_object_mut() {
        map.remove("waiting_seconds");
    }
    item
}

fn tenants_of(items: &[Value]) -> BTreeSet<String> {
    items.iter().map(|i| i["tenant"].as_str().unwrap().to_string()).collect()
}

async fn a_token_sees_only_its_tenants(backend: Backend) {
    let (app, _store, _guard) = seeded_app(backend).await;
    for list in LISTS {
        let uri = with_query(list, "limit=1000");
        let acme = get_json(&app, &uri, ACME).await;
        let acme = acme["items"].as_array().unwrap();
        assert!(!acme.is_empty(), "{list}: the seed has acme rows");
        assert_eq!(tenants_of(acme), BTreeSet::from(["acme".to_string()]), "{list}");
        let globex = get_json(&app, &uri, GLOBEX).await;
        let globex = globex["items"].as_array().unwrap();
        assert!(globex.iter().all(|i| i["tenant"] == "globex"), "{list}: {globex:?}");
        let all = get_json(&app, &uri, ALL).await;
        assert_eq!(all["items"].as_array().unwrap().len(), acme.len() + globex.len(), "{list}");

        // The other tenant, asked for by name: 403, in JSON and in CSV.
        for extra in ["tenant=globex", "tenant=globex&format=csv"] {
            let reply = get(&app, &with_query(&uri, extra), Some(ACME)).await;
            assert_eq!(reply.status, StatusCode::FORBIDDEN, "{list}?{extra}: {}", reply.body);
            assert!(reply.json()["error"].as_str().unwrap().contains("may not read tenant \"globex\""));
        }
        // CSV without a tenant: only acme's rows.
        let csv = get(&app, &with_query(&uri, "format=csv"), Some(ACME)).await;
        assert!(!csv.body.contains("globex"), "{list}: {}", csv.body);
    }
    assert_eq!(get_json(&app, "/api/v1/tenants", ACME).await, json!({"tenants": ["acme"]}));
    assert_eq!(get_json(&app, "/api/v1/tenants", GLOBEX).await, json!({"tenants": ["globex"]}));
    assert_eq!(get_json(&app, "/api/v1/tenants", ALL).await, json!({"tenants": ["acme", "globex"]}));

    let theirs = "/api/v1/sessions/globex/userlike/g1/g1-s";
    let reply = get(&app, theirs, Some(ACME)).await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN, "{}", reply.body);
    assert_eq!(get_json(&app, theirs, GLOBEX).await["session"]["tenant"], "globex");
    assert_eq!(get_json(&app, theirs, ALL).await["session"]["chat_id"], "g1");
    let reply = get(&app, "/api/v1/summary?tenant=globex", Some(ACME)).await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN, "{}", reply.body);
}
on_both_backends!(a_token_sees_only_its_tenants);

async fn no_token_or_a_wrong_one_gets_401(backend: Backend) {
    let (app, _store, _guard) = seeded_app(backend).await;
    let mut uris: Vec<String> = LISTS.iter().map(|l| l.to_string()).collect();
    uris.extend(
        ["/api/v1/tenants", "/api/v1/summary?tenant=acme", "/api/v1/sessions/acme/livechat/c1/c1-s"].map(String::from),
    );
    for uri in &uris {
        for (headers, what) in [
            (vec![], "no header"),
            (vec![("authorization", "Bearer not-a-token")], "a wrong token"),
            (vec![("authorization", "Basic YWNtZTphY21l")], "another scheme"),
            (vec![("authorization", "Bearer ")], "an empty token"),
        ] {
            let reply = get_with(&app, uri, None, &headers).await;
            assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "{uri} with {what}: {}", reply.body);
            assert_eq!(reply.headers["www-authenticate"], "Bearer", "{uri}");
            assert!(reply.json()["error"].is_string(), "{uri}: {}", reply.body);
            assert!(!reply.body.contains("not-a-token"), "the presented token is not echoed");
        }
    }
    // The dashboard's files and the OpenAPI document need no token.
    for path in ["/", "/app.js", "/style.css", "/openapi.json"] {
        assert_eq!(get(&app, path, None).await.status, StatusCode::OK, "{path}");
    }
}
on_both_backends!(no_token_or_a_wrong_one_gets_401);

async fn pages_walk_every_row_exactly_once(backend: Backend) {
    let (app, _store, _guard) = seeded_app(backend).await;
    let mut lists: Vec<String> = LISTS.iter().map(|l| l.to_string()).collect();
    lists.push("/api/v1/sessions?tenant=acme&platform=livechat".into());
    lists.push("/api/v1/sessions?from=2026-01-01T00:04:00Z&to=2026-01-03".into());
    lists.push("/api/v1/sessions?agent=ann".into());
    lists.push("/api/v1/sessions?tenant=acme&agent=bob&from=2026-01-01".into());
    for list in &lists {
        let everything = get_json(&app, &with_query(list, "limit=1000"), ALL).await;
        assert!(everything["next_cursor"].is_null(), "{list}");
        let everything: Vec<Value> = everything["items"].as_array().unwrap().iter().map(without_clock).collect();
        assert!(everything.len() >= 2, "{list}: the seed has several rows");
        for limit in [1, 2] {
            let (walked, pages) = walk(&app, &with_query(list, &format!("limit={limit}")), ALL).await;
            assert_eq!(walked, everything, "{list} in pages of {limit}");
            assert_eq!(pages, everything.len().div_ceil(limit).max(1), "{list} in pages of {limit}");
        }
    }
    // Sessions: newest started first, ties broken by the key.
    let all = get_json(&app, "/api/v1/sessions", ALL).await;
    let chats: Vec<&str> = all["items"].as_array().unwrap().iter().map(|s| s["chat_id"].as_str().unwrap()).collect();
    assert_eq!(chats, ["c5", "c4", "c3", "g2", "g1", "c2", "c1"]);

    // Cursors that are not ours, or another list's, are refused with advice.
    let first = get_json(&app, "/api/v1/sessions?limit=1", ALL).await;
    let cursor = first["next_cursor"].as_str().unwrap();
    let reply = get(&app, &format!("/api/v1/ratings?cursor={cursor}"), Some(ALL)).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert!(reply.json()["error"].as_str().unwrap().contains("another list (sessions)"), "{}", reply.body);
    for junk in ["garbage", "eyJsIjoic2Vzc2lvbnMiLCJrIjpbMV19", "%%%"] {
        let reply = get(&app, &format!("/api/v1/sessions?cursor={junk}"), Some(ALL)).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{junk}: {}", reply.body);
        assert!(reply.json()["error"].as_str().unwrap().starts_with("cursor: "), "{}", reply.body);
    }
}
on_both_backends!(pages_walk_every_row_exactly_once);

async fn csv_has_a_header_and_one_row_per_item(backend: Backend) {
    let (app, _store, _guard) = seeded_app(backend).await;
    let header = "day,tenant,platform,chat_id,session_id,agent_id,rated_at,vendor_score,scale_min,scale_max,\
                  normalized_score,satisfied,comment";
    let rows = [
        "2026-01-02T00:00:00Z,acme,livechat,c3,c3-s,ann,2026-01-02T00:11:40Z,4,1,5,0.75,true,",
        "2026-01-01T00:00:00Z,acme,livechat,c2,c2-s,bob,2026-01-01T00:15:50Z,3,1,5,0.5,false,",
        "2026-01-01T00:00:00Z,acme,livechat,c1,c1-s,ann,2026-01-01T00:10:50Z,5,1,5,1,true,",
    ];
    let expected = format!("{header}\r\n{}\r\n", rows.join("\r\n"));
    for (uri, headers) in [
        ("/api/v1/ratings", vec![("accept", "text/csv")]),
        ("/api/v1/ratings?format=csv", vec![]),
        ("/api/v1/ratings?format=csv", vec![("accept", "application/json")]),
    ] {
        let reply = get_with(&app, uri, Some(ACME), &headers).await;
        assert_eq!(reply.status, StatusCode::OK, "{uri}: {}", reply.body);
        assert_eq!(reply.headers["content-type"], "text/csv; charset=utf-8");
        assert_eq!(reply.body, expected, "{uri}");
        assert!(!reply.headers.contains_key("x-next-cursor"), "one page only");
    }
    // format=json wins over Accept.
    let reply = get_with(&app, "/api/v1/ratings?format=json", Some(ACME), &[("accept", "text/csv")]).await;
    assert_eq!(reply.json()["items"].as_array().unwrap().len(), 3);

    // A page of two: the next cursor in X-Next-Cursor and Link; following the link gives the last row.
    let reply = get_with(&app, "/api/v1/ratings?limit=2", Some(ACME), &[("accept", "text/csv")]).await;
    assert_eq!(reply.body, format!("{header}\r\n{}\r\n{}\r\n", rows[0], rows[1]));
    let cursor = reply.headers["x-next-cursor"].to_str().unwrap();
    let link = reply.headers["link"].to_str().unwrap();
    assert_eq!(link, format!("</api/v1/ratings?limit=2&cursor={cursor}>; rel=\"next\""));
    let next = link.trim_start_matches('<').split('>').next().unwrap();
    let reply = get_with(&app, next, Some(ACME), &[("accept", "text/csv")]).await;
    assert_eq!(reply.body, format!("{header}\r\n{}\r\n", rows[2]));
    assert!(!reply.headers.contains_key("link"));

    // Every list endpoint answers CSV whose header is its JSON item's fields.
    for list in LISTS {
        let json = get_json(&app, list, ALL).await;
        let csv = get(&app, &with_query(list, "format=csv"), Some(ALL)).await;
        let lines: Vec<&str> = csv.body.trim_end().split("\r\n").collect();
        let items = json["items"].as_array().unwrap();
        let fields: BTreeSet<&str> = items[0].as_object().unwrap().keys().map(String::as_str).collect();
        assert_eq!(lines[0].split(',').collect::<BTreeSet<_>>(), fields, "{list}");
        assert_eq!(lines.len(), items.len() + 1, "{list}");
    }
}
on_both_backends!(csv_has_a_header_and_one_row_per_item);

fn chat_ids(page: &Value) -> Vec<String> {
    page["items"].as_array().unwrap().iter().map(|i| i["chat_id"].as_str().unwrap().to_string()).collect()
}

async fn filters_narrow_the_lists(backend: Backend) {
    let (app, _store, _guard) = seeded_app(backend).await;
    let sessions = |q: &str| format!("/api/v1/sessions?{q}");
    assert_eq!(chat_ids(&get_json(&app, &sessions("agent=ann"), ACME).await), ["c3", "c1"]);
    assert_eq!(chat_ids(&get_json(&app, &sessions("status=open"), ACME).await), ["c5", "c4"]);
    assert_eq!(chat_ids(&get_json(&app, &sessions("platform=chatwoot"), ALL).await), ["c4"]);
    assert_eq!(chat_ids(&get_json(&app, &sessions("from=2026-01-02&to=2026-01-03"), ACME).await), ["c4", "c3"]);
    // Half-open: a session starting exactly at `to` is out, one at `from` is in.
    assert_eq!(
        chat_ids(&get_json(&app, &sessions("from=2026-01-01T00:03:20Z&to=2026-01-02T00:01:40Z"), ALL).await),
        ["g2", "g1", "c2"]
    );
    // Empty values count as absent (forms send them).
    assert_eq!(chat_ids(&get_json(&app, &sessions("tenant=&agent=&platform="), ACME).await).len(), 5);
    assert_eq!(chat_ids(&get_json(&app, "/api/v1/ratings?agent=bob", ALL).await), ["c2"]);
    assert_eq!(chat_ids(&get_json(&app, "/api/v1/unread?from=2026-01-03", ALL).await), ["c5"]);

    let daily = get_json(&app, "/api/v1/agents/availability/daily?agent=bob", ACME).await;
    assert_eq!(
        daily["items"],
        json!([{"day": "2026-01-01T00:00:00Z", "tenant": "acme", "platform": "livechat", "agent_id": "bob",
                "status": "online", "seconds": 7200.0, "hours": 2.0}])
    );
    // Daily rows: every day that overlaps the range.
    let daily = get_json(&app, "/api/v1/unread/daily?tenant=acme&from=2026-01-01T12:00:00Z", ACME).await;
    assert_eq!(daily["items"].as_array().unwrap().len(), 2, "{daily}");
    assert_eq!(
        daily["items"][0],
        json!({"day": "2026-01-01T00:00:00Z", "tenant": "acme", "platform": "livechat", "group_id": null,
               "sessions_ended": 2, "sessions_ended_unread": 0, "sessions_ended_unanswered": 1,
               "sessions_unread_known": 0})
    );

    let csat = get_json(&app, "/api/v1/ratings/csat?by=agent&tenant=acme", ALL).await;
    assert_eq!(
        csat["items"],
        json!([
            {"tenant": "acme", "day": null, "platform": "livechat", "agent_id": "ann", "ratings": 2,
             "satisfied_ratings": 2, "csat_share": 1.0, "average_normalized_score": 0.875},
            {"tenant": "acme", "day": null, "platform": "livechat", "agent_id": "bob", "ratings": 1,
             "satisfied_ratings": 0, "csat_share": 0.0, "average_normalized_score": 0.5},
        ])
    );
    let csat = get_json(&app, "/api/v1/ratings/csat", ACME).await;
    assert_eq!(
        csat["items"],
        json!([
            {"tenant": "acme", "day": "2026-01-01T00:00:00Z", "platform": null, "agent_id": null, "ratings": 2,
             "satisfied_ratings": 1, "csat_share": 0.5, "average_normalized_score": 0.75},
            {"tenant": "acme", "day": "2026-01-02T00:00:00Z", "platform": null, "agent_id": null, "ratings": 1,
             "satisfied_ratings": 1, "csat_share": 1.0, "average_normalized_score": 0.75},
        ])
    );

    let statuses = get_json(&app, "/api/v1/agents/status", ACME).await;
    let statuses: Vec<(&str, &str)> = statuses["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| (a["agent_id"].as_str().unwrap(), a["status"].as_str().unwrap()))
        .collect();
    assert_eq!(statuses, [("ann", "online"), ("bob", "offline"), ("bot1", "online")]);
}
on_both_backends!(filters_narrow_the_lists);

async fn malformed_parameters_get_400_with_advice(backend: Backend) {
    let (app, _store, _guard) = seeded_app(backend).await;
    for (uri, says) in [
        ("/api/v1/sessions?limit=0", "limit: expected a whole number from 1 to 1000"),
        ("/api/v1/sessions?limit=1001", "limit: expected a whole number from 1 to 1000"),
        ("/api/v1/sessions?limit=ten", "limit: expected a whole number from 1 to 1000"),
        ("/api/v1/sessions?from=yesterday", "from: expected an RFC 3339 time"),
        ("/api/v1/ratings?to=2026-13-01", "to: expected an RFC 3339 time"),
        ("/api/v1/sessions?from=2026-01-03&to=2026-01-01", "from is after to"),
        ("/api/v1/sessions?tennant=acme", "unknown field `tennant`"),
        ("/api/v1/ratings/csat?by=week", "by: expected day or agent"),
        ("/api/v1/unread?format=xml", "format: expected json or csv"),
        ("/api/v1/summary", "tenant is required"),
        ("/api/v1/summary?tenant=acme&from=soon", "from: expected an RFC 3339 time"),
    ] {
        let reply = get(&app, uri, Some(ALL)).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{uri}: {}", reply.body);
        let error = reply.json()["error"].as_str().unwrap().to_string();
        assert!(error.contains(says), "{uri}: {error}");
    }
    for (uri, token) in [("/api/v1/sessions", Some(ALL)), ("/", None), ("/openapi.json", None)] {
        let mut request = axum::http::Request::post(uri);
        if let Some(t) = token {
            request = request.header("authorization", format!("Bearer {t}"));
        }
        let response =
            tower::ServiceExt::oneshot(app.clone(), request.body(axum::body::Body::empty()).unwrap()).await.unwrap();
        assert_eq!(response.status(), StatusCode::METHOD_NOT_ALLOWED, "POST {uri}");
        assert_eq!(response.headers()["allow"], "GET,HEAD");
        let body = http_body_util::BodyExt::collect(response.into_body()).await.unwrap().to_bytes();
        let body: Value = serde_json::from_slice(&body).unwrap();
        assert!(body["error"].as_str().unwrap().contains("answers GET only"), "{body}");
    }
    let reply = get(&app, "/api/v1/nothing-here", Some(ALL)).await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
    assert!(reply.json()["error"].as_str().unwrap().contains("no endpoint GET /api/v1/nothing-here"));
}
on_both_backends!(malformed_parameters_get_400_with_advice);

async fn the_session_page_has_the_session_its_agents_and_its_timeline(backend: Backend) {
    let (app, _store, _guard) = seeded_app(backend).await;
    let detail = get_json(&app, "/api/v1/sessions/acme/livechat/c2/c2-s", ACME).await;
    let listed = get_json(&app, "/api/v1/sessions?tenant=acme&agent=bob&status=ended", ACME).await;
    assert_eq!(detail["session"], listed["items"][0], "the same fields as the list");
    let s = &detail["session"];
    assert_eq!(s["started_at"], ts(200));
    assert_eq!(s["ended_at"], ts(900));
    assert_eq!(s["duration_seconds"], 700.0);
    assert_eq!(s["first_response_seconds"], 60.0);
    assert_eq!(s["messages_contact"], 2);
    assert_eq!(s["rating_normalized"], 0.5);
    let agents = detail["agents"].as_array().unwrap();
    assert_eq!(agents.len(), 1);
    assert_eq!(agents[0]["agent_id"], "bob");
    assert_eq!(agents[0]["messages"], 1);
    let timeline: Vec<(i64, &str, &str)> = detail["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["seq"].as_i64().unwrap(), e["kind"].as_str().unwrap(), e["occurred_at"].as_str().unwrap()))
        .collect();
    let expected_kinds = ["session_started", "message", "message", "message", "session_ended", "rating"];
    assert_eq!(timeline.iter().map(|t| t.1).collect::<Vec<_>>(), expected_kinds, "{timeline:?}");
    assert!(timeline.windows(2).all(|w| w[0].0 < w[1].0), "ordered by seq: {timeline:?}");
    assert_eq!(timeline[1].2, ts(210));

    let reply = get(&app, "/api/v1/sessions/acme/livechat/c2/no-such-session", Some(ACME)).await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
    assert!(reply.json()["error"].as_str().unwrap().contains("no session \"no-such-session\""), "{}", reply.body);
    // Path segments are percent-decoded: a chat id with a slash is one segment.
    let reply = get(&app, "/api/v1/sessions/acme/livechat/a%2Fb/c%20d", Some(ACME)).await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
    assert!(reply.json()["error"].as_str().unwrap().contains("no session \"c d\" of chat \"a/b\""), "{}", reply.body);
}
on_both_backends!(the_session_page_has_the_session_its_agents_and_its_timeline);

async fn the_summary_matches_the_seed(backend: Backend) {
    let (app, _store, _guard) = seeded_app(backend).await;
    let before = chrono::Utc::now();
    // The acme token reads one tenant: no `tenant` needed.
    let mut s = get_json(&app, "/api/v1/summary?from=2026-01-01&to=2026-01-04", ACME).await;
    let after = chrono::Utc::now();
    let generated = chrono::DateTime::parse_from_rfc3339(s["generated_at"].as_str().unwrap()).unwrap();
    assert!(generated >= before - chrono::Duration::seconds(1) && generated <= after, "{generated}");

    // Waiting times depend on the clock: checked against it, then set aside.
    let unread = s["unread_now"].as_object_mut().unwrap();
    let items = unread["items"].as_array_mut().unwrap();
    for item in items.iter_mut() {
        let since = chrono::DateTime::parse_from_rfc3339(item["waiting_since"].as_str().unwrap()).unwrap();
        let expected = (after - since.with_timezone(&chrono::Utc)).num_milliseconds() as f64 / 1000.0;
        let got = item["waiting_seconds"].as_f64().unwrap();
        assert!((got - expected).abs() < 60.0, "waiting_seconds {got} vs {expected}");
        item["waiting_seconds"] = json!("checked");
    }
    let oldest = unread["oldest_waiting_seconds"].take();
    assert!(oldest.as_f64().unwrap() > 0.0);
    s["generated_at"] = json!("checked");

    let expected = json!({
        "tenant": "acme",
        "from": "2026-01-01T00:00:00Z",
        "to": "2026-01-04T00:00:00Z",
        "generated_at": "checked",
        "sessions": {"total": 5, "per_day": [
            {"day": "2026-01-01T00:00:00Z", "platform": "livechat", "sessions": 2},
            {"day": "2026-01-02T00:00:00Z", "platform": "chatwoot", "sessions": 1},
            {"day": "2026-01-02T00:00:00Z", "platform": "livechat", "sessions": 1},
            {"day": "2026-01-03T00:00:00Z", "platform": "livechat", "sessions": 1},
        ]},
        // 20, 30, 60, 100 s: median = 2nd of 4, p90 = 4th of 4 (nearest rank).
        "first_response": {"sessions_replied": 4, "median_seconds": 30.0, "p90_seconds": 100.0},
        "unread_now": {"chats": 2, "oldest_waiting_seconds": null, "items": [
            {"platform": "chatwoot", "chat_id": "c4", "session_id": "c4-s", "unread_count": 1,
             "unanswered_count": 1, "waiting_since": ts(DAY + 510), "waiting_seconds": "checked",
             "assigned_agent_id": null},
            {"platform": "livechat", "chat_id": "c5", "session_id": "c5-s", "unread_count": 1,
             "unanswered_count": 1, "waiting_since": ts(2 * DAY + 300), "waiting_seconds": "checked",
             "assigned_agent_id": "bob"},
        ]},
        // bot1 is online too, but bots are not counted; ann: 1 h online then 23 h away on Jan 1, bob 2 h
        // online (intervals still open are not in the daily totals yet).
        "agents": {"online_now": 1,
            "current": [{"status": "offline", "agents": 1}, {"status": "online", "agents": 1}],
            "hours_by_status": [{"status": "away", "hours": 23.0}, {"status": "online", "hours": 3.0}]},
        // 1.0 and 0.5 on Jan 1, 0.75 on Jan 2; satisfied: 1.0 and 0.75.
        "ratings": {"count": 3, "average_normalized_score": 0.75, "csat_share": 2.0 / 3.0,
            "trend": [
                {"day": "2026-01-01T00:00:00Z", "ratings": 2, "csat_share": 0.5, "average_normalized_score": 0.75},
                {"day": "2026-01-02T00:00:00Z", "ratings": 1, "csat_share": 1.0, "average_normalized_score": 0.75},
            ],
            "distribution": [
                {"normalized_score": 0.5, "ratings": 1},
                {"normalized_score": 0.75, "ratings": 1},
                {"normalized_score": 1.0, "ratings": 1},
            ]},
    });
    assert_eq!(s, expected, "{}", serde_json::to_string_pretty(&s).unwrap());
    let by_name = get_json(&app, "/api/v1/summary?tenant=acme&from=2026-01-01&to=2026-01-04", ALL).await;
    for part in ["tenant", "sessions", "first_response", "agents", "ratings"] {
        assert_eq!(by_name[part], expected[part], "a `*` token names the tenant and gets the same {part}");
    }

    // Jan 2 only: c3 (30 s) and c4 (no reply); one rating; the daily hours of Jan 2 (none closed yet).
    let s = get_json(&app, "/api/v1/summary?tenant=acme&from=2026-01-02&to=2026-01-03", ALL).await;
    assert_eq!(s["sessions"]["total"], 2);
    assert_eq!(s["first_response"], json!({"sessions_replied": 1, "median_seconds": 30.0, "p90_seconds": 30.0}));
    assert_eq!(s["ratings"]["count"], 1);
    assert_eq!(s["ratings"]["csat_share"], 1.0);
    assert_eq!(s["agents"]["hours_by_status"], json!([]));
    // A range starting mid-day still counts the whole first day's hours.
    let s = get_json(&app, "/api/v1/summary?tenant=acme&from=2026-01-01T12:00:00Z&to=2026-01-02", ALL).await;
    assert_eq!(
        s["agents"]["hours_by_status"],
        json!([{"status": "away", "hours": 23.0}, {"status": "online", "hours": 3.0}])
    );
    assert_eq!(s["sessions"]["total"], 0, "the sessions of Jan 1 started before noon");

    // Default range: the 7 days before now, where the seed has nothing.
    let s = get_json(&app, "/api/v1/summary?tenant=globex", GLOBEX).await;
    let from = chrono::DateTime::parse_from_rfc3339(s["from"].as_str().unwrap()).unwrap();
    let to = chrono::DateTime::parse_from_rfc3339(s["to"].as_str().unwrap()).unwrap();
    assert_eq!(to - from, chrono::Duration::days(7));
    assert_eq!(s["sessions"], json!({"total": 0, "per_day": []}));
    assert_eq!(s["first_response"], json!({"sessions_replied": 0, "median_seconds": null, "p90_seconds": null}));
    assert_eq!(s["ratings"]["average_normalized_score"], Value::Null);
    assert_eq!(s["ratings"]["csat_share"], Value::Null);
    assert_eq!(s["unread_now"]["chats"], 1, "unread now does not depend on the range");
    assert_eq!(s["agents"]["online_now"], 1);
}
on_both_backends!(the_summary_matches_the_seed);

/// A documented path with seeded values in its parameters.
fn concrete(path: &str) -> String {
    path.replace("{tenant}", "acme")
        .replace("{platform}", "livechat")
        .replace("{chat_id}", "c1")
        .replace("{session_id}", "c1-s")
}

async fn the_openapi_document_lists_exactly_the_routes(backend: Backend) {
    let (app, _store, _guard) = seeded_app(backend).await;
    let doc = get(&app, "/openapi.json", None).await;
    assert_eq!(doc.headers["content-type"], "application/json");
    let doc = doc.json();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    let documented: BTreeSet<String> = doc["paths"].as_object().unwrap().keys().cloned().collect();
    let mut routed: BTreeSet<String> = api_routes().into_iter().map(|(p, _)| p.to_string()).collect();
    routed.insert("/openapi.json".into());
    routed.extend(DASHBOARD_FILES.iter().map(|(p, _)| p.to_string()));
    assert_eq!(documented, routed);

    for path in &documented {
        let operation = &doc["paths"][path]["get"];
        assert!(operation.is_object(), "{path}: GET documented");
        let uri = concrete(path);
        let uri = if path == "/api/v1/summary" { format!("{uri}?tenant=acme") } else { uri };
        let reply = get(&app, &uri, Some(ACME)).await;
        assert_eq!(reply.status, StatusCode::OK, "{path} is served: {}", reply.body);
        if path.starts_with("/api/") {
            assert_eq!(operation["security"], json!([{"bearer": []}]), "{path}");
            assert_eq!(get(&app, &uri, None).await.status, StatusCode::UNAUTHORIZED, "{path}");
            // Every documented query parameter is accepted.
            for p in operation["parameters"].as_array().unwrap().iter().filter(|p| p["in"] == "query") {
                let name = p["name"].as_str().unwrap();
                let value = match name {
                    "tenant" => "acme",
                    "from" => "2026-01-01",
                    "to" => "2026-01-04",
                    "limit" => "5",
                    "format" => "json",
                    "by" => "agent",
                    "platform" => "livechat",
                    "cursor" => continue,
                    _ => "x",
                };
                let base = if name == "tenant" { concrete(path) } else { uri.clone() };
                let reply = get(&app, &with_query(&base, &format!("{name}={value}")), Some(ACME)).await;
                assert_eq!(reply.status, StatusCode::OK, "{path}?{name}={value}: {}", reply.body);
            }
        } else {
            let expected = DASHBOARD_FILES.iter().find(|(p, _)| p == path).map_or("application/json", |(_, t)| *t);
            assert!(reply.headers["content-type"].to_str().unwrap().starts_with(expected), "{path}");
        }
    }
    assert!(doc["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer");
}
on_both_backends!(the_openapi_document_lists_exactly_the_routes);

async fn requests_are_counted_by_route_and_status(backend: Backend) {
    let (store, _guard) = seeded(backend).await;
    let registry = prometheus::Registry::new();
    let app = chatstream_query::app(chatstream_query::QueryState::new(store, tokens(), &registry));
    get(&app, "/api/v1/sessions/acme/livechat/c1/c1-s", Some(ACME)).await;
    get(&app, "/api/v1/sessions/acme/livechat/c1/c1-s", Some(ACME)).await;
    get(&app, "/api/v1/sessions", None).await;
    get(&app, "/nope", None).await;
    let text = {
        use prometheus::Encoder;
        let mut buf = Vec::new();
        prometheus::TextEncoder::new().encode(&registry.gather(), &mut buf).unwrap();
        String::from_utf8(buf).unwrap()
    };
    for line in [
        "chatstream_query_requests_total{route=\"/api/v1/sessions/{tenant}/{platform}/{chat_id}/{session_id}\",status=\"200\"} 2",
        "chatstream_query_requests_total{route=\"/api/v1/sessions\",status=\"401\"} 1",
        "chatstream_query_requests_total{route=\"unmatched\",status=\"404\"} 1",
        "chatstream_query_auth_failures_total{reason=\"missing\"} 1",
        "chatstream_query_request_duration_seconds_count{route=\"/api/v1/sessions\"} 1",
    ] {
        assert!(text.contains(line), "{line} missing in:\n{text}");
    }
    assert!(!text.contains(ACME), "tokens never appear in metrics");
}
on_both_backends!(requests_are_counted_by_route_and_status);
