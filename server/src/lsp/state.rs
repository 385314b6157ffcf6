//! The server's state: open documents, their latest analysis, workspace roots and configs, and
//! the analysis / publishing pipeline (off the reactor, panic-safe, never stale).

use super::convert::{self, Lines};
use super::document::{Document, Kept};
use crate::config::{Config, ConfigError, ConfigWarning, UserSettings};
use crate::engine::{self, MAX_ANALYSED_BYTES};
use crate::finding::Finding;
use crate::kind::{self, FileKind};
use crate::rules::common::file_not_analysed::Skipped;
use crate::syntax;
use crate::text::Encoding;
use crate::workspace;
use dashmap::DashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock, RwLock};
use tower_lsp_server::ls_types::{Diagnostic, DiagnosticSeverity, MessageType, Uri};
use tower_lsp_server::Client;

/// Test-only trigger: when this environment variable is set (read once at startup), an analysis
/// (and a hover) of a document containing its value panics. The protocol tests use it to prove
/// that a panic in one analysis or request does not take the server down.
pub const TEST_PANIC_ENV: &str = "CHAINWARDEN_TEST_PANIC_ON";

/// What the client told us in `initialize`.
#[derive(Clone, Copy, Debug)]
pub struct Negotiated {
    pub encoding: Encoding,
    pub work_done_progress: bool,
    pub document_changes: bool,
    pub watch_registration: bool,
    pub configuration: bool,
    pub apply_edit: bool,
}

impl Default for Negotiated {
    fn default() -> Negotiated {
        Negotiated {
            encoding: Encoding::Utf16,
            work_done_progress: false,
            document_changes: false,
            watch_registration: false,
            configuration: false,
            apply_edit: false,
        }
    }
}

/// The findings of one version of a document (open: `version` is `Some`).
#[derive(Clone)]
pub struct Analysed {
    pub version: Option<i32>,
    pub path: PathBuf,
    pub kind: FileKind,
    pub text: Arc<str>,
    pub findings: Arc<Vec<Finding>>,
}

/// Everything an analysis needs, detached from the document map.
pub struct Snapshot {
    pub uri: Uri,
    pub path: PathBuf,
    pub kind: Option<FileKind>,
    pub version: Option<i32>,
    pub text: Arc<str>,
    pub kept: Option<Kept>,
    /// Set when the file on disk is not UTF-8 (`text` is then a lossy copy, not analysed).
    pub not_utf8: Option<usize>,
}

pub enum Outcome {
    Findings(Vec<Finding>),
    /// Not a kind chainwarden understands: nothing is published.
    Unsupported,
    /// Excluded by the config's `ignore`: no diagnostics.
    Nothing,
    Panicked(String),
    /// A newer version arrived before the analysis started: skipped.
    Stale,
}

pub struct State {
    pub client: Client,
    pub negotiated: OnceLock<Negotiated>,
    pub docs: DashMap<Uri, Document>,
    /// Latest analysis of each open document (for hover and code actions).
    pub analyses: DashMap<Uri, Analysed>,
    /// Held while checking a version and publishing it, so published versions never go back.
    pub publish_lock: tokio::sync::Mutex<()>,
    pub roots: RwLock<Vec<PathBuf>>,
    pub configs: DashMap<PathBuf, Config>,
    /// Config files that currently have a diagnostic.
    pub config_errors: DashMap<PathBuf, ()>,
    /// `workspace/configuration` → `chainwarden.online` (a user-level editor setting).
    pub online_override: RwLock<Option<bool>>,
    /// `chainwarden.pedantic` (editor setting): `Some(true)` turns the pedantic tier on.
    pub pedantic_override: RwLock<Option<bool>>,
    /// The user's own settings (user config file, `CHAINWARDEN_*` variables), read at start
    /// and whenever the configuration changes. Only these and the editor setting may turn the
    /// network on; a workspace's chainwarden.toml may only turn it off.
    pub user: RwLock<UserSettings>,
    /// Supported files on disk found by the workspace scan or the file watcher.
    pub known: DashMap<PathBuf, FileKind>,
    pub panic_on: Option<String>,
}

