//! The rule registry: docs embedded from `rules/<id>.md`, and dispatch by file kind.
//!
//! Rule code lives in one file per rule under a family folder:
//! `workflow/` (workflows and actions), `docker/` (Dockerfiles and compose), `package/`
//! (package.json), `source/` (JS/TS), `common/` (rules for every kind).

pub mod common;
pub mod dependabot;
pub mod docker;
pub mod package;
pub mod source;
pub mod workflow;

use crate::engine::Ctx;
use crate::finding::{Finding, Severity};
use crate::kind::FileKind;

/// A rule's documentation, from the front matter and body of `rules/<id>.md`.
#[derive(Debug)]
pub struct RuleDoc {
    pub id: &'static str,
    pub severity: Severity,
    pub title: &'static str,
    pub kinds: &'static [FileKind],
    /// In the pedantic tier (SPEC §7.4): reported only when pedantic mode is on.
    pub pedantic: bool,
    /// Markdown: why it matters and how to fix it. Shown on hover and by `chainwarden explain`.
    pub body: &'static str,
}

include!(concat!(env!("OUT_DIR"), "/rule_docs.rs"));

pub fn all() -> &'static [RuleDoc] {
    RULE_DOCS
}

pub fn doc(id: &str) -> Option<&'static RuleDoc> {
    RULE_DOCS.iter().find(|d| d.id == id)
}

/// Whether rule `id` is in the pedantic tier (off unless pedantic mode is on).
pub fn is_pedantic(id: &str) -> bool {
    doc(id).is_some_and(|d| d.pedantic)
}

/// Run every rule that applies to the document's kind.
pub fn check(ctx: &Ctx, out: &mut Vec<Finding>) {
    match ctx.doc.kind {
        FileKind::Workflow | FileKind::Action => workflow::check(ctx, out),
        FileKind::Dockerfile | FileKind::Compose => docker::check(ctx, out),
        FileKind::Package => package::check(ctx, out),
        FileKind::Source => source::check(ctx, out),
        FileKind::Dependabot => dependabot::check(ctx, out),
    }
    common::check(ctx, out);
}
