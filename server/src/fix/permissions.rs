//! Editing a job's `permissions:` block: raise or add scopes, or create the block.
//!
//! A job-level block replaces the workflow-level one, so a new block starts from the scopes the
//! job already had (the workflow's block) plus what is asked. No edit is offered when that
//! cannot be written exactly (`read-all`/expressions, flow-style jobs).

use crate::finding::Edit;
use crate::model::job_facts::JobFacts;
use crate::model::workflow::{
    column_of, end_of_line, EffectivePermissions, Job, Level, PermissionsValue, Workflow,
};
use crate::rules::workflow::token_needs::{job_needs, JobNeeds};
use crate::workspace::Facts;

/// Edits that give `job` at least the `wanted` levels. `None` when no safe edit exists; an empty
/// vector when the job already has them.
pub fn ensure_job_scopes(
    text: &str,
    wf: &Workflow,
    job: &Job,
    wanted: &[(&str, Level)],
) -> Option<Vec<Edit>> {
    let eol = wf.line_ending;
    match job.effective_permissions(wf) {
        EffectivePermissions::Job(p) => match &p.value {
            PermissionsValue::WriteAll => Some(vec![]),
            PermissionsValue::Scopes(scopes) if scopes.is_empty() => {
                // `permissions: {}` → a flow map with the wanted scopes.
                let span = p.value_span.clone()?;
                let body: Vec<String> = wanted
                    .iter()
                    .map(|(s, l)| format!("{s}: {}", l.as_str()))
                    .collect();
                Some(vec![Edit::replace(
                    span,
                    format!("{{ {} }}", body.join(", ")),
                )])
            }
            PermissionsValue::Scopes(scopes) => {
                let value_span = p.value_span.clone()?;
                let flow = text[value_span.clone()].trim_start().starts_with('{');
                let mut edits = Vec::new();
                let mut missing = Vec::new();
                for (scope, level) in wanted {
                    match scopes.iter().find(|s| s.scope == *scope) {
                        Some(s) if s.level.is_some_and(|l| l >= *level) => {}
                        Some(s) => edits.push(Edit::replace(s.level_span.clone()?, level.as_str())),
                        None => missing.push((*scope, *level)),
                    }
                }
                if missing.is_empty() {
                    return Some(edits);
                }
                if flow {
                    let close = value_span.start + text[value_span.clone()].rfind('}')?;
                    let before = text[..close].trim_end();
                    let sep = if before.ends_with(',') { " " } else { ", " };
                    let add: Vec<String> = missing
                        .iter()
                        .map(|(s, l)| format!("{s}: {}", l.as_str()))
                        .collect();
                    edits.push(Edit::insert(
                        before.len(),
                        format!("{sep}{}", add.join(", ")),
                    ));
                    return Some(edits);
                }
                let last = scopes.iter().max_by_key(|s| s.span.end)?;
                let indent = column_of(text, scopes.first()?.scope_span.start);
                let at = end_of_line(text, last.span.end.saturating_sub(1).max(last.span.start));
                let lead = if at == text.len() && !text.ends_with('\n') {
                    eol
                } else {
                    ""
                };
                let lines: String = missing
                    .iter()
                    .map(|(s, l)| format!("{}{s}: {}{eol}", " ".repeat(indent), l.as_str()))
                    .collect();
                edits.push(Edit::insert(at, format!("{lead}{lines}")));
                Some(edits)
            }
            _ => None,
        },
        inherited => {
            // Start from what the job had through the workflow block.
            let mut scopes: Vec<(String, Level)> = match inherited {
                EffectivePermissions::Workflow(p) => match &p.value {
                    PermissionsValue::Scopes(s) => s
                        .iter()
                        .map(|s| Some((s.scope.clone(), s.level?)))
                        .collect::<Option<Vec<_>>>()?,
                    _ => return None,
                },
                _ => vec![],
            };
            for (scope, level) in wanted {
                match scopes.iter_mut().find(|(s, _)| s == scope) {
                    Some((_, l)) if *l >= *level => {}
                    Some((_, l)) => *l = *level,
                    None => scopes.push((scope.to_string(), *level)),
                }
            }
            let body_indent = job.body_indent?;
            let unit = wf.indent_unit.max(1);
            // Before `steps:` when there is one, else before the job's first key.
            let anchor = job.steps_key.as_ref().map(|s| s.start).or_else(|| {
                job.node
                    .as_ref()
                    .and_then(|n| n.as_map())
                    .and_then(|m| m.first())
                    .map(|p| p.key_span.start)
            })?;
            if column_of(text, anchor) != body_indent {
                return None;
            }
            let line_start = anchor - body_indent;
            let pad = " ".repeat(body_indent);
            let inner = " ".repeat(body_indent + unit);
            let mut block = format!("{pad}permissions:{eol}");
            for (s, l) in &scopes {
                block.push_str(&format!("{inner}{s}: {}{eol}", l.as_str()));
            }
            Some(vec![Edit::insert(line_start, block)])
        }
    }
}

