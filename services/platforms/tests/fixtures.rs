//! Every fixture payload under `tests/fixtures/<platform>/` gets the event type and routing key its index
//! expects, and every documented event type of every vendor has at least one fixture.

use chatstream_platforms::routing::VendorSpec;
use chatstream_platforms::{classify, livechat, Platform};
use serde::Deserialize;
use std::collections::BTreeSet;
use std::path::PathBuf;

#[derive(Deserialize)]
struct Index {
    fixture: Vec<Fixture>,
}

#[derive(Deserialize)]
struct Fixture {
    file: String,
    #[serde(default)]
    event_type: String,
    #[serde(default)]
    key: String,
    #[serde(default = "yes")]
    documented: bool,
    #[serde(default)]
    reason: String,
}

fn yes() -> bool {
    true
}

fn dir(platform: Platform) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures").join(platform.as_str())
}

fn index(path: PathBuf) -> Vec<Fixture> {
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    toml::from_str::<Index>(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display())).fixture
}

#[test]
fn every_fixture_classifies_as_its_index_says() {
    let mut failures = Vec::new();
    let mut count = 0;
    for platform in Platform::ALL {
        for f in index(dir(platform).join("index.toml")) {
            count += 1;
            let body = std::fs::read(dir(platform).join(&f.file)).unwrap();
            let value: serde_json::Value = serde_json::from_slice(&body).unwrap();
            let c = classify(platform, &value);
            let key = c.routing_key("tenant", platform);
            let want_key = format!("tenant/{platform}/{}", f.key);
            if c.event_type.as_deref() != Some(f.event_type.as_str()) || c.documented != f.documented || key != want_key
            {
                failures.push(format!(
                    "{platform}/{}: got ({:?}, documented={}, {key}), want ({:?}, documented={}, {want_key})",
                    f.file, c.event_type, c.documented, f.event_type, f.documented
                ));
            }
        }
    }
    assert!(count > 100, "only {count} fixtures found");
    assert!(failures.is_empty(), "{} mismatches:\n{}", failures.len(), failures.join("\n"));
}

#[test]
fn every_documented_event_type_has_a_fixture() {
    let mut missing = Vec::new();
    for platform in Platform::ALL {
        let covered: BTreeSet<String> = index(dir(platform).join("index.toml"))
            .into_iter()
            .filter(|f| f.documented)
            .map(|f| f.event_type)
            .collect();
        for rule in VendorSpec::of(platform).rules {
            if !covered.contains(rule.event_type) {
                missing.push(format!("{platform}: {}", rule.event_type));
            }
        }
        // And every fixture marked documented names a rule.
        for t in &covered {
            assert!(VendorSpec::of(platform).rule(t).is_some(), "{platform}: fixture event type {t} has no rule");
        }
    }
    assert!(missing.is_empty(), "documented event types without a fixture:\n{}", missing.join("\n"));
}

#[test]
fn malformed_vendor_doc_samples_are_not_json() {
    for platform in Platform::ALL {
        let malformed = dir(platform).join("malformed");
        for f in index(malformed.join("index.toml")) {
            let body = std::fs::read(malformed.join(&f.file)).unwrap();
            assert!(
                serde_json::from_slice::<serde_json::Value>(&body).is_err(),
                "{platform}/malformed/{} parses as JSON but should not ({})",
                f.file,
                f.reason
            );
        }
    }
}

#[test]
fn livechat_fixtures_verify_and_redact_without_touching_other_bytes() {
    for f in index(dir(Platform::LiveChat).join("index.toml")) {
        let body = std::fs::read(dir(Platform::LiveChat).join(&f.file)).unwrap();
        let redacted = livechat::redact_secret_key(&body).unwrap_or_else(|| panic!("{}: no secret_key found", f.file));
        let text = String::from_utf8(redacted.clone()).unwrap();
        assert!(!text.contains("fixture-livechat-secret"), "{}", f.file);
        assert_eq!(
            text.replace("\"redacted\"", "\"fixture-livechat-secret\"").as_bytes(),
            body.as_slice(),
            "{}: bytes other than the secret changed",
            f.file
        );
        let original: serde_json::Value = serde_json::from_slice(&body).unwrap();
        let mut after: serde_json::Value = serde_json::from_slice(&redacted).unwrap();
        after["secret_key"] = original["secret_key"].clone();
        assert_eq!(after, original, "{}", f.file);
    }
}
