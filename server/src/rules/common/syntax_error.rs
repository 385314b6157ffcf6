//! `syntax-error`: a workflow, action, compose file or package.json that does not parse as its
//! kind. The range is the first error (the tab, the quote or bracket never closed, the line that
//! does not read); the rules still report what the parts that parse hold (see
//! [`crate::syntax::yaml_recover`]). Dockerfiles have no syntax errors in this sense (their
//! parser reads any line), and JS/TS sources are left to compilers: they are half-typed most of
//! the time an editor shows them.

use crate::engine::Ctx;
use crate::finding::{Finding, Span};
use crate::kind::FileKind;
use crate::syntax::Syntax;
use crate::text::{floor_char_boundary, LineIndex};

pub const ID: &str = "syntax-error";

pub fn check(ctx: &Ctx, out: &mut Vec<Finding>) {
    let text = ctx.doc.text;
    let kind = ctx.doc.kind;
    let (span, what) = match ctx.syntax {
        Syntax::Yaml(yaml) if kind.is_yaml() => match yaml.error() {
            Some(e) => (e.span.clone(), e.describe(text)),
            None => return,
        },
        Syntax::Json(json) if kind == FileKind::Package => match json_error(text, json) {
            Some(found) => found,
            None => return,
        },
        _ => return,
    };
    let (name, rejecter) = match kind {
        FileKind::Workflow => ("workflow", "GitHub rejects it"),
        FileKind::Action => ("action", "GitHub rejects it"),
        FileKind::Compose => ("compose file", "Docker Compose rejects it"),
        _ => ("package.json", "npm rejects it"),
    };
    out.push(Finding::new(
        ID,
        span,
        format!(
            "{name} does not parse: {what}; {rejecter}, and findings after this point may be missing"
        ),
    ));
}

/// Where package.json stops being JSON as npm reads it (strict: no comments, no trailing
/// commas), and what is wrong there.
fn json_error(text: &str, json: &crate::syntax::json::JsonDoc) -> Option<(Span, String)> {
    // npm strips a byte order mark before parsing.
    let body = text.strip_prefix('\u{feff}').unwrap_or(text);
    let err = serde_json::from_str::<serde::de::IgnoredAny>(body).err()?;
    if err.classify() == serde_json::error::Category::Eof {
        if let Some((at, what)) = unclosed_json(text) {
            return Some((at..at + 1, what));
        }
    }
    let what = match err.classify() {
        serde_json::error::Category::Eof => "the text ends before the JSON does".to_string(),
        _ => {
            let message = err.to_string();
            let message = message.split(" at line ").next().unwrap_or(&message);
            format!("invalid JSON ({message})")
        }
    };
    // The tolerant reader's first error is a token; serde_json's is a line and column.
    let span = json.error.clone().unwrap_or_else(|| {
        let bom = text.len() - body.len();
        let lines = LineIndex::new(body);
        let line = err.line().saturating_sub(1);
        let line_span = lines.line_span(body, line.min(lines.line_count().saturating_sub(1)));
        let at = (line_span.start + err.column().saturating_sub(1)).min(line_span.end);
        let at = floor_char_boundary(text, bom + at);
        let end = text[at..].chars().next().map_or(at, |c| at + c.len_utf8());
        at..end
    });
    Some((span, what))
}

/// The innermost `{`, `[` or `"` a JSON text opens and never closes: its offset and a
/// description.
fn unclosed_json(text: &str) -> Option<(usize, String)> {
    let b = text.as_bytes();
    let mut open: Vec<usize> = Vec::new();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'"' => {
                let start = i;
                i += 1;
                while i < b.len() && b[i] != b'"' {
                    i += if b[i] == b'\\' { 2 } else { 1 };
                }
                if i >= b.len() {
                    return Some((start, "the string opened here is never closed".into()));
                }
            }
            b'{' | b'[' => open.push(i),
            b'}' | b']' => {
                open.pop();
            }
            _ => {}
        }
        i += 1;
    }
    let at = open.pop()?;
    Some((
        at,
        format!("the `{}` opened here is never closed", b[at] as char),
    ))
}

#[cfg(test)]
mod tests {
    use crate::config::Config;
    use crate::engine::{analyze_text, Document};
    use crate::kind::FileKind;
    use crate::workspace::Facts;
    use std::path::Path;

    fn syntax_errors(kind: FileKind, path: &str, text: &str) -> Vec<(usize, String)> {
        let doc = Document {
            path: Path::new(path),
            kind,
            text,
        };
        analyze_text(&doc, &Facts::default(), &Config::default())
            .into_iter()
            .filter(|f| f.rule == super::ID)
            .map(|f| (f.span.start, f.message))
            .collect()
    }

    #[test]
    fn package_json_is_read_as_npm_reads_it() {
        let pkg = |t: &str| syntax_errors(FileKind::Package, "package.json", t);
        assert!(pkg("{\"name\": \"x\"}\n").is_empty());
        assert!(pkg("\u{feff}{\"name\": \"x\"}\n").is_empty());
        // Comments, trailing commas, a missing comma, an unterminated text: npm rejects them.
        for bad in [
            "{\n  // c\n  \"name\": \"x\"\n}\n",
            "{\"a\": 1,}\n",
            "{\"a\": 1 \"b\": 2}\n",
            "{\"a\": \"x\n",
            "",
        ] {
            let found = pkg(bad);
            assert_eq!(found.len(), 1, "{bad:?}: {found:?}");
            assert!(
                found[0].1.starts_with("package.json does not parse"),
                "{found:?}"
            );
        }
    }

    #[test]
    fn an_unclosed_object_or_string_is_pointed_at() {
        let pkg = |t: &str| syntax_errors(FileKind::Package, "package.json", t);
        let t = "{\n  \"dependencies\": {\"a\": \"^1\"\n";
        let found = pkg(t);
        assert_eq!(found[0].0, t.find("{\"a").unwrap(), "{found:?}");
        assert!(
            found[0].1.contains("`{` opened here is never closed"),
            "{found:?}"
        );
        let t = "{\"a\": \"x\\\"y";
        let found = pkg(t);
        assert_eq!(found[0].0, 6, "{found:?}");
        assert!(found[0].1.contains("string opened here"), "{found:?}");
    }

    #[test]
    fn dockerfiles_and_sources_never_have_syntax_errors() {
        assert!(syntax_errors(
            FileKind::Dockerfile,
            "Dockerfile",
            "FROM \"x\nRUN {\n\tRUN\n"
        )
        .is_empty());
        assert!(syntax_errors(FileKind::Source, "a.ts", "const x = {\n  y: \"").is_empty());
    }
}
