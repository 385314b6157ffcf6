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
    Text,
    Json,
    Sarif,
    Github,
}

#[derive(Subcommand)]
enum Command {
    /// Check files and folders (default: the current folder).
    Check {
        paths: Vec<PathBuf>,
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
        #[arg(long, default_value = "low")]
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
                println!("{} ({})\n{}\n\n{}", d.id, d.severity, d.title, d.body);
                0
            }
            None => {
                eprintln!("error: unknown rule `{rule}` (see `chainwarden rules`)");
                2
            }
        },
        Command::Rules => {
            for d in crate::rules::all() {
                let tier = if d.pedantic { "pedantic" } else { "" };
                println!(
                    "{:<34} {:<9} {:<9} {}",
                    d.id,
                    d.severity.as_str(),
                    tier,
                    d.title
                );
            }
            0
        }
        Command::Lsp { .. } => crate::lsp::run(),
    }
}
