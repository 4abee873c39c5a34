//! The BI contract, pinned: every analytics view's columns, in order, with their types, written out here by
//! hand. A change to a view (a renamed, removed, reordered or retyped column, a view gone or added) fails
//! these tests. Views only change backward-compatibly: new columns go at the end, then into this list.

mod common;

use chatstream_analytics::{view, VIEWS};
use chatstream_projector::on_both_backends;
use chatstream_projector::testing::fresh_store;
use chatstream_projector::{Backend, ColType, Store, Val};
use common::seeded_store;

const TIME: &str = "time";
const TEXT: &str = "text";
const INT: &str = "int";
const REAL: &str = "real";
const BOOL: &str = "bool";

type Pinned = &'static [(&'static str, &'static [(&'static str, &'static str)])];

const PINNED: Pinned = &[
    (
        "fact_sessions",
        &[
            ("time", TIME),
            ("day", TIME),
            ("tenant", TEXT),
            ("platform", TEXT),
            ("chat_id", TEXT),
            ("session_id", TEXT),
            ("started_at", TIME),
            ("ended_at", TIME),
            ("status", TEXT),
            ("ended_by", TEXT),
            ("duration_seconds", REAL),
            ("first_contact_message_at", TIME),
            ("first_agent_reply_at", TIME),
            ("first_response_seconds", REAL),
            ("messages_contact", INT),
            ("messages_agent", INT),
            ("messages_bot", INT),
            ("internal_notes", INT),
            ("agents_involved", INT),
            ("first_agent_id", TEXT),
            ("last_agent_id", TEXT),
            ("transfers", INT),
            ("tags", TEXT),
            ("rating_normalized", REAL),
            ("rated_at", TIME),
            ("contact_id", TEXT),
            ("group_id", TEXT),
        ],
    ),
    (
        "fact_session_agents",
        &[
            ("time", TIME),
            ("tenant", TEXT),
            ("platform", TEXT),
            ("chat_id", TEXT),
            ("session_id", TEXT),
            ("agent_id", TEXT),
            ("first_involved_at", TIME),
            ("last_involved_at", TIME),
            ("messages", INT),
            ("internal_notes", INT),
            ("assigned", BOOL),
        ],
    ),
    (
        "fact_session_events",
        &[
            ("time", TIME),
            ("tenant", TEXT),
            ("platform", TEXT),
            ("chat_id", TEXT),
            ("session_id", TEXT),
            ("seq", INT),
            ("event_id", TEXT),
            ("occurred_at", TIME),
            ("kind", TEXT),
            ("actor_role", TEXT),
            ("actor_id", TEXT),
            ("internal", BOOL),
            ("summary", TEXT),
        ],
    ),
    (
        "fact_messages",
        &[
            ("time", TIME),
            ("day", TIME),
            ("tenant", TEXT),
            ("platform", TEXT),
            ("chat_id", TEXT),
            ("session_id", TEXT),
            ("seq", INT),
            ("event_id", TEXT),
            ("occurred_at", TIME),
            ("kind", TEXT),
            ("actor_role", TEXT),
            ("actor_id", TEXT),
            ("internal", BOOL),
        ],
    ),
    (
        "fact_agent_status_intervals",
        &[
            ("time", TIME),
            ("tenant", TEXT),
            ("platform", TEXT),
            ("agent_id", TEXT),
            ("status", TEXT),
            ("vendor_status", TEXT),
            ("started_at", TIME),
            ("ended_at", TIME),
            ("duration_seconds", REAL),
        ],
    ),
    (
        "fact_agent_status_daily",
        &[
            ("time", TIME),
            ("day", TIME),
            ("tenant", TEXT),
            ("platform", TEXT),
            ("agent_id", TEXT),
            ("status", TEXT),
            ("seconds", REAL),
            ("hours", REAL),
        ],
    ),
    (
        "fact_agent_status_now",
        &[
            ("time", TIME),
            ("tenant", TEXT),
            ("platform", TEXT),
            ("agent_id", TEXT),
            ("status", TEXT),
            ("vendor_status", TEXT),
            ("since", TIME),
            ("as_of", TIME),
            ("is_bot", BOOL),
        ],
    ),
    (
        "fact_ratings",
        &[
            ("time", TIME),
            ("day", TIME),
            ("tenant", TEXT),
            ("platform", TEXT),
            ("chat_id", TEXT),
            ("session_id", TEXT),
            ("agent_id", TEXT),
            ("rated_at", TIME),
            ("vendor_score", REAL),
            ("scale_min", REAL),
            ("scale_max", REAL),
            ("normalized_score", REAL),
            ("satisfied", BOOL),
            ("comment", TEXT),
        ],
    ),
    (
        "fact_survey_answers",
        &[
            ("time", TIME),
            ("day", TIME),
            ("tenant", TEXT),
            ("platform", TEXT),
            ("chat_id", TEXT),
            ("session_id", TEXT),
            ("agent_id", TEXT),
            ("form_type", TEXT),
            ("question", TEXT),
            ("answer", TEXT),
            ("answered_at", TIME),
        ],
    ),
    (
        "fact_unread_now",
        &[
            ("time", TIME),
            ("tenant", TEXT),
            ("platform", TEXT),
            ("chat_id", TEXT),
            ("session_id", TEXT),
            ("signal", TEXT),
            ("unread_count", INT),
            ("unanswered_count", INT),
            ("waiting_since", TIME),
            ("waiting_seconds", REAL),
            ("oldest_unread_at", TIME),
            ("oldest_unanswered_at", TIME),
            ("last_contact_message_at", TIME),
            ("assigned_agent_id", TEXT),
            ("assigned_group_id", TEXT),
        ],
    ),
    (
        "fact_sessions_ended_unread_daily",
        &[
            ("time", TIME),
            ("day", TIME),
            ("tenant", TEXT),
            ("platform", TEXT),
            ("group_id", TEXT),
            ("sessions_ended", INT),
            ("sessions_ended_unread", INT),
            ("sessions_ended_unanswered", INT),
            ("sessions_unread_known", INT),
        ],
    ),
    ("dim_tenant", &[("tenant", TEXT)]),
    ("dim_platform", &[("platform", TEXT), ("display_name", TEXT)]),
    (
        "dim_agent",
        &[
            ("tenant", TEXT),
            ("platform", TEXT),
            ("agent_id", TEXT),
            ("is_bot", BOOL),
            ("current_status", TEXT),
            ("removed", BOOL),
        ],
    ),
    ("dim_group", &[("tenant", TEXT), ("platform", TEXT), ("group_id", TEXT)]),
    (
        "dim_date",
        &[
            ("time", TIME),
            ("day", TIME),
            ("date", TEXT),
            ("year", INT),
            ("month", INT),
            ("day_of_month", INT),
            ("iso_day_of_week", INT),
            ("week_start", TIME),
        ],
    ),
];

