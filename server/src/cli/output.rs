//! Output formats of `check`: text, json, sarif, github.

use super::check::Checked;
use super::Format;
use crate::finding::Severity;
use crate::text::{Encoding, LineIndex};
use serde::Serialize;
use serde_json::json;
use std::fmt::Write;
use std::path::{Component, Path, PathBuf};

/// `root` is what SARIF paths are relative to (see [`report_root`]).
pub fn render(format: Format, results: &[Checked], root: &Path) -> String {
    match format {
        Format::Text => text(results),
        Format::Json => json(results),
        Format::Sarif => sarif(results, root),
        Format::Github => github(results, root),
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
            for r in &f.related {
                let (rl, rc) = pos(&idx, &c.text, r.span.start);
                let _ = writeln!(
                    out,
                    "    = note: {}:{rl}:{rc}: {}",
                    c.path.display(),
                    r.message
                );
            }
        }
    }
    out.push_str(&summary(results));
    out
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// How many rules the summary lists by name; the rest are counted.
const SUMMARY_RULES: usize = 10;

/// The end of the text report: findings by severity, files with findings of those scanned, how
/// many `--fix` can fix, and for each rule (most severe first) the command that explains it.
fn summary(results: &[Checked]) -> String {
    let scanned = results.len();
    let findings: Vec<_> = results.iter().flat_map(|c| &c.findings).collect();
    if findings.is_empty() {
        return if scanned == 0 {
            "No files to check: chainwarden reads GitHub workflows and actions, Dockerfiles, \
             compose files, package.json and JS/TS files, and skips what .gitignore or \
             chainwarden.toml's `ignore` leaves out.\n"
                .to_string()
        } else {
            format!(
                "No findings in {} scanned.\n",
                plural(scanned, "file", "files")
            )
        };
    }
    let with_findings = results.iter().filter(|c| !c.findings.is_empty()).count();
    let files = if with_findings == scanned {
        format!("{} scanned", plural(scanned, "file", "files"))
    } else {
        format!("{with_findings} of {scanned} files scanned")
    };
    let by_severity: Vec<String> = [
        Severity::Critical,
        Severity::High,
        Severity::Medium,
        Severity::Low,
    ]
    .into_iter()
    .filter_map(|s| {
        let n = findings.iter().filter(|f| f.finding.severity == s).count();
        (n > 0).then(|| format!("{n} {s}"))
    })
    .collect();
    let mut out = format!(
        "\n{} in {files}: {}.\n",
        plural(findings.len(), "finding", "findings"),
        by_severity.join(", ")
    );
    let fixable = findings
        .iter()
        .filter(|f| !f.finding.fixes.is_empty())
        .count();
    if fixable > 0 {
        let _ = writeln!(
            out,
            "{} can be fixed with `chainwarden check --fix`.",
            if fixable == findings.len() {
                format!("All {fixable}")
            } else {
                fixable.to_string()
            }
        );
    }
    // Per rule: (highest severity, count, fixable count).
    let mut rules: Vec<(&str, Severity, usize, usize)> = Vec::new();
    for f in &findings {
        let f = &f.finding;
        let fixable = usize::from(!f.fixes.is_empty());
        match rules.iter_mut().find(|r| r.0 == f.rule) {
            Some(r) => {
                r.1 = r.1.max(f.severity);
                r.2 += 1;
                r.3 += fixable;
            }
            None => rules.push((f.rule, f.severity, 1, fixable)),
        }
    }
    rules.sort_by(|a, b| b.1.cmp(&a.1).then(b.2.cmp(&a.2)).then(a.0.cmp(b.0)));
    let width = rules
        .iter()
        .take(SUMMARY_RULES)
        .map(|r| r.0.len())
        .max()
        .unwrap_or(0);
    out.push_str("What each rule means and how to fix it:\n");
    for (rule, severity, n, fixable) in rules.iter().take(SUMMARY_RULES) {
        let fixable = match *fixable {
            0 => String::new(),
            f if f == *n => ", fixable".to_string(),
            f => format!(", {f} fixable"),
        };
        let _ = writeln!(
            out,
            "  chainwarden explain {rule:<width$}  # {}, {severity}{fixable}",
            plural(*n, "finding", "findings")
        );
    }
    if rules.len() > SUMMARY_RULES {
        let more = rules.len() - SUMMARY_RULES;
        let _ = writeln!(
            out,
            "  … and {more} more {} (`chainwarden explain <rule-id>` for any rule id above)",
            if more == 1 { "rule" } else { "rules" }
        );
    }
    out
}

/// What `--fix` did, for stderr: `Applied 7 fixes in 3 files.`
pub fn applied_fixes(results: &[Checked]) -> String {
    let fixes: usize = results.iter().map(|c| c.fixes).sum();
    if fixes == 0 {
        return "No fixes to apply.".to_string();
    }
    let files = results.iter().filter(|c| c.fixes > 0).count();
    format!(
        "Applied {} in {}.",
        plural(fixes, "fix", "fixes"),
        plural(files, "file", "files")
    )
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
    /// Related locations (for a data flow: source, hops, in order); left out when none.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    related: Vec<JsonRelated<'a>>,
    rule: &'a str,
    severity: &'static str,
}

