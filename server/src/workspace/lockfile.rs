//! Lockfile readers: the versions npm, pnpm, yarn and bun resolved for each package of a
//! workspace. Only what `unpinned-dependency` needs to pin a range: name → exact version (and
//! the commit a git dependency resolved to).

use std::collections::HashMap;

/// A lockfile, parsed once, answering for any package (importer) of its workspace.
#[derive(Clone, Debug)]
pub enum ParsedLock {
    /// package-lock.json / npm-shrinkwrap.json: install path (`node_modules/zod`,
    /// `packages/a/node_modules/zod`) → resolved entry.
    Npm(HashMap<String, NpmEntry>),
    /// pnpm-lock.yaml: importer (`""` for the root, else its relative folder) → dependency
    /// name → resolved version text (as written, peer suffix included).
    Pnpm(HashMap<String, HashMap<String, String>>),
    /// yarn.lock (v1 and berry): descriptor (`zod@^3.23.0`, `zod@npm:^3.23.0`) → resolution.
    /// Descriptors are shared by every workspace member.
    Yarn(HashMap<String, YarnEntry>),
    /// bun.lock: hoisted package name → its `name@version` (or git) resolution.
    Bun(HashMap<String, String>),
}

#[derive(Clone, Debug, Default)]
pub struct YarnEntry {
    pub version: Option<String>,
    pub commit: Option<String>,
}

/// What a lockfile resolved for one package.json.
#[derive(Clone, Debug, Default)]
pub struct Resolved {
    /// Dependency name → exact version.
    pub versions: HashMap<String, String>,
    /// Dependency name → the 40-hex commit a git dependency resolved to.
    pub commits: HashMap<String, String>,
    /// `name@spec` exactly as declared → exact version (yarn keys its lockfile this way, so
    /// two ranges of one package may resolve differently).
    pub by_descriptor: HashMap<String, String>,
}

#[derive(Clone, Debug, Default)]
pub struct NpmEntry {
    pub version: Option<String>,
    pub resolved: Option<String>,
}

impl ParsedLock {
    /// What this lockfile resolved for the package at `member` (relative folder, `""` = root).
    pub fn for_importer(&self, member: &str) -> Resolved {
        let mut versions = HashMap::new();
        let mut commits = HashMap::new();
        let mut by_descriptor = HashMap::new();
        match self {
            ParsedLock::Npm(packages) => {
                let nested = format!("{member}/node_modules/");
                // Hoisted entries first, then the member's own node_modules override them.
                let prefixes: &[&str] = if member.is_empty() {
                    &["node_modules/"]
                } else {
                    &["node_modules/", &nested]
                };
                for prefix in prefixes {
                    for (path, entry) in packages {
                        let Some(name) = path.strip_prefix(prefix) else {
                            continue;
                        };
                        if name.contains("/node_modules/") {
                            continue;
                        }
                        if let Some(c) = entry.resolved.as_deref().and_then(git_commit) {
                            commits.insert(name.to_string(), c.to_string());
                        }
                        if let Some(v) = entry.version.as_deref().and_then(exact_version) {
                            versions.insert(name.to_string(), v.to_string());
                        } else if let Some(c) = entry.version.as_deref().and_then(git_commit) {
                            commits.insert(name.to_string(), c.to_string());
                        }
                    }
                }
            }
            ParsedLock::Pnpm(importers) => {
                if let Some(deps) = importers.get(member) {
                    for (name, raw) in deps {
                        if let Some(v) = pnpm_version(raw) {
                            versions.insert(name.clone(), v.to_string());
                        } else if let Some(c) = git_commit(raw) {
                            commits.insert(name.clone(), c.to_string());
                        }
                    }
                }
            }
            ParsedLock::Yarn(entries) => {
                // By name only when every descriptor of that name agrees on one version.
                let mut seen: HashMap<&str, Option<&str>> = HashMap::new();
                for (descriptor, entry) in entries {
                    let Some((name, _)) = split_descriptor(descriptor) else {
                        continue;
                    };
                    if let Some(c) = &entry.commit {
                        commits.insert(name.to_string(), c.clone());
                    }
                    let Some(v) = entry.version.as_deref().and_then(exact_version) else {
                        continue;
                    };
                    by_descriptor.insert(descriptor.clone(), v.to_string());
                    seen.entry(name)
                        .and_modify(|prev| {
                            if *prev != Some(v) {
                                *prev = None;
                            }
                        })
                        .or_insert(Some(v));
                }
                for (name, v) in seen {
                    if let Some(v) = v {
                        versions.insert(name.to_string(), v.to_string());
                    }
                }
            }
            ParsedLock::Bun(packages) => {
                for (name, resolution) in packages {
                    let Some((_, v)) = split_descriptor(resolution) else {
                        continue;
                    };
                    if let Some(v) = exact_version(v) {
                        versions.insert(name.clone(), v.to_string());
                    } else if let Some(c) = git_commit(v) {
                        commits.insert(name.clone(), c.to_string());
                    }
                }
            }
        }
        Resolved {
            versions,
            commits,
            by_descriptor,
        }
    }
}

