//! Rules for every file kind, and the shell-level detectors shared by workflow `run:` scripts
//! and Dockerfile `RUN` instructions.

pub mod curl_pipe_shell;
pub mod file_not_analysed;
pub mod hardcoded_credential;
pub mod imdsv1_request;
pub mod npm_install_not_ci;
pub mod secret_names;
pub mod syntax_error;

use crate::engine::Ctx;
use crate::finding::Finding;
use crate::kind::FileKind;
use crate::syntax::shell::{self, Script};

/// Rules that run for every file kind (`file-not-analysed` is reported by the shells, for files
/// the engine never sees).
pub fn check(ctx: &Ctx, out: &mut Vec<Finding>) {
    hardcoded_credential::check(ctx, out);
    syntax_error::check(ctx, out);
}

/// Where a shell script runs, as far as the shell detectors care.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ShellEnv {
    /// Runs with `CI=true` (GitHub runners): pnpm freezes its lockfile by default there.
    pub ci: bool,
    /// A lockfile is known to be present where the script runs, so `npm ci` is a safe rewrite.
    pub lockfile_available: bool,
    /// `lockfile_available` was read at the repository root only: an install that runs in
    /// another folder (`working-directory:`, `cd`, `--prefix`) may have no lockfile there.
    pub root_lockfile_only: bool,
    /// The step's `working-directory:` (or the job's/workflow's `defaults.run`), when it is
    /// not the repository root.
    pub workdir: Option<&'static str>,
    /// The repository uses Yarn 2+, which makes installs immutable on CI by default
    /// (`enableImmutableInstalls`), and the script's environment does not turn that off.
    pub yarn_immutable_on_ci: bool,
}

impl ShellEnv {
    /// The defaults for a document kind: workflow and action scripts run in CI from a checkout
    /// (which holds the repository's lockfile); Dockerfile scripts do not.
    pub fn for_kind(kind: FileKind) -> ShellEnv {
        let ci = matches!(kind, FileKind::Workflow | FileKind::Action);
        ShellEnv {
            ci,
            lockfile_available: ci,
            root_lockfile_only: false,
            workdir: None,
            yarn_immutable_on_ci: false,
        }
    }
}

/// Run every shell detector (curl-pipe-shell, npm-install-not-ci, imdsv1-request) over a script.
/// `script` is a raw slice of the document starting at byte `base`; finding spans are
/// `base + relative`.
pub fn check_shell_script(ctx: &Ctx, script: &str, base: usize, out: &mut Vec<Finding>) {
    check_shell_script_parsed(ctx, script, &shell::parse(script), base, out);
}

/// As [`check_shell_script`], for a script already parsed with the default options.
pub fn check_shell_script_parsed(
    ctx: &Ctx,
    script: &str,
    parsed: &Script,
    base: usize,
    out: &mut Vec<Finding>,
) {
    check_shell_script_in(ctx, script, parsed, base, false, false, out);
}

/// As [`check_shell_script_parsed`], for a script that runs outside the repository root when
/// `elsewhere` (a `working-directory:`); `yarn_immutable_off`: its environment sets
/// `YARN_ENABLE_IMMUTABLE_INSTALLS` false.
pub fn check_shell_script_in(
    ctx: &Ctx,
    script: &str,
    parsed: &Script,
    base: usize,
    elsewhere: bool,
    yarn_immutable_off: bool,
    out: &mut Vec<Finding>,
) {
    let mut env = ShellEnv::for_kind(ctx.doc.kind);
    // A checkout holds the repository's lockfile, unless the repository has none.
    match ctx.facts.repo_npm_lockfile {
        Some(false) => env.lockfile_available = false,
        Some(true) => env.root_lockfile_only = true,
        None => {}
    }
    if elsewhere {
        env.workdir = Some("working-directory");
    }
    env.yarn_immutable_on_ci = env.ci
        && !yarn_immutable_off
        && ctx
            .facts
            .repo_package
            .as_ref()
            .is_some_and(|r| r.yarn_berry);
    check_parsed_script(ctx, script, parsed, base, env, out);
}

/// As [`check_shell_script`], for a script the caller has already split (with its own options).
pub fn check_parsed_script(
    ctx: &Ctx,
    script: &str,
    parsed: &Script,
    base: usize,
    env: ShellEnv,
    out: &mut Vec<Finding>,
) {
    curl_pipe_shell::check_parsed(ctx, script, parsed, base, out);
    npm_install_not_ci::check_parsed(ctx, script, parsed, base, env, out);
    imdsv1_request::check_parsed(ctx, script, parsed, base, out);
}

#[cfg(test)]
pub(crate) mod test_support {
    use crate::config::Config;
    use crate::engine::{Ctx, Document};
    use crate::finding::Finding;
    use crate::kind::FileKind;
    use crate::syntax;
    use crate::workspace::Facts;
    use std::path::Path;

    /// Run `f` over `script` as if it were a whole document of `kind`.
    pub fn run_on(
        kind: FileKind,
        script: &str,
        f: impl Fn(&Ctx, &mut Vec<Finding>),
    ) -> Vec<Finding> {
        let doc = Document {
            path: Path::new("x"),
            kind,
            text: script,
        };
        let syntax = syntax::parse(FileKind::Dockerfile, Path::new("Dockerfile"), "", None);
        let facts = Facts::default();
        let config = Config::default();
        let ctx = Ctx {
            doc: &doc,
            syntax: &syntax,
            facts: &facts,
            config: &config,
        };
        let mut out = Vec::new();
        f(&ctx, &mut out);
        out
    }
}
