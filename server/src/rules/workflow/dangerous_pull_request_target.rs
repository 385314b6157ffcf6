//! `dangerous-pull-request-target`: a privileged (`pull_request_target` / `workflow_run`)
//! workflow checks out the untrusted head of a pull request.

use crate::engine::Ctx;
use crate::finding::Finding;
use crate::model::job_facts::WorkflowFacts;
use crate::model::workflow::{Job, Step, Workflow};
use std::ops::Range;

const ID: &str = "dangerous-pull-request-target";

/// Which privileged trigger makes a head reference dangerous.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Needs {
    PullRequestTarget,
    WorkflowRun,
    Either,
}

/// Markers of the untrusted head inside a `ref:` / `repository:` value or a command (lower case).
const HEAD_REFS: &[(&str, Needs)] = &[
    (
        "github.event.pull_request.head.sha",
        Needs::PullRequestTarget,
    ),
    (
        "github.event.pull_request.head.ref",
        Needs::PullRequestTarget,
    ),
    (
        "github.event.pull_request.merge_commit_sha",
        Needs::PullRequestTarget,
    ),
    ("github.head_ref", Needs::PullRequestTarget),
    ("github_head_ref", Needs::PullRequestTarget),
    ("github.event.workflow_run.head_sha", Needs::WorkflowRun),
    ("github.event.workflow_run.head_branch", Needs::WorkflowRun),
    (
        "github.event.workflow_run.head_commit.id",
        Needs::WorkflowRun,
    ),
    ("refs/pull/", Needs::Either),
];

const HEAD_REPOS: &[(&str, Needs)] = &[
    (
        "github.event.pull_request.head.repo.full_name",
        Needs::PullRequestTarget,
    ),
    (
        "github.event.workflow_run.head_repository.full_name",
        Needs::WorkflowRun,
    ),
];

fn applies(wf: &Workflow, needs: Needs) -> bool {
    let prt = wf.has_event("pull_request_target");
    let run = wf.has_event("workflow_run");
    match needs {
        Needs::PullRequestTarget => prt,
        Needs::WorkflowRun => run,
        Needs::Either => prt || run,
    }
}

/// Normalise `github.event['pull_request'].head.sha`-style spellings enough for substring checks.
fn normalise(s: &str) -> String {
    s.to_ascii_lowercase()
        .replace("['", ".")
        .replace("']", "")
        .replace(' ', "")
}

fn names_marker(wf: &Workflow, value: &str, table: &[(&str, Needs)]) -> bool {
    let v = normalise(value);
    table
        .iter()
        .any(|(m, needs)| v.contains(m) && applies(wf, *needs))
}

/// Events for which checking out the head is dangerous.
const PRIVILEGED: &[&str] = &["pull_request_target", "workflow_run"];

pub fn check(ctx: &Ctx, wf: &Workflow, facts: &WorkflowFacts, out: &mut Vec<Finding>) {
    if !applies(wf, Needs::Either) {
        return;
    }
    let trigger = wf
        .event("pull_request_target")
        .or_else(|| wf.event("workflow_run"))
        .map(|e| e.span.clone());
    for jf in &facts.jobs {
        let Some(job) = jf.job else { continue };
        // The job's and step's `if:` (and `needs:`) may keep the privileged events out.
        for sf in jf
            .steps
            .iter()
            .filter(|sf| sf.events.iter().any(|e| PRIVILEGED.contains(&e.as_str())))
        {
            for (span, what) in head_checkouts(ctx.doc.text, wf, job, sf.step) {
                let mut f = Finding::new(ID, span, what);
                if let Some(t) = &trigger {
                    f = f.related(t.clone(), "privileged trigger: secrets and a write token");
                }
                out.push(f);
            }
        }
    }
}

/// Places in one step that check out the untrusted head, with a message for each.
pub(crate) fn head_checkouts(
    text: &str,
    wf: &Workflow,
    job: &Job,
    step: &Step,
) -> Vec<(Range<usize>, String)> {
    let mut found = Vec::new();
    if step.action().as_deref() == Some("actions/checkout") {
        let reference = step.with_value("ref");
        let repo = step.with_value("repository");
        if let Some(r) = reference.filter(|r| names_marker(wf, &r.text, HEAD_REFS)) {
            found.push((
                r.span.clone(),
                format!(
                    "job `{}` checks out the pull request head (`{}`) in a privileged workflow",
                    job.id,
                    r.text.trim()
                ),
            ));
        } else if let Some(r) = repo.filter(|r| names_marker(wf, &r.text, HEAD_REPOS)) {
            found.push((
                r.span.clone(),
                format!(
                    "job `{}` checks out the fork's repository in a privileged workflow",
                    job.id
                ),
            ));
        }
    }
    if let Some(run) = &step.run {
        found.extend(run_checkouts(text, wf, run));
    }
    found
}

/// `gh pr checkout`, `git fetch … pull/…`, `git checkout|switch <head ref>` in a script.
fn run_checkouts(
    text: &str,
    wf: &Workflow,
    run: &crate::syntax::yaml::Scalar,
) -> Vec<(Range<usize>, String)> {
    let mut out = Vec::new();
    let raw = &text[run.content.clone()];
    let mut offset = run.content.start;
    for line in raw.split_inclusive('\n') {
        let lower = line.to_ascii_lowercase();
        let trimmed = lower.trim_start();
        let cmd_end = offset + line.trim_end().len();
        offset += line.len();
        if trimmed.starts_with('#') {
            continue;
        }
        let hit = if let Some(p) = lower.find("gh pr checkout") {
            Some((p, "runs `gh pr checkout`"))
        } else if let Some(p) = lower.find("git fetch").filter(|_| {
            (lower.contains(" pull/") || lower.contains("refs/pull/")) && applies(wf, Needs::Either)
        }) {
            Some((p, "fetches a pull request ref"))
        } else {
            ["git checkout", "git switch"]
                .iter()
                .filter_map(|c| lower.find(c))
                .next()
                .filter(|_| names_marker(wf, &lower, HEAD_REFS))
                .map(|p| (p, "checks out the pull request head"))
        };
        if let Some((p, what)) = hit {
            let start = offset - line.len() + p;
            out.push((
                start..cmd_end.max(start),
                format!("a run: script {what} in a privileged workflow"),
            ));
        }
    }
    out
}