#[derive(Serialize)]
struct JsonRelated<'a> {
    column: u32,
    end_column: u32,
    end_line: u32,
    line: u32,
    message: &'a str,
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
                related: f
                    .related
                    .iter()
                    .map(|r| {
                        let (line, column) = pos(&idx, &c.text, r.span.start);
                        let (end_line, end_column) = pos(&idx, &c.text, r.span.end);
                        JsonRelated {
                            column,
                            end_column,
                            end_line,
                            line,
                            message: &r.message,
                        }
                    })
                    .collect(),
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

/// `path` made absolute against `cwd`, with `.` and `..` resolved by name (symbolic links are
/// kept as written, so a path and the root found above it agree).
pub(super) fn absolute(cwd: &Path, path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in cwd.join(path).components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            c => out.push(c),
        }
    }
    out
}

/// The folder SARIF paths are relative to: the repository holding the first scanned path (the
/// nearest folder above it with a `.git`), else that path itself (a file's folder), else the
/// current folder. Code scanning maps results to files through it, whatever path was typed.
pub fn report_root(paths: &[PathBuf], cwd: &Path) -> PathBuf {
    let first = absolute(cwd, paths.first().map_or(Path::new("."), |p| p.as_path()));
    let start = if first.is_dir() {
        first.as_path()
    } else {
        first.parent().unwrap_or(cwd)
    };
    start
        .ancestors()
        .find(|a| a.join(".git").exists())
        .unwrap_or(start)
        .to_path_buf()
}

/// A path as a URI reference: `/`-separated, every byte but unreserved ones percent-encoded.
fn uri_path(path: &Path) -> String {
    let text = path.to_string_lossy().replace('\\', "/");
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'/') {
            out.push(b as char);
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

/// `file://` URI of an absolute path.
fn file_uri(path: &Path) -> String {
    let p = uri_path(path);
    if p.starts_with('/') {
        format!("file://{p}")
    } else {
        format!("file:///{p}")
    }
}

/// SARIF 2.1.0 for GitHub code scanning: rule metadata, results, related locations and fixes.
/// Paths are relative to `root` (`uriBaseId` `%SRCROOT%`, which `originalUriBaseIds` gives as a
/// file URI); a file outside it gets its absolute file URI.
fn sarif(results: &[Checked], root: &Path) -> String {
    let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("/"));
    let root = absolute(&cwd, root);
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
        let file = absolute(&cwd, &c.path);
        let artifact = match file.strip_prefix(&root) {
            Ok(relative) => json!({"uri": uri_path(relative), "uriBaseId": "%SRCROOT%"}),
            Err(_) => json!({"uri": file_uri(&file)}),
        };
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
                           "physicalLocation": {"artifactLocation": artifact, "region": region(&r.span)}})
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
                           "artifactChanges": [{"artifactLocation": artifact, "replacements": replacements}]})
                })
                .collect();
            let mut result = json!({
                "ruleId": f.rule,
                "level": sarif_level(f.severity),
                "message": {"text": f.message},
                "locations": [{"physicalLocation": {"artifactLocation": artifact, "region": region(&f.span)}}],
                "properties": {"severity": f.severity.as_str()},
            });
            if let Some(i) = rule_index(f.rule) {
                result["ruleIndex"] = json!(i);
            }
            if !related.is_empty() {
                result["relatedLocations"] = json!(related);
            }
            if f.flow && !f.related.is_empty() {
                // Source → hops → the sink (the finding's own location).
                let mut steps: Vec<_> = f
                    .related
                    .iter()
                    .map(|r| {
                        json!({"location": {"message": {"text": r.message},
                               "physicalLocation": {"artifactLocation": artifact, "region": region(&r.span)}}})
                    })
                    .collect();
                steps.push(json!({"location": {"message": {"text": f.message},
                       "physicalLocation": {"artifactLocation": artifact, "region": region(&f.span)}}}));
                result["codeFlows"] = json!([{"threadFlows": [{"locations": steps}]}]);
            }
            if !fixes.is_empty() {
                result["fixes"] = json!(fixes);
            }
            out_results.push(result);
        }
    }
    // A base URI must end with `/` to be a folder.
    let mut root_uri = file_uri(&root);
    if !root_uri.ends_with('/') {
        root_uri.push('/');
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
            "originalUriBaseIds": {"%SRCROOT%": {"uri": root_uri}},
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
/// Paths are relative to `root`, the repository, as GitHub reads them (whatever the folder the
/// step ran in).
fn github(results: &[Checked], root: &Path) -> String {
    let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("/"));
    let root = absolute(&cwd, root);
    let mut out = String::new();
    for c in results {
        let idx = LineIndex::new(&c.text);
        let file = absolute(&cwd, &c.path);
        let file = file
            .strip_prefix(&root)
            .map_or(c.path.to_string_lossy(), |p| p.to_string_lossy());
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
                escape_property(&file.replace('\\', "/")),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sarif_uris_are_percent_encoded_and_normalised() {
        assert_eq!(uri_path(Path::new("a b/ü#1.yml")), "a%20b/%C3%BC%231.yml");
        assert_eq!(file_uri(Path::new("/r/x")), "file:///r/x");
        assert_eq!(
            absolute(Path::new("/r/sub"), Path::new("../.github/./w.yml")),
            Path::new("/r/.github/w.yml")
        );
    }
}
