//! Facts about each job and step that several workflow rules share, computed once per workflow:
//! which events can start a job or step (the `on:` events narrowed by `if:` conditions and
//! `needs:`), which secrets are in scope of a step, the job's effective permissions, and what
//! each step does (from its `uses:` and from the commands of its `run:` script).

use crate::finding::Span;
use crate::model::expr;
use crate::model::workflow::{
    expression_parts, EffectivePermissions, Job, JobSecrets, KeyValue, Step, UsesTarget, Workflow,
};
use crate::syntax::shell::{self, Command};
use crate::syntax::yaml::Scalar;

/// Everything a rule needs about one workflow's jobs and steps.
pub struct WorkflowFacts<'w> {
    /// One entry per `wf.jobs`, same order. An action file has one pseudo-job holding its
    /// composite steps (with `job: None` and no events).
    pub jobs: Vec<JobFacts<'w>>,
}

pub struct JobFacts<'w> {
    pub job: Option<&'w Job<'w>>,
    /// Events of `on:` that can start this job (after its `if:` and its `needs:`).
    pub events: Vec<String>,
    pub permissions: Option<EffectivePermissions<'w>>,
    /// The job can mint an OIDC token (`id-token: write` in effect).
    pub id_token: bool,
    /// Secrets passed to a reusable-workflow call (`secrets:` map of a `uses:` job).
    pub call_secrets: Vec<SecretRef>,
    pub steps: Vec<StepFacts<'w>>,
}

pub struct StepFacts<'w> {
    pub step: &'w Step<'w>,
    /// Events that can run this step (the job's, narrowed by the step's `if:`).
    pub events: Vec<String>,
    /// Secrets in the step's environment (workflow, job and step `env:`, the nearest
    /// definition of a name wins) and in its `with:` inputs.
    pub secrets: Vec<SecretRef>,
    /// Secrets expanded with `${{ }}` directly in the `run:` script.
    pub run_secrets: Vec<SecretRef>,
    /// Environment variables in scope whose value comes from a secret (`$NPM_TOKEN` traces).
    pub env_secrets: Vec<(String, SecretRef)>,
    /// What the step does, in order.
    pub activities: Vec<Activity>,
}

/// Where a secret reference was found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SecretOrigin {
    WorkflowEnv,
    JobEnv,
    StepEnv,
    /// A `with:` input of the step.
    With,
    /// The `secrets:` of a reusable-workflow call.
    CallSecrets,
    /// Directly in the `run:` script.
    Run,
}

/// One `secrets.NAME` (or `github.token`) reference.
#[derive(Clone, Debug)]
pub struct SecretRef {
    /// Upper-cased secret name (`GITHUB_TOKEN` for `github.token`).
    pub name: String,
    /// The `${{ … }}` expression in the document.
    pub span: Span,
    pub origin: SecretOrigin,
    /// The env var or input that holds it (empty for `Run`).
    pub key: String,
    /// The whole `key: value` pair (the expression for `Run`).
    pub entry_span: Span,
}

impl SecretRef {
    /// The automatic per-run token (`secrets.GITHUB_TOKEN`, `github.token`).
    pub fn is_github_token(&self) -> bool {
        self.name == "GITHUB_TOKEN"
    }
}

/// Node.js version asked of actions/setup-node.
#[derive(Clone, Debug, PartialEq)]
pub enum NodeVersion {
    /// A literal (`20`, `'18.x'`, `lts/*`) and its scalar.
    Literal(Scalar),
    /// An expression (`${{ matrix.node }}`).
    Expression(Scalar),
    /// `node-version-file:`.
    File,
    /// Neither input: the runner's Node.
    Unspecified,
}

/// What a step does. Each activity carries the span that decided it.
#[derive(Clone, Debug, PartialEq)]
pub enum Act {
    Checkout,
    SetupNode(NodeVersion),
    /// `npm install -g npm@<spec>`; the spec as written (`latest`, `^11.5.1`, `11`).
    NpmUpgrade(String),
    /// A dependency install that runs lifecycle scripts unless `ignore_scripts`.
    Install {
        tool: &'static str,
        ignore_scripts: bool,
    },
    /// Publishing to the npm registry.
    NpmPublish {
        /// `--provenance` (or the action's `provenance: true` input) on the publish itself.
        provenance: bool,
        /// npm publishes the package in the working directory (no folder, tarball or workspace
        /// named), so that package.json's `publishConfig` applies to it.
        publishes_cwd_package: bool,
        what: String,
    },
    /// A `token:`-like input of a publishing action that authenticates to npm.
    NpmTokenInput,
    /// `npm config set …:_authToken` or an `_authToken=` line written to `.npmrc`.
    NpmrcAuthWrite,
    ContainerPush,
    /// A container build that may push, when the expression (build-push `push: ${{ … }}`) holds.
    ContainerPushIf(String),
    RegistryLogin,
    ReleaseUpload,
    PypiPublish,
    Deploy,
    CloudLogin,
    DownloadArtifact {
        cross_run: bool,
    },
    UploadArtifact,
    Cache,
    CosignInstall,
    Sign,
    /// Provenance/attestation production (attest actions, `cosign attest`, slsa generator).
    Attest {
        push_to_registry: bool,
    },
    Sbom,
    Verify,
    /// Shell tracing on (`set -x`, `bash -x`).
    Trace,
    /// The whole environment printed (`env`, `printenv`).
    EnvDump,
    /// A secret printed (`echo`, `printf`, `cat <<<`).
    PrintSecret(String),
    /// A write to a workspace file; `secret` is the secret written, if any.
    FileWrite {
        target: String,
        secret: Option<String>,
    },
    /// `--env-file <file>` handed to a container.
    EnvFileMount(String),
}

