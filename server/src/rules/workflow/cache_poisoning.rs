//! `cache-poisoning`: a job that publishes (or builds what a publishing job of the workflow
//! ships) restores a cache.
//!
//! Caches are shared: a run restores entries saved on its own ref and on the default branch,
//! and any job that runs on the default branch can save them — a `pull_request_target` or
//! `issue_comment` workflow running an outsider's code, a scheduled job, a compromised
//! dependency of a test job. Whatever the cache holds (node_modules, a Go build cache, a tool
//! binary) then lands in the release. Which steps restore a cache is model knowledge
//! ([`crate::model::caching`], `data/cache-inputs.toml`).
//!
//! A job counts when one of its steps publishes or deploys (the activities of
//! `unsigned-artifacts`: npm/PyPI publish, image push, release assets, deploys) for an event
//! other than `pull_request`, or when it uploads an artifact and a publishing job of the
//! workflow needs it (directly or through other jobs). Only caches restored before the last
//! publishing (or uploading) step count. A job that tests or lints in a release workflow is not
//! reported: what it restores does not reach the release.

use crate::engine::Ctx;
use crate::finding::{Edit, Finding, Fix, Span};
use crate::fix::step_map::{add_step_entries, yaml_value};
use crate::fix::yaml_edit::remove_entries;
use crate::model::caching::{restores_cache, CacheRestore, TurnOff};
use crate::model::job_facts::{Act, JobFacts, StepFacts, WorkflowFacts};
use crate::model::workflow::{Step, Workflow};

const ID: &str = "cache-poisoning";

/// What a step publishes, and where.
fn publishes(text: &str, sf: &StepFacts) -> Option<(Span, String)> {
    if !sf.events.iter().any(|e| e != "pull_request") {
        return None;
    }
    sf.activities.iter().find_map(|a| {
        let what = match &a.act {
            Act::NpmPublish { what, .. } => what.clone(),
            Act::ContainerPush | Act::ContainerPushIf(_) => "a container image push".into(),
            Act::PypiPublish => "a PyPI upload".into(),
            Act::ReleaseUpload if super::release_scope::uploads_assets(text, sf.step, &a.span) => {
                "release assets".into()
            }
            Act::Deploy => "a deployment".into(),
            // Signing or attesting is done to what a job releases.
            Act::Sign => "a signature of what it releases".into(),
            Act::Attest { .. } => "an attestation of what it releases".into(),
            _ => return None,
        };
        Some((a.span.clone(), what))
    })
}

/// Jobs that publish: job index → (index of the last publishing step, its span, what).
fn publishing_jobs(text: &str, facts: &WorkflowFacts) -> Vec<Option<(usize, Span, String)>> {
    facts
        .jobs
        .iter()
        .map(|jf| {
            jf.job?;
            jf.steps
                .iter()
                .enumerate()
                .rev()
                .find_map(|(i, sf)| publishes(text, sf).map(|(s, w)| (i, s, w)))
        })
        .collect()
}

/// Whether job `k` is needed, directly or through other jobs, by job `by`.
fn needed_by(wf: &Workflow, k: usize, by: usize) -> bool {
    let target = &wf.jobs[k].id;
    let mut seen = vec![false; wf.jobs.len()];
    let mut stack = vec![by];
    while let Some(j) = stack.pop() {
        if std::mem::replace(&mut seen[j], true) {
            continue;
        }
        for need in &wf.jobs[j].needs {
            if need.text == *target {
                return true;
            }
            if let Some(n) = wf.jobs.iter().position(|o| o.id == need.text) {
                stack.push(n);
            }
        }
    }
    false
}

