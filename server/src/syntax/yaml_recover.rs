//! Recovery from YAML syntax errors, so that the parts of a broken document that do parse keep
//! their values at their own places.
//!
//! tree-sitter-yaml recovers from some errors well (a half-typed key, an unclosed `{`), but from
//! others not at all: a quote that is never closed swallows the rest of the document into one
//! ERROR node, and a document indented with tabs ends where the first tab is. [`repair`] gives a
//! text of the same length in which the broken places are made harmless, and the first error:
//!
//! - a tab in a line's indentation: every tab in the indentation becomes a space (one byte for
//!   one, so the structure of a consistently tab-indented file stays);
//! - a quote or a flow collection (`{`, `[`) at the start of a value that does not close within
//!   the lines that could continue it: it is blanked to the end of its line;
//! - anything else: the line tree-sitter stumbled on is blanked.
//!
//! One repair per round, then the text is parsed again, until it parses cleanly or
//! [`MAX_REPAIRS`] rounds are spent. Blanking replaces bytes with spaces and keeps line breaks,
//! so every byte offset of the repaired text is the same place in the original text.

use super::yaml;
use crate::finding::Span;
use crate::text::lines_at;

/// What went wrong first.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorKind {
    /// A tab character in a line's indentation.
    TabIndent,
    /// A `"` or `'` that is never closed.
    UnclosedQuote,
    /// A `{` or `[` that is never closed.
    UnclosedFlow,
    /// A line that does not read as YAML (a half-typed key, a stray value, bad indentation).
    Other,
}

/// The first syntax error of a YAML text: where, and what.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct YamlError {
    pub span: Span,
    pub kind: ErrorKind,
}

impl YamlError {
    pub fn shifted(&self, by: usize) -> YamlError {
        YamlError {
            span: self.span.start + by..self.span.end + by,
            kind: self.kind,
        }
    }

    /// A short description, for the finding's message (`text` is the document).
    pub fn describe(&self, text: &str) -> String {
        let at = text.get(self.span.clone()).unwrap_or("");
        match self.kind {
            ErrorKind::TabIndent => {
                "a tab is used for indentation (YAML allows only spaces)".into()
            }
            ErrorKind::UnclosedQuote => format!("the quote `{at}` opened here is never closed"),
            ErrorKind::UnclosedFlow => format!("the `{at}` opened here is never closed"),
            ErrorKind::Other => "this line does not parse as YAML".into(),
        }
    }
}

/// Repairs tried on one text before recovery gives up (what is left broken stays as
/// tree-sitter reads it).
pub const MAX_REPAIRS: usize = 16;

/// Text parsed by one repair, at most (over all its rounds, but at least two rounds): a large
/// document with many errors must not cost many whole parses per keystroke.
const MAX_REPAIR_BYTES: usize = 16 * 1024 * 1024;

/// `part` (followed, for the parse, by `suffix`: a region's end marker line) repaired as the
/// module describes, with its first error; `None` when it parses cleanly as it is. `parsed` is
/// the tree of `part` + `suffix` when the caller has it already. The error is `None` when all
/// that was repaired is YAML that tree-sitter-yaml misreads (a quoted scalar or flow collection
/// continued on a line indented as much as its first): valid, not reported, but still blanked.
pub fn repair(part: &str, suffix: &str, mut parsed: Option<tree_sitter::Tree>) -> Option<Repaired> {
    let mut fixed = part.to_string();
    let mut first: Option<YamlError> = None;
    let mut repaired = false;
    let mut clean = None;
    let rounds = (MAX_REPAIR_BYTES / (part.len() + suffix.len()).max(1)).clamp(2, MAX_REPAIRS);
    for _ in 0..rounds {
        let marked = format!("{fixed}{suffix}");
        let tree = parsed.take().unwrap_or_else(|| yaml::parse(&marked, None));
        if !tree.root_node().has_error() {
            clean = Some(tree);
            break;
        }
        let Some(culprit) = first_suspect(&fixed).or_else(|| tree_culprit(&tree, &fixed)) else {
            break;
        };
        if first.is_none() {
            first = culprit.error.clone();
        }
        repaired = true;
        let before = fixed.clone();
        match culprit.repair {
            Repair::Detab => detab(&mut fixed),
            Repair::Blank(span) => blank(&mut fixed, span),
        }
        if fixed == before {
            break;
        }
    }
    repaired.then_some(Repaired {
        text: fixed,
        error: first,
        tree: clean,
    })
}

