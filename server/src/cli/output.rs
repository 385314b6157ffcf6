//! Output formats of `check`: text, json, sarif, github.

use super::check::Checked;
use super::Format;
use crate::finding::Severity;
use crate::text::{Encoding, LineIndex};
use serde::Serialize;
use serde_json::json;
use std::fmt::Write;

pub fn render(format: Format, results: &[Checked]) -> String {
    match format {
        Format::Text => text(results),
        Format::Json => json(results),
        Format::Sarif => sarif(results),
        Format::Github => github(results),
    }
}

/// `line` (starting at byte `start` of the file) with every character of a secret span after
/// its first four bytes replaced by `*` (columns stay where they were).
fn redacted(line: &str, start: usize, secrets: &[std::ops::Range<usize>]) -> String {
    line.char_indices()
        .map(|(i, ch)| {
            let at = start + i;
            if secrets.iter().any(|s| at >= s.start + 4 && at < s.end) {
                '*'
            } else {
                ch
            }
        })
        .collect()
}

/// 1-based line and column (Unicode scalars) of a byte offset.
fn pos(idx: &LineIndex, text: &str, offset: usize) -> (u32, u32) {
    let lc = idx.line_col(text, offset, Encoding::Utf32);
    (lc.line + 1, lc.col + 1)
}

fn text(results: &[Checked]) -> String {
    let mut out = String::new();
    for c in results {
        let idx = LineIndex::new(&c.text);
        // Hard-coded credentials are masked in the quoted source lines.
        let secrets: Vec<_> = c
            .findings
            .iter()
            .filter(|ff| ff.finding.rule == "hardcoded-credential")
            .map(|ff| ff.finding.span.clone())
            .collect();
        for ff in &c.findings {
            let f = &ff.finding;
            let (line, col) = pos(&idx, &c.text, f.span.start);
            let (end_line, end_col) = pos(&idx, &c.text, f.span.end);
            let _ = writeln!(
                out,
                "{}:{line}:{col}: {}[{}] {}",
                c.path.display(),
                f.severity,
                f.rule,
                f.message
            );
            // A file that was not analysed (binary, not UTF-8) has no text to quote.
            if c.text.is_empty() {
                continue;
            }
            let line_span = idx.line_span(&c.text, line as usize - 1);
            let src = redacted(&c.text[line_span.clone()], line_span.start, &secrets);
            let width = if end_line == line {
                (end_col - col).max(1)
            } else {
                1
            };
            let pad: String = src
                .chars()
                .take(col as usize - 1)
                .map(|ch| if ch == '\t' { '\t' } else { ' ' })
                .collect();
            let _ = writeln!(out, "    {src}\n    {pad}{}", "^".repeat(width as usize));
        }
    }
    let n: usize = results.iter().map(|c| c.findings.len()).sum();
    let _ = writeln!(
        out,
        "{n} finding{} in {} file{}",
        if n == 1 { "" } else { "s" },
        results.len(),
        if results.len() == 1 { "" } else { "s" }
    );
    out
}

/// The JSON report. Fields are declared in alphabetical order, the order the format has always
/// printed them in.
#[derive(Serialize)]
struct JsonReport<'a> {
    findings: Vec<JsonFinding<'a>>,
    version: u32,
}

#[derive(Serialize)]
struct JsonFinding<'a> {
    column: u32,
    end_column: u32,
    end_line: u32,
    fix: Option<JsonFix<'a>>,
    line: u32,
    message: &'a str,
    path: std::borrow::Cow<'a, str>,
    rule: &'a str,
    severity: &'static str,
}

#[derive(Serialize)]
struct JsonFix<'a> {
    edits: Vec<JsonEdit<'a>>,
    title: &'a str,
}

#[derive(Serialize)]
struct JsonEdit<'a> {
    column: u32,
    end_column: u32,
    end_line: u32,
    line: u32,
    new_text: &'a str,
}

fn json(results: &[Checked]) -> String {
    let mut findings = Vec::new();
    for c in results {
        let idx = LineIndex::new(&c.text);
        for ff in &c.findings {
            let f = &ff.finding;
            let (line, column) = pos(&idx, &c.text, f.span.start);
            let (end_line, end_column) = pos(&idx, &c.text, f.span.end);
            let fix = f.fixes.first().map(|fix| JsonFix {
                edits: fix
                    .edits
                    .iter()
                    .map(|e| {
                        let (line, column) = pos(&idx, &c.text, e.span.start);
                        let (end_line, end_column) = pos(&idx, &c.text, e.span.end);
                        JsonEdit {
                            column,
                            end_column,
                            end_line,
                            line,
                            new_text: &e.new_text,
                        }
                    })
                    .collect(),
                title: &fix.title,
            });
            findings.push(JsonFinding {
                column,
                end_column,
                end_line,
                fix,
                line,
                message: &f.message,
                path: c.path.to_string_lossy(),
                rule: f.rule,
                severity: f.severity.as_str(),
            });
        }
    }
    let report = JsonReport {
        findings,
        version: 1,
    };
    let mut s = serde_json::to_string_pretty(&report).expect("plain data serialises");
    s.push('\n');
    s
}

