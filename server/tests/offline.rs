//! Offline by default, proven: `chainwarden check` with online resolution off makes no
//! connection at all, even with the API base pointed at a live listener; with `--online` it
//! asks exactly once for the unknown ref and uses the answer. The listener is a tiny HTTP
//! server on 127.0.0.1 started by the test.

use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

const SHA: &str = "89abcdef0123456789abcdef0123456789abcdef";
const WORKFLOW: &str =
    "on: push\npermissions: {}\njobs:\n  build:\n    runs-on: ubuntu-latest\n    \
steps:\n      - uses: acme-not-in-table/deploy-thing@v3\n";

mod common;

/// Counts connections and answers each with [`SHA`].
fn listener() -> (String, Arc<AtomicUsize>) {
    common::counting_api(SHA)
}

fn check(dir: &std::path::Path, base: &str, extra: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_chainwarden"))
        .arg("check")
        .arg(dir)
        .args(["--format", "json"])
        .args(extra)
        .env("CHAINWARDEN_GITHUB_API", base)
        // Online advisories (OSV) go to a closed local port, never to the internet.
        .env("CHAINWARDEN_OSV_API", "http://127.0.0.1:9")
        .env("XDG_CACHE_HOME", dir.join("cache"))
        .env("XDG_CONFIG_HOME", dir.join("user-config"))
        .env_remove("CHAINWARDEN_ONLINE")
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
fn a_repository_config_cannot_turn_online_on() {
    let dir = workspace();
    std::fs::write(
        dir.path().join("chainwarden.toml"),
        "[resolve]\nonline = true\n",
    )
    .unwrap();
    let (base, count) = listener();
    check(dir.path(), &base, &[]);
    assert_eq!(count.load(Ordering::SeqCst), 0);
}
