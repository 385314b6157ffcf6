//! Rules for `.github/dependabot.yml` (SPEC §7.3).

mod dependabot_cooldown;
mod dependabot_insecure_execution;
mod dependabot_no_actions_updates;

use crate::engine::Ctx;
use crate::finding::Finding;
use crate::model::dependabot::Dependabot;
use crate::syntax::Syntax;

pub fn check(ctx: &Ctx, out: &mut Vec<Finding>) {
    let Syntax::Yaml(yaml) = ctx.syntax else {
        return;
    };
    let doc = yaml.to_doc();
    let model = Dependabot::from_yaml(&doc, ctx.doc.text);
    dependabot_insecure_execution::check(ctx, &model, out);
    dependabot_cooldown::check(ctx, &model, out);
    dependabot_no_actions_updates::check(ctx, &model, out);
}

#[cfg(test)]
mod tests {
    use crate::config::Config;
    use crate::engine::{analyze_text, Document};
    use crate::kind::FileKind;
    use crate::workspace::{ActionsPinning, Facts};
    use std::path::Path;

    /// Every prefix of a dependabot.yml (what an editor sees while it is typed) is analysed
    /// without a panic, and any fix it offers applies.
    #[test]
    fn every_prefix_of_a_dependabot_file_analyses_without_panic() {
        let text = "version: 2\nupdates:\n  - package-ecosystem: npm # ü\n    directory: /\n    insecure-external-code-execution: allow\n    schedule: {interval: daily}\n    cooldown:\n      default-days: 1\n  -   package-ecosystem: \"pip\"\n      cooldown:\n        semver-major-days: 3\n";
        let facts = Facts {
            actions_pinning: Some(ActionsPinning {
                sha_pinned: 1,
                total: 1,
            }),
            ..Facts::default()
        };
        let config = Config::default();
        for end in (0..=text.len()).filter(|e| text.is_char_boundary(*e)) {
            let cut = &text[..end];
            let doc = Document {
                path: Path::new(".github/dependabot.yml"),
                kind: FileKind::Dependabot,
                text: cut,
            };
            for f in analyze_text(&doc, &facts, &config) {
                for fix in &f.fixes {
                    crate::fix::apply_edits(cut, &fix.edits).expect("fix applies");
                }
            }
        }
    }
}
