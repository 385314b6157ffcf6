//! YAML parsed in regions, so that an edit re-does only the part of the document it touched.
//!
//! Each top-level key is a region, and so is each entry under one nested key (a workflow's
//! `jobs:`, a compose file's `services:`); a large entry is split again into its head, each item
//! of its `steps:` and what follows them. A region is parsed with tree-sitter on its own,
//! followed by an end marker line at its indentation (so its last value ends as it would in the
//! whole document), and converted to a value tree with spans relative to its start. The next version of the document
//! reuses the converted value of every region whose text did not change, wherever it moved.
//! [`YamlSyntax::to_doc`] joins the regions into the [`YamlDoc`] a whole-document parse gives.
//!
//! A document whose layout a line scan cannot vouch for (flow style or an alias at the top,
//! several documents, tab indentation, a top-level line that is not `key:`) is one region.

use super::yaml::{self, Pair, YKind, YNode, YamlDoc};
use super::yaml_fast;
use super::yaml_recover::{self, YamlError};
use crate::finding::Span;
use crate::kind::FileKind;
use std::collections::hash_map::DefaultHasher;
use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::sync::Arc;

/// The key whose entries are regions of their own, for a kind of YAML file.
pub fn nested_key(kind: FileKind) -> Option<&'static str> {
    match kind {
        FileKind::Workflow => Some("jobs"),
        FileKind::Compose => Some("services"),
        _ => None,
    }
}

/// A YAML document as regions, each parsed and converted on its own.
pub struct YamlSyntax {
    text: Arc<str>,
    /// In document order: an entry's regions follow its parent's, a step's its entry head's.
    regions: Vec<Region>,
}

/// What part of the document a region is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Role {
    /// A top-level `key: value` (or, parsed whole, the document).
    Top,
    /// An entry under the nested key (`jobs:`), parsed whole.
    Entry,
    /// A split entry up to its bare `steps:` key.
    Head,
    /// One `- ` item of a split entry's steps.
    Item,
    /// The keys of a split entry after its steps.
    Tail,
}

#[derive(Clone)]
struct Region {
    span: Span,
    role: Role,
    /// Indentation of the end marker it was parsed with; `None` for the document's last region.
    marker: Option<usize>,
    /// Hash of the region's text, to find it again in the next version.
    hash: u64,
    /// The region parsed alone, spans relative to `span.start`; `None` when it did not read as
    /// the mapping (or, for an item, the sequence) that ends where the region ends.
    value: Option<Arc<YamlDoc>>,
    /// A region that did not parse: its first error and the repaired text it was read from
    /// (see [`yaml_recover`]), spans relative to `span.start`.
    broken: Option<Arc<Broken>>,
}

/// What recovery made of a region that did not parse.
struct Broken {
    /// `None` when what was repaired is valid YAML tree-sitter-yaml cannot read.
    error: Option<YamlError>,
    /// The same-length text the value tree was read from; for a document indented with tabs,
    /// the text with every tab a space (its tree was read with tabs two columns wide).
    repaired: String,
}

/// A region the line scan found: where it is, its role and its indentation.
struct Planned {
    span: Span,
    role: Role,
    indent: usize,
}

/// Entries larger than this are split into head, steps and tail.
const SPLIT_ENTRIES_OVER: usize = 8 * 1024;

impl YamlSyntax {
    /// Parse `text`. `nested_key` names the top-level key whose entries are regions of their own;
    /// `previous` is an earlier version of the same document whose unchanged regions are reused.
    pub fn parse(text: &str, nested_key: Option<&str>, previous: Option<&YamlSyntax>) -> Self {
        Self::parse_splitting(text, nested_key, previous, SPLIT_ENTRIES_OVER)
    }

