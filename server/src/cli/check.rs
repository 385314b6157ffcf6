//! `chainwarden check`: walk, analyse on every core, print, optionally fix.

use super::{output, Format};
use crate::config::{Config, UserSettings};
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
    /// `--pedantic`: the pedantic tier too.
    pub pedantic: bool,
    pub fail_on: Severity,
    pub config: ConfigChoice,
}

/// Which repository configuration applies.
pub enum ConfigChoice {
    /// `chainwarden.toml` or `.github/chainwarden.toml` of the first named folder that has one.
    Discover,
    /// `--config PATH`: this file instead (e.g. the base branch's, on a pull request).
    File(PathBuf),
    /// `--no-config`: none.
    None,
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
    /// Fixes `--fix` applied to the file.
    pub fixes: usize,
}

pub fn run(opts: Options) -> i32 {
    let paths = if opts.paths.is_empty() {
        vec![PathBuf::from(".")]
    } else {
        opts.paths.clone()
    };
    let mut hard_error = false;
    let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
    let repo = Repo {
        root: output::report_root(&paths, &cwd),
        cwd: cwd.clone(),
    };
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
    let (mut config, config_error) = match &opts.config {
        ConfigChoice::Discover => Config::load(&root),
        ConfigChoice::File(path) => Config::load_file(path),
        ConfigChoice::None => (Config::default(), None),
    };
    if let Some(err) = config_error {
        eprintln!("error: {err} (continuing with the default configuration)");
        hard_error = true;
    }
    for warning in &config.warnings {
        eprintln!("warning: {warning}");
    }
    let (user, user_error) = UserSettings::load();
    if let Some(err) = user_error {
        eprintln!("error: {err} (your user configuration is not applied)");
        hard_error = true;
    }
    let wanted_online = opts.online || user.online.unwrap_or(false);
    config.apply_user(&user, opts.online);
    config.pedantic |= opts.pedantic;
    if wanted_online && !config.online {
        eprintln!("note: the repository's configuration turns online resolution off");
    }

    let mut targets = Vec::new();
    let mut test_data = kind::SkippedTestData::default();
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
            if repo.kind(p).is_none() {
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
                    let Some(k) = repo.kind(&path) else {
                        continue;
                    };
                    if config.is_ignored(relative) {
                        continue;
                    }
                    // Test data is judged below the folder walked, so `check tests/fixtures`
                    // still analyses what it was pointed at.
                    let below = path.strip_prefix(p).unwrap_or(relative);
                    if config.skips_test_data(below, k) {
                        test_data.count(below);
                        continue;
                    }
                    targets.push(Target { path, named: false });
                }
                Ok(_) => {}
                Err(e) => eprintln!("warning: {e}; skipped"),
            }
        }
    }

    if let Some(note) = test_data.note() {
        eprintln!("{note}");
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
                match check_file(&t.path, &repo, &root, &config, &facts, opts.fix) {
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

    let out = output::render(opts.format, &results, &repo.root);
    super::print_stdout(&out);
    if opts.fix {
        eprintln!("{}", output::applied_fixes(&results));
    }
    if hard_error {
        return 2;
    }
    let failing = results
        .iter()
        .flat_map(|c| &c.findings)
        .any(|f| f.finding.severity >= opts.fail_on);
    i32::from(failing)
}

/// The repository being checked (see [`output::report_root`]) and the current folder.
struct Repo {
    root: PathBuf,
    cwd: PathBuf,
}

impl Repo {
    /// The kind of a file, from its path as given or, for a YAML file whose path as given does
    /// not say (`ci.yml` named inside `.github/workflows/`), from its path in the repository.
    fn kind(&self, path: &Path) -> Option<kind::FileKind> {
        kind::detect(path).or_else(|| {
            let name = path.file_name()?.to_str()?.to_ascii_lowercase();
            if !(name.ends_with(".yml") || name.ends_with(".yaml")) {
                return None;
            }
            let absolute = output::absolute(&self.cwd, path);
            kind::detect(absolute.strip_prefix(&self.root).ok()?)
        })
    }
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
/// package.json and dependabot.yml, whose facts are their own).
#[derive(Default)]
struct FactsByFolder(Mutex<std::collections::HashMap<PathBuf, workspace::Facts>>);

impl FactsByFolder {
    fn get(&self, path: &Path, root: &Path) -> workspace::Facts {
        let folder = path
            .parent()
            .filter(|_| path.file_name() != Some("package.json".as_ref()))
            .filter(|_| kind::detect(path) != Some(kind::FileKind::Dependabot));
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
    repo: &Repo,
    root: &Path,
    config: &Config,
    facts: &FactsByFolder,
    fix: bool,
) -> Result<Option<Checked>, String> {
    let Some(kind) = repo.kind(path) else {
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
            fixes: 0,
        }));
    }
    let text = String::from_utf8(bytes).expect("checked by Skipped::of");
    let mut facts = facts.get(path, root);
    if matches!(kind, kind::FileKind::Workflow | kind::FileKind::Action) {
        crate::resolve::prefetch_online(config, &text, &mut facts);
    }
    let mut text = text;
    let mut fixes = 0;
    if fix {
        let doc = Document {
            path: &display,
            kind,
            text: &text,
        };
        let (fixed, applied) = engine::fix_all_counted(&doc, &facts, config);
        if fixed != text {
            std::fs::write(path, &fixed)
                .map_err(|e| format!("cannot write fixes: {}", describe_io_error(&e)))?;
            eprintln!("fixed: {}", display.display());
            text = fixed;
            fixes = applied;
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
        fixes,
    }))
}
