//! What a job's `GITHUB_TOKEN` must be allowed to do, from its steps: well-known actions (the
//! table in `data/action-permissions.toml`), `run:` commands (`gh pr …`, `git push`,
//! `npm publish --provenance`, …) and `actions/github-script` API calls.
//!
//! The answer is either the exact set of scopes or "unknown" with the step that makes it so
//! (an action handed the token whose needs are not in the table, `gh api`, a reusable workflow).

use crate::finding::Span;
use crate::kind::FileKind;
use crate::model::workflow::{
    Job, KeyValue, Level, PermissionsValue, Step, UsesTarget, Workflow, WorkflowKind,
};
use crate::syntax::shell;
use crate::workspace::{local_key, Facts, LocalTarget, LocalUses};
use serde::Deserialize;
use std::collections::{BTreeMap, HashMap};
use std::sync::LazyLock;

static TABLE_TOML: &str = include_str!("../../../../data/action-permissions.toml");

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "kebab-case")]
struct ActionEntry {
    #[serde(default)]
    needs: BTreeMap<String, String>,
    #[serde(default)]
    prefix: bool,
    unknown: Option<String>,
    #[serde(default)]
    when: Vec<Condition>,
    #[serde(default)]
    token_inputs: Vec<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "kebab-case")]
struct Condition {
    input: Option<String>,
    #[serde(default)]
    contains: Vec<String>,
    #[serde(default)]
    not_contains: Vec<String>,
    first_word: Option<String>,
    without: Option<String>,
    #[serde(default)]
    needs: BTreeMap<String, String>,
}

#[derive(Debug, Deserialize)]
struct Table {
    actions: HashMap<String, ActionEntry>,
}

static TABLE: LazyLock<Table> = LazyLock::new(|| {
    toml::from_str(TABLE_TOML)
        .expect("data/action-permissions.toml is valid (checked by a unit test)")
});

/// Scopes a job needs: scope → (level, what needs it).
pub type Needs = BTreeMap<String, (Level, String)>;

#[derive(Clone, Debug)]
pub enum JobNeeds {
    Known(Needs),
    /// The needs cannot be told; `reason` names the (first such) step, `span` points at it.
    /// `partial`: what the steps that can be read need (a lower bound).
    Unknown {
        reason: String,
        span: Span,
        partial: Needs,
    },
}

/// Input names that usually carry a GitHub token.
const TOKEN_INPUTS: &[&str] = &[
    "token",
    "github-token",
    "github_token",
    "repo-token",
    "repo_token",
    "gh-token",
    "gh_token",
    "GITHUB_TOKEN",
];

/// Words in an action's repository name that suggest it writes through the token by default
/// (comments, labels, releases, pushes): unlisted actions named so make the needs unknown.
const WRITE_WORDS: &[&str] = &[
    "comment",
    "comments",
    "label",
    "labeler",
    "labels",
    "release",
    "releases",
    "reporter",
    "report",
    "merge",
    "automerge",
    "tag",
    "tagger",
    "commit",
    "changelog",
    "issue",
    "issues",
    "assign",
    "approve",
    "pr",
    "pull",
    "dispatch",
    "deploy",
    "publish",
    "push",
    "pages",
    "gh-pages",
    "backport",
    "stale",
    "lock",
    "milestone",
    "status",
    "check",
    "checks",
];

fn write_sounding_word(action: &str) -> Option<&'static str> {
    let name = action.split('/').skip(1).collect::<Vec<_>>().join("/");
    name.split(['-', '_', '/', '.'])
        .find_map(|w| WRITE_WORDS.iter().find(|x| **x == w).copied())
}

/// The text refers to the workflow's own token.
pub fn mentions_github_token(s: &str) -> bool {
    let l = s.to_ascii_lowercase();
    l.contains("secrets.github_token")
        || l.contains("github.token")
        || l.contains("secrets['github_token']")
}

fn add(needs: &mut Needs, scope: &str, level: Level, why: &str) {
    match needs.get(scope) {
        Some((l, _)) if *l >= level => {}
        _ => {
            needs.insert(scope.to_string(), (level, why.to_string()));
        }
    }
}

fn add_map(needs: &mut Needs, map: &BTreeMap<String, String>, why: &str) {
    for (scope, level) in map {
        if let Some(l) = Level::parse(level) {
            add(needs, scope, l, why);
        }
    }
}

fn entry_for(action: &str) -> Option<&'static ActionEntry> {
    if let Some(e) = TABLE.actions.get(action) {
        return Some(e);
    }
    let mut cut = action;
    while let Some((head, _)) = cut.rsplit_once('/') {
        if let Some(e) = TABLE.actions.get(head).filter(|e| e.prefix) {
            return Some(e);
        }
        cut = head;
    }
    None
}

