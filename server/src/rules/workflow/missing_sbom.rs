//! `missing-sbom`: a tag or release workflow publishes and produces no SBOM.

use super::release_scope::{produces_sbom, release_publishes, release_trigger};
use crate::engine::Ctx;
use crate::finding::Finding;
use crate::model::job_facts::WorkflowFacts;
use crate::model::workflow::Workflow;

pub fn check(ctx: &Ctx, wf: &Workflow, facts: &WorkflowFacts, out: &mut Vec<Finding>) {
    let Some(trigger) = release_trigger(wf) else {
        return;
    };
    let publishes = release_publishes(ctx.doc.text, facts, &trigger);
    let Some(first) = publishes.first() else {
        return;
    };
    if produces_sbom(wf, facts) {
        return;
    }
    let mut f = Finding::new(
        "missing-sbom",
        first.span.clone(),
        format!("release workflow publishes {} without an SBOM", first.what),
    )
    .related(trigger.span.clone(), "runs for tags / releases");
    for p in &publishes[1..] {
        f = f.related(p.span.clone(), format!("also publishes {}", p.what));
    }
    out.push(f);
}
