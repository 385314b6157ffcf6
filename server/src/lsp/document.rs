//! An open document: its text in a rope, its version, and what is kept parsed between versions
//! so that re-parsing is incremental: YAML in regions (see [`crate::syntax::yaml_regions`]),
//! JS/TS as a tree-sitter tree kept in step with every edit.

use crate::engine::MAX_ANALYSED_BYTES;
use crate::kind::FileKind;
use crate::syntax::yaml_regions::YamlSyntax;
use crate::syntax::{self, Syntax};
use crate::text::{Encoding, LineCol, LineIndex};
use ropey::Rope;
use std::path::PathBuf;
use std::sync::Arc;
use tree_sitter::{InputEdit, Point, Tree};

/// One change of a `didChange`, already decoded: a range in the client's encoding (or the whole
/// text when `None`) and the new text.
pub struct Change<'a> {
    pub range: Option<(LineCol, LineCol)>,
    pub text: &'a str,
}

pub struct Document {
    pub path: PathBuf,
    pub kind: Option<FileKind>,
    pub version: i32,
    rope: Rope,
    /// The rope's text for the current version (what analyses and conversions read).
    text: Arc<str>,
    /// The parse of `text` for kinds that keep one (YAML kinds and JS/TS).
    kept: Option<Kept>,
}

/// What the server keeps parsed between versions of a document.
#[derive(Clone)]
pub enum Kept {
    Yaml(Arc<YamlSyntax>),
    Js(Tree),
}

impl Kept {
    pub fn into_syntax(self) -> Syntax {
        match self {
            Kept::Yaml(yaml) => Syntax::Yaml(yaml),
            Kept::Js(tree) => Syntax::Js(tree),
        }
    }
}

/// Kinds whose parse the server keeps between versions.
fn keeps_parse(kind: Option<FileKind>) -> bool {
    kind.is_some_and(|k| k.is_yaml() || k == FileKind::Source)
}

impl Document {
    pub fn new(path: PathBuf, kind: Option<FileKind>, version: i32, text: &str) -> Document {
        let mut doc = Document {
            path,
            kind,
            version,
            rope: Rope::from_str(text),
            text: Arc::from(text),
            kept: None,
        };
        doc.reparse(None);
        doc
    }

    pub fn text(&self) -> &Arc<str> {
        &self.text
    }

    pub fn kept(&self) -> Option<&Kept> {
        self.kept.as_ref()
    }

    /// Apply the changes of one `didChange` in order, then re-parse once (incrementally: from the
    /// edited old tree, or the previous YAML regions). Positions past the end clamp; nothing here
    /// panics on odd input.
    pub fn apply_changes(&mut self, version: i32, changes: &[Change], enc: Encoding) {
        // YAML regions are matched by their text, so they stay reusable through any change.
        let (mut old_tree, old_yaml) = match self.kept.take() {
            Some(Kept::Js(tree)) => (Some(tree), None),
            Some(Kept::Yaml(yaml)) => (None, Some(yaml)),
            None => (None, None),
        };
        for change in changes {
            match change.range {
                None => {
                    self.rope = Rope::from_str(change.text);
                    old_tree = None;
                }
                Some((start, end)) => {
                    let mut start = self.offset(start, enc);
                    let mut end = self.offset(end, enc);
                    if end < start {
                        std::mem::swap(&mut start, &mut end);
                    }
                    let start_point = self.point(start);
                    let old_end_point = self.point(end);
                    let start_char = self.rope.byte_to_char(start);
                    let end_char = self.rope.byte_to_char(end);
                    self.rope.remove(start_char..end_char);
                    self.rope.insert(start_char, change.text);
                    if let Some(tree) = old_tree.as_mut() {
                        tree.edit(&InputEdit {
                            start_byte: start,
                            old_end_byte: end,
                            new_end_byte: start + change.text.len(),
                            start_position: start_point,
                            old_end_position: old_end_point,
                            new_end_position: point_after(start_point, change.text),
                        });
                    }
                }
            }
        }
        self.version = version;
        self.text = Arc::from(self.rope.to_string());
        let previous = old_yaml.map(Previous::Yaml).or(old_tree.map(Previous::Js));
        self.reparse(previous);
    }