    /// [`YamlSyntax::parse`], splitting entries larger than `split_over` bytes.
    pub fn parse_splitting(
        text: &str,
        nested_key: Option<&str>,
        previous: Option<&YamlSyntax>,
        split_over: usize,
    ) -> Self {
        let text: Arc<str> = Arc::from(text);
        let Some(plan) = layout(&text, nested_key, split_over) else {
            return Self::whole(text, nested_key, split_over);
        };
        let reusable = previous.map(Reusable::new);
        let regions: Vec<Region> = plan
            .into_iter()
            .map(|p| {
                let marker = (p.span.end != text.len()).then_some(p.indent);
                region(&text, p.span, p.role, marker, reusable.as_ref())
            })
            .collect();
        // A region that did not read as its part of the document (half-typed text, or a layout
        // the scan misread): the whole-document parse is the safe answer.
        if !regions
            .iter()
            .enumerate()
            .all(|(i, r)| fits(&regions, i, r))
        {
            return Self::whole(text, nested_key, split_over);
        }
        Self { text, regions }
    }

    fn whole(text: Arc<str>, nested_key: Option<&str>, split_over: usize) -> Self {
        let fast = || {
            yaml_fast::read_region(&text, None, false)
                .or_else(|| yaml_fast::read_region(&text, None, true))
        };
        let (value, broken) = match fast() {
            Some(doc) => (doc, None),
            None => {
                let tree = yaml::parse(&text, None);
                let tabs = || {
                    let error = yaml_recover::first_tab_error(&text)?;
                    Some((error, yaml_recover::Expanded::of(&text)?))
                };
                if !tree.root_node().has_error() {
                    (yaml::to_doc(&tree, &text), None)
                } else if let Some((error, expanded)) = tabs() {
                    // Indented with tabs: read with each tab two columns wide (in regions, what
                    // else is broken repaired as usual), spans mapped back to the document.
                    let inner = Self::parse_splitting(&expanded.text, nested_key, None, split_over);
                    let mut doc = inner.to_doc();
                    yaml_recover::map_doc(&mut doc, &|o| expanded.to_original(o));
                    let repaired = text.replace('\t', " ");
                    (
                        doc,
                        Some(Arc::new(Broken {
                            error: Some(error),
                            repaired,
                        })),
                    )
                } else {
                    match yaml_recover::repair(&text, "", Some(tree)) {
                        Some(r) => (
                            match &r.tree {
                                Some(tree) => yaml::to_doc(tree, &r.text),
                                None => yaml::parse_doc(&r.text),
                            },
                            Some(Arc::new(Broken {
                                error: r.error,
                                repaired: r.text,
                            })),
                        ),
                        None => (yaml::parse_doc(&text), None),
                    }
                }
            }
        };
        let regions = vec![Region {
            span: 0..text.len(),
            role: Role::Top,
            marker: None,
            hash: 0,
            value: Some(Arc::new(value)),
            broken,
        }];
        Self { text, regions }
    }

    /// The document's first syntax error, if it has one (spans into the whole text).
    pub fn error(&self) -> Option<YamlError> {
        self.regions.iter().find_map(|r| {
            let e = r.broken.as_ref()?.error.as_ref()?;
            Some(e.shifted(r.span.start))
        })
    }

