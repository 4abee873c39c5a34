//! The store layer's own behaviour, beyond what the engine and runner tests cover.

use chatstream_projector::{Store, Val};
use std::time::{Duration, Instant};

/// SQLite: committed pages reach the database file from the background checkpointer, while the connections
/// stay open. Commits themselves copy the write-ahead log only once it passes 256 MB, so without the
/// checkpointer the file would not grow here.
#[tokio::test]
async fn sqlite_commits_reach_the_database_file_in_the_background() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("checkpoint.db");
    let store = Store::connect(&format!("sqlite://{}", path.display())).await.unwrap();
    store.execute("CREATE TABLE t (v BLOB NOT NULL)", &[]).await.unwrap();
    let size = || std::fs::metadata(&path).map_or(0, |m| m.len());
    let before = size();
    for _ in 0..20 {
        store.execute("INSERT INTO t (v) VALUES ($1)", &[Val::Blob(vec![7; 100_000])]).await.unwrap();
    }
    let deadline = Instant::now() + Duration::from_secs(10);
    while size() < before + 1_500_000 {
        assert!(Instant::now() < deadline, "2 MB committed, but the database file is still {} bytes", size());
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    store.close().await;
}
