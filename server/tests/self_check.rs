//! `chainwarden check .` on this repository reports only real problems, and there are none:
//! the root `chainwarden.toml` ignores the deliberately bad fixtures and test workspaces, and
//! nothing else. A workflow, Dockerfile, package.json or script committed with a problem fails
//! this test (fix it, or justify it with an ignore comment or a config entry that says why).

use chainwarden::config::Config;
use std::path::{Path, PathBuf};
use std::process::Command;

fn repository_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

#[test]
fn the_project_passes_its_own_check() {
    let root = repository_root();
    // The user's own configuration must not decide this (an empty XDG config folder).
    let xdg = tempfile::tempdir().unwrap();
    let run = |format: &str| {
        Command::new(env!("CARGO_BIN_EXE_chainwarden"))
            .current_dir(&root)
            .env("XDG_CONFIG_HOME", xdg.path())
            .args(["check", ".", "--format", format])
            .output()
            .unwrap()
    };
    let out = run("json");
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let findings = report["findings"].as_array().unwrap();
    if !findings.is_empty() || out.status.code() != Some(0) {
        let text = run("text");
        panic!(
            "`chainwarden check .` on the repository (exit {:?}):\n{}{}",
            out.status.code(),
            String::from_utf8_lossy(&text.stdout),
            String::from_utf8_lossy(&text.stderr)
        );
    }
    let text = String::from_utf8_lossy(&run("text").stdout).into_owned();
    assert!(text.contains("No findings in "), "{text}");
}

/// The ignore list covers test data only: the project's real files stay checked.
#[test]
fn the_root_config_ignores_test_data_only() {
    let root = repository_root();
    let (config, error) = Config::load(&root);
    assert!(error.is_none(), "chainwarden.toml: {error:?}");
    for test_data in [
        "tests/fixtures/unpinned-ci-actions/fires.yml",
        "editors/tests/workspace/Dockerfile",
        "editors/tests/workspace/.github/workflows/ci.yml",
    ] {
        assert!(config.is_ignored(Path::new(test_data)), "{test_data}");
    }
    for real in [
        "editors/vscode/package.json",
        "editors/vscode/src/extension.ts",
        "editors/vscode/scripts/copy-server.js",
        ".github/workflows/ci.yml",
        ".github/workflows/release.yml",
        "action.yml",
        "Dockerfile",
        "package.json",
        "server/src/lib.rs",
    ] {
        assert!(
            !config.is_ignored(Path::new(real)),
            "{real} must be checked"
        );
    }
    let off: Vec<_> = config
        .rules
        .iter()
        .filter(|(_, s)| **s == chainwarden::config::RuleSetting::Off)
        .map(|(id, _)| id)
        .collect();
    assert!(
        off.is_empty(),
        "rules turned off for the whole repository: {off:?}; justify a finding where it is"
    );
}

/// The README's prerequisites name the Rust version the workspace declares, and how to install.
#[test]
fn the_readme_states_the_declared_rust_version_and_how_to_install() {
    let root = repository_root();
    let manifest = std::fs::read_to_string(root.join("Cargo.toml")).unwrap();
    let version = manifest
        .lines()
        .find_map(|l| l.strip_prefix("rust-version = \""))
        .and_then(|v| v.strip_suffix('"'))
        .expect("the workspace declares its rust-version");
    assert_eq!(
        env!("CARGO_PKG_RUST_VERSION"),
        version,
        "the crate inherits it"
    );
    let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
    for needle in [
        format!("Rust {version} or newer"),
        "cargo install --locked --path server".to_string(),
        "chainwarden check --help".to_string(),
        "python3-venv".to_string(),
        "unshare -n".to_string(),
    ] {
        assert!(
            readme.contains(&needle),
            "README.md should mention `{needle}`"
        );
    }
}
