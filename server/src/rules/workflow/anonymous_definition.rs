//! `anonymous-definition` (pedantic): a workflow or job without `name:` is shown in the Actions
//! UI, in required status checks and in logs by its file path or id, which makes it harder to
//! tell what ran.

use crate::engine::Ctx;
use crate::finding::Finding;
use crate::model::workflow::{Workflow, WorkflowKind};

pub fn check(ctx: &Ctx, wf: &Workflow, out: &mut Vec<Finding>) {
    if wf.kind != WorkflowKind::Workflow {
        return;
    }
    if wf.name.is_none() {
        let root = wf.yaml.root.as_ref();
        let span = wf
            .on
            .as_ref()
            .map(|o| o.key_span.clone())
            .or_else(|| root.and_then(|r| r.as_map()?.first().map(|p| p.key_span.clone())));
        if let Some(span) = span {
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
