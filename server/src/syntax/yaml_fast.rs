//! A fast reader for the plain block YAML that most regions are written in.
//!
//! It reads one region of [`super::yaml_regions`] straight into the value tree, with the same
//! spans and texts tree-sitter-yaml and [`super::yaml::to_doc`] would give for it, in a fraction
//! of the time. It knows only the common shapes: block mappings and sequences, single-line plain
//! and quoted scalars, `|`/`>` block scalars, one-line flow sequences of scalars and `{}`/`[]`.
//! Anything else (anchors, aliases, tags, multi-line flow scalars, flow mappings, tabs, CRLF,
//! `?` keys, several documents, text tree-sitter would call an error) makes it answer `None`,
//! and the caller parses the region with tree-sitter instead.
//!
//! Span rules it reproduces: a block mapping or sequence ends where the line that closes it
//! starts, less the whitespace before that line (so comments in between belong to it); at the
//! end of a document without a marker every open block node, block scalars included, ends at the
//! end of the text.

use super::yaml::{self, Pair, ScalarStyle, YKind, YNode, YamlDoc};
use crate::finding::Span;

/// Deeper values than this are left to tree-sitter (and its converter's nesting limit).
const MAX_DEPTH: usize = 64;

/// Read `text` as a region: with `marker`, as if an end marker line at that indentation followed
/// (the root must then sit at that indentation and ends at its last entry); without, as the end
/// of the document. `item` reads a block sequence root, otherwise a block mapping root.
pub fn read_region(text: &str, marker: Option<usize>, item: bool) -> Option<YamlDoc> {
    if text.contains(['\r', '\t']) {
        return None;
    }
    let lines = split_lines(text)?;
    let mut reader = Reader {
        text,
        bytes: text.as_bytes(),
        lines,
        at: 0,
        marked: marker.is_some(),
        depth: 0,
        last_end: 0,
    };
    reader.skip_to_content();
    let first = reader.lines.get(reader.at)?;
    let indent = first.indent;
    if marker.is_some_and(|m| m != indent) {
        return None;
    }
    let start = first.start + indent;
    let mut root = if item {
        reader.dash_at(start)?;
        reader.seq(indent, start)?
    } else {
        reader.map(indent, start)?
    };
    if reader.at != reader.lines.len() {
        return None;
    }
    if marker.is_some() {
        root.span.end = match &root.kind {
            YKind::Map(pairs) => pairs.last()?.span.end,
            YKind::Seq(items) => items.last()?.span.end,
            _ => return None,
        };
    }
    Some(YamlDoc {
        root: Some(root),
        anchors: Default::default(),
        has_errors: false,
    })
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum LineKind {
    Blank,
    Comment,
    Content,
}

struct Line {
    start: usize,
    /// End of the line, before its newline.
    end: usize,
    /// Leading spaces.
    indent: usize,
    kind: LineKind,
}

fn split_lines(text: &str) -> Option<Vec<Line>> {
    let mut lines = Vec::with_capacity(text.len() / 24 + 1);
    let mut start = 0;
    let mut seen_content = false;
    let bytes = text.as_bytes();
    while start < bytes.len() {
        let end = memchr::memchr(b'\n', &bytes[start..]).map_or(bytes.len(), |i| start + i);
        let indent = bytes[start..end].iter().take_while(|&&b| b == b' ').count();
        let kind = match bytes.get(start + indent) {
            None => LineKind::Blank,
            Some(_) if start + indent == end => LineKind::Blank,
            Some(b'#') => LineKind::Comment,
            Some(_) => LineKind::Content,
        };
        let line = &bytes[start..end];
        // One `---` before the content starts the document; other document markers and
        // directives (several documents) are tree-sitter's to read.
        let starts_document = line.starts_with(b"---") && line[3..].iter().all(|&b| b == b' ');
        let kind = if starts_document && !seen_content {
            LineKind::Blank
        } else if indent == 0
            && [&b"---"[..], b"...", b"%"]
                .iter()
                .any(|m| line.starts_with(m))
        {
            return None;
        } else {
            kind
        };
        seen_content |= kind == LineKind::Content;
        lines.push(Line {
            start,
            end,
            indent,
            kind,
        });
        start = end + 1;
    }
    Some(lines)
}

struct Reader<'t> {
    text: &'t str,
    bytes: &'t [u8],
    lines: Vec<Line>,
    /// The next line to read (a content line, or `lines.len()` at the end).
    at: usize,
    marked: bool,
    depth: usize,
    /// End of the last token or comment read: where the block nodes closed next end.
    last_end: usize,
}

