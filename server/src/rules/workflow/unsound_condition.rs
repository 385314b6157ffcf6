//! `unsound-condition`: an `if:` that is always true because its value is not one expression.
//!
//! The runner reads a value that holds `${{` as a template: the literal text and the expressions
//! are split apart, and more than one part becomes `format('…', …)`, a non-empty string, which
//! is truthy. That happens with `if: ${{ a }} && ${{ b }}`, with text or spaces around the
//! expression (`if: "${{ a }} "`), and with a `|` or `>` block scalar, whose clip chomping keeps
//! the final newline (`${{ a }}\n`). A stripped block scalar (`|-`, `>-`) holding only the
//! expression has no newline and is evaluated as the expression, so it is sound; a bare
//! condition without `${{ }}` is always read as an expression, whatever its whitespace.

use crate::engine::Ctx;
use crate::finding::{Edit, Finding, Fix};
use crate::fix::step_map::yaml_value;
use crate::model::expr;
use crate::model::workflow::Workflow;
use crate::syntax::yaml::{Scalar, ScalarStyle};

use super::conditions;

const ID: &str = "unsound-condition";

enum Part<'a> {
    Text(&'a str),
    /// The text inside `${{ }}`.
    Expr(&'a str),
}

/// Literal text and expressions of a value, in order; `None` when an expression is not closed.
fn parts(raw: &str) -> Option<Vec<Part<'_>>> {
    let mut out = Vec::new();
    let mut rest = raw;
    while let Some(open) = rest.find("${{") {
        if open > 0 {
            out.push(Part::Text(&rest[..open]));
        }
        let after = &rest[open + 3..];
        let close = after.find("}}")?;
        out.push(Part::Expr(&after[..close]));
        rest = &after[close + 2..];
    }
    if !rest.is_empty() {
        out.push(Part::Text(rest));
    }
    Some(out)
}

/// Whether an expression needs parentheses to keep its meaning beside operators.
fn needs_parens(inner: &str) -> bool {
    ["&&", "||", "==", "!=", "<", ">"]
        .iter()
        .any(|op| inner.contains(op))
}

pub fn check(ctx: &Ctx, wf: &Workflow, out: &mut Vec<Finding>) {
    let text = ctx.doc.text;
    for c in conditions::all(wf) {
        let raw = c.scalar.text.as_str();
        if !raw.contains("${{") || expr::condition_expression(raw).is_some() {
            continue;
        }
        let Some(parts) = parts(raw) else { continue };
        let exprs: Vec<&str> = parts
            .iter()
            .filter_map(|p| match p {
                Part::Expr(e) => Some(*e),
                Part::Text(_) => None,
            })
            .collect();
        let only_space = parts.iter().all(|p| match p {
            Part::Text(t) => t.trim().is_empty(),
            Part::Expr(_) => true,
        });
        let block = c.scalar.is_block();
        let why = if exprs.len() == 1 && only_space && block {
            format!(
                "the `{}` block scalar keeps a final newline after `${{{{ }}}}`: the {} `if:` is the string `…\\n`, which is always true",
                if c.scalar.style == ScalarStyle::Folded { ">" } else { "|" },
                c.owner()
            )
        } else if exprs.len() == 1 && only_space {
            format!(
                "spaces around `${{{{ }}}}` make the {} `if:` a string, which is always true",
                c.owner()
            )
        } else {
            format!(
                "the {} `if:` mixes `${{{{ }}}}` with other text: the runner joins them into one string, which is always true",
                c.owner()
            )
        };
        let span = trimmed_span(text, c.scalar);
        let mut f = Finding::new(ID, span.clone(), why);
        if let Some(fix) = fix(text, c.scalar, &parts, exprs.len(), only_space) {
            f = f.fix(fix);
        }
        out.push(f);
    }
}

/// The scalar's span without the line break a block scalar ends with.
fn trimmed_span(text: &str, s: &Scalar) -> std::ops::Range<usize> {
    let body = &text[s.span.clone()];
    s.span.start..s.span.start + body.trim_end().len()
}

fn fix(text: &str, s: &Scalar, parts: &[Part], exprs: usize, only_space: bool) -> Option<Fix> {
    // `|` / `>` (or `|+`) around one expression: strip the final newline with `|-` / `>-`.
    let trailing_only = matches!(parts.first(), Some(Part::Expr(_)))
        && parts[1..]
            .iter()
            .all(|p| matches!(p, Part::Text(t) if t.chars().all(|c| c == '\n')));
    if s.is_block() && exprs == 1 && trailing_only {
        let header: &str = text[s.span.clone()].split('\n').next()?;
        let indicator_len = header
            .find(|c: char| !matches!(c, '|' | '>' | '+' | '-' | '0'..='9'))
            .unwrap_or(header.len());
        let indicator = &header[..indicator_len];
        let new: String = indicator.chars().filter(|c| *c != '+').collect::<String>() + "-";
        return Some(Fix {
            title: format!("Use `{new}` so that the value ends with the expression"),
            edits: vec![Edit::replace(
                s.span.start..s.span.start + indicator_len,
                new,
            )],
        });
    }
    // Otherwise: one expression made of the parts.
    let mut joined = String::new();
    for p in parts {
        match p {
            Part::Text(t) => joined.push_str(t),
            Part::Expr(e) if exprs > 1 && !only_space && needs_parens(e) => {
                joined.push('(');
                joined.push_str(e.trim());
                joined.push(')');
            }
            Part::Expr(e) => joined.push_str(e.trim()),
        }
    }
    let mut joined = joined.trim().to_string();
    if joined.contains('\n') {
        // Folding the lines is safe only outside string literals.
        if joined.contains('\'') {
            return None;
        }
        joined = joined.split_whitespace().collect::<Vec<_>>().join(" ");
    }
    if joined.is_empty() || !expr::parses(&joined) {
        return None;
    }
    let value = yaml_value(&format!("${{{{ {joined} }}}}"));
    Some(Fix {
        title: format!("Rewrite as one expression: `{value}`"),
        edits: vec![Edit::replace(trimmed_span(text, s), value)],
    })
}
