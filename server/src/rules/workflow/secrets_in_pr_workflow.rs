//! `secrets-in-pr-workflow`: a repository secret can reach code from a pull request: a step that
//! runs the repository's code (installs, builds, tests, scripts, local actions) has the secret in
//! scope, in a job that a pull request starts with its own code checked out.
//!
//! For `pull_request` any checkout of the repository is the pull request's code. For
//! `pull_request_target`, `workflow_run` and `issue_comment` the default checkout is the base
//! branch (trusted); only a checkout of the untrusted head counts. A secret handed only to a
//! third-party action's inputs, or a job that runs no repository code, stays quiet.

use super::dangerous_pull_request_target::head_checkouts;
use crate::engine::Ctx;
use crate::finding::Finding;
use crate::model::job_facts::{SecretOrigin, SecretRef, StepFacts, WorkflowFacts};
use crate::model::repo_code::{runs_repository_code, RepoCode};
use crate::model::workflow::{Job, UsesTarget, Workflow};

const ID: &str = "secrets-in-pr-workflow";

/// Events whose runs check out the base branch by default: the pull request's code runs only
/// after an explicit checkout of its head.
const PRIVILEGED: &[&str] = &["pull_request_target", "workflow_run", "issue_comment"];

/// An actions/checkout of this repository (no other `repository:`): for `pull_request` that is
/// the pull request's merge commit.
/// A `ref:` of the base branch (`main`, `github.base_ref`, `…pull_request.base.sha`) checks out
/// trusted code.
fn checks_out_repository(sf: &StepFacts) -> bool {
    sf.step.action().as_deref() == Some("actions/checkout")
        && sf.step.with_value("repository").is_none_or(|r| {
            let t = r.text.to_ascii_lowercase();
            t.contains("github.repository") || t.contains("head.repo") || t.contains("head_repo")
        })
        && sf.step.with_value("ref").is_none_or(|r| {
            let t = r.text.to_ascii_lowercase();
            t.contains("${{") && !t.contains("base")
        })
}

/// A checkout of the untrusted head in a privileged workflow (as `dangerous-pull-request-target`
/// reads it), or of a pull request ref in an `issue_comment` workflow.
fn checks_out_head(text: &str, wf: &Workflow, job: &Job, sf: &StepFacts) -> bool {
    if !head_checkouts(text, wf, job, sf.step).is_empty() {
        return true;
    }
    wf.has_event("issue_comment")
        && sf.step.action().as_deref() == Some("actions/checkout")
        && sf.step.with_value("ref").is_some_and(|r| {
            let t = r.text.to_ascii_lowercase();
            t.contains("refs/pull/") || t.contains("head")
        })
}

/// A secret token or SSH key given to actions/checkout without `persist-credentials: false`: the
/// action writes it into the checkout's `.git/config`, where any later step can read it.
/// Likewise for login actions that leave their credentials for the rest of the job: in
/// `~/.docker/config.json`, in the environment of later steps, or in a credentials file.
fn persisted_credentials<'a>(sf: &'a StepFacts) -> Vec<&'a SecretRef> {
    let Some(action) = sf.step.action() else {
        return vec![];
    };
    let inputs: &[&str] = match action.as_str() {
        "actions/checkout"
            if !sf
                .step
                .with_value("persist-credentials")
                .is_some_and(|v| v.text.trim().eq_ignore_ascii_case("false")) =>
        {
            &["token", "ssh-key"]
        }
        // Logged in until the job's post step logs out.
        "docker/login-action" => &["password"],
        "aws-actions/configure-aws-credentials" => &[
            "aws-access-key-id",
            "aws-secret-access-key",
            "aws-session-token",
        ],
        "google-github-actions/auth" => &["credentials_json"],
        "azure/login" => &["creds"],
        _ => &[],
    };
    sf.real_secrets()
        .filter(|s| s.origin == SecretOrigin::With && inputs.contains(&s.key.as_str()))
        .collect()
}

/// The folder an actions/checkout of another repository puts its files in.
fn other_repository_folder(sf: &StepFacts) -> Option<String> {
    if sf.step.action().as_deref() != Some("actions/checkout") || checks_out_repository(sf) {
        return None;
    }
    let path = sf.step.with_value("path")?;
    let dir = path
        .text
        .trim()
        .trim_start_matches("./")
        .trim_end_matches('/');
    (!dir.is_empty() && dir != ".").then(|| dir.to_string())
}

