//! Secrets-manager reads in JS/TS (shared by `secret-cached-without-ttl` and
//! `secret-fetch-failure-ignored`): AWS Secrets Manager, GCP Secret Manager, Vault over HTTP and
//! node-vault, plus calls to the file's own functions that perform such a read.

pub use super::scan::Enclosing;
use super::scan::{
    arguments, contains_ignore_case, first_argument, is_secret_command, visit_descendants, Scan,
};
use std::collections::HashSet;
use tree_sitter::Node;

/// One read: the call that fetches a secret, and a short name for it in messages.
#[derive(Clone, Copy)]
pub struct Read<'t> {
    pub node: Node<'t>,
    pub what: &'t str,
    /// `what` names a function of this file that performs the read.
    pub via_wrapper: bool,
}

impl Read<'_> {
    /// How messages name the read: `GetSecretValueCommand`, or `loadKey()` for a wrapper.
    pub fn describe(&self) -> String {
        if self.via_wrapper {
            format!("`{}()`, which reads a secret", self.what)
        } else {
            format!("`{}`", self.what)
        }
    }
}

/// Calls whose callee is a logger; never a read even when a URL is logged.
const LOG_METHODS: &[&str] = &["log", "warn", "error", "info", "debug", "trace"];

/// Every direct secrets-manager read in the file.
pub fn direct_reads<'t>(scan: &Scan<'t>) -> Vec<Read<'t>> {
    scan.calls
        .iter()
        .filter_map(|&call| direct_read(scan, call))
        .collect()
}

fn direct_read<'t>(scan: &Scan<'t>, call: Node<'t>) -> Option<Read<'t>> {
    let callee = call.child_by_field_name("function")?;
    let name = scan.callee_name(callee);
    if matches!(
        name,
        "getSecretValue" | "batchGetSecretValue" | "accessSecretVersion"
    ) {
        return Some(Read {
            node: call,
            what: name,
            via_wrapper: false,
        });
    }
    if LOG_METHODS.contains(&name) {
        return None;
    }
    for arg in arguments(call) {
        let is_command = match arg.kind() {
            "new_expression" => arg
                .child_by_field_name("constructor")
                .is_some_and(|c| is_secret_command(scan.text_of(c))),
            "identifier" => scan.secret_command_names.contains(&scan.text_of(arg)),
            _ => false,
        };
        if is_command {
            return Some(Read {
                node: call,
                what: "GetSecretValueCommand",
                via_wrapper: false,
            });
        }
    }
    if name == "read" && callee.kind() == "member_expression" {
        let object = callee.child_by_field_name("object")?;
        let object_name = match object.kind() {
            "member_expression" => scan.callee_name(object),
            _ => scan.text_of(object),
        };
        let vaultish = contains_ignore_case(object_name, "vault")
            || (object_name == "client" && scan.imports_node_vault);
        if vaultish {
            return Some(Read {
                node: call,
                what: "Vault read",
                via_wrapper: false,
            });
        }
    }
    let url = first_argument(call)?;
    if matches!(
        url.kind(),
        "string" | "template_string" | "binary_expression" | "identifier"
    ) && scan.resolve_string(url).contains("/v1/secret/")
    {
        return Some(Read {
            node: call,
            what: "Vault /v1/secret/ read",
            via_wrapper: false,
        });
    }
    None
}

/// The innermost `try` block that covers a call or `try` statement, or the function it
/// escapes from (precomputed by the scan).
pub fn enclosing<'t>(scan: &Scan<'t>, node: Node<'t>) -> Enclosing<'t> {
    scan.enclosing
        .get(&node.id())
        .copied()
        .unwrap_or(Enclosing::Module)
}

/// The function a failure at `node` propagates out of: through `try` blocks whose `catch`
/// throws again, up to the first function boundary. None when a `catch` absorbs it or the
/// node is at module level.
pub fn escapes_to_function<'t>(scan: &Scan<'t>, node: Node<'t>) -> Option<Node<'t>> {
    let mut cur = node;
    loop {
        match enclosing(scan, cur) {
            Enclosing::Try(t) if handler_throws(scan, t) => cur = t,
            Enclosing::Try(_) | Enclosing::Module => return None,
            Enclosing::Function(f) => return Some(f),
        }
    }
}

/// Does the `catch` of this `try` throw (or reject) again?
pub fn handler_throws(scan: &Scan, try_stmt: Node) -> bool {
    let Some(handler) = try_stmt.child_by_field_name("handler") else {
        return false;
    };
    let mut found = false;
    visit_descendants(handler, &mut |n| {
        found = n.kind() == "throw_statement"
            || (n.kind() == "call_expression"
                && n.child_by_field_name("function").is_some_and(|f| {
                    let text = scan.text_of(f);
                    text == "Promise.reject" || text == "reject" || text == "process.exit"
                }));
        !found
    });
    found
}

/// The name a function is called by: its own name, or the variable it is assigned to.
pub fn function_name<'t>(scan: &Scan<'t>, func: Node<'t>) -> Option<&'t str> {
    if let Some(name) = func.child_by_field_name("name") {
        return Some(scan.text_of(name));
    }
    let parent = scan.parent_of(func)?;
    match parent.kind() {
        "variable_declarator" => parent
            .child_by_field_name("name")
            .filter(|n| n.kind() == "identifier"),
        "pair" => parent.child_by_field_name("key"),
        _ => None,
    }
    .map(|n| scan.text_of(n))
}

/// Calls of the named function in the file: `name(…)` or `this.name(…)`.
pub fn calls_of<'t>(scan: &Scan<'t>, name: &str) -> Vec<Node<'t>> {
    scan.calls_by_name.get(name).cloned().unwrap_or_default()
}

/// Direct reads plus calls of the file's own functions out of which a read's failure escapes
/// (not caught inside them), transitively. What each call "reads" is named after the wrapper.
pub fn reads_with_throwing_wrappers<'t>(scan: &Scan<'t>, direct: &[Read<'t>]) -> Vec<Read<'t>> {
    let mut all: Vec<Read<'t>> = direct.to_vec();
    let mut seen_calls: HashSet<usize> = all.iter().map(|r| r.node.id()).collect();
    let mut seen_functions: HashSet<usize> = HashSet::new();
    let mut next = 0;
    while next < all.len() && all.len() < 10_000 {
        let read = all[next];
        next += 1;
        let Some(func) = escapes_to_function(scan, read.node) else {
            continue;
        };
        if !seen_functions.insert(func.id()) {
            continue;
        }
        let Some(name) = function_name(scan, func) else {
            continue;
        };
        for call in calls_of(scan, name) {
            if !seen_calls.insert(call.id()) {
                continue;
            }
            all.push(Read {
                node: call,
                what: name,
                via_wrapper: true,
            });
        }
    }
    all
}
