//! `dependabot-insecure-execution`: an update entry lets package-manager code run during updates
//! with the registry credentials in reach (`insecure-external-code-execution: allow`).

use crate::engine::Ctx;
use crate::finding::{Edit, Finding, Fix};
use crate::fix::yaml_edit::whole_lines;
use crate::model::dependabot::Dependabot;

pub fn check(ctx: &Ctx, model: &Dependabot, out: &mut Vec<Finding>) {
    let text = ctx.doc.text;
    for update in &model.updates {
        let Some(pair) = update.insecure_execution else {
            continue;
        };
        let allowed = pair
            .value
            .as_ref()
            .and_then(|v| v.as_str())
            .is_some_and(|v| v.trim().eq_ignore_ascii_case("allow"));
        if !allowed {
            continue;
        }
        let mut f = Finding::new(
            "dependabot-insecure-execution",
            pair.span.clone(),
            format!(
                "the `{}` update entry lets the package manager run code from dependencies while \
                 Dependabot holds this configuration's registry credentials",
                update.ecosystem_name()
            ),
        );
        // The key's own lines, unless it shares its line with the entry's `- `.
        if let Some(lines) = whole_lines(text, &pair.span) {
            f = f.fix(Fix {
                title: "Remove `insecure-external-code-execution: allow`".into(),
                edits: vec![Edit::replace(lines, "")],
            });
        }
        out.push(f);
    }
}
