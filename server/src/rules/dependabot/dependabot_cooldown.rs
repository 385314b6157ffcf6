//! `dependabot-cooldown`: an update entry proposes new versions the moment they are published
//! (no `cooldown:`, or `default-days` below 3), before a malicious release is usually caught.

use crate::engine::Ctx;
use crate::finding::{Edit, Finding, Fix};
use crate::fix::yaml_edit::append_to_mapping;
use crate::model::dependabot::Dependabot;

/// Fewer days than this is not a cooldown worth the name.
const MIN_DAYS: i64 = 3;
/// What the fix writes.
const FIX_DAYS: i64 = 7;

pub fn check(ctx: &Ctx, model: &Dependabot, out: &mut Vec<Finding>) {
    let text = ctx.doc.text;
    let unit = " ".repeat(model.indent_unit);
    for update in &model.updates {
        let eco = update.ecosystem_name();
        match (update.cooldown, update.default_days) {
            (None, _) => {
                let mut f = Finding::new(
                    "dependabot-cooldown",
                    update.anchor_span(),
                    format!(
                        "the `{eco}` update entry has no `cooldown:`: new releases are proposed \
                         the day they are published"
                    ),
                );
                let lines = [
                    "cooldown:".to_string(),
                    format!("{unit}default-days: {FIX_DAYS}"),
                ];
                if let Some(edit) = append_to_mapping(text, update.node, &lines, model.line_ending)
                {
                    f = f.fix(Fix {
                        title: format!("Add `cooldown:` with `default-days: {FIX_DAYS}`"),
                        edits: vec![edit],
                    });
                }
                out.push(f);
            }
            (Some(pair), None) => {
                let mut f = Finding::new(
                    "dependabot-cooldown",
                    pair.key_span.clone(),
                    format!(
                        "the `{eco}` update entry's `cooldown:` has no `default-days`: updates \
                         not covered by a semver-specific setting are proposed at once"
                    ),
                );
                let edit = pair.value.as_ref().and_then(|v| {
                    append_to_mapping(
                        text,
                        v,
                        &[format!("default-days: {FIX_DAYS}")],
                        model.line_ending,
                    )
                });
                if let Some(edit) = edit {
                    f = f.fix(Fix {
                        title: format!("Add `default-days: {FIX_DAYS}`"),
                        edits: vec![edit],
                    });
                }
                out.push(f);
            }
            (Some(_), Some(days)) => {
                let Ok(n) = days.text.trim().parse::<i64>() else {
                    continue;
                };
                if n >= MIN_DAYS {
                    continue;
                }
                out.push(
                    Finding::new(
                        "dependabot-cooldown",
                        days.span.clone(),
                        format!(
                            "the `{eco}` update entry waits only {n} day(s) before proposing a \
                             new release (at least {MIN_DAYS} recommended)"
                        ),
                    )
                    .fix(Fix {
                        title: format!("Set `default-days: {FIX_DAYS}`"),
                        edits: vec![Edit::replace(days.span.clone(), FIX_DAYS.to_string())],
                    }),
                );
            }
        }
    }
}
