//! `chatstream dev`: every role in one process with an embedded broker, for trying chatstream out.

use crate::project_cmd::{registered, spawn_projections};
use crate::role::RoleRuntime;
use crate::simulate_cmd::live_traffic;
use chatstream_core::{EmbeddedBroker, KafkaArgs};
use chatstream_ingress::{IngressArgs, IngressServer};
use chatstream_normalizer::{NormalizeArgs, Normalizer};
use chatstream_platforms::{Platform, Sources};
use chatstream_projector::{offsets, prepare, ProjectArgs, ProjectorMetrics, Store};
use chatstream_query::{QueryServer, Tokens};
use chatstream_simulate::demo;
use chatstream_simulate::driver::{self, Counters};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

/// Options of `chatstream dev`.
#[derive(clap::Args)]
pub struct DevCmd {
    /// Public webhook address.
    #[arg(long = "listen", env = "CHATSTREAM_LISTEN", default_value = "127.0.0.1:8080")]
    listen: SocketAddr,
    /// Address of the query role: the HTTP API, /openapi.json and the dashboard.
    #[arg(long = "query-listen", default_value = "127.0.0.1:8081")]
    query_listen: SocketAddr,
    /// Admin address (/metrics, /livez, /readyz).
    #[arg(long = "admin-listen", env = "CHATSTREAM_ADMIN_LISTEN", default_value = "127.0.0.1:9090")]
    admin_listen: SocketAddr,
    /// Also send simulated traffic of all four platforms at this many deliveries per second.
    #[arg(long = "simulate-rate", default_value_t = 0.0)]
    simulate_rate: f64,
    /// Seed of the simulated traffic.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Partitions of the embedded broker's topics.
    #[arg(long = "topic-partitions", default_value_t = 6)]
    partitions: i32,
    /// Store of the projections. The embedded broker starts empty, so `dev` empties the projections at start.
    /// Default: chatstream-dev.db in the system's temp directory, created anew at every start.
    #[arg(long = "store-url", env = "CHATSTREAM_STORE_URL")]
    store_url: Option<String>,
}

impl DevCmd {
    pub async fn run(self) -> anyhow::Result<()> {
        let mut kafka = KafkaArgs::for_brokers("");
        let broker = EmbeddedBroker::start(
            1,
            &[&kafka.topic_raw, &kafka.topic_events, &kafka.topic_deadletter],
            self.partitions,
        )
        .map_err(anyhow::Error::msg)?;
        kafka.brokers = broker.bootstrap_servers().to_string();
        kafka.create_topics = false;
        kafka.topic_partitions = self.partitions;

        let rt = RoleRuntime::start(self.admin_listen).await?;
        let (telemetry, readiness, stop, admin_addr) =
            (rt.telemetry.clone(), rt.readiness.clone(), rt.stop.clone(), rt.admin_addr);
        let mut ingress_args = IngressArgs::local_defaults();
        ingress_args.listen = self.listen;
        let sources = Sources::load(None, Some(&demo::sources_toml()))?;
        let readiness_for_normalizer = readiness.clone();
        let server = IngressServer::start(&ingress_args, &kafka, sources, &telemetry, readiness, stop.clone())
            .await
            .map_err(anyhow::Error::msg)?;
        let normalizer = std::sync::Arc::new(
            Normalizer::new(
                NormalizeArgs::local_defaults(),
                &kafka,
                Sources::load(None, Some(&demo::sources_toml()))?,
                &telemetry,
            )
            .await
            .map_err(anyhow::Error::msg)?,
        );
        let readiness_for_projections = readiness_for_normalizer.clone();
        let readiness_for_query = readiness_for_normalizer.clone();
        let normalizing = tokio::spawn(normalizer.clone().run(readiness_for_normalizer, stop.clone()));

        let store_url = match &self.store_url {
            Some(url) => url.clone(),
            None => {
                // A new file each run: the embedded broker starts empty, and an older chatstream's schema
                // must not stop `dev`.
                let path = std::env::temp_dir().join("chatstream-dev.db");
                for suffix in ["", "-wal", "-shm"] {
                    let file = PathBuf::from(format!("{}{suffix}", path.display()));
                    if let Err(e) = std::fs::remove_file(&file) {
                        anyhow::ensure!(
                            e.kind() == std::io::ErrorKind::NotFound,
                            "cannot remove {}: {e}",
                            file.display()
                        );
                    }
                }
                format!("sqlite://{}", path.display())
            }
        };
        let store = Store::connect(&store_url).await?;
        let projections = registered();
        for p in &projections {
            prepare(&store, p.as_ref()).await?;
            offsets::truncate(&store, p.as_ref()).await?;
        }
        let args = ProjectArgs { batch_ms: 20, ..ProjectArgs::default() };
        let metrics = ProjectorMetrics::new(&telemetry.registry);
        let projecting =
            spawn_projections(projections, &store, &kafka, &args, &metrics, &readiness_for_projections, &stop).await?;

        // A fresh token for every tenant at each start; printed once, in the banner.
        let token = chatstream_query::new_token();
        let query = QueryServer::start(
            self.query_listen,
            store.clone(),
            Tokens::single(&token, ["*"]),
            &telemetry,
            readiness_for_query,
            stop.clone(),
        )
        .await?;

        let key_file = write_demo_key()?;
        let urls = Urls { public: server.addr, admin: admin_addr, query: query.addr };
        crate::say(&banner(&kafka, &urls, &key_file, store.url_for_humans(), &token));

        if self.simulate_rate > 0.0 {
            let opts = driver::DriverOptions {
                target: format!("http://{}", server.addr),
                rate: Some(self.simulate_rate),
                duration: None,
                count: None,
                concurrency: 64,
            };
            let traffic = Arc::new(live_traffic(self.seed));
            let stop = stop.clone();
            tokio::spawn(async move {
                tokio::select! {
                    r = driver::run(opts, traffic, Arc::new(Counters::default()), false) => tracing::info!("simulation ended: {}", r.summary()),
                    _ = stop.cancelled() => {}
                }
            });
        }
        server.wait().await;
        query.wait().await;
        let _ = normalizing.await;
        for task in projecting {
            if let Ok(Err(e)) = task.await {
                tracing::error!(error = %format!("{e:#}"), "projection failed");
            }
        }
        store.close().await;
        normalizer.flush(std::time::Duration::from_secs(5));
        rt.finish().await;
        drop(broker);
        Ok(())
    }
}

