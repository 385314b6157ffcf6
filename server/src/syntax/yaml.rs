//! YAML through tree-sitter: exact byte spans, comments kept, recovery from broken input.
//!
//! Besides [`parse`], this module turns a tree-sitter-yaml tree into a small owned value tree
//! ([`YNode`]) that carries the byte span of every key and value. The conversion is tolerant:
//! ERROR nodes that still hold `key: value` pairs are read as mappings, a `key:` with no value
//! (or only a comment under it) has `value: None`, and anything unrecognisable becomes
//! [`YKind::Invalid`] instead of failing the document.

use crate::finding::Span;
use std::collections::HashMap;
use tree_sitter::{Node, Parser, Tree};

thread_local! {
    static PARSER: std::cell::RefCell<Parser> = std::cell::RefCell::new({
        let mut p = Parser::new();
        p.set_language(&tree_sitter_yaml::LANGUAGE.into())
            .expect("tree-sitter-yaml grammar is compatible");
        p
    });
}

/// Parse (incrementally when `old_tree` is given and already edited).
///
/// tree-sitter-yaml's scanner keeps one entry per open block level and aborts the process
/// (an assertion in C, a buffer overrun without it) when about 250 are open at once. Text from
/// the line where the nesting could get that deep is left out of the tree.
pub fn parse(text: &str, old_tree: Option<&Tree>) -> Tree {
    let safe = nesting_safe_len(text);
    let (text, old_tree) = if safe < text.len() {
        (&text[..safe], None)
    } else {
        (text, old_tree)
    };
    PARSER.with(|p| {
        p.borrow_mut()
            .parse(text, old_tree)
            .expect("parser has a language and no timeout")
    })
}

/// Most block levels the scanner may have open before the text is cut (its limit is ~250).
const MAX_BLOCK_LEVELS: usize = 160;

/// The length of the longest prefix of whole lines whose block nesting stays well below the
/// scanner's limit. An over-estimate of the levels: every indentation step, every leading
/// `- ` / `? ` and a key on the line may open one.
fn nesting_safe_len(text: &str) -> usize {
    let mut open: Vec<usize> = Vec::new();
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let indent = line.len() - line.trim_start_matches([' ', '\t']).len();
        if line[indent..].trim().is_empty() || line[indent..].starts_with('#') {
            offset += line.len();
            continue;
        }
        while open.last().is_some_and(|&c| c > indent) {
            open.pop();
        }
        if open.last().is_none_or(|&c| c < indent) {
            open.push(indent);
        }
        // Compact nesting on one line: `- - ? key: value`.
        let b = line.as_bytes();
        let mut i = indent;
        while i + 1 < b.len() && matches!(b[i], b'-' | b'?') && matches!(b[i + 1], b' ' | b'\t') {
            i += 2;
            while i < b.len() && matches!(b[i], b' ' | b'\t') {
                i += 1;
            }
            open.push(i);
        }
        if line[i..].contains(": ") {
            open.push(i + 1);
        }
        if open.len() >= MAX_BLOCK_LEVELS {
            return offset;
        }
        offset += line.len();
    }
    text.len()
}

/// How a scalar was written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ScalarStyle {
    Plain,
    SingleQuoted,
    DoubleQuoted,
    /// `|` block scalar.
    Literal,
    /// `>` block scalar.
    Folded,
}

/// A scalar value: its text with quotes and escapes resolved, and where it is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Scalar {
    /// The value (quotes removed, escapes decoded, block scalars de-indented).
    pub text: String,
    /// The whole node in the document, quotes or block header included.
    pub span: Span,
    /// The content in the document: inside the quotes; for block scalars, from the first
    /// content line to the end of the node (the raw, still indented script of `run: |`).
    pub content: Span,
    pub style: ScalarStyle,
}

