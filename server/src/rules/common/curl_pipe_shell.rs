//! curl-pipe-shell: a downloaded script runs without being verified (`curl … | sh`,
//! `bash <(curl …)`, `sh -c "$(curl …)"`).

use crate::engine::Ctx;
use crate::finding::Finding;
use crate::syntax::shell::{self, Command, Nesting, Script};

pub const ID: &str = "curl-pipe-shell";

const SHELLS: &[&str] = &["sh", "bash", "zsh", "dash", "ksh", "ash", "mksh", "fish"];
const INTERPRETERS: &[&str] = &[
    "python",
    "python2",
    "python3",
    "perl",
    "ruby",
    "node",
    "php",
    "pwsh",
    "powershell",
];

/// `script` is a raw slice of the document starting at byte `base`.
pub fn check_script(ctx: &Ctx, script: &str, base: usize, out: &mut Vec<Finding>) {
    check_parsed(ctx, script, &shell::parse(script), base, out);
}

pub fn check_parsed(
    _ctx: &Ctx,
    _script: &str,
    parsed: &Script,
    base: usize,
    out: &mut Vec<Finding>,
) {
    let shift = |r: std::ops::Range<usize>| r.start + base..r.end + base;
    for (i, cmd) in parsed.commands.iter().enumerate() {
        let Some(runner) = cmd.program_name() else {
            continue;
        };
        let is_shell = SHELLS.contains(&runner);
        let is_interp = INTERPRETERS.iter().any(|p| {
            runner
                .strip_prefix(p)
                .is_some_and(|v| v.is_empty() || v.starts_with("3."))
        });
        // `curl … | sh`
        if (is_shell || is_interp) && reads_script_from_stdin(cmd, is_shell) {
            let from_download = parsed
                .upstream(i)
                .into_iter()
                .rev()
                .find(|&u| is_download_to_stdout(&parsed.commands[u]));
            if let Some(dl) =
                from_download.filter(|&u| !downloads_pinned_commit(&parsed.commands[u]))
            {
                let d = &parsed.commands[dl];
                let span =
                    shift(d.span.start..cmd.program_word().map_or(cmd.span.end, |w| w.span.end));
                out.push(Finding::new(
                    ID,
                    span,
                    format!("{} is piped into {runner}", describe(d)),
                ));
                continue;
            }
        }
        // `bash <(curl …)`, `source <(curl …)`, `sh -c "$(curl …)"`, `eval "$(curl …)"`
        let sources = matches!(runner, "source" | ".");
        let evaluates =
            runner == "eval" || ((is_shell || is_interp) && has_inline_script_flag(cmd, is_shell));
        if !(is_shell || is_interp || sources || runner == "eval") {
            continue;
        }
        for n in parsed.nested_in(i) {
            let inner = &parsed.commands[n];
            if inner.parent != Some(i)
                || !is_download_to_stdout(inner)
                || downloads_pinned_commit(inner)
            {
                continue;
            }
            let fires = match inner.nesting {
                Nesting::ProcessSubstitution => !evaluates,
                Nesting::CommandSubstitution => evaluates && substitution_is_whole_word(cmd, inner),
                Nesting::Top => false,
            };
            if fires {
                out.push(Finding::new(
                    ID,
                    shift(cmd.span.clone()),
                    format!("{} is run by {runner}", describe(inner)),
                ));
                break;
            }
        }
    }
}

