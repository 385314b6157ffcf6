//! The language server (tower-lsp-server over stdio).
//!
//! - `document`: text in a rope, tree-sitter tree kept in step with every edit.
//! - `state`: open documents, analyses (off the reactor, panic-safe), never-stale publishing.
//! - `scan`: workspace scan with `$/progress`, file watchers.
//! - `actions`: hover, code actions, `chainwarden.pinAll`.
//! - `convert`: byte spans ⇄ LSP positions in the negotiated encoding.
//!
//! tower-lsp-server runs several handlers at once, so `didOpen`/`didChange`/`didClose` change
//! the document map before their first `.await`; later steps re-check the version.

mod actions;
mod convert;
pub mod document;
mod framing;
mod scan;
mod state;

use document::{Change, Document};
use serde_json::Value;
use state::{uri_path, Negotiated, State};
use std::path::PathBuf;
use std::sync::Arc;
use tower_lsp_server::jsonrpc::{Error, Result};
use tower_lsp_server::ls_types::*;
use tower_lsp_server::{Client, LanguageServer, LspService, Server};

use crate::text::{Encoding, LineCol};

/// Run the server on stdin/stdout until the client exits. Returns the process exit code.
pub fn run() -> i32 {
    crate::memo::enable();
    State::quiet_test_panics();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("chainwarden lsp: cannot start the async runtime: {e}");
            return 1;
        }
    };
    runtime.block_on(async {
        let (service, socket) = LspService::new(Backend::new);
        let (to_server, from_client) = tokio::io::duplex(1 << 16);
        tokio::spawn(framing::forward_frames(tokio::io::stdin(), to_server));
        Server::new(from_client, tokio::io::stdout(), socket)
            .serve(service)
            .await;
    });
    // Do not wait for the blocking stdin reader or a scan still in flight: `exit` means exit.
    runtime.shutdown_background();
    0
}

pub struct Backend {
    state: Arc<State>,
}

impl Backend {
    fn new(client: Client) -> Backend {
        Backend {
            state: Arc::new(State::new(client)),
        }
    }
}

fn negotiate(caps: &ClientCapabilities) -> Negotiated {
    let utf8_offered = caps
        .general
        .as_ref()
        .and_then(|g| g.position_encodings.as_ref())
        .is_some_and(|encs| encs.contains(&PositionEncodingKind::UTF8));
    let workspace = caps.workspace.as_ref();
    Negotiated {
        encoding: if utf8_offered {
            Encoding::Utf8
        } else {
            Encoding::Utf16
        },
        work_done_progress: caps
            .window
            .as_ref()
            .and_then(|w| w.work_done_progress)
            .unwrap_or(false),
        document_changes: workspace
            .and_then(|w| w.workspace_edit.as_ref())
            .and_then(|e| e.document_changes)
            .unwrap_or(false),
        watch_registration: workspace
            .and_then(|w| w.did_change_watched_files.as_ref())
            .and_then(|d| d.dynamic_registration)
            .unwrap_or(false),
        configuration: workspace.and_then(|w| w.configuration).unwrap_or(false),
        apply_edit: workspace.and_then(|w| w.apply_edit).unwrap_or(false),
    }
}

#[allow(deprecated)] // root_uri: still what single-folder clients send
fn workspace_roots(params: &InitializeParams) -> Vec<PathBuf> {
    let mut roots: Vec<PathBuf> = params
        .workspace_folders
        .iter()
        .flatten()
        .map(|f| uri_path(&f.uri))
        .collect();
    if roots.is_empty() {
        roots.extend(params.root_uri.as_ref().map(uri_path));
    }
    roots.retain(|r| r.is_dir());
    roots
}

/// Run a request handler in a task of its own: a panic in it becomes an error response and a log
/// line instead of taking the server down.
async fn guarded<T: Send + 'static>(
    state: &State,
    what: &str,
    work: impl std::future::Future<Output = T> + Send + 'static,
) -> Result<T> {
    match tokio::spawn(work).await {
        Ok(value) => Ok(value),
        Err(e) => {
            let message = format!("{what} failed: {e}");
            state.log(MessageType::ERROR, message.clone()).await;
            Err(Error {
                code: tower_lsp_server::jsonrpc::ErrorCode::InternalError,
                message: message.into(),
                data: None,
            })
        }
    }
}

/// `{"online": bool}` from the `chainwarden` settings section.
fn online_setting(value: &Value) -> Option<bool> {
    value.get("online").and_then(Value::as_bool)
}

/// `{"pedantic": bool}` from the `chainwarden` settings section: the pedantic tier of rules
/// (SPEC §7.4). It can only turn the tier on: `false` leaves chainwarden.toml's choice.
fn store_pedantic_setting(state: &State, value: &Value) -> bool {
    let Some(pedantic) = value.get("pedantic").and_then(Value::as_bool) else {
        return false;
    };
    if let Ok(mut p) = state.pedantic_override.write() {
        *p = Some(pedantic);
    }
    true
}

