//! Untrusted data flow (SPEC §7.1): which values of a workflow (or composite action) an outsider
//! can control, where each came from, and through which places it travelled. Computed once per
//! document from the model and the job/step facts; rules only read it.
//!
//! - **Sources**: attacker-controlled contexts (`model::contexts`) when an event that fills them
//!   can run the step; outputs of actions that list pull request files (`data/action-outputs.toml`);
//!   files of an untrusted head checked out in a privileged workflow, or of artifacts a
//!   `workflow_run` downloads (read with `cat`, `jq`, `$(< file)`); free-text `workflow_dispatch`
//!   inputs and the inputs of reusable workflows / composite actions (*unknown* unless a caller
//!   of the workspace passes tainted data: then tainted).
//! - **Propagation**: `env:` at each level, `$GITHUB_ENV` writes (later steps), `$GITHUB_OUTPUT`
//!   writes (`name=value` and `name<<EOF` forms, and the old `::set-output`) to
//!   `steps.<id>.outputs.<name>`, job `outputs:` to `needs.<job>.outputs.<name>`, and a matrix
//!   built with `fromJSON(<tainted>)`.
//! - **Quiet**: expressions that can only yield literals or booleans, typed boolean/number/choice
//!   inputs, and everything that comes from the repository itself.
//!
//! Every propagation step adds a [`Hop`] (a span of this document and what happens there), so a
//! finding can show source → … → sink.

use crate::finding::Span;
use crate::model::contexts::{context_refs, is_attacker_controlled, yields_boolean};
use crate::model::expr;
use crate::model::job_facts::{self, WorkflowFacts};
use crate::model::workflow::{
    expression_parts, KeyValue, Step, UsesTarget, Workflow, WorkflowKind,
};
use crate::syntax::shell;
use crate::syntax::yaml::{Scalar, YNode};
use crate::workspace::{local_key, Facts, LocalTarget};
use serde::Deserialize;
use std::path::Path;
use std::sync::LazyLock;

/// How far an outsider controls a value.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Trust {
    /// Depends on who calls or dispatches (free-text inputs): `medium` findings.
    Unknown,
    /// Anyone who can open a pull request, an issue or a comment chooses it.
    Attacker,
}

/// One place a tainted value passed through.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Hop {
    pub span: Span,
    pub message: String,
}

/// A tainted value: its source and the hops from it (not including the place that reads it).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Taint {
    pub trust: Trust,
    /// What the source is, for messages: "attacker-controlled `github.event.issue.title`",
    /// "pull request file names from tj-actions/changed-files (line 14)".
    pub source: String,
    /// The context path or variable that names the source (for fix variable names).
    pub path: String,
    pub hops: Vec<Hop>,
}

impl Taint {
    fn through(&self, span: Span, message: String) -> Taint {
        let mut t = self.clone();
        t.hops.push(Hop { span, message });
        t
    }

    /// Whether the value reached the sink through other places (not a direct context read).
    pub fn is_flow(&self) -> bool {
        !self.hops.is_empty()
    }
}

/// The stronger of two taints (attacker over unknown; the first on a tie).
fn stronger(a: Option<Taint>, b: Option<Taint>) -> Option<Taint> {
    match (a, b) {
        (Some(a), Some(b)) => Some(if b.trust > a.trust { b } else { a }),
        (a, b) => a.or(b),
    }
}

/// Which file a `run:` line appends to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Target {
    Output,
    Env,
    Path,
}

impl Target {
    pub fn var(self) -> &'static str {
        match self {
            Target::Output => "GITHUB_OUTPUT",
            Target::Env => "GITHUB_ENV",
            Target::Path => "GITHUB_PATH",
        }
    }
}

/// A tainted value written to `$GITHUB_ENV` or `$GITHUB_PATH`.
#[derive(Clone, Debug)]
pub struct FileWrite {
    pub target: Target,
    /// The variable set (`GITHUB_ENV`), empty when not known or for `GITHUB_PATH`.
    pub name: String,
    /// The writing line (command), trimmed.
    pub span: Span,
    /// The tainted piece inside it (`${{ … }}`, `$VAR`, `$(cat …)`).
    pub piece: Span,
    pub taint: Taint,
}

/// A `name<<DELIM` value being read: target, name, delimiter, taint so far, first line.
type PendingHeredoc = (Target, String, String, Option<(Taint, Span)>, Span);

/// Names defined at one `env:` level, each with its taint if any (a clean definition shadows a
/// tainted one further out).
type EnvLevel = Vec<(String, Option<Taint>)>;

#[derive(Default)]
struct StepTaint {
    env: EnvLevel,
    id: Option<String>,
    /// `steps.<id>.outputs.<name>` written by the step's script, tainted.
    outputs: Vec<(String, Taint)>,
    /// An action of the table: its entry and the taint of the outputs it lists.
    action: Option<(&'static ActionEntry, Taint)>,
    /// Untrusted files are in the workspace when this step runs.
    untrusted_files: Option<Taint>,
    /// Tainted writes to `$GITHUB_ENV` / `$GITHUB_PATH`.
    writes: Vec<FileWrite>,
}

#[derive(Default)]
struct JobTaint {
    id: String,
    /// The workflow's `env:`, evaluated for this job's events.
    wf_env: EnvLevel,
    env: EnvLevel,
    /// Variables set through `$GITHUB_ENV` by a step (index) for the steps after it.
    runtime_env: Vec<(usize, String, Taint)>,
    matrix_all: Option<Taint>,
    matrix: Vec<(String, Taint)>,
    steps: Vec<StepTaint>,
    outputs: Vec<(String, Taint)>,
}

/// The taint facts of one document. Job indices are those of [`WorkflowFacts::jobs`] (the jobs,
/// then an action's composite steps as one pseudo-job).
pub struct TaintFacts {
    jobs: Vec<JobTaint>,
    /// `inputs.<name>` (lower case) of a reusable workflow, a composite action or a dispatch.
    inputs: Vec<(String, Option<Taint>)>,
    /// Events per job and step, copied from the job facts.
    events: Vec<(Vec<String>, Vec<Vec<String>>)>,
    all_events: bool,
}

/// One entry of `data/action-outputs.toml`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct ActionEntry {
    pub uses: String,
    pub what: String,
    #[serde(default)]
    pub outputs: Vec<String>,
    #[serde(default)]
    pub suffixes: Vec<String>,
    pub input: Option<String>,
    #[serde(default)]
    pub unless_values: Vec<String>,
    pub source: String,
}

