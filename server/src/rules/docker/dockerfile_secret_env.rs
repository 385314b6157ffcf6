//! dockerfile-secret-env: ENV with a secret-like name and a non-empty value.

use crate::engine::Ctx;
use crate::finding::Finding;
use crate::model::dockerfile::DockerModel;
use crate::rules::common::secret_names::is_secret_name;
use crate::syntax::shell;

pub const ID: &str = "dockerfile-secret-env";

pub fn check(ctx: &Ctx, m: &DockerModel, out: &mut Vec<Finding>) {
    let text = ctx.doc.text;
    for (i, ins) in m.file.instructions.iter().enumerate() {
        if !ins.is("ENV") {
            continue;
        }
        for kv in m.file.key_values(text, ins) {
            let Some(value) = kv.value.as_deref() else {
                continue;
            };
            if !is_secret_name(&kv.key) || is_not_a_secret_value(value) {
                continue;
            }
            let refs = shell::variable_refs(value);
            let only_refs = !refs.is_empty() && strip_refs(value).trim().is_empty();
            let mut from_arg = None;
            if only_refs {
                // `ENV TOKEN=$TOKEN` is empty unless something earlier defines the variable.
                let defined = refs.iter().find_map(|r| defined_before(m, i, &r.name));
                match defined {
                    Some(d) => from_arg = d,
                    None => continue,
                }
            }
            // A secret-named build argument copied into ENV is reported once, by
            // dockerfile-secret-build-arg at the ARG (with this ENV as a related location).
            let stage_start = m
                .stage_of(i)
                .map_or(0, |st| m.ins(m.stages[st].from).span.start);
            if from_arg
                .as_ref()
                .is_some_and(|(arg, span)| is_secret_name(arg) && span.start >= stage_start)
            {
                continue;
            }
            let stage_note = m
                .intermediate_stage(i)
                .map(|stage| {
                    format!(
                        " of {stage}; that stage is not the final image, but the value stays in \
                         its layers and build cache"
                    )
                })
                .unwrap_or_default();
            let mut f = match &from_arg {
                Some((arg_name, _)) => Finding::new(
                    ID,
                    kv.key_span.clone(),
                    format!(
                        "ENV {} copies build argument {arg_name} into the image configuration{stage_note}",
                        kv.key
                    ),
                ),
                None => Finding::new(
                    ID,
                    kv.key_span.clone(),
                    format!(
                        "ENV {} stores a secret in the image configuration{stage_note}",
                        kv.key
                    ),
                ),
            };
            if let Some((arg_name, span)) = from_arg {
                f = f.related(span, format!("build argument {arg_name} is declared here"));
            }
            out.push(f);
        }
    }
}

/// Where a variable used by instruction `i` comes from: `Some(Some((name, span)))` for an ARG,
/// `Some(None)` for an earlier ENV, `None` when nothing defines it.
#[allow(clippy::type_complexity)]
fn defined_before(
    m: &DockerModel,
    i: usize,
    name: &str,
) -> Option<Option<(String, std::ops::Range<usize>)>> {
    let stage = m.stage_of(i);
    let start = stage.map_or(0, |s| m.stages[s].from + 1);
    for j in (start..i).rev() {
        let ins = m.ins(j);
        if ins.is("ARG") {
            if let Some(a) = m
                .file
                .arg_decls(m.text, ins)
                .into_iter()
                .find(|a| a.key == name)
            {
                return Some(Some((a.key, a.key_span)));
            }
        } else if ins.is("ENV")
            && m.file
                .key_values(m.text, ins)
                .iter()
                .any(|kv| kv.key == name)
        {
            return Some(None);
        }
    }
    // ENV is inherited from a parent stage built in this file.
    if let Some(s) = stage {
        if let Some(img) = &m.stages[s].image {
            let parent = m.stages[..s].iter().rposition(|p| {
                p.name
                    .as_ref()
                    .is_some_and(|n| n.value.eq_ignore_ascii_case(&img.value))
            });
            if let Some(p) = parent {
                return defined_before(m, m.stages[p].end, name);
            }
        }
    }
    None
}

/// Text with `$X`/`${X}` references removed.
fn strip_refs(value: &str) -> String {
    let mut out = String::new();
    let mut last = 0;
    for r in shell::variable_refs(value) {
        out.push_str(&value[last..r.span.start]);
        last = r.span.end;
    }
    out.push_str(&value[last..]);
    out
}

/// Empty, boolean-like or placeholder values.
fn is_not_a_secret_value(value: &str) -> bool {
    let v = value.trim().to_ascii_lowercase();
    if v.is_empty()
        || matches!(
            v.as_str(),
            "true"
                | "false"
                | "yes"
                | "no"
                | "on"
                | "off"
                | "none"
                | "null"
                | "0"
                | "1"
                | "disabled"
                | "enabled"
        )
    {
        return true;
    }
    const PLACEHOLDERS: &[&str] = &[
        "changeme",
        "change_me",
        "change-me",
        "placeholder",
        "your-",
        "your_",
        "<",
        "xxxx",
        "****",
        "...",
    ];
    PLACEHOLDERS.iter().any(|p| v.contains(p)) || v.starts_with("/run/secrets/")
}
