//! `secret-written-to-file`: a script writes a secret into a workspace file. `.npmrc` auth lines
//! count only when a later step uploads the file.

use crate::engine::Ctx;
use crate::finding::Finding;
use crate::model::job_facts::{Act, JobFacts, WorkflowFacts};
use crate::model::workflow::Workflow;

pub fn check(_ctx: &Ctx, _wf: &Workflow, facts: &WorkflowFacts, out: &mut Vec<Finding>) {
    for jf in &facts.jobs {
        for (i, sf) in jf.steps.iter().enumerate() {
            for a in &sf.activities {
                let Act::FileWrite {
                    target,
                    secret: Some(secret),
                } = &a.act
                else {
                    continue;
                };
                let file = target.trim_start_matches("./");
                let is_npmrc = file.rsplit('/').next() == Some(".npmrc");
                let upload = uploaded_later(jf, i, file);
                if is_npmrc && upload.is_none() {
                    continue;
                }
                let mut f = Finding::new(
                    "secret-written-to-file",
                    a.span.clone(),
                    format!("the secret {secret} is written to the workspace file {target}"),
                );
                if let Some(span) = upload {
                    f = f.related(span, format!("{target} is then uploaded by this step"));
                }
                out.push(f);
            }
        }
    }
}

/// The span of a later upload-artifact step whose `path:` covers `file`.
fn uploaded_later(jf: &JobFacts, after: usize, file: &str) -> Option<crate::finding::Span> {
    jf.steps.iter().skip(after + 1).find_map(|sf| {
        let a = sf
            .activities
            .iter()
            .find(|a| a.act == Act::UploadArtifact)?;
        let path = sf.step.with_value("path")?;
        path.text
            .lines()
            .map(|l| l.trim().trim_start_matches("./").trim_end_matches('/'))
            .filter(|l| !l.is_empty() && !l.starts_with('!'))
            .any(|p| {
                p == "."
                    || p.contains('*') && !p.contains('.')
                    || p.contains("github.workspace")
                    || p == file
                    || file.starts_with(&format!("{p}/"))
            })
            .then(|| a.span.clone())
    })
}
