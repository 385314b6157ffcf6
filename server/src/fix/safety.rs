//! Fix safety (SPEC §7.9): the facts a fix builder consults so that the workflow it edits keeps
//! *working*, not only parsing.
//!
//! - [`credential_push`]: a later step of the job pushes with the credentials actions/checkout
//!   persisted (`git push`, `gh pr create`, lerna/release-it, pushing actions), so
//!   `persist-credentials: false` would break it.
//! - [`node_npm`] / [`npm_spec_ok`]: whether a Node.js version (and an npm upgrade) can do npm
//!   trusted publishing (npm ≥ 11.5.1 and Node ≥ 22.14).
//! - [`reads_var`]: whether a text reads an environment variable, so that removing the variable
//!   (trusted-publishing migration) does not leave a dangling reference.

use crate::finding::Span;
use crate::model::workflow::{Level, Step, UsesTarget, Workflow, WorkflowKind};
use crate::workspace::{local_key, Facts, LocalTarget};

/// Actions that push with the git credentials of the checkout (they set none of their own).
const PUSHING_ACTIONS: &[&str] = &[
    "stefanzweifel/git-auto-commit-action",
    "endbug/add-and-commit",
    "ad-m/github-push-action",
    "actions-js/push",
    "github-actions-x/commit",
];

/// Token inputs of the pushing actions: with one of them set, the action authenticates itself.
const PUSH_TOKEN_INPUTS: &[&str] = &["github_token", "github-token", "token"];

/// Whether a script sets up explicit credentials for git (a token in the remote URL, an
/// `http.extraheader`, a credential helper): a push after it does not need the checkout's.
fn explicit_git_credentials(script: &str) -> bool {
    let lower = script.to_ascii_lowercase();
    if lower.contains("x-access-token")
        || lower.contains("extraheader")
        || lower.contains("credential.helper")
        || lower.contains(".git-credentials")
        || lower.contains("gh auth setup-git")
    {
        return true;
    }
    // `https://<something with a variable or an expression>@host/…`
    let mut rest = lower.as_str();
    while let Some(i) = rest.find("://") {
        rest = &rest[i + 3..];
        let authority: &str = rest
            .split(|c: char| c == '/' || c.is_whitespace() || c == '"' || c == '\'')
            .next()
            .unwrap_or("");
        if authority.contains('@') && (authority.contains('$') || authority.contains("}}")) {
            return true;
        }
    }
    false
}

/// Whether the local composite action `path` (read from `facts`) has a step that pushes with
/// the persisted credentials.
fn local_action_pushes(facts: &Facts, path: &str, depth: usize) -> bool {
    let Some(LocalTarget::Action(text)) = facts.local_uses.get(&local_key(path)) else {
        return false;
    };
    if depth > 3 {
        return false;
    }
    let doc = crate::syntax::shared_yaml_doc(crate::kind::FileKind::Action, text);
    let action = Workflow::from_yaml(WorkflowKind::Action, &doc, text);
    let Some(runs) = &action.runs else {
        return false;
    };
    runs.steps
        .iter()
        .any(|s| step_pushes(text, s, facts, depth + 1).is_some())
}