/// Writes the demo Freshchat private key where the printed curl can read it.
fn write_demo_key() -> anyhow::Result<PathBuf> {
    let dir = std::env::temp_dir().join("chatstream-dev");
    std::fs::create_dir_all(&dir)?;
    let path = dir.join("demo-freshchat-private.pem");
    std::fs::write(&path, demo::FRESHCHAT_PRIVATE_KEY)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600))?;
    }
    Ok(path)
}

/// One ready-to-paste shell line per platform that sends a correctly authenticated delivery.
pub fn curl_examples(base: &str, freshchat_key: &std::path::Path) -> Vec<(Platform, String)> {
    let url = |p: Platform| format!("{base}/webhooks/{}", demo::source_id(p));
    let livechat = format!(
        r#"BODY='{{"webhook_id":"demo","secret_key":"{secret}","action":"incoming_event","organization_id":"demo-org","payload":{{"chat_id":"PJ0MRSHTDG","thread_id":"K600PKZON8","event":{{"id":"K600PKZON8_1","created_at":"2026-11-21T10:00:00.000000Z","type":"message","text":"Hello from curl","author_id":"b7eff798-f8df-4364-8059-649c35c9ed0c","recipients":"all"}}}}}}'; curl -sS -X POST '{url}' -H 'Content-Type: application/json' --data-binary "$BODY"; echo"#,
        secret = demo::LIVECHAT_SECRET.trim(),
        url = url(Platform::LiveChat)
    );
    let chatwoot = format!(
        r#"BODY='{{"event":"message_created","id":1,"message_type":"incoming","content":"Hello from curl","created_at":"2026-11-21T10:00:00.000Z","private":false,"conversation":{{"id":1}},"account":{{"id":1}}}}'; TS=$(date +%s); curl -sS -X POST '{url}' -H 'Content-Type: application/json' -H "X-Chatwoot-Timestamp: $TS" -H "X-Chatwoot-Signature: sha256=$(printf '%s.%s' "$TS" "$BODY" | openssl dgst -sha256 -hmac '{secret}' -r | cut -d' ' -f1)" --data-binary "$BODY"; echo"#,
        secret = demo::CHATWOOT_SECRET.trim(),
        url = url(Platform::Chatwoot)
    );
    let freshchat = format!(
        r#"BODY='{{"actor":{{"actor_type":"user","actor_id":"0b5a8a4c-0f6e-4a59-9b40-4f8f1c7d2e11"}},"action":"message_create","action_time":"2026-11-21T10:00:00.000Z","data":{{"message":{{"id":"5d0f7e3c-9a8b-4c1d-8e2f-3a4b5c6d7e8f","conversation_id":"c7a2e1d4-3b5f-4e6a-9c8d-1f2e3d4c5b6a","actor_type":"user","message_type":"normal","created_time":"2026-11-21T10:00:00.000Z","message_parts":[{{"text":{{"content":"Hello from curl"}}}}]}}}}}}'; curl -sS -X POST '{url}' -H 'Content-Type: application/json' -H "X-Freshchat-Signature: $(printf '%s' "$BODY" | openssl dgst -sha256 -sign '{key}' | base64 -w0)" --data-binary "$BODY"; echo"#,
        key = freshchat_key.display(),
        url = url(Platform::Freshchat)
    );
    let userlike = format!(
        r#"BODY='{{"_type":"chat_meta","_event":"start","id":69,"created_at":"2026-11-21 10:00:00","status":"new","messages":[{{"message":"Hello from curl","person":"Ada","sent_at":"2026-11-21 10:00:00","type":"co"}}]}}'; curl -sS -X POST '{url}' -H 'Content-Type: application/json' -H '{header}: {token}' --data-binary "$BODY"; echo"#,
        header = demo::USERLIKE_TOKEN_HEADER,
        token = demo::USERLIKE_TOKEN.trim(),
        url = url(Platform::Userlike)
    );
    vec![
        (Platform::LiveChat, livechat),
        (Platform::Chatwoot, chatwoot),
        (Platform::Freshchat, freshchat),
        (Platform::Userlike, userlike),
    ]
}