impl ActionEntry {
    fn lists(&self, output: &str) -> bool {
        let o = output.to_ascii_lowercase();
        self.outputs.contains(&o) || self.suffixes.iter().any(|s| o.ends_with(s))
    }

    fn applies(&self, step: &Step) -> bool {
        match &self.input {
            None => true,
            Some(input) => step.with_value(input).is_some_and(|v| {
                let v = v.text.trim().to_ascii_lowercase();
                !v.is_empty() && !self.unless_values.contains(&v)
            }),
        }
    }
}

#[derive(Deserialize)]
struct ActionTable {
    action: Vec<ActionEntry>,
}

static TABLE_TOML: &str = include_str!("../../../data/action-outputs.toml");

static ACTIONS: LazyLock<Vec<ActionEntry>> = LazyLock::new(|| {
    toml::from_str::<ActionTable>(TABLE_TOML)
        .expect("data/action-outputs.toml is valid (checked by a unit test)")
        .action
});

/// Events whose run can carry changes of a pull request's author.
const PR_EVENTS: &[&str] = &[
    "pull_request",
    "pull_request_target",
    "pull_request_review",
    "pull_request_review_comment",
];
/// Events that run with secrets and a write token although outsiders start them.
const PRIVILEGED: &[&str] = &["pull_request_target", "workflow_run", "issue_comment"];

/// Events whose payload fills a context; `None` for contexts every event has.
pub fn providing_events(path: &str) -> Option<&'static [&'static str]> {
    if path == "github.head_ref" {
        return Some(&["pull_request", "pull_request_target"]);
    }
    let rest = path.strip_prefix("github.event.")?;
    let head = rest.split('.').next().unwrap_or("");
    Some(match head {
        "pull_request" => PR_EVENTS,
        "issue" => &["issues", "issue_comment"],
        "comment" => &[
            "issue_comment",
            "pull_request_review_comment",
            "commit_comment",
            "discussion_comment",
        ],
        "review" => &["pull_request_review"],
        "review_comment" => &["pull_request_review_comment"],
        "discussion" => &["discussion", "discussion_comment"],
        "head_commit" | "commits" => &["push"],
        "workflow_run" => &["workflow_run"],
        "pages" => &["gollum"],
        _ => return None,
    })
}

/// 1-based line of a byte offset.
fn line_of(text: &str, offset: usize) -> usize {
    text.as_bytes()[..offset.min(text.len())]
        .iter()
        .filter(|b| **b == b'\n')
        .count()
        + 1
}

/// Where an expression is evaluated: a job (index) and, inside it, a step (index) or the job
/// level (`None`: env, matrix, outputs).
#[derive(Clone, Copy)]
struct At {
    job: usize,
    step: Option<usize>,
}

impl TaintFacts {
    /// Taint of the value of one `${{ … }}` (its inner text) read by step `step` of job `job`
    /// (`None`: at job level). `None` when no outsider can control it, or when it can only
    /// produce literals or booleans.
    pub fn expr(&self, job: usize, step: Option<usize>, inner: &str) -> Option<Taint> {
        self.expr_at(At { job, step }, inner)
    }

    /// Taint of a shell variable `$name` in the `run:` of step `step` of job `job` (its
    /// environment: step, `$GITHUB_ENV` of earlier steps, job and workflow `env:`).
    pub fn shell_var(&self, job: usize, step: usize, name: &str) -> Option<Taint> {
        self.env_var(
            At {
                job,
                step: Some(step),
            },
            name,
            false,
        )
    }

    /// Tainted writes to `$GITHUB_ENV` / `$GITHUB_PATH` by the script of a step.
    pub fn writes(&self, job: usize, step: usize) -> &[FileWrite] {
        self.jobs
            .get(job)
            .and_then(|j| j.steps.get(step))
            .map_or(&[], |s| &s.writes[..])
    }

    fn events(&self, at: At) -> &[String] {
        match self.events.get(at.job) {
            Some((job, steps)) => match at.step {
                Some(s) => steps.get(s).map_or(&job[..], |e| &e[..]),
                None => job,
            },
            None => &[],
        }
    }

    /// Whether the context can hold data at this place (an event that fills it can run it).
    fn possible(&self, at: At, path: &str) -> bool {
        if self.all_events {
            return true;
        }
        let events = self.events(at);
        if events.iter().any(|e| e == "workflow_call") {
            return true;
        }
        match providing_events(path) {
            Some(p) => events.iter().any(|e| p.contains(&e.as_str())),
            None => !events.is_empty(),
        }
    }

    fn expr_at(&self, at: At, inner: &str) -> Option<Taint> {
        if yields_boolean(inner) {
            return None;
        }
        let mut found: Option<Taint> = None;
        for r in context_refs(inner) {
            let t = self.path_taint(at, &r.path);
            found = stronger(found, t);
            if found.as_ref().is_some_and(|t| t.trust == Trust::Attacker) {
                break;
            }
        }
        // Literals, booleans and comparisons carry no text of what they read (parsed only
        // for the few expressions that read a tainted value).
        found.filter(|_| !expr::yields_only_literals(inner))
    }

    fn path_taint(&self, at: At, path: &str) -> Option<Taint> {
        if is_attacker_controlled(path) {
            return self.possible(at, path).then(|| Taint {
                trust: Trust::Attacker,
                source: format!("attacker-controlled `{path}`"),
                path: path.to_string(),
                hops: vec![],
            });
        }
        let segs: Vec<&str> = path.split('.').collect();
        match segs.as_slice() {
            ["steps", id, "outputs", name, ..] => self.step_output(at, id, name),
            ["needs", job, "outputs", name, ..] => {
                let j = self.jobs.iter().find(|j| j.id.eq_ignore_ascii_case(job))?;
                j.outputs
                    .iter()
                    .find(|(n, _)| n.eq_ignore_ascii_case(name))
                    .map(|(_, t)| t.clone())
            }
            ["env", name, ..] => self.env_var(at, name, true),
            ["matrix", rest @ ..] => {
                let job = self.jobs.get(at.job)?;
                let key = rest.first().copied().unwrap_or("*");
                job.matrix
                    .iter()
                    .find(|(k, _)| k.eq_ignore_ascii_case(key))
                    .map(|(_, t)| t.clone())
                    .or_else(|| job.matrix_all.clone())
            }
            ["inputs", name] | ["github", "event", "inputs", name] => {
                let dispatch_only = segs[0] == "github";
                self.inputs
                    .iter()
                    .find(|(n, _)| n == name)
                    .and_then(|(_, t)| t.clone())
                    .filter(|t| !dispatch_only || t.path.starts_with("github.event.inputs"))
                    .map(|mut t| {
                        if dispatch_only || t.path.is_empty() {
                            t.path = path.to_string();
                        }
                        t
                    })
            }
            _ => None,
        }
    }