/// The shell or interpreter reads its program from standard input (`sh`, `bash -s -- x`,
/// `python3 -`), not from a file argument or `-c`.
fn reads_script_from_stdin(cmd: &Command, is_shell: bool) -> bool {
    let mut saw_s = false;
    let mut args = cmd.args().iter();
    while let Some(w) = args.next() {
        let a = w.value.as_str();
        if a == "--" {
            return saw_s || args.next().is_none();
        }
        if a == "-" {
            return true;
        }
        if let Some(flags) = a.strip_prefix('-') {
            if is_shell && !a.starts_with("--") {
                if flags.contains('c') {
                    return false;
                }
                saw_s |= flags.contains('s');
                if flags == "o" || flags == "O" {
                    args.next(); // `-o pipefail`
                }
            } else if !is_shell
                && matches!(
                    a,
                    "-c" | "-e"
                        | "-m"
                        | "-r"
                        | "-p"
                        | "--eval"
                        | "--print"
                        | "-Command"
                        | "-File"
                        | "-EncodedCommand"
                )
            {
                return false;
            }
            continue;
        }
        return is_shell && saw_s;
    }
    true
}

/// `sh -c …`, `bash -ec …`, `python -c …`, `node -e …`.
fn has_inline_script_flag(cmd: &Command, is_shell: bool) -> bool {
    cmd.args().iter().any(|w| {
        let a = w.value.as_str();
        if is_shell {
            a.starts_with('-') && !a.starts_with("--") && a[1..].contains('c')
        } else {
            matches!(a, "-c" | "-e" | "--eval" | "-Command")
        }
    })
}

/// The substitution is (almost) the whole argument: `"$(curl …)"`, not `"echo $(curl …)"`.
fn substitution_is_whole_word(outer: &Command, inner: &Command) -> bool {
    outer.words.iter().any(|w| {
        if !(w.span.start <= inner.span.start && inner.span.end <= w.span.end) {
            return false;
        }
        let v = w.value.trim();
        (v.starts_with("$(") && v.ends_with(')')) || (v.starts_with('`') && v.ends_with('`'))
    })
}

/// curl/wget (and friends) writing the download to standard output.
pub fn is_download_to_stdout(cmd: &Command) -> bool {
    let Some(p) = cmd.program_name() else {
        return false;
    };
    let args = cmd.args();
    let value_after = |i: usize| args.get(i + 1).map(|w| w.value.as_str());
    match p {
        "curl" => {
            for (i, w) in args.iter().enumerate() {
                let a = w.value.as_str();
                let to_file = match a {
                    "-o" | "--output" => !matches!(value_after(i), Some("-" | "/dev/stdout")),
                    "-O" | "--remote-name" | "--remote-name-all" => true,
                    _ if a.starts_with("--output=") => !matches!(&a[9..], "-" | "/dev/stdout"),
                    // Clustered short flags: `-fsSLo file`, `-sLO`.
                    _ if a.starts_with('-') && !a.starts_with("--") => {
                        let f = &a[1..];
                        if f.contains('O') {
                            true
                        } else if let Some(k) = f.find('o') {
                            let v = if k + 1 == f.len() {
                                value_after(i)
                            } else {
                                Some(&f[k + 1..])
                            };
                            !matches!(v, Some("-" | "/dev/stdout"))
                        } else {
                            false
                        }
                    }
                    _ => false,
                };
                if to_file {
                    return false;
                }
            }
            true
        }
        "wget" => args.iter().enumerate().any(|(i, w)| {
            let a = w.value.as_str();
            if a == "-O" || a == "--output-document" {
                return matches!(value_after(i), Some("-" | "/dev/stdout"));
            }
            if let Some(v) = a.strip_prefix("--output-document=") {
                return v == "-" || v == "/dev/stdout";
            }
            a.starts_with('-')
                && !a.starts_with("--")
                && (a.ends_with("O-") || (a.ends_with('O') && matches!(value_after(i), Some("-"))))
        }),
        "fetch" => args
            .windows(2)
            .any(|p| p[0].value == "-o" && p[1].value == "-"),
        _ => false,
    }
}