impl Reader<'_> {
    fn skip_to_content(&mut self) {
        while let Some(line) = self.lines.get(self.at) {
            match line.kind {
                LineKind::Content => break,
                LineKind::Comment => self.last_end = line.end,
                LineKind::Blank => {}
            }
            self.at += 1;
        }
    }

    /// The current line was read up to `end`, and from `rest` on holds nothing or a comment.
    fn line_done(&mut self, end: usize, rest: usize) {
        self.last_end = if rest < self.line_end() {
            self.line_end()
        } else {
            end
        };
        self.next_line();
    }

    /// Move past the current line to the next content line.
    fn next_line(&mut self) {
        self.at += 1;
        self.skip_to_content();
    }

    /// Where the block nodes the current line closes end: at the last token or comment before
    /// it, or at the end of the text at the end of an unmarked document.
    fn closed_at(&self) -> usize {
        if self.at == self.lines.len() && !self.marked {
            self.bytes.len()
        } else {
            self.last_end
        }
    }

    fn line_end(&self) -> usize {
        self.lines[self.at].end
    }

    /// The current line's indentation, if there is a current line.
    fn indent(&self) -> Option<usize> {
        self.lines.get(self.at).map(|l| l.indent)
    }

    /// Whether a `-` item indicator is at `pos` (followed by a space or the end of the line).
    fn dash_at(&self, pos: usize) -> Option<()> {
        let after = self.bytes.get(pos + 1).copied();
        (self.bytes.get(pos) == Some(&b'-') && matches!(after, None | Some(b' ' | b'\n')))
            .then_some(())
    }

    fn skip_spaces(&self, mut pos: usize) -> usize {
        while self.bytes.get(pos) == Some(&b' ') {
            pos += 1;
        }
        pos
    }

    /// At `pos` (after spaces) only the end of the line or a comment is left.
    fn rest_is_empty(&self, pos: usize) -> bool {
        pos >= self.line_end() || self.bytes[pos] == b'#'
    }

    fn enter(&mut self) -> Option<()> {
        self.depth += 1;
        (self.depth <= MAX_DEPTH).then_some(())
    }

    /// Whether a block node at `indent` goes on: `Some(Some(pos))` when the current line sits at
    /// that indentation (its content at `pos`), `Some(None)` when the node is closed, `None` when
    /// a deeper line follows that nothing read (a multi-line scalar or an error).
    fn continues_at(&self, indent: usize) -> Option<Option<usize>> {
        match self.indent() {
            Some(i) if i == indent => Some(Some(self.lines[self.at].start + i)),
            Some(i) if i > indent => None,
            _ => Some(None),
        }
    }

    /// A block mapping at `indent` whose first key starts at `start` on the current line.
    fn map(&mut self, indent: usize, start: usize) -> Option<YNode> {
        self.enter()?;
        let mut pairs = vec![self.pair(indent, start)?];
        while let Some(pos) = self.continues_at(indent)? {
            if self.dash_at(pos).is_some() {
                return None;
            }
            pairs.push(self.pair(indent, pos)?);
        }
        self.depth -= 1;
        Some(node(start..self.closed_at(), YKind::Map(pairs)))
    }

    /// A block sequence at `indent` whose first `-` is at `start` on the current line.
    fn seq(&mut self, indent: usize, start: usize) -> Option<YNode> {
        self.enter()?;
        let mut items = vec![self.item(indent, start)?];
        while let Some(pos) = self.continues_at(indent)? {
            if self.dash_at(pos).is_none() {
                // A sequence under `key:` at the key's own indentation ends here.
                break;
            }
            items.push(self.item(indent, pos)?);
        }
        self.depth -= 1;
        Some(node(start..self.closed_at(), YKind::Seq(items)))
    }

    /// One `- value` item whose `-` is at `dash`.
    fn item(&mut self, indent: usize, dash: usize) -> Option<YNode> {
        let pos = self.skip_spaces(dash + 1);
        if self.rest_is_empty(pos) {
            self.line_done(dash + 1, pos);
            return match self.indent() {
                Some(i) if i > indent => self.block_value(),
                // `-` alone: a null item.
                _ => Some(null(dash + 1)),
            };
        }
        let column = pos - self.lines[self.at].start;
        if self.dash_at(pos).is_some() {
            return self.seq(column, pos);
        }
        if self.key_at(pos).is_some() {
            return self.map(column, pos);
        }
        self.value_on_line(indent, pos)
    }

    /// A value that starts on the current line, at the start of its content.
    fn block_value(&mut self) -> Option<YNode> {
        let line = &self.lines[self.at];
        let (indent, pos) = (line.indent, line.start + line.indent);
        if self.dash_at(pos).is_some() {
            self.seq(indent, pos)
        } else if self.key_at(pos).is_some() {
            self.map(indent, pos)
        } else if matches!(self.bytes[pos], b'|' | b'>') {
            None
        } else {
            // A scalar on a line of its own (`shell:` then `  bash`).
            self.value_on_line(indent, pos)
        }
    }

    /// `key: value` at `start` in a mapping at `indent`.
    fn pair(&mut self, indent: usize, start: usize) -> Option<Pair> {
        let (key, key_span) = self.key_at(start)?;
        let colon_end = key_span.end + 1;
        let pos = self.skip_spaces(colon_end);
        if self.rest_is_empty(pos) {
            self.line_done(colon_end, pos);
            let value = match self.indent() {
                Some(i) if i > indent => Some(self.block_value()?),
                Some(i) if i == indent => {
                    let at = self.lines[self.at].start + i;
                    match self.dash_at(at) {
                        Some(()) => Some(self.seq(indent, at)?),
                        None => None,
                    }
                }
                _ => None,
            };
            let end = value.as_ref().map_or(colon_end, |v| v.span.end);
            return Some(Pair {
                key,
                span: key_span.start..end,
                key_span,
                value,
            });
        }
        let value = self.value_on_line(indent, pos)?;
        Some(Pair {
            key,
            span: key_span.start..value.span.end,
            key_span,
            value: Some(value),
        })
    }

    /// A key at `pos` followed by `:` and a space or the end of the line: its text and span.
    fn key_at(&self, pos: usize) -> Option<(String, Span)> {
        let end = self.line_end();
        let b = self.bytes;
        let first = *b.get(pos)?;
        let key_end = match first {
            b'"' | b'\'' => {
                let close = quoted_end(b, pos, end)?;
                (b.get(close) == Some(&b':')).then_some(close)?
            }
            b'-' | b'?' | b':' if matches!(b.get(pos + 1), None | Some(b' ' | b'\n')) => {
                return None
            }
            b',' | b'[' | b']' | b'{' | b'}' | b'#' | b'&' | b'*' | b'!' | b'|' | b'>' | b'%'
            | b'@' | b'`' => return None,
            _ => {
                let mut i = pos;
                loop {
                    if i >= end {
                        return None;
                    }
                    match b[i] {
                        b':' if i + 1 == end || b[i + 1] == b' ' => break i,
                        b'#' if b[i - 1] == b' ' => return None,
                        _ => i += 1,
                    }
                }
            }
        };
        if b[key_end - 1] == b' ' {
            return None;
        }
        let after = b.get(key_end + 1).copied();
        if key_end + 1 < end && after != Some(b' ') {
            return None;
        }
        let span = pos..key_end;
        let text = match first {
            b'"' | b'\'' => scalar_at(self.text, span.clone()).text,
            _ => self.text[span.clone()].to_string(),
        };
        Some((text, span))
    }

    /// A value written after `key: ` or `- ` at `pos`, in a node at `indent`.
    fn value_on_line(&mut self, indent: usize, pos: usize) -> Option<YNode> {
        let end = self.line_end();
        let b = self.bytes;
        let (value, after) = match b[pos] {
            b'|' | b'>' => return self.block_scalar(indent, pos),
            b'"' | b'\'' => {
                let close = quoted_end(b, pos, end)?;
                let span = pos..close;
                (scalar_node(self.text, span), close)
            }
            b'[' => self.flow_seq(pos, end)?,
            b'{' => self.flow_map(pos, end)?,
            b'}' | b']' | b',' | b'&' | b'*' | b'!' | b'%' | b'@' | b'`' | b'?' | b'#' => {
                return None
            }
            b'-' | b':' if matches!(b.get(pos + 1), None | Some(b' ' | b'\n')) => return None,
            _ => {
                let mut stop = end;
                for i in pos..end {
                    match b[i] {
                        b'#' if b[i - 1] == b' ' => {
                            stop = i;
                            break;
                        }
                        b':' if i + 1 == end || b[i + 1] == b' ' => return None,
                        _ => {}
                    }
                }
                let mut value_end = stop;
                while b[value_end - 1] == b' ' {
                    value_end -= 1;
                }
                let span = pos..value_end;
                (scalar_node(self.text, span), value_end)
            }
        };
        let rest = self.skip_spaces(after);
        if !self.rest_is_empty(rest) {
            return None;
        }
        self.line_done(after, rest);
        Some(value)
    }

    /// `[a, "b", c]` on one line: the node and where it ends.
    fn flow_seq(&self, open: usize, end: usize) -> Option<(YNode, usize)> {
        let b = self.bytes;
        let mut items = Vec::new();
        let mut pos = self.skip_spaces(open + 1);
        if b.get(pos) == Some(&b']') {
            return Some((node(open..pos + 1, YKind::Seq(items)), pos + 1));
        }
        loop {
            if pos >= end {
                return None;
            }
            let item_end = self.flow_scalar(pos, end)?;
            items.push(scalar_node(self.text, pos..item_end));
            pos = self.skip_spaces(item_end);
            match b.get(pos) {
                Some(b']') if pos < end => {
                    return Some((node(open..pos + 1, YKind::Seq(items)), pos + 1))
                }
                Some(b',') if pos < end => {
                    pos = self.skip_spaces(pos + 1);
                    if matches!(b.get(pos), Some(b']' | b',')) {
                        return None;
                    }
                }
                _ => return None,
            }
        }
    }

    /// `{a: b, "c": d}` on one line (scalar values only): the node and where it ends.
    fn flow_map(&self, open: usize, end: usize) -> Option<(YNode, usize)> {
        let b = self.bytes;
        let mut pairs = Vec::new();
        let mut pos = self.skip_spaces(open + 1);
        if b.get(pos) == Some(&b'}') {
            return Some((node(open..pos + 1, YKind::Map(pairs)), pos + 1));
        }
        loop {
            if pos >= end {
                return None;
            }
            let key_end = self.flow_scalar(pos, end)?;
            if b.get(key_end) != Some(&b':') || b.get(key_end + 1) != Some(&b' ') {
                return None;
            }
            let value_start = self.skip_spaces(key_end + 1);
            if value_start >= end {
                return None;
            }
            let value_end = self.flow_scalar(value_start, end)?;
            pairs.push(Pair {
                key: scalar_at(self.text, pos..key_end).text,
                key_span: pos..key_end,
                span: pos..value_end,
                value: Some(scalar_node(self.text, value_start..value_end)),
            });
            pos = self.skip_spaces(value_end);
            match b.get(pos) {
                Some(b'}') if pos < end => {
                    return Some((node(open..pos + 1, YKind::Map(pairs)), pos + 1))
                }
                Some(b',') if pos < end => {
                    pos = self.skip_spaces(pos + 1);
                    if matches!(b.get(pos), Some(b'}' | b',')) {
                        return None;
                    }
                }
                _ => return None,
            }
        }
    }

    /// A plain or quoted scalar in a one-line flow collection, starting at `pos`: its end. A
    /// plain one stops before `,`, `]`, `}` or `: `, less trailing spaces.
    fn flow_scalar(&self, pos: usize, end: usize) -> Option<usize> {
        let b = self.bytes;
        match b[pos] {
            b'"' | b'\'' => quoted_end(b, pos, end),
            b'[' | b']' | b'{' | b'}' | b',' | b'#' | b'&' | b'*' | b'!' | b'|' | b'>' | b'%'
            | b'@' | b'`' | b'?' | b'-' | b':' => None,
            _ => {
                let mut i = pos;
                while i < end && !matches!(b[i], b',' | b']' | b'}') {
                    match b[i] {
                        b'[' | b'{' => return None,
                        b'#' if b[i - 1] == b' ' => return None,
                        b':' if matches!(b.get(i + 1), Some(b' ' | b',' | b']' | b'}') | None) => {
                            break
                        }
                        _ => i += 1,
                    }
                }
                while b[i - 1] == b' ' {
                    i -= 1;
                }
                Some(i)
            }
        }
    }

    /// `|` or `>` (optionally `-`) at `pos`, its content indented deeper than `indent`.
    fn block_scalar(&mut self, indent: usize, pos: usize) -> Option<YNode> {
        let b = self.bytes;
        let mut header = pos + 1;
        if b.get(header) == Some(&b'-') {
            header += 1;
        }
        // Only spaces may follow the header (tree-sitter-yaml trips on some header comments).
        if self.skip_spaces(header) < self.line_end() {
            return None;
        }
        let mut content_indent = None;
        let mut last = None;
        let mut i = self.at + 1;
        while let Some(line) = self.lines.get(i) {
            let blank = line.start + line.indent == line.end;
            if !blank {
                match content_indent {
                    None if line.indent > indent => content_indent = Some(line.indent),
                    None => break,
                    Some(c) if line.indent >= c => {}
                    Some(_) if line.indent <= indent => break,
                    Some(_) => return None,
                }
                last = Some(i);
            }
            i += 1;
        }
        let last = last?;
        let c = content_indent?;
        // Blank lines before the first content line must not be deeper than it.
        if self.lines[self.at + 1..last]
            .iter()
            .take_while(|l| l.start + l.indent == l.end)
            .any(|l| l.indent > c)
        {
            return None;
        }
        let line = &self.lines[last];
        let mut last_end = line.end;
        while b[last_end - 1] == b' ' {
            last_end -= 1;
        }
        self.at = last;
        self.last_end = last_end;
        self.next_line();
        // At the end of the document, with only blank lines after it, the scalar runs to the end
        // of the text.
        let at_end = !self.marked
            && self.lines[last + 1..]
                .iter()
                .all(|l| l.kind == LineKind::Blank);
        let end = if at_end { self.bytes.len() } else { last_end };
        let span = pos..end;
        let scalar = yaml::block_scalar(span.clone(), &self.text[span.clone()]);
        Some(node(span, YKind::Scalar(scalar)))
    }
}

