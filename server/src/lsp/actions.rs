//! Hover, code actions and the `chainwarden.pinAll` command.

use super::convert::{self, Lines};
use super::state::{Analysed, State};
use crate::engine;
use crate::finding::{Edit, Finding, Span};
use crate::kind::FileKind;
use crate::workspace;
use regex::Regex;
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, LazyLock};
use tower_lsp_server::ls_types::{
    CodeAction, CodeActionKind, CodeActionOrCommand, CodeActionParams, DocumentChanges, Hover,
    HoverContents, HoverParams, MarkupContent, MarkupKind, OneOf,
    OptionalVersionedTextDocumentIdentifier, TextDocumentEdit, TextEdit, Uri, WorkspaceEdit,
};

pub const FIX_ALL_KIND: &str = "source.fixAll.chainwarden";
pub const PIN_ALL_COMMAND: &str = "chainwarden.pinAll";
const PIN_RULE: &str = "unpinned-ci-actions";

/// A workspace edit for one document, versioned when the client supports `documentChanges`
/// (so it refuses the edit if the document moved on).
pub fn workspace_edit(
    state: &State,
    docs: Vec<(Uri, Option<i32>, Vec<TextEdit>)>,
) -> WorkspaceEdit {
    if state.negotiated().document_changes {
        let edits = docs
            .into_iter()
            .map(|(uri, version, edits)| TextDocumentEdit {
                text_document: OptionalVersionedTextDocumentIdentifier { uri, version },
                edits: edits.into_iter().map(OneOf::Left).collect(),
            })
            .collect();
        WorkspaceEdit {
            document_changes: Some(DocumentChanges::Edits(edits)),
            ..Default::default()
        }
    } else {
        let changes: HashMap<Uri, Vec<TextEdit>> = docs
            .into_iter()
            .map(|(uri, _, edits)| (uri, edits))
            .collect();
        WorkspaceEdit {
            changes: Some(changes),
            ..Default::default()
        }
    }
}

fn hover_text(f: &Finding) -> String {
    let mut out = String::new();
    match crate::rules::doc(f.rule) {
        Some(doc) => {
            out.push_str(&format!(
                "**{}** — `{}` ({})\n\n",
                doc.title, f.rule, f.severity
            ));
            out.push_str(&format!("{}\n\n", f.message));
            out.push_str(doc.body.trim());
            out.push_str("\n\n");
        }
        None => out.push_str(&format!("`{}` ({}): {}\n\n", f.rule, f.severity, f.message)),
    }
    if let Some(note) = &f.note {
        out.push_str(&format!("**For this finding:** {note}\n\n"));
    }
    if let Some(fix) = f.fixes.first() {
        out.push_str(&format!("**Quick fix:** {}\n\n", fix.title));
    }
    out.trim_end().to_string()
}

/// `uses: owner/repo[/path]@<40-hex>`: the repository and the SHA's byte span within the line.
static PINNED_USES: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r#"uses:\s*['"]?([A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+)(?:/[^@\s'"]*)?@([0-9a-fA-F]{40})\b"#,
    )
    .expect("valid regex")
});

/// Over the SHA of a pinned `uses:`: which version that commit is, and the SHA's span.
fn pinned_sha_info(a: &Analysed, lines: &Lines, offset: usize) -> Option<(String, Span)> {
    if !matches!(a.kind, FileKind::Workflow | FileKind::Action) {
        return None;
    }
    let line = lines.index.line_of(offset);
    let span = lines.index.line_span(&a.text, line);
    let caps = PINNED_USES.captures(&a.text[span.clone()])?;
    let (repo, sha) = (caps.get(1)?.as_str(), caps.get(2)?);
    let sha_span = span.start + sha.start()..span.start + sha.end();
    if !(sha_span.start <= offset && offset <= sha_span.end) {
        return None;
    }
    let short = &sha.as_str()[..12];
    let tags = crate::resolve::tags::tags_for_sha(repo, sha.as_str());
    let text = match crate::resolve::tags::version_for_sha(repo, sha.as_str()) {
        Some(version) => {
            let others: Vec<&str> = tags.iter().map(String::as_str).filter(|t| *t != version).collect();
            let also = if others.is_empty() {
                String::new()
            } else {
                format!(" (also tagged {})", others.join(", "))
            };
            format!("`{repo}@{short}` is **{version}** of {repo}{also}")
        }
        None => format!(
            "`{repo}@{short}`: this commit is not in chainwarden's tag table, so its version is unknown"
        ),
    };
    Some((text, sha_span))
}