/// A local action (`uses: ./dir/…`) inside a checkout of another repository runs that
/// repository's code, not the pull request's.
fn local_action_in(sf: &StepFacts, folders: &[String]) -> bool {
    let Some(UsesTarget::Local(path)) = sf.step.uses.as_ref().map(|u| &u.target) else {
        return false;
    };
    let path = path.trim_start_matches("./").trim_end_matches('/');
    folders
        .iter()
        .any(|f| path == f || path.starts_with(&format!("{f}/")))
}

/// Secrets that code run by this step can read: its environment (step, job, workflow), the
/// inputs of a local action, and secrets expanded into its own script.
fn secrets_reaching_code<'a>(sf: &'a StepFacts) -> Vec<&'a SecretRef> {
    let local = sf
        .step
        .uses
        .as_ref()
        .is_some_and(|u| matches!(u.target, UsesTarget::Local(_)));
    if sf.step.action().as_deref() == Some("docker/build-push-action") {
        // Only what the build is handed reaches the Dockerfile: build secrets and arguments,
        // and the environment variables `secret-envs` names.
        let named_envs = sf
            .step
            .with_value("secret-envs")
            .map(|v| v.text.clone())
            .unwrap_or_default();
        return sf
            .secrets
            .iter()
            .filter(|s| match s.origin {
                SecretOrigin::With => matches!(s.key.as_str(), "secrets" | "build-args"),
                SecretOrigin::WorkflowEnv | SecretOrigin::JobEnv | SecretOrigin::StepEnv => {
                    named_envs.contains(&s.key)
                }
                _ => false,
            })
            .filter(|s| !s.is_github_token())
            .collect();
    }
    sf.secrets
        .iter()
        .filter(|s| match s.origin {
            SecretOrigin::WorkflowEnv | SecretOrigin::JobEnv | SecretOrigin::StepEnv => true,
            SecretOrigin::With => local,
            _ => false,
        })
        .chain(sf.run_secrets.iter())
        .filter(|s| !s.is_github_token())
        .collect()
}

/// One job whose pull-request code can read secrets.
struct Exposure<'a> {
    job: &'a str,
    /// Nearest first.
    secrets: Vec<&'a SecretRef>,
    events: Vec<&'a str>,
    runners: Vec<RepoCode>,
}

/// Order of preference for the secret a finding points at.
fn nearness(origin: SecretOrigin) -> u8 {
    match origin {
        SecretOrigin::StepEnv | SecretOrigin::With | SecretOrigin::Run => 0,
        SecretOrigin::JobEnv | SecretOrigin::CallSecrets => 1,
        SecretOrigin::WorkflowEnv => 2,
    }
}

