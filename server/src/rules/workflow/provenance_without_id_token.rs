//! `provenance-without-id-token`: a publish asks for npm provenance but the job cannot mint the
//! OIDC token that signs it.

use crate::engine::Ctx;
use crate::finding::{Finding, Fix};
use crate::fix::permissions::{as_pairs, ensure_job_scopes, scopes_for_new_block};
use crate::model::job_facts::{Act, WorkflowFacts};
use crate::model::workflow::{Level, Workflow};

use super::install_scripts_with_secrets::ignore_scripts_edits;

pub fn check(ctx: &Ctx, wf: &Workflow, facts: &WorkflowFacts, out: &mut Vec<Finding>) {
    for jf in &facts.jobs {
        let Some(job) = jf.job else { continue };
        if jf.id_token {
            continue;
        }
        for sf in &jf.steps {
            let env_provenance = sf
                .env_value(Some(job), wf, "NPM_CONFIG_PROVENANCE")
                .is_some_and(|v| v.trim().eq_ignore_ascii_case("true"));
            for a in &sf.activities {
                let Act::NpmPublish { provenance, what } = &a.act else {
                    continue;
                };
                if !provenance && !env_provenance {
                    continue;
                }
                let mut f = Finding::new(
                    "provenance-without-id-token",
                    a.span.clone(),
                    format!(
                        "`{what}` asks for provenance, but job `{}` lacks `id-token: write`, so the publish fails",
                        job.id
                    ),
                );
                let wanted = scopes_for_new_block(wf, jf, &[("id-token", Level::Write)]);
                let edits =
                    wanted.and_then(|w| ensure_job_scopes(ctx.doc.text, wf, job, &as_pairs(&w)));
                if let Some(mut edits) = edits {
                    if !edits.is_empty() {
                        edits.extend(ignore_scripts_edits(ctx, wf, jf));
                        f = f.fix(Fix {
                            title: format!("Add `id-token: write` to job `{}`", job.id),
                            edits,
                        });
                    }
                }
                out.push(f);
            }
        }
    }
}
