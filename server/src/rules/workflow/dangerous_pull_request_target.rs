//! `dangerous-pull-request-target`: a privileged (`pull_request_target` / `workflow_run` /
//! `issue_comment`) workflow checks out the untrusted head of a pull request.
//!
//! For `issue_comment` (a comment such as `/test` on a pull request) the head is named by
//! `refs/pull/<n>/…`, fetched with `gh pr checkout`, or looked up by an earlier step: a
//! github-script calling `pulls.get`, `gh pr view`/`gh api …/pulls/…`, or
//! xt0rted/pull-request-comment-branch, whose outputs the checkout's `ref:` then reads. Each
//! finding lists the later steps of the job that run the checked-out code (installs, builds,
//! tests, local actions).

use crate::engine::Ctx;
use crate::finding::Finding;
use crate::model::job_facts::WorkflowFacts;
use crate::model::repo_code::runs_repository_code;
use crate::model::workflow::{Job, Step, Workflow};
use std::ops::Range;

const ID: &str = "dangerous-pull-request-target";

/// Which privileged trigger makes a head reference dangerous.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Needs {
    PullRequestTarget,
    WorkflowRun,
    /// Any privileged trigger, `issue_comment` included.
    Any,
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
    ("refs/pull/", Needs::Any),
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
        Needs::Any => prt || run || wf.has_event("issue_comment"),
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
const PRIVILEGED: &[&str] = &["pull_request_target", "workflow_run", "issue_comment"];

pub fn check(ctx: &Ctx, wf: &Workflow, facts: &WorkflowFacts, out: &mut Vec<Finding>) {
    if !applies(wf, Needs::Any) {
        return;
    }
    let trigger = wf
        .event("pull_request_target")
        .or_else(|| wf.event("workflow_run"))
        .or_else(|| wf.event("issue_comment"))
        .map(|e| e.span.clone());
    for jf in &facts.jobs {
        let Some(job) = jf.job else { continue };
        // The job's and step's `if:` (and `needs:`) may keep the privileged events out.
        for sf in jf
            .steps
            .iter()
            .filter(|sf| sf.events.iter().any(|e| PRIVILEGED.contains(&e.as_str())))
        {
            // An earlier step that stops the job for outsiders guards everything after it.
            if job
                .steps
                .iter()
                .take_while(|s| !std::ptr::eq(*s, sf.step))
                .any(is_authorization_gate)
            {
                continue;
            }
            let mut found = head_checkouts(ctx.doc.text, wf, job, sf.step);
            if found.is_empty() {
                found.extend(looked_up_head(wf, job, sf.step));
            }
            for (span, what) in found {
                let mut f = Finding::new(ID, span, what);
                if let Some(t) = &trigger {
                    f = f.related(t.clone(), "privileged trigger: secrets and a write token");
                }
                let at = job
                    .steps
                    .iter()
                    .position(|s| std::ptr::eq(s, sf.step))
                    .unwrap_or(job.steps.len());
                for later in job.steps.iter().skip(at + 1) {
                    if let Some(code) = runs_repository_code(ctx.doc.text, later) {
                        f = f.related(
                            code.span,
                            format!("runs {} of the checked-out pull request", code.what),
                        );
                    }
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
            (lower.contains(" pull/") || lower.contains("refs/pull/")) && applies(wf, Needs::Any)
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

/// A checkout whose `ref:` (or `repository:`) reads the output of an earlier step of the job that
/// looked the pull request's head up: a github-script calling `pulls.get`, `gh pr view` or
/// `gh api …/pulls/…` asking for the head, or xt0rted/pull-request-comment-branch.
fn looked_up_head(wf: &Workflow, job: &Job, step: &Step) -> Option<(Range<usize>, String)> {
    if step.action().as_deref() != Some("actions/checkout") || !applies(wf, Needs::Any) {
        return None;
    }
    let r = step
        .with_value("ref")
        .or_else(|| step.with_value("repository"))?;
    let lower = r.text.to_ascii_lowercase();
    let (id, output) = lower.split("steps.").nth(1)?.split_once(".outputs")?;
    let id = id.trim().to_string();
    // `steps.pr.outputs.base`: the base branch is the repository's own code.
    if output.contains("base") {
        return None;
    }
    let source = job
        .steps
        .iter()
        .take_while(|s| !std::ptr::eq(*s, step))
        .find(|s| s.id.is_some_and(|i| i.text.eq_ignore_ascii_case(&id)))?;
    let looks_up = match source.action().as_deref() {
        Some("actions/github-script") => source
            .with_value("script")
            .is_some_and(|v| v.text.contains("pulls.get")),
        Some("xt0rted/pull-request-comment-branch") => true,
        Some(_) => false,
        None => source.run.is_some_and(|run| {
            let t = run.text.to_ascii_lowercase();
            (t.contains("gh pr view") && (t.contains("headrefoid") || t.contains("headrefname")))
                || (t.contains("/pulls/") && (t.contains(".head.sha") || t.contains(".head.ref")))
        }),
    };
    looks_up.then(|| {
        (
            r.span.clone(),
            format!(
                "job `{}` checks out the pull request head looked up by step `{id}` in a privileged workflow",
                job.id
            ),
        )
    })
}

/// A github-script step that fails the job unless the commenter or author is trusted: it reads
/// `author_association` or the account's permission and calls `core.setFailed` or throws.
fn is_authorization_gate(step: &Step) -> bool {
    if step.action().as_deref() != Some("actions/github-script") {
        return false;
    }
    let Some(script) = step.with_value("script") else {
        return false;
    };
    let t = script.text.as_str();
    let checks = [
        "author_association",
        "getCollaboratorPermissionLevel",
        "checkMembershipForUser",
    ]
    .iter()
    .any(|m| t.contains(m));
    let stops = ["setFailed", "throw ", "process.exit"]
        .iter()
        .any(|m| t.contains(m));
    checks && stops
}

#[cfg(test)]
mod tests {
    use crate::config::Config;
    use crate::engine::{analyze_text, Document};
    use crate::kind::FileKind;

    #[test]
    fn later_steps_that_run_the_checkout_are_related() {
        let text = "on: issue_comment\njobs:\n  t:\n    runs-on: x\n    steps:\n      - uses: actions/checkout@v4\n        with:\n          ref: refs/pull/${{ github.event.issue.number }}/merge\n      - run: echo hi\n      - run: npm ci\n      - uses: ./.github/actions/x\n";
        let doc = Document {
            path: std::path::Path::new(".github/workflows/c.yml"),
            kind: FileKind::Workflow,
            text,
        };
        let f = analyze_text(&doc, &Default::default(), &Config::default());
        let f = f.iter().find(|f| f.rule == super::ID).expect("finding");
        let related: Vec<&str> = f.related.iter().map(|r| &text[r.span.clone()]).collect();
        assert_eq!(
            related,
            vec!["issue_comment", "npm ci", "./.github/actions/x"]
        );
    }
}
