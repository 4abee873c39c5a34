//! Applying events to a projection inside a store transaction: the group event sets, `derive`, and writing
//! only the rows that changed.
//!
//! The engine keeps recently used groups (their events and last derived rows) in memory, so a group that
//! receives one more event is derived without reading it back and only its changed rows are written. The
//! cache is trusted only while this process is the projection's only writer: every batch bumps a version
//! row (`projection_state`), which on PostgreSQL also serialises concurrent replicas; a version that moved
//! under us empties the cache. Any failed transaction empties it too.

use crate::bulk::{delete_where_in, BulkInsert};
use crate::projection::{Output, Projection, Row, Table};
use crate::segment::{self, SegmentBuilder};
use crate::store::{ColType, RowRef, Store, StoreError, StoreTx, Val};
use chatstream_schema::{ChatEvent, Codec};
use std::borrow::Cow;
use std::collections::HashMap;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Arc;

/// The runtime's own tables: every projection's group events, offsets and writer version.
///
/// A group's events are stored as **segments**: one row per group and batch (`projection_segments`, keyed by
/// the batch's writer version) holding the events that batch added (see [`crate::segment`]). A rebuild batch of 50,000 events touches a few thousand groups, so this writes a few thousand
/// rows instead of 50,000. Version 1's one row per event (`projection_events`) is still read, never written.
pub const RUNTIME_MIGRATIONS: &[crate::store::Migration] = &[
    crate::store::Migration {
        version: 1,
        description: "projection runtime tables",
        sqlite: "CREATE TABLE IF NOT EXISTS projection_events (
        projection TEXT NOT NULL, group_key TEXT NOT NULL, event_id TEXT NOT NULL,
        occurred_at_micros INTEGER NOT NULL, received_at_micros INTEGER NOT NULL, event BLOB NOT NULL,
        PRIMARY KEY (projection, group_key, event_id));
    CREATE TABLE IF NOT EXISTS projection_offsets (
        projection TEXT NOT NULL, topic TEXT NOT NULL, partition INTEGER NOT NULL, next_offset INTEGER NOT NULL,
        PRIMARY KEY (projection, topic, partition));
    CREATE TABLE IF NOT EXISTS projection_state (projection TEXT PRIMARY KEY, version INTEGER NOT NULL);",
        postgres: "CREATE TABLE IF NOT EXISTS projection_events (
        projection TEXT NOT NULL, group_key TEXT NOT NULL, event_id TEXT NOT NULL,
        occurred_at_micros BIGINT NOT NULL, received_at_micros BIGINT NOT NULL, event BYTEA NOT NULL,
        PRIMARY KEY (projection, group_key, event_id));
    CREATE TABLE IF NOT EXISTS projection_offsets (
        projection TEXT NOT NULL, topic TEXT NOT NULL, partition BIGINT NOT NULL, next_offset BIGINT NOT NULL,
        PRIMARY KEY (projection, topic, partition));
    CREATE TABLE IF NOT EXISTS projection_state (projection TEXT PRIMARY KEY, version BIGINT NOT NULL);",
    },
    crate::store::Migration {
        version: 2,
        description: "group events stored as one segment per group and batch",
        sqlite: "CREATE TABLE IF NOT EXISTS projection_segments (
        projection TEXT NOT NULL, group_key TEXT NOT NULL, batch INTEGER NOT NULL, events BLOB NOT NULL,
        PRIMARY KEY (projection, group_key, batch));",
        postgres: "CREATE TABLE IF NOT EXISTS projection_segments (
        projection TEXT NOT NULL, group_key TEXT NOT NULL, batch BIGINT NOT NULL, events BYTEA NOT NULL,
        PRIMARY KEY (projection, group_key, batch));",
    },
];

/// Why a batch could not be applied (the transaction must be rolled back and the batch retried).
#[derive(Debug, thiserror::Error)]
pub enum ApplyError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("a stored event of group {group} cannot be decoded ({detail}); rebuild the projection")]
    CorruptEvent { group: String, detail: String },
    #[error("Engine::apply wrote events twice in one transaction or without Engine::lock (a bug in the caller): call lock once per transaction, before apply")]
    NotLocked,
    #[error("projection {projection}: derive panicked on event {event_id}: {detail}")]
    Poison { projection: &'static str, event_id: String, detail: String },
}

