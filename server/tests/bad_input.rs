//! Never a false "clean" (SPEC §7.8), through `chainwarden check`: a file that is too large,
//! indented with tabs, broken by an unclosed quote, binary or not UTF-8 is reported, counts for
//! `--fail-on` and the exit code, and the parts of a broken file that do parse keep their
//! findings at their own lines.

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

/// A folder holding one workflow `.github/workflows/<name>` with these bytes.
fn workflow_dir(name: &str, bytes: &[u8]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let wf = dir.path().join(".github/workflows");
    std::fs::create_dir_all(&wf).unwrap();
    std::fs::write(wf.join(name), bytes).unwrap();
    dir
}

/// A finding of the JSON report: `(rule, line, column, message)`.
type Found = (String, u64, u64, String);

/// `check --format json` on the folder: exit code and findings.
fn findings(dir: &Path, extra: &[&str]) -> (Option<i32>, Vec<Found>) {
    let mut args = vec![".", "--format", "json"];
    args.extend_from_slice(extra);
    let out = check(dir, &args);
    let report: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "{e}: {}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    let found = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["rule"].as_str().unwrap().to_string(),
                f["line"].as_u64().unwrap(),
                f["column"].as_u64().unwrap(),
                f["message"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    (out.status.code(), found)
}

fn rules_at(found: &[Found]) -> Vec<(u64, &str)> {
    let mut v: Vec<_> = found.iter().map(|f| (f.1, f.0.as_str())).collect();
    v.sort();
    v
}

/// A workflow of more than 5 MB (over the language server's 4 MiB typing limit) is analysed by
/// `check`: every job's unpinned action is reported, and nothing says the file was skipped.
#[test]
fn a_five_megabyte_workflow_is_analysed() {
    let mut text = String::from("on: push\npermissions: {}\njobs:\n");
    let mut jobs = 0;
    while text.len() < 5 * 1024 * 1024 + 1 {
        text.push_str(&format!(
            "  job-{jobs}:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/setup-node@v4\n      - run: |\n"
        ));
        for i in 0..40 {
            text.push_str(&format!(
                "          echo \"line {i} of job {jobs}, padding the script\"\n"
            ));
        }
        jobs += 1;
    }
    assert!(text.len() > chainwarden::engine::MAX_ANALYSED_BYTES);
    let dir = workflow_dir("big.yml", text.as_bytes());
    let started = std::time::Instant::now();
    let (code, found) = findings(dir.path(), &[]);
    eprintln!(
        "{} bytes, {jobs} jobs: {:?} (debug build)",
        text.len(),
        started.elapsed()
    );
    assert_eq!(code, Some(1));
    assert!(found.iter().all(|f| f.0 != "file-not-analysed"));
    let unpinned = found
        .iter()
        .filter(|f| f.0 == "unpinned-ci-actions")
        .count();
    assert_eq!(unpinned, jobs);
}

/// Indented with tabs: the tab is a syntax error, and the unpinned checkout is still reported
/// at its line.
#[test]
fn a_tab_indented_workflow_is_a_syntax_error_and_keeps_its_findings() {
    let text = "on: push\npermissions: {}\njobs:\n\tbuild:\n\t\truns-on: ubuntu-latest\n\t\tsteps:\n\t\t\t- uses: actions/checkout@v4\n\t\t\t  with:\n\t\t\t    persist-credentials: false\n";
    let dir = workflow_dir("tabs.yml", text.as_bytes());
    let (code, found) = findings(dir.path(), &[]);
    assert_eq!(code, Some(1));
    assert_eq!(
        rules_at(&found),
        [(4, "syntax-error"), (7, "unpinned-ci-actions")],
        "{found:?}"
    );
    let syntax = found.iter().find(|f| f.0 == "syntax-error").unwrap();
    assert_eq!((syntax.1, syntax.2), (4, 1));
    assert!(syntax.3.contains("tab"), "{}", syntax.3);
    let unpinned = found.iter().find(|f| f.0 == "unpinned-ci-actions").unwrap();
    // Columns count characters: three tabs, `- uses: actions/checkout@` then the ref.
    assert_eq!(unpinned.2, 3 + "- uses: actions/checkout@".len() as u64 + 1);
    // A file that does not parse is not fixed: no edit can be known to leave it valid.
    let out = check(dir.path(), &[".", "--fix"]);
    assert_eq!(out.status.code(), Some(1));
    let path = dir.path().join(".github/workflows/tabs.yml");
    assert_eq!(std::fs::read_to_string(path).unwrap(), text);
}

/// The last step opens a quote it never closes: the syntax error points at the quote, the
/// unpinned action of the valid step before it is reported at its line, and the permissions
/// finding names the job (not `runs-on`).
#[test]
fn an_unclosed_quote_in_the_last_step_keeps_the_valid_part() {
    let text = "on: push\njobs:\n  build:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n        with:\n          persist-credentials: false\n      - run: \"npm test\n";
    let dir = workflow_dir("quote.yml", text.as_bytes());
    let (code, found) = findings(dir.path(), &[]);
    assert_eq!(code, Some(1));
    assert_eq!(
        rules_at(&found),
        [
            (1, "overpermissioned-workflow-token"),
            (6, "unpinned-ci-actions"),
            (9, "syntax-error"),
        ],
        "{found:?}"
    );
    let perms = &found[0].3;
    assert!(
        perms.contains("job `build`") && !perms.contains("runs-on"),
        "{perms}"
    );
    let syntax = found.iter().find(|f| f.0 == "syntax-error").unwrap();
    assert_eq!((syntax.1, syntax.2), (9, 14));
    assert!(syntax.3.contains("never closed"), "{}", syntax.3);
    // A syntax error is medium: `--fail-on high` still fails on the unpinned action, and a file
    // whose only problem is the syntax error fails at medium but not at high.
    let only =
        "on: push\npermissions: {}\njobs:\n  a:\n    runs-on: x\n    steps:\n      - run: 'echo\n";
    let dir = workflow_dir("only.yml", only.as_bytes());
    assert_eq!(findings(dir.path(), &["--fail-on", "medium"]).0, Some(1));
    assert_eq!(findings(dir.path(), &["--fail-on", "high"]).0, Some(0));
}

/// A binary file named like a workflow, found by walking: a `file-not-analysed` finding on it
/// and exit 1 (it used to be an `error:` line and exit 0). Every output format handles a file
/// without text.
#[test]
fn a_binary_workflow_found_by_walking_is_a_finding() {
    let dir = workflow_dir("x.yml", b"on: push\x00\x01\x02\xff\n");
    let (code, found) = findings(dir.path(), &[]);
    assert_eq!(code, Some(1));
    assert_eq!(found.len(), 1, "{found:?}");
    let (rule, line, column, message) = &found[0];
    assert_eq!((rule.as_str(), *line, *column), ("file-not-analysed", 1, 1));
    assert!(message.contains("binary"), "{message}");
    assert_eq!(findings(dir.path(), &["--fail-on", "high"]).0, Some(0));

    let out = check(dir.path(), &["."]);
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(!text.contains('\0'), "{text:?}");
    assert!(
        text.starts_with(
            ".github/workflows/x.yml:1:1: medium[file-not-analysed] not analysed: binary file"
        ),
        "{text}"
    );
    assert!(
        text.contains("1 finding in 1 file scanned: 1 medium."),
        "{text}"
    );

    let out = check(dir.path(), &[".", "--format", "sarif"]);
    let sarif: Value = serde_json::from_slice(&out.stdout).unwrap();
    let result = &sarif["runs"][0]["results"][0];
    assert_eq!(result["ruleId"], "file-not-analysed");
    assert_eq!(
        result["locations"][0]["physicalLocation"]["region"]["startLine"],
        1
    );
    let out = check(dir.path(), &[".", "--format", "github"]);
    let github = String::from_utf8(out.stdout).unwrap();
    assert!(
        github.starts_with("::warning file=.github/workflows/x.yml,line=1,col=1,"),
        "{github}"
    );
    assert_eq!(out.status.code(), Some(1));
}

/// Not UTF-8 (Latin-1), walked or named: the finding says so and where the first bad byte is.
/// The config can turn the rule off like any other.
#[test]
fn a_workflow_that_is_not_utf8_is_a_finding() {
    let dir = workflow_dir("latin1.yml", b"on: push\nname: caf\xe9\n");
    let (code, found) = findings(dir.path(), &[]);
    assert_eq!(code, Some(1));
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].0, "file-not-analysed");
    assert!(
        found[0].3.contains("not valid UTF-8") && found[0].3.contains("offset 18"),
        "{}",
        found[0].3
    );
    let out = check(dir.path(), &[".github/workflows/latin1.yml"]);
    assert_eq!(out.status.code(), Some(1));

    std::fs::write(
        dir.path().join("chainwarden.toml"),
        "[rules]\nfile-not-analysed = \"off\"\n",
    )
    .unwrap();
    let (code, found) = findings(dir.path(), &[]);
    assert_eq!((code, found.len()), (Some(0), 0));
}

/// A package.json that is not JSON: the syntax error and the findings of what was read.
#[test]
fn a_broken_package_json_is_a_syntax_error() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("package.json"),
        "{\n  \"dependencies\": {\n    \"left-pad\": \"^1.3.0\"\n  \n",
    )
    .unwrap();
    std::fs::write(dir.path().join("package-lock.json"), "{}\n").unwrap();
    let (code, found) = findings(dir.path(), &[]);
    assert_eq!(code, Some(1));
    let rules: Vec<&str> = rules_at(&found).into_iter().map(|(_, r)| r).collect();
    assert!(rules.contains(&"syntax-error"), "{found:?}");
    assert!(rules.contains(&"unpinned-dependency"), "{found:?}");
}
