//! `secret-fetch-failure-ignored`: a `catch` around a secrets-manager read that only logs, returns
//! an empty value or does nothing — the process carries on without its secret.

use super::scan::{visit_descendants, Scan};
use super::secret_reads::{enclosing, handler_throws, Enclosing, Read};
use crate::finding::Finding;
use std::collections::HashSet;
use tree_sitter::Node;

const RULE: &str = "secret-fetch-failure-ignored";
/// Methods that report an error without stopping anything.
const REPORTING_METHODS: &[&str] = &[
    "log",
    "warn",
    "warning",
    "error",
    "info",
    "debug",
    "trace",
    "notice",
    "verbose",
    "fatal",
    "captureException",
    "captureMessage",
];

pub fn check(scan: &Scan, reads: &[Read], out: &mut Vec<Finding>) {
    let mut seen: HashSet<usize> = HashSet::new();
    for read in reads {
        let found = swallowing_handler(scan, read.node)
            .map(|h| (h, h.child(0).map(|k| k.byte_range())))
            .or_else(|| swallowing_promise_catch(scan, read.node));
        let Some((handler, keyword)) = found else {
            continue;
        };
        if !seen.insert(handler.id()) || in_timer_callback(scan, handler) {
            continue;
        }
        out.push(
            Finding::new(
                RULE,
                keyword.unwrap_or(handler.byte_range()),
                format!(
                    "this `catch` swallows a failed secret fetch ({}); the process carries on without the secret",
                    read.describe()
                ),
            )
            .related(read.node.byte_range(), format!("the secret is fetched here ({})", read.describe())),
        );
    }
}

/// A background refresh (`setInterval(() => refresh().catch(log))`) that fails keeps the last
/// good value; logging is the right reaction there.
fn in_timer_callback(scan: &Scan, node: Node) -> bool {
    let mut cur = node;
    while let Some(p) = scan.parent_of(cur) {
        if p.kind() == "call_expression"
            && p.child_by_field_name("function")
                .is_some_and(|f| matches!(scan.callee_name(f), "setInterval" | "setTimeout"))
        {
            return true;
        }
        cur = p;
    }
    false
}

/// `read.then(…).catch((e) => console.error(e))`: the `.catch(…)` call and its `catch` name.
fn swallowing_promise_catch<'t>(
    scan: &Scan<'t>,
    read: Node<'t>,
) -> Option<(Node<'t>, Option<std::ops::Range<usize>>)> {
    let mut cur = read;
    loop {
        let &(method, call) = scan.promise_chain.get(&cur.id())?;
        let property = call
            .child_by_field_name("function")
            .and_then(|f| f.child_by_field_name("property"))?;
        match method {
            "then" | "finally" | "promise" => cur = call,
            "catch" => {
                let callback = super::scan::first_argument(call)?;
                if !matches!(
                    callback.kind(),
                    "arrow_function" | "function_expression" | "function"
                ) {
                    return None;
                }
                let body = callback.child_by_field_name("body")?;
                let param = callback
                    .child_by_field_name("parameter")
                    .or_else(|| {
                        let params = callback.child_by_field_name("parameters")?;
                        let first = params.named_child(0)?;
                        Some(first.child_by_field_name("pattern").unwrap_or(first))
                    })
                    .map(|p| scan.text_of(p));
                let benign = if body.kind() == "statement_block" {
                    only_logs(scan, callback, body, param)
                } else {
                    is_empty_value(scan, body) || benign_expression(scan, callback, body, param)
                };
                return benign.then_some((call, Some(property.byte_range())));
            }
            _ => return None,
        }
    }
}

/// The `catch` that ends a failure at `node` by only logging, if any: inner `catch`es that
/// throw again pass the failure outwards.
fn swallowing_handler<'t>(scan: &Scan<'t>, node: Node<'t>) -> Option<Node<'t>> {
    let mut cur = node;
    loop {
        let Enclosing::Try(try_stmt) = enclosing(scan, cur) else {
            return None;
        };
        let handler = try_stmt.child_by_field_name("handler")?;
        let body = handler.child_by_field_name("body")?;
        let param = handler
            .child_by_field_name("parameter")
            .map(|p| scan.text_of(p));
        if only_logs(scan, handler, body, param) {
            return Some(handler);
        }
        if !handler_throws(scan, try_stmt) {
            return None;
        }
        cur = try_stmt;
    }
}