/// What in step `step` pushes with persisted credentials, if anything: the span to point at
/// and a label (`git push`, `stefanzweifel/git-auto-commit-action`). A local composite action
/// counts when one of its steps pushes (read from `facts`).
fn step_pushes(text: &str, step: &Step, facts: &Facts, depth: usize) -> Option<(Span, String)> {
    if let Some(UsesTarget::Local(path)) = step.uses.as_ref().map(|u| &u.target) {
        let uses = step.uses.as_ref()?;
        return local_action_pushes(facts, path, depth)
            .then(|| (uses.raw.span.clone(), uses.raw.text.clone()));
    }
    if let Some(action) = step.action() {
        let slug: String = action.splitn(3, '/').take(2).collect::<Vec<_>>().join("/");
        if PUSHING_ACTIONS.contains(&slug.as_str()) {
            let own_token = step.with.iter().any(|kv| {
                PUSH_TOKEN_INPUTS.contains(&kv.name.as_str())
                    && kv.value.is_some_and(|v| !v.text.trim().is_empty())
            });
            // git-auto-commit-action and add-and-commit have no token of their own: they push
            // with whatever the checkout left.
            let has_token_input = slug == "ad-m/github-push-action" || slug == "actions-js/push";
            if !(has_token_input && own_token) {
                let uses = step.uses.as_ref()?;
                return Some((uses.raw.span.clone(), uses.raw.text.clone()));
            }
        }
        return None;
    }
    let run = step.run?;
    let script = step.script.as_ref()?;
    if explicit_git_credentials(&run.text) {
        return None;
    }
    for cmd in &script.commands {
        let Some(program) = cmd.program_name() else {
            continue;
        };
        let positional = cmd.non_flag_args();
        // `git push`, `git -C dir push` (the `-C` value is not told from positionals).
        let pushes = match program {
            "git" => {
                positional.first() == Some(&"push")
                    || (cmd.has_flag("-C") && positional.get(1) == Some(&"push"))
            }
            // gh pushes the branch with git when it creates a pull request from it, and
            // `repo sync` pushes; both through the git credentials.
            "gh" => matches!(
                (positional.first().copied(), positional.get(1).copied()),
                (Some("pr"), Some("create")) | (Some("repo"), Some("sync"))
            ),
            // Release tools that commit, tag and `git push` themselves.
            "lerna" => release_tool_pushes("lerna", &positional, cmd),
            "release-it" => release_tool_pushes("release-it", &positional, cmd),
            "npx" | "pnpm" | "yarn" | "pnpx" | "bunx" => {
                let rest: Vec<&str> = positional
                    .iter()
                    .copied()
                    .skip_while(|p| matches!(*p, "exec" | "dlx"))
                    .collect();
                match rest.first().copied() {
                    Some(tool @ ("lerna" | "release-it")) => {
                        release_tool_pushes(tool, &rest[1..], cmd)
                    }
                    _ => false,
                }
            }
            _ => false,
        };
        if pushes {
            let base = run.content.start;
            let span = base + cmd.span.start..base + cmd.span.end;
            let label = text
                .get(span.clone())
                .map(|s| s.lines().next().unwrap_or("").trim().to_string())
                .unwrap_or_else(|| format!("{program} push"));
            return Some((span, label));
        }
    }
    None
}

/// `lerna version`/`lerna publish` (unless `--no-push`/`--no-git-tag-version`) and
/// `release-it` (unless `--no-git.push`/`--no-git`) push commits and tags with git.
fn release_tool_pushes(tool: &str, args: &[&str], cmd: &crate::syntax::shell::Command) -> bool {
    match tool {
        "lerna" => {
            matches!(args.first(), Some(&"version" | &"publish"))
                && !cmd.has_flag("--no-push")
                && !cmd.has_flag("--no-git-tag-version")
                && !args.contains(&"from-package")
        }
        "release-it" => !cmd.has_flag("--no-git.push") && !cmd.has_flag("--no-git"),
        _ => false,
    }
}

/// A step after `checkout` (an index into `steps`) that pushes with the credentials the
/// checkout persisted: `git push`, `gh pr create`, git-auto-commit-action, add-and-commit,
/// github-push-action without a token. A push whose script (or an earlier script after the
/// checkout) sets explicit credentials does not count.
pub fn credential_push(
    text: &str,
    steps: &[Step],
    checkout: usize,
    facts: &Facts,
) -> Option<(Span, String)> {
    for step in steps.iter().skip(checkout + 1) {
        if step.run.is_some_and(|r| {
            explicit_git_credentials(&r.text) && step_pushes(text, step, facts, 0).is_none()
        }) {
            // Credentials set up explicitly for the pushes that follow.
            return None;
        }
        if step.action().as_deref() == Some("actions/checkout") {
            // A later checkout of the same workspace replaces the credentials.
            step.with_value("path")?;
        }
        if let Some(p) = step_pushes(text, step, facts, 0) {
            return Some(p);
        }
    }
    None
}

/// The jobs of the repository's other workflows that call the reusable workflow at `path`
/// (`uses: ./.github/workflows/<its file name>`) without granting `scope` at `level`: a called
/// job gets at most what its caller grants, so adding the scope only in the called workflow
/// would make those runs fail. `None` when no workflow of the repository calls it (it may be
/// called from other repositories).
pub fn callers_lacking(
    facts: &Facts,
    path: &std::path::Path,
    scope: &str,
    level: Level,
) -> Option<Vec<String>> {
    let file_name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
    let this = format!("./.github/workflows/{file_name}");
    let mut callers = 0;
    let mut lacking = Vec::new();
    for (key, target) in facts.local_uses.iter() {
        let LocalTarget::Workflow(text) = target else {
            continue;
        };
        if *key == this || !key.starts_with("./.github/workflows/") || !text.contains(file_name) {
            continue;
        }
        let doc = crate::syntax::shared_yaml_doc(crate::kind::FileKind::Workflow, text);
        let wf = Workflow::from_yaml(WorkflowKind::Workflow, &doc, text);
        for job in &wf.jobs {
            let Some(UsesTarget::Local(p)) = job.uses.as_ref().map(|u| &u.target) else {
                continue;
            };
            if local_key(p) != this {
                continue;
            }
            callers += 1;
            let granted = job
                .effective_permissions(&wf)
                .level(scope)
                .unwrap_or(Level::None);
            if granted < level {
                lacking.push(format!(
                    "job `{}` of {}",
                    job.id,
                    key.trim_start_matches("./.github/workflows/")
                ));
            }
        }
    }
    (callers > 0).then_some(lacking)
}

