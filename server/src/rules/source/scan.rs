//! One walk over a JS/TS syntax tree that gathers every node the source rules look at, plus
//! small helpers for reading calls, strings and scopes off the tree.

use std::collections::HashMap;
use tree_sitter::{Node, Tree};

/// What the source rules need from one file, collected in a single pre-order walk.
pub struct Scan<'t> {
    pub text: &'t str,
    pub root: Node<'t>,
    /// Every `call_expression`, in document order.
    pub calls: Vec<Node<'t>>,
    /// `member_expression` / `subscript_expression` nodes whose property is `VAULT_TOKEN`.
    pub vault_token_members: Vec<Node<'t>>,
    /// `variable_declarator` / `assignment_expression` nodes that destructure an object.
    pub destructures: Vec<Node<'t>>,
    /// `const env = process.env`-like declarators: an identifier bound to a `….env` member.
    pub env_aliases: Vec<Node<'t>>,
    /// `const NAME = "literal"` (or a template / `+` of literals) anywhere in the file.
    pub string_consts: HashMap<&'t str, Node<'t>>,
    /// Names bound to `new GetSecretValueCommand(…)`.
    pub secret_command_names: Vec<&'t str>,
    /// Top-level declarations: name → its `variable_declarator`.
    pub module_vars: HashMap<&'t str, ModuleVar<'t>>,
    /// Calls by the name they call: `name(…)` and `this.name(…)`.
    pub calls_by_name: HashMap<&'t str, Vec<Node<'t>>>,
    /// [`Enclosing`] of every call and `try` statement, by node id (from the walk's ancestor
    /// stack: `Node::parent` is slow on large files).
    pub enclosing: HashMap<usize, Enclosing<'t>>,
    /// Promise chains: id of `x` in `x.then(…)` / `.catch(…)` / `.finally(…)` / `.promise()` →
    /// (method name, the call).
    pub promise_chain: HashMap<usize, (&'t str, Node<'t>)>,
    /// Ids of module-level `variable_declarator`s.
    pub module_declarators: std::collections::HashSet<usize>,
    /// Named functions: name → function node (declarations, `const f = () => …`, methods).
    pub functions: HashMap<&'t str, Node<'t>>,
    /// The file imports or requires `node-vault`.
    pub imports_node_vault: bool,
    /// A string literal mentions the IMDSv2 token endpoint (`/latest/api/token`).
    pub mentions_imds_token_endpoint: bool,
    /// Something in the file expires or refreshes cached values (see `note_expiry_signal`).
    pub has_expiry_signal: bool,
}

/// Where a call or `try` sits: inside a `try` block, else in which function.
#[derive(Clone, Copy)]
pub enum Enclosing<'t> {
    Try(Node<'t>),
    Function(Node<'t>),
    Module,
}

/// Callbacks of these calls run while the enclosing `try` waits (`Promise.all(xs.map(…))`).
const AWAITED_CALLBACK_CALLEES: &[&str] =
    &["map", "flatMap", "all", "allSettled", "any", "race", "then"];

#[derive(Clone, Copy)]
pub struct ModuleVar<'t> {
    pub declarator: Node<'t>,
    /// `let`, `var` or `const`.
    pub keyword: &'t str,
}