    /// The text the value tree was read from: the document with every broken place repaired
    /// (see [`yaml_recover`]); the document itself when it parses. Same length, same lines.
    pub fn repaired_text(&self) -> std::borrow::Cow<'_, str> {
        if self.regions.iter().all(|r| r.broken.is_none()) {
            return std::borrow::Cow::Borrowed(&self.text);
        }
        let mut out = String::with_capacity(self.text.len());
        for r in &self.regions {
            match &r.broken {
                Some(b) => out.push_str(&b.repaired),
                None => out.push_str(&self.text[r.span.clone()]),
            }
        }
        std::borrow::Cow::Owned(out)
    }

    pub fn text(&self) -> &str {
        &self.text
    }

    /// How many regions the document was parsed in (1 when parsed whole).
    pub fn region_count(&self) -> usize {
        self.regions.len()
    }

    /// The converted document, with spans into the whole text.
    pub fn to_doc(&self) -> YamlDoc {
        let value = |r: &Region| r.value.as_deref().cloned().unwrap_or_default();
        if self.regions.len() == 1 {
            return value(&self.regions[0]);
        }
        let mut anchors = HashMap::new();
        let mut has_errors = false;
        let mut root = Joined::default();
        let mut entries = Joined::default();
        let mut split: Option<SplitEntry> = None;
        for (i, r) in self.regions.iter().enumerate() {
            let mut part = value(r);
            has_errors |= part.has_errors;
            shift_doc(&mut part, r.span.start);
            // Later anchors of the same name win, as in a whole-document pass.
            for (name, node) in in_document_order(part.anchors) {
                anchors.insert(name, node);
            }
            let Some(node) = part.root else { continue };
            match r.role {
                Role::Top => root.add(node),
                Role::Entry => entries.add(node),
                Role::Head => split = Some(SplitEntry::new(node)),
                Role::Item => {
                    if let Some(s) = split.as_mut() {
                        s.add_item(node);
                    }
                }
                Role::Tail => {
                    if let Some(s) = split.as_mut() {
                        s.add_tail(node);
                    }
                }
            }
            let next = self.regions.get(i + 1).map(|r| r.role);
            if !matches!(next, Some(Role::Item | Role::Tail)) {
                if let Some(done) = split.take() {
                    entries.add(done.finish());
                }
            }
            let nested_ends = r.role != Role::Top && next.is_none_or(|n| n == Role::Top);
            if let (true, Some(parent)) = (nested_ends, root.pairs.last_mut()) {
                if let Some(value) = std::mem::take(&mut entries).into_node() {
                    parent.span.end = value.span.end;
                    root.end = root.end.max(value.span.end);
                    parent.value = Some(value);
                }
            }
        }
        YamlDoc {
            root: root.into_node(),
            anchors,
            has_errors,
        }
    }
}

/// Whether region `i` read as its part: a top-level key followed by entries is bare, a head
/// holds one entry whose last key (`steps:`) is bare.
fn fits(regions: &[Region], i: usize, r: &Region) -> bool {
    let Some(root) = r.value.as_ref().and_then(|v| v.root.as_ref()) else {
        return false;
    };
    let bare_last = |pairs: &[Pair]| pairs.last().is_some_and(|p| p.value.is_none());
    match r.role {
        Role::Top if regions.get(i + 1).is_some_and(|n| n.role != Role::Top) => {
            matches!(root.as_map(), Some(pairs) if pairs.len() == 1 && bare_last(pairs))
        }
        Role::Head => match root.as_map() {
            Some([entry]) => entry
                .value
                .as_ref()
                .and_then(YNode::as_map)
                .is_some_and(bare_last),
            _ => false,
        },
        _ => true,
    }
}

/// A mapping joined from the mappings of consecutive regions.
#[derive(Default)]
struct Joined {
    pairs: Vec<Pair>,
    /// Where the last region's mapping node ended (past its last pair at the end of the file).
    end: usize,
}

impl Joined {
    fn add(&mut self, node: YNode) {
        self.end = node.span.end;
        if let YKind::Map(pairs) = node.kind {
            self.pairs.extend(pairs);
        }
    }

    fn into_node(self) -> Option<YNode> {
        let start = self.pairs.first()?.span.start;
        Some(YNode {
            span: start..self.end,
            anchor: None,
            tag: None,
            kind: YKind::Map(self.pairs),
        })
    }
}

/// An entry joined from its head, step item and tail regions.
struct SplitEntry {
    /// The head region's root: a mapping of the one entry, whose last key is `steps:`.
    head: YNode,
    items: Vec<YNode>,
    steps: Option<Span>,
    tail: Vec<Pair>,
    tail_end: Option<usize>,
}

impl SplitEntry {
    fn new(head: YNode) -> Self {
        Self {
            head,
            items: Vec::new(),
            steps: None,
            tail: Vec::new(),
            tail_end: None,
        }
    }

    fn add_item(&mut self, seq: YNode) {
        let start = self.steps.as_ref().map_or(seq.span.start, |s| s.start);
        self.steps = Some(start..seq.span.end);
        if let YKind::Seq(items) = seq.kind {
            self.items.extend(items);
        }
    }

    fn add_tail(&mut self, map: YNode) {
        self.tail_end = Some(map.span.end);
        if let YKind::Map(pairs) = map.kind {
            self.tail.extend(pairs);
        }
    }

