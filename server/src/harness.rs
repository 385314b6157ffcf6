//! The analyse-then-fix harness shared by the fuzz targets (`fuzz/`) and the stable-Rust
//! mutation test (`server/tests/robustness.rs`): parse, analyse, check every offered fix's
//! edits, apply each fix alone and fix-all, re-parse and re-analyse; for YAML, check that
//! recovery from syntax errors keeps every byte offset and reports no error in valid YAML.
//! It panics (with the reason) on anything wrong; a clean return means the input was handled
//! safely.

use crate::config::Config;
use crate::engine::{self, Document};
use crate::finding::{Edit, Finding};
use crate::fix::apply_edits;
use crate::kind::FileKind;
use crate::syntax;
use crate::workspace::Facts;
use std::path::Path;

/// A path that makes `kind::detect` and the parsers treat the text as `kind`.
pub fn path_for(kind: FileKind) -> &'static Path {
    Path::new(match kind {
        FileKind::Workflow => ".github/workflows/ci.yml",
        FileKind::Action => "action.yml",
        FileKind::Dockerfile => "Dockerfile",
        FileKind::Compose => "docker-compose.yml",
        FileKind::Package => "package.json",
        FileKind::Source => "src/index.ts",
        FileKind::Dependabot => ".github/dependabot.yml",
    })
}

/// Edits must lie inside `text`, on character boundaries, and must not overlap.
pub fn check_edits(text: &str, edits: &[Edit], what: &str) {
    let mut spans: Vec<_> = edits.iter().map(|e| e.span.clone()).collect();
    for s in &spans {
        assert!(
            s.start <= s.end && s.end <= text.len(),
            "{what}: edit {s:?} out of range (len {})",
            text.len()
        );
        assert!(
            text.is_char_boundary(s.start) && text.is_char_boundary(s.end),
            "{what}: edit {s:?} splits a character"
        );
    }
    spans.sort_by_key(|s| (s.start, s.end));
    for w in spans.windows(2) {
        assert!(
            w[0].end <= w[1].start,
            "{what}: edits {:?} and {:?} overlap",
            w[0],
            w[1]
        );
    }
}

fn check_findings(text: &str, findings: &[Finding]) {
    for f in findings {
        assert!(
            f.span.start <= f.span.end
                && f.span.end <= text.len()
                && text.is_char_boundary(f.span.start)
                && text.is_char_boundary(f.span.end),
            "{}: span {:?} is not a valid range of the text (len {})",
            f.rule,
            f.span,
            text.len()
        );
        for fix in &f.fixes {
            check_edits(text, &fix.edits, &format!("{} fix `{}`", f.rule, fix.title));
        }
    }
}

/// Parse and analyse `text` as `kind`; apply every fix alone and all together; re-parse and
/// re-analyse the results. Panics when a span or an edit is invalid.
pub fn analyse_then_fix(kind: FileKind, text: &str) {
    let path = path_for(kind);
    let facts = Facts::default();
    let config = Config::default();
    let doc = Document { path, kind, text };
    let syntax = syntax::parse(kind, path, text, None);
    let findings = engine::analyze(&doc, &syntax, &facts, &config);
    check_findings(text, &findings);
    if let syntax::Syntax::Yaml(yaml) = &syntax {
        // Recovery keeps every place where it was; an error is reported only for YAML that
        // tree-sitter rejects too (tree-sitter stops reading at a NUL byte, and the shells never
        // analyse text holding one: it is binary).
        assert_eq!(
            yaml.repaired_text().len(),
            text.len(),
            "repair changed the length"
        );
        if yaml.error().is_some() && !text.contains('\0') {
            assert!(
                syntax::yaml::parse(text, None).root_node().has_error(),
                "syntax error {:?} in YAML that parses",
                yaml.error()
            );
        }
    }
    for f in &findings {
        for fix in &f.fixes {
            if let Ok(fixed) = apply_edits(text, &fix.edits) {
                let again = Document {
                    path,
                    kind,
                    text: &fixed,
                };
                check_findings(&fixed, &engine::analyze_text(&again, &facts, &config));
            }
        }
    }
    let fixed = engine::fix_all(&doc, &facts, &config);
    let again = Document {
        path,
        kind,
        text: &fixed,
    };
    check_findings(&fixed, &engine::analyze_text(&again, &facts, &config));
}

/// Parse only (the per-parser fuzz targets); for YAML also build the value tree.
pub fn parse_only(kind: FileKind, text: &str) {
    if let syntax::Syntax::Yaml(yaml) = syntax::parse(kind, path_for(kind), text, None) {
        let _ = yaml.to_doc();
    }
}
