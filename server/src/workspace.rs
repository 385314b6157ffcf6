//! Facts about a file's surroundings that rules need (lockfiles, `.npmrc`). Gathered by the
//! shells (CLI, language server), which do the I/O; the engine only reads them.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, LazyLock, Mutex};
use std::time::SystemTime;

mod local_uses;
mod lockfile;

pub use local_uses::{local_key, LocalTarget, LocalUses};

pub use lockfile::{
    exact_version, parse_bun_lock, parse_package_lock, parse_pnpm_lock, parse_yarn_lock,
    ParsedLock, Resolved,
};

/// Names of lockfiles that count for `missing-lockfile`.
pub const LOCKFILE_NAMES: &[&str] = &[
    "package-lock.json",
    "npm-shrinkwrap.json",
    "pnpm-lock.yaml",
    "yarn.lock",
    "bun.lock",
    "bun.lockb",
];

/// Lockfiles whose resolved versions we read, in order of preference.
const PARSEABLE_LOCKFILES: &[&str] = &[
    "npm-shrinkwrap.json",
    "package-lock.json",
    "pnpm-lock.yaml",
    "yarn.lock",
    "bun.lock",
];

/// How many folders above a package.json we look for the workspace root.
const MAX_WORKSPACE_DEPTH: usize = 8;

/// Versions a lockfile resolved for one package.json, keyed by the dependency name as written
/// in that package.json.
#[derive(Clone, Debug, Default)]
pub struct Lockfile {
    /// The lockfile as the user should read it from the package.json's folder:
    /// `package-lock.json` beside it, or `../../pnpm-lock.yaml` at the workspace root.
    pub file_name: String,
    /// Exact resolved version per dependency (`3.23.8`; peer suffixes stripped).
    pub versions: HashMap<String, String>,
    /// The commit a git dependency resolved to (40 hex), per dependency name.
    pub commits: HashMap<String, String>,
    /// `name@spec` as declared → exact version (yarn.lock; consulted before `versions`).
    pub by_descriptor: HashMap<String, String>,
}

impl Lockfile {
    /// The exact version the lockfile resolved for dependency `name` declared as `spec`.
    pub fn resolved(&self, name: &str, spec: &str) -> Option<&str> {
        let descriptor = |s: &str| self.by_descriptor.get(&format!("{name}@{s}"));
        descriptor(spec)
            .or_else(|| descriptor(&format!("npm:{spec}")))
            .or_else(|| self.versions.get(name))
            .map(String::as_str)
    }
}

#[derive(Clone, Debug, Default)]
pub struct Facts {
    /// Lockfiles found beside the file.
    pub lockfiles_beside: Vec<String>,
    /// For a package.json inside an npm/yarn/pnpm workspace: the workspace root folder (the one
    /// whose package.json declares `workspaces`, or that holds `pnpm-workspace.yaml`).
    pub workspace_root: Option<PathBuf>,
    /// Lockfiles at the workspace root (display paths relative to the file's folder), when the
    /// file is a workspace member.
    pub workspace_lockfiles: Vec<String>,
    /// The first parseable lockfile (package-lock v2/v3 or pnpm-lock) beside the file, else at
    /// its workspace root, narrowed to this package's entries.
    pub lockfile: Option<Lockfile>,
    /// The workspace root `.npmrc` sets `ignore-scripts=true`.
    pub npmrc_ignore_scripts: bool,
    /// For a workflow under `<repo>/.github/workflows/`: `<repo>/package.json` sets
    /// `publishConfig.provenance` to true (its `npm publish` then needs `id-token: write`).
    pub package_publish_provenance: bool,
    /// For workflows: whether the repository root holds an npm lockfile (`npm ci` needs one);
    /// `None` when the file is not inside a `<repo>/.github/workflows` layout.
    pub repo_npm_lockfile: Option<bool>,
    /// For workflows under `<repo>/.github/workflows/`: the local actions (`./path`) and
    /// reusable workflows of the repository that its workflows use, read from their files
    /// (SPEC §7.9: a job's token needs include theirs). A `./path` missing here is unknown.
    pub local_uses: LocalUses,
    /// For workflows under `<repo>/.github/workflows/`: what `<repo>/package.json` and
    /// `<repo>/pnpm-workspace.yaml` say about installs; `None` when neither exists.
    pub repo_package: Option<RepoPackage>,
    /// For `.github/dependabot.yml`: how the repository's workflows pin their actions; `None`
    /// when the file is not in a `<repo>/.github/` layout.
    pub actions_pinning: Option<ActionsPinning>,
    /// Files these facts were read from: when one changes, gather again (language server).
    pub depends_on: Vec<PathBuf>,
    /// Tag → commit knowledge beyond the built-in table (the online resolver's cache), filled
    /// by the shells when online resolution is enabled.
    pub pins: Option<std::sync::Arc<dyn crate::resolve::PinSource>>,
    /// Advisories beyond the built-in snapshot (the OSV client's cache), filled by the shells
    /// when online is on.
    pub advisories: Option<std::sync::Arc<dyn crate::resolve::AdvisorySource>>,
}

