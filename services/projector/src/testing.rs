//! Stores for tests and benchmarks: a temporary SQLite file, and a throw-away PostgreSQL cluster started from
//! the Debian `postgresql-15` binaries (never one that happens to be running).
//!
//! `tests/run` starts one cluster for the whole test run and exports its URL as
//! `CHATSTREAM_TEST_POSTGRES_URL`; without it, the first test in a process starts its own cluster. Every
//! test gets a fresh database either way.

use crate::engine::Engine;
use crate::projection::Projection;
use crate::runner::prepare;
use crate::store::{Backend, ColType, Store, StoreError, Val};
use chatstream_schema::ChatEvent;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, OnceLock};

/// Where Debian installs the PostgreSQL 15 server binaries.
pub const PG_BIN: &str = "/usr/lib/postgresql/15/bin";

/// A PostgreSQL cluster in a temporary directory, stopped (and deleted) on drop.
#[derive(Debug)]
pub struct ThrowawayPostgres {
    dir: PathBuf,
    port: u16,
    /// Server URL without a database name.
    pub base_url: String,
}

/// The command line that runs PostgreSQL server tool `cmd`: as the `postgres` user when this process is
/// root (initdb refuses to run as root).
fn pg_tool(cmd: &str) -> Vec<String> {
    static IS_ROOT: OnceLock<bool> = OnceLock::new();
    let is_root = *IS_ROOT
        .get_or_init(|| Command::new("id").arg("-u").output().map(|o| o.stdout.starts_with(b"0\n")).unwrap_or(false));
    let tool = format!("{PG_BIN}/{cmd}");
    if is_root {
        ["runuser", "-u", "postgres", "--", &tool].map(String::from).to_vec()
    } else {
        vec![tool]
    }
}

fn as_postgres_user(cmd: &str, args: &[&str]) -> Command {
    let argv = pg_tool(cmd);
    let mut c = Command::new(&argv[0]);
    c.args(&argv[1..]).args(args);
    c
}

fn free_port() -> std::io::Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

