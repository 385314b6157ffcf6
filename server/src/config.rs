//! `chainwarden.toml`: rule switches and severities, ignored paths, pinning and resolve options.
//!
//! Two kinds of configuration, trusted differently (SPEC §7.10):
//! - a repository's file (`chainwarden.toml`, `.github/chainwarden.toml`, or `check --config`)
//!   may only narrow: grade or turn off rules, ignore paths, turn the network *off*;
//! - the user's own settings ([`UserSettings`]: `--online`, `CHAINWARDEN_*` variables, the user
//!   config file `$XDG_CONFIG_HOME/chainwarden/config.toml`, user-level editor settings) are the
//!   only ones that may turn the network on or name an endpoint that receives credentials.
//!
//! A policy (`[policy] allow/deny`) and `pedantic = true` only add findings, so a repository's
//! file may set them, and so may the user config file (the two are combined, see
//! [`Config::apply_user`]).
//!
//! A repository file that tries to widen is not an error: the key is ignored and reported once
//! as a [`ConfigWarning`].

use crate::finding::Severity;
use globset::{Glob, GlobSet, GlobSetBuilder};
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// Where the config file may live, relative to the workspace root, in order of preference.
pub const CONFIG_LOCATIONS: &[&str] = &["chainwarden.toml", ".github/chainwarden.toml"];

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RuleSetting {
    Off,
    Severity(Severity),
}

#[derive(Clone, Debug, Default)]
pub struct Config {
    pub rules: HashMap<String, RuleSetting>,
    pub ignore: Option<GlobSet>,
    pub ignore_patterns: Vec<String>,
    /// Owners whose actions may stay on tags (`[pinning] trusted-owners`).
    pub trusted_owners: Vec<String>,
    /// Whether online resolution is on: only [`Config::apply_user`] turns it on.
    pub online: bool,
    /// GitHub API base for online resolution (GitHub Enterprise): from the user's settings only.
    pub api_url: Option<String>,
    /// OSV API base for online advisories: from the user's settings only.
    pub osv_url: Option<String>,
    /// A repository file said `[resolve] online = false`: off whatever the user asked.
    pub online_forbidden: bool,
    /// Keys of a repository file that were ignored because only the user may set them.
    pub warnings: Vec<ConfigWarning>,
    /// `[paths] test-data = true`: analyse compose files, Dockerfiles and package.json under
    /// test-data folders too ([`crate::kind::is_test_data`]); the shells skip them otherwise.
    pub test_data: bool,
    /// The pedantic tier of rules is on (`pedantic = true`, `--pedantic`, the editor setting).
    pub pedantic: bool,
    /// Which actions a workflow may use (`[policy]`): read by `forbidden-action`.
    pub policy: Policy,
}

/// `[policy] allow = [...]` / `deny = [...]`: patterns of `owner/repo[/path]` with `*` for one
/// path segment (`actions/*`, `docker/*`, `github/codeql-action/*`). With `allow`, every action
/// that matches no allow pattern is forbidden; `deny` forbids what it matches (and wins over
/// `allow`). No patterns: no policy, nothing is forbidden.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Policy {
    pub allow: Option<Vec<String>>,
    pub deny: Vec<String>,
}

impl Policy {
    pub fn is_empty(&self) -> bool {
        self.allow.is_none() && self.deny.is_empty()
    }

    /// How `action` (`owner/repo[/path]`) breaks the policy; `None` when it may be used.
    pub fn violation(&self, action: &str) -> Option<PolicyViolation> {
        if let Some(p) = self.deny.iter().find(|p| policy_matches(p, action)) {
            return Some(PolicyViolation::Denied(p.clone()));
        }
        match &self.allow {
            Some(allow) if !allow.iter().any(|p| policy_matches(p, action)) => {
                Some(PolicyViolation::NotAllowed)
            }
            _ => None,
        }
    }
}

/// How a `uses:` breaks the policy.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PolicyViolation {
    /// It matches this `deny` pattern.
    Denied(String),
    /// An `allow` list exists and no pattern of it matches.
    NotAllowed,
}

