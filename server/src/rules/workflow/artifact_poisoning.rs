//! `artifact-poisoning`: a privileged workflow (`workflow_run`, `pull_request_target`) downloads
//! the artifacts of the run that triggered it — a run of a pull request, whose files the
//! pull request's author chose — and lets them act as trusted: extracted over the checkout
//! (the workspace root), run, sourced, or read into `$GITHUB_ENV` / `$GITHUB_OUTPUT` /
//! `$GITHUB_PATH`.
//!
//! Downloads of the triggering run: actions/download-artifact with a `run-id` taken from
//! `github.event.workflow_run`, dawidd6/action-download-artifact (it looks runs up by workflow,
//! branch or pull request, so a fork's run can match) unless its `event:` names a trusted event,
//! `gh run download` of the `workflow_run` id, and a github-script `downloadArtifact` of it
//! (a zip: the finding is at the later `unzip` into the workspace root). A download of this
//! run's own artifacts (no `run-id`) is not one.

use crate::engine::Ctx;
use crate::finding::{Finding, Fix, Span};
use crate::fix::step_map::add_step_entries;
use crate::model::job_facts::{StepFacts, WorkflowFacts};
use crate::model::repo_code::runs_repository_code;
use crate::model::workflow::{Step, UsesTarget, Workflow};
use crate::syntax::shell::Command;

const ID: &str = "artifact-poisoning";
const PRIVILEGED: &[&str] = &["workflow_run", "pull_request_target"];
/// Events whose runs only maintainers start: dawidd6 downloads limited to them are trusted.
const TRUSTED_EVENTS: &[&str] = &["push", "release", "schedule", "workflow_dispatch"];

struct Download {
    span: Span,
    what: String,
    /// Where the files land, normalised (`""` = the workspace root).
    dir: String,
    /// A download action whose `path:` input the fix can set.
    action: bool,
    /// The files arrive zipped (github-script `downloadArtifact`): they land where a later
    /// `unzip` puts them.
    zipped: bool,
}

/// `./dist/` → `dist`, the workspace → `""`; `${{ runner.temp }}` → `$RUNNER_TEMP`.
fn normalise(path: &str) -> String {
    let mut p = path.trim().trim_matches(['"', '\'']).to_string();
    for (from, to) in [
        ("${{ runner.temp }}", "$RUNNER_TEMP"),
        ("${{runner.temp}}", "$RUNNER_TEMP"),
        ("${RUNNER_TEMP}", "$RUNNER_TEMP"),
    ] {
        p = p.replace(from, to);
    }
    super::unsigned_artifacts::workspace_path(&p)
}

fn mentions_triggering_run(v: &str) -> bool {
    let v = v.to_ascii_lowercase();
    v.contains("github.event.workflow_run") || v.contains("context.payload.workflow_run")
}

/// The download of the triggering run's artifacts that `sf` makes, if any.
fn download(text: &str, sf: &StepFacts, wf: &Workflow) -> Option<Download> {
    let step = sf.step;
    if let Some(uses) = &step.uses {
        let UsesTarget::Repo(_) = &uses.target else {
            return None;
        };
        let action = step.action()?;
        let path = step
            .with_value("path")
            .map(|p| normalise(&p.text))
            .unwrap_or_default();
        match action.as_str() {
            "actions/download-artifact"
                if step
                    .with_value("run-id")
                    .is_some_and(|v| mentions_triggering_run(&v.text)) =>
            {
                return Some(Download {
                    span: uses.raw.span.clone(),
                    what: "actions/download-artifact of the triggering run".into(),
                    dir: path,
                    action: true,
                    zipped: false,
                });
            }
            "dawidd6/action-download-artifact" => {
                let trusted = step.with_value("event").is_some_and(|e| {
                    TRUSTED_EVENTS.contains(&e.text.trim().to_ascii_lowercase().as_str())
                });
                if trusted {
                    return None;
                }
                return Some(Download {
                    span: uses.raw.span.clone(),
                    what: "dawidd6/action-download-artifact".into(),
                    dir: path,
                    action: true,
                    zipped: false,
                });
            }
            // The REST API's artifact download: a zip that a later step extracts.
            "actions/github-script"
                if step.with_value("script").is_some_and(|v| {
                    v.text.contains("downloadArtifact") && mentions_triggering_run(&v.text)
                }) =>
            {
                return Some(Download {
                    span: uses.raw.span.clone(),
                    what: "a github-script `downloadArtifact` of the triggering run".into(),
                    dir: String::new(),
                    action: false,
                    zipped: true,
                });
            }
            _ => return None,
        }
    }
    let run = step.run?;
    let script = step.script.as_ref()?;
    for cmd in &script.commands {
        if cmd.program_name() != Some("gh")
            || cmd.non_flag_args().get(..2) != Some(&["run", "download"][..])
        {
            continue;
        }
        let raw = &text[run.content.start + cmd.span.start..run.content.start + cmd.span.end];
        if !(mentions_triggering_run(raw) || env_in_job(wf, step, cmd)) {
            continue;
        }
        let args = cmd.arg_values();
        let dir = args
            .iter()
            .position(|a| *a == "-D" || *a == "--dir")
            .and_then(|i| args.get(i + 1))
            .map(|d| normalise(d))
            .or_else(|| {
                args.iter()
                    .find_map(|a| a.strip_prefix("--dir=").map(normalise))
            })
            .or_else(|| step.working_directory.map(|w| normalise(&w.text)))
            .unwrap_or_default();
        return Some(Download {
            span: run.content.start + cmd.span.start..run.content.start + cmd.span.end,
            what: "`gh run download` of the triggering run".into(),
            dir,
            action: false,
            zipped: false,
        });
    }
    None
}