impl ThrowawayPostgres {
    /// initdb + start on a free loopback port. Fails with advice when the binaries are missing.
    pub fn start() -> Result<Self, String> {
        if !Path::new(PG_BIN).join("initdb").exists() {
            return Err(format!(
                "PostgreSQL server binaries not found in {PG_BIN}: install Debian's postgresql-15 \
                 (apt-get install postgresql-15) or set CHATSTREAM_TEST_POSTGRES_URL to a server to use"
            ));
        }
        let dir =
            std::env::temp_dir().join(format!("chatstream-pg-{}-{}", std::process::id(), free_port().unwrap_or(0)));
        let data = dir.join("data");
        std::fs::create_dir_all(&data).map_err(|e| format!("cannot create {}: {e}", data.display()))?;
        let _ = Command::new("chown").args(["-R", "postgres:postgres"]).arg(&dir).status();
        let port = free_port().map_err(|e| format!("no free port: {e}"))?;
        let data_s = data.to_string_lossy().to_string();
        let out =
            as_postgres_user("initdb", &["-D", &data_s, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync"])
                .output()
                .map_err(|e| format!("cannot run initdb: {e}"))?;
        if !out.status.success() {
            return Err(format!("initdb failed: {}", String::from_utf8_lossy(&out.stderr)));
        }
        let options = format!(
            "-p {port} -k {} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off \
             -c full_page_writes=off -c max_connections=200 -c shared_buffers=256MB",
            dir.display()
        );
        let log = dir.join("server.log").to_string_lossy().to_string();
        let out = as_postgres_user("pg_ctl", &["-D", &data_s, "-o", &options, "-l", &log, "-w", "-t", "60", "start"])
            .output()
            .map_err(|e| format!("cannot run pg_ctl: {e}"))?;
        if !out.status.success() {
            let server_log = std::fs::read_to_string(&log).unwrap_or_default();
            return Err(format!("PostgreSQL did not start: {}{server_log}", String::from_utf8_lossy(&out.stderr)));
        }
        Ok(Self { dir, port, base_url: format!("postgres://postgres@127.0.0.1:{port}") })
    }

    /// The server's port.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Keeps the cluster running after this value is dropped (for `tests/run`, which stops it itself).
    pub fn leak(self) -> String {
        let url = self.base_url.clone();
        std::mem::forget(self);
        url
    }
}

impl Drop for ThrowawayPostgres {
    fn drop(&mut self) {
        let data = self.dir.join("data").to_string_lossy().to_string();
        let _ = as_postgres_user("pg_ctl", &["-D", &data, "-m", "immediate", "-w", "stop"]).output();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// The PostgreSQL server URL (no database) for this test process.
pub fn postgres_server_url() -> Result<String, String> {
    static SERVER: OnceLock<Result<String, String>> = OnceLock::new();
    SERVER
        .get_or_init(|| match std::env::var("CHATSTREAM_TEST_POSTGRES_URL") {
            Ok(url) if !url.is_empty() => Ok(url.trim_end_matches('/').to_string()),
            _ => {
                // Lives until the process exits; a cluster per test process is slow but self-contained.
                let pg = ThrowawayPostgres::start()?;
                let url = pg.base_url.clone();
                let dir = pg.dir.clone();
                std::mem::forget(pg);
                register_cleanup(dir);
                Ok(url)
            }
        })
        .clone()
}

fn register_cleanup(dir: PathBuf) {
    // A child that outlives the test process is stopped by `pg_ctl` when the parent exits.
    let data = dir.join("data").to_string_lossy().to_string();
    let pg_ctl: Vec<String> = pg_tool("pg_ctl").iter().map(|a| format!("'{a}'")).collect();
    let script = format!(
        "while kill -0 {} 2>/dev/null; do sleep 1; done; {} -D '{data}' -m immediate stop >/dev/null 2>&1; rm -rf '{}'",
        std::process::id(),
        pg_ctl.join(" "),
        dir.display()
    );
    let _ = Command::new("sh").args(["-c", &script]).stdin(std::process::Stdio::null()).spawn();
}

/// Runs an async test body once per store backend, as `<name>::sqlite` and `<name>::postgres`:
/// `on_both_backends!(name, body_fn)`, or `on_both_backends!(name)` when the body function is `name` itself.
#[macro_export]
macro_rules! on_both_backends {
    ($name:ident) => {
        $crate::on_both_backends!($name, $name);
    };
    ($name:ident, $body:ident) => {
        mod $name {
            #[tokio::test]
            async fn sqlite() {
                super::$body($crate::Backend::Sqlite).await
            }
            #[tokio::test]
            async fn postgres() {
                super::$body($crate::Backend::Postgres).await
            }
        }
    };
}

static DATABASES: AtomicU32 = AtomicU32::new(0);

/// A fresh, empty store of `backend` (a temp SQLite file, or a new PostgreSQL database).
pub async fn fresh_store(backend: Backend) -> Result<(Store, TempStore), String> {
    match backend {
        Backend::Sqlite => {
            let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
            let url = format!("sqlite://{}", dir.path().join("chatstream.db").display());
            let store = Store::connect(&url).await.map_err(|e| e.to_string())?;
            Ok((store, TempStore::Dir(dir)))
        }
        Backend::Postgres => {
            let server = postgres_server_url()?;
            let name = format!(
                "test_{}_{}_{}",
                std::process::id(),
                DATABASES.fetch_add(1, Ordering::Relaxed),
                chrono::Utc::now().timestamp_micros() % 1_000_000_000
            );
            let admin = Store::connect(&format!("{server}/postgres")).await.map_err(|e| e.to_string())?;
            admin.execute_autocommit(&format!("CREATE DATABASE {name}")).await.map_err(|e| e.to_string())?;
            admin.close().await;
            let store = Store::connect(&format!("{server}/{name}")).await.map_err(|e| e.to_string())?;
            Ok((store, TempStore::Database(name)))
        }
    }
}

/// Keeps a test store alive (the SQLite directory is deleted on drop).
#[derive(Debug)]
pub enum TempStore {
    Dir(tempfile::TempDir),
    Database(String),
}

/// Every row of `table`'s `columns`, sorted: compare two stores table by table.
pub async fn dump(store: &Store, table: &str, columns: &[(&str, ColType)]) -> Result<Vec<Vec<Val>>, StoreError> {
    let names: Vec<&str> = columns.iter().map(|(c, _)| *c).collect();
    let types: Vec<ColType> = columns.iter().map(|(_, t)| *t).collect();
    let order: Vec<String> = (1..=names.len()).map(|i| i.to_string()).collect();
    let sql = format!("SELECT {} FROM {table} ORDER BY {}", names.join(", "), order.join(", "));
    store.fetch(&sql, &[], &types).await
}

/// Every derived table of a projection (with `group_key`), sorted: the projection's whole visible state.
pub async fn dump_projection(
    store: &Store,
    projection: &dyn Projection,
) -> Result<Vec<(String, Vec<Vec<Val>>)>, StoreError> {
    let mut out = Vec::new();
    for table in projection.tables() {
        let mut columns = vec![("group_key", ColType::Text)];
        columns.extend(table.columns.iter().map(|c| (c.name, c.ty)));
        out.push((table.name.to_string(), dump(store, table.name, &columns).await?));
    }
    Ok(out)
}

/// Migrates `store` for `projection` and applies `events` in batches of `batch` through the engine, without
/// Kafka (the runner's transaction, minus the offsets).
pub async fn apply_events(
    store: &Store,
    projection: Arc<dyn Projection>,
    events: &[ChatEvent],
    batch: usize,
) -> Result<(), String> {
    prepare(store, projection.as_ref()).await.map_err(|e| e.to_string())?;
    let mut engine = Engine::new(projection, 1_000_000);
    engine.apply_in_batches(store, events, batch, |_| {}).await.map_err(|e| e.to_string())
}

/// 2026-01-01T00:00:00Z in µs: the epoch of [`EventBuilder`] times.
pub const T0_MICROS: i64 = 1_767_225_600_000_000;

/// Builds canonical events by hand for projection tests: tenant `acme`, one platform and chat.
#[derive(Debug, Clone)]
pub struct EventBuilder {
    pub tenant: String,
    pub platform: String,
    pub chat_id: Option<String>,
}

impl EventBuilder {
    /// Events of `chat_id` on `platform` (tenant `acme`).
    pub fn new(platform: &str, chat_id: &str) -> Self {
        Self { tenant: "acme".into(), platform: platform.into(), chat_id: Some(chat_id.into()) }
    }

    /// Events about no chat (agent status, roster).
    pub fn without_chat(platform: &str) -> Self {
        Self { tenant: "acme".into(), platform: platform.into(), chat_id: None }
    }

    /// An event of `kind` at [`T0_MICROS`] + `seconds`, with no body; its id is derived from the chat,
    /// kind and time (set another with [`EventExt::id`] when two such events must differ).
    pub fn at(&self, kind: chatstream_schema::Kind, seconds: i64) -> ChatEvent {
        let occurred = T0_MICROS + seconds * 1_000_000;
        ChatEvent {
            event_id: format!(
                "{}-{}-{}-{seconds}",
                self.platform,
                self.chat_id.as_deref().unwrap_or("-"),
                kind.as_str()
            ),
            tenant: self.tenant.clone(),
            source_id: format!("{}-main", self.platform),
            platform: self.platform.clone(),
            chat_id: self.chat_id.clone(),
            session_id: None,
            agent_id: None,
            contact_id: None,
            occurred_at_micros: occurred,
            occurred_at_source: "payload".into(),
            received_at_micros: occurred + 500_000,
            kind,
            vendor_event_type: None,
            body: chatstream_schema::Body::None,
            lineage: chatstream_schema::Lineage::default(),
        }
    }
}

/// Chainable setters for test events.
pub trait EventExt: Sized {
    fn id(self, id: &str) -> Self;
    fn session(self, id: &str) -> Self;
    fn agent(self, id: &str) -> Self;
    fn contact(self, id: &str) -> Self;
    fn body(self, body: chatstream_schema::Body) -> Self;
    fn tenant(self, tenant: &str) -> Self;
}

impl EventExt for ChatEvent {
    fn id(mut self, id: &str) -> Self {
        self.event_id = id.into();
        self
    }
    fn session(mut self, id: &str) -> Self {
        self.session_id = Some(id.into());
        self
    }
    fn agent(mut self, id: &str) -> Self {
        self.agent_id = Some(id.into());
        self
    }
    fn contact(mut self, id: &str) -> Self {
        self.contact_id = Some(id.into());
        self
    }
    fn body(mut self, body: chatstream_schema::Body) -> Self {
        self.body = body;
        self
    }
    fn tenant(mut self, tenant: &str) -> Self {
        self.tenant = tenant.into();
        self
    }
}
