//! `npm-token-publish`: an npm publish authenticates with a long-lived token from a secret. The
//! fix switches the job to npm trusted publishing (OIDC).

use crate::engine::Ctx;
use crate::finding::{Edit, Finding, Fix, Span};
use crate::fix::permissions::{as_pairs, ensure_job_scopes, scopes_for_new_block};
use crate::model::job_facts::{secret_names_in, Act, JobFacts, SecretOrigin, WorkflowFacts};
use crate::model::workflow::{end_of_line, Level, Workflow};
use crate::syntax::yaml::YNode;

use super::install_scripts_with_secrets::ignore_scripts_edits;
use super::trusted_publishing_npm_too_old::upgrade_edits;

/// Environment variables npm, yarn and the publishing tools read a registry token from.
const TOKEN_VARS: &[&str] = &[
    "NODE_AUTH_TOKEN",
    "NPM_TOKEN",
    "NPM_AUTH_TOKEN",
    "YARN_NPM_AUTH_TOKEN",
    "NPM_CONFIG__AUTHTOKEN",
];

/// Where a publish gets its token from.
#[derive(Clone, Debug)]
pub enum TokenSource {
    /// An env entry (`NODE_AUTH_TOKEN: ${{ secrets.NPM_TOKEN }}`) at some level.
    Env {
        origin: SecretOrigin,
        step: usize,
        key: String,
        entry: Span,
    },
    /// A `token:` input of the publishing action.
    Input { step: usize, entry: Span },
    /// A script line that writes `_authToken=<secret>` (to `.npmrc` or via `npm config set`).
    NpmrcLine { step: usize, line: Span },
}

impl TokenSource {
    pub fn span(&self) -> Span {
        match self {
            TokenSource::Env { entry, .. } | TokenSource::Input { entry, .. } => entry.clone(),
            TokenSource::NpmrcLine { line, .. } => line.clone(),
        }
    }
}

/// Token sources that reach the publish in step `publish` of the job.
pub fn npm_token_sources(
    text: &str,
    _wf: &Workflow,
    jf: &JobFacts,
    publish: usize,
) -> Vec<TokenSource> {
    let mut out = Vec::new();
    let Some(sf) = jf.steps.get(publish) else {
        return out;
    };
    let github_registry = |s: &str| s.contains("npm.pkg.github.com");
    if jf.steps.iter().any(|s| {
        s.step
            .with_value("registry-url")
            .is_some_and(|v| github_registry(&v.text))
    }) || sf
        .step
        .run
        .as_ref()
        .is_some_and(|r| github_registry(&r.text))
    {
        return out;
    }
    for s in sf.real_secrets() {
        let env = matches!(
            s.origin,
            SecretOrigin::WorkflowEnv | SecretOrigin::JobEnv | SecretOrigin::StepEnv
        );
        if env && TOKEN_VARS.iter().any(|v| v.eq_ignore_ascii_case(&s.key)) {
            out.push(TokenSource::Env {
                origin: s.origin,
                step: publish,
                key: s.key.clone(),
                entry: s.entry_span.clone(),
            });
        } else if s.origin == SecretOrigin::With
            && matches!(
                s.key.as_str(),
                "token" | "npm-token" | "npm_token" | "npm-auth-token"
            )
            && sf.has(|a| matches!(a, Act::NpmPublish { .. } | Act::NpmTokenInput))
        {
            out.push(TokenSource::Input {
                step: publish,
                entry: s.entry_span.clone(),
            });
        }
    }
    // `_authToken=` lines with a secret, in this step or an earlier one.
    for (i, other) in jf.steps.iter().enumerate().take(publish + 1) {
        let Some(run) = &other.step.run else { continue };
        let Some(raw) = text.get(run.content.clone()) else {
            continue;
        };
        let mut offset = run.content.start;
        for line in raw.split_inclusive('\n') {
            let start = offset;
            offset += line.len();
            if !line.contains("_authToken") || github_registry(line) {
                continue;
            }
            let from_secret = line.match_indices("${{").any(|(p, _)| {
                let end = line[p..].find("}}").map_or(line.len(), |e| p + e);
                secret_names_in(&line[p + 3..end])
                    .iter()
                    .any(|n| n != "GITHUB_TOKEN")
            }) || other.env_secrets.iter().any(|(var, s)| {
                !s.is_github_token()
                    && (line.contains(&format!("${var}")) || line.contains(&format!("${{{var}}}")))
            });
            if from_secret {
                let trimmed = line.trim_end_matches(['\n', '\r']);
                out.push(TokenSource::NpmrcLine {
                    step: i,
                    line: start..start + trimmed.len(),
                });
            }
        }
    }
    out
}