pub fn check(ctx: &Ctx, wf: &Workflow, facts: &WorkflowFacts, out: &mut Vec<Finding>) {
    // Most workflows restore no cache at all: look for one before anything else.
    let any_cache = facts.jobs.iter().any(|jf| {
        jf.steps
            .iter()
            .any(|sf| restores_cache(sf.step, ctx.facts).is_some())
    });
    if !any_cache {
        return;
    }
    let text = ctx.doc.text;
    let publishing = publishing_jobs(text, facts);
    for (ji, jf) in facts.jobs.iter().enumerate() {
        let Some(job) = jf.job else { continue };
        if job.uses.is_some() {
            continue;
        }
        // (last step that matters, related span, why the job counts)
        let scope: Option<(usize, Span, String)> = match &publishing[ji] {
            Some((i, span, what)) => Some((*i, span.clone(), format!("publishes ({what})"))),
            None => builds_release(wf, jf, ji, &publishing),
        };
        let Some((last, related, why)) = scope else {
            continue;
        };
        for sf in &jf.steps[..=last] {
            let Some(restore) = restores_cache(sf.step, ctx.facts) else {
                continue;
            };
            let span = sf
                .step
                .uses
                .as_ref()
                .map(|u| u.raw.span.clone())
                .unwrap_or(sf.step.span.clone());
            let mut f = Finding::new(
                ID,
                span,
                format!(
                    "`{}` restores a cache ({}) in job `{}`, which {why}: a cache saved by a less trusted run can change what is released",
                    restore.action, restore.how, job.id
                ),
            )
            .related(related.clone(), "what the restored files can reach");
            if let Some(s) = &restore.input_span {
                f = f.related(s.clone(), "turns the cache on");
            }
            match turn_off(text, wf, sf.step, &restore) {
                Some(fix) => f = f.fix(fix),
                None => {
                    f = f.note(format!(
                        "No automatic fix: turning off the cache of `{}` changes what the step does. \
                         Remove the step (or restore nothing, e.g. `lookup-only: true`) in jobs that publish, \
                         and install dependencies from the lockfile instead.",
                        restore.action
                    ))
                }
            }
            out.push(f);
        }
    }
}

/// A job that uploads an artifact which a publishing job needs (directly or through others).
fn builds_release(
    wf: &Workflow,
    jf: &JobFacts,
    ji: usize,
    publishing: &[Option<(usize, Span, String)>],
) -> Option<(usize, Span, String)> {
    if !jf.events.iter().any(|e| e != "pull_request") {
        return None;
    }
    let upload = jf
        .steps
        .iter()
        .rposition(|sf| sf.has(|a| matches!(a, Act::UploadArtifact)))?;
    let (pj, (_, _, what)) = publishing
        .iter()
        .enumerate()
        .filter(|(pj, _)| *pj != ji && *pj < wf.jobs.len())
        .find_map(|(pj, p)| {
            p.as_ref()
                .map(|p| (pj, p))
                .filter(|(pj, _)| needed_by(wf, ji, *pj))
        })?;
    let upload_span = jf.steps[upload]
        .activities
        .iter()
        .find(|a| matches!(a.act, Act::UploadArtifact))
        .map(|a| a.span.clone())?;
    Some((
        upload,
        upload_span,
        format!("builds what job `{}` publishes ({what})", wf.jobs[pj].id),
    ))
}

fn turn_off(text: &str, wf: &Workflow, step: &Step, r: &CacheRestore) -> Option<Fix> {
    let with_pair = step.node.pair("with");
    let entry = |name: &str| step.with.iter().find(|kv| kv.name == name);
    match r.turn_off.as_ref()? {
        TurnOff::RemoveInput(name) => {
            let kv = entry(name)?;
            let edits = remove_entries(text, with_pair?, std::slice::from_ref(&kv.span))?;
            Some(Fix {
                title: format!("Remove `{name}:` (no cache in a publishing job)"),
                edits,
            })
        }
        TurnOff::ReplaceInput(name, other, value) => {
            let kv = entry(name)?;
            Some(Fix {
                title: format!("Replace `{name}:` by `{other}: {value}`"),
                edits: vec![Edit::replace(kv.span.clone(), format!("{other}: {value}"))],
            })
        }
        TurnOff::SetInput(name, value) => {
            if let Some(kv) = entry(name) {
                let v = kv.value?;
                return Some(Fix {
                    title: format!("Set `{name}: {value}`"),
                    edits: vec![Edit::replace(v.span.clone(), *value)],
                });
            }
            let edit =
                add_step_entries(text, wf, step, "with", &[(name.clone(), yaml_value(value))])?;
            Some(Fix {
                title: format!("Add `{name}: {value}`"),
                edits: vec![edit],
            })
        }
    }
}