/// How deep local actions and reusable workflows are followed.
const MAX_LOCAL_DEPTH: usize = 4;

/// What a whole job needs. Local actions (`./path`) and the repository's reusable workflows
/// count with their own needs, read from `facts.local_uses` (SPEC §7.9); when a file is
/// missing from there, the job's needs are unknown.
pub fn job_needs(wf: &Workflow, job: &Job, facts: &Facts) -> JobNeeds {
    job_needs_at(wf, job, &facts.local_uses, 0)
}

fn job_needs_at(wf: &Workflow, job: &Job, local: &LocalUses, depth: usize) -> JobNeeds {
    let mut needs = Needs::new();
    if let Some(uses) = &job.uses {
        let target = match &uses.target {
            UsesTarget::Repo(r) => r.action_lower(),
            UsesTarget::Local(p) => {
                return match reusable_needs(p, local, depth, &mut needs) {
                    Ok(()) => JobNeeds::Known(needs),
                    Err(reason) => JobNeeds::Unknown {
                        reason: format!("job `{}` calls {reason}", job.id),
                        span: uses.raw.span.clone(),
                        partial: Needs::new(),
                    },
                };
            }
            UsesTarget::Docker(d) => d.image.clone(),
        };
        return match entry_for(&target).filter(|e| e.unknown.is_none()) {
            Some(e) => {
                add_map(&mut needs, &e.needs, &target);
                JobNeeds::Known(needs)
            }
            None => JobNeeds::Unknown {
                reason: format!(
                    "job `{}` calls the reusable workflow {target}, whose needs are unknown",
                    job.id
                ),
                span: uses.raw.span.clone(),
                partial: Needs::new(),
            },
        };
    }
    steps_needs(wf, &job.env, &job.steps, local, depth)
}

/// What a list of steps (a job's, or a composite action's) needs.
fn steps_needs(
    wf: &Workflow,
    job_env: &[KeyValue],
    steps: &[Step],
    local: &LocalUses,
    depth: usize,
) -> JobNeeds {
    let mut needs = Needs::new();
    let default_checkout = steps.iter().any(|s| {
        s.action().is_some_and(|a| a == "actions/checkout")
            && s.with_value("persist-credentials")
                .is_none_or(|v| v.text.trim() != "false")
            && s.with_value("token")
                .is_none_or(|v| mentions_github_token(&v.text))
    });
    // An npm token configured by some step (`.npmrc` auth line, `npm config set …:_authToken`,
    // or a token variable handed to a script): an npm publish may then use it instead of OIDC.
    let npm_token_configured = steps.iter().any(|s| {
        s.run.as_ref().is_some_and(|r| {
            [
                "_authToken",
                "NPM_TOKEN",
                "NODE_AUTH_TOKEN",
                "NPM_AUTH_TOKEN",
            ]
            .iter()
            .any(|w| r.text.contains(w))
        })
    });
    let mut unknown: Option<(String, Span)> = None;
    for step in steps {
        let result = if step.uses.is_some() {
            action_needs(step, &mut needs, local, depth)
        } else if step.run.is_some() {
            run_needs(
                wf,
                job_env,
                step,
                default_checkout,
                npm_token_configured,
                &mut needs,
            )
        } else {
            Ok(())
        };
        if let Err(reason) = result {
            // Keep reading the other steps: what they need is needed whatever this one does.
            unknown.get_or_insert((reason, step.span.clone()));
        }
    }
    match unknown {
        None => JobNeeds::Known(needs),
        Some((reason, span)) => JobNeeds::Unknown {
            reason,
            span,
            partial: needs,
        },
    }
}