    fn reparse(&mut self, previous: Option<Previous>) {
        self.kept = None;
        let Some(kind) = self.kind.filter(|_| keeps_parse(self.kind)) else {
            return;
        };
        if self.text.len() > MAX_ANALYSED_BYTES {
            return;
        }
        let (text, path) = (&self.text, &self.path);
        let parsed = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| match previous {
            Some(Previous::Yaml(yaml)) => syntax::parse_yaml(kind, text, Some(&yaml)),
            Some(Previous::Js(tree)) => syntax::parse(kind, path, text, Some(&tree)),
            None => syntax::parse(kind, path, text, None),
        }));
        self.kept = match parsed {
            Ok(Syntax::Yaml(yaml)) => Some(Kept::Yaml(yaml)),
            Ok(Syntax::Js(tree)) => Some(Kept::Js(tree)),
            Ok(_) => None,
            Err(_) => {
                eprintln!(
                    "chainwarden lsp: parser panicked on {}",
                    self.path.display()
                );
                None
            }
        };
    }

    /// Byte offset of a position in the client's encoding, read from the rope one line at a time.
    /// Lines past the end clamp to the end of the text, columns past the line end to the line end.
    pub fn offset(&self, pos: LineCol, enc: Encoding) -> usize {
        let line = pos.line as usize;
        if line >= self.rope.len_lines() {
            return self.rope.len_bytes();
        }
        let line_start = self.rope.line_to_byte(line);
        let line_text = self.rope.line(line).to_string();
        let index = LineIndex::new(&line_text);
        line_start
            + index.offset(
                &line_text,
                LineCol {
                    line: 0,
                    col: pos.col,
                },
                enc,
            )
    }

    /// The tree-sitter point (row, byte column) of a byte offset.
    fn point(&self, offset: usize) -> Point {
        let offset = offset.min(self.rope.len_bytes());
        let row = self.rope.byte_to_line(offset);
        Point {
            row,
            column: offset - self.rope.line_to_byte(row),
        }
    }
}

/// What the next parse starts from.
enum Previous {
    Yaml(Arc<YamlSyntax>),
    /// The old tree, already edited to match the new text.
    Js(Tree),
}

