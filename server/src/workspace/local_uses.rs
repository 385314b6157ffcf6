//! The repository's own actions and reusable workflows that its workflows use (`uses: ./…`),
//! read so that the engine can tell what they need of the token (SPEC §7.9, least-privilege
//! permissions). The engine parses the texts; this module only finds and reads the files.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, LazyLock, Mutex};
use std::time::SystemTime;

/// How many local targets are followed (actions using actions, workflows calling workflows).
const MAX_TARGETS: usize = 64;
/// Largest file read as a local target.
const MAX_BYTES: u64 = 1 << 20;

/// What a `./path` of a `uses:` points at.
#[derive(Clone, Debug)]
pub enum LocalTarget {
    /// `<path>/action.yml` (or `.yaml`), its text.
    Action(Arc<str>),
    /// A reusable workflow file (`./.github/workflows/x.yml`), its text.
    Workflow(Arc<str>),
    /// No such file, or it could not be read.
    Missing,
}

/// Local targets by [`local_key`]; every workflow of `.github/workflows/` is there too.
pub type LocalUses = Arc<BTreeMap<String, LocalTarget>>;

/// The key of a local `uses:` value: `./a/b` without a trailing slash or `./` repetitions.
pub fn local_key(uses: &str) -> String {
    let t = uses.trim().trim_matches(['\'', '"']).replace('\\', "/");
    let t = t.trim_end_matches('/');
    let rest = t.trim_start_matches("./");
    format!("./{rest}")
}

/// `./path` values of `uses:` lines in a YAML text (block or flow style, quoted or not).
fn local_refs(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(i) = rest.find("uses:") {
        let before_ok = i == 0 || {
            let b = rest.as_bytes()[i - 1];
            b == b' ' || b == b'\t' || b == b'{' || b == b',' || b == b'-' || b == b'\n'
        };
        rest = &rest[i + 5..];
        if !before_ok {
            continue;
        }
        let value = rest
            .trim_start_matches([' ', '\t'])
            .trim_start_matches(['\'', '"']);
        if !value.starts_with("./") {
            continue;
        }
        let end = value
            .find(|c: char| c.is_whitespace() || matches!(c, '\'' | '"' | ',' | '}' | '#'))
            .unwrap_or(value.len());
        out.push(local_key(&value[..end]));
    }
    out
}

/// A file's text with the modification time and size it was read at.
type Cached = (Option<SystemTime>, u64, Arc<str>);

static TEXT_CACHE: LazyLock<Mutex<BTreeMap<PathBuf, Cached>>> = LazyLock::new(Default::default);

/// A file's text, from the cache while its size and modification time stay the same (the
/// language server gathers facts on every analysis).
fn read_cached(path: &Path) -> Option<Arc<str>> {
    let meta = std::fs::metadata(path).ok()?;
    if !meta.is_file() || meta.len() > MAX_BYTES {
        return None;
    }
    let (modified, len) = (meta.modified().ok(), meta.len());
    if let Some((m, l, text)) = TEXT_CACHE.lock().ok()?.get(path) {
        if *m == modified && *l == len && modified.is_some() {
            return Some(text.clone());
        }
    }
    let text: Arc<str> = std::fs::read_to_string(path).ok()?.into();
    if let Ok(mut cache) = TEXT_CACHE.lock() {
        cache.insert(path.to_path_buf(), (modified, len, text.clone()));
    }
    Some(text)
}

/// Read every local target that the workflows in `<repo>/.github/workflows/` use, and those
/// the targets use in turn.
pub fn gather(repo: &Path, depends_on: &mut Vec<PathBuf>) -> LocalUses {
    let mut map: BTreeMap<String, LocalTarget> = BTreeMap::new();
    let mut queue: Vec<String> = Vec::new();
    let workflows = repo.join(".github").join("workflows");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&workflows)
        .map(|d| {
            d.flatten()
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|e| e == "yml" || e == "yaml"))
                .collect()
        })
        .unwrap_or_default();
    files.sort();
    for f in &files {
        if let Some(text) = read_cached(f) {
            queue.extend(local_refs(&text));
            // Every workflow of the repository is a possible reusable-workflow target, and the
            // engine reads them to find the callers of a reusable workflow.
            if let Some(name) = f.file_name().and_then(|n| n.to_str()) {
                map.insert(
                    format!("./.github/workflows/{name}"),
                    LocalTarget::Workflow(text),
                );
            }
        }
    }
    while let Some(key) = queue.pop() {
        if map.contains_key(&key) || map.len() >= MAX_TARGETS {
            continue;
        }
        let rel = key.trim_start_matches("./");
        if rel.split('/').any(|part| part == "..") {
            map.insert(key, LocalTarget::Missing);
            continue;
        }
        let path = repo.join(rel);
        let target = if rel.ends_with(".yml") || rel.ends_with(".yaml") {
            depends_on.push(path.clone());
            read_cached(&path).map(LocalTarget::Workflow)
        } else {
            let yml = path.join("action.yml");
            let yaml = path.join("action.yaml");
            depends_on.push(yml.clone());
            depends_on.push(yaml.clone());
            read_cached(&yml)
                .or_else(|| read_cached(&yaml))
                .map(LocalTarget::Action)
        };
        let target = target.unwrap_or(LocalTarget::Missing);
        if let LocalTarget::Action(t) | LocalTarget::Workflow(t) = &target {
            queue.extend(local_refs(t));
        }
        map.insert(key, target);
    }
    Arc::new(map)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_local_uses() {
        let t = "jobs:\n  a:\n    uses: ./.github/workflows/r.yml\n  b:\n    steps:\n      - uses: ./.github/actions/x/ # c\n      - uses: actions/checkout@v4\n      - {uses: './y', with: {a: 1}}\n";
        assert_eq!(
            local_refs(t),
            ["./.github/workflows/r.yml", "./.github/actions/x", "./y"]
        );
        assert_eq!(local_key("././a/b/"), "./a/b");
    }

    #[test]
    fn reads_targets_and_marks_missing_ones() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::create_dir_all(root.join(".github/workflows")).unwrap();
        std::fs::create_dir_all(root.join(".github/actions/oidc")).unwrap();
        std::fs::write(
            root.join(".github/workflows/ci.yml"),
            "jobs:\n  a:\n    steps:\n      - uses: ./.github/actions/oidc\n      - uses: ./nope\n",
        )
        .unwrap();
        std::fs::write(
            root.join(".github/actions/oidc/action.yml"),
            "runs:\n  using: composite\n  steps: []\n",
        )
        .unwrap();
        let mut deps = Vec::new();
        let map = gather(root, &mut deps);
        assert!(matches!(
            map.get("./.github/actions/oidc"),
            Some(LocalTarget::Action(_))
        ));
        assert!(matches!(map.get("./nope"), Some(LocalTarget::Missing)));
    }
}