/// Install-related settings of the repository's root package (for workflows).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RepoPackage {
    /// `packageManager` of the root package.json (`pnpm@10.4.1`).
    pub package_manager: Option<String>,
    /// pnpm's `onlyBuiltDependencies` (package.json `pnpm.onlyBuiltDependencies` and
    /// pnpm-workspace.yaml together); `None` when neither sets it.
    pub pnpm_only_built: Option<Vec<String>>,
    /// `dangerouslyAllowAllBuilds: true` (pnpm 10 runs every dependency's scripts again).
    pub pnpm_allow_all_builds: bool,
    /// Names of the root package.json's `scripts`.
    pub root_scripts: Vec<String>,
    /// Yarn runs no lifecycle scripts: `enableScripts: false` in `.yarnrc.yml` (Yarn 2+) or
    /// `ignore-scripts true` in `.yarnrc` (Yarn 1).
    pub yarn_scripts_disabled: bool,
    /// The repository uses Yarn 2 or later (`packageManager: yarn@2+`, or a `.yarnrc.yml`),
    /// whose install has no `--ignore-scripts` flag.
    pub yarn_berry: bool,
}

impl RepoPackage {
    /// The major version of pnpm that `packageManager` names, if it names pnpm.
    pub fn pnpm_major(&self) -> Option<u32> {
        let spec = self.package_manager.as_deref()?.strip_prefix("pnpm@")?;
        major_of(spec)
    }
}

/// The major version a version spec asks for: `10`, `10.x`, `^10.2.0`, `v10` → 10; `latest`
/// (any release since January 2025) → 10; `latest-9` → 9. `None` for expressions and ranges
/// it cannot read.
pub fn major_of(spec: &str) -> Option<u32> {
    let s = spec.trim().trim_matches(['"', '\'']);
    if s == "latest" {
        return Some(10);
    }
    let s = s.strip_prefix("latest-").unwrap_or(s);
    // `>=9` may be 9: only a lower bound of 10 or more says enough.
    let at_least = s.starts_with('>');
    let s = s.trim_start_matches(['^', '~', '>', '=', 'v', ' ']);
    let digits: String = s.chars().take_while(char::is_ascii_digit).collect();
    let major: u32 = digits.parse().ok()?;
    (!at_least || major >= 10).then_some(major)
}

/// How the workflows of a repository (`.github/workflows/**/*.yml|yaml`) refer to actions:
/// `owner/repo[/path]@ref` references counted by a line scan (local `./` and `docker://` refs
/// are not counted).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ActionsPinning {
    /// References whose ref is a full 40-hex commit SHA.
    pub sha_pinned: usize,
    /// Every repository reference.
    pub total: usize,
}

impl ActionsPinning {
    /// The repository pins actions by SHA: at least one reference is SHA-pinned. One is enough:
    /// each such pin stays on its commit until something moves it, so a single pin already
    /// needs Dependabot's `github-actions` updates to receive fixes.
    pub fn pins_by_sha(&self) -> bool {
        self.sha_pinned > 0
    }

    /// Count the repository action references in one workflow's text.
    pub fn add_workflow(&mut self, text: &str) {
        for line in text.lines() {
            let t = line.trim_start().trim_start_matches("- ").trim_start();
            let Some(rest) = t.strip_prefix("uses:") else {
                continue;
            };
            let value = rest.trim().trim_matches(|c| c == '"' || c == '\'');
            let value = value
                .split([' ', '\t', '#', '"', '\''])
                .next()
                .unwrap_or("");
            if value.starts_with('.') || value.starts_with("docker://") || value.contains("${{") {
                continue;
            }
            let Some((action, git_ref)) = value.rsplit_once('@') else {
                continue;
            };
            if !action.contains('/') {
                continue;
            }
            self.total += 1;
            if crate::model::workflow::is_full_sha(git_ref) {
                self.sha_pinned += 1;
            }
        }
    }
}