async fn pull_configuration(state: &State) {
    if !state.negotiated().configuration {
        return;
    }
    let item = ConfigurationItem {
        scope_uri: None,
        section: Some("chainwarden".to_string()),
    };
    match state.client.configuration(vec![item]).await {
        Ok(values) => {
            // A client without the setting keeps what `initializationOptions` said.
            let online = values.first().and_then(online_setting);
            if let (Some(online), Ok(mut o)) = (online, state.online_override.write()) {
                *o = Some(online);
            }
            if let Some(v) = values.first() {
                store_pedantic_setting(state, v);
            }
        }
        Err(e) => {
            state
                .log(
                    MessageType::WARNING,
                    format!("workspace/configuration failed: {e}"),
                )
                .await
        }
    }
}

impl LanguageServer for Backend {
    async fn initialize(&self, params: InitializeParams) -> Result<InitializeResult> {
        let negotiated = negotiate(&params.capabilities);
        let _ = self.state.negotiated.set(negotiated);
        if let Ok(mut roots) = self.state.roots.write() {
            *roots = workspace_roots(&params);
        }
        // Clients may also pass the settings at start-up (`initializationOptions.online`).
        let online = params
            .initialization_options
            .as_ref()
            .and_then(online_setting);
        if let (Some(online), Ok(mut o)) = (online, self.state.online_override.write()) {
            *o = Some(online);
        }
        if let Some(options) = params.initialization_options.as_ref() {
            store_pedantic_setting(&self.state, options);
        }
        let encoding = match negotiated.encoding {
            Encoding::Utf8 => PositionEncodingKind::UTF8,
            _ => PositionEncodingKind::UTF16,
        };
        let capabilities = ServerCapabilities {
            position_encoding: Some(encoding),
            text_document_sync: Some(TextDocumentSyncCapability::Options(
                TextDocumentSyncOptions {
                    open_close: Some(true),
                    change: Some(TextDocumentSyncKind::INCREMENTAL),
                    ..Default::default()
                },
            )),
            hover_provider: Some(HoverProviderCapability::Simple(true)),
            code_action_provider: Some(CodeActionProviderCapability::Options(CodeActionOptions {
                code_action_kinds: Some(vec![
                    CodeActionKind::QUICKFIX,
                    CodeActionKind::from(actions::FIX_ALL_KIND),
                ]),
                ..Default::default()
            })),
            execute_command_provider: Some(ExecuteCommandOptions {
                commands: vec![actions::PIN_ALL_COMMAND.to_string()],
                ..Default::default()
            }),
            workspace: Some(WorkspaceServerCapabilities {
                workspace_folders: Some(WorkspaceFoldersServerCapabilities {
                    supported: Some(true),
                    change_notifications: Some(OneOf::Left(true)),
                }),
                file_operations: None,
            }),
            ..Default::default()
        };
        Ok(InitializeResult {
            capabilities,
            server_info: Some(ServerInfo {
                name: "chainwarden".to_string(),
                version: Some(env!("CARGO_PKG_VERSION").to_string()),
            }),
            offset_encoding: None,
        })
    }

    async fn initialized(&self, _: InitializedParams) {
        // In a task of its own: requests to the client must not hold up `exit` if it never answers.
        let state = self.state.clone();
        tokio::spawn(async move {
            pull_configuration(&state).await;
            if state.negotiated().watch_registration {
                scan::register_watchers(&state).await;
            }
            scan::scan(state).await;
        });
    }

    async fn shutdown(&self) -> Result<()> {
        Ok(())
    }

    async fn did_open(&self, params: DidOpenTextDocumentParams) {
        let item = params.text_document;
        let path = uri_path(&item.uri);
        let kind = crate::kind::detect(&path);
        let doc = Document::new(path, kind, item.version, &item.text);
        self.state.analyses.remove(&item.uri);
        self.state.docs.insert(item.uri.clone(), doc);
        self.state.refresh_open(&item.uri).await;
    }

    async fn did_change(&self, params: DidChangeTextDocumentParams) {
        let uri = params.text_document.uri;
        let version = params.text_document.version;
        // Applied synchronously, before the first `.await`: changes stay in arrival order.
        let problem = match self.state.docs.get_mut(&uri) {
            None => Some(format!(
                "didChange for {} which is not open; ignored",
                uri.as_str()
            )),
            Some(doc) if version <= doc.version => Some(format!(
                "didChange version {version} for {} is not newer than {}; ignored",
                uri.as_str(),
                doc.version
            )),
            Some(mut doc) => {
                let enc = self.state.encoding();
                let changes: Vec<Change> = params
                    .content_changes
                    .iter()
                    .map(|c| Change {
                        range: c.range.map(|r| {
                            (
                                LineCol {
                                    line: r.start.line,
                                    col: r.start.character,
                                },
                                LineCol {
                                    line: r.end.line,
                                    col: r.end.character,
                                },
                            )
                        }),
                        text: &c.text,
                    })
                    .collect();
                doc.apply_changes(version, &changes, enc);
                None
            }
        };
        match problem {
            Some(message) => self.state.log(MessageType::WARNING, message).await,
            None => self.state.refresh_open(&uri).await,
        }
    }

