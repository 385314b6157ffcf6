//! Never crash, never corrupt: the stable-Rust twin of the `fuzz/` targets. Every fixture and
//! a sample of the real-world corpus, plus deterministic mutations of each (byte flips,
//! truncations, half-typed lines ending in wide characters, line deletions, duplicated lines,
//! inserted `:`/`-`/quotes/tabs/`${{`/emoji), go
//! through `chainwarden::harness::analyse_then_fix`: parse, analyse, apply each fix alone and
//! fix-all, re-parse. Any panic, out-of-range span or overlapping edit fails the test.
//!
//! `CHAINWARDEN_MUTATIONS` sets the mutations per file (default 12) and
//! `CHAINWARDEN_CORPUS_STEP` samples every n-th corpus file (default 20; 1 = all);
//! `CHAINWARDEN_SEED` shifts every file's seed (default 0) to explore other mutations.

use chainwarden::harness::{analyse_then_fix, parse_only};
use chainwarden::kind::{self, FileKind};
use std::path::{Path, PathBuf};

struct Lcg(u64);
impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        self.0 >> 33
    }
    fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next() as usize) % n
        }
    }
}

const INSERTS: &[&str] = &[
    ":",
    "-",
    "\"",
    "'",
    "\t",
    "${{",
    "}}",
    "[",
    "{",
    "&a ",
    "*a ",
    "\n",
    " ",
    "#",
    "\\",
    "é",
    "😀",
    "\r\n",
    "|\n",
    "<<: *a\n",
    "- uses: a/b@v1\n",
];

fn mutate(text: &str, rng: &mut Lcg) -> String {
    let mut bytes = text.as_bytes().to_vec();
    let at = rng.below(bytes.len() + 1);
    match rng.below(7) {
        0 if !bytes.is_empty() => {
            let i = rng.below(bytes.len());
            bytes[i] ^= 1 << rng.below(8);
        }
        1 => bytes.truncate(at),
        // Half-typed line: cut it short and end it with wide characters.
        5 => {
            let end = bytes[at..]
                .iter()
                .position(|&b| b == b'\n')
                .map_or(bytes.len(), |n| at + n);
            bytes.splice(at..end, " é😀".bytes());
        }
        2 | 3 => {
            let lines: Vec<&str> = text.split_inclusive('\n').collect();
            if !lines.is_empty() {
                let i = rng.below(lines.len());
                let mut out = String::new();
                for (j, l) in lines.iter().enumerate() {
                    if j != i || rng.below(2) == 0 {
                        out.push_str(l);
                    }
                    if j == i {
                        out.push_str(l); // duplicated (or, with the skip above, deleted)
                    }
                }
                return out;
            }
        }
        _ => {
            let ins = INSERTS[rng.below(INSERTS.len())];
            bytes.splice(at..at, ins.bytes());
        }
    }
    String::from_utf8_lossy(&bytes).into_owned()
}

fn collect(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<_> = entries.flatten().map(|e| e.path()).collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            collect(&p, out);
        } else if kind::detect(&p).is_some() {
            out.push(p);
        }
    }
}

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn run(path: &Path, mutations: usize, seed: u64) {
    let Some(kind) = kind::detect(path) else {
        return;
    };
    let Ok(text) = std::fs::read_to_string(path) else {
        return;
    };
    let seed = seed.wrapping_add(env_usize("CHAINWARDEN_SEED", 0) as u64 * 7919);
    let mut rng = Lcg(seed);
    let mut current = text.clone();
    for i in 0..=mutations {
        let input = if i == 0 {
            text.clone()
        } else {
            current.clone()
        };
        let outcome = std::panic::catch_unwind(|| analyse_then_fix(kind, &input));
        if let Err(e) = outcome {
            let msg = e
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| e.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_default();
            let dump = std::env::temp_dir().join("chainwarden-robustness-crash.txt");
            let _ = std::fs::write(&dump, &input);
            panic!(
                "{} (mutation {i}, seed {seed}): {msg}; input saved to {}",
                path.display(),
                dump.display()
            );
        }
        // Mutations accumulate, restarting from the original now and then.
        current = if rng.below(4) == 0 {
            mutate(&text, &mut rng)
        } else {
            mutate(&current, &mut rng)
        };
    }
}

