//! Test data (SPEC §7.9): compose files, Dockerfiles and package.json under `fixtures/`,
//! `testdata/`, `__fixtures__/` or `test-fixtures/` are skipped by `chainwarden check` unless
//! `[paths] test-data = true`, with one note on stderr; a named file is always analysed.

use std::process::{Command, Output};

fn check(dir: &std::path::Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_chainwarden"))
        .current_dir(dir)
        .arg("check")
        .args(["--format", "json"])
        .args(args)
        .output()
        .unwrap()
}

fn paths(out: &Output) -> Vec<String> {
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let mut p: Vec<String> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["path"].as_str().unwrap().to_string())
        .collect();
    p.sort();
    p.dedup();
    p
}

#[test]
fn test_data_is_skipped_unless_configured() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    for d in ["e2e/fixtures/app", "pkg/testdata", "src/__fixtures__"] {
        std::fs::create_dir_all(root.join(d)).unwrap();
    }
    let image = "FROM node:22\n";
    std::fs::write(root.join("Dockerfile"), image).unwrap();
    std::fs::write(root.join("e2e/fixtures/app/Dockerfile"), image).unwrap();
    std::fs::write(root.join("pkg/testdata/Dockerfile"), image).unwrap();
    std::fs::write(
        root.join("src/__fixtures__/compose.yaml"),
        "services:\n  db:\n    image: postgres:16\n",
    )
    .unwrap();

    let out = check(root, &["."]);
    assert_eq!(paths(&out), vec!["Dockerfile"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("note: skipped 3 test-data files")
            && err.contains("__fixtures__/, fixtures/, testdata/")
            && err.contains("[paths] test-data = true"),
        "{err}"
    );

    // Pointing at a fixtures folder, or naming a file, analyses it.
    let out = check(root, &["e2e/fixtures"]);
    assert_eq!(paths(&out), vec!["e2e/fixtures/app/Dockerfile"]);
    let out = check(root, &["pkg/testdata/Dockerfile"]);
    assert_eq!(paths(&out), vec!["pkg/testdata/Dockerfile"]);

    std::fs::write(root.join("chainwarden.toml"), "[paths]\ntest-data = true\n").unwrap();
    let out = check(root, &["."]);
    assert_eq!(paths(&out).len(), 4, "{:?}", paths(&out));
    assert!(!String::from_utf8_lossy(&out.stderr).contains("test-data"));
}