/// The pinned type word of a column type.
fn word(ty: ColType) -> &'static str {
    match ty {
        ColType::Time => TIME,
        ColType::Text => TEXT,
        ColType::Int => INT,
        ColType::Real => REAL,
        ColType::Bool => BOOL,
        ColType::Blob => "blob",
    }
}

/// PostgreSQL's `information_schema.columns.data_type` for a pinned type word.
fn postgres_type(word: &str) -> &'static str {
    match word {
        TIME => "timestamp with time zone",
        TEXT => "text",
        INT => "bigint",
        REAL => "double precision",
        BOOL => "boolean",
        other => panic!("unknown pinned type {other}"),
    }
}

/// SQLite's storage class (`typeof`) of a non-NULL value of a pinned type word.
fn sqlite_storage_class(word: &str) -> &'static str {
    match word {
        TIME | TEXT => "text",
        INT | BOOL => "integer",
        REAL => "real",
        other => panic!("unknown pinned type {other}"),
    }
}

fn names(columns: &[(&str, &str)]) -> Vec<String> {
    columns.iter().map(|(name, _)| name.to_string()).collect()
}

#[test]
fn views_constant_matches_the_pinned_list() {
    let described: Vec<(&str, Vec<(&str, &str)>)> =
        VIEWS.iter().map(|v| (v.name, v.columns.iter().map(|c| (c.name, word(c.ty))).collect())).collect();
    let pinned: Vec<(&str, Vec<(&str, &str)>)> = PINNED.iter().map(|(v, cols)| (*v, cols.to_vec())).collect();
    assert_eq!(described, pinned);
}

