//! `provenance-without-id-token`: a publish asks for npm provenance but the job cannot mint the
//! OIDC token that signs it.

use crate::engine::Ctx;
use crate::finding::{Finding, Fix};
use crate::fix::permissions::{as_pairs, ensure_job_scopes, scopes_for_new_block};
use crate::fix::safety::callers_lacking;
use crate::model::job_facts::{Act, WorkflowFacts};
use crate::model::workflow::{Level, Workflow};

use super::install_scripts_with_secrets::ignore_scripts_edits;
use super::npm_token_publish::npm_token_sources;
use super::release_scope::provenance_requested_by;
use super::trusted_publishing_npm_too_old::upgrade_edits;

pub fn check(ctx: &Ctx, wf: &Workflow, facts: &WorkflowFacts, out: &mut Vec<Finding>) {
    for jf in &facts.jobs {
        let Some(job) = jf.job else { continue };
        if jf.id_token {
            continue;
        }
        for (i, sf) in jf.steps.iter().enumerate() {
            for a in &sf.activities {
                let Act::NpmPublish { what, .. } = &a.act else {
                    continue;
                };
                let Some(asked_by) = provenance_requested_by(ctx.facts, wf, jf, sf, &a.act) else {
                    continue;
                };
                let mut f = Finding::new(
                    "provenance-without-id-token",
                    a.span.clone(),
                    format!(
                        "`{what}` asks for provenance ({asked_by}), but job `{}` lacks `id-token: write`, so the publish fails",
                        job.id
                    ),
                );
                // A reusable workflow's local callers must grant it too (a called job gets at
                // most what its caller grants): no fix while one does not.
                let callers_lack = wf.has_event("workflow_call")
                    && callers_lacking(ctx.facts, ctx.doc.path, "id-token", Level::Write)
                        .is_some_and(|l| !l.is_empty());
                let wanted = scopes_for_new_block(wf, jf, &[("id-token", Level::Write)], ctx.facts)
                    .filter(|_| !callers_lack);
                let edits =
                    wanted.and_then(|w| ensure_job_scopes(ctx.doc.text, wf, job, &as_pairs(&w)));
                if let Some(mut edits) = edits {
                    if !edits.is_empty() {
                        edits.extend(ignore_scripts_edits(ctx, wf, jf));
                        // With `id-token: write` and no token, npm authenticates with OIDC
                        // (trusted publishing), which needs Node 22.14+ and npm 11.5.1+: make
                        // sure the publish does not start failing for that reason instead.
                        if npm_token_sources(ctx.doc.text, wf, jf, i).is_empty() {
                            edits
                                .extend(upgrade_edits(ctx.doc.text, wf, jf, i).unwrap_or_default());
                        }
                        f = f.fix(Fix {
                            title: format!("Add `id-token: write` to job `{}`", job.id),
                            edits,
                        });
                    }
                }
                out.push(f);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::config::Config;
    use crate::engine::{analyze_text, Document};
    use crate::kind::FileKind;
    use crate::workspace::Facts;
    use std::path::Path;

    /// A tag-triggered release job whose only publish step is `step` (indented as a step).
    fn release(step: &str, job_extra: &str) -> String {
        format!(
            "on:\n  push:\n    tags: ['v*']\npermissions:\n  contents: read\njobs:\n  publish:\n    runs-on: ubuntu-latest\n{job_extra}    steps:\n      - uses: actions/checkout@11d5960a326750d5838078e36cf38b85af677262 # v4.4.0\n{step}"
        )
    }

    /// Messages of `provenance-without-id-token` and whether `release-without-provenance` fired.
    fn check(text: &str, root_package_provenance: bool) -> (Vec<String>, bool) {
        let facts = Facts {
            package_publish_provenance: root_package_provenance,
            ..Facts::default()
        };
        let doc = Document {
            path: Path::new(".github/workflows/release.yml"),
            kind: FileKind::Workflow,
            text,
        };
        let findings = analyze_text(&doc, &facts, &Config::default());
        let missing_token = findings
            .iter()
            .filter(|f| f.rule == "provenance-without-id-token")
            .map(|f| f.message.clone())
            .collect();
        let no_provenance = findings
            .iter()
            .any(|f| f.rule == "release-without-provenance");
        (missing_token, no_provenance)
    }

    #[test]
    fn root_package_publish_config_asks_for_provenance() {
        for run in [
            "npm publish",
            "npm publish --access public --tag next",
            "npm publish .",
        ] {
            let text = release(&format!("      - run: {run}\n"), "");
            let (messages, no_provenance) = check(&text, true);
            assert_eq!(messages.len(), 1, "{run}");
            assert!(messages[0].contains("publishConfig.provenance"), "{run}");
            assert!(!no_provenance, "{run}");
            // Without the package setting nothing asks for provenance.
            let (messages, no_provenance) = check(&text, false);
            assert!(messages.is_empty() && no_provenance, "{run}");
        }
    }

    #[test]
    fn publishes_of_other_packages_ignore_the_root_package() {
        let steps = [
            "      - run: npm publish ./dist\n",
            "      - run: npm publish packages/cli\n",
            "      - run: npm publish pkg.tgz\n",
            "      - run: npm publish --workspaces\n",
            "      - run: cd dist && npm publish\n",
            "      - run: npm publish\n        working-directory: packages/cli\n",
            "      - run: pnpm publish\n",
        ];
        for step in steps {
            let (messages, _) = check(&release(step, ""), true);
            assert!(messages.is_empty(), "{step}: {messages:?}");
        }
        let defaults = "    defaults:\n      run:\n        working-directory: packages/cli\n";
        let (messages, _) = check(&release("      - run: npm publish\n", defaults), true);
        assert!(messages.is_empty(), "{messages:?}");
    }

    #[test]
    fn an_id_token_satisfies_it_and_provenance_false_is_no_request() {
        let id_token = "    permissions:\n      contents: read\n      id-token: write\n";
        let (messages, no_provenance) =
            check(&release("      - run: npm publish\n", id_token), true);
        assert!(messages.is_empty() && !no_provenance);
        let step = "      - run: npm publish --provenance=false\n";
        let (messages, no_provenance) = check(&release(step, ""), false);
        assert!(messages.is_empty() && no_provenance);
        let (messages, _) = check(
            &release("      - run: npm publish --provenance\n", ""),
            false,
        );
        assert!(messages[0].contains("`--provenance`"), "{messages:?}");
    }
}