    fn step_output(&self, at: At, id: &str, name: &str) -> Option<Taint> {
        let job = self.jobs.get(at.job)?;
        let upto = at.step.unwrap_or(job.steps.len()).min(job.steps.len());
        let step = job.steps[..upto]
            .iter()
            .rev()
            .find(|s| s.id.as_deref().is_some_and(|i| i.eq_ignore_ascii_case(id)))?;
        if let Some((entry, t)) = &step.action {
            if entry.lists(name) {
                return Some(t.clone());
            }
        }
        step.outputs
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, t)| t.clone())
    }

    /// An environment variable in scope at `at`. `expr_ctx`: read as `env.NAME` (case-insensitive).
    fn env_var(&self, at: At, name: &str, expr_ctx: bool) -> Option<Taint> {
        let same = |a: &str| {
            if expr_ctx {
                a.eq_ignore_ascii_case(name)
            } else {
                a == name
            }
        };
        let find = |level: &EnvLevel| level.iter().find(|(n, _)| same(n)).map(|(_, t)| t.clone());
        let job = self.jobs.get(at.job)?;
        if let Some(s) = at.step.and_then(|s| job.steps.get(s)) {
            if let Some(t) = find(&s.env) {
                return t;
            }
        }
        if let Some(step) = at.step {
            if let Some((_, _, t)) = job
                .runtime_env
                .iter()
                .rev()
                .find(|(from, n, _)| *from < step && same(n))
            {
                return Some(t.clone());
            }
        }
        if let Some(t) = find(&job.env) {
            return t;
        }
        find(&job.wf_env).flatten()
    }

    /// Taint of an `env:` level, evaluated at `at`.
    fn env_level(&self, at: At, kvs: &[KeyValue], text: &str, level: &str) -> EnvLevel {
        kvs.iter()
            .map(|kv| {
                let t = kv.value.and_then(|v| {
                    self.scalar_taint(at, text, v).map(|(t, span)| {
                        t.through(
                            span,
                            format!("{level} env `{}` is set from {}", kv.name, t.source),
                        )
                    })
                });
                (kv.name.clone(), t)
            })
            .collect()
    }

    /// The strongest taint of the expressions of a scalar, with the expression's span.
    fn scalar_taint(&self, at: At, text: &str, v: &Scalar) -> Option<(Taint, Span)> {
        let mut best: Option<(Taint, Span)> = None;
        for (inner, span) in expression_parts(text, v.content.clone()) {
            if let Some(t) = self.expr_at(at, inner) {
                if best.as_ref().is_none_or(|(b, _)| t.trust > b.trust) {
                    best = Some((t, span));
                }
            }
        }
        best
    }
}

/// Build the taint facts of a workflow or action. `ws` and `path` find the callers of a
/// reusable workflow or local action in the workspace.
pub fn build(
    wf: &Workflow,
    text: &str,
    facts: &WorkflowFacts,
    ws: &Facts,
    path: &Path,
) -> TaintFacts {
    let events = facts
        .jobs
        .iter()
        .map(|j| {
            (
                j.events.clone(),
                j.steps.iter().map(|s| s.events.clone()).collect(),
            )
        })
        .collect();
    let mut tf = TaintFacts {
        jobs: facts
            .jobs
            .iter()
            .map(|j| JobTaint {
                id: j.job.map(|j| j.id.clone()).unwrap_or_default(),
                ..Default::default()
            })
            .collect(),
        inputs: vec![],
        events,
        all_events: wf.kind == WorkflowKind::Action || wf.on.is_none(),
    };
    tf.inputs = input_taints(wf, text, ws, path);
    // The workflow's env is read by every job, each with its own events.
    for j in 0..tf.jobs.len() {
        let level = tf.env_level(At { job: j, step: None }, &wf.env, text, "workflow");
        tf.jobs[j].wf_env = level;
    }
    // Jobs in `needs:` order, so that `needs.<job>.outputs` are known when read.
    let n = wf.jobs.len();
    let mut done = vec![false; tf.jobs.len()];
    for _ in 0..=n {
        for (j, job) in wf.jobs.iter().enumerate() {
            if done[j] {
                continue;
            }
            let ready = job.needs.iter().all(|need| {
                wf.jobs
                    .iter()
                    .position(|o| o.id == need.text)
                    .is_none_or(|k| done[k] || k == j)
            });
            if ready {
                build_job(&mut tf, wf, text, facts, j);
                done[j] = true;
            }
        }
    }
    // A `needs:` cycle: build the rest anyway.
    for (j, _) in done.iter().enumerate().filter(|(_, d)| !**d) {
        build_job(&mut tf, wf, text, facts, j);
    }
    if wf.runs.is_some() && tf.jobs.len() > n {
        build_job(&mut tf, wf, text, facts, n);
    }
    tf
}

