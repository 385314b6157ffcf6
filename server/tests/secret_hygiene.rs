//! Secret hygiene: `chainwarden check` in every output format, on files holding real-format
//! (fake) credentials, never prints a credential, on stdout or stderr. The quoted source lines
//! of the text format mask them.

use std::path::Path;
use std::process::Command;

/// Copies the hard-coded credential fixtures into `dir`; returns the credentials they hold.
pub fn plant(dir: &Path) -> Vec<String> {
    let fixtures =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/hardcoded-credential");
    let wf = dir.join(".github/workflows");
    std::fs::create_dir_all(&wf).unwrap();
    std::fs::copy(fixtures.join("workflow.yml"), wf.join("deploy.yml")).unwrap();
    std::fs::copy(
        fixtures.join("docker-compose.yml"),
        dir.join("docker-compose.yml"),
    )
    .unwrap();
    std::fs::write(
        dir.join("Dockerfile"),
        "FROM alpine:3.20@sha256:1fe26a417062b86933d1c7a64431a3f5dcf2d502e1d38953d0e68d55b82e0a4a\n\
         ENV GITLAB_TOKEN=glpat-Qk8vZr2mWx9LpT4nYs7B\n",
    )
    .unwrap();
    vec![
        "hvs.besrjeZrHp9yMR0lJU0RmioeYFwp2EBcbbJOmqDf0yxiOnTcVAiTqnbtXSXFRO9O0q8WKLi5qJI4mijOXd47EAMQBl".into(),
        "sk-proj-KrmUeUKjuZSibyToBcCcRtIiGKrzBYXHolHYa13il3C31U0lVvwvH70052LQ".into(),
        "glpat-nUcOwcOBExM3tnY4WftH".into(),
        "rk_live_RLpMS3EDQnrVrLRwyyXevrSM1XYEBo1xoUKutZkS".into(),
        "glpat-Qk8vZr2mWx9LpT4nYs7B".into(),
    ]
}

/// The secret's tail: what must never appear (a prefix like `glpat-` may be named).
pub fn tail(secret: &str) -> &str {
    &secret[secret.len() - 12..]
}

#[test]
fn check_output_never_holds_a_secret() {
    let dir = tempfile::tempdir().unwrap();
    let secrets = plant(dir.path());
    let mut flagged = 0;
    for format in ["text", "json", "sarif", "github"] {
        let out = Command::new(env!("CARGO_BIN_EXE_chainwarden"))
            .current_dir(dir.path())
            .args(["check", ".", "--format", format])
            .output()
            .unwrap();
        let all = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        flagged += all.matches("hardcoded-credential").count();
        for s in &secrets {
            assert!(!all.contains(tail(s)), "{format} output shows {s}:\n{all}");
        }
    }
    assert!(flagged >= 4 * secrets.len(), "the credentials were found");
}