#[derive(Clone, Debug, PartialEq)]
pub struct Activity {
    pub act: Act,
    pub span: Span,
}

impl Act {
    /// Publishing or deploying something others will consume.
    pub fn is_publish(&self) -> bool {
        matches!(
            self,
            Act::NpmPublish { .. }
                | Act::ContainerPush
                | Act::ContainerPushIf(_)
                | Act::ReleaseUpload
                | Act::PypiPublish
                | Act::Deploy
        )
    }
}

impl StepFacts<'_> {
    pub fn has(&self, f: impl Fn(&Act) -> bool) -> bool {
        self.activities.iter().any(|a| f(&a.act))
    }

    /// Non-`GITHUB_TOKEN` secrets in the step's env or inputs.
    pub fn real_secrets(&self) -> impl Iterator<Item = &SecretRef> {
        self.secrets.iter().filter(|s| !s.is_github_token())
    }

    /// The secret that feeds env var `name`, if any.
    pub fn env_secret(&self, name: &str) -> Option<&SecretRef> {
        self.env_secrets
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, s)| s)
    }

    /// The value of an environment variable in scope (step, job, workflow), as written.
    pub fn env_value<'a>(
        &'a self,
        job: Option<&'a Job>,
        wf: &'a Workflow,
        name: &str,
    ) -> Option<&'a str> {
        let find = |kvs: &'a [KeyValue]| {
            kvs.iter()
                .find(|kv| kv.name.eq_ignore_ascii_case(name))
                .and_then(|kv| kv.value.as_ref())
                .map(|v| v.text.as_str())
        };
        find(&self.step.env)
            .or_else(|| job.and_then(|j| find(&j.env)))
            .or_else(|| find(&wf.env))
    }
}

impl JobFacts<'_> {
    /// Can this job start for any of these events?
    pub fn runs_for_any(&self, events: &[&str]) -> bool {
        self.events.iter().any(|e| events.contains(&e.as_str()))
    }
}

/// Events started by people outside the project, for which secrets must not be in scope.
pub const PR_EVENTS: &[&str] = &["pull_request", "pull_request_target", "workflow_run"];
/// Events an outsider can start and that must not publish.
pub const UNTRUSTED_PUBLISH_EVENTS: &[&str] =
    &["pull_request", "pull_request_target", "issue_comment"];

/// `secrets.NAME`, `secrets['NAME']` and `github.token` inside one expression.
pub fn secret_names_in(inner: &str) -> Vec<String> {
    let mut out = Vec::new();
    // Most expressions name no secret: skip them before lower-casing a copy.
    if !contains_ignore_ascii_case(inner, "secrets")
        && !contains_ignore_ascii_case(inner, "github.token")
    {
        return out;
    }
    let lower = inner.to_ascii_lowercase();
    let bytes = lower.as_bytes();
    let mut pos = 0;
    while let Some(i) = lower[pos..].find("secrets") {
        let start = pos + i;
        pos = start + 7;
        // `secrets` itself, not `outputs.secrets` or `steps.get-secrets`.
        let boundary = start == 0
            || !(bytes[start - 1].is_ascii_alphanumeric()
                || matches!(bytes[start - 1], b'_' | b'.' | b'-'));
        if !boundary {
            continue;
        }
        let rest = &inner[pos..];
        let name: String = if let Some(r) = rest.strip_prefix('.') {
            r.chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '-')
                .collect()
        } else if let Some(r) = rest.strip_prefix("['").or_else(|| rest.strip_prefix("[\"")) {
            r.chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '-')
                .collect()
        } else {
            continue;
        };
        if !name.is_empty() {
            out.push(name.to_ascii_uppercase());
        }
    }
    let mut p = 0;
    while let Some(i) = lower[p..].find("github.token") {
        let start = p + i;
        p = start + 12;
        let before_ok =
            start == 0 || !(bytes[start - 1].is_ascii_alphanumeric() || bytes[start - 1] == b'.');
        let after_ok = bytes
            .get(p)
            .is_none_or(|b| !(b.is_ascii_alphanumeric() || *b == b'_'));
        if before_ok && after_ok {
            out.push("GITHUB_TOKEN".into());
        }
    }
    out
}

fn contains_ignore_ascii_case(hay: &str, needle: &str) -> bool {
    hay.as_bytes()
        .windows(needle.len())
        .any(|w| w.eq_ignore_ascii_case(needle.as_bytes()))
}

/// Secret references in a scalar (every `${{ }}` in it).
/// Expressions that fall back between a variable and a secret
/// (`${{ vars.DIR || secrets.DIR || 'src' }}`) hold configuration, not credentials.
fn secrets_in_scalar(text: &str, v: &Scalar) -> Vec<(String, Span)> {
    expression_parts(text, v.content.clone())
        .filter(|(inner, _)| !inner.contains("vars."))
        .flat_map(|(inner, span)| {
            secret_names_in(inner)
                .into_iter()
                .map(move |n| (n, span.clone()))
        })
        .collect()
}