fn build_job(tf: &mut TaintFacts, wf: &Workflow, text: &str, facts: &WorkflowFacts, j: usize) {
    let job = facts.jobs[j].job;
    let at = At { job: j, step: None };
    if let Some(job) = job {
        let env = tf.env_level(at, &job.env, text, "job");
        tf.jobs[j].env = env;
        // `strategy.matrix`: built from an expression, or keys built from one.
        if let Some(m) = job
            .node
            .and_then(|n| n.get("strategy"))
            .and_then(|s| s.get("matrix"))
        {
            let (all, keys) = matrix_taint(tf, at, text, m);
            tf.jobs[j].matrix_all = all;
            tf.jobs[j].matrix = keys;
        }
    }
    let steps: Vec<&Step> = facts.jobs[j].steps.iter().map(|s| s.step).collect();
    let mut untrusted: Option<Taint> = None;
    for (k, step) in steps.iter().enumerate() {
        let at = At {
            job: j,
            step: Some(k),
        };
        let env = tf.env_level(at, &step.env, text, "step");
        tf.jobs[j].steps.push(StepTaint {
            env,
            id: step.id.map(|i| i.text.trim().to_string()),
            untrusted_files: untrusted.clone(),
            ..Default::default()
        });
        // Outputs of an action of the table.
        if let Some(action) = step.action() {
            if let Some(entry) = ACTIONS
                .iter()
                .find(|e| {
                    action
                        .strip_prefix(e.uses.as_str())
                        .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
                })
                .filter(|e| e.applies(step))
            {
                let events = tf.events(at);
                let reach = tf.all_events
                    || events
                        .iter()
                        .any(|e| PR_EVENTS.contains(&e.as_str()) || e == "workflow_call");
                if reach {
                    let span = step
                        .uses
                        .as_ref()
                        .map_or(step.span.clone(), |u| u.raw.span.clone());
                    let source = format!(
                        "{} from {} (line {})",
                        entry.what,
                        entry.uses,
                        line_of(text, span.start)
                    );
                    let t = Taint {
                        trust: Trust::Attacker,
                        path: format!("steps.{}.outputs", step.id.map_or("", |i| i.text.as_str())),
                        hops: vec![Hop {
                            span,
                            message: format!("{} come from {}", entry.what, entry.uses),
                        }],
                        source,
                    };
                    tf.jobs[j].steps[k].action = Some((entry, t));
                }
            }
        }
        if let Some(run) = step.run {
            scan_run(tf, text, at, step, run);
        }
        // Untrusted files for the steps after this one.
        if untrusted.is_none() {
            untrusted = untrusted_files(tf, text, at, step);
        }
    }
    if let Some(job) = job {
        if let Some(outs) = job
            .node
            .and_then(|n| n.get("outputs"))
            .and_then(YNode::as_map)
        {
            let mut outputs = Vec::new();
            for p in outs {
                let Some(v) = p.value.as_ref().and_then(YNode::as_scalar) else {
                    continue;
                };
                if let Some((t, _)) = tf.scalar_taint(at, text, v) {
                    let hop = format!("job output `{}` of `{}` carries it", p.key, job.id);
                    outputs.push((p.key.clone(), t.through(p.key_span.clone(), hop)));
                }
            }
            tf.jobs[j].outputs = outputs;
        }
    }
    let _ = wf;
}

/// `matrix: ${{ fromJSON(x) }}` (every key) or `matrix: {key: ${{ fromJSON(x) }}, include: …}`.
fn matrix_taint(
    tf: &TaintFacts,
    at: At,
    text: &str,
    m: &YNode,
) -> (Option<Taint>, Vec<(String, Taint)>) {
    let mark = |t: Taint, span: Span| {
        t.through(
            span,
            "the job's matrix is built from it (`fromJSON`)".into(),
        )
    };
    if let Some(s) = m.as_scalar() {
        return (
            tf.scalar_taint(at, text, s).map(|(t, sp)| mark(t, sp)),
            vec![],
        );
    }
    let mut all = None;
    let mut keys = Vec::new();
    for p in m.as_map().unwrap_or(&[]) {
        let Some(v) = p.value.as_ref() else { continue };
        let scalars: Vec<&Scalar> = match v.as_scalar() {
            Some(s) => vec![s],
            None => v.all_scalars(),
        };
        for s in scalars {
            if let Some((t, sp)) = tf.scalar_taint(at, text, s) {
                let t = mark(t, sp);
                if p.key == "include" || p.key == "exclude" {
                    all = stronger(all, Some(t));
                } else {
                    keys.push((p.key.clone(), t));
                }
                break;
            }
        }
    }
    (all, keys)
}

/// Steps that put untrusted files into the workspace in a privileged run: a checkout of the
/// pull request head, or artifacts of the triggering `workflow_run`.
fn untrusted_files(tf: &TaintFacts, text: &str, at: At, step: &Step) -> Option<Taint> {
    let events = tf.events(at);
    let privileged = events.iter().any(|e| PRIVILEGED.contains(&e.as_str()));
    if !privileged {
        return None;
    }
    let head = |s: &str| {
        let l = s.to_ascii_lowercase();
        [
            "pull_request.head.",
            "github.head_ref",
            "refs/pull/",
            "workflow_run.head_",
            "merge_commit_sha",
        ]
        .iter()
        .any(|m| l.contains(m))
    };
    let make = |span: Span, what: &str| {
        let source = format!("{what} (line {})", line_of(text, span.start));
        Some(Taint {
            trust: Trust::Attacker,
            path: "untrusted_file".into(),
            hops: vec![Hop {
                span,
                message: what.to_string(),
            }],
            source,
        })
    };
    let action = step.action();
    match action.as_deref() {
        Some("actions/checkout") => {
            let r = step
                .with_value("ref")
                .filter(|r| head(&r.text))
                .or_else(|| step.with_value("repository").filter(|r| head(&r.text)))?;
            return make(
                r.span.clone(),
                "files of the pull request head checked out here",
            );
        }
        Some("actions/download-artifact") => {
            let r = step
                .with_value("run-id")
                .filter(|r| r.text.contains("workflow_run"))?;
            return make(
                r.span.clone(),
                "artifact of the triggering run downloaded here",
            );
        }
        Some("dawidd6/action-download-artifact") => {
            let span = step
                .uses
                .as_ref()
                .map_or(step.span.clone(), |u| u.raw.span.clone());
            return make(span, "artifact of another run downloaded here");
        }
        _ => {}
    }
    let run = step.run?;
    let raw = &text[run.content.clone()];
    for (needle, what) in [
        (
            "gh pr checkout",
            "files of the pull request checked out here",
        ),
        ("gh run download", "artifact of another run downloaded here"),
    ] {
        if let Some(i) = raw.find(needle) {
            let start = run.content.start + i;
            return make(start..start + needle.len(), what);
        }
    }
    None
}

/// Lines of a `run:` script with their document offsets (line break excluded).
fn script_lines<'t>(text: &'t str, run: &Scalar) -> Vec<(usize, &'t str)> {
    let raw = text.get(run.content.clone()).unwrap_or("");
    let mut out = Vec::new();
    let mut off = run.content.start;
    for line in raw.split_inclusive('\n') {
        out.push((off, line.trim_end_matches(['\n', '\r'])));
        off += line.len();
    }
    out
}

