//! `chainwarden check`: walk, analyse on every core, print, optionally fix.

use super::{output, Format};
use crate::config::Config;
use crate::engine::{self, Document};
use crate::finding::{FileFinding, Severity};
use crate::kind;
use crate::workspace;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

pub struct Options {
    pub paths: Vec<PathBuf>,
    pub format: Format,
    pub fix: bool,
    pub online: bool,
    pub fail_on: Severity,
}

/// A file to analyse, and whether the user named it directly (errors on those exit 2).
struct Target {
    path: PathBuf,
    named: bool,
}

/// A checked file's findings, with its text for the caret lines.
pub struct Checked {
    pub path: PathBuf,
    pub text: String,
    pub findings: Vec<FileFinding>,
}

pub fn run(opts: Options) -> i32 {
    let paths = if opts.paths.is_empty() { vec![PathBuf::from(".")] } else { opts.paths.clone() };
    let mut hard_error = false;
    let root = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
    let (mut config, config_error) = Config::load(&root);
    if let Some(err) = config_error {
        eprintln!("error: {err} (using defaults)");
        hard_error = true;
    }
    config.online |= opts.online;

    let mut targets = Vec::new();
    for p in &paths {
        if !p.exists() {
            eprintln!("error: {}: no such file or directory", p.display());
            hard_error = true;
            continue;
        }
        if p.is_file() {
            targets.push(Target { path: p.clone(), named: true });
            continue;
        }
        for entry in ignore::WalkBuilder::new(p).hidden(false).build() {
            match entry {
                Ok(e) if e.file_type().is_some_and(|t| t.is_file()) => {
                    let path = e.into_path();
                    if kind::detect(&path).is_some() && !config.is_ignored(strip_dot(&path)) {
                        targets.push(Target { path, named: false });
                    }
                }
                Ok(_) => {}
                Err(e) => eprintln!("warning: {e}"),
            }
        }
    }

    let results = Mutex::new(Vec::<Checked>::new());
    let errors = Mutex::new(false);
    let next = std::sync::atomic::AtomicUsize::new(0);
    let workers = std::thread::available_parallelism().map_or(1, |n| n.get()).min(targets.len().max(1));
    std::thread::scope(|s| {
        for _ in 0..workers {
            s.spawn(|| loop {
                let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                let Some(t) = targets.get(i) else { break };
                match check_file(&t.path, &config, opts.fix) {
                    Ok(Some(c)) => results.lock().unwrap().push(c),
                    Ok(None) => {}
                    Err(msg) => {
                        eprintln!("error: {}: {msg}", t.path.display());
                        if t.named {
                            *errors.lock().unwrap() = true;
                        }
                    }
                }
            });
        }
    });
    hard_error |= errors.into_inner().unwrap();
    let mut results = results.into_inner().unwrap();
    results.sort_by(|a, b| a.path.cmp(&b.path));

    let out = output::render(opts.format, &results);
    print!("{out}");
    if hard_error {
        return 2;
    }
    let failing = results
        .iter()
        .flat_map(|c| &c.findings)
        .any(|f| f.finding.severity >= opts.fail_on);
    i32::from(failing)
}

fn strip_dot(p: &Path) -> &Path {
    p.strip_prefix("./").unwrap_or(p)
}

fn check_file(path: &Path, config: &Config, fix: bool) -> Result<Option<Checked>, String> {
    let Some(kind) = kind::detect(path) else { return Ok(None) };
    let bytes = std::fs::read(path).map_err(|e| e.to_string())?;
    let text = String::from_utf8(bytes).map_err(|_| "not valid UTF-8; skipped".to_string())?;
    let display = strip_dot(path).to_path_buf();
    let facts = workspace::gather(path, None);
    let mut text = text;
    if fix {
        let doc = Document { path: &display, kind, text: &text };
        let fixed = engine::fix_all(&doc, &facts, config);
        if fixed != text {
            std::fs::write(path, &fixed).map_err(|e| format!("cannot write fixes: {e}"))?;
            text = fixed;
        }
    }
    let doc = Document { path: &display, kind, text: &text };
    let findings = engine::analyze_text(&doc, &facts, config)
        .into_iter()
        .map(|finding| FileFinding { path: display.clone(), finding })
        .collect();
    Ok(Some(Checked { path: display, text, findings }))
}