fn secrets_in_kvs(text: &str, kvs: &[KeyValue], origin: SecretOrigin) -> Vec<SecretRef> {
    let mut out = Vec::new();
    for kv in kvs {
        let Some(v) = &kv.value else { continue };
        for (name, span) in secrets_in_scalar(text, v) {
            out.push(SecretRef {
                name,
                span,
                origin,
                key: kv.name.clone(),
                entry_span: kv.span.clone(),
            });
        }
    }
    out
}

/// Build the facts for a workflow (or an action file's composite steps).
pub fn build<'w>(wf: &'w Workflow, text: &str) -> WorkflowFacts<'w> {
    let on_events: Vec<String> = wf.events().into_iter().map(str::to_string).collect();
    let wf_env = secrets_in_kvs(text, &wf.env, SecretOrigin::WorkflowEnv);
    let mut jobs: Vec<JobFacts> = Vec::new();
    // Job events first (needs: may point at any job), then narrowing by needs to a fixpoint.
    let mut events: Vec<Vec<String>> = wf
        .jobs
        .iter()
        .map(|j| {
            let cond = expr::Condition::new(j.if_cond.as_ref().map(|c| c.text.as_str()));
            on_events
                .iter()
                .filter(|e| cond.can_run(e))
                .cloned()
                .collect()
        })
        .collect();
    for _ in 0..wf.jobs.len().min(16) {
        let mut changed = false;
        for (i, j) in wf.jobs.iter().enumerate() {
            let waits = j
                .if_cond
                .as_ref()
                .is_none_or(|c| !expr::uses_status_function(&c.text));
            if !waits {
                continue;
            }
            for need in &j.needs {
                if let Some(k) = wf.jobs.iter().position(|o| o.id == need.text) {
                    let allowed = events[k].clone();
                    let before = events[i].len();
                    events[i].retain(|e| allowed.contains(e));
                    changed |= events[i].len() != before;
                }
            }
        }
        if !changed {
            break;
        }
    }
    for (job, job_events) in wf.jobs.iter().zip(events) {
        let perms = job.effective_permissions(wf);
        let job_env = secrets_in_kvs(text, &job.env, SecretOrigin::JobEnv);
        let call_secrets = match &job.secrets {
            Some(JobSecrets::Map(kvs)) => secrets_in_kvs(text, kvs, SecretOrigin::CallSecrets),
            _ => vec![],
        };
        let steps = job
            .steps
            .iter()
            .map(|s| step_facts(text, s, &job_events, &wf_env, &job_env))
            .collect();
        jobs.push(JobFacts {
            job: Some(job),
            events: job_events,
            id_token: perms.has_write("id-token"),
            permissions: Some(perms),
            call_secrets,
            steps,
        });
    }
    if let Some(runs) = &wf.runs {
        let steps = runs
            .steps
            .iter()
            .map(|s| step_facts(text, s, &[], &[], &[]))
            .collect();
        jobs.push(JobFacts {
            job: None,
            events: vec![],
            permissions: None,
            id_token: false,
            call_secrets: vec![],
            steps,
        });
    }
    WorkflowFacts { jobs }
}

fn step_facts<'w>(
    text: &str,
    step: &'w Step,
    job_events: &[String],
    wf_env: &[SecretRef],
    job_env: &[SecretRef],
) -> StepFacts<'w> {
    let cond = expr::Condition::new(step.if_cond.as_ref().map(|c| c.text.as_str()));
    let events = job_events
        .iter()
        .filter(|e| cond.can_run(e))
        .cloned()
        .collect();
    let step_env = secrets_in_kvs(text, &step.env, SecretOrigin::StepEnv);
    // Nearest definition of an env name wins.
    let mut env_refs: Vec<SecretRef> = step_env.clone();
    let defined = |name: &str, kvs: &[KeyValue]| kvs.iter().any(|kv| kv.name == name);
    for r in job_env {
        if !defined(&r.key, &step.env) {
            env_refs.push(r.clone());
        }
    }
    for r in wf_env {
        if !defined(&r.key, &step.env) && !job_env.iter().any(|j| j.key == r.key) {
            env_refs.push(r.clone());
        }
    }
    let env_secrets: Vec<(String, SecretRef)> = env_refs
        .iter()
        .map(|r| (r.key.clone(), r.clone()))
        .collect();
    let mut secrets = env_refs;
    secrets.extend(secrets_in_kvs(text, &step.with, SecretOrigin::With));
    let run_secrets = step
        .run
        .as_ref()
        .map(|r| {
            secrets_in_scalar(text, r)
                .into_iter()
                .map(|(name, span)| SecretRef {
                    name,
                    entry_span: span.clone(),
                    span,
                    origin: SecretOrigin::Run,
                    key: String::new(),
                })
                .collect()
        })
        .unwrap_or_default();
    let mut facts = StepFacts {
        step,
        events,
        secrets,
        run_secrets,
        env_secrets,
        activities: vec![],
    };
    facts.activities = classify(text, &facts);
    facts
}

/// What a step does, from its `uses:` and its `run:` script.
fn classify(text: &str, sf: &StepFacts) -> Vec<Activity> {
    let mut out = Vec::new();
    let step = sf.step;
    if let Some(uses) = &step.uses {
        classify_uses(step, uses_span(uses), &mut out);
    }
    if let Some(run) = &step.run {
        classify_run(text, run, sf, &mut out);
    }
    out
}

fn uses_span(uses: &crate::model::workflow::Uses) -> Span {
    match &uses.target {
        UsesTarget::Repo(r) => r.action_span.clone().unwrap_or(uses.raw.span.clone()),
        _ => uses.raw.span.clone(),
    }
}

