//! Online tag → commit resolution through the GitHub REST API, used only when the user turned
//! it on (`--online`, `[resolve] online = true`, the editor setting `chainwarden.online`).
//!
//! The shells (CLI, language server) call [`pins_for`] with a file's text before analysis: it
//! asks `GET {base}/repos/{owner}/{repo}/commits/{ref}` (`Accept: application/vnd.github.sha`)
//! for every action ref the built-in table does not know, keeps the answers in an on-disk cache
//! and hands the engine a [`PinSource`] that only reads that cache. A rate limit, a bad token or
//! an unreachable server stops the asking for the rest of the run, with one message on stderr.
//!
//! The API base comes from the user's settings only (never from a repository's file), and the
//! token is bound to the host it belongs to ([`token_for`]): it is sent as `Authorization:
//! Bearer` to that origin only (redirects elsewhere drop it, see [`super::http`]) and never
//! printed.

use super::http::{Credential, Http};
use super::{tags, PinSource};
use crate::config::Config;
use regex::Regex;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::PathBuf;
use std::sync::{Arc, LazyLock, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

pub const DEFAULT_API: &str = "https://api.github.com";
/// Cached answers older than this are asked again (tags like `v4` move).
const CACHE_TTL_SECS: u64 = 7 * 24 * 3600;
const TIMEOUT: Duration = Duration::from_secs(5);

/// The on-disk cache: `"{base}|{owner/repo}@{ref}"` → commit.
#[derive(Default, Serialize, Deserialize)]
struct CacheFile {
    #[serde(default)]
    entries: BTreeMap<String, CacheEntry>,
}

#[derive(Clone, Serialize, Deserialize)]
struct CacheEntry {
    sha: String,
    /// Seconds since the Unix epoch.
    fetched: u64,
}

#[derive(Default)]
struct RunState {
    cache: CacheFile,
    /// Refs that answered 404 (or garbage) in this run: not asked again.
    missing: HashSet<String>,
    /// A rate limit, bad token or unreachable server: no more requests in this run.
    stopped: bool,
    dirty: bool,
}

/// One API endpoint's resolver with its cache. Shared by every file of a run.
pub struct Online {
    base: String,
    credential: Option<Credential>,
    cache_path: Option<PathBuf>,
    http: Http,
    state: Mutex<RunState>,
}

impl std::fmt::Debug for Online {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the token.
        f.debug_struct("Online")
            .field("base", &self.base)
            .field("credential", &self.credential)
            .finish()
    }
}

/// What one request told us.
#[derive(Debug, PartialEq, Eq)]
pub enum Answer {
    Commit(String),
    Unknown,
    Malformed,
    /// Stop asking for this run; the message says why.
    Stop(String),
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

fn is_sha(s: &str) -> bool {
    s.len() == 40 && s.bytes().all(|b| b.is_ascii_hexdigit())
}

fn safe_name(s: &str) -> bool {
    !s.is_empty()
        && s != "."
        && s != ".."
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
}

fn safe_ref(s: &str) -> bool {
    !s.is_empty()
        && !s.contains("..")
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'/' | b'+'))
}

/// The default cache file of resolved tags: `pins.json` in [`super::cache_dir`].
pub fn default_cache_path() -> Option<PathBuf> {
    super::cache_dir().map(|dir| dir.join("pins.json"))
}

/// The API base the user chose (`CHAINWARDEN_GITHUB_API` or `[resolve] api-url` of the user
/// config, both in [`Config::api_url`]), else api.github.com.
pub fn api_base(config: &Config) -> String {
    config
        .api_url
        .as_deref()
        .filter(|v| !v.trim().is_empty())
        .unwrap_or(DEFAULT_API)
        .trim()
        .trim_end_matches('/')
        .to_string()
}

/// The token that belongs to `base`, from `env` (a variable's value by name):
/// - `CHAINWARDEN_GITHUB_TOKEN`: the user's token for the endpoint they configured;
/// - `GITHUB_TOKEN`/`GH_TOKEN`: github.com's, so only for api.github.com, or for the API of
///   the GitHub Enterprise server whose runner set `GITHUB_API_URL` to this very base;
/// - `GH_ENTERPRISE_TOKEN`/`GITHUB_ENTERPRISE_TOKEN`: for a base other than api.github.com.
pub fn token_for(base: &str, env: impl Fn(&str) -> Option<String>) -> Option<String> {
    let get = |k: &str| {
        env(k)
            .map(|t| t.trim().to_string())
            .filter(|t| !t.is_empty())
    };
    if let Some(t) = get("CHAINWARDEN_GITHUB_TOKEN") {
        return Some(t);
    }
    let base = base.trim_end_matches('/');
    let is_github = super::http::Origin::of(base)
        .is_some_and(|o| o.host() == "api.github.com" && base.starts_with("https://"));
    let runner_api = get("GITHUB_API_URL").is_some_and(|u| u.trim_end_matches('/') == base);
    if is_github || runner_api {
        if let Some(t) = get("GITHUB_TOKEN").or_else(|| get("GH_TOKEN")) {
            return Some(t);
        }
    }
    if !is_github {
        return get("GH_ENTERPRISE_TOKEN").or_else(|| get("GITHUB_ENTERPRISE_TOKEN"));
    }
    None
}

