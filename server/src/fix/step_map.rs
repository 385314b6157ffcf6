//! Adding `key: value` entries under a step's `with:` / `env:` mapping, keeping the file's
//! indentation and line endings.

use crate::finding::Edit;
use crate::model::workflow::{column_of, end_of_line, Step, Workflow};
use crate::syntax::yaml::YKind;
use std::ops::Range;

/// Offset of the last non-blank byte of `span` (the span itself may end on a later line).
fn last_content(text: &str, span: &Range<usize>) -> usize {
    let s = &text[span.clone()];
    span.start + s.trim_end().len().saturating_sub(1)
}

/// Whether a value can be written as a plain YAML scalar without changing its meaning.
fn plain_ok(v: &str) -> bool {
    let first = v.chars().next();
    !v.is_empty()
        && !matches!(
            first,
            Some(
                '-' | '?'
                    | ':'
                    | ','
                    | '['
                    | ']'
                    | '{'
                    | '}'
                    | '#'
                    | '&'
                    | '*'
                    | '!'
                    | '|'
                    | '>'
                    | '\''
                    | '"'
                    | '%'
                    | '@'
                    | '`'
                    | ' '
            )
        )
        && !v.contains(": ")
        && !v.contains(" #")
        && !v.ends_with(':')
        && !v.ends_with(' ')
        && !v.contains('\n')
}

/// A value as YAML: plain when safe, else single-quoted.
pub fn yaml_value(v: &str) -> String {
    if plain_ok(v) {
        v.to_string()
    } else {
        format!("'{}'", v.replace('\'', "''"))
    }
}

/// One edit that adds `entries` (already formatted values) under the step's `key:`:
/// appended to an existing block mapping, or as a new `key:` block after the step's last line.
/// `None` when that cannot be done safely (flow-style step or mapping, empty or aliased value).
pub fn add_step_entries(
    text: &str,
    wf: &Workflow,
    step: &Step,
    key: &str,
    entries: &[(String, String)],
) -> Option<Edit> {
    let eol = wf.line_ending;
    let step_indent = step.body_indent?;
    if text[step.node.span.clone()].starts_with('{') || !matches!(step.node.kind, YKind::Map(_)) {
        return None;
    }
    let (at, indent, header) = match step.node.pair(key) {
        Some(pair) => {
            let value = pair.value.as_ref()?;
            let YKind::Map(pairs) = &value.kind else {
                return None;
            };
            let first = pairs.first()?;
            if text[value.span.clone()].starts_with('{') || value.anchor.is_some() {
                return None;
            }
            let last = pairs.last()?;
            let at = end_of_line(text, last_content(text, &last.span));
            (at, column_of(text, first.key_span.start), String::new())
        }
        None => {
            let at = end_of_line(text, last_content(text, &step.node.span));
            let indent = step_indent + wf.indent_unit;
            (
                at,
                indent,
                format!("{}{key}:{eol}", " ".repeat(step_indent)),
            )
        }
    };
    let mut new_text = String::new();
    if at == text.len() && !text.ends_with('\n') {
        new_text.push_str(eol);
    }
    new_text.push_str(&header);
    for (name, value) in entries {
        new_text.push_str(&format!("{}{name}: {value}{eol}", " ".repeat(indent)));
    }
    Some(Edit::insert(at, new_text))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fix::apply_edits;
    use crate::model::workflow::WorkflowKind;

    fn add(text: &str, key: &str) -> Option<String> {
        let wf = Workflow::parse(WorkflowKind::Workflow, text);
        let step = &wf.jobs[0].steps[0];
        let e = add_step_entries(text, &wf, step, key, &[("A".into(), "b".into())])?;
        Some(apply_edits(text, &[e]).unwrap())
    }

    #[test]
    fn extends_or_creates_blocks() {
        let t = "jobs:\n  j:\n    steps:\n      - run: |\n          echo hi\n\n      - run: x\n";
        assert_eq!(
            add(t, "env").unwrap(),
            "jobs:\n  j:\n    steps:\n      - run: |\n          echo hi\n        env:\n          A: b\n\n      - run: x\n"
        );
        let t = "jobs:\n  j:\n    steps:\n    - uses: a/b@v1\n      with:\n          x: 1 # c\n";
        assert_eq!(
            add(t, "with").unwrap(),
            "jobs:\n  j:\n    steps:\n    - uses: a/b@v1\n      with:\n          x: 1 # c\n          A: b\n"
        );
        let t = "jobs:\n  j:\n    steps:\n      - uses: a/b@v1\n        with: {x: 1}\n";
        assert_eq!(add(t, "with"), None);
        let t = "jobs:\n  j:\n    steps:\n      - uses: a/b@v1";
        assert_eq!(
            add(t, "with").unwrap(),
            "jobs:\n  j:\n    steps:\n      - uses: a/b@v1\n        with:\n          A: b\n"
        );
    }

    #[test]
    fn quotes_values_only_when_needed() {
        assert_eq!(
            yaml_value("${{ github.head_ref }}"),
            "${{ github.head_ref }}"
        );
        assert_eq!(yaml_value("a: b"), "'a: b'");
        assert_eq!(yaml_value("'x'"), "'''x'''");
    }
}
