//! The workspace: scanning the folders at start-up (with `$/progress`), watching files, and
//! re-analysing what a change on disk affects.

use super::state::State;
use crate::config::CONFIG_LOCATIONS;
use crate::kind;
use crate::workspace::LOCKFILE_NAMES;
use serde_json::json;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;
use tower_lsp_server::ls_types::{
    DidChangeWatchedFilesRegistrationOptions, FileChangeType, FileEvent, FileSystemWatcher,
    GlobPattern, MessageType, NumberOrString, Registration, Uri, WatchKind,
};

/// Glob patterns of every file whose change can alter a finding.
const WATCHED: &[&str] = &[
    "**/.github/workflows/**/*.{yml,yaml}",
    "**/.github/dependabot.{yml,yaml}",
    "**/action.{yml,yaml}",
    "**/{docker-compose,compose}*.{yml,yaml}",
    "**/{Dockerfile,Containerfile,*.Dockerfile,*.dockerfile,Dockerfile.*,Dockerfile-*,Containerfile.*}",
    "**/package.json",
    "**/*.{js,mjs,cjs,jsx,ts,mts,cts,tsx}",
    "**/chainwarden.toml",
    "**/{package-lock.json,npm-shrinkwrap.json,pnpm-lock.yaml,yarn.lock,bun.lock,bun.lockb}",
    "**/.npmrc",
    "**/{pnpm-workspace.yaml,.yarnrc,.yarnrc.yml}",
];

static SCAN_COUNTER: AtomicU32 = AtomicU32::new(0);

/// Supported files under the roots, gitignore-aware, skipping what the configs ignore.
fn walk(state: &State, roots: &[PathBuf]) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for root in roots {
        let config = state.config_for(Some(root));
        for entry in ignore::WalkBuilder::new(root)
            .hidden(false)
            .build()
            .flatten()
        {
            if !entry.file_type().is_some_and(|t| t.is_file()) {
                continue;
            }
            let path = entry.into_path();
            let relative = path.strip_prefix(root).unwrap_or(&path);
            if relative.components().any(|c| c.as_os_str() == ".git") {
                continue;
            }
            let skip = |k| config.is_ignored(relative) || config.skips_test_data(relative, k);
            if kind::detect(&path).is_some_and(|k| !skip(k)) {
                files.push(path);
            }
        }
    }
    files.sort();
    files.dedup();
    files
}

/// Load configs, then analyse every supported file of the workspace, reporting progress.
pub async fn scan(state: Arc<State>) {
    state.load_configs().await;
    let roots = state.roots.read().map(|r| r.clone()).unwrap_or_default();
    if roots.is_empty() {
        return;
    }
    let walker_state = state.clone();
    let files = match tokio::task::spawn_blocking(move || walk(&walker_state, &roots)).await {
        Ok(files) => files,
        Err(e) => {
            state
                .log(MessageType::ERROR, format!("workspace scan failed: {e}"))
                .await;
            return;
        }
    };
    let progress = if state.negotiated().work_done_progress {
        let n = SCAN_COUNTER.fetch_add(1, Ordering::Relaxed);
        let token = NumberOrString::String(format!("chainwarden/scan/{n}"));
        match state.client.create_work_done_progress(token.clone()).await {
            Ok(()) => Some(
                state
                    .client
                    .progress(token, "chainwarden: analysing workspace")
                    .with_message(format!("0/{} files", files.len()))
                    .with_percentage(0)
                    .begin()
                    .await,
            ),
            Err(_) => None,
        }
    } else {
        None
    };
    let total = files.len().max(1);
    for (i, path) in files.iter().enumerate() {
        state.refresh_disk(path).await;
        if let Some(p) = &progress {
            let done = i + 1;
            if done % 25 == 0 || done == files.len() {
                let pct = (done * 100 / total) as u32;
                p.report_with_message(format!("{done}/{} files", files.len()), pct)
                    .await;
            }
        }
    }
    if let Some(p) = progress {
        p.finish_with_message(format!("{} files analysed", files.len()))
            .await;
    }
    state
        .log(
            MessageType::INFO,
            format!("workspace scan: {} files analysed", files.len()),
        )
        .await;
}

