//! Facts about a file's surroundings that rules need (lockfiles, `.npmrc`). Gathered by the
//! shells (CLI, language server), which do the I/O; the engine only reads them.

use std::collections::HashMap;
use std::path::Path;

/// Names of lockfiles that count for `missing-lockfile`.
pub const LOCKFILE_NAMES: &[&str] = &[
    "package-lock.json",
    "npm-shrinkwrap.json",
    "pnpm-lock.yaml",
    "yarn.lock",
    "bun.lock",
    "bun.lockb",
];

/// Versions a lockfile resolved, keyed by the package name as written in package.json.
#[derive(Clone, Debug, Default)]
pub struct Lockfile {
    pub file_name: String,
    pub versions: HashMap<String, String>,
}

#[derive(Clone, Debug, Default)]
pub struct Facts {
    /// Lockfiles found beside the file.
    pub lockfiles_beside: Vec<String>,
    /// The first parseable lockfile beside the file (package-lock v2/v3 or pnpm-lock).
    pub lockfile: Option<Lockfile>,
    /// The workspace root `.npmrc` sets `ignore-scripts=true`.
    pub npmrc_ignore_scripts: bool,
}

/// Read what the rules need about `path`'s surroundings. `root` is the workspace root.
pub fn gather(path: &Path, root: Option<&Path>) -> Facts {
    let mut facts = Facts::default();
    if let Some(dir) = path.parent() {
        for name in LOCKFILE_NAMES {
            if dir.join(name).is_file() {
                facts.lockfiles_beside.push(name.to_string());
            }
        }
    }
    let root = root.or_else(|| path.parent());
    if let Some(root) = root {
        if let Ok(npmrc) = std::fs::read_to_string(root.join(".npmrc")) {
            facts.npmrc_ignore_scripts = npmrc_sets_ignore_scripts(&npmrc);
        }
    }
    facts
}

fn npmrc_sets_ignore_scripts(npmrc: &str) -> bool {
    npmrc.lines().any(|l| {
        let l = l.trim();
        l.split_once('=').is_some_and(|(k, v)| {
            k.trim() == "ignore-scripts" && v.trim().trim_matches('"') == "true"
        })
    })
}
