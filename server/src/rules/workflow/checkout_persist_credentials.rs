//! `checkout-persist-credentials`: actions/checkout leaves the token in `.git/config`.

use crate::engine::Ctx;
use crate::finding::{Finding, Fix, Severity};
use crate::fix::step_map::add_step_entries;
use crate::model::workflow::{Step, Workflow};

const ID: &str = "checkout-persist-credentials";

/// Steps that ship workspace files off the runner (an artifact, a cache).
fn uploads_workspace(step: &Step) -> bool {
    step.action().is_some_and(|a| {
        matches!(
            a.as_str(),
            "actions/upload-artifact"
                | "actions/upload-pages-artifact"
                | "actions/cache"
                | "actions/cache/save"
        )
    })
}

pub fn check(ctx: &Ctx, wf: &Workflow, out: &mut Vec<Finding>) {
    let text = ctx.doc.text;
    for (job, step) in wf.all_steps() {
        if step.action().as_deref() != Some("actions/checkout") {
            continue;
        }
        let setting = step.with_value("persist-credentials");
        let explicit = setting.map(|s| s.text.trim().to_ascii_lowercase());
        match explicit.as_deref() {
            Some("false") => continue,
            // An expression decides at run time; trust it.
            Some(v) if v.contains("${{") => continue,
            _ => {}
        }
        let uses = step.uses.as_ref().expect("checkout step has uses");
        let span = match &uses.target {
            crate::model::workflow::UsesTarget::Repo(r) => {
                r.action_span.clone().unwrap_or(uses.raw.span.clone())
            }
            _ => uses.raw.span.clone(),
        };
        let steps: &[Step] = match job {
            Some(j) => &j.steps,
            None => wf.runs.as_ref().map(|r| r.steps.as_slice()).unwrap_or(&[]),
        };
        let upload = steps.iter().find(|s| uploads_workspace(s));
        let message = if setting.is_some() {
            "actions/checkout sets `persist-credentials: true`: the token stays in .git/config"
        } else {
            "actions/checkout keeps the token in .git/config (no `persist-credentials: false`)"
        };
        let mut f = Finding::new(ID, span, message);
        if let Some(up) = upload {
            let label = up
                .uses
                .as_ref()
                .map(|u| u.raw.text.clone())
                .unwrap_or_default();
            f = f.severity(Severity::Medium).related(
                up.uses
                    .as_ref()
                    .map(|u| u.raw.span.clone())
                    .unwrap_or(up.span.clone()),
                format!("{label} uploads files of this job's workspace"),
            );
        }
        if setting.is_none() {
            if let Some(edit) = add_step_entries(
                text,
                wf,
                step,
                "with",
                &[("persist-credentials".into(), "false".into())],
            ) {
                f = f.fix(Fix {
                    title: "Add `persist-credentials: false`".into(),
                    edits: vec![edit],
                });
            }
        }
        out.push(f);
    }
}
