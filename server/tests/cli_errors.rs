//! `chainwarden check` on broken inputs: a clear message per file, the run goes on, exit code 2
//! only for paths the user named. Permission errors are emulated with a FIFO in place of a
//! file when running as root (root reads any file): opening it would block, so the walk must
//! not treat it as a file, and a named FIFO is reported.

use std::process::{Command, Output};

fn check(dir: &std::path::Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_chainwarden"))
        .current_dir(dir)
        .arg("check")
        .args(args)
        .output()
        .unwrap()
}

const GOOD: &str = "on: push\npermissions: {}\njobs:\n  j:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo hi\n";

#[test]
fn broken_files_are_reported_and_the_run_goes_on() {
    let dir = tempfile::tempdir().unwrap();
    let wf = dir.path().join(".github/workflows");
    std::fs::create_dir_all(&wf).unwrap();
    std::fs::write(wf.join("good.yml"), GOOD).unwrap();
    std::fs::write(wf.join("latin1.yml"), b"on: push\nname: caf\xe9\n").unwrap();
    std::fs::write(wf.join("binary.yml"), b"on: push\n\x00\x01\x02").unwrap();
    std::os::unix::fs::symlink("loop-b.yml", wf.join("loop-a.yml")).unwrap();
    std::os::unix::fs::symlink("loop-a.yml", wf.join("loop-b.yml")).unwrap();
    let fifo = wf.join("pipe.yml");
    let made_fifo = Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .is_ok_and(|s| s.success());

    // Walking the folder: messages, but exit 0 (nothing named is broken, no finding).
    let out = check(dir.path(), &["."]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("latin1.yml") && err.contains("not valid UTF-8"),
        "{err}"
    );
    assert!(
        err.contains("binary.yml") && err.contains("binary"),
        "{err}"
    );
    assert_eq!(out.status.code(), Some(0), "{err}");

    // Named directly: exit 2, and the good file is still checked.
    for bad in ["latin1.yml", "binary.yml", "loop-a.yml", "missing.yml"] {
        let path = format!(".github/workflows/{bad}");
        let out = check(
            dir.path(),
            &[&path, ".github/workflows/good.yml", "--format", "json"],
        );
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{bad}: {err}");
        assert!(err.contains(bad), "{bad}: {err}");
        assert!(
            String::from_utf8_lossy(&out.stdout).contains("\"findings\""),
            "{bad}"
        );
    }
    let out = check(dir.path(), &[".github/workflows/loop-a.yml"]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("symbolic links"));
    if made_fifo {
        let out = check(dir.path(), &[".github/workflows/pipe.yml"]);
        assert_eq!(out.status.code(), Some(2));
    }
}
