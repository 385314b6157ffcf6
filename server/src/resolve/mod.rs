//! Tag → commit resolution: the built-in table, and (only when enabled) the GitHub API.
//!
//! Rules ask [`resolve`] / [`version_for_sha`], which consult the built-in table first
//! ([`tags`]) and then any [`PinSource`] the shell put into the workspace facts (the online
//! resolver's cache). The engine itself never does I/O.

pub mod advisories;
pub mod archived;
pub mod http;
pub mod online;
pub mod osv;
pub mod tags;
pub mod well_known;

use crate::workspace::Facts;
pub use tags::Pin;

/// Extra tag → commit knowledge beyond the built-in table (e.g. the online resolver's on-disk
/// cache, filled by the shells before analysis). Lookups must be cheap and must not block on
/// the network.
pub trait PinSource: Send + Sync + std::fmt::Debug {
    /// The commit `git_ref` (tag, branch) of `repo` (`owner/repo`) points to.
    fn commit(&self, repo: &str, git_ref: &str) -> Option<String>;
    /// Version tags known to point at `sha` in `repo`.
    fn tags_at(&self, repo: &str, sha: &str) -> Vec<String>;
}

/// Advisories beyond the built-in snapshot (the OSV client's on-disk cache, filled by the
/// shells before analysis when online is on). Lookups are cheap and never block.
pub trait AdvisorySource: Send + Sync + std::fmt::Debug {
    /// Advisories of the repository of `action` (`owner/repo[/path]`); `None` when this
    /// source holds no answer for it.
    fn advisories(&self, action: &str) -> Option<Vec<advisories::Advisory>>;
}

/// The advisories of `action`'s repository: the built-in snapshot, with a record of the same
/// id replaced by the online source's (fresher) copy and the online source's other records
/// added.
pub fn advisories_for(facts: &Facts, action: &str) -> Vec<advisories::Advisory> {
    let built_in = advisories::built_in(action);
    let online = facts
        .advisories
        .as_deref()
        .and_then(|s| s.advisories(action))
        .unwrap_or_default();
    if online.is_empty() {
        return built_in.to_vec();
    }
    let mut out: Vec<advisories::Advisory> = built_in
        .iter()
        .filter(|b| {
            !online
                .iter()
                .any(|o| o.id == b.id && o.package == b.package)
        })
        .cloned()
        .collect();
    for mut o in online {
        // OSV records carry no malicious commits: keep the ones the snapshot names.
        if let Some(b) = built_in
            .iter()
            .find(|b| b.id == o.id && b.package == o.package)
        {
            o.commits.extend(b.commits.iter().cloned());
        }
        out.push(o);
    }
    out
}

/// Fill the online parts of `facts` for a workflow or action file (tag → commit answers,
/// advisories): nothing unless the user turned online on. May use the network.
pub fn prefetch_online(config: &crate::config::Config, text: &str, facts: &mut Facts) {
    facts.pins = online::pins_for(config, text);
    facts.advisories = osv::advisories_for(config, text);
}

/// Where a ref resolves to: the built-in table first, then the extra source in `facts`.
pub fn resolve(facts: &Facts, repo: &str, git_ref: &str) -> Option<Pin> {
    if let Some(pin) = tags::lookup(repo, git_ref) {
        return Some(pin);
    }
    let extra = facts.pins.as_deref()?;
    let sha = extra.commit(repo, git_ref)?.to_ascii_lowercase();
    let version = version_for_sha(facts, repo, &sha).unwrap_or_else(|| git_ref.to_string());
    Some(Pin { sha, version })
}

/// The most specific version tag on `sha`, from the table or the extra source.
pub fn version_for_sha(facts: &Facts, repo: &str, sha: &str) -> Option<String> {
    tags::version_for_sha(repo, sha).or_else(|| {
        let extra = facts.pins.as_deref()?;
        tags::most_specific(extra.tags_at(repo, sha).iter().map(String::as_str)).map(str::to_string)
    })
}

/// The commit a tag points to, from the table or the extra source.
pub fn tag_commit(facts: &Facts, repo: &str, tag: &str) -> Option<String> {
    tags::tag_commit(repo, tag).or_else(|| facts.pins.as_deref()?.commit(repo, tag))
}

/// The folder of every on-disk cache (tags, advisories, digests), shared by the CLI and the
/// language server: `CHAINWARDEN_CACHE_DIR`, else `$XDG_CACHE_HOME/chainwarden`, else
/// `~/.cache/chainwarden`.
pub fn cache_dir() -> Option<std::path::PathBuf> {
    let var = |name: &str| std::env::var_os(name).filter(|v| !v.is_empty());
    if let Some(dir) = var("CHAINWARDEN_CACHE_DIR") {
        return Some(dir.into());
    }
    let base = var("XDG_CACHE_HOME")
        .map(std::path::PathBuf::from)
        .or_else(|| var("HOME").map(|h| std::path::PathBuf::from(h).join(".cache")))?;
    Some(base.join("chainwarden"))
}

/// Write a cache file atomically (a temporary file beside it, then a rename), creating its
/// folder; failures are silent (a cache that cannot be written is only asked again).
pub(crate) fn write_cache_file(path: &std::path::Path, bytes: &[u8]) {
    let (Some(dir), Some(name)) = (path.parent(), path.file_name()) else {
        return;
    };
    if std::fs::create_dir_all(dir).is_err() {
        return;
    }
    let tmp = dir.join(format!(
        ".{}.{}.tmp",
        name.to_string_lossy(),
        std::process::id()
    ));
    if std::fs::write(&tmp, bytes).is_ok() && std::fs::rename(&tmp, path).is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    #[derive(Debug)]
    struct Fake(Vec<advisories::Advisory>);

    impl AdvisorySource for Fake {
        fn advisories(&self, _action: &str) -> Option<Vec<advisories::Advisory>> {
            Some(self.0.clone())
        }
    }

    #[test]
    fn online_advisories_replace_the_snapshot_copy_and_add_new_ones() {
        let built_in = advisories::built_in("tj-actions/changed-files");
        let mut fresher = built_in
            .iter()
            .find(|a| a.id == "GHSA-mrrh-fwg8-r2c3")
            .unwrap()
            .clone();
        fresher.summary = "fresher".into();
        fresher.commits.clear();
        let mut new = fresher.clone();
        new.id = "GHSA-new0-0000-0000".into();
        let facts = Facts {
            advisories: Some(Arc::new(Fake(vec![fresher, new]))),
            ..Facts::default()
        };
        let merged = advisories_for(&facts, "tj-actions/changed-files");
        assert_eq!(merged.len(), built_in.len() + 1);
        let ids: Vec<&str> = merged.iter().map(|a| a.id.as_str()).collect();
        assert_eq!(
            ids.iter().filter(|i| **i == "GHSA-mrrh-fwg8-r2c3").count(),
            1
        );
        assert!(merged.iter().any(|a| a.id == "GHSA-mrrh-fwg8-r2c3"
            && a.summary == "fresher"
            && a.commits.len() == 1));
        assert!(ids.contains(&"GHSA-new0-0000-0000"));
        // Offline: the snapshot alone.
        assert_eq!(
            advisories_for(&Facts::default(), "tj-actions/changed-files").len(),
            built_in.len()
        );
    }
}
