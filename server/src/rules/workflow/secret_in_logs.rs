//! `secret-in-logs`: a `run:` script prints a secret, traces commands or dumps the environment
//! while secrets are in its environment.

use crate::engine::Ctx;
use crate::finding::Finding;
use crate::model::job_facts::{Act, SecretOrigin, WorkflowFacts};
use crate::model::workflow::Workflow;

pub fn check(_ctx: &Ctx, _wf: &Workflow, facts: &WorkflowFacts, out: &mut Vec<Finding>) {
    for sf in facts.jobs.iter().flat_map(|j| &j.steps) {
        let env_secret = sf.real_secrets().find(|s| {
            matches!(
                s.origin,
                SecretOrigin::WorkflowEnv | SecretOrigin::JobEnv | SecretOrigin::StepEnv
            )
        });
        for a in &sf.activities {
            let message = match (&a.act, env_secret) {
                (Act::PrintSecret(name), _) => format!("this command prints the secret {name} to the log"),
                (Act::Trace, Some(s)) => format!(
                    "shell tracing prints commands with their expanded values while {} is in the environment",
                    s.key
                ),
                (Act::EnvDump, Some(s)) => format!(
                    "this prints the whole environment, including {}",
                    s.key
                ),
                _ => continue,
            };
            out.push(Finding::new("secret-in-logs", a.span.clone(), message));
        }
    }
}
