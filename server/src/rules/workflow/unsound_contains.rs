//! `unsound-contains`: `contains('<text>', <context>)` in an `if:` is a substring test, not a
//! membership test: with `contains('refs/heads/main refs/heads/dev', github.ref)` a branch
//! named `ma` passes too.
//!
//! Contexts whose values come from a small fixed set (event names, activity types, ref types,
//! runner OS, author associations, conclusions) are reported only when another value of that
//! set is a substring of the text (`contains('pull_request_target', github.event_name)` lets
//! `pull_request` through). Contexts the repository itself fixes (`github.repository`,
//! `matrix.*`, `vars.*`, `runner.*`, …) cannot be chosen by anyone else and are quiet.

use crate::engine::Ctx;
use crate::finding::{Edit, Finding, Fix};
use crate::model::expr::{self, Tok};
use crate::model::workflow::Workflow;
use crate::syntax::yaml::ScalarStyle;

use super::conditions;

const ID: &str = "unsound-contains";

const EVENTS: &[&str] = &[
    "branch_protection_rule",
    "check_run",
    "check_suite",
    "create",
    "delete",
    "deployment",
    "deployment_status",
    "discussion",
    "discussion_comment",
    "fork",
    "gollum",
    "issue_comment",
    "issues",
    "label",
    "merge_group",
    "milestone",
    "page_build",
    "public",
    "pull_request",
    "pull_request_review",
    "pull_request_review_comment",
    "pull_request_target",
    "push",
    "registry_package",
    "release",
    "repository_dispatch",
    "schedule",
    "status",
    "watch",
    "workflow_call",
    "workflow_dispatch",
    "workflow_run",
];
const ACTIONS: &[&str] = &[
    "opened",
    "closed",
    "reopened",
    "edited",
    "labeled",
    "unlabeled",
    "synchronize",
    "assigned",
    "unassigned",
    "created",
    "deleted",
    "published",
    "unpublished",
    "released",
    "prereleased",
    "submitted",
    "dismissed",
    "completed",
    "requested",
    "in_progress",
    "review_requested",
    "review_request_removed",
    "ready_for_review",
    "converted_to_draft",
    "locked",
    "unlocked",
    "milestoned",
    "demilestoned",
    "transferred",
    "pinned",
    "unpinned",
    "auto_merge_enabled",
    "auto_merge_disabled",
    "enqueued",
    "dequeued",
    "answered",
    "unanswered",
    "category_changed",
    "rerequested",
    "requested_action",
    "started",
];
const ASSOCIATIONS: &[&str] = &[
    "owner",
    "member",
    "collaborator",
    "contributor",
    "first_time_contributor",
    "first_timer",
    "mannequin",
    "none",
];
const CONCLUSIONS: &[&str] = &[
    "success",
    "failure",
    "neutral",
    "cancelled",
    "skipped",
    "timed_out",
    "action_required",
    "stale",
    "startup_failure",
];

/// The fixed set of values a context can take, if it has one.
fn vocabulary(path: &str) -> Option<&'static [&'static str]> {
    Some(match path {
        "github.event_name" | "github.event.workflow_run.event" => EVENTS,
        "github.event.action" => ACTIONS,
        "github.ref_type" => &["branch", "tag"],
        "runner.os" => &["linux", "windows", "macos"],
        "runner.arch" => &["x86", "x64", "arm", "arm64"],
        "job.status" => &["success", "failure", "cancelled"],
        p if p.ends_with(".author_association") => ASSOCIATIONS,
        p if p.ends_with(".conclusion") => CONCLUSIONS,
        _ => return None,
    })
}

/// Contexts whose value the repository fixes: nobody outside can pick a value.
fn fixed_by_repository(path: &str) -> bool {
    matches!(
        path,
        "github.repository"
            | "github.repository_owner"
            | "github.repository_id"
            | "github.workflow"
            | "github.job"
            | "github.server_url"
            | "github.api_url"
    ) || [
        "matrix.",
        "vars.",
        "secrets.",
        "runner.",
        "github.event.repository.",
    ]
    .iter()
    .any(|p| path.starts_with(p))
}

/// The items a text meant to list (`'a b'`, `'a,b'`, `'a|b'`).
fn items(hay: &str) -> Vec<&str> {
    hay.split(|c: char| c.is_whitespace() || matches!(c, ',' | '|' | ';'))
        .filter(|i| !i.is_empty())
        .collect()
}

