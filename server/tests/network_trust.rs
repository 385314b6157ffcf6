//! What a repository may decide and what only the user may (SPEC §7.10), proven with
//! `chainwarden check` against servers on 127.0.0.1: one stands in for the real API endpoint,
//! one for an attacker's host that a repository's chainwarden.toml names. The user's token must
//! never reach the attacker, whatever the repository's files say.

mod common;

use common::{http_ok, http_redirect, recording_server};
use std::path::Path;
use std::process::{Command, Output};
use std::sync::{Arc, Mutex};

const SHA: &str = "0123456789abcdef0123456789abcdef01234567";
const TOKEN: &str = "ghs_usertokenthatmustnotleak";
const WORKFLOW: &str =
    "on: push\npermissions: {}\njobs:\n  build:\n    runs-on: ubuntu-latest\n    \
steps:\n      - uses: acme/unknown-action@v1\n";

type Heads = Arc<Mutex<Vec<String>>>;

/// A workspace with one workflow using an action the built-in table does not know, and a
/// chainwarden.toml with `repo_config`.
fn workspace(repo_config: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let wf = dir.path().join("repo/.github/workflows");
    std::fs::create_dir_all(&wf).unwrap();
    std::fs::write(wf.join("ci.yml"), WORKFLOW).unwrap();
    if !repo_config.is_empty() {
        std::fs::write(dir.path().join("repo/chainwarden.toml"), repo_config).unwrap();
    }
    dir
}

/// Run `check` on the workspace's repo with a clean environment: the user's token in
/// `GITHUB_TOKEN`/`GH_TOKEN` as on a CI runner, no proxy, user config and cache in the temp dir.
fn check(dir: &Path, env: &[(&str, &str)], args: &[&str]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_chainwarden"));
    cmd.arg("check")
        .arg(dir.join("repo"))
        .args(["--format", "json"])
        .args(args)
        .env("GITHUB_TOKEN", TOKEN)
        .env("GH_TOKEN", TOKEN)
        .env("XDG_CACHE_HOME", dir.join("cache"))
        .env("XDG_CONFIG_HOME", dir.join("user-config"))
        // Online advisories (OSV) go to a closed local port, never to the internet.
        .env("CHAINWARDEN_OSV_API", "http://127.0.0.1:9");
    for k in [
        "CHAINWARDEN_ONLINE",
        "CHAINWARDEN_GITHUB_API",
        "CHAINWARDEN_GITHUB_TOKEN",
        "GITHUB_API_URL",
        "GH_ENTERPRISE_TOKEN",
        "GITHUB_ENTERPRISE_TOKEN",
        "HTTP_PROXY",
        "HTTPS_PROXY",
        "ALL_PROXY",
        "http_proxy",
        "https_proxy",
        "all_proxy",
    ] {
        cmd.env_remove(k);
    }
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().unwrap()
}

