//! The store layer: one small API over SQLite (embedded default) and PostgreSQL.
//!
//! Projections write generated SQL with `$1`-style placeholders, which both backends accept. Values are
//! [`Val`]s; timestamps are microseconds since the epoch in Rust and become `timestamptz` on PostgreSQL and
//! ISO-8601 UTC text (`2026-11-21T12:00:00.000000Z`, sortable) on SQLite.

use chrono::{DateTime, SecondsFormat, Utc};
use sqlx::postgres::{PgPoolOptions, PgRow};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteRow, SqliteSynchronous};
use sqlx::{AssertSqlSafe, Connection, PgPool, Postgres, Row, Sqlite, SqliteConnection, SqlitePool, Transaction};
use std::str::FromStr;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio_util::sync::CancellationToken;

/// Which database a [`Store`] talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    /// `sqlite` or `postgres`.
    pub fn as_str(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        }
    }
}

/// A store error, with what to do about it in the message.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("unsupported store URL {0:?}: use sqlite://PATH (e.g. sqlite://chatstream.db) or postgres://USER:PASSWORD@HOST:PORT/DATABASE")]
    UnsupportedUrl(String),
    #[error("cannot open the store at {url}: {source}; check the URL, that the database server is running and the credentials")]
    Connect { url: String, source: sqlx::Error },
    #[error("migrating {set} failed: {source}")]
    Migrate { set: String, source: sqlx::migrate::MigrateError },
    #[error("store query failed: {0}")]
    Query(#[from] sqlx::Error),
    #[error("column {column} of {table}: {detail}")]
    Decode { table: String, column: String, detail: String },
    #[error("a row derived for {table} has a key that is already stored ({source}): each key must belong to one group (see docs/adding-a-projection.md) and only the projector may write {projection}'s tables; fix the projection or the other writer, then run `chatstream rebuild {projection}`")]
    KeyConflict { table: String, projection: String, source: sqlx::Error },
}

impl StoreError {
    /// A unique-key violation of a plain insert into `table`, explained; any other error unchanged.
    pub fn key_conflict(self, table: &str, projection: &str) -> Self {
        match self {
            StoreError::Query(sqlx::Error::Database(db)) if db.kind() == sqlx::error::ErrorKind::UniqueViolation => {
                StoreError::KeyConflict {
                    table: table.into(),
                    projection: projection.into(),
                    source: sqlx::Error::Database(db),
                }
            }
            other => other,
        }
    }

    /// Whether retrying may succeed: lost connections, pool timeouts, lock and serialisation conflicts, a
    /// full disk or a server shutting down. Programming errors (bad SQL, type mismatches) are not.
    pub fn is_transient(&self) -> bool {
        match self {
            StoreError::Connect { .. } => true,
            StoreError::Query(e) => match e {
                sqlx::Error::Io(_)
                | sqlx::Error::PoolTimedOut
                | sqlx::Error::PoolClosed
                | sqlx::Error::WorkerCrashed => true,
                sqlx::Error::Protocol(_) | sqlx::Error::Tls(_) => true,
                sqlx::Error::Database(db) => {
                    let code = db.code().unwrap_or_default();
                    // PostgreSQL: connection (08), serialisation/deadlock (40), resources (53), shutdown (57),
                    // system (58). SQLite: BUSY (5), LOCKED (6), IOERR (10), FULL (13), and extended codes of them.
                    ["08", "40", "53", "57", "58"].iter().any(|c| code.starts_with(c))
                        || code.parse::<i32>().is_ok_and(|n| matches!(n & 0xff, 5 | 6 | 10 | 13))
                }
                _ => false,
            },
            StoreError::UnsupportedUrl(_)
            | StoreError::Migrate { .. }
            | StoreError::Decode { .. }
            | StoreError::KeyConflict { .. } => false,
        }
    }
}