pub fn check(ctx: &Ctx, wf: &Workflow, out: &mut Vec<Finding>) {
    let text = ctx.doc.text;
    for c in conditions::all(wf) {
        let raw = c.scalar.text.as_str();
        if !conditions::contains_ignore_case(raw, "contains") {
            continue;
        }
        let Some(inner) = expr::condition_expression(raw) else {
            continue;
        };
        let Some(toks) = expr::lex(inner) else {
            continue;
        };
        for i in 0..toks.len() {
            let Some(call) = literal_contains(&toks, i) else {
                continue;
            };
            let Some(message) = problem(&call) else {
                continue;
            };
            let call_text = &inner[call.span.clone()];
            let span =
                conditions::locate(text, c.scalar, call_text).unwrap_or(c.scalar.span.clone());
            let mut f = Finding::new(
                ID,
                span,
                format!("{} in the {} `if:` {message}", call_text, c.owner()),
            );
            let plain = matches!(
                c.scalar.style,
                ScalarStyle::Plain | ScalarStyle::Literal | ScalarStyle::Folded
            );
            let list = items(&call.hay);
            let literal = &inner[call.hay_span.clone()];
            if plain && !list.is_empty() && !list.iter().any(|i| i.contains(['"', '\\', '\''])) {
                if let Some(at) = conditions::locate(text, c.scalar, literal) {
                    let json = list
                        .iter()
                        .map(|i| format!("\"{i}\""))
                        .collect::<Vec<_>>()
                        .join(", ");
                    let new = format!("fromJSON('[{json}]')");
                    f = f.fix(Fix {
                        title: format!("Test membership: `{new}`"),
                        edits: vec![Edit::replace(at, new)],
                    });
                }
            }
            out.push(f);
        }
    }
}

struct LiteralContains {
    /// The whole call, in the condition's text.
    span: std::ops::Range<usize>,
    hay: String,
    hay_span: std::ops::Range<usize>,
    /// The context path, lower case.
    needle: String,
}

/// `contains ( '<text>' , <path> [ '<key>' ] … )` starting at token `i`.
fn literal_contains(toks: &[(Tok, std::ops::Range<usize>)], i: usize) -> Option<LiteralContains> {
    let tok = |k: usize| toks.get(k).map(|t| &t.0);
    if tok(i)? != &Tok::Ident("contains".into()) || tok(i + 1)? != &Tok::Op("(") {
        return None;
    }
    let Tok::Str(hay) = tok(i + 2)? else {
        return None;
    };
    if tok(i + 3)? != &Tok::Op(",") {
        return None;
    }
    let Tok::Ident(path) = tok(i + 4)? else {
        return None;
    };
    let mut needle = path.clone();
    let mut k = i + 5;
    while tok(k) == Some(&Tok::Op("[")) {
        let (Some(Tok::Str(key)), Some(Tok::Op("]"))) = (tok(k + 1), tok(k + 2)) else {
            return None;
        };
        needle.push('.');
        needle.push_str(&key.to_ascii_lowercase());
        k += 3;
    }
    if tok(k)? != &Tok::Op(")") {
        return None;
    }
    Some(LiteralContains {
        span: toks[i].1.start..toks[k].1.end,
        hay: hay.clone(),
        hay_span: toks[i + 2].1.clone(),
        needle,
    })
}

/// What is wrong with the call, or `None` when nothing unwanted can pass.
fn problem(call: &LiteralContains) -> Option<String> {
    let hay = call.hay.to_ascii_lowercase();
    if let Some(words) = vocabulary(&call.needle) {
        let listed = items(&hay);
        let extra = words
            .iter()
            .find(|w| hay.contains(**w) && !listed.contains(w))?;
        return Some(format!(
            "tests for a substring: `{extra}` passes too, though it is not one of the listed values"
        ));
    }
    if fixed_by_repository(&call.needle) {
        return None;
    }
    let example = items(&call.hay)
        .first()
        .filter(|i| i.chars().count() > 1)
        .map(|i| {
            let mut s = i.to_string();
            s.pop();
            s
        });
    Some(match example {
        Some(e) => format!(
            "tests whether `{}` is a substring of the text: `{e}` passes too",
            call.needle
        ),
        None => format!("tests whether `{}` is a substring of the text", call.needle),
    })
}
