//! `install-scripts-with-secrets`: a dependency install runs lifecycle scripts in a step that has
//! a secret in its environment, or in a job that can mint an OIDC token.

use super::release_scope::runs_in_repository_root;
use crate::engine::Ctx;
use crate::finding::{Edit, Finding, Fix};
use crate::model::job_facts::{
    install_flag_offset, Act, JobFacts, SecretOrigin, SecretRef, StepFacts, WorkflowFacts,
};
use crate::model::workflow::Workflow;
use crate::rules::common::secret_names::is_secret_name;
use crate::workspace::{major_of, RepoPackage};

/// Lifecycle scripts are off for this step through its environment.
fn scripts_disabled(wf: &Workflow, jf: &JobFacts, sf: &StepFacts) -> bool {
    ["npm_config_ignore_scripts", "YARN_ENABLE_SCRIPTS"]
        .iter()
        .any(|name| {
            sf.env_value(jf.job, wf, name).is_some_and(|v| {
                let v = v.trim().to_ascii_lowercase();
                if name.starts_with("YARN") {
                    v == "false" || v == "0"
                } else {
                    v == "true" || v == "1"
                }
            })
        })
}

/// `--ignore-scripts` for every install of the job that runs scripts (used by fixes that give
/// the job `id-token: write`, which would otherwise make those installs findings).
pub fn ignore_scripts_edits(ctx: &Ctx, wf: &Workflow, jf: &JobFacts) -> Vec<Edit> {
    if ctx.facts.npmrc_ignore_scripts {
        return vec![];
    }
    jf.steps
        .iter()
        .filter(|sf| !scripts_disabled(wf, jf, sf))
        .flat_map(|sf| &sf.activities)
        .filter(|a| {
            matches!(
                a.act,
                Act::Install {
                    ignore_scripts: false,
                    ..
                }
            )
        })
        .filter(|a| {
            !ctx.doc
                .text
                .get(a.span.clone())
                .is_some_and(|t| t.contains("--ignore-scripts="))
        })
        .filter_map(|a| {
            let at = install_flag_offset(ctx.doc.text, &a.span)?;
            Some(Edit::insert(at, skip_scripts_flag(ctx, &a.act, &a.span)))
        })
        .collect()
}

/// The flag that turns lifecycle scripts off for this install: `--ignore-scripts`, or for
/// Yarn 2+ (which has no such flag) `--mode=skip-build`. Yarn 2+ is known from the repository
/// (`packageManager: yarn@2+`, `.yarnrc.yml`) or from a flag only it has (`--immutable`).
pub fn skip_scripts_flag(ctx: &Ctx, act: &Act, span: &crate::finding::Span) -> &'static str {
    let yarn = matches!(act, Act::Install { tool: "yarn", .. });
    let berry = ctx
        .facts
        .repo_package
        .as_ref()
        .is_some_and(|r| r.yarn_berry)
        || ctx
            .doc
            .text
            .get(span.clone())
            .is_some_and(|t| t.contains("--immutable"));
    if yarn && berry {
        " --mode=skip-build"
    } else {
        " --ignore-scripts"
    }
}

/// The pnpm major version a job's install at step `upto` runs: the last setup before it
/// (`pnpm/action-setup` `version:`, `npm i -g pnpm@X`, `corepack prepare|use pnpm@X`), else the
/// root package.json's `packageManager` (which `pnpm/action-setup` without a version,
/// `corepack enable` and pnpm itself follow). `None` when it cannot be known.
pub fn pnpm_major(repo: Option<&RepoPackage>, jf: &JobFacts, upto: usize) -> Option<u32> {
    let from_manifest = || repo.and_then(RepoPackage::pnpm_major);
    for sf in jf.steps[..upto.min(jf.steps.len())].iter().rev() {
        if sf.step.action().as_deref() == Some("pnpm/action-setup") {
            return match sf.step.with_value("version") {
                Some(v) => major_of(&v.text),
                None => from_manifest(),
            };
        }
        let Some(script) = &sf.step.script else {
            continue;
        };
        for cmd in script.commands.iter().rev() {
            let positional = cmd.non_flag_args();
            let global = cmd.has_flag("-g") || cmd.has_flag("--global");
            match cmd.program_name() {
                Some("npm")
                    if global && matches!(positional.first(), Some(&("i" | "install" | "add"))) =>
                {
                    if let Some(p) = positional
                        .iter()
                        .find(|p| **p == "pnpm" || p.starts_with("pnpm@"))
                    {
                        return match p.strip_prefix("pnpm@") {
                            Some(spec) => major_of(spec),
                            None => Some(10),
                        };
                    }
                }
                Some("corepack") => match positional.first() {
                    Some(&("prepare" | "use" | "install")) => {
                        if let Some(spec) = positional.iter().find_map(|p| p.strip_prefix("pnpm@"))
                        {
                            return major_of(spec);
                        }
                    }
                    Some(&"enable") => return from_manifest(),
                    _ => {}
                },
                _ => {}
            }
        }
    }
    from_manifest()
}

/// What pnpm 10's allow-list decides for an install: `None` when it does not apply (another
/// tool, older or unknown pnpm, another folder, every build allowed), else the allow-listed
/// packages (empty: no dependency script runs).
fn pnpm_allow_list(
    ctx: &Ctx,
    wf: &Workflow,
    jf: &JobFacts,
    step: usize,
    tool: &str,
) -> Option<Vec<String>> {
    if tool != "pnpm" {
        return None;
    }
    let repo = ctx.facts.repo_package.as_ref()?;
    if repo.pnpm_allow_all_builds
        || !runs_in_repository_root(wf, jf, jf.steps[step].step)
        || pnpm_major(Some(repo), jf, step + 1)? < 10
    {
        return None;
    }
    Some(repo.pnpm_only_built.clone().unwrap_or_default())
}

