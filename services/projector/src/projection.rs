//! The `Projection` trait: the one thing a new projection implements.
//!
//! A projection splits events into **groups** (a chat, an agent, an hour…) and says how the rows of one group
//! follow from *all* of that group's events. The runtime keeps each group's events (deduplicated by
//! `event_id`) and, whenever a group receives new events, calls [`Projection::derive`] with the whole group
//! sorted by `(occurred_at, event_id)` and writes only the rows that changed. So every projection is, by
//! construction, idempotent under duplicates and independent of arrival order: the rows are a function of
//! the *set* of events, never of the order they came in.

use crate::store::{ColType, Migration, Val};
use chatstream_schema::ChatEvent;

/// A column of a derived table.
#[derive(Debug, Clone, Copy)]
pub struct Column {
    pub name: &'static str,
    pub ty: ColType,
}

/// Shorthand for a [`Column`].
pub const fn col(name: &'static str, ty: ColType) -> Column {
    Column { name, ty }
}

/// A table whose rows a projection derives per group.
///
/// Besides `columns`, the table has a `group_key TEXT NOT NULL` column (indexed) that the runtime fills;
/// the migration creates it. `key` names the columns of the table's primary key (unique across groups).
#[derive(Debug, Clone, Copy)]
pub struct Table {
    pub name: &'static str,
    pub columns: &'static [Column],
    pub key: &'static [&'static str],
}

impl Table {
    /// Index of a column, if it exists.
    pub fn index_of(&self, column: &str) -> Option<usize> {
        self.columns.iter().position(|c| c.name == column)
    }
}

/// One derived row, its values in the order of the table's `columns`.
pub type Row = Vec<Val>;

/// The rows one group derives, per table (in the order of [`Projection::tables`]).
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Output {
    tables: Vec<Vec<Row>>,
}

impl Output {
    /// An empty output for `tables` tables.
    pub fn new(tables: usize) -> Self {
        Self { tables: vec![Vec::new(); tables] }
    }

    /// Adds a row to the table at `table` (its index in [`Projection::tables`]).
    pub fn push(&mut self, table: usize, row: Row) {
        self.tables[table].push(row);
    }

    /// The rows of one table.
    pub fn rows(&self, table: usize) -> &[Row] {
        &self.tables[table]
    }

    /// Takes the rows apart, per table.
    pub fn into_tables(self) -> Vec<Vec<Row>> {
        self.tables
    }
}

/// A projection: its name, its tables (with migrations for both backends), how events group, and how a
/// group's rows follow from its events.
pub trait Projection: Send + Sync + 'static {
    /// Consumer group suffix, offsets namespace and metrics label. Lower-case, `_` separated.
    fn name(&self) -> &'static str;

    /// One line for `chatstream project --help` and the docs.
    fn description(&self) -> &'static str;

    /// The projection's schema changes, in order, for SQLite and PostgreSQL (tables, indexes, views).
    fn migrations(&self) -> &'static [Migration];

    /// The tables [`Projection::derive`] fills, in the order its `Output` indexes them.
    fn tables(&self) -> &'static [Table];

    /// The group an event belongs to, or `None` when this projection has no use for it.
    /// Must depend only on the event (the same event always lands in the same group).
    fn group(&self, event: &ChatEvent) -> Option<String>;

    /// All rows of one group, from all its events: deduplicated by `event_id` and sorted by
    /// `(occurred_at, event_id)`. Must be a pure function of `events`.
    fn derive(&self, group: &str, events: &[&ChatEvent], out: &mut Output);
}