impl<'t> Scan<'t> {
    pub fn new(tree: &'t Tree, text: &'t str) -> Scan<'t> {
        let root = tree.root_node();
        let mut scan = Scan {
            text,
            root,
            calls: Vec::new(),
            calls_by_name: HashMap::new(),
            enclosing: HashMap::new(),
            promise_chain: HashMap::new(),
            module_declarators: Default::default(),
            vault_token_members: Vec::new(),
            destructures: Vec::new(),
            env_aliases: Vec::new(),
            string_consts: HashMap::new(),
            secret_command_names: Vec::new(),
            module_vars: HashMap::new(),
            functions: HashMap::new(),
            imports_node_vault: false,
            mentions_imds_token_endpoint: false,
            has_expiry_signal: false,
        };
        scan.walk();
        scan
    }

    pub fn text_of(&self, node: Node) -> &'t str {
        &self.text[node.byte_range()]
    }

    fn walk(&mut self) {
        let mut cursor = self.root.walk();
        // Depth of the current node: 1 = a statement directly under `program`.
        let mut depth = 0usize;
        // Depth of `export_statement` wrappers directly under the program.
        let mut export_depth: Option<usize> = None;
        let mut ancestors: Vec<Node<'t>> = Vec::new();
        loop {
            let node = cursor.node();
            // `Node::kind` measures and validates a C string: read it once per node.
            let kind = node.kind();
            ancestors.truncate(depth);
            if matches!(kind, "call_expression" | "try_statement") {
                let e = self.enclosing_from(node, &ancestors);
                self.enclosing.insert(node.id(), e);
            }
            if kind == "call_expression" {
                self.note_promise_chain(node);
            }
            self.visit(node, kind, depth, export_depth);
            ancestors.push(node);
            if kind == "export_statement" && depth == 1 {
                export_depth = Some(2);
            }
            if cursor.goto_first_child() {
                depth += 1;
                continue;
            }
            loop {
                if cursor.goto_next_sibling() {
                    break;
                }
                if !cursor.goto_parent() {
                    return;
                }
                depth -= 1;
                if depth <= 1 {
                    export_depth = None;
                }
            }
        }
    }

    /// The innermost `try` block covering `node`, or the function a failure escapes from, read
    /// off the ancestor stack. Callbacks of `map`/`Promise.all`/`then` are looked through.
    fn enclosing_from(&self, node: Node<'t>, ancestors: &[Node<'t>]) -> Enclosing<'t> {
        let mut child = node;
        for i in (0..ancestors.len()).rev() {
            let p = ancestors[i];
            if p.kind() == "try_statement"
                && p.child_by_field_name("body")
                    .is_some_and(|b| b.id() == child.id())
            {
                return Enclosing::Try(p);
            }
            if is_function(p.kind()) {
                let awaited_callback = matches!(
                    p.kind(),
                    "arrow_function" | "function_expression" | "function"
                ) && i >= 2
                    && ancestors[i - 1].kind() == "arguments"
                    && ancestors[i - 2].kind() == "call_expression"
                    && ancestors[i - 2]
                        .child_by_field_name("function")
                        .is_some_and(|f| AWAITED_CALLBACK_CALLEES.contains(&self.callee_name(f)));
                if !awaited_callback {
                    return Enclosing::Function(p);
                }
            }
            child = p;
        }
        Enclosing::Module
    }

    fn note_promise_chain(&mut self, call: Node<'t>) {
        let Some(member) = call
            .child_by_field_name("function")
            .filter(|f| f.kind() == "member_expression")
        else {
            return;
        };
        let (Some(object), Some(property)) = (
            member.child_by_field_name("object"),
            member.child_by_field_name("property"),
        ) else {
            return;
        };
        let method = self.text_of(property);
        if matches!(method, "then" | "catch" | "finally" | "promise") {
            self.promise_chain.insert(object.id(), (method, call));
        }
    }

    fn visit(&mut self, node: Node<'t>, kind: &str, depth: usize, export_depth: Option<usize>) {
        match kind {
            "call_expression" => {
                self.calls.push(node);
                self.note_call(node);
            }
            "new_expression" => {
                if let Some(c) = node.child_by_field_name("constructor") {
                    // `new Date()` compared with a stored expiry counts like `Date.now()`.
                    if self.text_of(c) == "Date" && compared_nearby(node) {
                        self.has_expiry_signal = true;
                    }
                }
            }
            "member_expression" => {
                let prop = node
                    .child_by_field_name("property")
                    .map(|p| self.text_of(p));
                if prop == Some("VAULT_TOKEN") {
                    self.vault_token_members.push(node);
                }
                if prop == Some("now") && self.is_clock_call(node) && compared_nearby(node) {
                    self.has_expiry_signal = true;
                }
            }
            "subscript_expression" => {
                let index = node.child_by_field_name("index");
                if index.and_then(|i| self.string_value(i)).as_deref() == Some("VAULT_TOKEN") {
                    self.vault_token_members.push(node);
                }
            }
            "lexical_declaration" | "variable_declaration"
                if depth == 1 || export_depth == Some(depth) =>
            {
                let keyword = node.child(0).map(|k| self.text_of(k)).unwrap_or("var");
                let mut c = node.walk();
                for d in node
                    .named_children(&mut c)
                    .filter(|d| d.kind() == "variable_declarator")
                {
                    let Some(name) = d.child_by_field_name("name") else {
                        continue;
                    };
                    self.module_declarators.insert(d.id());
                    for id in bound_identifiers(name) {
                        self.module_vars.insert(
                            self.text_of(id),
                            ModuleVar {
                                declarator: d,
                                keyword,
                            },
                        );
                    }
                }
            }
            "variable_declarator" => self.note_declarator(node),
            "assignment_expression"
                if node
                    .child_by_field_name("left")
                    .is_some_and(|l| l.kind() == "object_pattern") =>
            {
                self.destructures.push(node);
            }
            "function_declaration" | "generator_function_declaration" | "method_definition" => {
                if let Some(name) = node.child_by_field_name("name") {
                    self.functions.insert(self.text_of(name), node);
                }
            }
            "string_fragment" if self.text_of(node).contains("latest/api/token") => {
                self.mentions_imds_token_endpoint = true;
            }
            "pair" => {
                if let Some(key) = node.child_by_field_name("key") {
                    let key = self.text_of(key).trim_matches(|c| c == '"' || c == '\'');
                    if is_ttl_key(key) {
                        self.has_expiry_signal = true;
                    }
                }
            }
            "identifier" | "property_identifier" | "shorthand_property_identifier"
                if is_ttl_key(self.text_of(node)) =>
            {
                self.has_expiry_signal = true;
            }
            // `expiresAt > now` where `now` was taken from the clock earlier.
            "binary_expression" if self.compares_with_now(node) => self.has_expiry_signal = true,
            "import_statement" => {
                if let Some(src) = node.child_by_field_name("source") {
                    if self.string_value(src).as_deref() == Some("node-vault") {
                        self.imports_node_vault = true;
                    }
                }
            }
            _ => {}
        }
    }

    fn note_declarator(&mut self, d: Node<'t>) {
        let (Some(name), Some(value)) = (
            d.child_by_field_name("name"),
            d.child_by_field_name("value"),
        ) else {
            return;
        };
        match name.kind() {
            "object_pattern" => self.destructures.push(d),
            "identifier" => {
                let name = self.text_of(name);
                match value.kind() {
                    "string" | "template_string" | "binary_expression" => {
                        self.string_consts.insert(name, value);
                    }
                    "arrow_function" | "function_expression" | "function" => {
                        self.functions.insert(name, value);
                    }
                    "member_expression"
                        if value
                            .child_by_field_name("property")
                            .is_some_and(|p| self.text_of(p) == "env") =>
                    {
                        self.env_aliases.push(d);
                    }
                    "new_expression" => {
                        let ctor = value
                            .child_by_field_name("constructor")
                            .map(|c| self.text_of(c));
                        if ctor.is_some_and(is_secret_command) {
                            self.secret_command_names.push(name);
                        }
                    }
                    _ => {}
                }
            }
            _ => {}
        }
    }

    fn note_call(&mut self, call: Node<'t>) {
        let Some(callee) = call.child_by_field_name("function") else {
            return;
        };
        let name = self.callee_name(callee);
        let by_name = match callee.kind() {
            "identifier" => true,
            "member_expression" => callee
                .child_by_field_name("object")
                .is_some_and(|o| o.kind() == "this"),
            _ => false,
        };
        if by_name {
            self.calls_by_name.entry(name).or_default().push(call);
        }
        match name {
            "require" => {
                let arg = first_argument(call).and_then(|a| self.string_value(a));
                if arg.as_deref() == Some("node-vault") {
                    self.imports_node_vault = true;
                }
            }
            "setInterval" => self.has_expiry_signal = true,
            // A `setTimeout` inside `new Promise(…)` is a sleep, not a refresh.
            "setTimeout" if !self.inside_promise_executor(call) => self.has_expiry_signal = true,
            _ => {
                if contains_ignore_case(name, "renew") {
                    self.has_expiry_signal = true;
                }
            }
        }
    }

    /// Is `call` inside the executor of a `new Promise(…)` (a sleep helper)?
    fn inside_promise_executor(&self, call: Node) -> bool {
        let mut cur = call;
        for _ in 0..6 {
            let Some(p) = cur.parent() else { return false };
            if p.kind() == "new_expression" {
                return p
                    .child_by_field_name("constructor")
                    .is_some_and(|c| self.text_of(c) == "Promise");
            }
            cur = p;
        }
        false
    }

    fn compares_with_now(&self, node: Node) -> bool {
        let op = node.child_by_field_name("operator").map(|o| o.kind());
        if !matches!(op, Some("<" | ">" | "<=" | ">=")) {
            return false;
        }
        let is_now =
            |n: Node| n.kind() == "identifier" && contains_ignore_case(self.text_of(n), "now");
        [
            node.child_by_field_name("left"),
            node.child_by_field_name("right"),
        ]
        .into_iter()
        .flatten()
        .any(|side| {
            // `now`, or `now - fetchedAt`
            is_now(side)
                || (side.kind() == "binary_expression"
                    && [
                        side.child_by_field_name("left"),
                        side.child_by_field_name("right"),
                    ]
                    .into_iter()
                    .flatten()
                    .any(is_now))
        })
    }

    /// `Date.now` / `performance.now`.
    fn is_clock_call(&self, member: Node) -> bool {
        member
            .child_by_field_name("object")
            .is_some_and(|o| matches!(self.text_of(o), "Date" | "performance"))
    }

    /// The last name of a callee: `fetch` for `fetch`, `send` for `client.send`.
    pub fn callee_name(&self, callee: Node) -> &'t str {
        match callee.kind() {
            "identifier" => self.text_of(callee),
            "member_expression" => callee
                .child_by_field_name("property")
                .map(|p| self.text_of(p))
                .unwrap_or(""),
            "parenthesized_expression" | "non_null_expression" | "as_expression" => callee
                .named_child(0)
                .map(|c| self.callee_name(c))
                .unwrap_or(""),
            _ => "",
        }
    }

    /// The object a member callee hangs off, as text of its leftmost identifier:
    /// `https` for `https.get`, `client` for `this.client.send` → `this`.
    pub fn callee_object_root(&self, callee: Node) -> Option<&'t str> {
        let obj = callee.child_by_field_name("object")?;
        Some(self.text_of(root_object(obj)))
    }

    /// The value of a string literal, or of a template literal without substitutions.
    pub fn string_value(&self, node: Node) -> Option<String> {
        match node.kind() {
            "string" => Some(self.fragments(node)),
            "template_string" => {
                let mut c = node.walk();
                let has_subst = node
                    .named_children(&mut c)
                    .any(|n| n.kind() == "template_substitution");
                (!has_subst).then(|| self.fragments(node))
            }
            _ => None,
        }
    }

    fn fragments(&self, node: Node) -> String {
        let mut out = String::new();
        let mut c = node.walk();
        for ch in node.named_children(&mut c) {
            if matches!(ch.kind(), "string_fragment" | "escape_sequence") {
                out.push_str(self.text_of(ch));
            }
        }
        out
    }

    /// Best-effort value of a string expression: literals, templates, `+`, and identifiers bound
    /// to such values by a `const`. Unknown parts become [`UNKNOWN`].
    pub fn resolve_string(&self, node: Node) -> String {
        let mut out = String::new();
        self.resolve_into(node, &mut out, 0);
        out
    }

    fn resolve_into(&self, node: Node, out: &mut String, depth: usize) {
        if depth > 8 {
            out.push(UNKNOWN);
            return;
        }
        match node.kind() {
            "string" => out.push_str(&self.fragments(node)),
            "template_string" => {
                let mut c = node.walk();
                for ch in node.named_children(&mut c) {
                    match ch.kind() {
                        "string_fragment" | "escape_sequence" => out.push_str(self.text_of(ch)),
                        "template_substitution" => match ch.named_child(0) {
                            Some(e) => self.resolve_into(e, out, depth + 1),
                            None => out.push(UNKNOWN),
                        },
                        _ => {}
                    }
                }
            }
            "binary_expression" => {
                let op = node
                    .child_by_field_name("operator")
                    .map(|o| self.text_of(o));
                match (
                    op,
                    node.child_by_field_name("left"),
                    node.child_by_field_name("right"),
                ) {
                    (Some("+"), Some(l), Some(r)) => {
                        self.resolve_into(l, out, depth + 1);
                        self.resolve_into(r, out, depth + 1);
                    }
                    _ => out.push(UNKNOWN),
                }
            }
            "identifier" => match self.string_consts.get(self.text_of(node)) {
                Some(v) if v.id() != node.id() => self.resolve_into(*v, out, depth + 1),
                _ => out.push(UNKNOWN),
            },
            "parenthesized_expression"
            | "as_expression"
            | "non_null_expression"
            | "satisfies_expression" => match node.named_child(0) {
                Some(e) => self.resolve_into(e, out, depth + 1),
                None => out.push(UNKNOWN),
            },
            _ => out.push(UNKNOWN),
        }
    }

    /// Is `name` bound by a declaration or parameter between `node` and the program (so that a
    /// write to `name` at `node` does not reach a module-level variable)?
    pub fn is_shadowed(&self, name: &str, node: Node) -> bool {
        let mut cur = node;
        while let Some(parent) = self.parent_of(cur) {
            match parent.kind() {
                "statement_block" | "class_body" => {
                    let mut c = parent.walk();
                    for stmt in parent.named_children(&mut c) {
                        if matches!(stmt.kind(), "lexical_declaration" | "variable_declaration")
                            && self.declares(stmt, name)
                        {
                            return true;
                        }
                    }
                }
                "function_declaration"
                | "function_expression"
                | "function"
                | "arrow_function"
                | "method_definition"
                | "generator_function_declaration" => {
                    if let Some(params) = parent
                        .child_by_field_name("parameters")
                        .or_else(|| parent.child_by_field_name("parameter"))
                    {
                        if contains_identifier(params, name, self.text) {
                            return true;
                        }
                    }
                }
                "for_in_statement" | "for_statement" | "catch_clause" => {
                    let binder = parent
                        .child_by_field_name("left")
                        .or_else(|| parent.child_by_field_name("initializer"))
                        .or_else(|| parent.child_by_field_name("parameter"));
                    if binder.is_some_and(|b| {
                        b.id() != cur.id() && contains_identifier(b, name, self.text)
                    }) {
                        return true;
                    }
                }
                _ => {}
            }
            cur = parent;
        }
        false
    }

    fn declares(&self, decl: Node, name: &str) -> bool {
        let mut c = decl.walk();
        let found = decl
            .named_children(&mut c)
            .filter(|d| d.kind() == "variable_declarator")
            .filter_map(|d| d.child_by_field_name("name"))
            .any(|n| {
                bound_identifiers(n)
                    .into_iter()
                    .any(|id| self.text_of(id) == name)
            });
        found
    }

    /// `node.parent()`; kept as one place in case parent lookups need caching later.
    pub fn parent_of(&self, node: Node<'t>) -> Option<Node<'t>> {
        node.parent()
    }

    /// Is this declarator a top-level (module) declaration?
    pub fn is_module_level(&self, declarator: Node) -> bool {
        self.module_declarators.contains(&declarator.id())
    }
}

