//! Parsers: one per file kind, all tolerant of half-typed input.

pub mod dockerfile;
pub mod js;
pub mod json;
pub mod shell;
pub mod yaml;

use crate::kind::FileKind;

/// A parsed document. The language server keeps one per open document version.
pub enum Syntax {
    Yaml(tree_sitter::Tree),
    Dockerfile(dockerfile::Dockerfile),
    Json(json::JsonDoc),
    Js(tree_sitter::Tree),
}

/// Parse `text` as `kind`. For YAML, `old_tree` (already `edit`ed to match `text`) makes the
/// re-parse incremental.
pub fn parse(kind: FileKind, text: &str, old_tree: Option<&tree_sitter::Tree>) -> Syntax {
    match kind {
        FileKind::Workflow | FileKind::Action | FileKind::Compose => {
            Syntax::Yaml(yaml::parse(text, old_tree))
        }
        FileKind::Dockerfile => Syntax::Dockerfile(dockerfile::parse(text)),
        FileKind::Package => Syntax::Json(json::parse(text)),
        FileKind::Source => Syntax::Js(js::parse(text, old_tree)),
    }
}