/// The bound addresses `dev` prints.
struct Urls {
    public: SocketAddr,
    admin: SocketAddr,
    query: SocketAddr,
}

/// A ready-to-paste shell line that asks the query API for the newest sessions with `token`.
pub fn query_curl(query: SocketAddr, token: &str) -> String {
    format!("curl -sS -H 'Authorization: Bearer {token}' 'http://{query}/api/v1/sessions?limit=5'; echo")
}

fn banner(kafka: &KafkaArgs, urls: &Urls, key_file: &std::path::Path, store: &str, token: &str) -> String {
    let (public, admin, query) = (urls.public, urls.admin, urls.query);
    let base = format!("http://{public}");
    let mut out = String::new();
    out.push_str("\nchatstream dev is running (Ctrl-C to stop)\n\n");
    out.push_str(&format!(
        "  Kafka (embedded, in memory; keeps the last 5 MB per partition)  {}   topics: {}, {}, {}\n",
        kafka.brokers, kafka.topic_raw, kafka.topic_events, kafka.topic_deadletter
    ));
    out.push_str(&format!("  Webhooks                     {base}/webhooks/{{source_id}}\n"));
    for p in Platform::ALL {
        out.push_str(&format!("      {:<10} {base}/webhooks/{}\n", p.as_str(), demo::source_id(p)));
    }
    out.push_str(&format!("  Metrics                      http://{admin}/metrics\n"));
    out.push_str(&format!("  Health                       http://{admin}/livez   http://{admin}/readyz\n"));
    out.push_str(&format!("  Store (projections)          {store}\n"));
    out.push_str(&format!("  Dashboard                    http://{query}/#token={token}\n"));
    out.push_str(&format!(
        "  Query API                    http://{query}/api/v1/…   (described at http://{query}/openapi.json)\n"
    ));
    out.push_str(&format!(
        "  Roles running                ingress, normalize, project ({}), query\n",
        registered().iter().map(|p| p.name()).collect::<Vec<_>>().join(", ")
    ));
    out.push_str(&format!(
        "  Traffic                      chatstream simulate --target {base} --rate 50 --duration 30s\n\n"
    ));
    out.push_str("Send one delivery per platform (paste into a shell):\n\n");
    for (p, line) in curl_examples(&base, key_file) {
        out.push_str(&format!("# {p}\n{line}\n\n"));
    }
    out.push_str("Ask the query API (the token reads every tenant; it changes at every start):\n\n");
    out.push_str(&format!("{}\n", query_curl(query, token)));
    out
}
