//! `secrets-inherit`: a reusable-workflow call hands over every secret with `secrets: inherit`.

use crate::engine::Ctx;
use crate::finding::Finding;
use crate::model::workflow::{JobSecrets, Workflow};

pub fn check(_ctx: &Ctx, wf: &Workflow, out: &mut Vec<Finding>) {
    for job in &wf.jobs {
        let (Some(uses), Some(JobSecrets::Inherit(span))) = (&job.uses, &job.secrets) else {
            continue;
        };
        out.push(
            Finding::new(
                "secrets-inherit",
                span.clone(),
                format!(
                    "job `{}` passes every secret to {} with `secrets: inherit`",
                    job.id, uses.raw.text
                ),
            )
            .related(
                uses.raw.span.clone(),
                "the reusable workflow that receives them",
            ),
        );
    }
}
