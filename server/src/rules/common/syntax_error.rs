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
    let err = serde_json::from_str::<serde::de::IgnoredAny>(text).err()?;
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
        let lines = LineIndex::new(text);
        let line = err.line().saturating_sub(1);
        let line_span = lines.line_span(text, line.min(lines.line_count().saturating_sub(1)));
        let at = (line_span.start + err.column().saturating_sub(1)).min(line_span.end);
        let at = floor_char_boundary(text, at);
        let end = text[at..].chars().next().map_or(at, |c| at + c.len_utf8());
        at..end
    });
    Some((span, what))
}
