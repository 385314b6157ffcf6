//! `forbidden-action`: a `uses:` that the `[policy]` of chainwarden.toml does not allow.

use crate::config::PolicyViolation;
use crate::engine::Ctx;
use crate::finding::Finding;
use crate::model::workflow::{Uses, UsesTarget, Workflow};

pub fn check(ctx: &Ctx, wf: &Workflow, out: &mut Vec<Finding>) {
    let policy = &ctx.config.policy;
    if policy.is_empty() {
        return;
    }
    for uses in wf.all_uses() {
        let Uses {
            raw,
            target: UsesTarget::Repo(r),
            ..
        } = uses
        else {
            continue;
        };
        let action = r.action();
        let Some(violation) = policy.violation(&action) else {
            continue;
        };
        let why = match violation {
            PolicyViolation::Denied(p) => format!("matches `{p}` in the policy's `deny` list"),
            PolicyViolation::NotAllowed => "matches no pattern of the policy's `allow` list".into(),
        };
        out.push(Finding::new(
            "forbidden-action",
            r.action_span.clone().unwrap_or(raw.span.clone()),
            format!("`{action}` is forbidden by this repository's policy: it {why}"),
        ));
    }
}