/// A variable of the command set from `github.event.workflow_run` in the job's `env:`.
fn env_in_job(wf: &Workflow, step: &Step, cmd: &Command) -> bool {
    let job = wf
        .jobs
        .iter()
        .find(|j| j.steps.iter().any(|s| std::ptr::eq(s, step)));
    cmd.vars().any(|v| {
        job.into_iter()
            .flat_map(|j| j.env.iter())
            .chain(step.env.iter())
            .chain(wf.env.iter())
            .any(|kv| {
                kv.name == v.name && kv.value.is_some_and(|x| mentions_triggering_run(&x.text))
            })
    })
}

/// Whether a shell word names a file inside `dir` (`dir` not the root).
fn inside(word: &str, dir: &str) -> bool {
    let w = normalise(word);
    !dir.is_empty() && (w == dir || w.starts_with(&format!("{dir}/")))
}

const INTERPRETERS: &[&str] = &[
    "bash", "sh", "zsh", "python", "python3", "node", "ruby", "perl", "pwsh", "deno", "bun",
];
const RUNNER_FILES: &[&str] = &["GITHUB_ENV", "GITHUB_OUTPUT", "GITHUB_PATH"];

/// What a command does with the files under `dir`: runs, sources or reads them into the
/// runner's files.
fn uses_files(text: &str, base: usize, cmd: &Command, dir: &str) -> Option<String> {
    let program = cmd.program()?;
    let args = cmd.arg_values();
    if inside(program, dir) {
        return Some(format!("runs `{program}` from the artifact"));
    }
    if matches!(program, "source" | ".") && args.first().is_some_and(|a| inside(a, dir)) {
        return Some(format!("sources `{}` from the artifact", args[0]));
    }
    if INTERPRETERS.contains(&cmd.program_name().unwrap_or(""))
        && args
            .iter()
            .find(|a| !a.starts_with('-'))
            .is_some_and(|a| inside(a, dir))
    {
        return Some(format!("runs a script from the artifact with `{program}`"));
    }
    let target = cmd.redirects.iter().find_map(|r| {
        let t = r.target.as_ref()?;
        r.op.starts_with('>')
            .then(|| RUNNER_FILES.iter().find(|f| t.value.contains(*f)))
            .flatten()
    })?;
    let raw = &text[base + cmd.span.start..base + cmd.span.end];
    let reads = raw
        .split(|c: char| c.is_whitespace() || matches!(c, '(' | ')' | '"' | '\'' | '<' | '`'))
        .any(|w| inside(w, dir));
    reads.then(|| format!("writes contents of the artifact to `${target}`"))
}