    fn finish(self) -> YNode {
        let mut head = self.head;
        let mut end = head.span.end;
        if let YKind::Map(entries) = &mut head.kind {
            if let Some(entry) = entries.first_mut() {
                if let Some(body) = entry.value.as_mut() {
                    if let YKind::Map(keys) = &mut body.kind {
                        if let (Some(steps), Some(span)) = (keys.last_mut(), self.steps) {
                            end = span.end;
                            steps.span.end = end;
                            steps.value = Some(YNode {
                                span,
                                anchor: None,
                                tag: None,
                                kind: YKind::Seq(self.items),
                            });
                        }
                        keys.extend(self.tail);
                    }
                    end = self.tail_end.unwrap_or(end);
                    body.span.end = end;
                }
                entry.span.end = end;
            }
        }
        head.span.end = end;
        head
    }
}

/// Anchors sorted by where they are (a region's map holds the last of each name already).
fn in_document_order(anchors: HashMap<String, YNode>) -> Vec<(String, YNode)> {
    let mut v: Vec<(String, YNode)> = anchors.into_iter().collect();
    v.sort_by_key(|(_, n)| n.span.start);
    v
}

/// The previous version's regions, found by the hash of their text.
struct Reusable<'p> {
    previous: &'p YamlSyntax,
    by_hash: HashMap<u64, &'p Region>,
}

impl<'p> Reusable<'p> {
    fn new(previous: &'p YamlSyntax) -> Self {
        let by_hash = previous
            .regions
            .iter()
            .filter(|r| r.hash != 0)
            .map(|r| (r.hash, r))
            .collect();
        Self { previous, by_hash }
    }

    fn find(&self, text: &str, hash: u64, role: Role, marker: Option<usize>) -> Option<&'p Region> {
        let r = *self.by_hash.get(&hash)?;
        let same = r.role == role
            && r.marker == marker
            && self.previous.text.get(r.span.clone()) == Some(text);
        same.then_some(r)
    }
}

/// Parse and convert one region, or reuse the previous version's.
fn region(
    text: &str,
    span: Span,
    role: Role,
    marker: Option<usize>,
    reusable: Option<&Reusable>,
) -> Region {
    let part = &text[span.clone()];
    let hash = hash_of(part);
    let (value, broken) = match reusable.and_then(|r| r.find(part, hash, role, marker)) {
        Some(previous) => (previous.value.clone(), previous.broken.clone()),
        None => {
            let (value, broken) = convert(part, role, marker);
            (value.map(Arc::new), broken.map(Arc::new))
        }
    };
    Region {
        span,
        role,
        marker,
        hash,
        value,
        broken,
    }
}

const END_MARKER: &str = "chainwarden-region-end";

/// The region's value tree, or `None` when it is not a mapping (a sequence for an item) that
/// ends at the region's end; for a region that does not parse, the tree of its repaired text.
fn convert(part: &str, role: Role, marker: Option<usize>) -> (Option<YamlDoc>, Option<Broken>) {
    if let Some(doc) = yaml_fast::read_region(part, marker, role == Role::Item) {
        return (Some(doc), None);
    }
    let suffix = marker_line(role, marker);
    let marked = format!("{part}{suffix}");
    let tree = yaml::parse(&marked, None);
    if !tree.root_node().has_error() {
        return (fit_marked(&tree, &marked, part, role, marker), None);
    }
    match yaml_recover::repair(part, &suffix, Some(tree)) {
        Some(r) => {
            let value = match &r.tree {
                Some(tree) => {
                    let marked = format!("{}{suffix}", r.text);
                    fit_marked(tree, &marked, &r.text, role, marker)
                }
                None => convert_with_tree_sitter(&r.text, role, marker),
            };
            let broken = Broken {
                error: r.error,
                repaired: r.text,
            };
            (value, Some(broken))
        }
        None => (convert_with_tree_sitter(part, role, marker), None),
    }
}

/// The end marker line a region is parsed with (none for the document's last region).
fn marker_line(role: Role, marker: Option<usize>) -> String {
    match marker {
        None => String::new(),
        Some(indent) if role == Role::Item => format!("{:indent$}- {END_MARKER}\n", ""),
        Some(indent) => format!("{:indent$}{END_MARKER}:\n", ""),
    }
}