/// The type of a column, used to bind NULLs with the right type and to read rows back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColType {
    Text,
    /// 64-bit integer (`BIGINT` on PostgreSQL, `INTEGER` on SQLite).
    Int,
    /// Double precision (durations in seconds, scores).
    Real,
    Bool,
    /// A UTC instant: `timestamptz` on PostgreSQL, ISO-8601 text on SQLite. Held as µs since the epoch.
    Time,
    Blob,
}

/// One SQL value.
#[derive(Debug, Clone, PartialEq)]
pub enum Val {
    Null,
    Int(i64),
    Real(f64),
    Text(String),
    Bool(bool),
    /// µs since the epoch, UTC.
    Time(i64),
    Blob(Vec<u8>),
}

impl From<Option<String>> for Val {
    fn from(v: Option<String>) -> Self {
        v.map_or(Val::Null, Val::Text)
    }
}
impl From<Option<&str>> for Val {
    fn from(v: Option<&str>) -> Self {
        v.map_or(Val::Null, |s| Val::Text(s.to_string()))
    }
}
impl From<&str> for Val {
    fn from(v: &str) -> Self {
        Val::Text(v.to_string())
    }
}
impl From<String> for Val {
    fn from(v: String) -> Self {
        Val::Text(v)
    }
}
impl From<i64> for Val {
    fn from(v: i64) -> Self {
        Val::Int(v)
    }
}
impl From<Option<i64>> for Val {
    fn from(v: Option<i64>) -> Self {
        v.map_or(Val::Null, Val::Int)
    }
}
impl From<f64> for Val {
    fn from(v: f64) -> Self {
        Val::Real(v)
    }
}
impl From<Option<f64>> for Val {
    fn from(v: Option<f64>) -> Self {
        v.map_or(Val::Null, Val::Real)
    }
}
impl From<bool> for Val {
    fn from(v: bool) -> Self {
        Val::Bool(v)
    }
}

impl Val {
    /// A timestamp value from µs since the epoch (`None` → NULL).
    pub fn time(micros: Option<i64>) -> Val {
        micros.map_or(Val::Null, Val::Time)
    }
}

/// µs since the epoch as SQLite's text form, `YYYY-MM-DDTHH:MM:SS.ffffffZ`.
pub fn iso_micros(micros: i64) -> String {
    DateTime::<Utc>::from_timestamp_micros(micros).unwrap_or_default().to_rfc3339_opts(SecondsFormat::Micros, true)
}

fn parse_iso(text: &str) -> Option<i64> {
    DateTime::parse_from_rfc3339(text).ok().map(|t| t.timestamp_micros())
}

/// Where the projections' tables live (the `project`, `rebuild` and `query` roles).
#[derive(clap::Args, Debug, Clone)]
pub struct StoreArgs {
    /// Store URL: `sqlite://PATH` (embedded, created if missing) or `postgres://USER:PASSWORD@HOST:PORT/DB`.
    #[arg(long = "store-url", env = "CHATSTREAM_STORE_URL", default_value = "sqlite://chatstream.db")]
    pub store_url: String,
}

/// A connection pool to one store.
#[derive(Clone, Debug)]
pub struct Store {
    pool: Pool,
    url: String,
    url_for_humans: String,
    /// SQLite: the background WAL checkpointer, stopped with the last clone (or by [`Store::close`]).
    checkpointer: Option<Arc<Checkpointer>>,
}

/// Copies SQLite's write-ahead log into the database file from a connection of its own, every 250 ms
/// (`PRAGMA wal_checkpoint(PASSIVE)`: never blocks readers or writers). Commits then no longer copy it
/// themselves (it was a fifth of a rebuild's time on the writing thread), and the log restarts from its
/// beginning once copied. The writers' automatic checkpoint stays on as a ceiling for the log's size.
#[derive(Debug)]
struct Checkpointer {
    stop: CancellationToken,
    task: Mutex<Option<tokio::task::JoinHandle<()>>>,
}

