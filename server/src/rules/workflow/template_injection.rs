//! `template-injection`: attacker-controlled text expanded with `${{ }}` into a `run:` script or
//! the `script:` of actions/github-script.

use crate::engine::Ctx;
use crate::finding::{Edit, Finding, Fix, Severity};
use crate::fix::step_map::{add_step_entries, yaml_value};
use crate::model::contexts::context_refs;
use crate::model::job_facts::WorkflowFacts;
use crate::model::taint::{Taint, TaintFacts, Trust};
use crate::model::workflow::{expression_parts, Expression, Job, Step, Workflow};
use crate::syntax::yaml::{Scalar, ScalarStyle};

const ID: &str = "template-injection";

/// Where an expression is expanded into code.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Sink {
    Shell,
    GithubScript,
}

pub fn check(
    ctx: &Ctx,
    wf: &Workflow,
    facts: &WorkflowFacts,
    taint: &TaintFacts,
    out: &mut Vec<Finding>,
) {
    let text = ctx.doc.text;
    for (j, jf) in facts.jobs.iter().enumerate() {
        for (k, sf) in jf.steps.iter().enumerate() {
            let step = sf.step;
            for (sink, scalar) in sinks(step) {
                for (inner, span) in expression_parts(text, scalar.content.clone()) {
                    let Some(t) = taint.expr(j, Some(k), inner) else {
                        continue;
                    };
                    let severity = match t.trust {
                        Trust::Attacker => Severity::High,
                        Trust::Unknown => Severity::Medium,
                    };
                    let e = Expression {
                        inner: inner.to_string(),
                        span,
                    };
                    let place = match sink {
                        Sink::Shell => "a run: script",
                        Sink::GithubScript => "the script of actions/github-script",
                    };
                    let message = if !t.is_flow()
                        && t.trust == Trust::Attacker
                        && !t.path.is_empty()
                        && t.source.starts_with("attacker-controlled")
                    {
                        format!("attacker-controlled `{}` is expanded into {place}", t.path)
                    } else if !t.is_flow() && t.trust == Trust::Unknown {
                        format!("{} is expanded into {place}", t.source)
                    } else {
                        format!(
                            "`{inner}` carries {} and is expanded into {place}",
                            sourced(text, &t)
                        )
                    };
                    let mut f = Finding::new(ID, e.span.clone(), message).severity(severity);
                    for hop in &t.hops {
                        f = f.related(hop.span.clone(), hop.message.clone());
                    }
                    if t.is_flow() {
                        f = f.flow();
                    }
                    let path = fix_path(inner, &t);
                    // A list of file names is meant to be split into words: `$VAR` unquoted still
                    // runs nothing the names contain, where `"$VAR"` would make one word.
                    let split = t.source.contains("file names");
                    if let Some(fix) = env_fix(text, wf, jf.job, step, &e, &path, split) {
                        f = f.fix(fix);
                    }
                    out.push(f);
                }
            }
        }
    }
}

/// The source with the line of its first hop (`… (line 9)`), unless it names a line already.
pub(super) fn sourced(text: &str, t: &Taint) -> String {
    match t.hops.first() {
        Some(h) if !t.source.ends_with(')') => {
            let line = text.as_bytes()[..h.span.start]
                .iter()
                .filter(|b| **b == b'\n')
                .count()
                + 1;
            format!("{} (line {line})", t.source)
        }
        _ => t.source.clone(),
    }
}

/// The path that names the variable of the fix: the expression's own path when it is one
/// (`steps.meta.outputs.title`), else the source's.
fn fix_path(inner: &str, t: &Taint) -> String {
    let refs = context_refs(inner);
    match refs.as_slice() {
        [one] if one.range == (0..inner.len()) => one.path.clone(),
        _ if !t.path.is_empty() => t.path.clone(),
        _ => refs.first().map(|r| r.path.clone()).unwrap_or_default(),
    }
}

/// The scalars of a step whose text is executed.
fn sinks<'a>(step: &'a Step) -> Vec<(Sink, &'a Scalar)> {
    let mut v = Vec::new();
    if let Some(run) = step.run {
        v.push((Sink::Shell, run));
    }
    if step.action().is_some_and(|a| a == "actions/github-script") {
        if let Some(script) = step.with_value("script") {
            v.push((Sink::GithubScript, script));
        }
    }
    v
}

