//! `github-app-token-overscoped`: a GitHub App installation token minted with everything the
//! installation may do (no `permission-*` inputs), for every repository of an owner, or left
//! valid after the job (`skip-token-revoke: true`).

use crate::engine::Ctx;
use crate::finding::Finding;
use crate::model::workflow::Workflow;

const CREATE: &str = "actions/create-github-app-token";
const TIBDEX: &str = "tibdex/github-app-token";

fn is_true(v: Option<&crate::syntax::yaml::Scalar>) -> bool {
    v.is_some_and(|v| v.text.trim().eq_ignore_ascii_case("true"))
}

pub fn check(_ctx: &Ctx, wf: &Workflow, out: &mut Vec<Finding>) {
    for (_, step) in wf.all_steps() {
        let Some(action) = step.action() else {
            continue;
        };
        if action != CREATE && action != TIBDEX {
            continue;
        }
        let uses = step
            .uses
            .as_ref()
            .map(|u| u.raw.span.clone())
            .unwrap_or(step.span.clone());
        let input = |k: &str| step.with.iter().find(|kv| kv.name == k);
        let scoped = if action == CREATE {
            step.with
                .iter()
                .any(|kv| kv.name.starts_with("permission-"))
        } else {
            input("permissions").is_some()
        };
        if !scoped {
            let how = if action == CREATE {
                "no `permission-*` input narrows it"
            } else {
                "no `permissions` input narrows it"
            };
            out.push(Finding::new(
                "github-app-token-overscoped",
                uses.clone(),
                format!(
                    "{action} mints a token with every permission the app's installation has \
                     ({how})"
                ),
            ));
        }
        if action == CREATE {
            if let (Some(owner), None) = (input("owner"), input("repositories")) {
                out.push(Finding::new(
                    "github-app-token-overscoped",
                    owner.span.clone(),
                    "`owner:` without `repositories:` gives the token every repository the \
                     installation can reach for that owner",
                ));
            }
        }
        let skip_revoke = if action == CREATE {
            input("skip-token-revoke").filter(|kv| is_true(kv.value))
        } else {
            input("revoke").filter(|kv| {
                kv.value
                    .is_some_and(|v| v.text.trim().eq_ignore_ascii_case("false"))
            })
        };
        if let Some(kv) = skip_revoke {
            out.push(Finding::new(
                "github-app-token-overscoped",
                kv.span.clone(),
                "the token is not revoked when the job ends: it stays valid for up to an hour \
                 for anything that copied it",
            ));
        }
    }
}
