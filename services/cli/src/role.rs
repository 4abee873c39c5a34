//! What every long-running role shares: one metrics registry, readiness, the shutdown signal, and an
//! admin server that outlives the role's drain (probes see 503, metrics stay scrapable until the end).

use chatstream_core::{admin, shutdown, Readiness, Telemetry};
use std::net::SocketAddr;
use tokio_util::sync::CancellationToken;

/// The shared runtime of one role process.
pub struct RoleRuntime {
    pub telemetry: Telemetry,
    pub readiness: Readiness,
    /// Cancelled on SIGTERM/SIGINT; readiness turns 503 at the same moment.
    pub stop: CancellationToken,
    /// The bound admin address.
    pub admin_addr: SocketAddr,
    admin_stop: CancellationToken,
    admin_task: tokio::task::JoinHandle<()>,
}

impl RoleRuntime {
    /// Installs the signal handler and starts the admin server on `admin_listen`.
    pub async fn start(admin_listen: SocketAddr) -> anyhow::Result<Self> {
        let telemetry = Telemetry::new();
        let readiness = Readiness::new();
        let stop = shutdown::on_signal();
        let admin_stop = CancellationToken::new();
        let (addr, admin_task) =
            admin::serve(admin_listen, telemetry.clone(), readiness.clone(), admin_stop.clone()).await?;
        tracing::info!(admin_addr = %addr, "admin server listening (/metrics, /livez, /readyz)");
        {
            let (readiness, stop) = (readiness.clone(), stop.clone());
            tokio::spawn(async move {
                stop.cancelled().await;
                readiness.shutting_down();
            });
        }
        Ok(Self { telemetry, readiness, stop, admin_addr: addr, admin_stop, admin_task })
    }

    /// Stops the admin server once the role has drained.
    pub async fn finish(self) {
        self.admin_stop.cancel();
        let _ = self.admin_task.await;
    }
}