/// `name@spec` → (`name`, `spec`); the name may be scoped (`@scope/name@spec`).
pub fn split_descriptor(d: &str) -> Option<(&str, &str)> {
    let at = d.get(1..)?.find('@')? + 1;
    Some((&d[..at], &d[at + 1..]))
}

/// yarn.lock, classic (v1) or berry (YAML): each entry's descriptors with the version and the
/// git commit it resolved to. `None` when it does not look like a yarn lockfile.
pub fn parse_yarn_lock(text: &str) -> Option<ParsedLock> {
    if !text.contains("yarn lockfile v1") && !text.contains("__metadata:") {
        return None;
    }
    let mut out: HashMap<String, YarnEntry> = HashMap::new();
    let mut current: Vec<String> = Vec::new();
    let mut entry = YarnEntry::default();
    let mut flush = |current: &mut Vec<String>, entry: &mut YarnEntry| {
        for d in current.drain(..) {
            out.insert(d, entry.clone());
        }
        *entry = YarnEntry::default();
    };
    for line in text.lines() {
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        if !line.starts_with(' ') {
            flush(&mut current, &mut entry);
            let Some(header) = line.strip_suffix(':') else {
                continue;
            };
            current = header
                .split(", ")
                .map(|d| unquote(d.trim()).to_string())
                .filter(|d| d != "__metadata")
                .collect();
            continue;
        }
        // Only the entry's own fields (two spaces), not nested `dependencies:` maps.
        let Some(field) = line.strip_prefix("  ").filter(|f| !f.starts_with(' ')) else {
            continue;
        };
        let (key, value) = match field.split_once(": ").or_else(|| field.split_once(' ')) {
            Some((k, v)) => (k.trim_end_matches(':'), unquote(v.trim())),
            None => continue,
        };
        match key {
            "version" => entry.version = Some(value.to_string()),
            "resolved" | "resolution" => {
                if let Some(c) = git_commit(value) {
                    entry.commit = Some(c.to_string());
                }
            }
            _ => {}
        }
    }
    flush(&mut current, &mut entry);
    Some(ParsedLock::Yarn(out))
}

/// bun.lock (text, JSON with trailing commas): hoisted `packages` entries. `None` when it is
/// not one.
pub fn parse_bun_lock(text: &str) -> Option<ParsedLock> {
    let doc = crate::syntax::json::parse(text);
    let root = doc.root?;
    root.get("lockfileVersion")?;
    let mut out = HashMap::new();
    for m in root.get("packages")?.members() {
        // Nested installs are keyed `parent/name`; a scoped name has exactly one `/`.
        let nested = if m.key.starts_with('@') {
            m.key.matches('/').count() > 1
        } else {
            m.key.contains('/')
        };
        if nested {
            continue;
        }
        let first = m.value.as_ref().and_then(|v| v.elements().first());
        if let Some(resolution) = first.and_then(|f| f.as_str()) {
            out.insert(m.key.clone(), resolution.to_string());
        }
    }
    Some(ParsedLock::Bun(out))
}

