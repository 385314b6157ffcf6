//! Online advisories from OSV (`https://api.osv.dev`), used only when the user turned online
//! resolution on. They refresh the built-in snapshot for `known-vulnerable-action`.
//!
//! The shells call [`advisories_for`] with a file's text before analysis (as for tag
//! resolution, [`super::online`]): the actions the file uses that the on-disk cache does not
//! hold a fresh answer for are asked in one `POST /v1/querybatch` (ecosystem `GitHub Actions`,
//! no version: OSV does not match versions for this ecosystem, so the ranges are matched
//! locally), then each advisory id not yet seen is read with `GET /v1/vulns/{id}`. Answers are
//! kept in `$XDG_CACHE_HOME/chainwarden/advisories.json` for a day. An unreachable server, a
//! rate limit or garbage stops the asking for the rest of the run with one line on stderr; the
//! result is then the built-in snapshot's.
//!
//! OSV takes no credential, and none is sent. The base URL comes from the user's settings only
//! (`CHAINWARDEN_OSV_API`, `[resolve] osv-url` of the user config), never from a repository.

use super::advisories::{repo_key, Advisory, Range, Version};
use super::http::Http;
use super::AdvisorySource;
use crate::config::Config;
use crate::finding::Severity;
use regex::Regex;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::PathBuf;
use std::sync::{Arc, LazyLock, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

pub const DEFAULT_OSV_API: &str = "https://api.osv.dev";
pub const ECOSYSTEM: &str = "GitHub Actions";
/// Advisories change slowly, but a new one matters: ask again after a day.
const CACHE_TTL_SECS: u64 = 24 * 3600;
const TIMEOUT: Duration = Duration::from_secs(5);
/// At most this many advisory records are read per run (each is one request).
const MAX_VULN_FETCHES: usize = 200;
/// Bodies larger than this are refused.
const MAX_BODY: u64 = 4 * 1024 * 1024;

/// The on-disk cache: `"{base}|{package}"` → what OSV said about that package.
#[derive(Default, Serialize, Deserialize)]
struct CacheFile {
    #[serde(default)]
    packages: BTreeMap<String, CachedPackage>,
}

#[derive(Clone, Serialize, Deserialize)]
struct CachedPackage {
    /// Seconds since the Unix epoch.
    fetched: u64,
    advisories: Vec<CachedAdvisory>,
}

#[derive(Clone, Serialize, Deserialize)]
struct CachedAdvisory {
    id: String,
    #[serde(default)]
    aliases: Vec<String>,
    package: String,
    severity: Severity,
    ranges: Vec<CachedRange>,
    #[serde(default)]
    summary: String,
}

#[derive(Clone, Serialize, Deserialize)]
struct CachedRange {
    introduced: String,
    fixed: Option<String>,
    last_affected: Option<String>,
}

impl CachedAdvisory {
    fn to_advisory(&self) -> Option<Advisory> {
        let ranges: Vec<Range> = self
            .ranges
            .iter()
            .filter_map(|r| {
                Some(Range {
                    introduced: Version::parse(&r.introduced)?,
                    fixed: match &r.fixed {
                        Some(f) => Some(Version::parse(f)?),
                        None => None,
                    },
                    last_affected: match &r.last_affected {
                        Some(l) => Some(Version::parse(l)?),
                        None => None,
                    },
                })
            })
            .collect();
        if ranges.is_empty() {
            return None;
        }
        Some(Advisory {
            id: self.id.clone(),
            aliases: self.aliases.clone(),
            package: self.package.to_ascii_lowercase(),
            severity: self.severity,
            ranges,
            commits: Vec::new(),
            secondary: false,
            summary: self.summary.clone(),
        })
    }
}

#[derive(Default)]
struct RunState {
    cache: CacheFile,
    /// Advisory records read in this run, by id (`None`: unreadable).
    vulns: HashMap<String, Option<Value>>,
    stopped: bool,
    dirty: bool,
}

/// One OSV endpoint's client with its cache. Shared by every file of a run.
pub struct Osv {
    base: String,
    cache_path: Option<PathBuf>,
    http: Http,
    state: Mutex<RunState>,
}

impl std::fmt::Debug for Osv {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Osv").field("base", &self.base).finish()
    }
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// The default cache file: `advisories.json` in [`super::cache_dir`].
pub fn default_cache_path() -> Option<PathBuf> {
    super::online::default_cache_path().map(|p| p.with_file_name("advisories.json"))
}

/// The OSV base the user chose (`CHAINWARDEN_OSV_API`, `[resolve] osv-url` of the user config),
/// else api.osv.dev.
pub fn osv_base(config: &Config) -> String {
    config
        .osv_url
        .as_deref()
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .unwrap_or(DEFAULT_OSV_API)
        .trim_end_matches('/')
        .to_string()
}

/// Why the asking stopped.
fn describe(e: &ureq::Error) -> String {
    match e {
        ureq::Error::Timeout(_) => "timed out".into(),
        ureq::Error::Io(io) => io.kind().to_string(),
        ureq::Error::HostNotFound => "host not found".into(),
        ureq::Error::ConnectionFailed => "connection failed".into(),
        _ => "request failed".into(),
    }
}

impl Osv {
    pub fn new(base: &str, cache_path: Option<PathBuf>, timeout: Duration) -> Osv {
        let cache = cache_path
            .as_ref()
            .and_then(|p| std::fs::read(p).ok())
            .and_then(|b| serde_json::from_slice::<CacheFile>(&b).ok())
            .unwrap_or_default();
        Osv {
            base: base.trim_end_matches('/').to_string(),
            cache_path,
            http: Http::new(timeout),
            state: Mutex::new(RunState {
                cache,
                ..RunState::default()
            }),
        }
    }

    fn key(&self, package: &str) -> String {
        format!("{}|{}", self.base, package.to_ascii_lowercase())
    }

    fn stop(&self, why: String) {
        let mut st = self.state.lock().unwrap_or_else(|e| e.into_inner());
        if !st.stopped {
            st.stopped = true;
            eprintln!(
                "chainwarden: {why}; advisories come from the built-in snapshot for this run"
            );
        }
    }

    /// Whether an error stopped the asking.
    pub fn stopped(&self) -> bool {
        self.state.lock().map(|s| s.stopped).unwrap_or(true)
    }

    /// Ask OSV about every package (`owner/repo[/path]`) without a fresh cached answer.
    pub fn prefetch(&self, packages: &[String]) {
        let wanted: Vec<String> = {
            let st = self.state.lock().unwrap_or_else(|e| e.into_inner());
            if st.stopped {
                return;
            }
            let mut seen = HashSet::new();
            packages
                .iter()
                .map(|p| p.to_ascii_lowercase())
                .filter(|p| seen.insert(p.clone()))
                .filter(|p| {
                    st.cache
                        .packages
                        .get(&self.key(p))
                        .is_none_or(|c| now().saturating_sub(c.fetched) >= CACHE_TTL_SECS)
                })
                .collect()
        };
        if wanted.is_empty() {
            return;
        }
        let mut answers: Vec<(String, Vec<CachedAdvisory>)> = Vec::new();
        // OSV takes at most 1,000 queries per batch.
        for chunk in wanted.chunks(1000) {
            let Some(ids) = self.query_batch(chunk) else {
                return;
            };
            'package: for (package, ids) in chunk.iter().zip(ids) {
                let mut advisories = Vec::new();
                for id in ids {
                    let Some(record) = self.vuln(&id) else {
                        if self.stopped() {
                            return;
                        }
                        if !self.was_read(&id) {
                            // Over this run's budget of records: not cached as complete.
                            continue 'package;
                        }
                        continue; // 404: the id is gone
                    };
                    advisories.extend(parse_vuln(&record, package));
                }
                answers.push((package.clone(), advisories));
            }
        }
        {
            let mut st = self.state.lock().unwrap_or_else(|e| e.into_inner());
            let fetched = now();
            for (package, advisories) in answers {
                st.cache.packages.insert(
                    self.key(&package),
                    CachedPackage {
                        fetched,
                        advisories,
                    },
                );
            }
            st.dirty = true;
        }
        self.save();
    }

    /// `POST /v1/querybatch`: the advisory ids of each package, in order. `None` after a stop.
    fn query_batch(&self, packages: &[String]) -> Option<Vec<Vec<String>>> {
        let queries: Vec<Value> = packages
            .iter()
            .map(|p| serde_json::json!({"package": {"name": p, "ecosystem": ECOSYSTEM}}))
            .collect();
        let body = serde_json::json!({ "queries": queries }).to_string();
        let url = format!("{}/v1/querybatch", self.base);
        let value = match self.http.post_json(&url, &body) {
            Ok(mut resp) => {
                let status = resp.status().as_u16();
                if status != 200 {
                    self.stop(format!("OSV at {} answered HTTP {status}", self.base));
                    return None;
                }
                let text = resp
                    .body_mut()
                    .with_config()
                    .limit(MAX_BODY)
                    .read_to_string();
                match text
                    .ok()
                    .and_then(|t| serde_json::from_str::<Value>(&t).ok())
                {
                    Some(v) => v,
                    None => {
                        self.stop(format!("OSV at {} sent an unreadable answer", self.base));
                        return None;
                    }
                }
            }
            Err(e) => {
                self.stop(format!(
                    "cannot reach OSV at {} ({})",
                    self.base,
                    describe(&e)
                ));
                return None;
            }
        };
        let Some(results) = value.get("results").and_then(Value::as_array) else {
            self.stop(format!("OSV at {} sent an unreadable answer", self.base));
            return None;
        };
        if results.len() != packages.len() {
            self.stop(format!("OSV at {} sent an unreadable answer", self.base));
            return None;
        }
        Some(
            results
                .iter()
                .map(|r| {
                    r.get("vulns")
                        .and_then(Value::as_array)
                        .map(|vs| {
                            vs.iter()
                                .filter_map(|v| v.get("id").and_then(Value::as_str))
                                .filter(|id| safe_id(id))
                                .map(str::to_string)
                                .collect()
                        })
                        .unwrap_or_default()
                })
                .collect(),
        )
    }

    /// Whether `GET /v1/vulns/{id}` was asked in this run.
    fn was_read(&self, id: &str) -> bool {
        self.state
            .lock()
            .map(|s| s.vulns.contains_key(id))
            .unwrap_or(false)
    }

    /// `GET /v1/vulns/{id}`, once per run.
    fn vuln(&self, id: &str) -> Option<Value> {
        {
            let st = self.state.lock().unwrap_or_else(|e| e.into_inner());
            if let Some(v) = st.vulns.get(id) {
                return v.clone();
            }
            if st.stopped || st.vulns.len() >= MAX_VULN_FETCHES {
                return None;
            }
        }
        let url = format!("{}/v1/vulns/{id}", self.base);
        let answer = match self.http.get(&url, &[("Accept", "application/json")], None) {
            Ok(mut resp) if resp.status().as_u16() == 200 => resp
                .body_mut()
                .with_config()
                .limit(MAX_BODY)
                .read_to_string()
                .ok()
                .and_then(|t| serde_json::from_str::<Value>(&t).ok()),
            Ok(resp) if resp.status().as_u16() == 404 => None,
            Ok(resp) => {
                self.stop(format!(
                    "OSV at {} answered HTTP {}",
                    self.base,
                    resp.status().as_u16()
                ));
                return None;
            }
            Err(e) => {
                self.stop(format!(
                    "cannot reach OSV at {} ({})",
                    self.base,
                    describe(&e)
                ));
                return None;
            }
        };
        let mut st = self.state.lock().unwrap_or_else(|e| e.into_inner());
        st.vulns.insert(id.to_string(), answer.clone());
        answer
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
}

impl AdvisorySource for Osv {
    fn advisories(&self, action: &str) -> Option<Vec<Advisory>> {
        let st = self.state.lock().ok()?;
        let lower = action.to_ascii_lowercase();
        let repo = repo_key(&lower);
        let mut keys = vec![repo.clone()];
        if lower != repo {
            keys.push(lower);
        }
        let mut found = false;
        let mut out: Vec<Advisory> = Vec::new();
        for key in keys {
            if let Some(cached) = st.cache.packages.get(&self.key(&key)) {
                found = true;
                for a in cached
                    .advisories
                    .iter()
                    .filter_map(CachedAdvisory::to_advisory)
                {
                    if !out.iter().any(|o| o.id == a.id && o.package == a.package) {
                        out.push(a);
                    }
                }
            }
        }
        found.then_some(out)
    }
}

/// GHSA / OSV ids are `[A-Za-z0-9-]`: anything else is not put into a URL.
fn safe_id(id: &str) -> bool {
    !id.is_empty() && id.len() < 64 && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
}

/// The parts of an OSV record about `package` (its `affected` entries of the GitHub Actions
/// ecosystem with that name), as cacheable advisories.
fn parse_vuln(record: &Value, package: &str) -> Vec<CachedAdvisory> {
    let Some(id) = record.get("id").and_then(Value::as_str) else {
        return Vec::new();
    };
    let aliases: Vec<String> = record
        .get("aliases")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default();
    let summary = record
        .get("summary")
        .and_then(Value::as_str)
        .or_else(|| record.get("details").and_then(Value::as_str))
        .unwrap_or("")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    let record_severity = record
        .get("database_specific")
        .and_then(|d| d.get("severity"))
        .and_then(Value::as_str);
    let mut out = Vec::new();
    for affected in record
        .get("affected")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let pkg = affected.get("package");
        let name = pkg.and_then(|p| p.get("name")).and_then(Value::as_str);
        let eco = pkg.and_then(|p| p.get("ecosystem")).and_then(Value::as_str);
        let Some(name) = name else { continue };
        let name = name
            .trim()
            .trim_start_matches("https://github.com/")
            .trim_matches('/');
        if eco != Some(ECOSYSTEM) || !name.eq_ignore_ascii_case(package) {
            continue;
        }
        let bound = affected
            .get("database_specific")
            .and_then(|d| d.get("last_known_affected_version_range"))
            .and_then(Value::as_str);
        let mut ranges = Vec::new();
        for range in affected
            .get("ranges")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            if range.get("type").and_then(Value::as_str) != Some("ECOSYSTEM") {
                continue;
            }
            let mut current: Option<CachedRange> = None;
            for ev in range
                .get("events")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                let text = |k: &str| ev.get(k).and_then(Value::as_str).map(str::to_string);
                if let Some(intro) = text("introduced") {
                    if let Some(open) = current.take() {
                        ranges.push(open);
                    }
                    current = Some(CachedRange {
                        introduced: intro,
                        fixed: None,
                        last_affected: None,
                    });
                } else if let Some(fixed) = text("fixed") {
                    if let Some(mut open) = current.take() {
                        open.fixed = Some(fixed);
                        ranges.push(open);
                    }
                } else if let Some(last) = text("last_affected") {
                    if let Some(mut open) = current.take() {
                        open.last_affected = Some(last);
                        ranges.push(open);
                    }
                }
            }
            if let Some(mut open) = current {
                // An open range: GitHub's `last_known_affected_version_range` bounds it.
                apply_bound(&mut open, bound);
                ranges.push(open);
            }
        }
        if ranges.is_empty() {
            continue;
        }
        let severity = affected
            .get("database_specific")
            .and_then(|d| d.get("severity"))
            .and_then(Value::as_str)
            .or(record_severity)
            .and_then(parse_severity)
            .unwrap_or(Severity::Medium);
        out.push(CachedAdvisory {
            id: id.to_string(),
            aliases: aliases.clone(),
            package: name.to_ascii_lowercase(),
            severity,
            ranges,
            summary: summary.clone(),
        });
    }
    out
}