/// [`convert`] by parsing the region with tree-sitter.
pub(super) fn convert_with_tree_sitter(
    part: &str,
    role: Role,
    marker: Option<usize>,
) -> Option<YamlDoc> {
    let marked = format!("{part}{}", marker_line(role, marker));
    fit_marked(&yaml::parse(&marked, None), &marked, part, role, marker)
}

/// The value tree of a region parsed with its end marker (`tree` of `marked`), when it reads
/// as its part.
fn fit_marked(
    tree: &tree_sitter::Tree,
    marked: &str,
    part: &str,
    role: Role,
    marker: Option<usize>,
) -> Option<YamlDoc> {
    let item = role == Role::Item;
    let Some(indent) = marker else {
        let doc = yaml::to_doc(tree, part);
        let root = doc.root.as_ref()?;
        let fits = if item {
            root.as_seq().is_some()
        } else {
            root.as_map().is_some()
        };
        return fits.then_some(doc);
    };
    let mut doc = yaml::to_doc(tree, marked);
    let root = doc.root.as_mut()?;
    // The marker must read as the root's own last entry, right where it was put.
    let end = match &mut root.kind {
        YKind::Map(pairs) if !item => {
            let m = pairs.pop()?;
            if m.key != END_MARKER || m.key_span.start != part.len() + indent {
                return None;
            }
            pairs.last()?.span.end
        }
        YKind::Seq(items) if item => {
            let m = items.pop()?;
            if m.as_str() != Some(END_MARKER) || m.span.start != part.len() + indent + 2 {
                return None;
            }
            items.last()?.span.end
        }
        _ => return None,
    };
    root.span.end = end;
    Some(doc)
}

fn hash_of(s: &str) -> u64 {
    let mut h = DefaultHasher::new();
    s.hash(&mut h);
    h.finish().max(1)
}

/// Split the document into regions by a line scan, or `None` when its layout is not the plain
/// block-mapping kind the scan understands.
fn layout(text: &str, nested_key: Option<&str>, split_over: usize) -> Option<Vec<Planned>> {
    let mut top: Vec<Span> = Vec::new();
    let mut is_parent: Vec<bool> = Vec::new();
    let mut seen_content = false;
    for (start, body) in crate::text::lines_at(text) {
        if body.starts_with('\t') {
            return None;
        }
        if body.starts_with(' ') || is_blank_or_comment(body) {
            continue;
        }
        if !seen_content && body.trim_end() == "---" {
            seen_content = true;
            continue;
        }
        seen_content = true;
        let Some((key, rest)) = split_key_line(body) else {
            // A key being typed (a word, no `:` yet) is never valid here: it stays in the
            // region before it, which recovery repairs, instead of the whole document being
            // parsed (and repaired) again on every keystroke.
            let code = body.split(" #").next().unwrap_or(body);
            let half_typed = body.starts_with(|c: char| c.is_ascii_alphanumeric() || c == '_')
                && !code.contains(':');
            if half_typed && !top.is_empty() {
                continue;
            }
            return None;
        };
        top.push(start..start);
        is_parent.push(nested_key == Some(key) && is_blank_or_comment(rest));
    }
    if top.len() < 2 {
        return None;
    }
    // Each top region runs to the next one; the first also holds what comes before it.
    let ends: Vec<usize> = top
        .iter()
        .skip(1)
        .map(|s| s.start)
        .chain([text.len()])
        .collect();
    for (span, end) in top.iter_mut().zip(ends) {
        span.end = end;
    }
    top[0].start = 0;

    let mut plan = Vec::new();
    for (span, parent) in top.into_iter().zip(is_parent) {
        let nested = parent.then(|| nested_layout(text, span.clone())).flatten();
        let Some((header_end, indent, entries)) = nested else {
            plan.push(Planned {
                span,
                role: Role::Top,
                indent: 0,
            });
            continue;
        };
        plan.push(Planned {
            span: span.start..header_end,
            role: Role::Top,
            indent: 0,
        });
        for entry in entries {
            match (entry.len() > split_over).then(|| steps_layout(text, entry.clone(), indent)) {
                Some(Some(parts)) => plan.extend(parts),
                _ => plan.push(Planned {
                    span: entry,
                    role: Role::Entry,
                    indent,
                }),
            }
        }
    }
    Some(plan)
}

