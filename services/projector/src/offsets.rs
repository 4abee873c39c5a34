//! Consumed offsets kept in the store, written in the same transaction as the projection's rows.

use crate::projection::Projection;
use crate::store::{ColType, Store, StoreError, StoreTx, Val};
use std::collections::BTreeMap;

/// Next offset to consume, per partition of one topic.
pub type Offsets = BTreeMap<i32, i64>;

const LOAD: &str = "SELECT partition, next_offset FROM projection_offsets WHERE projection = $1 AND topic = $2";

fn parse(rows: Vec<Vec<Val>>) -> Offsets {
    rows.into_iter()
        .filter_map(|r| match (r.first(), r.get(1)) {
            (Some(Val::Int(p)), Some(Val::Int(o))) => Some((*p as i32, *o)),
            _ => None,
        })
        .collect()
}

/// The stored offsets of `projection` on `topic`, read inside a transaction.
pub async fn load(tx: &mut StoreTx, projection: &str, topic: &str) -> Result<Offsets, StoreError> {
    let rows = tx.fetch(LOAD, &[Val::from(projection), Val::from(topic)], &[ColType::Int, ColType::Int]).await?;
    Ok(parse(rows))
}

/// The stored offsets, read outside a transaction.
pub async fn load_committed(store: &Store, projection: &str, topic: &str) -> Result<Offsets, StoreError> {
    let rows = store.fetch(LOAD, &[Val::from(projection), Val::from(topic)], &[ColType::Int, ColType::Int]).await?;
    Ok(parse(rows))
}

/// Records the next offsets to consume.
pub async fn save(tx: &mut StoreTx, projection: &str, topic: &str, offsets: &Offsets) -> Result<(), StoreError> {
    for (partition, next) in offsets {
        tx.execute(
            "INSERT INTO projection_offsets (projection, topic, partition, next_offset) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (projection, topic, partition) DO UPDATE SET next_offset = excluded.next_offset",
            &[Val::from(projection), Val::from(topic), Val::Int(i64::from(*partition)), Val::Int(*next)],
        )
        .await?;
    }
    Ok(())
}

/// Empties a projection: its tables, its stored events, offsets and version. The next run starts from the
/// beginning of the topic.
pub async fn truncate(store: &Store, projection: &dyn Projection) -> Result<(), StoreError> {
    let mut tx = store.begin().await?;
    for table in projection.tables() {
        tx.execute(&format!("DELETE FROM {}", table.name), &[]).await?;
    }
    for runtime_table in ["projection_segments", "projection_events", "projection_offsets", "projection_state"] {
        tx.execute(&format!("DELETE FROM {runtime_table} WHERE projection = $1"), &[Val::from(projection.name())])
            .await?;
    }
    tx.commit().await
}
