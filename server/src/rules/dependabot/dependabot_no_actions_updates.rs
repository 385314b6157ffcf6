//! `dependabot-no-actions-updates`: the repository's workflows pin actions by commit SHA, and
//! no Dependabot entry watches `github-actions`, so those pins never move to fixed versions.

use crate::engine::Ctx;
use crate::finding::{Edit, Finding, Fix};
use crate::model::dependabot::Dependabot;
use crate::model::workflow::end_of_line;
use crate::syntax::yaml::YNode;

pub fn check(ctx: &Ctx, model: &Dependabot, out: &mut Vec<Finding>) {
    let Some(pinning) = &ctx.facts.actions_pinning else {
        return;
    };
    if !pinning.pins_by_sha() {
        return;
    }
    let watched = model.updates.iter().any(|u| {
        u.ecosystem
            .is_some_and(|e| e.text.trim().eq_ignore_ascii_case("github-actions"))
    });
    if watched {
        return;
    }
    let span = match model.updates_pair {
        Some(p) => p.key_span.clone(),
        None => 0..ctx.doc.text.find('\n').unwrap_or(ctx.doc.text.len()),
    };
    let mut f = Finding::new(
        "dependabot-no-actions-updates",
        span,
        format!(
            "the workflows pin {} of {} action references by commit SHA, but no update entry has \
             `package-ecosystem: github-actions`: the pins never move to fixed versions",
            pinning.sha_pinned, pinning.total
        ),
    );
    if let Some(fix) = append_entry(ctx.doc.text, model) {
        f = f.fix(fix);
    }
    out.push(f);
}

/// A `github-actions` entry after the last entry of `updates:` (block style only).
fn append_entry(text: &str, model: &Dependabot) -> Option<Fix> {
    let items = model.updates_pair?.value.as_ref()?.as_seq()?;
    let first: &YNode = items.first()?;
    let last = items.last()?;
    let first_key = first.as_map()?.first()?;
    let line_start = text[..first_key.key_span.start]
        .rfind('\n')
        .map_or(0, |i| i + 1);
    let before_key = &text[line_start..first_key.key_span.start];
    // `  - package-ecosystem: …`: the dash's indentation and the keys' column.
    let dash = before_key.find('-')?;
    if before_key[..dash].trim() != "" || before_key[dash + 1..].trim() != "" {
        return None;
    }
    let key_indent = " ".repeat(before_key.len());
    let unit = " ".repeat(model.indent_unit);
    let eol = model.line_ending;
    let body = &text[last.span.clone()];
    let at = end_of_line(
        text,
        last.span.start + body.trim_end().len().saturating_sub(1),
    );
    let mut new_text = String::new();
    if at == text.len() && !text.ends_with('\n') {
        new_text.push_str(eol);
    }
    new_text.push_str(&format!(
        "{before_key}package-ecosystem: github-actions{eol}\
         {key_indent}directory: \"/\"{eol}\
         {key_indent}schedule:{eol}\
         {key_indent}{unit}interval: weekly{eol}\
         {key_indent}cooldown:{eol}\
         {key_indent}{unit}default-days: 7{eol}"
    ));
    Some(Fix {
        title: "Add a weekly `github-actions` update entry (with a 7-day cooldown)".into(),
        edits: vec![Edit::insert(at, new_text)],
    })
}
