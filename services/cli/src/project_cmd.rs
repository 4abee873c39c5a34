//! `chatstream project <name>…` and `chatstream rebuild <name>…`.

use crate::role::RoleRuntime;
use anyhow::{bail, Context as _};
use chatstream_core::{AdminArgs, KafkaArgs, Readiness};
use chatstream_projector::{
    offsets, prepare, ProjectArgs, Projection, ProjectorMetrics, Runner, Store, StoreArgs, Until,
};
use indicatif::{ProgressBar, ProgressStyle};
use std::sync::Arc;
use std::time::Instant;
use tokio_util::sync::CancellationToken;

/// The projections this binary runs, one registration line each.
pub fn registered() -> Vec<Arc<dyn Projection>> {
    vec![
        chatstream_projection_sessions::projection(),
        chatstream_projection_unread::projection(),
        chatstream_projection_availability::projection(),
        chatstream_projection_ratings::projection(),
    ]
}

/// The registered projections named in `names` (`all`, or none at all, means every one).
pub fn select(names: &[String]) -> anyhow::Result<Vec<Arc<dyn Projection>>> {
    let all = registered();
    if names.is_empty() || names.iter().any(|n| n == "all") {
        return Ok(all);
    }
    let mut out = Vec::new();
    for name in names {
        match all.iter().find(|p| p.name() == name) {
            Some(p) => out.push(p.clone()),
            None => bail!(
                "unknown projection {name:?}; name one or more of these (or `all`):\n{}",
                all.iter().map(|p| format!("  {:<14} {}", p.name(), p.description())).collect::<Vec<_>>().join("\n")
            ),
        }
    }
    Ok(out)
}

/// Options of `chatstream project`.
#[derive(clap::Args)]
pub struct ProjectCmd {
    /// Projections to run in this process: sessions, unread, availability, ratings, or all (the default).
    names: Vec<String>,
    /// Empty the named projections and rebuild them from the start of the topic (needed after the events
    /// topic was recreated; the runner refuses to guess).
    #[arg(long)]
    reset: bool,
    #[command(flatten)]
    project: ProjectArgs,
    #[command(flatten)]
    store: StoreArgs,
    #[command(flatten)]
    kafka: KafkaArgs,
    #[command(flatten)]
    admin: AdminArgs,
}

/// Starts one runner per projection on `store`; each ends on `stop`.
pub async fn spawn_projections(
    projections: Vec<Arc<dyn Projection>>,
    store: &Store,
    kafka: &KafkaArgs,
    args: &ProjectArgs,
    metrics: &ProjectorMetrics,
    readiness: &Readiness,
    stop: &CancellationToken,
) -> anyhow::Result<Vec<tokio::task::JoinHandle<anyhow::Result<()>>>> {
    let mut tasks = Vec::new();
    for p in projections {
        let name = p.name();
        readiness.set(name, Err("starting".into()));
        let runner = Runner::new(p, store.clone(), kafka, args, metrics).await?;
        let (readiness, stop) = (readiness.clone(), stop.clone());
        tasks.push(tokio::spawn(async move {
            let result = runner.run(readiness, stop.clone(), Until::Shutdown).await;
            if result.is_err() {
                // One projection failing stops the process: an operator must look at it.
                stop.cancel();
            }
            result.map(|_| ()).with_context(|| format!("projection {name} stopped"))
        }));
    }
    Ok(tasks)
}