/// An environment variable name derived from the context path (`github.event.issue.title` →
/// `ISSUE_TITLE`).
fn env_name_for(path: &str) -> String {
    let short = ["steps.", "needs.", "matrix.", "env."]
        .iter()
        .any(|p| path.starts_with(p));
    let base = match path {
        _ if short => path
            .rsplit('.')
            .find(|s| *s != "*")
            .unwrap_or("VALUE")
            .to_ascii_uppercase()
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
            .collect(),
        "github" => "CONTEXT_JSON".to_string(),
        "github.event" => "EVENT_JSON".to_string(),
        "github.head_ref" => "HEAD_REF".to_string(),
        _ => {
            let rest = path
                .strip_prefix("github.event.")
                .or_else(|| path.strip_prefix("github."))
                .unwrap_or(path);
            let rest = rest
                .strip_prefix("inputs.")
                .map_or_else(|| rest.to_string(), |name| format!("input.{name}"));
            rest.split('.')
                .filter(|s| *s != "*")
                .map(|s| if s == "pull_request" { "pr" } else { s })
                .collect::<Vec<_>>()
                .join("_")
                .to_ascii_uppercase()
                .chars()
                .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
                .collect()
        }
    };
    let base = if crate::model::contexts::is_event_object(path) && !base.ends_with("_JSON") {
        format!("{base}_JSON")
    } else {
        base
    };
    let reserved = base.starts_with("GITHUB_") || base.starts_with("RUNNER_") || base.is_empty();
    let digit = base.starts_with(|c: char| c.is_ascii_digit());
    if reserved || digit {
        format!("UNTRUSTED_{base}")
    } else {
        base
    }
}

/// Whether `word` occurs in `text` as a whole identifier.
fn occurs_as_word(text: &str, word: &str) -> bool {
    let is_word = |c: char| c.is_ascii_alphanumeric() || c == '_';
    text.match_indices(word).any(|(i, _)| {
        let before = text[..i].chars().next_back();
        let after = text[i + word.len()..].chars().next();
        !before.is_some_and(is_word) && !after.is_some_and(is_word)
    })
}

/// The variable to use: an existing step env entry holding exactly this expression, else a
/// fresh name that nothing the step sees already uses (workflow, job and step `env:`, and the
/// step's own script, which may read variables set through `$GITHUB_ENV`).
/// `(name, needs_adding)`.
fn choose_var(
    text: &str,
    wf: &Workflow,
    job: Option<&Job>,
    step: &Step,
    e: &Expression,
    path: &str,
) -> (String, bool) {
    // `${{ env.NAME }}`: the variable is already in the step's environment.
    if let Some(name) = e.inner.strip_prefix("env.") {
        if !name.is_empty() && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
            return (name.to_string(), false);
        }
    }
    for kv in &step.env {
        if let Some(v) = &kv.value {
            let exprs = v.expressions(text);
            if exprs.len() == 1
                && exprs[0].inner == e.inner
                && v.text.trim() == text[exprs[0].span.clone()].trim()
            {
                return (kv.name.clone(), false);
            }
        }
    }
    let taken = |name: &str| {
        let in_env = |kvs: &[crate::model::workflow::KeyValue]| {
            kvs.iter().any(|kv| kv.name.eq_ignore_ascii_case(name))
        };
        in_env(&wf.env)
            || job.is_some_and(|j| in_env(&j.env))
            || in_env(&step.env)
            || occurs_as_word(&text[step.span.clone()], name)
    };
    let base = env_name_for(path);
    let mut name = base.clone();
    let mut n = 2;
    while taken(&name) {
        name = format!("{base}_{n}");
        n += 1;
    }
    (name, true)
}

