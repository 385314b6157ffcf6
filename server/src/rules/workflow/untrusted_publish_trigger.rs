//! `untrusted-publish-trigger`: a publish or deploy step can run for events outsiders start.

use crate::engine::Ctx;
use crate::finding::Finding;
use crate::model::expr;
use crate::model::job_facts::{Act, WorkflowFacts, UNTRUSTED_PUBLISH_EVENTS};
use crate::model::workflow::Workflow;

pub fn check(ctx: &Ctx, _wf: &Workflow, facts: &WorkflowFacts, out: &mut Vec<Finding>) {
    for jf in facts.jobs.iter().filter(|j| j.job.is_some()) {
        for sf in &jf.steps {
            for a in sf.activities.iter().filter(|a| a.act.is_publish()) {
                let events: Vec<&str> = sf
                    .events
                    .iter()
                    .map(String::as_str)
                    .filter(|e| UNTRUSTED_PUBLISH_EVENTS.contains(e))
                    .filter(|e| match &a.act {
                        Act::ContainerPushIf(cond) => expr::can_run(Some(cond), e),
                        _ => true,
                    })
                    .collect();
                if events.is_empty() {
                    continue;
                }
                let what = ctx.doc.text[a.span.clone()]
                    .lines()
                    .next()
                    .unwrap_or("")
                    .chars()
                    .take(60)
                    .collect::<String>();
                out.push(Finding::new(
                    "untrusted-publish-trigger",
                    a.span.clone(),
                    format!(
                        "`{}` can run for {} (no `if:` limits it to trusted events or refs)",
                        what.trim(),
                        events.join(", ")
                    ),
                ));
            }
        }
    }
}