impl ProjectCmd {
    pub async fn run(self) -> anyhow::Result<()> {
        let projections = select(&self.names)?;
        let store = Store::connect(&self.store.store_url).await?;
        // The BI views read all four projections' tables: they exist wherever any projection runs, also in
        // deployments without a query role.
        chatstream_analytics::prepare(&store).await?;
        if self.reset {
            for p in &projections {
                prepare(&store, p.as_ref()).await?;
                offsets::truncate(&store, p.as_ref()).await?;
                tracing::warn!(projection = p.name(), "projection emptied (--reset); rebuilding from the start");
            }
        }
        let rt = RoleRuntime::start(self.admin.admin_listen).await?;
        let metrics = ProjectorMetrics::new(&rt.telemetry.registry);
        let tasks =
            spawn_projections(projections, &store, &self.kafka, &self.project, &metrics, &rt.readiness, &rt.stop)
                .await?;
        let mut failure = None;
        for t in tasks {
            if let Err(e) = t.await? {
                tracing::error!(error = %format!("{e:#}"), "projection failed");
                failure.get_or_insert(e);
            }
        }
        store.close().await;
        rt.finish().await;
        match failure {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }
}

/// Options of `chatstream rebuild`.
#[derive(clap::Args)]
pub struct RebuildCmd {
    /// Projections to rebuild: sessions, unread, availability, ratings, or all. Stop their `project`
    /// processes first: a rebuild empties the tables and replays the whole events topic.
    #[arg(required = true)]
    names: Vec<String>,
    #[command(flatten)]
    project: ProjectArgs,
    #[command(flatten)]
    store: StoreArgs,
    #[command(flatten)]
    kafka: KafkaArgs,
}

/// Empties `projection` and replays the events topic into it up to the topic's current end, with a
/// progress bar on stderr. Returns (events consumed, seconds in all, seconds from the first record).
pub async fn rebuild(
    projection: Arc<dyn Projection>,
    store: &Store,
    kafka: &KafkaArgs,
    args: &ProjectArgs,
    metrics: &ProjectorMetrics,
    show_progress: bool,
) -> anyhow::Result<(u64, f64, f64)> {
    let name = projection.name();
    prepare(store, projection.as_ref()).await?;
    offsets::truncate(store, projection.as_ref()).await?;
    let mut args = args.clone();
    // Big batches: a chat's events mostly arrive in one batch, so it is derived and written once or twice.
    args.batch_size = args.batch_size.max(100_000);
    args.batch_ms = args.batch_ms.max(500);
    // Every partition, read directly: no group join, and no other member can take partitions away.
    args.all_partitions = true;
    // One projection at a time: room for more of the chats still in progress.
    args.cache_events = args.cache_events.max(400_000);
    args.group_prefix = format!("{}rebuild-", args.group_prefix);
    let mut runner = Runner::new(projection, store.clone(), kafka, &args, metrics).await?;
    let total = runner.remaining()?;
    let bar = if show_progress { ProgressBar::new(total) } else { ProgressBar::hidden() };
    bar.set_style(
        ProgressStyle::with_template(
            "{prefix:>12} [{elapsed_precise}] {bar:40} {human_pos}/{human_len} events  {per_sec}  ETA {eta}",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    bar.set_prefix(name);
    let progress = bar.clone();
    runner.on_progress(move |n| progress.set_position(n));
    let started = Instant::now();
    let stats = runner.run(Readiness::new(), CancellationToken::new(), Until::CaughtUp).await?;
    bar.finish();
    let streaming = stats.first_record_at.map_or(0.0, |t| t.elapsed().as_secs_f64());
    Ok((stats.consumed, started.elapsed().as_secs_f64(), streaming))
}

impl RebuildCmd {
    pub async fn run(self) -> anyhow::Result<()> {
        let projections = select(&self.names)?;
        let store = Store::connect(&self.store.store_url).await?;
        let metrics = ProjectorMetrics::new(&chatstream_core::Telemetry::new().registry);
        for p in projections {
            let name = p.name();
            let (events, seconds, _) = rebuild(p, &store, &self.kafka, &self.project, &metrics, true).await?;
            crate::say(&format!(
                "rebuilt {name}: {events} events in {seconds:.1} s ({:.0} events/s)",
                events as f64 / seconds.max(1e-9)
            ));
        }
        store.close().await;
        Ok(())
    }
}
