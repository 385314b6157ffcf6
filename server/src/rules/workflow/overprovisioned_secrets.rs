//! `overprovisioned-secrets`: `toJSON(secrets)` or `secrets[<expression>]` makes every secret of
//! the repository available to the job, not only the ones it needs.

use crate::engine::Ctx;
use crate::finding::Finding;
use crate::model::expr::{self, secrets_access, SecretsAccess};
use crate::model::workflow::{document_expressions, Workflow};

pub fn check(ctx: &Ctx, wf: &Workflow, out: &mut Vec<Finding>) {
    if !expr::may_access_secrets_unusually(ctx.doc.text) {
        return;
    }
    for (inner, span) in document_expressions(wf.yaml, ctx.doc.text) {
        let accesses = secrets_access(inner);
        let message = if accesses.contains(&SecretsAccess::WholeContext) {
            "the whole `secrets` context is expanded here: every secret of the repository is \
             handed to this step, not only the ones it needs"
        } else if accesses.contains(&SecretsAccess::DynamicIndex) {
            "a secret is picked by a computed name (`secrets[…]`): every secret of the repository \
             must be made available for the lookup"
        } else {
            continue;
        };
        out.push(Finding::new("overprovisioned-secrets", span, message));
    }
}