/// `< 3.0.0` → fixed 3.0.0; `<= 45.0.7` → last affected 45.0.7.
fn apply_bound(range: &mut CachedRange, bound: Option<&str>) {
    let Some(b) = bound.map(str::trim) else {
        return;
    };
    if let Some(v) = b.strip_prefix("<=") {
        range.last_affected = Some(v.trim().to_string());
    } else if let Some(v) = b.strip_prefix('<') {
        range.fixed = Some(v.trim().to_string());
    }
}

/// GHSA's words: `CRITICAL`, `HIGH`, `MODERATE`, `LOW`.
fn parse_severity(s: &str) -> Option<Severity> {
    match s.to_ascii_lowercase().as_str() {
        "moderate" => Some(Severity::Medium),
        other => Severity::parse(other),
    }
}

static USES: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r#"(?m)^[ \t-]*["']?uses["']?[ \t]*:[ \t]*["']?([A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+)(/[A-Za-z0-9_./-]*)?@"#,
    )
    .expect("valid regex")
});

/// The OSV package names to ask about for a file: `owner/repo` of every action it uses, and
/// `owner/repo/path` as well when it names a path (some advisories name a sub-action).
pub fn packages_in(text: &str) -> Vec<String> {
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    for c in USES.captures_iter(text) {
        let repo = c[1].to_ascii_lowercase();
        let mut names = vec![repo.clone()];
        if let Some(path) = c.get(2).map(|m| m.as_str().trim_end_matches('/')) {
            if path.len() > 1 && !path.contains("..") {
                names.push(format!("{repo}{}", path.to_ascii_lowercase()));
            }
        }
        for n in names {
            if seen.insert(n.clone()) {
                out.push(n);
            }
        }
    }
    out
}