impl Scalar {
    /// True when `text` appears verbatim in the document at `content` (no escapes, no
    /// folding), so offsets into `text` are offsets into the document.
    pub fn is_verbatim(&self, doc: &str) -> bool {
        doc.get(self.content.clone()) == Some(self.text.as_str())
    }

    pub fn is_block(&self) -> bool {
        matches!(self.style, ScalarStyle::Literal | ScalarStyle::Folded)
    }
}

/// One `key: value` pair of a mapping.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pair {
    /// Key text with quotes removed.
    pub key: String,
    /// The key as written (quotes included).
    pub key_span: Span,
    /// The whole pair, key to end of value.
    pub span: Span,
    /// `None` for `key:` with nothing (or only a comment) after it.
    pub value: Option<YNode>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum YKind {
    Scalar(Scalar),
    Map(Vec<Pair>),
    Seq(Vec<YNode>),
    /// `*name` (resolved on request with [`YamlDoc::resolve`]).
    Alias(String),
    /// Something the tolerant reader could not make sense of (an ERROR node).
    Invalid,
}

/// A YAML value with its span, anchor and tag.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct YNode {
    pub span: Span,
    pub anchor: Option<String>,
    pub tag: Option<String>,
    pub kind: YKind,
}

impl YNode {
    pub fn as_scalar(&self) -> Option<&Scalar> {
        match &self.kind {
            YKind::Scalar(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        self.as_scalar().map(|s| s.text.as_str())
    }

    pub fn as_map(&self) -> Option<&[Pair]> {
        match &self.kind {
            YKind::Map(p) => Some(p),
            _ => None,
        }
    }

    pub fn as_seq(&self) -> Option<&[YNode]> {
        match &self.kind {
            YKind::Seq(s) => Some(s),
            _ => None,
        }
    }

    /// The pair with this key (first match; keys compare exactly).
    pub fn pair(&self, key: &str) -> Option<&Pair> {
        self.as_map()?.iter().find(|p| p.key == key)
    }

    /// The value of `key`, when the key exists and has a value.
    pub fn get(&self, key: &str) -> Option<&YNode> {
        self.pair(key)?.value.as_ref()
    }

    /// Scalar text of `key`'s value.
    pub fn get_str(&self, key: &str) -> Option<&str> {
        self.get(key)?.as_str()
    }

    /// A scalar, or each scalar of a sequence (`branches: main` and `branches: [main, dev]`).
    pub fn scalars(&self) -> Vec<&Scalar> {
        match &self.kind {
            YKind::Scalar(s) => vec![s],
            YKind::Seq(items) => items.iter().filter_map(YNode::as_scalar).collect(),
            _ => vec![],
        }
    }

    /// Every scalar anywhere below this node (keys excluded), in document order.
    pub fn all_scalars(&self) -> Vec<&Scalar> {
        let mut out = Vec::new();
        fn walk<'a>(n: &'a YNode, out: &mut Vec<&'a Scalar>) {
            match &n.kind {
                YKind::Scalar(s) => out.push(s),
                YKind::Map(pairs) => pairs
                    .iter()
                    .filter_map(|p| p.value.as_ref())
                    .for_each(|v| walk(v, out)),
                YKind::Seq(items) => items.iter().for_each(|v| walk(v, out)),
                YKind::Alias(_) | YKind::Invalid => {}
            }
        }
        walk(self, &mut out);
        out
    }
}

/// A converted YAML document: the root value and its anchors.
#[derive(Clone, Debug, Default)]
pub struct YamlDoc {
    /// The first document's root value (`None` for an empty document).
    pub root: Option<YNode>,
    pub anchors: HashMap<String, YNode>,
    /// Whether the tree-sitter tree holds ERROR or MISSING nodes.
    pub has_errors: bool,
}

impl YamlDoc {
    /// Follow an alias to its anchored value; other nodes are returned as they are.
    pub fn resolve<'a>(&'a self, node: &'a YNode) -> &'a YNode {
        match &node.kind {
            YKind::Alias(name) => self.anchors.get(name).unwrap_or(node),
            _ => node,
        }
    }
}

/// Convert a parsed tree into a [`YamlDoc`].
pub fn to_doc(tree: &Tree, text: &str) -> YamlDoc {
    let mut conv = Converter {
        text,
        anchors: HashMap::new(),
        depth: 0,
    };
    let root = tree.root_node();
    let first = first_document_content(root);
    let root_value = first.and_then(|n| conv.node(n));
    YamlDoc {
        root: root_value,
        anchors: conv.anchors,
        has_errors: root.has_error(),
    }
}

/// Parse and convert in one step (tests, small files).
pub fn parse_doc(text: &str) -> YamlDoc {
    to_doc(&parse(text, None), text)
}

/// The content node of the first document (skipping `stream`, `document`, comments).
fn first_document_content(root: Node) -> Option<Node> {
    match root.kind() {
        "stream" => {
            let mut c = root.walk();
            let docs: Vec<Node> = root
                .named_children(&mut c)
                .filter(|n| n.kind() != "comment")
                .collect();
            docs.into_iter().find_map(first_document_content)
        }
        "document" => {
            let mut c = root.walk();
            let found = root.named_children(&mut c).find(|n| {
                !matches!(
                    n.kind(),
                    "comment" | "yaml_directive" | "tag_directive" | "reserved_directive"
                )
            });
            found
        }
        _ => Some(root),
    }
}

/// Values nested deeper than this are left out of the value tree: real files stay far below,
/// and the converter, the rules' walks and dropping the tree all recurse.
pub const MAX_NESTING: usize = 200;

struct Converter<'t> {
    text: &'t str,
    anchors: HashMap<String, YNode>,
    /// Current nesting of [`Converter::node`] calls.
    depth: usize,
}

