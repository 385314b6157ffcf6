//! Output formats of `check`: text, json, sarif, github.

use super::check::Checked;
use super::Format;
use crate::text::{Encoding, LineIndex};
use serde_json::json;
use std::fmt::Write;

pub fn render(format: Format, results: &[Checked]) -> String {
    match format {
        Format::Text => text(results),
        Format::Json => json(results),
        Format::Sarif | Format::Github => json(results),
    }
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
            let src = &c.text[idx.line_span(&c.text, line as usize - 1)];
            let width = if end_line == line { (end_col - col).max(1) } else { 1 };
            let pad: String = src
                .chars()
                .take(col as usize - 1)
                .map(|ch| if ch == '\t' { '\t' } else { ' ' })
                .collect();
            let _ = writeln!(out, "    {src}\n    {pad}{}", "^".repeat(width as usize));
        }
    }
    let n: usize = results.iter().map(|c| c.findings.len()).sum();
    let _ = writeln!(out, "{n} finding{} in {} file{}", if n == 1 { "" } else { "s" }, results.len(), if results.len() == 1 { "" } else { "s" });
    out
}

fn json(results: &[Checked]) -> String {
    let mut findings = Vec::new();
    for c in results {
        let idx = LineIndex::new(&c.text);
        for ff in &c.findings {
            let f = &ff.finding;
            let (line, column) = pos(&idx, &c.text, f.span.start);
            let (end_line, end_column) = pos(&idx, &c.text, f.span.end);
            let fix = f.fixes.first().map(|fix| {
                let edits: Vec<_> = fix
                    .edits
                    .iter()
                    .map(|e| {
                        let (line, column) = pos(&idx, &c.text, e.span.start);
                        let (end_line, end_column) = pos(&idx, &c.text, e.span.end);
                        json!({"line": line, "column": column, "end_line": end_line,
                               "end_column": end_column, "new_text": e.new_text})
                    })
                    .collect();
                json!({"title": fix.title, "edits": edits})
            });
            findings.push(json!({
                "rule": f.rule,
                "severity": f.severity.as_str(),
                "path": c.path.to_string_lossy(),
                "line": line, "column": column, "end_line": end_line, "end_column": end_column,
                "message": f.message,
                "fix": fix,
            }));
        }
    }
    let mut s = serde_json::to_string_pretty(&json!({"version": 1, "findings": findings})).unwrap();
    s.push('\n');
    s
}
