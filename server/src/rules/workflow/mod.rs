//! Rules for GitHub Actions workflows and action metadata files.
//!
//! The typed model ([`Workflow`]) is built once per analysis and handed to every rule.

mod adhoc_install;
mod anonymous_definition;
mod archived_action;
mod artifact_poisoning;
mod cache_poisoning;
mod checkout_persist_credentials;
mod conditions;
mod dangerous_pull_request_target;
mod forbidden_action;
mod github_app_token_overscoped;
mod github_env_injection;
mod insecure_commands;
mod install_scripts_with_secrets;
mod known_vulnerable_action;
mod long_lived_ci_secrets;
mod missing_sbom;
mod npm_token_publish;
mod obfuscated_reference;
pub mod overpermissioned_workflow_token;
mod overprovisioned_secrets;
pub mod pin_comment_mismatch;
mod producers;
mod provenance_without_id_token;
mod release_scope;
mod release_without_provenance;
mod run_scripts;
mod secret_in_logs;
mod secret_written_to_file;
mod secrets_in_pr_workflow;
mod secrets_inherit;
mod secrets_outside_environment;
mod self_hosted_runner_pr;
mod spoofable_bot_condition;
mod template_injection;
pub mod token_needs;
mod trusted_publishing_npm_too_old;
mod typosquat_action;
mod undocumented_permission;
pub mod unpinned_ci_actions;
pub mod unpinned_image;
mod unpinned_tool;
mod unredacted_secret;
mod unsigned_artifacts;
mod unsigned_container_image;
mod unsound_condition;
mod unsound_contains;
mod untrusted_publish_trigger;

use crate::engine::Ctx;
use crate::finding::Finding;
use crate::kind::FileKind;
use crate::model::job_facts::{self, WorkflowFacts};
use crate::model::taint::{self, TaintFacts};
use crate::model::workflow::{Workflow, WorkflowKind};
use crate::syntax::Syntax;

/// A workflow rule: reads the model, pushes findings.
pub type WorkflowRule = fn(&Ctx, &Workflow, &mut Vec<Finding>);

/// Every workflow rule, in no particular order (findings are sorted by the engine).
const RULES: &[WorkflowRule] = &[
    checkout_persist_credentials::check,
    run_scripts::check,
    secrets_inherit::check,
    unpinned_ci_actions::check,
    pin_comment_mismatch::check,
    overpermissioned_workflow_token::check,
    unpinned_image::check,
    known_vulnerable_action::check,
    archived_action::check,
    typosquat_action::check,
    insecure_commands::check,
    overprovisioned_secrets::check,
    unredacted_secret::check,
    github_app_token_overscoped::check,
    obfuscated_reference::check,
    forbidden_action::check,
    unsound_condition::check,
    unsound_contains::check,
];

/// The pedantic tier (SPEC §7.4): run only when pedantic mode is on (the engine also drops
/// their findings otherwise).
const PEDANTIC_RULES: &[WorkflowRule] = &[
    adhoc_install::check,
    unpinned_tool::check,
    secrets_outside_environment::check,
    undocumented_permission::check,
    anonymous_definition::check,
];

/// A workflow rule that also reads the shared job/step facts ([`WorkflowFacts`]).
pub type FactsRule = fn(&Ctx, &Workflow, &WorkflowFacts, &mut Vec<Finding>);

/// Rules that read the job/step facts (built once, only when one of these runs).
const FACTS_RULES: &[FactsRule] = &[
    artifact_poisoning::check,
    cache_poisoning::check,
    dangerous_pull_request_target::check,
    install_scripts_with_secrets::check,
    long_lived_ci_secrets::check,
    missing_sbom::check,
    npm_token_publish::check,
    provenance_without_id_token::check,
    release_without_provenance::check,
    secret_in_logs::check,
    secret_written_to_file::check,
    secrets_in_pr_workflow::check,
    trusted_publishing_npm_too_old::check,
    unsigned_artifacts::check,
    unsigned_container_image::check,
    untrusted_publish_trigger::check,
    self_hosted_runner_pr::check,
    spoofable_bot_condition::check,
];

/// A workflow rule that also reads the untrusted-data flow ([`TaintFacts`], SPEC §7.1).
pub type TaintRule = fn(&Ctx, &Workflow, &WorkflowFacts, &TaintFacts, &mut Vec<Finding>);

const TAINT_RULES: &[TaintRule] = &[template_injection::check, github_env_injection::check];

