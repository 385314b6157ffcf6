//! `unpinned-dependency`: ranges, dist-tags, and git/URL sources without a commit hash.
//! The fix pins to what the lockfile resolved, when that is consistent with the range.

use super::spec::{classify, satisfies, Spec};
use crate::engine::Ctx;
use crate::finding::{Edit, Finding, Fix, Severity};
use crate::model::package::{Dependency, PackageManifest};

pub fn check(ctx: &Ctx, manifest: &PackageManifest, out: &mut Vec<Finding>) {
    for dep in &manifest.dependencies {
        if let Some(f) = finding(ctx, dep) {
            out.push(f);
        }
    }
}

fn finding(ctx: &Ctx, dep: &Dependency) -> Option<Finding> {
    let name = &dep.name;
    // An alias (`npm:real@spec`) is judged by its inner spec and fixed inside it.
    let (spec_text, alias_target) = match classify(&dep.version) {
        Spec::Alias { target, spec } => (spec, Some(target)),
        _ => (dep.version.as_str(), None),
    };
    let spec = if alias_target.is_some() && spec_text.trim().is_empty() {
        Spec::Tag
    } else {
        classify(spec_text)
    };
    let shown = if dep.version.is_empty() {
        "\"\""
    } else {
        dep.version.as_str()
    };
    let lock = ctx.facts.lockfile.as_ref();
    let span = dep.version_span.clone();
    match spec {
        Spec::Exact | Spec::Local | Spec::Alias { .. } => None,
        Spec::Git { commit: true } | Spec::Url { commit: true } => None,
        Spec::Range | Spec::Tag => {
            let message = if spec == Spec::Tag {
                let tag = if spec_text.trim().is_empty() {
                    "latest"
                } else {
                    spec_text.trim()
                };
                format!("{name} follows the dist-tag `{tag}`, not an exact version")
            } else {
                format!("{name} {shown} is a version range, not an exact version")
            };
            let mut f = Finding::new("unpinned-dependency", span.clone(), message);
            let Some(lock) = lock else { return Some(f) };
            let Some(resolved) = lock.resolved(name, &dep.version).map(str::to_string) else {
                return Some(f.note(format!(
                    "{} has no entry for {name}; install, then pin.",
                    lock.file_name
                )));
            };
            let consistent = spec == Spec::Tag || satisfies(&resolved, spec_text) == Some(true);
            if !consistent {
                return Some(f.note(format!(
                    "{} resolved {name} to {resolved}, which is outside {spec_text}: the lockfile is stale, so no pin is offered.",
                    lock.file_name
                )));
            }
            if dep.version_is_plain {
                let new_text = match alias_target {
                    Some(target) => format!("npm:{target}@{resolved}"),
                    None => resolved.clone(),
                };
                f = f
                    .fix(Fix {
                        title: format!("Pin {name} to {resolved} (from {})", lock.file_name),
                        edits: vec![Edit::replace(span, new_text)],
                    })
                    .note(format!("{} resolved {name} to {resolved}.", lock.file_name));
            }
            Some(f)
        }
        Spec::Git { commit: false } | Spec::Url { commit: false } => {
            let source = if matches!(spec, Spec::Git { .. }) {
                "git"
            } else {
                "a URL"
            };
            let mut f = Finding::new(
                "unpinned-dependency",
                span.clone(),
                format!("{name} is fetched from {source} without a commit hash"),
            )
            .severity(Severity::Medium);
            let commit = lock.and_then(|l| l.commits.get(name).map(|c| (l, c)));
            if let (Some((lock, commit)), Spec::Git { .. }, true) =
                (commit, &spec, dep.version_is_plain)
            {
                let base = dep.version.split('#').next().unwrap_or(&dep.version);
                f = f.fix(Fix {
                    title: format!(
                        "Pin {name} to commit {} (from {})",
                        &commit[..12],
                        lock.file_name
                    ),
                    edits: vec![Edit::replace(span, format!("{base}#{commit}"))],
                });
            }
            Some(f)
        }
    }
}