impl Facts {
    /// Some lockfile covers this package.json: beside it or at its workspace root.
    pub fn has_lockfile(&self) -> bool {
        !self.lockfiles_beside.is_empty() || !self.workspace_lockfiles.is_empty()
    }
}

/// Read what the rules need about `path`'s surroundings. `root` is the workspace root.
/// Cheap for every kind; lockfiles are only read for package.json files.
pub fn gather(path: &Path, root: Option<&Path>) -> Facts {
    let mut facts = Facts::default();
    let dir = path.parent().map(|d| {
        if d.as_os_str().is_empty() {
            Path::new(".")
        } else {
            d
        }
    });
    if let Some(dir) = dir {
        for name in LOCKFILE_NAMES {
            if dir.join(name).is_file() {
                facts.lockfiles_beside.push(name.to_string());
            }
        }
        if path.file_name().is_some_and(|n| n == "package.json") {
            gather_package(dir, &mut facts);
        }
        if let Some(repo) = dependabot_repo_root(path) {
            let workflows = repo.join(".github").join("workflows");
            facts.actions_pinning = Some(actions_pinning(&workflows));
            facts.depends_on.push(workflows);
        }
        if let Some(repo) = workflow_repo_root(dir) {
            let manifest = repo.join("package.json");
            facts.package_publish_provenance = package_sets_provenance(&manifest);
            facts.repo_package = read_repo_package(repo);
            facts.depends_on.push(manifest);
            facts.depends_on.push(repo.join("pnpm-workspace.yaml"));
            facts.depends_on.push(repo.join(".yarnrc.yml"));
            facts.depends_on.push(repo.join(".yarnrc"));
            let npm_locks = ["package-lock.json", "npm-shrinkwrap.json"].map(|n| repo.join(n));
            facts.repo_npm_lockfile = Some(npm_locks.iter().any(|l| l.is_file()));
            facts.depends_on.extend(npm_locks);
            facts.local_uses = local_uses::gather(repo, &mut facts.depends_on);
        }
    }
    let root = root.or(dir);
    if let Some(root) = root {
        let npmrc = root.join(".npmrc");
        if let Ok(text) = std::fs::read_to_string(&npmrc) {
            facts.npmrc_ignore_scripts = npmrc_sets_ignore_scripts(&text);
        }
        facts.depends_on.push(npmrc);
    }
    facts
}

/// `<repo>` for `<repo>/.github/dependabot.yml` (or `.yaml`).
fn dependabot_repo_root(path: &Path) -> Option<&Path> {
    let name = path.file_name()?.to_str()?.to_ascii_lowercase();
    if name != "dependabot.yml" && name != "dependabot.yaml" {
        return None;
    }
    let github = path.parent()?;
    if github.file_name()? != ".github" {
        return None;
    }
    Some(github.parent().unwrap_or(Path::new("")))
}

/// Scan every workflow under `dir` (any depth, as [`crate::kind::detect`] counts them).
fn actions_pinning(dir: &Path) -> ActionsPinning {
    let mut pinning = ActionsPinning::default();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "yml" || x == "yaml") {
                if let Ok(text) = std::fs::read_to_string(&p) {
                    pinning.add_workflow(&text);
                }
            }
        }
    }
    pinning
}

/// `<repo>` for a folder `<repo>/.github/workflows[/…]`, or `<repo>/.github/actions/…` (a
/// local action's steps run in the repository's checkout too).
fn workflow_repo_root(dir: &Path) -> Option<&Path> {
    let mut current = dir;
    loop {
        let parent = current.parent()?;
        if current
            .file_name()
            .is_some_and(|n| n == "workflows" || n == "actions")
            && parent.file_name().is_some_and(|n| n == ".github")
        {
            return parent.parent();
        }
        current = parent;
    }
}

/// Whether the package.json at `path` sets `publishConfig.provenance` to true.
fn package_sets_provenance(path: &Path) -> bool {
    let Ok(text) = std::fs::read_to_string(path) else {
        return false;
    };
    if !text.contains("provenance") {
        return false;
    }
    let doc = crate::syntax::json::parse(&text);
    let m = crate::model::package::PackageManifest::from_json(&doc, &text);
    m.publish_provenance.is_some_and(|(on, _)| on)
}

