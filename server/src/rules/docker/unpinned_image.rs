//! unpinned-image (Dockerfile `FROM`, compose `image:`): an image without an `@sha256:` digest.
//! The workflow part (`container:`, `services.*.image`) lives with the workflow rules.

use crate::engine::Ctx;
use crate::finding::{Finding, Severity};
use crate::model::compose::Compose;
use crate::model::dockerfile::DockerModel;
use crate::syntax::shell;

pub const ID: &str = "unpinned-image";

/// The reference carries a content digest.
pub fn is_digest_pinned(image: &str) -> bool {
    image.contains("@sha256:")
}

/// Built only from variables (`${BASE}`, `$REGISTRY/$IMAGE:$TAG`): the pin belongs where the
/// variable is set.
pub fn is_only_variables(image: &str) -> bool {
    let refs = shell::variable_refs(image);
    if refs.is_empty() {
        return false;
    }
    let mut rest = String::new();
    let mut last = 0;
    for r in &refs {
        rest.push_str(&image[last..r.span.start]);
        last = r.span.end;
    }
    rest.push_str(&image[last..]);
    !rest.chars().any(|c| c.is_alphanumeric())
}

/// How to find the digest for this reference.
fn digest_hint(image: &str) -> String {
    format!(
        "Look the digest up with `docker buildx imagetools inspect {image}` and write \
         `{image}@sha256:<digest>` (keep the tag so people and update bots can read it)."
    )
}

/// `binary-${OS}` → `binary-*`.
fn variables_as_wildcards(image: &str) -> String {
    let mut out = String::new();
    let mut last = 0;
    for r in shell::variable_refs(image) {
        out.push_str(&image[last..r.span.start]);
        out.push('*');
        last = r.span.end;
    }
    out.push_str(&image[last..]);
    out
}

pub fn check_dockerfile(_ctx: &Ctx, m: &DockerModel, out: &mut Vec<Finding>) {
    for (si, stage) in m.stages.iter().enumerate() {
        let Some(image) = &stage.image else { continue };
        let v = image.value.as_str();
        let earlier = m.stage_names_before(si);
        if v.eq_ignore_ascii_case("scratch")
            || is_digest_pinned(v)
            || earlier.contains(&v.to_ascii_lowercase())
        {
            continue;
        }
        // `FROM binary-$TARGETOS`: a variable choosing between earlier stages.
        let pattern = variables_as_wildcards(&v.to_ascii_lowercase());
        if pattern.contains('*') && earlier.iter().any(|n| super::glob_matches(&pattern, n)) {
            continue;
        }
        if is_only_variables(v) {
            // `FROM ${BASE}` with `ARG BASE=…@sha256:…` (or an earlier stage) is pinned.
            let refs = shell::variable_refs(v);
            let defaults: Vec<Option<String>> = refs
                .iter()
                .map(|r| m.global_arg(&r.name).and_then(|a| a.kv.value.clone()))
                .collect();
            let pinned_default = refs.len() == 1
                && defaults[0].as_deref().is_some_and(|d| {
                    is_digest_pinned(d)
                        || d.eq_ignore_ascii_case("scratch")
                        || m.stage_names_before(si).contains(&d.to_ascii_lowercase())
                });
            if pinned_default {
                continue;
            }
            out.push(
                Finding::new(
                    ID,
                    image.span.clone(),
                    format!(
                        "Base image {v} comes from build arguments and is not pinned to a digest"
                    ),
                )
                .severity(Severity::Low),
            );
            continue;
        }
        out.push(
            Finding::new(
                ID,
                image.span.clone(),
                format!("Base image {v} is not pinned to a digest"),
            )
            .note(digest_hint(v)),
        );
    }
}

pub fn check_compose(_ctx: &Ctx, compose: &Compose, out: &mut Vec<Finding>) {
    for svc in &compose.services {
        let Some(image) = &svc.image else { continue };
        let v = image.text.trim();
        // With `build:` the image name is the tag compose gives to what it builds.
        if v.is_empty() || svc.build.is_some() || is_digest_pinned(v) {
            continue;
        }
        let span = if image.content.is_empty() {
            image.span.clone()
        } else {
            image.content.clone()
        };
        let f = Finding::new(
            ID,
            span,
            format!(
                "Image {v} of service {} is not pinned to a digest",
                svc.name
            ),
        )
        .note(digest_hint(v));
        out.push(if is_only_variables(v) {
            f.severity(Severity::Low)
        } else {
            f
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn variable_only_images() {
        assert!(is_only_variables("${BASE}"));
        assert!(is_only_variables("$REGISTRY/${IMAGE}:${TAG}"));
        assert!(!is_only_variables("node:${NODE_VERSION}"));
        assert!(!is_only_variables("node:20"));
        assert!(is_digest_pinned("node:20@sha256:abc"));
    }
}