impl Online {
    pub fn new(
        base: &str,
        token: Option<String>,
        cache_path: Option<PathBuf>,
        timeout: Duration,
    ) -> Online {
        let base = base.trim_end_matches('/').to_string();
        let credential = token.and_then(|t| Credential::for_url(&base, format!("Bearer {t}")));
        let cache = cache_path
            .as_ref()
            .and_then(|p| std::fs::read(p).ok())
            .and_then(|b| serde_json::from_slice::<CacheFile>(&b).ok())
            .unwrap_or_default();
        Online {
            base,
            credential,
            cache_path,
            http: Http::new(timeout),
            state: Mutex::new(RunState {
                cache,
                ..RunState::default()
            }),
        }
    }

    fn key(&self, repo: &str, git_ref: &str) -> String {
        format!("{}|{}@{}", self.base, repo_key(repo), git_ref)
    }

    /// Ask the API once for `repo`'s `git_ref`.
    pub fn fetch(&self, repo: &str, git_ref: &str) -> Answer {
        let url = format!("{}/repos/{}/commits/{}", self.base, repo_key(repo), git_ref);
        let headers = [
            ("Accept", "application/vnd.github.sha"),
            ("X-GitHub-Api-Version", "2022-11-28"),
        ];
        let mut resp = match self.http.get(&url, &headers, self.credential.as_ref()) {
            Ok(r) => r,
            Err(e) => {
                return Answer::Stop(format!(
                    "cannot reach the GitHub API at {} ({})",
                    self.base,
                    describe(&e)
                ))
            }
        };
        let status = resp.status().as_u16();
        match status {
            200 => {}
            404 | 422 => return Answer::Unknown,
            401 => {
                return Answer::Stop(format!(
                    "the GitHub API at {} rejected the token (HTTP 401)",
                    self.base
                ))
            }
            403 | 429 => {
                let hint = if self.credential.is_some() {
                    ""
                } else {
                    "; set GITHUB_TOKEN for a higher limit"
                };
                return Answer::Stop(format!(
                    "GitHub API rate limit reached (HTTP {status}){hint}"
                ));
            }
            _ => return Answer::Malformed,
        }
        let body = match resp.body_mut().with_config().limit(4096).read_to_string() {
            Ok(b) => b,
            Err(ureq::Error::Timeout(_)) => {
                return Answer::Stop(format!("the GitHub API at {} timed out", self.base))
            }
            Err(_) => return Answer::Malformed,
        };
        let body = body.trim();
        if is_sha(body) {
            Answer::Commit(body.to_ascii_lowercase())
        } else {
            Answer::Malformed
        }
    }

    /// Resolve every ref the table and the cache do not know; save the cache when it grew.
    pub fn prefetch(&self, refs: &[(String, String)]) {
        for (repo, git_ref) in refs {
            let key = self.key(repo, git_ref);
            {
                let st = self.state.lock().unwrap_or_else(|e| e.into_inner());
                if st.stopped || st.missing.contains(&key) {
                    continue;
                }
                if st
                    .cache
                    .entries
                    .get(&key)
                    .is_some_and(|e| now().saturating_sub(e.fetched) < CACHE_TTL_SECS)
                {
                    continue;
                }
            }
            // The lock is not held across the request: other files go on reading the cache.
            let answer = self.fetch(repo, git_ref);
            let mut st = self.state.lock().unwrap_or_else(|e| e.into_inner());
            match answer {
                Answer::Commit(sha) => {
                    st.cache.entries.insert(
                        key,
                        CacheEntry {
                            sha,
                            fetched: now(),
                        },
                    );
                    st.dirty = true;
                }
                Answer::Unknown | Answer::Malformed => {
                    st.missing.insert(key);
                }
                Answer::Stop(msg) => {
                    if !st.stopped {
                        st.stopped = true;
                        eprintln!("chainwarden: {msg}; online resolution is off for this run");
                    }
                }
            }
        }
        self.save();
    }

