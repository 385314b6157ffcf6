//! npm-install-not-ci: dependencies installed with a command that re-resolves versions instead
//! of following the lockfile (`npm install`, `yarn install`, `pnpm install` outside CI).

use super::ShellEnv;
use crate::engine::Ctx;
use crate::finding::{Edit, Finding, Fix};
use crate::syntax::shell::{self, Command, Script, Word};

pub const ID: &str = "npm-install-not-ci";

/// `script` is a raw slice of the document starting at byte `base`.
pub fn check_script(ctx: &Ctx, script: &str, base: usize, out: &mut Vec<Finding>) {
    let env = ShellEnv::for_kind(ctx.doc.kind);
    check_parsed(ctx, script, &shell::parse(script), base, env, out);
}

pub fn check_parsed(
    _ctx: &Ctx,
    _script: &str,
    parsed: &Script,
    base: usize,
    env: ShellEnv,
    out: &mut Vec<Finding>,
) {
    let mut env = env;
    for cmd in &parsed.commands {
        match cmd.program_name() {
            // The commands after it run in another folder than the one the lockfile fact
            // describes.
            Some("cd" | "pushd") if env.workdir.is_none() => {
                env.workdir = Some("cd");
            }
            Some("npm") => check_npm(cmd, base, env, out),
            Some("yarn") => check_yarn(cmd, base, env, out),
            Some("pnpm") => check_pnpm(cmd, base, env, out),
            _ => {}
        }
    }
}

/// Flags (space-separated form) whose value is the next word.
const VALUE_FLAGS: &[&str] = &[
    "--prefix",
    "-C",
    "--workspace",
    "-w",
    "--registry",
    "--cache",
    "--omit",
    "--include",
    "--tag",
    "--loglevel",
    "--install-strategy",
    "--userconfig",
    "--only",
    "--before",
    "--dir",
    "--filter",
    "-F",
    "--network-timeout",
    "--cwd",
    "--modules-folder",
    "--mode",
];

/// The subcommand (first positional word) and the positional words after it.
fn positionals(cmd: &Command) -> Vec<&Word> {
    let mut out = Vec::new();
    let mut args = cmd.args().iter();
    while let Some(w) = args.next() {
        let a = w.value.as_str();
        if a.starts_with('-') {
            if VALUE_FLAGS.contains(&a) {
                args.next();
            }
            continue;
        }
        out.push(w);
    }
    out
}

fn is_global(cmd: &Command) -> bool {
    cmd.args()
        .iter()
        .any(|w| matches!(w.value.as_str(), "-g" | "--global" | "--location=global"))
}

fn check_npm(cmd: &Command, base: usize, env: ShellEnv, out: &mut Vec<Finding>) {
    let pos = positionals(cmd);
    let Some(sub) = pos.first() else { return };
    if !matches!(
        sub.value.as_str(),
        "install" | "i" | "isntall" | "in" | "ins"
    ) || pos.len() > 1
        || is_global(cmd)
        // Refreshing the lockfile on purpose (lockfile maintenance) installs nothing.
        || cmd.has_flag("--package-lock-only")
    {
        return;
    }
    let program = cmd.program_word().expect("has a program");
    let span = program.span.start + base..sub.span.end + base;
    // With no lockfile where it runs there is nothing to change or follow: say what does happen.
    let at_root = env.workdir.is_none() && !cmd.has_flag("--prefix") && !cmd.has_flag("-C");
    let message = if env.lockfile_available || (env.ci && !at_root) {
        format!(
            "`npm {}` can change the lockfile; `npm ci` installs exactly what it records",
            sub.value
        )
    } else if env.ci {
        format!(
            "`npm {}` resolves every dependency afresh: the repository has no package-lock.json \
             for `npm ci` to follow",
            sub.value
        )
    } else {
        format!(
            "`npm {}` resolves every dependency afresh: no package-lock.json is copied into the \
             image before it for `npm ci` to follow",
            sub.value
        )
    };
    let mut f = Finding::new(ID, span.clone(), message);
    // Flags that `npm ci` rejects or that mean "no lockfile" make the rewrite unsafe.
    let lockless = cmd.args().iter().any(|w| {
        let a = w.value.as_str();
        a.starts_with("--no-package-lock")
            || a.starts_with("--package-lock")
            || a.starts_with("--save")
            || a == "-S"
            || a == "-D"
            || a == "-E"
    });
    // The lockfile fact is the repository root's: an install elsewhere may have none.
    let elsewhere = env.root_lockfile_only
        && (env.workdir.is_some() || cmd.has_flag("--prefix") || cmd.has_flag("-C"));
    if elsewhere {
        f = f.note(
            "`npm ci` needs a package-lock.json in the folder where it runs; this install does \
             not run at the repository root (a `working-directory:`, `cd` or `--prefix`), and \
             chainwarden only knows the root's lockfile, so the rewrite is not offered. Check \
             that the folder has a package-lock.json, then use `npm ci`.",
        );
    } else if env.lockfile_available && !lockless && sub.span.len() == sub.value.len() {
        f = f.fix(Fix {
            title: "Use `npm ci`".into(),
            edits: vec![Edit::replace(
                sub.span.start + base..sub.span.end + base,
                "ci",
            )],
        });
    } else if !env.lockfile_available {
        f = f.note(
            "No npm lockfile is known to be present where this runs (none copied into the image \
             before it, or none committed at the repository root), so `npm ci` would fail here: \
             commit or copy `package-lock.json` first, then use `npm ci`.",
        );
    }
    out.push(f);
}