/// What a Node.js version gives npm trusted publishing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NodeNpm {
    /// Node older than 22.14: trusted publishing cannot work, whatever the npm.
    NodeTooOld,
    /// Node is new enough but its bundled npm is older than 11.5.1 (22.x, 23.x, 24.0–24.4):
    /// an npm upgrade makes it work.
    NpmTooOld,
    /// Node ≥ 22.14 with npm ≥ 11.5.1 bundled (24.5+, 25+, `24`, `lts/*`, `latest`, `node`).
    Ok,
    /// Cannot be told (an expression, a file, an unusual spec).
    Unknown,
}

/// Resolve a `node-version` as actions/setup-node would (a major alone is its newest release).
pub fn node_npm(version: &str) -> NodeNpm {
    let v = version.trim().trim_matches(['\'', '"']).trim();
    let lower = v.to_ascii_lowercase();
    match lower.as_str() {
        "lts/*" | "latest" | "node" | "current" | "lts/krypton" => return NodeNpm::Ok,
        "lts/jod" => return NodeNpm::NpmTooOld,
        "lts/iron" | "lts/hydrogen" | "lts/gallium" | "lts/fermium" => return NodeNpm::NodeTooOld,
        _ => {}
    }
    if lower.starts_with(">=") || lower.starts_with('>') {
        // `>=18` resolves to the newest release.
        return NodeNpm::Ok;
    }
    let v = lower.trim_start_matches(['v', '^', '~', '=']).trim();
    let mut parts = v.split('.');
    let Some(Ok(major)) = parts.next().map(str::parse::<u32>) else {
        return NodeNpm::Unknown;
    };
    // A missing or wildcard minor resolves to the newest release of that major.
    let minor = parts.next().and_then(|m| m.parse::<u32>().ok());
    match major {
        0..=21 => NodeNpm::NodeTooOld,
        22 if minor.is_some_and(|m| m < 14) => NodeNpm::NodeTooOld,
        22 | 23 => NodeNpm::NpmTooOld,
        24 if minor.is_some_and(|m| m < 5) => NodeNpm::NpmTooOld,
        _ => NodeNpm::Ok,
    }
}

/// `npm@latest`, `npm@11.5.1`, `npm@^11.6`, `npm@12` are new enough for trusted publishing.
pub fn npm_spec_ok(spec: &str) -> bool {
    let s = spec.trim().trim_matches(['\'', '"']);
    let s = s.trim_start_matches(['^', '~', '>', '=']);
    if s == "latest" || s.is_empty() {
        return true;
    }
    let mut parts = s.split('.');
    let major = parts.next().and_then(|m| m.parse::<u32>().ok());
    let minor = parts.next().and_then(|m| m.parse::<u32>().ok());
    let patch = parts.next().and_then(|m| m.parse::<u32>().ok());
    match (major, minor) {
        (Some(m), _) if m > 11 => true,
        (Some(11), None) => true,
        (Some(11), Some(n)) if n > 5 => true,
        (Some(11), Some(5)) => patch.is_none_or(|p| p >= 1),
        _ => false,
    }
}

fn is_name_char(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_'
}

