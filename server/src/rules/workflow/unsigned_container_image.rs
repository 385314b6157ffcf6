//! `unsigned-container-image`: a workflow pushes a container image and never signs or attests it.

use crate::engine::Ctx;
use crate::finding::Finding;
use crate::model::job_facts::{Act, JobFacts, WorkflowFacts};
use crate::model::workflow::Workflow;

const ID: &str = "unsigned-container-image";

/// An image signature or a registry-pushed attestation anywhere in the workflow.
fn signs_images(text: &str, facts: &WorkflowFacts) -> bool {
    facts.jobs.iter().any(|jf| {
        jf.steps.iter().any(|sf| {
            sf.activities.iter().any(|a| match a.act {
                Act::Sign => !text[a.span.clone()].contains("sign-blob"),
                Act::Attest { push_to_registry } => push_to_registry,
                _ => false,
            })
        })
    })
}

/// goreleaser in a job that logged in to a registry builds and pushes its `dockers:`; with
/// cosign installed it signs them through its own `docker_signs:`.
fn goreleaser_pushes(jf: &JobFacts) -> Option<(usize, bool)> {
    let login = jf
        .steps
        .iter()
        .any(|s| s.has(|a| matches!(a, Act::RegistryLogin)));
    let cosign = jf
        .steps
        .iter()
        .any(|s| s.has(|a| matches!(a, Act::CosignInstall)));
    let idx = jf.steps.iter().position(|s| {
        s.step
            .action()
            .is_some_and(|a| a == "goreleaser/goreleaser-action")
            && s.has(|a| matches!(a, Act::ReleaseUpload))
    })?;
    login.then_some((idx, cosign))
}

/// A push to a throw-away local registry (tests) is not a release.
fn local_registry(s: &str) -> bool {
    let s = s.to_ascii_lowercase();
    s.contains("localhost:") || s.contains("127.0.0.1:")
}

pub fn check(ctx: &Ctx, wf: &Workflow, facts: &WorkflowFacts, out: &mut Vec<Finding>) {
    let text = ctx.doc.text;
    // Most workflows push no image: look for a push before looking for signatures.
    let pushes = facts.jobs.iter().any(|jf| {
        jf.steps.iter().any(|sf| {
            sf.has(|a| {
                matches!(
                    a,
                    Act::ContainerPush | Act::ContainerPushIf(_) | Act::ReleaseUpload
                )
            })
        })
    });
    if !pushes
        || signs_images(text, facts)
        || super::producers::workflow_produces(wf, facts, super::producers::Product::Signature)
    {
        return;
    }
    for jf in &facts.jobs {
        for sf in &jf.steps {
            for a in &sf.activities {
                if !matches!(a.act, Act::ContainerPush | Act::ContainerPushIf(_)) {
                    continue;
                }
                let target = match sf.step.action() {
                    Some(_) => sf
                        .step
                        .with_value("tags")
                        .map(|t| t.text.clone())
                        .unwrap_or_default(),
                    None => text[a.span.clone()].to_string(),
                };
                if local_registry(&target) {
                    continue;
                }
                let mut f = Finding::new(
                    ID,
                    a.span.clone(),
                    format!(
                        "`{}` pushes a container image that is never signed or attested",
                        short(&text[a.span.clone()])
                    ),
                );
                // BuildKit's own attestations are attached but not signed.
                if ["provenance", "sbom", "attests"]
                    .iter()
                    .any(|k| sf.step.with_value(k).is_some())
                {
                    f = f.note(
                        "The provenance and SBOM attestations BuildKit attaches to the image are \
                         not signed: anyone who can push to the repository can replace them. \
                         Sign the image (cosign) or push a signed attestation \
                         (actions/attest-build-provenance with `push-to-registry: true`).",
                    );
                }
                out.push(f);
            }
        }
        if let Some((idx, false)) = goreleaser_pushes(jf) {
            let sf = &jf.steps[idx];
            if let Some(a) = sf
                .activities
                .iter()
                .find(|a| matches!(a.act, Act::ReleaseUpload))
            {
                out.push(Finding::new(
                    ID,
                    a.span.clone(),
                    "goreleaser publishes after a registry login (its `dockers:`) and no image is signed",
                ));
            }
        }
    }
}

/// The first line of a command, shortened for a message.
fn short(s: &str) -> String {
    let line = s.lines().next().unwrap_or("").trim();
    if line.chars().count() > 60 {
        format!("{}…", line.chars().take(60).collect::<String>())
    } else {
        line.to_string()
    }
}
