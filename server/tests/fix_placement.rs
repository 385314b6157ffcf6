//! Where fixes put and take lines, as exact text: a comment line between two steps belongs to
//! the step after it, so a block added to (or removed from) the step before it leaves the
//! comment where it is. (The fixture runner checks that fixes remove their findings; this file
//! checks the text around them.)

use chainwarden::config::Config;
use chainwarden::engine::{fix_all, Document};
use chainwarden::kind::FileKind;
use chainwarden::workspace::Facts;
use std::path::Path;

fn fixed(text: &str) -> String {
    let doc = Document {
        path: Path::new(".github/workflows/ci.yml"),
        kind: FileKind::Workflow,
        text,
    };
    fix_all(&doc, &Facts::default(), &Config::default())
}

const CHECKOUT: &str = "actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683 # v4.2.2";

#[test]
fn persist_credentials_goes_under_uses() {
    let head = "on: push\npermissions:\n  contents: read\njobs:\n  b:\n    runs-on: ubuntu-latest\n    steps:\n";
    let text =
        format!("{head}      - uses: {CHECKOUT}\n      # build the thing\n      - run: make\n");
    assert_eq!(
        fixed(&text),
        format!("{head}      - uses: {CHECKOUT}\n        with:\n          persist-credentials: false\n      # build the thing\n      - run: make\n")
    );
    let text = format!(
        "{head}      - uses: {CHECKOUT}\n        name: Check out\n        if: always()\n      # next\n      - run: make"
    );
    assert_eq!(
        fixed(&text),
        format!("{head}      - uses: {CHECKOUT}\n        with:\n          persist-credentials: false\n        name: Check out\n        if: always()\n      # next\n      - run: make")
    );
}

#[test]
fn template_injection_env_goes_before_the_next_steps_comment() {
    let head = "on: pull_request\npermissions:\n  contents: read\njobs:\n  greet:\n    runs-on: ubuntu-latest\n    steps:\n";
    let text = format!("{head}      - run: echo \"${{{{ github.event.pull_request.title }}}}\"\n      # the next step\n      - run: echo done\n");
    assert_eq!(
        fixed(&text),
        format!("{head}      - run: echo \"${{PR_TITLE}}\"\n        env:\n          PR_TITLE: ${{{{ github.event.pull_request.title }}}}\n      # the next step\n      - run: echo done\n")
    );
}

/// Trusted publishing removes the token's `env:` block, or the step that writes it to .npmrc,
/// and keeps the comment that introduces the next step.
#[test]
fn trusted_publishing_removals_keep_the_next_steps_comment() {
    // Node 24 brings an npm that can publish with OIDC, so the fix is offered.
    let head = format!("on:\n  push:\n    tags: ['v*']\npermissions:\n  contents: read\njobs:\n  publish:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: {CHECKOUT}\n        with:\n          persist-credentials: false\n      - uses: actions/setup-node@49933ea5288caeca8642d1e84afbd3f7d6820020 # v4.4.0\n        with:\n          node-version: 24\n");
    let job_permissions =
        "    permissions:\n      contents: read\n      id-token: write\n    steps:\n";
    let want = |steps: &str| head.replace("    steps:\n", job_permissions) + steps;
    let text = format!("{head}      - run: npm publish --ignore-scripts\n        env:\n          NODE_AUTH_TOKEN: ${{{{ secrets.NPM_TOKEN }}}}\n      # tell the team\n      - run: echo done\n");
    assert_eq!(
        fixed(&text),
        want("      - run: npm publish --ignore-scripts\n      # tell the team\n      - run: echo done\n")
    );
    let text = format!("{head}      - run: echo \"//registry.npmjs.org/:_authToken=${{{{ secrets.NPM_TOKEN }}}}\" > .npmrc\n      # publish the package\n      - run: npm publish --ignore-scripts\n");
    assert_eq!(
        fixed(&text),
        want("      # publish the package\n      - run: npm publish --ignore-scripts\n")
    );
}