/// `${{ inputs.NAME }}` in an action's text replaced by what the step passes (its `with:`
/// value, else the input's default), so that a token handed through an input is seen.
fn substitute_inputs(text: &str, step: &Step, action: &Workflow) -> String {
    let defaults: Vec<(String, String)> = action
        .yaml
        .root
        .as_ref()
        .and_then(|r| r.get("inputs"))
        .and_then(|i| i.as_map())
        .map(|m| {
            m.iter()
                .filter_map(|p| {
                    let name = p.key.clone();
                    let d = p.value.as_ref()?.get("default")?.as_scalar()?.text.clone();
                    Some((name, d))
                })
                .collect()
        })
        .unwrap_or_default();
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find("${{") {
        let Some(close) = rest[i..].find("}}") else {
            break;
        };
        let inner = rest[i + 3..i + close].trim();
        out.push_str(&rest[..i]);
        let name = inner
            .strip_prefix("inputs.")
            .map(str::to_string)
            .or_else(|| {
                inner
                    .strip_prefix("inputs['")
                    .or_else(|| inner.strip_prefix("inputs[\""))
                    .map(|n| n.trim_end_matches(['\'', '"', ']']).to_string())
            })
            .filter(|n| {
                n.chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
            });
        match name {
            Some(name) => {
                let given = step.with_value(&name).map(|v| v.text.clone()).or_else(|| {
                    defaults
                        .iter()
                        .find(|(n, _)| *n == name)
                        .map(|(_, d)| d.clone())
                });
                // Kept on one line: the value only has to name the token it carries.
                out.push_str(&given.unwrap_or_default().replace(['\n', '\r'], " "));
            }
            None => out.push_str(&rest[i..i + close + 2]),
        }
        rest = &rest[i + close + 2..];
    }
    out.push_str(rest);
    out
}

/// Needs of the local action `path` used by `step`.
fn local_action_needs(
    step: &Step,
    path: &str,
    local: &LocalUses,
    depth: usize,
    needs: &mut Needs,
) -> Result<(), String> {
    let label = step.label();
    let text = match local.get(&local_key(path)) {
        Some(LocalTarget::Action(t)) => t.clone(),
        Some(LocalTarget::Workflow(_)) => {
            return Err(format!(
                "step `{label}` uses {path}, which is not an action"
            ))
        }
        Some(LocalTarget::Missing) | None => {
            return Err(format!(
                "step `{label}` uses the local action {path}, whose action.yml could not be read"
            ))
        }
    };
    if depth >= MAX_LOCAL_DEPTH {
        return Err(format!("step `{label}` nests local actions too deeply"));
    }
    let doc = crate::syntax::shared_yaml_doc(FileKind::Action, &text);
    let action = Workflow::from_yaml(WorkflowKind::Action, &doc, &text);
    let substituted = substitute_inputs(&text, step, &action);
    let doc = crate::syntax::shared_yaml_doc(FileKind::Action, &substituted);
    let action = Workflow::from_yaml(WorkflowKind::Action, &doc, &substituted);
    let Some(runs) = &action.runs else {
        return Err(format!(
            "step `{label}` uses the local action {path}, whose `runs:` cannot be read"
        ));
    };
    let composite = runs
        .using
        .as_ref()
        .is_some_and(|u| u.text.trim().eq_ignore_ascii_case("composite"));
    if !composite {
        // JavaScript or container code: what it does with the token (or an OIDC token, which
        // any step of an `id-token: write` job can mint) cannot be read from action.yml.
        return Err(format!(
            "step `{label}` uses the local action {path}, which runs {} code whose token needs cannot be read",
            runs.using.as_ref().map(|u| u.text.trim().to_string()).unwrap_or_else(|| "its own".into())
        ));
    }
    match steps_needs(&action, &[], &runs.steps, local, depth + 1) {
        JobNeeds::Known(n) => {
            for (scope, (level, why)) in n {
                add(needs, &scope, level, &format!("{path}: {why}"));
            }
            Ok(())
        }
        JobNeeds::Unknown { reason, .. } => Err(format!("{path}: {reason}")),
    }
}

/// Needs of a call to the repository's reusable workflow `path`: the scopes its jobs declare
/// (their own blocks, else the workflow's), or, for jobs that declare none, what their steps
/// need. `Err` names the workflow and why its needs are unknown.
fn reusable_needs(
    path: &str,
    local: &LocalUses,
    depth: usize,
    needs: &mut Needs,
) -> Result<(), String> {
    let text = match local.get(&local_key(path)) {
        Some(LocalTarget::Workflow(t)) => t.clone(),
        _ => {
            return Err(format!(
                "the reusable workflow {path}, whose file could not be read"
            ))
        }
    };
    if depth >= MAX_LOCAL_DEPTH {
        return Err(format!("the reusable workflow {path}, nested too deeply"));
    }
    let doc = crate::syntax::shared_yaml_doc(FileKind::Workflow, &text);
    let callee = Workflow::from_yaml(WorkflowKind::Workflow, &doc, &text);
    let declared = |p: &crate::model::workflow::Permissions,
                    needs: &mut Needs,
                    who: &str|
     -> Result<(), String> {
        match &p.value {
            PermissionsValue::Scopes(scopes) => {
                for s in scopes {
                    let level = s.level.ok_or_else(|| {
                        format!(
                            "the reusable workflow {path}, whose `{}` level cannot be read",
                            s.scope
                        )
                    })?;
                    if level > Level::None {
                        add(needs, &s.scope, level, &format!("{path} ({who})"));
                    }
                }
                Ok(())
            }
            _ => Err(format!(
                "the reusable workflow {path}, whose permissions ({who}) cannot be listed"
            )),
        }
    };
    for job in &callee.jobs {
        if let Some(p) = &job.permissions {
            declared(p, needs, &format!("job `{}`", job.id))?;
        } else if let Some(p) = &callee.permissions {
            declared(p, needs, "workflow")?;
        } else {
            match job_needs_at(&callee, job, local, depth + 1) {
                JobNeeds::Known(n) => {
                    for (scope, (level, why)) in n {
                        add(needs, &scope, level, &format!("{path}: {why}"));
                    }
                }
                JobNeeds::Unknown { reason, .. } => {
                    return Err(format!("the reusable workflow {path} ({reason})"))
                }
            }
        }
    }
    Ok(())
}

