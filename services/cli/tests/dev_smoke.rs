//! `chatstream dev` as a user meets it: it starts, prints one ready-to-paste command per platform, and
//! each pasted command gets a 200 from the embedded pipeline; the printed query API command answers JSON
//! (and 401 without its token); Ctrl-C (SIGINT) stops it cleanly.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

#[test]
fn dev_prints_working_curl_commands_for_every_platform() {
    let (public, admin, query) = (free_port(), free_port(), free_port());
    let mut child = Command::new(env!("CARGO_BIN_EXE_chatstream"))
        .args([
            "dev",
            "--listen",
            &format!("127.0.0.1:{public}"),
            "--admin-listen",
            &format!("127.0.0.1:{admin}"),
            "--query-listen",
            &format!("127.0.0.1:{query}"),
        ])
        .env("CHATSTREAM_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::from(std::fs::File::create(std::env::temp_dir().join("chatstream-dev-smoke.log")).unwrap()))
        .spawn()
        .unwrap();
    let stdout = BufReader::new(child.stdout.take().unwrap());
    let mut commands = Vec::new();
    let mut query_command = None;
    let mut banner = String::new();
    for line in stdout.lines() {
        let line = line.unwrap();
        banner.push_str(&line);
        banner.push('\n');
        if line.starts_with("BODY=") {
            commands.push(line);
        } else if line.starts_with("curl ") {
            query_command = Some(line);
        }
        if commands.len() == 4 && query_command.is_some() {
            break;
        }
    }
    assert_eq!(commands.len(), 4, "expected one command per platform in:\n{banner}");
    assert!(banner.contains(&format!("http://127.0.0.1:{admin}/metrics")), "{banner}");
    for platform in ["livechat", "chatwoot", "freshchat", "userlike"] {
        assert!(banner.contains(&format!("/webhooks/demo-{platform}")), "{banner}");
    }
    // The dashboard link carries the same token as the query command.
    let query_command = query_command.unwrap_or_else(|| panic!("no query API command in:\n{banner}"));
    let token = query_command.split("Bearer ").nth(1).and_then(|t| t.split('\'').next()).unwrap();
    assert_eq!(token.len(), 64, "{query_command}");
    assert!(banner.contains(&format!("http://127.0.0.1:{query}/#token={token}")), "{banner}");
    let out = Command::new("bash").arg("-c").arg(&query_command).output().unwrap();
    let answer: serde_json::Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{query_command}\n→ not JSON ({e}): {}", String::from_utf8_lossy(&out.stdout)));
    assert!(answer["items"].is_array(), "{answer}");
    let without_token = query_command.replace(&format!("-H 'Authorization: Bearer {token}' "), "-w '%{http_code}' ");
    let out = Command::new("bash").arg("-c").arg(&without_token).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.trim_end().ends_with("401"), "{without_token}\n→ {text}");
    for cmd in &commands {
        let out = Command::new("bash").arg("-c").arg(cmd).output().unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(
            text.contains("\"status\":\"accepted\""),
            "command failed:\n{cmd}\n→ {text}{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    // Ctrl-C: graceful stop with status 0.
    Command::new("kill").args(["-INT", &child.id().to_string()]).status().unwrap();
    let until = Instant::now() + Duration::from_secs(20);
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            assert!(status.success(), "dev exited with {status}");
            break;
        }
        assert!(Instant::now() < until, "dev did not stop within 20 s of SIGINT");
        std::thread::sleep(Duration::from_millis(100));
    }
}
