//! `secrets-in-pr-workflow`: a repository secret is in scope of a job that pull requests start.

use crate::engine::Ctx;
use crate::finding::Finding;
use crate::model::job_facts::{SecretRef, WorkflowFacts, PR_EVENTS};
use crate::model::workflow::Workflow;

pub fn check(_ctx: &Ctx, _wf: &Workflow, facts: &WorkflowFacts, out: &mut Vec<Finding>) {
    for jf in &facts.jobs {
        let Some(job) = jf.job else { continue };
        let job_pr: Vec<&str> = jf
            .events
            .iter()
            .map(String::as_str)
            .filter(|e| PR_EVENTS.contains(e))
            .collect();
        let mut exposed: Vec<&SecretRef> = Vec::new();
        let mut events: Vec<&str> = Vec::new();
        if !job_pr.is_empty() {
            exposed.extend(jf.call_secrets.iter().filter(|s| !s.is_github_token()));
            if !exposed.is_empty() {
                events.extend(&job_pr);
            }
        }
        for sf in &jf.steps {
            let pr: Vec<&str> = sf
                .events
                .iter()
                .map(String::as_str)
                .filter(|e| PR_EVENTS.contains(e))
                .collect();
            if pr.is_empty() {
                continue;
            }
            let before = exposed.len();
            exposed.extend(sf.real_secrets());
            exposed.extend(sf.run_secrets.iter().filter(|s| !s.is_github_token()));
            if exposed.len() > before {
                events.extend(pr);
            }
        }
        exposed.sort_by_key(|s| s.span.start);
        exposed.dedup_by_key(|s| s.span.clone());
        let Some(first) = exposed.first() else {
            continue;
        };
        events.sort();
        events.dedup();
        let mut names: Vec<&str> = exposed.iter().map(|s| s.name.as_str()).collect();
        names.dedup();
        names.sort();
        names.dedup();
        let mut f = Finding::new(
            "secrets-in-pr-workflow",
            first.span.clone(),
            format!(
                "secret{} {} in scope of job `{}`, which can run for {}",
                if names.len() == 1 { " is" } else { "s are" },
                names.join(", "),
                job.id,
                events.join(", ")
            ),
        );
        for other in exposed.iter().skip(1) {
            f = f.related(
                other.span.clone(),
                format!("{} is also in scope here", other.name),
            );
        }
        out.push(f);
    }
}