/// package-lock.json v2/v3 (`packages`), or v1 (`dependencies`). `None` when it is not JSON.
pub fn parse_package_lock(text: &str) -> Option<ParsedLock> {
    let v: serde_json::Value = serde_json::from_str(text).ok()?;
    let mut out = HashMap::new();
    if let Some(packages) = v.get("packages").and_then(|p| p.as_object()) {
        for (path, entry) in packages {
            if entry.get("link").and_then(|l| l.as_bool()) == Some(true) {
                continue;
            }
            out.insert(
                path.clone(),
                NpmEntry {
                    version: entry
                        .get("version")
                        .and_then(|x| x.as_str())
                        .map(str::to_string),
                    resolved: entry
                        .get("resolved")
                        .and_then(|x| x.as_str())
                        .map(str::to_string),
                },
            );
        }
    } else if let Some(deps) = v.get("dependencies").and_then(|d| d.as_object()) {
        // lockfileVersion 1: top-level `dependencies` are the hoisted ones.
        for (name, entry) in deps {
            out.insert(
                format!("node_modules/{name}"),
                NpmEntry {
                    version: entry
                        .get("version")
                        .and_then(|x| x.as_str())
                        .map(str::to_string),
                    resolved: entry
                        .get("resolved")
                        .and_then(|x| x.as_str())
                        .map(str::to_string),
                },
            );
        }
    } else {
        return None;
    }
    Some(ParsedLock::Npm(out))
}

const DEP_SECTIONS: &[&str] = &["dependencies", "devDependencies", "optionalDependencies"];

/// pnpm-lock.yaml, lockfile versions 5.x, 6.x and 9.x, with a line parser (pnpm writes a
/// regular two-space block style). Reads the importers and the root dependency sections;
/// skips `packages:`/`snapshots:` quickly. `None` when it does not look like a pnpm lockfile.
pub fn parse_pnpm_lock(text: &str) -> Option<ParsedLock> {
    if !text.contains("lockfileVersion") {
        return None;
    }
    let mut importers: HashMap<String, HashMap<String, String>> = HashMap::new();
    // Path of keys to the current line: (indent, key).
    let mut stack: Vec<(usize, String)> = Vec::new();
    let mut wanted_section = false;
    for line in text.lines() {
        let content = line.trim_start_matches(' ');
        let indent = line.len() - content.len();
        if content.is_empty() || content.starts_with('#') || content.starts_with('-') {
            continue;
        }
        if indent == 0 {
            stack.clear();
            let key = split_key(content).map(|(k, _)| k).unwrap_or_default();
            wanted_section = key == "importers" || DEP_SECTIONS.contains(&key.as_str());
        } else if !wanted_section {
            continue;
        }
        let Some((key, value)) = split_key(content) else {
            continue;
        };
        while stack.last().is_some_and(|(i, _)| *i >= indent) {
            stack.pop();
        }
        stack.push((indent, key));
        let keys: Vec<&str> = stack.iter().map(|(_, k)| k.as_str()).collect();
        let (importer, rest): (&str, &[&str]) = match keys.as_slice() {
            ["importers", imp, rest @ ..] => (imp, rest),
            [section, ..] if DEP_SECTIONS.contains(section) => (".", keys.as_slice()),
            _ => continue,
        };
        let found = match rest {
            // v5: `name: 1.2.3`; v6/v9: `name:` then `version: 1.2.3`.
            [section, name] if DEP_SECTIONS.contains(section) && !value.is_empty() => Some(*name),
            [section, name, "version"] if DEP_SECTIONS.contains(section) => Some(*name),
            _ => None,
        };
        if let Some(name) = found {
            let member = if importer == "." {
                ""
            } else {
                importer.trim_start_matches("./")
            };
            importers
                .entry(member.to_string())
                .or_default()
                .insert(name.to_string(), value);
        }
    }
    Some(ParsedLock::Pnpm(importers))
}