fn step_is_given_token(step: &Step) -> bool {
    step.with.iter().chain(step.env.iter()).any(|kv| {
        kv.value
            .as_ref()
            .is_some_and(|v| mentions_github_token(&v.text))
    })
}

fn action_needs(
    step: &Step,
    needs: &mut Needs,
    local: &LocalUses,
    depth: usize,
) -> Result<(), String> {
    let uses = step.uses.as_ref().expect("checked by caller");
    let action = match &uses.target {
        UsesTarget::Repo(r) => r.action_lower(),
        UsesTarget::Local(path) => return local_action_needs(step, path, local, depth, needs),
        UsesTarget::Docker(_) => {
            if step_is_given_token(step) {
                return Err(format!("step `{}` is given the GITHUB_TOKEN", step.label()));
            }
            return Ok(());
        }
    };
    let entry = entry_for(&action);
    // A token input set to another token: the action uses that one.
    let token_inputs: Vec<&str> = match entry {
        Some(e) if !e.token_inputs.is_empty() => {
            e.token_inputs.iter().map(String::as_str).collect()
        }
        _ => TOKEN_INPUTS.to_vec(),
    };
    let other_token = step.with.iter().any(|kv| {
        token_inputs.contains(&kv.name.as_str())
            && kv
                .value
                .as_ref()
                .is_some_and(|v| !v.text.trim().is_empty() && !mentions_github_token(&v.text))
    });
    if other_token {
        return Ok(());
    }
    let Some(entry) = entry else {
        if let Some(word) = write_sounding_word(&action) {
            return Err(format!(
                "step `{}` uses {action}, which is not in the permissions table and may write (`{word}`)",
                step.label()
            ));
        }
        if step_is_given_token(step) {
            return Err(format!(
                "step `{}` is given the GITHUB_TOKEN and {action} is not in the permissions table",
                step.label()
            ));
        }
        return Ok(());
    };
    if action == "actions/github-script" {
        return github_script_needs(step, needs);
    }
    if let Some(why) = &entry.unknown {
        return Err(format!("step `{}` uses {action}: {why}", step.label()));
    }
    add_map(needs, &entry.needs, &action);
    for cond in &entry.when {
        let present = |name: &str| step.with.iter().any(|kv| kv.name == name);
        let input_ok = match &cond.input {
            None => true,
            Some(name) => match step.with.iter().find(|kv| kv.name == *name) {
                None => false,
                Some(kv) => {
                    let v = kv
                        .value
                        .as_ref()
                        .map(|v| v.text.to_ascii_lowercase())
                        .unwrap_or_default();
                    let has = |c: &String| v.contains(&c.to_ascii_lowercase());
                    !v.trim().is_empty()
                        && (cond.contains.is_empty() || cond.contains.iter().any(has))
                        && !cond.not_contains.iter().any(has)
                        && cond
                            .first_word
                            .as_deref()
                            .is_none_or(|w| v.split_whitespace().next() == Some(w))
                }
            },
        };
        let without_ok = cond.without.as_deref().is_none_or(|w| !present(w));
        if input_ok && without_ok {
            let why = match &cond.input {
                Some(i) => format!("{action} ({i})"),
                None => action.clone(),
            };
            add_map(needs, &cond.needs, &why);
        }
    }
    Ok(())
}