/// Where an insertion of `text` at `start` ends.
fn point_after(start: Point, text: &str) -> Point {
    match text.rfind('\n') {
        Some(last) => Point {
            row: start.row + text.bytes().filter(|b| *b == b'\n').count(),
            column: text.len() - last - 1,
        },
        None => Point {
            row: start.row,
            column: start.column + text.len(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lc(line: u32, col: u32) -> LineCol {
        LineCol { line, col }
    }

    /// The kept parse, printed: the value tree for YAML, the tree for JS/TS.
    pub(super) fn parsed(doc: &Document) -> String {
        match doc.kept().expect("a kept parse") {
            Kept::Yaml(yaml) => {
                let d = yaml.to_doc();
                format!(
                    "{:?} {:?} {} {:?}",
                    d.root,
                    d.anchors,
                    d.has_errors,
                    yaml.error()
                )
            }
            Kept::Js(tree) => tree.root_node().to_sexp(),
        }
    }

    #[test]
    fn incremental_edits_match_a_fresh_parse() {
        let start = "on: push\n# Überprüfung 😀\njobs:\n  a:\n    steps:\n      - uses: actions/checkout@v4\n";
        let mut doc = Document::new(
            ".github/workflows/ci.yml".into(),
            Some(FileKind::Workflow),
            1,
            start,
        );
        // Replace "v4" (after the emoji line, so UTF-16 and UTF-8 columns differ on the line above).
        doc.apply_changes(
            2,
            &[Change {
                range: Some((lc(5, 31), lc(5, 33))),
                text: "v5",
            }],
            Encoding::Utf16,
        );
        // Insert a line after the non-ASCII comment: its end is col 16 in UTF-16, 19 in UTF-8.
        doc.apply_changes(
            3,
            &[Change {
                range: Some((lc(1, 16), lc(1, 16))),
                text: "\nenv:\n  A: é",
            }],
            Encoding::Utf16,
        );
        // Two changes in one notification, applied in order.
        doc.apply_changes(
            4,
            &[
                Change {
                    range: Some((lc(0, 4), lc(0, 8))),
                    text: "pull_request",
                },
                Change {
                    range: Some((lc(0, 0), lc(0, 0))),
                    text: "name: x\n",
                },
            ],
            Encoding::Utf16,
        );
        let expected = "name: x\non: pull_request\n# Überprüfung 😀\nenv:\n  A: é\njobs:\n  a:\n    steps:\n      - uses: actions/checkout@v5\n";
        assert_eq!(&**doc.text(), expected);
        let fresh = Document::new(doc.path.clone(), doc.kind, 4, expected);
        assert_eq!(parsed(&doc), parsed(&fresh));
        assert_eq!(doc.version, 4);
    }

    #[test]
    fn utf8_columns_and_clamping() {
        let mut doc = Document::new(
            "Dockerfile".into(),
            Some(FileKind::Dockerfile),
            1,
            "a😀b\nc\r\nd",
        );
        // UTF-8: the emoji is 4 bytes, so column 5 is right before "b".
        doc.apply_changes(
            2,
            &[Change {
                range: Some((lc(0, 5), lc(0, 6))),
                text: "B",
            }],
            Encoding::Utf8,
        );
        assert_eq!(&**doc.text(), "a😀B\nc\r\nd");
        // Columns past the end of a CRLF line clamp before the CR; lines past the end clamp to EOF.
        doc.apply_changes(
            3,
            &[Change {
                range: Some((lc(1, 99), lc(1, 99))),
                text: "!",
            }],
            Encoding::Utf16,
        );
        doc.apply_changes(
            4,
            &[Change {
                range: Some((lc(9, 0), lc(12, 3))),
                text: "?",
            }],
            Encoding::Utf16,
        );
        assert_eq!(&**doc.text(), "a😀B\nc!\r\nd?");
        // A reversed range is treated as the same range in order.
        doc.apply_changes(
            5,
            &[Change {
                range: Some((lc(2, 1), lc(2, 0))),
                text: "",
            }],
            Encoding::Utf16,
        );
        assert_eq!(&**doc.text(), "a😀B\nc!\r\n?");
        // A full replacement.
        doc.apply_changes(
            6,
            &[Change {
                range: None,
                text: "x",
            }],
            Encoding::Utf16,
        );
        assert_eq!(&**doc.text(), "x");
    }

    #[test]
    fn a_column_inside_a_surrogate_pair_snaps_to_the_character() {
        let mut doc = Document::new("x.ts".into(), Some(FileKind::Source), 1, "😀x");
        doc.apply_changes(
            2,
            &[Change {
                range: Some((lc(0, 1), lc(0, 1))),
                text: "-",
            }],
            Encoding::Utf16,
        );
        assert_eq!(&**doc.text(), "-😀x");
        assert!(matches!(doc.kept(), Some(Kept::Js(_))));
    }
}

#[cfg(test)]
mod proptests {
    use super::*;
    use crate::config::Config;
    use crate::engine;
    use crate::workspace::Facts;
    use proptest::prelude::*;

    const START: &str = "on:\n  pull_request_target:\njobs:\n  build:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n        with:\n          ref: ${{ github.event.pull_request.head.sha }}\n      - run: echo \"${{ github.event.issue.title }}\" # é😀\n";
    const PIECES: &[&str] = &[
        "",
        "a",
        ":",
        " ",
        "\n",
        "  - ",
        "uses: x/y@v1",
        "${{ github.head_ref }}",
        "\"",
        "'",
        "#",
        "é",
        "😀",
        "\t",
        "run: |\n        curl x | sh\n",
        "permissions: write-all\n",
    ];

    fn line_col(text: &str, offset: usize) -> LineCol {
        let before = &text[..offset];
        let line = before.matches('\n').count() as u32;
        let col = (offset - before.rfind('\n').map_or(0, |i| i + 1)) as u32;
        LineCol { line, col }
    }

    fn floor(text: &str, mut i: usize) -> usize {
        i = i.min(text.len());
        while !text.is_char_boundary(i) {
            i -= 1;
        }
        i
    }

    fn findings(doc: &Document, path: &std::path::Path) -> Vec<String> {
        let text = doc.text();
        let d = engine::Document {
            path,
            kind: FileKind::Workflow,
            text,
        };
        let syntax = doc.kept().unwrap().clone().into_syntax();
        engine::analyze(&d, &syntax, &Facts::default(), &Config::default())
            .iter()
            .map(|f| format!("{} {:?} {}", f.rule, f.span, f.message))
            .collect()
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        #[test]
        fn incremental_edits_end_like_a_fresh_open(
            edits in proptest::collection::vec((0.0f64..1.0, 0usize..12, 0..PIECES.len()), 1..25)
        ) {
            let path = std::path::PathBuf::from(".github/workflows/ci.yml");
            let mut doc = Document::new(path.clone(), Some(FileKind::Workflow), 1, START);
            let mut model = START.to_string();
            for (v, (at, len, piece)) in edits.into_iter().enumerate() {
                let start = floor(&model, (at * model.len() as f64) as usize);
                let end = floor(&model, start + len).max(start);
                let range = (line_col(&model, start), line_col(&model, end));
                doc.apply_changes(
                    v as i32 + 2,
                    &[Change { range: Some(range), text: PIECES[piece] }],
                    Encoding::Utf8,
                );
                model.replace_range(start..end, PIECES[piece]);
            }
            let fresh = Document::new(path.clone(), Some(FileKind::Workflow), 99, &model);
            prop_assert_eq!(&**doc.text(), model.as_str());
            prop_assert_eq!(tests::parsed(&doc), tests::parsed(&fresh));
            prop_assert_eq!(findings(&doc, &path), findings(&fresh, &path));
        }
    }
}