/// Lockfile facts for the package.json in `dir`.
fn gather_package(dir: &Path, facts: &mut Facts) {
    for name in LOCKFILE_NAMES {
        facts.depends_on.push(dir.join(name));
    }
    if let Some(lock) = read_lockfile(dir, dir, "") {
        facts.lockfile = Some(lock);
    }
    let Some((ws_root, member)) = find_workspace_root(dir) else {
        return;
    };
    facts.depends_on.push(ws_root.join("package.json"));
    facts.depends_on.push(ws_root.join("pnpm-workspace.yaml"));
    let up = member
        .split('/')
        .filter(|s| !s.is_empty())
        .map(|_| "..")
        .collect::<Vec<_>>();
    let prefix = if up.is_empty() {
        String::new()
    } else {
        format!("{}/", up.join("/"))
    };
    for name in LOCKFILE_NAMES {
        let p = ws_root.join(name);
        facts.depends_on.push(p.clone());
        if !member.is_empty() && p.is_file() {
            facts.workspace_lockfiles.push(format!("{prefix}{name}"));
        }
    }
    if facts.lockfile.is_none() && !member.is_empty() {
        facts.lockfile = read_lockfile(&ws_root, dir, &member);
    }
    facts.workspace_root = Some(ws_root);
}

/// Read the preferred parseable lockfile in `lock_dir` for the package in `pkg_dir`, whose
/// path relative to `lock_dir` is `member` (`""` for the same folder).
fn read_lockfile(lock_dir: &Path, pkg_dir: &Path, member: &str) -> Option<Lockfile> {
    for name in PARSEABLE_LOCKFILES {
        let Some(parsed) = cached_lockfile(&lock_dir.join(name)) else {
            continue;
        };
        let resolved = parsed.for_importer(member);
        let file_name = if lock_dir == pkg_dir {
            name.to_string()
        } else {
            let depth = member.split('/').filter(|s| !s.is_empty()).count();
            format!("{}{name}", "../".repeat(depth))
        };
        return Some(Lockfile {
            file_name,
            versions: resolved.versions,
            commits: resolved.commits,
            by_descriptor: resolved.by_descriptor,
        });
    }
    None
}

/// Parsed lockfiles by path, reused while the file's size and modification time stay the same
/// (the language server gathers facts on every analysis of a package.json; workspace members
/// share the root lockfile).
static LOCKFILE_CACHE: LazyLock<Mutex<HashMap<PathBuf, CachedLock>>> =
    LazyLock::new(Default::default);

struct CachedLock {
    modified: Option<SystemTime>,
    len: u64,
    parsed: Option<Arc<ParsedLock>>,
}

/// Parse the lockfile at `path` (package-lock/shrinkwrap JSON or pnpm-lock YAML), from the
/// cache when it has not changed. `None` when it is missing or unreadable.
fn cached_lockfile(path: &Path) -> Option<Arc<ParsedLock>> {
    let meta = std::fs::metadata(path).ok()?;
    if !meta.is_file() {
        return None;
    }
    let (modified, len) = (meta.modified().ok(), meta.len());
    if let Some(hit) = LOCKFILE_CACHE.lock().ok()?.get(path) {
        if hit.modified == modified && hit.len == len && modified.is_some() {
            return hit.parsed.clone();
        }
    }
    let text = std::fs::read_to_string(path).ok()?;
    let parsed = match path.file_name().and_then(|n| n.to_str()) {
        Some("pnpm-lock.yaml") => lockfile::parse_pnpm_lock(&text),
        Some("yarn.lock") => lockfile::parse_yarn_lock(&text),
        Some("bun.lock") => lockfile::parse_bun_lock(&text),
        _ => lockfile::parse_package_lock(&text),
    }
    .map(Arc::new);
    if let Ok(mut cache) = LOCKFILE_CACHE.lock() {
        cache.insert(
            path.to_path_buf(),
            CachedLock {
                modified,
                len,
                parsed: parsed.clone(),
            },
        );
    }
    parsed
}

