//! JSON (package.json, lockfiles) through jsonc-parser's scanner, with our own tolerant tree
//! builder: every key and value keeps its byte span, and a half-typed document still yields
//! the parts that were complete (an unterminated object ends where the text ends).

use crate::finding::Span;
use jsonc_parser::tokens::Token;
use jsonc_parser::{Scanner, ScannerOptions};

/// A parsed JSON document. `root` is `None` only for an empty or hopeless text.
#[derive(Clone, Debug, Default)]
pub struct JsonDoc {
    pub root: Option<Node>,
    /// Where the text first stops being valid JSON (with comments and trailing commas allowed).
    pub error: Option<Span>,
}

impl JsonDoc {
    pub fn ok(&self) -> bool {
        self.error.is_none() && self.root.is_some()
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Node {
    /// The whole value, quotes and brackets included.
    pub span: Span,
    pub value: Value,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    Object(Vec<Member>),
    Array(Vec<Node>),
    String(String),
    /// The number as written.
    Number(String),
    Bool(bool),
    Null,
}

/// `"key": value` in an object. `value` is `None` while the member is still being typed.
#[derive(Clone, Debug, PartialEq)]
pub struct Member {
    pub key: String,
    /// The key, quotes included.
    pub key_span: Span,
    pub value: Option<Node>,
}

impl Node {
    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_bool(&self) -> Option<bool> {
        match self.value {
            Value::Bool(b) => Some(b),
            _ => None,
        }
    }

    pub fn members(&self) -> &[Member] {
        match &self.value {
            Value::Object(m) => m,
            _ => &[],
        }
    }

    pub fn elements(&self) -> &[Node] {
        match &self.value {
            Value::Array(a) => a,
            _ => &[],
        }
    }

    /// The first member named `key` (objects only).
    pub fn member(&self, key: &str) -> Option<&Member> {
        self.members().iter().find(|m| m.key == key)
    }

    /// The value of the first member named `key`.
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.member(key).and_then(|m| m.value.as_ref())
    }

    /// The inner span of a string value (without its quotes); the whole span otherwise.
    pub fn content_span(&self) -> Span {
        match self.value {
            Value::String(_) if self.span.len() >= 2 => self.span.start + 1..self.span.end - 1,
            _ => self.span.clone(),
        }
    }
}

/// Parse leniently: comments, trailing or missing commas, and truncated input are accepted.
pub fn parse(text: &str) -> JsonDoc {
    let mut p = TolerantParser::new(text);
    p.advance();
    let root = p.value(0);
    if root.is_some() && p.token.is_some() && p.error.is_none() {
        p.error = Some(p.start..p.end);
    }
    JsonDoc {
        root,
        error: p.error,
    }
}

const MAX_DEPTH: usize = 256;

struct TolerantParser<'a> {
    scanner: Scanner<'a>,
    text_len: usize,
    token: Option<Token<'a>>,
    start: usize,
    end: usize,
    error: Option<Span>,
}

impl<'a> TolerantParser<'a> {
    fn new(text: &'a str) -> Self {
        TolerantParser {
            scanner: Scanner::new(text, &ScannerOptions::default()),
            text_len: text.len(),
            token: None,
            start: 0,
            end: 0,
            error: None,
        }
    }

    fn fail_here(&mut self) {
        if self.error.is_none() {
            self.error = Some(self.start..self.end.max(self.start));
        }
    }

    /// Move to the next non-comment token. A scanner error ends the input there.
    fn advance(&mut self) {
        loop {
            match self.scanner.scan() {
                Ok(Some(Token::CommentLine(_) | Token::CommentBlock(_))) => continue,
                Ok(tok) => {
                    self.token = tok;
                    self.start = self.scanner.token_start();
                    self.end = self.scanner.token_end();
                }
                Err(e) => {
                    let r = e.range();
                    if self.error.is_none() {
                        self.error = Some(r.start..r.end);
                    }
                    self.token = None;
                    self.start = self.text_len;
                    self.end = self.text_len;
                }
            }
            return;
        }
    }

    fn value(&mut self, depth: usize) -> Option<Node> {
        if depth > MAX_DEPTH {
            self.fail_here();
            self.token = None;
            return None;
        }
        let start = self.start;
        let end = self.end;
        let value = match self.token.take()? {
            Token::OpenBrace => return Some(self.object(depth)),
            Token::OpenBracket => return Some(self.array(depth)),
            Token::String(s) => Value::String(s.into_owned()),
            Token::Number(n) => Value::Number(n.to_string()),
            Token::Boolean(b) => Value::Bool(b),
            Token::Null => Value::Null,
            tok => {
                // Not a value: leave the token for the caller to deal with.
                self.token = Some(tok);
                self.fail_here();
                return None;
            }
        };
        self.advance();
        Some(Node {
            span: start..end,
            value,
        })
    }

    fn object(&mut self, depth: usize) -> Node {
        let start = self.start;
        self.advance();
        let mut members = Vec::new();
        loop {
            match self.token.clone() {
                None => {
                    self.fail_here();
                    return Node {
                        span: start..self.text_len,
                        value: Value::Object(members),
                    };
                }
                Some(Token::CloseBrace) => {
                    let end = self.end;
                    self.advance();
                    return Node {
                        span: start..end,
                        value: Value::Object(members),
                    };
                }
                Some(Token::Comma) => self.advance(),
                Some(Token::String(key)) => members.push(self.member(key.into_owned(), depth)),
                Some(Token::Word(w)) => members.push(self.member(w.to_string(), depth)),
                Some(Token::CloseBracket | Token::Colon) | Some(_) => {
                    // Stray token: skip it and keep going.
                    self.fail_here();
                    self.advance();
                }
            }
        }
    }

