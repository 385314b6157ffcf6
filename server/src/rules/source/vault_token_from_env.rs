//! `vault-token-from-env`: a Vault token taken from the process environment.

use super::scan::{first_argument, Scan};
use crate::finding::Finding;
use tree_sitter::Node;

const RULE: &str = "vault-token-from-env";
const VAR: &str = "VAULT_TOKEN";

pub fn check(scan: &Scan, out: &mut Vec<Finding>) {
    // `process.env.VAULT_TOKEN`, `process.env["VAULT_TOKEN"]`, `Bun.env…`, `import.meta.env…`.
    // `const env = process.env; env.VAULT_TOKEN`
    let aliases: Vec<&str> = scan
        .env_aliases
        .iter()
        .filter(|d| {
            d.child_by_field_name("value")
                .is_some_and(|v| is_env_object(scan, v))
        })
        .filter_map(|d| d.child_by_field_name("name"))
        .map(|n| scan.text_of(n))
        .collect();
    for &member in &scan.vault_token_members {
        let Some(object) = member.child_by_field_name("object") else {
            continue;
        };
        let via_alias = object.kind() == "identifier" && aliases.contains(&scan.text_of(object));
        if !(via_alias || is_env_object(scan, object)) || is_write_or_delete(scan, member) {
            continue;
        }
        out.push(finding(scan, member));
    }
    // `const { VAULT_TOKEN } = process.env` and `({ VAULT_TOKEN: t } = process.env)`.
    for &node in &scan.destructures {
        let (pattern, value) = match node.kind() {
            "variable_declarator" => (
                node.child_by_field_name("name"),
                node.child_by_field_name("value"),
            ),
            _ => (
                node.child_by_field_name("left"),
                node.child_by_field_name("right"),
            ),
        };
        let (Some(pattern), Some(value)) = (pattern, value) else {
            continue;
        };
        if !is_env_object(scan, value) {
            continue;
        }
        let mut c = pattern.walk();
        for prop in pattern.named_children(&mut c) {
            let key = match prop.kind() {
                "shorthand_property_identifier_pattern" => Some(prop),
                "pair_pattern" => prop.child_by_field_name("key"),
                "object_assignment_pattern" => prop.child_by_field_name("left"),
                _ => None,
            };
            if key.is_some_and(|k| scan.text_of(k).trim_matches(|c| c == '"' || c == '\'') == VAR) {
                out.push(finding(scan, prop));
            }
        }
    }
    // `Deno.env.get("VAULT_TOKEN")`.
    for &call in &scan.calls {
        let Some(callee) = call.child_by_field_name("function") else {
            continue;
        };
        if callee.kind() != "member_expression" || scan.callee_name(callee) != "get" {
            continue;
        }
        let on_env = callee
            .child_by_field_name("object")
            .is_some_and(|o| is_env_object(scan, o));
        let arg = first_argument(call).and_then(|a| scan.string_value(a));
        if on_env && arg.as_deref() == Some(VAR) {
            out.push(finding(scan, call));
        }
    }
}

fn finding(scan: &Scan, node: Node) -> Finding {
    let shown: String = scan
        .text_of(node)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    Finding::new(
        RULE,
        node.byte_range(),
        format!("`{shown}` reads a long-lived Vault token from the environment"),
    )
}

/// `process.env`, `process["env"]`, `globalThis.process.env`, `Bun.env`, `Deno.env`,
/// `import.meta.env`.
fn is_env_object(scan: &Scan, node: Node) -> bool {
    let node = strip_wrappers(node);
    let (object, property) = match node.kind() {
        "member_expression" => (
            node.child_by_field_name("object"),
            node.child_by_field_name("property"),
        ),
        "subscript_expression" => (
            node.child_by_field_name("object"),
            node.child_by_field_name("index"),
        ),
        _ => return false,
    };
    let (Some(object), Some(property)) = (object, property) else {
        return false;
    };
    let property = match property.kind() {
        "string" => scan.string_value(property),
        _ => Some(scan.text_of(property).to_string()),
    };
    if property.as_deref() != Some("env") {
        return false;
    }
    let object = strip_wrappers(object);
    match scan.text_of(object) {
        "process" | "globalThis.process" | "global.process" | "Bun" | "Deno" => true,
        _ => object.kind() == "meta_property",
    }
}

fn strip_wrappers(mut node: Node) -> Node {
    loop {
        let inner = match node.kind() {
            "parenthesized_expression"
            | "non_null_expression"
            | "as_expression"
            | "satisfies_expression" => node.named_child(0),
            // `<T>expr`: the type comes first.
            "type_assertion" => {
                node.named_child((node.named_child_count() as u32).saturating_sub(1))
            }
            _ => break,
        };
        match inner {
            Some(c) => node = c,
            None => break,
        }
    }
    node
}

/// `process.env.VAULT_TOKEN = …` (setting it for a child) and `delete process.env.VAULT_TOKEN`
/// (scrubbing it) are not reads.
fn is_write_or_delete(scan: &Scan, member: Node) -> bool {
    let Some(parent) = scan.parent_of(member) else {
        return false;
    };
    match parent.kind() {
        "assignment_expression" => parent
            .child_by_field_name("left")
            .is_some_and(|l| l.id() == member.id()),
        "unary_expression" => parent
            .child_by_field_name("operator")
            .is_some_and(|o| scan.text_of(o) == "delete"),
        _ => false,
    }
}