/// The file a line appends to, and where the redirect starts (`>>`, `>` or `tee`).
fn write_target(line: &str) -> Option<(Target, usize)> {
    for (name, target) in [
        ("GITHUB_OUTPUT", Target::Output),
        ("GITHUB_ENV", Target::Env),
        ("GITHUB_PATH", Target::Path),
    ] {
        let mut from = 0;
        while let Some(i) = line[from..].find(name).map(|i| from + i) {
            from = i + name.len();
            let after = line.as_bytes().get(from).copied();
            if after.is_some_and(|b| b.is_ascii_alphanumeric() || b == b'_') {
                continue;
            }
            let before = line[..i].trim_end_matches('{');
            if !before.ends_with('$') {
                continue;
            }
            let head = &line[..i];
            let redirect = head.rfind('>').or_else(|| head.rfind("tee "));
            if let Some(r) = redirect {
                return Some((target, r));
            }
        }
    }
    None
}

/// `name<<DELIM` in a written line: (name, delimiter).
fn heredoc_name(s: &str) -> Option<(String, String)> {
    let i = s.find("<<")?;
    if s[i..].starts_with("<<<") {
        return None;
    }
    let name: String = s[..i]
        .chars()
        .rev()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '-')
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    let rest = s[i + 2..].trim_start_matches(['\'', '"']);
    let delim: String = rest
        .chars()
        .take_while(|c| {
            c.is_ascii_alphanumeric() || *c == '_' || *c == '$' || *c == '{' || *c == '}'
        })
        .collect();
    (!name.is_empty() && !delim.is_empty()).then_some((name, delim))
}

/// `name=` in a written line: (name, offset of the value).
fn name_eq(s: &str) -> Option<(String, usize)> {
    if let Some(i) = s.find("::set-output name=") {
        let start = i + "::set-output name=".len();
        let end = start + s[start..].find("::")?;
        return Some((s[start..end].to_string(), end + 2));
    }
    let b = s.as_bytes();
    for (i, c) in s.char_indices() {
        if c != '=' || b.get(i + 1) == Some(&b'=') {
            continue;
        }
        let mut st = i;
        while st > 0
            && (b[st - 1].is_ascii_alphanumeric() || b[st - 1] == b'_' || b[st - 1] == b'-')
        {
            st -= 1;
        }
        if st == i || b[st].is_ascii_digit() || b[st] == b'-' {
            continue;
        }
        let ok_before = st == 0 || matches!(b[st - 1], b'"' | b'\'' | b' ' | b'\t');
        if ok_before {
            return Some((s[st..i].to_string(), i + 1));
        }
        return None;
    }
    None
}

/// Reading a file's text in a shell fragment (`$(cat f)`, `$(< f)`, `$(jq … f)`, or the
/// whole command when `whole_command`).
fn reads_file(s: &str, whole_command: bool) -> Option<usize> {
    for pat in [
        "$(cat ", "$(<", "$(jq ", "$(head ", "$(tail ", "`cat ", "$(tr ",
    ] {
        if let Some(i) = s.find(pat) {
            return Some(i);
        }
    }
    if whole_command {
        let t = s.trim_start();
        for p in ["cat ", "jq ", "head ", "tail ", "sed ", "awk "] {
            if t.starts_with(p) {
                return Some(s.len() - t.len());
            }
        }
    }
    None
}

/// The taint of a piece of a script at `off` (document offset): expressions, variables (local
/// assignments first), file reads when untrusted files are present. With the piece's span.
fn piece_taint(
    tf: &TaintFacts,
    at: At,
    locals: &[(String, Option<Taint>)],
    s: &str,
    off: usize,
    whole_command: bool,
    expand: bool,
) -> Option<(Taint, Span)> {
    let mut best: Option<(Taint, Span)> = None;
    let mut consider = |t: Taint, span: Span| {
        if best.as_ref().is_none_or(|(b, _)| t.trust > b.trust) {
            best = Some((t, span));
        }
    };
    if s.contains("${{") {
        for (inner, span) in expression_parts(s, 0..s.len()) {
            if let Some(t) = tf.expr_at(at, inner) {
                consider(t, off + span.start..off + span.end);
            }
        }
    }
    if !expand {
        return best;
    }
    if s.contains('$') {
        for v in shell::variable_refs(s) {
            let t = match locals.iter().rev().find(|(n, _)| *n == v.name) {
                Some((_, t)) => t.clone(),
                None => tf.env_var(at, &v.name, false),
            };
            if let Some(t) = t {
                consider(t, off + v.span.start..off + v.span.end);
            }
        }
    }
    let files = tf
        .jobs
        .get(at.job)
        .and_then(|j| j.steps.get(at.step?))
        .and_then(|s| s.untrusted_files.clone());
    if let Some(t) = files {
        if let Some(i) = reads_file(s, whole_command) {
            let end = s[i..].find(')').map_or(s.len(), |e| i + e + 1);
            consider(t, off + i..off + end);
        }
    }
    best
}

