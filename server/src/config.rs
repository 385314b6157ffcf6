//! `chainwarden.toml`: rule switches and severities, ignored paths, pinning and resolve options.

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
    pub online: bool,
    /// GitHub API base for online resolution (`[resolve] api-url`, for GitHub Enterprise).
    pub api_url: Option<String>,
    /// `[paths] test-data = true`: analyse compose files, Dockerfiles and package.json under
    /// test-data folders too ([`crate::kind::is_test_data`]); the shells skip them otherwise.
    pub test_data: bool,
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
    /// Find and load the config under `root`. A broken file yields the defaults plus the error.
    pub fn load(root: &Path) -> (Config, Option<ConfigError>) {
        for loc in CONFIG_LOCATIONS {
            let path = root.join(loc);
            if let Ok(bytes) = std::fs::read(&path) {
                let text = match String::from_utf8(bytes) {
                    Ok(t) => t,
                    Err(_) => {
                        let err = ConfigError {
                            path,
                            span: None,
                            message: "config file is not valid UTF-8".into(),
                        };
                        return (Config::default(), Some(err));
                    }
                };
                return match Config::parse(&text) {
                    Ok(c) => (c, None),
                    Err((span, message)) => (
                        Config::default(),
                        Some(ConfigError {
                            path,
                            span,
                            message,
                        }),
                    ),
                };
            }
        }
        (Config::default(), None)
    }

    /// Parse config text. Unknown rule ids and bad values are errors, with their span.
    pub fn parse(text: &str) -> Result<Config, (Option<std::ops::Range<usize>>, String)> {
        let doc: toml::Table = text
            .parse()
            .map_err(|e: toml::de::Error| (e.span(), e.message().to_string()))?;
        let mut config = Config::default();
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
                    config.online = value
                        .get("online")
                        .and_then(|v| v.as_bool())
                        .unwrap_or(false);
                    config.api_url = value
                        .get("api-url")
                        .and_then(|v| v.as_str())
                        .map(str::to_string);
                }
                "paths" => {
                    if let Some(v) = value.get("test-data") {
                        config.test_data = v.as_bool().ok_or((
                            locate("test-data"),
                            "`test-data` must be true or false".to_string(),
                        ))?;
                    }
                }
                other => return Err((locate(other), format!("unknown section `{other}`"))),
            }
        }
        Ok(config)
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
