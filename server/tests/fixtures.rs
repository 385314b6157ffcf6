//! Runs every fixture under `tests/fixtures/`: each must produce exactly the findings its
//! `expect:` comments (or `<file>.expect` sidecar) name, and every offered fix must remove its
//! finding without adding any.
//!
//! Conventions:
//! - `# expect: rule-a, rule-b` (or `// expect: …`) at the end of a line: findings of those rules
//!   start on that line.
//! - `<file>.expect` beside files without comments: one `LINE RULE-ID` per line.
//! - `*.yml` files that no other kind claims are analysed as workflows.
//! - A `chainwarden.toml` in a fixture's folder configures the fixtures in that folder.
//! - `<file>.fixed` beside a fixture: the exact text fix-all must produce (set
//!   `CHAINWARDEN_BLESS=1` to write it from the current output, then read it before committing).
//! - A fixture that `chainwarden check` would not analyse (binary, not UTF-8) gets the
//!   `file-not-analysed` finding the CLI gives it, and no fixes.

use chainwarden::config::Config;
use chainwarden::engine::{self, Document};
use chainwarden::fix::apply_edits;
use chainwarden::kind::{self, FileKind};
use chainwarden::rules::common::file_not_analysed::Skipped;
use chainwarden::text::LineIndex;
use chainwarden::workspace::{self, LOCKFILE_NAMES};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

fn fixtures_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures")
}

fn fixture_kind(path: &Path) -> Option<FileKind> {
    if let Some(k) = kind::detect(path) {
        return Some(k);
    }
    let name = path.file_name()?.to_str()?;
    let yaml = name.ends_with(".yml") || name.ends_with(".yaml");
    (yaml && !LOCKFILE_NAMES.contains(&name) && name != "pnpm-workspace.yaml")
        .then_some(FileKind::Workflow)
}

fn collect(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            collect(&p, out);
        } else if fixture_kind(&p).is_some() {
            out.push(p);
        }
    }
}

fn expected(path: &Path, text: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    let sidecar = PathBuf::from(format!("{}.expect", path.display()));
    if let Ok(s) = std::fs::read_to_string(&sidecar) {
        for l in s
            .lines()
            .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        {
            let (line, rule) = l
                .trim()
                .split_once(' ')
                .expect("sidecar line: LINE RULE-ID");
            out.push((line.parse().expect("line number"), rule.trim().to_string()));
        }
    }
    for (i, line) in text.lines().enumerate() {
        for marker in ["# expect:", "// expect:"] {
            if let Some(pos) = line.rfind(marker) {
                for rule in line[pos + marker.len()..].split(',') {
                    out.push((i + 1, rule.trim().to_string()));
                }
            }
        }
    }
    out.sort();
    out
}

struct Loaded {
    path: PathBuf,
    kind: FileKind,
    text: String,
    config: Config,
    facts: workspace::Facts,
    /// Why `check` would not analyse this file, if it would not.
    skipped: Option<Skipped>,
}

fn load(path: &Path) -> Loaded {
    let dir = path.parent().unwrap();
    let bytes = std::fs::read(path).unwrap();
    let (config, err) = Config::load(dir);
    assert!(
        err.is_none(),
        "{}: bad fixture config: {err:?}",
        path.display()
    );
    Loaded {
        path: path.to_path_buf(),
        kind: fixture_kind(path).unwrap(),
        text: String::from_utf8_lossy(&bytes).into_owned(),
        skipped: Skipped::of(&bytes, Some(engine::CHECK_MAX_BYTES)),
        config,
        facts: workspace::gather(path, Some(dir)),
    }
}

fn analyze(l: &Loaded, text: &str) -> Vec<chainwarden::finding::Finding> {
    let doc = Document {
        path: &l.path,
        kind: l.kind,
        text,
    };
    engine::analyze_text(&doc, &l.facts, &l.config)
}

mod common;
use common::{rule_counts, yaml_breaks as has_yaml_errors};

