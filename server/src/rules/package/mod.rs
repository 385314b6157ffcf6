//! package.json rules.

mod missing_lockfile;
pub mod spec;
mod unpinned_dependency;

use crate::engine::Ctx;
use crate::finding::Finding;
use crate::model::package::PackageManifest;
use crate::syntax::Syntax;

pub fn check(ctx: &Ctx, out: &mut Vec<Finding>) {
    let Syntax::Json(json) = ctx.syntax else {
        return;
    };
    let manifest = PackageManifest::from_json(json, ctx.doc.text);
    unpinned_dependency::check(ctx, &manifest, out);
    missing_lockfile::check(ctx, &manifest, out);
}
