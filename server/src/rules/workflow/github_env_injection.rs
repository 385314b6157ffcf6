//! `github-env-injection`: a value an outsider controls is appended to `$GITHUB_ENV` or
//! `$GITHUB_PATH`, so it sets variables (or the `PATH`) of every later step of the job.

use super::template_injection::sourced;
use crate::engine::Ctx;
use crate::finding::Finding;
use crate::model::job_facts::WorkflowFacts;
use crate::model::taint::{TaintFacts, Target, Trust};
use crate::model::workflow::Workflow;

const ID: &str = "github-env-injection";

pub fn check(
    ctx: &Ctx,
    _wf: &Workflow,
    facts: &WorkflowFacts,
    taint: &TaintFacts,
    out: &mut Vec<Finding>,
) {
    let text = ctx.doc.text;
    for (j, jf) in facts.jobs.iter().enumerate() {
        for k in 0..jf.steps.len() {
            for w in taint.writes(j, k) {
                // Free-text inputs come from whoever dispatches or calls: not an outsider.
                if w.taint.trust != Trust::Attacker {
                    continue;
                }
                let into = match (w.target, w.name.is_empty()) {
                    (Target::Env, false) => format!("`$GITHUB_ENV` (as `{}`)", w.name),
                    (Target::Env, true) => "`$GITHUB_ENV`".to_string(),
                    _ => "`$GITHUB_PATH`".to_string(),
                };
                let mut f = Finding::new(
                    ID,
                    w.span.clone(),
                    format!("{} is written to {into}", sourced(text, &w.taint)),
                );
                for hop in &w.taint.hops {
                    f = f.related(hop.span.clone(), hop.message.clone());
                }
                if w.piece.start >= w.span.start && w.piece.end <= w.span.end {
                    f = f.related(w.piece.clone(), "the untrusted value written");
                }
                out.push(f.flow());
            }
        }
    }
}