/// The shell a `run:` step uses, when the fix knows how to quote for it (bash/sh).
fn posix_shell(wf: &Workflow, job: Option<&Job>, step: &Step) -> bool {
    let default_shell = |node: Option<&crate::syntax::yaml::YNode>| {
        node.and_then(|n| n.get("defaults"))
            .and_then(|d| d.get("run"))
            .and_then(|r| r.get_str("shell"))
            .map(str::to_string)
    };
    let shell = step
        .shell
        .as_ref()
        .map(|s| s.text.clone())
        .or_else(|| default_shell(job.and_then(|j| j.node)))
        .or_else(|| default_shell(wf.yaml.root.as_ref()));
    match shell {
        Some(s) => {
            let s = s.trim();
            s == "bash" || s == "sh" || s.starts_with("bash ") || s.starts_with("sh ")
        }
        // Without a shell, Windows runners use PowerShell.
        None => job.is_some_and(|j| {
            j.runs_on.as_ref().is_some_and(|r| {
                r.all_scalars().iter().all(|s| {
                    let t = s.text.to_ascii_lowercase();
                    !t.contains("windows") && !t.contains("${{")
                }) && r.as_scalar().is_none_or(|s| !s.text.contains("${{"))
            })
        }),
    }
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Quote {
    None,
    Single,
    Double,
    Template,
}

/// Shell quoting in force at the end of `script` (other expressions already blanked).
/// `None` when a heredoc makes it unclear.
fn shell_state(script: &str) -> Option<Quote> {
    let b = script.as_bytes();
    let mut q = Quote::None;
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        match q {
            Quote::None => match c {
                b'\\' => i += 1,
                b'\'' => q = Quote::Single,
                b'"' => q = Quote::Double,
                // `<<<` is a here-string; `<<` starts a heredoc, whose quoting differs.
                b'<' if b[i..].starts_with(b"<<<") => i += 2,
                b'<' if b.get(i + 1) == Some(&b'<') => return None,
                b'#' if i == 0 || b[i - 1].is_ascii_whitespace() => {
                    while i < b.len() && b[i] != b'\n' {
                        i += 1;
                    }
                }
                _ => {}
            },
            Quote::Single => {
                if c == b'\'' {
                    q = Quote::None;
                }
            }
            Quote::Double => match c {
                b'\\' => i += 1,
                b'"' => q = Quote::None,
                _ => {}
            },
            Quote::Template => {}
        }
        i += 1;
    }
    Some(q)
}

/// JavaScript string state at the end of `script`; `None` inside a comment.
fn js_state(script: &str) -> Option<Quote> {
    let b = script.as_bytes();
    let mut q = Quote::None;
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        match q {
            Quote::None => match c {
                b'\'' => q = Quote::Single,
                b'"' => q = Quote::Double,
                b'`' => q = Quote::Template,
                b'/' if b.get(i + 1) == Some(&b'/') => {
                    while i < b.len() && b[i] != b'\n' {
                        i += 1;
                    }
                    if i >= b.len() {
                        return None;
                    }
                }
                b'/' if b.get(i + 1) == Some(&b'*') => match script[i + 2..].find("*/") {
                    Some(end) => i += end + 3,
                    None => return None,
                },
                _ => {}
            },
            Quote::Single | Quote::Double | Quote::Template => {
                let close = match q {
                    Quote::Single => b'\'',
                    Quote::Double => b'"',
                    _ => b'`',
                };
                if c == b'\\' {
                    i += 1;
                } else if c == close {
                    q = Quote::None;
                }
            }
        }
        i += 1;
    }
    Some(q)
}

/// Escape replacement text for the YAML style of the scalar it goes into.
fn escape_for(style: ScalarStyle, s: &str) -> String {
    match style {
        ScalarStyle::DoubleQuoted => s.replace('\\', "\\\\").replace('"', "\\\""),
        ScalarStyle::SingleQuoted => s.replace('\'', "''"),
        _ => s.to_string(),
    }
}

