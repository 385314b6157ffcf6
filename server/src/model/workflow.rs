//! A typed view of a GitHub Actions workflow or an `action.yml`, with the byte span of every key
//! and value. Built once per analysis from the YAML tree; rules read it instead of the tree.
//! The model borrows its YAML nodes from the converted document (`'d`) instead of copying them.
//!
//! Everything is optional: a half-typed file yields whatever could be read.

use crate::finding::Span;
use crate::memo::Memo;
use crate::syntax::shell::{self, Script};
use crate::syntax::yaml::{Pair, Scalar, YKind, YNode, YamlDoc};
use std::sync::{Arc, LazyLock};

/// Workflow file or action metadata file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WorkflowKind {
    Workflow,
    Action,
}

#[derive(Clone, Debug)]
pub struct Workflow<'d> {
    pub kind: WorkflowKind,
    /// The converted YAML (root value and anchors) for anything the model does not cover.
    pub yaml: &'d YamlDoc,
    pub name: Option<Scalar>,
    pub on: Option<Triggers<'d>>,
    pub permissions: Option<Permissions>,
    pub env: Vec<KeyValue<'d>>,
    /// The `jobs:` key.
    pub jobs_key: Option<Span>,
    pub jobs: Vec<Job<'d>>,
    /// `runs:` of an action.yml.
    pub runs: Option<Runs<'d>>,
    /// Indentation unit of the file in spaces (2 when it cannot be told).
    pub indent_unit: usize,
    /// `"\r\n"` when the file uses CRLF line ends, else `"\n"`.
    pub line_ending: &'static str,
}

/// A `key: value` whose value is read as a scalar when it is one (env vars, `with:` inputs).
#[derive(Clone, Debug)]
pub struct KeyValue<'d> {
    pub name: String,
    pub name_span: Span,
    /// The whole pair.
    pub span: Span,
    pub value: Option<&'d Scalar>,
    /// The raw value node (a mapping, a sequence, …) when it is not a scalar.
    pub node: Option<&'d YNode>,
}

/// The `on:` block.
#[derive(Clone, Debug)]
pub struct Triggers<'d> {
    pub key_span: Span,
    /// The whole `on:` pair: key to the end of its value.
    pub span: Span,
    pub events: Vec<Event<'d>>,
}

/// One event that starts the workflow, with its configuration (filters, inputs, types).
#[derive(Clone, Debug)]
pub struct Event<'d> {
    pub name: String,
    pub span: Span,
    /// `push: {branches: …, tags: …}`, `workflow_dispatch: {inputs: …}`; `None` when bare.
    pub config: Option<&'d YNode>,
}

impl<'d> Event<'d> {
    /// Values of a filter (`branches`, `tags`, `paths`, `types`, …), as scalars.
    pub fn filter(&self, key: &str) -> Vec<&'d Scalar> {
        self.config
            .and_then(|c| c.get(key))
            .map(YNode::scalars)
            .unwrap_or_default()
    }

    /// Whether the filter key is present at all (`tags:` even when empty).
    pub fn has_filter(&self, key: &str) -> bool {
        self.config.and_then(|c| c.pair(key)).is_some()
    }

    /// `inputs:` of `workflow_dispatch` / `workflow_call` (names with spans).
    pub fn inputs(&self) -> Vec<&'d Pair> {
        self.config
            .and_then(|c| c.get("inputs"))
            .and_then(YNode::as_map)
            .map(|m| m.iter().collect())
            .unwrap_or_default()
    }
}

/// Access level of one token scope.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    None,
    Read,
    Write,
}

impl Level {
    pub fn parse(s: &str) -> Option<Level> {
        match s.trim() {
            "none" => Some(Level::None),
            "read" => Some(Level::Read),
            "write" => Some(Level::Write),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Level::None => "none",
            Level::Read => "read",
            Level::Write => "write",
        }
    }
}

/// A `permissions:` block (workflow or job level).
#[derive(Clone, Debug)]
pub struct Permissions {
    pub key_span: Span,
    /// The whole pair.
    pub span: Span,
    /// The value node's span (`None` for `permissions:` with nothing after it).
    pub value_span: Option<Span>,
    pub value: PermissionsValue,
}

#[derive(Clone, Debug)]
pub enum PermissionsValue {
    ReadAll,
    WriteAll,
    /// A map of scope → level (`{}` is an empty map: no access at all).
    Scopes(Vec<PermissionScope>),
    /// Nothing after `permissions:`.
    Missing,
    /// Anything else (an expression, a typo); its text.
    Other(String),
}

#[derive(Clone, Debug)]
pub struct PermissionScope {
    pub scope: String,
    pub scope_span: Span,
    /// `None` when the level is not `read`/`write`/`none`.
    pub level: Option<Level>,
    pub level_text: String,
    pub level_span: Option<Span>,
    /// The whole `scope: level` pair.
    pub span: Span,
}

impl Permissions {
    /// The level this block grants a scope. `id-token` (and other write-only scopes) get nothing
    /// from `read-all`.
    pub fn level(&self, scope: &str) -> Level {
        match &self.value {
            PermissionsValue::WriteAll => Level::Write,
            PermissionsValue::ReadAll if scope == "id-token" => Level::None,
            PermissionsValue::ReadAll => Level::Read,
            PermissionsValue::Scopes(scopes) => scopes
                .iter()
                .find(|s| s.scope == scope)
                .and_then(|s| s.level)
                .unwrap_or(Level::None),
            PermissionsValue::Missing | PermissionsValue::Other(_) => Level::None,
        }
    }

    /// Scopes granted `write` (all of them for `write-all`, reported as `["write-all"]`).
    pub fn write_scopes(&self) -> Vec<&PermissionScope> {
        match &self.value {
            PermissionsValue::Scopes(s) => {
                s.iter().filter(|s| s.level == Some(Level::Write)).collect()
            }
            _ => vec![],
        }
    }
}