/// Whether policy pattern `pattern` matches `action` (`owner/repo[/path]`, any case). Each
/// pattern segment matches one segment (`*` any); a pattern that ends before the action does
/// matches everything under it (`owner/repo` covers `owner/repo/sub/path`), and a last `*`
/// covers the rest.
pub fn policy_matches(pattern: &str, action: &str) -> bool {
    let pattern = pattern.trim().trim_end_matches('/');
    let pat: Vec<&str> = pattern.split('/').collect();
    let act: Vec<&str> = action.split('/').filter(|s| !s.is_empty()).collect();
    if pat.len() > act.len() {
        return false;
    }
    pat.iter().zip(&act).all(|(p, a)| segment_matches(p, a))
}

/// One path segment against a pattern segment with `*` wildcards (any case).
fn segment_matches(pattern: &str, segment: &str) -> bool {
    let (p, s) = (pattern.to_ascii_lowercase(), segment.to_ascii_lowercase());
    let parts: Vec<&str> = p.split('*').collect();
    if parts.len() == 1 {
        return p == s;
    }
    let mut rest = s.as_str();
    for (i, part) in parts.iter().enumerate() {
        if i == 0 {
            match rest.strip_prefix(part) {
                Some(r) => rest = r,
                None => return false,
            }
        } else if i == parts.len() - 1 {
            return rest.ends_with(part);
        } else {
            match rest.find(part) {
                Some(at) => rest = &rest[at + part.len()..],
                None => return false,
            }
        }
    }
    true
}

/// A key of a repository config that was ignored, with why (shown once, never fatal).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfigWarning {
    pub path: PathBuf,
    pub span: Option<std::ops::Range<usize>>,
    pub message: String,
}

impl std::fmt::Display for ConfigWarning {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.path.display(), self.message)
    }
}

/// Environment variable that turns online resolution on (`1`, `true`, `yes`) or off.
pub const ONLINE_ENV: &str = "CHAINWARDEN_ONLINE";
/// Environment variable naming the GitHub API base (GitHub Enterprise).
pub const API_ENV: &str = "CHAINWARDEN_GITHUB_API";
/// Environment variable naming the OSV API base (a mirror, or a test server).
pub const OSV_ENV: &str = "CHAINWARDEN_OSV_API";

/// What only the user decides: the network and the endpoints that receive credentials.
#[derive(Clone, Debug, Default)]
pub struct UserSettings {
    /// `None`: nobody said; offline.
    pub online: Option<bool>,
    pub api_url: Option<String>,
    /// `CHAINWARDEN_OSV_API` or `[resolve] osv-url` of the user config file.
    pub osv_url: Option<String>,
    /// The user config file's other settings (rules, ignore, pinning), applied under the
    /// repository's.
    pub defaults: Config,
}

impl UserSettings {
    /// The user config file (`$XDG_CONFIG_HOME/chainwarden/config.toml`, else
    /// `~/.config/chainwarden/config.toml`) overlaid with `CHAINWARDEN_ONLINE` and
    /// `CHAINWARDEN_GITHUB_API`. A broken user file yields the environment's settings plus
    /// the error.
    pub fn load() -> (UserSettings, Option<ConfigError>) {
        let (mut settings, error) = match user_config_path() {
            Some(path) => UserSettings::from_file(&path),
            None => (UserSettings::default(), None),
        };
        if let Some(online) = std::env::var(ONLINE_ENV).ok().and_then(|v| parse_flag(&v)) {
            settings.online = Some(online);
        }
        if let Some(api) = std::env::var(API_ENV)
            .ok()
            .map(|v| v.trim().to_string())
            .filter(|v| !v.is_empty())
        {
            settings.api_url = Some(api);
        }
        if let Some(osv) = std::env::var(OSV_ENV)
            .ok()
            .map(|v| v.trim().to_string())
            .filter(|v| !v.is_empty())
        {
            settings.osv_url = Some(osv);
        }
        (settings, error)
    }