/// The scopes to ask of [`ensure_job_scopes`]: `wanted`, plus — when the job runs on the
/// repository's default token, so that a new block would take every other scope away —
/// `contents: read` and what its steps need (from the token-needs table). `None` when those
/// needs cannot be told: a new block could then break the job.
pub fn scopes_for_new_block(
    wf: &Workflow,
    jf: &JobFacts,
    wanted: &[(&str, Level)],
    facts: &Facts,
) -> Option<Vec<(String, Level)>> {
    let mut out: Vec<(String, Level)> = wanted.iter().map(|(s, l)| (s.to_string(), *l)).collect();
    let Some(job) = jf.job else { return Some(out) };
    if !matches!(
        job.effective_permissions(wf),
        EffectivePermissions::DefaultToken
    ) {
        return Some(out);
    }
    let JobNeeds::Known(needs) = job_needs(wf, job, facts) else {
        return None;
    };
    let mut add = |scope: &str, level: Level| match out.iter_mut().find(|(s, _)| s == scope) {
        Some((_, l)) if *l >= level => {}
        Some((_, l)) => *l = level,
        None => out.push((scope.to_string(), level)),
    };
    add("contents", Level::Read);
    for (scope, (level, _)) in needs {
        add(&scope, level);
    }
    Some(out)
}

/// [`scopes_for_new_block`] as the borrowed pairs [`ensure_job_scopes`] takes.
pub fn as_pairs(scopes: &[(String, Level)]) -> Vec<(&str, Level)> {
    scopes.iter().map(|(s, l)| (s.as_str(), *l)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fix::apply_edits;
    use crate::model::workflow::WorkflowKind;

    fn fixed(text: &str) -> Option<String> {
        let wf = Workflow::parse(WorkflowKind::Workflow, text);
        let edits = ensure_job_scopes(
            text,
            &wf,
            &wf.jobs[0],
            &[("contents", Level::Read), ("id-token", Level::Write)],
        )?;
        Some(apply_edits(text, &edits).unwrap())
    }

    #[test]
    fn creates_a_job_block_before_steps() {
        let t = "on: push\njobs:\n  publish:\n    runs-on: ubuntu-latest\n    steps:\n      - run: npm publish\n";
        assert_eq!(
            fixed(t).unwrap(),
            "on: push\njobs:\n  publish:\n    runs-on: ubuntu-latest\n    permissions:\n      contents: read\n      id-token: write\n    steps:\n      - run: npm publish\n"
        );
    }

    #[test]
    fn copies_workflow_scopes_into_a_new_job_block() {
        let t = "on: push\npermissions:\n  contents: write\njobs:\n  p:\n    runs-on: x\n    steps:\n      - run: a\n";
        let out = fixed(t).unwrap();
        assert!(
            out.contains(
                "    permissions:\n      contents: write\n      id-token: write\n    steps:"
            ),
            "{out}"
        );
    }

    #[test]
    fn merges_into_existing_block_keeping_comments() {
        let t = "on: push\njobs:\n  p:\n    permissions:\n      contents: read # checkout\n      id-token: read\n    steps:\n      - run: a\n";
        let out = fixed(t).unwrap();
        assert!(
            out.contains("      contents: read # checkout\n      id-token: write\n"),
            "{out}"
        );
        let t = "on: push\njobs:\n  p:\n    permissions:\n      packages: write\n    steps:\n      - run: a\n";
        let out = fixed(t).unwrap();
        assert!(
            out.contains(
                "      packages: write\n      contents: read\n      id-token: write\n    steps"
            ),
            "{out}"
        );
    }

    #[test]
    fn flow_maps_and_unsafe_cases() {
        let t = "on: push\njobs:\n  p:\n    permissions: { contents: read }\n    steps:\n      - run: a\n";
        assert!(fixed(t)
            .unwrap()
            .contains("{ contents: read, id-token: write }"));
        let t = "on: push\njobs:\n  p:\n    permissions: read-all\n    steps:\n      - run: a\n";
        assert!(fixed(t).is_none());
    }
}
