//! Fix safety on the real-world corpus (SPEC §7.9: a fix must leave the workflow *working*, not
//! only parsing). Every offered fix is applied alone, and all of them together (`fix_all`, what
//! `--fix` and "fix all" do), on every corpus workflow and action file; the result is compared with the original
//! by a checker that reads the YAML itself (it shares no code with the fix builders):
//!
//! 1. **Emptied mappings**: no `env:`, `with:` or `permissions:` (workflow, job or step) is left
//!    null or empty — counted per job, more than before is a violation.
//! 2. **Dangling env references**: a step that reads `X` (`${{ env.X }}` anywhere in the step,
//!    `$X`/`${X}` in its `run:`) where the workflow, job and step `env:` no longer define `X`,
//!    although the original job (or workflow) defined it. (A fix cannot remove a secret — those
//!    live in the repository's settings — so `${{ secrets.X }}` resolves, except in a reusable
//!    workflow, whose `on.workflow_call.secrets` must still declare every secret it reads.)
//! 3. **Push without credentials**: a checkout with `persist-credentials: false` followed in the
//!    same job by a push that relies on the persisted credentials (`git push` without a token
//!    in the URL, git-auto-commit-action, add-and-commit, github-push-action without a token).
//! 4. **Trusted publishing that cannot work**: a job whose npm publish the fixes turned into an
//!    OIDC publish (token gone, `id-token: write`) must run on Node ≥ 22.14 with npm ≥ 11.5.1:
//!    the last actions/setup-node before the publish names a literal version that bundles such
//!    an npm, or one ≥ 22.14 followed by `npm install -g npm@<≥ 11.5.1>` before the publish.
//!
//! `checker_catches_broken_fixes` shows the checker fails on a deliberately broken example of
//! each kind. The corpus lives outside the repository (`CHAINWARDEN_CORPUS`, default
//! `/work/shared/corpus/dev`); without it the corpus test says so and checks nothing.

use chainwarden::config::Config;
use chainwarden::engine::{self, Document};
use chainwarden::fix::apply_edits;
use chainwarden::kind::{self, FileKind};
use chainwarden::syntax::yaml::{parse_doc, YKind, YNode};
use chainwarden::workspace;
use std::collections::{BTreeMap, BTreeSet};

mod common;
use common::{collect_supported, corpus_root};

// ---------------------------------------------------------------------------------------------
// The checker.

fn scalar(n: Option<&YNode>) -> Option<&str> {
    n.and_then(|n| n.as_scalar()).map(|s| s.text.as_str())
}

fn map(n: Option<&YNode>) -> &[chainwarden::syntax::yaml::Pair] {
    n.and_then(|n| n.as_map()).unwrap_or(&[])
}

fn env_names(n: Option<&YNode>) -> BTreeSet<String> {
    map(n.and_then(|n| n.get("env")))
        .iter()
        .map(|p| p.key.clone())
        .collect()
}

fn steps(job: &YNode) -> Vec<&YNode> {
    match job.get("steps").map(|s| &s.kind) {
        Some(YKind::Seq(items)) => items.iter().collect(),
        _ => vec![],
    }
}

/// Every scalar under a node, with its text.
fn texts(n: &YNode, out: &mut Vec<String>) {
    match &n.kind {
        YKind::Scalar(s) => out.push(s.text.clone()),
        YKind::Map(pairs) => {
            for p in pairs {
                if let Some(v) = &p.value {
                    texts(v, out);
                }
            }
        }
        YKind::Seq(items) => items.iter().for_each(|i| texts(i, out)),
        _ => {}
    }
}

