//! Offline by default, proven: `chainwarden check` with online resolution off makes no
//! connection at all, even with the API base pointed at a live listener; with `--online` it
//! asks exactly once for the unknown ref and uses the answer. The listener is a tiny HTTP
//! server on 127.0.0.1 started by the test.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

const SHA: &str = "89abcdef0123456789abcdef0123456789abcdef";
const WORKFLOW: &str =
    "on: push\npermissions: {}\njobs:\n  build:\n    runs-on: ubuntu-latest\n    \
steps:\n      - uses: acme-not-in-table/deploy-thing@v3\n";

/// Counts connections and answers each with [`SHA`].
fn listener() -> (String, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let count = Arc::new(AtomicUsize::new(0));
    let seen = count.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            seen.fetch_add(1, Ordering::SeqCst);
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            loop {
                let mut line = String::new();
                if reader.read_line(&mut line).unwrap_or(0) == 0 || line.trim().is_empty() {
                    break;
                }
            }
            let _ = write!(
                stream,
                "HTTP/1.1 200 OK\r\nContent-Length: 40\r\nConnection: close\r\n\r\n{SHA}"
            );
        }
    });
    (base, count)
}

fn check(dir: &std::path::Path, base: &str, extra: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_chainwarden"))
        .arg("check")
        .arg(dir)
        .args(["--format", "json"])
        .args(extra)
        .env("CHAINWARDEN_GITHUB_API", base)
        .env("XDG_CACHE_HOME", dir.join("cache"))
        .env_remove("GITHUB_TOKEN")
        .env_remove("GH_TOKEN")
        .env_remove("HTTP_PROXY")
        .env_remove("HTTPS_PROXY")
        .env_remove("ALL_PROXY")
        .env_remove("http_proxy")
        .env_remove("https_proxy")
        .env_remove("all_proxy")
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn workspace() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let wf = dir.path().join(".github/workflows");
    std::fs::create_dir_all(&wf).unwrap();
    std::fs::write(wf.join("ci.yml"), WORKFLOW).unwrap();
    dir
}

#[test]
fn check_without_online_makes_no_connection() {
    let dir = workspace();
    let (base, count) = listener();
    let out = check(dir.path(), &base, &[]);
    assert!(out.contains("unpinned-ci-actions"), "{out}");
    assert!(!out.contains(SHA), "{out}");
    assert_eq!(count.load(Ordering::SeqCst), 0);
    assert!(!dir.path().join("cache").exists());
}

#[test]
fn check_online_asks_once_and_caches() {
    let dir = workspace();
    let (base, count) = listener();
    let out = check(dir.path(), &base, &["--online"]);
    assert_eq!(count.load(Ordering::SeqCst), 1);
    assert!(
        out.contains(SHA),
        "the fix pins to the resolved commit: {out}"
    );
    assert!(dir.path().join("cache/chainwarden/pins.json").is_file());
    // The second run answers from the cache.
    check(dir.path(), &base, &["--online"]);
    assert_eq!(count.load(Ordering::SeqCst), 1);
}

#[test]
fn config_turns_online_on() {
    let dir = workspace();
    std::fs::write(
        dir.path().join("chainwarden.toml"),
        "[resolve]\nonline = true\n",
    )
    .unwrap();
    let (base, count) = listener();
    check(dir.path(), &base, &[]);
    assert_eq!(count.load(Ordering::SeqCst), 1);
}
