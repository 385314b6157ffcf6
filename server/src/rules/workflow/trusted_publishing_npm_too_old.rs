//! `trusted-publishing-npm-too-old`: an OIDC (token-less) npm publish on a Node.js that cannot
//! do trusted publishing (SPEC §7.9: it needs Node ≥ 22.14 *and* npm ≥ 11.5.1). Node older than
//! 22.14 always fires; Node 22.x/23.x (npm 10) and 24.0–24.4 (an older npm 11) fire unless the
//! job upgrades npm before the publish.

use crate::engine::Ctx;
use crate::finding::{Edit, Finding, Fix};
use crate::fix::safety::{node_npm, npm_spec_ok, NodeNpm};
use crate::model::job_facts::{Act, JobFacts, NodeVersion, WorkflowFacts};
use crate::model::workflow::Workflow;
use crate::syntax::yaml::Scalar;

use super::npm_token_publish::npm_token_sources;

pub fn check(ctx: &Ctx, wf: &Workflow, facts: &WorkflowFacts, out: &mut Vec<Finding>) {
    for jf in &facts.jobs {
        if !jf.id_token {
            continue;
        }
        for (i, sf) in jf.steps.iter().enumerate() {
            for a in &sf.activities {
                let Act::NpmPublish { what, .. } = &a.act else {
                    continue;
                };
                if !uses_npm_cli(what) || !npm_token_sources(ctx.doc.text, wf, jf, i).is_empty() {
                    continue;
                }
                let Some(old) = old_node_before(wf, jf, i) else {
                    continue;
                };
                let message = if old.status == NodeNpm::NodeTooOld {
                    format!(
                        "Node {} is older than 22.14, which npm trusted publishing needs (`{what}` will fail)",
                        old.shown
                    )
                } else {
                    format!(
                        "Node {} ships an npm older than 11.5.1, which cannot publish with OIDC (`{what}` will fail; upgrade npm first)",
                        old.shown
                    )
                };
                let mut f = Finding::new(
                    "trusted-publishing-npm-too-old",
                    old.scalar.span.clone(),
                    message,
                )
                .related(a.span.clone(), "the OIDC publish");
                if let Some(fix) = upgrade_fix(ctx.doc.text, wf, jf, i) {
                    f = f.fix(fix);
                }
                out.push(f);
            }
        }
    }
}

/// Publishers that run the npm CLI (and so need npm ≥ 11.5.1 for OIDC).
fn uses_npm_cli(what: &str) -> bool {
    matches!(
        what,
        "npm publish" | "changeset publish" | "semantic-release" | "changesets/action publish"
    )
}

/// A Node.js set up before the publish that cannot do trusted publishing as it is.
pub struct OldNode {
    pub scalar: Scalar,
    pub shown: String,
    /// The version is a literal that can be bumped in place.
    pub literal: bool,
    /// [`NodeNpm::NodeTooOld`] or [`NodeNpm::NpmTooOld`].
    pub status: NodeNpm,
}

/// The worst of several resolutions (a matrix), `Unknown` when any is unknown.
fn worst(statuses: &[NodeNpm]) -> NodeNpm {
    if statuses.is_empty() || statuses.contains(&NodeNpm::Unknown) {
        NodeNpm::Unknown
    } else if statuses.contains(&NodeNpm::NodeTooOld) {
        NodeNpm::NodeTooOld
    } else if statuses.contains(&NodeNpm::NpmTooOld) {
        NodeNpm::NpmTooOld
    } else {
        NodeNpm::Ok
    }
}

/// The Node.js in effect at step `before` of the job, as far as the workflow tells.
enum NodeAt {
    /// No actions/setup-node before the step: the runner's own Node.
    Runner,
    /// `node-version-file`, no version, or an expression whose values are not listed.
    Unknown,
    Known {
        scalar: Scalar,
        shown: String,
        literal: bool,
        status: NodeNpm,
        /// npm was upgraded to ≥ 11.5.1 after this setup-node.
        npm_upgraded: bool,
    },
}

fn node_at(wf: &Workflow, jf: &JobFacts, before: usize) -> NodeAt {
    let mut at = NodeAt::Runner;
    for sf in jf.steps.iter().take(before + 1) {
        for a in &sf.activities {
            match &a.act {
                Act::SetupNode(NodeVersion::Literal(s)) => {
                    at = NodeAt::Known {
                        scalar: s.clone(),
                        shown: s.text.trim().to_string(),
                        literal: true,
                        status: node_npm(&s.text),
                        npm_upgraded: false,
                    };
                }
                Act::SetupNode(NodeVersion::Expression(s)) => {
                    let values = matrix_values(wf, jf, &s.text);
                    let status = worst(&values.iter().map(|v| node_npm(v)).collect::<Vec<_>>());
                    at = if status == NodeNpm::Unknown {
                        NodeAt::Unknown
                    } else {
                        NodeAt::Known {
                            scalar: s.clone(),
                            shown: values.join("/"),
                            literal: false,
                            status,
                            npm_upgraded: false,
                        }
                    };
                }
                Act::SetupNode(_) => at = NodeAt::Unknown,
                Act::NpmUpgrade(spec) if npm_spec_ok(spec) => match &mut at {
                    NodeAt::Known { npm_upgraded, .. } => *npm_upgraded = true,
                    NodeAt::Runner | NodeAt::Unknown => {}
                },
                _ => {}
            }
        }
    }
    at
}