pub async fn hover(state: &Arc<State>, params: HoverParams) -> Option<Hover> {
    let uri = params.text_document_position_params.text_document.uri;
    let a = state.current_analysis(&uri).await?;
    State::test_panic(state.panic_on.as_deref(), &a.text, "hover");
    let lines = Lines::new(&a.text, state.encoding());
    let offset = lines.offset(params.text_document_position_params.position);
    let hits: Vec<&Finding> = a
        .findings
        .iter()
        .filter(|f| f.span.start <= offset && (offset < f.span.end || offset == f.span.start))
        .collect();
    let pinned = pinned_sha_info(&a, &lines, offset);
    let span = match (hits.first(), &pinned) {
        (Some(f), _) => f.span.clone(),
        (None, Some((_, sha_span))) => sha_span.clone(),
        (None, None) => return None,
    };
    let sections: Vec<String> = pinned
        .map(|(text, _)| text)
        .into_iter()
        .chain(hits.iter().map(|f| hover_text(f)))
        .collect();
    Some(Hover {
        contents: HoverContents::Markup(MarkupContent {
            kind: MarkupKind::Markdown,
            value: sections.join("\n\n---\n\n"),
        }),
        range: Some(lines.range(&span)),
    })
}

fn wants(only: &Option<Vec<CodeActionKind>>, kind: &str) -> bool {
    only.as_ref().is_none_or(|o| {
        o.iter()
            .any(|k| kind == k.as_str() || kind.starts_with(&format!("{}.", k.as_str())))
    })
}

/// The text `fix_all` produces for an analysed version (on the blocking pool).
async fn fix_all_text(state: &Arc<State>, a: &Analysed) -> Option<String> {
    let root = state.root_of(&a.path);
    let config = state.config_for(root.as_deref());
    let (path, kind, text) = (a.path.clone(), a.kind, a.text.clone());
    tokio::task::spawn_blocking(move || {
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            let mut facts = workspace::gather(&path, root.as_deref());
            if matches!(kind, FileKind::Workflow | FileKind::Action) {
                crate::resolve::prefetch_online(&config, &text, &mut facts);
            }
            let relative = root
                .as_deref()
                .and_then(|r| path.strip_prefix(r).ok())
                .unwrap_or(&path);
            let doc = engine::Document {
                path: relative,
                kind,
                text: &text,
            };
            engine::fix_all(&doc, &facts, &config)
        }))
        .ok()
    })
    .await
    .ok()
    .flatten()
}

pub async fn code_actions(
    state: &Arc<State>,
    params: CodeActionParams,
) -> Vec<CodeActionOrCommand> {
    let uri = params.text_document.uri;
    let Some(a) = state.current_analysis(&uri).await else {
        return Vec::new();
    };
    let lines = Lines::new(&a.text, state.encoding());
    let wanted = lines.span(params.range);
    let only = params.context.only;
    let mut out = Vec::new();
    let edit_of = |edits: &[Edit]| {
        let edits = edits.iter().map(|e| lines.text_edit(e)).collect();
        workspace_edit(state, vec![(uri.clone(), a.version, edits)])
    };
    if wants(&only, CodeActionKind::QUICKFIX.as_str()) {
        let doc = engine::Document {
            path: &a.path,
            kind: a.kind,
            text: &a.text,
        };
        for f in a.findings.iter() {
            if !(f.span.start <= wanted.end && wanted.start <= f.span.end) {
                continue;
            }
            let diagnostic = convert::diagnostic(&lines, &uri, a.version, f);
            let ignore = engine::ignore_fix(&doc, f);
            for (i, fix) in f.fixes.iter().chain(ignore.as_ref()).enumerate() {
                out.push(CodeActionOrCommand::CodeAction(CodeAction {
                    title: fix.title.clone(),
                    kind: Some(CodeActionKind::QUICKFIX),
                    diagnostics: Some(vec![diagnostic.clone()]),
                    edit: Some(edit_of(&fix.edits)),
                    is_preferred: (i == 0 && !f.fixes.is_empty()).then_some(true),
                    ..CodeAction::default()
                }));
            }
        }
    }
    let fixable = a.findings.iter().any(|f| !f.fixes.is_empty());
    if fixable && wants(&only, FIX_ALL_KIND) {
        if let Some(fixed) = fix_all_text(state, &a).await {
            if *fixed != *a.text {
                let edit = convert::minimal_edit(&a.text, &fixed);
                out.push(CodeActionOrCommand::CodeAction(CodeAction {
                    title: "Fix all chainwarden problems".to_string(),
                    kind: Some(CodeActionKind::from(FIX_ALL_KIND)),
                    edit: Some(edit_of(&[edit])),
                    ..CodeAction::default()
                }));
            }
        }
    }
    // Never offer edits for a version the client no longer has.
    if state.current_version(&uri) != a.version {
        return Vec::new();
    }
    out
}