/// `key: value` or `key:` (value `""`), with YAML quotes removed from both.
fn split_key(content: &str) -> Option<(String, String)> {
    let (key, rest) = if let Some(q) = content.chars().next().filter(|c| *c == '\'' || *c == '"') {
        let close = content[1..].find(q)? + 1;
        let after = content[close + 1..].strip_prefix(':')?;
        (content[1..close].to_string(), after)
    } else {
        let colon = content
            .find(": ")
            .or_else(|| content.strip_suffix(':').map(|k| k.len()))?;
        (content[..colon].to_string(), &content[colon + 1..])
    };
    let value = rest.split(" #").next().unwrap_or("").trim();
    Some((key, unquote(value).to_string()))
}

fn unquote(s: &str) -> &str {
    for q in ['\'', '"'] {
        if let Some(inner) = s.strip_prefix(q).and_then(|r| r.strip_suffix(q)) {
            return inner;
        }
    }
    s
}

/// The exact version in a pnpm `version:` value: `3.23.8`, `18.2.0(react@18.2.0)`,
/// `1.2.3_react@18.0.0` (v5 peers), or an alias `string-width@4.2.3` / `/string-width@4.2.3` /
/// `/string-width/4.2.3`. `None` for `link:`, `file:` and git/tarball resolutions.
pub fn pnpm_version(raw: &str) -> Option<&str> {
    let raw = raw.split('(').next().unwrap_or(raw).trim();
    if raw.starts_with("link:") || raw.starts_with("file:") || raw.contains("://") {
        return None;
    }
    if let Some(v) = exact_version(raw) {
        return Some(v);
    }
    // v5 peer suffix: `1.2.3_react@18.0.0`.
    if let Some((head, _)) = raw.split_once('_') {
        if let Some(v) = exact_version(head) {
            return Some(v);
        }
    }
    // Aliases: the part after the last `@` (v6, v9) or `/` (v5).
    let tail = raw.rsplit(['@', '/']).next()?;
    let tail = tail.split('_').next().unwrap_or(tail);
    exact_version(tail)
}

/// `s` itself when it is an exact semver version (`1.2.3`, `1.2.3-rc.1`, `1.2.3+build`).
pub fn exact_version(s: &str) -> Option<&str> {
    let (core, _build) = s.split_once('+').unwrap_or((s, ""));
    let (core, pre) = match core.split_once('-') {
        Some((c, p)) => (c, Some(p)),
        None => (core, None),
    };
    let parts: Vec<&str> = core.split('.').collect();
    let numeric = |p: &&str| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit());
    let ok = parts.len() == 3
        && parts.iter().all(numeric)
        && pre.is_none_or(|p| {
            !p.is_empty()
                && p.split('.').all(|id| {
                    !id.is_empty() && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
                })
        });
    ok.then_some(s)
}

