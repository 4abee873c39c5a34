//! `chatstream query`.

use crate::role::RoleRuntime;
use chatstream_core::AdminArgs;
use chatstream_projector::Store;
use chatstream_query::{QueryArgs, QueryServer};

/// Options of `chatstream query`.
#[derive(clap::Args)]
pub struct QueryCmd {
    #[command(flatten)]
    query: QueryArgs,
    #[command(flatten)]
    admin: AdminArgs,
}

impl QueryCmd {
    pub async fn run(self) -> anyhow::Result<()> {
        // Without tokens nobody could use the API: refuse before connecting anywhere.
        let tokens = self.query.tokens()?;
        tracing::info!(tokens = tokens.len(), "query tokens loaded");
        let store = Store::connect(&self.query.store.store_url).await?;
        let rt = RoleRuntime::start(self.admin.admin_listen).await?;
        let server = QueryServer::start(
            self.query.listen,
            store.clone(),
            tokens,
            &rt.telemetry,
            rt.readiness.clone(),
            rt.stop.clone(),
        )
        .await?;
        server.wait().await;
        store.close().await;
        rt.finish().await;
        tracing::info!("query role stopped cleanly");
        Ok(())
    }
}