/// Read the writes to `$GITHUB_OUTPUT`, `$GITHUB_ENV` and `$GITHUB_PATH` of a step's script,
/// with the taint of what each writes.
fn scan_run(tf: &mut TaintFacts, text: &str, at: At, step: &Step, run: &Scalar) {
    let raw = text.get(run.content.clone()).unwrap_or("");
    if !raw.contains("GITHUB_") && !raw.contains("::set-output") {
        // Only local assignments could matter, and nothing reads them outside the script.
        return;
    }
    let lines = script_lines(text, run);
    // Which lines write where: (line index, target, redirect offset in the line or None).
    let mut writes: Vec<(usize, Target, Option<usize>)> = Vec::new();
    // Lines of quoted heredocs: no shell expansion.
    let mut literal: Vec<usize> = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i].1;
        let t = line.trim();
        if t.starts_with('#') {
            i += 1;
            continue;
        }
        if let Some((target, r)) = write_target(line) {
            // `cat <<EOF >> $GITHUB_OUTPUT`: the heredoc body is written.
            if t.starts_with("cat") && line.contains("<<") && !line.contains("<<<") {
                let after = &line[line.find("<<").unwrap() + 2..];
                // `<<'EOF'`: the body is taken literally (only `${{ }}` is replaced, by the
                // runner, before the shell runs).
                let quoted = after
                    .trim_start_matches('-')
                    .trim_start()
                    .starts_with(['\'', '"']);
                let delim: String = after
                    .trim_start_matches('-')
                    .trim_start()
                    .trim_start_matches(['\'', '"'])
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                    .collect();
                let mut k = i + 1;
                while k < lines.len() && lines[k].1.trim() != delim {
                    writes.push((k, target, None));
                    if quoted {
                        literal.push(k);
                    }
                    k += 1;
                }
                i = k + 1;
                continue;
            }
            writes.push((i, target, Some(r)));
            i += 1;
            continue;
        }
        // The old `echo "::set-output name=x::value"` workflow command.
        if line.contains("::set-output name=") {
            writes.push((i, Target::Output, None));
            i += 1;
            continue;
        }
        // `{ … } >> $GITHUB_OUTPUT`: every line of the group is written.
        if t == "{" || (t.ends_with('{') && !t.contains("${")) {
            let close = (i + 1..lines.len()).find(|&k| lines[k].1.trim_start().starts_with('}'));
            if let Some(c) = close {
                if let Some((target, _)) = write_target(lines[c].1) {
                    for k in i + 1..c {
                        writes.push((k, target, None));
                    }
                    i = c + 1;
                    continue;
                }
            }
        }
        i += 1;
    }
    // `[[ "$X" =~ ^[a-z0-9.-]+$ ]]` with an anchored pattern validates `$X`: when the check
    // fails the script exits and the steps after it do not run, so what it wrote never reaches
    // them, wherever the check stands in the script. (A script that goes on after a failed match
    // is not told apart.)
    let mut validated: Vec<String> = Vec::new();
    for (_, line) in &lines {
        if let Some(m) = line.find("=~") {
            let pattern = line[m + 2..].trim_start().trim_start_matches(['\'', '"']);
            let close = pattern.find("]]").unwrap_or(pattern.len());
            let pattern = pattern[..close].trim_end().trim_end_matches(['\'', '"']);
            if pattern.starts_with('^') && pattern.ends_with('$') {
                validated.extend(shell::variable_refs(&line[..m]).into_iter().map(|v| v.name));
            }
        }
    }
    // Local assignments (`X=…`, `export X=…`) in order, for `$X` in later lines.
    let mut locals: Vec<(usize, String, Option<Taint>)> = Vec::new();
    for (li, (off, line)) in lines.iter().enumerate() {
        let t = line.trim_start();
        let t2 = t
            .strip_prefix("export ")
            .or_else(|| t.strip_prefix("local "))
            .unwrap_or(t)
            .trim_start();
        let name: String = t2
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        if name.is_empty() || name.starts_with(|c: char| c.is_ascii_digit()) {
            continue;
        }
        let Some(value) = t2[name.len()..].strip_prefix('=') else {
            continue;
        };
        let voff = off + (line.len() - value.len());
        let prior: Vec<(String, Option<Taint>)> = locals
            .iter()
            .map(|(_, n, t)| (n.clone(), t.clone()))
            .chain(validated.iter().map(|n| (n.clone(), None)))
            .collect();
        let taint = piece_taint(tf, at, &prior, value, voff, false, true).map(|(t, span)| {
            t.through(
                span,
                format!("shell variable `{name}` is set from {}", t.source),
            )
        });
        locals.push((li, name, taint));
    }
    let locals_at = |li: usize| -> Vec<(String, Option<Taint>)> {
        locals
            .iter()
            .filter(|(l, _, _)| *l < li)
            .map(|(_, n, t)| (n.clone(), t.clone()))
            .chain(validated.iter().map(|n| (n.clone(), None)))
            .collect()
    };
    let step_id = step.id.map(|i| i.text.trim().to_string());
    let mut pending: Option<PendingHeredoc> = None;
    let mut outputs: Vec<(String, Taint)> = Vec::new();
    let mut file_writes: Vec<FileWrite> = Vec::new();
    let mut runtime_env: Vec<(String, Taint)> = Vec::new();
    for (li, target, redirect) in writes {
        let (off, line) = lines[li];
        let expand = !literal.contains(&li);
        let body = match redirect {
            Some(r) => &line[..r],
            None => line,
        };
        let trimmed_start = line.len() - line.trim_start().len();
        let line_span = off + trimmed_start..off + line.trim_end().len();
        let locals = locals_at(li);
        if let Some((ptarget, name, delim, acc, start)) = pending.take() {
            if ptarget == target {
                let bare = body
                    .trim()
                    .trim_start_matches("echo")
                    .trim()
                    .trim_matches(['"', '\'']);
                if bare == delim || body.trim() == delim {
                    if let Some((t, piece)) = acc {
                        emit(
                            target,
                            &name,
                            t,
                            piece,
                            start.start..line_span.end,
                            step_id.as_deref(),
                            &mut outputs,
                            &mut file_writes,
                            &mut runtime_env,
                        );
                    }
                    continue;
                }
                let t = piece_taint(tf, at, &locals, body, off, redirect.is_none(), expand);
                let acc = match (acc, t) {
                    (Some(a), Some(b)) => Some(if b.0.trust > a.0.trust { b } else { a }),
                    (a, b) => a.or(b),
                };
                pending = Some((ptarget, name, delim, acc, start));
                continue;
            }
            pending = Some((ptarget, name, delim, acc, start));
        }
        if let Some((name, delim)) = heredoc_name(body).filter(|_| target != Target::Path) {
            let rest = &body[body.find("<<").unwrap_or(0)..];
            let acc = piece_taint(
                tf,
                at,
                &locals,
                rest,
                off + (body.len() - rest.len()),
                false,
                expand,
            )
            .filter(|_| rest.contains('\n'));
            pending = Some((target, name, delim, acc, line_span));
            continue;
        }
        let (name, value, voff) = match name_eq(body).filter(|_| target != Target::Path) {
            Some((name, v)) => (name, &body[v..], off + v),
            None => (String::new(), body, off),
        };
        if let Some((t, piece)) = piece_taint(
            tf,
            at,
            &locals,
            value,
            voff,
            redirect.is_none() || name.is_empty(),
            expand,
        ) {
            emit(
                target,
                &name,
                t,
                piece,
                line_span,
                step_id.as_deref(),
                &mut outputs,
                &mut file_writes,
                &mut runtime_env,
            );
        }
    }
    let (j, k) = (at.job, at.step.unwrap_or(0));
    let job = &mut tf.jobs[j];
    job.steps[k].outputs = outputs;
    job.steps[k].writes = file_writes;
    job.runtime_env
        .extend(runtime_env.into_iter().map(|(n, t)| (k, n, t)));
}