impl Checkpointer {
    fn start(options: SqliteConnectOptions) -> Self {
        let stop = CancellationToken::new();
        let task = tokio::spawn(Self::run(options, stop.clone()));
        Self { stop, task: Mutex::new(Some(task)) }
    }

    async fn run(options: SqliteConnectOptions, stop: CancellationToken) {
        let mut conn = match SqliteConnection::connect_with(&options).await {
            Ok(c) => c,
            Err(e) => {
                tracing::warn!(error = %e, "cannot open the WAL checkpointing connection; commits will checkpoint");
                return;
            }
        };
        loop {
            tokio::select! {
                _ = stop.cancelled() => break,
                _ = tokio::time::sleep(Duration::from_millis(250)) => {}
            }
            if let Err(e) = sqlx::raw_sql("PRAGMA wal_checkpoint(PASSIVE)").execute(&mut conn).await {
                tracing::debug!(error = %e, "WAL checkpoint failed; retrying");
            }
        }
        let _ = conn.close().await;
    }

    async fn stop(&self) {
        self.stop.cancel();
        let task = self.task.lock().unwrap_or_else(|p| p.into_inner()).take();
        if let Some(task) = task {
            let _ = task.await;
        }
    }
}

impl Drop for Checkpointer {
    fn drop(&mut self) {
        self.stop.cancel();
    }
}

#[derive(Clone, Debug)]
enum Pool {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// Hides the password of a database URL.
fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let userinfo = &url[scheme + 3..at];
            match userinfo.find(':') {
                Some(colon) => format!("{}{}:***{}", &url[..scheme + 3], &userinfo[..colon], &url[at..]),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}

impl Store {
    /// Opens `sqlite://PATH` (created if missing; WAL mode) or `postgres://…`.
    pub async fn connect(url: &str) -> Result<Store, StoreError> {
        let url_for_humans = redact_url(url);
        let connect_err = |source| StoreError::Connect { url: url_for_humans.clone(), source };
        let mut checkpointer = None;
        let pool = if url.starts_with("sqlite:") {
            let options = SqliteConnectOptions::from_str(url)
                .map_err(connect_err)?
                .create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal)
                .busy_timeout(Duration::from_secs(30))
                .page_size(16384)
                .pragma("cache_size", "-65536")
                // The checkpointer copies the log; a commit does it only past 256 MB (the checkpointer stuck).
                .pragma("wal_autocheckpoint", "65536")
                .pragma("temp_store", "memory");
            let pool =
                SqlitePoolOptions::new().max_connections(4).connect_with(options.clone()).await.map_err(connect_err)?;
            checkpointer = Some(Arc::new(Checkpointer::start(options)));
            Pool::Sqlite(pool)
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            // A transaction left open by a stuck client must not hold a projection's lock forever. Notices such
            // as "relation … already exists, skipping" (every idempotent migration at start-up) are not logged.
            let options = sqlx::postgres::PgConnectOptions::from_str(url)
                .map_err(connect_err)?
                .options([("idle_in_transaction_session_timeout", "60000"), ("client_min_messages", "warning")]);
            let pool = PgPoolOptions::new()
                .max_connections(8)
                .acquire_timeout(Duration::from_secs(10))
                .connect_with(options)
                .await
                .map_err(connect_err)?;
            Pool::Postgres(pool)
        } else {
            return Err(StoreError::UnsupportedUrl(url_for_humans));
        };
        Ok(Store { pool, url: url.to_string(), url_for_humans, checkpointer })
    }

    /// A new pool to the same store (tests: a "restarted process").
    pub async fn reopen(&self) -> Result<Store, StoreError> {
        Store::connect(&self.url).await
    }

    /// Which database this is.
    pub fn backend(&self) -> Backend {
        match self.pool {
            Pool::Sqlite(_) => Backend::Sqlite,
            Pool::Postgres(_) => Backend::Postgres,
        }
    }

    /// The URL without its password, for logs and messages.
    pub fn url_for_humans(&self) -> &str {
        &self.url_for_humans
    }

