//! `undocumented-permission` (pedantic): a `write` scope with no comment that says which step
//! needs it, so nobody can tell later whether it may be dropped.

use crate::engine::Ctx;
use crate::finding::Finding;
use crate::model::workflow::{trailing_comment, Permissions, Workflow};

/// Whether a comment's text says something (a chainwarden directive does not).
fn explains(comment: &str) -> bool {
    let c = comment.trim_start_matches('#').trim();
    !c.is_empty() && !c.starts_with("chainwarden:")
}

/// A comment on the scope's line, or a comment line right above it.
fn documented(text: &str, scope_start: usize, scope_end: usize) -> bool {
    if trailing_comment(text, scope_end).is_some_and(|c| explains(&c.text)) {
        return true;
    }
    let line_start = text[..scope_start].rfind('\n').map_or(0, |i| i + 1);
    if line_start == 0 {
        return false;
    }
    let prev_start = text[..line_start - 1].rfind('\n').map_or(0, |i| i + 1);
    let prev = text[prev_start..line_start - 1].trim();
    prev.starts_with('#') && explains(prev)
}

fn check_block(text: &str, p: &Permissions, owner: &str, out: &mut Vec<Finding>) {
    for scope in p.write_scopes() {
        if documented(text, scope.span.start, scope.span.end) {
            continue;
        }
        out.push(Finding::new(
            "undocumented-permission",
            scope.span.clone(),
            format!(
                "{owner} grants `{}: write` with no comment saying which step needs it",
                scope.scope
            ),
        ));
    }
}

pub fn check(ctx: &Ctx, wf: &Workflow, out: &mut Vec<Finding>) {
    let text = ctx.doc.text;
    if let Some(p) = &wf.permissions {
        check_block(text, p, "the workflow", out);
    }
    for job in &wf.jobs {
        if let Some(p) = &job.permissions {
            check_block(text, p, &format!("job `{}`", job.id), out);
        }
    }
}
