//! `adhoc-install` (pedantic): a `run:` installs a package by name at whatever version the
//! registry serves that minute, outside any lockfile: `npm i -g x` (or `--no-save x`),
//! `npx x@latest`,
//! `pip install x` without `==`, `gem install x` without `--version`.

use crate::engine::Ctx;
use crate::finding::Finding;
use crate::model::workflow::Workflow;
use crate::syntax::shell::Command;
use crate::syntax::yaml::ScalarStyle;

/// pip options that take a value (the value is not a package).
const PIP_VALUE_FLAGS: &[&str] = &[
    "-i",
    "--index-url",
    "--extra-index-url",
    "-f",
    "--find-links",
    "-t",
    "--target",
    "--prefix",
    "--root",
    "--platform",
    "--python-version",
    "--implementation",
    "--abi",
    "--upgrade-strategy",
    "--trusted-host",
    "--cache-dir",
    "--src",
    "--python",
    "--progress-bar",
];

/// What the command installs without a pinned version, if it is an ad-hoc install.
fn adhoc(cmd: &Command) -> Option<String> {
    let program = cmd.program_name()?;
    let args = cmd.arg_values();
    match program {
        "npm" | "pnpm" => {
            let sub = args.iter().find(|a| !a.starts_with('-'))?;
            let installs = matches!(*sub, "i" | "install" | "add");
            // `-g`, or `--no-save`: installed beside the lockfile without being recorded in it.
            let global = cmd.has_flag("-g") || cmd.has_flag("--global");
            let unsaved = cmd.has_flag("--no-save");
            let pkgs: Vec<&str> = args
                .iter()
                .filter(|a| !a.starts_with('-') && *a != sub && !exact_npm_spec(a))
                .copied()
                .collect();
            let how = if global { "-g" } else { "--no-save" };
            (installs && (global || unsaved) && !pkgs.is_empty())
                .then(|| format!("`{program} {sub} {how} {}`", pkgs.join(" ")))
        }
        "yarn" => {
            let rest: Vec<&str> = args
                .iter()
                .filter(|a| !a.starts_with('-'))
                .copied()
                .collect();
            (rest.len() > 2 && rest[0] == "global" && rest[1] == "add")
                .then(|| format!("`yarn global add {}`", rest[2..].join(" ")))
        }
        "npx" => {
            let pkg = args.iter().find(|a| !a.starts_with('-'))?;
            pkg.ends_with("@latest").then(|| format!("`npx {pkg}`"))
        }
        "pip" | "pip3" => pip_packages(&args),
        "python" | "python3" => {
            let at = args.iter().position(|a| *a == "-m")?;
            (args.get(at + 1).is_some_and(|m| *m == "pip")).then_some(())?;
            pip_packages(&args[at + 2..])
        }
        "gem" => {
            if args.first() != Some(&"install") {
                return None;
            }
            let versioned = cmd.has_flag("-v") || cmd.has_flag("--version");
            let pkgs: Vec<&str> = args[1..]
                .iter()
                .filter(|a| !a.starts_with('-'))
                .copied()
                .collect();
            (!versioned && !pkgs.is_empty()).then(|| format!("`gem install {}`", pkgs.join(" ")))
        }
        _ => None,
    }
}

/// `name@1.2.3` (or `@scope/name@1.2.3-rc.1`): an exact version, not a range or a dist-tag.
fn exact_npm_spec(spec: &str) -> bool {
    let Some((_, version)) = spec.rsplit_once('@').filter(|(name, _)| !name.is_empty()) else {
        return false;
    };
    let core = version.split(['-', '+']).next().unwrap_or("");
    let parts: Vec<&str> = core.split('.').collect();
    parts.len() == 3
        && parts
            .iter()
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
}

/// `install` arguments of pip that name a package without an exact version.
fn pip_packages(args: &[&str]) -> Option<String> {
    if args.first() != Some(&"install") {
        return None;
    }
    let mut loose = Vec::new();
    let mut skip_next = false;
    for a in &args[1..] {
        if skip_next {
            skip_next = false;
            continue;
        }
        // A requirements or constraints file, or an editable checkout: versions come from there.
        if matches!(
            *a,
            "-r" | "--requirement" | "-c" | "--constraint" | "-e" | "--editable"
        ) || a.starts_with("--requirement=")
            || a.starts_with("--constraint=")
        {
            return None;
        }
        if PIP_VALUE_FLAGS.contains(a) {
            skip_next = true;
            continue;
        }
        if a.starts_with('-') {
            continue;
        }
        let local = a.starts_with('.')
            || a.contains('/')
            || a.ends_with(".whl")
            || a.ends_with(".tar.gz")
            || a.ends_with(".zip");
        let pinned = a.contains("==") || a.contains(" @ ") || a.contains('@');
        if !local && !pinned && !a.contains('$') {
            loose.push(*a);
        }
    }
    (!loose.is_empty()).then(|| format!("`pip install {}`", loose.join(" ")))
}

pub fn check(ctx: &Ctx, wf: &Workflow, out: &mut Vec<Finding>) {
    let text = ctx.doc.text;
    for (_, step) in wf.all_steps() {
        let (Some(run), Some(script)) = (step.run, &step.script) else {
            continue;
        };
        let raw_is_script = matches!(
            run.style,
            ScalarStyle::Literal | ScalarStyle::Folded | ScalarStyle::Plain
        ) || run.is_verbatim(text);
        if !raw_is_script {
            continue;
        }
        let base = run.content.start;
        for cmd in &script.commands {
            let Some(what) = adhoc(cmd) else { continue };
            out.push(Finding::new(
                "adhoc-install",
                base + cmd.span.start..base + cmd.span.end,
                format!(
                    "{what} installs whatever version the registry serves at run time, outside \
                     any lockfile"
                ),
            ));
        }
    }
}
