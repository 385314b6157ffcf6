//! `unsigned-artifacts`: a job downloads an artifact and publishes or deploys its files without
//! verifying them.
//!
//! A publish counts only when what it ships meets the download: one of its paths or arguments
//! is inside the folder the artifact was extracted to, or contains it (`npm publish` of the
//! package the artifact was downloaded into, `aws s3 sync dist/` after a download to `dist/`).
//! A downloaded file handed to a command as an input (`gh release create --notes-file`) is not
//! shipped.

use crate::engine::Ctx;
use crate::finding::{Finding, Span};
use crate::model::job_facts::{Act, Activity, StepFacts, WorkflowFacts};
use crate::model::workflow::Workflow;
use crate::syntax::shell;

/// `with:` inputs of publishing actions that name what they ship.
const PATH_INPUTS: &[&str] = &[
    "files",
    "artifacts",
    "asset_path",
    "path",
    "paths",
    "packages-dir",
    "packages_dir",
    "publish_dir",
    "folder",
    "context",
    "dir",
    "directory",
    "source",
    "source_dir",
    "build_dir",
    "file",
];

/// Flags whose value a publishing command reads as an input or a setting, not as something it
/// ships.
const INPUT_FLAGS: &[&str] = &[
    "-F",
    "--notes-file",
    "-n",
    "--notes",
    "-t",
    "--title",
    "-R",
    "--repo",
    "--target",
    "--tag",
    "-m",
    "--message",
    "--otp",
    "--registry",
    "--access",
    "-u",
    "--username",
    "-p",
    "--password",
    "--config",
    "-c",
    "--region",
    "--profile",
    "--discussion-category",
    "--notes-start-tag",
];

/// A path as the runner sees it inside the workspace: `./dist/` → `dist`, the workspace itself
/// → `""`. Quotes, `$GITHUB_WORKSPACE/` and `${{ github.workspace }}/` prefixes are dropped.
pub(super) fn workspace_path(path: &str) -> String {
    let mut p = path.trim().trim_matches(['"', '\'']).to_string();
    for prefix in [
        "${{ github.workspace }}",
        "${{github.workspace}}",
        "$GITHUB_WORKSPACE",
        "${GITHUB_WORKSPACE}",
    ] {
        if let Some(rest) = p.strip_prefix(prefix) {
            p = rest.trim_start_matches('/').to_string();
        }
    }
    while let Some(rest) = p.strip_prefix("./") {
        p = rest.to_string();
    }
    let p = p.trim_end_matches('/');
    if p == "." {
        String::new()
    } else {
        p.to_string()
    }
}

/// The part of a path before its first glob character (`dist/*.tgz` → `dist/`).
fn literal_prefix(path: &str) -> &str {
    let end = path.find(['*', '?', '[', '{']).unwrap_or(path.len());
    &path[..end]
}

/// Whether a shipped path and a download folder overlap: one is inside the other.
fn meets(download: &str, shipped: &str) -> bool {
    let prefix = literal_prefix(shipped);
    let globbed = prefix.len() != shipped.len();
    let dir = prefix.trim_end_matches('/');
    if download.is_empty() || dir.is_empty() {
        return true;
    }
    let inside = |a: &str, b: &str| a == b || a.starts_with(&format!("{b}/"));
    inside(dir, download)
        || inside(download, dir)
        // `dist/app-*` after a download to `dist/app-linux`.
        || (globbed && download.starts_with(prefix))
}

/// A word that names a file or folder (not an image reference, URL, tag, version or option).
fn path_like(word: &str) -> bool {
    let w = word.trim_matches(['"', '\'']);
    if w.is_empty() || w.starts_with('-') || w.contains("://") || w.contains('@') {
        return false;
    }
    // `$TAG`, `${{ github.ref_name }}`: a value, unless it continues as a path.
    if w.starts_with('$') {
        return w.contains('/');
    }
    if w == "." || w.starts_with("./") || w.starts_with('/') {
        return true;
    }
    // `registry/image:tag` references.
    if w.contains(':') {
        return false;
    }
    // `v1.2.3`, `1.0.0-rc.1`.
    let version = w.strip_prefix('v').unwrap_or(w);
    if version.starts_with(|c: char| c.is_ascii_digit()) && !w.contains('/') {
        return false;
    }
    w.contains('/')
        || w.contains('*')
        || w.rsplit_once('.')
            .is_some_and(|(a, b)| !a.is_empty() && !b.is_empty() && b.len() <= 5)
}

/// Where a download step puts the artifact's files (the workspace when no `path:`).
fn download_path(sf: &StepFacts) -> String {
    sf.step
        .with_value("path")
        .map(|p| workspace_path(&p.text))
        .unwrap_or_default()
}