/// What [`repair`] made of a text.
pub struct Repaired {
    /// The repaired text, as long as the original.
    pub text: String,
    /// The first error; `None` when all that was repaired is valid YAML tree-sitter misreads.
    pub error: Option<YamlError>,
    /// The parse of the repaired text and the suffix, when it is clean.
    pub tree: Option<tree_sitter::Tree>,
}

/// The first error of `text` when it is a tab in an indentation (nothing suspicious before it).
pub fn first_tab_error(text: &str) -> Option<YamlError> {
    first_suspect(text)?
        .error
        .filter(|e| e.kind == ErrorKind::TabIndent)
}

/// A text whose indentation tabs are widened to two spaces each, and the way back to the
/// original's offsets. Two columns keep the usual tab-indented layouts aligned: keys under
/// `<tabs>- key:` are written one tab deeper (`- ` is two columns wide), or with the same tabs
/// and two spaces.
pub struct Expanded {
    pub text: String,
    /// Per line: where it starts in the expanded and the original text, how many bytes of
    /// indentation it has in the original, and how many bytes the expansion added before the
    /// line's content (this line included).
    lines: Vec<(usize, usize, usize, usize)>,
}

impl Expanded {
    /// `None` when no line has a tab in its indentation.
    pub fn of(text: &str) -> Option<Expanded> {
        let mut out = String::with_capacity(text.len() + text.len() / 8);
        let mut lines = Vec::new();
        let mut added = 0;
        let mut any = false;
        for line in text.split_inclusive('\n') {
            let ws = line.len() - line.trim_start_matches([' ', '\t']).len();
            let tabs = line[..ws].bytes().filter(|&b| b == b'\t').count();
            any |= tabs > 0;
            let (exp_start, orig_start) = (out.len(), out.len() - added);
            added += tabs;
            lines.push((exp_start, orig_start, ws, added));
            for c in line[..ws].chars() {
                out.push_str(if c == '\t' { "  " } else { " " });
            }
            out.push_str(&line[ws..]);
        }
        any.then_some(Expanded { text: out, lines })
    }

    /// The original offset of an offset of the expanded text (inside an indentation: the
    /// start of the line's content at most).
    pub fn to_original(&self, offset: usize) -> usize {
        let i = self
            .lines
            .partition_point(|l| l.0 <= offset)
            .saturating_sub(1);
        let Some(&(exp_start, orig_start, ws, added)) = self.lines.get(i) else {
            return offset;
        };
        let tabs_here = added - i.checked_sub(1).map_or(0, |p| self.lines[p].3);
        let rel = offset - exp_start;
        if rel >= ws + tabs_here {
            offset - added
        } else {
            orig_start + rel.min(ws)
        }
    }
}

/// Every span of a value tree moved by `f` (from one text's offsets to another's).
pub fn map_doc(doc: &mut yaml::YamlDoc, f: &dyn Fn(usize) -> usize) {
    fn span(s: &mut Span, f: &dyn Fn(usize) -> usize) {
        *s = f(s.start)..f(s.end);
    }
    fn node(n: &mut yaml::YNode, f: &dyn Fn(usize) -> usize) {
        span(&mut n.span, f);
        match &mut n.kind {
            yaml::YKind::Scalar(sc) => {
                span(&mut sc.span, f);
                span(&mut sc.content, f);
            }
            yaml::YKind::Map(pairs) => {
                for p in pairs {
                    span(&mut p.key_span, f);
                    span(&mut p.span, f);
                    if let Some(v) = p.value.as_mut() {
                        node(v, f);
                    }
                }
            }
            yaml::YKind::Seq(items) => items.iter_mut().for_each(|n| node(n, f)),
            yaml::YKind::Alias(_) | yaml::YKind::Invalid => {}
        }
    }
    if let Some(root) = doc.root.as_mut() {
        node(root, f);
    }
    for n in doc.anchors.values_mut() {
        node(n, f);
    }
}