fn truthy_input(v: Option<&Scalar>) -> Option<Result<bool, String>> {
    let v = v?;
    let t = v.text.trim();
    if t.starts_with("${{") {
        let inner = t.trim_start_matches("${{").trim_end_matches("}}").trim();
        return Some(Err(inner.to_string()));
    }
    Some(Ok(t.eq_ignore_ascii_case("true")))
}

fn classify_uses(step: &Step, span: Span, out: &mut Vec<Activity>) {
    let Some(action) = step.action() else { return };
    let mut push = |act: Act| {
        out.push(Activity {
            act,
            span: span.clone(),
        })
    };
    let input_span = |key: &str| {
        step.with
            .iter()
            .find(|kv| kv.name == key)
            .map(|kv| kv.span.clone())
    };
    // The action's repository (`owner/repo`) and sub-path.
    let slug: String = action.splitn(3, '/').take(2).collect::<Vec<_>>().join("/");
    match slug.as_str() {
        "actions/checkout" => push(Act::Checkout),
        "actions/setup-node" => {
            let version = if let Some(v) = step.with_value("node-version") {
                if v.text.contains("${{") {
                    NodeVersion::Expression(v.clone())
                } else {
                    NodeVersion::Literal(v.clone())
                }
            } else if step.with_value("node-version-file").is_some() {
                NodeVersion::File
            } else {
                NodeVersion::Unspecified
            };
            push(Act::SetupNode(version));
        }
        "actions/download-artifact" => {
            let cross_run = step.with_value("run-id").is_some();
            push(Act::DownloadArtifact { cross_run });
        }
        "dawidd6/action-download-artifact" => push(Act::DownloadArtifact { cross_run: true }),
        "actions/upload-artifact" | "actions/upload-pages-artifact" => push(Act::UploadArtifact),
        "actions/cache" => push(Act::Cache),
        "docker/build-push-action" => {
            match truthy_input(step.with_value("push")) {
                Some(Ok(true)) => push(Act::ContainerPush),
                Some(Err(cond)) => push(Act::ContainerPushIf(cond)),
                _ => {}
            }
            // BuildKit attaches an SBOM attestation to the image.
            if matches!(truthy_input(step.with_value("sbom")), Some(Ok(true))) {
                push(Act::Sbom);
            }
        }
        "notaryproject/notation-action" if action.ends_with("/sign") => push(Act::Sign),
        "docker/login-action" => push(Act::RegistryLogin),
        "js-devtools/npm-publish" => {
            push(Act::NpmPublish {
                provenance: step
                    .with_value("provenance")
                    .is_some_and(|v| v.text.trim() == "true"),
                publishes_cwd_package: false,
                what: "JS-DevTools/npm-publish".into(),
            });
            if let Some(s) = input_span("token") {
                out.push(Activity {
                    act: Act::NpmTokenInput,
                    span: s,
                });
            }
        }
        "changesets/action" if step.with_value("publish").is_some() => {
            push(Act::NpmPublish {
                provenance: false,
                publishes_cwd_package: false,
                what: "changesets/action publish".into(),
            });
        }
        "softprops/action-gh-release"
        | "ncipollo/release-action"
        | "actions/create-release"
        | "actions/upload-release-asset"
        | "svenstaro/upload-release-action" => push(Act::ReleaseUpload),
        "goreleaser/goreleaser-action" => {
            let args = step
                .with_value("args")
                .map(|a| a.text.as_str())
                .unwrap_or("");
            if args.contains("release")
                && !args.contains("--snapshot")
                && !args.contains("--skip=publish")
            {
                push(Act::ReleaseUpload);
            }
        }
        "pypa/gh-action-pypi-publish" => push(Act::PypiPublish),
        "sigstore/cosign-installer" => push(Act::CosignInstall),
        "actions/attest-build-provenance" | "actions/attest" => push(Act::Attest {
            push_to_registry: step
                .with_value("push-to-registry")
                .is_some_and(|v| v.text.trim() == "true"),
        }),
        "actions/attest-sbom" => push(Act::Sbom),
        "anchore/sbom-action" => push(Act::Sbom),
        "slsa-framework/slsa-github-generator" => push(Act::Attest {
            push_to_registry: false,
        }),
        "aws-actions/configure-aws-credentials" | "google-github-actions/auth" | "azure/login" => {
            push(Act::CloudLogin)
        }
        "aws-actions/amazon-ecs-deploy-task-definition"
        | "google-github-actions/deploy-cloudrun"
        | "google-github-actions/deploy-appengine"
        | "azure/webapps-deploy"
        | "azure/functions-action"
        | "azure/k8s-deploy"
        | "peaceiris/actions-gh-pages"
        | "jamesives/github-pages-deploy-action"
        | "actions/deploy-pages"
        | "cloudflare/wrangler-action"
        | "cloudflare/pages-action"
        | "amondnet/vercel-action"
        | "superfly/flyctl-actions"
        | "appleboy/ssh-action"
        | "appleboy/scp-action" => push(Act::Deploy),
        _ => {}
    }
}

