//! Which steps restore a cache: the setup and cache actions of `data/cache-inputs.toml`, with
//! the input that turns each one's cache on or off and the version from which it is on by
//! default. Read by `cache-poisoning`.

use crate::finding::Span;
use crate::model::workflow::{Step, UsesTarget};
use crate::workspace::Facts;
use serde::Deserialize;
use std::sync::LazyLock;

static TABLE_TOML: &str = include_str!("../../../data/cache-inputs.toml");

#[derive(Debug, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
struct Entry {
    uses: String,
    input: Option<String>,
    mode: Mode,
    #[serde(default)]
    on_values: Vec<String>,
    pattern: Option<String>,
    default_on_since: Option<u32>,
    default_on_before: Option<u32>,
    #[serde(default)]
    unknown_version_on: bool,
    needs: Option<String>,
    unless_input: Option<String>,
    off: Off,
    #[allow(dead_code)]
    source: String,
}

#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
enum Mode {
    AnyValue,
    True,
    Contains,
    Disable,
}

#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
enum Off {
    Remove,
    SetFalse,
    SetTrue,
    None,
}

#[derive(Debug, Deserialize)]
struct Table {
    action: Vec<Entry>,
}

static TABLE: LazyLock<Table> = LazyLock::new(|| {
    toml::from_str(TABLE_TOML).expect("data/cache-inputs.toml is valid (checked by a unit test)")
});

/// How a fix turns a step's cache off.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TurnOff {
    /// Remove the `with:` entry of this input.
    RemoveInput(String),
    /// Set this input to the value (or add it under `with:`).
    SetInput(String, &'static str),
    /// Replace the `with:` entry of the first input by `second: value` (setup-node v5+: removing
    /// `cache:` would turn the automatic cache on).
    ReplaceInput(String, String, &'static str),
}

/// A step that restores a cache.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CacheRestore {
    /// `owner/repo[/path]` as the table names it.
    pub action: String,
    /// Why: "`cache: npm`", "on by default since v4".
    pub how: String,
    /// The `with:` entry that turns it on, when there is one.
    pub input_span: Option<Span>,
    pub turn_off: Option<TurnOff>,
}

/// The major version a `uses:` names: its ref (`v4`, `v4.2.1`, `4`) or, for a commit, the
/// version in its trailing comment (`# v4.2.1`).
pub fn major_version(step: &Step) -> Option<u32> {
    let uses = step.uses.as_ref()?;
    let UsesTarget::Repo(r) = &uses.target else {
        return None;
    };
    let parse = |s: &str| -> Option<u32> {
        let s = s.trim().trim_start_matches('#').trim();
        let s = s
            .strip_prefix('v')
            .or_else(|| s.strip_prefix('V'))
            .unwrap_or(s);
        let digits: String = s.chars().take_while(char::is_ascii_digit).collect();
        digits.parse().ok()
    };
    let git_ref = r.git_ref.as_deref().unwrap_or("");
    let is_sha = git_ref.len() == 40 && git_ref.chars().all(|c| c.is_ascii_hexdigit());
    if !is_sha {
        return parse(git_ref);
    }
    let comment = uses.comment.as_ref()?;
    comment.text.split_whitespace().find_map(parse)
}

fn value_of<'s>(step: &'s Step, name: &str) -> Option<(&'s str, Span)> {
    step.with
        .iter()
        .find(|kv| kv.name == name)
        .and_then(|kv| kv.value.map(|v| (v.text.trim(), kv.span.clone())))
}

fn npm_package_manager(facts: &Facts) -> bool {
    facts
        .repo_package
        .as_ref()
        .and_then(|p| p.package_manager.as_deref())
        .is_some_and(|pm| pm == "npm" || pm.starts_with("npm@"))
}

/// Whether the entry's `needs` holds for the repository.
fn needs_hold(needs: Option<&str>, facts: &Facts) -> bool {
    match needs {
        Some("npm-package-manager") => npm_package_manager(facts),
        Some("package-manager") => facts.repo_package.as_ref().is_some_and(|p| {
            p.package_manager
                .as_deref()
                .is_some_and(|pm| !pm.is_empty())
        }),
        Some(_) => false,
        None => true,
    }
}

/// Whether a default that starts at `since` (and ends before `before`) holds for `major`.
fn default_applies(since: u32, before: Option<u32>, major: Option<u32>, unknown_on: bool) -> bool {
    match major {
        Some(m) => m >= since && before.is_none_or(|b| m < b),
        None => unknown_on,
    }
}

/// Whether an entry's cache is on for the step, and why.
fn entry_on(
    e: &Entry,
    step: &Step,
    facts: &Facts,
    major: Option<u32>,
) -> Option<(String, Option<Span>)> {
    if e.unless_input
        .as_deref()
        .is_some_and(|u| value_of(step, u).is_some())
    {
        return None;
    }
    let Some(input) = &e.input else {
        return Some(("always".into(), None));
    };
    match value_of(step, input) {
        // An expression decides at run time: not followed (the usual guard turns the cache
        // off for tags, `cache: ${{ !startsWith(github.ref, 'refs/tags/') }}`).
        Some((v, _)) if v.contains("${{") => None,
        Some((v, span)) => {
            let lower = v.trim_matches(['"', '\'']).to_ascii_lowercase();
            let on = match e.mode {
                Mode::AnyValue => !lower.is_empty() && lower != "false",
                Mode::True if e.on_values.is_empty() => lower == "true",
                Mode::True => e.on_values.contains(&lower),
                Mode::Contains => e.pattern.as_deref().is_some_and(|p| lower.contains(p)),
                Mode::Disable => lower != "true",
            };
            let shown: String = v.lines().next().unwrap_or("").chars().take(40).collect();
            on.then(|| {
                (
                    format!("`{input}: {shown}`"),
                    (e.mode != Mode::Disable).then_some(span),
                )
            })
        }
        None => {
            if e.mode == Mode::Disable {
                return Some(("restores unless `lookup-only`".into(), None));
            }
            let since = e.default_on_since?;
            let version_on =
                default_applies(since, e.default_on_before, major, e.unknown_version_on);
            (version_on && needs_hold(e.needs.as_deref(), facts)).then(|| {
                let why = if e.needs.is_some() {
                    format!("on by default since v{since}: package.json has `packageManager`")
                } else {
                    format!("on by default since v{since}")
                };
                (why, None)
            })
        }
    }
}

