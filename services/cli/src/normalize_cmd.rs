//! `chatstream normalize`.

use anyhow::Context as _;
use chatstream_core::{admin, shutdown, AdminArgs, KafkaArgs, Readiness, Telemetry};
use chatstream_normalizer::{NormalizeArgs, Normalizer};
use std::time::Duration;

/// Options of `chatstream normalize`.
#[derive(clap::Args)]
pub struct NormalizeCmd {
    #[command(flatten)]
    normalize: NormalizeArgs,
    #[command(flatten)]
    kafka: KafkaArgs,
    #[command(flatten)]
    admin: AdminArgs,
}

impl NormalizeCmd {
    pub async fn run(self) -> anyhow::Result<()> {
        let sources = self.normalize.sources.load().context("invalid webhook sources configuration")?;
        let telemetry = Telemetry::new();
        let readiness = Readiness::new();
        let stop = shutdown::on_signal();
        let admin_stop = tokio_util::sync::CancellationToken::new();
        let (admin_addr, admin_task) =
            admin::serve(self.admin.admin_listen, telemetry.clone(), readiness.clone(), admin_stop.clone()).await?;
        tracing::info!(%admin_addr, "admin server listening (/metrics, /livez, /readyz)");
        let normalizer =
            Normalizer::new(self.normalize, &self.kafka, sources, &telemetry).await.map_err(anyhow::Error::msg)?;
        {
            let (readiness, stop) = (readiness.clone(), stop.clone());
            tokio::spawn(async move {
                stop.cancelled().await;
                readiness.shutting_down();
            });
        }
        let normalizer = std::sync::Arc::new(normalizer);
        let processed = normalizer.clone().run(readiness, stop).await.map_err(anyhow::Error::msg)?;
        normalizer.flush(Duration::from_secs(10));
        admin_stop.cancel();
        let _ = admin_task.await;
        tracing::info!(processed, "normalize stopped cleanly");
        Ok(())
    }
}
