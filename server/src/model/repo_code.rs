//! Which steps run code that the checked-out repository controls: package-manager installs and
//! scripts, build tools, test runners, the repository's own scripts, interpreters handed a file
//! of the repository, and local actions (`uses: ./…`). When the checkout is a pull request, that
//! code is the pull request's (`secrets-in-pr-workflow`).

use crate::finding::Span;
use crate::model::workflow::{Step, UsesTarget};
use crate::syntax::shell::Command;

/// A place in a step that runs repository code, and a short description for messages.
#[derive(Clone, Debug, PartialEq)]
pub struct RepoCode {
    pub span: Span,
    pub what: String,
}

/// Third-party actions that run commands or scripts from the repository as part of their work
/// (their step `env:` reaches that code).
const RUNNING_ACTIONS: &[&str] = &[
    "cypress-io/github-action",
    "paambaati/codeclimate-action",
    "nick-fields/retry",
    "nick-invision/retry",
    "gabrielbb/xvfb-action",
    "coactions/setup-xvfb",
    "reactivecircus/android-emulator-runner",
    "devexpress/testcafe-action",
];

/// The first place in `step` that runs repository code. `text` is the document.
pub fn runs_repository_code(text: &str, step: &Step) -> Option<RepoCode> {
    if let Some(uses) = &step.uses {
        match &uses.target {
            UsesTarget::Local(path) => {
                return Some(RepoCode {
                    span: uses.raw.span.clone(),
                    what: format!("the local action `{path}`"),
                })
            }
            UsesTarget::Repo(_) => {
                let action = step.action().unwrap_or_default();
                // Build secrets and arguments reach the RUN instructions of the repository's
                // Dockerfile.
                if action == "docker/build-push-action"
                    && ["secrets", "build-args", "secret-envs"]
                        .iter()
                        .any(|k| step.with_value(k).is_some())
                {
                    return Some(RepoCode {
                        span: uses.raw.span.clone(),
                        what: "the repository's Dockerfile built by docker/build-push-action"
                            .into(),
                    });
                }
                let with_text = |k: &str| {
                    step.with_value(k)
                        .map(|v| v.text.to_ascii_lowercase())
                        .unwrap_or_default()
                };
                // goreleaser's build and release run the hooks and builds of its configuration.
                let goreleaser = action == "goreleaser/goreleaser-action"
                    && matches!(
                        with_text("args").split_whitespace().next(),
                        Some("build" | "release")
                    );
                // A github-script that loads a script of the repository.
                let script = action == "actions/github-script"
                    && ["require('./", "require(\"./", "import('./", "import(\"./"]
                        .iter()
                        .any(|r| with_text("script").contains(r));
                let gradle = action == "gradle/gradle-build-action"
                    && step.with_value("arguments").is_some();
                if goreleaser || script || gradle || RUNNING_ACTIONS.iter().any(|a| action == *a) {
                    return Some(RepoCode {
                        span: uses.raw.span.clone(),
                        what: format!("`{action}`, which runs the repository's commands"),
                    });
                }
            }
            UsesTarget::Docker(_) => {}
        }
    }
    let run = step.run?;
    let script = step.script.as_ref()?;
    let base = run.content.start;
    script.commands.iter().find_map(|cmd| {
        let what = command_runs_repository_code(cmd)?;
        let span = base + cmd.span.start..base + cmd.span.end;
        let shown = crate::text::first_line_preview(text.get(span.clone()).unwrap_or(""));
        Some(RepoCode {
            span,
            what: if what.is_empty() {
                format!("`{shown}`")
            } else {
                format!("`{shown}` ({what})")
            },
        })
    })
}

/// Whether a path names a file of the checkout (relative, or under `$GITHUB_WORKSPACE`).
fn repository_path(p: &str) -> bool {
    let p = p.trim_matches(['"', '\'']);
    let lower = p.to_ascii_lowercase();
    if lower.starts_with("$github_workspace") || lower.starts_with("${github_workspace}") {
        return true;
    }
    !p.is_empty()
        && !p.starts_with(['/', '$', '~', '-'])
        && !p.contains("://")
        && (p.contains('/') || p.contains('.'))
}

