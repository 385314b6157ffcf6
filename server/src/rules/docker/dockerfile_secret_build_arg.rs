//! dockerfile-secret-build-arg: a secret-like ARG used by a RUN of its stage or copied into ENV.

use crate::engine::Ctx;
use crate::finding::{Edit, Finding, Fix};
use crate::model::dockerfile::DockerModel;
use crate::rules::common::secret_names::is_secret_name;
use crate::syntax::dockerfile::Instruction;

pub const ID: &str = "dockerfile-secret-build-arg";

pub fn check(ctx: &Ctx, m: &DockerModel, out: &mut Vec<Finding>) {
    let text = ctx.doc.text;
    for (si, stage) in m.stages.iter().enumerate() {
        let args = m.stage_args(si);
        for (k, arg) in args.iter().enumerate() {
            let name = arg.kv.key.as_str();
            // A repeated declaration in the same stage is covered by the first one.
            if !is_secret_name(name) || args[..k].iter().any(|b| b.kv.key == name) {
                continue;
            }
            let (mut runs, mut envs, mut others) = (Vec::new(), Vec::new(), Vec::new());
            for i in arg.ins + 1..stage.end {
                let ins = m.ins(i);
                if ins.is("ARG") || !m.var_refs(i).iter().any(|v| v.name == name) {
                    continue;
                }
                match ins.keyword.as_str() {
                    "RUN" if mounts_secret_as(ins, name) => {}
                    "RUN" => runs.push(i),
                    "ENV" => envs.push(i),
                    _ => others.push(i),
                }
            }
            if runs.is_empty() && envs.is_empty() {
                continue;
            }
            let message = match (envs.is_empty(), m.intermediate_stage(arg.ins)) {
                (true, None) => format!("Build argument {name} passes a secret to RUN; its value is kept in the image history"),
                (false, None) => format!(
                    "Build argument {name} is copied into ENV; the secret is stored in the image"
                ),
                (true, Some(stage)) => format!(
                    "Build argument {name} passes a secret to RUN in {stage}; that stage is not the final image, but the value stays in its layer history and build cache"
                ),
                (false, Some(stage)) => format!(
                    "Build argument {name} is copied into ENV of {stage}; that stage is not the final image, but the value stays in its layers and build cache"
                ),
            };
            let mut f = Finding::new(ID, arg.kv.key_span.clone(), message);
            if let Some(g) = m.global_arg(name) {
                f = f.related(
                    g.kv.key_span.clone(),
                    format!("{name} is declared before the first FROM here"),
                );
            }
            for &i in &runs {
                f = f.related(m.ins(i).line_span.clone(), format!("this RUN uses {name}"));
            }
            for &i in &envs {
                f = f.related(
                    m.ins(i).line_span.clone(),
                    format!("{name} is copied into the image configuration here"),
                );
            }
            let id = secret_id(name);
            f = f.note(format!(
                "Pass the value as a build secret instead of a build argument:\n\n\
                 - `docker build --secret id={id},env={name} .`\n\
                 - `docker buildx build --secret id={id},env={name} .`\n\
                 - compose: under the service's `build:` add `secrets: [{id}]`, and at the top level \
                 `secrets: {{ {id}: {{ environment: {name} }} }}`\n\
                 - docker/build-push-action: `secrets: {id}=${{{{ secrets.{name} }}}}`\n\n\
                 Inside the RUN the value is then available as `${name}` through \
                 `--mount=type=secret,id={id},env={name}` (Dockerfile syntax 1.10 or newer)."
            ));
            let arg_ins = m.ins(arg.ins);
            let single_decl = m.file.arg_decls(text, arg_ins).len() == 1;
            // `env=` on a secret mount needs Dockerfile syntax 1.10+: a `# syntax=` line that
            // pins an older (or unreadable) frontend would make the rewritten RUN fail.
            let frontend = old_frontend(m.file);
            if let Some(pinned) = &frontend {
                let note = f.note.take().unwrap_or_default();
                f = f.note(format!(
                    "{note}\n\nNo automatic fix: the file pins `# syntax={pinned}`, whose \
                     secret mounts may not take `env=` (Dockerfile syntax 1.10 or newer); raise \
                     it to `docker/dockerfile:1` first."
                ));
            }
            // Persisted in ENV or used by other instructions: a secret mount would not be enough.
            if envs.is_empty() && others.is_empty() && single_decl && frontend.is_none() {
                let mut edits: Vec<Edit> = runs
                    .iter()
                    .map(|&i| {
                        Edit::insert(
                            m.ins(i).keyword_span.end,
                            format!(" --mount=type=secret,id={id},env={name}"),
                        )
                    })
                    .collect();
                edits.push(Edit::replace(whole_lines(text, arg_ins.span.clone()), ""));
                f = f.fix(Fix {
                    title: format!("Use a BuildKit secret mount for {name} and remove the ARG"),
                    edits,
                });
            }
            out.push(f);
        }
    }
}