fn check_yarn(cmd: &Command, base: usize, env: ShellEnv, out: &mut Vec<Finding>) {
    let pos = positionals(cmd);
    let installs = match pos.first() {
        None => !cmd
            .args()
            .iter()
            .any(|w| matches!(w.value.as_str(), "-v" | "--version" | "-h" | "--help")),
        Some(w) => w.value == "install" && pos.len() == 1,
    };
    if !installs
        || cmd.has_flag("--frozen-lockfile")
        || cmd.has_flag("--immutable")
        || is_global(cmd)
    {
        return;
    }
    // Yarn 2+ on CI installs immutably unless told otherwise (at the repository root, where
    // the `packageManager`/`.yarnrc.yml` fact applies).
    let turned_off = cmd.has_flag("--no-immutable")
        || cmd.assignments().any(|(k, v)| {
            k == "YARN_ENABLE_IMMUTABLE_INSTALLS"
                && matches!(v.trim_matches(['"', '\'']), "false" | "0")
        });
    if env.yarn_immutable_on_ci && env.workdir.is_none() && !cmd.has_flag("--cwd") && !turned_off {
        return;
    }
    let program = cmd.program_word().expect("has a program");
    let end = pos.first().map_or(program.span.end, |w| w.span.end);
    let shown = if pos.is_empty() {
        "yarn"
    } else {
        "yarn install"
    };
    out.push(Finding::new(
        ID,
        program.span.start + base..end + base,
        format!("`{shown}` without --frozen-lockfile/--immutable can change the lockfile"),
    ));
}