/// Why a command runs repository code (`""` when the command itself says it), if it does.
fn command_runs_repository_code(cmd: &Command) -> Option<&'static str> {
    let program = cmd.program()?;
    let name = cmd.program_name()?;
    let positional = cmd.non_flag_args();
    let sub = positional.first().copied().unwrap_or("");
    // `./build.sh`, `scripts/test`, `./gradlew`.
    if !program.starts_with('/') && program.contains('/') && !program.starts_with('$') {
        return Some("a repository script");
    }
    let yes = |b: bool| b.then_some("");
    // An install told to run no lifecycle scripts runs no code of the packages it installs.
    let install = matches!(sub, "" | "ci" | "install" | "i" | "isntall" | "add");
    if matches!(name, "npm" | "yarn" | "pnpm" | "bun")
        && install
        && cmd.has_flag("--ignore-scripts")
    {
        return None;
    }
    match name {
        "npm" => yes(matches!(
            sub,
            "ci" | "install"
                | "i"
                | "isntall"
                | "add"
                | "test"
                | "t"
                | "tst"
                | "run"
                | "run-script"
                | "rum"
                | "urn"
                | "start"
                | "stop"
                | "restart"
                | "build"
                | "exec"
                | "x"
                | "rebuild"
                | "pack"
                | "publish"
                | "install-test"
                | "it"
                | "cit"
                | "install-ci-test"
        ) && !cmd.has_flag("-g")
            && !cmd.has_flag("--global")),
        // Any other word runs a script of package.json (`yarn build`, `pnpm lint`).
        "yarn" | "pnpm" | "bun" => yes(!matches!(
            sub,
            "dlx"
                | "global"
                | "config"
                | "cache"
                | "store"
                | "why"
                | "info"
                | "view"
                | "outdated"
                | "audit"
                | "licenses"
                | "set"
                | "version"
                | "env"
                | "setup"
                | "upgrade"
        ) && !cmd.has_flag("--version")
            && !cmd.has_flag("-v")
            && !cmd.has_flag("-g")
            && !cmd.has_flag("--global")),
        // Binaries of node_modules, reading the repository's configuration.
        "npx" | "pnpx" | "bunx" => Some(""),
        "goreleaser" => yes(matches!(sub, "build" | "release")),
        "make" | "gmake" | "cmake" | "ninja" | "just" | "task" | "mage" | "rake" | "gradle"
        | "mvn" | "ant" | "sbt" | "msbuild" | "xcodebuild" | "pytest" | "tox" | "nox" | "rspec"
        | "phpunit" | "turbo" | "nx" | "lerna" | "mix" | "pre-commit" => Some(""),
        "cargo" => yes(matches!(
            sub,
            "build" | "test" | "run" | "bench" | "check" | "clippy" | "doc" | "nextest" | "make"
        ) || (sub == "install" && cmd.has_flag("--path"))),
        "go" => yes(matches!(
            sub,
            "build" | "test" | "run" | "generate" | "vet" | "install"
        )),
        "dotnet" => yes(matches!(
            sub,
            "build" | "test" | "run" | "restore" | "pack" | "publish" | "msbuild"
        )),
        "swift" | "flutter" | "dart" | "deno" => {
            yes(matches!(sub, "build" | "test" | "run" | "task" | "pub"))
        }
        "poetry" | "pipenv" | "hatch" | "pdm" | "uv" => {
            yes(matches!(sub, "install" | "run" | "build" | "sync" | "test")
                || (sub == "pip"
                    && positional.get(1) == Some(&"install")
                    && pip_installs_repository(cmd)))
        }
        // The repository's Dockerfile gets the value through a build secret or argument.
        "docker" | "podman"
            if matches!(sub, "build" | "buildx")
                && (cmd.has_flag("--secret") || cmd.has_flag("--build-arg")) =>
        {
            Some("the repository's Dockerfile")
        }
        "pip" | "pip3" => yes(sub == "install" && pip_installs_repository(cmd)),
        "composer" => yes(matches!(
            sub,
            "install" | "update" | "run" | "run-script" | "test"
        )),
        "bundle" => yes(matches!(sub, "install" | "exec")),
        "python" | "python3" | "python2" | "py" => {
            let args = cmd.arg_values();
            if let Some(i) = args.iter().position(|a| *a == "-m") {
                let module = args.get(i + 1).copied().unwrap_or("");
                return match module {
                    "pip" => yes(args.contains(&"install") && pip_installs_repository(cmd)),
                    "build" | "pytest" | "unittest" | "tox" | "nox" | "hatch" | "poetry" => {
                        Some("")
                    }
                    _ => None,
                };
            }
            interpreter_file(cmd)
        }
        "node" | "ruby" | "perl" | "php" | "bash" | "sh" | "zsh" | "pwsh" | "powershell"
        | "tsx" | "ts-node" => interpreter_file(cmd),
        _ => None,
    }
}

/// An interpreter given a file of the repository (`node scripts/build.js`, `bash ci/test.sh`),
/// not inline code (`-c`, `-e`).
fn interpreter_file(cmd: &Command) -> Option<&'static str> {
    let args = cmd.arg_values();
    if args
        .iter()
        .any(|a| matches!(*a, "-c" | "-e" | "--eval" | "-Command" | "-command"))
    {
        return None;
    }
    let file = args.iter().find(|a| !a.starts_with('-'))?;
    repository_path(file).then_some("")
}

/// `pip install .`, `-e .`, `-r requirements.txt`: the repository's build or dependency list.
fn pip_installs_repository(cmd: &Command) -> bool {
    let args = cmd.arg_values();
    args.iter().any(|a| {
        matches!(*a, "." | "-e" | "--editable" | "-r" | "--requirement")
            || a.starts_with("./")
            || a.starts_with(".[")
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax::shell;

    fn runs(line: &str) -> bool {
        let s = shell::parse(line);
        s.commands
            .iter()
            .any(|c| command_runs_repository_code(c).is_some())
    }

    #[test]
    fn commands_that_run_repository_code() {
        for l in [
            "npm ci",
            "npm test",
            "yarn",
            "yarn build",
            "pnpm install --frozen-lockfile",
            "npx jest",
            "make test",
            "./gradlew check",
            "scripts/ci.sh",
            "cargo test --all",
            "go test ./...",
            "python -m pytest",
            "python setup.py install",
            "pip install -e .",
            "pip install -r requirements.txt",
            "node scripts/build.js",
            "bash ci/run.sh",
            "uv sync",
            "bundle exec rake",
            "dotnet test",
            "goreleaser release --clean",
            "docker build --secret id=npm,env=NPM_TOKEN .",
        ] {
            assert!(runs(l), "{l}");
        }
        for l in [
            "echo hi",
            "npm install -g pnpm",
            "pnpm dlx cowsay",
            "pnpm install --ignore-scripts",
            "goreleaser check",
            "npm ci --ignore-scripts",
            "docker build -t x .",
            "curl -sSf https://example.com/x",
            "python -c 'print(1)'",
            "node --version",
            "pip install awscli",
            "gh pr comment 1 --body x",
            "aws s3 ls",
            "docker login -u x",
            "/usr/bin/env",
        ] {
            assert!(!runs(l), "{l}");
        }
    }
}
