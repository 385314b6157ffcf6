//! `npm-token-publish`: an npm publish authenticates with a long-lived token from a secret. The
//! fix switches the job to npm trusted publishing (OIDC).

use crate::engine::Ctx;
use crate::finding::{Edit, Finding, Fix, Span};
use crate::fix::job_env::add_job_env;
use crate::fix::permissions::{as_pairs, ensure_job_scopes, scopes_for_new_block};
use crate::fix::safety::{callers_lacking, reads_var};
use crate::fix::step_map::{content_end, pair_end};
use crate::model::job_facts::{secret_names_in, Act, JobFacts, SecretOrigin, WorkflowFacts};
use crate::model::workflow::{end_of_line, KeyValue, Level, Workflow};
use crate::syntax::yaml::{Pair, YNode};

use super::install_scripts_with_secrets::ignore_scripts_edits;
use super::trusted_publishing_npm_too_old::ensure_trusted_publishing_node;

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
            let shown = crate::text::first_line_preview(&text[span.clone()]);
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
                match trusted_publishing_fix(ctx, wf, jf, i, &sources) {
                    Ok(fix) => f = f.fix(fix),
                    Err(why) => {
                        let note = f.note.take().unwrap_or_default();
                        f = f.note(format!("{note}\n\nNo automatic fix: {why}."));
                    }
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
         needs npm 11.5.1 or newer and Node 22.14 or newer (Node 22 bundles npm 10: the fix \
         upgrades npm before the publish, or sets an older Node to 24). After the first successful publish, revoke the \
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
    // Up to the end of the content: a block's span can cover the next step's comments.
    let lines = |p: &Pair| whole_lines(text, &(p.span.start..pair_end(text, p)));
    if entries.iter().all(|e| going.contains(&e.span)) {
        return Some(vec![lines(pair)?]);
    }
    entries
        .iter()
        .filter(|e| going.contains(&e.span))
        .map(lines)
        .collect()
}