/// Whether a file path written by a script is inside the workspace (relative or under
/// `$GITHUB_WORKSPACE`), and not one of the runner's own files.
fn is_workspace_path(target: &str) -> bool {
    let t = target.trim_matches(|c| c == '"' || c == '\'');
    let lower = t.to_ascii_lowercase();
    if t.is_empty() || lower.starts_with("/dev/") || lower == "-" {
        return false;
    }
    for runner in [
        "github_env",
        "github_output",
        "github_path",
        "github_step_summary",
        "github_state",
    ] {
        if lower.contains(runner) {
            return false;
        }
    }
    if lower.starts_with("$github_workspace")
        || lower.starts_with("${github_workspace}")
        || lower.starts_with("${{ github.workspace")
    {
        return true;
    }
    !(t.starts_with('/') || t.starts_with('~') || t.starts_with('$') || t.starts_with("&"))
}

/// Names of secrets a shell word or text carries: `${{ secrets.X }}` or `$VAR` fed from a secret.
fn secrets_in_text(sf: &StepFacts, raw: &str, vars: &[shell::VarRef]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut pos = 0;
    while let Some(i) = raw[pos..].find("${{") {
        let open = pos + i;
        // An unclosed `${{` (half-typed) runs to the end of the text.
        let (inner_end, close) = match raw[open + 3..].find("}}") {
            Some(c) => (open + 3 + c, open + 3 + c + 2),
            None => (raw.len(), raw.len()),
        };
        for n in secret_names_in(&raw[open + 3..inner_end]) {
            if n != "GITHUB_TOKEN" {
                out.push(n);
            }
        }
        pos = close;
    }
    for v in vars {
        if let Some(s) = sf.env_secret(&v.name) {
            if !s.is_github_token() {
                out.push(v.name.clone());
            }
        }
    }
    out
}