/// What one batch did.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct ApplyOutcome {
    /// Events new to the projection (or replacing a duplicate with an earlier copy).
    pub applied: u64,
    /// Events already known (duplicates).
    pub duplicates: u64,
    /// Events the projection has no use for.
    pub ignored: u64,
    /// Groups whose rows were derived again.
    pub groups_derived: u64,
    /// Rows inserted, updated or deleted.
    pub rows_written: u64,
    /// Latest `occurred_at` among the applied events.
    pub newest_occurred_at_micros: Option<i64>,
    /// Events whose group's `derive` panicked: not applied, to be dead-lettered.
    pub poison: Vec<(ChatEvent, String)>,
}

struct GroupState {
    events: HashMap<String, ChatEvent>,
    /// Rows last written for this group, per table; `None` when unknown (group loaded from the store).
    rows: Option<Arc<TableRows>>,
    last_used: u64,
}

struct TableWriter {
    table: &'static Table,
    key_idx: Vec<usize>,
    /// Rows known to be absent: a plain insert (on PostgreSQL much cheaper than an upsert's speculative one).
    insert: BulkInsert,
    /// Rows known to be stored with other values.
    upsert: BulkInsert,
    delete_by_key: String,
    key_types: Vec<ColType>,
}

/// Applies batches of events to one projection.
pub struct Engine {
    projection: Arc<dyn Projection>,
    codec: Codec<ChatEvent>,
    groups: HashMap<String, GroupState>,
    cached_events: usize,
    max_cached_events: usize,
    tick: u64,
    known_version: Option<i64>,
    /// The store held no events of this projection when the cache started being trusted: a group that is not
    /// cached and was never evicted has nothing stored (no read needed). Rebuilds and fresh projections.
    store_was_empty: bool,
    evicted: std::collections::HashSet<String>,
    pending_version: Option<i64>,
    /// The version of the transaction in hand, taken by the first [`Engine::apply`] after [`Engine::lock`]:
    /// the key of the segments it writes.
    segment_batch: Option<i64>,
    segments_insert: BulkInsert,
    writers: Vec<TableWriter>,
}

/// True when `a` is the copy of a duplicated event to keep: earliest `occurred_at`, then `received_at`, then
/// encoded bytes. Any arrival order keeps the same copy.
fn preferred(a: &ChatEvent, b: &ChatEvent, codec: &Codec<ChatEvent>) -> bool {
    let ka = (a.occurred_at_micros, a.received_at_micros);
    let kb = (b.occurred_at_micros, b.received_at_micros);
    if ka != kb {
        return ka < kb;
    }
    match (codec.encode(a), codec.encode(b)) {
        (Ok(ea), Ok(eb)) => ea < eb,
        _ => false,
    }
}

/// Adds `event` to a group's event set unless the set holds a preferred copy of it. `None` when the event
/// was not kept (a duplicate), otherwise the copy it replaced, if any.
/// A borrowed event is copied only when kept.
fn keep(
    events: &mut HashMap<String, ChatEvent>,
    event: Cow<'_, ChatEvent>,
    codec: &Codec<ChatEvent>,
) -> Option<Option<ChatEvent>> {
    if events.get(&event.event_id).is_some_and(|old| !preferred(&event, old, codec)) {
        return None;
    }
    Some(events.insert(event.event_id.clone(), event.into_owned()))
}