/// The permissions a job's token really has.
#[derive(Clone, Copy, Debug)]
pub enum EffectivePermissions<'a> {
    /// The job's own block.
    Job(&'a Permissions),
    /// The workflow's block (the job has none).
    Workflow(&'a Permissions),
    /// Neither: the repository's default token permissions (possibly read/write on everything).
    DefaultToken,
}

impl EffectivePermissions<'_> {
    /// Level of a scope; `None` when it depends on repository settings (default token), except
    /// `id-token`, which the default token never has.
    pub fn level(&self, scope: &str) -> Option<Level> {
        match self {
            EffectivePermissions::Job(p) | EffectivePermissions::Workflow(p) => {
                Some(p.level(scope))
            }
            EffectivePermissions::DefaultToken if scope == "id-token" => Some(Level::None),
            EffectivePermissions::DefaultToken => None,
        }
    }

    pub fn has_write(&self, scope: &str) -> bool {
        self.level(scope) == Some(Level::Write)
    }

    pub fn block(&self) -> Option<&Permissions> {
        match self {
            EffectivePermissions::Job(p) | EffectivePermissions::Workflow(p) => Some(p),
            EffectivePermissions::DefaultToken => None,
        }
    }
}

#[derive(Clone, Debug)]
pub struct Job<'d> {
    pub id: String,
    pub id_span: Span,
    /// The whole `id: {…}` pair.
    pub span: Span,
    /// The job's mapping (for anything the model does not cover: `strategy`, `outputs`, …).
    pub node: Option<&'d YNode>,
    /// Column (in bytes) of the job's keys, for inserting new keys.
    pub body_indent: Option<usize>,
    pub name: Option<Scalar>,
    pub if_cond: Option<Scalar>,
    pub runs_on: Option<&'d YNode>,
    pub needs: Vec<Scalar>,
    /// A reusable-workflow call (`uses:` at job level).
    pub uses: Option<Uses>,
    pub with: Vec<KeyValue<'d>>,
    pub secrets: Option<JobSecrets<'d>>,
    pub container: Option<Image>,
    pub services: Vec<Service>,
    pub environment: Option<&'d YNode>,
    pub permissions: Option<Permissions>,
    pub env: Vec<KeyValue<'d>>,
    pub steps_key: Option<Span>,
    pub steps: Vec<Step<'d>>,
}

impl Job<'_> {
    /// The job's own permissions, else the workflow's, else the default token.
    pub fn effective_permissions<'a>(&'a self, wf: &'a Workflow) -> EffectivePermissions<'a> {
        match (&self.permissions, &wf.permissions) {
            (Some(p), _) => EffectivePermissions::Job(p),
            (None, Some(p)) => EffectivePermissions::Workflow(p),
            (None, None) => EffectivePermissions::DefaultToken,
        }
    }

    /// `environment: prod` or `environment: {name: prod}`.
    pub fn environment_name(&self) -> Option<&Scalar> {
        let env = self.environment?;
        env.as_scalar().or_else(|| env.get("name")?.as_scalar())
    }

    /// `name:` if present, else the id.
    pub fn display_name(&self) -> &str {
        self.name
            .as_ref()
            .map(|n| n.text.as_str())
            .unwrap_or(&self.id)
    }
}

/// `secrets:` of a reusable-workflow call.
#[derive(Clone, Debug)]
pub enum JobSecrets<'d> {
    Inherit(Span),
    Map(Vec<KeyValue<'d>>),
    Other(Span),
}

/// A container image reference (`container:`, `services.*.image`, `runs.image`).
#[derive(Clone, Debug)]
pub struct Image {
    pub value: Scalar,
}

#[derive(Clone, Debug)]
pub struct Service {
    pub name: String,
    pub name_span: Span,
    pub image: Option<Image>,
}

#[derive(Clone, Debug)]
pub struct Step<'d> {
    /// Position in its `steps:` list.
    pub index: usize,
    pub span: Span,
    pub node: &'d YNode,
    /// Column (in bytes) of the step's keys.
    pub body_indent: Option<usize>,
    pub id: Option<&'d Scalar>,
    pub name: Option<&'d Scalar>,
    pub uses: Option<Uses>,
    pub with: Vec<KeyValue<'d>>,
    /// The `with:` key, when present.
    pub with_key: Option<Span>,
    pub env: Vec<KeyValue<'d>>,
    pub run: Option<&'d Scalar>,
    /// The `run:` script split into commands, read from the document text at `run.content`
    /// (command spans are relative to `run.content.start`). Parsed once for every reader.
    pub script: Option<Arc<Script>>,
    pub if_cond: Option<&'d Scalar>,
    pub shell: Option<&'d Scalar>,
    pub working_directory: Option<&'d Scalar>,
}

impl Step<'_> {
    pub fn with_value(&self, key: &str) -> Option<&Scalar> {
        self.with.iter().find(|kv| kv.name == key)?.value
    }

    pub fn env_value(&self, key: &str) -> Option<&Scalar> {
        self.env.iter().find(|kv| kv.name == key)?.value
    }

    /// A short label for messages: `name`, else `uses`, else the first line of `run`.
    pub fn label(&self) -> String {
        if let Some(n) = &self.name {
            return n.text.clone();
        }
        if let Some(u) = &self.uses {
            return u.raw.text.clone();
        }
        if let Some(r) = &self.run {
            let first = r
                .text
                .lines()
                .find(|l| !l.trim().is_empty())
                .unwrap_or("")
                .trim();
            return first.chars().take(60).collect();
        }
        format!("step {}", self.index + 1)
    }

    /// `owner/repo[/path]` of the action in lower case, when the step uses a repository action.
    pub fn action(&self) -> Option<String> {
        match &self.uses.as_ref()?.target {
            UsesTarget::Repo(r) => Some(r.action_lower()),
            _ => None,
        }
    }
}