    fn from_file(path: &Path) -> (UserSettings, Option<ConfigError>) {
        let Ok(bytes) = std::fs::read(path) else {
            return (UserSettings::default(), None);
        };
        let parsed = String::from_utf8(bytes)
            .map_err(|_| (None, "config file is not valid UTF-8".to_string()))
            .and_then(|text| Config::parse_keys(&text));
        match parsed {
            Ok((config, resolve)) => (
                UserSettings {
                    online: resolve.online.map(|(v, _)| v),
                    api_url: resolve.api_url.map(|(v, _)| v),
                    osv_url: resolve.osv_url.map(|(v, _)| v),
                    defaults: config,
                },
                None,
            ),
            Err((span, message)) => (
                UserSettings::default(),
                Some(ConfigError {
                    path: path.to_path_buf(),
                    span,
                    message,
                }),
            ),
        }
    }
}

/// `$XDG_CONFIG_HOME/chainwarden/config.toml`, else `~/.config/chainwarden/config.toml`.
pub fn user_config_path() -> Option<PathBuf> {
    let base = std::env::var_os("XDG_CONFIG_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| {
            std::env::var_os("HOME")
                .filter(|v| !v.is_empty())
                .map(|h| PathBuf::from(h).join(".config"))
        })?;
    Some(base.join("chainwarden").join("config.toml"))
}

fn parse_flag(v: &str) -> Option<bool> {
    match v.trim().to_ascii_lowercase().as_str() {
        "1" | "true" | "yes" | "on" => Some(true),
        "0" | "false" | "no" | "off" | "" => Some(false),
        _ => None,
    }
}

/// A parse error: where (when known) and what.
type ParseError = (Option<std::ops::Range<usize>>, String);

/// The `[resolve]` keys as written, with their spans: what they may do depends on whose file
/// it is.
#[derive(Default)]
struct ResolveKeys {
    online: Option<(bool, Option<std::ops::Range<usize>>)>,
    api_url: Option<(String, Option<std::ops::Range<usize>>)>,
    osv_url: Option<(String, Option<std::ops::Range<usize>>)>,
}

/// A config file that could not be read: reported as a diagnostic on the file itself.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfigError {
    pub path: PathBuf,
    /// Byte span in the config file, when the parser knows where.
    pub span: Option<std::ops::Range<usize>>,
    pub message: String,
}

impl std::fmt::Display for ConfigError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.path.display(), self.message)
    }
}

impl Config {
    /// The repository config file under `root`, if there is one.
    pub fn find(root: &Path) -> Option<PathBuf> {
        CONFIG_LOCATIONS
            .iter()
            .map(|loc| root.join(loc))
            .find(|p| p.is_file())
    }

    /// Find and load the repository config under `root`. A broken file yields the defaults plus
    /// the error. The result is offline until [`Config::apply_user`] says otherwise.
    pub fn load(root: &Path) -> (Config, Option<ConfigError>) {
        match Config::find(root) {
            Some(path) => Config::load_file(&path),
            None => (Config::default(), None),
        }
    }

    /// Load one repository config file (what `check --config PATH` names). It may only narrow:
    /// `[resolve] online = true` and endpoint keys are ignored with a warning.
    pub fn load_file(path: &Path) -> (Config, Option<ConfigError>) {
        let error = |span, message| {
            Some(ConfigError {
                path: path.to_path_buf(),
                span,
                message,
            })
        };
        let bytes = match std::fs::read(path) {
            Ok(b) => b,
            Err(e) => return (Config::default(), error(None, format!("cannot read: {e}"))),
        };
        let Ok(text) = String::from_utf8(bytes) else {
            return (
                Config::default(),
                error(None, "config file is not valid UTF-8".into()),
            );
        };
        match Config::parse_keys(&text) {
            Ok((mut config, resolve)) => {
                config.narrow_network(path, resolve);
                (config, None)
            }
            Err((span, message)) => (Config::default(), error(span, message)),
        }
    }