/// Does every statement of the handler only report the error or fall through with nothing?
fn only_logs(scan: &Scan, handler: Node, body: Node, param: Option<&str>) -> bool {
    let mut c = body.walk();
    let statements: Vec<Node> = body
        .named_children(&mut c)
        .filter(|s| s.kind() != "comment")
        .collect();
    statements.into_iter().all(|stmt| match stmt.kind() {
        "empty_statement" => true,
        "return_statement" => stmt.named_child(0).is_none_or(|v| is_empty_value(scan, v)),
        "expression_statement" => stmt
            .named_child(0)
            .is_none_or(|e| benign_expression(scan, handler, e, param)),
        _ => false,
    })
}

/// A logging call, or an assignment that leaves an empty value behind.
fn benign_expression(scan: &Scan, handler: Node, mut expr: Node, param: Option<&str>) -> bool {
    if expr.kind() == "await_expression" {
        match expr.named_child(0) {
            Some(e) => expr = e,
            None => return true,
        }
    }
    match expr.kind() {
        "call_expression" => expr
            .child_by_field_name("function")
            .is_some_and(|f| REPORTING_METHODS.contains(&scan.callee_name(f))),
        "assignment_expression" => benign_assignment(scan, handler, expr, param),
        _ => false,
    }
}

/// `secret = ""` falls through with an empty value; `ready = false` or `lastError = err` is a
/// failure flag when something else in the file reads it; `process.exitCode = 1` stops.
fn benign_assignment(scan: &Scan, handler: Node, assign: Node, param: Option<&str>) -> bool {
    let (Some(left), Some(right)) = (
        assign.child_by_field_name("left"),
        assign.child_by_field_name("right"),
    ) else {
        return false;
    };
    let target = match left.kind() {
        "member_expression" => scan.callee_name(left),
        _ => scan.text_of(left),
    };
    if target == "exitCode" {
        return false;
    }
    let flag = matches!(right.kind(), "true" | "false")
        || (right.kind() == "identifier" && Some(scan.text_of(right)) == param);
    if flag {
        return !used_elsewhere(scan, target, handler);
    }
    is_empty_value(scan, right)
}

fn used_elsewhere(scan: &Scan, name: &str, except: Node) -> bool {
    let skip = except.byte_range();
    let mut found = false;
    visit_descendants(scan.root, &mut |n| {
        if matches!(n.kind(), "identifier" | "property_identifier")
            && !(skip.start <= n.start_byte() && n.end_byte() <= skip.end)
            && scan.text_of(n) == name
            && !is_binding_or_target(scan, n)
        {
            found = true;
        }
        !found
    });
    found
}

/// `null`, `undefined`, a literal, `{}` or `[]`.
fn is_empty_value(scan: &Scan, v: Node) -> bool {
    match v.kind() {
        "null" | "undefined" | "string" | "number" | "true" | "false" => true,
        "identifier" => scan.text_of(v) == "undefined",
        "template_string" => scan.string_value(v).is_some(),
        "object" | "array" => {
            let mut c = v.walk();
            let empty = v.named_children(&mut c).all(|n| n.kind() == "comment");
            empty
        }
        "parenthesized_expression" | "as_expression" => {
            v.named_child(0).is_some_and(|e| is_empty_value(scan, e))
        }
        _ => false,
    }
}

/// `x` in `let x = …` or `x = …` (also `this.x = …`): not a use of the flag.
fn is_binding_or_target(scan: &Scan, n: Node) -> bool {
    let Some(mut parent) = scan.parent_of(n) else {
        return false;
    };
    let mut child = n;
    if parent.kind() == "member_expression"
        && parent
            .child_by_field_name("property")
            .is_some_and(|p| p.id() == n.id())
    {
        child = parent;
        match scan.parent_of(parent) {
            Some(p) => parent = p,
            None => return false,
        }
    }
    let field = match parent.kind() {
        "variable_declarator" | "public_field_definition" | "field_definition" => "name",
        "assignment_expression" => "left",
        _ => return false,
    };
    parent
        .child_by_field_name(field)
        .is_some_and(|c| c.id() == child.id())
}
