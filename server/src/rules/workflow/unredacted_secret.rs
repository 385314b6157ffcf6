//! `unredacted-secret`: a field cut out of a structured (JSON) secret is a new string the runner
//! never registered as secret, so it is printed unmasked wherever it ends up in the log.

use crate::engine::Ctx;
use crate::finding::Finding;
use crate::model::expr::{self, secrets_access, SecretsAccess};
use crate::model::workflow::{document_expressions, Workflow};

pub fn check(ctx: &Ctx, wf: &Workflow, out: &mut Vec<Finding>) {
    if !expr::may_access_secrets_unusually(ctx.doc.text) {
        return;
    }
    for (inner, span) in document_expressions(wf.yaml, ctx.doc.text) {
        for access in secrets_access(inner) {
            let SecretsAccess::StructuredField { secret, field } = access else {
                continue;
            };
            let field = field
                .map(|f| format!("`{f}`"))
                .unwrap_or_else(|| "a computed field".into());
            out.push(Finding::new(
                "unredacted-secret",
                span.clone(),
                format!(
                    "{field} of the JSON secret `{secret}` is not masked in logs: only the whole \
                     secret is registered for redaction"
                ),
            ));
        }
    }
}
