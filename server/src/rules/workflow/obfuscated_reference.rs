//! `obfuscated-reference`: a `uses:` whose path has redundant parts (`actions/checkout/./`,
//! `actions//checkout`, a trailing `/`), or a constant `${{ }}` expression in `uses:`, `run:` or
//! `if:` (`${{ 'curl' }}`): both hide what runs from a reader and from tools that match on text.

use crate::engine::Ctx;
use crate::finding::{Edit, Finding, Fix};
use crate::model::expr;
use crate::model::workflow::{expression_parts, Uses, UsesTarget, Workflow};
use crate::syntax::yaml::{Scalar, ScalarStyle};

/// `owner/repo[/path]` without empty and `.` segments, `..` applied inside the repository.
/// `None` when `..` would climb out of the repository.
fn normalize(action: &str) -> Option<String> {
    let mut parts: Vec<&str> = Vec::new();
    for seg in action.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                if parts.len() <= 2 {
                    return None;
                }
                parts.pop();
            }
            s => parts.push(s),
        }
    }
    (parts.len() >= 2).then(|| parts.join("/"))
}

fn check_path(uses: &Uses, out: &mut Vec<Finding>) {
    let UsesTarget::Repo(r) = &uses.target else {
        return;
    };
    let written = uses.raw.text.trim();
    let action = written.rsplit_once('@').map_or(written, |(a, _)| a);
    let redundant = action
        .split('/')
        .any(|s| s.is_empty() || s == "." || s == "..");
    if !redundant {
        return;
    }
    let plain = normalize(action);
    let span = r.action_span.clone().unwrap_or(uses.raw.span.clone());
    let mut f = Finding::new(
        "obfuscated-reference",
        span.clone(),
        format!(
            "`{action}` has redundant path parts{}",
            plain
                .as_ref()
                .map(|p| format!(": it is `{p}`"))
                .unwrap_or_default()
        ),
    );
    if let (Some(plain), Some(_)) = (plain, &r.action_span) {
        f = f.fix(Fix {
            title: format!("Write `{plain}`"),
            edits: vec![Edit::replace(span, plain)],
        });
    }
    out.push(f);
}

/// Whether `value` can replace the `${{ … }}` at `span` inside scalar `s` without changing how
/// the YAML reads.
fn substitutable(text: &str, s: &Scalar, span: &std::ops::Range<usize>, value: &str) -> bool {
    if value.contains('\n') || value.contains("${{") {
        return false;
    }
    if s.is_block() {
        return true;
    }
    let safe = value
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || " _./@+=,-".contains(c));
    let at_start = text[s.content.start..span.start].trim().is_empty();
    let starts_ok = !at_start
        || value
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphanumeric());
    safe && starts_ok
        && match s.style {
            ScalarStyle::Plain => !value.is_empty() || !at_start,
            _ => true,
        }
}

/// Constant expressions inside one scalar. `is_if`: the scalar is an `if:` value, where bare
/// text is itself an expression, so only booleans and numbers may replace a whole `${{ }}`.
fn check_constants(text: &str, s: &Scalar, is_if: bool, what: &str, out: &mut Vec<Finding>) {
    if !s.text.contains("${{") {
        return;
    }
    for (inner, span) in expression_parts(text, s.content.clone()) {
        let Some(value) = expr::constant(inner) else {
            continue;
        };
        let mut f = Finding::new(
            "obfuscated-reference",
            span.clone(),
            match &value {
                Some(v) => format!("`${{{{ {inner} }}}}` in {what} is a constant: it is `{v}`"),
                None => format!("`${{{{ {inner} }}}}` in {what} is a constant expression"),
            },
        );
        let fix = value.and_then(|v| {
            if is_if {
                let whole = text[s.content.clone()].trim() == &text[span.clone()];
                let literal = v == "true" || v == "false" || v.parse::<f64>().is_ok();
                (whole && literal && matches!(s.style, ScalarStyle::Plain))
                    .then(|| Edit::replace(s.span.clone(), v))
            } else {
                substitutable(text, s, &span, &v).then(|| Edit::replace(span.clone(), v))
            }
        });
        if let Some(edit) = fix {
            f = f.fix(Fix {
                title: format!("Write `{}` instead", edit.new_text),
                edits: vec![edit],
            });
        }
        out.push(f);
    }
}

pub fn check(ctx: &Ctx, wf: &Workflow, out: &mut Vec<Finding>) {
    let text = ctx.doc.text;
    for job in &wf.jobs {
        if let Some(u) = &job.uses {
            check_path(u, out);
            check_constants(text, &u.raw, false, "`uses:`", out);
        }
        if let Some(c) = &job.if_cond {
            check_constants(text, c, true, "`if:`", out);
        }
    }
    for (_, step) in wf.all_steps() {
        if let Some(u) = &step.uses {
            check_path(u, out);
            check_constants(text, &u.raw, false, "`uses:`", out);
        }
        if let Some(r) = step.run {
            check_constants(text, r, false, "`run:`", out);
        }
        if let Some(c) = step.if_cond {
            check_constants(text, c, true, "`if:`", out);
        }
    }
}