impl Engine {
    /// An engine keeping at most `max_cached_events` events in memory.
    pub fn new(projection: Arc<dyn Projection>, max_cached_events: usize) -> Self {
        let writers = projection
            .tables()
            .iter()
            .map(|table| {
                let mut columns: Vec<(&str, ColType)> = vec![("group_key", ColType::Text)];
                columns.extend(table.columns.iter().map(|c| (c.name, c.ty)));
                let key_idx: Vec<usize> = table
                    .key
                    .iter()
                    .map(|k| {
                        table.index_of(k).unwrap_or_else(|| panic!("key column {k} is not a column of {}", table.name))
                    })
                    .collect();
                let conditions: Vec<String> =
                    table.key.iter().enumerate().map(|(i, k)| format!("{k} = ${}", i + 1)).collect();
                TableWriter {
                    table,
                    key_types: key_idx.iter().map(|i| table.columns[*i].ty).collect(),
                    key_idx,
                    insert: BulkInsert::new(table.name, &columns, String::new()),
                    upsert: BulkInsert::upsert(table.name, &columns, table.key),
                    delete_by_key: format!("DELETE FROM {} WHERE {}", table.name, conditions.join(" AND ")),
                }
            })
            .collect();
        let segments_insert = BulkInsert::new(
            "projection_segments",
            &[
                ("projection", ColType::Text),
                ("group_key", ColType::Text),
                ("batch", ColType::Int),
                ("events", ColType::Blob),
            ],
            String::new(),
        );
        Self {
            projection,
            codec: Codec::single_object(),
            groups: HashMap::new(),
            cached_events: 0,
            max_cached_events,
            tick: 0,
            known_version: None,
            store_was_empty: false,
            evicted: std::collections::HashSet::new(),
            pending_version: None,
            segment_batch: None,
            segments_insert,
            writers,
        }
    }

    /// The projection this engine applies.
    pub fn projection(&self) -> &Arc<dyn Projection> {
        &self.projection
    }

    /// Starts a batch: takes the projection's writer lock (PostgreSQL row lock; SQLite's write lock is already
    /// held) and empties the cache if another writer committed since our last batch.
    pub async fn lock(&mut self, tx: &mut StoreTx) -> Result<(), StoreError> {
        let rows = tx
            .fetch(
                "INSERT INTO projection_state (projection, version) VALUES ($1, 1) \
                 ON CONFLICT (projection) DO UPDATE SET version = projection_state.version + 1 RETURNING version",
                &[Val::Text(self.projection.name().into())],
                &[ColType::Int],
            )
            .await?;
        let version = match rows.first().and_then(|r| r.first()) {
            Some(Val::Int(v)) => *v,
            _ => 0,
        };
        if self.known_version.map(|k| k + 1) != Some(version) {
            self.invalidate();
            let any = tx
                .fetch(
                    "SELECT projection FROM projection_segments WHERE projection = $1 \
                     UNION ALL SELECT projection FROM projection_events WHERE projection = $1 LIMIT 1",
                    &[Val::Text(self.projection.name().into())],
                    &[ColType::Text],
                )
                .await?;
            self.store_was_empty = any.is_empty();
        }
        self.pending_version = Some(version);
        self.segment_batch = Some(version);
        Ok(())
    }

    /// Forgets every cached group (after a failed transaction, or when another writer was active).
    pub fn invalidate(&mut self) {
        self.groups.clear();
        self.store_was_empty = false;
        self.evicted.clear();
        self.cached_events = 0;
        self.known_version = None;
        self.pending_version = None;
        self.segment_batch = None;
    }

    /// Call after the batch's transaction committed: the cache now matches the store.
    pub fn committed(&mut self) {
        self.known_version = self.pending_version.take();
        if self.cached_events > self.max_cached_events {
            self.evict();
        }
    }

    fn evict(&mut self) {
        let mut by_age: Vec<(u64, String)> = self.groups.iter().map(|(k, g)| (g.last_used, k.clone())).collect();
        by_age.sort_unstable();
        let target = self.max_cached_events / 2;
        let mut evicted = Vec::new();
        for (_, key) in by_age {
            if self.cached_events <= target {
                break;
            }
            if let Some(g) = self.groups.remove(&key) {
                self.cached_events -= g.events.len();
                evicted.push(g);
                if self.store_was_empty {
                    self.evicted.insert(key);
                }
            }
        }
        crate::free::in_background(evicted);
    }

    /// Whether the store may hold events of `group` that the cache lacks.
    fn may_be_stored(&self, group: &str) -> bool {
        !self.store_was_empty || self.evicted.contains(group)
    }