impl State {
    pub fn new(client: Client) -> State {
        State {
            client,
            negotiated: OnceLock::new(),
            docs: DashMap::new(),
            analyses: DashMap::new(),
            publish_lock: tokio::sync::Mutex::new(()),
            roots: RwLock::new(Vec::new()),
            configs: DashMap::new(),
            config_errors: DashMap::new(),
            online_override: RwLock::new(None),
            pedantic_override: RwLock::new(None),
            // Read now, before any document can be analysed (the workspace scan reads it again
            // and reports a broken user config file).
            user: RwLock::new(UserSettings::load().0),
            known: DashMap::new(),
            panic_on: std::env::var(TEST_PANIC_ENV).ok().filter(|s| !s.is_empty()),
        }
    }

    /// When the test trigger ([`TEST_PANIC_ENV`]) is set, the panics it causes are expected:
    /// each leaves one short line on stderr instead of the default report (location, backtrace
    /// or the hint to get one), so a passing test log stays clean. Any other panic is reported
    /// as usual, by the hook that was in place.
    pub fn quiet_test_panics() {
        if std::env::var_os(TEST_PANIC_ENV).is_none() {
            return;
        }
        let report = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let payload = info.payload();
            let message = payload
                .downcast_ref::<String>()
                .map(String::as_str)
                .or_else(|| payload.downcast_ref::<&str>().copied())
                .unwrap_or("");
            if message.starts_with(TEST_PANIC_ENV) {
                eprintln!("chainwarden lsp: {message} (deliberate, for the tests)");
            } else {
                report(info);
            }
        }));
    }

    /// Panic when the test trigger ([`TEST_PANIC_ENV`]) is set and `text` contains it.
    pub fn test_panic(panic_on: Option<&str>, text: &str, place: &str) {
        if panic_on.is_some_and(|trigger| text.contains(trigger)) {
            panic!("{TEST_PANIC_ENV} trigger found in the document ({place})");
        }
    }

    pub fn negotiated(&self) -> Negotiated {
        self.negotiated.get().copied().unwrap_or_default()
    }

    pub fn encoding(&self) -> Encoding {
        self.negotiated().encoding
    }

    /// Log to stderr and to the client's log.
    pub async fn log(&self, typ: MessageType, message: String) {
        eprintln!("chainwarden lsp: {message}");
        self.client.log_message(typ, message).await;
    }

    /// The workspace root holding `path` (the deepest one), if any.
    pub fn root_of(&self, path: &Path) -> Option<PathBuf> {
        let roots = self.roots.read().map(|r| r.clone()).unwrap_or_default();
        roots
            .into_iter()
            .filter(|r| path.starts_with(r))
            .max_by_key(|r| r.components().count())
    }

    /// The config that applies to `path`: the workspace's file over the user's settings, with
    /// the editor's `online` setting deciding the network unless the workspace turned it off.
    pub fn config_for(&self, root: Option<&Path>) -> Config {
        let mut config = root
            .and_then(|r| self.configs.get(r).map(|c| c.clone()))
            .unwrap_or_default();
        if let Ok(user) = self.user.read() {
            config.apply_user(&user, false);
        }
        if let Some(online) = self.online_override.read().ok().and_then(|o| *o) {
            config.set_online(online);
        }
        // The editor setting adds the pedantic tier; it never removes what a config turned on.
        if self.pedantic_override.read().ok().and_then(|p| *p) == Some(true) {
            config.pedantic = true;
        }
        config
    }

    pub fn snapshot(&self, uri: &Uri) -> Option<Snapshot> {
        let doc = self.docs.get(uri)?;
        Some(Snapshot {
            uri: uri.clone(),
            path: doc.path.clone(),
            kind: doc.kind,
            version: Some(doc.version),
            text: doc.text().clone(),
            kept: doc.kept().cloned(),
            not_utf8: None,
        })
    }

    /// Whether a document for this file is open (compared by path: a client may spell the URI of
    /// a file differently from `Uri::from_file_path`).
    pub fn is_open_path(&self, path: &Path) -> bool {
        self.docs.iter().any(|d| d.path == path)
    }

    pub fn current_version(&self, uri: &Uri) -> Option<i32> {
        self.docs.get(uri).map(|d| d.version)
    }

    /// Analyse a snapshot on the blocking pool. Never panics.
    pub async fn analyse(self: &Arc<Self>, snap: &Snapshot) -> Outcome {
        let Some(kind) = snap.kind else {
            return Outcome::Unsupported;
        };
        let root = self.root_of(&snap.path);
        let config = self.config_for(root.as_deref());
        let relative = root
            .as_deref()
            .and_then(|r| snap.path.strip_prefix(r).ok())
            .unwrap_or(&snap.path)
            .to_path_buf();
        // Test data stays quiet even when opened, as in `chainwarden check` (SPEC §7.9).
        if config.is_ignored(&relative) || config.skips_test_data(&relative, kind) {
            return Outcome::Nothing;
        }
        // Binary, not UTF-8 or too large to re-analyse while typing: a finding, never silence.
        let skipped = match snap.not_utf8 {
            Some(valid_up_to) => Some(Skipped::NotUtf8 { valid_up_to }),
            None => Skipped::of_text(&snap.text, Some(MAX_ANALYSED_BYTES)),
        };
        if let Some(skipped) = skipped {
            return Outcome::Findings(
                engine::skipped_finding(skipped, &config)
                    .into_iter()
                    .collect(),
            );
        }
        let (path, text, kept) = (snap.path.clone(), snap.text.clone(), snap.kept.clone());
        let panic_on = self.panic_on.clone();
        let (state, uri, version) = (self.clone(), snap.uri.clone(), snap.version);
        let job = tokio::task::spawn_blocking(move || {
            if version.is_some() && state.current_version(&uri) != version {
                return None; // typing moved on; the newer version's analysis is queued
            }
            Some(std::panic::catch_unwind(std::panic::AssertUnwindSafe(
                || {
                    State::test_panic(panic_on.as_deref(), &text, "analysis");
                    let mut facts = workspace::gather(&path, root.as_deref());
                    if matches!(kind, FileKind::Workflow | FileKind::Action) {
                        crate::resolve::prefetch_online(&config, &text, &mut facts);
                    }
                    let syntax = match kept {
                        Some(kept) => kept.into_syntax(),
                        None => syntax::parse(kind, &path, &text, None),
                    };
                    let doc = engine::Document {
                        path: &relative,
                        kind,
                        text: &text,
                    };
                    engine::analyze(&doc, &syntax, &facts, &config)
                },
            )))
        });
        match job.await {
            Ok(None) => Outcome::Stale,
            Ok(Some(Ok(findings))) => Outcome::Findings(findings),
            Ok(Some(Err(panic))) => Outcome::Panicked(panic_message(&panic)),
            Err(e) => Outcome::Panicked(e.to_string()),
        }
    }

    /// Analyse the open document at `version` and publish, unless a newer version arrived.
    pub async fn refresh_open(self: &Arc<Self>, uri: &Uri) {
        let Some(snap) = self.snapshot(uri) else {
            return;
        };
        let outcome = self.analyse(&snap).await;
        self.publish(&snap, outcome).await;
    }

    /// Publish an outcome for a snapshot. Open documents: only if the snapshot's version is still
    /// the current one. Files on disk: only if the file is not open.
    pub async fn publish(self: &Arc<Self>, snap: &Snapshot, outcome: Outcome) {
        let enc = self.encoding();
        let diagnostics = match &outcome {
            Outcome::Findings(findings) => {
                let lines = Lines::new(&snap.text, enc);
                findings
                    .iter()
                    .map(|f| convert::diagnostic(&lines, &snap.uri, snap.version, f))
                    .collect()
            }
            Outcome::Unsupported | Outcome::Stale => return,
            Outcome::Nothing => Vec::new(),
            Outcome::Panicked(message) => {
                let what = format!(
                    "analysis of {} panicked ({message}); its diagnostics were not updated",
                    snap.path.display()
                );
                self.log(MessageType::ERROR, what).await;
                return;
            }
        };
        let _guard = self.publish_lock.lock().await;
        let current = self.current_version(&snap.uri);
        if current != snap.version {
            return; // stale: a newer version (or an open/close) arrived meanwhile
        }
        if snap.version.is_none() && self.is_open_path(&snap.path) {
            return; // the open document's diagnostics win over the file on disk
        }
        if let (Some(version), Some(kind), Outcome::Findings(findings)) =
            (snap.version, snap.kind, outcome)
        {
            self.analyses.insert(
                snap.uri.clone(),
                Analysed {
                    version: Some(version),
                    path: snap.path.clone(),
                    kind,
                    text: snap.text.clone(),
                    findings: Arc::new(findings),
                },
            );
        }
        self.client
            .publish_diagnostics(snap.uri.clone(), diagnostics, snap.version)
            .await;
    }

    /// Clear a file's diagnostics (deleted, closed, or no longer analysed) unless it is open.
    pub async fn clear(self: &Arc<Self>, uri: &Uri) {
        let _guard = self.publish_lock.lock().await;
        if self.docs.contains_key(uri) || self.is_open_path(&uri_path(uri)) {
            return;
        }
        self.client
            .publish_diagnostics(uri.clone(), Vec::new(), None)
            .await;
    }

    /// The findings for the version the client has now, computing them when the latest analysis
    /// is older. `None` when the document is not open or changed while computing.
    pub async fn current_analysis(self: &Arc<Self>, uri: &Uri) -> Option<Analysed> {
        let version = self.current_version(uri)?;
        if let Some(a) = self
            .analyses
            .get(uri)
            .filter(|a| a.version == Some(version))
        {
            return Some(a.clone());
        }
        let snap = self.snapshot(uri)?;
        let kind = snap.kind?;
        let findings = match self.analyse(&snap).await {
            Outcome::Findings(f) => f,
            _ => Vec::new(),
        };
        (self.current_version(uri) == snap.version).then(|| Analysed {
            version: snap.version,
            path: snap.path,
            kind,
            text: snap.text,
            findings: Arc::new(findings),
        })
    }

    /// Read a supported file from disk, analyse it and publish (when it is not open).
    pub async fn refresh_disk(self: &Arc<Self>, path: &Path) {
        let Some(uri) = Uri::from_file_path(path) else {
            return;
        };
        if self.is_open_path(path) {
            return;
        }
        let Some(kind) = kind::detect(path) else {
            return;
        };
        let owned = path.to_path_buf();
        let read = tokio::task::spawn_blocking(move || std::fs::read(owned)).await;
        let (text, not_utf8) = match read {
            Ok(Ok(bytes)) => text_of(bytes),
            _ => return self.clear(&uri).await,
        };
        self.known.insert(path.to_path_buf(), kind);
        let snap = Snapshot {
            uri,
            path: path.to_path_buf(),
            kind: Some(kind),
            version: None,
            text: Arc::from(text),
            kept: None,
            not_utf8,
        };
        let outcome = self.analyse(&snap).await;
        self.publish(&snap, outcome).await;
    }

    /// Load the user's settings and each root's config; a broken config becomes an error
    /// diagnostic on the config file, a key a workspace may not set a warning there.
    pub async fn load_configs(self: &Arc<Self>) {
        if let Ok((user, error)) = tokio::task::spawn_blocking(UserSettings::load).await {
            if let Ok(mut u) = self.user.write() {
                *u = user;
            }
            if let Some(error) = error {
                self.publish_config_problems(&error.path.clone(), Some(&error), &[])
                    .await;
            }
        }
        let roots = self.roots.read().map(|r| r.clone()).unwrap_or_default();
        for root in roots {
            let r = root.clone();
            let Ok((config, error)) = tokio::task::spawn_blocking(move || Config::load(&r)).await
            else {
                continue;
            };
            let warnings = config.warnings.clone();
            self.configs.insert(root.clone(), config);
            let problem_path = error
                .as_ref()
                .map(|e| e.path.clone())
                .or_else(|| warnings.first().map(|w| w.path.clone()));
            let stale: Vec<PathBuf> = self
                .config_errors
                .iter()
                .map(|e| e.key().clone())
                .filter(|p| p.starts_with(&root) && problem_path.as_ref() != Some(p))
                .collect();
            for path in stale {
                self.config_errors.remove(&path);
                if let Some(uri) = Uri::from_file_path(&path) {
                    self.clear(&uri).await;
                }
            }
            if let Some(path) = problem_path {
                self.publish_config_problems(&path, error.as_ref(), &warnings)
                    .await;
            }
        }
    }

    /// Publish a config file's error and ignored keys as its diagnostics (and log them).
    async fn publish_config_problems(
        self: &Arc<Self>,
        path: &Path,
        error: Option<&ConfigError>,
        warnings: &[ConfigWarning],
    ) {
        let Some(uri) = Uri::from_file_path(path) else {
            return;
        };
        let text = std::fs::read(path)
            .map(|b| String::from_utf8_lossy(&b).into_owned())
            .unwrap_or_default();
        let lines = Lines::new(&text, self.encoding());
        let diagnostic = |span: &Option<std::ops::Range<usize>>, severity, message| Diagnostic {
            range: span.as_ref().map(|s| lines.range(s)).unwrap_or_default(),
            severity: Some(severity),
            source: Some(convert::SOURCE.to_string()),
            message,
            ..Diagnostic::default()
        };
        let mut diagnostics = Vec::new();
        if let Some(error) = error {
            self.log(MessageType::WARNING, error.to_string()).await;
            diagnostics.push(diagnostic(
                &error.span,
                DiagnosticSeverity::ERROR,
                format!(
                    "{} (chainwarden uses its defaults until this is fixed)",
                    error.message
                ),
            ));
        }
        for warning in warnings {
            self.log(MessageType::WARNING, warning.to_string()).await;
            diagnostics.push(diagnostic(
                &warning.span,
                DiagnosticSeverity::WARNING,
                warning.message.clone(),
            ));
        }
        self.config_errors.insert(path.to_path_buf(), ());
        let _guard = self.publish_lock.lock().await;
        let version = self.current_version(&uri);
        self.client
            .publish_diagnostics(uri, diagnostics, version)
            .await;
    }
}

/// A document's path from its URI (`file:` URIs; other schemes use the URI's path part, which is
/// still enough to detect the kind).
pub fn uri_path(uri: &Uri) -> PathBuf {
    let is_file = uri.scheme().as_str().eq_ignore_ascii_case("file");
    match uri.to_file_path() {
        Some(p) if is_file => p.into_owned(),
        _ => PathBuf::from(uri.path().as_str()),
    }
}

/// A file's bytes as text: the text itself, or a lossy copy and where the first bad byte is.
pub fn text_of(bytes: Vec<u8>) -> (String, Option<usize>) {
    match String::from_utf8(bytes) {
        Ok(text) => (text, None),
        Err(e) => {
            let bad = e.utf8_error().valid_up_to();
            (
                String::from_utf8_lossy(e.as_bytes()).into_owned(),
                Some(bad),
            )
        }
    }
}

fn panic_message(panic: &Box<dyn std::any::Any + Send>) -> String {
    if let Some(s) = panic.downcast_ref::<&str>() {
        s.to_string()
    } else if let Some(s) = panic.downcast_ref::<String>() {
        s.clone()
    } else {
        "unknown panic".to_string()
    }
}