pub fn check(ctx: &Ctx, wf: &Workflow, facts: &WorkflowFacts, out: &mut Vec<Finding>) {
    if !PRIVILEGED.iter().any(|e| wf.has_event(e)) {
        return;
    }
    let text = ctx.doc.text;
    for jf in &facts.jobs {
        if jf.job.is_none() {
            continue;
        }
        for (i, sf) in jf.steps.iter().enumerate() {
            if !sf.events.iter().any(|e| PRIVILEGED.contains(&e.as_str())) {
                continue;
            }
            let Some(dl) = download(text, sf, wf) else {
                continue;
            };
            let later = &jf.steps[i + 1..];
            if dl.zipped {
                check_unzips(text, &dl, later, out);
                continue;
            }
            if dl.dir.is_empty() {
                let mut f = Finding::new(
                    ID,
                    dl.span.clone(),
                    format!(
                        "{} extracts files a pull request controls into the workspace root, over the checkout that later steps use",
                        dl.what
                    ),
                );
                for l in later {
                    if let Some(code) = runs_repository_code(text, l.step) {
                        f = f.related(code.span, format!("runs {} from the workspace", code.what));
                    }
                }
                let reads_later = later.iter().any(|l| {
                    l.step.run.is_some()
                        || matches!(
                            l.step.uses.as_ref().map(|u| &u.target),
                            Some(UsesTarget::Local(_))
                        )
                        || l.step.action().as_deref() == Some("actions/github-script")
                });
                if dl.action && !reads_later && sf.step.with_value("path").is_none() {
                    if let Some(edit) = add_step_entries(
                        text,
                        wf,
                        sf.step,
                        "with",
                        &[("path".into(), "${{ runner.temp }}/artifacts".into())],
                    ) {
                        f = f.fix(Fix {
                            title: "Extract into `${{ runner.temp }}/artifacts`".into(),
                            edits: vec![edit],
                        });
                    }
                } else {
                    f = f.note(
                        "No automatic fix: later steps read the downloaded files where they are \
                         now. Extract into `${{ runner.temp }}/artifacts` (the `path:` input, \
                         or `gh run download -D`) and read them from there as data.",
                    );
                }
                out.push(f);
                continue;
            }
            check_uses(text, &dl, &dl.dir, later, out);
        }
    }
}

/// Later commands that run, source or read into the runner's files what is under `dir`.
fn check_uses(text: &str, dl: &Download, dir: &str, later: &[StepFacts], out: &mut Vec<Finding>) {
    for l in later {
        let (Some(run), Some(script)) = (l.step.run, l.step.script.as_ref()) else {
            continue;
        };
        let base = run.content.start;
        for cmd in &script.commands {
            if let Some(what) = uses_files(text, base, cmd, dir) {
                out.push(
                    Finding::new(
                        ID,
                        base + cmd.span.start..base + cmd.span.end,
                        format!(
                            "a privileged job {what}: its files come from the triggering pull request run"
                        ),
                    )
                    .related(dl.span.clone(), format!("downloaded by {}", dl.what)),
                );
            }
        }
    }
}

/// After a zipped download: each later `unzip` into the workspace root is a finding (with the
/// steps after it that run workspace code); one into a folder makes that folder the artifact's.
fn check_unzips(text: &str, dl: &Download, later: &[StepFacts], out: &mut Vec<Finding>) {
    for (k, l) in later.iter().enumerate() {
        let (Some(run), Some(script)) = (l.step.run, l.step.script.as_ref()) else {
            continue;
        };
        let base = run.content.start;
        for cmd in &script.commands {
            if cmd.program_name() != Some("unzip") {
                continue;
            }
            let args = cmd.arg_values();
            let dir = args
                .iter()
                .position(|a| *a == "-d")
                .and_then(|i| args.get(i + 1))
                .map(|d| normalise(d))
                .or_else(|| l.step.working_directory.map(|w| normalise(&w.text)))
                .unwrap_or_default();
            if dir.is_empty() {
                let mut f = Finding::new(
                    ID,
                    base + cmd.span.start..base + cmd.span.end,
                    "`unzip` extracts the triggering run's artifact into the workspace root, over the checkout that later steps use",
                )
                .related(dl.span.clone(), format!("downloaded by {}", dl.what));
                for after in &later[k + 1..] {
                    if let Some(code) = runs_repository_code(text, after.step) {
                        f = f.related(code.span, format!("runs {} from the workspace", code.what));
                    }
                }
                out.push(f);
            } else {
                check_uses(text, dl, &dir, &later[k..], out);
            }
        }
    }
}
