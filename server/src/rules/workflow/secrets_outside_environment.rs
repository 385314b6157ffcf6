//! `secrets-outside-environment` (pedantic): a job reads repository secrets without an
//! `environment:`, so no deployment protection rule (required reviewers, branch rules, wait
//! timers) stands between a change to the workflow and those secrets.

use crate::engine::Ctx;
use crate::finding::Finding;
use crate::model::job_facts::secret_names_in;
use crate::model::workflow::{expression_parts, Workflow};

pub fn check(ctx: &Ctx, wf: &Workflow, out: &mut Vec<Finding>) {
    let text = ctx.doc.text;
    for job in &wf.jobs {
        // A reusable-workflow call cannot name an environment; the called workflow's jobs can.
        if job.environment.is_some() || job.uses.is_some() {
            continue;
        }
        let Some(node) = job.node else { continue };
        let mut names: Vec<String> = Vec::new();
        let mut refs = Vec::new();
        for s in node.all_scalars() {
            if !s.text.contains("${{") {
                continue;
            }
            for (inner, span) in expression_parts(text, s.content.clone()) {
                let found: Vec<String> = secret_names_in(inner)
                    .into_iter()
                    .filter(|n| n != "GITHUB_TOKEN")
                    .collect();
                if found.is_empty() {
                    continue;
                }
                refs.push(span);
                for n in found {
                    if !names.contains(&n) {
                        names.push(n);
                    }
                }
            }
        }
        if names.is_empty() {
            continue;
        }
        let mut f = Finding::new(
            "secrets-outside-environment",
            job.id_span.clone(),
            format!(
                "job `{}` reads {} without an `environment:`: no deployment protection rule \
                 guards them",
                job.id,
                names
                    .iter()
                    .map(|n| format!("`{n}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        );
        for r in refs {
            f = f.related(r, "secret read here");
        }
        out.push(f);
    }
}