    async fn load_groups(&mut self, tx: &mut StoreTx, keys: &[String]) -> Result<(), ApplyError> {
        let tables = self.writers.len();
        let (stored, unseen): (Vec<&String>, Vec<&String>) = keys.iter().partition(|k| self.may_be_stored(k));
        // Groups the store cannot have (it was empty when this engine started and they were never evicted).
        for key in unseen {
            let rows = Some(Arc::new(vec![Vec::new(); tables]));
            self.groups.insert(key.clone(), GroupState { events: HashMap::new(), rows, last_used: self.tick });
        }
        for chunk in stored.chunks(256) {
            let placeholders: Vec<String> = (2..chunk.len() + 2).map(|i| format!("${i}")).collect();
            let in_list = placeholders.join(", ");
            let mut args = vec![Val::Text(self.projection.name().into())];
            args.extend(chunk.iter().map(|k| Val::Text((*k).clone())));
            for key in chunk {
                self.groups
                    .insert((*key).clone(), GroupState { events: HashMap::new(), rows: None, last_used: self.tick });
            }
            let segments = format!(
                "SELECT group_key, events FROM projection_segments WHERE projection = $1 AND group_key IN ({in_list})"
            );
            for row in tx.fetch(&segments, &args, &[ColType::Text, ColType::Blob]).await? {
                let (Some(Val::Text(group)), Some(Val::Blob(blob))) = (row.first(), row.get(1)) else { continue };
                let corrupt = |detail| ApplyError::CorruptEvent { group: group.clone(), detail };
                let body = segment::body(blob).map_err(corrupt)?;
                for bytes in segment::events(&body).map_err(corrupt)? {
                    self.load_event(group, bytes)?;
                }
            }
            // Stores written before segments: one row per event.
            let legacy = format!(
                "SELECT group_key, event FROM projection_events WHERE projection = $1 AND group_key IN ({in_list})"
            );
            for row in tx.fetch(&legacy, &args, &[ColType::Text, ColType::Blob]).await? {
                let (Some(Val::Text(group)), Some(Val::Blob(bytes))) = (row.first(), row.get(1)) else { continue };
                self.load_event(group, bytes)?;
            }
            // A group without stored events has no rows either (rows only ever come from events).
            for key in chunk {
                if let Some(state) = self.groups.get_mut(*key) {
                    if state.events.is_empty() {
                        state.rows = Some(Arc::new(vec![Vec::new(); tables]));
                    }
                }
            }
        }
        Ok(())
    }

    /// Adds one stored event to its loaded group, keeping the preferred copy when the group already has one.
    fn load_event(&mut self, group: &str, bytes: &[u8]) -> Result<(), ApplyError> {
        let event = self
            .codec
            .decode(bytes)
            .map_err(|e| ApplyError::CorruptEvent { group: group.into(), detail: e.to_string() })?;
        let Some(state) = self.groups.get_mut(group) else { return Ok(()) };
        if let Some(None) = keep(&mut state.events, Cow::Owned(event), &self.codec) {
            self.cached_events += 1;
        }
        Ok(())
    }

    /// Applies `events` to `store` without Kafka, `batch` events per transaction (the runner's transaction
    /// minus the offsets), calling `progress` with each committed batch's size. A poison event stops it.
    /// For tests and benchmarks that fill a store directly.
    pub async fn apply_in_batches(
        &mut self,
        store: &Store,
        events: &[ChatEvent],
        batch: usize,
        mut progress: impl FnMut(usize),
    ) -> Result<(), ApplyError> {
        for chunk in events.chunks(batch.max(1)) {
            let mut tx = store.begin().await?;
            self.lock(&mut tx).await?;
            let outcome = self.apply(&mut tx, chunk).await?;
            if let Some((event, detail)) = outcome.poison.into_iter().next() {
                self.invalidate();
                let projection = self.projection.name();
                return Err(ApplyError::Poison { projection, event_id: event.event_id.clone(), detail });
            }
            tx.commit().await?;
            self.committed();
            progress(chunk.len());
        }
        Ok(())
    }