/// The repository's Yarn configuration turns lifecycle scripts off, for an install run in the
/// repository root.
fn yarn_scripts_disabled(ctx: &Ctx, wf: &Workflow, jf: &JobFacts, sf: &StepFacts) -> bool {
    ctx.facts
        .repo_package
        .as_ref()
        .is_some_and(|r| r.yarn_scripts_disabled)
        && runs_in_repository_root(wf, jf, sf.step)
}

/// The secret to name: credential-like names first, then the first in scope.
fn credential_in_scope<'a>(sf: &'a StepFacts) -> Option<&'a SecretRef> {
    let env = |s: &&SecretRef| {
        matches!(
            s.origin,
            SecretOrigin::WorkflowEnv | SecretOrigin::JobEnv | SecretOrigin::StepEnv
        )
    };
    sf.real_secrets()
        .filter(env)
        .find(|s| is_secret_name(&s.name) || is_secret_name(&s.key))
        .or_else(|| sf.real_secrets().find(env))
}

/// Scripts of the root package.json that an install runs (`preinstall`, `install`,
/// `postinstall`, the deprecated `prepublish`, `prepare`), which `--ignore-scripts` turns off too.
fn root_install_scripts(ctx: &Ctx, wf: &Workflow, jf: &JobFacts, sf: &StepFacts) -> Vec<String> {
    let Some(repo) = ctx.facts.repo_package.as_ref() else {
        return vec![];
    };
    if !runs_in_repository_root(wf, jf, sf.step) {
        return vec![];
    }
    [
        "preinstall",
        "install",
        "postinstall",
        "prepublish",
        "prepare",
    ]
    .iter()
    .filter(|n| repo.root_scripts.iter().any(|s| s == *n))
    .map(|n| n.to_string())
    .collect()
}

pub fn check(ctx: &Ctx, wf: &Workflow, facts: &WorkflowFacts, out: &mut Vec<Finding>) {
    if ctx.facts.npmrc_ignore_scripts {
        return;
    }
    for jf in &facts.jobs {
        for (index, sf) in jf.steps.iter().enumerate() {
            if scripts_disabled(wf, jf, sf) {
                continue;
            }
            let secret = credential_in_scope(sf);
            let reason = match (secret, jf.id_token) {
                (Some(s), _) => {
                    let others = sf
                        .real_secrets()
                        .filter(|o| o.name != s.name)
                        .map(|o| o.name.as_str())
                        .collect::<std::collections::BTreeSet<_>>()
                        .len();
                    let more = match others {
                        0 => String::new(),
                        n => format!(" (and {n} more secret{})", if n == 1 { "" } else { "s" }),
                    };
                    format!("`secrets.{}` is in its environment{more}", s.name)
                }
                (None, true) => {
                    "the job has `id-token: write`, so any install script can mint an OIDC token"
                        .to_string()
                }
                (None, false) => continue,
            };
            for a in &sf.activities {
                let Act::Install {
                    tool,
                    ignore_scripts: false,
                } = &a.act
                else {
                    continue;
                };
                if *tool == "yarn" && yarn_scripts_disabled(ctx, wf, jf, sf) {
                    continue;
                }
                let allow_list = pnpm_allow_list(ctx, wf, jf, index, tool);
                let message = match &allow_list {
                    // pnpm 10 runs no dependency scripts that are not allow-listed.
                    Some(list) if list.is_empty() => continue,
                    Some(list) => format!(
                        "`pnpm` install runs the lifecycle scripts of allow-listed {} while {reason}",
                        list.join(", ")
                    ),
                    // Bun runs the scripts of its built-in list of popular packages and of
                    // `trustedDependencies` only.
                    None if *tool == "bun" => format!(
                        "`bun` install runs the lifecycle scripts of trusted dependencies (bun's \
                         built-in list of popular packages and `trustedDependencies`) while {reason}"
                    ),
                    None => {
                        format!("`{tool}` install runs dependency lifecycle scripts while {reason}")
                    }
                };
                let mut f = Finding::new("install-scripts-with-secrets", a.span.clone(), message);
                if let Some(s) = secret {
                    f = f.related(
                        s.span.clone(),
                        format!("secrets.{} enters the environment here", s.name),
                    );
                }
                // Appending the flag before an explicit `--ignore-scripts=false` would lose.
                let explicit = ctx
                    .doc
                    .text
                    .get(a.span.clone())
                    .is_some_and(|t| t.contains("--ignore-scripts="));
                if let Some(at) = install_flag_offset(ctx.doc.text, &a.span).filter(|_| !explicit) {
                    let own = root_install_scripts(ctx, wf, jf, sf);
                    let flag = skip_scripts_flag(ctx, &a.act, &a.span);
                    let shown = flag.trim();
                    let title = match own.as_slice() {
                        [] => format!("Add {shown}"),
                        [one] => format!(
                            "Add {shown} (the root package's own `{one}` script will not run either)"
                        ),
                        many => format!(
                            "Add {shown} (the root package's own {} scripts will not run either)",
                            many.iter()
                                .map(|n| format!("`{n}`"))
                                .collect::<Vec<_>>()
                                .join(", ")
                        ),
                    };
                    f = f.fix(Fix {
                        title,
                        edits: vec![Edit::insert(at, flag)],
                    });
                }
                out.push(f);
            }
        }
    }
}