/// Replacement edits for every occurrence of the expression in one sink scalar.
fn sink_edits(
    text: &str,
    sink: Sink,
    scalar: &Scalar,
    inner: &str,
    var: &str,
    split: bool,
) -> Option<Vec<Edit>> {
    let flow = matches!(
        scalar.style,
        ScalarStyle::DoubleQuoted | ScalarStyle::SingleQuoted
    );
    if flow && !scalar.is_verbatim(text) {
        return None;
    }
    let exprs = scalar.expressions(text);
    // The raw script with every expression blanked, so their quotes do not count.
    let mut raw: Vec<u8> = text[scalar.content.clone()].as_bytes().to_vec();
    for e in &exprs {
        for b in &mut raw[e.span.start - scalar.content.start..e.span.end - scalar.content.start] {
            *b = b' ';
        }
    }
    let raw = String::from_utf8(raw).ok()?;
    let mut edits = Vec::new();
    for e in exprs.iter().filter(|e| e.inner == inner) {
        if scalar.style == ScalarStyle::Plain && e.span.start == scalar.span.start {
            return None;
        }
        let before = &raw[..e.span.start - scalar.content.start];
        let (span, new) = match sink {
            Sink::Shell => {
                let quoted = format!("\"${{{var}}}\"");
                match shell_state(before)? {
                    Quote::None if split => (e.span.clone(), format!("${{{var}}}")),
                    Quote::None => (e.span.clone(), quoted),
                    Quote::Double => (e.span.clone(), format!("${{{var}}}")),
                    // `'${{ x }}'` becomes `"${X}"`; inside longer single-quoted text, close
                    // and reopen the quotes around the variable.
                    Quote::Single
                        if text[..e.span.start].ends_with('\'')
                            && text[e.span.end..].starts_with('\'')
                            && !flow =>
                    {
                        (e.span.start - 1..e.span.end + 1, quoted)
                    }
                    Quote::Single => (e.span.clone(), format!("'{quoted}'")),
                    Quote::Template => return None,
                }
            }
            Sink::GithubScript => {
                let js = format!("process.env.{var}");
                match js_state(before)? {
                    Quote::None => (e.span.clone(), js),
                    Quote::Template => (e.span.clone(), format!("${{{js}}}")),
                    q => {
                        let quote = if q == Quote::Single { '\'' } else { '"' };
                        // Close the string around the variable; drop empty `'' +` ends.
                        let opens = text[..e.span.start].ends_with(quote);
                        let closes = text[e.span.end..].starts_with(quote);
                        let start = if opens {
                            e.span.start - 1
                        } else {
                            e.span.start
                        };
                        let end = if closes { e.span.end + 1 } else { e.span.end };
                        let head = if opens {
                            String::new()
                        } else {
                            format!("{quote} + ")
                        };
                        let tail = if closes {
                            String::new()
                        } else {
                            format!(" + {quote}")
                        };
                        (start..end, format!("{head}{js}{tail}"))
                    }
                }
            }
        };
        edits.push(Edit::replace(span, escape_for(scalar.style, &new)));
    }
    Some(edits)
}

/// Move the expression into the step's `env:` and reference the variable instead.
fn env_fix(
    text: &str,
    wf: &Workflow,
    job: Option<&Job>,
    step: &Step,
    e: &Expression,
    path: &str,
    split: bool,
) -> Option<Fix> {
    let (var, needs_adding) = choose_var(text, wf, job, step, e, path);
    let mut edits = Vec::new();
    for (sink, scalar) in sinks(step) {
        if sink == Sink::Shell && !posix_shell(wf, job, step) {
            if scalar.expressions(text).iter().any(|x| x.inner == e.inner) {
                return None;
            }
            continue;
        }
        edits.extend(sink_edits(text, sink, scalar, &e.inner, &var, split)?);
    }
    if needs_adding {
        let value = yaml_value(&text[e.span.clone()]);
        edits.push(add_step_entries(
            text,
            wf,
            step,
            "env",
            &[(var.clone(), value)],
        )?);
    }
    Some(Fix {
        title: format!("Pass `{}` through env variable {var}", e.inner),
        edits,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn env_names() {
        assert_eq!(env_name_for("github.event.issue.title"), "ISSUE_TITLE");
        assert_eq!(
            env_name_for("github.event.pull_request.head.ref"),
            "PR_HEAD_REF"
        );
        assert_eq!(
            env_name_for("github.event.commits.*.message"),
            "COMMITS_MESSAGE"
        );
        assert_eq!(env_name_for("inputs.release-tag"), "INPUT_RELEASE_TAG");
        assert_eq!(env_name_for("github.event.inputs.tag"), "INPUT_TAG");
        assert_eq!(env_name_for("github.head_ref"), "HEAD_REF");
        assert_eq!(env_name_for("github.event.issue"), "ISSUE_JSON");
    }

    #[test]
    fn quote_states() {
        assert_eq!(shell_state("echo \"a "), Some(Quote::Double));
        assert_eq!(shell_state("echo 'a "), Some(Quote::Single));
        assert_eq!(shell_state("echo 'a' \"b\" "), Some(Quote::None));
        assert_eq!(shell_state("echo \"it's "), Some(Quote::Double));
        assert_eq!(shell_state("# it's\necho "), Some(Quote::None));
        assert_eq!(shell_state("cat <<EOF\n"), None);
        assert_eq!(shell_state("grep x <<< "), Some(Quote::None));
        assert_eq!(shell_state("grep x <<< "), Some(Quote::None));
        assert_eq!(js_state("const a = `x "), Some(Quote::Template));
        assert_eq!(js_state("const a = 'x"), Some(Quote::Single));
        assert_eq!(js_state("// '\nconst a = "), Some(Quote::None));
    }
}
