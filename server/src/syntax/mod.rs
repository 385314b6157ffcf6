//! Parsers: one per file kind, all tolerant of half-typed input.

pub mod dockerfile;
pub mod js;
pub mod json;
pub mod shell;
pub mod yaml;

use crate::kind::FileKind;
use std::path::Path;

/// A parsed document. The language server keeps one per open document version.
pub enum Syntax {
    Yaml(tree_sitter::Tree),
    Dockerfile(dockerfile::Dockerfile),
    Json(json::JsonDoc),
    Js(tree_sitter::Tree),
}

/// Parse `text` as `kind`. `path` picks the grammar for source files (`.ts` vs `.tsx` vs `.js`,
/// see [`js::Dialect::for_path`]). For YAML and source, `old_tree` (already `edit`ed to match
/// `text`, same path) makes the re-parse incremental.
pub fn parse(
    kind: FileKind,
    path: &Path,
    text: &str,
    old_tree: Option<&tree_sitter::Tree>,
) -> Syntax {
    match kind {
        FileKind::Workflow | FileKind::Action | FileKind::Compose => {
            Syntax::Yaml(yaml::parse(text, old_tree))
        }
        FileKind::Dockerfile => Syntax::Dockerfile(dockerfile::parse(text)),
        FileKind::Package => Syntax::Json(json::parse(text)),
        FileKind::Source => Syntax::Js(js::parse(js::Dialect::for_path(path), text, old_tree)),
    }
}