/// What one publishing activity ships, as paths in the workspace. `None` when it ships no files
/// (an image reference, a release without assets).
fn shipped_paths(text: &str, sf: &StepFacts, a: &Activity) -> Option<Vec<String>> {
    let working_dir = sf
        .step
        .working_directory
        .map(|w| workspace_path(&w.text))
        .unwrap_or_default();
    if let Some(action) = sf.step.action() {
        let values: Vec<String> = sf
            .step
            .with
            .iter()
            .filter(|kv| PATH_INPUTS.contains(&kv.name.as_str()))
            .filter_map(|kv| kv.value.as_ref())
            .flat_map(|v| {
                v.text
                    .split(['\n', ','])
                    .map(workspace_path)
                    .collect::<Vec<_>>()
            })
            .filter(|v| !v.starts_with('!'))
            .collect();
        if !values.is_empty() {
            return Some(values);
        }
        return match action.as_str() {
            // Releases without files attach nothing.
            "softprops/action-gh-release"
            | "ncipollo/release-action"
            | "actions/create-release" => None,
            "pypa/gh-action-pypi-publish" => Some(vec!["dist".into()]),
            _ => Some(vec![working_dir]),
        };
    }
    let command = text.get(a.span.clone())?;
    let script = shell::parse(command);
    let cmd = script.commands.first()?;
    let program = cmd.program_name().unwrap_or("");
    let args = cmd.arg_values();
    let mut paths = Vec::new();
    let mut skip = false;
    for w in &args {
        if skip {
            skip = false;
            continue;
        }
        if INPUT_FLAGS.contains(w) {
            skip = true;
            continue;
        }
        if w.starts_with('-') {
            continue;
        }
        if path_like(w) && !w.starts_with("s3://") {
            paths.push(if working_dir.is_empty() {
                workspace_path(w)
            } else {
                workspace_path(&format!("{working_dir}/{}", workspace_path(w)))
            });
        }
    }
    if !paths.is_empty() {
        return Some(paths);
    }
    match (program, &a.act) {
        // An image pushed by reference was built or loaded elsewhere in the job.
        ("docker" | "podman", _) => None,
        // A release created without files attaches nothing.
        ("gh", Act::ReleaseUpload) => None,
        // Package publishes and deploy scripts ship their working directory.
        _ => Some(vec![working_dir]),
    }
}

/// `docker load -i <file>` / `docker load < file` of a downloaded image: pushing afterwards ships it.
fn loads_image_from(sf: &StepFacts, download: &str) -> Option<Span> {
    let run = sf.step.run?;
    let script = sf.step.script.as_ref()?;
    script.commands.iter().find_map(|cmd| {
        let program = cmd.program_name()?;
        let positional = cmd.non_flag_args();
        let loads = matches!(program, "docker" | "podman")
            && matches!(positional.first(), Some(&"load") | Some(&"import"));
        if !loads {
            return None;
        }
        let mut inputs: Vec<String> = cmd
            .arg_values()
            .iter()
            .filter(|a| path_like(a))
            .map(|a| workspace_path(a))
            .collect();
        inputs.extend(
            cmd.redirects
                .iter()
                .filter(|r| r.op == "<")
                .filter_map(|r| r.target.as_ref().map(|t| workspace_path(&t.value))),
        );
        inputs
            .iter()
            .any(|i| meets(download, i))
            .then(|| run.content.start + cmd.span.start..run.content.start + cmd.span.end)
    })
}

pub fn check(ctx: &Ctx, _wf: &Workflow, facts: &WorkflowFacts, out: &mut Vec<Finding>) {
    let text = ctx.doc.text;
    for jf in &facts.jobs {
        if jf.steps.iter().any(|s| s.has(|a| *a == Act::Verify)) {
            continue;
        }
        let mut downloads: Vec<(String, &Activity)> = Vec::new();
        let mut loaded_image = false;
        let mut hit: Option<(&Activity, &Activity)> = None;
        'steps: for sf in &jf.steps {
            for a in &sf.activities {
                if matches!(a.act, Act::DownloadArtifact { .. }) {
                    downloads.push((download_path(sf), a));
                }
            }
            if !downloads.is_empty()
                && downloads
                    .iter()
                    .any(|(d, _)| loads_image_from(sf, d).is_some())
            {
                loaded_image = true;
            }
            for a in sf.activities.iter().filter(|a| a.act.is_publish()) {
                let shipped = shipped_paths(text, sf, a);
                let pushes_loaded_image =
                    loaded_image && matches!(a.act, Act::ContainerPush | Act::ContainerPushIf(_));
                let found = downloads.iter().find(|(d, _)| {
                    pushes_loaded_image
                        || shipped
                            .as_ref()
                            .is_some_and(|paths| paths.iter().any(|p| meets(d, p)))
                });
                if let Some((_, download)) = found {
                    hit = Some((a, download));
                    break 'steps;
                }
            }
        }
        let Some((publish, download)) = hit else {
            continue;
        };
        let what: String = text[publish.span.clone()]
            .lines()
            .next()
            .unwrap_or("")
            .chars()
            .take(60)
            .collect();
        out.push(
            Finding::new(
                "unsigned-artifacts",
                publish.span.clone(),
                format!(
                    "`{}` ships a downloaded artifact that no step of this job verifies",
                    what.trim()
                ),
            )
            .related(download.span.clone(), "the artifact is downloaded here"),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_meet() {
        assert!(meets("dist", "dist"));
        assert!(meets("dist", "dist/*.tgz"));
        assert!(meets("dist/app", "dist/*"));
        assert!(meets("", "build"));
        assert!(meets("dist", ""));
        assert!(meets("out/site", "out"));
        assert!(!meets("coverage", "dist/*"));
        assert!(!meets("notes", "dist"));
        assert!(!meets("dist2", "dist"));
        assert_eq!(workspace_path("./dist/"), "dist");
        assert_eq!(workspace_path("${{ github.workspace }}/out"), "out");
        assert_eq!(workspace_path("."), "");
        assert!(!path_like("ghcr.io/owner/app:1.0"));
        assert!(path_like("dist/app.tgz"));
        assert!(path_like("CHANGELOG.md"));
        assert!(!path_like("v1"));
        assert!(!path_like("v1.2.3"));
        assert!(!path_like("${{ github.ref_name }}"));
        assert!(path_like("${{ runner.temp }}/dist"));
        assert!(!meets("dist/app", "dist/application"));
        assert!(meets("dist/app-linux", "dist/app-*"));
    }
}
