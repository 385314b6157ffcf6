//! `known-vulnerable-action` with online advisories (OSV), against a fake OSV server on
//! 127.0.0.1: nothing is asked while online is off; with it on, one `querybatch` request names
//! the file's actions, the advisory records are read, the answer is used and cached; a dead
//! server costs one line on stderr and leaves the built-in snapshot's result.

use serde_json::Value;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::path::Path;
use std::process::{Command, Output};
use std::sync::{Arc, Mutex};

/// `acme/deploy` is in no built-in table: only OSV can know about it.
const WORKFLOW: &str =
    "on: push\npermissions: {}\njobs:\n  build:\n    runs-on: ubuntu-latest\n    \
steps:\n      - uses: acme/deploy@0123456789abcdef0123456789abcdef01234567 # v1.2.3\n      \
- uses: tj-actions/changed-files@48d8f15b2aaa3d255ca5af3eba4870f807ce6b3c # v45.0.2\n";

const VULN: &str = r#"{"id": "GHSA-test-0000-0001", "aliases": ["CVE-2099-0001"],
  "summary": "The deploy step ran untrusted input.",
  "database_specific": {"severity": "CRITICAL"},
  "affected": [{"package": {"ecosystem": "GitHub Actions", "name": "acme/deploy"},
    "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "1.3.0"}]}]}]}"#;

/// Requests seen: (method and path, body).
type Seen = Arc<Mutex<Vec<(String, String)>>>;

/// A fake OSV: `querybatch` answers one vulnerability for `acme/deploy` and none for the rest.
fn osv_server() -> (String, Seen) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let seen: Seen = Arc::default();
    let log = seen.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let (mut first, mut length) = (String::new(), 0usize);
            loop {
                let mut line = String::new();
                if reader.read_line(&mut line).unwrap_or(0) == 0 || line.trim().is_empty() {
                    break;
                }
                if first.is_empty() {
                    first = line.trim().to_string();
                }
                if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                    length = v.trim().parse().unwrap_or(0);
                }
            }
            let mut body = vec![0; length];
            let _ = reader.read_exact(&mut body);
            let body = String::from_utf8_lossy(&body).into_owned();
            let request: Vec<&str> = first.split_whitespace().take(2).collect();
            let request = request.join(" ");
            let reply = if request == "POST /v1/querybatch" {
                let asked: Value = serde_json::from_str(&body).unwrap_or(Value::Null);
                let results: Vec<Value> = asked["queries"]
                    .as_array()
                    .cloned()
                    .unwrap_or_default()
                    .iter()
                    .map(|q| {
                        if q["package"]["name"] == "acme/deploy" {
                            serde_json::json!({"vulns": [{"id": "GHSA-test-0000-0001", "modified": "2026-01-01T00:00:00Z"}]})
                        } else {
                            serde_json::json!({})
                        }
                    })
                    .collect();
                ok(&serde_json::json!({ "results": results }).to_string())
            } else if request == "GET /v1/vulns/GHSA-test-0000-0001" {
                ok(VULN)
            } else {
                "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".into()
            };
            log.lock().unwrap().push((request, body));
            let _ = stream.write_all(reply.as_bytes());
        }
    });
    (base, seen)
}

fn ok(body: &str) -> String {
    format!(
        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
}

fn workspace() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let wf = dir.path().join("repo/.github/workflows");
    std::fs::create_dir_all(&wf).unwrap();
    std::fs::write(wf.join("ci.yml"), WORKFLOW).unwrap();
    dir
}

/// `check --format json` with a clean environment; both online endpoints on 127.0.0.1.
fn check(dir: &Path, osv: &str, args: &[&str]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_chainwarden"));
    cmd.arg("check")
        .arg(dir.join("repo"))
        .args(["--format", "json"])
        .args(args)
        .env("XDG_CACHE_HOME", dir.join("cache"))
        .env("XDG_CONFIG_HOME", dir.join("user-config"))
        .env("CHAINWARDEN_OSV_API", osv)
        .env("CHAINWARDEN_GITHUB_API", "http://127.0.0.1:9");
    for k in [
        "CHAINWARDEN_ONLINE",
        "CHAINWARDEN_GITHUB_TOKEN",
        "GITHUB_TOKEN",
        "GH_TOKEN",
        "GITHUB_API_URL",
        "HTTP_PROXY",
        "HTTPS_PROXY",
        "ALL_PROXY",
        "http_proxy",
        "https_proxy",
        "all_proxy",
    ] {
        cmd.env_remove(k);
    }
    cmd.output().unwrap()
}

