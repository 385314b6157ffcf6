//! An open document edited change by change (as the language server receives them, in UTF-8
//! and UTF-16 columns, with the memo of parsed scripts and conditions on) holds the same text
//! and gives the same findings as the same text opened fresh, on real corpus files.
//! `CHAINWARDEN_SEED` picks other edits.

use chainwarden::config::Config;
use chainwarden::engine;
use chainwarden::finding::Finding;
use chainwarden::kind::FileKind;
use chainwarden::lsp::document::{Change, Document};
use chainwarden::text::{floor_char_boundary, Encoding, LineIndex};
use chainwarden::workspace::Facts;
use std::path::{Path, PathBuf};

mod common;

const PIECES: &[&str] = &[
    "x",
    "é😀",
    "\n",
    ": ",
    "  - run: echo ${{ github.head_ref }}\n",
    "#",
    "${{",
    "}}",
    "\"",
    "@v4",
    "permissions: write-all\n",
];

fn findings(doc: &Document, kind: FileKind) -> Vec<Finding> {
    let syntax = doc.kept().expect("a kept parse").clone().into_syntax();
    let d = engine::Document {
        path: &doc.path,
        kind,
        text: doc.text(),
    };
    engine::analyze(&d, &syntax, &Facts::default(), &Config::default())
}

#[test]
fn edited_real_documents_analyse_like_a_fresh_open() {
    chainwarden::memo::enable();
    let Some(root) = common::corpus_root() else {
        eprintln!("SKIPPED: corpus not found (set CHAINWARDEN_CORPUS)");
        return;
    };
    let mut files: Vec<PathBuf> = Vec::new();
    common::collect_supported(&root, &mut files);
    let mut next = common::seeded_random(0x9e37_79b9_7f4a_7c15);
    let mut checked = 0;
    for path in files.iter().step_by(3) {
        let Some(kind) = chainwarden::kind::detect(path).filter(|k| k.is_yaml()) else {
            continue;
        };
        let Ok(mut model) = std::fs::read_to_string(path) else {
            continue;
        };
        let rel = Path::new(".github/workflows").join(path.file_name().unwrap());
        let mut doc = Document::new(rel.clone(), Some(kind), 1, &model);
        for version in 2..8 {
            let enc = if version % 2 == 0 {
                Encoding::Utf16
            } else {
                Encoding::Utf8
            };
            let start = floor_char_boundary(&model, next(model.len() + 1));
            let end = floor_char_boundary(&model, start + next(8)).max(start);
            let piece = if next(4) == 0 {
                ""
            } else {
                PIECES[next(PIECES.len())]
            };
            let lines = LineIndex::new(&model);
            let range = (
                lines.line_col(&model, start, enc),
                lines.line_col(&model, end, enc),
            );
            doc.apply_changes(
                version,
                &[Change {
                    range: Some(range),
                    text: piece,
                }],
                enc,
            );
            model.replace_range(start..end, piece);
        }
        assert_eq!(&**doc.text(), model.as_str(), "{}", path.display());
        let fresh = Document::new(rel, Some(kind), 99, &model);
        assert_eq!(
            findings(&doc, kind),
            findings(&fresh, kind),
            "{} after edits",
            path.display()
        );
        checked += 1;
    }
    assert!(checked > 100, "only {checked} corpus files edited");
}