fn api() -> (String, Heads) {
    recording_server(|_| http_ok(SHA))
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn count(heads: &Heads) -> usize {
    heads.lock().unwrap().len()
}

fn any_has_token(heads: &Heads) -> bool {
    heads
        .lock()
        .unwrap()
        .iter()
        .any(|h| h.contains(&TOKEN.to_ascii_lowercase()) || h.contains("authorization"))
}

#[test]
fn a_repository_config_alone_causes_no_request() {
    let (attacker, attacker_heads) = api();
    let dir = workspace(&format!(
        "[resolve]\nonline = true\napi-url = \"{attacker}\"\n"
    ));
    let out = check(dir.path(), &[], &[]);
    assert_eq!(count(&attacker_heads), 0);
    assert_eq!(
        out.status.code(),
        Some(1),
        "the unpinned action is still reported"
    );
    assert!(stdout(&out).contains("unpinned-ci-actions"));
    // One warning each, saying why.
    let err = stderr(&out);
    assert_eq!(
        err.matches("warning:").count(),
        2,
        "one warning per ignored key: {err}"
    );
    assert!(err.contains("cannot turn the network on"), "{err}");
    assert!(err.contains(&format!("api-url = \"{attacker}\"")), "{err}");
    assert!(!dir.path().join("cache").exists(), "nothing was cached");
}

#[test]
fn with_online_the_token_never_reaches_a_repository_named_host() {
    let (attacker, attacker_heads) = api();
    let (real, real_heads) = api();
    let dir = workspace(&format!(
        "[resolve]\nonline = true\napi-url = \"{attacker}\"\n"
    ));
    // The user's endpoint, as a GitHub Enterprise runner sets it (its token belongs there).
    let env = [
        ("CHAINWARDEN_GITHUB_API", real.as_str()),
        ("GITHUB_API_URL", real.as_str()),
    ];
    let out = check(dir.path(), &env, &["--online"]);
    assert_eq!(count(&attacker_heads), 0, "the attacker's host was asked");
    assert_eq!(count(&real_heads), 1);
    let head = real_heads.lock().unwrap()[0].clone();
    assert!(
        head.starts_with("get /repos/acme/unknown-action/commits/v1 "),
        "{head}"
    );
    assert!(
        head.contains(&format!(
            "authorization: bearer {}",
            TOKEN.to_ascii_lowercase()
        )),
        "the user's own endpoint gets the token: {head}"
    );
    assert!(stdout(&out).contains(SHA), "the fix pins to the answer");
    assert!(!stdout(&out).contains(TOKEN) && !stderr(&out).contains(TOKEN));
}

#[test]
fn github_tokens_are_not_sent_to_a_host_they_do_not_belong_to() {
    // The user points online resolution at another host but names no token for it: the
    // github.com token in GITHUB_TOKEN/GH_TOKEN stays home.
    let (real, real_heads) = api();
    let dir = workspace("");
    let out = check(
        dir.path(),
        &[("CHAINWARDEN_GITHUB_API", real.as_str())],
        &["--online"],
    );
    assert_eq!(count(&real_heads), 1);
    assert!(!any_has_token(&real_heads));
    assert!(stdout(&out).contains(SHA));
}

#[test]
fn a_redirect_to_another_host_drops_the_authorization_header() {
    let (attacker, attacker_heads) = api();
    let target = attacker.clone();
    let (real, real_heads) =
        recording_server(move |path| http_redirect(&format!("{target}/stolen{path}")));
    let dir = workspace("");
    let env = [
        ("CHAINWARDEN_GITHUB_API", real.as_str()),
        ("CHAINWARDEN_GITHUB_TOKEN", TOKEN),
    ];
    let out = check(dir.path(), &env, &["--online"]);
    assert_eq!(count(&real_heads), 1);
    assert!(
        any_has_token(&real_heads),
        "the real endpoint gets the token"
    );
    assert_eq!(count(&attacker_heads), 1, "the redirect was followed");
    let head = attacker_heads.lock().unwrap()[0].clone();
    assert!(head.starts_with("get /stolen/repos/"), "{head}");
    assert!(!any_has_token(&attacker_heads), "{head}");
    assert!(stdout(&out).contains(SHA), "the redirected answer is used");
}

#[test]
fn a_user_config_file_turns_online_on_and_names_the_endpoint() {
    let (real, real_heads) = api();
    let dir = workspace("");
    let user = dir.path().join("user-config/chainwarden");
    std::fs::create_dir_all(&user).unwrap();
    std::fs::write(
        user.join("config.toml"),
        format!("[resolve]\nonline = true\napi-url = \"{real}\"\n"),
    )
    .unwrap();
    let out = check(dir.path(), &[], &[]);
    assert_eq!(count(&real_heads), 1);
    assert!(stdout(&out).contains(SHA));
    assert!(!stderr(&out).contains("warning"), "{}", stderr(&out));
}

#[test]
fn environment_variables_turn_online_on_and_name_the_endpoint() {
    let (real, real_heads) = api();
    let dir = workspace("");
    let env = [
        ("CHAINWARDEN_ONLINE", "1"),
        ("CHAINWARDEN_GITHUB_API", real.as_str()),
    ];
    let out = check(dir.path(), &env, &[]);
    assert_eq!(count(&real_heads), 1);
    assert!(stdout(&out).contains(SHA));
    // And `CHAINWARDEN_ONLINE=0` (or nothing) keeps it off.
    let (quiet, quiet_heads) = api();
    let dir = workspace("");
    let env = [
        ("CHAINWARDEN_ONLINE", "0"),
        ("CHAINWARDEN_GITHUB_API", quiet.as_str()),
    ];
    check(dir.path(), &env, &[]);
    assert_eq!(count(&quiet_heads), 0);
}

#[test]
fn a_repository_may_turn_online_off() {
    let (real, real_heads) = api();
    let dir = workspace("[resolve]\nonline = false\n");
    let out = check(
        dir.path(),
        &[("CHAINWARDEN_GITHUB_API", real.as_str())],
        &["--online"],
    );
    assert_eq!(count(&real_heads), 0);
    assert!(
        stderr(&out).contains("turns online resolution off"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn config_flag_replaces_the_repository_config_and_no_config_drops_it() {
    // The pull request's own config switches the rule off; the base branch's does not.
    let dir = workspace("[rules]\nunpinned-ci-actions = \"off\"\n");
    let base_config = dir.path().join("base.toml");
    std::fs::write(&base_config, "[rules]\nsecrets-inherit = \"off\"\n").unwrap();
    let pr = check(dir.path(), &[], &[]);
    assert!(!stdout(&pr).contains("unpinned-ci-actions"));
    let base = check(
        dir.path(),
        &[],
        &["--config", base_config.to_str().unwrap()],
    );
    assert!(
        stdout(&base).contains("unpinned-ci-actions"),
        "{}",
        stdout(&base)
    );
    assert_eq!(base.status.code(), Some(1));
    let none = check(dir.path(), &[], &["--no-config"]);
    assert!(stdout(&none).contains("unpinned-ci-actions"));
    // A --config that names online or an endpoint is still only narrowing.
    let (attacker, attacker_heads) = api();
    let bad = dir.path().join("bad.toml");
    std::fs::write(
        &bad,
        format!("[resolve]\nonline = true\napi-url = \"{attacker}\"\n"),
    )
    .unwrap();
    let out = check(dir.path(), &[], &["--config", bad.to_str().unwrap()]);
    assert_eq!(count(&attacker_heads), 0);
    assert!(stderr(&out).contains("cannot turn the network on"));
    // A --config that cannot be read is a usage error.
    let missing = check(
        dir.path(),
        &[],
        &["--config", "/nonexistent/chainwarden.toml"],
    );
    assert_eq!(missing.status.code(), Some(2));
    let both = check(dir.path(), &[], &["--config", "x.toml", "--no-config"]);
    assert_eq!(both.status.code(), Some(2));
}
