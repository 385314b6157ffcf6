//! What `chainwarden check` tells a first-time user: the text summary (findings by severity,
//! files with findings of those scanned, what `--fix` can fix, `chainwarden explain` per rule),
//! what `--fix` applied, SARIF paths that code scanning can map, and `check --help`.

use serde_json::Value;
use std::path::Path;
use std::process::{Command, Output};

fn check(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_chainwarden"))
        .current_dir(dir)
        .arg("check")
        .args(args)
        .output()
        .unwrap()
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Two unpinned actions (high, fixable), a checkout without `persist-credentials: false` (low,
/// fixable) and a `pull_request_target` checkout of the head (critical, no fix).
const FINDINGS: &str = "on: pull_request_target\npermissions: {}\njobs:\n  j:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n        with:\n          ref: ${{ github.event.pull_request.head.sha }}\n      - uses: actions/setup-node@v4\n";
const CLEAN: &str = "on: push\npermissions: {}\njobs:\n  j:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo hi\n";

fn workspace(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (path, text) in files {
        let path = dir.path().join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    dir
}

#[test]
fn text_output_ends_with_a_summary_that_leads_somewhere() {
    let dir = workspace(&[
        (".github/workflows/bad.yml", FINDINGS),
        (".github/workflows/good.yml", CLEAN),
        ("README.md", "not checked"),
    ]);
    let out = check(dir.path(), &[]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let text = stdout(&out);
    let summary = text.split("\n\n").last().unwrap();
    let lines: Vec<&str> = summary.lines().collect();
    assert_eq!(
        lines[0], "4 findings in 1 of 2 files scanned: 1 critical, 2 high, 1 low.",
        "{text}"
    );
    assert_eq!(
        lines[1], "3 can be fixed with `chainwarden check --fix`.",
        "{text}"
    );
    // One line per rule, most severe first, each a command to copy.
    let explained: Vec<&str> = lines
        .iter()
        .filter_map(|l| l.trim().strip_prefix("chainwarden explain "))
        .map(|l| l.split_whitespace().next().unwrap())
        .collect();
    assert_eq!(
        explained,
        [
            "dangerous-pull-request-target",
            "unpinned-ci-actions",
            "checkout-persist-credentials"
        ],
        "{text}"
    );
    assert!(
        lines
            .iter()
            .any(|l| l.contains("explain unpinned-ci-actions ")
                && l.ends_with(" # 2 findings, high, fixable")),
        "{text}"
    );
    // Every rule named there has an explanation.
    for id in explained {
        let out = Command::new(env!("CARGO_BIN_EXE_chainwarden"))
            .args(["explain", id])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0), "{id}");
    }

    let clean = workspace(&[(".github/workflows/good.yml", CLEAN)]);
    let out = check(clean.path(), &["."]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(stdout(&out), "No findings in 1 file scanned.\n");

    let empty = workspace(&[("README.md", "nothing to check")]);
    let out = check(empty.path(), &[]);
    assert_eq!(out.status.code(), Some(0));
    assert!(
        stdout(&out).starts_with("No files to check"),
        "{}",
        stdout(&out)
    );
}

#[test]
fn machine_formats_carry_no_summary() {
    let dir = workspace(&[(".github/workflows/bad.yml", FINDINGS)]);
    let json: Value = serde_json::from_slice(&check(dir.path(), &["--format", "json"]).stdout)
        .expect("json output is one JSON document");
    assert_eq!(json["version"], 1);
    assert_eq!(json["findings"].as_array().unwrap().len(), 4);
    let github = stdout(&check(dir.path(), &["--format", "github"]));
    assert!(github.lines().all(|l| l.starts_with("::")), "{github}");
    let sarif: Value = serde_json::from_slice(&check(dir.path(), &["--format", "sarif"]).stdout)
        .expect("sarif output is one JSON document");
    assert_eq!(sarif["version"], "2.1.0");
}

#[test]
fn fix_reports_how_many_fixes_it_applied_in_how_many_files() {
    let dir = workspace(&[
        (".github/workflows/a.yml", FINDINGS),
        (".github/workflows/b.yml", FINDINGS),
        (".github/workflows/good.yml", CLEAN),
    ]);
    let out = check(dir.path(), &["--fix"]);
    // Per file: two pins and `persist-credentials: false`; the critical finding stays.
    assert!(
        stderr(&out).contains("Applied 6 fixes in 2 files."),
        "{}",
        stderr(&out)
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stdout(&out).contains("2 findings in 2 of 3 files scanned: 2 critical."),
        "{}",
        stdout(&out)
    );
    assert!(!stdout(&out).contains("--fix`"), "{}", stdout(&out));
    let out = check(dir.path(), &["--fix", "--format", "json"]);
    assert!(
        stderr(&out).contains("No fixes to apply."),
        "{}",
        stderr(&out)
    );
    serde_json::from_slice::<Value>(&out.stdout).expect("stdout stays one JSON document");
}

fn sarif_uris(sarif: &Value) -> Vec<(String, Option<String>)> {
    sarif["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            let loc = &r["locations"][0]["physicalLocation"]["artifactLocation"];
            (
                loc["uri"].as_str().unwrap().to_string(),
                loc["uriBaseId"].as_str().map(str::to_string),
            )
        })
        .collect()
}

#[test]
fn sarif_paths_are_relative_to_the_repository_root_however_the_path_is_given() {
    let dir = workspace(&[
        ("repo/.github/workflows/bad.yml", FINDINGS),
        ("repo/.git/HEAD", "ref: refs/heads/main\n"),
        ("repo/sub/README.md", "a folder below the root"),
        ("plain/.github/workflows/bad.yml", FINDINGS),
    ]);
    let root = dir.path().canonicalize().unwrap();
    let repo = root.join("repo");
    let want = (
        ".github/workflows/bad.yml".to_string(),
        Some("%SRCROOT%".to_string()),
    );
    let base = format!("file://{}/", repo.display());
    // An absolute path from elsewhere, the root itself, and a folder below the root.
    for (cwd, arg) in [
        (Path::new("/"), repo.to_str().unwrap()),
        (repo.as_path(), "."),
        (&repo.join("sub"), ".."),
        (&repo.join("sub"), "../.github/workflows/bad.yml"),
    ] {
        let out = check(cwd, &[arg, "--format", "sarif"]);
        let sarif: Value = serde_json::from_slice(&out.stdout).unwrap();
        let uris = sarif_uris(&sarif);
        assert!(!uris.is_empty(), "{arg}");
        assert!(uris.iter().all(|u| *u == want), "{arg}: {uris:?}");
        assert_eq!(
            sarif["runs"][0]["originalUriBaseIds"]["%SRCROOT%"]["uri"], base,
            "{arg}"
        );
    }
    // No repository: relative to the folder that was scanned.
    let out = check(
        Path::new("/"),
        &[root.join("plain").to_str().unwrap(), "--format", "sarif"],
    );
    let sarif: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(sarif_uris(&sarif).iter().all(|u| *u == want));
    assert_eq!(
        sarif["runs"][0]["originalUriBaseIds"]["%SRCROOT%"]["uri"],
        format!("file://{}/", root.join("plain").display())
    );
}

#[test]
fn check_help_describes_paths_fail_on_formats_and_exit_codes() {
    let out = Command::new(env!("CARGO_BIN_EXE_chainwarden"))
        .args(["check", "--help"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let help = stdout(&out);
    for needle in [
        "[PATHS]",
        "Files or folders to check [default: .]",
        ".gitignore",
        ".github/workflows/",
        "Dockerfile",
        "package.json",
        "low:",
        "medium:",
        "high:",
        "critical:",
        "sarif:",
        "github:",
        "Exit codes:",
        "0  no finding at or above --fail-on",
        "1  at least one finding",
        "2  a usage error",
    ] {
        assert!(help.contains(needle), "`{needle}` missing from:\n{help}");
    }
    let bad = Command::new(env!("CARGO_BIN_EXE_chainwarden"))
        .args(["check", "--fail-on", "severe"])
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2));
    assert!(stderr(&bad).contains("low, medium, high, critical"));
}

#[test]
fn a_workflow_named_from_inside_github_workflows_is_still_a_workflow() {
    let dir = workspace(&[
        ("repo/.github/workflows/bad.yml", FINDINGS),
        ("repo/.git/HEAD", "ref: refs/heads/main\n"),
    ]);
    let repo = dir.path().join("repo");
    for (cwd, arg) in [
        (repo.join(".github/workflows"), "bad.yml"),
        (repo.join(".github"), "workflows"),
    ] {
        let out = check(&cwd, &[arg]);
        assert_eq!(out.status.code(), Some(1), "{arg}: {}", stderr(&out));
        assert!(
            stdout(&out).contains("4 findings in 1 file scanned"),
            "{arg}: {}",
            stdout(&out)
        );
    }
}

#[test]
fn a_reader_that_goes_away_is_no_crash() {
    // More output than a pipe holds, so the write fails whenever the reader leaves.
    let mut steps = String::new();
    for _ in 0..600 {
        steps.push_str("      - uses: actions/setup-node@v4\n");
    }
    let text = CLEAN.replace("      - run: echo hi\n", &steps);
    let dir = workspace(&[(".github/workflows/many.yml", &text)]);
    let mut child = Command::new(env!("CARGO_BIN_EXE_chainwarden"))
        .current_dir(dir.path())
        .arg("check")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(!stderr(&out).contains("panicked"), "{}", stderr(&out));
}

#[test]
fn github_annotations_name_files_from_the_repository_root() {
    let dir = workspace(&[
        ("repo/.github/workflows/bad.yml", FINDINGS),
        ("repo/.git/HEAD", "ref: refs/heads/main\n"),
    ]);
    let repo = dir.path().join("repo");
    for (cwd, arg) in [(repo.clone(), "."), (repo.join(".github"), "workflows")] {
        let out = stdout(&check(&cwd, &[arg, "--format", "github"]));
        assert_eq!(out.lines().count(), 4, "{out}");
        assert!(
            out.lines()
                .all(|l| l.contains(" file=.github/workflows/bad.yml,line=")),
            "{arg}: {out}"
        );
    }
}

/// A step output that carries a pull request title into a later script: the finding's flow
/// (source → hops) is in every format.
const FLOW: &str = "on: pull_request_target\npermissions: {}\njobs:\n  j:\n    runs-on: ubuntu-latest\n    steps:\n      - id: meta\n        run: echo \"title=$TITLE\" >> \"$GITHUB_OUTPUT\"\n        env:\n          TITLE: ${{ github.event.pull_request.title }}\n      - run: echo \"${{ steps.meta.outputs.title }}\"\n";

#[test]
fn flow_findings_carry_their_hops_in_json_sarif_and_text() {
    let dir = workspace(&[(".github/workflows/flow.yml", FLOW)]);
    let out = check(dir.path(), &["--format", "json"]);
    let json: Value = serde_json::from_str(&stdout(&out)).unwrap();
    let f = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == "template-injection")
        .expect("a template-injection finding");
    assert_eq!(f["line"], 11, "{f}");
    let related = f["related"].as_array().expect("related");
    let lines: Vec<u64> = related
        .iter()
        .map(|r| r["line"].as_u64().unwrap())
        .collect();
    assert_eq!(lines, [10, 8], "{f}");
    for r in related {
        for key in ["column", "end_line", "end_column", "message"] {
            assert!(!r[key].is_null(), "{key} in {r}");
        }
    }
    assert!(f["message"].as_str().unwrap().contains("(line 10)"), "{f}");

    let out = check(dir.path(), &["--format", "sarif"]);
    let sarif: Value = serde_json::from_str(&stdout(&out)).unwrap();
    let result = sarif["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["ruleId"] == "template-injection")
        .unwrap();
    assert_eq!(result["relatedLocations"].as_array().unwrap().len(), 2);
    let steps = result["codeFlows"][0]["threadFlows"][0]["locations"]
        .as_array()
        .expect("a code flow");
    let step_lines: Vec<u64> = steps
        .iter()
        .map(|s| {
            s["location"]["physicalLocation"]["region"]["startLine"]
                .as_u64()
                .unwrap()
        })
        .collect();
    assert_eq!(step_lines, [10, 8, 11], "source, hop, sink");

    let text = stdout(&check(dir.path(), &[]));
    assert!(
        text.contains("= note: .github/workflows/flow.yml:8:"),
        "{text}"
    );
}