    /// Applies `events` inside `tx` (after [`Engine::lock`]). Only events new to the projection are copied.
    /// On error the caller rolls back and calls [`Engine::invalidate`].
    pub async fn apply<'e>(
        &mut self,
        tx: &mut StoreTx,
        events: impl IntoIterator<Item = &'e ChatEvent>,
    ) -> Result<ApplyOutcome, ApplyError> {
        self.tick += 1;
        let mut outcome = ApplyOutcome::default();
        let mut by_group: HashMap<String, Vec<&'e ChatEvent>> = HashMap::new();
        for event in events {
            match self.projection.group(event) {
                Some(group) => by_group.entry(group).or_default().push(event),
                None => outcome.ignored += 1,
            }
        }
        let mut missing: Vec<String> = by_group.keys().filter(|k| !self.groups.contains_key(*k)).cloned().collect();
        missing.sort_unstable();
        self.load_groups(tx, &missing).await?;

        let mut by_group: Vec<(String, Vec<&'e ChatEvent>)> = by_group.into_iter().collect();
        by_group.sort_unstable_by(|a, b| a.0.cmp(&b.0));
        let batch = self.segment_batch.take().ok_or(ApplyError::NotLocked)?;
        let key_idx: Vec<Vec<usize>> = self.writers.iter().map(|w| w.key_idx.clone()).collect();
        let tick = self.tick;
        let Engine { projection, codec, groups, cached_events, writers, segments_insert, .. } = self;
        let name = projection.name();
        // Groups are derived while the rows of the groups before them are written: the store's thread (SQLite's
        // worker, PostgreSQL's server) works while this one derives. Keys belong to one group, so the order of
        // writes between groups does not matter.
        let (send, mut received) = tokio::sync::mpsc::unbounded_channel::<Writes>();
        let outcome_ref = &mut outcome;
        let derive_all = async move {
            let mut writes = Writes::new(key_idx.len());
            for (n, (group, incoming)) in by_group.into_iter().enumerate() {
                let state = groups.get_mut(&group).expect("loaded above");
                state.last_used = tick;
                let added = derive_group(
                    projection.as_ref(),
                    codec,
                    &key_idx,
                    state,
                    group,
                    incoming,
                    outcome_ref,
                    &mut writes,
                )?;
                *cached_events = cached_events.saturating_add_signed(added);
                if writes.rows >= WRITE_CHUNK_ROWS {
                    let full = std::mem::replace(&mut writes, Writes::new(key_idx.len()));
                    let _ = send.send(full);
                }
                if n % 16 == 15 {
                    // Lets the writer send its next statement.
                    tokio::task::yield_now().await;
                }
            }
            let _ = send.send(writes);
            Ok::<(), ApplyError>(())
        };
        let write_all = async {
            let mut written = 0;
            while let Some(w) = received.recv().await {
                written += w.write(tx, writers, segments_insert, name, batch).await?;
            }
            Ok::<u64, ApplyError>(written)
        };
        let ((), written) = tokio::try_join!(derive_all, write_all)?;
        outcome.rows_written = written;
        Ok(outcome)
    }
}

/// Rows written per chunk handed from deriving to writing.
const WRITE_CHUNK_ROWS: usize = 8192;

/// The writes of a run of groups, owned (rows shared with the cache), so they are written while the next
/// groups are derived.
struct Writes {
    /// Rows to write: segments, deletes, inserts and upserts.
    rows: usize,
    /// `(group, segment)` of the events each group keeps new.
    segments: Vec<(String, Vec<u8>)>,
    /// Groups whose stored rows are unknown: all their rows are deleted before the new ones are written.
    wipe: Vec<String>,
    /// Per table: keys of rows to delete.
    deletes: Vec<Vec<Vec<Val>>>,
    /// Per group: its rows and, per table, the indexes of the rows to insert and of those to update.
    rows_to_write: Vec<(String, Arc<TableRows>, Vec<Changed>)>,
}

/// A group's derived rows, per table.
type TableRows = Vec<Vec<Row>>;

/// Which of a table's derived rows to write.
#[derive(Debug, Default, Clone)]
struct Changed {
    /// Indexes of rows whose key is not stored.
    added: Vec<usize>,
    /// Indexes of rows whose key is stored with other values.
    updated: Vec<usize>,
}

impl Changed {
    fn len(&self) -> usize {
        self.added.len() + self.updated.len()
    }
}

impl Writes {
    fn new(tables: usize) -> Self {
        Self {
            rows: 0,
            segments: Vec::new(),
            wipe: Vec::new(),
            deletes: vec![Vec::new(); tables],
            rows_to_write: Vec::new(),
        }
    }

