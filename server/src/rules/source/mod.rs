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
