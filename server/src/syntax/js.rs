//! JavaScript / TypeScript through tree-sitter, with the grammar chosen by file extension.

use std::cell::RefCell;
use std::path::Path;
use tree_sitter::{Language, Parser, Tree};

/// Which grammar a source file needs. TSX cannot parse `<T>x` casts in `.ts` files and the
/// TypeScript grammars reject some plain-JS syntax, so each extension gets its own.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Dialect {
    /// `.js`, `.mjs`, `.cjs`, `.jsx` (the JavaScript grammar accepts JSX).
    JavaScript,
    /// `.ts`, `.mts`, `.cts`.
    TypeScript,
    /// `.tsx`.
    Tsx,
}

impl Dialect {
    /// The dialect for a path; unknown extensions get TSX, the most permissive grammar.
    pub fn for_path(path: &Path) -> Dialect {
        let ext = path
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase)
            .unwrap_or_default();
        match ext.as_str() {
            "js" | "mjs" | "cjs" | "jsx" => Dialect::JavaScript,
            "ts" | "mts" | "cts" => Dialect::TypeScript,
            _ => Dialect::Tsx,
        }
    }

    fn language(self) -> Language {
        match self {
            Dialect::JavaScript => tree_sitter_javascript::LANGUAGE.into(),
            Dialect::TypeScript => tree_sitter_typescript::LANGUAGE_TYPESCRIPT.into(),
            Dialect::Tsx => tree_sitter_typescript::LANGUAGE_TSX.into(),
        }
    }
}

fn new_parser(dialect: Dialect) -> RefCell<Parser> {
    let mut p = Parser::new();
    p.set_language(&dialect.language())
        .expect("tree-sitter JS/TS grammars are compatible");
    RefCell::new(p)
}

thread_local! {
    static JS_PARSER: RefCell<Parser> = new_parser(Dialect::JavaScript);
    static TS_PARSER: RefCell<Parser> = new_parser(Dialect::TypeScript);
    static TSX_PARSER: RefCell<Parser> = new_parser(Dialect::Tsx);
}

/// Parse `text` in `dialect` (incrementally when `old_tree` is given, already edited, and was
/// parsed in the same dialect).
pub fn parse(dialect: Dialect, text: &str, old_tree: Option<&Tree>) -> Tree {
    let run = |p: &RefCell<Parser>| {
        p.borrow_mut()
            .parse(text, old_tree)
            .expect("parser has a language and no timeout")
    };
    match dialect {
        Dialect::JavaScript => JS_PARSER.with(run),
        Dialect::TypeScript => TS_PARSER.with(run),
        Dialect::Tsx => TSX_PARSER.with(run),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dialect_follows_extension() {
        assert_eq!(Dialect::for_path(Path::new("a/b.mjs")), Dialect::JavaScript);
        assert_eq!(Dialect::for_path(Path::new("x.JSX")), Dialect::JavaScript);
        assert_eq!(Dialect::for_path(Path::new("x.cts")), Dialect::TypeScript);
        assert_eq!(Dialect::for_path(Path::new("x.tsx")), Dialect::Tsx);
    }

    #[test]
    fn angle_bracket_cast_parses_in_ts_but_not_tsx() {
        let src = "const n = <number>value;\n";
        assert!(!parse(Dialect::TypeScript, src, None)
            .root_node()
            .has_error());
        assert!(parse(Dialect::Tsx, src, None).root_node().has_error());
    }

    #[test]
    fn jsx_parses_in_js_and_tsx() {
        let src = "const el = <div className=\"a\">{x}</div>;\n";
        assert!(!parse(Dialect::JavaScript, src, None)
            .root_node()
            .has_error());
        assert!(!parse(Dialect::Tsx, src, None).root_node().has_error());
    }
}
