//! `overpermissioned-workflow-token`: no `permissions:` (default token), `write-all`, or write
//! scopes at workflow level shared by several jobs. The fix writes least-privilege blocks.

use super::token_needs::{job_needs, JobNeeds, Needs};
use crate::engine::Ctx;
use crate::finding::{Edit, Finding, Fix, Span};
use crate::model::workflow::{
    column_of, end_of_line, trailing_comment, Job, Level, PermissionScope, Permissions,
    PermissionsValue, Workflow, WorkflowKind,
};
use crate::workspace::Facts;
use std::collections::BTreeMap;

const ID: &str = "overpermissioned-workflow-token";

pub fn check(ctx: &Ctx, wf: &Workflow, out: &mut Vec<Finding>) {
    if wf.kind != WorkflowKind::Workflow || wf.jobs.is_empty() {
        return;
    }
    let text = ctx.doc.text;
    let bare_jobs: Vec<&Job> = wf.jobs.iter().filter(|j| j.permissions.is_none()).collect();
    let mut findings = Vec::new();

    match wf.permissions.as_ref().map(|p| &p.value) {
        None if !bare_jobs.is_empty() => {
            let span = wf
                .on
                .as_ref()
                .map(|o| o.key_span.clone())
                .or_else(|| wf.jobs_key.clone())
                .unwrap_or_else(|| bare_jobs[0].id_span.clone());
            let names: Vec<String> = bare_jobs.iter().map(|j| format!("`{}`", j.id)).collect();
            let mut f = Finding::new(
                ID,
                span,
                format!(
                    "no `permissions:` block: {} {} with the repository's default token permissions",
                    plural(names.len(), "job", "jobs"),
                    names.join(", ") + if names.len() == 1 { " runs" } else { " run" }
                ),
            );
            for j in &bare_jobs {
                f = f.related(
                    j.id_span.clone(),
                    format!("job `{}` has no `permissions:` block", j.id),
                );
            }
            findings.push(f);
        }
        Some(PermissionsValue::WriteAll) => {
            let p = wf.permissions.as_ref().expect("matched Some");
            findings.push(Finding::new(
                ID,
                value_span(p),
                "`permissions: write-all` gives every job's token write access to everything",
            ));
        }
        Some(PermissionsValue::Scopes(_)) if wf.jobs.len() > 1 && !bare_jobs.is_empty() => {
            let p = wf.permissions.as_ref().expect("matched Some");
            let needs: Vec<(&Job, JobNeeds)> = bare_jobs
                .iter()
                .map(|j| (*j, job_needs(wf, j, ctx.facts)))
                .collect();
            for scope in p.write_scopes() {
                // Jobs that inherit the write access without needing it, and jobs whose needs
                // cannot be told (they inherit it too; the message must not claim they do not
                // need it).
                let needless: Vec<&Job> = needs
                    .iter()
                    .filter(|(_, n)| match n {
                        JobNeeds::Known(n) | JobNeeds::Unknown { partial: n, .. } => {
                            n.get(&scope.scope).is_none_or(|(l, _)| *l < Level::Write)
                        }
                    })
                    .map(|(j, _)| *j)
                    .collect();
                if needless.is_empty() {
                    continue;
                }
                let inheriting = || {
                    needs
                        .iter()
                        .filter(|(j, _)| needless.iter().any(|n| n.id == j.id))
                };
                let known_names: Vec<String> = inheriting()
                    .filter(|(_, n)| matches!(n, JobNeeds::Known(_)))
                    .map(|(j, _)| format!("`{}`", j.id))
                    .collect();
                let unknown_names: Vec<String> = inheriting()
                    .filter(|(_, n)| matches!(n, JobNeeds::Unknown { .. }))
                    .map(|(j, _)| format!("`{}`", j.id))
                    .collect();
                let mut parts = Vec::new();
                if !known_names.is_empty() {
                    parts.push(format!(
                        "{} {}, which {} not need it",
                        plural(known_names.len(), "job", "jobs"),
                        known_names.join(", "),
                        plural(known_names.len(), "does", "do")
                    ));
                }
                if !unknown_names.is_empty() {
                    let why = inheriting()
                        .find_map(|(_, n)| match n {
                            JobNeeds::Unknown { reason, .. } => Some(reason.clone()),
                            JobNeeds::Known(_) => None,
                        })
                        .unwrap_or_default();
                    parts.push(format!(
                        "{}{} {}, whose needs cannot be told ({why})",
                        if known_names.is_empty() {
                            ""
                        } else {
                            ", and by "
                        },
                        plural(unknown_names.len(), "job", "jobs"),
                        unknown_names.join(", "),
                    ));
                }
                let mut f = Finding::new(
                    ID,
                    scope.span.clone(),
                    format!(
                        "`{}: write` at workflow level is inherited by {}",
                        scope.scope,
                        parts.concat()
                    ),
                );
                for j in &needless {
                    f = f.related(
                        j.id_span.clone(),
                        format!("job `{}` inherits `{}: write`", j.id, scope.scope),
                    );
                }
                findings.push(f);
            }
        }
        _ => {}
    }
    for job in &wf.jobs {
        if let Some(p) = job
            .permissions
            .as_ref()
            .filter(|p| matches!(p.value, PermissionsValue::WriteAll))
        {
            findings.push(Finding::new(
                ID,
                value_span(p),
                format!("job `{}` has `permissions: write-all`", job.id),
            ));
        }
    }
    if findings.is_empty() {
        return;
    }
    let fix = least_privilege_fix(text, wf, ctx.facts);
    for mut f in findings {
        match &fix {
            Ok(fix) => f = f.fix(fix.clone()),
            Err(why) => f = f.note(format!("No automatic fix: {why}.")),
        }
        out.push(f);
    }
}

