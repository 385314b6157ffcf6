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