#[allow(clippy::too_many_arguments)]
fn emit(
    target: Target,
    name: &str,
    t: Taint,
    piece: Span,
    span: Span,
    step_id: Option<&str>,
    outputs: &mut Vec<(String, Taint)>,
    writes: &mut Vec<FileWrite>,
    runtime_env: &mut Vec<(String, Taint)>,
) {
    match target {
        Target::Output => {
            if let Some(id) = step_id {
                let msg = format!("written to `steps.{id}.outputs.{name}`");
                outputs.push((name.to_string(), t.through(span, msg)));
            }
        }
        Target::Env | Target::Path => {
            if target == Target::Env && !name.is_empty() {
                let msg = format!("written to `$GITHUB_ENV` as `{name}`");
                runtime_env.push((name.to_string(), t.through(span.clone(), msg)));
            }
            writes.push(FileWrite {
                target,
                name: name.to_string(),
                span,
                piece,
                taint: t,
            });
        }
    }
}

/// The taint of each input of a reusable workflow, composite action or dispatch.
fn input_taints(
    wf: &Workflow,
    text: &str,
    ws: &Facts,
    path: &Path,
) -> Vec<(String, Option<Taint>)> {
    let mut out: Vec<(String, Option<Taint>)> = Vec::new();
    let free_text = |p: &crate::syntax::yaml::Pair| {
        p.value
            .as_ref()
            .and_then(|v| v.get_str("type"))
            .is_none_or(|t| t.trim() == "string")
    };
    if let Some(ev) = wf.event("workflow_dispatch") {
        for p in ev.inputs() {
            let t = free_text(p).then(|| Taint {
                trust: Trust::Unknown,
                source: format!("workflow_dispatch input `{}`", p.key),
                path: format!("github.event.inputs.{}", p.key.to_ascii_lowercase()),
                hops: vec![],
            });
            out.push((p.key.to_ascii_lowercase(), t));
        }
    }
    let (declared, what): (Vec<&crate::syntax::yaml::Pair>, &str) = match wf.kind {
        WorkflowKind::Workflow => match wf.event("workflow_call") {
            Some(ev) => (ev.inputs(), "reusable workflow"),
            None => return out,
        },
        WorkflowKind::Action => (
            wf.yaml
                .root
                .as_ref()
                .and_then(|r| r.get("inputs"))
                .and_then(YNode::as_map)
                .map(|m| m.iter().collect())
                .unwrap_or_default(),
            "action",
        ),
    };
    if declared.is_empty() {
        return out;
    }
    let callers = if text.contains("inputs.") {
        caller_taints(wf, ws, path)
    } else {
        vec![]
    };
    for p in declared {
        let name = p.key.to_ascii_lowercase();
        let t = if free_text(p) {
            match callers.iter().find(|(n, _)| *n == name) {
                Some((_, t)) => Some(t.clone()),
                None => Some(Taint {
                    trust: Trust::Unknown,
                    source: format!(
                        "input `{}` of this {what} (a caller may pass untrusted text)",
                        p.key
                    ),
                    path: String::new(),
                    hops: vec![],
                }),
            }
        } else {
            None
        };
        match out.iter_mut().find(|(n, _)| *n == name) {
            Some(slot) => slot.1 = stronger(slot.1.take(), t),
            None => out.push((name, t)),
        }
    }
    out
}

