//! `anonymous-definition` (pedantic): a workflow or job without `name:` is shown in the Actions
//! UI, in required status checks and in logs by its file path or id, which makes it harder to
//! tell what ran.

use crate::engine::Ctx;
use crate::finding::Finding;
use crate::model::workflow::{Workflow, WorkflowKind};

pub fn check(ctx: &Ctx, wf: &Workflow, out: &mut Vec<Finding>) {
    // Not an action file, and not a YAML file under `.github/workflows/` that is no workflow
    // (a tool's config kept beside them): a workflow has `on:`.
    if wf.kind != WorkflowKind::Workflow || wf.on.is_none() {
        return;
    }
    if wf.name.is_none() {
        if let Some(span) = wf.on.as_ref().map(|o| o.key_span.clone()) {
            let file = ctx
                .doc
                .path
                .file_name()
                .map(|f| f.to_string_lossy().to_string())
                .unwrap_or_default();
            out.push(Finding::new(
                "anonymous-definition",
                span,
                format!("this workflow has no `name:`: it is shown as `{file}`"),
            ));
        }
    }
    for job in &wf.jobs {
        if job.name.is_none() && job.node.is_some() {
            out.push(Finding::new(
                "anonymous-definition",
                job.id_span.clone(),
                format!("job `{}` has no `name:`", job.id),
            ));
        }
    }
}
