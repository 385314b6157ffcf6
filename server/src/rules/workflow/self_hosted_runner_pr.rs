//! `self-hosted-runner-pr`: a job that a pull request (or a comment on one) can start runs on a
//! self-hosted runner, so code from outside the repository runs on a machine that is not wiped
//! after the job.

use crate::engine::Ctx;
use crate::finding::{Finding, Span};
use crate::model::job_facts::WorkflowFacts;
use crate::model::workflow::Workflow;
use crate::syntax::yaml::{YKind, YNode};

/// Events through which someone outside the repository can start a job.
const OUTSIDE_EVENTS: &[&str] = &["pull_request", "pull_request_target", "issue_comment"];

/// Where `runs-on:` asks for a self-hosted machine: the `self-hosted` label (alone, in a list or
/// in `labels:`) or a runner group (`group:`). Expressions are not followed.
fn self_hosted(node: &YNode) -> Option<(Span, String)> {
    let is_label = |n: &YNode| {
        n.as_str()
            .is_some_and(|s| s.trim().eq_ignore_ascii_case("self-hosted"))
    };
    match &node.kind {
        YKind::Scalar(_) if is_label(node) => {
            Some((node.span.clone(), "the `self-hosted` label".into()))
        }
        YKind::Seq(items) => items
            .iter()
            .find(|i| is_label(i))
            .map(|i| (i.span.clone(), "the `self-hosted` label".into())),
        YKind::Map(_) => {
            if let Some(p) = node.pair("group") {
                let name = p.value.as_ref().and_then(|v| v.as_str()).unwrap_or("");
                return Some((p.span.clone(), format!("runner group `{name}`")));
            }
            node.get("labels").and_then(self_hosted)
        }
        _ => None,
    }
}

pub fn check(_ctx: &Ctx, wf: &Workflow, facts: &WorkflowFacts, out: &mut Vec<Finding>) {
    for jf in &facts.jobs {
        let Some(job) = jf.job else { continue };
        let Some((span, what)) = job.runs_on.and_then(self_hosted) else {
            continue;
        };
        let events: Vec<&str> = OUTSIDE_EVENTS
            .iter()
            .copied()
            .filter(|e| jf.events.iter().any(|j| j == e))
            .collect();
        if events.is_empty() {
            continue;
        }
        let mut f = Finding::new(
            "self-hosted-runner-pr",
            span,
            format!(
                "job `{}` runs on {what} and `{}` can start it: code from a pull request would \
                 run on a machine that keeps its state between jobs",
                job.id,
                events.join("`, `")
            ),
        );
        for e in &events {
            if let Some(ev) = wf.event(e) {
                f = f.related(ev.span.clone(), format!("`{e}` starts this workflow"));
            }
        }
        out.push(f);
    }
}