/// `github.rest.<namespace>.<method>(` calls in an actions/github-script script.
fn github_script_needs(step: &Step, needs: &mut Needs) -> Result<(), String> {
    let Some(script) = step.with_value("script") else {
        return Ok(());
    };
    let s = &script.text;
    if s.contains("github.graphql") || s.contains("github.request") || s.contains("octokit") {
        return Err(format!(
            "step `{}` calls the GitHub API in a way chainwarden cannot read",
            step.label()
        ));
    }
    let mut rest = s.as_str();
    while let Some(i) = rest.find("github.") {
        rest = &rest[i + "github.".len()..];
        let path: String = rest
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '.' || *c == '_')
            .collect();
        let parts: Vec<&str> = path.split('.').filter(|p| !p.is_empty()).collect();
        let has_rest = parts.first() == Some(&"rest");
        let parts = if has_rest { &parts[1..] } else { &parts[..] };
        // `github.event…` and other context fields are not API calls; `github.rest.x.y` is one
        // even when handed to `github.paginate`.
        let call = rest[path.len()..].trim_start().starts_with('(');
        if parts.len() < 2 || (!has_rest && !call) {
            continue;
        }
        let (ns, method) = (parts[0], parts[1]);
        let read = ["get", "list", "check", "compare", "download"]
            .iter()
            .any(|p| method.starts_with(p));
        let level = if read { Level::Read } else { Level::Write };
        let scope = match (ns, method) {
            ("issues", _) | ("reactions", _) => "issues",
            ("pulls", _) => "pull-requests",
            ("repos", m) if m.contains("CommitStatus") => "statuses",
            ("repos", m) if m.contains("Deployment") => "deployments",
            ("repos", _) | ("git", _) => "contents",
            ("actions", _) => "actions",
            ("checks", _) => "checks",
            ("packages", _) => "packages",
            ("users", _) | ("search", _) | ("meta", _) | ("rateLimit", _) => continue,
            _ => {
                return Err(format!(
                    "step `{}` calls github.rest.{ns}.{method}, whose permissions are unknown",
                    step.label()
                ))
            }
        };
        add(needs, scope, level, &format!("github.rest.{ns}.{method}"));
    }
    Ok(())
}

/// Where a `run:` step's `gh` gets its token.
#[derive(PartialEq)]
enum TokenSource {
    GithubToken,
    Other,
    Absent,
}

fn gh_token_source(wf: &Workflow, job_env: &[KeyValue], step: &Step) -> TokenSource {
    let names = ["GH_TOKEN", "GITHUB_TOKEN"];
    let scopes: [&[KeyValue]; 3] = [&step.env, job_env, &wf.env];
    for env in scopes {
        if let Some(kv) = env.iter().find(|kv| names.contains(&kv.name.as_str())) {
            let v = kv.value.as_ref().map(|v| v.text.as_str()).unwrap_or("");
            return if mentions_github_token(v) {
                TokenSource::GithubToken
            } else {
                TokenSource::Other
            };
        }
    }
    let run = step.run.as_ref().map(|r| r.text.as_str()).unwrap_or("");
    if mentions_github_token(run) {
        TokenSource::GithubToken
    } else {
        TokenSource::Absent
    }
}

