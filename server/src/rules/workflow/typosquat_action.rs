//! `typosquat-action`: `owner/repo` of a `uses:` is one edit or a look-alike character away
//! from a well-known action (tag table, permissions table) and is not itself well-known
//! ([`crate::resolve::well_known`]). The fix writes the well-known name, pinned to a commit
//! when the tag table resolves the ref for it.

use crate::engine::Ctx;
use crate::finding::{Edit, Finding, Fix};
use crate::fix::pin::pin_edits;
use crate::model::workflow::{UsesTarget, Workflow};
use crate::resolve::{tags, well_known};

const ID: &str = "typosquat-action";

pub fn check(ctx: &Ctx, wf: &Workflow, out: &mut Vec<Finding>) {
    for uses in wf.all_uses() {
        let UsesTarget::Repo(r) = &uses.target else {
            continue;
        };
        let slug = r.slug();
        let Some((known, how)) = well_known::near_miss(&slug) else {
            continue;
        };
        let Some(action_span) = r.action_span.clone() else {
            continue;
        };
        // `owner/repo` inside `owner/repo[/path]` as written.
        let slug_span = action_span.start..action_span.start + slug.len();
        if ctx.doc.text.get(slug_span.clone()) != Some(slug.as_str()) {
            continue;
        }
        let how_text = match how {
            well_known::Closeness::OneEdit => "one character away from",
            well_known::Closeness::LookAlike => "a look-alike of",
        };
        let message = format!("{slug} is {how_text} the well-known action {known}");
        let mut edits = vec![Edit::replace(slug_span, known)];
        let mut title = format!("Use {known}");
        // The ref is re-read in the well-known repository's tag table (a tag, or a commit the
        // table knows); a ref it does not know is left as written.
        let pin = r.git_ref.as_deref().and_then(|g| tags::lookup(known, g));
        if let Some(pin) = pin {
            if let Some(pinned) = pin_edits(ctx.doc.text, uses, r, &pin) {
                title = format!("Use {known} pinned to {} ({})", pin.sha, pin.version);
                edits.extend(pinned);
            }
        }
        let note = format!(
            "Nothing but the name ties {slug} to {known}: whoever owns `{}` decides what this step \
             runs, with this job's token and secrets. If you meant {known}, use its name.",
            slug.split('/').next().unwrap_or("")
        );
        out.push(
            Finding::new(ID, action_span, message)
                .fix(Fix { title, edits })
                .note(note),
        );
    }
}
