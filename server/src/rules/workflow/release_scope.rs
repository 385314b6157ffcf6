//! What the release-integrity rules (`release-without-provenance`, `missing-sbom`,
//! `unsigned-container-image`) share: is this a release workflow, what does it publish, and
//! does anything in it produce provenance, an SBOM or a signature. Built on the step
//! activities of [`crate::model::job_facts`].

use crate::finding::Span;
use crate::model::job_facts::{Act, JobFacts, StepFacts, WorkflowFacts};
use crate::model::workflow::{Step, UsesTarget, Workflow};
use crate::syntax::shell;
use crate::syntax::yaml::YNode;
use crate::workspace::Facts;

/// The trigger that makes a workflow a release workflow: `release`, or `push` with a `tags`
/// filter. `tag_gated` is true for a `push` with no filters at all, where only jobs or steps
/// whose `if:` tests for a tag ref count.
pub struct ReleaseTrigger {
    pub span: Span,
    pub tag_gated: bool,
}

pub fn release_trigger(wf: &Workflow) -> Option<ReleaseTrigger> {
    if let Some(e) = wf.event("release") {
        return Some(ReleaseTrigger {
            span: e.span.clone(),
            tag_gated: false,
        });
    }
    let push = wf.event("push")?;
    if push.has_filter("tags") {
        let span = push
            .config
            .as_ref()
            .and_then(|c| c.pair("tags"))
            .map(|p| p.key_span.clone())
            .unwrap_or(push.span.clone());
        return Some(ReleaseTrigger {
            span,
            tag_gated: false,
        });
    }
    let branch_only = push.has_filter("branches") || push.has_filter("branches-ignore");
    (!branch_only).then(|| ReleaseTrigger {
        span: push.span.clone(),
        tag_gated: true,
    })
}

/// An `if:` that runs only for tag refs.
fn tests_for_tag(cond: Option<&str>) -> bool {
    cond.is_some_and(|c| {
        let c = c.to_ascii_lowercase().replace(' ', "");
        c.contains("refs/tags") || c.contains("ref_type=='tag'")
    })
}

/// A publishing activity of a release.
pub struct Publish {
    pub span: Span,
    pub what: String,
}

/// Steps that publish something consumers download, in a workflow that releases.
pub fn release_publishes(
    text: &str,
    facts: &WorkflowFacts,
    trigger: &ReleaseTrigger,
) -> Vec<Publish> {
    let mut out = Vec::new();
    for jf in &facts.jobs {
        let Some(job) = jf.job else { continue };
        for sf in &jf.steps {
            let runs_on_release = sf.events.iter().any(|e| e == "push" || e == "release");
            if !runs_on_release {
                continue;
            }
            if trigger.tag_gated
                && !tests_for_tag(job.if_cond.as_ref().map(|c| c.text.as_str()))
                && !tests_for_tag(sf.step.if_cond.as_ref().map(|c| c.text.as_str()))
            {
                continue;
            }
            let publish = sf.activities.iter().find_map(|a| {
                let what = match &a.act {
                    Act::NpmPublish { what, .. } => what.clone(),
                    Act::ContainerPush | Act::ContainerPushIf(_) => "a container image push".into(),
                    Act::PypiPublish => "a PyPI upload".into(),
                    Act::ReleaseUpload if uploads_assets(text, sf.step, &a.span) => {
                        "release assets".into()
                    }
                    _ => return None,
                };
                Some((a.span.clone(), what))
            });
            if let Some((span, what)) = publish {
                out.push(Publish { span, what });
            }
        }
    }
    out
}

/// Whether a release step attaches files (a release with only notes publishes nothing to sign).
pub(super) fn uploads_assets(text: &str, step: &Step, span: &Span) -> bool {
    let Some(action) = step.action() else {
        return run_uploads_assets(&text[span.clone()]);
    };
    let has = |k: &str| {
        step.with_value(k).is_some_and(|v| {
            let files: Vec<&str> = v
                .text
                .split(['\n', ','])
                .map(str::trim)
                .filter(|f| !f.is_empty())
                .collect();
            !files.is_empty() && !files.iter().all(|f| is_sbom_file(f))
        })
    };
    match action.as_str() {
        "softprops/action-gh-release" => has("files"),
        "ncipollo/release-action" => has("artifacts"),
        "actions/create-release" => false,
        "actions/upload-release-asset" => step
            .with_value("asset_path")
            .is_none_or(|p| !is_sbom_file(&p.text)),
        _ => true,
    }
}

/// `gh release upload …`, or `gh release create <tag> <files…>`.
fn run_uploads_assets(command: &str) -> bool {
    let script = shell::parse(command);
    let Some(cmd) = script.commands.first() else {
        return true;
    };
    let args: Vec<&str> = cmd.args().iter().map(|w| w.value.as_str()).collect();
    if args.get(1) == Some(&"upload") {
        // `gh release upload <tag> <files…>`: only SBOMs is publishing the SBOM itself.
        let files: Vec<&&str> = args[2..]
            .iter()
            .filter(|a| !a.starts_with('-'))
            .skip(1)
            .collect();
        return files.is_empty() || !files.iter().all(|f| is_sbom_file(f));
    }
    if args.get(1) != Some(&"create") {
        return true;
    }
    // Flags that take a value.
    const VALUED: &[&str] = &[
        "-n",
        "--notes",
        "-t",
        "--title",
        "--target",
        "-F",
        "--notes-file",
        "-R",
        "--repo",
        "--discussion-category",
        "--notes-start-tag",
    ];
    let mut positional = 0;
    let mut skip = false;
    for a in &args[2..] {
        if skip {
            skip = false;
        } else if VALUED.contains(a) {
            skip = true;
        } else if !a.starts_with('-') {
            positional += 1;
        }
    }
    positional > 1
}

