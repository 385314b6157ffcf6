//! `chainwarden check` on broken inputs: a clear message per file, the run goes on, exit code 2
//! only for paths the user named that cannot be read. A file that can be read but not analysed
//! (binary, not UTF-8) is a `file-not-analysed` finding however it was reached. Permission errors are emulated with a FIFO in place of a
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

    // Walking the folder: the binary and the Latin-1 workflow are findings (never a silent
    // skip), so the run fails like any finding; the symbolic-link loop is a warning.
    let out = check(dir.path(), &["."]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    let err = String::from_utf8_lossy(&out.stderr);
    for (file, why) in [("latin1.yml", "not valid UTF-8"), ("binary.yml", "binary")] {
        assert!(
            stdout
                .lines()
                .any(|l| l.contains(file) && l.contains("[file-not-analysed]") && l.contains(why)),
            "{file}: {stdout}"
        );
    }
    assert_eq!(out.status.code(), Some(1), "{stdout}\n{err}");

    // Named directly: a file that cannot be analysed is the same finding (exit 1); a path that
    // cannot be read at all is an error (exit 2). The good file is still checked either way.
    for (bad, code) in [
        ("latin1.yml", 1),
        ("binary.yml", 1),
        ("loop-a.yml", 2),
        ("missing.yml", 2),
    ] {
        let path = format!(".github/workflows/{bad}");
        let out = check(
            dir.path(),
            &[&path, ".github/workflows/good.yml", "--format", "json"],
        );
        let err = String::from_utf8_lossy(&out.stderr);
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert_eq!(out.status.code(), Some(code), "{bad}: {err}");
        assert!(stdout.contains("\"findings\""), "{bad}");
        if code == 2 {
            assert!(err.contains(bad), "{bad}: {err}");
        } else {
            assert!(
                stdout.contains(bad) && stdout.contains("file-not-analysed"),
                "{bad}: {stdout}"
            );
        }
    }
    let out = check(dir.path(), &[".github/workflows/loop-a.yml"]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("symbolic links"));
    if made_fifo {
        let out = check(dir.path(), &[".github/workflows/pipe.yml"]);
        assert_eq!(out.status.code(), Some(2));
    }
}
