//! `chatstream`: one binary, one subcommand per role.

mod bench;
mod bench_freshness;
mod bench_normalize;
mod bench_projections;
mod bench_query;
mod dev;
mod ingress_cmd;
mod mock_broker;
mod normalize_cmd;
mod project_cmd;
mod query_cmd;
mod role;
mod simulate_cmd;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "chatstream",
    version,
    about = "Live-chat webhooks (LiveChat, Chatwoot, Freshchat, Userlike) into Kafka and analytics tables"
)]
struct Cli {
    #[command(flatten)]
    log: chatstream_core::LogArgs,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Receive webhooks on the public port and write them to Kafka (answers 2xx only after the ack).
    Ingress(ingress_cmd::IngressCmd),
    /// Turn raw deliveries into canonical ChatEvents (chatstream.webhooks.raw → chatstream.events).
    Normalize(normalize_cmd::NormalizeCmd),
    /// Apply chatstream.events to projections (SQL tables): sessions, unread, availability, ratings.
    Project(project_cmd::ProjectCmd),
    /// Empty projections and replay the whole events topic into them, with a progress bar.
    Rebuild(project_cmd::RebuildCmd),
    /// Serve the HTTP API (JSON/CSV, bearer tokens per tenant), /openapi.json and the dashboard.
    Query(query_cmd::QueryCmd),
    /// Everything in one process for trying it out: embedded broker, ingress with demo sources.
    Dev(dev::DevCmd),
    /// Send realistic, correctly signed webhook traffic of all four platforms to an ingress.
    Simulate(simulate_cmd::SimulateCmd),
    /// Run an embedded Kafka-protocol broker (in memory) for local clients and benchmarks.
    MockBroker(mock_broker::MockBrokerCmd),
    /// Benchmarks that print numbers (see docs/benchmarks.md).
    #[command(subcommand)]
    Bench(bench::BenchCmd),
}

/// Prints a line to stdout for people or scripts; a closed stdout (`chatstream dev | head`) is ignored
/// rather than stopping a running service.
pub(crate) fn say(text: &str) {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{text}");
    let _ = out.flush();
}

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    cli.log.init();
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    runtime.block_on(async move {
        match cli.command {
            Command::Ingress(cmd) => cmd.run().await,
            Command::Normalize(cmd) => cmd.run().await,
            Command::Project(cmd) => cmd.run().await,
            Command::Rebuild(cmd) => cmd.run().await,
            Command::Query(cmd) => cmd.run().await,
            Command::Dev(cmd) => cmd.run().await,
            Command::Simulate(cmd) => cmd.run().await,
            Command::MockBroker(cmd) => cmd.run().await,
            Command::Bench(cmd) => cmd.run().await,
        }
    })
}

#[cfg(test)]
mod tests {
    use super::Cli;
    use clap::CommandFactory;

    #[test]
    fn command_line_definition_is_consistent() {
        Cli::command().debug_assert();
    }
}
