//! `chatstream ingress`.

use crate::role::RoleRuntime;
use anyhow::Context;
use chatstream_core::{AdminArgs, KafkaArgs};
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
        let rt = RoleRuntime::start(self.admin.admin_listen).await?;
        let server = IngressServer::start(
            &self.ingress,
            &self.kafka,
            sources,
            &rt.telemetry,
            rt.readiness.clone(),
            rt.stop.clone(),
        )
        .await
        .map_err(anyhow::Error::msg)?;
        server.wait().await;
        rt.finish().await;
        tracing::info!("ingress stopped cleanly");
        Ok(())
    }
}