/// `runs:` of an action.yml.
#[derive(Clone, Debug)]
pub struct Runs<'d> {
    pub key_span: Span,
    pub using: Option<Scalar>,
    /// Composite actions.
    pub steps: Vec<Step<'d>>,
    /// Docker actions (`image: Dockerfile` or `docker://…`).
    pub image: Option<Image>,
}

/// A parsed `uses:` value.
#[derive(Clone, Debug)]
pub struct Uses {
    pub raw: Scalar,
    pub target: UsesTarget,
    /// A comment after the value on the same line (`# v4.2.2`).
    pub comment: Option<TrailingComment>,
}

#[derive(Clone, Debug)]
pub struct TrailingComment {
    /// Text after `#`, trimmed.
    pub text: String,
    /// From `#` to the end of the line (line break excluded).
    pub span: Span,
}

#[derive(Clone, Debug)]
pub enum UsesTarget {
    Repo(RepoRef),
    /// `./path/to/action` (or a `.github/workflows/x.yml` reusable workflow in this repo).
    Local(String),
    /// `docker://image[:tag][@digest]`.
    Docker(DockerRef),
}

#[derive(Clone, Debug)]
pub struct RepoRef {
    pub owner: String,
    pub repo: String,
    /// Path inside the repository (`github/codeql-action/upload-sarif` → `upload-sarif`).
    pub path: Option<String>,
    /// Text after `@` (`None` when there is no `@`).
    pub git_ref: Option<String>,
    /// Span of the ref in the document (exactly the text after `@`), when it can be located.
    pub ref_span: Option<Span>,
    /// Span of `owner/repo[/path]` in the document, when it can be located.
    pub action_span: Option<Span>,
}

impl RepoRef {
    /// `owner/repo`.
    pub fn slug(&self) -> String {
        format!("{}/{}", self.owner, self.repo)
    }

    /// `owner/repo[/path]` in lower case (for table lookups).
    pub fn action_lower(&self) -> String {
        let mut s = self.slug();
        if let Some(p) = &self.path {
            s.push('/');
            s.push_str(p);
        }
        s.to_ascii_lowercase()
    }

    /// `owner/repo[/path]` as written.
    pub fn action(&self) -> String {
        let mut s = self.slug();
        if let Some(p) = &self.path {
            s.push('/');
            s.push_str(p);
        }
        s
    }

    /// The ref is a full 40-hex commit SHA.
    pub fn is_sha_pinned(&self) -> bool {
        self.git_ref.as_deref().is_some_and(is_full_sha)
    }
}

#[derive(Clone, Debug)]
pub struct DockerRef {
    pub image: String,
    pub span: Option<Span>,
    pub digest: Option<String>,
}

pub fn is_full_sha(s: &str) -> bool {
    s.len() == 40 && s.bytes().all(|b| b.is_ascii_hexdigit())
}

/// One `${{ … }}` occurrence.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Expression {
    /// The text between `${{` and `}}`, trimmed.
    pub inner: String,
    /// The whole `${{ … }}` in the document.
    pub span: Span,
}

/// Every `${{ … }}` in the document between the bounds of `span` (for a scalar, pass its
/// `content` span: offsets are document offsets even for block scalars).
pub fn expressions_in(doc: &str, span: Span) -> Vec<Expression> {
    expression_parts(doc, span)
        .map(|(inner, span)| Expression {
            inner: inner.to_string(),
            span,
        })
        .collect()
}

/// As [`expressions_in`], without allocating: the trimmed text inside each `${{ … }}` and the
/// document span of the whole `${{ … }}`.
pub fn expression_parts(doc: &str, span: Span) -> impl Iterator<Item = (&str, Span)> {
    let text = doc.get(span.clone()).unwrap_or("");
    let mut pos = 0;
    std::iter::from_fn(move || {
        let open = pos + text[pos..].find("${{")?;
        let close = open + 3 + text[open + 3..].find("}}")? + 2;
        pos = close;
        Some((
            text[open + 3..close - 2].trim(),
            span.start + open..span.start + close,
        ))
    })
}

/// Every `${{ … }}` in the values of a YAML document (keys excluded; an alias is read where its
/// anchor is), in document order: the trimmed text inside the braces and the document span of
/// the whole `${{ … }}`.
pub fn document_expressions<'t>(doc: &YamlDoc, text: &'t str) -> Vec<(&'t str, Span)> {
    let Some(root) = doc.root.as_ref() else {
        return vec![];
    };
    root.all_scalars()
        .into_iter()
        .filter(|s| s.text.contains("${{"))
        .flat_map(|s| expression_parts(text, s.content.clone()))
        .collect()
}

impl Scalar {
    /// Every `${{ … }}` in this scalar, with document spans.
    pub fn expressions(&self, doc: &str) -> Vec<Expression> {
        expressions_in(doc, self.content.clone())
    }
}