impl Converter<'_> {
    fn src(&self, n: Node) -> &str {
        &self.text[n.byte_range()]
    }

    /// Convert any value node (block_node, flow_node, or a bare content node).
    fn node(&mut self, n: Node) -> Option<YNode> {
        if self.depth >= MAX_NESTING {
            return None;
        }
        self.depth += 1;
        let node = self.node_inner(n);
        self.depth -= 1;
        node
    }

    fn node_inner(&mut self, n: Node) -> Option<YNode> {
        let mut anchor = None;
        let mut tag = None;
        let content = match n.kind() {
            "block_node" | "flow_node" => {
                let mut content = None;
                let mut c = n.walk();
                for ch in n.named_children(&mut c) {
                    match ch.kind() {
                        "anchor" => {
                            anchor = Some(self.src(ch).trim_start_matches('&').to_string());
                        }
                        "tag" => tag = Some(self.src(ch).to_string()),
                        "comment" => {}
                        _ if content.is_none() => content = Some(ch),
                        _ => {}
                    }
                }
                content
            }
            _ => Some(n),
        };
        let kind = match content {
            None => YKind::Scalar(Scalar {
                // An anchor or tag with nothing after it: an empty (null) value.
                text: String::new(),
                span: n.end_byte()..n.end_byte(),
                content: n.end_byte()..n.end_byte(),
                style: ScalarStyle::Plain,
            }),
            Some(c) => self.content(c),
        };
        let node = YNode {
            span: n.byte_range(),
            anchor,
            tag,
            kind,
        };
        if let Some(a) = &node.anchor {
            self.anchors.insert(a.clone(), node.clone());
        }
        Some(node)
    }

    fn content(&mut self, c: Node) -> YKind {
        match c.kind() {
            "block_mapping" | "flow_mapping" => YKind::Map(self.pairs(c)),
            "ERROR" if has_child_kind(c, "block_mapping_pair") => YKind::Map(self.pairs(c)),
            "block_sequence" | "flow_sequence" => YKind::Seq(self.items(c)),
            "plain_scalar" | "double_quote_scalar" | "single_quote_scalar" | "block_scalar" => {
                YKind::Scalar(scalar(c, self.text))
            }
            "alias" => YKind::Alias(self.src(c).trim_start_matches('*').to_string()),
            "block_node" | "flow_node" => match self.node(c) {
                Some(n) => n.kind,
                None => YKind::Invalid,
            },
            _ => YKind::Invalid,
        }
    }

    fn pairs(&mut self, map: Node) -> Vec<Pair> {
        let mut out = Vec::new();
        let mut c = map.walk();
        let children: Vec<Node> = map.named_children(&mut c).collect();
        for ch in children {
            match ch.kind() {
                "block_mapping_pair" | "flow_pair" => {
                    let key = ch.child_by_field_name("key");
                    let value = ch.child_by_field_name("value");
                    let (key_text, key_span) = match key {
                        Some(k) => (self.key_text(k), k.byte_range()),
                        // `: value` with no key: keep it findable by position only.
                        None => (String::new(), ch.start_byte()..ch.start_byte()),
                    };
                    let value = value.and_then(|v| self.node(v));
                    out.push(Pair {
                        key: key_text,
                        key_span,
                        span: ch.byte_range(),
                        value,
                    });
                }
                // `{a, b: c}`: a lone key in a flow mapping has a null value.
                "flow_node" if map.kind() == "flow_mapping" => {
                    out.push(Pair {
                        key: self.key_text(ch),
                        key_span: ch.byte_range(),
                        span: ch.byte_range(),
                        value: None,
                    });
                }
                _ => {}
            }
        }
        out
    }

    fn items(&mut self, seq: Node) -> Vec<YNode> {
        let mut out = Vec::new();
        let mut c = seq.walk();
        let children: Vec<Node> = seq.named_children(&mut c).collect();
        for ch in children {
            match ch.kind() {
                "block_sequence_item" => {
                    let mut cc = ch.walk();
                    let value = ch.named_children(&mut cc).find(|n| n.kind() != "comment");
                    match value.and_then(|v| self.node(v)) {
                        Some(v) => out.push(v),
                        // `-` alone: a null item.
                        None => out.push(YNode {
                            span: ch.end_byte()..ch.end_byte(),
                            anchor: None,
                            tag: None,
                            kind: YKind::Scalar(Scalar {
                                text: String::new(),
                                span: ch.end_byte()..ch.end_byte(),
                                content: ch.end_byte()..ch.end_byte(),
                                style: ScalarStyle::Plain,
                            }),
                        }),
                    }
                }
                "flow_node" => {
                    if let Some(v) = self.node(ch) {
                        out.push(v);
                    }
                }
                // `[a: b]`: a single-pair mapping as an item.
                "flow_pair" => {
                    let pairs = self.pairs_of_single(ch);
                    out.push(YNode {
                        span: ch.byte_range(),
                        anchor: None,
                        tag: None,
                        kind: YKind::Map(pairs),
                    });
                }
                _ => {}
            }
        }
        out
    }

    fn pairs_of_single(&mut self, pair: Node) -> Vec<Pair> {
        let key = pair.child_by_field_name("key");
        let value = pair.child_by_field_name("value").and_then(|v| self.node(v));
        let (key_text, key_span) = match key {
            Some(k) => (self.key_text(k), k.byte_range()),
            None => (String::new(), pair.start_byte()..pair.start_byte()),
        };
        vec![Pair {
            key: key_text,
            key_span,
            span: pair.byte_range(),
            value,
        }]
    }

    fn key_text(&self, k: Node) -> String {
        let inner = content_node(k);
        match inner.kind() {
            "plain_scalar" | "double_quote_scalar" | "single_quote_scalar" => {
                scalar(inner, self.text).text
            }
            _ => self.src(k).to_string(),
        }
    }
}