/// An entry split at its `steps:` items: the head up to the first item, each item, and the keys
/// after the steps; `None` when the entry has no block sequence of steps, or lines that do not
/// fit that shape.
fn steps_layout(text: &str, span: Span, indent: usize) -> Option<Vec<Planned>> {
    let mut body_indent = None;
    let mut item_indent = None;
    let mut in_steps = false;
    let mut items: Vec<usize> = Vec::new();
    let mut tail = None;
    for (n, (start, body)) in crate::text::lines_at(&text[span.clone()]).enumerate() {
        let start = span.start + start;
        if n == 0 || is_blank_or_comment(body) {
            continue;
        }
        let width = body.len() - body.trim_start_matches(' ').len();
        let content = &body[width..];
        let body_width = *body_indent.get_or_insert(width);
        let is_item = content == "-" || content.starts_with("- ");
        if width < body_width || body_width <= indent {
            return None;
        }
        if tail.is_some() {
            continue;
        }
        if !in_steps {
            let key = (width == body_width)
                .then(|| split_key_line(content))
                .flatten();
            in_steps = key.is_some_and(|(k, rest)| k == "steps" && is_blank_or_comment(rest));
            continue;
        }
        match item_indent {
            None if is_item => {
                item_indent = Some(width);
                items.push(start);
            }
            None => return None,
            Some(w) if width == w && is_item => items.push(start),
            Some(w) if width > w => {}
            Some(_) if width == body_width && split_key_line(content).is_some() => {
                tail = Some(start);
            }
            Some(_) => return None,
        }
    }
    let (body_indent, item_indent) = (body_indent?, item_indent?);
    let first = *items.first()?;
    let items_end = tail.unwrap_or(span.end);
    let mut parts = vec![Planned {
        span: span.start..first,
        role: Role::Head,
        indent,
    }];
    let ends = items.iter().skip(1).copied().chain([items_end]);
    for (&start, end) in items.iter().zip(ends) {
        parts.push(Planned {
            span: start..end,
            role: Role::Item,
            indent: item_indent,
        });
    }
    if let Some(start) = tail {
        parts.push(Planned {
            span: start..span.end,
            role: Role::Tail,
            indent: body_indent,
        });
    }
    Some(parts)
}

/// The entries under a `key:` line, each from its key line to the next: `(end of the header,
/// their indentation, entry spans)`, or `None` when some line does not fit that shape.
fn nested_layout(text: &str, span: Span) -> Option<(usize, usize, Vec<Span>)> {
    let mut indent = None;
    let mut starts = Vec::new();
    for (n, (start, body)) in crate::text::lines_at(&text[span.clone()]).enumerate() {
        let start = span.start + start;
        if n == 0 || is_blank_or_comment(body) {
            continue;
        }
        let width = body.len() - body.trim_start_matches(' ').len();
        let want = *indent.get_or_insert(width);
        if width < want {
            return None;
        }
        if width == want {
            split_key_line(&body[width..])?;
            starts.push(start);
        }
    }
    let first = *starts.first()?;
    let ends = starts.iter().skip(1).copied().chain([span.end]);
    let spans = starts.iter().zip(ends).map(|(&s, e)| s..e).collect();
    Some((first, indent?, spans))
}

fn is_blank_or_comment(s: &str) -> bool {
    let t = s.trim_start_matches([' ', '\t']);
    t.is_empty() || t.starts_with('#')
}

/// `key: rest` or `key:` with a plain or quoted key: `(key, rest)`.
fn split_key_line(line: &str) -> Option<(&str, &str)> {
    let first = line.chars().next()?;
    let key_end = match first {
        '"' | '\'' => {
            let close = line[1..].find(first)? + 1;
            if line[close + 1..].starts_with(':') {
                close + 1
            } else {
                return None;
            }
        }
        c if "-?:,[]{}#&*!|>%@`".contains(c) => return None,
        _ => {
            let bytes = line.as_bytes();
            (0..bytes.len()).find(|&i| {
                bytes[i] == b':' && bytes.get(i + 1).is_none_or(|b| *b == b' ' || *b == b'\t')
            })?
        }
    };
    let key = line[..key_end].trim_matches(['"', '\'']);
    let rest = &line[key_end + 1..];
    if !rest.is_empty() && !rest.starts_with([' ', '\t']) {
        return None;
    }
    Some((key, rest))
}