impl<'d> Workflow<'d> {
    /// Parse and build (tests). The converted document is leaked so the model can borrow it.
    #[cfg(test)]
    pub fn parse(kind: WorkflowKind, text: &str) -> Workflow<'static> {
        let doc: &'static YamlDoc = Box::leak(Box::new(crate::syntax::yaml::parse_doc(text)));
        Workflow::from_yaml(kind, doc, text)
    }

    /// Build the model from a converted YAML document; the model borrows its nodes.
    pub fn from_yaml(kind: WorkflowKind, doc: &'d YamlDoc, text: &str) -> Workflow<'d> {
        let b = Builder { text, doc };
        let root = doc.root.as_ref();
        let pair = |k: &str| root.and_then(|r| r.pair(k));
        let on = pair("on").map(|p| b.triggers(p));
        let permissions = pair("permissions").map(|p| b.permissions(p));
        let env = pair("env")
            .map(|p| b.key_values(p.value.as_ref()))
            .unwrap_or_default();
        let jobs_pair = pair("jobs");
        let jobs = jobs_pair
            .and_then(|p| p.value.as_ref())
            .and_then(|v| doc.resolve(v).as_map())
            .map(|m| m.iter().map(|p| b.job(p)).collect())
            .unwrap_or_default();
        let runs = pair("runs").map(|p| b.runs(p));
        let name = root
            .and_then(|r| r.get("name"))
            .and_then(YNode::as_scalar)
            .cloned();
        Workflow {
            kind,
            name,
            on,
            permissions,
            env,
            jobs_key: jobs_pair.map(|p| p.key_span.clone()),
            jobs,
            runs,
            indent_unit: indent_unit(text),
            line_ending: if text.contains("\r\n") { "\r\n" } else { "\n" },
            yaml: doc,
        }
    }

    /// Names of the events that can start this workflow (empty for actions).
    pub fn events(&self) -> Vec<&str> {
        self.on
            .as_ref()
            .map(|o| o.events.iter().map(|e| e.name.as_str()).collect())
            .unwrap_or_default()
    }

    pub fn event(&self, name: &str) -> Option<&Event<'d>> {
        self.on.as_ref()?.events.iter().find(|e| e.name == name)
    }

    pub fn has_event(&self, name: &str) -> bool {
        self.event(name).is_some()
    }

    /// Every `uses:`: reusable-workflow calls of jobs, then the steps' (jobs', then a composite
    /// action's).
    pub fn all_uses(&self) -> impl Iterator<Item = &Uses> {
        let job_uses = self.jobs.iter().filter_map(|j| j.uses.as_ref());
        let step_uses = self.all_steps().filter_map(|(_, s)| s.uses.as_ref());
        job_uses.chain(step_uses)
    }

    /// Every step: those of each job, then a composite action's steps (with `None` as the job).
    pub fn all_steps(&self) -> impl Iterator<Item = (Option<&Job<'d>>, &Step<'d>)> {
        let job_steps = self
            .jobs
            .iter()
            .flat_map(|j| j.steps.iter().map(move |s| (Some(j), s)));
        let action_steps = self
            .runs
            .iter()
            .flat_map(|r| r.steps.iter().map(|s| (None, s)));
        job_steps.chain(action_steps)
    }

    /// Byte offset just after the line that ends the `on:` block (where a new top-level key
    /// can be inserted), or `None` without an `on:` block.
    pub fn after_on_block(&self, text: &str) -> Option<usize> {
        let on = self.on.as_ref()?;
        Some(end_of_line(
            text,
            on.span.end.saturating_sub(1).max(on.span.start),
        ))
    }
}

/// Offset just after the line break of the line holding `offset` (or the end of the text).
/// Works on bytes: `offset` may fall inside a multi-byte character.
pub fn end_of_line(text: &str, offset: usize) -> usize {
    let offset = offset.min(text.len());
    match text.as_bytes()[offset..].iter().position(|b| *b == b'\n') {
        Some(i) => offset + i + 1,
        None => text.len(),
    }
}

/// Column in bytes of `offset` on its line.
pub fn column_of(text: &str, offset: usize) -> usize {
    let offset = offset.min(text.len());
    offset
        - text.as_bytes()[..offset]
            .iter()
            .rposition(|b| *b == b'\n')
            .map(|i| i + 1)
            .unwrap_or(0)
}

/// The smallest positive step between the indentation of a mapping key line and a deeper key
/// line right after it; 2 when the file gives no evidence.
pub fn indent_unit(text: &str) -> usize {
    let mut best: Option<usize> = None;
    let mut prev: Option<(usize, bool)> = None;
    for (_, line) in crate::text::lines_at(text) {
        let trimmed = line.trim_start_matches(' ');
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        let indent = line.len() - trimmed.len();
        let opens_block = trimmed.trim_end().ends_with(':') && !trimmed.starts_with('-');
        if let Some((prev_indent, prev_opens)) = prev {
            if prev_opens && indent > prev_indent && !trimmed.starts_with('-') {
                let step = indent - prev_indent;
                best = Some(best.map_or(step, |b| b.min(step)));
            }
        }
        prev = Some((indent, opens_block));
    }
    best.filter(|b| (1..=8).contains(b)).unwrap_or(2)
}

struct Builder<'d, 't> {
    text: &'t str,
    doc: &'d YamlDoc,
}

