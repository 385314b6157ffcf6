//! `chainwarden check`: walk, analyse on every core, print, optionally fix.

use super::{output, Format};
use crate::config::Config;
use crate::engine::{self, Document};
use crate::finding::{FileFinding, Severity};
use crate::kind;
use crate::rules::common::file_not_analysed::Skipped;
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

/// A checked file's findings, with its text for the caret lines (empty for a file that was not
/// analysed: binary or not UTF-8).
pub struct Checked {
    pub path: PathBuf,
    pub text: String,
    pub findings: Vec<FileFinding>,
}

pub fn run(opts: Options) -> i32 {
    let paths = if opts.paths.is_empty() {
        vec![PathBuf::from(".")]
    } else {
        opts.paths.clone()
    };
    let mut hard_error = false;
    let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
    // The config comes from the first named folder that has one, else the current folder.
    let root = paths
        .iter()
        .filter(|p| p.is_dir())
        .find(|p| {
            crate::config::CONFIG_LOCATIONS
                .iter()
                .any(|c| p.join(c).is_file())
        })
        .cloned()
        .unwrap_or(cwd);
    let (mut config, config_error) = Config::load(&root);
    if let Some(err) = config_error {
        eprintln!("error: {err} (continuing with the default configuration)");
        hard_error = true;
    }
    config.online |= opts.online;

    let mut targets = Vec::new();
    for p in &paths {
        let meta = match std::fs::metadata(p) {
            Ok(m) => m,
            Err(e) => {
                eprintln!("error: {}: {}", p.display(), describe_io_error(&e));
                hard_error = true;
                continue;
            }
        };
        if meta.is_file() {
            if kind::detect(p).is_none() {
                eprintln!(
                    "warning: {}: not a file chainwarden understands; skipped",
                    p.display()
                );
            }
            targets.push(Target {
                path: p.clone(),
                named: true,
            });
            continue;
        }
        if let Err(e) = std::fs::read_dir(p) {
            eprintln!("error: {}: {}", p.display(), describe_io_error(&e));
            hard_error = true;
            continue;
        }
        for entry in ignore::WalkBuilder::new(p).hidden(false).build() {
            match entry {
                Ok(e) if e.file_type().is_some_and(|t| t.is_file()) => {
                    let path = e.into_path();
                    let relative = path.strip_prefix(&root).unwrap_or(strip_dot(&path));
                    if kind::detect(&path).is_some() && !config.is_ignored(relative) {
                        targets.push(Target { path, named: false });
                    }
                }
                Ok(_) => {}
                Err(e) => eprintln!("warning: {e}; skipped"),
            }
        }
    }

    let results = Mutex::new(Vec::<Checked>::new());
    let facts = FactsByFolder::default();
    let errors = Mutex::new(false);
    let next = std::sync::atomic::AtomicUsize::new(0);
    let workers = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(targets.len().max(1));
    std::thread::scope(|s| {
        for _ in 0..workers {
            s.spawn(|| loop {
                let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                let Some(t) = targets.get(i) else { break };
                match check_file(&t.path, &root, &config, &facts, opts.fix) {
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

fn describe_io_error(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "no such file or directory".into(),
        std::io::ErrorKind::PermissionDenied => "permission denied".into(),
        _ if e.raw_os_error() == Some(40) => "too many levels of symbolic links".into(),
        _ => e.to_string(),
    }
}

/// What [`workspace::gather`] found for each folder, shared by the files in it (everything but
/// package.json, whose facts are its own).
#[derive(Default)]
struct FactsByFolder(Mutex<std::collections::HashMap<PathBuf, workspace::Facts>>);

impl FactsByFolder {
    fn get(&self, path: &Path, root: &Path) -> workspace::Facts {
        let folder = path
            .parent()
            .filter(|_| path.file_name() != Some("package.json".as_ref()));
        let Some(folder) = folder else {
            return workspace::gather(path, Some(root));
        };
        if let Some(facts) = self.0.lock().unwrap().get(folder) {
            return facts.clone();
        }
        let facts = workspace::gather(path, Some(root));
        self.0
            .lock()
            .unwrap()
            .insert(folder.to_path_buf(), facts.clone());
        facts
    }
}

fn check_file(
    path: &Path,
    root: &Path,
    config: &Config,
    facts: &FactsByFolder,
    fix: bool,
) -> Result<Option<Checked>, String> {
    let Some(kind) = kind::detect(path) else {
        return Ok(None);
    };
    let bytes = std::fs::read(path).map_err(|e| describe_io_error(&e))?;
    let display = strip_dot(path).to_path_buf();
    // Binary, not UTF-8 or too large: a finding on the file, never a silent skip.
    if let Some(skipped) = Skipped::of(&bytes, Some(engine::CHECK_MAX_BYTES)) {
        let findings = engine::skipped_finding(skipped, config)
            .map(|finding| FileFinding {
                path: display.clone(),
                finding,
            })
            .into_iter()
            .collect();
        return Ok(Some(Checked {
            path: display,
            text: String::new(),
            findings,
        }));
    }
    let text = String::from_utf8(bytes).expect("checked by Skipped::of");
    let mut facts = facts.get(path, root);
    if matches!(kind, kind::FileKind::Workflow | kind::FileKind::Action) {
        facts.pins = crate::resolve::online::pins_for(config, &text);
    }
    let mut text = text;
    if fix {
        let doc = Document {
            path: &display,
            kind,
            text: &text,
        };
        let fixed = engine::fix_all(&doc, &facts, config);
        if fixed != text {
            std::fs::write(path, &fixed)
                .map_err(|e| format!("cannot write fixes: {}", describe_io_error(&e)))?;
            eprintln!("fixed: {}", display.display());
            text = fixed;
        }
    }
    let doc = Document {
        path: &display,
        kind,
        text: &text,
    };
    let findings = engine::analyze_text(&doc, &facts, config)
        .into_iter()
        .map(|finding| FileFinding {
            path: display.clone(),
            finding,
        })
        .collect();
    Ok(Some(Checked {
        path: display,
        text,
        findings,
    }))
}