/// Stands for a part of a string that could not be resolved statically.
pub const UNKNOWN: char = '\u{0}';

pub fn is_secret_command(ctor: &str) -> bool {
    matches!(ctor, "GetSecretValueCommand" | "BatchGetSecretValueCommand")
}

/// Names that configure or track an expiry (`ttl`, `CACHE_TTL_MS`, `stdTTL`, `maxAge`,
/// `expiresAt`, `expiry`…).
fn is_ttl_key(key: &str) -> bool {
    if contains_ignore_case(key, "maxage") || contains_ignore_case(key, "expir") {
        return true;
    }
    // `ttl` as a word of the name, so that `allSettled` or `throttle` do not count.
    contains_ignore_case(key, "ttl") && name_words(key).any(|w| w.eq_ignore_ascii_case("ttl"))
}

/// ASCII case-insensitive substring test without allocating (runs on every identifier).
pub fn contains_ignore_case(haystack: &str, needle: &str) -> bool {
    let (h, n) = (haystack.as_bytes(), needle.as_bytes());
    h.len() >= n.len() && h.windows(n.len()).any(|w| w.eq_ignore_ascii_case(n))
}

/// The words of an identifier: `CACHE_TTL_MS` → CACHE, TTL, MS; `stdTTL` → std, TTL;
/// `ttlMs` → ttl, Ms.
fn name_words(name: &str) -> impl Iterator<Item = &str> {
    let bytes = name.as_bytes();
    let mut cuts = vec![0];
    for i in 1..bytes.len() {
        let (prev, cur) = (bytes[i - 1], bytes[i]);
        let next_lower = bytes.get(i + 1).is_some_and(u8::is_ascii_lowercase);
        let boundary = !cur.is_ascii_alphanumeric()
            || !prev.is_ascii_alphanumeric()
            || (prev.is_ascii_lowercase() && cur.is_ascii_uppercase())
            || (prev.is_ascii_uppercase() && cur.is_ascii_uppercase() && next_lower);
        if boundary {
            cuts.push(i);
        }
    }
    cuts.push(bytes.len());
    let words: Vec<&str> = cuts
        .windows(2)
        .map(|w| name[w[0]..w[1]].trim_matches(|c: char| !c.is_ascii_alphanumeric()))
        .filter(|w| !w.is_empty())
        .collect();
    words.into_iter()
}

