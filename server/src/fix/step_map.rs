//! Adding `key: value` entries under a step's `with:` / `env:` mapping, keeping the file's
//! indentation and line endings.

use crate::finding::Edit;
use crate::model::workflow::{column_of, end_of_line, Step, Workflow};
use crate::syntax::yaml::{Pair, YKind, YNode};
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

/// Offset just past the last byte of the node's own content: the end of its last scalar,
/// closing bracket or key. A block node closed by a dedent can span comment lines after its last
/// entry (tree-sitter's quirk, which the fast reader reproduces); those comments belong to what
/// follows, so the end is found through the last entry instead of the node's span.
pub fn content_end(text: &str, node: &YNode) -> usize {
    let flow = text[node.span.clone()].starts_with(['{', '[']);
    match &node.kind {
        YKind::Map(pairs) if !flow => match pairs.last() {
            Some(last) => pair_end(text, last),
            None => last_content(text, &node.span) + 1,
        },
        YKind::Seq(items) if !flow => match items.last() {
            Some(last) => content_end(text, last),
            None => last_content(text, &node.span) + 1,
        },
        _ => last_content(text, &node.span) + 1,
    }
}

/// [`content_end`] of a pair: its value's, or its key's when it has none.
pub fn pair_end(text: &str, pair: &Pair) -> usize {
    match &pair.value {
        Some(v) => content_end(text, v),
        None => pair.key_span.end,
    }
}

/// A value that may stand in a flow mapping (`{a: b}`), where `,[]{}` end a plain scalar.
fn flow_value(v: &str) -> String {
    if v.starts_with('\'') || (plain_ok(v) && !v.contains([',', '[', ']', '{', '}'])) {
        v.to_string()
    } else {
        format!("'{}'", v.replace('\'', "''"))
    }
}

