//! Removing and appending block-YAML mapping entries as minimal line edits: comments, quoting
//! and the surrounding indentation stay as they are; a removal that would leave a mapping empty
//! removes its key too (`env:` with nothing under it would be `null`). Each helper returns
//! `None` when it cannot edit safely (flow style, an entry sharing its line with a `- `).

use crate::finding::{Edit, Span};
use crate::model::workflow::{column_of, end_of_line};
use crate::syntax::yaml::{Pair, YKind, YNode};

/// Offset of the last non-blank byte of `span`.
fn last_content(text: &str, span: &Span) -> usize {
    let s = &text[span.clone()];
    span.start + s.trim_end().len().saturating_sub(1)
}

/// The whole lines that hold `span` (line breaks included), when only indentation precedes it on
/// its first line and nothing but a comment follows it on its last.
pub fn whole_lines(text: &str, span: &Span) -> Option<Span> {
    let start = text[..span.start].rfind('\n').map_or(0, |i| i + 1);
    if !text[start..span.start]
        .chars()
        .all(|c| c == ' ' || c == '\t')
    {
        return None;
    }
    let end = end_of_line(text, last_content(text, span).max(span.start));
    let tail = text[(last_content(text, span) + 1).min(end)..end].trim();
    (tail.is_empty() || tail.starts_with('#')).then_some(start..end)
}

/// Whether a mapping node is written in flow style (`{a: 1}`).
fn is_flow(text: &str, node: &YNode) -> bool {
    text[node.span.clone()].trim_start().starts_with('{')
}

/// Edits that remove the entries `going` (spans of pairs) from the block mapping under `parent`
/// (the `env:` / `with:` pair), or the whole `parent` pair when every entry goes.
pub fn remove_entries(text: &str, parent: &Pair, going: &[Span]) -> Option<Vec<Edit>> {
    let value = parent.value.as_ref()?;
    let YKind::Map(entries) = &value.kind else {
        return None;
    };
    if is_flow(text, value) || value.anchor.is_some() {
        return None;
    }
    if entries.iter().all(|e| going.contains(&e.span)) {
        return Some(vec![Edit::replace(whole_lines(text, &parent.span)?, "")]);
    }
    let mut edits: Vec<Edit> = Vec::new();
    for e in entries.iter().filter(|e| going.contains(&e.span)) {
        edits.push(Edit::replace(whole_lines(text, &e.span)?, ""));
    }
    (!edits.is_empty()).then_some(edits)
}

/// One edit that appends `lines` (each without indentation or line break; nested lines carry
/// their extra indentation) as new keys at the end of the block mapping `map`, at its keys'
/// column. `eol` is the file's line ending.
pub fn append_to_mapping(text: &str, map: &YNode, lines: &[String], eol: &str) -> Option<Edit> {
    let YKind::Map(pairs) = &map.kind else {
        return None;
    };
    if is_flow(text, map) {
        return None;
    }
    let first = pairs.first()?;
    let last = pairs.last()?;
    let indent = " ".repeat(column_of(text, first.key_span.start));
    let at = end_of_line(text, last_content(text, &last.span));
    let mut new_text = String::new();
    if at == text.len() && !text.ends_with('\n') {
        new_text.push_str(eol);
    }
    for l in lines {
        new_text.push_str(&format!("{indent}{l}{eol}"));
    }
    Some(Edit::insert(at, new_text))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fix::apply_edits;
    use crate::syntax::yaml::parse_doc;

    fn remove(text: &str, parent: &str, key: &str) -> Option<String> {
        let doc = parse_doc(text);
        let root = doc.root.as_ref().unwrap();
        let p = root.pair(parent).unwrap();
        let entry = p.value.as_ref().unwrap().pair(key).unwrap();
        let edits = remove_entries(text, p, std::slice::from_ref(&entry.span))?;
        Some(apply_edits(text, &edits).unwrap())
    }

    #[test]
    fn removes_an_entry_or_its_emptied_mapping() {
        let t = "env:\n  A: 1 # keep?\n  B: 2\nx: 1\n";
        assert_eq!(remove(t, "env", "A").unwrap(), "env:\n  B: 2\nx: 1\n");
        let t = "env:\n  # why\n  A: 1\nx: 1\n";
        assert_eq!(remove(t, "env", "A").unwrap(), "x: 1\n");
        assert_eq!(remove("env: {A: 1, B: 2}\n", "env", "A"), None);
        let t = "env:\n  A: |\n    multi\n    line\n  B: 2\n";
        assert_eq!(remove(t, "env", "A").unwrap(), "env:\n  B: 2\n");
    }

    #[test]
    fn appends_at_the_keys_column() {
        let t = "updates:\n  - package-ecosystem: npm\n    directory: /\n# next\n";
        let doc = parse_doc(t);
        let item = &doc
            .root
            .as_ref()
            .unwrap()
            .get("updates")
            .unwrap()
            .as_seq()
            .unwrap()[0];
        let e = append_to_mapping(
            t,
            item,
            &["cooldown:".into(), "  default-days: 7".into()],
            "\n",
        )
        .unwrap();
        assert_eq!(
            apply_edits(t, &[e]).unwrap(),
            "updates:\n  - package-ecosystem: npm\n    directory: /\n    cooldown:\n      default-days: 7\n# next\n"
        );
    }
}