/// Whether `text` reads environment variable `var`: `$VAR`, `${VAR}`, `${{ env.VAR }}`,
/// `env['VAR']`, `process.env.VAR`, `$env:VAR`, `%VAR%`.
pub fn reads_var(text: &str, var: &str) -> bool {
    let bytes = text.as_bytes();
    let mut from = 0;
    while let Some(i) = text[from..].find(var) {
        let start = from + i;
        let end = start + var.len();
        from = start + 1;
        if bytes.get(end).is_some_and(|c| is_name_char(*c)) {
            continue;
        }
        let before = &text[..start];
        let hit = before.ends_with('$')
            || before.ends_with("${")
            || before.ends_with("${#")
            || before.ends_with("${!")
            || before.ends_with("env.")
            || before.ends_with("env['")
            || before.ends_with("env[\"")
            || before.to_ascii_lowercase().ends_with("$env:")
            || (before.ends_with('%') && bytes.get(end) == Some(&b'%'));
        if hit {
            return true;
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::workflow::{Workflow, WorkflowKind};

    fn push_of(t: &str) -> Option<String> {
        let wf = Workflow::parse(WorkflowKind::Workflow, t);
        credential_push(t, &wf.jobs[0].steps, 0, &Facts::default()).map(|(_, l)| l)
    }

    const CO: &str = "jobs:\n  a:\n    steps:\n      - uses: actions/checkout@v4\n";

    #[test]
    fn pushes_with_the_checkout_credentials() {
        assert_eq!(
            push_of(&format!(
                "{CO}      - run: |\n          git commit -am x\n          git push origin HEAD\n"
            ))
            .as_deref(),
            Some("git push origin HEAD")
        );
        assert!(push_of(&format!(
            "{CO}      - uses: stefanzweifel/git-auto-commit-action@v5\n"
        ))
        .is_some());
        assert!(push_of(&format!("{CO}      - uses: EndBug/add-and-commit@v9\n")).is_some());
        assert!(push_of(&format!(
            "{CO}      - uses: ad-m/github-push-action@v0.8.0\n"
        ))
        .is_some());
        assert!(push_of(&format!("{CO}      - run: gh pr create --fill\n")).is_some());
        assert!(push_of(&format!("{CO}      - run: git -C sub push\n")).is_some());
        assert!(push_of(&format!("{CO}      - run: npx lerna publish --yes\n")).is_some());
        assert!(push_of(&format!("{CO}      - run: pnpm exec release-it --ci\n")).is_some());
        assert!(push_of(&format!(
            "{CO}      - run: npx lerna publish from-package\n"
        ))
        .is_none());
        assert!(push_of(&format!("{CO}      - run: lerna version --no-push\n")).is_none());
    }

    #[test]
    fn explicit_credentials_do_not_count() {
        assert!(push_of(&format!("{CO}      - uses: ad-m/github-push-action@v0.8.0\n        with:\n          github_token: ${{{{ secrets.PAT }}}}\n")).is_none());
        assert!(push_of(&format!(
            "{CO}      - run: git push https://x-access-token:${{GH_TOKEN}}@github.com/o/r.git HEAD\n"
        ))
        .is_none());
        assert!(push_of(&format!("{CO}      - run: git remote set-url origin https://$TOKEN@github.com/o/r\n      - run: git push\n")).is_none());
        assert!(push_of(&format!("{CO}      - run: npm test\n")).is_none());
        assert!(push_of(&format!("{CO}      - run: git commit -m push\n")).is_none());
    }

    #[test]
    fn node_versions() {
        for v in [
            "20", "18.x", "v20.11.0", "^20", "22.12", "22.13.1", "16", "lts/iron",
        ] {
            assert_eq!(node_npm(v), NodeNpm::NodeTooOld, "{v}");
        }
        for v in [
            "22", "22.x", "22.14.0", "'22'", "23", "24.4.1", "24.0", "lts/jod",
        ] {
            assert_eq!(node_npm(v), NodeNpm::NpmTooOld, "{v}");
        }
        for v in [
            "24", "24.x", "24.5.0", "25", "lts/*", "latest", "node", ">=18",
        ] {
            assert_eq!(node_npm(v), NodeNpm::Ok, "{v}");
        }
        assert_eq!(node_npm("${{ matrix.node }}"), NodeNpm::Unknown);
        assert!(npm_spec_ok("latest") && npm_spec_ok("^11.5.1") && npm_spec_ok("11"));
        assert!(npm_spec_ok("11.6.0") && npm_spec_ok("12"));
        assert!(!npm_spec_ok("10") && !npm_spec_ok("11.4.0") && !npm_spec_ok("11.5.0"));
    }

    #[test]
    fn variable_reads() {
        assert!(reads_var("echo $NPM_TOKEN", "NPM_TOKEN"));
        assert!(reads_var("x=${NPM_TOKEN}", "NPM_TOKEN"));
        assert!(reads_var("${#NPM_TOKEN}", "NPM_TOKEN"));
        assert!(reads_var("${NPM_TOKEN:-none}", "NPM_TOKEN"));
        assert!(reads_var("${{ env.NPM_TOKEN }}", "NPM_TOKEN"));
        assert!(reads_var("process.env.NPM_TOKEN", "NPM_TOKEN"));
        assert!(!reads_var("echo $NPM_TOKEN_X", "NPM_TOKEN"));
        assert!(!reads_var("secrets.NPM_TOKEN", "NPM_TOKEN"));
        assert!(!reads_var("NPM_TOKEN: x", "NPM_TOKEN"));
    }
}