/// One client per OSV base for the whole process (cache and stop state shared by every file).
static SHARED: LazyLock<Mutex<HashMap<String, Arc<Osv>>>> = LazyLock::new(Default::default);

/// The advisory source for a workflow or action file: `None` when online is off. Otherwise
/// asks OSV about the file's actions first (network, bounded by timeouts).
pub fn advisories_for(config: &Config, text: &str) -> Option<Arc<dyn AdvisorySource>> {
    if !config.online {
        return None;
    }
    let base = osv_base(config);
    let osv = {
        let mut shared = SHARED.lock().unwrap_or_else(|e| e.into_inner());
        shared
            .entry(base.clone())
            .or_insert_with(|| Arc::new(Osv::new(&base, default_cache_path(), TIMEOUT)))
            .clone()
    };
    let packages = packages_in(text);
    if !packages.is_empty() {
        osv.prefetch(&packages);
    }
    Some(osv)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn packages_of_a_file() {
        let text = "steps:\n  - uses: Tj-Actions/changed-files@v45\n  - uses: 'super-linter/super-linter/slim@v6'\n  \
                    - uses: github/codeql-action/init@v3\n  - uses: ./local\n  - uses: docker://x\n  \
                    - uses: tj-actions/changed-files@v46\n";
        assert_eq!(
            packages_in(text),
            vec![
                "tj-actions/changed-files",
                "super-linter/super-linter",
                "super-linter/super-linter/slim",
                "github/codeql-action",
                "github/codeql-action/init",
            ]
        );
    }

    #[test]
    fn an_osv_record_becomes_advisories() {
        let record = serde_json::json!({
            "id": "GHSA-vqf5-2xx6-9wfm",
            "aliases": ["CVE-2025-24362"],
            "summary": "debug artifacts  may\nleak secrets",
            "database_specific": {"severity": "HIGH"},
            "affected": [
                {"package": {"ecosystem": "GitHub Actions", "name": "github/codeql-action"},
                 "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "3.26.11"}, {"fixed": "3.28.3"}]}]},
                {"package": {"ecosystem": "GitHub Actions", "name": "github/codeql-action"},
                 "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "2.26.11"}]}],
                 "database_specific": {"last_known_affected_version_range": "< 3.0.0"}},
                {"package": {"ecosystem": "npm", "name": "github/codeql-action"},
                 "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}]}]}
            ]
        });
        let parsed = parse_vuln(&record, "github/codeql-action");
        assert_eq!(parsed.len(), 2);
        let a = parsed[1].to_advisory().unwrap();
        assert_eq!(a.severity, Severity::High);
        assert_eq!(a.summary, "debug artifacts may leak secrets");
        assert!(a.range_for(&Version::parse("2.28.1").unwrap()).is_some());
        assert!(a.range_for(&Version::parse("3.0.0").unwrap()).is_none());
        assert!(parse_vuln(&record, "other/action").is_empty());
        assert_eq!(parse_severity("MODERATE"), Some(Severity::Medium));
    }

    #[test]
    fn off_means_no_source() {
        assert!(advisories_for(&Config::default(), "- uses: a/b@v1\n").is_none());
    }

    #[test]
    fn ids_that_are_not_safe_in_a_url_are_dropped() {
        assert!(safe_id("GHSA-mrrh-fwg8-r2c3") && !safe_id("../x") && !safe_id("a/b"));
    }
}