pub fn check(ctx: &Ctx, wf: &Workflow, facts: &WorkflowFacts, out: &mut Vec<Finding>) {
    let text = ctx.doc.text;
    let mut exposures: Vec<Exposure> = Vec::new();
    for jf in &facts.jobs {
        let Some(job) = jf.job else { continue };
        let mut exposed: Vec<&SecretRef> = Vec::new();
        let mut events: Vec<&str> = Vec::new();
        let mut runners: Vec<RepoCode> = Vec::new();
        // A call of a reusable workflow of this repository hands its secrets to a workflow that
        // builds the pull request's checkout.
        let local_call = job
            .uses
            .as_ref()
            .is_some_and(|u| matches!(u.target, UsesTarget::Local(_)));
        if local_call && jf.events.iter().any(|e| e == "pull_request") {
            let before = exposed.len();
            exposed.extend(jf.call_secrets.iter().filter(|s| !s.is_github_token()));
            if exposed.len() > before {
                events.push("pull_request");
                if let Some(u) = &job.uses {
                    runners.push(RepoCode {
                        span: u.raw.span.clone(),
                        what: format!("the reusable workflow `{}`", u.raw.text.trim()),
                    });
                }
            }
        }
        let privileged = jf.runs_for_any(PRIVILEGED);
        if !privileged && !jf.runs_for_any(&["pull_request"]) {
            continue;
        }
        let mut repository = false;
        let mut head = false;
        // Credentials actions/checkout leaves in `.git/config` for every later step.
        let mut persisted: Vec<&SecretRef> = Vec::new();
        // Folders holding a checkout of another repository (`repository:` + `path:`).
        let mut other_repositories: Vec<String> = Vec::new();
        for sf in &jf.steps {
            repository |= checks_out_repository(sf);
            head = head || (privileged && checks_out_head(text, wf, job, sf));
            persisted.extend(persisted_credentials(sf));
            if let Some(dir) = other_repository_folder(sf) {
                other_repositories.push(dir);
            }
            if local_action_in(sf, &other_repositories) {
                continue;
            }
            let step_events: Vec<&str> = sf
                .events
                .iter()
                .map(String::as_str)
                .filter(|e| {
                    (*e == "pull_request" && repository) || (head && PRIVILEGED.contains(e))
                })
                .collect();
            if step_events.is_empty() {
                continue;
            }
            let Some(code) = runs_repository_code(text, sf.step) else {
                continue;
            };
            let mut secrets = secrets_reaching_code(sf);
            // Left on the runner: code on the runner reads them, a Docker build does not.
            if !code.what.contains("Dockerfile") {
                secrets.extend(persisted.iter().copied());
            }
            if secrets.is_empty() {
                continue;
            }
            exposed.extend(secrets);
            events.extend(step_events);
            if !runners.iter().any(|r| r.span == code.span) {
                runners.push(code);
            }
        }
        // The secret given closest to the code is the one to point at: a step's own, then the
        // job's, then the workflow's (which every job shares).
        exposed.sort_by_key(|s| (nearness(s.origin), s.span.start));
        exposed.dedup_by_key(|s| s.span.clone());
        if exposed.is_empty() {
            continue;
        }
        events.sort();
        events.dedup();
        exposures.push(Exposure {
            job: job.id.as_str(),
            secrets: exposed,
            events,
            runners,
        });
    }
    // Jobs exposed through the same (workflow-level) secret make one finding.
    let mut reported: Vec<usize> = Vec::new();
    for (i, e) in exposures.iter().enumerate() {
        if reported.contains(&i) {
            continue;
        }
        let primary = &e.secrets[0].span;
        let group: Vec<usize> = (i..exposures.len())
            .filter(|k| exposures[*k].secrets[0].span == *primary)
            .collect();
        reported.extend(&group);
        let members: Vec<&Exposure> = group.iter().map(|k| &exposures[*k]).collect();
        let mut names: Vec<&str> = members
            .iter()
            .flat_map(|m| m.secrets.iter().map(|s| s.name.as_str()))
            .collect();
        names.sort();
        names.dedup();
        let mut events: Vec<&str> = members.iter().flat_map(|m| m.events.clone()).collect();
        events.sort();
        events.dedup();
        let jobs: Vec<String> = members.iter().map(|m| format!("`{}`", m.job)).collect();
        let mut f = Finding::new(
            ID,
            primary.clone(),
            format!(
                "secret{} {} in scope of {}, which runs code from the pull request (job{} {}, {})",
                if names.len() == 1 { " is" } else { "s are" },
                names.join(", "),
                e.runners[0].what,
                if jobs.len() == 1 { "" } else { "s" },
                jobs.join(", "),
                events.join(", ")
            ),
        )
        .note(if events.iter().any(|e| PRIVILEGED.contains(e)) {
            "`pull_request_target`, `workflow_run` and `issue_comment` runs get the base \
             repository's secrets even when the pull request comes from a fork: anyone who can \
             open a pull request can read them through the checked-out code."
        } else {
            "Fork pull requests of a public repository get no secrets by default (the values \
             are empty), but secrets do reach this code when the pull request comes from a \
             branch of this repository, when Dependabot opens it (Dependabot secrets), or in a \
             private repository whose settings send secrets to fork pull requests."
        });
        for m in &members {
            for r in &m.runners {
                f = f.related(
                    r.span.clone(),
                    format!("{} runs the pull request's code here", r.what),
                );
            }
            for other in &m.secrets[1..] {
                f = f.related(
                    other.span.clone(),
                    format!("{} is also in scope here", other.name),
                );
            }
        }
        out.push(f);
    }
}