fn plural(n: usize, one: &'static str, many: &'static str) -> &'static str {
    if n == 1 {
        one
    } else {
        many
    }
}

fn value_span(p: &Permissions) -> Span {
    p.value_span.clone().unwrap_or_else(|| p.key_span.clone())
}

/// A scope line of a generated block: `scope: level  # why`.
fn scope_lines(scopes: &BTreeMap<String, (Level, Option<String>)>) -> Vec<String> {
    scopes
        .iter()
        .map(|(scope, (level, why))| match why {
            Some(why) => format!("{scope}: {}  # {}", level.as_str(), one_line(why)),
            None => format!("{scope}: {}", level.as_str()),
        })
        .collect()
}

fn one_line(s: &str) -> String {
    let s: String = s
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    let s = s.trim();
    if s.chars().count() > 60 {
        format!("{}…", s.chars().take(59).collect::<String>())
    } else {
        s.to_string()
    }
}

/// The whole least-privilege rewrite, or why it cannot be made safely.
fn least_privilege_fix(text: &str, wf: &Workflow, facts: &Facts) -> Result<Fix, String> {
    let unit = " ".repeat(wf.indent_unit);
    let nl = wf.line_ending;
    let mut edits: Vec<Edit> = Vec::new();

    // 1. The workflow-level block, and what jobs without their own block will inherit.
    let multi = wf.jobs.len() > 1;
    let (top_changed, inherited): (bool, BTreeMap<String, Level>) = match &wf.permissions {
        None => {
            edits.push(insert_top_block(text, wf, &unit, nl)?);
            (
                true,
                BTreeMap::from([("contents".to_string(), Level::Read)]),
            )
        }
        Some(p) => match &p.value {
            PermissionsValue::WriteAll => {
                let lines = vec!["contents: read".to_string()];
                edits.push(replace_with_block(text, p, &lines, &unit, nl));
                (
                    true,
                    BTreeMap::from([("contents".to_string(), Level::Read)]),
                )
            }
            PermissionsValue::Scopes(scopes)
                if multi
                    && !p.write_scopes().is_empty()
                    && wf.jobs.iter().any(|j| j.permissions.is_none()) =>
            {
                let kept = drop_write_scopes(text, p, scopes, &mut edits)?;
                (true, kept)
            }
            PermissionsValue::Scopes(scopes) => {
                let current = scopes
                    .iter()
                    .filter_map(|s| Some((s.scope.clone(), s.level?)))
                    .collect();
                (false, current)
            }
            _ => (false, BTreeMap::new()),
        },
    };

    // 2. Jobs: those with `write-all`, and (when the top block changed) those that inherit it.
    for job in &wf.jobs {
        let write_all = job
            .permissions
            .as_ref()
            .filter(|p| matches!(p.value, PermissionsValue::WriteAll));
        let inherits = job.permissions.is_none() && top_changed;
        if write_all.is_none() && !inherits {
            continue;
        }
        let needs = match job_needs(wf, job, facts) {
            JobNeeds::Known(n) => n,
            JobNeeds::Unknown { reason, .. } => return Err(reason),
        };
        if let Some(p) = write_all {
            let mut block = block_for(&needs, &BTreeMap::new());
            if block.is_empty() {
                block.insert("contents".to_string(), (Level::Read, None));
            }
            edits.push(replace_with_block(text, p, &scope_lines(&block), &unit, nl));
            continue;
        }
        let exceeds = needs.iter().any(|(scope, (level, _))| {
            inherited.get(scope).copied().unwrap_or(Level::None) < *level
        });
        if exceeds {
            let block = block_for(&needs, &inherited);
            edits.push(insert_job_block(
                text,
                job,
                &scope_lines(&block),
                &unit,
                nl,
            )?);
        }
    }
    Ok(Fix {
        title: "Set least-privilege token permissions".to_string(),
        edits,
    })
}

