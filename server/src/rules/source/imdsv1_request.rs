//! `imdsv1-request` for JS/TS: an HTTP call to the EC2 metadata service without the IMDSv2
//! session-token header, in a file that never asks for a token.

use super::scan::{
    arguments, contains_ignore_case, first_argument, visit_descendants, Scan, UNKNOWN,
};
use crate::finding::Finding;
use tree_sitter::Node;

const RULE: &str = "imdsv1-request";
const TOKEN_HEADER: &str = "x-aws-ec2-metadata-token";
const HTTP_OBJECTS: &[&str] = &[
    "http",
    "https",
    "axios",
    "got",
    "ky",
    "undici",
    "needle",
    "superagent",
    "request",
];
const HTTP_METHODS: &[&str] = &[
    "get", "request", "post", "put", "head", "patch", "delete", "fetch",
];

struct MetadataCall<'t> {
    call: Node<'t>,
    /// The argument that names the URL (or the host, for an options object).
    target: Node<'t>,
    url: String,
}

pub fn check(scan: &Scan, out: &mut Vec<Finding>) {
    let requests: Vec<MetadataCall> = scan
        .calls
        .iter()
        .filter_map(|&c| metadata_call(scan, c))
        .collect();
    if requests.is_empty() {
        return;
    }
    let asks_for_token = scan.mentions_imds_token_endpoint
        || requests.iter().any(|r| r.url.contains("/latest/api/token"));
    if asks_for_token {
        return;
    }
    for r in requests {
        if !is_metadata_read(&r.url) || sends_token_header(scan, r.call) {
            continue;
        }
        let callee = r
            .call
            .child_by_field_name("function")
            .map(|f| scan.text_of(f))
            .unwrap_or("request");
        out.push(
            Finding::new(
                RULE,
                r.target.byte_range(),
                format!(
                    "`{callee}` calls the EC2 metadata service without an IMDSv2 session token"
                ),
            )
            .note(
                "Request a token with `PUT http://169.254.169.254/latest/api/token` (header \
                 `X-aws-ec2-metadata-token-ttl-seconds`) and send it as `X-aws-ec2-metadata-token` \
                 — or use the AWS SDK's instance-metadata credential provider.",
            ),
        );
    }
}

/// An HTTP call whose URL (or options host) points at the metadata service.
fn metadata_call<'t>(scan: &Scan<'t>, call: Node<'t>) -> Option<MetadataCall<'t>> {
    let callee = call.child_by_field_name("function")?;
    if !is_http_callee(scan, callee) {
        return None;
    }
    let first = first_argument(call)?;
    let (target, url) = if first.kind() == "object" {
        options_url(scan, first)?
    } else {
        (first, scan.resolve_string(first))
    };
    metadata_path(&url)?;
    Some(MetadataCall { call, target, url })
}

fn is_http_callee(scan: &Scan, callee: Node) -> bool {
    let name = scan.callee_name(callee);
    match callee.kind() {
        "identifier" => contains_ignore_case(name, "fetch") || HTTP_OBJECTS.contains(&name),
        "member_expression" => {
            if name == "fetch" {
                return true;
            }
            let object = callee.child_by_field_name("object");
            let object_name = object
                .map(|o| scan.callee_name(o))
                .unwrap_or("")
                .to_ascii_lowercase();
            HTTP_METHODS.contains(&name)
                && (HTTP_OBJECTS.contains(&object_name.as_str()) || object_name.contains("http"))
        }
        _ => false,
    }
}

/// `{ url }` / `{ host, path }` options of `http.request`, `axios({...})`, `got({...})`.
fn options_url<'t>(scan: &Scan<'t>, options: Node<'t>) -> Option<(Node<'t>, String)> {
    let mut host = None;
    let mut path = String::new();
    let mut c = options.walk();
    for pair in options
        .named_children(&mut c)
        .filter(|p| p.kind() == "pair")
    {
        let (Some(key), Some(value)) = (
            pair.child_by_field_name("key"),
            pair.child_by_field_name("value"),
        ) else {
            continue;
        };
        match scan.text_of(key).trim_matches(|c| c == '"' || c == '\'') {
            "url" | "uri" => return Some((value, scan.resolve_string(value))),
            "host" | "hostname" => host = Some(value),
            "path" => path = scan.resolve_string(value),
            _ => {}
        }
    }
    let host = host?;
    Some((host, format!("{}{path}", scan.resolve_string(host))))
}

/// The part of `url` after a metadata-service host, if it has one.
fn metadata_path(url: &str) -> Option<&str> {
    let (at, host_len) = ["169.254.169.254", "fd00:ec2::254"]
        .iter()
        .find_map(|h| url.find(h).map(|i| (i, h.len())))?;
    let rest = url[at + host_len..].trim_start_matches(']');
    let rest = match rest.strip_prefix(':') {
        Some(port) => port.trim_start_matches(|c: char| c.is_ascii_digit()),
        None => rest,
    };
    Some(rest)
}

/// A read under `/latest/…` (or a dated API version, or a path we cannot see), but not the
/// token endpoint itself.
fn is_metadata_read(url: &str) -> bool {
    let Some(path) = metadata_path(url) else {
        return false;
    };
    if path.contains("/api/token") {
        return false;
    }
    let versioned = path
        .strip_prefix("/latest")
        .is_some_and(|r| r.is_empty() || r.starts_with(['/', UNKNOWN]))
        || path.strip_prefix('/').is_some_and(|r| {
            let b = r.as_bytes();
            b.len() >= 10 && b[..4].iter().all(u8::is_ascii_digit) && b[4] == b'-' && b[7] == b'-'
        });
    versioned || path.starts_with(UNKNOWN)
}

/// Does any argument of the call name the `X-aws-ec2-metadata-token` header?
fn sends_token_header(scan: &Scan, call: Node) -> bool {
    let mut found = false;
    for arg in arguments(call) {
        visit_descendants(arg, &mut |n| {
            if n.kind() == "string_fragment" && scan.text_of(n).eq_ignore_ascii_case(TOKEN_HEADER) {
                found = true;
            }
            !found
        });
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metadata_paths() {
        assert!(is_metadata_read(
            "http://169.254.169.254/latest/meta-data/iam/security-credentials/"
        ));
        assert!(is_metadata_read("http://[fd00:ec2::254]/latest/user-data"));
        assert!(is_metadata_read(
            "http://169.254.169.254:80/2021-07-15/meta-data/"
        ));
        assert!(is_metadata_read("http://169.254.169.254/latest\u{0}"));
        assert!(!is_metadata_read("http://169.254.169.254/latest/api/token"));
        assert!(!is_metadata_read("http://169.254.170.2/v2/credentials"));
        assert!(!is_metadata_read("http://169.254.169.254/"));
    }
}