/// SARIF 2.1.0 for GitHub code scanning: rule metadata, results, related locations and fixes.
fn sarif(results: &[Checked]) -> String {
    let rules: Vec<_> = crate::rules::all()
        .iter()
        .map(|d| {
            json!({
                "id": d.id,
                "name": d.id,
                "shortDescription": {"text": d.title},
                "fullDescription": {"text": first_paragraph(d.body)},
                "help": {"text": d.body, "markdown": d.body},
                "helpUri": format!("https://github.com/chainwarden/chainwarden/blob/main/rules/{}.md", d.id),
                "defaultConfiguration": {"level": sarif_level(d.severity)},
                "properties": {
                    "security-severity": security_severity(d.severity),
                    "tags": ["security", "supply-chain"],
                    "precision": "high",
                },
            })
        })
        .collect();
    let rule_index = |id: &str| crate::rules::all().iter().position(|d| d.id == id);
    let mut out_results = Vec::new();
    for c in results {
        let idx = LineIndex::new(&c.text);
        let uri = c.path.to_string_lossy().replace('\\', "/");
        let region = |span: &std::ops::Range<usize>| {
            let (line, column) = pos(&idx, &c.text, span.start);
            let (end_line, end_column) = pos(&idx, &c.text, span.end);
            json!({"startLine": line, "startColumn": column, "endLine": end_line, "endColumn": end_column})
        };
        for ff in &c.findings {
            let f = &ff.finding;
            let related: Vec<_> = f
                .related
                .iter()
                .enumerate()
                .map(|(i, r)| {
                    json!({"id": i, "message": {"text": r.message},
                           "physicalLocation": {"artifactLocation": {"uri": uri}, "region": region(&r.span)}})
                })
                .collect();
            let fixes: Vec<_> = f
                .fixes
                .iter()
                .take(1)
                .map(|fix| {
                    let replacements: Vec<_> = fix
                        .edits
                        .iter()
                        .map(|e| json!({"deletedRegion": region(&e.span), "insertedContent": {"text": e.new_text}}))
                        .collect();
                    json!({"description": {"text": fix.title},
                           "artifactChanges": [{"artifactLocation": {"uri": uri}, "replacements": replacements}]})
                })
                .collect();
            let mut result = json!({
                "ruleId": f.rule,
                "level": sarif_level(f.severity),
                "message": {"text": f.message},
                "locations": [{"physicalLocation": {"artifactLocation": {"uri": uri}, "region": region(&f.span)}}],
                "properties": {"severity": f.severity.as_str()},
            });
            if let Some(i) = rule_index(f.rule) {
                result["ruleIndex"] = json!(i);
            }
            if !related.is_empty() {
                result["relatedLocations"] = json!(related);
            }
            if !fixes.is_empty() {
                result["fixes"] = json!(fixes);
            }
            out_results.push(result);
        }
    }
    let log = json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "chainwarden",
                "version": env!("CARGO_PKG_VERSION"),
                "informationUri": "https://github.com/chainwarden/chainwarden",
                "rules": rules,
            }},
            "columnKind": "unicodeCodePoints",
            "results": out_results,
        }],
    });
    let mut s = serde_json::to_string_pretty(&log).unwrap();
    s.push('\n');
    s
}

fn first_paragraph(body: &str) -> &str {
    body.split("\n\n").next().unwrap_or(body).trim()
}

fn sarif_level(s: Severity) -> &'static str {
    match s {
        Severity::Critical | Severity::High => "error",
        Severity::Medium => "warning",
        Severity::Low => "note",
    }
}

/// GitHub's numeric scale: critical ≥ 9, high 7–8.9, medium 4–6.9, low < 4.
fn security_severity(s: Severity) -> &'static str {
    match s {
        Severity::Critical => "9.5",
        Severity::High => "8.0",
        Severity::Medium => "5.5",
        Severity::Low => "3.0",
    }
}

/// GitHub Actions workflow commands: one `::error`/`::warning`/`::notice` line per finding.
fn github(results: &[Checked]) -> String {
    let mut out = String::new();
    for c in results {
        let idx = LineIndex::new(&c.text);
        for ff in &c.findings {
            let f = &ff.finding;
            let (line, col) = pos(&idx, &c.text, f.span.start);
            let (end_line, end_col) = pos(&idx, &c.text, f.span.end);
            let command = match f.severity {
                Severity::Critical | Severity::High => "error",
                Severity::Medium => "warning",
                Severity::Low => "notice",
            };
            let _ = writeln!(
                out,
                "::{command} file={},line={line},col={col},endLine={end_line},endColumn={end_col},title={}::{}",
                escape_property(&c.path.to_string_lossy()),
                escape_property(&format!("{} ({})", f.rule, f.severity)),
                escape_data(&f.message),
            );
        }
    }
    out
}

fn escape_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}