/// Is this `Date.now()` / `new Date()` part of a comparison (within a few levels)?
fn compared_nearby(node: Node) -> bool {
    let mut cur = node;
    for _ in 0..5 {
        let Some(p) = cur.parent() else { return false };
        if p.kind() == "binary_expression" {
            let op = p.child_by_field_name("operator").map(|o| o.kind());
            if matches!(op, Some("<" | ">" | "<=" | ">=")) {
                return true;
            }
        }
        if !matches!(
            p.kind(),
            "binary_expression"
                | "call_expression"
                | "member_expression"
                | "parenthesized_expression"
                | "new_expression"
                | "arguments"
        ) {
            return false;
        }
        cur = p;
    }
    false
}

/// The leftmost object of a member chain (`a` in `a.b.c`, `this` in `this.x`).
pub fn root_object(mut node: Node) -> Node {
    loop {
        match node.kind() {
            "member_expression" | "subscript_expression" => {
                match node.child_by_field_name("object") {
                    Some(o) => node = o,
                    None => return node,
                }
            }
            "call_expression" => match node.child_by_field_name("function") {
                Some(f) => node = f,
                None => return node,
            },
            "parenthesized_expression"
            | "non_null_expression"
            | "as_expression"
            | "await_expression" => match node.named_child(0) {
                Some(c) => node = c,
                None => return node,
            },
            _ => return node,
        }
    }
}