    /// Write the cache atomically (temporary file + rename) when it changed.
    fn save(&self) {
        let Some(path) = &self.cache_path else { return };
        let json = {
            let mut st = self.state.lock().unwrap_or_else(|e| e.into_inner());
            if !st.dirty {
                return;
            }
            st.dirty = false;
            match serde_json::to_vec_pretty(&st.cache) {
                Ok(j) => j,
                Err(_) => return,
            }
        };
        super::write_cache_file(path, &json);
    }

    /// Whether a rate limit or an error stopped the asking.
    pub fn stopped(&self) -> bool {
        self.state.lock().map(|s| s.stopped).unwrap_or(true)
    }
}

impl PinSource for Online {
    fn commit(&self, repo: &str, git_ref: &str) -> Option<String> {
        let st = self.state.lock().ok()?;
        st.cache
            .entries
            .get(&self.key(repo, git_ref))
            .map(|e| e.sha.clone())
    }

    fn tags_at(&self, repo: &str, sha: &str) -> Vec<String> {
        let Ok(st) = self.state.lock() else {
            return Vec::new();
        };
        let prefix = format!("{}|{}@", self.base, repo_key(repo));
        st.cache
            .entries
            .iter()
            .filter(|(_, e)| e.sha.eq_ignore_ascii_case(sha))
            .filter_map(|(k, _)| k.strip_prefix(&prefix))
            .filter(|r| looks_like_version(r))
            .map(str::to_string)
            .collect()
    }
}

fn looks_like_version(r: &str) -> bool {
    let v = r.strip_prefix(['v', 'V']).unwrap_or(r);
    v.starts_with(|c: char| c.is_ascii_digit())
}

fn describe(e: &ureq::Error) -> String {
    match e {
        ureq::Error::Timeout(_) => "timed out".into(),
        ureq::Error::Io(io) => io.kind().to_string(),
        ureq::Error::HostNotFound => "host not found".into(),
        ureq::Error::ConnectionFailed => "connection failed".into(),
        _ => "request failed".into(),
    }
}

/// `owner/repo` in lower case from `owner/repo[/path]`.
fn repo_key(repo: &str) -> String {
    let mut parts = repo.split('/');
    let owner = parts.next().unwrap_or("");
    let name = parts.next().unwrap_or("");
    format!("{owner}/{name}").to_ascii_lowercase()
}

static USES: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r#"(?m)^[ \t-]*["']?uses["']?[ \t]*:[ \t]*["']?([A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+)(?:/[^@\s"']*)?@([^\s"'#]+)"#,
    )
    .expect("valid regex")
});

/// `(owner/repo, ref)` of every `uses:` in `text` that is not a commit SHA and that the
/// built-in table cannot resolve, each once.
pub fn unresolved_refs(text: &str) -> Vec<(String, String)> {
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    for c in USES.captures_iter(text) {
        let (repo, git_ref) = (&c[1], &c[2]);
        let (owner, name) = repo.split_once('/').unwrap_or((repo, ""));
        if !safe_name(owner) || !safe_name(name) || !safe_ref(git_ref) || is_sha(git_ref) {
            continue;
        }
        if tags::lookup(repo, git_ref).is_some() {
            continue;
        }
        if seen.insert((repo.to_ascii_lowercase(), git_ref.to_string())) {
            out.push((repo.to_string(), git_ref.to_string()));
        }
    }
    out
}

/// One resolver per API base for the whole process (its cache and rate-limit state are shared
/// by every file of a run).
static SHARED: LazyLock<Mutex<HashMap<String, Arc<Online>>>> = LazyLock::new(Default::default);

