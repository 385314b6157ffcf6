//! Rules for Dockerfiles and compose files.
//!
//! The Dockerfile model ([`DockerModel`]: stages, args, split RUN scripts) and the compose model
//! are built once per analysis and handed to every rule.

pub mod dockerfile_copies_secrets;
pub mod dockerfile_secret_build_arg;
pub mod dockerfile_secret_env;
pub mod unpinned_image;

use crate::engine::Ctx;
use crate::finding::Finding;
use crate::kind::FileKind;
use crate::model::compose::Compose;
use crate::model::dockerfile::DockerModel;
use crate::rules::common::{self, ShellEnv};
use crate::syntax::Syntax;

pub fn check(ctx: &Ctx, out: &mut Vec<Finding>) {
    match (ctx.doc.kind, ctx.syntax) {
        (FileKind::Dockerfile, Syntax::Dockerfile(file)) => {
            let m = DockerModel::build(ctx.doc.text, file);
            dockerfile_secret_build_arg::check(ctx, &m, out);
            dockerfile_secret_env::check(ctx, &m, out);
            dockerfile_copies_secrets::check(ctx, &m, out);
            unpinned_image::check_dockerfile(ctx, &m, out);
            check_run_scripts(ctx, &m, out);
        }
        (FileKind::Compose, Syntax::Yaml(yaml)) => {
            let doc = yaml.to_doc();
            let compose = Compose::build(&doc);
            unpinned_image::check_compose(ctx, &compose, out);
        }
        _ => {}
    }
}

/// The shell detectors (curl-pipe-shell, npm-install-not-ci, imdsv1-request) over every RUN.
fn check_run_scripts(ctx: &Ctx, m: &DockerModel, out: &mut Vec<Finding>) {
    for s in &m.scripts {
        let env = ShellEnv {
            ci: false,
            lockfile_available: lockfile_copied_before(m, s.ins),
            root_lockfile_only: false,
            workdir: None,
            yarn_immutable_on_ci: false,
        };
        let text = &ctx.doc.text[s.span.clone()];
        common::check_parsed_script(ctx, text, &s.script, s.base, env, out);
    }
}

/// Whether a COPY/ADD before instruction `ins` (in its stage) brings an npm lockfile into the
/// image: the whole context (`.`), the lockfile by name, or a glob that matches it.
fn lockfile_copied_before(m: &DockerModel, ins: usize) -> bool {
    let Some(stage) = m.stage_of(ins) else {
        return false;
    };
    let from = m.stages[stage].from;
    (from + 1..ins).any(|i| {
        let copy = m.ins(i);
        if !(copy.is("COPY") || copy.is("ADD")) {
            return false;
        }
        let (sources, _) = m.file.copy_parts(m.text, copy);
        sources.iter().any(|s| {
            let v = s.value.trim_end_matches('/');
            let base = v.rsplit('/').next().unwrap_or(v);
            v.is_empty()
                || v == "."
                || base == "package-lock.json"
                || base == "npm-shrinkwrap.json"
                || (base.contains('*') && glob_matches(base, "package-lock.json"))
        })
    })
}

/// A tiny `*`/`?` glob matcher for file names.
pub(crate) fn glob_matches(pattern: &str, name: &str) -> bool {
    globset::Glob::new(pattern)
        .map(|g| g.compile_matcher().is_match(name))
        .unwrap_or(false)
}