fn has_child_kind(n: Node, kind: &str) -> bool {
    let mut c = n.walk();
    let found = n.named_children(&mut c).any(|ch| ch.kind() == kind);
    found
}

/// Descend through `block_node`/`flow_node` wrappers (skipping anchors and tags) to the node
/// that holds the value itself.
pub fn content_node(n: Node) -> Node {
    let mut n = n;
    while matches!(n.kind(), "block_node" | "flow_node") {
        let mut c = n.walk();
        let next = n
            .named_children(&mut c)
            .find(|ch| !matches!(ch.kind(), "anchor" | "tag" | "comment"));
        match next {
            Some(ch) => n = ch,
            None => break,
        }
    }
    n
}

/// Read a scalar node (`plain_scalar`, quoted scalars, `block_scalar`).
pub fn scalar(n: Node, text: &str) -> Scalar {
    let span = n.byte_range();
    let raw = &text[span.clone()];
    match n.kind() {
        "double_quote_scalar" => {
            let content = quoted_content(&span, raw, '"');
            Scalar {
                text: decode_double(&text[content.clone()]),
                span,
                content,
                style: ScalarStyle::DoubleQuoted,
            }
        }
        "single_quote_scalar" => {
            let content = quoted_content(&span, raw, '\'');
            Scalar {
                text: fold_flow_lines(&text[content.clone()]).replace("''", "'"),
                span,
                content,
                style: ScalarStyle::SingleQuoted,
            }
        }
        "block_scalar" => block_scalar(span, raw),
        _ => Scalar {
            text: fold_flow_lines(raw),
            span: span.clone(),
            content: span,
            style: ScalarStyle::Plain,
        },
    }
}

