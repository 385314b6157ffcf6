//! Adding an entry to a job's `env:` mapping (used when a fix moves a workflow-level variable
//! down to the jobs that still read it).

use crate::finding::Edit;
use crate::model::workflow::{column_of, end_of_line, Job, Workflow};
use crate::syntax::yaml::YKind;

/// One edit that adds the line `name: value` (value as written, already YAML) to `job`'s
/// `env:`: appended to an existing block mapping, or as a new `env:` block right before the
/// job's `steps:`. `None` when that cannot be done safely (flow style, no `steps:`).
pub fn add_job_env(text: &str, wf: &Workflow, job: &Job, name: &str, value: &str) -> Option<Edit> {
    let eol = wf.line_ending;
    let node = job.node?;
    if !matches!(node.kind, YKind::Map(_)) || text[node.span.clone()].starts_with('{') {
        return None;
    }
    match node.pair("env") {
        Some(pair) => {
            let value_node = pair.value.as_ref()?;
            let YKind::Map(pairs) = &value_node.kind else {
                return None;
            };
            if text[value_node.span.clone()].starts_with('{') || value_node.anchor.is_some() {
                return None;
            }
            let first = pairs.first()?;
            let last = pairs.last()?;
            let last_content = {
                let s = &text[last.span.clone()];
                last.span.start + s.trim_end().len().saturating_sub(1)
            };
            let at = end_of_line(text, last_content);
            let indent = column_of(text, first.key_span.start);
            let lead = if at == text.len() && !text.ends_with('\n') {
                eol
            } else {
                ""
            };
            Some(Edit::insert(
                at,
                format!("{lead}{}{name}: {value}{eol}", " ".repeat(indent)),
            ))
        }
        None => {
            let steps = job.steps_key.as_ref()?;
            let body_indent = job.body_indent?;
            if column_of(text, steps.start) != body_indent {
                return None;
            }
            let line_start = steps.start - body_indent;
            let pad = " ".repeat(body_indent);
            let inner = " ".repeat(body_indent + wf.indent_unit.max(1));
            Some(Edit::insert(
                line_start,
                format!("{pad}env:{eol}{inner}{name}: {value}{eol}"),
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fix::apply_edits;
    use crate::model::workflow::WorkflowKind;

    fn add(t: &str) -> Option<String> {
        let wf = Workflow::parse(WorkflowKind::Workflow, t);
        let e = add_job_env(t, &wf, &wf.jobs[0], "A", "${{ secrets.A }}")?;
        Some(apply_edits(t, &[e]).unwrap())
    }

    #[test]
    fn creates_or_extends_the_block() {
        assert_eq!(
            add("jobs:\n  j:\n    runs-on: x\n    steps:\n      - run: a\n").unwrap(),
            "jobs:\n  j:\n    runs-on: x\n    env:\n      A: ${{ secrets.A }}\n    steps:\n      - run: a\n"
        );
        assert_eq!(
            add("jobs:\n  j:\n    env:\n      B: 1 # b\n    steps:\n      - run: a\n").unwrap(),
            "jobs:\n  j:\n    env:\n      B: 1 # b\n      A: ${{ secrets.A }}\n    steps:\n      - run: a\n"
        );
        assert_eq!(add("jobs:\n  j: {steps: [{run: a}]}\n"), None);
    }
}