/// The pin source for a workflow or action file: `None` when online resolution is off.
/// Otherwise resolves the file's unknown refs first (network, bounded by timeouts).
pub fn pins_for(config: &Config, text: &str) -> Option<Arc<dyn PinSource>> {
    if !config.online {
        return None;
    }
    let base = api_base(config);
    let online = {
        let mut shared = SHARED.lock().unwrap_or_else(|e| e.into_inner());
        shared
            .entry(base.clone())
            .or_insert_with(|| {
                Arc::new(Online::new(
                    &base,
                    token_for(&base, |k| std::env::var(k).ok()),
                    default_cache_path(),
                    TIMEOUT,
                ))
            })
            .clone()
    };
    let refs = unresolved_refs(text);
    if !refs.is_empty() {
        online.prefetch(&refs);
    }
    Some(online)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{BufRead, BufReader, Write};
    use std::net::TcpListener;
    use std::sync::mpsc;

    const SHA: &str = "0123456789abcdef0123456789abcdef01234567";

    /// A one-thread HTTP server on 127.0.0.1: answers every request with `reply` and sends the
    /// request head (lower-cased) down the channel.
    fn server(reply: &'static str, delay: Option<Duration>) -> (String, mpsc::Receiver<String>) {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { continue };
                let mut head = String::new();
                let mut reader = BufReader::new(stream.try_clone().unwrap());
                loop {
                    let mut line = String::new();
                    if reader.read_line(&mut line).unwrap_or(0) == 0 || line.trim().is_empty() {
                        break;
                    }
                    head.push_str(&line.to_ascii_lowercase());
                }
                if tx.send(head).is_err() {
                    return;
                }
                if let Some(d) = delay {
                    std::thread::sleep(d);
                }
                let _ = stream.write_all(reply.as_bytes());
            }
        });
        (base, rx)
    }

    fn ok(body: &'static str) -> String {
        format!(
            "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        )
    }

    fn leak(s: String) -> &'static str {
        Box::leak(s.into_boxed_str())
    }

    fn online(base: &str, token: Option<&str>, cache: Option<PathBuf>) -> Online {
        Online::new(
            base,
            token.map(str::to_string),
            cache,
            Duration::from_millis(500),
        )
    }

    #[test]
    fn a_sha_body_resolves_and_sends_the_headers() {
        let (base, rx) = server(leak(ok(SHA)), None);
        let o = online(&base, Some("ghp_testtoken"), None);
        assert_eq!(o.fetch("Owner/Repo/sub", "v1"), Answer::Commit(SHA.into()));
        let head = rx.recv().unwrap();
        assert!(
            head.starts_with("get /repos/owner/repo/commits/v1 "),
            "{head}"
        );
        assert!(
            head.contains("accept: application/vnd.github.sha"),
            "{head}"
        );
        assert!(
            head.contains("authorization: bearer ghp_testtoken"),
            "{head}"
        );
        assert!(!format!("{o:?}").contains("ghp_testtoken"));
    }

    #[test]
    fn no_token_no_authorization_header() {
        let (base, rx) = server(leak(ok(SHA)), None);
        online(&base, None, None).fetch("o/r", "v1");
        assert!(!rx.recv().unwrap().contains("authorization"));
    }

    #[test]
    fn not_found_is_unknown() {
        let (base, _rx) = server(
            "HTTP/1.1 404 Not Found\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}",
            None,
        );
        assert_eq!(
            online(&base, None, None).fetch("o/r", "v9"),
            Answer::Unknown
        );
    }

    #[test]
    fn rate_limits_stop_the_run() {
        for status in ["403 Forbidden", "429 Too Many Requests"] {
            let reply = leak(format!(
                "HTTP/1.1 {status}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
            ));
            let (base, rx) = server(reply, None);
            let o = online(&base, None, None);
            assert!(matches!(o.fetch("o/r", "v1"), Answer::Stop(m) if m.contains("rate limit")));
            rx.recv().unwrap();
            // After a stop, a prefetch asks nothing more.
            o.prefetch(&[("o/r".into(), "v1".into()), ("o/r".into(), "v2".into())]);
            assert!(o.stopped());
            assert_eq!(rx.try_iter().count(), 1, "{status}: one request only");
        }
    }

    #[test]
    fn anything_but_a_bare_sha_is_malformed() {
        for body in [
            "not a sha",
            "{\"sha\": \"0123456789abcdef0123456789abcdef01234567\"}",
            "0123456789abcdef0123456789abcdef0123456",
            "0123456789abcdef0123456789abcdef0123456z",
            "0123456789abcdef0123456789abcdef012345670",
        ] {
            let (base, _rx) = server(leak(ok(leak(body.to_string()))), None);
            let o = online(&base, None, None);
            assert_eq!(o.fetch("o/r", "v1"), Answer::Malformed, "{body}");
            o.prefetch(&[("o/r".into(), "v1".into())]);
            assert_eq!(o.commit("o/r", "v1"), None);
        }
    }

    #[test]
    fn a_slow_server_times_out() {
        let (base, _rx) = server(leak(ok(SHA)), Some(Duration::from_secs(30)));
        let o = online(&base, None, None);
        let started = std::time::Instant::now();
        assert!(matches!(o.fetch("o/r", "v1"), Answer::Stop(_)));
        assert!(started.elapsed() < Duration::from_secs(20));
    }

    #[test]
    fn nothing_listening_stops_without_hanging() {
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let o = online(&format!("http://127.0.0.1:{port}"), None, None);
        assert!(matches!(o.fetch("o/r", "v1"), Answer::Stop(_)));
    }

    #[test]
    fn the_cache_answers_the_second_time_and_names_the_version() {
        let dir = tempfile::tempdir().unwrap();
        let cache = dir.path().join("sub").join("pins.json");
        let (base, rx) = server(leak(ok(SHA)), None);
        let refs = [("acme/deploy".to_string(), "v3.1".to_string())];
        let o = online(&base, None, Some(cache.clone()));
        o.prefetch(&refs);
        assert_eq!(o.commit("Acme/Deploy", "v3.1").as_deref(), Some(SHA));
        assert_eq!(o.tags_at("acme/deploy", SHA), vec!["v3.1".to_string()]);
        assert_eq!(rx.try_iter().count(), 1);
        // A new run reads the file: no request.
        let again = online(&base, None, Some(cache.clone()));
        again.prefetch(&refs);
        assert_eq!(again.commit("acme/deploy", "v3.1").as_deref(), Some(SHA));
        assert_eq!(rx.try_iter().count(), 0);
        // No temporary file is left behind.
        let names: Vec<_> = std::fs::read_dir(cache.parent().unwrap())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, vec![std::ffi::OsString::from("pins.json")]);
    }

    #[test]
    fn a_broken_cache_file_is_ignored() {
        let dir = tempfile::tempdir().unwrap();
        let cache = dir.path().join("pins.json");
        std::fs::write(&cache, b"{ not json").unwrap();
        let (base, _rx) = server(leak(ok(SHA)), None);
        let o = online(&base, None, Some(cache.clone()));
        o.prefetch(&[("o/r".into(), "main".into())]);
        assert_eq!(o.commit("o/r", "main").as_deref(), Some(SHA));
        assert!(serde_json::from_slice::<CacheFile>(&std::fs::read(&cache).unwrap()).is_ok());
    }

    #[test]
    fn unresolved_refs_skip_shas_the_table_and_odd_refs() {
        let text = "steps:\n  - uses: acme/deploy@v3\n  - uses: 'acme/deploy/sub@main' # c\n  \
                    - uses: acme/deploy@v3\n  - uses: acme/x@0123456789abcdef0123456789abcdef01234567\n  \
                    - uses: ./local\n  - uses: docker://alpine:3\n  - uses: acme/y@../../x\n";
        assert_eq!(
            unresolved_refs(text),
            vec![
                ("acme/deploy".to_string(), "v3".to_string()),
                ("acme/deploy".to_string(), "main".to_string()),
            ]
        );
    }

    #[test]
    fn tokens_go_only_to_the_host_they_belong_to() {
        let env = |pairs: &'static [(&'static str, &'static str)]| {
            move |k: &str| {
                pairs
                    .iter()
                    .find(|(name, _)| *name == k)
                    .map(|(_, v)| v.to_string())
            }
        };
        let gh = env(&[("GITHUB_TOKEN", "ghs_a"), ("GH_TOKEN", "gho_b")]);
        assert_eq!(token_for(DEFAULT_API, gh).as_deref(), Some("ghs_a"));
        assert_eq!(
            token_for("https://api.github.com/", gh).as_deref(),
            Some("ghs_a")
        );
        // github.com's token never goes to another host, nor over plain http.
        assert_eq!(token_for("http://127.0.0.1:9", gh), None);
        assert_eq!(token_for("https://ghe.example/api/v3", gh), None);
        assert_eq!(token_for("http://api.github.com", gh), None);
        // A GitHub Enterprise runner's own API gets the runner's token.
        let runner = env(&[
            ("GITHUB_TOKEN", "ghs_a"),
            ("GITHUB_API_URL", "https://ghe.example/api/v3"),
        ]);
        assert_eq!(
            token_for("https://ghe.example/api/v3", runner).as_deref(),
            Some("ghs_a")
        );
        assert_eq!(token_for("https://other.example/api/v3", runner), None);
        let ghe = env(&[("GH_ENTERPRISE_TOKEN", "e"), ("GITHUB_TOKEN", "ghs_a")]);
        assert_eq!(
            token_for("https://ghe.example/api/v3", ghe).as_deref(),
            Some("e")
        );
        assert_eq!(token_for(DEFAULT_API, ghe).as_deref(), Some("ghs_a"));
        // The user's own token for the endpoint they chose.
        let own = env(&[("CHAINWARDEN_GITHUB_TOKEN", "mine")]);
        assert_eq!(
            token_for("http://127.0.0.1:9", own).as_deref(),
            Some("mine")
        );
        assert_eq!(token_for(DEFAULT_API, env(&[])), None);
    }

    #[test]
    fn off_means_no_source() {
        assert!(pins_for(&Config::default(), "- uses: acme/deploy@v3\n").is_none());
    }
}
