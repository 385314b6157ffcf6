//! `install-scripts-with-secrets`: a dependency install runs lifecycle scripts in a step that has
//! a secret in its environment, or in a job that can mint an OIDC token.

use crate::engine::Ctx;
use crate::finding::{Edit, Finding, Fix};
use crate::model::job_facts::{
    install_flag_offset, Act, JobFacts, SecretOrigin, StepFacts, WorkflowFacts,
};
use crate::model::workflow::Workflow;

/// Lifecycle scripts are off for this step through its environment.
fn scripts_disabled(wf: &Workflow, jf: &JobFacts, sf: &StepFacts) -> bool {
    ["npm_config_ignore_scripts", "YARN_ENABLE_SCRIPTS"]
        .iter()
        .any(|name| {
            sf.env_value(jf.job, wf, name).is_some_and(|v| {
                let v = v.trim().to_ascii_lowercase();
                if name.starts_with("YARN") {
                    v == "false" || v == "0"
                } else {
                    v == "true" || v == "1"
                }
            })
        })
}

/// `--ignore-scripts` for every install of the job that runs scripts (used by fixes that give
/// the job `id-token: write`, which would otherwise make those installs findings).
pub fn ignore_scripts_edits(ctx: &Ctx, wf: &Workflow, jf: &JobFacts) -> Vec<Edit> {
    if ctx.facts.npmrc_ignore_scripts {
        return vec![];
    }
    jf.steps
        .iter()
        .filter(|sf| !scripts_disabled(wf, jf, sf))
        .flat_map(|sf| &sf.activities)
        .filter(|a| {
            matches!(
                a.act,
                Act::Install {
                    ignore_scripts: false,
                    ..
                }
            )
        })
        .filter_map(|a| install_flag_offset(ctx.doc.text, &a.span))
        .map(|at| Edit::insert(at, " --ignore-scripts"))
        .collect()
}

pub fn check(ctx: &Ctx, wf: &Workflow, facts: &WorkflowFacts, out: &mut Vec<Finding>) {
    if ctx.facts.npmrc_ignore_scripts {
        return;
    }
    for jf in &facts.jobs {
        for sf in &jf.steps {
            if scripts_disabled(wf, jf, sf) {
                continue;
            }
            let secret = sf.real_secrets().find(|s| {
                matches!(
                    s.origin,
                    SecretOrigin::WorkflowEnv | SecretOrigin::JobEnv | SecretOrigin::StepEnv
                )
            });
            let reason = match (secret, jf.id_token) {
                (Some(s), _) => format!("the secret {} is in its environment", s.name),
                (None, true) => {
                    "the job has `id-token: write`, so any install script can mint an OIDC token"
                        .to_string()
                }
                (None, false) => continue,
            };
            for a in &sf.activities {
                let Act::Install {
                    tool,
                    ignore_scripts: false,
                } = &a.act
                else {
                    continue;
                };
                let mut f = Finding::new(
                    "install-scripts-with-secrets",
                    a.span.clone(),
                    format!("`{tool}` install runs dependency lifecycle scripts while {reason}"),
                );
                if let Some(s) = secret {
                    f = f.related(
                        s.span.clone(),
                        format!("{} enters the environment here", s.name),
                    );
                }
                if let Some(at) = install_flag_offset(ctx.doc.text, &a.span) {
                    f = f.fix(Fix {
                        title: "Add --ignore-scripts".into(),
                        edits: vec![Edit::insert(at, " --ignore-scripts")],
                    });
                }
                out.push(f);
            }
        }
    }
}