/// Whether a script path or name says it publishes or releases (`scripts/publish-packages.ts`,
/// `release`, `publish:all`).
fn names_publishing(word: &str) -> bool {
    let base = word
        .trim_matches(['"', '\''])
        .rsplit('/')
        .next()
        .unwrap_or("")
        .to_ascii_lowercase();
    base.starts_with("publish") || base.starts_with("release")
}

/// A command that runs a project script which publishes: `node scripts/publish.js`,
/// `pnpm tsn scripts/publish-packages.ts`, `npm run release`, `yarn publish:all`.
fn runs_publish_script(cmd: &crate::syntax::shell::Command) -> bool {
    let Some(name) = cmd.program_name() else {
        return false;
    };
    let positional = cmd.non_flag_args();
    match name {
        "node" | "tsx" | "ts-node" | "deno" | "tsn" | "esno" | "npx" => positional
            .iter()
            .any(|a| names_publishing(a) && (a.contains('/') || a.contains('.'))),
        // `npm run release`, `pnpm release`, `pnpm tsn scripts/publish.ts`; not `npm publish`
        // itself (an activity of its own) nor `yarn npm publish`.
        "npm" | "pnpm" | "yarn" | "bun" => {
            let sub = positional.first().copied().unwrap_or("");
            if matches!(sub, "publish" | "npm" | "version" | "config") {
                return false;
            }
            let rest: &[&str] = if matches!(sub, "run" | "run-script" | "exec" | "dlx") {
                positional.get(1..).unwrap_or(&[])
            } else {
                &positional
            };
            rest.iter().take(2).any(|a| names_publishing(a))
        }
        // `./scripts/release.sh`.
        _ => cmd.program().is_some_and(|p| p.contains('/')) && names_publishing(name),
    }
}

/// Steps that run a publish script (or are named release/publish and run the project's code)
/// with an npm token from a secret in scope: medium, since what the script does is not known.
fn check_publish_scripts(ctx: &Ctx, facts: &WorkflowFacts, out: &mut Vec<Finding>) {
    let text = ctx.doc.text;
    for jf in &facts.jobs {
        // A job with an npm publish of its own is judged at that publish.
        if jf
            .steps
            .iter()
            .any(|sf| sf.has(|a| matches!(a, Act::NpmPublish { .. })))
        {
            continue;
        }
        for sf in &jf.steps {
            let Some(token) = ["NODE_AUTH_TOKEN", "NPM_TOKEN"].iter().find_map(|v| {
                sf.real_secrets().find(|s| {
                    s.key.eq_ignore_ascii_case(v)
                        && matches!(
                            s.origin,
                            SecretOrigin::WorkflowEnv
                                | SecretOrigin::JobEnv
                                | SecretOrigin::StepEnv
                        )
                })
            }) else {
                continue;
            };
            let github_registry = jf.steps.iter().any(|s| {
                s.step
                    .with_value("registry-url")
                    .is_some_and(|v| v.text.contains("npm.pkg.github.com"))
            });
            if github_registry {
                continue;
            }
            let (Some(run), Some(script)) = (sf.step.run, sf.step.script.as_ref()) else {
                continue;
            };
            let base = run.content.start;
            let by_script = script
                .commands
                .iter()
                .find(|c| runs_publish_script(c))
                .map(|c| base + c.span.start..base + c.span.end);
            let named = sf.step.name.filter(|n| {
                let n = n.text.to_ascii_lowercase();
                n.contains("publish") || n.contains("release")
            });
            let span = match (by_script, named) {
                (Some(span), _) => span,
                (None, Some(_)) => {
                    match crate::model::repo_code::runs_repository_code(text, sf.step) {
                        Some(code) => code.span,
                        None => continue,
                    }
                }
                (None, None) => continue,
            };
            let shown: String = text[span.clone()]
                .lines()
                .next()
                .unwrap_or("")
                .trim()
                .chars()
                .take(60)
                .collect();
            out.push(
                Finding::new(
                    "npm-token-publish",
                    span,
                    format!(
                        "`{shown}` looks like a publish script and has {} (secrets.{}) in scope, a long-lived npm token",
                        token.key, token.name
                    ),
                )
                .severity(crate::finding::Severity::Medium)
                .related(token.entry_span.clone(), "the token comes from here"),
            );
        }
    }
}