/// A job block: what the job needs, plus the inherited read scopes it would otherwise lose.
fn block_for(
    needs: &Needs,
    inherited: &BTreeMap<String, Level>,
) -> BTreeMap<String, (Level, Option<String>)> {
    let mut block: BTreeMap<String, (Level, Option<String>)> = BTreeMap::new();
    for (scope, level) in inherited {
        if *level > Level::None {
            block.insert(scope.clone(), (*level, None));
        }
    }
    for (scope, (level, why)) in needs {
        let current = block.get(scope).map(|(l, _)| *l).unwrap_or(Level::None);
        if *level > current {
            // Read access to the code is the baseline: no comment needed.
            let why = (!(scope == "contents" && *level == Level::Read)).then(|| why.clone());
            block.insert(scope.clone(), (*level, why));
        }
    }
    block
}

/// Insert `permissions: contents: read` after the `on:` block (or before `jobs:`).
fn insert_top_block(text: &str, wf: &Workflow, unit: &str, nl: &str) -> Result<Edit, String> {
    let (at, col) = match &wf.on {
        Some(on) => {
            let mut at = wf
                .after_on_block(text)
                .ok_or("the `on:` block cannot be located")?;
            let col = column_of(text, on.key_span.start);
            // Comments indented under the `on:` block belong to it.
            while at < text.len() {
                let line_end = end_of_line(text, at);
                let line = &text[at..line_end];
                let trimmed = line.trim_start_matches([' ', '\t']);
                let indent = line.len() - trimmed.len();
                if trimmed.starts_with('#') && indent > col {
                    at = line_end;
                } else {
                    break;
                }
            }
            (at, col)
        }
        None => {
            let jobs = wf
                .jobs_key
                .clone()
                .ok_or("the workflow has neither `on:` nor `jobs:`")?;
            let col = column_of(text, jobs.start);
            (jobs.start - col, col)
        }
    };
    let pad = " ".repeat(col);
    let mut new = String::new();
    if at > 0 && !text[..at].ends_with('\n') {
        new.push_str(nl);
    }
    // Keep the file's habit of separating top-level blocks with a blank line.
    let next_line_blank = text[at..]
        .lines()
        .next()
        .is_some_and(|l| l.trim().is_empty())
        && at < text.len();
    if next_line_blank {
        new.push_str(nl);
    }
    new.push_str(&format!(
        "{pad}permissions:{nl}{pad}{unit}contents: read{nl}"
    ));
    Ok(Edit::insert(at, new))
}

/// Replace a `permissions: …` pair by a block of `lines`, keeping a trailing comment.
fn replace_with_block(text: &str, p: &Permissions, lines: &[String], unit: &str, nl: &str) -> Edit {
    let col = column_of(text, p.key_span.start);
    let pad = " ".repeat(col);
    let comment = trailing_comment(text, p.span.end);
    let end = comment.as_ref().map(|c| c.span.end).unwrap_or(p.span.end);
    let mut new = String::from("permissions:");
    if let Some(c) = &comment {
        new.push(' ');
        new.push_str(&text[c.span.clone()]);
    }
    for l in lines {
        new.push_str(&format!("{nl}{pad}{unit}{l}"));
    }
    Edit::replace(p.key_span.start..end, new)
}

