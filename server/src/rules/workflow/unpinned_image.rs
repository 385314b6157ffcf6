//! `unpinned-image` (workflow part): job `container:` and `services.*.image` without a digest.
//! The Dockerfile and compose parts live in `rules/docker/`.

use crate::engine::Ctx;
use crate::finding::Finding;
use crate::model::workflow::{Image, Workflow};

const ID: &str = "unpinned-image";

pub fn check(_ctx: &Ctx, wf: &Workflow, out: &mut Vec<Finding>) {
    for job in &wf.jobs {
        if let Some(image) = &job.container {
            report(image, &format!("job `{}` container", job.id), out);
        }
        for service in &job.services {
            if let Some(image) = &service.image {
                report(image, &format!("service `{}`", service.name), out);
            }
        }
    }
}

fn report(image: &Image, what: &str, out: &mut Vec<Finding>) {
    let name = image.value.text.trim();
    // Digests are immutable; an image chosen by an expression cannot be judged here.
    if name.contains("@sha256:") || name.contains("${{") || name.is_empty() {
        return;
    }
    out.push(Finding::new(
        ID,
        image.value.span.clone(),
        format!("{what} image {name} is not pinned to a digest"),
    ));
}
