//! `schemas/README.md` documents, per vendor, which canonical kinds every documented vendor event type
//! produces. This test keeps that documentation complete: every event type of every vendor's rule table
//! (`VendorSpec::of(p).rules`) must be listed, in backticks, in the first column of the `event type` table
//! of the vendor's `### <Vendor>` section (e.g. `### LiveChat`). Rows for event types that are no longer in
//! the rule table fail the test too, so the table cannot go stale in either direction.

use chatstream_platforms::routing::VendorSpec;
use chatstream_platforms::Platform;
use std::collections::BTreeSet;
use std::path::PathBuf;

fn readme() -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../schemas/README.md");
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

/// The level of a Markdown ATX heading (`### x` is 3), or none.
fn heading_level(line: &str) -> Option<usize> {
    let hashes = line.bytes().take_while(|b| *b == b'#').count();
    (hashes > 0 && line[hashes..].starts_with(' ')).then_some(hashes)
}

/// The lines of the vendor's `### <Vendor>` section, up to the next heading of level 3 or higher.
fn section(text: &str, platform: Platform) -> Vec<&str> {
    let lines: Vec<&str> = text.lines().collect();
    let starts: Vec<usize> = lines
        .iter()
        .enumerate()
        .filter(|(_, l)| heading_level(l) == Some(3) && l[4..].trim().eq_ignore_ascii_case(platform.as_str()))
        .map(|(i, _)| i)
        .collect();
    assert_eq!(
        starts.len(),
        1,
        "schemas/README.md must have exactly one `### {}` heading (the {platform} event type table), found {}",
        platform.as_str(),
        starts.len()
    );
    let start = starts[0] + 1;
    let end =
        lines[start..].iter().position(|l| heading_level(l).is_some_and(|n| n <= 3)).map_or(lines.len(), |n| start + n);
    lines[start..end].to_vec()
}

/// The cells of a Markdown table row (without the outer pipes).
fn cells(row: &str) -> Vec<&str> {
    let row = row.trim();
    let row = row.strip_prefix('|').unwrap_or(row);
    let row = row.strip_suffix('|').unwrap_or(row);
    row.split('|').map(str::trim).collect()
}

/// Every `` `…` `` span of a text.
fn backticked(text: &str) -> Vec<&str> {
    text.split('`').skip(1).step_by(2).collect()
}

/// The event types named in the first column of the section's `event type` table.
fn listed_event_types(section: &[&str]) -> BTreeSet<String> {
    let header = section
        .iter()
        .position(|l| l.trim_start().starts_with('|') && cells(l).first() == Some(&"event type"))
        .expect("the vendor section has a table whose first column is `event type`");
    section[header + 1..]
        .iter()
        .take_while(|l| l.trim_start().starts_with('|'))
        .filter(|l| !cells(l).iter().all(|c| c.chars().all(|ch| matches!(ch, '-' | ':' | ' '))))
        .flat_map(|l| backticked(cells(l)[0]).into_iter().map(str::to_string).collect::<Vec<_>>())
        .collect()
}

#[test]
fn every_documented_event_type_has_a_row_in_its_vendor_table() {
    let text = readme();
    let mut problems = Vec::new();
    for p in Platform::ALL {
        let listed = listed_event_types(&section(&text, p));
        let documented: BTreeSet<String> = VendorSpec::of(p).rules.iter().map(|r| r.event_type.to_string()).collect();
        for missing in documented.difference(&listed) {
            problems.push(format!("{p}: documented event type `{missing}` has no row in `### {}`", p.as_str()));
        }
        for stale in listed.difference(&documented) {
            problems.push(format!("{p}: `{stale}` is listed in `### {}` but is not in the rule table", p.as_str()));
        }
    }
    assert!(problems.is_empty(), "schemas/README.md vendor tables are out of date:\n{}", problems.join("\n"));
}

#[test]
fn the_helpers_read_markdown_as_intended() {
    let text = "## A\n### livechat\nintro `x`\n| event type | kinds |\n|---|---|\n| `a`, `b` (v3.1) | `message` |\n| `c` | `other` |\n\nafter\n### Chatwoot\n| event type |\n|---|\n| `d` |\n";
    let s = section(text, Platform::LiveChat);
    assert_eq!(listed_event_types(&s), ["a", "b", "c"].into_iter().map(String::from).collect());
    let s = section(text, Platform::Chatwoot);
    assert_eq!(listed_event_types(&s), ["d"].into_iter().map(String::from).collect());
    assert_eq!(heading_level("#### x"), Some(4));
    assert_eq!(heading_level("#x"), None);
}