pub fn first_argument(call: Node) -> Option<Node> {
    let args = call.child_by_field_name("arguments")?;
    let mut c = args.walk();
    let first = args.named_children(&mut c).find(|n| n.kind() != "comment");
    first
}

pub fn arguments(call: Node) -> Vec<Node> {
    let Some(args) = call.child_by_field_name("arguments") else {
        return Vec::new();
    };
    let mut c = args.walk();
    args.named_children(&mut c)
        .filter(|n| n.kind() != "comment")
        .collect()
}

/// Identifiers a declarator name (identifier or destructuring pattern) binds.
pub fn bound_identifiers(name: Node) -> Vec<Node> {
    let mut out = Vec::new();
    collect_bound(name, &mut out);
    out
}

fn collect_bound<'t>(node: Node<'t>, out: &mut Vec<Node<'t>>) {
    match node.kind() {
        "identifier" | "shorthand_property_identifier_pattern" => out.push(node),
        "pair_pattern" => {
            if let Some(v) = node.child_by_field_name("value") {
                collect_bound(v, out);
            }
        }
        "object_assignment_pattern" | "assignment_pattern" => {
            if let Some(l) = node.child_by_field_name("left") {
                collect_bound(l, out);
            }
        }
        "object_pattern" | "array_pattern" | "rest_pattern" => {
            let mut c = node.walk();
            for ch in node.named_children(&mut c) {
                collect_bound(ch, out);
            }
        }
        _ => {}
    }
}

