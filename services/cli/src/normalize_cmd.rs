//! `chatstream normalize`.

use crate::role::RoleRuntime;
use anyhow::Context as _;
use chatstream_core::{AdminArgs, KafkaArgs};
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
        let rt = RoleRuntime::start(self.admin.admin_listen).await?;
        rt.readiness.set("normalizer", Err("connecting to Kafka".into()));
        let normalizer = std::sync::Arc::new(
            Normalizer::new(self.normalize, &self.kafka, sources, &rt.telemetry).await.map_err(anyhow::Error::msg)?,
        );
        let processed =
            normalizer.clone().run(rt.readiness.clone(), rt.stop.clone()).await.map_err(anyhow::Error::msg)?;
        normalizer.flush(Duration::from_secs(10));
        rt.finish().await;
        tracing::info!(processed, "normalize stopped cleanly");
        Ok(())
    }
}