fn classify_run(text: &str, run: &Scalar, sf: &StepFacts, out: &mut Vec<Activity>) {
    let base = run.content.start;
    let Some(script) = &sf.step.script else {
        return;
    };
    let abs = |r: &std::ops::Range<usize>| base + r.start..base + r.end;
    if let Some(shell) = &sf.step.shell {
        if shell.text.split_whitespace().any(|w| {
            w == "-x"
                || w.starts_with("-x")
                    && w.len() > 2
                    && w[1..].chars().all(|c| c.is_ascii_alphabetic())
        }) {
            out.push(Activity {
                act: Act::Trace,
                span: shell.span.clone(),
            });
        }
    }
    for cmd in &script.commands {
        let span = abs(&cmd.span);
        let mut push = |act: Act| {
            out.push(Activity {
                act,
                span: span.clone(),
            })
        };
        let name = cmd.program_name().unwrap_or("");
        let args = cmd.arg_values();
        let positional = cmd.non_flag_args();
        let sub = positional.first().copied().unwrap_or("");
        // The last `--ignore-scripts[=bool]` wins (`--ignore-scripts=false` turns them on).
        let ignore_scripts = args
            .iter()
            .rev()
            .find_map(|a| match *a {
                "--ignore-scripts" => Some(true),
                _ => a
                    .strip_prefix("--ignore-scripts=")
                    .map(|v| v.eq_ignore_ascii_case("true")),
            })
            .unwrap_or(false)
            // Yarn 2+ has no --ignore-scripts; `--mode=skip-build` skips the scripts.
            || (name == "yarn"
                && (args.contains(&"--mode=skip-build")
                    || args.windows(2).any(|w| w == ["--mode", "skip-build"])))
            || cmd
                .assignments()
                .any(|(k, v)| k.eq_ignore_ascii_case("npm_config_ignore_scripts") && v == "true");
        match name {
            "npm" | "pnpm" | "yarn" | "bun" => {
                classify_package_manager(name, sub, &positional, cmd, ignore_scripts, &mut push)
            }
            "npx" | "pnpx" | "bunx" => match sub {
                "semantic-release" => push(Act::NpmPublish {
                    provenance: false,
                    publishes_cwd_package: true,
                    what: "semantic-release".into(),
                }),
                "changeset" | "@changesets/cli" if positional.get(1) == Some(&"publish") => {
                    push(Act::NpmPublish {
                        provenance: false,
                        publishes_cwd_package: false,
                        what: "changeset publish".into(),
                    })
                }
                "syft" | "@cyclonedx/cdxgen" | "cdxgen" | "@cyclonedx/cyclonedx-npm" => {
                    push(Act::Sbom)
                }
                _ => {}
            },
            "semantic-release" => push(Act::NpmPublish {
                provenance: false,
                publishes_cwd_package: true,
                what: "semantic-release".into(),
            }),
            "changeset" if sub == "publish" => push(Act::NpmPublish {
                provenance: false,
                publishes_cwd_package: false,
                what: "changeset publish".into(),
            }),
            "docker" | "podman" => {
                if sub == "push" {
                    // A registry on the runner itself (a `services:` registry) is not publishing.
                    let local = positional.get(1).is_some_and(|image| {
                        image.starts_with("localhost")
                            || image.starts_with("127.0.0.1")
                            || image.starts_with("[::1]")
                    });
                    if !local {
                        push(Act::ContainerPush);
                    }
                } else if sub == "login" {
                    push(Act::RegistryLogin);
                } else if (sub == "buildx" || sub == "build" || sub == "bake")
                    && (cmd.has_flag("--push") || args.iter().any(|a| a.contains("type=registry")))
                {
                    push(Act::ContainerPush);
                    if args.iter().any(|a| *a == "--sbom" || *a == "--sbom=true") {
                        push(Act::Sbom);
                    }
                } else if sub == "run" || sub == "create" {
                    for (i, a) in args.iter().enumerate() {
                        if let Some(f) = a.strip_prefix("--env-file=") {
                            push(Act::EnvFileMount(f.to_string()));
                        } else if *a == "--env-file" {
                            if let Some(f) = args.get(i + 1) {
                                push(Act::EnvFileMount(f.to_string()));
                            }
                        }
                    }
                }
            }
            "gh" => match (sub, positional.get(1).copied()) {
                ("release", Some("upload" | "create")) => push(Act::ReleaseUpload),
                ("attestation", Some("verify")) => push(Act::Verify),
                _ => {}
            },
            "twine" if sub == "upload" => push(Act::PypiPublish),
            "uv" | "poetry" | "flit" | "hatch" if sub == "publish" => push(Act::PypiPublish),
            "aws"
                if sub == "s3"
                    && matches!(positional.get(1), Some(&"cp" | &"sync" | &"mv"))
                    && positional.last().is_some_and(|d| d.starts_with("s3://")) =>
            {
                push(Act::Deploy);
            }
            "kubectl"
                if matches!(
                    sub,
                    "apply" | "set" | "rollout" | "replace" | "patch" | "create"
                ) =>
            {
                push(Act::Deploy)
            }
            "helm" if matches!(sub, "upgrade" | "install") => push(Act::Deploy),
            // Builds the site and pushes it to the gh-pages branch.
            "mkdocs" if sub == "gh-deploy" => push(Act::Deploy),
            "cosign" => match sub {
                "sign" | "sign-blob" => push(Act::Sign),
                "attest" | "attest-blob" => push(Act::Attest {
                    push_to_registry: true,
                }),
                "verify" | "verify-blob" | "verify-attestation" | "verify-blob-attestation" => {
                    push(Act::Verify)
                }
                _ => {}
            },
            "notation" if sub == "sign" => push(Act::Sign),
            "sha256sum" | "sha512sum" | "shasum" | "md5sum"
                if cmd.has_flag("-c") || cmd.has_flag("--check") =>
            {
                push(Act::Verify)
            }
            "slsa-verifier" => push(Act::Verify),
            "ko" if matches!(sub, "build" | "publish" | "resolve" | "apply")
                // `--insecure-registry`/`--local`: a throwaway registry on the runner (kind, tests).
                && !args.iter().any(|a| {
                    *a == "--push=false"
                        || a.starts_with("--local")
                        || a.starts_with("--insecure-registry")
                        || *a == "-L"
                }) =>
            {
                push(Act::ContainerPush)
            }
            "goreleaser" if sub == "release" && !cmd.has_flag("--snapshot") => {
                push(Act::ReleaseUpload)
            }
            "syft" | "cdxgen" | "cyclonedx-npm" | "cyclonedx-py" | "trivy"
                if name != "trivy"
                    || args
                        .iter()
                        .any(|a| a.contains("cyclonedx") || a.contains("spdx")) =>
            {
                push(Act::Sbom)
            }
            "set" => {
                let tracing = args
                    .iter()
                    .any(|a| a.starts_with('-') && !a.starts_with("--") && a.contains('x'))
                    || args.windows(2).any(|w| w[0] == "-o" && w[1] == "xtrace");
                if tracing {
                    push(Act::Trace);
                }
            }
            "bash" | "sh" | "zsh"
                if args.first().is_some_and(|a| {
                    a.starts_with('-') && !a.starts_with("--") && a.contains('x')
                }) =>
            {
                push(Act::Trace)
            }
            "printenv" if args.is_empty() => push(Act::EnvDump),
            "env" if args.is_empty() || args.iter().all(|a| a.starts_with('-')) => {
                push(Act::EnvDump)
            }
            _ => {}
        }
        // Bare `env` is a wrapper with no program.
        if cmd.program_index.is_none()
            && cmd.words.len() == 1
            && cmd.words[0].value == "env"
            && cmd.redirects.iter().all(|r| r.op.starts_with('>'))
        {
            push(Act::EnvDump);
        }
    }
    classify_secret_flow(text, base, script, sf, out);
}

/// `--provenance` or `--provenance=true` (not `--provenance=false`).
fn provenance_flag(cmd: &Command) -> bool {
    cmd.arg_values().iter().any(|a| {
        *a == "--provenance"
            || a.strip_prefix("--provenance=")
                .is_some_and(|v| !v.eq_ignore_ascii_case("false"))
    })
}

/// `npm publish` with no folder, tarball or workspace named publishes the package in the
/// working directory. Anything path-like after `publish` (or a workspace flag) says otherwise.
fn npm_publishes_cwd_package(positional: &[&str], cmd: &Command) -> bool {
    let names_other = positional.iter().skip(1).any(|p| {
        let p = p.trim_matches(['"', '\'']);
        !matches!(p, "." | "./")
            && (p.starts_with(['.', '/', '$', '~']) || p.contains('/') || p.ends_with(".tgz"))
    });
    let workspaces = ["--workspace", "-w", "--workspaces", "--ws"]
        .iter()
        .any(|f| cmd.has_flag(f));
    !names_other && !workspaces
}