struct Culprit {
    /// `None` for valid YAML that tree-sitter-yaml cannot read.
    error: Option<YamlError>,
    repair: Repair,
}

enum Repair {
    /// Turn every tab of every line's indentation into a space.
    Detab,
    /// Replace this span's characters with spaces (line breaks stay).
    Blank(Span),
}

fn detab(text: &mut String) {
    let mut bytes = std::mem::take(text).into_bytes();
    let mut at_line_start = true;
    for b in bytes.iter_mut() {
        match *b {
            b'\n' => at_line_start = true,
            b'\t' if at_line_start => *b = b' ',
            b' ' | b'\r' => {}
            _ => at_line_start = false,
        }
    }
    *text = String::from_utf8(bytes).expect("only ASCII bytes were replaced");
}

fn blank(text: &mut String, span: Span) {
    let end = span.end.min(text.len());
    let start = span.start.min(end);
    // Whole characters only: the span starts at a token and ends at a line end or a quote.
    if !(text.is_char_boundary(start) && text.is_char_boundary(end)) {
        return;
    }
    let blanked: String = text[start..end]
        .chars()
        .flat_map(|c| {
            let keep = matches!(c, '\n' | '\r');
            let n = if keep { 1 } else { c.len_utf8() };
            std::iter::repeat_n(if keep { c } else { ' ' }, n)
        })
        .collect();
    text.replace_range(start..end, &blanked);
}

/// The first place a line scan finds suspicious: a tab in an indentation, or a quote or flow
/// collection that does not close. Block scalars' content is skipped, and so are quoted scalars
/// and flow collections that do close on a later line.
fn first_suspect(text: &str) -> Option<Culprit> {
    // Lines indented more than this are the content of a block scalar.
    let mut block: Option<usize> = None;
    // A quoted scalar or flow collection that spans lines ends here.
    let mut skip_to = 0;
    for (start, line) in lines_at(text) {
        if start < skip_to {
            continue;
        }
        let ws = line.len() - line.trim_start_matches([' ', '\t']).len();
        let content = &line[ws..];
        if content.is_empty() {
            continue;
        }
        if let Some(parent) = block {
            if ws > parent {
                continue;
            }
            block = None;
        }
        if content.starts_with('#') {
            continue;
        }
        if let Some(tab) = line[..ws].find('\t') {
            return Some(Culprit {
                error: Some(YamlError {
                    span: start + tab..start + tab + 1,
                    kind: ErrorKind::TabIndent,
                }),
                repair: Repair::Detab,
            });
        }
        match scan_line(text, start, start + line.len(), ws) {
            LineEnd::Done => {}
            LineEnd::Block(parent) => block = Some(parent),
            LineEnd::Continues(end) => skip_to = end,
            LineEnd::Unclosed(c) => return Some(c),
        }
    }
    None
}

enum LineEnd {
    Done,
    /// A block scalar starts: lines indented more than this are its content.
    Block(usize),
    /// A quoted scalar or flow collection closes on a later line, at this offset.
    Continues(usize),
    Unclosed(Culprit),
}

