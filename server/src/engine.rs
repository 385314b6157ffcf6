//! The pure engine: text in, findings out. No I/O, no network, no global mutable state.

use crate::config::{Config, RuleSetting};
use crate::finding::{Edit, Finding, Fix};
use crate::fix::apply_edits;
use crate::kind::FileKind;
use crate::rules::common::file_not_analysed::Skipped;
use crate::rules::common::syntax_error;
use crate::syntax::{self, Syntax};
use crate::text::{line_span_at, LineIndex};
use crate::workspace::Facts;
use std::path::Path;

/// The language server analyses open documents up to this size (it re-analyses on every
/// keystroke); a larger one gets a `file-not-analysed` finding instead. `check` has its own,
/// higher limit ([`CHECK_MAX_BYTES`]).
pub const MAX_ANALYSED_BYTES: usize = 4 * 1024 * 1024;

/// `chainwarden check` analyses files up to this size (a larger one gets a `file-not-analysed`
/// finding). Far above any real workflow: it only guards against a stray huge file.
pub const CHECK_MAX_BYTES: usize = 64 * 1024 * 1024;

/// One document to analyse.
pub struct Document<'a> {
    /// Path as shown to the user (relative to the workspace root where possible).
    pub path: &'a Path,
    pub kind: FileKind,
    pub text: &'a str,
}

/// Everything a rule may read: the document, its syntax, its surroundings and the config.
pub struct Ctx<'a> {
    pub doc: &'a Document<'a>,
    pub syntax: &'a Syntax,
    pub facts: &'a Facts,
    pub config: &'a Config,
}

/// Parse and analyse in one go (the CLI's path). Any size: the shells decide what they skip
/// (see [`crate::rules::common::file_not_analysed`]).
pub fn analyze_text(doc: &Document, facts: &Facts, config: &Config) -> Vec<Finding> {
    let syntax = syntax::parse(doc.kind, doc.path, doc.text, None);
    analyze(doc, &syntax, facts, config)
}

/// Run every rule for the document's kind, then apply the config and inline ignore comments.
/// Findings come back sorted by position.
pub fn analyze(doc: &Document, syntax: &Syntax, facts: &Facts, config: &Config) -> Vec<Finding> {
    let ctx = Ctx {
        doc,
        syntax,
        facts,
        config,
    };
    let mut findings = Vec::new();
    crate::rules::check(&ctx, &mut findings);
    // A file that does not parse gets no fixes: where its text breaks, no edit can be known to
    // leave it valid (SPEC §4). Fixing the syntax comes first.
    if findings.iter().any(|f| f.rule == syntax_error::ID) {
        findings.iter_mut().for_each(|f| f.fixes.clear());
    }
    findings.retain_mut(|f| {
        // The pedantic tier (SPEC §7.4) is reported only when asked for.
        if !config.pedantic && crate::rules::is_pedantic(f.rule) {
            return false;
        }
        match config.setting(f.rule) {
            Some(RuleSetting::Off) => return false,
            Some(RuleSetting::Severity(s)) => f.severity = s,
            None => {}
        }
        !is_suppressed(doc.text, f)
    });
    findings.sort_by(|a, b| {
        (a.span.start, a.span.end, a.rule).cmp(&(b.span.start, b.span.end, b.rule))
    });
    findings.dedup_by(|a, b| a.rule == b.rule && a.span == b.span);
    findings
}

/// The `file-not-analysed` finding for a file the shell skipped, graded or turned off by the
/// config like any finding (inline comments cannot apply: the file was not read).
pub fn skipped_finding(skipped: Skipped, config: &Config) -> Option<Finding> {
    let mut f = skipped.finding();
    match config.setting(f.rule) {
        Some(RuleSetting::Off) => return None,
        Some(RuleSetting::Severity(s)) => f.severity = s,
        None => {}
    }
    Some(f)
}

const IGNORE_MARKER: &str = "chainwarden: ignore[";

/// Rule ids named by an ignore comment on this line, if any.
fn ignored_rules(line: &str) -> Option<impl Iterator<Item = &str>> {
    let start = line.find(IGNORE_MARKER)? + IGNORE_MARKER.len();
    let end = start + line[start..].find(']')?;
    Some(line[start..end].split(',').map(str::trim))
}