/// Remove the write scopes of a workflow-level block; returns the scopes left for inheriting
/// jobs (`contents: read` added when nothing grants it).
fn drop_write_scopes(
    text: &str,
    p: &Permissions,
    scopes: &[PermissionScope],
    edits: &mut Vec<Edit>,
) -> Result<BTreeMap<String, Level>, String> {
    let mut kept: BTreeMap<String, Level> = scopes
        .iter()
        .filter(|s| s.level.is_some_and(|l| l < Level::Write))
        .filter_map(|s| Some((s.scope.clone(), s.level?)))
        .collect();
    let needs_contents = !kept.contains_key("contents");
    if needs_contents {
        kept.insert("contents".to_string(), Level::Read);
    }
    let value = p
        .value_span
        .clone()
        .ok_or("the workflow `permissions:` has no value")?;
    let flow = text[value.clone()].trim_start().starts_with('{');
    if flow {
        let items: Vec<String> = kept
            .iter()
            .map(|(s, l)| format!("{s}: {}", l.as_str()))
            .collect();
        edits.push(Edit::replace(value, format!("{{{}}}", items.join(", "))));
        return Ok(kept);
    }
    let writes: Vec<&PermissionScope> = scopes
        .iter()
        .filter(|s| s.level == Some(Level::Write))
        .collect();
    for (i, s) in writes.iter().enumerate() {
        let line_start = s.span.start - column_of(text, s.span.start);
        if !text[line_start..s.span.start].trim().is_empty() {
            return Err("the workflow `permissions:` block is not one scope per line".to_string());
        }
        let line_end = end_of_line(text, s.span.end.saturating_sub(1).max(s.span.start));
        if i == 0 && needs_contents {
            // Reuse the first write line for `contents: read`.
            let comment_end = trailing_comment(text, s.span.end)
                .map(|c| c.span.end)
                .unwrap_or(s.span.end);
            edits.push(Edit::replace(s.span.start..comment_end, "contents: read"));
        } else {
            edits.push(Edit::replace(line_start..line_end, ""));
        }
    }
    Ok(kept)
}

/// Insert a job-level block after `runs-on:` (or before the job's first key).
fn insert_job_block(
    text: &str,
    job: &Job,
    lines: &[String],
    unit: &str,
    nl: &str,
) -> Result<Edit, String> {
    let node = job
        .node
        .as_ref()
        .ok_or_else(|| format!("job `{}` is empty", job.id))?;
    let pairs = node
        .as_map()
        .ok_or_else(|| format!("job `{}` is not a mapping", job.id))?;
    let first = pairs
        .first()
        .ok_or_else(|| format!("job `{}` is empty", job.id))?;
    let indent = job
        .body_indent
        .ok_or_else(|| format!("job `{}` has no body", job.id))?;
    let first_line_start = first.key_span.start - column_of(text, first.key_span.start);
    if !text[first_line_start..first.key_span.start]
        .chars()
        .all(|c| c == ' ')
        || text[node.span.clone()].starts_with('{')
    {
        return Err(format!(
            "job `{}` is not written as a block mapping",
            job.id
        ));
    }
    let at = match pairs.iter().find(|p| p.key == "runs-on") {
        Some(p) => {
            let end = trailing_comment(text, p.span.end)
                .map(|c| c.span.end)
                .unwrap_or(p.span.end);
            end_of_line(text, end.saturating_sub(1).max(p.span.start))
        }
        None => first_line_start,
    };
    let pad = " ".repeat(indent);
    let mut new = String::new();
    if at > 0 && !text[..at].ends_with('\n') {
        new.push_str(nl);
    }
    new.push_str(&format!("{pad}permissions:{nl}"));
    for l in lines {
        new.push_str(&format!("{pad}{unit}{l}{nl}"));
    }
    Ok(Edit::insert(at, new))
}

#[cfg(test)]
mod tests {
    use crate::config::Config;
    use crate::engine::{analyze_text, fix_all, Document};
    use crate::fix::apply_edits;
    use crate::kind::FileKind;
    use crate::workspace::Facts;
    use std::path::Path;

