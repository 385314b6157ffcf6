//! `long-lived-ci-secrets`: static cloud credentials come from repository secrets. For the AWS,
//! Google and Azure login actions the fix switches to OIDC inputs and grants `id-token: write`.

use crate::engine::Ctx;
use crate::finding::{Edit, Finding, Fix, Span};
use crate::fix::permissions::{as_pairs, ensure_job_scopes, scopes_for_new_block};
use crate::fix::safety::callers_lacking;
use crate::model::job_facts::{secret_names_in, JobFacts, WorkflowFacts};
use crate::model::workflow::{column_of, end_of_line, KeyValue, Level, Step, Workflow};

use super::install_scripts_with_secrets::ignore_scripts_edits;

/// A name (env var or secret) that holds a static cloud credential.
pub fn is_cloud_credential_name(name: &str) -> bool {
    let n = name.to_ascii_uppercase().replace('-', "_");
    n.ends_with("AWS_ACCESS_KEY_ID")
        || n.contains("AWS_SECRET_ACCESS_KEY")
        || n == "AWS_SECRET_KEY"
        || n.contains("AZURE_CLIENT_SECRET")
        || n.contains("ARM_CLIENT_SECRET")
        || n.contains("AZURE_CREDENTIALS")
        || n.contains("GOOGLE_APPLICATION_CREDENTIALS")
        || n.contains("GOOGLE_CREDENTIALS")
        || n.contains("GCP_CREDENTIALS")
        || n.contains("GCP_SA_KEY")
        || n.contains("GCLOUD_SERVICE_KEY")
        || n.contains("SERVICE_ACCOUNT_KEY")
        || n.contains("SERVICE_ACCOUNT_JSON")
        || n.ends_with("_SA_KEY")
        || n.ends_with("_SA_JSON")
}

/// Secret names in a `key: value` entry's value (other than the automatic token).
fn secrets_of(text: &str, kv: &KeyValue) -> Vec<String> {
    kv.value
        .as_ref()
        .map(|v| {
            v.expressions(text)
                .iter()
                .flat_map(|e| secret_names_in(&e.inner))
                .filter(|n| n != "GITHUB_TOKEN")
                .collect()
        })
        .unwrap_or_default()
}

/// Login action inputs that carry static keys, and the OIDC inputs that replace them.
struct Login {
    action: &'static str,
    key_inputs: &'static [&'static str],
    /// Inputs that only make sense with keys and go with them.
    companions: &'static [&'static str],
    oidc: &'static [(&'static str, &'static str)],
    /// An input whose presence means OIDC is already (partly) configured.
    oidc_marker: &'static str,
    /// What to configure on the cloud side.
    trust: &'static str,
}

const LOGINS: &[Login] = &[
    Login {
        action: "aws-actions/configure-aws-credentials",
        key_inputs: &["aws-access-key-id", "aws-secret-access-key"],
        companions: &["aws-session-token"],
        oidc: &[("role-to-assume", "${{ vars.AWS_ROLE_ARN }}")],
        oidc_marker: "role-to-assume",
        trust: "an IAM role whose trust policy accepts token.actions.githubusercontent.com",
    },
    Login {
        action: "google-github-actions/auth",
        key_inputs: &["credentials_json"],
        companions: &[],
        oidc: &[
            (
                "workload_identity_provider",
                "${{ vars.GCP_WORKLOAD_IDENTITY_PROVIDER }}",
            ),
            ("service_account", "${{ vars.GCP_SERVICE_ACCOUNT }}"),
        ],
        oidc_marker: "workload_identity_provider",
        trust: "a Workload Identity pool and provider for GitHub, bound to the service account",
    },
    Login {
        action: "azure/login",
        key_inputs: &["creds"],
        companions: &[],
        oidc: &[
            ("client-id", "${{ vars.AZURE_CLIENT_ID }}"),
            ("tenant-id", "${{ vars.AZURE_TENANT_ID }}"),
            ("subscription-id", "${{ vars.AZURE_SUBSCRIPTION_ID }}"),
        ],
        oidc_marker: "client-id",
        trust: "a federated credential on the Entra ID app registration",
    },
];

pub fn check(ctx: &Ctx, wf: &Workflow, facts: &WorkflowFacts, out: &mut Vec<Finding>) {
    let text = ctx.doc.text;
    env_block(text, &wf.env, out);
    for jf in &facts.jobs {
        if let Some(job) = jf.job {
            env_block(text, &job.env, out);
        }
        for sf in &jf.steps {
            let step = sf.step;
            env_block(text, &step.env, out);
            let action = step.action().unwrap_or_default();
            if let Some(login) = LOGINS.iter().find(|l| action == l.action) {
                login_step(ctx, wf, jf, step, login, out);
                continue;
            }
            // Other actions handed a cloud key as an input.
            for kv in &step.with {
                let secrets = secrets_of(text, kv);
                if let Some(s) = secrets.iter().find(|s| is_cloud_credential_name(s)) {
                    out.push(Finding::new(
                        "long-lived-ci-secrets",
                        kv.span.clone(),
                        format!("input `{}` takes the static cloud credential {s}; use OIDC federation instead", kv.name),
                    ));
                }
            }
        }
    }
}

