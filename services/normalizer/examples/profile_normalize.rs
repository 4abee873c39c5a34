//! Profiling aid (not a benchmark): decodes, normalises and encodes simulated deliveries like the
//! normalizer does, without Kafka, so `valgrind --tool=callgrind` can count its instructions.
//!
//! ```sh
//! cargo build --release -p chatstream-normalizer --example profile_normalize
//! valgrind --tool=callgrind target/release/examples/profile_normalize 5000
//! ```

use chatstream_platforms::normalize::{normalize, Context};
use chatstream_platforms::Sources;
use chatstream_schema::{ChatEvent, Codec, Lineage, RawWebhook};
use chatstream_simulate::{demo, traffic::Traffic};

fn main() {
    let n: usize = std::env::args().nth(1).and_then(|a| a.parse().ok()).unwrap_or(5000);
    let t0 = chrono::DateTime::from_timestamp(1_700_000_000, 0).expect("valid time");
    let codec = Codec::<RawWebhook>::single_object();
    let event_codec = Codec::<ChatEvent>::single_object();
    let sources = Sources::load(None, Some(&demo::sources_toml())).expect("demo sources");
    let payloads: Vec<Vec<u8>> = Traffic::new(1, t0, 64)
        .take(n)
        .enumerate()
        .map(|(i, d)| {
            let raw = d.to_raw_webhook(demo::TENANT, format!("bench-{i}"), t0.timestamp_micros() + i as i64);
            codec.encode(&raw).expect("encodes")
        })
        .collect();
    let started = std::time::Instant::now();
    let (events, bytes) = work(&payloads, &codec, &event_codec, &sources);
    eprintln!("{n} deliveries -> {events} events, {bytes} bytes, {:?}", started.elapsed());
}

/// The measured part (`valgrind --tool=callgrind --toggle-collect='*work*'` counts only this).
#[inline(never)]
fn work(
    payloads: &[Vec<u8>],
    codec: &Codec<RawWebhook>,
    event_codec: &Codec<ChatEvent>,
    sources: &Sources,
) -> (usize, usize) {
    let mut events = 0usize;
    let mut bytes = 0usize;
    for (i, p) in payloads.iter().enumerate() {
        let raw = codec.decode(p).expect("decodes");
        let lineage = Lineage { topic: "chatstream.webhooks.raw".into(), partition: 0, offset: i as i64 };
        let ctx = Context::for_raw(&raw, sources, lineage).expect("known platform");
        for e in normalize(&ctx, &raw.body).expect("normalises") {
            bytes += event_codec.encode(&e).expect("encodes").len();
            events += 1;
        }
    }
    (events, bytes)
}