/// The end (past the closing quote) of a quoted scalar opening at `pos`, on the same line.
fn quoted_end(b: &[u8], pos: usize, line_end: usize) -> Option<usize> {
    let quote = b[pos];
    let mut i = pos + 1;
    while i < line_end {
        match b[i] {
            b'\\' if quote == b'"' => i += 2,
            q if q == quote => {
                if quote == b'\'' && b.get(i + 1) == Some(&b'\'') {
                    i += 2;
                } else {
                    return Some(i + 1);
                }
            }
            _ => i += 1,
        }
    }
    None
}

/// A plain or quoted scalar at `span` (one line), read as the tree-sitter converter reads it.
fn scalar_at(text: &str, span: Span) -> yaml::Scalar {
    let raw = &text[span.clone()];
    match raw.as_bytes()[0] {
        b'"' => yaml::quoted_scalar(span, text, ScalarStyle::DoubleQuoted),
        b'\'' => yaml::quoted_scalar(span, text, ScalarStyle::SingleQuoted),
        _ => yaml::Scalar {
            text: raw.to_string(),
            span: span.clone(),
            content: span,
            style: ScalarStyle::Plain,
        },
    }
}

fn scalar_node(text: &str, span: Span) -> YNode {
    node(span.clone(), YKind::Scalar(scalar_at(text, span)))
}

