//! `archived-action`: a `uses:` of an action whose repository is archived (read-only: it gets
//! no fixes any more, security fixes included). From the built-in list
//! (`data/archived-actions.tsv`); the finding's note names the replacement.

use crate::engine::Ctx;
use crate::finding::Finding;
use crate::model::workflow::{UsesTarget, Workflow};
use crate::resolve::archived;

const ID: &str = "archived-action";

pub fn check(_ctx: &Ctx, wf: &Workflow, out: &mut Vec<Finding>) {
    for uses in wf.all_uses() {
        let UsesTarget::Repo(r) = &uses.target else {
            continue;
        };
        let Some(entry) = archived::lookup(&r.slug()) else {
            continue;
        };
        let span = r
            .action_span
            .clone()
            .unwrap_or_else(|| uses.raw.span.clone());
        let since = entry
            .since
            .map(|s| format!(" (since {s})"))
            .unwrap_or_default();
        let (message, note) = match entry.replacement {
            Some(rep) => (
                format!("{} is archived{since}; use {rep} instead", r.slug()),
                format!(
                    "{} is read-only: it gets no fixes, security fixes included. Replace it with {rep}.",
                    entry.repo
                ),
            ),
            None => (
                format!("{} is archived{since} and no longer maintained", r.slug()),
                format!(
                    "{} is read-only: it gets no fixes, security fixes included. Its README names no successor.",
                    entry.repo
                ),
            ),
        };
        out.push(Finding::new(ID, span, message).note(note));
    }
}
