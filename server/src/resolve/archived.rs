//! Archived action repositories, from `data/archived-actions.tsv` (embedded at build time).
//! An archived repository gets no fixes any more, security ones included.

use std::collections::HashMap;
use std::sync::LazyLock;

static TSV: &str = include_str!("../../../data/archived-actions.tsv");

/// One archived repository.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Archived {
    /// `owner/repo` as the file spells it.
    pub repo: &'static str,
    /// `YYYY-MM[-DD]` when known.
    pub since: Option<&'static str>,
    /// What its README (or common use) points to instead.
    pub replacement: Option<&'static str>,
}

static TABLE: LazyLock<HashMap<String, Archived>> = LazyLock::new(|| {
    let mut out = HashMap::new();
    for line in TSV.lines().filter(|l| !l.starts_with('#')).skip(1) {
        let mut cols = line.split('\t');
        let Some(repo) = cols.next().filter(|r| r.contains('/')) else {
            continue;
        };
        let nonempty = |s: Option<&'static str>| s.map(str::trim).filter(|s| !s.is_empty());
        let since = nonempty(cols.next());
        let replacement = nonempty(cols.next());
        out.insert(
            repo.to_ascii_lowercase(),
            Archived {
                repo,
                since,
                replacement,
            },
        );
    }
    out
});

/// The archived-repository entry for `action` (`owner/repo[/path]`), if any.
pub fn lookup(action: &str) -> Option<&'static Archived> {
    TABLE.get(&super::advisories::repo_key(action))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_archived_repositories_and_their_replacements() {
        let a = lookup("Actions-RS/toolchain").unwrap();
        assert_eq!(a.replacement, Some("dtolnay/rust-toolchain"));
        assert!(lookup("actions/create-release").is_some());
        assert!(lookup("gradle/gradle-build-action").is_some());
        assert!(lookup("haskell/actions/setup").is_some());
        assert!(lookup("dtolnay/rust-toolchain").is_none());
        assert!(lookup("actions/checkout").is_none());
        assert!(lookup("technote-space/get-diff-action")
            .unwrap()
            .replacement
            .is_none());
    }
}