impl<'d> Builder<'d, '_> {
    fn resolve(&self, n: &'d YNode) -> &'d YNode {
        self.doc.resolve(n)
    }

    /// The scalar a node holds (after an alias), borrowed from the document.
    fn scalar_ref(&self, n: Option<&'d YNode>) -> Option<&'d Scalar> {
        n.map(|n| self.resolve(n)).and_then(YNode::as_scalar)
    }

    fn scalar(&self, n: Option<&YNode>) -> Option<Scalar> {
        n.map(|n| self.resolve(n))
            .and_then(YNode::as_scalar)
            .cloned()
    }

    fn get(&self, map: &'d YNode, key: &str) -> Option<&'d YNode> {
        if let Some(v) = map.get(key) {
            return Some(self.resolve(v));
        }
        // `<<: *anchor` merge keys.
        let merged = map.get("<<")?;
        self.resolve(merged).get(key).map(|v| self.resolve(v))
    }

    fn pair(&self, map: &'d YNode, key: &str) -> Option<&'d Pair> {
        map.pair(key)
            .or_else(|| self.resolve(map.get("<<")?).pair(key))
    }

    fn key_values(&self, n: Option<&'d YNode>) -> Vec<KeyValue<'d>> {
        let Some(n) = n.map(|n| self.resolve(n)) else {
            return vec![];
        };
        let Some(map) = n.as_map() else { return vec![] };
        let mut out = Vec::new();
        for p in map {
            if p.key == "<<" {
                out.extend(self.key_values(p.value.as_ref()));
                continue;
            }
            let value = p.value.as_ref().map(|v| self.resolve(v));
            out.push(KeyValue {
                name: p.key.clone(),
                name_span: p.key_span.clone(),
                span: p.span.clone(),
                value: value.and_then(YNode::as_scalar),
                node: value,
            });
        }
        out
    }

    fn triggers(&self, p: &'d Pair) -> Triggers<'d> {
        let mut events = Vec::new();
        if let Some(v) = p.value.as_ref().map(|v| self.resolve(v)) {
            match &v.kind {
                YKind::Scalar(s) => events.push(Event {
                    name: s.text.clone(),
                    span: s.span.clone(),
                    config: None,
                }),
                YKind::Seq(items) => {
                    for s in items.iter().filter_map(YNode::as_scalar) {
                        events.push(Event {
                            name: s.text.clone(),
                            span: s.span.clone(),
                            config: None,
                        });
                    }
                }
                YKind::Map(pairs) => {
                    for e in pairs {
                        let config = e.value.as_ref().map(|v| self.resolve(v));
                        let config = config.filter(|c| !matches!(&c.kind, YKind::Scalar(s) if s.text.is_empty() || s.text == "null" || s.text == "~"));
                        events.push(Event {
                            name: e.key.clone(),
                            span: e.key_span.clone(),
                            config,
                        });
                    }
                }
                YKind::Alias(_) | YKind::Invalid => {}
            }
        }
        Triggers {
            key_span: p.key_span.clone(),
            span: p.span.clone(),
            events,
        }
    }

    fn permissions(&self, p: &Pair) -> Permissions {
        let value_node = p.value.as_ref().map(|v| self.resolve(v));
        let value = match value_node.map(|v| &v.kind) {
            None => PermissionsValue::Missing,
            Some(YKind::Scalar(s)) => match s.text.trim() {
                "read-all" => PermissionsValue::ReadAll,
                "write-all" => PermissionsValue::WriteAll,
                "" => PermissionsValue::Missing,
                other => PermissionsValue::Other(other.to_string()),
            },
            Some(YKind::Map(pairs)) => PermissionsValue::Scopes(
                pairs
                    .iter()
                    .map(|sp| {
                        let level = sp.value.as_ref().and_then(|v| v.as_scalar());
                        PermissionScope {
                            scope: sp.key.clone(),
                            scope_span: sp.key_span.clone(),
                            level: level.and_then(|l| Level::parse(&l.text)),
                            level_text: level.map(|l| l.text.clone()).unwrap_or_default(),
                            level_span: level.map(|l| l.span.clone()),
                            span: sp.span.clone(),
                        }
                    })
                    .collect(),
            ),
            Some(_) => PermissionsValue::Other(self.text[p.span.clone()].to_string()),
        };
        Permissions {
            key_span: p.key_span.clone(),
            span: p.span.clone(),
            value_span: p.value.as_ref().map(|v| v.span.clone()),
            value,
        }
    }

    fn image(&self, n: Option<&YNode>) -> Option<Image> {
        self.scalar(n)
            .filter(|s| !s.text.trim().is_empty())
            .map(|value| Image { value })
    }

    fn job(&self, p: &'d Pair) -> Job<'d> {
        let node = p.value.as_ref().map(|v| self.resolve(v));
        let mut job = Job {
            id: p.key.clone(),
            id_span: p.key_span.clone(),
            span: p.span.clone(),
            node: None,
            body_indent: None,
            name: None,
            if_cond: None,
            runs_on: None,
            needs: vec![],
            uses: None,
            with: vec![],
            secrets: None,
            container: None,
            services: vec![],
            environment: None,
            permissions: None,
            env: vec![],
            steps_key: None,
            steps: vec![],
        };
        let Some(n) = node else { return job };
        if n.as_map().is_none() {
            job.node = Some(n);
            return job;
        }
        job.body_indent = n
            .as_map()
            .and_then(|m| m.first())
            .map(|f| column_of(self.text, f.key_span.start));
        job.name = self.scalar(self.get(n, "name"));
        job.if_cond = self.scalar(self.get(n, "if"));
        job.runs_on = self.get(n, "runs-on");
        job.needs = self
            .get(n, "needs")
            .map(|v| v.scalars().into_iter().cloned().collect())
            .unwrap_or_default();
        job.uses = self.scalar(self.get(n, "uses")).map(|s| self.uses(s));
        job.with = self.key_values(self.get(n, "with"));
        job.secrets = self.get(n, "secrets").map(|v| match &v.kind {
            YKind::Scalar(s) if s.text.trim() == "inherit" => JobSecrets::Inherit(s.span.clone()),
            YKind::Map(_) => JobSecrets::Map(self.key_values(Some(v))),
            _ => JobSecrets::Other(v.span.clone()),
        });
        job.container = self.get(n, "container").and_then(|c| match &c.kind {
            YKind::Scalar(_) => self.image(Some(c)),
            _ => self.image(self.get(c, "image")),
        });
        if let Some(services) = self.get(n, "services").and_then(|s| s.as_map()) {
            for s in services {
                let image = s
                    .value
                    .as_ref()
                    .map(|v| self.resolve(v))
                    .and_then(|v| self.image(self.get(v, "image")));
                job.services.push(Service {
                    name: s.key.clone(),
                    name_span: s.key_span.clone(),
                    image,
                });
            }
        }
        job.environment = self.get(n, "environment");
        job.permissions = self.pair(n, "permissions").map(|p| self.permissions(p));
        job.env = self.key_values(self.get(n, "env"));
        if let Some(sp) = self.pair(n, "steps") {
            job.steps_key = Some(sp.key_span.clone());
            job.steps = self.steps(sp.value.as_ref());
        }
        job.node = Some(n);
        job
    }

    fn steps(&self, v: Option<&'d YNode>) -> Vec<Step<'d>> {
        let Some(seq) = v.map(|v| self.resolve(v)).and_then(YNode::as_seq) else {
            return vec![];
        };
        seq.iter()
            .enumerate()
            .map(|(i, s)| self.step(i, self.resolve(s)))
            .collect()
    }

    fn step(&self, index: usize, n: &'d YNode) -> Step<'d> {
        let with_pair = self.pair(n, "with");
        let run = self.scalar_ref(self.get(n, "run"));
        let script = run
            .as_ref()
            .and_then(|r| self.text.get(r.content.clone()))
            .map(|script| {
                static PARSED: LazyLock<Memo<Script>> = LazyLock::new(|| Memo::new(4096));
                PARSED.get(script, shell::parse)
            });
        Step {
            index,
            span: n.span.clone(),
            node: n,
            body_indent: n
                .as_map()
                .and_then(|m| m.first())
                .map(|f| column_of(self.text, f.key_span.start)),
            id: self.scalar_ref(self.get(n, "id")),
            name: self.scalar_ref(self.get(n, "name")),
            uses: self.scalar(self.get(n, "uses")).map(|s| self.uses(s)),
            with: self.key_values(with_pair.and_then(|p| p.value.as_ref())),
            with_key: with_pair.map(|p| p.key_span.clone()),
            env: self.key_values(self.get(n, "env")),
            run,
            script,
            if_cond: self.scalar_ref(self.get(n, "if")),
            shell: self.scalar_ref(self.get(n, "shell")),
            working_directory: self.scalar_ref(self.get(n, "working-directory")),
        }
    }

    fn runs(&self, p: &'d Pair) -> Runs<'d> {
        let v = p.value.as_ref().map(|v| self.resolve(v));
        Runs {
            key_span: p.key_span.clone(),
            using: v.and_then(|v| self.scalar(self.get(v, "using"))),
            steps: v
                .map(|v| self.steps(self.get(v, "steps")))
                .unwrap_or_default(),
            image: v.and_then(|v| self.image(self.get(v, "image"))),
        }
    }

    /// Locate `sub` (a substring of the scalar's text at `offset`) in the document.
    fn locate(&self, s: &Scalar, offset: usize, len: usize) -> Option<Span> {
        if s.is_verbatim(self.text) {
            let start = s.content.start + offset;
            return Some(start..start + len);
        }
        // Escapes or folding: find the same text inside the raw content, if it is unique.
        let needle = s.text.get(offset..offset + len)?;
        let raw = self.text.get(s.content.clone())?;
        let first = raw.find(needle)?;
        if raw[first + 1..].contains(needle) {
            return None;
        }
        Some(s.content.start + first..s.content.start + first + len)
    }

    fn uses(&self, raw: Scalar) -> Uses {
        let comment = trailing_comment(self.text, raw.span.end);
        let t = raw.text.trim();
        let lead = raw.text.len() - raw.text.trim_start().len();
        let target = if t.starts_with("./") || t.starts_with(".\\") || t == "." {
            UsesTarget::Local(t.to_string())
        } else if let Some(image) = t.strip_prefix("docker://") {
            let digest = image
                .split_once("@sha256:")
                .map(|(_, d)| format!("sha256:{d}"));
            UsesTarget::Docker(DockerRef {
                image: image.to_string(),
                span: self.locate(&raw, lead + "docker://".len(), image.len()),
                digest,
            })
        } else {
            let (action, git_ref) = match t.rsplit_once('@') {
                Some((a, r)) => (a, Some(r)),
                None => (t, None),
            };
            let mut parts = action.splitn(3, '/');
            let owner = parts.next().unwrap_or("").to_string();
            let repo = parts.next().unwrap_or("").to_string();
            let path = parts.next().filter(|p| !p.is_empty()).map(str::to_string);
            let ref_span =
                git_ref.and_then(|r| self.locate(&raw, lead + action.len() + 1, r.len()));
            UsesTarget::Repo(RepoRef {
                owner,
                repo,
                path,
                git_ref: git_ref.map(str::to_string),
                ref_span,
                action_span: self.locate(&raw, lead, action.len()),
            })
        };
        Uses {
            raw,
            target,
            comment,
        }
    }
}

/// A `# comment` after `offset` on the same line.
pub fn trailing_comment(text: &str, offset: usize) -> Option<TrailingComment> {
    let rest = text.get(offset..)?;
    let line_end = rest.find('\n').unwrap_or(rest.len());
    let line = rest[..line_end].trim_end_matches('\r');
    let trimmed = line.trim_start_matches([' ', '\t']);
    if !trimmed.starts_with('#') {
        return None;
    }
    let start = offset + (line.len() - trimmed.len());
    let end = offset + line.len();
    Some(TrailingComment {
        text: trimmed[1..].trim().to_string(),
        span: start..end,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn wf(t: &str) -> Workflow<'static> {
        Workflow::parse(WorkflowKind::Workflow, t)
    }

    fn repo(u: &Uses) -> &RepoRef {
        match &u.target {
            UsesTarget::Repo(r) => r,
            other => panic!("not a repo ref: {other:?}"),
        }
    }

    const FULL: &str = r#"name: Release
on:
  push:
    branches: [main]
    tags:
      - 'v*'
  pull_request:
  workflow_dispatch:
    inputs:
      # to do
permissions:
  contents: read
env:
  GLOBAL: "1"
jobs:
  build:
    name: Build it
    runs-on: ubuntu-latest
    if: github.event_name == 'push'
    needs: [lint]
    permissions: write-all
    container:
      image: node:20
    services:
      db:
        image: postgres:16@sha256:abc
    environment: {name: prod, url: x}
    env:
      JOB: ${{ secrets.TOKEN }}
    steps:
      - uses: actions/checkout@v4 # v4.2.2
      - name: Upload
        id: up
        uses: "github/codeql-action/upload-sarif@3b1d2c0aee2ec8fb4d4fb5bc2ab4a8d0a2f8e9c1"   #   v3.1.0  keep
        with:
          sarif_file: out.sarif
      - uses: ./local/action
      - uses: docker://alpine:3.19
      - run: |
          echo "${{ github.event.pull_request.title }}"
        shell: bash
        env:
          STEP: x
  call:
    uses: org/repo/.github/workflows/reuse.yml@main
    with:
      a: 1
    secrets: inherit
  lint:
    runs-on: ubuntu-latest
    container: alpine
    steps: []
"#;

    #[test]
    fn reads_every_part() {
        let w = wf(FULL);
        assert_eq!(w.name.as_ref().unwrap().text, "Release");
        assert_eq!(w.events(), ["push", "pull_request", "workflow_dispatch"]);
        let push = w.event("push").unwrap();
        assert_eq!(push.filter("tags")[0].text, "v*");
        assert_eq!(push.filter("branches")[0].text, "main");
        assert!(w.event("workflow_dispatch").unwrap().inputs().is_empty());
        assert!(w.event("pull_request").unwrap().config.is_none());
        let on = w.on.as_ref().unwrap();
        assert_eq!(&FULL[on.key_span.clone()], "on");
        let after = w.after_on_block(FULL).unwrap();
        assert!(FULL[after..].starts_with("permissions:"));
        assert_eq!(
            w.permissions.as_ref().unwrap().level("contents"),
            Level::Read
        );
        assert_eq!(w.env[0].name, "GLOBAL");
        assert_eq!(w.env[0].value.as_ref().unwrap().text, "1");
        assert_eq!(w.indent_unit, 2);
        assert_eq!(w.jobs.len(), 3);

        let b = &w.jobs[0];
        assert_eq!(b.id, "build");
        assert_eq!(b.display_name(), "Build it");
        assert_eq!(b.body_indent, Some(4));
        assert_eq!(b.needs[0].text, "lint");
        assert_eq!(
            b.if_cond.as_ref().unwrap().text,
            "github.event_name == 'push'"
        );
        assert!(matches!(
            b.permissions.as_ref().unwrap().value,
            PermissionsValue::WriteAll
        ));
        assert!(b.effective_permissions(&w).has_write("id-token"));
        assert_eq!(b.container.as_ref().unwrap().value.text, "node:20");
        assert_eq!(b.services[0].name, "db");
        assert_eq!(
            b.services[0].image.as_ref().unwrap().value.text,
            "postgres:16@sha256:abc"
        );
        assert_eq!(b.environment_name().unwrap().text, "prod");
        let exprs = b.env[0].value.as_ref().unwrap().expressions(FULL);
        assert_eq!(exprs[0].inner, "secrets.TOKEN");
        assert_eq!(&FULL[exprs[0].span.clone()], "${{ secrets.TOKEN }}");

        let s = &b.steps;
        assert_eq!(s.len(), 5);
        let co = s[0].uses.as_ref().unwrap();
        let r = repo(co);
        assert_eq!(
            (r.owner.as_str(), r.repo.as_str(), r.git_ref.as_deref()),
            ("actions", "checkout", Some("v4"))
        );
        assert_eq!(&FULL[r.ref_span.clone().unwrap()], "v4");
        assert_eq!(co.comment.as_ref().unwrap().text, "v4.2.2");
        assert_eq!(&FULL[co.comment.as_ref().unwrap().span.clone()], "# v4.2.2");
        assert!(!r.is_sha_pinned());

        let up = s[1].uses.as_ref().unwrap();
        let r = repo(up);
        assert_eq!(r.path.as_deref(), Some("upload-sarif"));
        assert_eq!(r.action_lower(), "github/codeql-action/upload-sarif");
        assert!(r.is_sha_pinned());
        assert_eq!(
            &FULL[r.ref_span.clone().unwrap()],
            "3b1d2c0aee2ec8fb4d4fb5bc2ab4a8d0a2f8e9c1"
        );
        assert_eq!(up.comment.as_ref().unwrap().text, "v3.1.0  keep");
        assert_eq!(s[1].id.as_ref().unwrap().text, "up");
        assert_eq!(s[1].with_value("sarif_file").unwrap().text, "out.sarif");
        assert_eq!(s[1].label(), "Upload");

        assert!(
            matches!(&s[2].uses.as_ref().unwrap().target, UsesTarget::Local(p) if p == "./local/action")
        );
        match &s[3].uses.as_ref().unwrap().target {
            UsesTarget::Docker(d) => {
                assert_eq!(d.image, "alpine:3.19");
                assert!(d.digest.is_none());
                assert_eq!(&FULL[d.span.clone().unwrap()], "alpine:3.19");
            }
            other => panic!("{other:?}"),
        }
        let run = s[4].run.as_ref().unwrap();
        let e = run.expressions(FULL);
        assert_eq!(e[0].inner, "github.event.pull_request.title");
        assert_eq!(
            &FULL[e[0].span.clone()],
            "${{ github.event.pull_request.title }}"
        );
        assert_eq!(s[4].shell.as_ref().unwrap().text, "bash");
        assert_eq!(s[4].env_value("STEP").unwrap().text, "x");

        let call = &w.jobs[1];
        let u = repo(call.uses.as_ref().unwrap());
        assert_eq!(u.path.as_deref(), Some(".github/workflows/reuse.yml"));
        assert_eq!(u.git_ref.as_deref(), Some("main"));
        assert!(matches!(call.secrets, Some(JobSecrets::Inherit(_))));
        assert_eq!(call.with[0].name, "a");
        assert!(matches!(
            call.effective_permissions(&w),
            EffectivePermissions::Workflow(_)
        ));

        let lint = &w.jobs[2];
        assert_eq!(lint.container.as_ref().unwrap().value.text, "alpine");
        assert!(lint.steps.is_empty());
        assert_eq!(w.all_steps().count(), 5);
    }

    #[test]
    fn trigger_forms() {
        assert_eq!(wf("on: push\n").events(), ["push"]);
        assert_eq!(
            wf("on: [push, 'pull_request_target']\n").events(),
            ["push", "pull_request_target"]
        );
        assert_eq!(
            wf("\"on\":\n  release:\n    types: [published]\n").events(),
            ["release"]
        );
        let w = wf("on:\n  release:\n    types: [published]\n");
        assert_eq!(
            w.event("release").unwrap().filter("types")[0].text,
            "published"
        );
        assert!(wf("name: x\n").events().is_empty());
    }

    #[test]
    fn permission_forms_and_effective_permissions() {
        let w = wf("on: push\npermissions: read-all\njobs:\n  a:\n    permissions: {}\n  b:\n    steps: []\n  c:\n    permissions:\n      id-token: write\n      contents: read\n");
        assert!(matches!(
            w.permissions.as_ref().unwrap().value,
            PermissionsValue::ReadAll
        ));
        let a = w.jobs[0].effective_permissions(&w);
        assert!(matches!(a, EffectivePermissions::Job(_)));
        assert_eq!(a.level("contents"), Some(Level::None));
        let b = w.jobs[1].effective_permissions(&w);
        assert_eq!(b.level("contents"), Some(Level::Read));
        assert_eq!(b.level("id-token"), Some(Level::None));
        let c = &w.jobs[2];
        assert!(c.effective_permissions(&w).has_write("id-token"));
        assert_eq!(
            c.permissions.as_ref().unwrap().write_scopes()[0].scope,
            "id-token"
        );
        let none = wf("on: push\njobs:\n  a:\n    steps: []\n");
        let e = none.jobs[0].effective_permissions(&none);
        assert!(matches!(e, EffectivePermissions::DefaultToken));
        assert_eq!(e.level("contents"), None);
        assert_eq!(e.level("id-token"), Some(Level::None));
        let missing = wf("permissions:\njobs: {}\n");
        assert!(matches!(
            missing.permissions.unwrap().value,
            PermissionsValue::Missing
        ));
    }

    #[test]
    fn composite_and_docker_actions() {
        let t = "name: a\nruns:\n  using: composite\n  steps:\n    - uses: actions/setup-node@v4\n    - run: echo hi\n      shell: bash\n";
        let w = Workflow::parse(WorkflowKind::Action, t);
        let runs = w.runs.as_ref().unwrap();
        assert_eq!(runs.using.as_ref().unwrap().text, "composite");
        assert_eq!(runs.steps.len(), 2);
        assert_eq!(w.all_steps().count(), 2);
        assert!(w.all_steps().all(|(job, _)| job.is_none()));
        let d = Workflow::parse(
            WorkflowKind::Action,
            "runs:\n  using: docker\n  image: docker://ghcr.io/x/y:1\n",
        );
        assert_eq!(
            d.runs.unwrap().image.unwrap().value.text,
            "docker://ghcr.io/x/y:1"
        );
    }

    #[test]
    fn non_ascii_before_uses_keeps_exact_ref_span() {
        let t = "on: push\n# Überprüfung ✓ 日本語\njobs:\n  a:\n    name: \"Prüfen ✓\"\n    runs-on: ubuntu-latest\n    steps:\n      - name: Ünïcödé 🚀\n        uses: actions/checkout@v4\n";
        let w = wf(t);
        let r = repo(w.jobs[0].steps[0].uses.as_ref().unwrap());
        assert_eq!(&t[r.ref_span.clone().unwrap()], "v4");
        assert_eq!(&t[r.action_span.clone().unwrap()], "actions/checkout");
    }

    #[test]
    fn crlf_flow_mappings_anchors_and_indent_unit() {
        let t = "on:\r\n    push:\r\n        branches: [main]\r\njobs:\r\n    a:\r\n        steps:\r\n            - {uses: 'actions/checkout@v4', with: {fetch-depth: 0}}\r\n            - &s\r\n              uses: actions/cache@v4 # pinned later\r\n    b:\r\n        steps:\r\n            - *s\r\n";
        let w = wf(t);
        assert_eq!(w.line_ending, "\r\n");
        assert_eq!(w.indent_unit, 4);
        let a = &w.jobs[0];
        let r = repo(a.steps[0].uses.as_ref().unwrap());
        assert_eq!(&t[r.ref_span.clone().unwrap()], "v4");
        assert_eq!(a.steps[0].with_value("fetch-depth").unwrap().text, "0");
        let c = a.steps[1].uses.as_ref().unwrap();
        assert_eq!(c.comment.as_ref().unwrap().text, "pinned later");
        assert!(!t[c.comment.as_ref().unwrap().span.clone()].contains('\r'));
        // The alias resolves to the anchored step.
        assert_eq!(
            w.jobs[1].steps[0].uses.as_ref().unwrap().raw.text,
            "actions/cache@v4"
        );
        let after = w.after_on_block(t).unwrap();
        assert!(t[after..].starts_with("jobs:"));
    }

    #[test]
    fn merge_keys_and_half_typed_jobs() {
        let t = "on: push\njobs:\n  a: &a\n    runs-on: x\n    env: &e\n      A: 1\n  b:\n    <<: *a\n    env:\n      <<: *e\n      B: 2\n  c:\n  d:\n    steps:\n      - uses\n      - uses: a/b\n";
        let w = wf(t);
        assert_eq!(w.jobs[1].runs_on.as_ref().unwrap().as_str(), Some("x"));
        let names: Vec<_> = w.jobs[1].env.iter().map(|e| e.name.as_str()).collect();
        assert_eq!(names, ["A", "B"]);
        assert!(w.jobs[2].node.is_none());
        let d = &w.jobs[3];
        assert!(d.steps[0].uses.is_none());
        let r = repo(d.steps[1].uses.as_ref().unwrap());
        assert!(r.git_ref.is_none() && r.ref_span.is_none());
    }

    #[test]
    fn expressions_in_spans() {
        let t = "x ${{ a }} y ${{b}} ${{ unterminated";
        let e = expressions_in(t, 0..t.len());
        assert_eq!(e.len(), 2);
        assert_eq!(e[1].inner, "b");
        assert_eq!(&t[e[0].span.clone()], "${{ a }}");
    }
}