/// Read the nodes of one line (`text[start..end]`, indented by `ws`) as far as it matters: the
/// indicators, keys and the start of each value.
fn scan_line(text: &str, start: usize, end: usize, ws: usize) -> LineEnd {
    let b = text.as_bytes();
    let space_or_end = |i: usize| i >= end || matches!(b[i], b' ' | b'\t');
    let mut i = start + ws;
    // Where the node that a block scalar on this line would belong to starts.
    let mut parent = ws;
    loop {
        while i < end && matches!(b[i], b' ' | b'\t') {
            i += 1;
        }
        if i >= end {
            return LineEnd::Done;
        }
        match b[i] {
            b'#' => return LineEnd::Done,
            b'-' | b'?' | b':' if space_or_end(i + 1) => {
                if b[i] != b':' {
                    parent = i - start;
                }
                i += 1;
            }
            // Anchors, tags and aliases: skip the token.
            b'&' | b'!' | b'*' => {
                while i < end && !matches!(b[i], b' ' | b'\t') {
                    i += 1;
                }
            }
            q @ (b'"' | b'\'' | b'{' | b'[') => {
                let close = |strict| {
                    if matches!(q, b'"' | b'\'') {
                        close_quote(text, i, ws, strict)
                    } else {
                        close_flow(text, i, ws, strict)
                    }
                };
                let Some(after) = close(true) else {
                    // Continued on lines indented as much as this one: valid YAML that
                    // tree-sitter-yaml rejects. Blank it, but it is no error.
                    if let Some(after) = close(false).filter(|&a| rest_is_empty(text, a)) {
                        return LineEnd::Unclosed(Culprit {
                            error: None,
                            repair: Repair::Blank(i..after),
                        });
                    }
                    let kind = if matches!(q, b'"' | b'\'') {
                        ErrorKind::UnclosedQuote
                    } else {
                        ErrorKind::UnclosedFlow
                    };
                    return LineEnd::Unclosed(Culprit {
                        error: Some(YamlError {
                            span: i..i + 1,
                            kind,
                        }),
                        repair: Repair::Blank(i..end),
                    });
                };
                if after > end {
                    return LineEnd::Continues(after);
                }
                // A quoted or flow key: its value follows the `:`.
                let mut j = after;
                while j < end && matches!(b[j], b' ' | b'\t') {
                    j += 1;
                }
                if j < end && b[j] == b':' && space_or_end(j + 1) {
                    parent = i - start;
                    i = j + 1;
                } else {
                    return LineEnd::Done;
                }
            }
            b'|' | b'>' => {
                let header = &text[i + 1..end];
                let indicators =
                    header.trim_start_matches(|c: char| c.is_ascii_digit() || c == '+' || c == '-');
                let rest = indicators.trim_start_matches([' ', '\t']);
                let is_header =
                    rest.is_empty() || (rest.starts_with('#') && rest.len() < indicators.len());
                return if is_header {
                    LineEnd::Block(parent)
                } else {
                    LineEnd::Done
                };
            }
            _ => {
                // A plain scalar: a key when a `: ` (or a `:` at the end) follows on the line.
                let key_start = i;
                let mut j = i;
                let mut colon = None;
                while j < end {
                    match b[j] {
                        b':' if space_or_end(j + 1) => {
                            colon = Some(j);
                            break;
                        }
                        b'#' if j > key_start && matches!(b[j - 1], b' ' | b'\t') => break,
                        _ => j += 1,
                    }
                }
                let Some(colon) = colon else {
                    return LineEnd::Done;
                };
                parent = key_start - start;
                i = colon + 1;
            }
        }
    }
}

/// Whether the line starting at `at` ends a multi-line node begun on a line indented by `ws`:
/// a non-blank line indented no more than that (`strict`, as tree-sitter-yaml reads it), or
/// less than that (as YAML allows).
fn ends_continuation(text: &str, at: usize, ws: usize, strict: bool) -> bool {
    let line = &text[at..];
    let line = &line[..line.find('\n').unwrap_or(line.len())];
    let indent = line.len() - line.trim_start_matches([' ', '\t']).len();
    !line.trim().is_empty() && (indent < ws || (strict && indent == ws))
}

/// Only spaces and a comment (or nothing) follow `at` on its line.
fn rest_is_empty(text: &str, at: usize) -> bool {
    let rest = &text[at..];
    let rest = rest[..rest.find('\n').unwrap_or(rest.len())].trim();
    rest.is_empty() || rest.starts_with('#')
}