/// The columns of view `name` as the database reports them: (name, PostgreSQL data type or SQLite declared
/// type), in order.
async fn database_columns(store: &Store, name: &str) -> Vec<(String, String)> {
    let (sql, args) = match store.backend() {
        Backend::Sqlite => ("SELECT name, type FROM pragma_table_info($1) ORDER BY cid", vec![Val::from(name)]),
        Backend::Postgres => (
            "SELECT column_name::text, data_type::text FROM information_schema.columns
             WHERE table_schema = 'analytics' AND table_name = $1 ORDER BY ordinal_position",
            vec![Val::from(name)],
        ),
    };
    let rows = store.fetch(sql, &args, &[ColType::Text, ColType::Text]).await.unwrap();
    rows.into_iter()
        .map(|r| match (&r[0], &r[1]) {
            (Val::Text(n), Val::Text(t)) => (n.clone(), t.clone()),
            (Val::Text(n), _) => (n.clone(), String::new()),
            other => panic!("unexpected column row {other:?}"),
        })
        .collect()
}

/// The analytics views the database has (SQLite: the `fact_*` and `dim_*` views), sorted.
async fn database_views(store: &Store) -> Vec<String> {
    let sql = match store.backend() {
        Backend::Sqlite => {
            "SELECT name FROM sqlite_master WHERE type = 'view' AND (name LIKE 'fact\\_%' ESCAPE '\\'
             OR name LIKE 'dim\\_%' ESCAPE '\\') ORDER BY name"
        }
        Backend::Postgres => {
            "SELECT table_name::text FROM information_schema.views WHERE table_schema = 'analytics' ORDER BY 1"
        }
    };
    let rows = store.fetch(sql, &[], &[ColType::Text]).await.unwrap();
    rows.into_iter().map(|r| if let Val::Text(n) = &r[0] { n.clone() } else { panic!("{r:?}") }).collect()
}

async fn columns_are_the_pinned_ones(backend: Backend) {
    let (store, _guard) = fresh_store(backend).await.unwrap();
    chatstream_analytics::prepare(&store).await.unwrap();
    let mut expected_views: Vec<String> = PINNED.iter().map(|(v, _)| v.to_string()).collect();
    expected_views.sort();
    assert_eq!(database_views(&store).await, expected_views, "the set of analytics views changed");
    for (name, columns) in PINNED {
        let actual = database_columns(&store, name).await;
        let actual_names: Vec<String> = actual.iter().map(|(n, _)| n.clone()).collect();
        assert_eq!(actual_names, names(columns), "columns of {name} (as {})", view(backend, name));
        if backend == Backend::Postgres {
            let actual_types: Vec<(String, String)> = actual;
            let expected: Vec<(String, String)> =
                columns.iter().map(|(n, w)| (n.to_string(), postgres_type(w).to_string())).collect();
            assert_eq!(actual_types, expected, "PostgreSQL types of analytics.{name}");
        }
    }
}
on_both_backends!(columns_are_the_pinned_ones_in_order, columns_are_the_pinned_ones);

/// SQLite has no column types in views: check instead that every value of the seeded store is stored as its
/// pinned type says (times as ISO text, booleans and counts as integers, durations as reals).
#[tokio::test]
async fn sqlite_values_have_the_pinned_storage_classes() {
    let (store, _guard) = seeded_store(Backend::Sqlite).await;
    for (name, columns) in PINNED {
        for (column, word) in *columns {
            let sql = format!("SELECT DISTINCT typeof({column}) FROM {name} WHERE {column} IS NOT NULL");
            let classes = store.fetch(&sql, &[], &[ColType::Text]).await.unwrap();
            let expected = Val::from(sqlite_storage_class(word));
            assert!(classes.iter().all(|c| c[0] == expected), "{name}.{column}: {classes:?}, pinned {word}");
            if *word == TIME {
                let sql = format!(
                    "SELECT COUNT(*) FROM {name} WHERE {column} IS NOT NULL AND {column} NOT GLOB
                     '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9].[0-9][0-9][0-9][0-9][0-9][0-9]Z'"
                );
                let bad = store.fetch(&sql, &[], &[ColType::Int]).await.unwrap();
                assert_eq!(bad[0][0], Val::Int(0), "{name}.{column}: times must be the store's ISO text");
            }
        }
    }
}
