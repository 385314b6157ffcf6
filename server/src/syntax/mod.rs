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

/// A workspace file read for a cross-file fact (a local action, a reusable workflow, a caller),
/// parsed in regions once per text: the analyses of every file that uses it share the value
/// tree instead of each parsing it again. The cache is cleared when it holds many texts.
pub fn shared_yaml_doc(kind: FileKind, text: &str) -> Arc<yaml::YamlDoc> {
    use std::collections::HashMap;
    use std::sync::{LazyLock, Mutex};
    const MAX_TEXTS: usize = 512;
    type Docs = HashMap<(FileKind, String), Arc<yaml::YamlDoc>>;
    static DOCS: LazyLock<Mutex<Docs>> = LazyLock::new(Default::default);
    let key = (kind, text.to_string());
    if let Some(doc) = DOCS.lock().ok().and_then(|d| d.get(&key).cloned()) {
        return doc;
    }
    let Syntax::Yaml(syntax) = parse_yaml(kind, text, None) else {
        unreachable!("parse_yaml gives YAML")
    };
    let doc = Arc::new(syntax.to_doc());
    if let Ok(mut docs) = DOCS.lock() {
        if docs.len() >= MAX_TEXTS {
            docs.clear();
        }
        docs.insert(key, doc.clone());
    }
    doc
}