fn run_needs(
    wf: &Workflow,
    job_env: &[KeyValue],
    step: &Step,
    default_checkout: bool,
    npm_token_configured: bool,
    needs: &mut Needs,
) -> Result<(), String> {
    let run = step.run.as_ref().expect("checked by caller");
    let script = shell::parse(&run.text);
    let token = gh_token_source(wf, job_env, step);
    let envs: [&[KeyValue]; 3] = [&step.env, job_env, &wf.env];
    let provenance_env = envs.iter().any(|env| {
        env.iter().any(|kv| {
            kv.name.eq_ignore_ascii_case("NPM_CONFIG_PROVENANCE")
                && kv.value.as_ref().is_some_and(|v| v.text.trim() == "true")
        })
    });
    let npm_token_in_scope = npm_token_configured
        || envs.iter().any(|env| {
            env.iter().any(|kv| {
                matches!(
                    kv.name.to_ascii_uppercase().as_str(),
                    "NODE_AUTH_TOKEN" | "NPM_TOKEN" | "NPM_AUTH_TOKEN" | "NPM_CONFIG__AUTH"
                ) && kv.value.as_ref().is_some_and(|v| !v.text.trim().is_empty())
            })
        });
    let mut recognised = false;
    for cmd in &script.commands {
        let Some(program) = cmd.program_name() else {
            continue;
        };
        let args = cmd.arg_values();
        let positional = cmd.non_flag_args();
        match program {
            "gh" => {
                recognised = true;
                if token != TokenSource::GithubToken {
                    continue;
                }
                let group = positional.first().copied().unwrap_or("");
                let verb = positional.get(1).copied().unwrap_or("");
                let label = format!("gh {group} {verb}").trim().to_string();
                match gh_scope(group, verb) {
                    GhNeed::Scope(scope, level) => add(needs, scope, level, &label),
                    GhNeed::Nothing => {}
                    GhNeed::Unknown => {
                        return Err(format!(
                            "step `{}` runs `{label}` with the GITHUB_TOKEN",
                            step.label()
                        ));
                    }
                }
            }
            "git" if positional.first() == Some(&"push") => {
                recognised = true;
                if default_checkout || mentions_github_token(&run.text) {
                    add(needs, "contents", Level::Write, "git push");
                }
            }
            "npm" | "pnpm" | "yarn" | "npx" | "lerna" | "changeset"
                if is_npm_publish(program, &positional) =>
            {
                // With `--provenance` the publish signs through an OIDC token; without a
                // long-lived npm token in scope it can only authenticate through one (trusted
                // publishing, npm ≥ 11.5.1). Either way it fails without `id-token: write`.
                // (A token set up in a way not seen here leaves the job a scope it may not
                // need; it never loses one it does.)
                let why = if args.contains(&"--provenance") || provenance_env {
                    format!("{program} publish --provenance")
                } else if !npm_token_in_scope {
                    format!("{program} publish (trusted publishing)")
                } else {
                    continue;
                };
                add(needs, "id-token", Level::Write, &why);
            }
            "cosign"
                if matches!(
                    positional.first().copied(),
                    Some("sign" | "attest" | "sign-blob" | "attest-blob")
                ) && !args
                    .iter()
                    .any(|a| *a == "--key" || a.starts_with("--key=")) =>
            {
                let why = format!("cosign {} (keyless)", positional[0]);
                add(needs, "id-token", Level::Write, &why);
            }
            "semantic-release" => {
                recognised = true;
                for scope in ["contents", "issues", "pull-requests"] {
                    add(needs, scope, Level::Write, "semantic-release");
                }
            }
            "npx"
                if positional
                    .first()
                    .is_some_and(|p| p.starts_with("semantic-release")) =>
            {
                recognised = true;
                for scope in ["contents", "issues", "pull-requests"] {
                    add(needs, scope, Level::Write, "semantic-release");
                }
            }
            "goreleaser" => {
                recognised = true;
                if positional.first().is_none_or(|p| *p == "release")
                    && !args.contains(&"--snapshot")
                {
                    add(needs, "contents", Level::Write, "goreleaser release");
                }
            }
            "curl" | "wget"
                if token == TokenSource::GithubToken
                    && args.iter().any(|a| {
                        a.contains("api.github.com")
                            || a.contains("GITHUB_API_URL")
                            || mentions_github_token(a)
                            || a.contains("GITHUB_TOKEN")
                            || a.contains("GH_TOKEN")
                    }) =>
            {
                return Err(format!(
                    "step `{}` calls the GitHub API with the token",
                    step.label()
                ));
            }
            _ => {}
        }
    }
    // The token is handed to a script whose use of it cannot be read.
    let given = step.env.iter().any(|kv| {
        kv.value
            .as_ref()
            .is_some_and(|v| mentions_github_token(&v.text))
    }) || mentions_github_token(&run.text);
    if given && !recognised {
        return Err(format!("step `{}` is given the GITHUB_TOKEN", step.label()));
    }
    Ok(())
}

/// `npm publish`, `pnpm publish`, `yarn npm publish`, `lerna publish`, `changeset publish`
/// (also through `pnpm`/`yarn`/`npx`, or `npm run publish`): a publish to the npm registry.
/// Broad on purpose: a flag's value (`pnpm --filter pkg publish`) reads as a positional word.
fn is_npm_publish(program: &str, positional: &[&str]) -> bool {
    match program {
        "npm" | "pnpm" | "yarn" => positional.contains(&"publish"),
        "npx" => {
            matches!(
                positional.first().copied(),
                Some("lerna" | "changeset" | "@changesets/cli")
            ) && positional.contains(&"publish")
        }
        "lerna" | "changeset" => positional.first() == Some(&"publish"),
        _ => false,
    }
}