/// Ask the client to tell us about changes to the files that matter.
pub async fn register_watchers(state: &State) {
    let watchers = WATCHED
        .iter()
        .map(|glob| FileSystemWatcher {
            glob_pattern: GlobPattern::String(glob.to_string()),
            kind: Some(WatchKind::all()),
        })
        .collect();
    let options = DidChangeWatchedFilesRegistrationOptions { watchers };
    let registration = Registration {
        id: "chainwarden/watch".to_string(),
        method: "workspace/didChangeWatchedFiles".to_string(),
        register_options: Some(json!(options)),
    };
    if let Err(e) = state.client.register_capability(vec![registration]).await {
        state
            .log(
                MessageType::WARNING,
                format!("could not register file watchers: {e}"),
            )
            .await;
    }
}

fn is_config(path: &Path) -> bool {
    CONFIG_LOCATIONS.iter().any(|loc| path.ends_with(loc))
}

fn affects_neighbours(path: &Path) -> bool {
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
    LOCKFILE_NAMES.contains(&name)
        || matches!(
            name,
            ".npmrc" | "pnpm-workspace.yaml" | ".yarnrc" | ".yarnrc.yml"
        )
}

/// React to changes on disk.
pub async fn files_changed(state: Arc<State>, events: Vec<FileEvent>) {
    let mut rescan = false;
    let mut reanalyse_open = false;
    for event in events {
        let path = super::state::uri_path(&event.uri);
        if is_config(&path) {
            rescan = true;
            continue;
        }
        if affects_neighbours(&path) {
            reanalyse_open = true;
            // package.json beside a lockfile; everything for a root `.npmrc`.
            if let Some(dir) = path.parent() {
                let neighbours: Vec<PathBuf> = state
                    .known
                    .iter()
                    .map(|e| e.key().clone())
                    .filter(|p| p.starts_with(dir))
                    .collect();
                for p in neighbours {
                    state.refresh_disk(&p).await;
                }
            }
            continue;
        }
        let Some(file_kind) = kind::detect(&path) else {
            continue;
        };
        // A workflow's pins decide `dependabot-no-actions-updates` in that repository's
        // dependabot.yml: check it again (open or on disk).
        if file_kind == kind::FileKind::Workflow {
            refresh_dependabot_of(&state, &path).await;
        }
        if event.typ == FileChangeType::DELETED {
            state.known.remove(&path);
            state.clear(&event.uri).await;
        } else if state.root_of(&path).is_some() {
            state.refresh_disk(&path).await;
        }
    }
    if rescan {
        let known: Vec<PathBuf> = state.known.iter().map(|e| e.key().clone()).collect();
        state.known.clear();
        scan(state.clone()).await;
        // Files the new config ignores keep no stale diagnostics.
        for path in known {
            if !state.known.contains_key(&path) {
                if let Some(uri) = Uri::from_file_path(&path) {
                    state.clear(&uri).await;
                }
            }
        }
        reanalyse_open = true;
    }
    if reanalyse_open {
        refresh_all_open(&state).await;
    }
}

/// Re-analyse the `.github/dependabot.yml` of the repository that holds workflow `path`.
async fn refresh_dependabot_of(state: &Arc<State>, path: &Path) {
    let Some(github) = path
        .ancestors()
        .find(|a| a.file_name().is_some_and(|n| n == ".github"))
    else {
        return;
    };
    for name in ["dependabot.yml", "dependabot.yaml"] {
        let file = github.join(name);
        let open: Vec<Uri> = state
            .docs
            .iter()
            .filter(|d| d.path == file)
            .map(|d| d.key().clone())
            .collect();
        for uri in &open {
            state.refresh_open(uri).await;
        }
        if open.is_empty() && state.known.contains_key(&file) {
            state.refresh_disk(&file).await;
        }
    }
}

pub async fn refresh_all_open(state: &Arc<State>) {
    let uris: Vec<Uri> = state.docs.iter().map(|e| e.key().clone()).collect();
    for uri in uris {
        state.refresh_open(&uri).await;
    }
}
