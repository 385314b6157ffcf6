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
    for uses in wf.all_uses() {
        check_uses(ctx, uses, out);
    }
    // A docker action's `runs.image: docker://…` is pulled like a `docker://` step.
    if let Some(image) = wf.runs.as_ref().and_then(|r| r.image.as_ref()) {
        let v = &image.value;
        if let Some(name) = v.text.trim().strip_prefix("docker://") {
            if !name.contains("@sha256:") && !name.is_empty() {
                out.push(
                    Finding::new(ID, v.span.clone(), format!("docker://{name} is not pinned to a digest"))
                        .note("Pin the image with `@sha256:<digest>` (`docker buildx imagetools inspect <image>` prints it)."),
                );
            }
        }
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
                "{why}; enable online resolution (`--online`, `CHAINWARDEN_ONLINE=1`, or `online = true` in your user config) or pin the commit by hand."
            ));
        }
    }
    out.push(f);
}

#[cfg(test)]
mod tests {
    use crate::config::Config;
    use crate::engine::{analyze_text, Document};
    use crate::fix::apply_edits;
    use crate::kind::FileKind;
    use crate::workspace::Facts;
    use std::path::Path;

    fn findings(text: &str, config: &Config) -> Vec<crate::finding::Finding> {
        let doc = Document {
            path: Path::new(".github/workflows/ci.yml"),
            kind: FileKind::Workflow,
            text,
        };
        analyze_text(&doc, &Facts::default(), config)
            .into_iter()
            .filter(|f| f.rule == super::ID)
            .collect()
    }

    #[test]
    fn span_is_exactly_the_ref_after_non_ascii_text() {
        let text = "on: push\npermissions: {}\njobs:\n  a:\n    runs-on: x\n    steps:\n      - name: Überprüfung ✓ 日本語 🚀\n        uses: actions/checkout@v4\n        with: {persist-credentials: false}\n";
        let f = findings(text, &Config::default());
        assert_eq!(f.len(), 1);
        assert_eq!(&text[f[0].span.clone()], "v4");
        assert_eq!(
            f[0].message,
            "actions/checkout@v4 is not pinned to a commit"
        );
        let pin = crate::resolve::tags::lookup("actions/checkout", "v4").unwrap();
        assert!(f[0].note.as_deref().unwrap().contains(&pin.sha));
        let fixed = apply_edits(text, &f[0].fixes[0].edits).unwrap();
        assert!(fixed.contains(&format!(
            "uses: actions/checkout@{} # {}\n",
            pin.sha, pin.version
        )));
        assert!(findings(&fixed, &Config::default()).is_empty());
    }

    #[test]
    fn unknown_refs_get_a_note_and_no_fix() {
        let text = "on: push\njobs:\n  a:\n    steps:\n      - uses: actions/checkout@some-branch\n      - uses: nobody/nothing@v1\n";
        let f = findings(text, &Config::default());
        assert_eq!(f.len(), 2);
        assert!(f
            .iter()
            .all(|f| f.fixes.is_empty() && f.note.as_deref().unwrap().contains("online")));
    }

    #[test]
    fn trusted_owners_and_slsa_generator() {
        let text = "on: push\njobs:\n  a:\n    steps:\n      - uses: actions/checkout@v4\n  b:\n    uses: slsa-framework/slsa-github-generator/.github/workflows/generator_generic_slsa3.yml@v2.1.0\n  c:\n    uses: slsa-framework/slsa-github-generator/.github/workflows/generator_generic_slsa3.yml@main\n";
        let config = Config {
            trusted_owners: vec!["actions".into()],
            ..Config::default()
        };
        let f = findings(text, &config);
        assert_eq!(f.len(), 1);
        assert!(
            f[0].message.contains("exact vX.Y.Z tag"),
            "{}",
            f[0].message
        );
    }
}