enum GhNeed {
    Scope(&'static str, Level),
    Nothing,
    Unknown,
}

/// What `gh <group> <verb>` needs.
fn gh_scope(group: &str, verb: &str) -> GhNeed {
    use GhNeed::*;
    let reads = |scope| Scope(scope, Level::Read);
    let writes = |scope| Scope(scope, Level::Write);
    let is_read = matches!(
        verb,
        "view" | "list" | "status" | "diff" | "checks" | "download" | "watch" | ""
    );
    match group {
        "pr" if matches!(verb, "checkout") => reads("contents"),
        "pr" if is_read => reads("pull-requests"),
        "pr" => writes("pull-requests"),
        "issue" if is_read => reads("issues"),
        "issue" => writes("issues"),
        "label" if is_read => reads("issues"),
        "label" => writes("issues"),
        "release" if is_read => reads("contents"),
        "release" => writes("contents"),
        "run" | "cache" if is_read => reads("actions"),
        "run" | "cache" => writes("actions"),
        "workflow" if is_read => reads("actions"),
        "workflow" => writes("actions"),
        "repo" if matches!(verb, "view" | "clone") => reads("contents"),
        "attestation" if verb == "verify" => reads("contents"),
        "auth" | "help" | "version" | "extension" | "config" | "alias" | "completion"
        | "--version" => Nothing,
        _ => Unknown,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::workflow::WorkflowKind;

    fn needs_of(t: &str) -> JobNeeds {
        let wf = Workflow::parse(WorkflowKind::Workflow, t);
        job_needs(&wf, &wf.jobs[0], &Facts::default())
    }

    fn known(t: &str) -> Vec<(String, Level)> {
        match needs_of(t) {
            JobNeeds::Known(n) => n.into_iter().map(|(k, (l, _))| (k, l)).collect(),
            JobNeeds::Unknown { reason, .. } => panic!("unknown: {reason}"),
        }
    }

    #[test]
    fn npm_publish_through_trusted_publishing_needs_an_oidc_token() {
        let id_token = |t: &str| {
            known(t)
                .iter()
                .any(|(s, l)| s == "id-token" && *l == Level::Write)
        };
        assert!(id_token(
            "jobs:\n  a:\n    steps:\n      - run: npm publish\n"
        ));
        assert!(id_token(
            "jobs:\n  a:\n    steps:\n      - run: pnpm lerna publish --yes\n"
        ));
        assert!(id_token(
            "jobs:\n  a:\n    steps:\n      - run: npx changeset publish\n"
        ));
        // A long-lived token in scope or configured by a step: no OIDC token needed.
        assert!(!id_token("jobs:\n  a:\n    steps:\n      - run: npm publish\n        env:\n          NODE_AUTH_TOKEN: ${{ secrets.NPM_TOKEN }}\n"));
        assert!(!id_token("jobs:\n  a:\n    steps:\n      - run: echo \"//registry.npmjs.org/:_authToken=$T\" > .npmrc\n      - run: npm publish\n"));
        assert!(!id_token(
            "jobs:\n  a:\n    steps:\n      - run: npm run build\n"
        ));
    }

    #[test]
    fn table_parses() {
        assert!(TABLE.actions.len() > 40);
        assert!(entry_for(
            "slsa-framework/slsa-github-generator/.github/workflows/generator_generic_slsa3.yml"
        )
        .is_some());
        assert!(entry_for("actions/checkout/sub").is_none());
    }

    #[test]
    fn actions_and_commands() {
        let t = "jobs:\n  a:\n    steps:\n      - uses: actions/checkout@v4\n      - uses: docker/login-action@v3\n        with:\n          registry: ghcr.io\n          password: ${{ secrets.GITHUB_TOKEN }}\n      - run: npm publish --provenance\n      - run: gh release create v1\n        env:\n          GH_TOKEN: ${{ github.token }}\n";
        assert_eq!(
            known(t),
            [
                ("contents".to_string(), Level::Write),
                ("id-token".to_string(), Level::Write),
                ("packages".to_string(), Level::Write)
            ]
        );
        // docker login with a personal token needs nothing from GITHUB_TOKEN.
        let t = "jobs:\n  a:\n    steps:\n      - uses: docker/login-action@v3\n        with:\n          registry: ghcr.io\n          password: ${{ secrets.CR_PAT }}\n";
        assert!(known(t).is_empty());
        // OIDC login versus static keys.
        let t = "jobs:\n  a:\n    steps:\n      - uses: aws-actions/configure-aws-credentials@v4\n        with:\n          role-to-assume: arn:aws:iam::1:role/x\n";
        assert_eq!(known(t), [("id-token".to_string(), Level::Write)]);
        let t = "jobs:\n  a:\n    steps:\n      - uses: aws-actions/configure-aws-credentials@v4\n        with:\n          role-to-assume: x\n          aws-access-key-id: ${{ secrets.K }}\n";
        assert!(known(t).is_empty());
    }

    #[test]
    fn github_script_calls() {
        let t = "jobs:\n  a:\n    steps:\n      - uses: actions/github-script@v7\n        with:\n          script: |\n            const x = context.payload.pull_request.number;\n            await github.rest.issues.createComment({ owner: 'o', repo: 'r', issue_number: x, body: 'hi' });\n            await github.rest.pulls.get({});\n";
        assert_eq!(
            known(t),
            [
                ("issues".to_string(), Level::Write),
                ("pull-requests".to_string(), Level::Read)
            ]
        );
        let t = "jobs:\n  a:\n    steps:\n      - uses: actions/github-script@v7\n        with:\n          script: await github.graphql('query')\n";
        assert!(matches!(needs_of(t), JobNeeds::Unknown { .. }));
    }

    #[test]
    fn unknown_when_the_token_goes_somewhere_unreadable() {
        let t = "jobs:\n  a:\n    steps:\n      - run: ./release.sh\n        env:\n          GITHUB_TOKEN: ${{ secrets.GITHUB_TOKEN }}\n";
        assert!(matches!(needs_of(t), JobNeeds::Unknown { .. }));
        let t = "jobs:\n  a:\n    steps:\n      - run: gh api repos/x/y\n        env:\n          GH_TOKEN: ${{ github.token }}\n";
        assert!(matches!(needs_of(t), JobNeeds::Unknown { .. }));
        let t = "jobs:\n  a:\n    steps:\n      - uses: some/commenter@v1\n        with:\n          token: ${{ secrets.GITHUB_TOKEN }}\n";
        assert!(matches!(needs_of(t), JobNeeds::Unknown { .. }));
        let t = "jobs:\n  a:\n    uses: ./.github/workflows/reuse.yml\n";
        assert!(matches!(needs_of(t), JobNeeds::Unknown { .. }));
        let t = "jobs:\n  a:\n    steps:\n      - uses: someone/pr-commenter@v1\n";
        assert!(matches!(needs_of(t), JobNeeds::Unknown { .. }));
        // An unlisted action that is not handed the token needs nothing.
        let t =
            "jobs:\n  a:\n    steps:\n      - uses: some/setup-tool@v1\n      - run: make test\n";
        assert!(known(t).is_empty());
    }

    #[test]
    fn git_push_uses_the_checkout_credentials() {
        let t = "jobs:\n  a:\n    steps:\n      - uses: actions/checkout@v4\n      - run: git push origin HEAD\n";
        assert_eq!(known(t), [("contents".to_string(), Level::Write)]);
        let t = "jobs:\n  a:\n    steps:\n      - uses: actions/checkout@v4\n        with:\n          persist-credentials: false\n      - run: git push origin HEAD\n";
        assert_eq!(known(t), [("contents".to_string(), Level::Read)]);
    }

    #[test]
    fn local_actions_and_reusable_workflows_bring_their_needs() {
        use std::collections::BTreeMap;
        let mut map = BTreeMap::new();
        map.insert(
            "./.github/actions/comment".to_string(),
            LocalTarget::Action(
                "inputs:\n  token:\n    default: ${{ github.token }}\nruns:\n  using: composite\n  steps:\n    - run: gh pr comment 1 --body hi\n      shell: bash\n      env:\n        GH_TOKEN: ${{ inputs.token }}\n"
                    .into(),
            ),
        );
        map.insert(
            "./.github/workflows/r.yml".to_string(),
            LocalTarget::Workflow(
                "on: workflow_call\njobs:\n  a:\n    permissions:\n      packages: write\n    steps:\n      - run: x\n".into(),
            ),
        );
        let facts = Facts {
            local_uses: std::sync::Arc::new(map),
            ..Facts::default()
        };
        let needs = |t: &str| {
            let wf = Workflow::parse(WorkflowKind::Workflow, t);
            match job_needs(&wf, &wf.jobs[0], &facts) {
                JobNeeds::Known(n) => {
                    Ok(n.into_iter().map(|(k, (l, _))| (k, l)).collect::<Vec<_>>())
                }
                JobNeeds::Unknown { reason, .. } => Err(reason),
            }
        };
        // The default token input reaches `gh pr comment`.
        assert_eq!(
            needs("jobs:\n  a:\n    steps:\n      - uses: ./.github/actions/comment\n"),
            Ok(vec![("pull-requests".to_string(), Level::Write)])
        );
        // Another token passed in: nothing asked of GITHUB_TOKEN.
        assert_eq!(
            needs("jobs:\n  a:\n    steps:\n      - uses: ./.github/actions/comment/\n        with:\n          token: ${{ secrets.PAT }}\n"),
            Ok(vec![])
        );
        assert_eq!(
            needs("jobs:\n  a:\n    uses: ./.github/workflows/r.yml\n"),
            Ok(vec![("packages".to_string(), Level::Write)])
        );
        assert!(needs("jobs:\n  a:\n    steps:\n      - uses: ./missing\n").is_err());
        assert!(needs("jobs:\n  a:\n    uses: ./.github/workflows/other.yml\n").is_err());
    }
}
