//! `missing-lockfile`: dependencies declared, but no lockfile beside the package.json or at
//! its workspace root.

use crate::engine::Ctx;
use crate::finding::Finding;
use crate::model::package::{DepSection, PackageManifest};

pub fn check(ctx: &Ctx, manifest: &PackageManifest, out: &mut Vec<Finding>) {
    if !manifest.has_dependencies() || ctx.facts.has_lockfile() {
        return;
    }
    // Point at `"dependencies"` when it has entries, else the first section that does.
    let section = manifest
        .sections
        .iter()
        .filter(|s| s.entries > 0)
        .min_by_key(|s| (s.section != DepSection::Dependencies, s.key_span.start));
    let Some(section) = section else { return };
    let count = manifest.dependencies.len();
    let plural = if count == 1 { "y" } else { "ies" };
    out.push(
        Finding::new(
            "missing-lockfile",
            section.key_span.clone(),
            format!("{count} dependenc{plural} declared but no lockfile beside this package.json"),
        )
        .note("Every install resolves the ranges afresh; commit a lockfile and install with `npm ci`."),
    );
}