/// The preferred pin fix of every `unpinned-ci-actions` finding (skipping one that overlaps an
/// earlier fix), as LSP edits, and how many `uses:` they pin.
fn pin_edits(a: &Analysed, lines: &Lines) -> (usize, Vec<TextEdit>) {
    let mut taken: Vec<&Edit> = Vec::new();
    let mut pinned = 0;
    for fix in a
        .findings
        .iter()
        .filter(|f| f.rule == PIN_RULE)
        .filter_map(|f| f.fixes.first())
    {
        let overlaps = fix.edits.iter().any(|e| {
            taken.iter().any(|t| {
                (e.span.start < t.span.end && t.span.start < e.span.end)
                    || e.span.start == t.span.start
            })
        });
        if !overlaps {
            taken.extend(&fix.edits);
            pinned += 1;
        }
    }
    (
        pinned,
        taken.into_iter().map(|e| lines.text_edit(e)).collect(),
    )
}

/// `chainwarden.pinAll [uri]`: pin every action in the document, or in every open or known
/// workflow/action file when no URI is given. Returns how many `uses:` were pinned.
pub async fn pin_all(state: &Arc<State>, uri: Option<Uri>) -> Result<usize, String> {
    let targets: Vec<Uri> = match uri {
        Some(uri) => vec![uri],
        None => {
            let mut uris: Vec<Uri> = state
                .docs
                .iter()
                .filter(|d| matches!(d.kind, Some(FileKind::Workflow | FileKind::Action)))
                .map(|d| d.key().clone())
                .collect();
            let on_disk: Vec<PathBuf> = state
                .known
                .iter()
                .filter(|e| matches!(e.value(), FileKind::Workflow | FileKind::Action))
                .map(|e| e.key().clone())
                .filter(|p| !state.is_open_path(p))
                .collect();
            uris.extend(on_disk.iter().filter_map(Uri::from_file_path));
            uris.sort();
            uris.dedup();
            uris
        }
    };
    let enc = state.encoding();
    let mut changes = Vec::new();
    let mut count = 0;
    for uri in targets {
        let analysed = if state.docs.contains_key(&uri) {
            state.current_analysis(&uri).await
        } else {
            analyse_on_disk(state, &uri).await
        };
        let Some(a) = analysed else { continue };
        let lines = Lines::new(&a.text, enc);
        let (pinned, edits) = pin_edits(&a, &lines);
        if !edits.is_empty() {
            count += pinned;
            changes.push((uri, a.version, edits));
        }
    }
    if changes.is_empty() {
        return Ok(0);
    }
    if !state.negotiated().apply_edit {
        return Err("the client does not support workspace/applyEdit".to_string());
    }
    let edit = workspace_edit(state, changes);
    match state.client.apply_edit(edit).await {
        Ok(r) if r.applied => Ok(count),
        Ok(r) => Err(r
            .failure_reason
            .unwrap_or_else(|| "the client refused the edit".into())),
        Err(e) => Err(e.to_string()),
    }
}

/// Findings of a file that is not open, read from disk.
async fn analyse_on_disk(state: &Arc<State>, uri: &Uri) -> Option<Analysed> {
    let path = super::state::uri_path(uri);
    let kind = crate::kind::detect(&path)?;
    let read_path = path.clone();
    let bytes = tokio::task::spawn_blocking(move || std::fs::read(read_path))
        .await
        .ok()?
        .ok()?;
    let (text, not_utf8) = super::state::text_of(bytes);
    let text: Arc<str> = Arc::from(text);
    let snap = super::state::Snapshot {
        uri: uri.clone(),
        path: path.clone(),
        kind: Some(kind),
        version: None,
        text: text.clone(),
        kept: None,
        not_utf8,
    };
    match state.analyse(&snap).await {
        super::state::Outcome::Findings(f) => Some(Analysed {
            version: None,
            path,
            kind,
            text,
            findings: Arc::new(f),
        }),
        _ => None,
    }
}