    /// A repository's `[resolve]`: `online = false` turns the network off; anything that would
    /// widen is ignored with one warning each.
    fn narrow_network(&mut self, path: &Path, resolve: ResolveKeys) {
        if let Some((online, span)) = resolve.online {
            if online {
                self.warnings.push(ConfigWarning {
                    path: path.to_path_buf(),
                    span,
                    message: "`online = true` is ignored: a repository's configuration cannot \
                              turn the network on (use --online, CHAINWARDEN_ONLINE=1, your user \
                              config file or the editor's user setting)"
                        .into(),
                });
            } else {
                self.online_forbidden = true;
            }
        }
        if let Some((url, span)) = resolve.api_url {
            self.warnings.push(ConfigWarning {
                path: path.to_path_buf(),
                span,
                message: format!(
                    "`api-url = \"{url}\"` is ignored: only your own settings may choose where \
                     credentials are sent (CHAINWARDEN_GITHUB_API or your user config file)"
                ),
            });
        }
        if let Some((url, span)) = resolve.osv_url {
            self.warnings.push(ConfigWarning {
                path: path.to_path_buf(),
                span,
                message: format!(
                    "`osv-url = \"{url}\"` is ignored: only your own settings may choose the \
                     advisory server (CHAINWARDEN_OSV_API or your user config file)"
                ),
            });
        }
    }

    /// Put the user's settings under this repository config: the user's rule settings and
    /// ignores apply where the repository says nothing; the network is on when the user turned
    /// it on (`cli_online`, or [`UserSettings::online`]) and the repository did not turn it off.
    pub fn apply_user(&mut self, user: &UserSettings, cli_online: bool) {
        for (id, setting) in &user.defaults.rules {
            self.rules.entry(id.clone()).or_insert(*setting);
        }
        if !user.defaults.ignore_patterns.is_empty() {
            let mut patterns = user.defaults.ignore_patterns.clone();
            patterns.extend(self.ignore_patterns.iter().cloned());
            let mut builder = GlobSetBuilder::new();
            for p in &patterns {
                if let Ok(g) = Glob::new(p) {
                    builder.add(g);
                }
            }
            self.ignore = builder.build().ok();
            self.ignore_patterns = patterns;
        }
        if self.trusted_owners.is_empty() {
            self.trusted_owners = user.defaults.trusted_owners.clone();
        }
        // These only add findings: either side may turn them on. Deny lists add up; the
        // repository's allow list, when it has one, replaces the user's.
        self.pedantic |= user.defaults.pedantic;
        for p in &user.defaults.policy.deny {
            if !self.policy.deny.contains(p) {
                self.policy.deny.push(p.clone());
            }
        }
        if self.policy.allow.is_none() {
            self.policy.allow = user.defaults.policy.allow.clone();
        }
        self.set_online(cli_online || user.online.unwrap_or(false));
        self.api_url = user.api_url.clone();
        self.osv_url = user.osv_url.clone();
    }

    /// Turn the network on or off as the user asked, unless the repository turned it off.
    pub fn set_online(&mut self, wanted: bool) {
        self.online = wanted && !self.online_forbidden;
    }

    /// Parse repository config text (see [`Config::parse_keys`]): it may only narrow.
    pub fn parse(text: &str) -> Result<Config, (Option<std::ops::Range<usize>>, String)> {
        let (mut config, resolve) = Config::parse_keys(text)?;
        config.narrow_network(Path::new(CONFIG_LOCATIONS[0]), resolve);
        Ok(config)
    }

