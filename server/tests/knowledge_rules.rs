//! The knowledge rules' messages, severities and fixes, beyond what the fixtures check:
//! `known-vulnerable-action` takes each advisory's severity and re-pins to the first
//! unaffected release (same major first); `typosquat-action` writes the well-known name,
//! pinned; `archived-action` names the replacement.

use chainwarden::config::Config;
use chainwarden::engine::{analyze_text, Document};
use chainwarden::finding::{Finding, Severity};
use chainwarden::fix::apply_edits;
use chainwarden::kind::FileKind;
use chainwarden::workspace::Facts;
use std::path::Path;

fn workflow(uses: &str) -> String {
    format!(
        "on: push\npermissions:\n  contents: read\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: {uses}\n"
    )
}

fn findings(text: &str, rule: &str) -> Vec<Finding> {
    let doc = Document {
        path: Path::new(".github/workflows/ci.yml"),
        kind: FileKind::Workflow,
        text,
    };
    analyze_text(&doc, &Facts::default(), &Config::default())
        .into_iter()
        .filter(|f| f.rule == rule)
        .collect()
}

/// The one finding of `rule` for `uses`, and the `uses:` line after its first fix.
fn one(uses: &str, rule: &str) -> (Finding, Option<String>) {
    let text = workflow(uses);
    let mut found = findings(&text, rule);
    assert_eq!(found.len(), 1, "{uses}: {found:?}");
    let f = found.remove(0);
    let fixed = f.fixes.first().map(|fix| {
        let out = apply_edits(&text, &fix.edits).unwrap();
        out.lines().nth(7).unwrap().trim().to_string()
    });
    (f, fixed)
}

#[test]
fn severity_message_and_fix_follow_the_advisory() {
    let (f, fixed) = one("tj-actions/changed-files@v45", "known-vulnerable-action");
    assert_eq!(f.severity, Severity::High);
    assert_eq!(
        f.message,
        "tj-actions/changed-files@v45 is affected by GHSA-mrrh-fwg8-r2c3 (CVE-2025-30066) \
         (affected < 46.0.1; fixed in 46.0.1)"
    );
    // No v45 release is safe: the next major's first safe release.
    assert_eq!(
        fixed.as_deref(),
        Some("- uses: tj-actions/changed-files@2f7c5bfce28377bc069a65ba478de0a74aa0ca32 # v46.0.1")
    );
    let note = f.note.unwrap();
    assert!(note.contains("repointed to malicious commit"), "{note}");

    // Same major when it has a safe release.
    let (f, fixed) = one(
        "actions/download-artifact@v4.1.2",
        "known-vulnerable-action",
    );
    assert_eq!(f.severity, Severity::High);
    assert_eq!(
        fixed.as_deref(),
        Some("- uses: actions/download-artifact@87c55149d96e628cc2ef7e6fc2aab372015aec85 # v4.1.3")
    );
    assert!(f.note.unwrap().contains("third-party sources"));

    // Several advisories: the most severe names the finding, the note lists them all.
    let (f, fixed) = one(
        "step-security/harden-runner@5c7944e73c4c2a096b17a9cb74d65b6c2bbafbde # v2.9.1",
        "known-vulnerable-action",
    );
    assert_eq!(f.severity, Severity::Medium);
    assert!(f.message.contains("and 4 more advisories"), "{}", f.message);
    assert!(
        !f.message.contains("GHSA-mxr3"),
        "a confirmed range first: {}",
        f.message
    );
    assert_eq!(
        f.note
            .as_deref()
            .unwrap()
            .lines()
            .filter(|l| l.starts_with("- "))
            .count(),
        5
    );
    let fixed = fixed.unwrap();
    assert!(fixed.ends_with("# v2.16.0"), "{fixed}");
}

#[test]
fn no_fix_without_a_known_safe_release() {
    // The malicious commit: reported, but no version to start from.
    let (f, fixed) = one(
        "tj-actions/changed-files@0e58ed8671d6b60d0890c21b07f8835ace038e67",
        "known-vulnerable-action",
    );
    assert!(f.message.contains("malicious"), "{}", f.message);
    assert_eq!(fixed, None);
    // An action the tag table does not know: nothing to pin to.
    let (f, fixed) = one(
        "hashicorp/vault-action@aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa # v2.1.0",
        "known-vulnerable-action",
    );
    assert!(f.message.contains("as its comment says"), "{}", f.message);
    assert_eq!(fixed, None);
    assert!(f.note.unwrap().contains("No fix is offered"));
}

#[test]
fn critical_advisories_are_critical() {
    let (f, _) = one(
        "tj-actions/branch-names@aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa # v7.0.6",
        "known-vulnerable-action",
    );
    assert_eq!(f.severity, Severity::Critical);
}

#[test]
fn a_typosquat_is_replaced_and_pinned() {
    let (f, fixed) = one("actlons/checkout@v4.2.2", "typosquat-action");
    assert_eq!(f.severity, Severity::Critical);
    assert_eq!(
        f.message,
        "actlons/checkout is a look-alike of the well-known action actions/checkout"
    );
    assert_eq!(
        fixed.as_deref(),
        Some("- uses: actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683 # v4.2.2")
    );
    // A path after the repository is kept; a branch is left as written.
    let (_, fixed) = one("githib/codeql-action/upload-sarif@main", "typosquat-action");
    assert_eq!(
        fixed.as_deref(),
        Some("- uses: github/codeql-action/upload-sarif@main")
    );
}

#[test]
fn archived_actions_name_their_replacement() {
    let (f, fixed) = one("actions-rs/toolchain@v1", "archived-action");
    assert_eq!(f.severity, Severity::Medium);
    assert!(
        f.message.contains("use dtolnay/rust-toolchain instead"),
        "{}",
        f.message
    );
    assert_eq!(fixed, None);
    assert!(findings(
        &workflow("dtolnay/rust-toolchain@stable"),
        "archived-action"
    )
    .is_empty());
}
