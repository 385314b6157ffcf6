//! `secret-cached-without-ttl`: a secrets-manager read whose value ends up in module-level state
//! that nothing in the file ever expires or refreshes.
//!
//! The value is followed through the expressions that carry it (`await`, `.SecretString`,
//! `JSON.parse(…)`, `??`, object literals), through local variables, and out of the file's own
//! functions via `return`, until it is stored somewhere.

use super::scan::{
    arguments, bound_identifiers, first_argument, is_function, root_object, visit_descendants, Scan,
};
use super::secret_reads::{calls_of, function_name, Read};
use crate::finding::Finding;
use std::collections::HashSet;
use tree_sitter::Node;

const RULE: &str = "secret-cached-without-ttl";
/// Bound on the data-flow work list, so pathological files stay cheap.
const MAX_STEPS: usize = 5_000;

/// `value.<method>(cb)`: `cb`'s first parameter receives the value (or one of its elements).
const ELEMENT_CALLBACKS: &[&str] = &[
    "then", "forEach", "map", "flatMap", "filter", "find", "some", "every",
];

/// Where a value flows to.
enum Sink<'t> {
    Declarator(Node<'t>),
    Assign(Node<'t>),
    /// `x.set(key, value)`.
    MapSet(Node<'t>),
    /// Returned from this function.
    Return(Node<'t>),
    /// The value of this `.then(cb)` call (the callback returned it).
    Then(Node<'t>),
    /// `value.then(cb)` and the like: `cb`'s first parameter receives the value.
    ThenCallback(Node<'t>),
    /// `for (const x of value)`: `x` receives its elements.
    ForOf(Node<'t>),
    Nowhere,
}

pub fn check(scan: &Scan, reads: &[Read], out: &mut Vec<Finding>) {
    if reads.is_empty() || scan.has_expiry_signal {
        return;
    }
    let mut work: Vec<(Node, Read)> = reads.iter().map(|r| (r.node, *r)).collect();
    let mut seen: HashSet<usize> = HashSet::new();
    let mut tainted_locals: HashSet<(usize, String)> = HashSet::new();
    let mut reported: HashSet<usize> = HashSet::new();
    let mut steps = 0;
    while let Some((node, read)) = work.pop() {
        steps += 1;
        if steps > MAX_STEPS {
            break;
        }
        if !seen.insert(node.id()) {
            continue;
        }
        match sink_of(scan, node) {
            Sink::Declarator(d) => {
                if scan.is_module_level(d) {
                    if reported.insert(d.id()) {
                        let name = d
                            .child_by_field_name("name")
                            .map(|n| scan.text_of(n))
                            .unwrap_or("");
                        out.push(finding(scan, d, name, read));
                    }
                    continue;
                }
                let Some(name) = d.child_by_field_name("name") else {
                    continue;
                };
                for id in bound_identifiers(name) {
                    taint_local(
                        scan,
                        d,
                        scan.text_of(id),
                        read,
                        &mut tainted_locals,
                        &mut work,
                    );
                }
            }
            Sink::Assign(a) => {
                let Some(left) = a.child_by_field_name("left") else {
                    continue;
                };
                let root = root_object(left);
                if root.kind() != "identifier" {
                    continue;
                }
                let name = scan.text_of(root);
                let module_var = scan
                    .module_vars
                    .get(name)
                    .filter(|_| !scan.is_shadowed(name, a));
                let stored = match module_var {
                    // Reassigning a `const` is impossible; writing into its object is not.
                    Some(v) => left.kind() != "identifier" || v.keyword != "const",
                    None => false,
                };
                if stored {
                    if reported.insert(a.id()) {
                        out.push(finding(scan, a, scan.text_of(left), read));
                    }
                } else if left.kind() == "identifier" && module_var.is_none() {
                    taint_local(scan, a, name, read, &mut tainted_locals, &mut work);
                }
            }
            Sink::MapSet(call) => {
                let Some(callee) = call.child_by_field_name("function") else {
                    continue;
                };
                let Some(object) = callee.child_by_field_name("object") else {
                    continue;
                };
                let root = root_object(object);
                let name = scan.text_of(root);
                // A third argument is a per-entry TTL (`node-cache`, `lru-cache`), not a Map.
                let stored = root.kind() == "identifier"
                    && scan.module_vars.contains_key(name)
                    && !scan.is_shadowed(name, call)
                    && arguments(call).len() < 3;
                if stored && reported.insert(call.id()) {
                    out.push(finding(scan, call, scan.text_of(object), read));
                }
            }
            Sink::Return(func) => {
                if let Some(name) = function_name(scan, func) {
                    work.extend(calls_of(scan, name).into_iter().map(|c| (c, read)));
                }
            }
            Sink::Then(call) => work.push((call, read)),
            Sink::ThenCallback(call) => {
                let Some(param) = first_argument(call).and_then(first_parameter) else {
                    continue;
                };
                for id in bound_identifiers(param) {
                    taint_local(
                        scan,
                        id,
                        scan.text_of(id),
                        read,
                        &mut tainted_locals,
                        &mut work,
                    );
                }
            }
            Sink::ForOf(stmt) => {
                let Some(left) = stmt.child_by_field_name("left") else {
                    continue;
                };
                for id in bound_identifiers(left) {
                    taint_local(
                        scan,
                        id,
                        scan.text_of(id),
                        read,
                        &mut tainted_locals,
                        &mut work,
                    );
                }
            }
            Sink::Nowhere => {}
        }
    }
}

fn finding(scan: &Scan, at: Node, name: &str, read: Read) -> Finding {
    let name: String = name.split_whitespace().collect::<Vec<_>>().join(" ");
    let _ = scan;
    Finding::new(
        RULE,
        at.byte_range(),
        format!(
            "`{name}` keeps a secret from `{}` for the life of the process; nothing expires or refreshes it",
            read.what
        ),
    )
    .related(read.node.byte_range(), format!("the secret is read here ({})", read.what))
}

/// Every later use of a local variable that now holds the secret carries it on.
fn taint_local<'t>(
    scan: &Scan<'t>,
    at: Node<'t>,
    name: &str,
    read: Read<'t>,
    tainted: &mut HashSet<(usize, String)>,
    work: &mut Vec<(Node<'t>, Read<'t>)>,
) {
    let mut scope = scan.root;
    let mut cur = at;
    while let Some(p) = scan.parent_of(cur) {
        if is_function(p.kind()) {
            scope = p;
            break;
        }
        cur = p;
    }
    if !tainted.insert((scope.id(), name.to_string())) {
        return;
    }
    visit_descendants(scope, &mut |n| {
        if matches!(n.kind(), "identifier" | "shorthand_property_identifier")
            && scan.text_of(n) == name
        {
            work.push((n, read));
        }
        true
    });
}

/// The first parameter of a function expression (`r` in `(r) => …` or `r => …`).
fn first_parameter(func: Node) -> Option<Node> {
    if !is_function(func.kind()) {
        return None;
    }
    if let Some(p) = func.child_by_field_name("parameter") {
        return Some(p);
    }
    let params = func.child_by_field_name("parameters")?;
    let mut c = params.walk();
    let first = params
        .named_children(&mut c)
        .find(|n| n.kind() != "comment")?;
    // TypeScript wraps parameters: `required_parameter` / `optional_parameter` with a pattern.
    Some(first.child_by_field_name("pattern").unwrap_or(first))
}

/// Follow `node`'s value up the tree to where it is stored, returned or dropped.
fn sink_of<'t>(scan: &Scan<'t>, mut node: Node<'t>) -> Sink<'t> {
    while let Some(parent) = scan.parent_of(node) {
        let is_field = |field: &str| {
            parent
                .child_by_field_name(field)
                .is_some_and(|c| c.id() == node.id())
        };
        match parent.kind() {
            "await_expression"
            | "parenthesized_expression"
            | "as_expression"
            | "satisfies_expression"
            | "non_null_expression"
            | "type_assertion"
            | "template_substitution"
            | "template_string"
            | "object"
            | "array"
            | "spread_element" => {}
            "pair" if is_field("value") => {}
            "member_expression" if is_field("object") => {
                let then = parent
                    .child_by_field_name("property")
                    .is_some_and(|p| ELEMENT_CALLBACKS.contains(&scan.text_of(p)));
                let called = scan
                    .parent_of(parent)
                    .filter(|c| c.kind() == "call_expression");
                if let (true, Some(call)) = (then, called) {
                    return Sink::ThenCallback(call);
                }
            }
            "subscript_expression" if is_field("object") => {}
            "ternary_expression" if !is_field("condition") => {}
            "binary_expression" => {
                let op = parent
                    .child_by_field_name("operator")
                    .map(|o| scan.text_of(o));
                if !matches!(op, Some("??" | "||" | "&&" | "+")) {
                    return Sink::Nowhere;
                }
            }
            // `x.promise()`, `x.then(…)`: the call's value still carries the secret.
            "call_expression" if is_field("function") => {}
            "arguments" => {
                let Some(call) = scan.parent_of(parent) else {
                    return Sink::Nowhere;
                };
                if call.kind() != "call_expression" {
                    return Sink::Nowhere;
                }
                let callee = call.child_by_field_name("function");
                let callee_name = callee.map(|c| scan.callee_name(c)).unwrap_or("");
                let index = arguments(call).iter().position(|a| a.id() == node.id());
                if callee_name == "set" && index == Some(1) {
                    return Sink::MapSet(call);
                }
                if matches!(
                    callee_name,
                    "log" | "warn" | "error" | "info" | "debug" | "trace"
                ) {
                    return Sink::Nowhere;
                }
                node = call;
                continue;
            }
            "variable_declarator" if is_field("value") => return Sink::Declarator(parent),
            "for_in_statement" if is_field("right") => return Sink::ForOf(parent),
            "assignment_expression" | "augmented_assignment_expression" if is_field("right") => {
                return Sink::Assign(parent)
            }
            "return_statement" => {
                let mut cur = parent;
                while let Some(p) = scan.parent_of(cur) {
                    if is_function(p.kind()) {
                        return returned_from(scan, p);
                    }
                    cur = p;
                }
                return Sink::Nowhere;
            }
            "arrow_function" if is_field("body") => return returned_from(scan, parent),
            _ => return Sink::Nowhere,
        }
        node = parent;
    }
    Sink::Nowhere
}

/// A value returned from `func`: from a named function it reaches every call of that name; from
/// a `.then(cb)` / `.map(cb)` callback it becomes (part of) the value of that call.
fn returned_from<'t>(scan: &Scan<'t>, func: Node<'t>) -> Sink<'t> {
    let then_call = scan
        .parent_of(func)
        .filter(|a| a.kind() == "arguments")
        .and_then(|a| scan.parent_of(a))
        .filter(|c| {
            c.kind() == "call_expression"
                && c.child_by_field_name("function")
                    .is_some_and(|f| matches!(scan.callee_name(f), "then" | "map" | "flatMap"))
        });
    match then_call {
        Some(call) => Sink::Then(call),
        None => Sink::Return(func),
    }
}