fn shift_doc(doc: &mut YamlDoc, by: usize) {
    if let Some(root) = doc.root.as_mut() {
        shift_node(root, by);
    }
    for node in doc.anchors.values_mut() {
        shift_node(node, by);
    }
}

fn shift(span: &mut Span, by: usize) {
    span.start += by;
    span.end += by;
}

fn shift_node(node: &mut YNode, by: usize) {
    shift(&mut node.span, by);
    match &mut node.kind {
        YKind::Scalar(s) => {
            shift(&mut s.span, by);
            shift(&mut s.content, by);
        }
        YKind::Map(pairs) => {
            for p in pairs {
                shift(&mut p.key_span, by);
                shift(&mut p.span, by);
                if let Some(v) = p.value.as_mut() {
                    shift_node(v, by);
                }
            }
        }
        YKind::Seq(items) => items.iter_mut().for_each(|n| shift_node(n, by)),
        YKind::Alias(_) | YKind::Invalid => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn whole(text: &str) -> YamlDoc {
        yaml::parse_doc(text)
    }

    fn same(a: &YamlDoc, b: &YamlDoc) -> bool {
        a.root == b.root && a.anchors == b.anchors && a.has_errors == b.has_errors
    }

    #[test]
    fn regions_join_into_the_whole_document() {
        let text = "---\n# top\nname: CI ✓\non:\n  push:\n    branches: [main]\nenv: &e\n  A: 1\njobs:\n  # first\n  a:\n    runs-on: x\n    env: *e\n    steps:\n      - run: |\n          echo hi\n\n  \"b\":\n    uses: ./w.yml # c\n# end\npermissions: read-all\n";
        let s = YamlSyntax::parse(text, Some("jobs"), None);
        assert_eq!(s.region_count(), 7);
        let (got, want) = (s.to_doc(), whole(text));
        assert!(same(&got, &want), "{:#?}\n---\n{:#?}", got.root, want.root);
    }

    /// Every region of every corpus and fixture YAML file: the fast reader, where it reads the
    /// region at all, gives what tree-sitter gives.
    #[test]
    fn fast_reader_agrees_with_tree_sitter_on_real_regions() {
        let manifest = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let corpus = std::env::var_os("CHAINWARDEN_CORPUS")
            .map(std::path::PathBuf::from)
            .unwrap_or_else(|| "/work/shared/corpus/dev".into());
        let mut files = Vec::new();
        for root in [manifest.join("../tests/fixtures"), corpus] {
            yaml_files_under(&root, &mut files);
        }
        let (mut fast, mut slow, mut differ) = (0, 0, Vec::new());
        for (path, kind) in files {
            let Ok(text) = std::fs::read_to_string(&path) else {
                continue;
            };
            let Some(plan) = layout(&text, nested_key(kind), 0) else {
                continue;
            };
            for p in plan {
                let marker = (p.span.end != text.len()).then_some(p.indent);
                let part = &text[p.span.clone()];
                let Some(got) = yaml_fast::read_region(part, marker, p.role == Role::Item) else {
                    slow += 1;
                    continue;
                };
                fast += 1;
                let want = convert_with_tree_sitter(part, p.role, marker);
                if !want.is_some_and(|w| same(&got, &w)) {
                    differ.push(format!("{}: {:?}", path.display(), p.span));
                }
            }
        }
        eprintln!("fast reader read {fast} regions, left {slow} to tree-sitter");
        assert!(differ.is_empty(), "{} differ: {differ:#?}", differ.len());
        assert!(fast > slow * 4, "fast {fast}, slow {slow}");
    }

    fn yaml_files_under(dir: &std::path::Path, out: &mut Vec<(std::path::PathBuf, FileKind)>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                yaml_files_under(&p, out);
            } else if let Some(kind) = crate::kind::detect(&p).filter(|k| k.is_yaml()) {
                out.push((p, kind));
            }
        }
    }

    #[test]
    fn odd_layouts_are_parsed_whole() {
        for text in [
            "{on: push, jobs: {}}\n",
            "on: push\n---\njobs: {}\n",
            "on: push\n\tjobs:\n",
            "- a\n- b\n",
            "on: push\njobs\n",
            "&a on: push\njobs: {}\n",
        ] {
            let s = YamlSyntax::parse(text, Some("jobs"), None);
            assert_eq!(s.region_count(), 1, "{text:?}");
            // A document that does not parse is read from its repaired text (one indented with
            // tabs from its tab-expanded text, a different length: not comparable here).
            let tabs = s
                .error()
                .is_some_and(|e| e.kind == yaml_recover::ErrorKind::TabIndent);
            assert!(
                tabs || same(&s.to_doc(), &whole(&s.repaired_text())),
                "{text:?}"
            );
        }
    }

    #[test]
    fn a_top_level_key_being_typed_stays_in_its_region() {
        let text = "on: push\nperm\njobs:\n  a:\n    runs-on: x\n  b:\n    runs-on: y\n";
        let s = YamlSyntax::parse(text, Some("jobs"), None);
        assert_eq!(s.region_count(), 4);
        let e = s.error().unwrap();
        assert_eq!(&text[e.span], "perm");
        assert!(same(&s.to_doc(), &whole(&s.repaired_text())));
    }

    #[test]
    fn unchanged_regions_are_reused_after_an_edit() {
        let v1 = "on: push\njobs:\n  a:\n    runs-on: x\n  b:\n    runs-on: y\n";
        let v2 = "on: push\njobs:\n  a:\n    runs-on: xyz\n  b:\n    runs-on: y\n";
        let first = YamlSyntax::parse(v1, Some("jobs"), None);
        let second = YamlSyntax::parse(v2, Some("jobs"), Some(&first));
        let reused = |i: usize| {
            let (a, b) = (&first.regions[i].value, &second.regions[i].value);
            Arc::ptr_eq(a.as_ref().unwrap(), b.as_ref().unwrap())
        };
        assert!(reused(0) && reused(1) && !reused(2) && reused(3));
        assert!(same(&second.to_doc(), &whole(v2)));
    }
}