/// The offset after the quote that closes the one at `i`, looking through the lines that could
/// continue it (indented more than `ws`).
fn close_quote(text: &str, i: usize, ws: usize, strict: bool) -> Option<usize> {
    let b = text.as_bytes();
    let q = b[i];
    let mut j = i + 1;
    while j < b.len() {
        match b[j] {
            b'\\' if q == b'"' => j += 2,
            c if c == q => {
                if q == b'\'' && b.get(j + 1) == Some(&b'\'') {
                    j += 2;
                } else {
                    return Some(j + 1);
                }
            }
            b'\n' => {
                if ends_continuation(text, j + 1, ws, strict) {
                    return None;
                }
                j += 1;
            }
            _ => j += 1,
        }
    }
    None
}

/// The offset after the bracket that closes the `{`/`[` at `i` (quotes and comments inside
/// skipped), looking through the lines that could continue it (indented more than `ws`).
fn close_flow(text: &str, i: usize, ws: usize, strict: bool) -> Option<usize> {
    let b = text.as_bytes();
    let mut depth = 0usize;
    let mut j = i;
    while j < b.len() {
        match b[j] {
            b'{' | b'[' => depth += 1,
            b'}' | b']' => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    return Some(j + 1);
                }
            }
            b'"' | b'\'' => {
                j = close_quote(text, j, ws, strict)?;
                continue;
            }
            b'#' if j > 0 && matches!(b[j - 1], b' ' | b'\t') => {
                j = text[j..].find('\n').map_or(b.len(), |n| j + n);
                continue;
            }
            b'\n' if ends_continuation(text, j + 1, ws, strict) => return None,
            _ => {}
        }
        j += 1;
    }
    None
}

/// The line tree-sitter stumbled on: a MISSING node's line, or the line of the last token an
/// ERROR node holds (what the parser could not fit in), within `part` (the text without its end
/// marker). The line is blanked from its first character.
fn tree_culprit(tree: &tree_sitter::Tree, part: &str) -> Option<Culprit> {
    let node = first_error(tree.root_node())?;
    // When the parser gave up before the end, what it could not read starts where the tree ends.
    let root_end = tree.root_node().end_byte();
    let dropped = root_end < part.len() && !part[root_end..].trim().is_empty();
    let at = if dropped {
        let rest = &part[root_end..];
        root_end + rest.len() - rest.trim_start().len()
    } else if node.is_missing() {
        node.start_byte()
    } else {
        let mut last = node;
        while let Some(child) = last
            .child_count()
            .checked_sub(1)
            .and_then(|i| last.child(i))
        {
            last = child;
        }
        last.start_byte()
    };
    // The last line with content at or before `at`.
    let mut line = None;
    for (start, l) in lines_at(part) {
        if start > at {
            break;
        }
        let trimmed = l.trim_start_matches([' ', '\t']);
        if !trimmed.is_empty() && !trimmed.starts_with('#') {
            line = Some((start + l.len() - trimmed.len(), start + l.len()));
        }
    }
    let (from, to) = line?;
    // The line's text without a trailing comment.
    let content = &part[from..to];
    let code = content
        .match_indices(" #")
        .next()
        .map_or(content, |(i, _)| &content[..i]);
    let shown = from + code.trim_end().len();
    Some(Culprit {
        error: Some(YamlError {
            span: from..shown,
            kind: ErrorKind::Other,
        }),
        repair: Repair::Blank(from..to),
    })
}

