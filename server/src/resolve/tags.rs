//! The built-in tag → commit table, from `data/action-tags.tsv` (embedded at build time).
//!
//! The file has one row per version tag: `repo, tag, commit, annotated, tag_date`, a header
//! line first. To regenerate it, list each repository's tags with their peeled commits
//! (`git ls-remote --tags https://github.com/OWNER/REPO` gives `<sha>\trefs/tags/<tag>` and, for
//! annotated tags, a `^{}` line with the commit: use that one), keep version-like tags only
//! (`v4`, `v4.2`, `v4.2.2`, `1.0.0`, `v2.0.0-beta.1`) and write the rows sorted by repository
//! and tag. The source of the current file is described in `/work/shared/pins/README.md`.
//! Repository names match case-insensitively, as on GitHub.

use std::collections::HashMap;
use std::sync::LazyLock;

static TSV: &str = include_str!("../../../data/action-tags.tsv");

/// A resolved ref: the commit and the most specific version tag on it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pin {
    /// 40 lower-case hex digits.
    pub sha: String,
    /// `v4.2.2` for `v4` when both point to the same commit.
    pub version: String,
}

#[derive(Default)]
struct RepoTags {
    /// tag → commit.
    by_tag: HashMap<String, String>,
    /// commit → tags.
    by_commit: HashMap<String, Vec<String>>,
    /// Annotated tags (a tool may have pinned the tag object's SHA instead of the commit's).
    annotated: std::collections::HashSet<String>,
}

static TABLE: LazyLock<HashMap<String, RepoTags>> = LazyLock::new(|| {
    let mut table: HashMap<String, RepoTags> = HashMap::new();
    for line in TSV.lines().skip(1) {
        let mut cols = line.split('\t');
        let (Some(repo), Some(tag), Some(commit)) = (cols.next(), cols.next(), cols.next()) else {
            continue;
        };
        let commit = commit.trim().to_ascii_lowercase();
        if commit.len() != 40 {
            continue;
        }
        let entry = table.entry(repo.to_ascii_lowercase()).or_default();
        if cols.next() == Some("yes") {
            entry.annotated.insert(tag.to_string());
        }
        entry.by_tag.insert(tag.to_string(), commit.clone());
        entry
            .by_commit
            .entry(commit)
            .or_default()
            .push(tag.to_string());
    }
    table
});

/// `owner/repo` in lower case from `owner/repo[/path]`.
fn repo_key(repo: &str) -> String {
    let mut parts = repo.split('/');
    let owner = parts.next().unwrap_or("");
    let name = parts.next().unwrap_or("");
    format!("{owner}/{name}").to_ascii_lowercase()
}

fn repo_tags(repo: &str) -> Option<&'static RepoTags> {
    TABLE.get(&repo_key(repo))
}

/// Whether the table knows this repository at all.
pub fn knows_repo(repo: &str) -> bool {
    repo_tags(repo).is_some()
}

/// Resolve a tag (or a full commit SHA the table knows) of `repo` (`owner/repo[/path]`).
pub fn lookup(repo: &str, git_ref: &str) -> Option<Pin> {
    let tags = repo_tags(repo)?;
    let sha = match tags.by_tag.get(git_ref) {
        Some(sha) => sha.clone(),
        None => {
            let lower = git_ref.to_ascii_lowercase();
            if !tags.by_commit.contains_key(&lower) {
                return None;
            }
            lower
        }
    };
    let version = version_for_sha(repo, &sha).unwrap_or_else(|| git_ref.to_string());
    Some(Pin { sha, version })
}

/// Every tag of `repo` in the table with the commit it points to.
pub fn tags_of(repo: &str) -> Vec<(&'static str, &'static str)> {
    repo_tags(repo)
        .map(|t| {
            t.by_tag
                .iter()
                .map(|(tag, sha)| (tag.as_str(), sha.as_str()))
                .collect()
        })
        .unwrap_or_default()
}

/// The repositories of the table (`owner/repo`), spelled as in the file, each once.
pub fn repo_names() -> &'static [String] {
    static NAMES: LazyLock<Vec<String>> = LazyLock::new(|| {
        let mut names: Vec<String> = TSV
            .lines()
            .skip(1)
            .filter_map(|l| l.split('\t').next())
            .map(str::to_string)
            .collect();
        names.dedup();
        names
    });
    &NAMES
}

/// Whether the tag is an annotated tag (its own object SHA differs from the commit's).
pub fn is_annotated(repo: &str, tag: &str) -> bool {
    repo_tags(repo).is_some_and(|t| t.annotated.contains(tag))
}

/// The commit a tag points to.
pub fn tag_commit(repo: &str, tag: &str) -> Option<String> {
    repo_tags(repo)?.by_tag.get(tag).cloned()
}