    /// Starts a write transaction (SQLite: `BEGIN IMMEDIATE`, so it never fails half-way on a lock upgrade).
    pub async fn begin(&self) -> Result<StoreTx, StoreError> {
        Ok(match &self.pool {
            Pool::Sqlite(p) => StoreTx::Sqlite(p.begin_with("BEGIN IMMEDIATE").await?),
            Pool::Postgres(p) => StoreTx::Postgres(p.begin().await?),
        })
    }

    /// Starts a read-only transaction that sees one snapshot for all its statements, without taking a write
    /// lock (SQLite: a deferred transaction; PostgreSQL: `REPEATABLE READ, READ ONLY`). For readers such as the
    /// query role, which must neither wait for nor hold up the projections' writes.
    ///
    /// On PostgreSQL every statement of the transaction is planned for its actual parameters
    /// (`plan_cache_mode = force_custom_plan`): a reader's filters range from one row to every row, and the
    /// generic plan PostgreSQL switches to after five executions of a prepared statement can be many times
    /// slower for some of them.
    pub async fn begin_read(&self) -> Result<StoreTx, StoreError> {
        Ok(match &self.pool {
            Pool::Sqlite(p) => StoreTx::Sqlite(p.begin_with("BEGIN DEFERRED").await?),
            Pool::Postgres(p) => {
                let mut tx = p.begin_with("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY").await?;
                sqlx::raw_sql("SET LOCAL plan_cache_mode = force_custom_plan").execute(&mut *tx).await?;
                StoreTx::Postgres(tx)
            }
        })
    }

    /// Applies a set of migrations (its own history table `_chatstream_migrations_{set}`), each in a transaction.
    pub async fn migrate(&self, set: &str, migrations: &[Migration]) -> Result<(), StoreError> {
        let backend = self.backend();
        let list = migrations
            .iter()
            .map(|m| {
                sqlx::migrate::Migration::new(
                    m.version,
                    m.description.into(),
                    sqlx::migrate::MigrationType::Simple,
                    sqlx::SqlStr::from_static(m.sql(backend)),
                    false,
                )
            })
            .collect();
        let mut migrator = sqlx::migrate::Migrator::with_migrations(list);
        migrator.dangerous_set_table_name(format!("_chatstream_migrations_{set}"));
        let err = |source| StoreError::Migrate { set: set.to_string(), source };
        match &self.pool {
            Pool::Sqlite(p) => migrator.run(p).await.map_err(err),
            Pool::Postgres(p) => migrator.run(p).await.map_err(err),
        }
    }

    /// Runs one statement outside a transaction.
    pub async fn execute(&self, sql: &str, args: &[Val]) -> Result<u64, StoreError> {
        let mut tx = self.begin().await?;
        let n = tx.execute(sql, args).await?;
        tx.commit().await?;
        Ok(n)
    }

    /// Runs one statement outside any transaction (e.g. `CREATE DATABASE`).
    pub async fn execute_autocommit(&self, sql: &str) -> Result<u64, StoreError> {
        let sql = AssertSqlSafe(sql.to_string());
        Ok(match &self.pool {
            Pool::Sqlite(p) => sqlx::raw_sql(sql).execute(p).await?.rows_affected(),
            Pool::Postgres(p) => sqlx::raw_sql(sql).execute(p).await?.rows_affected(),
        })
    }

    /// Reads rows (see [`StoreTx::fetch`]).
    pub async fn fetch(&self, sql: &str, args: &[Val], types: &[ColType]) -> Result<Vec<Vec<Val>>, StoreError> {
        let mut tx = self.begin().await?;
        let rows = tx.fetch(sql, args, types).await?;
        tx.commit().await?;
        Ok(rows)
    }

    /// Closes every connection.
    pub async fn close(&self) {
        if let Some(c) = &self.checkpointer {
            c.stop().await;
        }
        match &self.pool {
            Pool::Sqlite(p) => p.close().await,
            Pool::Postgres(p) => p.close().await,
        }
    }
}