/// Does `node`'s subtree contain an identifier-like node spelled `name`?
pub fn contains_identifier(node: Node, name: &str, text: &str) -> bool {
    let mut found = false;
    visit_descendants(node, &mut |n| {
        if matches!(
            n.kind(),
            "identifier" | "shorthand_property_identifier_pattern"
        ) && &text[n.byte_range()] == name
        {
            found = true;
        }
        !found
    });
    found
}

/// Pre-order walk of `node`'s subtree; `f` returns false to stop the whole walk.
pub fn visit_descendants<'t>(node: Node<'t>, f: &mut impl FnMut(Node<'t>) -> bool) {
    let mut cursor = node.walk();
    let mut depth = 0usize;
    loop {
        if !f(cursor.node()) {
            return;
        }
        if cursor.goto_first_child() {
            depth += 1;
            continue;
        }
        loop {
            if depth == 0 {
                return;
            }
            if cursor.goto_next_sibling() {
                break;
            }
            cursor.goto_parent();
            depth -= 1;
        }
    }
}

/// Function-like node kinds: a boundary for data flow and for `try` coverage.
pub fn is_function(kind: &str) -> bool {
    matches!(
        kind,
        "function_declaration"
            | "generator_function_declaration"
            | "function_expression"
            | "function"
            | "generator_function"
            | "arrow_function"
            | "method_definition"
    )
}

