//! Parsers: one per file kind, all tolerant of half-typed input.

pub mod dockerfile;
pub mod js;
pub mod json;
pub mod shell;
pub mod yaml;
mod yaml_fast;
pub mod yaml_recover;
pub mod yaml_regions;

use crate::kind::FileKind;
use std::path::Path;
use std::sync::Arc;
use yaml_regions::YamlSyntax;

/// A parsed document. The language server keeps one per open document version.
pub enum Syntax {
    Yaml(Arc<YamlSyntax>),
    Dockerfile(dockerfile::Dockerfile),
    Json(json::JsonDoc),
    Js(tree_sitter::Tree),
}

/// Parse `text` as `kind`. `path` picks the grammar for source files (`.ts` vs `.tsx` vs `.js`,
/// see [`js::Dialect::for_path`]). For source, `old_tree` (already `edit`ed to match `text`,
/// same path) makes the re-parse incremental; YAML is incremental through [`parse_yaml`].
pub fn parse(
    kind: FileKind,
    path: &Path,
    text: &str,
    old_tree: Option<&tree_sitter::Tree>,
) -> Syntax {
    match kind {
        FileKind::Workflow | FileKind::Action | FileKind::Compose | FileKind::Dependabot => {
            parse_yaml(kind, text, None)
        }
        FileKind::Dockerfile => Syntax::Dockerfile(dockerfile::parse(text)),
        FileKind::Package => Syntax::Json(json::parse(text)),
        FileKind::Source => Syntax::Js(js::parse(js::Dialect::for_path(path), text, old_tree)),
    }
}

/// Parse a YAML kind in regions, reusing the unchanged regions of `previous` (the same
/// document before an edit).
pub fn parse_yaml(kind: FileKind, text: &str, previous: Option<&YamlSyntax>) -> Syntax {
    let nested = yaml_regions::nested_key(kind);
    Syntax::Yaml(Arc::new(YamlSyntax::parse(text, nested, previous)))
}