/// A 40-hex commit in a git or GitHub tarball resolution.
pub fn git_commit(s: &str) -> Option<&str> {
    let looks_git = s.starts_with("git")
        || s.contains("github")
        || s.contains("gitlab")
        || s.contains("bitbucket");
    if !looks_git {
        return None;
    }
    let bytes = s.as_bytes();
    let mut start = None;
    for (i, b) in bytes
        .iter()
        .enumerate()
        .chain(std::iter::once((bytes.len(), &b' ')))
    {
        if b.is_ascii_hexdigit() {
            start.get_or_insert(i);
            continue;
        }
        if let Some(st) = start.take() {
            if i - st == 40 {
                return Some(&s[st..i]);
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn package_lock_v3_root_and_nested() {
        let text = r#"{"name": "x", "lockfileVersion": 3, "packages": {
            "": {"dependencies": {"zod": "^3.23.0"}},
            "node_modules/zod": {"version": "3.23.8", "resolved": "https://registry.npmjs.org/zod/-/zod-3.23.8.tgz"},
            "node_modules/@types/node": {"version": "20.11.5"},
            "node_modules/a/node_modules/zod": {"version": "1.0.0"},
            "node_modules/lib": {"version": "1.0.0", "resolved": "git+ssh://git@github.com/o/lib.git#0123456789abcdef0123456789abcdef01234567"}
        }}"#;
        let lock = parse_package_lock(text).unwrap();
        let r = lock.for_importer("");
        let (v, c) = (r.versions, r.commits);
        assert_eq!(v["zod"], "3.23.8");
        assert_eq!(v["@types/node"], "20.11.5");
        assert_eq!(c["lib"], "0123456789abcdef0123456789abcdef01234567");
        assert_eq!(v.len(), 3);
    }

    #[test]
    fn package_lock_v1() {
        let text = r#"{"lockfileVersion": 1, "dependencies": {"zod": {"version": "3.0.0"},
            "g": {"version": "git+https://github.com/o/g.git#0123456789abcdef0123456789abcdef01234567"}}}"#;
        let r = parse_package_lock(text).unwrap().for_importer("");
        let (v, c) = (r.versions, r.commits);
        assert_eq!(v["zod"], "3.0.0");
        assert!(c.contains_key("g"));
        assert!(parse_package_lock("not json").is_none());
    }

    #[test]
    fn pnpm_v9_importers_with_peer_suffixes() {
        let text = "lockfileVersion: '9.0'\n\nsettings:\n  autoInstallPeers: true\n\nimporters:\n\n  .:\n    dependencies:\n      '@tanstack/react-query':\n        specifier: ^5.0.0\n        version: 5.17.9(react@18.2.0)\n      react:\n        specifier: ^18.2.0\n        version: 18.2.0\n      local:\n        specifier: workspace:*\n        version: link:packages/local\n      sw:\n        specifier: npm:string-width@^4\n        version: string-width@4.2.3\n    devDependencies:\n      typescript:\n        specifier: ~5.3.0\n        version: 5.3.3\n\n  packages/local:\n    dependencies:\n      zod:\n        specifier: ^3\n        version: 3.22.4\n\npackages:\n\n  react@18.2.0:\n    resolution: {integrity: sha512-x}\n    dependencies:\n      version: 1.0.0\n";
        let lock = parse_pnpm_lock(text).unwrap();
        let v = lock.for_importer("").versions;
        assert_eq!(v["@tanstack/react-query"], "5.17.9");
        assert_eq!(v["react"], "18.2.0");
        assert_eq!(v["typescript"], "5.3.3");
        assert_eq!(v["sw"], "4.2.3");
        assert!(!v.contains_key("local"));
        assert!(!v.contains_key("version"));
        let v = lock.for_importer("packages/local").versions;
        assert_eq!(v["zod"], "3.22.4");
    }

    #[test]
    fn pnpm_v6_and_v5_root_sections() {
        let v6 = "lockfileVersion: '6.0'\n\ndependencies:\n  zod:\n    specifier: ^3.23.0\n    version: 3.23.8\n\ndevDependencies:\n  vitest:\n    specifier: ^1.0.0\n    version: 1.2.0(@types/node@20.0.0)\n";
        let v = parse_pnpm_lock(v6).unwrap().for_importer("").versions;
        assert_eq!(v["zod"], "3.23.8");
        assert_eq!(v["vitest"], "1.2.0");
        let v5 = "lockfileVersion: 5.4\n\nspecifiers:\n  react-dom: ^18.0.0\n\ndependencies:\n  react-dom: 18.2.0_react@18.2.0\n  alias: /real-name/2.0.0\n  gh: github.com/o/r/0123456789abcdef0123456789abcdef01234567\n";
        let r = parse_pnpm_lock(v5).unwrap().for_importer("");
        let (v, c) = (r.versions, r.commits);
        assert_eq!(v["react-dom"], "18.2.0");
        assert_eq!(v["alias"], "2.0.0");
        assert_eq!(c["gh"], "0123456789abcdef0123456789abcdef01234567");
        assert!(parse_pnpm_lock("foo: bar\n").is_none());
    }

    #[test]
    fn yarn_classic_and_berry() {
        let v1 = "# THIS IS AN AUTOGENERATED FILE.\n# yarn lockfile v1\n\n\n\"@babel/core@^7.0.0\", \"@babel/core@^7.12.3\":\n  version \"7.24.0\"\n  resolved \"https://registry.yarnpkg.com/@babel/core/-/core-7.24.0.tgz\"\n  dependencies:\n    debug \"^4.1.0\"\n\nzod@^3.22.0:\n  version \"3.22.4\"\n\nzod@^3.23.0:\n  version \"3.23.8\"\n\n\"lib@github:acme/lib\":\n  version \"1.0.0\"\n  resolved \"https://codeload.github.com/acme/lib/tar.gz/0123456789abcdef0123456789abcdef01234567\"\n";
        let r = parse_yarn_lock(v1).unwrap().for_importer("");
        assert_eq!(r.by_descriptor["@babel/core@^7.12.3"], "7.24.0");
        assert_eq!(r.versions["@babel/core"], "7.24.0");
        assert_eq!(r.by_descriptor["zod@^3.23.0"], "3.23.8");
        assert!(
            !r.versions.contains_key("zod"),
            "two versions of zod: by name is ambiguous"
        );
        assert!(!r.versions.contains_key("debug"));
        assert_eq!(r.commits["lib"], "0123456789abcdef0123456789abcdef01234567");
        let berry = "__metadata:\n  version: 8\n  cacheKey: 10c0\n\n\"zod@npm:^3.23.0\":\n  version: 3.23.8\n  resolution: \"zod@npm:3.23.8\"\n  languageName: node\n\n\"app@workspace:.\":\n  version: 0.0.0-use.local\n";
        let r = parse_yarn_lock(berry).unwrap().for_importer("");
        assert_eq!(r.by_descriptor["zod@npm:^3.23.0"], "3.23.8");
        assert_eq!(r.versions["zod"], "3.23.8");
        assert!(parse_yarn_lock("{}").is_none());
    }

    #[test]
    fn bun_text_lockfile() {
        let text = r#"{
  "lockfileVersion": 1,
  "workspaces": { "": { "name": "app", "dependencies": { "zod": "^3.23.0" } } },
  "packages": {
    "zod": ["zod@3.23.8", "", {}, "sha512-x"],
    "@types/node": ["@types/node@20.11.5", "", {}, "sha512-y"],
    "other/zod": ["zod@1.0.0", "", {}, "sha512-z"],
    "lib": ["lib@github:acme/lib#0123456789abcdef0123456789abcdef01234567", {}],
  },
}"#;
        let r = parse_bun_lock(text).unwrap().for_importer("");
        assert_eq!(r.versions["zod"], "3.23.8");
        assert_eq!(r.versions["@types/node"], "20.11.5");
        assert_eq!(r.commits["lib"], "0123456789abcdef0123456789abcdef01234567");
        assert_eq!(r.versions.len(), 2);
        assert!(parse_bun_lock("{\"packages\": {}}").is_none());
    }

    #[test]
    fn exact_versions() {
        for ok in ["1.2.3", "0.0.0-rc.1", "1.2.3+build.5", "10.20.30-alpha-1"] {
            assert!(exact_version(ok).is_some(), "{ok}");
        }
        for bad in ["1.2", "^1.2.3", "1.2.x", "v1.2.3", "1.2.3-", "latest", ""] {
            assert!(exact_version(bad).is_none(), "{bad}");
        }
    }
}
