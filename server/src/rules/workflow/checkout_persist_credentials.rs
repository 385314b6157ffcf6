//! `checkout-persist-credentials`: actions/checkout leaves the token in `.git/config`.

use crate::engine::Ctx;
use crate::finding::{Finding, Fix, Severity};
use crate::fix::safety::credential_push;
use crate::fix::step_map::add_step_entries;
use crate::model::workflow::{Step, Workflow};

const ID: &str = "checkout-persist-credentials";

/// Shown when a later step pushes with the checkout's credentials (no fix then).
const PUSH_NOTE: &str = "No automatic fix: a later step of this job pushes with the credentials \
     actions/checkout persisted, and `persist-credentials: false` would make that push fail. \
     Give the push its own token instead, then turn persistence off: set \
     `persist-credentials: false` and push with `git push \
     \"https://x-access-token:${GITHUB_TOKEN}@github.com/${GITHUB_REPOSITORY}.git\" HEAD` \
     (with `GITHUB_TOKEN: ${{ github.token }}` in that step's `env:`), or pass the action's \
     token input (`github_token:` of ad-m/github-push-action).";

/// Steps that ship the checkout's `.git/` off the runner: an artifact or cache whose path is
/// the workspace root (or `.git` itself).
fn uploads_workspace(step: &Step) -> bool {
    let ships = step.action().is_some_and(|a| {
        matches!(
            a.as_str(),
            "actions/upload-artifact"
                | "actions/upload-pages-artifact"
                | "actions/cache"
                | "actions/cache/save"
        )
    });
    ships
        && step.with_value("path").is_some_and(|p| {
            p.text.lines().map(str::trim).any(|path| {
                let path = path.trim_end_matches('/');
                matches!(
                    path,
                    "." | "./*"
                        | "./**"
                        | "*"
                        | "**"
                        | "${{ github.workspace }}"
                        | "$GITHUB_WORKSPACE"
                ) || path.ends_with(".git")
                    || path.contains(".git/")
            })
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
        // A later push with these credentials would fail without them (SPEC §7.9): keep the
        // finding, offer no fix, and say how to push with an explicit token instead.
        let push = steps
            .iter()
            .position(|s| std::ptr::eq(s, step))
            .and_then(|i| credential_push(text, steps, i, ctx.facts));
        if let Some((push_span, label)) = &push {
            f = f
                .related(
                    push_span.clone(),
                    format!("`{label}` pushes with the persisted credentials"),
                )
                .note(PUSH_NOTE);
        }
        if setting.is_none() && push.is_none() {
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

#[cfg(test)]
mod tests {
    use crate::config::Config;
    use crate::engine::{analyze_text, Document};
    use crate::finding::Severity;
    use crate::kind::FileKind;
    use crate::workspace::Facts;
    use std::path::Path;

    fn severities(text: &str) -> Vec<Severity> {
        let doc = Document {
            path: Path::new(".github/workflows/ci.yml"),
            kind: FileKind::Workflow,
            text,
        };
        analyze_text(&doc, &Facts::default(), &Config::default())
            .into_iter()
            .filter(|f| f.rule == super::ID)
            .map(|f| f.severity)
            .collect()
    }

    const HEAD: &str = "on: push\npermissions: {}\njobs:\n  b:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683 # v4.2.2\n";

    #[test]
    fn medium_only_when_the_workspace_root_is_shipped() {
        let upload = |path: &str| {
            format!("{HEAD}      - uses: actions/upload-artifact@ea165f8d65b6e75b540449e92b4886f43607fa02 # v4.6.2\n        with:\n          name: x\n          path: {path}\n")
        };
        assert_eq!(severities(&upload(".")), [Severity::Medium]);
        assert_eq!(
            severities(&upload("${{ github.workspace }}")),
            [Severity::Medium]
        );
        assert_eq!(severities(&upload("dist/")), [Severity::Low]);
        let cache = format!("{HEAD}      - uses: actions/cache@5a3ec84eff668545956fd18022155c47e93e2684 # v4.2.3\n        with:\n          path: ~/.npm\n          key: k\n");
        assert_eq!(severities(&cache), [Severity::Low]);
        assert_eq!(severities(HEAD), [Severity::Low]);
    }
}