/// Inputs that a caller in the workspace fills with tainted data: (lower-case input, taint).
fn caller_taints(wf: &Workflow, ws: &Facts, path: &Path) -> Vec<(String, Taint)> {
    let mut out = Vec::new();
    if ws.local_uses.is_empty() {
        return out;
    }
    let file_name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
    let this_workflow = format!("./.github/workflows/{file_name}");
    let parent = path.parent().unwrap_or(Path::new(""));
    let is_this = |p: &str| {
        let key = local_key(p);
        match wf.kind {
            WorkflowKind::Workflow => key == this_workflow,
            WorkflowKind::Action => {
                let rel = key.trim_start_matches("./");
                !rel.is_empty() && parent.ends_with(rel)
            }
        }
    };
    // What a calling workflow's text must contain: the path it calls. A local action is looked
    // up among the targets the workspace's workflows use; none means no caller.
    let needle = match wf.kind {
        WorkflowKind::Workflow => format!("workflows/{file_name}"),
        WorkflowKind::Action => {
            let used = ws.local_uses.iter().find(|(k, t)| {
                matches!(t, LocalTarget::Action(_)) && {
                    let rel = k.trim_start_matches("./");
                    !rel.is_empty() && parent.ends_with(rel)
                }
            });
            match used {
                Some((k, _)) => k.trim_start_matches("./").to_string(),
                None => return out,
            }
        }
    };
    if file_name.is_empty() {
        return out;
    }
    for (key, target) in ws.local_uses.iter() {
        let LocalTarget::Workflow(ctext) = target else {
            continue;
        };
        if !key.starts_with("./.github/workflows/") || !ctext.contains(&needle) {
            continue;
        }
        let cname = key.trim_start_matches("./.github/workflows/");
        if wf.kind == WorkflowKind::Workflow && cname == file_name {
            continue;
        }
        // The region parser (mostly the fast block-YAML reader), not a whole tree-sitter parse.
        let doc = crate::syntax::shared_yaml_doc(crate::kind::FileKind::Workflow, ctext);
        let cwf = Workflow::from_yaml(WorkflowKind::Workflow, &doc, ctext);
        let cfacts = job_facts::build(&cwf, ctext);
        // The caller's own inputs count as unknown: callers are followed one level.
        let ctaint = build(&cwf, ctext, &cfacts, &Facts::default(), Path::new(cname));
        for (j, jf) in cfacts.jobs.iter().enumerate() {
            let Some(job) = jf.job else { continue };
            let mut calls: Vec<(Option<usize>, &[KeyValue])> = Vec::new();
            if let Some(UsesTarget::Local(p)) = job.uses.as_ref().map(|u| &u.target) {
                if is_this(p) {
                    calls.push((None, &job.with));
                }
            }
            for (k, sf) in jf.steps.iter().enumerate() {
                if let Some(UsesTarget::Local(p)) = sf.step.uses.as_ref().map(|u| &u.target) {
                    if is_this(p) {
                        calls.push((Some(k), &sf.step.with));
                    }
                }
            }
            for (step, with) in calls {
                for kv in with {
                    let Some(v) = kv.value else { continue };
                    let at = At { job: j, step };
                    if let Some((t, span)) = ctaint.scalar_taint(at, ctext, v) {
                        if t.trust != Trust::Attacker {
                            continue;
                        }
                        let line = line_of(ctext, span.start);
                        let source = format!(
                            "{} passed by job `{}` of {cname} (line {line})",
                            t.source, job.id
                        );
                        let name = kv.name.to_ascii_lowercase();
                        if !out.iter().any(|(n, _)| *n == name) {
                            out.push((
                                name,
                                Taint {
                                    trust: Trust::Attacker,
                                    source,
                                    path: String::new(),
                                    hops: vec![],
                                },
                            ));
                        }
                    }
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn action_table_parses() {
        assert!(ACTIONS.iter().any(|e| e.uses == "tj-actions/changed-files"));
        for e in ACTIONS.iter() {
            assert_eq!(e.uses, e.uses.to_ascii_lowercase(), "{}", e.uses);
            assert!(e.source.starts_with("https://"), "{}", e.uses);
            assert!(
                !e.outputs.is_empty() || !e.suffixes.is_empty(),
                "{}",
                e.uses
            );
        }
    }

    #[test]
    fn written_names() {
        assert_eq!(name_eq("echo \"title=$T\" "), Some(("title".into(), 12)));
        assert_eq!(name_eq("echo \"a == b\""), None);
        assert_eq!(
            heredoc_name("echo \"body<<EOF\" "),
            Some(("body".into(), "EOF".into()))
        );
        assert_eq!(
            name_eq("echo \"::set-output name=x::$Y\""),
            Some(("x".into(), 27))
        );
        assert!(write_target("echo \"a=b\" >> \"$GITHUB_OUTPUT\"").is_some());
        assert!(write_target("echo ${GITHUB_ENV}").is_none());
        assert_eq!(
            write_target("echo x | tee -a $GITHUB_PATH").map(|t| t.0),
            Some(Target::Path)
        );
    }

    fn taint_of(yaml: &str, job: usize, step: usize, inner: &str) -> Option<Taint> {
        let wf = Workflow::parse(WorkflowKind::Workflow, yaml);
        let facts = job_facts::build(&wf, yaml);
        let tf = build(&wf, yaml, &facts, &Facts::default(), Path::new("x.yml"));
        tf.expr(job, Some(step), inner)
    }

    #[test]
    fn flows() {
        let y = "on: pull_request_target\njobs:\n  a:\n    runs-on: x\n    outputs:\n      t: ${{ steps.s.outputs.title }}\n    steps:\n      - id: s\n        run: echo \"title=$T\" >> \"$GITHUB_OUTPUT\"\n        env:\n          T: ${{ github.event.pull_request.title }}\n      - run: echo\n  b:\n    needs: a\n    runs-on: x\n    steps:\n      - run: echo\n";
        let t = taint_of(y, 0, 1, "steps.s.outputs.title").expect("step output");
        assert_eq!(t.trust, Trust::Attacker);
        assert_eq!(t.hops.len(), 2);
        let t = taint_of(y, 1, 0, "needs.a.outputs.t").expect("job output");
        assert_eq!(t.hops.len(), 3);
        assert!(taint_of(y, 0, 1, "steps.s.outputs.other").is_none());
        let push = y.replace("pull_request_target", "push");
        assert!(taint_of(&push, 0, 1, "steps.s.outputs.title").is_none());
    }

    #[test]
    fn heredoc_outputs() {
        let y = "on: issues\njobs:\n  a:\n    runs-on: x\n    steps:\n      - id: s\n        run: |\n          {\n            echo \"body<<EOF\"\n            echo \"${{ github.event.issue.body }}\"\n            echo EOF\n          } >> \"$GITHUB_OUTPUT\"\n          echo \"sha=$(git rev-parse HEAD)\" >> $GITHUB_OUTPUT\n      - run: echo\n";
        assert!(taint_of(y, 0, 1, "steps.s.outputs.body").is_some());
        assert!(taint_of(y, 0, 1, "steps.s.outputs.sha").is_none());
    }

    #[test]
    fn reusable_inputs_from_callers() {
        let called = "on:\n  workflow_call:\n    inputs:\n      title:\n        type: string\n      channel:\n        type: string\n      dry:\n        type: boolean\njobs:\n  a:\n    runs-on: x\n    steps:\n      - run: echo ${{ inputs.title }}\n";
        let caller = "on: pull_request_target\njobs:\n  c:\n    uses: ./.github/workflows/called.yml\n    with:\n      title: ${{ github.event.pull_request.title }}\n      channel: fixed\n      dry: ${{ github.event.pull_request.title }}\n";
        let mut map = std::collections::BTreeMap::new();
        map.insert(
            "./.github/workflows/caller.yml".to_string(),
            LocalTarget::Workflow(caller.into()),
        );
        map.insert(
            "./.github/workflows/called.yml".to_string(),
            LocalTarget::Workflow(called.into()),
        );
        let ws = Facts {
            local_uses: std::sync::Arc::new(map),
            ..Facts::default()
        };
        let wf = Workflow::parse(WorkflowKind::Workflow, called);
        let facts = job_facts::build(&wf, called);
        let path = Path::new("repo/.github/workflows/called.yml");
        let tf = build(&wf, called, &facts, &ws, path);
        let t = tf
            .expr(0, Some(0), "inputs.title")
            .expect("caller passes a title");
        assert_eq!(t.trust, Trust::Attacker);
        assert!(t.source.contains("caller.yml (line 6)"), "{}", t.source);
        let t = tf.expr(0, Some(0), "inputs.channel").expect("free text");
        assert_eq!(t.trust, Trust::Unknown);
        assert!(tf.expr(0, Some(0), "inputs.dry").is_none());
        // Without callers in the workspace, a string input is unknown.
        let tf = build(&wf, called, &facts, &Facts::default(), path);
        assert_eq!(
            tf.expr(0, Some(0), "inputs.title").map(|t| t.trust),
            Some(Trust::Unknown)
        );
    }
}