    /// Writes it all inside `tx`; the number of derived rows inserted, updated or deleted.
    async fn write(
        mut self,
        tx: &mut StoreTx,
        writers: &mut [TableWriter],
        segments_insert: &mut BulkInsert,
        projection: &str,
        batch: i64,
    ) -> Result<u64, StoreError> {
        if !self.segments.is_empty() {
            let rows: Vec<[Val; 4]> = std::mem::take(&mut self.segments)
                .into_iter()
                .map(|(group, blob)| [Val::Text(projection.into()), Val::Text(group), Val::Int(batch), Val::Blob(blob)])
                .collect();
            let refs: Vec<RowRef<'_>> = rows.iter().map(|r| (None, r.as_slice())).collect();
            segments_insert.write(tx, &refs).await?;
        }
        let mut written = 0;
        for (t, writer) in writers.iter_mut().enumerate() {
            if !self.wipe.is_empty() {
                delete_where_in(tx, writer.table.name, "group_key", &self.wipe).await?;
            }
            self.deletes[t].sort_unstable_by_key(|k| key_bytes_all(k));
            for key in &self.deletes[t] {
                tx.execute_typed(&writer.delete_by_key, key, &writer.key_types).await?;
                written += 1;
            }
            let rows = |pick: fn(&Changed) -> &[usize]| -> Vec<RowRef<'_>> {
                self.rows_to_write
                    .iter()
                    .flat_map(|(group, rows, changed)| {
                        pick(&changed[t]).iter().map(move |i| (Some(group.as_str()), rows[t][*i].as_slice()))
                    })
                    .collect()
            };
            let added = rows(|c| &c.added);
            if !added.is_empty() {
                writer.insert.write(tx, &added).await.map_err(|e| e.key_conflict(writer.table.name, projection))?;
                written += added.len() as u64;
            }
            let updated = rows(|c| &c.updated);
            if !updated.is_empty() {
                writer.upsert.write(tx, &updated).await?;
                written += updated.len() as u64;
            }
        }
        Ok(written)
    }
}