    async fn did_save(&self, _: DidSaveTextDocumentParams) {}

    async fn did_close(&self, params: DidCloseTextDocumentParams) {
        let uri = params.text_document.uri;
        let removed = self.state.docs.remove(&uri);
        self.state.analyses.remove(&uri);
        let Some((_, doc)) = removed else { return };
        if doc.kind.is_none() {
            return;
        }
        // A workspace file keeps its on-disk diagnostics; anything else is cleared.
        let on_disk = self.state.root_of(&doc.path).is_some() && doc.path.is_file();
        if on_disk {
            self.state.refresh_disk(&doc.path).await;
        } else {
            self.state.clear(&uri).await;
        }
    }

    async fn did_change_configuration(&self, params: DidChangeConfigurationParams) {
        let pedantic_before = self.state.pedantic_override.read().ok().and_then(|p| *p);
        let section = params.settings.get("chainwarden");
        let pushed_pedantic = section.is_some_and(|v| store_pedantic_setting(&self.state, v));
        let pushed = section.and_then(online_setting);
        match pushed {
            Some(online) => {
                if let Ok(mut o) = self.state.online_override.write() {
                    *o = Some(online);
                }
            }
            None if !pushed_pedantic => pull_configuration(&self.state).await,
            None => {}
        }
        // The user's own config file may have changed too.
        self.state.load_configs().await;
        scan::refresh_all_open(&self.state).await;
        // The pedantic tier changes the findings of files on disk too (the problems panel).
        let pedantic_after = self.state.pedantic_override.read().ok().and_then(|p| *p);
        if pedantic_before.unwrap_or(false) != pedantic_after.unwrap_or(false) {
            let known: Vec<PathBuf> = self.state.known.iter().map(|e| e.key().clone()).collect();
            for path in known {
                self.state.refresh_disk(&path).await;
            }
        }
    }

    async fn did_change_workspace_folders(&self, params: DidChangeWorkspaceFoldersParams) {
        if let Ok(mut roots) = self.state.roots.write() {
            let removed: Vec<PathBuf> = params
                .event
                .removed
                .iter()
                .map(|f| uri_path(&f.uri))
                .collect();
            roots.retain(|r| !removed.contains(r));
            roots.extend(
                params
                    .event
                    .added
                    .iter()
                    .map(|f| uri_path(&f.uri))
                    .filter(|p| p.is_dir()),
            );
        }
        tokio::spawn(scan::scan(self.state.clone()));
    }

    async fn did_change_watched_files(&self, params: DidChangeWatchedFilesParams) {
        scan::files_changed(self.state.clone(), params.changes).await;
    }

    async fn hover(&self, params: HoverParams) -> Result<Option<Hover>> {
        let state = self.state.clone();
        guarded(&self.state, "hover", async move {
            actions::hover(&state, params).await
        })
        .await
    }

    async fn code_action(&self, params: CodeActionParams) -> Result<Option<CodeActionResponse>> {
        let state = self.state.clone();
        let actions = guarded(&self.state, "codeAction", async move {
            actions::code_actions(&state, params).await
        })
        .await?;
        Ok((!actions.is_empty()).then_some(actions))
    }

    async fn execute_command(&self, params: ExecuteCommandParams) -> Result<Option<LSPAny>> {
        if params.command != actions::PIN_ALL_COMMAND {
            return Err(Error::invalid_params(format!(
                "unknown command {}",
                params.command
            )));
        }
        let uri = match params.arguments.first() {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) => Some(
                s.parse::<Uri>()
                    .map_err(|_| Error::invalid_params("bad URI"))?,
            ),
            Some(other) => match other.get("uri").and_then(Value::as_str) {
                Some(s) => Some(
                    s.parse::<Uri>()
                        .map_err(|_| Error::invalid_params("bad URI"))?,
                ),
                None => return Err(Error::invalid_params("expected a document URI or nothing")),
            },
        };
        let state = self.state.clone();
        let outcome = guarded(&self.state, "pinAll", async move {
            actions::pin_all(&state, uri).await
        });
        match outcome.await? {
            Ok(pinned) => Ok(Some(serde_json::json!({ "pinned": pinned }))),
            Err(message) => {
                self.state
                    .log(MessageType::WARNING, format!("pinAll: {message}"))
                    .await;
                Err(Error {
                    code: tower_lsp_server::jsonrpc::ErrorCode::InternalError,
                    message: message.into(),
                    data: None,
                })
            }
        }
    }
}