fn is_name(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// Names read as `env.X` (or `env['X']`) in a text.
fn env_context_refs(t: &str, out: &mut BTreeSet<String>) {
    for (i, _) in t.match_indices("env.") {
        let before = t[..i].chars().next_back();
        if before.is_some_and(|c| is_name(c) || c == '.') {
            continue;
        }
        let name: String = t[i + 4..].chars().take_while(|c| is_name(*c)).collect();
        if !name.is_empty() {
            out.insert(name);
        }
    }
}

/// Names read as `$X` / `${X…}` in a shell script.
fn shell_refs(t: &str, out: &mut BTreeSet<String>) {
    for (i, _) in t.match_indices('$') {
        let rest = &t[i + 1..];
        let rest = rest
            .strip_prefix('{')
            .map(|r| r.trim_start_matches(['#', '!']))
            .unwrap_or(rest);
        let name: String = rest.chars().take_while(|c| is_name(*c)).collect();
        if !name.is_empty() && !name.starts_with(|c: char| c.is_ascii_digit()) {
            out.insert(name);
        }
    }
}

fn empty_value(v: Option<&YNode>) -> bool {
    match v.map(|v| &v.kind) {
        None => true,
        Some(YKind::Map(p)) => p.is_empty(),
        Some(YKind::Scalar(s)) => s.text.trim().is_empty(),
        _ => false,
    }
}

/// `env:`/`with:`/`permissions:` keys with an empty value in a node's own keys.
fn empties(n: &YNode) -> usize {
    map(Some(n))
        .iter()
        .filter(|p| matches!(p.key.as_str(), "env" | "with" | "permissions"))
        .filter(|p| empty_value(p.value.as_ref()))
        .count()
}

fn pushing_action(uses: &str) -> bool {
    let u = uses.to_ascii_lowercase();
    u.starts_with("stefanzweifel/git-auto-commit-action")
        || u.starts_with("endbug/add-and-commit")
        || u.starts_with("ad-m/github-push-action")
}

/// The step pushes with whatever credentials git has.
fn step_pushes(step: &YNode) -> bool {
    if let Some(uses) = scalar(step.get("uses")) {
        let own_token = step
            .get("with")
            .is_some_and(|w| w.get("github_token").is_some() || w.get("token").is_some());
        return pushing_action(uses)
            && !(uses.to_ascii_lowercase().starts_with("ad-m/") && own_token);
    }
    let run = scalar(step.get("run")).unwrap_or("");
    let explicit = run.contains("x-access-token")
        || run.contains("extraheader")
        || run.contains("@github.com")
        || run.contains("credential.helper");
    !explicit
        && run
            .lines()
            .any(|l| l.trim_start().starts_with("git push") || l.contains(" git push"))
}

/// Checkouts with `persist-credentials: false` followed by a step that pushes.
fn push_after_unpersisted(job: &YNode) -> usize {
    let steps = steps(job);
    let mut n = 0;
    for (i, s) in steps.iter().enumerate() {
        let checkout = scalar(s.get("uses"))
            .is_some_and(|u| u.to_ascii_lowercase().starts_with("actions/checkout"));
        let off = s
            .get("with")
            .and_then(|w| scalar(w.get("persist-credentials")))
            .is_some_and(|v| v.trim() == "false");
        if checkout && off && steps[i + 1..].iter().any(|later| step_pushes(later)) {
            n += 1;
        }
    }
    n
}

const TOKEN_VARS: &[&str] = &["NODE_AUTH_TOKEN", "NPM_TOKEN", "NPM_AUTH_TOKEN"];

fn publishes(run: &str) -> bool {
    run.contains("npm publish")
        || run.contains("changeset publish")
        || run.contains("semantic-release")
        || run.contains("pnpm publish")
}

/// A job's npm publish authenticates with OIDC: `id-token: write` in effect and no token
/// variable from a secret (or `_authToken` line) in the job.
fn oidc_publish_step(root: &YNode, job: &YNode) -> Option<usize> {
    let steps = steps(job);
    let publish = steps
        .iter()
        .position(|s| scalar(s.get("run")).is_some_and(publishes))?;
    let perms = job.get("permissions").or_else(|| root.get("permissions"));
    let id_token = match perms.map(|p| &p.kind) {
        Some(YKind::Scalar(s)) => s.text.trim() == "write-all",
        Some(YKind::Map(_)) => scalar(perms.and_then(|p| p.get("id-token"))) == Some("write"),
        _ => false,
    };
    let token_in = |n: Option<&YNode>| {
        map(n.and_then(|n| n.get("env"))).iter().any(|p| {
            TOKEN_VARS.contains(&p.key.as_str())
                && scalar(p.value.as_ref()).is_some_and(|v| v.contains("secrets."))
        })
    };
    let auth_line = steps
        .iter()
        .any(|s| scalar(s.get("run")).is_some_and(|r| r.contains("_authToken")));
    let token =
        token_in(Some(root)) || token_in(Some(job)) || token_in(Some(steps[publish])) || auth_line;
    (id_token && !token).then_some(publish)
}

#[derive(PartialEq)]
enum NodeNpm {
    NodeTooOld,
    NpmTooOld,
    Ok,
    Unknown,
}

/// Node.js release → bundled npm (Node 22.x/23.x: npm 10; 24.0–24.4: npm 11 < 11.5.1).
fn node_npm(v: &str) -> NodeNpm {
    let v = v.trim().trim_matches(['\'', '"']).to_ascii_lowercase();
    if matches!(v.as_str(), "lts/*" | "latest" | "node" | "current") {
        return NodeNpm::Ok;
    }
    let v = v.trim_start_matches(['v', '^', '~', '=']);
    let mut parts = v.split('.');
    let Some(Ok(major)) = parts.next().map(str::parse::<u32>) else {
        return NodeNpm::Unknown;
    };
    let minor = parts.next().and_then(|m| m.parse::<u32>().ok());
    match (major, minor) {
        (0..=21, _) => NodeNpm::NodeTooOld,
        (22, Some(m)) if m < 14 => NodeNpm::NodeTooOld,
        (22 | 23, _) => NodeNpm::NpmTooOld,
        (24, Some(m)) if m < 5 => NodeNpm::NpmTooOld,
        _ => NodeNpm::Ok,
    }
}

fn npm_ok(spec: &str) -> bool {
    let s = spec.trim_start_matches(['^', '~', '>', '=']);
    if s == "latest" {
        return true;
    }
    let n: Vec<u32> = s.split('.').filter_map(|p| p.parse().ok()).collect();
    match n.as_slice() {
        [m, ..] if *m > 11 => true,
        [11] => true,
        [11, m, ..] if *m > 5 => true,
        [11, 5, p, ..] => *p >= 1,
        [11, 5] => true,
        _ => false,
    }
}

/// Why a job's OIDC publish at step `publish` cannot work, if it cannot.
fn oidc_not_ready(job: &YNode, publish: usize) -> Option<String> {
    let steps = steps(job);
    let mut node: Option<NodeNpm> = None;
    let mut upgraded = false;
    for s in &steps[..publish] {
        let uses = scalar(s.get("uses")).unwrap_or("");
        if uses.to_ascii_lowercase().starts_with("actions/setup-node") {
            let v = s.get("with").and_then(|w| scalar(w.get("node-version")));
            node = Some(v.map(node_npm).unwrap_or(NodeNpm::Unknown));
            upgraded = false;
        }
        if let Some(run) = scalar(s.get("run")) {
            upgraded |= run
                .split_whitespace()
                .filter_map(|w| w.strip_prefix("npm@"))
                .any(npm_ok)
                && run.contains("-g");
        }
    }
    match node {
        None => Some("no actions/setup-node before the publish".into()),
        Some(NodeNpm::Unknown) => Some("the Node.js version cannot be told".into()),
        Some(NodeNpm::NodeTooOld) => Some("Node older than 22.14".into()),
        Some(NodeNpm::NpmTooOld) if !upgraded => Some("npm older than 11.5.1, not upgraded".into()),
        _ => None,
    }
}

/// Per job: emptied mappings, env names referenced but undefined at their step (among those
/// `defined` lists), pushes after `persist-credentials: false`, OIDC publish step.
struct JobShape {
    empties: usize,
    defined: BTreeSet<String>,
    dangling: BTreeSet<String>,
    unpersisted_pushes: usize,
    oidc_publish: Option<usize>,
}

fn shapes(
    text: &str,
    defined_before: Option<&BTreeMap<String, JobShape>>,
) -> BTreeMap<String, JobShape> {
    let doc = parse_doc(text);
    let mut out = BTreeMap::new();
    let Some(root) = doc.root.as_ref() else {
        return out;
    };
    let wf_env = env_names(Some(root));
    out.insert(
        String::new(),
        JobShape {
            empties: empties(root),
            defined: wf_env.clone(),
            dangling: BTreeSet::new(),
            unpersisted_pushes: 0,
            oidc_publish: None,
        },
    );
    // A composite action's `runs:` counts as one job.
    let runs = root
        .pair("runs")
        .filter(|r| r.value.as_ref().is_some_and(|v| v.get("steps").is_some()));
    for job in map(root.get("jobs")).iter().chain(runs) {
        let Some(j) = job.value.as_ref() else {
            continue;
        };
        let job_env = env_names(Some(j));
        let mut defined: BTreeSet<String> = wf_env.union(&job_env).cloned().collect();
        let mut empties_n = empties(j);
        let mut refs_per_step = Vec::new();
        for s in steps(j) {
            empties_n += empties(s);
            let step_env = env_names(Some(s));
            defined.extend(step_env.iter().cloned());
            let mut refs = BTreeSet::new();
            let mut all = Vec::new();
            texts(s, &mut all);
            for t in &all {
                env_context_refs(t, &mut refs);
            }
            if let Some(run) = scalar(s.get("run")) {
                shell_refs(run, &mut refs);
            }
            refs_per_step.push((step_env, refs));
        }
        let known = defined_before
            .and_then(|b| b.get(&job.key))
            .map(|b| &b.defined)
            .unwrap_or(&defined);
        let mut dangling = BTreeSet::new();
        for (step_env, refs) in &refs_per_step {
            for r in refs {
                let resolves = wf_env.contains(r) || job_env.contains(r) || step_env.contains(r);
                if !resolves && known.contains(r) {
                    dangling.insert(r.clone());
                }
            }
        }
        out.insert(
            job.key.clone(),
            JobShape {
                empties: empties_n,
                defined,
                dangling,
                unpersisted_pushes: push_after_unpersisted(j),
                oidc_publish: oidc_publish_step(root, j),
            },
        );
    }
    out
}

/// For a reusable workflow: the secrets it declares (`on.workflow_call.secrets`), and those
/// its text references (`secrets.X`).
fn call_secrets(text: &str) -> (BTreeSet<String>, BTreeSet<String>) {
    let doc = parse_doc(text);
    let declared = doc
        .root
        .as_ref()
        .and_then(|r| r.get("on"))
        .and_then(|o| o.get("workflow_call"))
        .map(|c| {
            map(c.get("secrets"))
                .iter()
                .map(|p| p.key.clone())
                .collect()
        })
        .unwrap_or_default();
    let mut used = BTreeSet::new();
    for (i, _) in text.match_indices("secrets.") {
        if text[..i].ends_with(|c: char| is_name(c) || c == '.') {
            continue;
        }
        let name: String = text[i + 8..].chars().take_while(|c| is_name(*c)).collect();
        if !name.is_empty() && name != "GITHUB_TOKEN" {
            used.insert(name);
        }
    }
    (declared, used)
}

/// What a fix broke, comparing the fixed text with the original.
fn violations(before: &str, after: &str) -> Vec<String> {
    let b = shapes(before, None);
    let a = shapes(after, Some(&b));
    let after_doc = parse_doc(after);
    let mut out = Vec::new();
    // A reusable workflow's secret reference whose declaration a fix removed.
    let (declared_before, _) = call_secrets(before);
    let (declared_after, used_after) = call_secrets(after);
    for name in &used_after {
        if declared_before.contains(name) && !declared_after.contains(name) {
            out.push(format!(
                "the workflow: reads secrets.{name}, which on.workflow_call no longer declares"
            ));
        }
    }
    for (id, sa) in &a {
        let who = if id.is_empty() {
            "the workflow".to_string()
        } else {
            format!("job `{id}`")
        };
        let sb = b.get(id);
        if sa.empties > sb.map_or(0, |s| s.empties) {
            out.push(format!("{who}: an env:/with:/permissions: was left empty"));
        }
        let before_dangling = sb.map(|s| s.dangling.clone()).unwrap_or_default();
        for d in sa.dangling.difference(&before_dangling) {
            out.push(format!(
                "{who}: reads `{d}`, which no env: defines any more"
            ));
        }
        if sa.unpersisted_pushes > sb.map_or(0, |s| s.unpersisted_pushes) {
            out.push(format!(
                "{who}: pushes after a checkout with `persist-credentials: false`"
            ));
        }
        if let Some(p) = sa.oidc_publish {
            if sb.is_none_or(|s| s.oidc_publish.is_none()) {
                let job = after_doc
                    .root
                    .as_ref()
                    .and_then(|r| r.get("jobs"))
                    .and_then(|j| j.get(id));
                if let Some(why) = job.and_then(|j| oidc_not_ready(j, p)) {
                    out.push(format!("{who}: now publishes with OIDC, but {why}"));
                }
            }
        }
    }
    out
}

#[test]
fn checker_catches_broken_fixes() {
    let clean = "on: push\nenv:\n  NPM_TOKEN: ${{ secrets.NPM_TOKEN }}\njobs:\n  a:\n    steps:\n      - uses: actions/checkout@v4\n      - uses: actions/setup-node@v4\n        with:\n          node-version: 22\n      - run: npm publish\n        env:\n          NODE_AUTH_TOKEN: ${{ env.NPM_TOKEN }}\n  b:\n    steps:\n      - run: echo \"//r/:_authToken=$NPM_TOKEN\" > .npmrc\n      - run: git push\n";
    assert!(
        violations(clean, clean).is_empty(),
        "{:?}",
        violations(clean, clean)
    );
    // 1. An env: left empty.
    let emptied = clean.replace(
        "        env:\n          NODE_AUTH_TOKEN: ${{ env.NPM_TOKEN }}\n",
        "        env:\n",
    );
    assert!(violations(clean, &emptied)
        .iter()
        .any(|v| v.contains("left empty")));
    // 2. The workflow-level token removed while job b still reads it.
    let dangling = clean.replace("env:\n  NPM_TOKEN: ${{ secrets.NPM_TOKEN }}\n", "");
    let v = violations(clean, &dangling);
    assert!(
        v.iter().any(|v| v.contains("job `b`: reads `NPM_TOKEN`")),
        "{v:?}"
    );
    assert!(
        v.iter().any(|v| v.contains("job `a`: reads `NPM_TOKEN`")),
        "{v:?}"
    );
    // 3. persist-credentials: false before a push.
    let with_checkout = clean.replace(
        "  b:\n    steps:\n",
        "  b:\n    steps:\n      - uses: actions/checkout@v4\n",
    );
    let unpersisted = with_checkout.replace(
        "  b:\n    steps:\n      - uses: actions/checkout@v4\n",
        "  b:\n    steps:\n      - uses: actions/checkout@v4\n        with:\n          persist-credentials: false\n",
    );
    assert!(violations(&with_checkout, &unpersisted)
        .iter()
        .any(|v| v.contains("pushes after")));
    // 4. Trusted publishing on Node 22 without an npm upgrade.
    let oidc = "on: push\njobs:\n  a:\n    permissions:\n      id-token: write\n    steps:\n      - uses: actions/setup-node@v4\n        with:\n          node-version: 22\n      - run: npm publish\n";
    let token = "on: push\njobs:\n  a:\n    steps:\n      - uses: actions/setup-node@v4\n        with:\n          node-version: 22\n      - run: npm publish\n        env:\n          NODE_AUTH_TOKEN: ${{ secrets.NPM_TOKEN }}\n";
    assert!(violations(token, oidc)
        .iter()
        .any(|v| v.contains("npm older than 11.5.1")));
    let upgraded = oidc.replace(
        "      - run: npm publish\n",
        "      - run: npm install -g npm@^11.5.1\n      - run: npm publish\n",
    );
    assert!(violations(token, &upgraded).is_empty());
    // 5. A reusable workflow's secret declaration removed while still read.
    let called = "on:\n  workflow_call:\n    secrets:\n      NPM_TOKEN:\n        required: true\njobs:\n  a:\n    steps:\n      - run: npm publish\n        env:\n          NODE_AUTH_TOKEN: ${{ secrets.NPM_TOKEN }}\n";
    let undeclared = called.replace(
        "    secrets:\n      NPM_TOKEN:\n        required: true\n",
        "",
    );
    assert!(violations(called, &undeclared)
        .iter()
        .any(|v| v.contains("secrets.NPM_TOKEN")));
    let old = oidc.replace("node-version: 22", "node-version: 20");
    assert!(violations(token, &old)
        .iter()
        .any(|v| v.contains("Node older than 22.14")));
}

// ---------------------------------------------------------------------------------------------
// The corpus.

#[test]
fn every_fix_leaves_corpus_workflows_working() {
    let Some(root) = corpus_root() else {
        eprintln!("corpus not found (set CHAINWARDEN_CORPUS): nothing checked");
        return;
    };
    let mut files = Vec::new();
    collect_supported(&root, &mut files);
    files.sort();
    let mut fixes_by_rule: BTreeMap<&str, usize> = BTreeMap::new();
    let mut violations_by_rule: BTreeMap<String, usize> = BTreeMap::new();
    let mut failures = Vec::new();
    let (mut workflows, mut fixed_all) = (0, 0);
    for path in &files {
        let Some(kind @ (FileKind::Workflow | FileKind::Action)) = kind::detect(path) else {
            continue;
        };
        let Ok(text) = std::fs::read_to_string(path) else {
            continue;
        };
        workflows += 1;
        let rel = path
            .strip_prefix(&root)
            .unwrap_or(path)
            .display()
            .to_string();
        let facts = workspace::gather(path, Some(&root));
        let config = Config::default();
        let doc = Document {
            path,
            kind,
            text: &text,
        };
        for f in engine::analyze_text(&doc, &facts, &config) {
            for fix in &f.fixes {
                *fixes_by_rule.entry(f.rule).or_insert(0) += 1;
                let Ok(fixed) = apply_edits(&text, &fix.edits) else {
                    continue;
                };
                for v in violations(&text, &fixed) {
                    *violations_by_rule.entry(f.rule.to_string()).or_insert(0) += 1;
                    failures.push(format!("{rel}: {} (`{}`): {v}", f.rule, fix.title));
                }
            }
        }
        let all = engine::fix_all(&doc, &facts, &config);
        if all != text {
            fixed_all += 1;
            for v in violations(&text, &all) {
                *violations_by_rule.entry("fix-all".into()).or_insert(0) += 1;
                failures.push(format!("{rel}: fix-all: {v}"));
            }
        }
    }
    let total: usize = fixes_by_rule.values().sum();
    eprintln!(
        "{workflows} workflows and action files; {total} fixes applied one at a time ({fixes_by_rule:?}); \
         fix-all changed {fixed_all} files; violations: {} {violations_by_rule:?}",
        failures.len()
    );
    assert!(total > 0, "no fix was offered on the corpus");
    assert!(
        failures.is_empty(),
        "{} fix-safety violation(s):\n{}",
        failures.len(),
        failures.join("\n")
    );
}
