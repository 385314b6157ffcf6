//! `unpinned-ci-actions`: `uses:` refs that are not full commit SHAs (and `docker://` images
//! without a digest).

use crate::engine::Ctx;
use crate::finding::{Edit, Finding, Fix};
use crate::fix::pin::pin_fix;
use crate::model::workflow::{RepoRef, Uses, UsesTarget, Workflow};
use crate::resolve::{self, tags};

const ID: &str = "unpinned-ci-actions";

/// Reusable workflows of this repository (`.github/workflows/…`) must be called by an exact
/// `vX.Y.Z` tag.
const SLSA_GENERATOR: &str = "slsa-framework/slsa-github-generator";

pub fn check(ctx: &Ctx, wf: &Workflow, out: &mut Vec<Finding>) {
    let job_uses = wf.jobs.iter().filter_map(|j| j.uses.as_ref());
    let step_uses = wf.all_steps().filter_map(|(_, s)| s.uses.as_ref());
    for uses in job_uses.chain(step_uses) {
        check_uses(ctx, uses, out);
    }
}

fn check_uses(ctx: &Ctx, uses: &Uses, out: &mut Vec<Finding>) {
    match &uses.target {
        UsesTarget::Local(_) => {}
        UsesTarget::Docker(d) => {
            if d.digest.is_none() && !d.image.trim().is_empty() {
                let span = d.span.clone().unwrap_or_else(|| uses.raw.span.clone());
                out.push(Finding::new(
                    ID,
                    span,
                    format!("docker://{} is not pinned to a digest", d.image),
                ).note("Pin the image with `@sha256:<digest>` (`docker buildx imagetools inspect <image>` prints it)."));
            }
        }
        UsesTarget::Repo(r) => check_repo(ctx, uses, r, out),
    }
}

fn check_repo(ctx: &Ctx, uses: &Uses, r: &RepoRef, out: &mut Vec<Finding>) {
    let Some(git_ref) = r.git_ref.as_deref() else {
        return;
    };
    if r.owner.is_empty() || r.repo.is_empty() || git_ref.is_empty() || r.is_sha_pinned() {
        return;
    }
    let owner = r.owner.to_ascii_lowercase();
    if ctx.config.trusted_owners.contains(&owner) {
        return;
    }
    let span = r.ref_span.clone().unwrap_or_else(|| uses.raw.span.clone());
    let action = r.action();
    let slsa_workflow = r.slug().eq_ignore_ascii_case(SLSA_GENERATOR)
        && r.path
            .as_deref()
            .is_some_and(|p| p.starts_with(".github/workflows/"));
    if slsa_workflow {
        if tags::is_exact_version(git_ref) {
            return;
        }
        let mut f = Finding::new(
            ID,
            span,
            format!("{action}@{git_ref} must be referenced by an exact vX.Y.Z tag"),
        )
        .note("slsa-github-generator is verified by the tag it is called with: use an exact release tag, never a SHA.");
        let exact = resolve::resolve(ctx.facts, &r.slug(), git_ref)
            .map(|p| p.version)
            .filter(|v| tags::is_exact_version(v));
        if let (Some(v), Some(ref_span)) = (exact, r.ref_span.clone()) {
            f = f.fix(Fix {
                title: format!("Use {action}@{v}"),
                edits: vec![Edit::replace(ref_span, v)],
            });
        }
        out.push(f);
        return;
    }
    let mut f = Finding::new(
        ID,
        span,
        format!("{action}@{git_ref} is not pinned to a commit"),
    );
    match resolve::resolve(ctx.facts, &r.slug(), git_ref) {
        Some(pin) => {
            f = f.note(format!("Pins to `{}` ({}).", pin.sha, pin.version));
            if let Some(fix) = pin_fix(ctx.doc.text, uses, r, &pin) {
                f = f.fix(fix);
            }
        }
        None => {
            let why = if tags::knows_repo(&r.slug()) {
                format!(
                    "`{git_ref}` is not a tag in the built-in table for {}",
                    r.slug()
                )
            } else {
                format!("{} is not in the built-in tag table", r.slug())
            };
            f = f.note(format!(
                "{why}; enable online resolution (`[resolve] online = true`) or pin the commit by hand."
            ));
        }
    }
    out.push(f);
}