/// Removing an entry from the mapping under `key` of a node: (node span, key, entry span).
type Going = (Span, &'static str, Span);

/// A script line of the publishing job that reads a removed variable, and can go alone: a
/// whole simple command on one line of a block script (no `&&`, `;`, pipes, continuations or
/// shell keywords); false when the line cannot be removed on its own.
fn removable_line(text: &str, line: &Span) -> bool {
    let l = text[line.clone()].trim();
    let prev_continues = text[..line.start]
        .trim_end_matches(['\n', '\r'])
        .ends_with('\\');
    let first = l.split_whitespace().next().unwrap_or("");
    let keyword = matches!(
        first,
        "if" | "then"
            | "else"
            | "elif"
            | "fi"
            | "for"
            | "while"
            | "until"
            | "do"
            | "done"
            | "case"
            | "esac"
            | "function"
            | "{"
            | "}"
            | "("
            | ")"
    ) || l.ends_with('{')
        || l.ends_with('(')
        || l.starts_with('}')
        || l.starts_with(')');
    !(l.contains("&&")
        || l.contains("||")
        || l.contains(';')
        || l.contains('|')
        || l.ends_with('\\')
        || l.contains("<<")
        || prev_continues
        || keyword)
}

/// The trusted-publishing migration (SPEC §7.9): removes only what the publishing job uses;
/// a workflow-level token another job still reads is moved down to that job; no `env:`/`with:`
/// is left empty; every `NODE_AUTH_TOKEN`/`NPM_TOKEN` reference in the job goes with its line;
/// the job ends on Node ≥ 22.14 with npm ≥ 11.5.1. `Err` says why no fix is offered.
fn trusted_publishing_fix(
    ctx: &Ctx,
    wf: &Workflow,
    jf: &JobFacts,
    publish: usize,
    sources: &[TokenSource],
) -> Result<Fix, String> {
    const CANNOT: &str = "the token lines cannot be removed safely";
    let text = ctx.doc.text;
    let job = jf.job.ok_or("not a workflow job")?;
    let job_node = job.node.ok_or(CANNOT)?;
    let root = wf.yaml.root.as_ref().ok_or(CANNOT)?;
    let mut going: Vec<Going> = Vec::new();
    let mut removals: Vec<Span> = Vec::new();
    let mut removed_vars: Vec<String> = Vec::new();
    // Workflow-level entries removed: (name, value as written).
    let mut lifted: Vec<(String, String)> = Vec::new();
    for s in sources {
        match s {
            TokenSource::Env {
                origin,
                step,
                key,
                entry,
            } => {
                let parent = match origin {
                    SecretOrigin::StepEnv => jf.steps[*step].step.node,
                    SecretOrigin::JobEnv => job_node,
                    _ => {
                        let kv = wf.env.iter().find(|kv| kv.span == *entry).ok_or(CANNOT)?;
                        let value = kv.value.ok_or(CANNOT)?;
                        let written = &text[value.span.clone()];
                        if written.contains('\n') {
                            return Err(CANNOT.into());
                        }
                        lifted.push((key.clone(), written.to_string()));
                        root
                    }
                };
                going.push((parent.span.clone(), "env", entry.clone()));
                removed_vars.push(key.clone());
            }
            TokenSource::Input { step, entry } => {
                going.push((
                    jf.steps[*step].step.node.span.clone(),
                    "with",
                    entry.clone(),
                ));
            }
            TokenSource::NpmrcLine { step, line } => {
                let st = jf.steps[*step].step;
                // The token given on the publish command itself: removing the line would remove
                // the publish.
                let on_publish = jf.steps[*step].activities.iter().any(|a| {
                    matches!(a.act, Act::NpmPublish { .. })
                        && a.span.start < line.end
                        && line.start < a.span.end
                });
                if on_publish {
                    return Err("the token is given on the publish command itself".into());
                }
                let run = st.run.ok_or(CANNOT)?;
                let script_lines = run.text.lines().filter(|l| !l.trim().is_empty()).count();
                let command = text[line.clone()].trim();
                if command.contains("&&") || command.contains(';') || command.contains('|') {
                    return Err(CANNOT.into());
                }
                if script_lines == 1 && *step != publish {
                    removals.push(whole_step(text, st).ok_or(CANNOT)?);
                } else if run.is_block() {
                    removals.push(whole_lines(text, line).ok_or(CANNOT)?);
                } else {
                    return Err(CANNOT.into());
                }
            }
        }
    }
    // Entries of the job (its `env:`, its steps' `env:`/`with:`) that pass a removed variable
    // on (`NODE_AUTH_TOKEN: ${{ env.NPM_TOKEN }}`) go too, and so on transitively.
    let mut i = 0;
    while i < removed_vars.len() {
        let var = removed_vars[i].clone();
        i += 1;
        let mut scopes: Vec<(&YNode, &'static str, &[KeyValue])> =
            vec![(job_node, "env", &job.env)];
        for sf in &jf.steps {
            scopes.push((sf.step.node, "env", &sf.step.env));
            scopes.push((sf.step.node, "with", &sf.step.with));
        }
        for (node, key, kvs) in scopes {
            for kv in kvs {
                let reads = kv.value.is_some_and(|v| reads_var(&v.text, &var));
                let entry = (node.span.clone(), key, kv.span.clone());
                if reads && !going.contains(&entry) {
                    going.push(entry);
                    if key == "env" && !removed_vars.contains(&kv.name) {
                        removed_vars.push(kv.name.clone());
                    }
                }
            }
        }
    }
    // A condition that tests the token (`if: env.NPM_TOKEN != ''`, the usual guard, since
    // `secrets` cannot be read in `if:`) would turn false and silently skip the publish.
    for (label, cond) in std::iter::once(("the job".to_string(), job.if_cond.as_ref())).chain(
        jf.steps
            .iter()
            .map(|sf| (format!("step `{}`", sf.step.label()), sf.step.if_cond)),
    ) {
        if let Some(var) = cond.and_then(|c| removed_vars.iter().find(|v| reads_var(&c.text, v))) {
            return Err(format!(
                "the `if:` of {label} tests {var}, which the migration removes; decide what the \
                 condition should test instead"
            ));
        }
    }
    // Entries removed from each mapping together, so that an emptied mapping goes as a whole.
    let mut groups: Vec<(Span, &'static str, Vec<Span>)> = Vec::new();
    for (node, key, entry) in &going {
        match groups.iter_mut().find(|(n, k, _)| n == node && k == key) {
            Some((_, _, entries)) => entries.push(entry.clone()),
            None => groups.push((node.clone(), key, vec![entry.clone()])),
        }
    }
    for (node_span, key, entries) in &groups {
        let node = std::iter::once(root)
            .chain(std::iter::once(job_node))
            .chain(jf.steps.iter().map(|sf| sf.step.node))
            .find(|n| n.span == *node_span)
            .ok_or(CANNOT)?;
        removals.extend(removal(text, Some(node), key, entries).ok_or(CANNOT)?);
    }
    // Script lines of the job that still read a removed variable go with their lines; a step
    // left with no script goes as a whole.
    for sf in &jf.steps {
        let Some(run) = sf.step.run else { continue };
        let raw = &text[run.content.clone()];
        let mut offset = run.content.start;
        let mut kept = 0;
        let mut dropped: Vec<Span> = Vec::new();
        for l in raw.split_inclusive('\n') {
            let line = offset..offset + l.trim_end_matches(['\n', '\r']).len();
            offset += l.len();
            let covered = removals
                .iter()
                .any(|r| r.start <= line.start && line.end <= r.end);
            if covered {
                continue;
            }
            if removed_vars.iter().any(|v| reads_var(l, v)) {
                // The publish itself (`npm publish --//registry…:_authToken=$NPM_TOKEN`) stays.
                let publishes = sf.activities.iter().any(|a| {
                    matches!(a.act, Act::NpmPublish { .. })
                        && a.span.start < line.end
                        && line.start < a.span.end
                });
                if publishes || !run.is_block() || !removable_line(text, &line) {
                    return Err(format!(
                        "step `{}` still reads the token in a line that cannot be removed alone",
                        sf.step.label()
                    ));
                }
                dropped.push(line);
            } else if !l.trim().is_empty() {
                kept += 1;
            }
        }
        if dropped.is_empty() {
            continue;
        }
        if kept == 0 && sf.step.index != publish {
            removals.push(whole_step(text, sf.step).ok_or(CANNOT)?);
        } else if kept == 0 {
            return Err(CANNOT.into());
        } else {
            for d in &dropped {
                removals.push(whole_lines(text, d).ok_or(CANNOT)?);
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
    // A workflow-level token another job still reads stays defined for that job.
    for (name, value) in &lifted {
        for other in wf.jobs.iter().filter(|o| !std::ptr::eq(*o, job)) {
            if other.uses.is_some() || other.env.iter().any(|kv| kv.name == *name) {
                continue;
            }
            if job_reads_var(text, other, name) {
                let edit = add_job_env(text, wf, other, name, value).ok_or_else(|| {
                    format!(
                        "job `{}` still reads {name}, and it cannot be moved down to it",
                        other.id
                    )
                })?;
                edits.push(edit);
            }
        }
    }
    let wanted = scopes_for_new_block(
        wf,
        jf,
        &[("contents", Level::Read), ("id-token", Level::Write)],
        ctx.facts,
    )
    .ok_or("the job's permissions cannot be rewritten exactly")?;
    edits.extend(
        ensure_job_scopes(text, wf, job, &as_pairs(&wanted))
            .ok_or("the job's permissions cannot be rewritten exactly")?,
    );
    edits.extend(ensure_trusted_publishing_node(text, wf, jf, publish)?);
    // A called workflow's jobs get at most what the calling job grants: the repository's own
    // callers must already grant `id-token: write`, others are told in the title.
    let mut title = "Switch to npm trusted publishing".to_string();
    if wf.has_event("workflow_call") {
        match callers_lacking(ctx.facts, ctx.doc.path, "id-token", Level::Write) {
            Some(lacking) if !lacking.is_empty() => {
                return Err(format!(
                    "this reusable workflow is called by {} without `id-token: write`, and a \
                     called job gets at most what its caller grants: grant it there first",
                    lacking.join(", ")
                ));
            }
            Some(_) => {}
            None => title.push_str(" (callers of this workflow must grant `id-token: write`)"),
        }
    }
    edits.extend(ignore_scripts_edits(ctx, wf, jf));
    // Edits must not overlap (an insertion inside a removed range would be lost).
    let mut sorted: Vec<&Edit> = edits.iter().collect();
    sorted.sort_by_key(|e| (e.span.start, e.span.end));
    if sorted.windows(2).any(|w| {
        w[0].span.end > w[1].span.start
            || (w[0].span.start == w[1].span.start && !w[0].span.is_empty() && w[1].span.is_empty())
    }) {
        return Err(CANNOT.into());
    }
    Ok(Fix { title, edits })
}

/// The whole step (its `- ` line through its last line).
fn whole_step(text: &str, st: &crate::model::workflow::Step) -> Option<Span> {
    let start = text[..st.span.start].rfind('\n').map_or(0, |i| i + 1);
    if text[start..st.span.start].trim() != "-" {
        return None;
    }
    // The step's own content end: its node span can cover the next step's comments.
    let end = content_end(text, st.node);
    Some(start..end_of_line(text, end.saturating_sub(1)))
}

/// Whether a job may read environment variable `var` inherited from the workflow: a step
/// names it (`$VAR`, `${{ env.VAR }}`, its `if:`, …), or npm reads it through an `.npmrc` (a token
/// variable in a job that runs npm/pnpm/yarn or sets up a registry).
fn job_reads_var(text: &str, job: &crate::model::workflow::Job, var: &str) -> bool {
    let token_var = TOKEN_VARS.iter().any(|v| v.eq_ignore_ascii_case(var));
    job.steps.iter().any(|st| {
        if st.env.iter().any(|kv| kv.name == var) {
            // The step defines its own value.
            return false;
        }
        let in_values = st
            .with
            .iter()
            .chain(st.env.iter())
            .any(|kv| kv.value.is_some_and(|v| reads_var(&v.text, var)));
        let run = st.run.map(|r| &text[r.content.clone()]).unwrap_or("");
        let npm_reads = token_var
            && (st.with_value("registry-url").is_some()
                || st.script.as_ref().is_some_and(|s| {
                    s.commands.iter().any(|c| {
                        matches!(
                            c.program_name(),
                            Some("npm" | "npx" | "pnpm" | "yarn" | "bun" | "semantic-release")
                        )
                    })
                })
                // A third-party action may read the token from the environment
                // (semantic-release actions read NPM_TOKEN); GitHub's own actions do not.
                || st.action().is_some_and(|a| {
                    !(a.starts_with("actions/") || a.starts_with("github/"))
                }));
        let in_condition = st.if_cond.is_some_and(|c| reads_var(&c.text, var));
        in_values || in_condition || reads_var(run, var) || npm_reads
    })
}

#[cfg(test)]
mod fix_tests {
    use super::removable_line;

    #[test]
    fn lines_that_can_go_alone() {
        let ok = |l: &str| removable_line(l, &(0..l.len()));
        assert!(ok("test -n \"$NPM_TOKEN\""));
        assert!(ok("docker login -u x -p \"$NPM_TOKEN\" registry"));
        assert!(ok("done_script \"$NPM_TOKEN\""));
        assert!(!ok("if [ -n \"$NPM_TOKEN\" ]; then"));
        assert!(!ok("echo \"$NPM_TOKEN\" | base64"));
        assert!(!ok("do echo $NPM_TOKEN"));
        assert!(!ok("cat <<EOF > .npmrc"));
    }
}
