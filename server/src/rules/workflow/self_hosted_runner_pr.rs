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
/// in `labels:`) or a runner group (`group:`). Expressions are not followed here (see
/// [`self_hosted_in_matrix`] for `${{ matrix.NAME }}`).
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
            // A `self-hosted` label settles it; a group alone may hold GitHub-hosted larger
            // runners (see the message).
            if let Some(found) = node.get("labels").and_then(self_hosted) {
                return Some(found);
            }
            if let Some(p) = node.pair("group") {
                let name = p.value.as_ref().and_then(|v| v.as_str()).unwrap_or("");
                return Some((p.span.clone(), format!("runner group `{name}`")));
            }
            node.get("labels").and_then(self_hosted)
        }
        _ => None,
    }
}

/// `runs-on: ${{ matrix.NAME }}` whose matrix lists a self-hosted runner among the values of
/// `NAME` (in the matrix itself or in an `include:` entry).
fn self_hosted_in_matrix(runs_on: &YNode, job: Option<&YNode>) -> Option<(Span, String)> {
    let text = runs_on.as_str()?.trim();
    let inner = text.strip_prefix("${{")?.strip_suffix("}}")?.trim();
    let name = inner.strip_prefix("matrix.")?;
    if name.is_empty()
        || !name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
    {
        return None;
    }
    let matrix = job?.get("strategy")?.get("matrix")?;
    let from_axis = matrix.get(name).and_then(|axis| match &axis.kind {
        YKind::Seq(values) => values.iter().find_map(self_hosted),
        _ => self_hosted(axis),
    });
    let from_include = || {
        matrix
            .get("include")?
            .as_seq()?
            .iter()
            .find_map(|entry| entry.get(name).and_then(self_hosted))
    };
    from_axis
        .or_else(from_include)
        .map(|(span, what)| (span, format!("{what} (through `matrix.{name}`)")))
}

pub fn check(_ctx: &Ctx, wf: &Workflow, facts: &WorkflowFacts, out: &mut Vec<Finding>) {
    for jf in &facts.jobs {
        let Some(job) = jf.job else { continue };
        let Some(runs_on) = job.runs_on else { continue };
        let Some((span, what)) =
            self_hosted(runs_on).or_else(|| self_hosted_in_matrix(runs_on, job.node))
        else {
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
        let consequence = if what.starts_with("runner group") {
            "if the group holds self-hosted runners (not GitHub-hosted larger runners), code \
             from a pull request would run on a machine that keeps its state between jobs"
        } else {
            "code from a pull request would run on a machine that keeps its state between jobs"
        };
        let mut f = Finding::new(
            "self-hosted-runner-pr",
            span,
            format!(
                "job `{}` runs on {what} and `{}` can start it: {consequence}",
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

#[cfg(test)]
mod tests {
    use crate::config::Config;
    use crate::engine::{analyze_text, Document};
    use crate::kind::FileKind;
    use crate::workspace::Facts;
    use std::path::Path;

    fn messages(text: &str) -> Vec<String> {
        let doc = Document {
            path: Path::new(".github/workflows/ci.yml"),
            kind: FileKind::Workflow,
            text,
        };
        analyze_text(&doc, &Facts::default(), &Config::default())
            .into_iter()
            .filter(|f| f.rule == "self-hosted-runner-pr")
            .map(|f| f.message)
            .collect()
    }

    #[test]
    fn a_group_alone_may_be_github_hosted() {
        let m = messages("on: pull_request\njobs:\n  a:\n    runs-on:\n      group: big\n    steps:\n      - run: make\n");
        assert_eq!(
            m,
            [
                "job `a` runs on runner group `big` and `pull_request` can start it: if the group \
              holds self-hosted runners (not GitHub-hosted larger runners), code from a pull \
              request would run on a machine that keeps its state between jobs"
            ]
        );
        let m = messages("on: pull_request\njobs:\n  a:\n    runs-on: [self-hosted]\n    steps:\n      - run: make\n");
        assert!(m[0].ends_with(": code from a pull request would run on a machine that keeps its state between jobs"), "{m:?}");
    }
}
