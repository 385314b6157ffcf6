//! YAML through tree-sitter: exact byte spans, comments kept, recovery from broken input.

use tree_sitter::{Parser, Tree};

thread_local! {
    static PARSER: std::cell::RefCell<Parser> = std::cell::RefCell::new({
        let mut p = Parser::new();
        p.set_language(&tree_sitter_yaml::LANGUAGE.into())
            .expect("tree-sitter-yaml grammar is compatible");
        p
    });
}

/// Parse (incrementally when `old_tree` is given and already edited).
pub fn parse(text: &str, old_tree: Option<&Tree>) -> Tree {
    PARSER.with(|p| {
        p.borrow_mut()
            .parse(text, old_tree)
            .expect("parser has a language and no timeout")
    })
}