/// Every tag on a commit, most specific first.
pub fn tags_for_sha(repo: &str, sha: &str) -> Vec<String> {
    let Some(tags) = repo_tags(repo).and_then(|t| t.by_commit.get(&sha.to_ascii_lowercase()))
    else {
        return vec![];
    };
    let mut out = tags.clone();
    out.sort_by_key(|t| std::cmp::Reverse(specificity(t)));
    out
}

/// The most specific version tag on a commit (`v4.2.2` rather than `v4`).
pub fn version_for_sha(repo: &str, sha: &str) -> Option<String> {
    tags_for_sha(repo, sha).into_iter().next()
}

/// The most specific of some tags.
pub fn most_specific<'a>(tags: impl Iterator<Item = &'a str>) -> Option<&'a str> {
    tags.max_by_key(|t| specificity(t))
}

/// Sort key: release before pre-release, then more components, then the higher version.
fn specificity(tag: &str) -> (bool, usize, Vec<u64>) {
    let v = tag
        .strip_prefix('v')
        .or_else(|| tag.strip_prefix('V'))
        .unwrap_or(tag);
    let (core, pre) = match v.find(['-', '+']) {
        Some(i) => (&v[..i], true),
        None => (v, false),
    };
    let nums: Vec<u64> = core.split('.').map(|p| p.parse().unwrap_or(0)).collect();
    (!pre, nums.len(), nums)
}

/// `vX.Y.Z` (or `X.Y.Z`): an exact release tag rather than a moving major/minor tag.
pub fn is_exact_version(tag: &str) -> bool {
    let v = tag.strip_prefix('v').unwrap_or(tag);
    let core = v.split(['-', '+']).next().unwrap_or("");
    let parts: Vec<&str> = core.split('.').collect();
    parts.len() >= 3
        && parts
            .iter()
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
}

/// `v4`, `v4.2`, `4.2.2`, `v2.0.0-beta.1`: looks like a version tag.
pub fn is_version_like(tag: &str) -> bool {
    let v = tag
        .strip_prefix('v')
        .or_else(|| tag.strip_prefix('V'))
        .unwrap_or(tag);
    v.as_bytes().first().is_some_and(u8::is_ascii_digit)
        && v.split(['-', '+'])
            .next()
            .unwrap_or("")
            .split('.')
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn moving_tag_resolves_to_the_most_specific_tag_on_its_commit() {
        let pin = lookup("actions/checkout", "v4").unwrap();
        assert_eq!(pin.sha, tag_commit("actions/checkout", "v4").unwrap());
        assert!(is_exact_version(&pin.version), "{}", pin.version);
        assert!(pin.version.starts_with("v4."));
        assert_eq!(
            tag_commit("actions/checkout", &pin.version).unwrap(),
            pin.sha
        );
    }

    #[test]
    fn exact_tags_and_case_insensitive_repos() {
        let sha = "11bd71901bbe5b1630ceea73d27597364c9af683";
        assert_eq!(
            tag_commit("actions/checkout", "v4.2.2").as_deref(),
            Some(sha)
        );
        assert_eq!(lookup("Actions/Checkout", "v4.2.2").unwrap().sha, sha);
        assert_eq!(
            version_for_sha("actions/checkout", sha).as_deref(),
            Some("v4.2.2")
        );
        assert_eq!(
            version_for_sha("ACTIONS/checkout", &sha.to_uppercase()).as_deref(),
            Some("v4.2.2")
        );
        // A path inside the repository is ignored.
        assert!(lookup("github/codeql-action/upload-sarif", "v3").is_some());
        assert!(lookup("azure/login", "v2").is_some());
        assert!(lookup("actions/checkout", "main").is_none());
        assert!(lookup("nobody/nothing", "v1").is_none());
        assert!(is_annotated("codecov/codecov-action", "v2.1.0"));
        assert!(!is_annotated("actions/stale", "v3.0.18"));
    }

    #[test]
    fn version_shapes() {
        assert!(
            is_exact_version("v4.2.2")
                && is_exact_version("1.0.0")
                && is_exact_version("v2.0.0-rc.1")
        );
        assert!(!is_exact_version("v4") && !is_exact_version("v4.2") && !is_exact_version("main"));
        assert!(
            is_version_like("v4")
                && is_version_like("4.1")
                && !is_version_like("main")
                && !is_version_like("v")
        );
        assert_eq!(
            most_specific(["v1", "v1.0.7", "v1.0"].into_iter()),
            Some("v1.0.7")
        );
        assert_eq!(
            most_specific(["v2.0.0-beta.1", "v2"].into_iter()),
            Some("v2")
        );
    }
}
