//! imdsv1-request (shell): a request to the EC2 metadata service without the IMDSv2 token header.

use crate::engine::Ctx;
use crate::finding::Finding;
use crate::syntax::shell::{self, Script};

pub const ID: &str = "imdsv1-request";

const HTTP_CLIENTS: &[&str] = &[
    "curl",
    "wget",
    "http",
    "https",
    "xh",
    "httpie",
    "fetch",
    "aria2c",
    "Invoke-WebRequest",
    "Invoke-RestMethod",
    "iwr",
    "irm",
];

/// The metadata endpoint's `/latest/` tree (IPv4 or IPv6).
pub fn is_imds_url(s: &str) -> bool {
    let lower = s.to_ascii_lowercase();
    ["169.254.169.254/latest", "[fd00:ec2::254]/latest"]
        .iter()
        .any(|h| lower.contains(h))
}

/// The session-token header itself (not `X-aws-ec2-metadata-token-ttl-seconds`).
pub fn names_token_header(s: &str) -> bool {
    let lower = s.to_ascii_lowercase();
    let needle = "x-aws-ec2-metadata-token";
    lower
        .match_indices(needle)
        .any(|(i, _)| !lower[i + needle.len()..].starts_with('-'))
}

/// `script` is a raw slice of the document starting at byte `base`.
pub fn check_script(ctx: &Ctx, script: &str, base: usize, out: &mut Vec<Finding>) {
    check_parsed(ctx, script, &shell::parse(script), base, out);
}

pub fn check_parsed(
    _ctx: &Ctx,
    _script: &str,
    parsed: &Script,
    base: usize,
    out: &mut Vec<Finding>,
) {
    for cmd in &parsed.commands {
        let Some(p) = cmd.program_name() else {
            continue;
        };
        if !HTTP_CLIENTS.contains(&p) {
            continue;
        }
        let Some(url) = cmd.args().iter().find(|w| is_imds_url(&w.value)) else {
            continue;
        };
        // The token request itself, and requests that send the token.
        if url.value.contains("/latest/api/token")
            || cmd.args().iter().any(|w| names_token_header(&w.value))
        {
            continue;
        }
        out.push(Finding::new(
            ID,
            url.span.start + base..url.span.end + base,
            format!("{p} request to the instance metadata service without the X-aws-ec2-metadata-token header (IMDSv1)"),
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kind::FileKind;
    use crate::rules::common::test_support::run_on;

    fn count(s: &str) -> usize {
        run_on(FileKind::Dockerfile, s, |ctx, out| {
            check_script(ctx, s, 0, out)
        })
        .len()
    }

    #[test]
    fn fires_without_token_header() {
        for s in [
            "curl http://169.254.169.254/latest/meta-data/iam/security-credentials/",
            "ROLE=$(curl -s http://169.254.169.254/latest/meta-data/iam/security-credentials/)",
            "wget -qO- http://169.254.169.254/latest/dynamic/instance-identity/document",
            "curl -s \"http://[fd00:ec2::254]/latest/meta-data/\"",
            "curl -H 'X-aws-ec2-metadata-token-ttl-seconds: 21600' http://169.254.169.254/latest/meta-data/",
        ] {
            assert_eq!(count(s), 1, "{s}");
        }
    }

    #[test]
    fn quiet_with_token_or_for_the_token_call() {
        for s in [
            "TOKEN=$(curl -sX PUT http://169.254.169.254/latest/api/token -H 'X-aws-ec2-metadata-token-ttl-seconds: 300')",
            "curl -H \"X-aws-ec2-metadata-token: $TOKEN\" http://169.254.169.254/latest/meta-data/",
            "wget --header=\"X-aws-ec2-metadata-token: $T\" -qO- http://169.254.169.254/latest/meta-data/",
            "echo http://169.254.169.254/latest/meta-data/",
            "curl http://169.254.170.2/v2/credentials",
            "# curl http://169.254.169.254/latest/meta-data/",
        ] {
            assert_eq!(count(s), 0, "{s}");
        }
    }
}