/// A file name that is an SBOM (`sbom.zip`, `app.spdx.json`, `bom.cdx.json`).
fn is_sbom_file(f: &str) -> bool {
    let f = f.to_ascii_lowercase();
    f.contains("sbom") || f.contains(".spdx") || f.contains(".cdx") || f.contains("cyclonedx")
}

/// Whether anything in the workflow produces build provenance.
pub fn produces_provenance(repo: &Facts, wf: &Workflow, facts: &WorkflowFacts) -> bool {
    let slsa_call = wf.jobs.iter().any(|j| {
        j.uses.as_ref().is_some_and(|u| {
            matches!(&u.target, UsesTarget::Repo(r)
                if r.slug().eq_ignore_ascii_case("slsa-framework/slsa-github-generator"))
        })
    });
    slsa_call
        || super::producers::workflow_produces(wf, facts, super::producers::Product::Provenance)
        || facts.jobs.iter().any(|jf| {
            jf.steps.iter().any(|sf| {
                sf.activities.iter().any(|a| match &a.act {
                    Act::Attest { .. } => true,
                    Act::NpmPublish { .. } => {
                        provenance_requested_by(repo, wf, jf, sf, &a.act).is_some()
                            || npm_trusted_publishing(jf, sf)
                    }
                    Act::PypiPublish => pypi_trusted_publishing(jf, sf.step),
                    _ => false,
                })
            })
        })
}

/// What makes an npm publish ask npm for provenance, if anything: `--provenance`,
/// `NPM_CONFIG_PROVENANCE=true` in the step's environment, or `publishConfig.provenance` in the
/// repository's package.json when the publish is of the package at the repository root (no
/// working directory, no `cd`).
pub fn provenance_requested_by(
    repo: &Facts,
    wf: &Workflow,
    jf: &JobFacts,
    sf: &StepFacts,
    publish: &Act,
) -> Option<&'static str> {
    let Act::NpmPublish {
        provenance,
        publishes_cwd_package,
        what,
    } = publish
    else {
        return None;
    };
    if *provenance {
        Some(if what.starts_with("JS-DevTools") {
            "its `provenance` input"
        } else {
            "`--provenance`"
        })
    } else if env_is_true(sf, jf, wf, "NPM_CONFIG_PROVENANCE") {
        Some("`NPM_CONFIG_PROVENANCE=true`")
    } else if repo.package_publish_provenance
        && *publishes_cwd_package
        && runs_in_repository_root(wf, jf, sf.step)
    {
        Some("package.json's `publishConfig.provenance`")
    } else {
        None
    }
}

/// No `working-directory` (step, job or workflow `defaults.run`) and no `cd`/`pushd` in the
/// script: the step's commands run in the checkout's root.
pub(crate) fn runs_in_repository_root(wf: &Workflow, jf: &JobFacts, step: &Step) -> bool {
    let default_dir = |node: Option<&YNode>| {
        node.and_then(|n| n.get("defaults"))
            .and_then(|d| d.get("run"))
            .and_then(|r| r.get("working-directory"))
            .is_some()
    };
    let changes_dir = step.script.as_ref().is_some_and(|script| {
        script
            .commands
            .iter()
            .any(|c| matches!(c.program_name(), Some("cd" | "pushd")))
    });
    step.working_directory.is_none()
        && !default_dir(jf.job.and_then(|j| j.node))
        && !default_dir(wf.yaml.root.as_ref())
        && !changes_dir
}

fn env_is_true(sf: &StepFacts, jf: &JobFacts, wf: &Workflow, name: &str) -> bool {
    sf.env_value(jf.job, wf, name).is_some_and(|v| {
        v.trim()
            .trim_matches(['"', '\''])
            .eq_ignore_ascii_case("true")
    })
}

/// npm trusted publishing: an OIDC token and no long-lived npm token anywhere in the job
/// (npm then attaches provenance on its own).
fn npm_trusted_publishing(jf: &JobFacts, sf: &StepFacts) -> bool {
    let token_env = ["NODE_AUTH_TOKEN", "NPM_TOKEN", "NPM_AUTH_TOKEN"]
        .iter()
        .any(|n| sf.env_secret(n).is_some());
    let token_elsewhere = jf
        .steps
        .iter()
        .any(|s| s.has(|a| matches!(a, Act::NpmTokenInput | Act::NpmrcAuthWrite)));
    jf.id_token && !token_env && !token_elsewhere
}

/// pypa/gh-action-pypi-publish with an OIDC token and no password uploads attestations.
fn pypi_trusted_publishing(jf: &JobFacts, step: &Step) -> bool {
    step.action()
        .is_some_and(|a| a == "pypa/gh-action-pypi-publish")
        && jf.id_token
        && step.with_value("password").is_none()
        && step
            .with_value("attestations")
            .is_none_or(|v| v.text.trim() != "false")
}

/// Whether anything in the workflow produces an SBOM.
pub fn produces_sbom(wf: &Workflow, facts: &WorkflowFacts) -> bool {
    super::producers::workflow_produces(wf, facts, super::producers::Product::Sbom)
        || facts
            .jobs
            .iter()
            .any(|jf| jf.steps.iter().any(|sf| sf.has(|a| matches!(a, Act::Sbom))))
}