    /// Parse config text. Unknown rule ids and bad values are errors, with their span. The
    /// `[resolve]` keys are returned as written; the caller decides what they may do.
    fn parse_keys(text: &str) -> Result<(Config, ResolveKeys), ParseError> {
        let doc: toml::Table = text
            .parse()
            .map_err(|e: toml::de::Error| (e.span(), e.message().to_string()))?;
        let mut config = Config::default();
        let mut resolve = ResolveKeys::default();
        let locate = |needle: &str| text.find(needle).map(|s| s..s + needle.len());
        for (key, value) in &doc {
            match key.as_str() {
                "rules" => {
                    let table = value
                        .as_table()
                        .ok_or((locate("rules"), "`rules` must be a table".to_string()))?;
                    for (id, v) in table {
                        if crate::rules::doc(id).is_none() {
                            return Err((locate(id), format!("unknown rule id `{id}`")));
                        }
                        let s = v.as_str().unwrap_or("");
                        let setting = if s == "off" {
                            RuleSetting::Off
                        } else if let Some(sev) = Severity::parse(s) {
                            RuleSetting::Severity(sev)
                        } else {
                            return Err((
                                locate(id),
                                format!("rule `{id}`: expected \"off\", \"low\", \"medium\", \"high\" or \"critical\""),
                            ));
                        };
                        config.rules.insert(id.clone(), setting);
                    }
                }
                "ignore" => {
                    let list = value.as_array().ok_or((
                        locate("ignore"),
                        "`ignore` must be a list of globs".to_string(),
                    ))?;
                    let mut builder = GlobSetBuilder::new();
                    for item in list {
                        let pat = item.as_str().ok_or((
                            locate("ignore"),
                            "`ignore` entries must be strings".to_string(),
                        ))?;
                        let glob = Glob::new(pat)
                            .map_err(|e| (locate(pat), format!("bad glob `{pat}`: {e}")))?;
                        builder.add(glob);
                        config.ignore_patterns.push(pat.to_string());
                    }
                    config.ignore = Some(
                        builder
                            .build()
                            .map_err(|e| (locate("ignore"), format!("bad ignore globs: {e}")))?,
                    );
                }
                "pinning" => {
                    let owners = value
                        .get("trusted-owners")
                        .and_then(|v| v.as_array())
                        .map(|a| {
                            a.iter()
                                .filter_map(|o| o.as_str())
                                .map(str::to_ascii_lowercase)
                                .collect()
                        });
                    config.trusted_owners = owners.unwrap_or_default();
                }
                "resolve" => {
                    let table = value
                        .as_table()
                        .ok_or((locate("resolve"), "`resolve` must be a table".to_string()))?;
                    for (key, v) in table {
                        match key.as_str() {
                            "online" => {
                                let on = v.as_bool().ok_or((
                                    locate("online"),
                                    "`online` must be true or false".to_string(),
                                ))?;
                                resolve.online = Some((on, locate("online")));
                            }
                            "api-url" => {
                                let url = v.as_str().ok_or((
                                    locate("api-url"),
                                    "`api-url` must be a string".to_string(),
                                ))?;
                                resolve.api_url = Some((url.trim().to_string(), locate("api-url")));
                            }
                            "osv-url" => {
                                let url = v.as_str().ok_or((
                                    locate("osv-url"),
                                    "`osv-url` must be a string".to_string(),
                                ))?;
                                resolve.osv_url = Some((url.trim().to_string(), locate("osv-url")));
                            }
                            other => {
                                return Err((
                                    locate(other),
                                    format!("unknown key `{other}` in [resolve]"),
                                ))
                            }
                        }
                    }
                }
                "paths" => {
                    if let Some(v) = value.get("test-data") {
                        config.test_data = v.as_bool().ok_or((
                            locate("test-data"),
                            "`test-data` must be true or false".to_string(),
                        ))?;
                    }
                }
                "pedantic" => {
                    config.pedantic = value.as_bool().ok_or((
                        locate("pedantic"),
                        "`pedantic` must be true or false".to_string(),
                    ))?;
                }
                "policy" => {
                    let table = value
                        .as_table()
                        .ok_or((locate("policy"), "`policy` must be a table".to_string()))?;
                    for (key, v) in table {
                        let list = v
                            .as_array()
                            .and_then(|a| {
                                a.iter()
                                    .map(|i| i.as_str().map(|s| s.trim().to_string()))
                                    .collect::<Option<Vec<_>>>()
                            })
                            .filter(|l| l.iter().all(|p| p.contains('/') || p == "*"))
                            .ok_or((
                                locate(key),
                                format!(
                                    "`{key}` must be a list of `owner/repo` patterns (`*` for any segment)"
                                ),
                            ))?;
                        match key.as_str() {
                            "allow" => config.policy.allow = Some(list),
                            "deny" => config.policy.deny = list,
                            other => {
                                return Err((
                                    locate(other),
                                    format!("unknown key `{other}` in [policy]"),
                                ))
                            }
                        }
                    }
                }
                other => return Err((locate(other), format!("unknown section `{other}`"))),
            }
        }
        Ok((config, resolve))
    }