/// One finding per `env:` block that holds static cloud credentials from secrets.
fn env_block(text: &str, env: &[KeyValue], out: &mut Vec<Finding>) {
    let hits: Vec<(&KeyValue, String)> = env
        .iter()
        .filter_map(|kv| {
            let secrets = secrets_of(text, kv);
            if secrets.is_empty() {
                return None;
            }
            let named = is_cloud_credential_name(&kv.name);
            let s = secrets.iter().find(|s| is_cloud_credential_name(s));
            (named || s.is_some()).then(|| (kv, kv.name.clone()))
        })
        .collect();
    let Some((first, _)) = hits.first() else {
        return;
    };
    let names: Vec<&str> = hits.iter().map(|(_, n)| n.as_str()).collect();
    let mut f = Finding::new(
        "long-lived-ci-secrets",
        first.span.clone(),
        format!(
            "static cloud credentials from secrets ({}); use OIDC federation instead",
            names.join(", ")
        ),
    );
    for (kv, _) in hits.iter().skip(1) {
        f = f.related(
            kv.span.clone(),
            format!("{} is also a static credential", kv.name),
        );
    }
    out.push(f);
}

fn login_step(
    ctx: &Ctx,
    wf: &Workflow,
    jf: &JobFacts,
    step: &Step,
    login: &Login,
    out: &mut Vec<Finding>,
) {
    let text = ctx.doc.text;
    let keys: Vec<&KeyValue> = step
        .with
        .iter()
        .filter(|kv| login.key_inputs.contains(&kv.name.as_str()))
        .filter(|kv| !secrets_of(text, kv).is_empty())
        .collect();
    let Some(first) = keys.first() else { return };
    let mut f = Finding::new(
        "long-lived-ci-secrets",
        first.span.clone(),
        format!(
            "{} logs in with a static key (`{}`) from a secret; use OIDC instead",
            login.action, first.name
        ),
    );
    for kv in keys.iter().skip(1) {
        f = f.related(
            kv.span.clone(),
            format!("`{}` is part of the same static key", kv.name),
        );
    }
    if let Some(fix) = oidc_fix(ctx, wf, jf, step, login, &keys) {
        let vars: Vec<String> = login
            .oidc
            .iter()
            .map(|(_, v)| {
                v.trim_start_matches("${{ ")
                    .trim_end_matches(" }}")
                    .to_string()
            })
            .collect();
        f = f.fix(fix).note(format!(
            "Before applying: set up the trust on the cloud side ({}) for this repository, and \
             create the repository variables {}. Then delete the old secret and deactivate \
             the key.",
            login.trust,
            vars.join(", ")
        ));
    }
    out.push(f);
}

/// Whole lines of a `with:` entry (None when it shares its line with something else).
fn entry_lines(text: &str, span: &Span) -> Option<Span> {
    let start = text[..span.start].rfind('\n').map_or(0, |i| i + 1);
    if !text[start..span.start].chars().all(|c| c == ' ') {
        return None;
    }
    let end = end_of_line(text, span.end.saturating_sub(1).max(span.start));
    let tail = text[span.end..end].trim();
    (tail.is_empty() || tail.starts_with('#')).then_some(start..end)
}

fn oidc_fix(
    ctx: &Ctx,
    wf: &Workflow,
    jf: &JobFacts,
    step: &Step,
    login: &Login,
    keys: &[&KeyValue],
) -> Option<Fix> {
    let text = ctx.doc.text;
    let job = jf.job?;
    if step.with_value(login.oidc_marker).is_some() {
        return None;
    }
    let first = keys.first()?;
    let indent = column_of(text, first.name_span.start);
    let eol = wf.line_ending;
    let mut edits = Vec::new();
    let first_lines = entry_lines(text, &first.span)?;
    let replacement: String = login
        .oidc
        .iter()
        .map(|(k, v)| format!("{}{k}: {v}{eol}", " ".repeat(indent)))
        .collect();
    edits.push(Edit::replace(first_lines, replacement));
    for kv in step.with.iter().filter(|kv| {
        kv.span != first.span
            && (login.key_inputs.contains(&kv.name.as_str())
                || login.companions.contains(&kv.name.as_str()))
    }) {
        edits.push(Edit::replace(entry_lines(text, &kv.span)?, ""));
    }
    // In a reusable workflow, a caller of the repository that does not grant `id-token: write`
    // would make the OIDC login fail (a called job gets at most what its caller grants).
    if wf.has_event("workflow_call")
        && callers_lacking(ctx.facts, ctx.doc.path, "id-token", Level::Write)
            .is_some_and(|l| !l.is_empty())
    {
        return None;
    }
    let wanted = scopes_for_new_block(wf, jf, &[("id-token", Level::Write)], ctx.facts);
    edits.extend(ensure_job_scopes(text, wf, job, &as_pairs(&wanted?))?);
    edits.extend(ignore_scripts_edits(ctx, wf, jf));
    Some(Fix {
        title: format!("Switch {} to OIDC", login.action),
        edits,
    })
}