#[cfg(test)]
mod scan_tests {
    use super::*;
    use crate::syntax::js::{parse, Dialect};

    fn expiry(src: &str) -> bool {
        let tree = parse(Dialect::JavaScript, src, None);
        Scan::new(&tree, src).has_expiry_signal
    }

    #[test]
    fn expiry_signals() {
        assert!(expiry("if (hit && now - hit.fetched < 300000) f();"));
        assert!(expiry("if (Date.now() > expiresAt) f();"));
        assert!(expiry("setInterval(refresh, 1000);"));
        assert!(expiry("const c = new LRU({ ttl: 5 });"));
        assert!(!expiry(
            "await new Promise((r) => setTimeout(r, 10)); const t = Date.now();"
        ));
        assert!(!expiry("await Promise.allSettled(xs); throttle(x);"));
    }

    #[test]
    fn ttl_names() {
        for yes in [
            "ttl",
            "stdTTL",
            "CACHE_TTL_MS",
            "ttlMs",
            "maxAge",
            "expiresAt",
            "EXPIRY",
            "secretTtl",
        ] {
            assert!(is_ttl_key(yes), "{yes}");
        }
        for no in ["allSettled", "throttle", "settle", "title", "shuttleBus"] {
            assert!(!is_ttl_key(no), "{no}");
        }
    }
}