fn null(at: usize) -> YNode {
    node(
        at..at,
        YKind::Scalar(yaml::Scalar {
            text: String::new(),
            span: at..at,
            content: at..at,
            style: ScalarStyle::Plain,
        }),
    )
}

fn node(span: Span, kind: YKind) -> YNode {
    YNode {
        span,
        anchor: None,
        tag: None,
        kind,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax::yaml_regions::{convert_with_tree_sitter, Role};

    fn same(a: &YamlDoc, b: &YamlDoc) -> bool {
        a.root == b.root && a.anchors == b.anchors && a.has_errors == b.has_errors
    }

    /// The fast reader's answer for `text`, checked against tree-sitter's when it has one.
    fn check(text: &str, marker: Option<usize>, item: bool) -> Option<YamlDoc> {
        let fast = read_region(text, marker, item)?;
        let role = if item { Role::Item } else { Role::Entry };
        let slow = convert_with_tree_sitter(text, role, marker);
        assert!(
            slow.as_ref().is_some_and(|s| same(&fast, s)),
            "{text:?} marker {marker:?}\nfast: {:#?}\ntree-sitter: {:#?}",
            fast.root,
            slow.map(|s| s.root)
        );
        Some(fast)
    }

    #[test]
    fn reads_the_common_shapes() {
        let text = "a:\n  b: 1 # c\n  d:\n  - x\n  - 'it''s'\n  e: [p, \"q\" , r]\n  f: {}\n  g: |-\n    run  \n\n  # end\n";
        for marker in [None, Some(0)] {
            let doc = check(text, marker, false).expect("read fast");
            let a = doc.root.unwrap();
            let a = a.get("a").unwrap();
            assert_eq!(a.get_str("b"), Some("1"));
            assert_eq!(a.get("d").unwrap().as_seq().unwrap().len(), 2);
            assert_eq!(a.get_str("g"), Some("run"));
        }
        let steps = "- name: x\n  run: |\n    echo hi\n-\n- - nested\n";
        assert!(check(steps, Some(0), true).is_some());
        assert!(check(steps, None, true).is_some());
    }

    #[test]
    fn leaves_the_rest_to_tree_sitter() {
        for text in [
            "a: &x 1\n",
            "a: *x\n",
            "a: !t 1\n",
            "a: b\n  more\n",
            "a: \"two\n  lines\"\n",
            "a: {b: [1]}\n",
            "a:\tb\n",
            "a: 1\r\n",
            "? a\n: b\n",
            "a: 1\n---\nb: 2\n",
            "a: |+\n  x\n",
            "a: [b,\n  c]\n",
            "a: b: c\n",
            "a:\n    b: 1\n  c: 2\n",
        ] {
            assert!(read_region(text, None, false).is_none(), "{text:?}");
        }
    }

    const KEYS: &[&str] = &["a", "b c", "\"k\"", "'q'", "on", "k-1", "x.y", "#", "- k"];
    const VALUES: &[&str] = &[
        "x",
        "a b",
        "\"q\"",
        "\"a\\\"b\\n\"",
        "'it''s'",
        "[a, b]",
        "[]",
        "{}",
        "${{ x }}",
        "a:b",
        "a #c",
        "a#b",
        "1  ",
        "\"open",
        "[a,",
        "- x",
        "&a x",
        "*a",
        "!t x",
        "|",
        "|-",
        ">",
        "|+",
        "'",
        "[a, 'b' ]",
        "[a, b,]",
        "[node:18]",
        "[a: b]",
        "-1",
        "a: b",
        "~",
        "\"\"",
        "http://x",
        "# c",
        "x # c  ",
        "[ ]",
        "{ }",
        "é ✓",
        "{a: b}",
        "{ a: 'b' , \"c\": d }",
        "{a: x:y}",
        "{a, b: c}",
        "{a: b,}",
        "{a: [b]}",
        "{a: ${{ b }}}",
        "{a:b}",
        "{a: }",
        "{a: b} x",
    ];
    const INDENTS: &[usize] = &[0, 0, 2, 2, 4, 4, 6, 1, 3, 8];

    fn line((shape, indent, key, value): (usize, usize, usize, usize)) -> String {
        let pad = " ".repeat(indent);
        let (k, v) = (KEYS[key], VALUES[value]);
        match shape {
            0 | 1 => format!("{pad}{k}: {v}"),
            2 => format!("{pad}{k}:"),
            3 => format!("{pad}- {v}"),
            4 => format!("{pad}- {k}: {v}"),
            5 => format!("{pad}-"),
            6 => format!("{pad}# note"),
            7 => String::new(),
            8 => format!("{pad}  "),
            9 => format!("{pad}{v}"),
            10 => format!("{pad}- {k}:"),
            _ => format!("{pad}{k}: {v} # trailing "),
        }
    }

    /// A tiny deterministic generator (xorshift), so the test reads the same texts every run.
    struct Rng(u64);

    impl Rng {
        fn below(&mut self, n: usize) -> usize {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            (self.0 % n as u64) as usize
        }
    }

    /// Whatever the fast reader reads of many generated texts, it reads as tree-sitter does;
    /// and it does read a good share of them.
    #[test]
    fn agrees_with_tree_sitter_on_generated_text() {
        let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
        let (mut read, mut tried) = (0, 0);
        for _ in 0..20_000 {
            let count = 1 + rng.below(12);
            let mut text = String::new();
            if rng.below(8) == 0 {
                text.push_str(["---\n", "# c\n---\n", "--- \n", "---\n---\n"][rng.below(4)]);
            }
            let mut indent: usize = 0;
            for n in 0..count {
                // Mostly the nesting real files have: the same, one deeper, one shallower.
                indent = match rng.below(6) {
                    0 | 1 => indent,
                    2 => indent + 2,
                    3 => indent.saturating_sub(2),
                    4 => 0,
                    _ => INDENTS[rng.below(INDENTS.len())],
                };
                if n > 0 {
                    text.push('\n');
                }
                // Mostly plain values, so that many texts are ones the fast reader takes.
                let value = if rng.below(3) == 0 {
                    rng.below(VALUES.len())
                } else {
                    rng.below(3)
                };
                let shape = (rng.below(12), indent, rng.below(KEYS.len()), value);
                text.push_str(&line(shape));
            }
            if rng.below(4) != 0 {
                text.push('\n');
            }
            let first_indent = text
                .lines()
                .find(|l| !l.trim().is_empty() && !l.trim_start().starts_with('#'))
                .map(|l| l.len() - l.trim_start_matches(' ').len());
            for item in [false, true] {
                let mut markers = vec![None];
                if text.ends_with('\n') {
                    markers.push(first_indent);
                }
                for marker in markers {
                    tried += 1;
                    read += usize::from(check(&text, marker, item).is_some());
                }
            }
        }
        assert!(read * 20 > tried, "read {read} of {tried}");
    }
}
