//! The command line: `check`, `explain`, `rules`, `lsp`.

mod check;
mod output;

use clap::{Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

#[derive(Parser)]
#[command(
    name = "chainwarden",
    version,
    about = "Guards the chain that builds and ships software"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// `path:line:col: severity[rule] message`, the source line, and a summary at the end.
    Text,
    /// One JSON document (`{"version": 1, "findings": [...]}`), a stable schema for tools.
    Json,
    /// SARIF 2.1.0 for GitHub code scanning (paths relative to the repository root).
    Sarif,
    /// GitHub Actions workflow commands (`::error file=…`, paths from the repository root):
    /// annotations on a pull request.
    Github,
}

/// What `check --help` adds after the options.
const CHECK_AFTER_HELP: &str = "\
Files checked:
  GitHub Actions workflows (.github/workflows/*.yml, *.yaml) and actions (action.yml, action.yaml),
  Dockerfiles (Dockerfile, Containerfile, *.Dockerfile, Dockerfile.*, Dockerfile-*),
  compose files (docker-compose*.yml, compose*.yml), package.json, and JS/TS sources
  (*.js *.mjs *.cjs *.jsx *.ts *.mts *.cts *.tsx) outside node_modules, dist and build output.
  Other files are skipped.

Exit codes:
  0  no finding at or above --fail-on
  1  at least one finding at or above --fail-on
  2  a usage error, a broken chainwarden.toml, or a path you named that cannot be read

Examples:
  chainwarden check                          check the current folder
  chainwarden check .github Dockerfile       a folder and a file
  chainwarden check --fix                    apply every safe fix, then report what is left
  chainwarden check --fail-on high           fail only on high and critical findings
  chainwarden check --format sarif > results.sarif   for GitHub code scanning
  chainwarden explain unpinned-ci-actions    what a rule means and how to fix it";

/// The `--fail-on` values, with what each one fails on.
fn fail_on_values() -> clap::builder::PossibleValuesParser {
    use clap::builder::PossibleValue;
    clap::builder::PossibleValuesParser::new([
        PossibleValue::new("low").help("fail on any finding (the default)"),
        PossibleValue::new("medium").help("fail on medium, high and critical findings"),
        PossibleValue::new("high").help("fail on high and critical findings"),
        PossibleValue::new("critical").help("fail only on critical findings"),
    ])
}

#[derive(Subcommand)]
enum Command {
    /// Check files and folders (default: the current folder).
    ///
    /// Prints each finding, then a summary: findings by severity, how many `--fix` can fix, and
    /// the `chainwarden explain` command for each rule found.
    #[command(after_long_help = CHECK_AFTER_HELP)]
    Check {
        /// Files or folders to check [default: .]. Folders are walked recursively, skipping
        /// what .gitignore ignores and chainwarden.toml's `ignore` globs; a file you name is
        /// always checked.
        #[arg(value_name = "PATHS")]
        paths: Vec<PathBuf>,
        /// Output format.
        #[arg(long, value_enum, default_value = "text")]
        format: Format,
        /// Apply every safe fix to the files on disk.
        #[arg(long)]
        fix: bool,
        /// Resolve action tags over the network (GitHub API) when the built-in table lacks them.
        #[arg(long)]
        online: bool,
        /// Also report the pedantic tier of rules (`chainwarden rules` marks them).
        #[arg(long)]
        pedantic: bool,
        /// Exit with 1 when a finding at or above this severity remains.
        #[arg(long, value_name = "SEVERITY", default_value = "low", ignore_case = true, value_parser = fail_on_values())]
        fail_on: String,
        /// Use this configuration file instead of the repository's own chainwarden.toml (in CI,
        /// the base branch's copy, so a pull request cannot change what is checked). Like the
        /// repository's file it may narrow, never turn the network on.
        #[arg(long, value_name = "PATH", conflicts_with = "no_config")]
        config: Option<PathBuf>,
        /// Ignore the repository's chainwarden.toml (defaults plus your user configuration).
        #[arg(long)]
        no_config: bool,
    },
    /// Show a rule's documentation.
    Explain { rule: String },
    /// List every rule.
    Rules,
    /// Run the language server on stdio.
    Lsp {
        #[arg(long)]
        stdio: bool,
    },
}

/// Write to stdout; a reader that went away (`chainwarden check | head`) is no error.
fn print_stdout(text: &str) {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(text.as_bytes()).and_then(|()| out.flush());
}

pub fn main() -> i32 {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() { 2 } else { 0 };
        }
    };
    match cli.command {
        Command::Check {
            paths,
            format,
            fix,
            online,
            pedantic,
            fail_on,
            config,
            no_config,
        } => {
            let Some(fail_on) = crate::finding::Severity::parse(&fail_on) else {
                eprintln!(
                    "error: --fail-on must be one of low, medium, high, critical (got `{fail_on}`)"
                );
                return 2;
            };
            check::run(check::Options {
                paths,
                format,
                fix,
                online,
                pedantic,
                fail_on,
                config: match (config, no_config) {
                    (Some(path), _) => check::ConfigChoice::File(path),
                    (None, true) => check::ConfigChoice::None,
                    (None, false) => check::ConfigChoice::Discover,
                },
            })
        }
        Command::Explain { rule } => match crate::rules::doc(&rule) {
            Some(d) => {
                print_stdout(&format!(
                    "{} ({})\n{}\n\n{}\n",
                    d.id, d.severity, d.title, d.body
                ));
                0
            }
            None => {
                eprintln!("error: unknown rule `{rule}` (see `chainwarden rules`)");
                2
            }
        },
        Command::Rules => {
            let list: String = crate::rules::all()
                .iter()
                .map(|d| {
                    let tier = if d.pedantic { "pedantic" } else { "" };
                    format!(
                        "{:<34} {:<9} {:<9} {}\n",
                        d.id,
                        d.severity.as_str(),
                        tier,
                        d.title
                    )
                })
                .collect();
            print_stdout(&list);
            0
        }
        Command::Lsp { .. } => crate::lsp::run(),
    }
}
