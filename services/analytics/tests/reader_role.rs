//! PostgreSQL: the read-only role `chatstream_analytics` reads every analytics view and nothing else, views
//! added later included; creating it is safe when many databases of one cluster migrate at once.

mod common;

use chatstream_analytics::{prepare, READER_ROLE, VIEWS};
use chatstream_projector::testing::fresh_store;
use chatstream_projector::{Backend, ColType, Store, StoreError, Val};
use common::seeded_store;

/// Runs `sql` as the reader role (in a transaction that is rolled back).
async fn as_reader(store: &Store, sql: &str) -> Result<Vec<Vec<Val>>, StoreError> {
    let mut tx = store.begin().await?;
    tx.execute(&format!("SET LOCAL ROLE {READER_ROLE}"), &[]).await?;
    let result = tx.fetch(sql, &[], &[ColType::Int]).await;
    tx.rollback().await?;
    result
}

#[tokio::test]
async fn reader_role_sees_every_view_and_no_internal_table() {
    let (store, _guard) = seeded_store(Backend::Postgres).await;
    let login = store
        .fetch("SELECT rolcanlogin FROM pg_roles WHERE rolname = $1", &[Val::from(READER_ROLE)], &[ColType::Bool])
        .await
        .unwrap();
    assert_eq!(login, [[Val::Bool(false)]], "the role exists and cannot log in");

    for v in VIEWS {
        let rows = as_reader(&store, &format!("SELECT COUNT(*) FROM analytics.{}", v.name))
            .await
            .unwrap_or_else(|e| panic!("{READER_ROLE} cannot read analytics.{}: {e}", v.name));
        assert!(matches!(rows[0][0], Val::Int(n) if n > 0), "analytics.{} is empty for the reader", v.name);
    }

    for table in [
        "sessions",
        "session_timeline",
        "unread_chats",
        "agent_current_status",
        "ratings",
        "feedback",
        "projection_events",
        "projection_segments",
        "projection_offsets",
        "_chatstream_migrations_analytics",
    ] {
        let err = as_reader(&store, &format!("SELECT COUNT(*) FROM public.{table}"))
            .await
            .expect_err(&format!("{READER_ROLE} must not read {table}"));
        assert!(err.to_string().contains("permission denied"), "{table}: {err}");
    }
}

#[tokio::test]
async fn views_added_later_are_readable_too() {
    let (store, _guard) = fresh_store(Backend::Postgres).await.unwrap();
    prepare(&store).await.unwrap();
    // A later analytics migration adds a view, as the same (store) user.
    store.execute("CREATE VIEW analytics.later_view AS SELECT 1::BIGINT AS one", &[]).await.unwrap();
    assert_eq!(as_reader(&store, "SELECT one FROM analytics.later_view").await.unwrap(), [[Val::Int(1)]]);
}

#[tokio::test]
async fn many_databases_migrate_at_once() {
    let mut stores = Vec::new();
    for _ in 0..6 {
        stores.push(fresh_store(Backend::Postgres).await.unwrap());
    }
    let tasks: Vec<_> = stores
        .iter()
        .map(|(store, _)| {
            let store = store.clone();
            tokio::spawn(async move { prepare(&store).await })
        })
        .collect();
    for task in tasks {
        task.await.unwrap().expect("a migration running beside others fails");
    }
    for (store, _) in &stores {
        as_reader(store, "SELECT COUNT(*) FROM analytics.dim_platform").await.unwrap();
    }
}
