//! `unpinned-tool` (pedantic): a setup or tool-installer action is asked for `latest` (or given
//! no version where it then fetches the newest release), so each run may get a different tool.

use crate::engine::Ctx;
use crate::finding::Finding;
use crate::model::workflow::Workflow;
use std::sync::LazyLock;

/// One row of `data/tool-installers.tsv`.
struct Installer {
    action: &'static str,
    inputs: Vec<&'static str>,
    absent_means_newest: bool,
}

static INSTALLERS: LazyLock<Vec<Installer>> = LazyLock::new(|| {
    include_str!("../../../../data/tool-installers.tsv")
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .filter_map(|l| {
            let mut cols = l.split('\t');
            Some(Installer {
                action: cols.next()?.trim(),
                inputs: cols.next()?.split(',').map(str::trim).collect(),
                absent_means_newest: cols.next()?.trim() == "yes",
            })
        })
        .collect()
});

/// Version words that mean "the newest there is".
const FLOATING: &[&str] = &[
    "latest", "current", "node", "stable", "canary", "nightly", "*", "x",
];

pub fn check(_ctx: &Ctx, wf: &Workflow, out: &mut Vec<Finding>) {
    for (_, step) in wf.all_steps() {
        let Some(action) = step.action() else {
            continue;
        };
        let Some(inst) = INSTALLERS.iter().find(|i| i.action == action) else {
            continue;
        };
        let given: Vec<_> = step
            .with
            .iter()
            .filter(|kv| inst.inputs.contains(&kv.name.as_str()))
            .collect();
        for kv in &given {
            let Some(v) = kv.value else { continue };
            let t = v.text.trim().to_ascii_lowercase();
            if FLOATING.contains(&t.as_str()) {
                out.push(Finding::new(
                    "unpinned-tool",
                    v.span.clone(),
                    format!(
                        "{action} is asked for `{}`: each run installs whatever release is newest",
                        v.text.trim()
                    ),
                ));
            }
        }
        if given.is_empty() && inst.absent_means_newest {
            let span = step
                .uses
                .as_ref()
                .map(|u| u.raw.span.clone())
                .unwrap_or(step.span.clone());
            out.push(Finding::new(
                "unpinned-tool",
                span,
                format!(
                    "{action} is given no version (`{}`): it installs the newest release on every run",
                    inst.inputs[0]
                ),
            ));
        }
    }
}