    fn member(&mut self, key: String, depth: usize) -> Member {
        let key_span = self.start..self.end;
        self.advance();
        let mut value = None;
        if self.token == Some(Token::Colon) {
            self.advance();
            value = self.value(depth + 1);
        } else {
            self.fail_here();
        }
        Member {
            key,
            key_span,
            value,
        }
    }

    fn array(&mut self, depth: usize) -> Node {
        let start = self.start;
        self.advance();
        let mut elements = Vec::new();
        loop {
            match self.token {
                None => {
                    self.fail_here();
                    return Node {
                        span: start..self.text_len,
                        value: Value::Array(elements),
                    };
                }
                Some(Token::CloseBracket) => {
                    let end = self.end;
                    self.advance();
                    return Node {
                        span: start..end,
                        value: Value::Array(elements),
                    };
                }
                Some(Token::Comma) => self.advance(),
                _ => match self.value(depth + 1) {
                    Some(v) => elements.push(v),
                    None => {
                        // A token that cannot start a value (`}`, `:`, a word): skip it.
                        if self.token.is_some() {
                            self.advance();
                        }
                    }
                },
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_cover_keys_and_values() {
        let text = r#"{ "a": "x", "b": [1, true, null], "c": {"d": "e"} }"#;
        let doc = parse(text);
        assert!(doc.ok());
        let root = doc.root.unwrap();
        let a = root.member("a").unwrap();
        assert_eq!(&text[a.key_span.clone()], "\"a\"");
        let av = a.value.as_ref().unwrap();
        assert_eq!(&text[av.span.clone()], "\"x\"");
        assert_eq!(&text[av.content_span()], "x");
        assert_eq!(root.get("b").unwrap().elements().len(), 3);
        assert_eq!(root.get("c").unwrap().get("d").unwrap().as_str(), Some("e"));
    }

    #[test]
    fn comments_and_trailing_commas_are_fine() {
        let doc = parse("{\n // c\n \"a\": 1, /* x */ \"b\": 2,\n}");
        assert!(doc.ok());
        assert_eq!(doc.root.unwrap().members().len(), 2);
    }

    #[test]
    fn half_typed_input_keeps_what_was_complete() {
        let cases = [
            "",
            "{",
            "{\"a\"",
            "{\"a\":",
            "{\"a\": \"1\", \"b\": {\"c\": \"2\"",
            "{\"a\": \"unterminated",
            "{\"a\": ]}",
            "[[[[",
            "}}}",
            "{\"a\" \"b\": 1}",
            "{\"deps\": {\"x\": \"^1\",,, \"y\": }}",
        ];
        for c in cases {
            let _ = parse(c);
        }
        let doc = parse("{\"a\": \"1\", \"b\": {\"c\": \"2\"");
        assert!(!doc.ok());
        let root = doc.root.unwrap();
        assert_eq!(root.get("a").unwrap().as_str(), Some("1"));
        assert_eq!(root.get("b").unwrap().get("c").unwrap().as_str(), Some("2"));
        let doc = parse("{\"deps\": {\"x\": \"^1\",,, \"y\": }, \"z\": true}");
        let root = doc.root.unwrap();
        let deps = root.get("deps").unwrap();
        assert_eq!(deps.get("x").unwrap().as_str(), Some("^1"));
        assert!(deps.member("y").unwrap().value.is_none());
        assert_eq!(root.get("z").unwrap().as_bool(), Some(true));
    }

    fn check_spans(text: &str, node: &Node) {
        assert!(node.span.end <= text.len() && text.is_char_boundary(node.span.start));
        assert!(text.is_char_boundary(node.span.end));
        for m in node.members() {
            assert!(text.get(m.key_span.clone()).is_some());
            if let Some(v) = &m.value {
                check_spans(text, v);
            }
        }
        for e in node.elements() {
            check_spans(text, e);
        }
    }

    proptest::proptest! {
        #[test]
        fn any_text_parses_without_panicking(text in "[{}\\[\\]:,\"a-z0-9 \n/*é^~-]{0,80}") {
            let doc = parse(&text);
            if let Some(root) = &doc.root {
                check_spans(&text, root);
            }
            let m = crate::model::package::PackageManifest::from_json(&doc, &text);
            for d in &m.dependencies {
                proptest::prop_assert!(text.get(d.version_span.clone()).is_some());
            }
            let _ = crate::workspace::parse_pnpm_lock(&format!("lockfileVersion: 9\n{text}"));
        }

        #[test]
        fn truncated_manifests_keep_complete_entries(cut in 0usize..200) {
            let text = r#"{"name": "x", "dependencies": {"a": "^1.0.0", "b": "2.0.0"}, "devDependencies": {"c": "~3"}}"#;
            let cut = cut.min(text.len());
            let doc = parse(&text[..cut]);
            let m = crate::model::package::PackageManifest::from_json(&doc, &text[..cut]);
            for d in &m.dependencies {
                proptest::prop_assert_eq!(&text[d.version_span.clone()], d.version.as_str());
            }
        }
    }

    #[test]
    fn deep_nesting_does_not_overflow() {
        let text = "[".repeat(100_000);
        let _ = parse(&text);
        let text = "{\"a\":".repeat(50_000);
        let _ = parse(&text);
    }
}