/// Inside the quotes (tolerating a missing closing quote in half-typed text).
fn quoted_content(span: &Span, raw: &str, quote: char) -> Span {
    let start = span.start + usize::from(raw.starts_with(quote));
    let closed = raw.len() >= 2 && raw.ends_with(quote);
    let end = if closed { span.end - 1 } else { span.end };
    start..end.max(start)
}

/// Multi-line flow scalars: line breaks and the indentation after them fold into spaces.
fn fold_flow_lines(s: &str) -> String {
    if !s.contains('\n') {
        return s.to_string();
    }
    let lines: Vec<&str> = s
        .split('\n')
        .map(|l| l.trim_end_matches('\r').trim())
        .collect();
    let mut out = String::new();
    let mut pending_breaks = 0;
    for (i, l) in lines.iter().enumerate() {
        if i > 0 && l.is_empty() {
            pending_breaks += 1;
            continue;
        }
        if i > 0 {
            if pending_breaks > 0 {
                out.extend(std::iter::repeat_n('\n', pending_breaks));
            } else {
                out.push(' ');
            }
            pending_breaks = 0;
        }
        out.push_str(l);
    }
    out
}

fn decode_double(s: &str) -> String {
    let folded = fold_flow_lines(s);
    let mut out = String::with_capacity(folded.len());
    let mut chars = folded.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => out.push('\n'),
            Some('t') => out.push('\t'),
            Some('r') => out.push('\r'),
            Some('0') => out.push('\0'),
            Some('"') => out.push('"'),
            Some('\\') => out.push('\\'),
            Some('/') => out.push('/'),
            Some(' ') => out.push(' '),
            Some(k @ ('x' | 'u' | 'U')) => {
                let len = match k {
                    'x' => 2,
                    'u' => 4,
                    _ => 8,
                };
                let hex: String = chars.by_ref().take(len).collect();
                match u32::from_str_radix(&hex, 16).ok().and_then(char::from_u32) {
                    Some(ch) => out.push(ch),
                    None => {
                        out.push('\\');
                        out.push(k);
                        out.push_str(&hex);
                    }
                }
            }
            Some(other) => {
                out.push('\\');
                out.push(other);
            }
            None => out.push('\\'),
        }
    }
    out
}

