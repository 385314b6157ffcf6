//! JavaScript / TypeScript through tree-sitter.

use tree_sitter::{Parser, Tree};

thread_local! {
    static PARSER: std::cell::RefCell<Parser> = std::cell::RefCell::new({
        let mut p = Parser::new();
        p.set_language(&tree_sitter_typescript::LANGUAGE_TSX.into())
            .expect("tree-sitter-typescript grammar is compatible");
        p
    });
}

/// Parse JS or TS (the TSX grammar accepts both, JSX included).
pub fn parse(text: &str, old_tree: Option<&Tree>) -> Tree {
    PARSER.with(|p| {
        p.borrow_mut()
            .parse(text, old_tree)
            .expect("parser has a language and no timeout")
    })
}
