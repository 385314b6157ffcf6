//! The table of release-integrity producers (`data/release-producers.toml`): which actions,
//! reusable workflows and commands produce an SBOM, build provenance or an image signature, and
//! under which conditions. Read by `missing-sbom`, `release-without-provenance` and
//! `unsigned-container-image` beside the producers the step model knows itself.

use crate::model::job_facts::{JobFacts, StepFacts, WorkflowFacts};
use crate::model::workflow::{Job, KeyValue, UsesTarget, Workflow};
use crate::syntax::shell::Command;
use serde::Deserialize;
use std::sync::LazyLock;

static TABLE_TOML: &str = include_str!("../../../../data/release-producers.toml");

#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum Product {
    Sbom,
    Provenance,
    Signature,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct Producer {
    uses: Option<String>,
    command: Option<String>,
    #[serde(default)]
    job: bool,
    produces: Vec<Product>,
    input: Option<String>,
    values: Option<Vec<String>>,
    unless_values: Option<Vec<String>>,
    #[serde(default)]
    flags: Vec<String>,
    #[serde(default)]
    without_flags: Vec<String>,
    #[serde(default)]
    without_env: Vec<String>,
    #[serde(default)]
    id_token: bool,
    #[allow(dead_code)]
    source: String,
}

#[derive(Debug, Deserialize)]
struct Table {
    producer: Vec<Producer>,
}

static TABLE: LazyLock<Table> = LazyLock::new(|| {
    toml::from_str(TABLE_TOML)
        .expect("data/release-producers.toml is valid (checked by a unit test)")
});

/// `owner/repo/path` (lower case) is `entry` or below it.
fn action_matches(action: &str, entry: &str) -> bool {
    action == entry || action.starts_with(&format!("{entry}/"))
}

/// The input conditions of an entry against a `with:` list.
fn inputs_hold(p: &Producer, with: &[KeyValue]) -> bool {
    let Some(name) = &p.input else {
        return true;
    };
    let value = with
        .iter()
        .find(|kv| kv.name == *name)
        .and_then(|kv| kv.value.as_ref())
        .map(|v| v.text.trim().trim_matches(['"', '\'']).to_ascii_lowercase());
    let listed = |list: &[String], v: &str| list.iter().any(|x| x.eq_ignore_ascii_case(v));
    match (&p.values, &p.unless_values, value) {
        (Some(values), _, Some(v)) => listed(values, &v),
        (Some(_), _, None) => false,
        (None, Some(unless), Some(v)) => !listed(unless, &v),
        (None, Some(_), None) => true,
        (None, None, v) => v.is_some(),
    }
}

fn command_matches(p: &Producer, cmd: &Command) -> bool {
    let Some(want) = &p.command else {
        return false;
    };
    let mut words = want.split_whitespace();
    if cmd.program_name() != words.next() {
        return false;
    }
    let positional = cmd.non_flag_args();
    if !words
        .enumerate()
        .all(|(i, w)| positional.get(i) == Some(&w))
    {
        return false;
    }
    let args = cmd.arg_values();
    let has = |flag: &str| {
        args.iter().any(|a| {
            *a == flag
                || a.strip_prefix(flag)
                    .is_some_and(|r| r.starts_with('=') || flag.ends_with('='))
        })
    };
    (p.flags.is_empty() || p.flags.iter().any(|f| has(f)))
        && !p.without_flags.iter().any(|f| has(f))
}

/// What a step produces according to the table.
fn step_products(wf: &Workflow, jf: &JobFacts, sf: &StepFacts) -> Vec<Product> {
    let mut out = Vec::new();
    let action = sf.step.action();
    for p in TABLE.producer.iter().filter(|p| !p.job) {
        if p.id_token && !jf.id_token {
            continue;
        }
        if p.without_env
            .iter()
            .any(|n| sf.env_value(jf.job, wf, n).is_some())
        {
            continue;
        }
        let hit = match (&p.uses, &action) {
            (Some(entry), Some(a)) => action_matches(a, entry) && inputs_hold(p, &sf.step.with),
            _ => sf
                .step
                .script
                .as_ref()
                .is_some_and(|s| s.commands.iter().any(|c| command_matches(p, c))),
        };
        if hit {
            out.extend(&p.produces);
        }
    }
    out
}

/// What a job that calls a reusable workflow produces according to the table.
fn job_products(job: &Job) -> Vec<Product> {
    let Some(UsesTarget::Repo(r)) = job.uses.as_ref().map(|u| &u.target) else {
        return vec![];
    };
    let action = r.action_lower();
    TABLE
        .producer
        .iter()
        .filter(|p| p.job)
        .filter(|p| {
            p.uses.as_ref().is_some_and(|e| action_matches(&action, e)) && inputs_hold(p, &job.with)
        })
        .flat_map(|p| p.produces.iter().copied())
        .collect()
}

/// Whether anything in the workflow produces `product` according to the table.
pub fn workflow_produces(wf: &Workflow, facts: &WorkflowFacts, product: Product) -> bool {
    wf.jobs.iter().any(|j| job_products(j).contains(&product))
        || facts.jobs.iter().any(|jf| {
            jf.steps
                .iter()
                .any(|sf| step_products(wf, jf, sf).contains(&product))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_parses() {
        assert!(!TABLE.producer.is_empty());
        for p in &TABLE.producer {
            assert!(
                p.uses.is_some() != p.command.is_some(),
                "one of uses/command: {p:?}"
            );
            assert!(!p.source.is_empty());
            if let Some(u) = &p.uses {
                assert_eq!(u, &u.to_ascii_lowercase());
            }
        }
    }
}
