//! `chatstream ingress`.

use anyhow::Context;
use chatstream_core::{admin, shutdown, AdminArgs, KafkaArgs, Readiness, Telemetry};
use chatstream_ingress::{IngressArgs, IngressServer};

/// Options of `chatstream ingress`.
#[derive(clap::Args)]
pub struct IngressCmd {
    #[command(flatten)]
    ingress: IngressArgs,
    #[command(flatten)]
    kafka: KafkaArgs,
    #[command(flatten)]
    admin: AdminArgs,
}

impl IngressCmd {
    pub async fn run(self) -> anyhow::Result<()> {
        let sources = self.ingress.sources.load().context("invalid webhook sources configuration")?;
        tracing::info!(sources = sources.len(), "webhook sources loaded");
        let telemetry = Telemetry::new();
        let readiness = Readiness::new();
        let stop = shutdown::on_signal();
        // The admin server outlives the drain, so probes see readiness 503 and metrics stay scrapable.
        let admin_stop = tokio_util::sync::CancellationToken::new();
        let (admin_addr, admin_task) =
            admin::serve(self.admin.admin_listen, telemetry.clone(), readiness.clone(), admin_stop.clone()).await?;
        tracing::info!(%admin_addr, "admin server listening (/metrics, /livez, /readyz)");
        let server = IngressServer::start(&self.ingress, &self.kafka, sources, &telemetry, readiness, stop.clone())
            .await
            .map_err(anyhow::Error::msg)?;
        server.wait().await;
        admin_stop.cancel();
        let _ = admin_task.await;
        tracing::info!("ingress stopped cleanly");
        Ok(())
    }
}