#[test]
fn every_fixture_produces_exactly_its_expected_findings() {
    let mut files = Vec::new();
    collect(&fixtures_root(), &mut files);
    files.sort();
    let mut failures = Vec::new();
    for path in &files {
        let l = load(path);
        let findings = match l.skipped {
            Some(skipped) => engine::skipped_finding(skipped, &l.config)
                .into_iter()
                .collect(),
            None => analyze(&l, &l.text),
        };
        let idx = LineIndex::new(&l.text);
        let mut actual: Vec<(usize, String)> = findings
            .iter()
            .map(|f| (idx.line_of(f.span.start) + 1, f.rule.to_string()))
            .collect();
        actual.sort();
        let want = expected(path, &l.text);
        if actual != want {
            let rel = path.strip_prefix(fixtures_root()).unwrap_or(path);
            let detail: Vec<String> = findings
                .iter()
                .map(|f| {
                    format!(
                        "  {}:{} {}",
                        idx.line_of(f.span.start) + 1,
                        f.rule,
                        f.message
                    )
                })
                .collect();
            failures.push(format!(
                "{}\n expected {want:?}\n actual   {actual:?}\n{}",
                rel.display(),
                detail.join("\n")
            ));
        }
    }
    assert!(!files.is_empty(), "no fixtures found");
    assert!(
        failures.is_empty(),
        "{} fixture(s) differ:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn every_offered_fix_removes_its_finding_and_adds_none() {
    let mut files = Vec::new();
    collect(&fixtures_root(), &mut files);
    let mut failures = Vec::new();
    for path in &files {
        let l = load(path);
        if l.skipped.is_some() {
            continue;
        }
        let before = analyze(&l, &l.text);
        let before_counts = rule_counts(&before);
        let broke_before = has_yaml_errors(l.kind, &l.text);
        // Each fix alone.
        for f in &before {
            for fix in &f.fixes {
                let fixed = match apply_edits(&l.text, &fix.edits) {
                    Ok(t) => t,
                    Err(e) => {
                        failures.push(format!("{}: {}: {e}", path.display(), fix.title));
                        continue;
                    }
                };
                let after = rule_counts(&analyze(&l, &fixed));
                let gone = after.get(f.rule).copied().unwrap_or(0) < before_counts[f.rule];
                let added: Vec<_> = after
                    .iter()
                    .filter(|(r, n)| **n > before_counts.get(*r).copied().unwrap_or(0))
                    .collect();
                if !gone || !added.is_empty() {
                    failures.push(format!(
                        "{}: fix `{}` for {}: finding gone={gone}, new findings={added:?}\n--- fixed text ---\n{fixed}",
                        path.display(), fix.title, f.rule
                    ));
                }
                if !broke_before && has_yaml_errors(l.kind, &fixed) {
                    failures.push(format!(
                        "{}: fix `{}` broke the YAML:\n{fixed}",
                        path.display(),
                        fix.title
                    ));
                }
            }
        }
        // All fixes together.
        let doc = Document {
            path: &l.path,
            kind: l.kind,
            text: &l.text,
        };
        let fixed = engine::fix_all(&doc, &l.facts, &l.config);
        let after = analyze(&l, &fixed);
        let fixable: BTreeMap<&str, usize> = rule_counts(
            &before
                .iter()
                .filter(|f| f.fixes.is_empty())
                .cloned()
                .collect::<Vec<_>>(),
        );
        let after_counts = rule_counts(&after);
        for (rule, n) in &after_counts {
            if *n > fixable.get(rule).copied().unwrap_or(0) {
                failures.push(format!(
                    "{}: after fix-all, {n} finding(s) of {rule} remain (unfixable before: {})\n--- fixed text ---\n{fixed}",
                    path.display(),
                    fixable.get(rule).copied().unwrap_or(0)
                ));
            }
        }
        if !broke_before && has_yaml_errors(l.kind, &fixed) {
            failures.push(format!(
                "{}: fix-all broke the YAML:\n{fixed}",
                path.display()
            ));
        }
        let expected_path = PathBuf::from(format!("{}.fixed", path.display()));
        if std::env::var_os("CHAINWARDEN_BLESS").is_some() && expected_path.exists() {
            std::fs::write(&expected_path, &fixed).unwrap();
        } else if let Ok(want) = std::fs::read_to_string(&expected_path) {
            if want != fixed {
                failures.push(format!(
                    "{}: fix-all output differs from {}:\n--- expected ---\n{want}\n--- actual ---\n{fixed}",
                    path.display(),
                    expected_path.display()
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}