/// One schema change, written for both backends.
#[derive(Debug, Clone, Copy)]
pub struct Migration {
    /// Increasing within its set; never change a released migration, add a new one.
    pub version: i64,
    pub description: &'static str,
    pub sqlite: &'static str,
    pub postgres: &'static str,
}

impl Migration {
    /// The SQL for `backend`.
    pub fn sql(&self, backend: Backend) -> &'static str {
        match backend {
            Backend::Sqlite => self.sqlite,
            Backend::Postgres => self.postgres,
        }
    }
}

/// One row to bind: an optional leading text value (the group key) and the row's values.
pub type RowRef<'a> = (Option<&'a str>, &'a [Val]);

enum BindVal<'a> {
    Str(&'a str),
    Val(&'a Val),
}

/// An open transaction.
#[derive(Debug)]
pub enum StoreTx {
    Sqlite(Transaction<'static, Sqlite>),
    Postgres(Transaction<'static, Postgres>),
}

macro_rules! bind_all {
    ($query:expr, $args:expr, $types:expr, $bind:ident) => {{
        let mut q = $query;
        for (i, v) in $args.iter().enumerate() {
            q = $bind(q, v, $types.and_then(|t: &[ColType]| t.get(i).copied()));
        }
        q
    }};
}

type SqliteQuery<'q> = sqlx::query::Query<'q, Sqlite, sqlx::sqlite::SqliteArguments>;
type PgQuery<'q> = sqlx::query::Query<'q, Postgres, sqlx::postgres::PgArguments>;

fn bind_sqlite<'q>(q: SqliteQuery<'q>, v: &Val, _ty: Option<ColType>) -> SqliteQuery<'q> {
    match v {
        Val::Null => q.bind(None::<i64>),
        Val::Int(i) => q.bind(*i),
        Val::Real(f) => q.bind(*f),
        // One allocation per value (sqlx keeps an `Arc`); a `String` would take two.
        Val::Text(s) => q.bind(Arc::<str>::from(s.as_str())),
        Val::Bool(b) => q.bind(*b),
        Val::Time(t) => q.bind(Arc::<str>::from(iso_micros(*t))),
        Val::Blob(b) => q.bind(Arc::<[u8]>::from(b.as_slice())),
    }
}

fn bind_pg<'q>(q: PgQuery<'q>, v: &Val, ty: Option<ColType>) -> PgQuery<'q> {
    match v {
        Val::Null => match ty.unwrap_or(ColType::Text) {
            ColType::Text => q.bind(None::<String>),
            ColType::Int => q.bind(None::<i64>),
            ColType::Real => q.bind(None::<f64>),
            ColType::Bool => q.bind(None::<bool>),
            ColType::Time => q.bind(None::<DateTime<Utc>>),
            ColType::Blob => q.bind(None::<Vec<u8>>),
        },
        Val::Int(i) => q.bind(*i),
        Val::Real(f) => q.bind(*f),
        Val::Text(s) => q.bind(s.clone()),
        Val::Bool(b) => q.bind(*b),
        Val::Time(t) => q.bind(DateTime::<Utc>::from_timestamp_micros(*t).unwrap_or_default()),
        Val::Blob(b) => q.bind(b.clone()),
    }
}