/// Walk up from `dir` to the folder that declares a workspace containing `dir`. Returns that
/// root and `dir`'s path relative to it (`/`-separated, `""` when `dir` is the root itself).
pub fn find_workspace_root(dir: &Path) -> Option<(PathBuf, String)> {
    let dir = std::path::absolute(dir).ok()?;
    let mut parts: Vec<String> = Vec::new();
    let mut current = dir.as_path();
    for _ in 0..=MAX_WORKSPACE_DEPTH {
        let member = parts.iter().rev().cloned().collect::<Vec<_>>().join("/");
        if let Some(globs) = workspace_globs(current) {
            if member.is_empty() || globs_match(&globs, &member) {
                return Some((current.to_path_buf(), member));
            }
        }
        // Stop at a repository boundary.
        if current.join(".git").exists() {
            return None;
        }
        parts.push(current.file_name()?.to_string_lossy().into_owned());
        current = current.parent()?;
    }
    None
}

/// The workspace globs `dir` declares (package.json `workspaces` or pnpm-workspace.yaml), if any.
fn workspace_globs(dir: &Path) -> Option<Vec<String>> {
    if let Ok(text) = std::fs::read_to_string(dir.join("pnpm-workspace.yaml")) {
        return Some(pnpm_workspace_packages(&text));
    }
    let text = std::fs::read_to_string(dir.join("package.json")).ok()?;
    if !text.contains("\"workspaces\"") {
        return None;
    }
    let doc = crate::syntax::json::parse(&text);
    let m = crate::model::package::PackageManifest::from_json(&doc, &text);
    m.declares_workspaces
        .then(|| m.workspaces.into_iter().map(|(g, _)| g).collect())
}

/// The `packages:` list of a pnpm-workspace.yaml (block or flow style).
fn pnpm_workspace_packages(text: &str) -> Vec<String> {
    top_level_list(text, "packages").unwrap_or_default()
}

/// A top-level list of a simple YAML file (block or flow style); `None` when the key is absent.
fn top_level_list(text: &str, key: &str) -> Option<Vec<String>> {
    let mut out: Option<Vec<String>> = None;
    let mut inside = false;
    let prefix = format!("{key}:");
    for line in text.lines() {
        let trimmed = line.trim();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        let top_level =
            !line.starts_with(' ') && !line.starts_with('\t') && !trimmed.starts_with('-');
        if top_level {
            inside = false;
            if let Some(rest) = trimmed.strip_prefix(&prefix) {
                let rest = rest.split(" #").next().unwrap_or(rest).trim();
                let list = out.get_or_insert_with(Vec::new);
                if let Some(flow) = rest.strip_prefix('[').and_then(|r| r.strip_suffix(']')) {
                    list.extend(flow.split(',').map(unquote).filter(|s| !s.is_empty()));
                } else {
                    inside = true;
                }
            }
            continue;
        }
        if inside {
            if let Some(item) = trimmed.strip_prefix('-') {
                let item = item.split(" #").next().unwrap_or(item);
                if let Some(list) = out.as_mut() {
                    list.push(unquote(item));
                }
            }
        }
    }
    out
}

/// Packages set to `true` in pnpm's `allowBuilds:` map (the newer form of the allow-list).
fn allow_builds_map(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut inside = false;
    for line in text.lines() {
        let trimmed = line.trim();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        if !line.starts_with(' ') && !line.starts_with('\t') {
            inside = trimmed.starts_with("allowBuilds:");
            continue;
        }
        if inside {
            if let Some((name, value)) = trimmed.rsplit_once(':') {
                if value.split(" #").next().unwrap_or(value).trim() == "true" {
                    out.push(unquote(name));
                }
            }
        }
    }
    out
}

/// A top-level `key: true` of a simple YAML file.
fn top_level_true(text: &str, key: &str) -> bool {
    text.lines().any(|line| {
        line.strip_prefix(key)
            .and_then(|r| r.strip_prefix(':'))
            .is_some_and(|v| v.split(" #").next().unwrap_or(v).trim() == "true")
    })
}

