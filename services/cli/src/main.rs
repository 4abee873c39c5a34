//! `chatstream`: one binary, one subcommand per role.

mod ingress_cmd;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(name = "chatstream", version, about = "Live-chat webhooks (LiveChat, Chatwoot, Freshchat, Userlike) into Kafka and analytics tables")]
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
}

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    cli.log.init();
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    runtime.block_on(async move {
        match cli.command {
            Command::Ingress(cmd) => cmd.run().await,
        }
    })
}