fn classify_package_manager(
    name: &str,
    sub: &str,
    positional: &[&str],
    cmd: &Command,
    ignore_scripts: bool,
    push: &mut impl FnMut(Act),
) {
    let tool: &'static str = match name {
        "npm" => "npm",
        "pnpm" => "pnpm",
        "yarn" => "yarn",
        _ => "bun",
    };
    let global = cmd.has_flag("-g") || cmd.has_flag("--global") || sub == "global";
    match (name, sub) {
        ("npm", "ci" | "install" | "i" | "isntall" | "add") if !global => push(Act::Install {
            tool,
            ignore_scripts,
        }),
        ("npm", "install" | "i" | "add") if global => {
            if let Some(spec) = positional
                .iter()
                .find_map(|p| p.strip_prefix("npm@").or((*p == "npm").then_some("latest")))
            {
                push(Act::NpmUpgrade(spec.to_string()));
            }
        }
        ("pnpm", "install" | "i") | ("bun", "install" | "i") => push(Act::Install {
            tool,
            ignore_scripts,
        }),
        ("yarn", "" | "install") if positional.is_empty() || sub == "install" => {
            push(Act::Install {
                tool,
                ignore_scripts,
            })
        }
        ("npm" | "pnpm" | "bun", "publish") | ("yarn", "publish") => push(Act::NpmPublish {
            provenance: provenance_flag(cmd),
            publishes_cwd_package: name == "npm" && npm_publishes_cwd_package(positional, cmd),
            what: format!("{name} publish"),
        }),
        ("yarn", "npm") if positional.get(1) == Some(&"publish") => push(Act::NpmPublish {
            provenance: provenance_flag(cmd),
            publishes_cwd_package: false,
            what: "yarn npm publish".into(),
        }),
        ("npm" | "pnpm" | "yarn" | "bun", "run" | "run-script")
            if positional.get(1).is_some_and(|s| is_deploy_script(s)) =>
        {
            push(Act::Deploy)
        }
        ("yarn" | "pnpm", s) if is_deploy_script(s) => push(Act::Deploy),
        ("pnpm" | "yarn", "changeset") if positional.get(1) == Some(&"publish") => {
            push(Act::NpmPublish {
                provenance: false,
                publishes_cwd_package: false,
                what: "changeset publish".into(),
            })
        }
        ("pnpm" | "yarn" | "npm", "exec" | "dlx")
            if positional.get(1) == Some(&"semantic-release") =>
        {
            push(Act::NpmPublish {
                provenance: false,
                publishes_cwd_package: true,
                what: "semantic-release".into(),
            })
        }
        ("npm" | "pnpm", "sbom") => push(Act::Sbom),
        ("npm", "config")
            if positional.get(1) == Some(&"set")
                && positional.iter().any(|p| p.contains("_authToken")) =>
        {
            push(Act::NpmrcAuthWrite);
        }
        _ => {}
    }
}

fn is_deploy_script(s: &str) -> bool {
    s == "deploy" || s.starts_with("deploy:")
}

/// Secrets that one command sends to its standard output (`echo`/`printf` arguments, `cat` of
/// a here-string or heredoc). `::add-mask::` lines are deliberate and do not count.
fn printed_secrets(text: &str, base: usize, cmd: &Command, sf: &StepFacts) -> Vec<String> {
    let raw_of = |r: &std::ops::Range<usize>| &text[base + r.start..base + r.end];
    match cmd.program_name() {
        Some("echo" | "printf") => {
            if cmd.args().iter().any(|w| w.value.contains("::add-mask::")) {
                return vec![];
            }
            cmd.args()
                .iter()
                .flat_map(|w| secrets_in_text(sf, raw_of(&w.span), &w.vars))
                .collect()
        }
        Some("cat") if cmd.args().is_empty() => {
            let mut out = Vec::new();
            for r in cmd.redirects.iter().filter(|r| r.op == "<<<") {
                if let Some(t) = &r.target {
                    out.extend(secrets_in_text(sf, raw_of(&t.span), &t.vars));
                }
            }
            for h in &cmd.heredocs {
                let vars = if h.quoted { vec![] } else { h.vars.clone() };
                out.extend(secrets_in_text(sf, raw_of(&h.body), &vars));
            }
            out
        }
        _ => vec![],
    }
}

/// Whether a redirection sends standard output somewhere (a file, `/dev/null`, `$GITHUB_ENV`).
fn redirects_stdout(r: &shell::Redirect) -> bool {
    matches!(r.op.as_str(), ">" | ">>" | ">|" | "&>" | "&>>") && r.fd.is_none_or(|fd| fd == 1)
}

/// Where `--ignore-scripts` goes in an install command (document offset just after the
/// subcommand, or after the program for a bare `yarn`), given the command's span.
pub fn install_flag_offset(text: &str, span: &Span) -> Option<usize> {
    let slice = text.get(span.clone())?;
    let script = shell::parse(slice);
    let cmd = script.commands.first()?;
    let program = cmd.program_index?;
    let word = cmd
        .args()
        .iter()
        .find(|w| !w.value.starts_with('-'))
        .filter(|w| matches!(w.value.as_str(), "ci" | "install" | "i" | "isntall" | "add"))
        .unwrap_or(&cmd.words[program]);
    Some(span.start + word.span.end)
}