/// `(line, severity, message)` of the `known-vulnerable-action` findings.
fn vulnerable(out: &Output) -> Vec<(u64, String, String)> {
    let json: Value = serde_json::from_slice(&out.stdout).expect("json output");
    json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == "known-vulnerable-action")
        .map(|f| {
            (
                f["line"].as_u64().unwrap(),
                f["severity"].as_str().unwrap().to_string(),
                f["message"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[test]
fn offline_asks_nothing_and_uses_the_snapshot() {
    let (base, seen) = osv_server();
    let dir = workspace();
    let out = check(dir.path(), &base, &[]);
    assert!(seen.lock().unwrap().is_empty(), "no request while offline");
    let found = vulnerable(&out);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].0, 8);
    assert!(found[0].2.contains("GHSA-mrrh-fwg8-r2c3"), "{found:?}");
}

#[test]
fn online_asks_once_uses_the_answer_and_caches_it() {
    let (base, seen) = osv_server();
    let dir = workspace();
    let out = check(dir.path(), &base, &["--online"]);
    let requests = seen.lock().unwrap().clone();
    let batches: Vec<_> = requests
        .iter()
        .filter(|(r, _)| r == "POST /v1/querybatch")
        .collect();
    assert_eq!(batches.len(), 1, "{requests:?}");
    let asked: Value = serde_json::from_str(&batches[0].1).unwrap();
    let names: Vec<&str> = asked["queries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|q| {
            assert_eq!(q["package"]["ecosystem"], "GitHub Actions");
            q["package"]["name"].as_str().unwrap()
        })
        .collect();
    assert_eq!(names, ["acme/deploy", "tj-actions/changed-files"]);
    assert!(requests
        .iter()
        .any(|(r, _)| r == "GET /v1/vulns/GHSA-test-0000-0001"));
    assert_eq!(requests.len(), 2, "{requests:?}");

    let found = vulnerable(&out);
    assert_eq!(found.len(), 2, "{found:?}");
    let (line, severity, message) = &found[0];
    assert_eq!((*line, severity.as_str()), (7, "critical"));
    assert!(
        message.contains("GHSA-test-0000-0001 (CVE-2099-0001)") && message.contains("< 1.3.0"),
        "{message}"
    );
    // The snapshot's advisory for tj-actions is still reported (OSV said nothing about it).
    assert!(found[1].2.contains("GHSA-mrrh-fwg8-r2c3"), "{found:?}");

    // A second run reads the cache: no request, same result.
    seen.lock().unwrap().clear();
    let again = check(dir.path(), &base, &["--online"]);
    assert!(seen.lock().unwrap().is_empty(), "answered from the cache");
    assert_eq!(vulnerable(&again), found);
    assert!(dir
        .path()
        .join("cache/chainwarden/advisories.json")
        .is_file());
}

#[test]
fn a_dead_server_costs_one_line_and_the_offline_result() {
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let dir = workspace();
    let out = check(
        dir.path(),
        &format!("http://127.0.0.1:{port}"),
        &["--online"],
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(err.matches("cannot reach OSV").count(), 1, "{err}");
    let found = vulnerable(&out);
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(found[0].2.contains("GHSA-mrrh-fwg8-r2c3"));
}

#[test]
fn a_repository_cannot_choose_the_advisory_server() {
    let (base, seen) = osv_server();
    let dir = workspace();
    std::fs::write(
        dir.path().join("repo/chainwarden.toml"),
        format!("[resolve]\nosv-url = \"{base}\"\n"),
    )
    .unwrap();
    // The user turned online on but named no OSV server: the repository's is not used.
    let dead = "http://127.0.0.1:9";
    let out = check(dir.path(), dead, &["--online"]);
    assert!(seen.lock().unwrap().is_empty());
    assert!(String::from_utf8_lossy(&out.stderr).contains("osv-url"));
}