#[cfg(test)]
mod proptests {
    use super::*;
    use proptest::prelude::*;

    const START: &str = "name: CI\non:\n  push:\njobs:\n  a:\n    runs-on: x\n    steps:\n      - uses: actions/checkout@v4\n      - run: |\n          echo hi\n    outputs:\n      o: x\n  b:\n    needs: a\n    steps:\n    - run: echo\npermissions: {}\n";
    const PIECES: &[&str] = &[
        "", "a", ":", " ", "\n", "  - ", "- ", "steps:\n", "  c:\n", "\"", "#", "é", "\t", "|\n",
    ];

    fn floor(text: &str, mut i: usize) -> usize {
        i = i.min(text.len());
        while !text.is_char_boundary(i) {
            i -= 1;
        }
        i
    }

    fn printed(s: &YamlSyntax) -> String {
        let d = s.to_doc();
        format!(
            "{:?} {:?} {} {:?}",
            d.root,
            d.anchors,
            d.has_errors,
            s.error()
        )
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(128))]
        /// Re-parsing from the previous version gives what a fresh parse gives, edit after edit,
        /// with every entry split as finely as it can be.
        #[test]
        fn reparsing_from_the_previous_version_equals_a_fresh_parse(
            edits in proptest::collection::vec((0.0f64..1.0, 0usize..8, 0..PIECES.len()), 1..20)
        ) {
            let mut text = START.to_string();
            let mut current = YamlSyntax::parse_splitting(&text, Some("jobs"), None, 0);
            for (at, len, piece) in edits {
                let start = floor(&text, (at * text.len() as f64) as usize);
                let end = floor(&text, start + len).max(start);
                text.replace_range(start..end, PIECES[piece]);
                let next = YamlSyntax::parse_splitting(&text, Some("jobs"), Some(&current), 0);
                let fresh = YamlSyntax::parse_splitting(&text, Some("jobs"), None, 0);
                prop_assert_eq!(printed(&next), printed(&fresh));
                current = next;
            }
        }
    }
}