#[test]
fn fixtures_and_their_mutations() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures");
    let mut files = Vec::new();
    collect(&root, &mut files);
    assert!(
        files.len() > 50,
        "fixtures not found under {}",
        root.display()
    );
    let n = env_usize("CHAINWARDEN_MUTATIONS", 12);
    for (i, f) in files.iter().enumerate() {
        run(f, n, i as u64 + 1);
    }
}

#[test]
fn corpus_sample_and_its_mutations() {
    let root = std::env::var_os("CHAINWARDEN_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/corpus/dev"));
    let root = if root.is_dir() {
        root
    } else {
        PathBuf::from("/work/shared/corpus/dev")
    };
    if !root.is_dir() {
        eprintln!(
            "SKIPPED: corpus not found at {} (set CHAINWARDEN_CORPUS)",
            root.display()
        );
        return;
    }
    let mut files = Vec::new();
    collect(&root, &mut files);
    let step = env_usize("CHAINWARDEN_CORPUS_STEP", 20).max(1);
    let n = env_usize("CHAINWARDEN_MUTATIONS", 12);
    for (i, f) in files.iter().enumerate().step_by(step) {
        run(f, n, 1000 + i as u64);
    }
}

/// Hostile shapes: deep nesting, alias bombs, control bytes, huge lines.
#[test]
fn hostile_inputs_do_not_crash_or_explode() {
    let deep_flow = format!(
        "on: push\njobs: {}{}\n",
        "[".repeat(10_000),
        "]".repeat(10_000)
    );
    let mut deep_block = String::from("on: push\njobs:\n");
    for i in 0..2_000 {
        deep_block.push_str(&" ".repeat(i + 2));
        deep_block.push_str("k:\n");
    }
    let mut bomb = String::from("on: push\na0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
    for i in 1..30 {
        let p = i - 1;
        bomb.push_str(&format!(
            "a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n"
        ));
    }
    bomb.push_str(
        "jobs:\n  j:\n    runs-on: *a29\n    steps:\n      - run: echo\n        env: *a29\n",
    );
    let dispatch_comment = "on:\n  workflow_dispatch:\n    inputs:\n      # none yet\njobs:\n  j:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo hi\n";
    let controls: String = (0u8..32).map(char::from).collect::<String>().repeat(50);
    let long_line = format!("on: push\nname: {}\n", "x".repeat(200_000));
    let deep_json = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
    let deep_js = format!("const a = {};\n", "(".repeat(5_000) + &")".repeat(5_000));
    let deep_docker = format!("FROM alpine\nRUN {}\n", "$(".repeat(5_000));
    for (kind, text) in [
        (FileKind::Workflow, deep_flow.as_str()),
        (FileKind::Workflow, deep_block.as_str()),
        (FileKind::Workflow, bomb.as_str()),
        (FileKind::Compose, bomb.as_str()),
        (FileKind::Workflow, dispatch_comment),
        (FileKind::Workflow, controls.as_str()),
        (FileKind::Dockerfile, controls.as_str()),
        (FileKind::Workflow, long_line.as_str()),
        (FileKind::Package, deep_json.as_str()),
        (FileKind::Source, deep_js.as_str()),
        (FileKind::Dockerfile, deep_docker.as_str()),
    ] {
        parse_only(kind, text);
        analyse_then_fix(kind, text);
    }
}

/// One line of `- - - …`: every dash opens a block sequence in the YAML scanner.
#[test]
fn compact_nesting_on_one_line_does_not_abort() {
    for unit in ["- ", "? ", "- a: "] {
        let text = format!("on: push\njobs:\n  j: {}x\n", unit.repeat(400));
        analyse_then_fix(FileKind::Workflow, &text);
    }
}