/// A Node.js set up before step `before` (no npm upgrade in between where one suffices) with
/// which trusted publishing fails: Node older than 22.14, or a Node whose bundled npm is older
/// than 11.5.1 (22.x, 23.x, 24.0–24.4).
pub fn old_node_before(wf: &Workflow, jf: &JobFacts, before: usize) -> Option<OldNode> {
    let NodeAt::Known {
        scalar,
        shown,
        literal,
        status,
        npm_upgraded,
    } = node_at(wf, jf, before)
    else {
        return None;
    };
    let fails = match status {
        NodeNpm::NodeTooOld => true,
        NodeNpm::NpmTooOld => !npm_upgraded,
        NodeNpm::Ok | NodeNpm::Unknown => false,
    };
    fails.then_some(OldNode {
        scalar,
        shown,
        literal,
        status,
    })
}

/// `${{ matrix.node }}` → the values of `strategy.matrix.node` (empty when not a plain list).
fn matrix_values(_wf: &Workflow, jf: &JobFacts, expr: &str) -> Vec<String> {
    let inner = expr
        .trim()
        .trim_start_matches("${{")
        .trim_end_matches("}}")
        .trim();
    let Some(key) = inner.strip_prefix("matrix.") else {
        return vec![];
    };
    let Some(node) = jf.job.and_then(|j| j.node.as_ref()) else {
        return vec![];
    };
    node.get("strategy")
        .and_then(|s| s.get("matrix"))
        .and_then(|m| m.get(key))
        .map(|v| v.scalars().iter().map(|s| s.text.clone()).collect())
        .unwrap_or_default()
}

/// An `npm install -g npm@^11.5.1` step inserted right before step `publish` (same indent).
fn npm_upgrade_step(text: &str, wf: &Workflow, jf: &JobFacts, publish: usize) -> Option<Edit> {
    let step = jf.steps.get(publish)?.step;
    let line_start = text[..step.span.start].rfind('\n').map_or(0, |i| i + 1);
    let prefix = &text[line_start..step.span.start];
    let dash = prefix.find('-')?;
    if !prefix[..dash].chars().all(|c| c == ' ') || !prefix[dash + 1..].chars().all(|c| c == ' ') {
        return None;
    }
    Some(Edit::insert(
        line_start,
        format!("{prefix}run: npm install -g npm@^11.5.1{}", wf.line_ending),
    ))
}

/// Edits that make an old Node.js able to publish with OIDC: a literal older than 22.14 is set
/// to `24` (keeping its quotes; Node 24.5+ bundles npm ≥ 11.5.1), a Node whose npm alone is too
/// old gets an npm upgrade step right before the publishing step. `None` when nothing needs to
/// change or no edit is safe (an old Node from a matrix).
pub fn upgrade_edits(
    text: &str,
    wf: &Workflow,
    jf: &JobFacts,
    publish: usize,
) -> Option<Vec<Edit>> {
    let old = old_node_before(wf, jf, publish)?;
    match (old.status, old.literal) {
        (NodeNpm::NodeTooOld, true) => Some(vec![Edit::replace(old.scalar.content.clone(), "24")]),
        (NodeNpm::NpmTooOld, _) => Some(vec![npm_upgrade_step(text, wf, jf, publish)?]),
        _ => None,
    }
}

/// What the trusted-publishing migration must add so that the publish in step `publish` runs
/// on Node ≥ 22.14 with npm ≥ 11.5.1 (SPEC §7.9): the edits (maybe none), or why that cannot
/// be ensured.
pub fn ensure_trusted_publishing_node(
    text: &str,
    wf: &Workflow,
    jf: &JobFacts,
    publish: usize,
) -> Result<Vec<Edit>, String> {
    match node_at(wf, jf, publish) {
        NodeAt::Runner => Err(
            "the job sets up no Node.js (actions/setup-node), so it cannot be \
             told that the publish runs on Node 22.14+ with npm 11.5.1+"
                .into(),
        ),
        NodeAt::Unknown => Err(
            "the job's Node.js version cannot be read (a version file or an \
             expression), so it cannot be told that the publish runs on Node 22.14+ with npm \
             11.5.1+"
                .into(),
        ),
        NodeAt::Known { .. } => match old_node_before(wf, jf, publish) {
            None => Ok(vec![]),
            Some(old) => upgrade_edits(text, wf, jf, publish).ok_or_else(|| {
                format!(
                    "Node {} (from a matrix) is older than 22.14, which trusted publishing needs",
                    old.shown
                )
            }),
        },
    }
}

fn upgrade_fix(text: &str, wf: &Workflow, jf: &JobFacts, publish: usize) -> Option<Fix> {
    let old = old_node_before(wf, jf, publish)?;
    let title = if old.status == NodeNpm::NodeTooOld {
        "Set node-version to 24 (bundles npm 11.5.1+)".to_string()
    } else {
        "Upgrade npm to 11.5.1+ before publishing".to_string()
    };
    Some(Fix {
        title,
        edits: upgrade_edits(text, wf, jf, publish)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matrix_worst() {
        use NodeNpm::*;
        assert_eq!(worst(&[Ok, NpmTooOld]), NpmTooOld);
        assert_eq!(worst(&[Ok, NodeTooOld, NpmTooOld]), NodeTooOld);
        assert_eq!(worst(&[Ok, Unknown]), Unknown);
        assert_eq!(worst(&[]), Unknown);
    }
}
