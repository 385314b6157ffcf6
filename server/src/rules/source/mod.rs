//! Rules for JS/TS source: credential bootstrapping patterns (SPEC §2 "Source (JS/TS)").
//! The tree is walked once by [`scan::Scan`]; each rule works from what the walk collected.

pub mod imdsv1_request;
pub mod scan;
pub mod secret_cached_without_ttl;
pub mod secret_fetch_failure_ignored;
pub mod secret_reads;
pub mod vault_token_from_env;

use crate::engine::Ctx;
use crate::finding::Finding;
use crate::syntax::Syntax;

pub fn check(ctx: &Ctx, out: &mut Vec<Finding>) {
    let Syntax::Js(tree) = ctx.syntax else { return };
    let scan = scan::Scan::new(tree, ctx.doc.text);
    vault_token_from_env::check(&scan, out);
    imdsv1_request::check(&scan, out);
    let reads = secret_reads::direct_reads(&scan);
    if reads.is_empty() {
        return;
    }
    secret_cached_without_ttl::check(&scan, &reads, out);
    let with_wrappers = secret_reads::reads_with_throwing_wrappers(&scan, &reads);
    secret_fetch_failure_ignored::check(&scan, &with_wrappers, out);
}

#[cfg(test)]
mod tests {
    use crate::config::Config;
    use crate::engine::{analyze_text, Document};
    use crate::kind::FileKind;
    use crate::workspace::Facts;
    use std::path::Path;

    /// Half-typed source (every prefix of the fixtures, in steps) never panics and never yields
    /// a span outside the text.
    #[test]
    fn truncated_fixtures_never_panic() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures");
        let rules = [
            "vault-token-from-env",
            "imdsv1-request",
            "secret-cached-without-ttl",
            "secret-fetch-failure-ignored",
        ];
        let mut checked = 0;
        for rule in rules {
            let Ok(entries) = std::fs::read_dir(root.join(rule)) else {
                continue;
            };
            for entry in entries.flatten() {
                let path = entry.path();
                let Ok(text) = std::fs::read_to_string(&path) else {
                    continue;
                };
                if crate::kind::detect(&path) != Some(FileKind::Source) {
                    continue;
                }
                let mut cut = 0;
                while cut < text.len() {
                    while !text.is_char_boundary(cut) {
                        cut += 1;
                    }
                    let prefix = &text[..cut];
                    let doc = Document {
                        path: &path,
                        kind: FileKind::Source,
                        text: prefix,
                    };
                    for f in analyze_text(&doc, &Facts::default(), &Config::default()) {
                        assert!(
                            f.span.end <= prefix.len(),
                            "{}: span past the end",
                            path.display()
                        );
                    }
                    checked += 1;
                    cut += 29;
                }
            }
        }
        assert!(checked > 100, "too few prefixes checked: {checked}");
    }
}
