//! `insecure-commands`: `ACTIONS_ALLOW_UNSECURE_COMMANDS` turns the runner's deprecated
//! `::set-env::` and `::add-path::` log commands back on, so anything a step prints (a pull
//! request title, a log line of a dependency) can set environment variables or `PATH` for the
//! steps after it.

use crate::engine::Ctx;
use crate::finding::{Finding, Fix};
use crate::fix::yaml_edit::remove_entries;
use crate::model::workflow::{KeyValue, Workflow};
use crate::syntax::yaml::{Pair, YNode};

const VAR: &str = "ACTIONS_ALLOW_UNSECURE_COMMANDS";

/// Whether the value turns the commands on: a literal the runner reads as true, or an expression
/// (which may be true at run time).
fn truthy(kv: &KeyValue) -> Option<&'static str> {
    let v = kv.value?;
    let t = v.text.trim();
    if t.contains("${{") {
        return Some("an expression that may be true");
    }
    ["true", "1", "$true"]
        .iter()
        .any(|w| t.eq_ignore_ascii_case(w))
        .then_some("true")
}

/// The `env:` pair of a mapping node (only when written directly in it: an entry merged in with
/// `<<:` cannot be removed here).
fn env_pair(node: Option<&YNode>) -> Option<&Pair> {
    node?.pair("env")
}

pub fn check(ctx: &Ctx, wf: &Workflow, out: &mut Vec<Finding>) {
    let text = ctx.doc.text;
    let mut blocks: Vec<(&[KeyValue], Option<&Pair>, String)> = vec![(
        &wf.env,
        env_pair(wf.yaml.root.as_ref()),
        "the workflow's `env:`".to_string(),
    )];
    for job in &wf.jobs {
        blocks.push((&job.env, env_pair(job.node), format!("job `{}`", job.id)));
    }
    for (job, step) in wf.all_steps() {
        let owner = match job {
            Some(j) => format!("step `{}` of job `{}`", step.label(), j.id),
            None => format!("step `{}`", step.label()),
        };
        blocks.push((&step.env, env_pair(Some(step.node)), owner));
    }
    for (env, pair, owner) in blocks {
        for kv in env.iter().filter(|kv| kv.name == VAR) {
            let Some(how) = truthy(kv) else {
                continue;
            };
            let mut f = Finding::new(
                "insecure-commands",
                kv.span.clone(),
                format!(
                    "{owner} sets {VAR} to {how}: any text a step prints can then set \
                     environment variables and PATH with `::set-env` / `::add-path`"
                ),
            );
            let owned =
                pair.is_some_and(|p| p.span.start <= kv.span.start && kv.span.end <= p.span.end);
            if let Some(edits) = pair
                .filter(|_| owned)
                .and_then(|p| remove_entries(text, p, std::slice::from_ref(&kv.span)))
            {
                f = f.fix(Fix {
                    title: format!("Remove {VAR}"),
                    edits,
                });
            }
            out.push(f);
        }
    }
}
