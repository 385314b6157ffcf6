//! Every rule id of the spec has its doc (embedded in the binary) and its fixture folder, and
//! the binary knows no rule the spec does not name.

use std::path::Path;

/// The rule ids of SPEC §2 (and those of §7 built so far). They are fixed: users write them in configs and ignore comments.
const SPEC_RULES: &[&str] = &[
    "unpinned-ci-actions",
    "pin-comment-mismatch",
    "overpermissioned-workflow-token",
    "long-lived-ci-secrets",
    "unsigned-artifacts",
    "secrets-in-pr-workflow",
    "dangerous-pull-request-target",
    "install-scripts-with-secrets",
    "npm-token-publish",
    "provenance-without-id-token",
    "trusted-publishing-npm-too-old",
    "secret-in-logs",
    "secret-written-to-file",
    "untrusted-publish-trigger",
    "release-without-provenance",
    "unsigned-container-image",
    "missing-sbom",
    "template-injection",
    "checkout-persist-credentials",
    "secrets-inherit",
    "unpinned-image",
    "curl-pipe-shell",
    "npm-install-not-ci",
    "hardcoded-credential",
    "dockerfile-secret-build-arg",
    "dockerfile-secret-env",
    "dockerfile-copies-secrets",
    "imdsv1-request",
    "unpinned-dependency",
    "missing-lockfile",
    "vault-token-from-env",
    "secret-cached-without-ttl",
    "secret-fetch-failure-ignored",
    // SPEC §7.2
    "known-vulnerable-action",
    "archived-action",
    "typosquat-action",
    // SPEC §7.2 (hygiene rules)
    "insecure-commands",
    "self-hosted-runner-pr",
    "overprovisioned-secrets",
    "unredacted-secret",
    "github-app-token-overscoped",
    "obfuscated-reference",
    "forbidden-action",
    // SPEC §7.2 (flow rules)
    "artifact-poisoning",
    "cache-poisoning",
    "spoofable-bot-condition",
    "unsound-condition",
    "unsound-contains",
    // SPEC §7.2 (untrusted data flow)
    "github-env-injection",
    // SPEC §7.3
    "dependabot-insecure-execution",
    "dependabot-no-actions-updates",
    "dependabot-cooldown",
    // SPEC §7.4 (pedantic tier)
    "adhoc-install",
    "unpinned-tool",
    "secrets-outside-environment",
    "undocumented-permission",
    "anonymous-definition",
    // SPEC §7.8
    "syntax-error",
    "file-not-analysed",
];

/// The pedantic tier of SPEC §7.4: off unless asked for.
const PEDANTIC_RULES: &[&str] = &[
    "adhoc-install",
    "unpinned-tool",
    "secrets-outside-environment",
    "undocumented-permission",
    "anonymous-definition",
];

#[test]
fn exactly_the_spec_pedantic_rules_are_pedantic() {
    let mut pedantic: Vec<&str> = chainwarden::rules::all()
        .iter()
        .filter(|d| d.pedantic)
        .map(|d| d.id)
        .collect();
    pedantic.sort();
    let mut want = PEDANTIC_RULES.to_vec();
    want.sort();
    assert_eq!(pedantic, want);
}

fn files_under(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let p = e.path();
        if p.is_dir() {
            files_under(&p, out);
        } else {
            out.push(p);
        }
    }
}

#[test]
fn the_registry_is_exactly_the_spec() {
    let mut known: Vec<&str> = chainwarden::rules::all().iter().map(|d| d.id).collect();
    known.sort();
    let mut spec = SPEC_RULES.to_vec();
    spec.sort();
    assert_eq!(known, spec);
    for d in chainwarden::rules::all() {
        assert!(
            !d.title.is_empty() && d.body.len() > 200,
            "{}: doc too thin",
            d.id
        );
        assert!(!d.kinds.is_empty(), "{}: no file kinds", d.id);
    }
}

#[test]
fn every_rule_has_firing_and_quiet_fixtures() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures");
    for id in SPEC_RULES {
        let mut files = Vec::new();
        files_under(&root.join(id), &mut files);
        let expects_it = |p: &Path| {
            let text = std::fs::read_to_string(p).unwrap_or_default();
            let sidecar =
                std::fs::read_to_string(format!("{}.expect", p.display())).unwrap_or_default();
            text.lines().chain(sidecar.lines()).any(|l| {
                l.contains("expect:") && l.contains(id) || l.trim().ends_with(&format!(" {id}"))
            })
        };
        let analysed: Vec<_> = files
            .iter()
            .filter(|p| !p.to_string_lossy().ends_with(".expect"))
            .filter(|p| {
                let name = p.file_name().unwrap().to_string_lossy();
                let support = [
                    "chainwarden.toml",
                    "pnpm-workspace.yaml",
                    ".npmrc",
                    ".dockerignore",
                ];
                !support.contains(&name.as_ref())
                    && !chainwarden::workspace::LOCKFILE_NAMES.contains(&name.as_ref())
            })
            .collect();
        assert!(
            analysed.iter().any(|p| expects_it(p)),
            "{id}: no fixture in tests/fixtures/{id}/ expects it to fire"
        );
        assert!(
            analysed.iter().any(|p| !expects_it(p)),
            "{id}: no quiet fixture in tests/fixtures/{id}/"
        );
    }
}