/// The cache `step` restores, if any. `facts` are the repository's (setup-node's automatic
/// cache depends on its package.json).
pub fn restores_cache(step: &Step, facts: &Facts) -> Option<CacheRestore> {
    let action = step.action()?;
    let entries: Vec<&Entry> = TABLE.action.iter().filter(|e| e.uses == action).collect();
    if entries.is_empty() {
        return None;
    }
    let major = major_version(step);
    for e in &entries {
        let Some((how, input_span)) = entry_on(e, step, facts, major) else {
            continue;
        };
        let input = e.input.clone().unwrap_or_default();
        let turn_off = match e.off {
            Off::None => None,
            Off::SetFalse => Some(TurnOff::SetInput(input.clone(), "false")),
            Off::SetTrue => Some(TurnOff::SetInput(input.clone(), "true")),
            Off::Remove => {
                // Would removing it switch on another entry's default (setup-node v5+)?
                let other = entries.iter().find(|o| {
                    o.unless_input.as_deref() == Some(input.as_str())
                        && o.default_on_since.is_some_and(|s| {
                            major.is_none() || default_applies(s, o.default_on_before, major, true)
                        })
                        && needs_hold(o.needs.as_deref(), facts)
                });
                match other.and_then(|o| o.input.clone()) {
                    Some(o) => Some(TurnOff::ReplaceInput(input.clone(), o, "false")),
                    None => Some(TurnOff::RemoveInput(input.clone())),
                }
            }
        };
        return Some(CacheRestore {
            action: action.clone(),
            how,
            input_span,
            turn_off,
        });
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::workflow::{Workflow, WorkflowKind};
    use crate::workspace::RepoPackage;

    fn restore(step_yaml: &str, facts: &Facts) -> Option<CacheRestore> {
        let y = format!("on: push\njobs:\n  a:\n    runs-on: x\n    steps:\n{step_yaml}");
        let wf = Workflow::parse(WorkflowKind::Workflow, &y);
        restores_cache(&wf.jobs[0].steps[0], facts)
    }

    #[test]
    fn the_table_parses() {
        assert!(TABLE.action.len() > 10);
    }

    #[test]
    fn inputs_defaults_and_versions() {
        let none = Facts::default();
        let npm = Facts {
            repo_package: Some(RepoPackage {
                package_manager: Some("npm@10.9.0".into()),
                ..Default::default()
            }),
            ..Default::default()
        };
        let s = "      - uses: actions/setup-node@v4\n        with:\n          cache: npm\n";
        let r = restore(s, &none).unwrap();
        assert_eq!(r.turn_off, Some(TurnOff::RemoveInput("cache".into())));
        let s5 = s.replace("@v4", "@v5");
        assert_eq!(
            restore(&s5, &npm).unwrap().turn_off,
            Some(TurnOff::ReplaceInput(
                "cache".into(),
                "package-manager-cache".into(),
                "false"
            ))
        );
        assert!(restore("      - uses: actions/setup-node@v5\n", &npm).is_some());
        assert!(restore("      - uses: actions/setup-node@v5\n", &none).is_none());
        assert!(restore("      - uses: actions/setup-node@v4\n", &npm).is_none());
        let pnpm = Facts {
            repo_package: Some(RepoPackage {
                package_manager: Some("pnpm@10.4.1".into()),
                ..Default::default()
            }),
            ..Default::default()
        };
        assert!(restore("      - uses: actions/setup-node@v5\n", &pnpm).is_some());
        assert!(restore("      - uses: actions/setup-node@v6\n", &pnpm).is_none());
        assert!(restore("      - uses: actions/setup-node@v6\n", &npm).is_some());
        assert!(restore(
            "      - uses: actions/setup-node@v5\n        with:\n          package-manager-cache: false\n",
            &npm
        )
        .is_none());
        assert!(restore("      - uses: actions/setup-go@v5\n", &none).is_some());
        assert!(restore("      - uses: actions/setup-go@v3\n", &none).is_none());
        assert!(restore(
            "      - uses: actions/setup-go@0aaccfd150d50ccaeb58ebd88d36e91967a5f35b # v5.4.0\n",
            &none
        )
        .is_some());
        assert!(restore(
            "      - uses: actions/setup-go@v5\n        with:\n          cache: false\n",
            &none
        )
        .is_none());
        assert!(restore(
            "      - uses: actions/setup-node@v4\n        with:\n          cache: ${{ inputs.cache }}\n",
            &none
        )
        .is_none());
        assert!(restore("      - uses: actions/cache@v4\n", &none).is_some());
        assert!(restore("      - uses: actions/cache/save@v4\n", &none).is_none());
        assert!(restore(
            "      - uses: docker/build-push-action@v6\n        with:\n          cache-from: type=gha\n",
            &none
        )
        .is_some());
        assert_eq!(
            major_version(
                &Workflow::parse(
                    WorkflowKind::Workflow,
                    "jobs:\n  a:\n    steps:\n      - uses: a/b@main\n"
                )
                .jobs[0]
                    .steps[0]
            ),
            None
        );
    }
}