/// One edit that adds `entries` (already formatted values) under the step's `key:`:
/// appended to an existing mapping, or as a new `key:` block. A new `with:` goes right under the
/// step's `uses:` line (where a reader looks for it); another new key after the step's last
/// entry. Either way it lands before any comment that follows the step's content, since such
/// a comment may belong to the next step. `None` when that cannot be done safely (an aliased or
/// non-mapping value, a flow value spanning lines with comments).
pub fn add_step_entries(
    text: &str,
    wf: &Workflow,
    step: &Step,
    key: &str,
    entries: &[(String, String)],
) -> Option<Edit> {
    let eol = wf.line_ending;
    let YKind::Map(step_pairs) = &step.node.kind else {
        return None;
    };
    if text[step.node.span.clone()].starts_with('{') {
        return match step.node.pair(key) {
            None => add_flow_entries(text, &step.node.span, step_pairs, key, entries),
            Some(pair) => match pair.value.as_ref().map(|v| (v, &v.kind)) {
                Some((value, YKind::Map(pairs))) if value.anchor.is_none() => {
                    add_flow_entries(text, &value.span, pairs, "", entries)
                }
                _ => None,
            },
        };
    }
    let step_indent = step.body_indent?;
    let (at, indent, header) = match step.node.pair(key) {
        Some(pair) => match &pair.value {
            // `with:` with nothing after it: the entries go under the key.
            None => (
                end_of_line(text, pair.key_span.end),
                step_indent + wf.indent_unit,
                String::new(),
            ),
            Some(value) => {
                let YKind::Map(pairs) = &value.kind else {
                    return None;
                };
                if value.anchor.is_some() {
                    return None;
                }
                if text[value.span.clone()].starts_with('{') {
                    return add_flow_entries(text, &value.span, pairs, "", entries);
                }
                let first = pairs.first()?;
                let last = pairs.last()?;
                let at = end_of_line(text, pair_end(text, last).saturating_sub(1));
                (at, column_of(text, first.key_span.start), String::new())
            }
        },
        None => {
            let anchor = step
                .node
                .pair("uses")
                .filter(|_| key == "with")
                .or(step_pairs.last())?;
            let at = end_of_line(text, pair_end(text, anchor).saturating_sub(1));
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

/// Entries added to a flow mapping: `{uses: a/b@v1}` → `{uses: a/b@v1, with: {k: v}}` when
/// `key` is not empty, else `{k: v}` added to the mapping itself. Inserted right after the last
/// entry (before a trailing comma or comment); `None` for a mapping over several lines whose
/// content holds a comment (where the insertion could land inside it).
fn add_flow_entries(
    text: &str,
    span: &Range<usize>,
    pairs: &[Pair],
    key: &str,
    entries: &[(String, String)],
) -> Option<Edit> {
    let body = &text[span.clone()];
    if !body.ends_with('}') || (body.contains('\n') && body.contains('#')) {
        return None;
    }
    let list = entries
        .iter()
        .map(|(name, value)| format!("{name}: {}", flow_value(value)))
        .collect::<Vec<_>>()
        .join(", ");
    let addition = if key.is_empty() {
        list
    } else {
        format!("{key}: {{{list}}}")
    };
    Some(match pairs.last() {
        // `{a: 1, b: }`: after `b` would land between the key and its colon.
        Some(last) if last.value.is_none() => return None,
        Some(last) => Edit::insert(pair_end(text, last), format!(", {addition}")),
        None => Edit::insert(span.start + 1, addition),
    })
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
        assert_eq!(
            add(t, "with").unwrap(),
            "jobs:\n  j:\n    steps:\n      - uses: a/b@v1\n        with: {x: 1, A: b}\n"
        );
        let t = "jobs:\n  j:\n    steps:\n      - uses: a/b@v1";
        assert_eq!(
            add(t, "with").unwrap(),
            "jobs:\n  j:\n    steps:\n      - uses: a/b@v1\n        with:\n          A: b\n"
        );
    }

    /// A new `with:` goes right under `uses:`; nothing lands after a comment that introduces the
    /// next step.
    #[test]
    fn new_blocks_go_under_uses_and_before_the_next_steps_comment() {
        let head = "jobs:\n  j:\n    steps:\n";
        let cases = [
            // A comment for the next step, at the dash's indentation.
            (
                "      - uses: a/b@v1\n      # build the thing\n      - run: make\n",
                "      - uses: a/b@v1\n        with:\n          A: b\n      # build the thing\n      - run: make\n",
            ),
            // Keys after `uses:`, and a trailing comment on the `uses:` line.
            (
                "      - uses: a/b@v1 # v1.2.3\n        name: Check out\n        if: always()\n      # next\n      - run: make\n",
                "      - uses: a/b@v1 # v1.2.3\n        with:\n          A: b\n        name: Check out\n        if: always()\n      # next\n      - run: make\n",
            ),
            // `uses:` not first; a comment at the step's own indentation stays where it was.
            (
                "      - name: Check out\n        uses: a/b@v1\n        # keep the history shallow\n        timeout-minutes: 5\n",
                "      - name: Check out\n        uses: a/b@v1\n        with:\n          A: b\n        # keep the history shallow\n        timeout-minutes: 5\n",
            ),
            // The last step of the file, without a final newline, followed by a comment.
            (
                "      - uses: a/b@v1\n      # the end",
                "      - uses: a/b@v1\n        with:\n          A: b\n      # the end",
            ),
            // An empty `with:`.
            (
                "      - uses: a/b@v1\n        with:\n      - run: make\n",
                "      - uses: a/b@v1\n        with:\n          A: b\n      - run: make\n",
            ),
            // Flow style.
            (
                "      - {uses: a/b@v1, name: x}\n      - run: make\n",
                "      - {uses: a/b@v1, name: x, with: {A: b}}\n      - run: make\n",
            ),
            ("      - {uses: a/b@v1, with: {}}\n", "      - {uses: a/b@v1, with: {A: b}}\n"),
            (
                "      - {uses: a/b@v1,\n         name: x}\n",
                "      - {uses: a/b@v1,\n         name: x, with: {A: b}}\n",
            ),
            // CRLF line endings.
            (
                "      - uses: a/b@v1\r\n      # next\r\n      - run: make\r\n",
                "      - uses: a/b@v1\r\n        with:\r\n          A: b\r\n      # next\r\n      - run: make\r\n",
            ),
        ];
        for (step, fixed) in cases {
            let head = if step.contains('\r') {
                head.replace('\n', "\r\n")
            } else {
                head.to_string()
            };
            assert_eq!(
                add(&format!("{head}{step}"), "with").as_deref(),
                Some(format!("{head}{fixed}").as_str()),
                "{step:?}"
            );
        }
        // `env:` after the step's last entry, still before the next step's comment.
        let t = "jobs:\n  j:\n    steps:\n      - run: |\n          echo hi\n          # a shell comment\n      # build\n      - run: make\n";
        assert_eq!(
            add(t, "env").unwrap(),
            "jobs:\n  j:\n    steps:\n      - run: |\n          echo hi\n          # a shell comment\n        env:\n          A: b\n      # build\n      - run: make\n"
        );
        let t = "jobs:\n  j:\n    steps:\n      - uses: a/b@v1\n        with:\n          x: 1\n      # build\n      - run: make\n";
        assert_eq!(
            add(t, "with").unwrap(),
            "jobs:\n  j:\n    steps:\n      - uses: a/b@v1\n        with:\n          x: 1\n          A: b\n      # build\n      - run: make\n"
        );
    }

    #[test]
    fn no_entries_where_they_could_not_be_placed_safely() {
        let head = "jobs:\n  j:\n    steps:\n";
        for step in [
            "      - {uses: a/b@v1, name: }\n",
            "      - {uses: a/b@v1, # c\n         name: x}\n",
            "      - uses: a/b@v1\n        with: &w\n          x: 1\n",
            "      - uses: a/b@v1\n        with: x\n",
        ] {
            assert_eq!(add(&format!("{head}{step}"), "with"), None, "{step:?}");
        }
    }

    /// Through the engine: `checkout-persist-credentials`'s fix, applied by `fix_all`.
    #[test]
    fn checkout_fix_lands_under_uses() {
        use crate::config::Config;
        use crate::engine::{fix_all, Document};
        use crate::kind::FileKind;
        let text = "on: push\npermissions:\n  contents: read\njobs:\n  b:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683 # v4.2.2\n      # build the thing\n      - run: make\n";
        let doc = Document {
            path: std::path::Path::new(".github/workflows/ci.yml"),
            kind: FileKind::Workflow,
            text,
        };
        let fixed = fix_all(&doc, &Default::default(), &Config::default());
        assert_eq!(
            fixed,
            text.replace(
                "# v4.2.2\n",
                "# v4.2.2\n        with:\n          persist-credentials: false\n"
            )
        );
    }

    #[test]
    fn flow_values_are_quoted_when_they_hold_flow_indicators() {
        assert_eq!(flow_value("false"), "false");
        assert_eq!(
            flow_value("${{ github.head_ref }}"),
            "'${{ github.head_ref }}'"
        );
        assert_eq!(flow_value("'a: b'"), "'a: b'");
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
