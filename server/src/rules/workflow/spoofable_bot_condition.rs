//! `spoofable-bot-condition`: an `if:` lets a run through because `github.actor` (or
//! `github.triggering_actor`, `github.event.sender.login`) is a bot, in a workflow that
//! outsiders can start. The actor is whoever caused the event, not who wrote what the run
//! works on: when a bot rebases or re-runs an outsider's pull request (`@dependabot rebase` on a
//! pull request the attacker opened, a bot pushing to a branch the attacker controls), the
//! actor is the bot and the check passes for the attacker's code.
//!
//! Quiet when the condition is false for an outsider anyway (it also requires the pull
//! request's author to be the bot, a trusted ref, an authorization gate …): the job's or step's
//! events are narrowed by its `if:` in the job facts, and the rule fires only when an untrusted
//! event still reaches it.

use crate::engine::Ctx;
use crate::finding::{Edit, Finding, Fix};
use crate::model::expr::{self, Tok};
use crate::model::job_facts::WorkflowFacts;
use crate::model::workflow::Workflow;

use super::conditions;

const ID: &str = "spoofable-bot-condition";

/// Events an outsider can cause.
const UNTRUSTED: &[&str] = &[
    "pull_request_target",
    "pull_request",
    "workflow_run",
    "issue_comment",
];
/// Events whose payload has `pull_request` (its author is the trustworthy login).
const WITH_PULL_REQUEST: &[&str] = &["pull_request", "pull_request_target"];

pub fn check(ctx: &Ctx, wf: &Workflow, facts: &WorkflowFacts, out: &mut Vec<Finding>) {
    if !UNTRUSTED.iter().any(|e| wf.has_event(e)) {
        return;
    }
    let text = ctx.doc.text;
    for c in conditions::all(wf) {
        let raw = c.scalar.text.as_str();
        if !(conditions::contains_ignore_case(raw, "actor")
            || conditions::contains_ignore_case(raw, "sender"))
        {
            continue;
        }
        let Some(jf) = facts.jobs.get(c.job_index) else {
            continue;
        };
        let events: &[String] = match c.step_index {
            Some(si) => match jf.steps.get(si) {
                Some(sf) => &sf.events,
                None => continue,
            },
            None => &jf.events,
        };
        let reachable: Vec<&str> = events
            .iter()
            .map(String::as_str)
            .filter(|e| UNTRUSTED.contains(e))
            .collect();
        if reachable.is_empty() {
            continue;
        }
        let Some(inner) = expr::condition_expression(raw) else {
            continue;
        };
        let checks = expr::trusted_bot_actors(inner);
        if checks.is_empty() {
            continue;
        }
        let toks = expr::lex(inner).unwrap_or_default();
        let all_have_pr = events
            .iter()
            .all(|e| WITH_PULL_REQUEST.contains(&e.as_str()));
        // Where the actor contexts are written, to point at the first and replace them all
        // (only when every occurrence is one of the granting checks).
        let occurrences: Vec<std::ops::Range<usize>> = toks
            .iter()
            .filter(|(t, _)| matches!(t, Tok::Ident(p) if checks.iter().any(|c| c.path == *p)))
            .map(|(_, r)| r.clone())
            .collect();
        let spans: Vec<std::ops::Range<usize>> = occurrences
            .iter()
            .filter_map(|r| conditions::locate(text, c.scalar, &inner[r.clone()]))
            .collect();
        let first = &checks[0];
        let span = spans.first().cloned().unwrap_or(c.scalar.span.clone());
        let mut f = Finding::new(
            ID,
            span,
            format!(
                "the {} `if:` trusts `{}` being `{}`, which an outsider can arrange ({} can start it)",
                c.owner(),
                first.path,
                first.login,
                reachable.join(", ")
            ),
        );
        if let Some(trigger) = wf.event(reachable[0]) {
            f = f.related(trigger.span.clone(), "an outsider can cause this event");
        }
        let names_only = checks
            .iter()
            .all(|c| !c.path.ends_with("_id") && !c.path.ends_with(".id"));
        let fixable =
            names_only && occurrences.len() == checks.len() && spans.len() == occurrences.len();
        if all_have_pr && fixable {
            f = f.fix(Fix {
                title: "Check the pull request's author: `github.event.pull_request.user.login`"
                    .into(),
                edits: spans
                    .into_iter()
                    .map(|s| Edit::replace(s, "github.event.pull_request.user.login"))
                    .collect(),
            });
        } else if !all_have_pr {
            f = f.note(
                "No automatic fix: an event that starts this has no pull request whose author \
                 could be checked instead. Check the author of what the run works on (for \
                 `issue_comment`, `github.event.comment.user.login` and the pull request's \
                 author), or the account's permission.",
            );
        }
        out.push(f);
    }
}
