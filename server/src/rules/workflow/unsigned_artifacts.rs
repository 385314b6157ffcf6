//! `unsigned-artifacts`: a job downloads an artifact and publishes or deploys without verifying it.

use crate::engine::Ctx;
use crate::finding::Finding;
use crate::model::job_facts::{Act, WorkflowFacts};
use crate::model::workflow::Workflow;

pub fn check(ctx: &Ctx, _wf: &Workflow, facts: &WorkflowFacts, out: &mut Vec<Finding>) {
    for jf in &facts.jobs {
        if jf.steps.iter().any(|s| s.has(|a| *a == Act::Verify)) {
            continue;
        }
        let Some((dl_index, download)) = jf.steps.iter().enumerate().find_map(|(i, s)| {
            s.activities
                .iter()
                .find(|a| matches!(a.act, Act::DownloadArtifact { .. }))
                .map(|a| (i, a))
        }) else {
            continue;
        };
        let publish = jf
            .steps
            .iter()
            .skip(dl_index + 1)
            .flat_map(|s| &s.activities)
            .find(|a| a.act.is_publish());
        let Some(publish) = publish else { continue };
        let what: String = ctx.doc.text[publish.span.clone()]
            .lines()
            .next()
            .unwrap_or("")
            .chars()
            .take(60)
            .collect();
        out.push(
            Finding::new(
                "unsigned-artifacts",
                publish.span.clone(),
                format!(
                    "`{}` ships a downloaded artifact that no step of this job verifies",
                    what.trim()
                ),
            )
            .related(download.span.clone(), "the artifact is downloaded here"),
        );
    }
}