/// `|`/`>` block scalars: content starts on the line after the header; lines are de-indented
/// by the first content line's indentation; `>` folds single line breaks into spaces.
fn block_scalar(span: Span, raw: &str) -> Scalar {
    let folded = raw.starts_with('>');
    let style = if folded {
        ScalarStyle::Folded
    } else {
        ScalarStyle::Literal
    };
    let header_end = raw.find('\n').map(|i| i + 1).unwrap_or(raw.len());
    let header = raw[..header_end].trim_end();
    let body = &raw[header_end..];
    let content = span.start + header_end..span.end;
    let explicit: Option<usize> = header
        .chars()
        .find_map(|c| c.to_digit(10))
        .map(|d| d as usize);
    let lines: Vec<&str> = body.split('\n').map(|l| l.trim_end_matches('\r')).collect();
    let indent = explicit.unwrap_or_else(|| {
        lines
            .iter()
            .find(|l| !l.trim().is_empty())
            .map(|l| l.len() - l.trim_start_matches(' ').len())
            .unwrap_or(0)
    });
    let dedented: Vec<&str> = lines
        .iter()
        .map(|l| {
            if l.len() >= indent {
                &l[indent..]
            } else {
                l.trim_start_matches(' ')
            }
        })
        .collect();
    let mut text = if folded {
        let mut out = String::new();
        let mut prev_blank = true;
        for l in &dedented {
            if l.is_empty() {
                out.push('\n');
                prev_blank = true;
            } else {
                if !prev_blank && !l.starts_with(' ') {
                    out.push(' ');
                }
                out.push_str(l);
                prev_blank = false;
            }
        }
        out
    } else {
        dedented.join("\n")
    };
    let keep = header.contains('+');
    let strip = header.contains('-');
    let trimmed_len = text.trim_end_matches('\n').len();
    text.truncate(trimmed_len);
    if !strip && !text.is_empty() {
        text.push('\n');
    }
    if keep {
        let trailing = body.len() - body.trim_end_matches(['\n', '\r']).len();
        let extra = body[body.len() - trailing..].matches('\n').count();
        for _ in 1..extra {
            text.push('\n');
        }
    }
    Scalar {
        text,
        span,
        content,
        style,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(text: &str) -> YamlDoc {
        parse_doc(text)
    }

    #[test]
    fn mappings_sequences_and_spans() {
        let t = "name: CI\non: [push, \"pull_request\"]\njobs:\n  a:\n    steps:\n      - uses: x/y@v1 # c\n      - {uses: 'a/b@v2', with: {k: 1}}\n";
        let d = doc(t);
        let root = d.root.unwrap();
        assert_eq!(root.get_str("name"), Some("CI"));
        let on = root.get("on").unwrap().scalars();
        assert_eq!(
            on.iter().map(|s| s.text.as_str()).collect::<Vec<_>>(),
            ["push", "pull_request"]
        );
        assert_eq!(&t[on[1].content.clone()], "pull_request");
        let steps = root
            .get("jobs")
            .unwrap()
            .get("a")
            .unwrap()
            .get("steps")
            .unwrap()
            .as_seq()
            .unwrap();
        assert_eq!(steps.len(), 2);
        let u = steps[0].get("uses").unwrap().as_scalar().unwrap();
        assert_eq!(&t[u.span.clone()], "x/y@v1");
        let u2 = steps[1].get("uses").unwrap().as_scalar().unwrap();
        assert_eq!(u2.text, "a/b@v2");
        assert_eq!(&t[u2.content.clone()], "a/b@v2");
        assert_eq!(u2.style, ScalarStyle::SingleQuoted);
        assert_eq!(steps[1].get("with").unwrap().get_str("k"), Some("1"));
    }

    #[test]
    fn key_with_only_a_comment_has_no_value() {
        let t = "on:\n  workflow_dispatch:\n    inputs:\n      # nothing yet\njobs: {}\n";
        let d = doc(t);
        let root = d.root.unwrap();
        let wd = root.get("on").unwrap().get("workflow_dispatch").unwrap();
        let inputs = wd.pair("inputs").unwrap();
        assert!(inputs.value.is_none());
        assert_eq!(&t[inputs.key_span.clone()], "inputs");
        assert_eq!(root.get("jobs").unwrap().as_map().unwrap().len(), 0);
    }

    #[test]
    fn quoted_keys_and_escapes() {
        let t = "\"on\": push\n'a b': 'it''s'\nc: \"tab\\there \\u00e9\"\n";
        let root = doc(t).root.unwrap();
        assert_eq!(root.get_str("on"), Some("push"));
        assert_eq!(root.get_str("a b"), Some("it's"));
        assert_eq!(root.get_str("c"), Some("tab\there é"));
        let on = root.pair("on").unwrap();
        assert_eq!(&t[on.key_span.clone()], "\"on\"");
    }

    #[test]
    fn block_scalars_keep_raw_content_span() {
        let t = "run: |\n  echo one\n  echo ${{ x }}\nfold: >-\n  a\n  b\n\n  c\nnext: 1\n";
        let root = doc(t).root.unwrap();
        let run = root.get("run").unwrap().as_scalar().unwrap();
        assert_eq!(run.text, "echo one\necho ${{ x }}\n");
        assert_eq!(&t[run.content.clone()], "  echo one\n  echo ${{ x }}");
        assert_eq!(run.style, ScalarStyle::Literal);
        let fold = root.get("fold").unwrap().as_scalar().unwrap();
        assert_eq!(fold.text, "a b\nc");
        assert_eq!(root.get_str("next"), Some("1"));
    }

    #[test]
    fn anchors_aliases_and_tags() {
        let t = "base: &b\n  A: x\nuse: *b\ntagged: !!str 5\n";
        let d = doc(t);
        let root = d.root.as_ref().unwrap();
        let used = root.get("use").unwrap();
        assert!(matches!(used.kind, YKind::Alias(ref n) if n == "b"));
        assert_eq!(d.resolve(used).get_str("A"), Some("x"));
        let tagged = root.get("tagged").unwrap();
        assert_eq!(tagged.tag.as_deref(), Some("!!str"));
        assert_eq!(tagged.as_str(), Some("5"));
    }

    #[test]
    fn crlf_and_non_ascii() {
        let t = "name: \"héllo ✓\"\r\nrun: |\r\n  echo é\r\n  ls\r\nx: y\r\n";
        let root = doc(t).root.unwrap();
        assert_eq!(root.get_str("name"), Some("héllo ✓"));
        assert_eq!(root.get_str("run"), Some("echo é\nls\n"));
        let x = root.get("x").unwrap().as_scalar().unwrap();
        assert_eq!(&t[x.span.clone()], "y");
    }

    #[test]
    fn half_typed_documents_do_not_lose_good_pairs() {
        let t = "on: push\njobs:\n  b:\n    steps:\n      - uses\n      - name: x\n        run: \"unterminated\n      - uses: foo/bar@v1\n    permissions:\n";
        let d = doc(t);
        assert!(d.has_errors);
        let root = d.root.unwrap();
        let job = root.get("jobs").unwrap().get("b").unwrap();
        let steps = job.get("steps").unwrap().as_seq().unwrap();
        assert_eq!(steps.last().unwrap().get_str("uses"), Some("foo/bar@v1"));
        assert!(job.pair("permissions").unwrap().value.is_none());
        // A top-level error still yields the pairs it holds.
        let d = doc("a: 1\nb: |+2\n    keep\n? c\n: v\n- bad\n");
        assert_eq!(d.root.unwrap().get_str("a"), Some("1"));
        // Garbage and empty input never panic.
        for t in [
            "",
            "\t\tfoo: [",
            "- - - :",
            ": : :",
            "{",
            "a: \"\\u12",
            "x: |\n",
        ] {
            let _ = doc(t);
        }
    }
}