/// `# chainwarden: ignore[rule]` on the finding's first line or the line above it.
fn is_suppressed(text: &str, f: &Finding) -> bool {
    let line = line_span_at(text, f.span.start);
    let above = line.start.checked_sub(1).map(|nl| line_span_at(text, nl));
    [Some(line), above].into_iter().flatten().any(|span| {
        ignored_rules(&text[span]).is_some_and(|mut ids| ids.any(|id| id == f.rule || id == "all"))
    })
}

/// The "Ignore <rule> on this line" fix: a comment line above the finding, same indentation.
/// `None` for files without comments (package.json) and for `file-not-analysed`.
pub fn ignore_fix(doc: &Document, f: &Finding) -> Option<Fix> {
    // A file that was not analysed is not read either: a comment in it cannot silence anything.
    if f.rule == crate::rules::common::file_not_analysed::ID {
        return None;
    }
    let prefix = match doc.kind {
        FileKind::Package => return None,
        FileKind::Source => "//",
        _ => "#",
    };
    let lines = LineIndex::new(doc.text);
    let line = lines.line_of(f.span.start);
    // Extend an existing ignore comment on the line above.
    if let Some(above) = line.checked_sub(1) {
        let span = lines.line_span(doc.text, above);
        let s = &doc.text[span.clone()];
        if let Some(pos) = s.find(IGNORE_MARKER) {
            let close = pos + IGNORE_MARKER.len() + s[pos + IGNORE_MARKER.len()..].find(']')?;
            return Some(Fix {
                title: format!("Ignore {} on this line", f.rule),
                edits: vec![Edit::insert(span.start + close, format!(", {}", f.rule))],
            });
        }
    }
    let span = lines.line_span(doc.text, line);
    let s = &doc.text[span.clone()];
    let indent: String = s.chars().take_while(|c| *c == ' ' || *c == '\t').collect();
    let eol = if doc.text[span.end..].starts_with("\r\n") {
        "\r\n"
    } else {
        "\n"
    };
    Some(Fix {
        title: format!("Ignore {} on this line", f.rule),
        edits: vec![Edit::insert(
            span.start,
            format!("{indent}{prefix} chainwarden: ignore[{}]{eol}", f.rule),
        )],
    })
}

/// Apply the preferred fix of every finding, re-analysing until nothing more can be fixed.
/// Returns the new text (unchanged when there was nothing to fix).
pub fn fix_all(doc: &Document, facts: &Facts, config: &Config) -> String {
    fix_all_counted(doc, facts, config).0
}

/// [`fix_all`], with how many fixes were applied (over every round).
pub fn fix_all_counted(doc: &Document, facts: &Facts, config: &Config) -> (String, usize) {
    let mut text = doc.text.to_string();
    let mut applied = 0;
    for _round in 0..8 {
        let current = Document {
            path: doc.path,
            kind: doc.kind,
            text: &text,
        };
        let findings = analyze_text(&current, facts, config);
        let (edits, fixes) = non_overlapping_fixes(&findings);
        if edits.is_empty() {
            break;
        }
        match apply_edits(&text, &edits) {
            Ok(new_text) if new_text != text => {
                text = new_text;
                applied += fixes;
            }
            _ => break,
        }
    }
    (text, applied)
}

/// The edits of each finding's preferred fix, skipping whole fixes that overlap an earlier one.
pub fn non_overlapping_fix_edits(findings: &[Finding]) -> Vec<Edit> {
    non_overlapping_fixes(findings).0
}

/// [`non_overlapping_fix_edits`], with how many fixes those edits make up.
fn non_overlapping_fixes(findings: &[Finding]) -> (Vec<Edit>, usize) {
    let mut taken: Vec<Edit> = Vec::new();
    let mut fixes = 0;
    for fix in findings.iter().filter_map(|f| f.fixes.first()) {
        if fix.edits.is_empty() {
            continue;
        }
        let overlaps = fix.edits.iter().any(|e| {
            taken.iter().any(|t| {
                (e.span.start < t.span.end && t.span.start < e.span.end)
                    || (e.span.start == t.span.start)
            })
        });
        if !overlaps {
            taken.extend(fix.edits.iter().cloned());
            fixes += 1;
        }
    }
    (taken, fixes)
}