/// What the repository's root package.json and pnpm-workspace.yaml say about installs
/// (`install-scripts-with-secrets`).
fn read_repo_package(repo: &Path) -> Option<RepoPackage> {
    let manifest = std::fs::read_to_string(repo.join("package.json")).ok();
    let workspace = std::fs::read_to_string(repo.join("pnpm-workspace.yaml")).ok();
    if manifest.is_none() && workspace.is_none() {
        return None;
    }
    let mut out = RepoPackage::default();
    let berry = std::fs::read_to_string(repo.join(".yarnrc.yml")).ok();
    let classic = std::fs::read_to_string(repo.join(".yarnrc")).ok();
    out.yarn_berry = berry.is_some();
    out.yarn_scripts_disabled = berry.as_deref().is_some_and(|t| {
        t.lines().any(|l| {
            l.strip_prefix("enableScripts:")
                .is_some_and(|v| v.split(" #").next().unwrap_or(v).trim() == "false")
        })
    }) || classic.as_deref().is_some_and(|t| {
        t.lines().any(|l| {
            let words: Vec<&str> = l.split_whitespace().collect();
            matches!(
                words.as_slice(),
                ["ignore-scripts", "true"] | ["--ignore-scripts", "true"]
            )
        })
    });
    if let Some(json) = manifest
        .as_deref()
        .and_then(|t| serde_json::from_str::<serde_json::Value>(t).ok())
    {
        out.package_manager = json
            .get("packageManager")
            .and_then(|v| v.as_str())
            .map(str::to_string);
        out.yarn_berry |= out
            .package_manager
            .as_deref()
            .and_then(|p| p.strip_prefix("yarn@"))
            .and_then(major_of)
            .is_some_and(|m| m >= 2);
        if let Some(pnpm) = json.get("pnpm") {
            if let Some(list) = pnpm.get("onlyBuiltDependencies").and_then(|v| v.as_array()) {
                out.pnpm_only_built = Some(
                    list.iter()
                        .filter_map(|v| v.as_str().map(str::to_string))
                        .collect(),
                );
            }
            out.pnpm_allow_all_builds = pnpm
                .get("dangerouslyAllowAllBuilds")
                .and_then(|v| v.as_bool())
                .unwrap_or(false);
        }
        if let Some(scripts) = json.get("scripts").and_then(|v| v.as_object()) {
            out.root_scripts = scripts.keys().cloned().collect();
        }
    }
    if let Some(text) = workspace.as_deref() {
        if let Some(list) = top_level_list(text, "onlyBuiltDependencies") {
            out.pnpm_only_built
                .get_or_insert_with(Vec::new)
                .extend(list);
        }
        out.pnpm_allow_all_builds |= top_level_true(text, "dangerouslyAllowAllBuilds");
        let allowed = allow_builds_map(text);
        if !allowed.is_empty() {
            out.pnpm_only_built
                .get_or_insert_with(Vec::new)
                .extend(allowed);
        }
    }
    Some(out)
}

fn unquote(s: &str) -> String {
    s.trim().trim_matches(|c| c == '"' || c == '\'').to_string()
}

/// Whether `member` matches the workspace globs (negated globs `!x` exclude).
fn globs_match(globs: &[String], member: &str) -> bool {
    let mut included = false;
    for g in globs {
        let (negated, pattern) = match g.strip_prefix('!') {
            Some(p) => (true, p),
            None => (false, g.as_str()),
        };
        let pattern = pattern.trim_start_matches("./").trim_end_matches('/');
        let Ok(glob) = globset::GlobBuilder::new(pattern)
            .literal_separator(true)
            .build()
        else {
            continue;
        };
        if glob.compile_matcher().is_match(member) {
            included = !negated;
        }
    }
    included
}