pub fn check(ctx: &Ctx, out: &mut Vec<Finding>) {
    let Syntax::Yaml(yaml) = ctx.syntax else {
        return;
    };
    let kind = match ctx.doc.kind {
        FileKind::Action => WorkflowKind::Action,
        _ => WorkflowKind::Workflow,
    };
    let doc = yaml.to_doc();
    let wf = Workflow::from_yaml(kind, &doc, ctx.doc.text);
    for rule in RULES {
        rule(ctx, &wf, out);
    }
    if ctx.config.pedantic {
        for rule in PEDANTIC_RULES {
            rule(ctx, &wf, out);
        }
    }
    if !FACTS_RULES.is_empty() {
        let facts = job_facts::build(&wf, ctx.doc.text);
        for rule in FACTS_RULES {
            rule(ctx, &wf, &facts, out);
        }
        let taint = taint::build(&wf, ctx.doc.text, &facts, ctx.facts, ctx.doc.path);
        let before = out.len();
        for rule in TAINT_RULES {
            rule(ctx, &wf, &facts, &taint, out);
        }
        drop_artifact_writes_reported_as_env_injection(ctx.doc.text, out, before);
    }
}

/// An artifact's contents written to `$GITHUB_ENV`/`$GITHUB_PATH` is both `artifact-poisoning`
/// and `github-env-injection`; the second (critical, with the flow) is kept alone on that line.
fn drop_artifact_writes_reported_as_env_injection(
    text: &str,
    out: &mut Vec<Finding>,
    taint_start: usize,
) {
    let line_of = |at: usize| text[..at.min(text.len())].matches('\n').count();
    let env_lines: Vec<usize> = out[taint_start..]
        .iter()
        .filter(|f| f.rule == "github-env-injection")
        .map(|f| line_of(f.span.start))
        .collect();
    if env_lines.is_empty() {
        return;
    }
    out.retain(|f| {
        !(f.rule == "artifact-poisoning"
            && f.message.contains("GITHUB_")
            && env_lines.contains(&line_of(f.span.start)))
    });
}

#[cfg(test)]
mod tests {
    use crate::config::Config;
    use crate::engine::{analyze_text, Document};
    use crate::kind::FileKind;
    use crate::workspace::Facts;
    use std::path::Path;

    /// Every prefix of a workflow (what an editor sees while it is being typed) is analysed
    /// without a panic, whatever half-typed shape it has.
    #[test]
    fn every_prefix_of_a_workflow_analyses_without_panic() {
        let text = "name: Release ✓\non:\n  push:\n    tags: ['v*']\n  workflow_dispatch:\n    inputs:\n      # später\njobs:\n  build:\n    runs-on: ubuntu-latest # ü\n    permissions: write-all\n    container: node:20\n    services:\n      db:\n        image: \"postgres:16\"\n    steps:\n      - uses: actions/checkout@v4 # v4 ünïcode\n      - {uses: actions/cache@v4, with: {path: x}}\n      - uses: actions/checkout@b4ffde65f46336ab88eb53be808477a3936bae11 # v4.2.2\n      - run: |\n          gh release create \"${{ github.ref_name }}\"\n          echo \"${{ secrets.NPM_TOKEN }}\" > .npmrc\n        env:\n          GH_TOKEN: ${{ github.token }}\n  call:\n    uses: ./.github/workflows/x.yml\n    secrets: inherit\n";
        let facts = Facts::default();
        // Also with the pedantic tier and a policy on, so that every workflow rule runs.
        let mut all_on =
            Config::parse("pedantic = true\n[policy]\nallow = [\"actions/*\"]\n").expect("config");
        all_on.pedantic = true;
        for (kind, config) in [
            (FileKind::Workflow, Config::default()),
            (FileKind::Action, Config::default()),
            (FileKind::Workflow, all_on.clone()),
            (FileKind::Action, all_on),
        ] {
            let mut end = 0;
            while end <= text.len() {
                if text.is_char_boundary(end) {
                    // The cut text, then with wide characters after the cut, so that an
                    // unclosed `${{` or quote is followed by multi-byte text.
                    for tail in ["", " é😀", " é😀\n"] {
                        let cut = format!("{}{tail}", &text[..end]);
                        let doc = Document {
                            path: Path::new("w.yml"),
                            kind,
                            text: &cut,
                        };
                        let _ = analyze_text(&doc, &facts, &config);
                    }
                }
                end += 1;
            }
        }
    }
}