pub fn check(ctx: &Ctx, wf: &Workflow, facts: &WorkflowFacts, out: &mut Vec<Finding>) {
    check_publish_scripts(ctx, facts, out);
    let text = ctx.doc.text;
    for jf in &facts.jobs {
        for (i, sf) in jf.steps.iter().enumerate() {
            for a in &sf.activities {
                let Act::NpmPublish { what, .. } = &a.act else {
                    continue;
                };
                let sources = npm_token_sources(text, wf, jf, i);
                let Some(first) = sources.first() else {
                    continue;
                };
                let label = match first {
                    TokenSource::Env { key, .. } => format!("the secret in {key}"),
                    TokenSource::Input { .. } => "a token input from a secret".to_string(),
                    TokenSource::NpmrcLine { .. } => "an `_authToken` from a secret".to_string(),
                };
                let mut f = Finding::new(
                    "npm-token-publish",
                    a.span.clone(),
                    format!("`{what}` authenticates to npm with {label}, a long-lived token"),
                );
                for s in &sources {
                    f = f.related(s.span(), "the token comes from here");
                }
                f = f.note(setup_note(ctx, jf));
                if let Some(fix) = trusted_publishing_fix(ctx, wf, jf, i, &sources) {
                    f = f.fix(fix);
                }
                out.push(f);
            }
        }
    }
}

fn setup_note(ctx: &Ctx, jf: &JobFacts) -> String {
    let file = ctx
        .doc
        .path
        .file_name()
        .map(|f| f.to_string_lossy().to_string())
        .unwrap_or_else(|| "this workflow file".into());
    let env = jf
        .job
        .and_then(|j| j.environment_name())
        .map(|e| format!(", environment `{}`", e.text))
        .unwrap_or_default();
    format!(
        "Before applying: on npmjs.com open the package → Settings → Trusted publishing and add \
         GitHub Actions with this repository, workflow file `{file}`{env}. Trusted publishing \
         needs npm 11.5.1 or newer (Node 22.14+). After the first successful publish, revoke the \
         old npm token and delete its secret. Installs in this job get `--ignore-scripts`, because \
         the job can now mint a publishing token; run a package's build script explicitly \
         (`npm rebuild <pkg>`) if it needs one."
    )
}

/// The lines of `span` (whole lines, line breaks included).
fn whole_lines(text: &str, span: &Span) -> Option<Span> {
    let start = text[..span.start].rfind('\n').map_or(0, |i| i + 1);
    if !text[start..span.start]
        .chars()
        .all(|c| c == ' ' || c == '\t')
    {
        return None;
    }
    let end = end_of_line(text, span.end.saturating_sub(1).max(span.start));
    // Nothing but a comment may follow on the last line.
    let tail = text[span.end..end].trim();
    (tail.is_empty() || tail.starts_with('#')).then_some(start..end)
}

/// Lines to delete to remove entry `entry` from the mapping under `key` of `parent`: the
/// entry's lines, or the whole `key:` block when every entry in it goes.
fn removal(text: &str, parent: Option<&YNode>, key: &str, going: &[Span]) -> Option<Vec<Span>> {
    let pair = parent?.pair(key)?;
    let entries = pair.value.as_ref()?.as_map()?;
    if entries.iter().all(|e| going.contains(&e.span)) {
        return Some(vec![whole_lines(text, &pair.span)?]);
    }
    going
        .iter()
        .filter(|g| entries.iter().any(|e| e.span == **g))
        .map(|g| whole_lines(text, g))
        .collect()
}