/// Merges a group's incoming events into its event set, derives its rows again and adds what changed to
/// `writes`. Returns the change in the number of cached events. A panicking `derive` is undone and its
/// events reported in `outcome.poison`.
#[allow(clippy::too_many_arguments)]
fn derive_group(
    projection: &dyn Projection,
    codec: &Codec<ChatEvent>,
    key_idx: &[Vec<usize>],
    state: &mut GroupState,
    group: String,
    incoming: Vec<&ChatEvent>,
    outcome: &mut ApplyOutcome,
    writes: &mut Writes,
) -> Result<isize, ApplyError> {
    let mut added = 0isize;
    // Merge, remembering what was there so a panicking derive can be undone.
    let mut undo: Vec<(String, Option<ChatEvent>)> = Vec::new();
    for event in incoming {
        match keep(&mut state.events, Cow::Borrowed(event), codec) {
            Some(old) => {
                added += isize::from(old.is_none());
                undo.push((event.event_id.clone(), old));
            }
            None => outcome.duplicates += 1,
        }
    }
    if undo.is_empty() {
        return Ok(added);
    }
    let mut sorted: Vec<&ChatEvent> = state.events.values().collect();
    sorted.sort_unstable_by(|a, b| (a.occurred_at_micros, &a.event_id).cmp(&(b.occurred_at_micros, &b.event_id)));
    let tables = key_idx.len();
    let derived = catch_unwind(AssertUnwindSafe(|| {
        let mut out = Output::new(tables);
        projection.derive(&group, &sorted, &mut out);
        out
    }));
    drop(sorted);
    let out = match derived {
        Ok(out) => out.into_tables(),
        Err(panic) => {
            let detail = panic
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_else(|| "derive panicked".into());
            let mut poisoned = Vec::new();
            for (id, old) in undo.into_iter().rev() {
                let new = match old {
                    Some(old) => state.events.insert(id, old),
                    None => {
                        added -= 1;
                        state.events.remove(&id)
                    }
                };
                poisoned.extend(new);
            }
            outcome.poison.extend(poisoned.into_iter().map(|e| (e, detail.clone())));
            return Ok(added);
        }
    };
    outcome.groups_derived += 1;
    // A batch may hold several copies of one event: write the copy kept.
    let mut ids: Vec<&str> = undo.iter().map(|(id, _)| id.as_str()).collect();
    ids.sort_unstable();
    ids.dedup();
    let mut segment = SegmentBuilder::default();
    for event in ids.into_iter().filter_map(|id| state.events.get(id)) {
        outcome.applied += 1;
        outcome.newest_occurred_at_micros = Some(
            outcome.newest_occurred_at_micros.map_or(event.occurred_at_micros, |n| n.max(event.occurred_at_micros)),
        );
        segment
            .push(codec, event)
            .map_err(|e| ApplyError::CorruptEvent { group: group.clone(), detail: e.to_string() })?;
    }
    writes.segments.push((group.clone(), segment.finish()));
    writes.rows += 1;
    let mut changed: Vec<Changed> = vec![Changed::default(); tables];
    match state.rows.take() {
        None => {
            writes.wipe.push(group.clone());
            for (t, rows) in out.iter().enumerate() {
                changed[t].added.extend(0..rows.len());
            }
        }
        Some(old) => {
            for (t, (key_idx, (old_rows, new_rows))) in key_idx.iter().zip(old.iter().zip(out.iter())).enumerate() {
                if old_rows == new_rows {
                    continue;
                }
                // Usual case: the same rows in the same order, some changed, some appended.
                let same_keys = |a: &Row, b: &Row| key_idx.iter().all(|i| a[*i] == b[*i]);
                if old_rows.len() <= new_rows.len()
                    && old_rows.iter().zip(new_rows.iter()).all(|(a, b)| same_keys(a, b))
                {
                    let kept = old_rows.len();
                    changed[t].updated.extend((0..kept).filter(|i| old_rows[*i] != new_rows[*i]));
                    changed[t].added.extend(kept..new_rows.len());
                    continue;
                }
                let old_by_key: HashMap<Vec<u8>, &Row> = old_rows.iter().map(|r| (key_bytes(key_idx, r), r)).collect();
                let mut new_keys = std::collections::HashSet::with_capacity(new_rows.len());
                for (i, row) in new_rows.iter().enumerate() {
                    let k = key_bytes(key_idx, row);
                    match old_by_key.get(&k) {
                        None => changed[t].added.push(i),
                        Some(old) if *old != row => changed[t].updated.push(i),
                        Some(_) => {}
                    }
                    new_keys.insert(k);
                }
                for (k, row) in &old_by_key {
                    if !new_keys.contains(k) {
                        writes.deletes[t].push(key_idx.iter().map(|i| row[*i].clone()).collect());
                        writes.rows += 1;
                    }
                }
            }
        }
    }
    let out = Arc::new(out);
    writes.rows += changed.iter().map(Changed::len).sum::<usize>();
    if changed.iter().any(|c| c.len() > 0) {
        writes.rows_to_write.push((group, out.clone(), changed));
    }
    state.rows = Some(out);
    Ok(added)
}

/// A hashable form of a row's key columns (floats compared by bits).
fn key_bytes(key_idx: &[usize], row: &Row) -> Vec<u8> {
    let mut out = Vec::with_capacity(64);
    for v in key_idx.iter().map(|i| &row[*i]) {
        push_key(&mut out, v);
    }
    out
}

fn key_bytes_all(key: &[Val]) -> Vec<u8> {
    let mut out = Vec::new();
    for v in key {
        push_key(&mut out, v);
    }
    out
}

fn push_key(out: &mut Vec<u8>, v: &Val) {
    {
        match v {
            Val::Null => out.push(0),
            Val::Int(i) | Val::Time(i) => {
                out.push(1);
                out.extend_from_slice(&i.to_le_bytes());
            }
            Val::Real(f) => {
                out.push(2);
                out.extend_from_slice(&f.to_bits().to_le_bytes());
            }
            Val::Text(s) => {
                out.push(3);
                out.extend_from_slice(&(s.len() as u64).to_le_bytes());
                out.extend_from_slice(s.as_bytes());
            }
            Val::Bool(b) => out.extend_from_slice(&[4, *b as u8]),
            Val::Blob(b) => {
                out.push(5);
                out.extend_from_slice(&(b.len() as u64).to_le_bytes());
                out.extend_from_slice(b);
            }
        }
    }
}