/// The URL names a fixed commit (`raw.githubusercontent.com/o/r/<40-hex sha>/install.sh`): the
/// content cannot change under the same URL.
fn downloads_pinned_commit(dl: &Command) -> bool {
    dl.args()
        .iter()
        .filter(|w| w.value.contains("://"))
        .any(|w| {
            let host_is_github = ["raw.githubusercontent.com/", "github.com/", "gitlab.com/"]
                .iter()
                .any(|h| w.value.contains(h));
            host_is_github
                && w.value
                    .split('/')
                    .any(|seg| seg.len() == 40 && seg.bytes().all(|b| b.is_ascii_hexdigit()))
        })
}

/// "Script from https://… (curl)".
fn describe(dl: &Command) -> String {
    let tool = dl.program_name().unwrap_or("download");
    match dl.args().iter().find(|w| w.value.contains("://")) {
        Some(url) if !url.value.contains("${{") => {
            format!("Script downloaded from {} ({tool})", url.value)
        }
        _ => format!("Script downloaded by {tool}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kind::FileKind;
    use crate::rules::common::test_support::run_on;

    fn fires(script: &str) -> usize {
        run_on(FileKind::Workflow, script, |ctx, out| {
            check_script(ctx, script, 0, out)
        })
        .len()
    }

    #[test]
    fn fires_on_remote_scripts_run_by_a_shell() {
        for s in [
            "curl -fsSL https://get.example.com | sh",
            "curl -sL https://deb.nodesource.com/setup_20.x | sudo -E bash -",
            "wget -qO- https://x.io/install.sh | bash",
            "wget -O - https://x.io/install.sh | sh -s -- --yes",
            "curl https://x | tee /tmp/log | bash",
            "bash <(curl -s https://x/install.sh)",
            "source <(curl -s https://x/env.sh)",
            "sh -c \"$(curl -fsSL https://raw.githubusercontent.com/ohmyzsh/install.sh)\"",
            "bash -c \"$(wget -qO- https://x)\"",
            "eval \"$(curl -s https://x)\"",
            "curl -s https://bootstrap.pypa.io/get-pip.py | python3",
            "  if curl -fsSL https://x | sh; then echo ok; fi",
            "curl -fsSL https://x \\\n  | bash",
        ] {
            assert_eq!(fires(s), 1, "{s}");
        }
    }

    #[test]
    fn quiet_on_verified_or_non_script_downloads() {
        for s in [
            "curl -fsSLo install.sh https://x/install.sh\necho \"abc  install.sh\" | sha256sum -c -\nsh install.sh",
            "curl -sSL https://x/key.gpg | gpg --dearmor -o /usr/share/keyrings/x.gpg",
            "curl -s https://api.github.com/repos/a/b | jq -r .tag_name",
            "curl -L https://x/a.tgz | tar xz",
            "curl -o out.sh https://x | sh",
            "wget https://x/install.sh | sh",
            "echo 'curl https://x | sh'",
            "curl -s https://x | python3 -c 'import json,sys; print(json.load(sys.stdin))'",
            "curl -s https://x | bash -c 'cat > f'",
            "sh -c \"echo $(curl -s https://x/version)\"",
            "bash ./install.sh",
            "cat install.sh | sh",
            "diff <(curl -s https://a) <(curl -s https://b)",
            "# curl https://x | sh",
            "curl -sSfL https://raw.githubusercontent.com/anchore/syft/e9e34948534ab945c7e750376235cfe0c442f532/install.sh | sh -s -- -b /usr/local/bin",
            "bash <(curl -s https://raw.githubusercontent.com/rhysd/actionlint/7b75d16d41920ec126e6f3269db0c6f3ab613c38/scripts/download-actionlint.bash)",
        ] {
            assert_eq!(fires(s), 0, "{s}");
        }
    }

    #[test]
    fn span_covers_download_through_shell() {
        let s = "echo hi; curl -fsSL https://x | sh -s";
        let f = run_on(FileKind::Workflow, s, |ctx, out| {
            check_script(ctx, s, 100, out)
        });
        assert_eq!(f[0].span, 109..134);
        assert!(f[0].message.contains("https://x"));
    }
}