/// One column of a multi-row statement as a PostgreSQL array parameter.
enum PgColumn<'a> {
    Text(Vec<Option<&'a str>>),
    Int(Vec<Option<i64>>),
    Real(Vec<Option<f64>>),
    Bool(Vec<Option<bool>>),
    Time(Vec<Option<DateTime<Utc>>>),
    Blob(Vec<Option<&'a [u8]>>),
}

impl<'a> PgColumn<'a> {
    fn new(ty: ColType, rows: usize) -> Self {
        match ty {
            ColType::Text => PgColumn::Text(Vec::with_capacity(rows)),
            ColType::Int => PgColumn::Int(Vec::with_capacity(rows)),
            ColType::Real => PgColumn::Real(Vec::with_capacity(rows)),
            ColType::Bool => PgColumn::Bool(Vec::with_capacity(rows)),
            ColType::Time => PgColumn::Time(Vec::with_capacity(rows)),
            ColType::Blob => PgColumn::Blob(Vec::with_capacity(rows)),
        }
    }

    /// The array type to cast the parameter to, e.g. `text[]`.
    fn sql_type(ty: ColType) -> &'static str {
        match ty {
            ColType::Text => "text[]",
            ColType::Int => "int8[]",
            ColType::Real => "float8[]",
            ColType::Bool => "bool[]",
            ColType::Time => "timestamptz[]",
            ColType::Blob => "bytea[]",
        }
    }

    fn push_null(&mut self) {
        match self {
            PgColumn::Text(c) => c.push(None),
            PgColumn::Int(c) => c.push(None),
            PgColumn::Real(c) => c.push(None),
            PgColumn::Bool(c) => c.push(None),
            PgColumn::Time(c) => c.push(None),
            PgColumn::Blob(c) => c.push(None),
        }
    }

    fn push_text(&mut self, text: &'a str) -> bool {
        match self {
            PgColumn::Text(c) => c.push(Some(text)),
            _ => return false,
        }
        true
    }

    /// False when `v` does not have the column's type.
    fn push(&mut self, v: &'a Val) -> bool {
        match (self, v) {
            (column, Val::Null) => column.push_null(),
            (PgColumn::Text(c), Val::Text(s)) => c.push(Some(s)),
            (PgColumn::Int(c), Val::Int(i)) => c.push(Some(*i)),
            (PgColumn::Real(c), Val::Real(f)) => c.push(Some(*f)),
            (PgColumn::Real(c), Val::Int(i)) => c.push(Some(*i as f64)),
            (PgColumn::Bool(c), Val::Bool(b)) => c.push(Some(*b)),
            (PgColumn::Time(c), Val::Time(t)) => match DateTime::<Utc>::from_timestamp_micros(*t) {
                Some(t) => c.push(Some(t)),
                None => return false,
            },
            (PgColumn::Blob(c), Val::Blob(b)) => c.push(Some(b)),
            _ => return false,
        }
        true
    }

    fn bind(self, q: PgQuery<'a>) -> PgQuery<'a> {
        match self {
            PgColumn::Text(c) => q.bind(c),
            PgColumn::Int(c) => q.bind(c),
            PgColumn::Real(c) => q.bind(c),
            PgColumn::Bool(c) => q.bind(c),
            PgColumn::Time(c) => q.bind(c),
            PgColumn::Blob(c) => q.bind(c),
        }
    }
}

/// `UNNEST($1::text[], $2::int8[], …)` for columns of these types.
pub fn pg_unnest(types: &[ColType]) -> String {
    let params: Vec<String> =
        types.iter().enumerate().map(|(i, t)| format!("${}::{}", i + 1, PgColumn::sql_type(*t))).collect();
    format!("UNNEST({})", params.join(", "))
}

fn decode_sqlite(row: &SqliteRow, i: usize, ty: ColType) -> Result<Val, sqlx::Error> {
    Ok(match ty {
        ColType::Text => row.try_get::<Option<String>, _>(i)?.map_or(Val::Null, Val::Text),
        ColType::Int => row.try_get::<Option<i64>, _>(i)?.map_or(Val::Null, Val::Int),
        ColType::Real => row.try_get::<Option<f64>, _>(i)?.map_or(Val::Null, Val::Real),
        ColType::Bool => row.try_get::<Option<bool>, _>(i)?.map_or(Val::Null, Val::Bool),
        ColType::Time => match row.try_get::<Option<String>, _>(i)? {
            None => Val::Null,
            Some(s) => parse_iso(&s).map_or(Val::Text(s), Val::Time),
        },
        ColType::Blob => row.try_get::<Option<Vec<u8>>, _>(i)?.map_or(Val::Null, Val::Blob),
    })
}

fn decode_pg(row: &PgRow, i: usize, ty: ColType) -> Result<Val, sqlx::Error> {
    Ok(match ty {
        ColType::Text => row.try_get::<Option<String>, _>(i)?.map_or(Val::Null, Val::Text),
        ColType::Int => row.try_get::<Option<i64>, _>(i)?.map_or(Val::Null, Val::Int),
        ColType::Real => row.try_get::<Option<f64>, _>(i)?.map_or(Val::Null, Val::Real),
        ColType::Bool => row.try_get::<Option<bool>, _>(i)?.map_or(Val::Null, Val::Bool),
        ColType::Time => {
            row.try_get::<Option<DateTime<Utc>>, _>(i)?.map_or(Val::Null, |t| Val::Time(t.timestamp_micros()))
        }
        ColType::Blob => row.try_get::<Option<Vec<u8>>, _>(i)?.map_or(Val::Null, Val::Blob),
    })
}

impl StoreTx {
    /// Which database this is.
    pub fn backend(&self) -> Backend {
        match self {
            StoreTx::Sqlite(_) => Backend::Sqlite,
            StoreTx::Postgres(_) => Backend::Postgres,
        }
    }

    /// Runs one statement; returns the rows affected. NULLs bind as text on PostgreSQL (use
    /// [`StoreTx::execute_typed`] when a NULL goes into a non-text column).
    pub async fn execute(&mut self, sql: &str, args: &[Val]) -> Result<u64, StoreError> {
        self.execute_inner(sql, args, None).await
    }

    /// Runs one statement whose parameters have the given column types.
    pub async fn execute_typed(&mut self, sql: &str, args: &[Val], types: &[ColType]) -> Result<u64, StoreError> {
        self.execute_inner(sql, args, Some(types)).await
    }

    async fn execute_inner(&mut self, sql: &str, args: &[Val], types: Option<&[ColType]>) -> Result<u64, StoreError> {
        let sql = AssertSqlSafe(sql.to_string());
        Ok(match self {
            StoreTx::Sqlite(tx) => {
                bind_all!(sqlx::query(sql), args, types, bind_sqlite).execute(&mut **tx).await?.rows_affected()
            }
            StoreTx::Postgres(tx) => {
                bind_all!(sqlx::query(sql), args, types, bind_pg).execute(&mut **tx).await?.rows_affected()
            }
        })
    }

    /// Runs one multi-row statement: each row is an optional leading text value (a group key) followed by
    /// its values; `types` are the types of one row's parameters.
    pub async fn execute_rows(&mut self, sql: &str, rows: &[RowRef<'_>], types: &[ColType]) -> Result<u64, StoreError> {
        let sql = AssertSqlSafe(sql.to_string());
        let values = rows
            .iter()
            .flat_map(|(lead, row)| lead.iter().map(|g| BindVal::Str(g)).chain(row.iter().map(BindVal::Val)));
        Ok(match self {
            StoreTx::Sqlite(tx) => {
                let mut q = sqlx::query(sql);
                for v in values {
                    q = match v {
                        BindVal::Str(s) => q.bind(Arc::<str>::from(s)),
                        BindVal::Val(v) => bind_sqlite(q, v, None),
                    };
                }
                q.execute(&mut **tx).await?.rows_affected()
            }
            StoreTx::Postgres(tx) => {
                let mut q = sqlx::query(sql);
                for (i, v) in values.enumerate() {
                    q = match v {
                        BindVal::Str(s) => q.bind(s.to_string()),
                        BindVal::Val(v) => bind_pg(q, v, types.get(i % types.len().max(1)).copied()),
                    };
                }
                q.execute(&mut **tx).await?.rows_affected()
            }
        })
    }

    /// PostgreSQL only: runs `sql` with one array parameter per column (`UNNEST($1::text[], …)`), built from
    /// `rows` like [`StoreTx::execute_rows`]. `None` (nothing run) when a value does not have its column's type
    /// or the store is SQLite: use `execute_rows` then.
    pub async fn execute_columns(
        &mut self,
        sql: &str,
        rows: &[RowRef<'_>],
        types: &[ColType],
    ) -> Result<Option<u64>, StoreError> {
        let StoreTx::Postgres(tx) = self else { return Ok(None) };
        let mut columns: Vec<PgColumn<'_>> = types.iter().map(|t| PgColumn::new(*t, rows.len())).collect();
        for (lead, row) in rows {
            // Arrays of unequal length would be padded with NULLs by UNNEST: a row of the wrong width goes the
            // multi-row way, which reports it.
            if usize::from(lead.is_some()) + row.len() != columns.len() {
                return Ok(None);
            }
            let mut cells = columns.iter_mut();
            let lead_fits = lead.is_none_or(|g| cells.next().is_some_and(|c| c.push_text(g)));
            if !lead_fits || !cells.zip(row.iter()).all(|(c, v)| c.push(v)) {
                return Ok(None);
            }
        }
        let mut q = sqlx::query(AssertSqlSafe(sql.to_string()));
        for column in columns {
            q = column.bind(q);
        }
        Ok(Some(q.execute(&mut **tx).await?.rows_affected()))
    }

    /// Reads rows whose columns have the given types (in select order).
    pub async fn fetch(&mut self, sql: &str, args: &[Val], types: &[ColType]) -> Result<Vec<Vec<Val>>, StoreError> {
        let sql = AssertSqlSafe(sql.to_string());
        let none: Option<&[ColType]> = None;
        let mut out = Vec::new();
        match self {
            StoreTx::Sqlite(tx) => {
                for row in bind_all!(sqlx::query(sql), args, none, bind_sqlite).fetch_all(&mut **tx).await? {
                    out.push(
                        types.iter().enumerate().map(|(i, t)| decode_sqlite(&row, i, *t)).collect::<Result<_, _>>()?,
                    );
                }
            }
            StoreTx::Postgres(tx) => {
                for row in bind_all!(sqlx::query(sql), args, none, bind_pg).fetch_all(&mut **tx).await? {
                    out.push(types.iter().enumerate().map(|(i, t)| decode_pg(&row, i, *t)).collect::<Result<_, _>>()?);
                }
            }
        }
        Ok(out)
    }

    /// Commits.
    pub async fn commit(self) -> Result<(), StoreError> {
        match self {
            StoreTx::Sqlite(tx) => tx.commit().await?,
            StoreTx::Postgres(tx) => tx.commit().await?,
        }
        Ok(())
    }

    /// Rolls back.
    pub async fn rollback(self) -> Result<(), StoreError> {
        match self {
            StoreTx::Sqlite(tx) => tx.rollback().await?,
            StoreTx::Postgres(tx) => tx.rollback().await?,
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iso_text_round_trips_and_sorts() {
        let a = iso_micros(1_700_000_000_123_456);
        assert_eq!(a, "2023-11-14T22:13:20.123456Z");
        assert_eq!(parse_iso(&a), Some(1_700_000_000_123_456));
        assert!(iso_micros(1_700_000_000_000_000) < iso_micros(1_700_000_000_000_001));
    }

    #[test]
    fn passwords_are_hidden() {
        assert_eq!(redact_url("postgres://app:s3cret@db:5432/chat"), "postgres://app:***@db:5432/chat");
        assert_eq!(redact_url("sqlite://x.db"), "sqlite://x.db");
    }

    #[tokio::test]
    async fn unknown_schemes_are_refused_with_advice() {
        let err = Store::connect("mysql://x").await.unwrap_err().to_string();
        assert!(err.contains("sqlite://PATH"), "{err}");
    }
}