fn check_pnpm(cmd: &Command, base: usize, env: ShellEnv, out: &mut Vec<Finding>) {
    let pos = positionals(cmd);
    let Some(sub) = pos.first() else { return };
    if !matches!(sub.value.as_str(), "install" | "i") || pos.len() > 1 || is_global(cmd) {
        return;
    }
    let explicit_off = cmd.args().iter().any(|w| {
        matches!(
            w.value.as_str(),
            "--no-frozen-lockfile" | "--frozen-lockfile=false"
        )
    });
    let frozen = cmd.args().iter().any(|w| {
        matches!(
            w.value.as_str(),
            "--frozen-lockfile" | "--frozen-lockfile=true"
        )
    });
    // In CI pnpm freezes the lockfile unless told otherwise.
    if frozen || (env.ci && !explicit_off) {
        return;
    }
    let program = cmd.program_word().expect("has a program");
    out.push(Finding::new(
        ID,
        program.span.start + base..sub.span.end + base,
        if explicit_off {
            format!(
                "`pnpm {}` with --no-frozen-lockfile can change the lockfile",
                sub.value
            )
        } else {
            format!(
                "`pnpm {}` without --frozen-lockfile can change the lockfile",
                sub.value
            )
        },
    ));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kind::FileKind;
    use crate::rules::common::test_support::run_on;

    fn run(kind: FileKind, script: &str) -> Vec<Finding> {
        run_on(kind, script, |ctx, out| check_script(ctx, script, 0, out))
    }

    #[test]
    fn npm_install_without_packages_fires_with_fix() {
        for s in [
            "npm install",
            "npm i",
            "npm install --no-audit --legacy-peer-deps",
            "cd web && npm install",
            "sudo npm install --production",
            "npm --prefix web install",
        ] {
            let f = run(FileKind::Workflow, s);
            assert_eq!(f.len(), 1, "{s}");
            let fix = &f[0].fixes[0];
            let fixed = crate::fix::apply_edits(s, &fix.edits).unwrap();
            assert!(fixed.contains("npm ci") || fixed.contains(" ci"), "{fixed}");
            assert!(run(FileKind::Workflow, &fixed).is_empty(), "{fixed}");
        }
        let f = run(FileKind::Workflow, "  npm install --no-audit");
        assert_eq!(f[0].span, 2..13);
    }

    #[test]
    fn without_a_lockfile_the_message_says_so() {
        let f = run(FileKind::Workflow, "npm install");
        assert!(
            f[0].message.contains("can change the lockfile"),
            "{}",
            f[0].message
        );
        let f = run(FileKind::Dockerfile, "npm install");
        assert_eq!(
            f[0].message,
            "`npm install` resolves every dependency afresh: no package-lock.json is copied \
             into the image before it for `npm ci` to follow"
        );
        let script = "npm i";
        let f = run_on(FileKind::Workflow, script, |ctx, out| {
            let mut env = ShellEnv::for_kind(FileKind::Workflow);
            env.lockfile_available = false;
            check_parsed(ctx, script, &shell::parse(script), 0, env, out)
        });
        assert_eq!(
            f[0].message,
            "`npm i` resolves every dependency afresh: the repository has no package-lock.json \
             for `npm ci` to follow"
        );
        assert!(f[0].fixes.is_empty());
        // In another folder (which may have a lockfile of its own) nothing is claimed about it.
        let script = "cd test/app && npm install";
        let f = run_on(FileKind::Workflow, script, |ctx, out| {
            let mut env = ShellEnv::for_kind(FileKind::Workflow);
            env.lockfile_available = false;
            check_parsed(ctx, script, &shell::parse(script), 0, env, out)
        });
        assert!(
            f[0].message.contains("can change the lockfile"),
            "{}",
            f[0].message
        );
    }

    #[test]
    fn pnpm_unfrozen_on_purpose_is_named() {
        let f = run(
            FileKind::Workflow,
            "pnpm i --prefer-offline --no-frozen-lockfile",
        );
        assert_eq!(
            f[0].message,
            "`pnpm i` with --no-frozen-lockfile can change the lockfile"
        );
    }

    #[test]
    fn npm_quiet_cases() {
        for s in [
            "npm ci",
            "npm install -g pnpm",
            "npm install --global yarn",
            "npm install lodash",
            "npm i -D typescript",
            "npm run install",
            "npm install $PKG",
            "npx npm install",
            "echo npm install",
            "npm install --omit dev lodash",
            "npm install --package-lock-only",
        ] {
            assert!(run(FileKind::Workflow, s).is_empty(), "{s}");
        }
    }

    #[test]
    fn npm_fix_withheld_when_unsafe() {
        let f = run(FileKind::Workflow, "npm install --no-package-lock");
        assert!(f[0].fixes.is_empty());
        let f = run(FileKind::Dockerfile, "npm install");
        assert!(f[0]
            .note
            .as_deref()
            .unwrap_or("")
            .contains("package-lock.json"));
        assert!(
            f[0].fixes.is_empty(),
            "Dockerfile: lockfile not known to be copied"
        );
    }

    #[test]
    fn yarn_and_pnpm() {
        for s in [
            "yarn",
            "yarn install",
            "yarn --production",
            "yarn install --check-files",
        ] {
            assert_eq!(run(FileKind::Workflow, s).len(), 1, "{s}");
        }
        for s in [
            "yarn install --frozen-lockfile",
            "yarn --immutable",
            "yarn build",
            "yarn add x",
            "yarn --version",
            "yarn global add x",
        ] {
            assert!(run(FileKind::Workflow, s).is_empty(), "{s}");
        }
        assert_eq!(run(FileKind::Dockerfile, "pnpm install").len(), 1);
        assert_eq!(run(FileKind::Dockerfile, "pnpm i --prod").len(), 1);
        assert!(run(FileKind::Dockerfile, "pnpm install --frozen-lockfile").is_empty());
        assert!(
            run(FileKind::Workflow, "pnpm install").is_empty(),
            "CI default"
        );
        assert_eq!(
            run(FileKind::Workflow, "pnpm install --no-frozen-lockfile").len(),
            1
        );
        assert!(run(FileKind::Dockerfile, "pnpm add x").is_empty());
    }
}