    /// Whether a path (relative to the workspace root) is excluded by `ignore`.
    pub fn is_ignored(&self, relative: &Path) -> bool {
        self.ignore.as_ref().is_some_and(|g| g.is_match(relative))
    }

    /// Whether the shells skip this file as test data (see [`crate::kind::is_test_data`]).
    pub fn skips_test_data(&self, relative: &Path, kind: crate::kind::FileKind) -> bool {
        !self.test_data && crate::kind::is_test_data(relative, kind)
    }

    pub fn setting(&self, rule: &str) -> Option<RuleSetting> {
        self.rules.get(rule).copied()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policy_patterns() {
        assert!(policy_matches("actions/*", "actions/checkout"));
        assert!(policy_matches("actions/*", "Actions/Cache/restore"));
        assert!(!policy_matches("actions/*", "actionsx/checkout"));
        assert!(policy_matches(
            "github/codeql-action",
            "github/codeql-action/init"
        ));
        assert!(!policy_matches(
            "github/codeql-action/init",
            "github/codeql-action"
        ));
        assert!(policy_matches(
            "docker/setup-*",
            "docker/setup-buildx-action"
        ));
        assert!(!policy_matches("docker/setup-*", "docker/login-action"));
        assert!(policy_matches("*", "anyone/anything"));
        let policy = Policy {
            allow: Some(vec!["actions/*".into(), "tj-actions/*".into()]),
            deny: vec!["tj-actions/changed-files".into()],
        };
        assert_eq!(policy.violation("actions/checkout"), None);
        assert_eq!(
            policy.violation("tj-actions/changed-files"),
            Some(PolicyViolation::Denied("tj-actions/changed-files".into()))
        );
        assert_eq!(
            policy.violation("evil/thing"),
            Some(PolicyViolation::NotAllowed)
        );
        assert_eq!(Policy::default().violation("evil/thing"), None);
    }

    #[test]
    fn a_repository_may_set_a_policy_and_pedantic_and_the_user_adds_to_them() {
        let mut repo = Config::parse(
            "pedantic = true\n[policy]\nallow = [\"actions/*\"]\ndeny = [\"actions/x\"]\n",
        )
        .unwrap();
        assert!(repo.pedantic);
        assert!(repo.warnings.is_empty());
        assert_eq!(
            repo.policy.allow.as_deref(),
            Some(&["actions/*".to_string()][..])
        );
        let user = UserSettings {
            defaults: Config::parse("[policy]\nallow = [\"mine/*\"]\ndeny = [\"bad/*\"]\n")
                .unwrap(),
            ..Default::default()
        };
        repo.apply_user(&user, false);
        assert_eq!(repo.policy.deny, vec!["actions/x", "bad/*"]);
        assert_eq!(
            repo.policy.allow.as_deref(),
            Some(&["actions/*".to_string()][..])
        );

        let mut plain = Config::parse("").unwrap();
        let user = UserSettings {
            defaults: Config::parse("pedantic = true\n[policy]\nallow = [\"mine/*\"]\n").unwrap(),
            ..Default::default()
        };
        plain.apply_user(&user, false);
        assert!(plain.pedantic);
        assert_eq!(
            plain.policy.allow.as_deref(),
            Some(&["mine/*".to_string()][..])
        );
    }

    #[test]
    fn bad_policy_and_pedantic_values_are_errors() {
        assert!(Config::parse("pedantic = \"yes\"\n").is_err());
        assert!(Config::parse("[policy]\nallow = \"actions/*\"\n").is_err());
        assert!(Config::parse("[policy]\nallow = [\"checkout\"]\n").is_err());
        assert!(Config::parse("[policy]\nrequire = [\"a/b\"]\n").is_err());
    }
}