    fn doc(text: &str) -> Document<'_> {
        Document {
            path: Path::new(".github/workflows/ci.yml"),
            kind: FileKind::Workflow,
            text,
        }
    }

    fn ours(text: &str) -> Vec<crate::finding::Finding> {
        analyze_text(&doc(text), &Facts::default(), &Config::default())
            .into_iter()
            .filter(|f| f.rule == super::ID)
            .collect()
    }

    /// Apply the first finding's fix; the result parses and the rule is quiet.
    fn fixed(text: &str) -> String {
        let f = ours(text);
        assert!(!f.is_empty(), "no finding in:\n{text}");
        let out = apply_edits(text, &f[0].fixes.first().expect("a fix").edits).unwrap();
        assert!(
            !crate::syntax::yaml::parse(&out, None)
                .root_node()
                .has_error(),
            "broken YAML:\n{out}"
        );
        assert!(ours(&out).is_empty(), "still fires:\n{out}");
        out
    }

    #[test]
    fn jobs_whose_needs_cannot_be_told_are_not_said_to_need_nothing() {
        let t = "on: push\npermissions:\n  contents: read\n  pull-requests: write\njobs:\n  a:\n    runs-on: x\n    steps:\n      - run: make\n  b:\n    runs-on: x\n    steps:\n      - uses: ./.github/setup\n";
        let f = ours(t);
        assert_eq!(f.len(), 1);
        assert_eq!(
            f[0].message,
            "`pull-requests: write` at workflow level is inherited by job `a`, which does not \
             need it, and by job `b`, whose needs cannot be told (step `./.github/setup` uses the \
             local action ./.github/setup, whose action.yml could not be read)"
        );
    }

    #[test]
    fn crlf_and_on_block_at_end_of_file() {
        let t = "jobs:\r\n  a:\r\n    runs-on: x\r\n    steps:\r\n      - run: gh pr comment 1 --body hi\r\n        env:\r\n          GH_TOKEN: ${{ github.token }}\r\non:\r\n  pull_request:";
        let out = fixed(t);
        assert!(
            out.ends_with("pull_request:\r\npermissions:\r\n  contents: read\r\n"),
            "{out:?}"
        );
        assert!(out.contains("    runs-on: x\r\n    permissions:\r\n      contents: read\r\n      pull-requests: write  # gh pr comment\r\n"), "{out:?}");
    }

    #[test]
    fn no_on_block_inserts_before_jobs_and_jobs_without_runs_on() {
        let t =
            "name: x\njobs:\n  rel:\n    steps:\n      - uses: softprops/action-gh-release@v2\n";
        let out = fixed(t);
        assert_eq!(
            out,
            "name: x\npermissions:\n  contents: read\njobs:\n  rel:\n    permissions:\n      contents: write  # softprops/action-gh-release\n    steps:\n      - uses: softprops/action-gh-release@v2\n"
        );
    }

    #[test]
    fn flow_style_workflow_block_keeps_its_reads() {
        let t = "on: push\npermissions: {actions: read, contents: write}\njobs:\n  a:\n    runs-on: x\n    steps:\n      - run: make\n  b:\n    runs-on: x\n    steps:\n      - uses: actions/checkout@v4\n      - run: git push\n";
        let out = fixed(t);
        assert!(
            out.contains("permissions: {actions: read, contents: read}\n"),
            "{out}"
        );
        assert!(out.contains("  b:\n    runs-on: x\n    permissions:\n      actions: read\n      contents: write  # git push\n"), "{out}");
    }

    #[test]
    fn write_all_with_a_comment_keeps_the_comment() {
        let t = "on: push\npermissions: write-all # TODO narrow\njobs:\n  a:\n    runs-on: x\n    steps:\n      - run: make\n";
        let out = fixed(t);
        assert!(
            out.contains("permissions: # TODO narrow\n  contents: read\njobs:"),
            "{out}"
        );
    }

    #[test]
    fn all_write_lines_removed_become_contents_read() {
        let t = "on: push\npermissions:\n  packages: write\n  id-token: write  # for signing\njobs:\n  a:\n    runs-on: x\n    steps:\n      - run: make\n  b:\n    runs-on: x\n    steps:\n      - run: cosign sign img\n";
        let out = fixed(t);
        assert!(
            out.starts_with("on: push\npermissions:\n  contents: read\njobs:"),
            "{out}"
        );
        assert!(
            out.contains("      id-token: write  # cosign sign (keyless)\n"),
            "{out}"
        );
    }

    #[test]
    fn unknown_needs_give_a_note_instead_of_a_fix() {
        let t = "on: push\njobs:\n  a:\n    uses: ./.github/workflows/reuse.yml\n";
        let f = ours(t);
        assert_eq!(f.len(), 1);
        assert!(f[0].fixes.is_empty());
        assert!(f[0].note.as_deref().unwrap().contains("reusable workflow"));
        assert_eq!(f[0].related.len(), 1);
        // fix-all leaves such a file alone.
        assert_eq!(fix_all(&doc(t), &Facts::default(), &Config::default()), t);
    }
}
