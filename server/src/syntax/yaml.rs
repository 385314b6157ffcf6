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

/// Node kind and field ids of the YAML grammar, looked up once: comparing ids is much cheaper
/// than comparing the kind names tree-sitter hands out.
struct Ids {
    stream: u16,
    document: u16,
    comment: u16,
    yaml_directive: u16,
    tag_directive: u16,
    reserved_directive: u16,
    block_node: u16,
    flow_node: u16,
    anchor: u16,
    tag: u16,
    block_mapping: u16,
    flow_mapping: u16,
    block_mapping_pair: u16,
    flow_pair: u16,
    block_sequence: u16,
    flow_sequence: u16,
    block_sequence_item: u16,
    plain_scalar: u16,
    double_quote_scalar: u16,
    single_quote_scalar: u16,
    block_scalar: u16,
    alias: u16,
    key: std::num::NonZeroU16,
    value: std::num::NonZeroU16,
}

fn ids() -> &'static Ids {
    static IDS: std::sync::OnceLock<Ids> = std::sync::OnceLock::new();
    IDS.get_or_init(|| {
        let lang: tree_sitter::Language = tree_sitter_yaml::LANGUAGE.into();
        let kind = |name: &str| {
            let id = lang.id_for_node_kind(name, true);
            assert!(id != 0, "tree-sitter-yaml has no `{name}` node");
            id
        };
        let field = |name: &str| {
            lang.field_id_for_name(name)
                .unwrap_or_else(|| panic!("tree-sitter-yaml has no `{name}` field"))
        };
        Ids {
            stream: kind("stream"),
            document: kind("document"),
            comment: kind("comment"),
            yaml_directive: kind("yaml_directive"),
            tag_directive: kind("tag_directive"),
            reserved_directive: kind("reserved_directive"),
            block_node: kind("block_node"),
            flow_node: kind("flow_node"),
            anchor: kind("anchor"),
            tag: kind("tag"),
            block_mapping: kind("block_mapping"),
            flow_mapping: kind("flow_mapping"),
            block_mapping_pair: kind("block_mapping_pair"),
            flow_pair: kind("flow_pair"),
            block_sequence: kind("block_sequence"),
            flow_sequence: kind("flow_sequence"),
            block_sequence_item: kind("block_sequence_item"),
            plain_scalar: kind("plain_scalar"),
            double_quote_scalar: kind("double_quote_scalar"),
            single_quote_scalar: kind("single_quote_scalar"),
            block_scalar: kind("block_scalar"),
            alias: kind("alias"),
            key: field("key"),
            value: field("value"),
        }
    })
}

/// The named children of `n`, walked with one cursor.
fn named_children(n: Node) -> impl Iterator<Item = Node> {
    let mut cursor = n.walk();
    let mut started = false;
    std::iter::from_fn(move || loop {
        let moved = if started {
            cursor.goto_next_sibling()
        } else {
            started = true;
            cursor.goto_first_child()
        };
        if !moved {
            return None;
        }
        let node = cursor.node();
        if node.is_named() {
            return Some(node);
        }
    })
}