fn npmrc_sets_ignore_scripts(npmrc: &str) -> bool {
    npmrc.lines().any(|l| {
        let l = l.trim();
        l.split_once('=').is_some_and(|(k, v)| {
            k.trim() == "ignore-scripts" && v.trim().trim_matches('"') == "true"
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pnpm_settings_and_versions() {
        for (spec, major) in [
            ("10", Some(10)),
            ("10.x", Some(10)),
            ("^10.2.0", Some(10)),
            ("v9.15.0", Some(9)),
            ("latest", Some(10)),
            ("latest-9", Some(9)),
            (">=9", None),
            (">=10", Some(10)),
            ("${{ matrix.pnpm }}", None),
        ] {
            assert_eq!(major_of(spec), major, "{spec}");
        }
        let tmp = tempfile::tempdir().unwrap();
        let wf = tmp.path().join(".github/workflows");
        std::fs::create_dir_all(&wf).unwrap();
        let file = wf.join("ci.yml");
        std::fs::write(&file, "on: push\n").unwrap();
        assert_eq!(gather(&file, None).repo_package, None);
        std::fs::write(
            tmp.path().join("package.json"),
            r#"{"packageManager": "pnpm@10.4.1+sha512.abc", "scripts": {"prepare": "husky"},
               "pnpm": {"onlyBuiltDependencies": ["esbuild"]}}"#,
        )
        .unwrap();
        std::fs::write(
            tmp.path().join("pnpm-workspace.yaml"),
            "packages:\n  - 'packages/*'\nonlyBuiltDependencies: [sharp]\nallowBuilds:\n  '@swc/core': true\n  core-js: false\n",
        )
        .unwrap();
        let repo = gather(&file, None).repo_package.unwrap();
        assert_eq!(repo.pnpm_major(), Some(10));
        assert_eq!(
            repo.pnpm_only_built,
            Some(vec!["esbuild".into(), "sharp".into(), "@swc/core".into()])
        );
        assert_eq!(repo.root_scripts, vec!["prepare".to_string()]);
        assert!(!repo.pnpm_allow_all_builds);
    }

    #[test]
    fn workflows_know_whether_the_repository_has_an_npm_lockfile() {
        let tmp = tempfile::tempdir().unwrap();
        let wf = tmp.path().join(".github/workflows");
        std::fs::create_dir_all(&wf).unwrap();
        let file = wf.join("ci.yml");
        std::fs::write(&file, "on: push\n").unwrap();
        assert_eq!(gather(&file, None).repo_npm_lockfile, Some(false));
        std::fs::write(tmp.path().join("package-lock.json"), "{}").unwrap();
        assert_eq!(gather(&file, None).repo_npm_lockfile, Some(true));
        assert_eq!(
            gather(&tmp.path().join("ci.yml"), None).repo_npm_lockfile,
            None
        );
    }

    #[test]
    fn npm_ci_is_offered_only_when_the_repository_has_a_lockfile() {
        use crate::engine::{analyze_text, Document};
        let tmp = tempfile::tempdir().unwrap();
        let wf = tmp.path().join(".github/workflows");
        std::fs::create_dir_all(&wf).unwrap();
        let text = "on: push\njobs:\n  t:\n    runs-on: ubuntu-latest\n    steps:\n      - run: npm install\n";
        let file = wf.join("ci.yml");
        let fix_offered = || {
            let doc = Document {
                path: &file,
                kind: crate::kind::FileKind::Workflow,
                text,
            };
            let findings = analyze_text(&doc, &gather(&file, None), &Default::default());
            let f = findings
                .iter()
                .find(|f| f.rule == "npm-install-not-ci")
                .expect("finding");
            !f.fixes.is_empty()
        };
        assert!(!fix_offered());
        std::fs::write(tmp.path().join("package-lock.json"), "{}").unwrap();
        assert!(fix_offered());
    }

    #[test]
    fn workflows_see_the_root_package_provenance() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path();
        let wf = root.join(".github/workflows");
        std::fs::create_dir_all(&wf).unwrap();
        std::fs::write(wf.join("release.yml"), "on: push\n").unwrap();
        assert!(!gather(&wf.join("release.yml"), None).package_publish_provenance);
        std::fs::write(
            root.join("package.json"),
            r#"{"name": "x", "publishConfig": {"provenance": true, "access": "public"}}"#,
        )
        .unwrap();
        let facts = gather(&wf.join("release.yml"), None);
        assert!(facts.package_publish_provenance);
        assert!(facts.depends_on.contains(&root.join("package.json")));
        assert!(!gather(&root.join("package.json"), None).package_publish_provenance);
    }

    #[test]
    fn dependabot_files_see_how_workflows_pin() {
        let tmp = tempfile::tempdir().unwrap();
        let wf = tmp.path().join(".github/workflows");
        std::fs::create_dir_all(&wf).unwrap();
        let dependabot = tmp.path().join(".github/dependabot.yml");
        std::fs::write(&dependabot, "version: 2\n").unwrap();
        assert_eq!(
            gather(&dependabot, None).actions_pinning,
            Some(ActionsPinning::default())
        );
        std::fs::write(
            wf.join("ci.yml"),
            "jobs:\n  a:\n    steps:\n      - uses: actions/checkout@v4\n      - uses: \"actions/cache@0123456789abcdef0123456789abcdef01234567\" # v4\n      - uses: ./local\n      - uses: docker://alpine@sha256:00\n",
        )
        .unwrap();
        let p = gather(&dependabot, None).actions_pinning.unwrap();
        assert_eq!((p.sha_pinned, p.total), (1, 2));
        assert!(p.pins_by_sha());
        assert_eq!(gather(&wf.join("ci.yml"), None).actions_pinning, None);
    }

    #[test]
    fn pnpm_workspace_lists() {
        let text = "packages:\n  - 'packages/*'\n  - \"apps/**\" # apps\n  - '!**/test/**'\ncatalog:\n  zod: ^3\n";
        assert_eq!(
            pnpm_workspace_packages(text),
            vec!["packages/*", "apps/**", "!**/test/**"]
        );
        assert_eq!(
            pnpm_workspace_packages("packages: [a, 'b/*']\n"),
            vec!["a", "b/*"]
        );
    }

    #[test]
    fn workspace_globs_match_members() {
        let globs = vec!["packages/*".to_string(), "!packages/skip".to_string()];
        assert!(globs_match(&globs, "packages/a"));
        assert!(!globs_match(&globs, "packages/a/b"));
        assert!(!globs_match(&globs, "packages/skip"));
        assert!(globs_match(&["apps/**".to_string()], "apps/web/site"));
        assert!(globs_match(&["./tools/cli/".to_string()], "tools/cli"));
    }

    #[test]
    fn member_of_npm_workspace_uses_root_lockfile() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path();
        std::fs::create_dir(root.join(".git")).unwrap();
        std::fs::write(
            root.join("package.json"),
            r#"{"workspaces": ["packages/*"]}"#,
        )
        .unwrap();
        std::fs::write(
            root.join("package-lock.json"),
            r#"{"lockfileVersion": 3, "packages": {
                "": {"workspaces": ["packages/*"]},
                "node_modules/zod": {"version": "3.23.8"},
                "node_modules/a": {"resolved": "packages/a", "link": true},
                "packages/a": {"dependencies": {"zod": "^3.0.0", "left-pad": "^1"}},
                "packages/a/node_modules/left-pad": {"version": "1.3.0"}
            }}"#,
        )
        .unwrap();
        let member = root.join("packages/a");
        std::fs::create_dir_all(&member).unwrap();
        std::fs::write(member.join("package.json"), "{}").unwrap();
        let facts = gather(&member.join("package.json"), None);
        assert!(facts.lockfiles_beside.is_empty());
        assert_eq!(facts.workspace_lockfiles, vec!["../../package-lock.json"]);
        assert!(facts.has_lockfile());
        let lock = facts.lockfile.unwrap();
        assert_eq!(lock.file_name, "../../package-lock.json");
        assert_eq!(lock.versions["zod"], "3.23.8");
        assert_eq!(lock.versions["left-pad"], "1.3.0");

        // A folder outside the workspace globs is not a member.
        let outside = root.join("scripts");
        std::fs::create_dir_all(&outside).unwrap();
        std::fs::write(outside.join("package.json"), "{}").unwrap();
        let facts = gather(&outside.join("package.json"), None);
        assert!(!facts.has_lockfile());
        assert!(facts.lockfile.is_none());
    }

    #[test]
    fn member_of_pnpm_workspace_uses_its_importer() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path();
        std::fs::write(root.join("pnpm-workspace.yaml"), "packages:\n  - apps/*\n").unwrap();
        std::fs::write(
            root.join("pnpm-lock.yaml"),
            "lockfileVersion: '9.0'\nimporters:\n  .:\n    devDependencies:\n      zod:\n        specifier: ^3\n        version: 3.0.0\n  apps/web:\n    dependencies:\n      zod:\n        specifier: ^3.23.0\n        version: 3.23.8\n",
        )
        .unwrap();
        let member = root.join("apps/web");
        std::fs::create_dir_all(&member).unwrap();
        std::fs::write(member.join("package.json"), "{}").unwrap();
        let facts = gather(&member.join("package.json"), None);
        assert_eq!(
            facts.workspace_root.as_deref(),
            Some(std::path::absolute(root).unwrap().as_path())
        );
        let lock = facts.lockfile.unwrap();
        assert_eq!(lock.file_name, "../../pnpm-lock.yaml");
        assert_eq!(lock.versions["zod"], "3.23.8");
    }
}
