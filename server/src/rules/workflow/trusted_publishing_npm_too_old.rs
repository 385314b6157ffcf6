//! `trusted-publishing-npm-too-old`: an OIDC (token-less) npm publish on a Node.js whose bundled
//! npm cannot do trusted publishing (needs npm ≥ 11.5.1, bundled from Node 22.14), with no npm
//! upgrade before the publish.

use crate::engine::Ctx;
use crate::finding::{Edit, Finding, Fix};
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
                let mut f = Finding::new(
                    "trusted-publishing-npm-too-old",
                    old.scalar.span.clone(),
                    format!(
                        "Node {} ships an npm older than 11.5.1, which cannot publish with OIDC (`{what}` will fail)",
                        old.shown
                    ),
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

/// An old Node version set up before step `before` (no npm upgrade in between).
pub struct OldNode {
    pub scalar: Scalar,
    pub shown: String,
    /// The version is a literal that can be bumped in place.
    pub literal: bool,
}

pub fn old_node_before(wf: &Workflow, jf: &JobFacts, before: usize) -> Option<OldNode> {
    let mut found: Option<OldNode> = None;
    for sf in jf.steps.iter().take(before + 1) {
        for a in &sf.activities {
            match &a.act {
                Act::SetupNode(NodeVersion::Literal(s)) => {
                    found = is_old(&s.text).then(|| OldNode {
                        scalar: s.clone(),
                        shown: s.text.trim().to_string(),
                        literal: true,
                    });
                }
                Act::SetupNode(NodeVersion::Expression(s)) => {
                    let values = matrix_values(wf, jf, &s.text);
                    found =
                        (!values.is_empty() && values.iter().any(|v| is_old(v))).then(|| OldNode {
                            scalar: s.clone(),
                            shown: values.join("/"),
                            literal: false,
                        });
                }
                Act::SetupNode(_) => found = None,
                Act::NpmUpgrade(spec) if npm_spec_ok(spec) => found = None,
                _ => {}
            }
        }
    }
    found
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

/// Node versions below 22.14 (`20`, `18.x`, `v20.11.0`, `^20`, `22.12`); aliases and newer
/// versions are not old.
pub fn is_old(version: &str) -> bool {
    let v = version
        .trim()
        .trim_start_matches(['v', '^', '~', '='])
        .trim();
    let mut parts = v.split('.');
    let Some(Ok(major)) = parts.next().map(str::parse::<u32>) else {
        return false;
    };
    let minor = parts.next().and_then(|m| m.parse::<u32>().ok());
    major < 22 || (major == 22 && minor.is_some_and(|m| m < 14))
}

/// `npm@latest`, `npm@11.5.1`, `npm@^11.6`, `npm@12` are new enough.
fn npm_spec_ok(spec: &str) -> bool {
    let s = spec.trim().trim_start_matches(['^', '~', '>', '=']);
    if s == "latest" || s.is_empty() {
        return true;
    }
    let mut parts = s.split('.');
    let major = parts.next().and_then(|m| m.parse::<u32>().ok());
    let minor = parts.next().and_then(|m| m.parse::<u32>().ok());
    match major {
        Some(m) if m > 11 => true,
        Some(11) => minor.is_none_or(|n| n >= 5),
        _ => false,
    }
}

/// Bump a literal `node-version` to 22 (keeping its quotes), or add an npm upgrade step right
/// before the publishing step. `None` when nothing needs to change or no edit is safe.
pub fn upgrade_edits(
    text: &str,
    wf: &Workflow,
    jf: &JobFacts,
    publish: usize,
) -> Option<Vec<Edit>> {
    let old = old_node_before(wf, jf, publish)?;
    if old.literal {
        return Some(vec![Edit::replace(old.scalar.content.clone(), "22")]);
    }
    let step = jf.steps.get(publish)?.step;
    let line_start = text[..step.span.start].rfind('\n').map_or(0, |i| i + 1);
    let prefix = &text[line_start..step.span.start];
    let dash = prefix.find('-')?;
    if !prefix[..dash].chars().all(|c| c == ' ') || !prefix[dash + 1..].chars().all(|c| c == ' ') {
        return None;
    }
    Some(vec![Edit::insert(
        line_start,
        format!("{prefix}run: npm install -g npm@^11.5.1{}", wf.line_ending),
    )])
}

fn upgrade_fix(text: &str, wf: &Workflow, jf: &JobFacts, publish: usize) -> Option<Fix> {
    let old = old_node_before(wf, jf, publish)?;
    let title = if old.literal {
        "Set node-version to 22".to_string()
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
    fn versions() {
        for old in ["20", "18.x", "v20.11.0", "^20", "22.12", "22.13.1", "16"] {
            assert!(is_old(old), "{old}");
        }
        for new in [
            "22", "22.x", "22.14.0", "24", "lts/*", "latest", "node", ">=18",
        ] {
            assert!(!is_old(new), "{new}");
        }
        assert!(npm_spec_ok("latest") && npm_spec_ok("^11.5.1") && npm_spec_ok("11"));
        assert!(!npm_spec_ok("10") && !npm_spec_ok("11.4.0"));
    }
}