/// The content node of the first document (skipping `stream`, `document`, comments).
fn first_document_content(root: Node) -> Option<Node> {
    let k = ids();
    let kind = root.kind_id();
    if kind == k.stream {
        named_children(root)
            .filter(|n| n.kind_id() != k.comment)
            .find_map(first_document_content)
    } else if kind == k.document {
        named_children(root).find(|n| {
            let id = n.kind_id();
            id != k.comment
                && id != k.yaml_directive
                && id != k.tag_directive
                && id != k.reserved_directive
        })
    } else {
        Some(root)
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
        let k = ids();
        let mut anchor = None;
        let mut tag = None;
        let kind = n.kind_id();
        let content = if kind == k.block_node || kind == k.flow_node {
            let mut content = None;
            for ch in named_children(n) {
                let id = ch.kind_id();
                if id == k.anchor {
                    anchor = Some(self.src(ch).trim_start_matches('&').to_string());
                } else if id == k.tag {
                    tag = Some(self.src(ch).to_string());
                } else if id != k.comment && content.is_none() {
                    content = Some(ch);
                }
            }
            content
        } else {
            Some(n)
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
        let k = ids();
        let id = c.kind_id();
        // An ERROR node that still holds `key: value` pairs reads as a mapping.
        let broken_map = || c.is_error() && has_child_kind(c, k.block_mapping_pair);
        if id == k.block_mapping || id == k.flow_mapping || broken_map() {
            YKind::Map(self.pairs(c))
        } else if id == k.block_sequence || id == k.flow_sequence {
            YKind::Seq(self.items(c))
        } else if is_scalar_kind(id) || id == k.block_scalar {
            YKind::Scalar(scalar(c, self.text))
        } else if id == k.alias {
            YKind::Alias(self.src(c).trim_start_matches('*').to_string())
        } else if id == k.block_node || id == k.flow_node {
            match self.node(c) {
                Some(n) => n.kind,
                None => YKind::Invalid,
            }
        } else {
            YKind::Invalid
        }
    }

    fn pairs(&mut self, map: Node) -> Vec<Pair> {
        let k = ids();
        let in_flow_mapping = map.kind_id() == k.flow_mapping;
        let mut out = Vec::new();
        for ch in named_children(map) {
            let id = ch.kind_id();
            if id == k.block_mapping_pair || id == k.flow_pair {
                out.push(self.pair(ch));
            } else if id == k.flow_node && in_flow_mapping {
                // `{a, b: c}`: a lone key in a flow mapping has a null value.
                out.push(Pair {
                    key: self.key_text(ch),
                    key_span: ch.byte_range(),
                    span: ch.byte_range(),
                    value: None,
                });
            }
        }
        out
    }

    /// One `key: value` node.
    fn pair(&mut self, pair: Node) -> Pair {
        let k = ids();
        let key = pair.child_by_field_id(k.key.get());
        let value = pair.child_by_field_id(k.value.get());
        let (key_text, key_span) = match key {
            Some(key) => (self.key_text(key), key.byte_range()),
            // `: value` with no key: keep it findable by position only.
            None => (String::new(), pair.start_byte()..pair.start_byte()),
        };
        Pair {
            key: key_text,
            key_span,
            span: pair.byte_range(),
            value: value.and_then(|v| self.node(v)),
        }
    }

    fn items(&mut self, seq: Node) -> Vec<YNode> {
        let k = ids();
        let mut out = Vec::new();
        for ch in named_children(seq) {
            let id = ch.kind_id();
            if id == k.block_sequence_item {
                let value = named_children(ch).find(|n| n.kind_id() != k.comment);
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
            } else if id == k.flow_node {
                if let Some(v) = self.node(ch) {
                    out.push(v);
                }
            } else if id == k.flow_pair {
                // `[a: b]`: a single-pair mapping as an item.
                let pairs = vec![self.pair(ch)];
                out.push(YNode {
                    span: ch.byte_range(),
                    anchor: None,
                    tag: None,
                    kind: YKind::Map(pairs),
                });
            }
        }
        out
    }

    fn key_text(&self, k: Node) -> String {
        let inner = content_node(k);
        if is_scalar_kind(inner.kind_id()) {
            scalar(inner, self.text).text
        } else {
            self.src(k).to_string()
        }
    }
}

/// Plain and quoted scalars (not block scalars).
fn is_scalar_kind(id: u16) -> bool {
    let k = ids();
    id == k.plain_scalar || id == k.double_quote_scalar || id == k.single_quote_scalar
}

fn has_child_kind(n: Node, kind: u16) -> bool {
    named_children(n).any(|ch| ch.kind_id() == kind)
}

/// Descend through `block_node`/`flow_node` wrappers (skipping anchors and tags) to the node
/// that holds the value itself.
pub fn content_node(n: Node) -> Node {
    let k = ids();
    let mut n = n;
    while n.kind_id() == k.block_node || n.kind_id() == k.flow_node {
        let next = named_children(n).find(|ch| {
            let id = ch.kind_id();
            id != k.anchor && id != k.tag && id != k.comment
        });
        match next {
            Some(ch) => n = ch,
            None => break,
        }
    }
    n
}

/// Read a scalar node (`plain_scalar`, quoted scalars, `block_scalar`).
pub fn scalar(n: Node, text: &str) -> Scalar {
    let k = ids();
    let span = n.byte_range();
    let raw = &text[span.clone()];
    let id = n.kind_id();
    if id == k.double_quote_scalar {
        quoted_scalar(span, text, ScalarStyle::DoubleQuoted)
    } else if id == k.single_quote_scalar {
        quoted_scalar(span, text, ScalarStyle::SingleQuoted)
    } else if id == k.block_scalar {
        block_scalar(span, raw)
    } else {
        Scalar {
            text: fold_flow_lines(raw),
            span: span.clone(),
            content: span,
            style: ScalarStyle::Plain,
        }
    }
}

/// A `"double"` or `'single'` quoted scalar at `span`.
pub(crate) fn quoted_scalar(span: Span, text: &str, style: ScalarStyle) -> Scalar {
    let raw = &text[span.clone()];
    if style == ScalarStyle::DoubleQuoted {
        let content = quoted_content(&span, raw, '"');
        Scalar {
            text: decode_double(&text[content.clone()]),
            span,
            content,
            style,
        }
    } else {
        let content = quoted_content(&span, raw, '\'');
        Scalar {
            text: fold_flow_lines(&text[content.clone()]).replace("''", "'"),
            span,
            content,
            style,
        }
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
pub(crate) fn block_scalar(span: Span, raw: &str) -> Scalar {
    let folded = raw.starts_with('>');
    let style = if folded {
        ScalarStyle::Folded
    } else {
        ScalarStyle::Literal
    };
    let header_end = raw.find('\n').map(|i| i + 1).unwrap_or(raw.len());
    // The indicators end at the first space: a comment after them (`| # why`) is not read.
    let header = raw[..header_end]
        .split([' ', '\t', '#'])
        .next()
        .unwrap_or("")
        .trim_end();
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
            let content = l.trim_start_matches(' ');
            if l.len() - content.len() >= indent {
                &l[indent..]
            } else {
                content
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
    fn a_comment_after_the_block_header_sets_no_indicator() {
        // `-` and a digit in the comment are not chomping or indentation indicators.
        let s = block_scalar(0..30, "| # strip-2 lines\n  a\n");
        assert_eq!(s.text, "a\n");
        let s = block_scalar(0..10, "|- # x\n  a\n");
        assert_eq!(s.text, "a");
    }

    #[test]
    fn block_scalar_line_indented_less_than_the_first_keeps_whole_characters() {
        // Only reachable in broken documents: a later line with less indentation than the first
        // content line, with a wide character where the first line's indentation ends.
        let s = block_scalar(0..20, "|\n    a\n é😀\n");
        assert_eq!(s.text, "a\né😀\n");
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
