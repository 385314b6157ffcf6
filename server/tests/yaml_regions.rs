//! Parsing YAML in regions gives exactly the value tree of a whole-document parse, on every
//! YAML file of the real-world corpus and on the fixtures (for a file that does not parse, the
//! whole-document parse of the text its regions were repaired into); and an edited document
//! re-parsed from its previous version gives the same tree and the same first error as a fresh
//! parse.

use chainwarden::kind::FileKind;
use chainwarden::syntax::yaml::{self, YamlDoc};
use chainwarden::syntax::yaml_recover::ErrorKind;
use chainwarden::syntax::yaml_regions::{nested_key, YamlSyntax};
use chainwarden::text::floor_char_boundary;
use std::path::PathBuf;

mod common;

fn same(a: &YamlDoc, b: &YamlDoc) -> bool {
    a.root == b.root && a.anchors == b.anchors && a.has_errors == b.has_errors
}

fn yaml_files() -> Vec<(PathBuf, FileKind)> {
    let mut roots = vec![PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures")];
    roots.extend(common::corpus_root());
    let mut files = Vec::new();
    for root in roots {
        common::collect_supported(&root, &mut files);
    }
    files
        .into_iter()
        .filter_map(|p| {
            let kind = chainwarden::kind::detect(&p)?;
            kind.is_yaml().then_some((p, kind))
        })
        .collect()
}

#[test]
fn regions_give_the_whole_document_tree() {
    let files = yaml_files();
    assert!(files.len() > 50, "only {} YAML files found", files.len());
    let (mut split, mut differ) = (0, Vec::new());
    let mut regions_by_split = [0, 0];
    for (path, kind) in &files {
        let Ok(text) = std::fs::read_to_string(path) else {
            continue;
        };
        let whole = yaml::parse_doc(&text);
        // As parsed by default, and with every entry split at its steps.
        for (n, split_over) in [usize::MAX, 0].into_iter().enumerate() {
            let regions = YamlSyntax::parse_splitting(&text, nested_key(*kind), None, split_over);
            regions_by_split[n] += regions.region_count();
            split += usize::from(regions.region_count() > 1 && split_over == 0);
            // A syntax error is reported only when the whole document does not parse (and not
            // always then: valid YAML that tree-sitter-yaml misreads is repaired but no error).
            let repaired = regions.repaired_text();
            let was_repaired = repaired.as_ref() != text.as_str();
            if (regions.error().is_some() || was_repaired) && !whole.has_errors {
                differ.push(format!(
                    "{} (splitting over {split_over}): error {:?}, whole-document parse has errors: {}",
                    path.display(),
                    regions.error(),
                    whole.has_errors
                ));
                continue;
            }
            assert_eq!(repaired.len(), text.len(), "{}", path.display());
            // A document indented with tabs is read from its tab-expanded text (two columns a
            // tab, another length): its tree is checked by the fixtures, not here.
            let tabs = regions
                .error()
                .is_some_and(|e| e.kind == ErrorKind::TabIndent);
            if tabs {
                continue;
            }
            let want = match was_repaired {
                false => whole.clone(),
                true => yaml::parse_doc(&repaired),
            };
            if !same(&regions.to_doc(), &want) {
                differ.push(format!("{} (splitting over {split_over})", path.display()));
            }
        }
    }
    eprintln!(
        "{split} of {} files parsed in regions; {regions_by_split:?} regions in all",
        files.len()
    );
    assert!(
        regions_by_split[1] > regions_by_split[0] * 2,
        "steps were not split"
    );
    assert!(differ.is_empty(), "{} differ: {differ:#?}", differ.len());
    assert!(
        split * 10 > files.len() * 8,
        "only {split} of {} split",
        files.len()
    );
}

/// Edits of the kinds typing makes (a character, a wide character, a new line, a deleted run,
/// an indented list item, a comment) at places spread over the file, each re-parsed from the
/// previous version, give the tree a fresh parse gives. Every entry is split as finely as it
/// can be, so that most edits land inside one of many regions. `CHAINWARDEN_SEED` picks other
/// edits.
#[test]
fn edited_real_files_reparse_like_a_fresh_parse() {
    const PIECES: &[&str] = &[
        "x", "é😀", "\n", ":", " ", "\n  - ", "#", "${{", "\t", "|\n",
    ];
    let mut next = common::seeded_random(0x2545_f491_4f6c_dd1d);
    let mut differ = Vec::new();
    let mut edits = 0;
    for (path, kind) in yaml_files() {
        let Ok(mut text) = std::fs::read_to_string(&path) else {
            continue;
        };
        let key = nested_key(kind);
        let mut current = YamlSyntax::parse_splitting(&text, key, None, 0);
        for i in 0..8 {
            let at = floor_char_boundary(&text, next(text.len() + 1));
            let end = floor_char_boundary(&text, at + next(6));
            let piece = if next(3) == 0 {
                ""
            } else {
                PIECES[next(PIECES.len())]
            };
            text.replace_range(at..end, piece);
            edits += 1;
            let reparsed = YamlSyntax::parse_splitting(&text, key, Some(&current), 0);
            let fresh = YamlSyntax::parse_splitting(&text, key, None, 0);
            if !same(&reparsed.to_doc(), &fresh.to_doc()) || reparsed.error() != fresh.error() {
                differ.push(format!("{} (edit {i} at byte {at})", path.display()));
                break;
            }
            current = reparsed;
        }
    }
    eprintln!("{edits} edits re-parsed");
    assert!(differ.is_empty(), "{} differ: {differ:#?}", differ.len());
}