fn trusted_publishing_fix(
    ctx: &Ctx,
    wf: &Workflow,
    jf: &JobFacts,
    publish: usize,
    sources: &[TokenSource],
) -> Option<Fix> {
    let text = ctx.doc.text;
    let job = jf.job?;
    let mut removals: Vec<Span> = Vec::new();
    let mut removed_vars: Vec<String> = Vec::new();
    for s in sources {
        match s {
            TokenSource::Env {
                origin,
                step,
                key,
                entry,
            } => {
                let parent = match origin {
                    SecretOrigin::StepEnv => Some(jf.steps[*step].step.node),
                    SecretOrigin::JobEnv => job.node,
                    _ => wf.yaml.root.as_ref(),
                };
                removals.extend(removal(text, parent, "env", std::slice::from_ref(entry))?);
                removed_vars.push(key.clone());
            }
            TokenSource::Input { step, entry } => {
                let node = jf.steps[*step].step.node;
                removals.extend(removal(
                    text,
                    Some(node),
                    "with",
                    std::slice::from_ref(entry),
                )?);
            }
            TokenSource::NpmrcLine { step, line } => {
                let st = jf.steps[*step].step;
                let run = st.run.as_ref()?;
                let script_lines = run.text.lines().filter(|l| !l.trim().is_empty()).count();
                let command = text[line.clone()].trim();
                if command.contains("&&") || command.contains(';') || command.contains('|') {
                    return None;
                }
                if script_lines == 1 && *step != publish {
                    // The step only writes the token: remove the whole step (`- ` included).
                    let start = text[..st.span.start].rfind('\n').map_or(0, |i| i + 1);
                    let prefix = &text[start..st.span.start];
                    if prefix.trim() != "-" {
                        return None;
                    }
                    removals.push(start..end_of_line(text, st.span.end.saturating_sub(1)));
                } else if run.is_block() {
                    removals.push(whole_lines(text, line)?);
                } else {
                    return None;
                }
            }
        }
    }
    // A removed variable that something else still reads would break that step.
    for var in &removed_vars {
        for other in jf.steps.iter().filter_map(|s| s.step.run.as_ref()) {
            let raw = &text[other.content.clone()];
            let mut offset = other.content.start;
            for l in raw.split_inclusive('\n') {
                let span = offset..offset + l.len();
                offset += l.len();
                let reads = l.contains(&format!("${var}")) || l.contains(&format!("${{{var}}}"));
                if reads
                    && !removals
                        .iter()
                        .any(|r| r.start <= span.start && span.end <= r.end)
                {
                    return None;
                }
            }
        }
    }
    removals.sort_by_key(|r| r.start);
    removals.dedup();
    let mut edits: Vec<Edit> = Vec::new();
    for r in removals {
        if let Some(last) = edits.last_mut() {
            if r.start < last.span.end {
                last.span.end = last.span.end.max(r.end);
                continue;
            }
        }
        edits.push(Edit::replace(r, ""));
    }
    let wanted = scopes_for_new_block(
        wf,
        jf,
        &[("contents", Level::Read), ("id-token", Level::Write)],
    );
    edits.extend(ensure_job_scopes(text, wf, job, &as_pairs(&wanted?))?);
    if let Some(up) = upgrade_edits(text, wf, jf, publish) {
        edits.extend(up);
    }
    edits.extend(ignore_scripts_edits(ctx, wf, jf));
    // Edits must not overlap (an insertion inside a removed range would be lost).
    let mut sorted: Vec<&Edit> = edits.iter().collect();
    sorted.sort_by_key(|e| (e.span.start, e.span.end));
    if sorted.windows(2).any(|w| {
        w[0].span.end > w[1].span.start
            || (w[0].span.start == w[1].span.start && !w[0].span.is_empty() && w[1].span.is_empty())
    }) {
        return None;
    }
    Some(Fix {
        title: "Switch to npm trusted publishing".into(),
        edits,
    })
}