/// The `# syntax=` frontend, when it is not known to support `--mount=type=secret,env=…`
/// (docker/dockerfile 1.10 or newer, `1`, `latest`). No directive: the builder's own frontend.
fn old_frontend(file: &crate::syntax::dockerfile::Dockerfile) -> Option<String> {
    let d = file
        .directives
        .iter()
        .find(|d| d.name.eq_ignore_ascii_case("syntax"))?;
    let value = d.value.trim();
    let (image, tag) = value.rsplit_once(':')?;
    let known =
        image.ends_with("docker/dockerfile") || image.ends_with("docker/dockerfile-upstream");
    if !known || image.contains('@') || tag.contains("sha256") {
        return Some(value.to_string());
    }
    let version = tag.split('-').next().unwrap_or("");
    let mut parts = version.split('.');
    let major = parts.next().and_then(|p| p.parse::<u32>().ok());
    let minor = parts.next().and_then(|p| p.parse::<u32>().ok());
    let new_enough = match (version, major, minor) {
        ("latest" | "labs", _, _) => true,
        (_, Some(m), _) if m > 1 => true,
        (_, Some(1), None) => true,
        (_, Some(1), Some(n)) => n >= 10,
        _ => false,
    };
    (!new_enough).then(|| value.to_string())
}

/// `NPM_TOKEN` → `npm-token`.
pub fn secret_id(name: &str) -> String {
    name.to_ascii_lowercase().replace('_', "-")
}

/// The RUN already gets `name` from a secret mount (`--mount=type=secret,…,env=NAME`).
fn mounts_secret_as(ins: &Instruction, name: &str) -> bool {
    ins.flags.iter().filter(|f| f.name == "mount").any(|f| {
        let v = f.value.as_deref().unwrap_or("");
        let parts: Vec<&str> = v.split(',').map(str::trim).collect();
        parts.contains(&"type=secret") && parts.iter().any(|p| p.strip_prefix("env=") == Some(name))
    })
}

/// Extend a span to whole lines, including the final line break.
fn whole_lines(text: &str, span: std::ops::Range<usize>) -> std::ops::Range<usize> {
    let start = text[..span.start].rfind('\n').map_or(0, |p| p + 1);
    let end = text[span.end..]
        .find('\n')
        .map_or(text.len(), |p| span.end + p + 1);
    start..end
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn old_frontends_are_named() {
        let pinned = |v: &str| {
            let text = format!("# syntax={v}\nFROM alpine\n");
            old_frontend(&crate::syntax::dockerfile::parse(&text))
        };
        assert_eq!(pinned("docker/dockerfile:1"), None);
        assert_eq!(pinned("docker/dockerfile:1.10"), None);
        assert_eq!(pinned("docker/dockerfile:1.12-labs"), None);
        assert_eq!(pinned("docker/dockerfile:latest"), None);
        assert!(pinned("docker/dockerfile:1.4").is_some());
        assert!(pinned("docker/dockerfile:1.9.0").is_some());
        assert!(pinned("example/frontend:2").is_some());
        assert_eq!(
            old_frontend(&crate::syntax::dockerfile::parse("FROM alpine\n")),
            None
        );
    }

    #[test]
    fn ids_are_lowercase_kebab() {
        assert_eq!(secret_id("NPM_TOKEN"), "npm-token");
        assert_eq!(secret_id("GitHubToken"), "githubtoken");
    }

    #[test]
    fn whole_lines_include_line_break() {
        let t = "a\n  ARG X\nb";
        assert_eq!(&t[whole_lines(t, 4..9)], "  ARG X\n");
        let t = "ARG X";
        assert_eq!(whole_lines(t, 0..5), 0..5);
    }
}
