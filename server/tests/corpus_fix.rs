//! Fix-and-recheck over the real-world corpus: copy the corpus's supported files into a
//! temporary folder, run `chainwarden check --fix` on the copy, then re-analyse every file.
//! Each fixed file must still parse, the fixed findings must be gone and no finding may appear
//! that was not there before.
//!
//! The corpus lives outside the repository (`CHAINWARDEN_CORPUS`, default
//! `/work/shared/corpus/dev`); without it the test says so and checks nothing.

use chainwarden::config::Config;
use chainwarden::engine::{self, Document};
use chainwarden::finding::Finding;
use chainwarden::kind::{self, FileKind};
use chainwarden::workspace;
use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

fn analyze(path: &Path, kind: FileKind, text: &str, root: &Path) -> Vec<Finding> {
    let facts = workspace::gather(path, Some(root));
    let doc = Document { path, kind, text };
    engine::analyze_text(&doc, &facts, &Config::default())
}

mod common;
use common::{collect_supported as collect, corpus_root, rule_counts as counts, yaml_breaks};

#[test]
fn fixing_the_corpus_removes_fixed_findings_and_adds_none() {
    let Some(root) = corpus_root() else {
        eprintln!("corpus not found (set CHAINWARDEN_CORPUS): nothing checked");
        return;
    };
    let mut files = Vec::new();
    collect(&root, &mut files);
    assert!(
        files.len() > 100,
        "corpus at {} looks empty",
        root.display()
    );

    let tmp = tempfile::tempdir().unwrap();
    for f in &files {
        let rel = f.strip_prefix(&root).unwrap();
        let dest = tmp.path().join(rel);
        std::fs::create_dir_all(dest.parent().unwrap()).unwrap();
        std::fs::copy(f, &dest).unwrap();
        // Lockfiles matter to the package rules: copy them too.
        for lock in workspace::LOCKFILE_NAMES {
            let src = f.parent().unwrap().join(lock);
            if src.is_file() {
                std::fs::copy(&src, dest.parent().unwrap().join(lock)).unwrap();
            }
        }
    }
    let status = Command::new(env!("CARGO_BIN_EXE_chainwarden"))
        .args(["check", "--fix", "--format", "json"])
        .arg(tmp.path())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .unwrap();
    assert!(
        status.code().is_some_and(|c| c == 0 || c == 1),
        "check --fix failed: {status}"
    );

    let mut failures = Vec::new();
    let mut fixed_files = 0;
    let mut fixed_by_rule: BTreeMap<&str, usize> = BTreeMap::new();
    for f in &files {
        let rel = f.strip_prefix(&root).unwrap();
        let copy = tmp.path().join(rel);
        let kind = kind::detect(f).unwrap();
        let (Ok(before_text), Ok(after_text)) =
            (std::fs::read_to_string(f), std::fs::read_to_string(&copy))
        else {
            continue;
        };
        if before_text == after_text {
            continue;
        }
        fixed_files += 1;
        let before = analyze(&copy, kind, &before_text, tmp.path());
        let after = analyze(&copy, kind, &after_text, tmp.path());
        let unfixable = counts(before.iter().filter(|f| f.fixes.is_empty()));
        let before_counts = counts(before.iter());
        let after_counts = counts(after.iter());
        for (rule, n) in &before_counts {
            let left = after_counts.get(rule).copied().unwrap_or(0);
            *fixed_by_rule.entry(rule).or_insert(0) += n - left.min(*n);
        }
        for (rule, n) in &after_counts {
            if *n > unfixable.get(rule).copied().unwrap_or(0) {
                failures.push(format!(
                    "{}: {n} finding(s) of {rule} after --fix (unfixable before: {}, before: {})",
                    rel.display(),
                    unfixable.get(rule).copied().unwrap_or(0),
                    before_counts.get(rule).copied().unwrap_or(0)
                ));
            }
        }
        if !yaml_breaks(kind, &before_text) && yaml_breaks(kind, &after_text) {
            failures.push(format!("{}: --fix broke the YAML", rel.display()));
        }
    }
    eprintln!("{fixed_files} files changed by --fix; findings removed per rule: {fixed_by_rule:?}");
    assert!(fixed_files > 0, "--fix changed nothing");
    assert!(
        failures.is_empty(),
        "{} problem(s):\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// Each offered fix applied alone, on every corpus file (in place, read-only): the file still
/// parses, that finding's rule has one finding fewer, no rule gains one, and every byte outside
/// the edits is unchanged.
#[test]
fn each_fix_alone_is_safe_on_the_corpus() {
    let Some(root) = corpus_root() else {
        eprintln!("corpus not found (set CHAINWARDEN_CORPUS); nothing checked");
        return;
    };
    let mut files = Vec::new();
    collect(&root, &mut files);
    files.sort();
    let (mut fixes, mut failures) = (0, Vec::new());
    for path in &files {
        let kind = kind::detect(path).unwrap();
        let Ok(text) = std::fs::read_to_string(path) else {
            continue;
        };
        let before = analyze(path, kind, &text, &root);
        let before_counts = counts(before.iter());
        let broken_before = yaml_breaks(kind, &text);
        for f in &before {
            for fix in &f.fixes {
                fixes += 1;
                let fixed = match chainwarden::fix::apply_edits(&text, &fix.edits) {
                    Ok(t) => t,
                    Err(e) => {
                        failures.push(format!("{}: {}: {e}", path.display(), fix.title));
                        continue;
                    }
                };
                let first = fix.edits.iter().map(|e| e.span.start).min().unwrap_or(0);
                let last = fix.edits.iter().map(|e| e.span.end).max().unwrap_or(0);
                let tail = text.len() - last;
                if fixed[..first] != text[..first] || fixed[fixed.len() - tail..] != text[last..] {
                    failures.push(format!(
                        "{}: {}: bytes outside the edits changed",
                        path.display(),
                        fix.title
                    ));
                }
                if !broken_before && yaml_breaks(kind, &fixed) {
                    failures.push(format!(
                        "{}: {}: YAML no longer parses",
                        path.display(),
                        fix.title
                    ));
                }
                let after = counts(analyze(path, kind, &fixed, &root).iter());
                if after.get(f.rule).copied().unwrap_or(0) >= before_counts[f.rule] {
                    failures.push(format!(
                        "{}: {}: {} still fires",
                        path.display(),
                        fix.title,
                        f.rule
                    ));
                }
                for (rule, n) in &after {
                    if *n > before_counts.get(rule).copied().unwrap_or(0) {
                        failures.push(format!(
                            "{}: {}: new {rule} finding",
                            path.display(),
                            fix.title
                        ));
                    }
                }
            }
        }
    }
    eprintln!(
        "{fixes} fixes applied one at a time over {} files",
        files.len()
    );
    assert!(
        failures.is_empty(),
        "{} unsafe fixes:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