/// The first ERROR or MISSING node in document order.
fn first_error(node: tree_sitter::Node) -> Option<tree_sitter::Node> {
    if node.is_error() || node.is_missing() {
        return Some(node);
    }
    if !node.has_error() {
        return None;
    }
    let mut cursor = node.walk();
    let children: Vec<_> = node.children(&mut cursor).collect();
    children.into_iter().find_map(first_error)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn repaired(text: &str) -> (String, YamlError) {
        let r = repair(text, "", None).expect("broken");
        let (fixed, e) = (r.text, r.error);
        let e = e.expect("an error");
        assert_eq!(fixed.len(), text.len());
        assert!(
            !yaml::parse(&fixed, None).root_node().has_error(),
            "{fixed}"
        );
        (fixed, e)
    }

    #[test]
    fn clean_text_needs_no_repair() {
        for t in [
            "a: 1\nb: \"x\n  y\"\nc: [1,\n  2]\nd: |\n  \"open\n  \te: {\n",
            "on: push\n",
        ] {
            assert!(repair(t, "", None).is_none(), "{t:?}");
        }
    }

    #[test]
    fn tabs_become_spaces() {
        let t = "on: push\njobs:\n\tbuild:\n\t\truns-on: x\n";
        let (fixed, e) = repaired(t);
        assert_eq!(fixed, "on: push\njobs:\n build:\n  runs-on: x\n");
        assert_eq!((e.span, e.kind), (15..16, ErrorKind::TabIndent));
    }

    #[test]
    fn tabs_widened_to_two_columns_keep_keys_under_a_dash_aligned() {
        let t = "jobs:\n\tb:\n\t\tsteps:\n\t\t\t- name: x\n\t\t\t\tuses: a/b@v1\n\t\t\t- uses: c/d@v1\n\t\t\t  with: {}\n";
        assert_eq!(first_tab_error(t).map(|e| e.span), Some(6..7));
        let e = Expanded::of(t).unwrap();
        let mut doc = yaml::parse_doc(&e.text);
        assert!(!doc.has_errors, "{}", e.text);
        map_doc(&mut doc, &|o| e.to_original(o));
        let steps = doc.root.unwrap();
        let steps = steps
            .get("jobs")
            .unwrap()
            .get("b")
            .unwrap()
            .get("steps")
            .unwrap();
        let uses: Vec<&str> = steps
            .as_seq()
            .unwrap()
            .iter()
            .map(|s| {
                let u = s.get("uses").unwrap().as_scalar().unwrap();
                &t[u.span.clone()]
            })
            .collect();
        assert_eq!(uses, ["a/b@v1", "c/d@v1"]);
        assert!(Expanded::of("a: 1\n").is_none());
    }

    #[test]
    fn an_unclosed_quote_is_blanked_to_its_line_end() {
        let t = "a:\n  - uses: x@v1\n  - run: \"echo hi\n";
        let (fixed, e) = repaired(t);
        assert_eq!(fixed, "a:\n  - uses: x@v1\n  - run:         \n");
        assert_eq!(e.kind, ErrorKind::UnclosedQuote);
        assert_eq!(&t[e.span], "\"");
        // A quote in the middle of a plain scalar is not one.
        let t = "a:\n  - run: echo \"hi\n  - run: 'x\nb: 1\n";
        let (_, e) = repaired(t);
        assert_eq!(e.span.start, t.find('\'').unwrap());
    }

    #[test]
    fn an_unclosed_flow_collection_is_blanked() {
        let t = "a:\n  with: {path: x\n  b: [1, 2]\n";
        let (fixed, e) = repaired(t);
        assert_eq!(fixed, "a:\n  with:         \n  b: [1, 2]\n");
        assert_eq!((&t[e.span], e.kind), ("{", ErrorKind::UnclosedFlow));
    }

    #[test]
    fn valid_yaml_tree_sitter_misreads_is_blanked_but_no_error() {
        // A quoted scalar continued at its own line's indentation: YAML allows it.
        let t = "a:\n  x: \"one\n  two\"\n  y: 1\n";
        let r = repair(t, "", None).expect("tree-sitter-yaml rejects it");
        let (fixed, e) = (r.text, r.error);
        assert_eq!(e, None);
        assert_eq!(fixed, "a:\n  x:     \n      \n  y: 1\n");
    }

    #[test]
    fn a_line_the_parser_gave_up_on_is_the_error() {
        let t = "a:\n  - b: 1\n - c: 2\n  - d: 3\n";
        let (_, e) = repaired(t);
        assert_eq!((&t[e.span], e.kind), ("- c: 2", ErrorKind::Other));
    }

    #[test]
    fn other_errors_blank_the_line() {
        let t = "a:\n  b: 1\n  half\n  c: 2\n";
        let (fixed, e) = repaired(t);
        assert_eq!(fixed, "a:\n  b: 1\n      \n  c: 2\n");
        assert_eq!((&t[e.span], e.kind), ("half", ErrorKind::Other));
    }
}