/// Printing and file writes of secrets, for every command of the script.
fn classify_secret_flow(
    text: &str,
    base: usize,
    script: &shell::Script,
    sf: &StepFacts,
    out: &mut Vec<Activity>,
) {
    let printed: Vec<Vec<String>> = script
        .commands
        .iter()
        .map(|c| printed_secrets(text, base, c, sf))
        .collect();
    for (i, cmd) in script.commands.iter().enumerate() {
        if cmd.nesting != shell::Nesting::Top {
            continue;
        }
        let span = base + cmd.span.start..base + cmd.span.end;
        let stdout_redirected = cmd.redirects.iter().any(redirects_stdout);
        if let Some(secret) = printed[i].first() {
            if !stdout_redirected && cmd.piped_to.is_none() {
                out.push(Activity {
                    act: Act::PrintSecret(secret.clone()),
                    span: span.clone(),
                });
            }
        }
        // What this command writes: its own output, or for `tee` what flows into it.
        // (`echo "$KEY" | base64 -d > key.p12` writes what the pipeline printed.)
        let content = printed[i].first().cloned().or_else(|| {
            script
                .upstream(i)
                .into_iter()
                .find_map(|u| printed[u].first().cloned())
        });
        let mut targets: Vec<String> = cmd
            .redirects
            .iter()
            .filter(|r| redirects_stdout(r))
            .filter_map(|r| r.target.as_ref().map(|t| t.value.clone()))
            .collect();
        if cmd.program_name() == Some("tee") {
            targets.extend(
                cmd.args()
                    .iter()
                    .filter(|w| !w.value.starts_with('-'))
                    .map(|w| w.value.clone()),
            );
        }
        for target in targets.into_iter().filter(|t| is_workspace_path(t)) {
            out.push(Activity {
                act: Act::FileWrite {
                    target,
                    secret: content.clone(),
                },
                span: span.clone(),
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::workflow::WorkflowKind;

    fn acts(yaml: &str) -> Vec<Act> {
        let wf = Workflow::parse(WorkflowKind::Workflow, yaml);
        let facts = build(&wf, yaml);
        facts.jobs[0]
            .steps
            .iter()
            .flat_map(|s| s.activities.iter().map(|a| a.act.clone()))
            .collect()
    }

    #[test]
    fn classifies_run_commands() {
        let y = "on: push\njobs:\n  a:\n    runs-on: x\n    env:\n      TOKEN: ${{ secrets.NPM_TOKEN }}\n    steps:\n      - run: |\n          npm ci --ignore-scripts\n          yarn\n          npm publish --provenance\n          docker buildx build --push .\n          echo \"$TOKEN\"\n          echo \"$TOKEN\" > .env\n          echo \"::add-mask::$TOKEN\"\n          sha256sum -c sums.txt\n          npm i -g npm@^11.5.1\n          set -eux\n";
        let a = acts(y);
        assert!(a.contains(&Act::Install {
            tool: "npm",
            ignore_scripts: true
        }));
        assert!(a.contains(&Act::Install {
            tool: "yarn",
            ignore_scripts: false
        }));
        assert!(a.contains(&Act::NpmPublish {
            provenance: true,
            publishes_cwd_package: true,
            what: "npm publish".into()
        }));
        assert!(a.contains(&Act::ContainerPush));
        assert_eq!(
            a.iter()
                .filter(|x| matches!(x, Act::PrintSecret(_)))
                .count(),
            1
        );
        assert!(a.contains(&Act::FileWrite {
            target: ".env".into(),
            secret: Some("TOKEN".into())
        }));
        assert!(a.contains(&Act::Verify));
        assert!(a.contains(&Act::NpmUpgrade("^11.5.1".into())));
        assert!(a.contains(&Act::Trace));
    }

    #[test]
    fn classifies_uses_and_secrets_in_scope() {
        let y = "on: [push, pull_request]\njobs:\n  a:\n    if: github.event_name == 'push'\n    runs-on: x\n    steps:\n      - uses: actions/setup-node@v4\n        with:\n          node-version: ${{ matrix.node }}\n      - uses: docker/build-push-action@v6\n        with:\n          push: ${{ github.event_name != 'pull_request' }}\n      - uses: JS-DevTools/npm-publish@v3\n        with:\n          token: ${{ secrets.NPM_TOKEN }}\n  b:\n    needs: a\n    runs-on: x\n    steps:\n      - run: echo ${{ github.token }}\n";
        let wf = Workflow::parse(WorkflowKind::Workflow, y);
        let f = build(&wf, y);
        assert_eq!(f.jobs[0].events, vec!["push"]);
        assert_eq!(f.jobs[1].events, vec!["push"], "needs narrows too");
        let a: Vec<&Act> = f.jobs[0]
            .steps
            .iter()
            .flat_map(|s| s.activities.iter().map(|a| &a.act))
            .collect();
        assert!(matches!(a[0], Act::SetupNode(NodeVersion::Expression(_))));
        assert!(matches!(a[1], Act::ContainerPushIf(_)));
        assert!(a.contains(&&Act::NpmTokenInput));
        let s = &f.jobs[0].steps[2].secrets[0];
        assert_eq!(
            (s.name.as_str(), s.origin, s.key.as_str()),
            ("NPM_TOKEN", SecretOrigin::With, "token")
        );
        assert!(f.jobs[1].steps[0].run_secrets[0].is_github_token());
    }

    #[test]
    fn secret_names() {
        assert_eq!(
            secret_names_in("secrets.NPM_TOKEN || secrets['x-y']"),
            vec!["NPM_TOKEN", "X-Y"]
        );
        assert_eq!(secret_names_in("github.token"), vec!["GITHUB_TOKEN"]);
        assert!(secret_names_in("inputs.secrets_file").is_empty());
        assert!(secret_names_in("fromJSON(steps.get-secrets.outputs.secrets).KEY").is_empty());
    }
}
