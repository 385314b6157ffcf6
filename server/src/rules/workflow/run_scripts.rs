//! Runs the shared shell detectors (`curl-pipe-shell`, `npm-install-not-ci`, `imdsv1-request`,
//! owned by `rules::common`) over every `run:` script of a workflow or composite action.

use crate::engine::Ctx;
use crate::finding::Finding;
use crate::model::workflow::{Job, Step, Workflow};
use crate::rules::common::check_shell_script_in;
use crate::syntax::yaml::ScalarStyle;

/// A `shell:` that is not a POSIX-like shell (the script is Python, Node, …): not for the
/// shell detectors.
fn foreign_shell(job: Option<&Job>, step: &Step) -> bool {
    let explicit = step
        .shell
        .as_ref()
        .map(|s| s.text.trim().to_ascii_lowercase());
    let from_defaults = || {
        job.and_then(|j| j.node.as_ref())
            .and_then(|n| n.get("defaults"))
            .and_then(|d| d.get("run"))
            .and_then(|r| r.get_str("shell"))
            .map(|s| s.trim().to_ascii_lowercase())
    };
    explicit.or_else(from_defaults).is_some_and(|s| {
        ["python", "node", "perl", "ruby", "cmd"]
            .iter()
            .any(|p| s.starts_with(p))
    })
}

/// The folder a `run:` step runs in: its `working-directory:`, else the job's or the
/// workflow's `defaults.run.working-directory`.
fn working_directory<'a>(
    wf: &'a Workflow,
    job: Option<&'a Job>,
    step: &'a Step,
) -> Option<&'a str> {
    let from_defaults = |node: Option<&'a crate::syntax::yaml::YNode>| {
        node.and_then(|n| n.get("defaults"))
            .and_then(|d| d.get("run"))
            .and_then(|r| r.get_str("working-directory"))
    };
    step.working_directory
        .map(|w| w.text.as_str())
        .or_else(|| from_defaults(job.and_then(|j| j.node)))
        .or_else(|| from_defaults(wf.yaml.root.as_ref()))
}

pub fn check(ctx: &Ctx, wf: &Workflow, out: &mut Vec<Finding>) {
    let text = ctx.doc.text;
    for (job, step) in wf.all_steps() {
        let (Some(run), Some(parsed)) = (&step.run, &step.script) else {
            continue;
        };
        if foreign_shell(job, step) {
            continue;
        }
        // Quoted scalars with escapes do not show the script byte for byte.
        let raw_is_script = matches!(
            run.style,
            ScalarStyle::Literal | ScalarStyle::Folded | ScalarStyle::Plain
        ) || run.is_verbatim(text);
        if !raw_is_script {
            continue;
        }
        let script = &text[run.content.clone()];
        let elsewhere = working_directory(wf, job, step)
            .is_some_and(|d| !matches!(d.trim().trim_end_matches('/'), "" | "." | "./"));
        // `YARN_ENABLE_IMMUTABLE_INSTALLS: false` in the step's, job's or workflow's `env:`.
        let yarn_immutable_off = [Some(&step.env), job.map(|j| &j.env), Some(&wf.env)]
            .into_iter()
            .flatten()
            .flat_map(|env| env.iter())
            .find(|kv| kv.name == "YARN_ENABLE_IMMUTABLE_INSTALLS")
            .and_then(|kv| kv.value.as_ref())
            .is_some_and(|v| {
                matches!(
                    v.text
                        .trim()
                        .trim_matches(['"', '\''])
                        .to_ascii_lowercase()
                        .as_str(),
                    "false" | "0"
                )
            });
        check_shell_script_in(
            ctx,
            script,
            parsed,
            run.content.start,
            elsewhere,
            yarn_immutable_off,
            out,
        );
    }
}
